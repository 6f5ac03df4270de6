"""social_cards: share crops, Open Graph and Twitter tags, canonical links and share links."""

import shutil
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import pytest
from PIL import Image

from conftest import SITES, soup
from desk.build import ROOT
from pouls_common import file_cache
from social_cards.social_cards import (
    DEFAULT_SITE_ALT,
    SocialCardsSettings,
    SocialCardsSettingsError,
    crop_box,
    crop_size,
    share_links,
)
from theme_assets.theme_assets import fingerprinted_name, served_bytes

SITEURL = "https://pouls.example.fr"
BIG = "hematologie/greffe-grande-image/index.html"
SMALL = "urgences/petite-image/index.html"
BARE = "urgences/sans-image/index.html"


def fingerprinted(relative):
    """The published name of a theme file: its name and the digest of its served bytes (theme_assets)."""
    return fingerprinted_name(relative, served_bytes(relative, (ROOT / "theme" / "static" / relative).read_bytes()))


@pytest.fixture
def cards(site_once):
    return site_once("social-reports", {"SITEURL": SITEURL, "SITE_MAP_PREVIEW": False})


@pytest.fixture
def sample(published_sample):
    return published_sample


def meta(page):
    """(property or name, content) of every Open Graph, article: and twitter: tag, in order."""
    found = []
    for tag in page.select("head meta[property], head meta[name]"):
        key = tag.get("property") or tag.get("name")
        if key.startswith(("og:", "article:", "twitter:")):
            found.append((key, tag["content"]))
    return found


# ---------------------------------------------------------------- crops


@pytest.mark.parametrize(
    ("size", "ratio", "box"),
    [
        ((2400, 1350), (16, 9), (0, 0, 2400, 1350)),
        ((2400, 1350), (4, 3), (300, 0, 2100, 1350)),
        ((2400, 1350), (1, 1), (525, 0, 1875, 1350)),
        ((2400, 1350), (40, 21), (0, 45, 2400, 1305)),
        ((1000, 1000), (16, 9), (0, 219, 1000, 781)),
        ((800, 450), (1, 1), (175, 0, 625, 450)),
    ],
)
def test_crop_is_the_largest_centred_box_of_its_ratio(size, ratio, box):
    assert crop_box(*size, *ratio) == box


def test_a_crop_is_brought_down_to_the_target_width_and_never_enlarged():
    assert crop_size((0, 0, 2400, 1350), 16, 9, 1200) == (1200, 675)
    assert crop_size((0, 45, 2400, 1305), 40, 21, 1200) == (1200, 630)
    assert crop_size((175, 0, 625, 450), 1, 1, 1200) == (450, 450)


def test_crops_of_a_large_image_are_1200_px_wide_in_their_ratios(cards):
    expected = {"16x9": (1200, 675), "4x3": (1200, 900), "1x1": (1200, 1200), "carte": (1200, 630)}
    for name, size in expected.items():
        with Image.open(cards.output / "images" / "partage" / f"grande-{name}.jpg") as crop:
            assert crop.size == size and crop.format == "JPEG", name


def test_a_small_image_gives_the_largest_crops_it_allows_and_one_warning(cards):
    expected = {"16x9": (800, 450), "4x3": (600, 450), "1x1": (450, 450), "carte": (800, 420)}
    for name, size in expected.items():
        with Image.open(cards.output / "images" / "partage" / f"petite-{name}.jpg") as crop:
            assert crop.size == size, name
    assert cards.warnings == [
        "social_cards: articles/urgences/petite-image.md: Image 'images/petite.png' is 800 × 450 px, too small "
        "for 1200 px wide share crops; they are made as large as it allows (16:9 800 px, 4:3 600 px, 1:1 450 px, "
        "1 200 × 630 800 px). Export the picture at least 1200 × 1200 px (for example 2133 × 1200 to keep 16:9)"
    ]


def test_crops_are_byte_identical_across_builds(cards, build):
    again = build("social-reports", overrides={"SITEURL": SITEURL, "SITE_MAP_PREVIEW": False})
    for path in sorted((cards.output / "images" / "partage").iterdir()):
        assert (again.output / "images" / "partage" / path.name).read_bytes() == path.read_bytes(), path.name
    for page in (BIG, SMALL, BARE, "index.html"):
        assert (again.output / page).read_bytes() == (cards.output / page).read_bytes(), page


# ---------------------------------------------------------------- Open Graph and Twitter


def test_report_has_every_open_graph_and_twitter_tag(cards):
    page = soup(cards.output / BIG)
    url = f"{SITEURL}/hematologie/greffe-grande-image/"
    assert meta(page) == [
        ("og:locale", "fr_FR"),
        ("og:site_name", "Pouls"),
        ("og:type", "article"),
        ("og:title", "Greffe de moelle\u00a0: le jour où les cellules arrivent"),
        ("og:description", "Le greffon arrive du laboratoire dans une glacière. En quelques dizaines de minutes, "
                           "il passe dans la perfusion du malade\u00a0: l’attente commence."),
        ("og:url", url),
        ("og:image", f"{SITEURL}/images/partage/grande-carte.jpg"),
        ("og:image:width", "1200"),
        ("og:image:height", "630"),
        ("og:image:alt", "Un disque rouge sur fond bleu nuit, bordé d’une bande jaune à gauche."),
        ("article:published_time", "2026-04-02T09:30+02:00"),
        ("article:modified_time", "2026-04-03T18:15+02:00"),
        ("article:section", "Hématologie"),
        ("article:tag", "greffe"),
        ("article:tag", "leucémie"),
        ("twitter:card", "summary_large_image"),
    ]
    assert page.select_one('link[rel="canonical"]')["href"] == url


def test_report_without_an_image_shares_the_site_card(cards):
    tags = dict(meta(soup(cards.output / BARE)))
    assert tags["og:image"] == f"{SITEURL}/theme/{fingerprinted('img/partage/pouls-carte.png')}"
    assert (tags["og:image:width"], tags["og:image:height"]) == ("1200", "630")
    assert tags["og:image:alt"] == DEFAULT_SITE_ALT
    assert (cards.output / "theme" / fingerprinted("img/partage/pouls-carte.png")).is_file()
    with Image.open(cards.output / "theme/img/partage/pouls-carte.png") as card:
        assert card.size == (1200, 630)
    # Without a Modified date the update time is the publication time.
    assert tags["article:modified_time"] == tags["article:published_time"] == "2026-01-15T08:00+01:00"


def test_pages_that_are_not_reports_are_websites_with_the_site_card(cards):
    for path in ("index.html", "rubrique/urgences/index.html", "archives/index.html"):
        tags = dict(meta(soup(cards.output / path)))
        assert tags["og:type"] == "website", path
        assert tags["og:image"] == f"{SITEURL}/theme/{fingerprinted('img/partage/pouls-carte.png')}", path
        assert "article:published_time" not in tags, path


def test_every_page_of_the_sample_has_one_absolute_canonical_equal_to_its_og_url(sample):
    pages = sorted(sample.output.rglob("*.html"))
    assert len(pages) > 60
    for path in pages:
        page = soup(path)
        links = page.select('link[rel="canonical"]')
        if page.select_one('meta[name="robots"][content="noindex"]'):
            # The 404 page and the comment service's stand-in are served at addresses that are
            # not theirs, the search page is a page of results: no canonical, never indexed.
            assert links == [], path
            assert path.name == "404.html" or path.parent.name in ("commentaires", "rechercher"), path
            continue
        assert len(links) == 1, path
        href = links[0]["href"]
        assert href.startswith(SITEURL + "/"), (path, href)
        assert page.select_one('meta[property="og:url"]')["content"] == href, path
        target = urlsplit(href).path.lstrip("/")
        assert (sample.output / target / "index.html").is_file() or (sample.output / target).is_file(), href


def test_home_page_canonical_names_its_file(sample):
    # Audit tools fetch the home page as /index.html; Lighthouse fails a canonical from there to /.
    assert soup(sample.output / "index.html").select_one('link[rel="canonical"]')["href"] == f"{SITEURL}/index.html"


# ---------------------------------------------------------------- share links


def test_share_links_are_plain_addresses_with_the_title_and_the_link():
    title, url = "Greffe : l’attente & l’espoir ?", "https://pouls.example.fr/hematologie/greffe/"
    links = {link.service: link for link in share_links(title, url)}
    assert [link.label for link in links.values()] == [
        "Envoyer par courriel", "Partager sur Mastodon", "Partager sur Bluesky",
        "Partager sur LinkedIn", "Partager sur Facebook", "Envoyer par WhatsApp",
    ]
    mail = urlsplit(links["courriel"].href)
    assert mail.scheme == "mailto" and parse_qs(mail.query) == {"subject": [title], "body": [f"{title}\r\n{url}"]}
    assert "+" not in links["courriel"].href  # RFC 6068: spaces are %20
    expected = {
        "mastodon": ("share.joinmastodon.org", "/", {"text": [f"{title} {url}"]}),
        "bluesky": ("bsky.app", "/intent/compose", {"text": [f"{title} {url}"]}),
        "linkedin": ("www.linkedin.com", "/sharing/share-offsite/", {"url": [url]}),
        "facebook": ("www.facebook.com", "/sharer/sharer.php", {"u": [url]}),
        "whatsapp": ("wa.me", "/", {"text": [f"{title} {url}"]}),
    }
    for service, (host, path, query) in expected.items():
        parts = urlsplit(links[service].href)
        assert (parts.scheme, parts.hostname, parts.path, parse_qs(parts.query)) == ("https", host, path, query)


@pytest.mark.parametrize("title, url", [
    ("Greffe : l’attente & l’espoir ?", "https://pouls.example.fr/hematologie/greffe/"),
    ("100 % = « tout » / rien + 😷\u202f!\u00a0#1", "http://127.0.0.1:8000/urgences/x%C3%A9/?a=1&b=2#f"),
    ("", ""),
])
def test_share_links_quote_exactly_as_urlencode_did(title, url):
    # share_links quotes each value once and assembles the queries itself: the bytes
    # must stay those of urlencode(…, quote_via=quote, safe=""), which it replaced.
    def query(**values):
        return urlencode(values, quote_via=quote, safe="")

    text = query(text=f"{title} {url}")
    assert [link.href for link in share_links(title, url)] == [
        "mailto:?" + query(subject=title, body=f"{title}\r\n{url}"),
        "https://share.joinmastodon.org/?" + text,
        "https://bsky.app/intent/compose?" + text,
        "https://www.linkedin.com/sharing/share-offsite/?" + query(url=url),
        "https://www.facebook.com/sharer/sharer.php?" + query(u=url),
        "https://wa.me/?" + text,
    ]


def test_report_page_ends_with_its_share_links_and_the_two_hidden_buttons(cards):
    page = soup(cards.output / BIG)
    block = page.select_one("article.article > section.share")
    assert block.h2.get_text() == "Partager ce reportage"
    links = block.select("ul.share-links a")
    assert [a.get_text() for a in links] == [
        "Envoyer par courriel", "Partager sur Mastodon", "Partager sur Bluesky",
        "Partager sur LinkedIn", "Partager sur Facebook", "Envoyer par WhatsApp",
    ]
    for link in links:
        assert link["rel"] == ["noopener", "noreferrer"]  # no Referer sent to the service
        assert not link.get("target") and not link.get("onclick")
    assert parse_qs(urlsplit(links[3]["href"]).query) == {"url": [f"{SITEURL}/hematologie/greffe-grande-image/"]}
    buttons = block.select(".share-actions button")
    assert [(b.get_text(), b.has_attr("hidden"), b["type"]) for b in buttons] == [
        ("Copier le lien", True, "button"), ("Partager…", True, "button"),
    ]
    assert block.select_one('[role="status"]') is not None
    scripts = page.select("script[src]")
    assert [s["src"] for s in scripts] == [f"{SITEURL}/theme/{fingerprinted('js/share.js')}"]
    assert scripts[0].has_attr("defer")
    assert (cards.output / "theme" / fingerprinted("js/share.js")).is_file()
    assert (cards.output / "theme/js/share.js").is_file()
    assert page.select("script:not([src]):not([type='application/ld+json'])") == []


def test_pages_that_are_not_reports_have_no_share_block_and_no_script(cards):
    for path in ("index.html", "rubrique/urgences/index.html"):
        page = soup(cards.output / path)
        assert page.select(".share, script[src]") == [], path


# ---------------------------------------------------------------- settings


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("SOCIAL_CARDS_WIDTH", 50, "SOCIAL_CARDS_WIDTH is 50"),
        ("SOCIAL_CARDS_WIDTH", "1200", "SOCIAL_CARDS_WIDTH is '1200'"),
        ("SOCIAL_CARDS_FOLDER", "../partage", "SOCIAL_CARDS_FOLDER is '../partage'"),
        ("SOCIAL_CARDS_SITE_ALT", " ", "SOCIAL_CARDS_SITE_ALT is ' '"),
    ],
)
def test_unusable_setting_is_refused_with_the_value_quoted(key, value, fragment):
    with pytest.raises(SocialCardsSettingsError) as error:
        SocialCardsSettings.from_settings({key: value})
    assert str(error.value).startswith("social_cards: ") and fragment in str(error.value)


def test_crops_are_kept_in_the_cache_by_their_sources_content(build, copy_site, tmp_path):
    cache = tmp_path / "cache"
    overrides = {"SITEURL": SITEURL, "SITE_MAP_PREVIEW": False, "SOCIAL_CARDS_CACHE_PATH": str(cache)}
    first = build("social-reports", overrides=overrides)
    kept = sorted(cache.iterdir())
    assert len(kept) == 8  # two pictures, four crops each
    entries = {path: file_cache.read_entry(cache, path.name) for path in kept}
    for crop in (first.output / "images" / "partage").iterdir():
        assert crop.read_bytes() in entries.values(), crop.name
    # A second build copies from the cache: a planted entry shows it was used, not recut.
    planted = next(path for path, data in entries.items()
                   if data == (first.output / "images/partage/grande-1x1.jpg").read_bytes())
    file_cache.write_entry(cache, planted.name, b"cached")
    again = build(copy_site("social-reports"), overrides=overrides)
    assert (again.output / "images/partage/grande-1x1.jpg").read_bytes() == b"cached"
    # A changed picture has another content, so another name in the cache: it is cut again.
    content = tmp_path / "changed"
    shutil.copytree(SITES / "social-reports", content)
    with Image.open(content / "images" / "grande.png") as picture:
        picture.rotate(180).save(content / "images" / "grande.png")
    changed = build(content, overrides=overrides)
    with Image.open(changed.output / "images/partage/grande-1x1.jpg") as crop:
        assert crop.size == (1200, 1200)
    assert len(list(cache.iterdir())) == 12
