"""The real content built with publishconf.py: what goes online."""

import pytest

from conftest import soup

SITEURL = "https://pouls.example.fr"


@pytest.fixture
def published(published_sample):
    return published_sample


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


def test_the_comment_service_address_has_a_french_stand_in_page(published):
    page = soup(published.output / "commentaires" / "index.html")
    assert page.h1.get_text() == "Commentaires momentanément indisponibles"
    assert page.select_one('meta[name="robots"]')["content"] == "noindex"
    # The reply links of the published report point at that address, so a host serving
    # the files without the service answers them with this page, not a 404.
    report = soup(published.output / "hematologie" / "hematologues-ouest-visioconference" / "index.html")
    replies = [a["href"] for a in report.select(".comment-reply-link a[href]")]
    assert replies and all(href.startswith(f"{SITEURL}/commentaires?article=") for href in replies)


def test_no_stand_in_page_when_the_service_lives_elsewhere(sample_site):
    # Development: the service runs on its own port, nothing of it belongs in the site.
    assert not (sample_site.output / "commentaires").exists()


def test_published_images_offer_narrower_copies_with_absolute_addresses(published):
    page = soup(published.output / "index.html")
    images = page.select("img.card-image[srcset]")
    assert images
    for img in images:
        for candidate in img["srcset"].split(","):
            url, width = candidate.strip().split(" ")
            assert url.startswith(SITEURL + "/images/") and width.endswith("w")
            assert (published.output / url[len(SITEURL) + 1:]).is_file(), url
