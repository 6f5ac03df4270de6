"""In headless Chromium: share links and buttons, video, dark mode contrast (axe-core) and print."""

import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from browser import CHROMIUM, CHROMIUM_ARGS, chromium, chromium_available, recorded_page, serve_directory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not chromium_available(), reason="Chromium is missing at /usr/bin/chromium; run make test"),
]

VIDEO_REPORT = "/organisation/hygiene-des-mains-chu-brest/"
REPORT = "/hematologie/hematologues-ouest-visioconference/"
EXTERNAL_VIDEO = "/brules/centre-brules-nantes/"
SEARCH = "/rechercher/"  # the search page, once another branch adds it


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    # The real content with the development settings: links stay on 127.0.0.1.
    from desk.build import ROOT, build_site, reset_pelican_state

    reset_pelican_state()
    result = build_site("pelicanconf.py", content=ROOT / "content", output=tmp_path_factory.mktemp("social-browser"))
    reset_pelican_state()
    assert result.errors == [] and result.warnings == []
    return result


@pytest.fixture(scope="module")
def site(built):
    with serve_directory(built.output) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


def axe_source():
    spec = importlib.util.find_spec("axe_playwright_python")
    return (Path(spec.origin).parent / "axe.min.js").read_text(encoding="utf-8")


# ---------------------------------------------------------------- share links and buttons


def test_loading_a_report_and_hovering_its_share_links_asks_nothing_outside_the_site(site, browser):
    with recorded_page(browser) as tab:
        tab.page.goto(site + REPORT, wait_until="networkidle")
        links = tab.page.locator(".share-links a")
        assert links.count() == 6
        for index in range(links.count()):
            links.nth(index).hover()
            links.nth(index).focus()
        tab.page.wait_for_timeout(500)
        # The log does record (share.js is named through static_url(): fingerprinted).
        assert any(re.search(r"/theme/js/share\.[0-9a-f]{12}\.js$", url) for url in tab.requests)
        assert tab.outside_requests == []


def test_the_request_log_would_see_a_share_link_followed(site, browser):
    # The guard above is not blind: following a link is recorded (and refused).
    with recorded_page(browser) as tab:
        tab.page.goto(site + REPORT, wait_until="networkidle")
        tab.page.locator(".share-links a.share-mastodon").click(no_wait_after=True)
        tab.page.wait_for_timeout(500)
        assert [url for url in tab.outside_requests if url.startswith("https://share.joinmastodon.org/")]


def test_without_javascript_the_links_work_and_the_buttons_stay_hidden(site, browser):
    with recorded_page(browser, javascript=False) as tab:
        tab.page.goto(site + REPORT)
        assert tab.page.locator(".share-links a").evaluate_all("links => links.map(a => a.textContent)") == [
            "Envoyer par courriel", "Partager sur Mastodon", "Partager sur Bluesky",
            "Partager sur LinkedIn", "Partager sur Facebook", "Envoyer par WhatsApp",
        ]
        assert all(tab.page.locator(".share-links a").nth(i).is_visible() for i in range(6))
        assert not tab.page.locator(".share-copy").is_visible()
        assert not tab.page.locator(".share-native").is_visible()


def test_copy_link_puts_the_report_address_in_the_clipboard(site, browser):
    with recorded_page(browser) as tab:
        tab.page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site)
        tab.page.goto(site + REPORT)
        button = tab.page.get_by_role("button", name="Copier le lien")
        assert button.is_visible()
        button.click()
        status = tab.page.locator(".share-status")
        status.filter(has_text="Lien copié").wait_for()
        assert status.inner_text() == "Lien copié dans le presse-papiers."
        copied = tab.page.evaluate("() => navigator.clipboard.readText()")
        assert copied == "http://127.0.0.1:8000" + REPORT  # the report's absolute address


def test_share_button_appears_only_where_the_browser_can_share(site, browser):
    with recorded_page(browser) as tab:
        tab.page.goto(site + REPORT)
        assert tab.page.evaluate("() => typeof navigator.share") == "undefined"  # Chromium on Linux
        assert not tab.page.locator(".share-native").is_visible()
    with recorded_page(browser) as tab:
        tab.page.add_init_script(
            "window.__shared = []; navigator.share = (data) => { window.__shared.push(data); return Promise.resolve(); };"
        )
        tab.page.goto(site + REPORT)
        button = tab.page.get_by_role("button", name="Partager…")
        assert button.is_visible()
        button.click()
        shared = tab.page.evaluate("() => window.__shared")
        assert shared == [{
            "title": "Chaque vendredi, les hématologues de l’Ouest décident ensemble, par écrans interposés",
            "url": "http://127.0.0.1:8000" + REPORT,
        }]


# ---------------------------------------------------------------- video


def test_a_clip_loads_nothing_before_play_and_its_captions_parse_in_the_browser(site, browser):
    with recorded_page(browser) as tab:
        tab.page.goto(site + VIDEO_REPORT, wait_until="networkidle")
        assert not [url for url in tab.requests if url.endswith(".mp4")]  # preload="none"
        assert any(url.endswith("/images/friction-hydro-alcoolique-affiche.webp") for url in tab.requests)
        cues = tab.page.evaluate(
            """() => new Promise((resolve, reject) => {
                const element = document.querySelector('video track');
                element.track.mode = 'hidden';
                element.addEventListener('load', () => resolve(Array.from(element.track.cues, c => c.text)));
                element.addEventListener('error', () => reject('track error'));
            })"""
        )
        assert len(cues) == 8 and cues[0] == "La friction hydro-alcoolique, en sept gestes et trente secondes."
        # RGAA 4.11: the native controls answer the keyboard.
        tab.page.locator("video").focus()
        assert tab.page.evaluate("() => document.activeElement.tagName") == "VIDEO"
        duration = tab.page.evaluate(
            """() => new Promise(resolve => { const v = document.querySelector('video');
                v.addEventListener('loadedmetadata', () => resolve(v.duration)); v.preload = 'metadata'; v.load(); })"""
        )
        assert 20 < duration < 45
        assert tab.outside_requests == []


def test_a_platform_video_loads_nothing_from_the_platform_before_the_click(site, browser):
    with recorded_page(browser) as tab:
        tab.page.goto(site + EXTERNAL_VIDEO, wait_until="networkidle")
        link = tab.page.get_by_role("link", name=re.compile("Regarder la vidéo sur"))
        link.hover()
        tab.page.wait_for_timeout(300)
        assert tab.outside_requests == []
        link.click(no_wait_after=True)
        tab.page.wait_for_timeout(500)
        assert [url for url in tab.outside_requests if url.startswith("https://video.pouls.example.fr/")]


# ---------------------------------------------------------------- dark mode


def contrast_pages(built):
    pages = ["/", VIDEO_REPORT, REPORT]
    if (built.output / SEARCH.strip("/") / "index.html").is_file():
        pages.append(SEARCH)
    return pages


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_colour_contrast_violation(site, built, browser, scheme):
    source = axe_source()
    with recorded_page(browser) as tab:
        tab.page.emulate_media(color_scheme=scheme)
        for path in contrast_pages(built):
            tab.page.goto(site + path, wait_until="networkidle")
            assert tab.page.evaluate(f"() => matchMedia('(prefers-color-scheme: {scheme})').matches")
            tab.page.evaluate(source)
            result = tab.page.evaluate(
                "() => axe.run(document, {runOnly: {type: 'rule', values: ['color-contrast']}})"
                ".then(r => ({violations: r.violations.map(v => v.nodes.map(n => n.target.join(' ') + ': '"
                " + n.failureSummary)), passes: r.passes.length}))"
            )
            assert result["violations"] == [], (scheme, path, result["violations"])
            assert result["passes"] == 1, (scheme, path)  # the rule ran and found text to check


# The desk's notice of a failed publication (plugins/comments/templates/desk_page.html), served
# by the comment service with the site's stylesheet: its tinted background must follow the scheme.
FAILED_PUBLICATION = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Bureau de modération</title>
<link rel="stylesheet" href="screen.css"></head>
<body class="desk"><main>
<section class="desk-publish desk-publish-failed" aria-label="Publication">
  <p role="status"><strong>Publication :</strong> échec de la publication à 10:00. Publication refusée.</p>
  <form><p><button type="submit">Republier</button> Le fichier des commentaires approuvés est conservé.</p></form>
</section>
</main></body></html>
"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_desk_notice_of_a_failed_publication_keeps_its_contrast(tmp_path, browser, scheme):
    from desk.build import ROOT

    shutil.copy(ROOT / "theme" / "static" / "css" / "screen.css", tmp_path / "screen.css")
    (tmp_path / "index.html").write_text(FAILED_PUBLICATION, encoding="utf-8")
    with serve_directory(tmp_path) as base, recorded_page(browser) as tab:
        tab.page.emulate_media(color_scheme=scheme)
        tab.page.goto(base + "/", wait_until="networkidle")
        tab.page.evaluate(axe_source())
        violations = tab.page.evaluate(
            "() => axe.run(document, {runOnly: {type: 'rule', values: ['color-contrast']}})"
            ".then(r => r.violations.map(v => v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary)))"
        )
    assert violations == [], (scheme, violations)


def test_dark_mode_changes_the_colours(site, browser):
    colours = {}
    for scheme in ("light", "dark"):
        with recorded_page(browser) as tab:
            tab.page.emulate_media(color_scheme=scheme)
            tab.page.goto(site + REPORT)
            colours[scheme] = tab.page.evaluate(
                "() => [getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color]"
            )
    assert colours["light"] == ["rgb(255, 255, 255)", "rgb(27, 27, 27)"]
    assert colours["dark"] == ["rgb(22, 18, 20)", "rgb(236, 231, 227)"]


# ---------------------------------------------------------------- print


def test_print_hides_navigation_sharing_forms_and_search_and_prints_link_addresses(site, browser):
    with recorded_page(browser) as tab:
        tab.page.emulate_media(media="print", color_scheme="dark")
        tab.page.goto(site + REPORT)
        # The search form of another branch, as DESIGN.md names it, added for the test.
        tab.page.evaluate(
            "() => { const f = document.createElement('form'); f.setAttribute('role', 'search');"
            " f.className = 'site-search'; f.innerHTML = '<label>Rechercher <input></label>';"
            " document.querySelector('.site-header').appendChild(f);"
            " const d = document.createElement('div'); d.className = 'site-search'; document.body.appendChild(d); }"
        )
        hidden = tab.page.evaluate(
            """() => ['.site-nav', 'nav.breadcrumb', '.share', 'form.comment-form', 'form[role=search]',
                      'div.site-search', '.skip-link', 'footer nav']
                .map(s => [s, getComputedStyle(document.querySelector(s)).display])"""
        )
        assert all(display == "none" for _, display in hidden), hidden
        after = tab.page.evaluate(
            """() => [...document.querySelectorAll('main a[href]')].filter(a => !a.getAttribute('href').startsWith('#'))
                .map(a => [a.getAttribute('href'), getComputedStyle(a, '::after').content])"""
        )
        assert len(after) > 10
        assert all(content == '" (" attr(href) ")"' or content == f'" ({href})"' for href, content in after), after[:3]
        body = tab.page.evaluate("() => [getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color]")
        assert body == ["rgb(255, 255, 255)", "rgb(0, 0, 0)"]  # paper is white even in dark mode


@pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="pdfinfo is missing; make test installs poppler-utils")
@pytest.mark.parametrize("path", [REPORT, VIDEO_REPORT])
def test_a_typical_report_prints_on_at_most_three_a4_pages(site, path, tmp_path):
    pdf = tmp_path / "report.pdf"
    subprocess.run(
        [CHROMIUM, *CHROMIUM_ARGS, f"--user-data-dir={tmp_path / 'profile'}", "--no-pdf-header-footer",
         f"--print-to-pdf={pdf}", site + path],
        check=True, capture_output=True, timeout=120,
    )
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    assert 1 <= pages <= 3, info
    assert "(A4)" in re.search(r"^Page size:.*$", info, re.M).group(0), info
