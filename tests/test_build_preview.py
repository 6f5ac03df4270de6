"""The preview's quick pass and its build process: the edited report's page, found where the
report itself says (a `Slug:` override included), within the quick pass; the rest with the
full build that follows.
"""

import json
import shutil
import subprocess
import sys

import pytest

from conftest import soup
from desk.build import ROOT, build_site
from desk.preview import EVENT_PREFIX, preview_overrides
from desk.quick import QuickPass
from pouls_common.paths import python_path
from test_build_identity import assert_same_tree

SITES = ROOT / "tests" / "sites"
REPORT = "articles/urgences/regulation-de-nuit.md"


def replace_in(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture
def preview_site(tmp_path):
    """desk-publish with its night-regulation report moved by a Slug: override, built for the preview."""
    content = tmp_path / "content"
    shutil.copytree(SITES / "desk-publish", content)
    replace_in(content / REPORT, "Date:", "Slug: une-nuit-au-samu\nDate:")
    output = tmp_path / "preview"

    def build():
        return build_site(content=content, output=output, quiet=True, keep_model=True,
                          overrides={**preview_overrides("pelicanconf.py", output),
                                     "DESK_BUILD_CACHE_PATH": str(tmp_path / "cache")})

    return content, output, build


def test_the_quick_pass_finds_a_report_moved_by_its_slug(preview_site):
    content, output, build = preview_site
    quick = QuickPass(build())
    replace_in(content / REPORT, "Title: Une nuit au centre de régulation du SAMU", "Title: Une nuit blanche au SAMU")
    result = quick.run([content / REPORT], open_pages=["urgences/une-nuit-au-samu/index.html"])
    assert result.ok and result.errors == []
    # Not « urgences/regulation-de-nuit/index.html », the file name's guess.
    assert "urgences/une-nuit-au-samu/index.html" in result.pages
    assert soup(output / "urgences/une-nuit-au-samu/index.html").h1.get_text() == "Une nuit blanche au SAMU"
    assert not (output / "urgences" / "regulation-de-nuit").exists()


def test_the_quick_pass_follows_a_slug_changed_in_the_edit(preview_site):
    content, output, build = preview_site
    quick = QuickPass(build())
    replace_in(content / REPORT, "Slug: une-nuit-au-samu", "Slug: la-nuit-du-samu")
    result = quick.run([content / REPORT])
    assert "urgences/la-nuit-du-samu/index.html" in result.pages
    assert (output / "urgences" / "la-nuit-du-samu" / "index.html").is_file()


def test_the_quick_pass_rewrites_the_open_listing_that_shows_the_report(preview_site):
    content, output, build = preview_site
    quick = QuickPass(build())
    replace_in(content / REPORT, "Title: Une nuit au centre de régulation du SAMU", "Title: Une nuit blanche au SAMU")
    result = quick.run([content / REPORT], open_pages=["index.html"])
    assert "index.html" in result.pages
    titles = [a.get_text() for a in soup(output / "index.html").select(".card-title a")]
    assert "Une nuit blanche au SAMU" in titles


def test_the_full_build_after_a_quick_pass_is_a_cold_build(preview_site, tmp_path):
    content, output, build = preview_site
    quick = QuickPass(build())
    replace_in(content / REPORT, "Title: Une nuit au centre de régulation du SAMU", "Title: Une nuit blanche au SAMU")
    quick.run([content / REPORT], open_pages=["index.html"])
    build()
    cold = build_site(content=content, output=tmp_path / "cold", cache=False, quiet=True,
                      overrides=preview_overrides("pelicanconf.py", tmp_path / "cold"))
    assert_same_tree(output, cold.output)


def test_no_quick_pass_for_a_new_file_or_a_failed_read(preview_site):
    content, _, build = preview_site
    quick = QuickPass(build())
    new = content / "articles" / "urgences" / "nouveau.md"
    new.write_text("Title: Nouveau\nDate: 2026-03-03 09:00\n\nTexte.\n", encoding="utf-8")
    assert quick.run([new]) is None
    replace_in(content / REPORT, "Date: 2026-03-02 09:00", "Date: demain")
    failed = quick.run([content / REPORT])
    assert failed.errors == ["Could not process articles/urgences/regulation-de-nuit.md"]


def events(process, count):
    found = []
    while len(found) < count:
        line = process.stdout.readline()
        assert line, "the build process stopped"
        if line.startswith(EVENT_PREFIX):
            found.append(json.loads(line[len(EVENT_PREFIX):]))
    return found


def test_the_build_process_answers_a_save_with_a_quick_pass_then_a_full_build(preview_site, tmp_path):
    content, output, _ = preview_site
    process = subprocess.Popen(
        [sys.executable, "-m", "desk.preview", "--serve-builds", "--content", str(content), "--output", str(output)],
        cwd=ROOT, env=python_path(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, bufsize=1,
    )
    try:
        process.stdin.write(json.dumps({"id": 1}) + "\n")
        (first,) = events(process, 1)
        assert first["event"] == "full" and first["ok"] and first["ids"] == [1]
        assert first["drafts"] == ["/brouillons/brouillon-en-cours/", "/brouillons/programme-en-2099/"]
        replace_in(content / REPORT, "Title: Une nuit au centre de régulation du SAMU", "Title: Une nuit blanche au SAMU")
        process.stdin.write(json.dumps({"id": 2, "changed": [str(content / REPORT)],
                                        "open": ["urgences/une-nuit-au-samu/index.html"]}) + "\n")
        quick, full = events(process, 2)
        assert quick["event"] == "quick" and quick["ids"] == [2]
        assert "urgences/une-nuit-au-samu/index.html" in quick["pages"]
        assert full["event"] == "full" and full["ok"] and full["ids"] == [2]
        assert soup(output / "urgences/une-nuit-au-samu/index.html").h1.get_text() == "Une nuit blanche au SAMU"
    finally:
        process.stdin.close()
        process.wait(timeout=60)
    assert process.returncode == 0
