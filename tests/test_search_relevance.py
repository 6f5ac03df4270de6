"""Relevance of the search, on a fixture site written for it (tests/sites/search-relevance/):
Pagefind's own JavaScript API asked in Chromium, on the index `make publish` builds."""

import pytest

from browser import chromium, chromium_available, recorded_page
from conftest import SITES
from searchkit import build_and_index, search, serve_with_csp

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not chromium_available(), reason="Chromium is missing at /usr/bin/chromium; run make test"),
]

GRAFTS = {"/hematologie/greffe-moelle-nantes/", "/organisation/greffe-renale-donneur-vivant/",
          "/brules/greffe-peau-cultivee/"}
MORLAIX = {"/femme-enfant/maternite-morlaix/", "/urgences/regulation-nuit-morlaix/"}


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    """A page of the published fixture site, ready to ask the index."""
    output = tmp_path_factory.mktemp("search-relevance") / "site"
    # publishconf.py, as `make publish` builds; SITEURL local so the browser stays on 127.0.0.1.
    result, _, _ = build_and_index(SITES / "search-relevance", output, "publishconf.py", {"SITEURL": ""})
    with serve_with_csp(result.output) as base, chromium() as browser, recorded_page(browser) as tab:
        tab.page.goto(base + "/rechercher/")
        yield tab.page
        assert tab.outside_requests == []


@pytest.mark.parametrize("query", ["greffe", "greffes", "greffé", "Greffe", "GREFFÉS"])
def test_every_form_of_greffe_ranks_the_graft_reports_first(page, query):
    found = search(page, query)
    assert set(found[:3]) == GRAFTS, found
    # Reports that only mention a graft in passing come after, and nothing unpublished at all.
    assert set(found[3:]) == {"/cancerologie/radiotherapie-brest/", "/urgences/regulation-nuit-morlaix/"}


def test_greffe_de_moelle_finds_the_bone_marrow_report_first(page):
    assert search(page, "greffe de moelle")[0] == "/hematologie/greffe-moelle-nantes/"


@pytest.mark.parametrize("query", ["hopital", "hôpital", "HOPITAL"])
def test_hopital_without_its_accent_finds_hopital(page, query):
    found = search(page, query)
    # « À l’hôpital » (accent and elision) in the body of one, « Hôpital Édouard-Herriot » in the other.
    assert set(found) == {"/femme-enfant/maternite-morlaix/", "/brules/greffe-peau-cultivee/"}


def test_an_elided_word_is_found_with_or_without_its_article(page):
    assert search(page, "l’hôpital") == ["/femme-enfant/maternite-morlaix/"]
    assert search(page, "l'hôpital") == ["/femme-enfant/maternite-morlaix/"]
    assert "/organisation/greffe-renale-donneur-vivant/" in search(page, "equipe")  # « l’équipe de greffe »


@pytest.mark.parametrize("query", ["Centre hospitalier de Morlaix", "Morlaix", "centre hospitalier morlaix"])
def test_a_hospital_name_finds_its_reports(page, query):
    assert set(search(page, query)[:2]) == MORLAIX


@pytest.mark.parametrize("query", ["Édouard-Herriot", "edouard herriot"])
def test_a_hyphenated_hospital_name_finds_its_report(page, query):
    assert search(page, query)[0] == "/brules/greffe-peau-cultivee/"


def test_the_etablissement_and_rubrique_filters_narrow_a_search(page):
    assert search(page, "greffe", {"etablissement": "chu-de-rennes"}) == ["/organisation/greffe-renale-donneur-vivant/"]
    assert set(search(page, "greffe", {"rubrique": "hematologie"})) == {"/hematologie/greffe-moelle-nantes/"}
    assert set(search(page, None, {"etablissement": "centre-hospitalier-de-morlaix"})) == MORLAIX


def test_title_and_standfirst_outrank_the_body(page):
    # « moelle »: the title of one report, one sentence of the body of another.
    assert search(page, "moelle") == ["/hematologie/greffe-moelle-nantes/", "/cancerologie/radiotherapie-brest/"]
    # « coordinatrice »: the standfirst of one report, the body of another.
    assert search(page, "coordinatrice") == ["/femme-enfant/maternite-morlaix/", "/hematologie/greffe-moelle-nantes/"]


@pytest.mark.parametrize(
    ("query", "where"),
    [("tarentelle", "a comment"), ("traceur", "the footer"), ("publicité", "the footer"),
     ("dromadaire", "an information page"), ("ornithorynque", "a draft"), ("xylophoniste", "a scheduled report"),
     ("wapiti", "a hidden report")],
)
def test_a_word_found_only_outside_published_report_bodies_finds_nothing(page, query, where):
    assert search(page, query) == [], where
