"""The theme: every page kind, its blocks present and absent, French labels, accessibility structure."""

import itertools
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import soup

REPORT = Path("hematologie/reunion-visio/index.html")
CURLY = Path("hematologie/chapo-courbe/index.html")
BARE = Path("urgences/sans-options/index.html")
NBSP, NNBSP = "\u00a0", "\u202f"


@pytest.fixture
def report_site(site_once):
    return site_once("theme-report")


@pytest.fixture
def listing(site_once):
    return site_once("theme-listing", {"DEFAULT_PAGINATION": 2})


@pytest.fixture
def published(site_once):
    return site_once("theme-report", {"SITEURL": "https://pouls.example.fr"})


def html_files(result):
    return sorted(result.output.rglob("*.html"))


def text_of(node):
    return node.get_text(" ", strip=True)


# ---------------------------------------------------------------- every page


@pytest.mark.parametrize("scenario", ["report_site", "listing"])
def test_every_page_is_french_with_one_h1_and_no_skipped_heading_level(scenario, request):
    result = request.getfixturevalue(scenario)
    pages = html_files(result)
    assert len(pages) > 15
    for path in pages:
        page = soup(path)
        assert page.html["lang"] == "fr", path
        levels = [int(h.name[1]) for h in page.find_all(re.compile(r"^h[1-6]$"))]
        assert levels.count(1) == 1, (path, levels)
        assert levels[0] == 1, (path, levels)
        for previous, current in itertools.pairwise(levels):
            assert current <= previous + 1, (path, levels)


@pytest.mark.parametrize("scenario", ["report_site", "listing"])
def test_every_page_has_landmarks_labelled_navs_and_a_skip_link_to_main(scenario, request):
    for path in html_files(request.getfixturevalue(scenario)):
        page = soup(path)
        body_links = page.body.find_all("a")
        assert body_links[0]["href"] == "#contenu" and body_links[0].get_text() == "Aller au contenu", path
        main = page.select("main")
        assert len(main) == 1 and main[0]["id"] == "contenu", path
        assert page.select("body > header.site-header") and page.select("body > footer.site-footer"), path
        for nav in page.select("nav"):
            assert nav.get("aria-label"), (path, str(nav)[:80])


@pytest.mark.parametrize("scenario", ["report_site", "listing"])
def test_every_page_has_a_title_a_description_and_the_theme_colour(scenario, request):
    for path in html_files(request.getfixturevalue(scenario)):
        page = soup(path)
        assert page.title.get_text().strip(), path
        description = page.select_one('meta[name="description"]')["content"]
        assert len(description) > 30, (path, description)
        assert page.select_one('meta[name="theme-color"]')["content"].startswith("#")
        assert re.fullmatch(r"/theme/css/print\.[0-9a-f]{12}\.css", page.select_one('link[rel="stylesheet"][media="print"]')["href"])


@pytest.mark.parametrize("scenario", ["report_site", "listing"])
def test_no_page_asks_another_server_for_anything(scenario, request):
    result = request.getfixturevalue(scenario)
    for path in html_files(result):
        page = soup(path)
        assert page.select("iframe, embed, object, audio") == [], path
        # A <video> only where the report has a clip of its own (tests/test_video.py).
        assert page.select("video") == [], path
        # Scripts only from the site itself (the search page's js/search.js), never inline code.
        for script in page.select("script:not([type='application/ld+json'])"):
            assert script.get("src") and not script.get_text(strip=True), (path, str(script)[:80])
        # rel="canonical" names the page's public address; browsers never fetch it.
        for node, attribute in [(n, "href") for n in page.select('link[href]:not([rel="canonical"])')] + [
            (n, "src") for n in page.select("img[src], source[src], track[src], script[src]")
        ] + [(n, "poster") for n in page.select("video[poster]")]:
            address = node[attribute]
            assert address.startswith("/") and not address.startswith("//"), (path, address)
        # Scripts: only the theme's own files, never inline code (a strict CSP is coming);
        # JSON-LD is data, never executed.
        for script in page.select("script"):
            if script.get("type") == "application/ld+json":
                continue
            assert script.get("src", "").startswith("/theme/js/") and not script.string, (path, str(script)[:80])
            assert (result.output / script["src"].lstrip("/")).is_file(), (path, script["src"])


def test_stylesheets_import_nothing_and_use_system_fonts():
    css_dir = Path(__file__).resolve().parents[1] / "theme" / "static" / "css"
    for css in css_dir.glob("*.css"):
        text = css.read_text(encoding="utf-8")
        assert "@import" not in text and "@font-face" not in text, css
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", text), css
    assert "system-ui" in (css_dir / "screen.css").read_text(encoding="utf-8")


@pytest.mark.parametrize("scenario", ["report_site", "listing"])
def test_no_page_writes_no_break_spaces_as_entities(scenario, request):
    for path in html_files(request.getfixturevalue(scenario)):
        text = path.read_text(encoding="utf-8")
        assert "&nbsp;" not in text and "&#160;" not in text and "&#xa0;" not in text.lower(), path


def test_footer_links_the_accessibility_status_and_the_legal_pages(report_site):
    footer = soup(report_site.output / "index.html").select_one("footer.site-footer")
    links = [(text_of(a), a["href"]) for a in footer.select("nav a")]
    assert links == [
        (f"Accessibilité{NBSP}: partiellement conforme", "/accessibilite/"),
        ("Mentions légales", "/mentions-legales/"),
        ("Confidentialité", "/confidentialite/"),
        ("À propos", "/a-propos/"),
        ("Charte éditoriale", "/charte-editoriale/"),
        ("Plan du site", "/plan-du-site/"),
        ("S’abonner aux flux", "/sabonner/"),
    ]
    assert (report_site.output / "sabonner" / "index.html").exists()


ENGLISH = re.compile(
    r"\b(Read more|Next|Previous|Posted|Published|Updated|Categories|Category|Tags|Authors|Archives for|"
    r"Page \d+ of|Skip to|Home|Search|Comments|min read)\b"
)


@pytest.mark.parametrize("scenario", ["report_site", "listing"])
def test_no_english_label_reaches_the_reader(scenario, request):
    for path in html_files(request.getfixturevalue(scenario)):
        page = soup(path)
        visible = page.body.get_text(" ")
        labels = " ".join(n.get("aria-label", "") for n in page.select("[aria-label]"))
        assert not ENGLISH.search(visible + " " + labels), (path, ENGLISH.search(visible + " " + labels))


# ---------------------------------------------------------------- report page


def test_report_page_has_breadcrumb_title_standfirst_byline_and_dates(report_site):
    page = soup(report_site.output / REPORT)
    crumbs = [(text_of(a), a["href"]) for a in page.select('nav[aria-label="Fil d’Ariane"] a')]
    assert crumbs == [("Accueil", "/"), ("Hématologie", "/rubrique/hematologie/")]
    article = page.select_one("main article.article")
    assert article.h1.get_text() == f"Réunion par écrans{NBSP}: les hématologues de l’Ouest tranchent ensemble"
    assert text_of(article.select_one(".byline-authors")) == "Par Maëlle Le Goff et Yann Prigent"
    assert [a["href"] for a in article.select(".byline-authors a")] == ["/auteur/maelle-le-goff/", "/auteur/yann-prigent/"]
    times = article.select(".article-dates time[datetime]")
    assert [t["datetime"] for t in times] == ["2026-03-06T09:30+01:00", "2026-03-09T16:45+01:00"]
    dates = text_of(article.select_one(".article-dates"))
    assert "Publié le vendredi 6 mars 2026" in dates
    assert "Mis à jour le lundi 9 mars 2026" in dates


def test_report_without_modified_has_no_update_date(report_site):
    article = soup(report_site.output / BARE).select_one("article.article")
    times = article.select(".article-dates time[datetime]")
    assert [t["datetime"] for t in times] == ["2026-01-15T22:00+01:00"]
    assert "Mis à jour" not in article.get_text()
    assert "Publié le jeudi 15 janvier 2026" in text_of(article.select_one(".article-dates"))


def test_report_blocks_come_in_reading_order(report_site):
    page = soup(report_site.output / REPORT)
    article = page.select_one("article.article")
    blocks = [child for child in article.children if getattr(child, "name", None)]
    classes = [(child.name, (child.get("class") or [""])[0]) for child in blocks]
    assert classes == [
        ("header", "article-header"),
        ("figure", "article-image"),
        ("div", "article-body"),
        ("section", "article-video"),
        ("section", "article-sources"),
        ("section", "article-tags"),
        ("section", "share"),
    ]
    header = [(c.name, (c.get("class") or [""])[0]) for c in blocks[0].children if getattr(c, "name", None)]
    assert header == [("h1", ""), ("div", "standfirst"), ("ul", "byline"), ("p", "article-dates")]
    after = [n for n in article.find_next_siblings() if n.name in ("section", "aside")]
    assert after[0].get("id") == "commentaires"


def test_report_tags_link_to_their_pages(report_site):
    block = soup(report_site.output / REPORT).select_one(".article-tags")
    assert block.h2.get_text() == "Étiquettes"
    assert [(a.get_text(), a["href"]) for a in block.select("a")] == [
        ("visioconférence", "/etiquette/visioconference/"),
        ("décision collective", "/etiquette/decision-collective/"),
    ]


def test_report_without_tags_has_no_tag_block(report_site):
    assert soup(report_site.output / BARE).select(".article-tags") == []


def test_report_page_marks_its_rubrique_in_the_main_navigation(report_site):
    nav = soup(report_site.output / REPORT).select_one('nav[aria-label="Navigation principale"]')
    current = nav.select('[aria-current="page"]')
    assert [(a.get_text(), a["href"]) for a in current] == [("Hématologie", "/rubrique/hematologie/")]


def test_report_description_is_the_standfirst_with_its_typography(report_site):
    page = soup(report_site.output / CURLY)
    description = page.select_one('meta[name="description"]')["content"]
    assert description == text_of(page.select_one(".standfirst"))
    assert f"filtrés. Le malade attend que le greffon prenne{NBSP}: c’est" in description
    assert page.title.get_text() == f"Greffe de moelle{NBSP}: l’attente dans la chambre stérile — Pouls"


# ---------------------------------------------------------------- listings


def test_home_lists_cards_with_title_standfirst_date_and_image(report_site):
    page = soup(report_site.output / "index.html")
    assert page.h1.get_text() == "Derniers reportages"
    cards = page.select("main ul.cards > li > article.card")
    assert [text_of(c.select_one("h2.card-title")) for c in cards] == [
        f"Réunion par écrans{NBSP}: les hématologues de l’Ouest tranchent ensemble",
        f"Greffe de moelle{NBSP}: l’attente dans la chambre stérile",
        "Une nuit au centre de régulation",
    ]
    first = cards[0]
    assert first.select_one("h2 a")["href"] == "/hematologie/reunion-visio/"
    assert text_of(first.select_one(".card-standfirst")).startswith("Chaque semaine, neuf équipes")
    assert first.select_one("time")["datetime"] == "2026-03-06T09:30+01:00"
    image = first.select_one("img.card-image")
    assert image["alt"].startswith("Trois écrans") and image["width"] == "2134" and image["height"] == "1200"
    assert cards[1].select("img") == [] and cards[2].select("img") == []


def test_single_page_listing_has_no_pagination(report_site):
    assert soup(report_site.output / "index.html").select(".pagination") == []


def test_home_is_paginated_with_french_labels(listing):
    first, second, third = (
        soup(listing.output / path) for path in ("index.html", "page/2/index.html", "page/3/index.html")
    )
    assert len(first.select(".cards > li")) == 2 and len(third.select(".cards > li")) == 1
    nav = first.select_one('nav.pagination[aria-label="Pagination"]')
    assert [(text_of(a), a["href"]) for a in nav.select("a")] == [("Page suivante", "/page/2/")]
    assert text_of(nav.select_one('[aria-current="page"]')) == "Page 1 sur 3"
    assert [(text_of(a), a["rel"]) for a in second.select(".pagination a")] == [
        ("Page précédente", ["prev"]), ("Page suivante", ["next"])
    ]
    assert [text_of(a) for a in third.select(".pagination a")] == ["Page précédente"]
    assert second.title.get_text().startswith("Pouls, page 2 sur 3")
    assert second.h1.get_text() == "Derniers reportages, page 2 sur 3"


def test_rubrique_page_lists_its_reports_and_is_current_in_the_navigation(listing):
    page = soup(listing.output / "rubrique" / "brules" / "index.html")
    assert page.h1.get_text() == "Brûlés et plaies"
    assert text_of(page.select_one(".listing-intro")) == f"Rubrique{NBSP}: 3{NBSP}reportages."
    assert [a["href"] for a in page.select(".card-title a")] == ["/brules/pansements-enfants/", "/brules/greffe-peau/"]
    assert page.select_one('.site-nav [aria-current="page"]')["href"] == "/rubrique/brules/"
    assert (listing.output / "rubrique" / "brules" / "page" / "2" / "index.html").exists()


def test_tag_page_names_the_tag(listing):
    page = soup(listing.output / "etiquette" / "enfant" / "index.html")
    assert text_of(page.h1) == f"Étiquette{NBSP}: enfant"
    assert page.title.get_text() == f"Étiquette{NBSP}: enfant — Pouls"
    assert text_of(page.select_one(".listing-intro")) == f"3{NBSP}reportages avec cette étiquette."


def test_author_page_lists_the_reports_signed(listing):
    page = soup(listing.output / "auteur" / "ines-caradec" / "index.html")
    assert page.h1.get_text() == "Inès Caradec"
    assert text_of(page.select_one(".listing-intro")) == f"2{NBSP}reportages signés."
    assert len(page.select(".cards > li")) == 2


@pytest.mark.parametrize(
    ("path", "title", "items"),
    [
        ("rubriques/index.html", "Rubriques", [f"Brûlés et plaies (3{NBSP}reportages)", f"Femme, mère, enfant (2{NBSP}reportages)"]),
        ("etiquettes/index.html", "Étiquettes", [f"brûlure (3{NBSP}reportages)", f"enfant (3{NBSP}reportages)"]),
        ("auteurs/index.html", "Auteurs et autrices", [f"Inès Caradec (2{NBSP}reportages)", f"Paul Morvan (3{NBSP}reportages)"]),
        ("etablissements/index.html", "Établissements", [f"CHU de Lille (1{NBSP}reportage)", f"CHU de Nantes (3{NBSP}reportages)"]),
    ],
)
def test_index_pages_list_every_entry_with_its_count(listing, path, title, items):
    page = soup(listing.output / path)
    assert page.h1.get_text() == title
    assert [text_of(li) for li in page.select(".term-list li")] == items


def test_archives_group_reports_by_year_newest_first(listing):
    page = soup(listing.output / "archives" / "index.html")
    assert [h2.get_text() for h2 in page.select("main h2")] == ["2026"]
    items = page.select(".archive-list li")
    assert [li.a["href"] for li in items][:2] == ["/brules/pansements-enfants/", "/brules/greffe-peau/"]
    assert text_of(items[0]).startswith("4 mai 2026 Le pansement du matin")
    assert items[-1].time["datetime"] == "2026-01-05T14:00+01:00"


# ---------------------------------------------------------------- pages, 404, canonical


def test_plain_page_has_its_title_as_h1(report_site):
    page = soup(report_site.output / "a-propos" / "index.html")
    assert page.h1.get_text() == "À propos de la rédaction"
    assert "petite rédaction" in text_of(page.select_one(".page-body"))
    assert page.select(".standfirst, .byline") == []


def test_404_page_explains_and_offers_ways_back(published):
    page = soup(published.output / "404.html")
    assert page.h1.get_text() == "Page introuvable"
    assert page.select_one('meta[name="robots"]')["content"] == "noindex"
    assert page.select('link[rel="canonical"]') == []
    hrefs = [a["href"] for a in page.select("main a")]
    assert hrefs == ["https://pouls.example.fr/", "https://pouls.example.fr/plan-du-site/", "https://pouls.example.fr/archives/"]


def test_published_pages_have_an_absolute_canonical_link(published):
    cases = {
        "hematologie/reunion-visio/index.html": "https://pouls.example.fr/hematologie/reunion-visio/",
        "rubrique/hematologie/index.html": "https://pouls.example.fr/rubrique/hematologie/",
        "etablissement/chu-de-rennes/index.html": "https://pouls.example.fr/etablissement/chu-de-rennes/",
    }
    for path, expected in cases.items():
        assert soup(published.output / path).select_one('link[rel="canonical"]')["href"] == expected


def test_home_page_canonical_link_names_its_file(published):
    # Audit tools fetch the home page as /index.html; a canonical from there to the site
    # root reads as « every page points at the home page » (Lighthouse's canonical audit).
    links = soup(published.output / "index.html").select('link[rel="canonical"]')
    assert [link["href"] for link in links] == ["https://pouls.example.fr/index.html"]


def test_development_pages_have_a_canonical_link_to_the_make_serve_address(report_site):
    links = soup(report_site.output / REPORT).select('link[rel="canonical"]')
    assert [link["href"] for link in links] == ["http://127.0.0.1:8000/hematologie/reunion-visio/"]


def test_paginated_page_is_its_own_canonical(site_once):
    result = site_once("theme-listing", {"DEFAULT_PAGINATION": 2, "SITEURL": "https://pouls.example.fr"})
    link = soup(result.output / "page" / "2" / "index.html").select_one('link[rel="canonical"]')
    assert link["href"] == "https://pouls.example.fr/page/2/"
    assert urlsplit(link["href"]).path == "/page/2/"


# ---------------------------------------------------------------- the real content


def test_sample_reports_print_their_standfirst_once(sample_site):
    from article_meta.rules import normalise_for_comparison

    reports = [p for p in html_files(sample_site) if soup(p).select("main article.article")]
    assert len(reports) >= 16
    for path in reports:
        page = soup(path)
        standfirsts = page.select(".standfirst")
        assert len(standfirsts) == 1, path
        first = page.select_one(".article-body p")
        if first is not None:
            assert normalise_for_comparison(str(first)) != normalise_for_comparison(str(standfirsts[0])), path


def test_sample_site_pages_keep_one_h1_and_no_skipped_heading_level(sample_site):
    for path in html_files(sample_site):
        levels = [int(h.name[1]) for h in soup(path).find_all(re.compile(r"^h[1-6]$"))]
        assert levels.count(1) == 1 and levels[0] == 1, (path, levels)
        for previous, current in itertools.pairwise(levels):
            assert current <= previous + 1, (path, levels)


@pytest.mark.parametrize("scenario", ["report_site", "listing"])
def test_every_theme_file_a_page_names_is_in_the_output(scenario, request):
    result = request.getfixturevalue(scenario)
    named = set()
    for path in html_files(result):
        page = soup(path)
        named |= {node.get("href") or node.get("src") for node in page.select("link[href], script[src]")}
    theme_files = sorted(address for address in named if address.startswith("/theme/"))
    assert theme_files  # the stylesheets at least
    missing = [address for address in theme_files if not (result.output / address.lstrip("/")).is_file()]
    assert missing == []
