"""`make publish`: only a clean build goes online; anything else leaves the live site as it was."""

import fcntl
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.corpus import make_corpus
from conftest import soup
from desk.publish import builds_folder
from pouls_common.paths import ROOT, python_path
from publish_support import publish_once, run_publish


def snapshot(link):
    """Where the live link points and the bytes of every file it shows."""
    link = Path(link)
    files = {}
    for path in sorted(link.resolve().rglob("*")):
        if path.is_file():
            files[str(path.relative_to(link.resolve()))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return os.readlink(link) if link.is_symlink() else None, files



@pytest.fixture
def live(tmp_path, copy_site):
    """A content folder copied from desk-publish, already published once to tmp_path/site/output."""
    return publish_once(copy_site, tmp_path, "desk-publish")


def test_publish_swaps_in_a_clean_build_without_drafts_or_scheduled_reports(live):
    _content, link = live
    assert link.is_symlink() and link.resolve().parent == builds_folder(link)
    report = link / "urgences" / "regulation-de-nuit" / "index.html"
    assert soup(report).h1.get_text(strip=True) == "Une nuit au centre de régulation du SAMU"
    every_text = "".join(p.read_text(encoding="utf-8") for p in link.resolve().rglob("*") if p.is_file()
                         and p.suffix in (".html", ".xml", ".json", ".txt"))
    assert "Brouillon secret" not in every_text
    assert "siècle prochain" not in every_text
    assert not (link / "brouillons").exists()
    assert not (link / "urgences" / "programme-en-2099").exists()


def test_published_links_are_absolute_with_the_configured_address(tmp_path, copy_site, monkeypatch):
    monkeypatch.setenv("POULS_SITEURL", "https://sante.example.org/")
    link = tmp_path / "output"
    ok, log = run_publish(copy_site("desk-publish"), link)
    assert ok, log
    page = soup(link / "urgences" / "regulation-de-nuit" / "index.html")
    # Share links (partials/share.html) lead to the services themselves, on purpose.
    hrefs = [a["href"] for a in page.select("a[href], link[href]")
             if not a["href"].startswith("#") and not a.find_parent(class_="share")]
    assert "https://sante.example.org/" in hrefs
    assert [h for h in hrefs if not h.startswith("https://sante.example.org/")] == []


def test_a_check_error_keeps_the_previous_output_byte_for_byte(live):
    content, link = live
    before = snapshot(link)
    (content / "articles" / "urgences" / "regulation-de-nuit.md").write_text(
        "Title: Une nuit au SAMU\nDate: demain\nSummary: Un chapô.\n\nTexte.\n", encoding="utf-8"
    )
    ok, log = run_publish(content, link)
    assert not ok
    assert "n’est pas une date" in log
    assert "Publication refusée\u00a0: corrigez les erreurs ci-dessus (make check). Le site en ligne n’a pas changé." in log
    assert "Construction du site" not in log
    assert snapshot(link) == before


def test_a_build_warning_keeps_the_previous_output_byte_for_byte(live):
    content, link = live
    before = snapshot(link)
    # A reStructuredText report: `make check` reads only Markdown, Pelican warns that
    # its document title is missing. Any build warning must stop the publication.
    (content / "articles" / "urgences" / "note.rst").write_text(
        ":title: Une note\n:date: 2026-03-03 09:00\n:summary: Une note.\n\nTexte de la note.\n", encoding="utf-8"
    )
    ok, log = run_publish(content, link)
    assert not ok
    assert "Document title missing" in log
    assert "rien n’est publié tant qu’elle n’est pas propre. Le site en ligne n’a pas changé." in log
    assert snapshot(link) == before
    assert not list(builds_folder(link).glob("*.partial"))


def test_a_build_failing_half_way_keeps_the_previous_output(live, tmp_path):
    content, link = live
    before = snapshot(link)
    theme = tmp_path / "theme-broken"
    shutil.copytree(ROOT / "theme", theme)
    (theme / "templates" / "article.html").write_text(
        '{% extends "base.html" %}{% block content %}{{ article.no_such_thing.deeper }}{% endblock content %}',
        encoding="utf-8",
    )
    settings = tmp_path / "brokenconf.py"
    settings.write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nfrom publishconf import *\nTHEME = {str(theme)!r}\n",
        encoding="utf-8",
    )
    ok, log = run_publish(content, link, settings=str(settings))
    assert not ok
    assert "La construction a échoué (UndefinedError" in log
    assert snapshot(link) == before
    assert not list(builds_folder(link).glob("*.partial"))


def test_a_new_report_goes_online_and_the_previous_build_is_kept_for_rollback(live):
    content, link = live
    first = link.resolve()
    (content / "articles" / "urgences" / "formation-gestes.md").write_text(
        "Title: Former les étudiants aux gestes qui sauvent\nDate: 2026-03-10 09:00\n"
        "Authors: Rédaction de Pouls\nTags: régulation, SAMU\n"
        "Summary: Une matinée de mises en situation pour les étudiants en médecine.\n\nLe mannequin est prêt.\n",
        encoding="utf-8",
    )
    ok, log = run_publish(content, link)
    assert ok, log
    assert (link / "urgences" / "formation-gestes" / "index.html").is_file()
    assert link.resolve() != first
    assert sorted(p.name for p in builds_folder(link).iterdir() if p.is_dir()) == sorted(
        [first.name, link.resolve().name]
    )


def test_the_first_publication_moves_a_plain_output_folder_aside(tmp_path, copy_site):
    link = tmp_path / "output"
    link.mkdir()
    (link / "ancien.html").write_text("ancien site", encoding="utf-8")
    ok, log = run_publish(copy_site("desk-publish"), link)
    assert ok, log
    assert link.is_symlink() and (link / "index.html").is_file()
    kept = [p for p in builds_folder(link).iterdir() if p.name.endswith("-previous-folder")]
    assert [(p / "ancien.html").read_text(encoding="utf-8") for p in kept] == ["ancien site"]


def test_a_second_publication_at_the_same_time_is_refused(live):
    content, link = live
    before = snapshot(link)
    with open(builds_folder(link) / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        ok, log = run_publish(content, link)
    assert not ok
    assert "Une autre publication est en cours" in log
    assert snapshot(link) == before


# --------------------------------------------------------------------- interrupted builds


@pytest.fixture(scope="module")
def big_site(tmp_path_factory):
    """A synthetic site large enough that a build can be interrupted while it writes."""
    root = tmp_path_factory.mktemp("big-site")
    content = make_corpus(root / "content", 400)
    link = root / "output"
    result = subprocess.run(
        [sys.executable, "-m", "desk.publish", "--content", str(content), "--output", str(link)],
        cwd=ROOT, env=python_path(), capture_output=True, text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return root


def interrupt_mid_build(root, sig):
    """Start a publication of the changed site, send `sig` once it is writing files."""
    content, link = root / "content", root / "output"
    report = next((content / "articles" / "urgences").glob("*.md"))
    report.write_text(report.read_text(encoding="utf-8").replace("Reportage", "Reportage modifié", 1),
                      encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "desk.publish", "--content", str(content), "--output", str(link)],
        cwd=ROOT, env=python_path(),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    builds = builds_folder(link)
    deadline = time.monotonic() + 120
    # Wait for the build to have written some pages, not for a fixed time.
    while time.monotonic() < deadline and process.poll() is None:
        partial = next(builds.glob("*.partial"), None)
        if partial is not None and sum(1 for _ in partial.rglob("index.html")) >= 20:
            break
        time.sleep(0.01)
    assert process.poll() is None, "the build ended before it could be interrupted"
    process.send_signal(sig)
    output, _ = process.communicate(timeout=120)
    return process.returncode, output


def test_sigint_mid_build_leaves_the_published_folder_intact(big_site):
    link = big_site / "output"
    before = snapshot(link)
    status, output = interrupt_mid_build(big_site, signal.SIGINT)
    assert status == 130, output
    assert "Publication interrompue\u00a0: le site en ligne n’a pas changé." in output
    assert "Traceback" not in output
    assert snapshot(link) == before
    assert not list(builds_folder(link).glob("*.partial"))


def test_sigkill_mid_build_leaves_the_published_folder_intact(big_site):
    link = big_site / "output"
    before = snapshot(link)
    status, _ = interrupt_mid_build(big_site, signal.SIGKILL)
    assert status == -signal.SIGKILL
    assert snapshot(link) == before
    leftovers = list(builds_folder(link).glob("*.partial"))
    assert len(leftovers) == 1
    # The next publication clears what the killed one left and goes online.
    result = subprocess.run(
        [sys.executable, "-m", "desk.publish", "--content", str(big_site / "content"), "--output", str(link)],
        cwd=ROOT, env=python_path(), capture_output=True, text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert not leftovers[0].exists()
    assert snapshot(link) != before


def test_publish_speaks_french_to_the_editor_from_start_to_end(tmp_path, copy_site):
    content = copy_site("desk-publish")
    result = subprocess.run(
        [sys.executable, "-m", "desk.publish", "--content", str(content), "--output", str(tmp_path / "output")],
        cwd=ROOT, env=python_path(), capture_output=True, text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Publié" in result.stdout
    # Pelican's own summary line is English; the desk reports the build itself.
    assert "Done: Processed" not in result.stdout + result.stderr


def test_a_failing_publication_step_keeps_the_previous_output_and_says_why(live, monkeypatch):
    from desk import steps

    content, link = live
    before = snapshot(link)
    seen = []

    def refuse(folder, settings, stream):
        seen.append((folder.name, settings["SITEURL"]))
        raise steps.StepError("L’index de recherche n’a pas pu être construit.")

    monkeypatch.setattr(steps, "STEPS", (refuse,))
    ok, log = run_publish(content, link)
    assert not ok
    assert "L’index de recherche n’a pas pu être construit. Le site en ligne n’a pas changé." in log
    assert seen and seen[0][0].endswith(".partial") and seen[0][1].startswith("http")
    assert snapshot(link) == before
    assert not list(builds_folder(link).glob("*.partial"))


def test_publication_steps_run_on_the_build_before_it_goes_online(live, monkeypatch):
    from desk import steps

    content, link = live

    def stamp(folder, settings, stream):
        (folder / "etape.txt").write_text("fait", encoding="utf-8")

    monkeypatch.setattr(steps, "STEPS", (stamp,))
    ok, log = run_publish(content, link)
    assert ok, log
    assert (link / "etape.txt").read_text(encoding="utf-8") == "fait"


def test_the_command_prints_everything_before_it_leaves(tmp_path):
    # `python -m desk.publish` ends without the interpreter's teardown (desk.build.exit_now):
    # what it printed into a pipe (buffered) must still all arrive, with its exit code.
    content = tmp_path / "content"
    shutil.copytree(ROOT / "tests" / "sites" / "desk-publish", content)
    link = tmp_path / "output"
    command = [sys.executable, "-m", "desk.publish", "--content", str(content), "--output", str(link)]
    env = python_path()
    env.pop("PYTHONUNBUFFERED", None)  # a pipe: printed text waits in a buffer, as in a systemd unit
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Construction du site dans " in done.stdout and f"Publié\u00a0: {link} → " in done.stdout
    # The last line printed (the fixture holds a report dated 2099) arrived too.
    assert done.stdout.endswith("ils partiront avec la première publication qui suit.\n")
    (content / "articles" / "urgences" / "regulation-de-nuit.md").write_text("Title: \n", encoding="utf-8")
    refused = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert refused.returncode == 1
    assert "regulation-de-nuit.md" in refused.stdout and "Publié" not in refused.stdout
