"""`make deploy`: rsync the published folder to the configured target (a local folder here)."""

import io
import os
import re
import subprocess
import sys

import pytest

from desk.deploy import DeployError, deploy
from desk.publish import publish
from pouls_common.paths import ROOT, python_path


@pytest.fixture
def published(tmp_path, copy_site):
    link = tmp_path / "output"
    publish("publishconf.py", copy_site("desk-publish"), link, stream=io.StringIO())
    return link


def tree(root):
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def run_deploy(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "desk.deploy", *args], cwd=ROOT, capture_output=True, text=True, check=False,
        env=python_path({"PATH": os.environ["PATH"], **(env or {})}),
    )


def test_deploy_copies_the_published_site_and_removes_what_it_no_longer_has(published, tmp_path):
    target = tmp_path / "host" / "www"
    target.mkdir(parents=True)
    (target / "ancienne-page.html").write_text("retirée du site", encoding="utf-8")
    result = run_deploy("--source", str(published), env={"POULS_DEPLOY_TARGET": str(target)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith("Site envoyé.")
    assert tree(target) == tree(published.resolve())
    assert (target / "urgences" / "regulation-de-nuit" / "index.html").is_file()


def test_a_file_changed_within_the_same_second_at_the_same_size_is_sent(published, tmp_path):
    # A build writes only changed files: a search index file can be rewritten, same size,
    # within the second of the previous publication. rsync's default check (size and whole
    # seconds) would call it unchanged and leave the old bytes online.
    target = tmp_path / "host" / "www"
    target.mkdir(parents=True)
    env = {"POULS_DEPLOY_TARGET": str(target)}
    assert run_deploy("--source", str(published), env=env).returncode == 0
    page = published.resolve() / "urgences" / "regulation-de-nuit" / "index.html"
    before = page.stat()
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("<title>", "<TITLE>", 1), encoding="utf-8")
    whole_second = before.st_mtime_ns - before.st_mtime_ns % 1_000_000_000
    os.utime(page, ns=(whole_second + 700_000_000, whole_second + 700_000_000))
    os.utime(target / "urgences" / "regulation-de-nuit" / "index.html", ns=(whole_second + 100_000_000, whole_second + 100_000_000))
    assert page.stat().st_size == before.st_size
    result = run_deploy("--source", str(published), env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    sent = target / "urgences" / "regulation-de-nuit" / "index.html"
    assert sent.read_text(encoding="utf-8") == page.read_text(encoding="utf-8")


def test_dry_run_sends_nothing(published, tmp_path):
    target = tmp_path / "www"
    target.mkdir()
    result = run_deploy("--source", str(published), "--target", str(target), "--dry-run")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith("Simulation terminée, rien n’a été envoyé.")
    assert tree(target) == {}


def test_without_a_target_the_message_says_how_to_set_one(published):
    result = run_deploy("--source", str(published))
    assert result.returncode == 1
    assert result.stdout.startswith("Aucune destination\u00a0: définissez POULS_DEPLOY_TARGET (par exemple")
    assert "Traceback" not in result.stderr


def test_nothing_published_yet_is_refused(tmp_path):
    with pytest.raises(DeployError, match=re.escape("n’a pas de site publié. Lancez d’abord «\u00a0make publish\u00a0»")):
        deploy(tmp_path / "output", target=str(tmp_path / "www"))


def test_an_unreachable_target_reports_rsync_s_message(published, tmp_path):
    target = tmp_path / "fichier-ordinaire"
    target.write_text("pas un dossier", encoding="utf-8")
    with pytest.raises(DeployError, match=r"rsync a échoué \(code \d+\) vers .*fichier-ordinaire/www\u00a0: rsync: .*Not a directory"):
        deploy(published, target=str(target / "www"))
