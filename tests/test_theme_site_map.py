"""site_map: the « Plan du site » page and sitemap.xml."""

import xml.etree.ElementTree as ET

import pytest

from conftest import soup
from site_map.site_map import SiteMapSettings, SiteMapSettingsError

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
SITEURL = "https://pouls.example.fr"


@pytest.fixture
def published(site_once):
    return site_once("theme-report", {"SITEURL": SITEURL})


def test_site_map_page_links_every_section_rubrique_and_page(site_once):
    result = site_once("theme-listing", {"DEFAULT_PAGINATION": 2})
    page = soup(result.output / "plan-du-site" / "index.html")
    assert page.h1.get_text() == "Plan du site"
    assert page.title.get_text() == "Plan du site — Pouls"
    hrefs = [a["href"] for a in page.select("main a")]
    for expected in ("/", "/archives/", "/rubriques/", "/rubrique/brules/", "/rubrique/femme-enfant/",
                     "/etablissements/", "/etiquettes/", "/auteurs/"):
        assert expected in hrefs
    assert "Établissements (2\u00a0établissements)" in page.get_text(" ", strip=True)


def test_site_map_page_lists_plain_pages_only_when_there_are_some(site_once):
    with_pages = soup(site_once("theme-report").output / "plan-du-site" / "index.html")
    section = with_pages.find("h2", string="Informations").parent
    assert [(a.get_text(), a["href"]) for a in section.select("a")] == [("À propos de la rédaction", "/a-propos/")]
    without = soup(site_once("theme-listing", {"DEFAULT_PAGINATION": 2}).output / "plan-du-site" / "index.html")
    assert without.find("h2", string="Informations") is None


def test_sitemap_lists_every_public_address_with_its_last_change(published):
    tree = ET.parse(published.output / "sitemap.xml")
    entries = {url.findtext("s:loc", namespaces=NS): url.findtext("s:lastmod", namespaces=NS)
               for url in tree.getroot().findall("s:url", NS)}
    assert entries[f"{SITEURL}/hematologie/reunion-visio/"] == "2026-03-09T16:45:00+01:00"  # Modified wins
    assert entries[f"{SITEURL}/urgences/sans-options/"] == "2026-01-15T22:00:00+01:00"
    for address in ("/", "/archives/", "/plan-du-site/", "/a-propos/", "/rubrique/hematologie/",
                     "/etiquette/decision-collective/", "/etablissement/chu-de-rennes/", "/auteur/yann-prigent/"):
        assert f"{SITEURL}{address}" in entries
    assert all(loc.startswith(SITEURL + "/") for loc in entries)
    assert f"{SITEURL}/404.html" not in entries


def test_sitemap_is_only_written_with_an_absolute_siteurl(site_once):
    assert not (site_once("theme-report").output / "sitemap.xml").exists()


def test_sitemap_and_site_map_page_are_byte_identical_across_builds(build, published, tmp_path):
    again = build("theme-report", overrides={"SITEURL": SITEURL})
    for path in ("sitemap.xml", "plan-du-site/index.html"):
        assert (again.output / path).read_bytes() == (published.output / path).read_bytes()


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("SITE_MAP_SAVE_AS", "plan-du-site/", "must end in .html"),
        ("SITE_MAP_URL", "", "non-empty string"),
        ("SITE_MAP_XML_SAVE_AS", "sitemap.txt", "ending in .xml"),
    ],
)
def test_unusable_setting_is_refused_with_the_value_quoted(key, value, fragment):
    with pytest.raises(SiteMapSettingsError) as error:
        SiteMapSettings.from_settings({key: value})
    assert str(error.value).startswith(f"site_map: {key} is {value!r}")
    assert fragment in str(error.value)


def test_sitemap_can_be_turned_off(site_once):
    result = site_once("theme-report", {"SITEURL": SITEURL, "SITE_MAP_XML_SAVE_AS": None})
    assert not (result.output / "sitemap.xml").exists()
    assert (result.output / "plan-du-site" / "index.html").exists()


def test_bad_setting_stops_the_build_before_anything_is_written(build, tmp_path):
    # `make publish` turns this exception into one line; raw `pelican` adds its own traceback.
    with pytest.raises(SiteMapSettingsError, match=r"SITE_MAP_SAVE_AS is 'plan/'; it names a file"):
        build("theme-report", overrides={"SITE_MAP_SAVE_AS": "plan/"})
    assert not (tmp_path / "output-theme-report" / "index.html").exists()
