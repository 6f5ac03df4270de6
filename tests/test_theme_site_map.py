"""site_map: the « Plan du site » page, sitemap.xml, news-sitemap.xml and robots.txt."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from lxml import etree

from conftest import soup
from site_map.site_map import (
    NEWS_NS,
    SITEMAP_NS,
    SiteMapSettings,
    SiteMapSettingsError,
    recent_reports,
)

NS = {"s": SITEMAP_NS, "n": NEWS_NS}
SITEURL = "https://pouls.example.fr"
PUBLISH = {"SITEURL": SITEURL, "SITE_MAP_PREVIEW": False}
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def published(site_once):
    return site_once("theme-report", PUBLISH)


def sitemap(result, name="sitemap.xml"):
    return etree.parse(str(result.output / name)).getroot()


def entries(result):
    return {url.findtext("s:loc", namespaces=NS): url.findtext("s:lastmod", namespaces=NS)
            for url in sitemap(result).findall("s:url", NS)}


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


# ---------------------------------------------------------------- sitemap.xml


def test_sitemap_lists_every_public_address_with_its_last_change(published):
    found = entries(published)
    assert found[f"{SITEURL}/hematologie/reunion-visio/"] == "2026-03-09T16:45:00+01:00"  # Modified wins
    assert found[f"{SITEURL}/urgences/sans-options/"] == "2026-01-15T22:00:00+01:00"
    for address in ("/", "/archives/", "/plan-du-site/", "/a-propos/", "/rubrique/hematologie/",
                    "/etiquette/decision-collective/", "/etablissement/chu-de-rennes/", "/auteur/yann-prigent/",
                    "/rubriques/", "/etiquettes/", "/auteurs/", "/etablissements/", "/sabonner/"):
        assert f"{SITEURL}{address}" in found, address
    assert all(loc.startswith(SITEURL + "/") for loc in found)
    assert f"{SITEURL}/404.html" not in found
    assert found[f"{SITEURL}/rubrique/hematologie/"] == "2026-03-09T16:45:00+01:00"  # its newest report


def test_sitemap_is_every_html_file_written_less_the_noindex_ones(published):
    written = set()
    for path in published.output.rglob("*.html"):
        relative = path.relative_to(published.output).as_posix()
        if 'content="noindex"' in path.read_text(encoding="utf-8").split("</head>")[0]:
            continue
        written.add(SITEURL + "/" + (relative[: -len("index.html")] if relative.endswith("index.html") else relative))
    assert set(entries(published)) == written
    assert len(written) > 20


def test_sitemap_lists_paginated_listings(site_once):
    result = site_once("theme-listing", {**PUBLISH, "DEFAULT_PAGINATION": 2})
    found = entries(result)
    for address in ("/page/2/", "/page/3/", "/rubrique/brules/page/2/"):
        assert f"{SITEURL}{address}" in found, address
    assert (result.output / "rubrique/brules/page/2/index.html").is_file()


def test_sitemap_leaves_out_drafts_hidden_reports_and_noindex_pages(site_once):
    result = site_once("feeds-basic", {**PUBLISH, "DRAFT_SAVE_AS": "brouillons/{slug}/index.html"})
    found = entries(result)
    assert (result.output / "brouillons/brouillon-chimio/index.html").is_file()  # written, but a draft
    assert (result.output / "cancerologie/reportage-cache/index.html").is_file()  # written, but hidden
    assert not [loc for loc in found if "brouillon" in loc or "reportage-cache" in loc]
    assert f"{SITEURL}/commentaires/" not in found  # the comment service's noindex stand-in


def test_sitemap_is_only_written_with_an_absolute_siteurl_outside_previews(site_once):
    assert not (site_once("theme-report").output / "sitemap.xml").exists()
    preview = site_once("theme-report", {"SITEURL": SITEURL})  # pelicanconf.py: SITE_MAP_PREVIEW = True
    assert not (preview.output / "sitemap.xml").exists()
    assert not (preview.output / "news-sitemap.xml").exists()


def test_sitemaps_and_site_map_page_are_byte_identical_across_builds(build, published):
    again = build("theme-report", overrides=PUBLISH)
    for path in ("sitemap.xml", "news-sitemap.xml", "robots.txt", "plan-du-site/index.html"):
        assert (again.output / path).read_bytes() == (published.output / path).read_bytes(), path


# ---------------------------------------------------------------- news-sitemap.xml


def _report(folder, slug, title, when):
    (folder / f"{slug}.md").write_text(
        f"Title: {title}\nDate: {when:%Y-%m-%d %H:%M}\nSummary: Un chapô.\n\nLe texte.\n", encoding="utf-8"
    )


@pytest.fixture
def fresh(build, copy_site):
    content = copy_site("theme-report")
    now = datetime.now(PARIS).replace(second=0, microsecond=0)
    folder = content / "articles" / "urgences"
    _report(folder, "il-y-a-une-heure", "Une heure : l'équipe de nuit", now - timedelta(hours=1))
    _report(folder, "il-y-a-47-heures", "Quarante-sept heures", now - timedelta(hours=47))
    _report(folder, "il-y-a-49-heures", "Quarante-neuf heures", now - timedelta(hours=49))
    _report(folder, "dans-deux-heures", "Programmé dans deux heures", now + timedelta(hours=2))
    return build(content, overrides=PUBLISH)


def test_news_sitemap_holds_the_reports_of_the_last_48_hours_in_googles_format(fresh):
    root = sitemap(fresh, "news-sitemap.xml")
    assert root.nsmap == {None: SITEMAP_NS, "news": NEWS_NS}
    urls = root.findall("s:url", NS)
    assert [url.findtext("s:loc", namespaces=NS) for url in urls] == [
        f"{SITEURL}/urgences/il-y-a-une-heure/", f"{SITEURL}/urgences/il-y-a-47-heures/",
    ]
    for url in urls:
        news = url.find("n:news", NS)
        assert news.findtext("n:publication/n:name", namespaces=NS) == "Pouls"
        assert news.findtext("n:publication/n:language", namespaces=NS) == "fr"
        page = soup(fresh.output / url.findtext("s:loc", namespaces=NS)[len(SITEURL) + 1:] / "index.html")
        assert news.findtext("n:title", namespaces=NS) == page.h1.get_text()
        assert news.findtext("n:publication_date", namespaces=NS) == page.select_one("time[datetime]")["datetime"]
    assert urls[0].findtext("n:news/n:title", namespaces=NS) == "Une heure\u00a0: l’équipe de nuit"


def test_news_sitemap_may_be_empty(published):
    root = sitemap(published, "news-sitemap.xml")
    assert root.tag == f"{{{SITEMAP_NS}}}urlset" and len(root) == 0
    assert root.nsmap == {None: SITEMAP_NS, "news": NEWS_NS}


class _Report:
    def __init__(self, date, url):
        self.date, self.url = date, url


def test_news_sitemap_keeps_the_1000_newest():
    now = datetime(2026, 12, 3, 12, 0, tzinfo=PARIS)
    reports = [_Report(now - timedelta(minutes=minute), f"r/{minute}/") for minute in range(1500)]
    chosen = recent_reports(reports, now, 48, 1000)
    assert len(chosen) == 1000
    assert chosen[0].url == "r/0/" and chosen[-1].url == "r/999/"
    assert recent_reports([_Report(now + timedelta(minutes=1), "futur/")], now, 48, 1000) == []
    assert recent_reports([_Report(now - timedelta(hours=48), "limite/")], now, 48, 1000) == []


# ---------------------------------------------------------------- robots.txt and previews


def test_robots_txt_names_both_sitemaps(published):
    assert (published.output / "robots.txt").read_text(encoding="utf-8") == (
        "User-agent: *\nAllow: /\n\n"
        f"Sitemap: {SITEURL}/sitemap.xml\nSitemap: {SITEURL}/news-sitemap.xml\n"
    )
    for path in ("index.html", "hematologie/reunion-visio/index.html", "a-propos/index.html"):
        assert soup(published.output / path).select('meta[name="robots"]') == [], path


def test_a_preview_build_disallows_everything_and_says_noindex_in_every_page(site_once):
    preview = site_once("theme-report")
    assert (preview.output / "robots.txt").read_text(encoding="utf-8") == (
        "# A preview build: nothing here may be indexed.\nUser-agent: *\nDisallow: /\n"
    )
    for path in preview.output.rglob("*.html"):
        robots = soup(path).select('meta[name="robots"]')
        assert [tag["content"] for tag in robots] == ["noindex"], path


def test_a_publish_build_is_indexed_unless_pouls_preview_is_set(monkeypatch):
    from desk.build import load_settings

    monkeypatch.delenv("POULS_PREVIEW", raising=False)
    assert load_settings("publishconf.py")["SITE_MAP_PREVIEW"] is False
    monkeypatch.setenv("POULS_PREVIEW", "1")
    assert load_settings("publishconf.py")["SITE_MAP_PREVIEW"] is True
    assert load_settings("pelicanconf.py")["SITE_MAP_PREVIEW"] is True


# ---------------------------------------------------------------- settings


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("SITE_MAP_SAVE_AS", "plan-du-site/", "must end in .html"),
        ("SITE_MAP_URL", "", "non-empty string"),
        ("SITE_MAP_XML_SAVE_AS", "sitemap.txt", "ending in .xml"),
        ("SITE_MAP_NEWS_SAVE_AS", "news.txt", "ending in .xml"),
        ("SITE_MAP_ROBOTS_SAVE_AS", "robots", "ending in .txt"),
        ("SITE_MAP_NEWS_HOURS", 0, "from 1 to 168"),
        ("SITE_MAP_NEWS_MAX", 5000, "from 1 to 1000"),
        ("SITE_MAP_PREVIEW", "yes", "True (a preview, never indexed) or False"),
    ],
)
def test_unusable_setting_is_refused_with_the_value_quoted(key, value, fragment):
    with pytest.raises(SiteMapSettingsError) as error:
        SiteMapSettings.from_settings({key: value})
    assert str(error.value).startswith(f"site_map: {key} is {value!r}")
    assert fragment in str(error.value)


def test_sitemaps_can_be_turned_off(site_once):
    result = site_once("theme-report", {**PUBLISH, "SITE_MAP_XML_SAVE_AS": None, "SITE_MAP_NEWS_SAVE_AS": None})
    assert not (result.output / "sitemap.xml").exists()
    assert not (result.output / "news-sitemap.xml").exists()
    assert (result.output / "robots.txt").read_text(encoding="utf-8") == "User-agent: *\nAllow: /\n\n"
    assert (result.output / "plan-du-site" / "index.html").exists()


def test_bad_setting_stops_the_build_before_anything_is_written(build, tmp_path):
    # `make publish` turns this exception into one line; raw `pelican` adds its own traceback.
    with pytest.raises(SiteMapSettingsError, match=r"SITE_MAP_SAVE_AS is 'plan/'; it names a file"):
        build("theme-report", overrides={"SITE_MAP_SAVE_AS": "plan/"})
    assert not (tmp_path / "output-theme-report" / "index.html").exists()
