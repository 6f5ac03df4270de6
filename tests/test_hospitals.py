"""hospitals: article.hospitals, the shared `hospitals` index, one page per établissement."""

from pathlib import Path

import pytest

from conftest import soup
from hospitals.hospitals import (
    Hospital,
    HospitalsSettings,
    HospitalsSettingsError,
    hospital_names,
    index_hospitals,
    region_names,
)

SETTINGS = {"SLUG_REGEX_SUBSTITUTIONS": [(r"[^\w\s-]", ""), (r"(?u)\A\s*", ""), (r"(?u)\s*\Z", ""), (r"[-\s]+", "-")]}


@pytest.fixture
def listing(site_once):
    return site_once("theme-listing", {"DEFAULT_PAGINATION": 2})


@pytest.fixture
def report_site(site_once):
    return site_once("theme-report")


# ---------------------------------------------------------------- plain functions


def test_names_split_on_commas_or_on_semicolons_when_a_name_holds_a_comma():
    assert hospital_names("CHU de Rennes, CH de Vannes") == ["CHU de Rennes", "CH de Vannes"]
    assert hospital_names("CHU de Nantes, site Laënnec; CH de Vannes") == ["CHU de Nantes, site Laënnec", "CH de Vannes"]
    assert hospital_names("CHU de Rennes, , CHU de Rennes") == ["CHU de Rennes"]
    assert hospital_names(None) == []


def test_regions_come_once_sorted_ignoring_case_like_the_theme_did_with_jinja():
    from types import SimpleNamespace

    from jinja2 import Environment

    reports = [SimpleNamespace(region=region) for region in ("Normandie", "bretagne", "Bretagne", "Normandie")]
    reports.insert(1, SimpleNamespace())
    expression = 'articles|selectattr("region", "defined")|map(attribute="region")|unique|sort|list'
    assert region_names(reports) == ["bretagne", "Normandie"]
    assert region_names(reports) == Environment().compile_expression(expression)(articles=reports)
    assert region_names([SimpleNamespace()]) == []


def test_hospital_has_a_slug_url_and_file_from_its_name():
    hospital = Hospital("Centre hospitalier de Saint-Brieuc", SETTINGS)
    assert hospital.slug == "centre-hospitalier-de-saint-brieuc"
    assert hospital.url == "etablissement/centre-hospitalier-de-saint-brieuc/"
    assert hospital.save_as == "etablissement/centre-hospitalier-de-saint-brieuc/index.html"


def test_hospital_addresses_follow_the_settings():
    options = HospitalsSettings.from_settings({"HOSPITALS_PAGE_URL": "hopital/{slug}.html",
                                               "HOSPITALS_PAGE_SAVE_AS": "hopital/{slug}.html"})
    hospital = Hospital("CHU de Lille", SETTINGS, options)
    assert (hospital.url, hospital.save_as, hospital.page_name) == ("hopital/chu-de-lille.html",) * 2 + ("hopital/chu-de-lille",)


def test_index_groups_reports_per_hospital_sorted_by_slug_keeping_report_order():
    rennes, avranches = Hospital("CHU de Rennes", SETTINGS), Hospital("CH d’Avranches", SETTINGS)

    class Report:
        def __init__(self, name, hospitals):
            self.name, self.hospitals = name, hospitals

    newest, older, oldest = Report("newest", [rennes]), Report("older", [avranches, rennes]), Report("oldest", [])
    index = index_hospitals([newest, older, oldest])
    assert [(h.name, [r.name for r in reports]) for h, reports in index] == [
        ("CH d’Avranches", ["older"]),
        ("CHU de Rennes", ["newest", "older"]),
    ]


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("HOSPITALS_PAGE_URL", "etablissement/", "has no {slug}"),
        ("HOSPITALS_PAGE_SAVE_AS", "etablissement/{slug}/", "must end in .html"),
        ("HOSPITALS_INDEX_URL", "", "non-empty string"),
        ("HOSPITALS_INDEX_SAVE_AS", 42, "non-empty string"),
    ],
)
def test_unusable_setting_is_refused_with_the_value_quoted(key, value, fragment):
    with pytest.raises(HospitalsSettingsError) as error:
        HospitalsSettings.from_settings({key: value})
    message = str(error.value)
    assert message.startswith(f"hospitals: {key} is {value!r}")
    assert fragment in message


# ---------------------------------------------------------------- through a real build


def test_report_byline_links_every_hospital_and_shows_the_region(report_site):
    page = soup(report_site.output / "hematologie" / "reunion-visio" / "index.html")
    item = page.select_one(".byline .byline-hospitals")
    assert item.get_text().startswith("Établissements\u00a0: ")
    links = [(a.get_text(), a["href"]) for a in item.select("a")]
    assert links == [
        ("CHU de Rennes", "/etablissement/chu-de-rennes/"),
        ("Centre hospitalier d’Avranches", "/etablissement/centre-hospitalier-davranches/"),
    ]
    assert page.select_one(".byline-region").get_text() == "Région\u00a0: Bretagne"


def test_report_with_one_hospital_says_it_in_the_singular(report_site):
    page = soup(report_site.output / "hematologie" / "chapo-courbe" / "index.html")
    assert page.select_one(".byline-hospitals").get_text() == "Établissement\u00a0: CHU de Rennes"
    assert page.select(".byline-region") == []


def test_report_without_hospitals_has_no_hospital_entry(report_site):
    page = soup(report_site.output / "urgences" / "sans-options" / "index.html")
    assert page.select(".byline-hospitals, .byline-region") == []


def test_each_hospital_has_a_page_listing_its_reports_newest_first(report_site):
    page = soup(report_site.output / "etablissement" / "chu-de-rennes" / "index.html")
    assert page.h1.get_text(" ", strip=True) == "Établissement\u00a0: CHU de Rennes"
    titles = [a.get_text() for a in page.select(".cards .card-title a")]
    assert titles == [
        "Réunion par écrans\u00a0: les hématologues de l’Ouest tranchent ensemble",
        "Greffe de moelle\u00a0: l’attente dans la chambre stérile",
    ]
    assert "Région\u00a0: Bretagne" in page.select_one(".listing-intro").get_text()


def test_hospital_index_lists_every_hospital_with_its_count(report_site):
    page = soup(report_site.output / "etablissements" / "index.html")
    assert page.h1.get_text() == "Établissements"
    items = [li.get_text(" ", strip=True) for li in page.select(".term-list li")]
    assert items == [
        "Centre hospitalier d’Avranches (1\u00a0reportage)",
        "CHU de Rennes (2\u00a0reportages)",
    ]


def test_hospital_pages_are_paginated_with_french_labels(listing):
    first = soup(listing.output / "etablissement" / "chu-de-nantes" / "index.html")
    second_path = listing.output / "etablissement" / "chu-de-nantes" / "page" / "2" / "index.html"
    second = soup(second_path)
    assert len(first.select(".cards > li")) == 2
    assert len(second.select(".cards > li")) == 1
    assert first.select_one(".pagination a[rel=next]")["href"] == "/etablissement/chu-de-nantes/page/2/"
    assert second.select_one(".pagination a[rel=prev]")["href"] == "/etablissement/chu-de-nantes/"
    assert second.h1.get_text(" ", strip=True).endswith(", page 2 sur 2")


def test_one_hospital_spelled_two_ways_is_a_warning_naming_both_files(build, copy_site):
    root = copy_site("theme-listing")
    extra = root / "articles" / "brules" / "zzz-autre-graphie.md"
    extra.write_text(
        "Title: Une autre graphie\nDate: 2026-06-01 10:00\nHospitals: CHU DE NANTES\n"
        "Summary: Un résumé.\n\nUn corps.\n",
        encoding="utf-8",
    )
    result = build(root)
    ours = [w for w in result.warnings if w.startswith("hospitals:")]
    assert len(ours) == 1
    assert ours[0].startswith("hospitals: articles/brules/zzz-autre-graphie.md: Hospitals entry 'CHU DE NANTES' is spelled 'CHU de Nantes' in articles/brules/")
    assert "articles/brules/" in ours[0] and "use one spelling" in ours[0]
    assert (result.output / "etablissement" / "chu-de-nantes" / "index.html").exists()


def test_bad_setting_stops_the_build_with_the_value_quoted(build):
    with pytest.raises(HospitalsSettingsError, match="'etablissement/'"):
        build("theme-listing", overrides={"HOSPITALS_PAGE_URL": "etablissement/"})


def test_hospital_pages_are_byte_identical_across_builds(build, tmp_path):
    first = build("theme-listing")
    files = sorted(p.relative_to(first.output) for p in (first.output / "etablissement").rglob("*.html"))
    before = {p: (first.output / p).read_bytes() for p in files}
    renamed = first.output.rename(tmp_path / "first-build")
    second = build("theme-listing")
    assert renamed != second.output
    assert {p: (second.output / p).read_bytes() for p in files} == before
    assert sorted(p.relative_to(second.output) for p in (second.output / "etablissement").rglob("*.html")) == files
    assert Path("etablissement/chu-de-nantes/index.html") in files


def test_hospital_name_without_letters_is_a_warning_and_gets_no_page(build, copy_site):
    root = copy_site("theme-listing")
    (root / "articles" / "brules" / "ponctuation.md").write_text(
        "Title: Une liste mal tapée\nDate: 2026-06-02 10:00\nHospitals: CHU de Nantes, ???\n"
        "Summary: Un résumé.\n\nUn corps.\n",
        encoding="utf-8",
    )
    result = build(root)
    ours = [w for w in result.warnings if w.startswith("hospitals:")]
    assert ours == [
        "hospitals: articles/brules/ponctuation.md: Hospitals entry '???' gives an empty address; "
        "write the établissement's name with letters, like « Hospitals: CHU de Rennes »"
    ]
    page = soup(result.output / "brules" / "ponctuation" / "index.html")
    assert [a.get_text() for a in page.select(".byline-hospitals a")] == ["CHU de Nantes"]
