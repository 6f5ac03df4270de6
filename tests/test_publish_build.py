"""The real content built with publishconf.py: what goes online."""

import pytest

from conftest import soup
from desk.build import ROOT, build_site, reset_pelican_state

SITEURL = "https://pouls.example.fr"


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    reset_pelican_state()
    result = build_site("publishconf.py", content=ROOT / "content", output=tmp_path_factory.mktemp("pub"))
    reset_pelican_state()
    return result


def test_publish_build_of_the_sample_site_logs_nothing(published):
    assert published.errors == []
    assert published.warnings == []


@pytest.mark.parametrize("page", ["index.html", "rubrique/hematologie/index.html", "archives/index.html"])
def test_listing_links_are_absolute_in_a_publish_build(published, page):
    links = [a["href"] for a in soup(published.output / page).select("main a[href]")]
    assert len(links) >= 3, f"too few links on {page}"
    assert all(href.startswith(SITEURL + "/") for href in links), links


def test_report_links_and_stylesheets_use_the_public_address(published):
    page = soup(published.output / "hematologie" / "hematologues-ouest-visioconference" / "index.html")
    stylesheets = [link["href"] for link in page.select('link[rel="stylesheet"]')]
    assert stylesheets and all(href.startswith(SITEURL + "/") for href in stylesheets)
    canonical = page.select_one('link[rel="canonical"]')
    assert canonical["href"] == f"{SITEURL}/hematologie/hematologues-ouest-visioconference/"


def test_no_draft_reaches_a_publish_build(published):
    assert not (published.output / "brouillons").exists()
    for page in published.output.rglob("*.html"):
        assert "Brouillon" not in page.read_text(encoding="utf-8").split("<main", 1)[0], page
