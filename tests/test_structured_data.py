"""structured_data: the JSON-LD search engines read, checked with extruct on the built sample site."""

import json
from urllib.parse import urlsplit

import extruct
import pytest
from pelican.settings import read_settings
from PIL import Image

from conftest import SITES, soup
from desk.build import ROOT
from desk.checks import CheckSettings, check_site
from french_typography.french_typography import typographize
from structured_data.rules import HEADLINE_MAX_LENGTH, headline_findings
from structured_data.structured_data import (
    StructuredDataSettings,
    StructuredDataSettingsError,
    to_json_ld,
)
from theme_assets.theme_assets import fingerprinted_name, served_bytes

SITEURL = "https://pouls.example.fr"
NEWS_ARTICLE_KEYS = {
    "@type", "@id", "mainEntityOfPage", "url", "headline", "description", "image", "datePublished",
    "dateModified", "author", "publisher", "articleSection", "keywords", "inLanguage", "isAccessibleForFree",
}
RATIOS = [(16, 9), (4, 3), (1, 1)]


def fingerprinted(relative):
    """The published name of a theme file: its name and the digest of its served bytes (theme_assets)."""
    return fingerprinted_name(relative, served_bytes(relative, (ROOT / "theme" / "static" / relative).read_bytes()))


@pytest.fixture
def published(published_sample):
    """The real content built with publishconf.py, as it goes online."""
    assert published_sample.errors == [] and published_sample.warnings == [], (
        published_sample.errors, published_sample.warnings)
    return published_sample


def report_pages(result):
    return [path for path in sorted(result.output.rglob("index.html")) if soup(path).select("main article.article")]


def json_ld(path, url):
    """The JSON-LD items of a page as extruct reads them, @graph flattened, with the script count."""
    html = path.read_text(encoding="utf-8")
    data = extruct.extract(html, base_url=url, syntaxes=["json-ld"], uniform=True)["json-ld"]
    items = []
    for block in data:
        items.extend(block.get("@graph", [block]))
    return items, len(soup(path).select('script[type="application/ld+json"]'))


def public_url(result, path):
    relative = path.relative_to(result.output).as_posix()
    return f"{SITEURL}/{relative[: -len('index.html')]}"


def of_type(items, kind):
    return [item for item in items if item.get("@type") == kind]


# ---------------------------------------------------------------- reports


def test_every_report_has_one_script_with_exactly_one_news_article_and_its_breadcrumb(published):
    pages = report_pages(published)
    assert len(pages) >= 19
    for path in pages:
        items, scripts = json_ld(path, public_url(published, path))
        assert scripts == 1, path
        assert len(of_type(items, "NewsArticle")) == 1, path
        assert len(of_type(items, "BreadcrumbList")) == 1, path


def test_news_article_carries_every_property_with_its_visible_value(published):
    for path in report_pages(published):
        url = public_url(published, path)
        page = soup(path)
        items, _ = json_ld(path, url)
        [article] = of_type(items, "NewsArticle")
        assert set(article) >= NEWS_ARTICLE_KEYS, (path, NEWS_ARTICLE_KEYS - set(article))
        assert article["mainEntityOfPage"] == {"@type": "WebPage", "@id": url}
        assert article["url"] == url == page.select_one('link[rel="canonical"]')["href"]
        assert article["headline"] == page.h1.get_text()
        assert len(article["headline"]) <= HEADLINE_MAX_LENGTH
        assert article["description"] == page.select_one(".standfirst").get_text(" ", strip=True)
        assert [a["name"] for a in article["author"]] == [a.get_text() for a in page.select(".byline-authors a")]
        for author, link in zip(article["author"], page.select(".byline-authors a"), strict=True):
            assert author["@type"] == "Person" and author["url"] == link["href"]
            assert (published.output / urlsplit(author["url"]).path.lstrip("/") / "index.html").is_file()
        publisher = article["publisher"]
        assert publisher["@type"] == "Organization" and publisher["name"] == "Pouls" and publisher["url"] == SITEURL + "/"
        assert publisher["logo"]["url"] == f"{SITEURL}/theme/{fingerprinted('img/logo-pouls.png')}"
        assert (published.output / "theme" / fingerprinted("img/logo-pouls.png")).is_file()
        assert (published.output / "theme/img/logo-pouls.png").is_file()
        crumbs = [a.get_text() for a in page.select(".breadcrumb a")]
        assert article["articleSection"] == crumbs[-1]
        assert article["keywords"] == [a.get_text() for a in page.select(".article-tags a")]
        assert article["inLanguage"] == "fr-FR"
        assert article["isAccessibleForFree"] is True


def test_news_article_dates_are_the_visible_times_with_the_paris_offset(published):
    for path in report_pages(published):
        page = soup(path)
        [article] = of_type(json_ld(path, public_url(published, path))[0], "NewsArticle")
        times = [t["datetime"] for t in page.select("article.article .article-dates time[datetime]")]
        assert article["datePublished"] == times[0], path
        assert article["dateModified"] == times[-1], path  # Mis à jour le …, else Publié le …
        assert article["datePublished"].endswith(("+01:00", "+02:00")), article["datePublished"]
        published_time = page.select_one('meta[property="article:published_time"]')["content"]
        assert published_time == article["datePublished"]
        assert page.select_one('meta[property="article:modified_time"]')["content"] == article["dateModified"]


def test_summer_and_winter_reports_carry_the_two_paris_offsets(published):
    report = published.output / "hematologie/hematologues-ouest-visioconference/index.html"
    [article] = of_type(json_ld(report, public_url(published, report))[0], "NewsArticle")
    assert article["datePublished"] == "2026-10-16T09:30+02:00"
    winter = published.output / "urgences/formation-arret-cardiaque-samu-44/index.html"
    [article] = of_type(json_ld(winter, public_url(published, winter))[0], "NewsArticle")
    assert article["datePublished"] == "2026-01-22T08:30+01:00"


def test_news_article_images_are_the_three_crops_each_1200_px_wide(published):
    for path in report_pages(published):
        [article] = of_type(json_ld(path, public_url(published, path))[0], "NewsArticle")
        images = article["image"]
        assert len(images) == 3, path
        for image, (ratio_w, ratio_h) in zip(images, RATIOS, strict=True):
            assert image["url"].startswith(SITEURL + "/"), image
            assert image["width"] >= 1200, (path, image)
            assert abs(image["width"] * ratio_h - image["height"] * ratio_w) <= ratio_w, (path, image)
            with Image.open(published.output / urlsplit(image["url"]).path.lstrip("/")) as picture:
                assert picture.size == (image["width"], image["height"]), image


def test_report_with_an_image_shares_crops_of_it_and_one_without_the_site_cards(published):
    with_image = published.output / "hematologie/hematologues-ouest-visioconference/index.html"
    [article] = of_type(json_ld(with_image, public_url(published, with_image))[0], "NewsArticle")
    assert [image["url"] for image in article["image"]] == [
        f"{SITEURL}/images/partage/hematologie-visioconference-{name}.jpg" for name in ("16x9", "4x3", "1x1")
    ]
    without = published.output / "organisation/hygiene-des-mains-chu-brest/index.html"
    [article] = of_type(json_ld(without, public_url(published, without))[0], "NewsArticle")
    assert [image["url"] for image in article["image"]] == [
        f"{SITEURL}/theme/{fingerprinted(f'img/partage/pouls-{name}.png')}" for name in ("16x9", "4x3", "1x1")
    ]


def test_breadcrumb_list_is_the_visible_breadcrumb(published):
    for path in report_pages(published):
        page = soup(path)
        [trail] = of_type(json_ld(path, public_url(published, path))[0], "BreadcrumbList")
        visible = [(a.get_text(), a["href"]) for a in page.select('nav[aria-label="Fil d’Ariane"] a')]
        listed = [(item["name"], item["item"]) for item in trail["itemListElement"]]
        assert listed == visible, path
        assert [item["position"] for item in trail["itemListElement"]] == list(range(1, len(visible) + 1))
        assert visible[0] == ("Accueil", SITEURL + "/")


# ---------------------------------------------------------------- home page


def test_home_page_carries_website_and_organization_and_nothing_else(published):
    path = published.output / "index.html"
    items, scripts = json_ld(path, SITEURL + "/")
    assert scripts == 1
    assert sorted(item["@type"] for item in items) == ["Organization", "WebSite"]
    [site] = of_type(items, "WebSite")
    assert site["name"] == "Pouls" and site["url"] == SITEURL + "/" and site["inLanguage"] == "fr-FR"
    assert site["publisher"] == {"@id": f"{SITEURL}/#organisation"}
    [organisation] = of_type(items, "Organization")
    assert organisation["@id"] == f"{SITEURL}/#organisation"
    with Image.open(published.output / "theme/img/logo-pouls.png") as logo:
        assert logo.size == (organisation["logo"]["width"], organisation["logo"]["height"])
        assert min(logo.size) >= 112  # Google's minimum for an organisation logo


def test_other_pages_carry_no_json_ld(published, site_once):
    for path in ("rubrique/hematologie/index.html", "a-propos/index.html", "plan-du-site/index.html"):
        assert soup(published.output / path).select('script[type="application/ld+json"]') == [], path
    listing = site_once("theme-listing", {"DEFAULT_PAGINATION": 2})
    assert soup(listing.output / "page/2/index.html").select('script[type="application/ld+json"]') == []
    assert len(soup(listing.output / "index.html").select('script[type="application/ld+json"]')) == 1


def test_development_build_uses_the_make_serve_address(site_once):
    result = site_once("theme-report")
    path = result.output / "hematologie/reunion-visio/index.html"
    [article] = of_type(json_ld(path, "http://127.0.0.1:8000/hematologie/reunion-visio/")[0], "NewsArticle")
    assert article["url"] == "http://127.0.0.1:8000/hematologie/reunion-visio/"


# ---------------------------------------------------------------- plain functions and settings


def test_json_ld_text_can_never_close_its_script_element():
    hostile = {"headline": "</script><script>alert(1)</script><!-- & »"}
    text = to_json_ld(hostile)
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == hostile
    assert "»" in text  # French text stays readable, not \u-escaped


def test_headline_of_110_characters_passes_and_111_is_a_warning():
    assert headline_findings("a" * 110) == []
    assert headline_findings("<em>a</em>" + "b" * 109) == []  # tags are not characters a reader sees
    [finding] = headline_findings("a" * 111)
    assert (finding.code, finding.severity) == ("headline-too-long", "warning")
    assert finding.message == (
        "le titre fait 111\u00a0caractères\u202f; au-delà de 110, les moteurs de recherche et les agrégateurs "
        "d’actualité peuvent le couper. Raccourcissez-le à 110\u00a0caractères au plus."
    )
    assert finding.english("articles/x.md") == (
        "structured_data: articles/x.md: the title is 111 characters long; beyond 110, search engines and news "
        "aggregators may cut it. Shorten it to 110 characters at most"
    )


def test_a_headline_is_measured_as_typographed_so_the_source_and_the_built_title_agree():
    # Typography turns « "…" » into « «\u00a0…\u00a0» », two characters more: the build holds the
    # typographed title, make check reads the typed one; both are measured typographed.
    typed = '"' + "a" * 108 + '"'
    assert headline_findings(typed)[0].values["length"] == 112
    assert headline_findings(typographize(typed))[0].values == headline_findings(typed)[0].values
    assert headline_findings("a" * 107 + "...") == []  # « … » is one character


def test_make_check_and_the_build_warn_about_a_long_headline_at_its_line(copy_site, build):
    content = copy_site("check-clean")
    long_title = "Urgences : " + "une nuit très longue au service d’accueil, " * 3
    report = content / "articles" / "urgences" / "titre-long.md"
    report.write_text(
        f"Date: 2026-03-02 09:00\nTitle: {long_title.strip()}\nSummary: Un chapô.\n\nLe texte.\n", encoding="utf-8"
    )
    settings = CheckSettings.from_settings(read_settings(str(ROOT / "pelicanconf.py"), override={"PATH": str(content)}))
    found = [str(p) for p in check_site(settings).warnings if "titre-long.md" in p.path]
    [finding] = headline_findings(long_title.strip())
    assert found == [f"{content.name}/articles/urgences/titre-long.md:2: avertissement\u00a0: " + finding.message]
    result = build(content)
    assert [w for w in result.warnings if "titre-long.md" in w] == [
        finding.english("articles/urgences/titre-long.md")
    ]


def test_sample_content_has_no_headline_warning():
    settings = CheckSettings.from_settings(read_settings(str(ROOT / "pelicanconf.py")))
    assert [str(p) for p in check_site(settings).warnings if "le titre fait" in p.message] == []


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("STRUCTURED_DATA_LOGO", "/img/logo.png", "STRUCTURED_DATA_LOGO is '/img/logo.png'"),
        ("STRUCTURED_DATA_LOGO", "", "give the logo's path"),
        ("STRUCTURED_DATA_LANGUAGE", "french", "STRUCTURED_DATA_LANGUAGE is 'french'"),
    ],
)
def test_unusable_setting_is_refused_with_the_value_quoted(key, value, fragment):
    with pytest.raises(StructuredDataSettingsError) as error:
        StructuredDataSettings.from_settings({key: value})
    assert str(error.value).startswith("structured_data: ") and fragment in str(error.value)


def test_a_missing_logo_is_a_warning_naming_the_setting(build, tmp_path):
    result = build(SITES / "theme-report", overrides={"STRUCTURED_DATA_LOGO": "img/absent.png"})
    ours = [w for w in result.warnings if w.startswith("structured_data:")]
    assert ours and all("img/absent.png" in w and "STRUCTURED_DATA_LOGO" in w for w in ours)
