"""The built theme in headless Chromium, served on 127.0.0.1: load, keyboard, privacy, small screens, print."""

import re

import pytest

from browser import chromium, chromium_available, recorded_page, serve_directory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not chromium_available(), reason="Chromium is missing at /usr/bin/chromium; run make test"),
]

PAGES = [
    "/",
    "/hematologie/reunion-visio/",
    "/urgences/sans-options/",
    "/rubrique/hematologie/",
    "/etiquette/decision-collective/",
    "/auteur/yann-prigent/",
    "/etablissement/chu-de-rennes/",
    "/etablissements/",
    "/archives/",
    "/plan-du-site/",
    "/a-propos/",
    "/404.html",
]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    # The module builds its own copy so the served folder outlives no other test's output.
    from conftest import SITES
    from desk.build import build_site, reset_pelican_state

    reset_pelican_state()
    result = build_site("pelicanconf.py", content=SITES / "theme-report",
                        output=tmp_path_factory.mktemp("browser-theme"))
    reset_pelican_state()
    assert result.errors == []
    with serve_directory(result.output) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
def test_every_page_kind_loads_and_reads_without_javascript(site, browser, javascript):
    with recorded_page(browser, javascript=javascript) as tab:
        for path in PAGES:
            response = tab.page.goto(site + path)
            assert response.status == 200, path
            heading = tab.page.locator("main h1")
            assert heading.count() == 1 and heading.is_visible(), path
            assert tab.page.title().endswith(("— Pouls", "qui soignent")), (path, tab.page.title())
        assert tab.page.locator("html").get_attribute("lang") == "fr"


def test_report_reads_without_javascript(site, browser):
    with recorded_page(browser, javascript=False) as tab:
        tab.page.goto(site + "/hematologie/reunion-visio/")
        assert tab.page.locator(".standfirst").is_visible()
        assert tab.page.locator(".article-body h2").first.is_visible()
        assert tab.page.locator(".article-image img").evaluate("img => img.complete && img.naturalWidth > 0")
        assert tab.page.locator("#commentaires h2").inner_text() == "Commentaires"


def test_skip_link_is_the_first_stop_and_moves_focus_to_main(site, browser):
    with recorded_page(browser) as tab:
        tab.page.goto(site + "/hematologie/reunion-visio/")
        tab.page.keyboard.press("Tab")
        focused = tab.page.evaluate("() => [document.activeElement.textContent, document.activeElement.getAttribute('href')]")
        assert focused == ["Aller au contenu", "#contenu"]
        box = tab.page.locator(".skip-link").bounding_box()
        assert box["y"] >= 0 and box["height"] > 0  # visible once focused
        tab.page.keyboard.press("Enter")
        assert tab.page.evaluate("() => document.activeElement.id") == "contenu"
        assert tab.page.evaluate("() => document.activeElement.tagName") == "MAIN"
        # The next Tab continues inside main, not back in the header.
        tab.page.keyboard.press("Tab")
        assert tab.page.evaluate("() => document.querySelector('main').contains(document.activeElement)")


def test_keyboard_focus_is_visible(site, browser):
    with recorded_page(browser) as tab:
        tab.page.goto(site + "/")
        # Past the skip link, the site name and the header search form, to the first rubrique.
        for _ in range(10):
            tab.page.keyboard.press("Tab")
            if tab.page.evaluate("() => document.activeElement.closest('.site-nav') !== null"):
                break
        style = tab.page.evaluate(
            "() => { const s = getComputedStyle(document.activeElement);"
            " return [document.activeElement.tagName, s.outlineStyle, parseFloat(s.outlineWidth)]; }"
        )
        assert style[0] == "A"
        assert style[1] != "none" and style[2] >= 2


def test_no_request_leaves_127_0_0_1(site, browser):
    with recorded_page(browser) as tab:
        for path in PAGES:
            tab.page.goto(site + path, wait_until="networkidle")
        assert any(re.search(r"/theme/css/screen\.[0-9a-f]{12}\.css$", url) for url in tab.requests)
        # The report image, or the copy its srcset picks for a 704 px wide slot (responsive_images).
        assert any(re.search(r"/images/salle-visio(-\d+w)?\.png$", url) for url in tab.requests)
        assert tab.outside_requests == []


@pytest.mark.parametrize(
    ("width", "scale"), [(320, 1), (640, 2)], ids=["320px", "1280px-at-200-percent-zoom"]
)
def test_nothing_overflows_horizontally_on_small_screens(site, browser, width, scale):
    with recorded_page(browser, width=width, height=700, device_scale_factor=scale) as tab:
        for path in PAGES:
            tab.page.goto(site + path)
            sizes = tab.page.evaluate(
                "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            assert sizes[0] <= sizes[1], (path, sizes)
            too_wide = tab.page.evaluate(
                "(w) => [...document.querySelectorAll('main *')]"
                ".filter(e => e.getBoundingClientRect().right > w + 1).map(e => e.tagName + '.' + e.className)",
                width,
            )
            assert too_wide == [], (path, too_wide)


def test_print_stylesheet_keeps_the_report_and_drops_navigation(site, browser):
    with recorded_page(browser) as tab:
        tab.page.goto(site + "/hematologie/reunion-visio/")
        tab.page.emulate_media(media="print")
        assert not tab.page.locator(".site-nav").is_visible()
        assert not tab.page.locator(".skip-link").is_visible()
        assert tab.page.locator("article.article h1").is_visible()
        after = tab.page.evaluate(
            "() => getComputedStyle(document.querySelector('.article-sources a'), '::after').content"
        )
        assert "https://registre.example.org/rapport" in after
