"""`make serve`: the preview rebuilds on change and the open page reloads itself."""

import json
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from browser import chromium, chromium_available, recorded_page
from conftest import soup
from desk.preview import page_file, preview_overrides
from desk.serve import edits_content
from pouls_common.paths import ROOT, python_path

REPORT = "articles/urgences/regulation-de-nuit.md"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


@pytest.fixture
def preview(copy_site, tmp_path):
    """`python -m desk.serve` on a copy of desk-publish; yields (base URL, content folder)."""
    content = copy_site("desk-publish")
    port = free_port()
    log = open(tmp_path / "serve.log", "w+", encoding="utf-8")  # noqa: SIM115  (the child process writes to it until it is stopped)
    process = subprocess.Popen(
        [sys.executable, "-m", "desk.serve", "--content", str(content), "--output", str(tmp_path / "preview"),
         "--port", str(port)],
        cwd=ROOT, env=python_path(), stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        log.seek(0)
        if "Aperçu\u00a0: " in log.read():
            break
        time.sleep(0.05)
    assert process.poll() is None, (tmp_path / "serve.log").read_text(encoding="utf-8")
    try:
        yield base, content
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def test_preview_serves_drafts_behind_a_brouillon_banner(preview):
    base, _ = preview
    status, html = get(base + "/brouillons/brouillon-en-cours/")
    assert status == 200
    banner = soup_text(html, ".draft-banner")
    assert banner == "Brouillon — visible seulement dans l’aperçu. Écrivez «\u00a0Status: published\u00a0» pour le publier."


def test_preview_shows_a_scheduled_report_with_its_date(preview):
    base, _ = preview
    _, html = get(base + "/brouillons/programme-en-2099/")
    assert soup_text(html, ".draft-banner") == (
        "Brouillon — programmé\u00a0: ce reportage sera publié par la première publication après le "
        "jeudi 1er janvier 2099 à 07:30."
    )


@pytest.mark.browser
@pytest.mark.skipif(not chromium_available(), reason="Chromium is not installed (make test installs it)")
def test_the_brouillon_banner_is_styled_by_the_style_sheet(preview):
    # No style="…" attribute (the coming Content-Security-Policy refuses them): screen.css styles it.
    base, _ = preview
    _, html = get(base + "/brouillons/brouillon-en-cours/")
    assert "style=" not in html
    with chromium() as browser, recorded_page(browser) as tab:
        tab.page.goto(base + "/brouillons/brouillon-en-cours/")
        banner = tab.page.locator(".draft-banner")
        look = banner.evaluate(
            "element => { const s = getComputedStyle(element), p = getComputedStyle(element.querySelector('p'));"
            " return [s.backgroundColor, s.borderBottomWidth, s.fontWeight, s.textAlign, p.marginTop]; }"
        )
        assert look == ["rgb(255, 243, 176)", "3px", "700", "center", "0px"]


def test_published_report_in_preview_has_no_banner(preview):
    base, _ = preview
    _, html = get(base + "/urgences/regulation-de-nuit/")
    assert soup_text(html, ".draft-banner") is None


def test_unknown_address_gets_the_site_404_page(preview, tmp_path):
    base, _ = preview
    output = tmp_path / "preview"
    status, html = get(base + "/nulle-part/")
    assert status == 404
    assert html == (output / "404.html").read_text(encoding="utf-8")


def test_a_busy_port_is_a_clear_message(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "desk.serve", "--port", str(port), "--output", str(tmp_path / "p")],
            cwd=ROOT, env=python_path(), capture_output=True, text=True,
            timeout=60, check=False,
        )
    assert result.returncode == 1
    assert result.stdout.startswith(f"Impossible d’écouter sur 127.0.0.1:{port} (")
    assert result.stdout.rstrip().endswith(f"essayez un autre port\u00a0: make serve PORT={port + 1}")


def soup_text(html, selector):
    from bs4 import BeautifulSoup

    found = BeautifulSoup(html, "html.parser").select_one(selector)
    # Collapse the template's layout whitespace only: no-break spaces are part of the text.
    return re.sub(r"[ \t\n]+", " ", found.get_text(" ", strip=True)) if found else None


@pytest.mark.browser
@pytest.mark.skipif(not chromium_available(), reason="Chromium is not installed (make test installs it)")
def test_open_page_reloads_itself_after_the_report_is_saved(preview):
    base, content = preview
    source = content / REPORT
    with chromium() as browser, recorded_page(browser) as tab:
        page = tab.page
        page.goto(base + "/urgences/regulation-de-nuit/")
        assert page.locator("h1").inner_text() == "Une nuit au centre de régulation du SAMU"
        page.evaluate("window.deskMarker = 'not reloaded'")
        page.wait_for_timeout(300)  # let the event stream connect before the edit
        source.write_text(
            source.read_text(encoding="utf-8").replace(
                "Title: Une nuit au centre de régulation du SAMU", "Title: Une nuit blanche au SAMU"
            ),
            encoding="utf-8",
        )
        page.wait_for_function(
            "document.querySelector('h1') && document.querySelector('h1').textContent === 'Une nuit blanche au SAMU'",
            timeout=90_000,
        )
        # The page was reloaded by the preview, not by the test: the marker set before is gone.
        assert page.evaluate("window.deskMarker") is None
        assert tab.outside_requests == []


@pytest.mark.browser
@pytest.mark.skipif(not chromium_available(), reason="Chromium is not installed (make test installs it)")
def test_a_failed_rebuild_is_shown_on_the_open_page(preview):
    base, content = preview
    source = content / REPORT
    with chromium() as browser, recorded_page(browser) as tab:
        page = tab.page
        page.goto(base + "/urgences/regulation-de-nuit/")
        page.wait_for_timeout(300)
        source.write_text(source.read_text(encoding="utf-8").replace("Date: 2026-03-02 09:00", "Date: demain"),
                          encoding="utf-8")
        box = page.locator("#desk-build-failed")
        box.wait_for(timeout=90_000)
        assert box.inner_text().startswith("La construction de l’aperçu a échoué\u00a0; la page montre la version précédente.")
        assert "regulation-de-nuit.md" in box.inner_text()
        assert page.locator("h1").inner_text() == "Une nuit au centre de régulation du SAMU"


# --------------------------------------------------------------------- preview builds vs other builds


def test_only_preview_builds_carry_the_live_reload_script(build, tmp_path):
    plain = build("desk-publish")
    assert soup(plain.output / "index.html").select('script[src*="livereload"]') == []
    preview = build("desk-publish", overrides=preview_overrides("pelicanconf.py", tmp_path / "p"))
    [script] = soup(preview.output / "index.html").select('script[src*="livereload"]')
    assert "/_desk/events" in (preview.output / script["src"].lstrip("/")).read_text(encoding="utf-8")


def test_a_preview_build_limited_to_some_pages_writes_only_those(build, tmp_path):
    pages = ["urgences/regulation-de-nuit/index.html"]
    result = build("desk-publish", overrides=preview_overrides("pelicanconf.py", tmp_path / "p", pages=pages))
    written = sorted(str(p.relative_to(result.output)) for p in result.output.rglob("*.html"))
    assert written == pages
    assert soup(result.output / pages[0]).h1.get_text(strip=True) == "Une nuit au centre de régulation du SAMU"


def test_a_bad_page_list_is_quoted(build, tmp_path):
    overrides = preview_overrides("pelicanconf.py", tmp_path / "p")
    overrides["DESK_PREVIEW_PAGES"] = "index.html"
    with pytest.raises(ValueError, match=re.escape("DESK_PREVIEW_PAGES is 'index.html'; give a list of paths")):
        build("desk-publish", overrides=overrides)


@pytest.mark.parametrize("url, path", [("/", "index.html"), ("/urgences/x/", "urgences/x/index.html"),
                                       ("/404.html", "404.html"), ("/rubrique/urgences/?a=1", "rubrique/urgences/index.html")])
def test_url_paths_map_to_output_files(url, path):
    assert page_file(url) == path


def test_a_report_or_page_edit_gets_a_quick_pass_and_anything_else_the_full_build(tmp_path):
    # Which pages a report's edit touches is not guessed from its file name (a `Slug:` or a
    # dated pattern would defeat the guess): the build process reads it from its dependency
    # graph (tests/test_build_preview.py). Here: what goes to the quick pass at all.
    content = tmp_path / "content"
    assert edits_content([content / "articles" / "urgences" / "x.md"], content)
    assert edits_content([content / "pages" / "a-propos.md", content / "articles" / "y.markdown"], content)
    assert not edits_content([ROOT / "theme" / "templates" / "base.html"], content)
    assert not edits_content([content / "images" / "x.webp"], content)
    assert not edits_content([content / "articles" / "x.md", content / "images" / "x.webp"], content)
    assert not edits_content([], content)


def test_summary_of_a_preview_build_lists_its_drafts(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "desk.preview", "--content", str(ROOT / "tests" / "sites" / "desk-publish"),
         "--output", str(tmp_path / "out")],
        cwd=ROOT, env=python_path(), capture_output=True, text=True, check=False,
    )
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary == {"ok": True, "warnings": [], "errors": [],
                       "drafts": ["/brouillons/brouillon-en-cours/", "/brouillons/programme-en-2099/"]}
