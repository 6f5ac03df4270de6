"""The search page in headless Chromium, served on 127.0.0.1 under the strict Content-Security-Policy:
results, French words, keyboard, screen-reader announcements, focus, axe-core, 320 px, no JavaScript."""

import re
import shutil
from pathlib import Path

import pytest

from browser import chromium, chromium_available, recorded_page, serve_directory
from conftest import SITES
from searchkit import build_and_index, serve_with_csp

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not chromium_available(), reason="Chromium is missing at /usr/bin/chromium; run make test"),
]

NBSP = "\u00a0"
GRAFTS = ["/hematologie/greffe-moelle-nantes/", "/organisation/greffe-renale-donneur-vivant/",
          "/brules/greffe-peau-cultivee/"]
# Catch what the CSP refuses, from the first line of every page.
WATCH_CSP = (
    "window.__csp = []; document.addEventListener('securitypolicyviolation', "
    "(e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    result, _, _ = build_and_index(SITES / "search-relevance", tmp_path_factory.mktemp("search-browser") / "site")
    with serve_with_csp(result.output) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


def open_search(tab, base, query_string):
    tab.page.add_init_script(WATCH_CSP)
    response = tab.page.goto(base + "/rechercher/" + query_string)
    assert response.status == 200
    tab.page.wait_for_function("() => !/en cours/.test(document.getElementById('search-status').textContent)"
                               " && document.getElementById('search-status').textContent !== ''")
    return tab.page


def result_links(page):
    return page.eval_on_selector_all("#search-results ol a", "links => links.map(a => a.getAttribute('href'))")


def no_csp_violation(page):
    assert page.evaluate("window.__csp") == []


# ------------------------------------------------------------------ results


def test_results_show_title_link_rubrique_date_and_highlighted_excerpt(site, browser):
    with recorded_page(browser) as tab:
        page = open_search(tab, site, "?q=greffe")
        assert page.locator("#search-status").inner_text() == f"5{NBSP}reportages trouvés pour «{NBSP}greffe{NBSP}»."
        assert page.title() == f"5{NBSP}reportages trouvés pour «{NBSP}greffe{NBSP}» — Rechercher — Pouls"
        assert result_links(page)[:3] == GRAFTS
        first = page.locator("#search-results li.search-result").first
        assert first.locator("h3 a").inner_text() == f"Greffe de moelle{NBSP}: le CHU de Nantes ouvre six chambres protégées"
        assert first.locator(".search-result-rubrique").inner_text() == "Hématologie"
        assert first.locator("time").get_attribute("datetime") == "2026-03-12T09:00+01:00"
        assert first.locator("time").inner_text() == "jeudi 12 mars 2026"
        assert first.locator(".search-result-excerpt mark").first.inner_text().lower() == "greffe"
        # French typography comes back in what the index stored with ASCII apostrophes.
        excerpts = " ".join(page.locator(".search-result-excerpt").all_inner_texts())
        assert "'" not in excerpts and "\u2019" in excerpts
        assert page.locator("#search-needs-js").is_hidden()
        assert page.locator("#recherche-q").input_value() == "greffe"
        no_csp_violation(page)
        assert tab.outside_requests == []


def test_the_rubrique_filter_narrows_the_results_and_the_address_keeps_it(site, browser):
    with recorded_page(browser) as tab:
        page = open_search(tab, site, "?q=greffe")
        page.focus("#recherche-rubrique")
        page.select_option("#recherche-rubrique", "brules")
        page.wait_for_function("() => document.querySelectorAll('#search-results ol li').length === 1")
        assert result_links(page) == ["/brules/greffe-peau-cultivee/"]
        assert page.url.endswith("/rechercher/?q=greffe&rubrique=brules")
        assert page.locator("#search-status").inner_text() == (
            f"1{NBSP}reportage trouvé pour «{NBSP}greffe{NBSP}» dans la rubrique «{NBSP}Brûlés et plaies{NBSP}»."
        )
        assert page.evaluate("document.activeElement.id") == "recherche-rubrique"
        # The filter also works from a shared address.
        page.goto(site + "/rechercher/?q=greffe&rubrique=hematologie")
        page.wait_for_function("() => document.querySelectorAll('#search-results ol li').length === 1")
        assert result_links(page) == ["/hematologie/greffe-moelle-nantes/"]
        assert page.locator("#recherche-rubrique").input_value() == "hematologie"


def test_the_query_stays_in_the_address_and_back_returns_to_the_previous_search(site, browser):
    with recorded_page(browser) as tab:
        page = open_search(tab, site, "?q=greffe")
        page.fill("#recherche-q", "Morlaix")
        page.press("#recherche-q", "Enter")
        page.wait_for_function("() => document.getElementById('search-status').textContent.includes('Morlaix')")
        assert page.url.endswith("/rechercher/?q=Morlaix")
        assert sorted(result_links(page)) == ["/femme-enfant/maternite-morlaix/", "/urgences/regulation-nuit-morlaix/"]
        page.go_back()
        page.wait_for_function("() => document.getElementById('search-status').textContent.includes('greffe')")
        assert page.url.endswith("/rechercher/?q=greffe")
        assert page.locator("#recherche-q").input_value() == "greffe"
        assert len(result_links(page)) == 5
        page.go_forward()
        page.wait_for_function("() => document.getElementById('search-status').textContent.includes('Morlaix')")
        assert len(result_links(page)) == 2


def test_nothing_found_is_said_in_french_and_leaves_no_empty_list(site, browser):
    with recorded_page(browser) as tab:
        page = open_search(tab, site, "?q=tarentelle")
        assert page.locator("#search-status").inner_text() == (
            f"Aucun reportage ne correspond à «{NBSP}tarentelle{NBSP}». Vérifiez l’orthographe, essayez un autre mot, "
            "ou parcourez les reportages ci-dessous."
        )
        assert page.locator("main ol").count() == 0
        assert page.locator("#search-results").is_hidden()


def test_a_missing_index_is_explained_and_browsing_offered(tmp_path, browser, site):
    result, _, _ = build_and_index(SITES / "search-relevance", tmp_path / "site")
    shutil.rmtree(result.output / "pagefind")
    with serve_with_csp(result.output) as base, recorded_page(browser) as tab:
        page = open_search(tab, base, "?q=greffe")
        assert page.locator("#search-status").inner_text() == (
            f"La recherche n’est pas disponible pour le moment{NBSP}: l’index de recherche n’a pas pu être chargé. "
            "Réessayez dans un instant, ou parcourez les reportages ci-dessous."
        )
        assert page.locator(".search-browse a").first.is_visible()


# ------------------------------------------------------------------ without JavaScript


def test_without_javascript_the_search_page_answers_200_explains_and_offers_browsing(site, browser):
    with recorded_page(browser, javascript=False) as tab:
        response = tab.page.goto(site + "/rechercher/?q=greffe")
        assert response.status == 200
        page = tab.page
        assert page.get_by_role("searchbox", name="Mots à chercher").is_visible()
        assert page.get_by_role("button", name="Rechercher").first.is_visible()
        sentence = page.locator("#search-needs-js")
        assert sentence.is_visible() and sentence.inner_text().startswith(f"La recherche a besoin de JavaScript{NBSP}:")
        for name in ("Par rubrique", "Par établissement", "Par étiquette",
                     "Dans les archives, du plus récent au plus ancien"):
            assert page.get_by_role("link", name=name).is_visible(), name
        assert page.locator("#search-status").inner_text() == ""
        assert page.locator("main ol").count() == 0
        # The header form of any page leads there.
        page.goto(site + "/")
        page.fill("#site-search-q", "greffe")
        page.press("#site-search-q", "Enter")
        page.wait_for_url(re.compile(r"/rechercher/\?q=greffe$"))
        assert page.locator("#search-needs-js").is_visible()
        assert tab.outside_requests == []


# ------------------------------------------------------------------ French and accessible (RGAA 4.1)


def test_fields_have_visible_french_labels_and_placeholders(site, browser):
    with recorded_page(browser) as tab:
        page = open_search(tab, site, "?q=greffe")
        header = page.get_by_role("search", name="Rechercher sur le site")
        field = header.get_by_role("searchbox", name="Rechercher un reportage")
        assert field.get_attribute("placeholder") == f"Par exemple{NBSP}: greffe"
        assert page.locator('label[for="site-search-q"]').is_visible()
        main = page.get_by_role("search", name="Rechercher dans les reportages")
        assert main.get_by_role("searchbox", name="Mots à chercher").get_attribute("placeholder") == (
            f"Par exemple{NBSP}: greffe de moelle, CHU de Rennes"
        )
        assert page.locator('label[for="recherche-q"]').is_visible()
        assert main.get_by_role("combobox", name="Rubrique").is_visible()
        text = page.locator("body").inner_text()
        for english in ("Search", "result", "Load more", "Clear", "Filters"):
            assert english not in text, english


def test_the_count_is_announced_by_a_status_region_present_before_the_search(site, browser):
    with recorded_page(browser) as tab:
        tab.page.goto(site + "/rechercher/")
        page = tab.page
        status = page.get_by_role("status")
        assert status.count() == 1 and status.inner_text() == ""
        assert page.locator("main ol").count() == 0 and page.locator("#search-results").is_hidden()
        page.fill("#recherche-q", "greffé")
        page.press("#recherche-q", "Enter")
        page.wait_for_function("() => document.getElementById('search-status').textContent.startsWith('5')")
        assert status.inner_text() == f"5{NBSP}reportages trouvés pour «{NBSP}greffé{NBSP}»."
        assert page.locator("main ol").count() == 1
        # Focus stayed where the reader typed.
        assert page.evaluate("document.activeElement.id") == "recherche-q"


def test_keyboard_only_type_submit_reach_the_first_result_and_open_it(site, browser):
    with recorded_page(browser) as tab:
        page = tab.page
        page.goto(site + "/")
        for _ in range(10):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.id") == "site-search-q":
                break
        assert page.evaluate("document.activeElement.id") == "site-search-q"
        page.keyboard.type("greffe de moelle")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/rechercher/\?q=greffe\+de\+moelle$"))
        page.wait_for_function("() => document.querySelector('#search-results ol a') !== null")
        # Skip link, then on through the page's own form to the first result.
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        stops = []
        for _ in range(10):
            page.keyboard.press("Tab")
            stops.append(page.evaluate("document.activeElement.getAttribute('href') || document.activeElement.id"))
            if page.evaluate("document.activeElement.closest('#search-results ol') !== null"):
                break
        assert stops[-1] == "/hematologie/greffe-moelle-nantes/", stops
        assert len(stops) <= 4, stops
        style = page.evaluate("(() => { const s = getComputedStyle(document.activeElement);"
                              " return [s.outlineStyle, parseFloat(s.outlineWidth)]; })()")
        assert style[0] == "solid" and style[1] >= 2  # RGAA 10.7
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/hematologie/greffe-moelle-nantes/$"))
        assert page.locator("article.article h1").inner_text().startswith("Greffe de moelle")


def test_the_skip_link_keeps_the_results_shown(site, browser):
    # Following « Aller au contenu » changes the address (#contenu) and fires popstate:
    # the results must stay as they are, not be searched again and rebuilt under the
    # keyboard of a reader tabbing towards them.
    with recorded_page(browser) as tab:
        page = open_search(tab, site, "?q=greffe")
        page.evaluate("document.querySelector('#search-results ol').dataset.marked = 'yes'")
        page.focus(".skip-link")
        page.keyboard.press("Enter")
        page.wait_for_function("() => location.hash === '#contenu'")
        assert "en cours" not in page.inner_text("#search-status")
        assert page.evaluate("document.querySelector('#search-results ol').dataset.marked") == "yes"
        assert "greffe-moelle-nantes" in " ".join(result_links(page))


def test_focus_is_not_lost_when_the_results_change(site, browser):
    with recorded_page(browser) as tab:
        page = open_search(tab, site, "?q=greffe")
        page.fill("#recherche-q", "Morlaix")
        page.press("#recherche-q", "Enter")
        page.wait_for_function("() => document.getElementById('search-status').textContent.includes('Morlaix')")
        page.focus("#search-results ol a")
        page.go_back()  # the list under focus is replaced
        page.wait_for_function("() => document.getElementById('search-status').textContent.includes('greffe')")
        assert page.evaluate("document.activeElement.id") == "search-results-title"


# The theme follows the reader's colour scheme (issue 12's dark palette): both are checked.
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_core_finds_no_violation_with_results_shown(site, browser, scheme):
    axe_source = (Path(__import__("axe_playwright_python").__file__).parent / "axe.min.js").read_text(encoding="utf-8")
    with recorded_page(browser) as tab:
        tab.page.emulate_media(color_scheme=scheme)
        page = open_search(tab, site, "?q=greffe")
        assert page.evaluate(f"() => matchMedia('(prefers-color-scheme: {scheme})').matches")
        # Evaluated through the DevTools protocol: the page's CSP does not apply to the test tool.
        page.evaluate(axe_source)
        results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        violations = [(v["id"], [n["target"] for n in v["nodes"]]) for v in results["violations"]]
        assert violations == []
        assert len(result_links(page)) == 5


@pytest.mark.parametrize("query_string", ["?q=greffe", "?q=tarentelle", ""])
def test_nothing_overflows_at_320_px(site, browser, query_string):
    with recorded_page(browser, width=320, height=700) as tab:
        page = open_search(tab, site, query_string) if query_string else tab.page
        if not query_string:
            page.goto(site + "/")
        sizes = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert sizes[0] <= sizes[1], sizes
        too_wide = page.evaluate(
            "(w) => [...document.querySelectorAll('body *')]"
            ".filter(e => e.getBoundingClientRect().right > w + 1).map(e => e.tagName + '.' + e.className)", 320)
        assert too_wide == []


# ------------------------------------------------------------------ more than one page of results


@pytest.fixture(scope="module")
def large_site(tmp_path_factory):
    from bench.corpus import make_corpus

    folder = tmp_path_factory.mktemp("search-large")
    content = make_corpus(folder / "content", 24)
    result, summary, _ = build_and_index(content, folder / "site")
    assert summary.pages == 24
    with serve_directory(result.output) as base:
        yield base


def test_more_results_are_shown_on_demand_and_focus_moves_to_the_first_new_one(large_site, browser):
    with recorded_page(browser) as tab:
        page = open_search(tab, large_site, "?q=reportage")
        assert page.locator("#search-status").inner_text() == (
            f"24{NBSP}reportages trouvés pour «{NBSP}reportage{NBSP}». Les 10 premiers sont affichés."
        )
        assert len(result_links(page)) == 10
        more = page.get_by_role("button", name="Afficher les 10 résultats suivants (14 restants)")
        more.focus()
        page.keyboard.press("Enter")
        page.wait_for_function("() => document.querySelectorAll('#search-results ol li').length === 20")
        assert page.evaluate("[...document.querySelectorAll('#search-results ol a')].indexOf(document.activeElement)") == 10
        page.get_by_role("button", name="Afficher les 4 résultats suivants (4 restants)").click()
        page.wait_for_function("() => document.querySelectorAll('#search-results ol li').length === 24")
        # The button is gone; focus is on the 21st result, not on <body>.
        assert page.get_by_role("button", name=re.compile("Afficher")).count() == 0
        assert page.evaluate("[...document.querySelectorAll('#search-results ol a')].indexOf(document.activeElement)") == 20
        assert page.locator("#search-status").inner_text() == f"24{NBSP}reportages affichés sur 24."


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_more_results_button_keeps_its_contrast_in_both_colour_schemes(large_site, browser, scheme):
    axe_source = (Path(__import__("axe_playwright_python").__file__).parent / "axe.min.js").read_text(encoding="utf-8")
    with recorded_page(browser) as tab:
        tab.page.emulate_media(color_scheme=scheme)
        page = open_search(tab, large_site, "?q=reportage")
        assert page.locator(".search-more").count() == 1
        page.evaluate(axe_source)
        results = page.evaluate("axe.run(document, {runOnly: {type: 'rule', values: ['color-contrast']}})")
        assert [(v["id"], [n["target"] for n in v["nodes"]]) for v in results["violations"]] == []
