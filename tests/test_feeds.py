"""The ten promises of the feeds (issue 5), over the sample site and the feeds-* fixture sites.

feeds-basic    a summer report (image, two authors, two hospitals, hostile markup, relative
               links, Modified), a winter report with comments closed, a draft, a hidden and
               a future-dated report
feeds-comments approved comment files (a reply, a website, a control character, a script),
               a closed report that has a comment, an open report with none
feeds-controls control characters in a title, a summary and a body
"""

import email.utils
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import feedparser
import pytest
from bs4 import BeautifulSoup
from lxml import etree

from conftest import SITES, soup
from desk.build import ROOT, build_site, reset_pelican_state

BASE = "http://127.0.0.1:8000"  # FEEDS_SITEURL of the development settings
PARIS = ZoneInfo("Europe/Paris")
NS = {
    "a": "http://www.w3.org/2005/Atom",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "dc": "http://purl.org/dc/elements/1.1/",
}
FEED_NAMES = {"atom.xml", "rss.xml", "feed.json", "commentaires.atom.xml"}
STRICT = etree.XMLParser(recover=False, resolve_entities=False, no_network=True)
CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
SUMMER = "hematologie/visio-hematologues-ete/"
WINTER = "urgences/samu-hiver/"
FIXTURES = ("feeds-basic", "feeds-comments", "feeds-controls")


# --- building and reading -----------------------------------------------------


class Site(NamedTuple):
    content: Path
    output: Path
    warnings: list
    errors: list


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    """Each feeds-* fixture site built once for this module."""
    built = {}
    for name in FIXTURES:
        result = build_site(content=SITES / name, output=tmp_path_factory.mktemp(name))
        built[name] = Site(SITES / name, result.output, result.warnings, result.errors)
        reset_pelican_state()
    return built


@pytest.fixture(params=("sample", *FIXTURES))
def any_site(request, sites, sample_site):
    """The sample site and every fixture site, one test each."""
    if request.param == "sample":
        return Site(ROOT / "content", sample_site.output, sample_site.warnings, sample_site.errors)
    return sites[request.param]


def feed_files(output):
    return sorted(p for p in Path(output).rglob("*") if p.name in FEED_NAMES and p.is_file())


def self_url(output, path):
    return f"{BASE}/{path.relative_to(output).as_posix()}"


def xml(path):
    return etree.parse(str(path), STRICT).getroot()


def kind(path):
    if path.suffix == ".json":
        return "json"
    return "rss" if path.name == "rss.xml" else "atom"


def entries(path):
    """Every item as a dict: id, link, title, published, updated, summary, content (text, parsed)."""
    if kind(path) == "json":
        return [
            {
                "id": item["id"],
                "link": item["url"],
                "title": item["title"],
                "published": datetime.fromisoformat(item["date_published"]),
                "updated": datetime.fromisoformat(item["date_modified"]),
                "summary": item.get("summary", ""),
                "content": item.get("content_html", ""),
            }
            for item in json.loads(path.read_text(encoding="utf-8"))["items"]
        ]
    root = xml(path)
    if kind(path) == "rss":
        return [
            {
                "id": item.findtext("guid"),
                "link": item.findtext("link"),
                "title": item.findtext("title"),
                "published": email.utils.parsedate_to_datetime(item.findtext("pubDate")),
                "updated": None,
                "summary": item.findtext("description") or "",
                "content": item.findtext("content:encoded", namespaces=NS) or "",
            }
            for item in root.iterfind("channel/item")
        ]
    return [
        {
            "id": entry.findtext("a:id", namespaces=NS),
            "link": entry.find("a:link[@rel='alternate']", NS).get("href"),
            "title": entry.findtext("a:title", namespaces=NS),
            "published": datetime.fromisoformat(entry.findtext("a:published", namespaces=NS)),
            "updated": datetime.fromisoformat(entry.findtext("a:updated", namespaces=NS)),
            "summary": entry.findtext("a:summary", namespaces=NS) or "",
            "content": entry.findtext("a:content", namespaces=NS) or "",
        }
        for entry in root.iterfind("a:entry", NS)
    ]


def feed_for(output, relative):
    return Path(output) / relative


def published_sources(content):
    """{url: front matter} of the reports a feed may list, read from the source files."""
    reports = {}
    for path in sorted((Path(content) / "articles").rglob("*.md")):
        meta = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                break
            key, _, value = line.partition(":")
            meta[key.strip().lower()] = value.strip()
        if meta.get("status", "published").lower() != "published":
            continue
        date = datetime.fromisoformat(meta["date"].replace(" ", "T")).replace(tzinfo=PARIS)
        if date > datetime.now(UTC):
            continue
        reports[f"{BASE}/{path.parent.name}/{path.stem}/"] = meta | {"rubrique": path.parent.name}
    return reports


# --- 1. every feed parses -----------------------------------------------------


def test_every_feed_parses_with_lxml_without_recovery_and_with_feedparser(any_site):
    files = feed_files(any_site.output)
    assert any(p.name == "atom.xml" for p in files) and any(p.name == "rss.xml" for p in files)
    for path in files:
        if kind(path) == "json":
            document = json.loads(path.read_text(encoding="utf-8"))
            assert document["version"] == "https://jsonfeed.org/version/1.1", path
            continue
        xml(path)  # raises on any well-formedness error
        parsed = feedparser.parse(path.read_bytes())
        assert parsed.bozo == 0, (path, parsed.get("bozo_exception"))
        assert parsed.version in ("atom10", "rss20"), path


def test_the_sample_site_has_every_kind_of_feed(sample_site):
    out = sample_site.output
    for relative in ("flux/atom.xml", "flux/rss.xml", "flux/feed.json"):
        assert (out / relative).is_file()
    for folder in ("rubrique", "etiquette"):
        listings = [p for p in (out / folder).iterdir() if (p / "index.html").is_file()]
        assert listings
        for listing in listings:
            assert (listing / "atom.xml").is_file() and (listing / "rss.xml").is_file(), listing
    assert list(out.glob("*/*/commentaires.atom.xml"))


# --- 2. self link, channel link, description, language ------------------------


def test_every_feed_has_one_absolute_self_link_where_it_is_published(any_site):
    out = any_site.output
    for path in feed_files(out):
        if kind(path) == "json":
            document = json.loads(path.read_text(encoding="utf-8"))
            assert document["feed_url"] == self_url(out, path)
            continue
        root = xml(path)
        links = root.findall("a:link[@rel='self']", NS) or root.findall("channel/a:link[@rel='self']", NS)
        assert [link.get("href") for link in links] == [self_url(out, path)], path
        assert len(root.xpath("//a:link[@rel='self']", namespaces=NS)) == 1, path


def test_rss_channel_link_is_the_home_page(any_site):
    for path in feed_files(any_site.output):
        if kind(path) == "rss":
            assert xml(path).findtext("channel/link") == f"{BASE}/", path


def test_every_feed_has_a_description_and_says_it_is_french(any_site):
    for path in feed_files(any_site.output):
        if kind(path) == "json":
            document = json.loads(path.read_text(encoding="utf-8"))
            assert document["description"].strip() and document["language"] == "fr"
        elif kind(path) == "rss":
            root = xml(path)
            assert root.findtext("channel/description").strip(), path
            assert root.findtext("channel/language") == "fr", path
        else:
            root = xml(path)
            assert root.findtext("a:subtitle", namespaces=NS).strip(), path
            assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "fr", path


def test_feeds_built_for_publishing_use_the_public_address(build, monkeypatch):
    monkeypatch.delenv("POULS_SITEURL", raising=False)
    out = build("feeds-basic", settings_file="publishconf.py").output
    atom = xml(out / "flux" / "atom.xml")
    assert atom.find("a:link[@rel='self']", NS).get("href") == "https://pouls.example.fr/flux/atom.xml"
    assert xml(out / "flux" / "rss.xml").findtext("channel/link") == "https://pouls.example.fr/"
    assert all(e["link"].startswith("https://pouls.example.fr/") for e in entries(out / "flux" / "atom.xml"))


# --- 3. ids: unique, absolute, frozen ------------------------------------------


def test_every_item_id_is_unique_absolute_and_names_one_page(any_site):
    link_of = {}
    for path in feed_files(any_site.output):
        items = entries(path)
        ids = [item["id"] for item in items]
        assert len(ids) == len(set(ids)), path
        for item in items:
            assert urlsplit(item["id"]).scheme == "tag", item["id"]
            assert item["id"].startswith("tag:pouls.example.fr,2026:")
            # The same report keeps the same id in every feed it appears in.
            assert link_of.setdefault(item["id"], item["link"]) == item["link"]


def test_rss_guid_is_not_a_permalink(any_site):
    for path in feed_files(any_site.output):
        if kind(path) == "rss":
            guids = xml(path).findall("channel/item/guid")
            assert all(guid.get("isPermaLink") == "false" for guid in guids), path


def _edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


EDITS = {
    "body": ("Autour de la table virtuelle", "Une phrase ajoutée après publication. Autour de la table virtuelle"),
    "title": ("Title: Les hématologues se concertent-ils assez", "Title: Hématologues : un titre revu"),
    "date": ("Date: 2026-07-14 10:30", "Date: 2026-07-13 09:00"),
    "modified": ("Modified: 2026-07-20 16:45", "Modified: 2026-08-02 12:00"),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_editing_a_published_report_keeps_its_id(edit, copy_site, build):
    content = copy_site("feeds-basic")
    report = content / "articles" / "hematologie" / "visio-hematologues-ete.md"

    def summer_entries():
        out = build(content).output
        found = {}
        for path in feed_files(out):
            for item in entries(path):
                if item["link"] == f"{BASE}/{SUMMER}":
                    found[path.relative_to(out).as_posix()] = item
        return found

    before = summer_entries()
    _edit(report, *EDITS[edit])
    after = summer_entries()

    assert before.keys() == after.keys() and len(before) >= 8  # site x3, rubrique, tags, hospitals
    for feed, item in before.items():
        assert after[feed]["id"] == item["id"] == "tag:pouls.example.fr,2026:reportage/visio-hematologues-ete"
    atom_before, atom_after = before["flux/atom.xml"], after["flux/atom.xml"]
    if edit == "modified":
        assert atom_after["published"] == atom_before["published"]
        assert atom_after["updated"] == datetime(2026, 8, 2, 12, 0, tzinfo=PARIS)
    elif edit == "date":
        assert atom_after["published"] == datetime(2026, 7, 13, 9, 0, tzinfo=PARIS)
        assert atom_after["updated"] == atom_before["updated"]
    else:
        assert (atom_after["published"], atom_after["updated"]) == (atom_before["published"], atom_before["updated"])


def test_atom_updated_follows_modified_and_published_is_the_date(sites):
    out = sites["feeds-basic"].output
    by_link = {item["link"]: item for item in entries(out / "flux" / "atom.xml")}
    assert by_link[f"{BASE}/{SUMMER}"]["published"] == datetime(2026, 7, 14, 10, 30, tzinfo=PARIS)
    assert by_link[f"{BASE}/{SUMMER}"]["updated"] == datetime(2026, 7, 20, 16, 45, tzinfo=PARIS)
    assert by_link[f"{BASE}/{WINTER}"]["updated"] == by_link[f"{BASE}/{WINTER}"]["published"]


# --- 4. dates -----------------------------------------------------------------


def test_dates_carry_the_paris_offset_in_summer_and_in_winter(sites):
    out = sites["feeds-basic"].output
    atom = xml(out / "flux" / "atom.xml").xpath("//a:entry", namespaces=NS)
    published = {e.find("a:link[@rel='alternate']", NS).get("href"): e.findtext("a:published", namespaces=NS) for e in atom}
    assert published[f"{BASE}/{SUMMER}"] == "2026-07-14T10:30:00+02:00"
    assert published[f"{BASE}/{WINTER}"] == "2026-01-15T08:05:00+01:00"
    rss = {i.findtext("link"): i.findtext("pubDate") for i in xml(out / "flux" / "rss.xml").iterfind("channel/item")}
    assert rss[f"{BASE}/{SUMMER}"] == "Tue, 14 Jul 2026 10:30:00 +0200"
    assert rss[f"{BASE}/{WINTER}"] == "Thu, 15 Jan 2026 08:05:00 +0100"
    items = {i["url"]: i for i in json.loads((out / "flux" / "feed.json").read_text())["items"]}
    assert items[f"{BASE}/{WINTER}"]["date_published"] == "2026-01-15T08:05:00+01:00"


def test_every_date_has_the_paris_offset_and_none_is_later_than_the_build(any_site):
    now = datetime.now(UTC)
    for path in feed_files(any_site.output):
        for item in entries(path):
            for value in (item["published"], item["updated"]):
                if value is None:
                    continue
                assert value.utcoffset() == value.astimezone(PARIS).utcoffset(), (path, value)
                assert value <= now, (path, item["link"], value)
        if kind(path) == "atom":
            updated = datetime.fromisoformat(xml(path).findtext("a:updated", namespaces=NS))
            assert updated <= now


# --- 5. absolute links, no active content, plain-text titles --------------------

FORBIDDEN = ("script", "iframe", "object", "embed", "style", "form", "input")


def test_every_link_in_summaries_and_content_is_absolute_and_nothing_runs(any_site):
    for path in feed_files(any_site.output):
        for item in entries(path):
            for markup in (item["summary"], item["content"]):
                fragment = BeautifulSoup(markup, "html.parser")
                assert not fragment.find(FORBIDDEN), (path, item["link"])
                for element in fragment.find_all(True):
                    for attribute, value in element.attrs.items():
                        assert not attribute.lower().startswith("on") and attribute != "style", (path, element)
                        if attribute in ("href", "src", "cite"):
                            parts = urlsplit(value)
                            assert parts.scheme in ("http", "https", "mailto"), (path, value)
                            assert parts.scheme == "mailto" or parts.netloc, (path, value)


def test_the_hostile_markup_of_a_report_is_gone_and_its_links_point_to_the_site(sites):
    out = sites["feeds-basic"].output
    summer = next(i for i in entries(out / "flux" / "rss.xml") if i["link"] == f"{BASE}/{SUMMER}")
    content = BeautifulSoup(summer["content"], "html.parser")
    hrefs = [a["href"] for a in content.find_all("a")]
    assert f"{BASE}/{WINTER}" in hrefs  # {filename} link
    assert f"{BASE}/a-propos/" in hrefs  # root-relative link
    assert f"{BASE}/{SUMMER}#note" in hrefs  # fragment
    assert f"{BASE}/etiquette/plan-cancer/" in hrefs  # ../../ relative link
    assert f"{BASE}/images/visio.png" in [img["src"] for img in content.find_all("img")]
    assert "Un paragraphe que le flux doit rendre inoffensif." in content.get_text()
    assert "alert" not in summer["content"] and "color" not in summer["content"]
    summary = BeautifulSoup(summer["summary"], "html.parser")
    assert summary.a["href"] == f"{BASE}/a-propos/"


def test_titles_are_plain_text_escaped_once_with_french_typography(sites, any_site):
    for path in feed_files(any_site.output):
        for item in entries(path):
            assert "<" not in item["title"] and "&amp;" not in item["title"] and "&#" not in item["title"], path
    basic = sites["feeds-basic"].output
    titles = {item["link"]: item["title"] for item in entries(basic / "flux" / "atom.xml")}
    assert titles[f"{BASE}/{SUMMER}"] == (
        "Les hématologues se concertent-ils assez\u202f? Le vendredi, écrans & dossiers partagés"
    )
    assert titles[f"{BASE}/{WINTER}"] == "Une matinée au SAMU\u00a0: «\u00a0chaque minute compte\u00a0»"
    raw = (basic / "flux" / "atom.xml").read_bytes()
    assert b"&amp;amp;" not in raw and b"&nbsp;" not in raw and b"nbsp" not in raw


# --- 6. summary, content, image, authors, categories ----------------------------


def test_reports_carry_summary_and_full_content_in_every_format(any_site):
    for path in feed_files(any_site.output):
        if path.name == "commentaires.atom.xml":
            continue  # a comment has a body only
        for item in entries(path):
            assert item["summary"].strip() and item["content"].strip(), (path, item["link"])
            assert len(item["content"]) >= len(item["summary"]) or "<p>" in item["content"]


def test_the_report_image_is_an_enclosure_with_its_real_size_and_type(sites):
    out = sites["feeds-basic"].output
    size = (SITES / "feeds-basic" / "images" / "visio.png").stat().st_size
    item = next(i for i in xml(out / "flux" / "rss.xml").iterfind("channel/item") if i.findtext("link") == f"{BASE}/{SUMMER}")
    enclosure = item.find("enclosure")
    assert enclosure.attrib == {"url": f"{BASE}/images/visio.png", "length": str(size), "type": "image/png"}
    assert (out / "images" / "visio.png").stat().st_size == size  # the URL serves that very file
    atom_entry = next(
        e for e in xml(out / "flux" / "atom.xml").iterfind("a:entry", NS)
        if e.find("a:link[@rel='alternate']", NS).get("href") == f"{BASE}/{SUMMER}"
    )
    link = atom_entry.find("a:link[@rel='enclosure']", NS)
    assert (link.get("href"), link.get("type"), link.get("length")) == (f"{BASE}/images/visio.png", "image/png", str(size))
    items = {i["url"]: i for i in json.loads((out / "flux" / "feed.json").read_text())["items"]}
    assert items[f"{BASE}/{SUMMER}"]["image"] == f"{BASE}/images/visio.png"
    assert "image" not in items[f"{BASE}/{WINTER}"]
    winter = next(i for i in xml(out / "flux" / "rss.xml").iterfind("channel/item") if i.findtext("link") == f"{BASE}/{WINTER}")
    assert winter.find("enclosure") is None


def test_atom_entry_links_keep_their_rel_and_type(any_site):
    for path in feed_files(any_site.output):
        if kind(path) == "atom":
            for link in xml(path).iterfind("a:entry/a:link", NS):
                assert link.get("rel") in ("alternate", "enclosure") and link.get("type"), (path, link.attrib)


def test_authors_are_named_and_rubrique_and_tags_are_categories(sites):
    out = sites["feeds-basic"].output
    parsed = feedparser.parse((out / "flux" / "atom.xml").read_bytes())
    summer = next(e for e in parsed.entries if e.link == f"{BASE}/{SUMMER}")
    assert [a.name for a in summer.authors] == ["Claire Le Goff", "Yann Morvan"]
    assert {t.term for t in summer.tags} == {"Hématologie", "visioconférence", "plan cancer"}
    rss = next(i for i in xml(out / "flux" / "rss.xml").iterfind("channel/item") if i.findtext("link") == f"{BASE}/{SUMMER}")
    assert [c.text for c in rss.findall("dc:creator", NS)] == ["Claire Le Goff", "Yann Morvan"]
    assert [c.text for c in rss.findall("category")] == ["Hématologie", "visioconférence", "plan cancer"]
    assert rss.find("author") is None  # RSS <author> would need an e-mail address
    items = {i["url"]: i for i in json.loads((out / "flux" / "feed.json").read_text())["items"]}
    assert [a["name"] for a in items[f"{BASE}/{SUMMER}"]["authors"]] == ["Claire Le Goff", "Yann Morvan"]
    assert items[f"{BASE}/{SUMMER}"]["tags"] == ["Hématologie", "visioconférence", "plan cancer"]


# --- 7. order, limit, what is never listed --------------------------------------


def test_items_are_newest_first(any_site):
    for path in feed_files(any_site.output):
        dates = [item["published"] for item in entries(path)]
        assert dates == sorted(dates, reverse=True), path


def test_a_feed_holds_at_most_the_configured_number_of_items(build):
    out = build("feeds-basic", overrides={"FEEDS_MAX_ITEMS": 1}).output
    for path in feed_files(out):
        assert len(entries(path)) <= 1, path
    assert [i["link"] for i in entries(out / "flux" / "atom.xml")] == [f"{BASE}/{SUMMER}"]
    assert [i["link"] for i in entries(out / "etablissement" / "chu-de-rennes" / "rss.xml")] == [f"{BASE}/{SUMMER}"]


def test_the_sample_site_feeds_respect_the_default_limit(sample_site):
    published = published_sources(ROOT / "content")
    site_items = entries(sample_site.output / "flux" / "atom.xml")
    assert len(site_items) == min(20, len(published))
    for path in feed_files(sample_site.output):
        assert len(entries(path)) <= 20 or path.name == "commentaires.atom.xml"


def test_no_draft_hidden_or_future_report_reaches_a_feed(sites):
    out = sites["feeds-basic"].output
    for path in feed_files(out):
        text = path.read_text(encoding="utf-8")
        for slug in ("brouillon-chimio", "reportage-cache", "reportage-futur"):
            assert slug not in text, (path, slug)
    assert not (out / "rubrique" / "cancerologie" / "atom.xml").exists()  # only a draft and a hidden report
    for slug in ("cancerologie/brouillon-chimio", "cancerologie/reportage-cache", "urgences/reportage-futur"):
        assert not (out / slug / "commentaires.atom.xml").exists()
    links = {i["link"] for i in entries(out / "flux" / "atom.xml")}
    assert links == {f"{BASE}/{SUMMER}", f"{BASE}/{WINTER}"}


# --- 8. same content, same bytes -------------------------------------------------


def test_two_builds_of_the_same_content_give_byte_identical_feeds(tmp_path):
    outputs = []
    for run in ("first", "second"):
        reset_pelican_state()
        outputs.append(build_site(content=SITES / "feeds-comments", output=tmp_path / run).output)
    first, second = (sorted(p.relative_to(out) for p in feed_files(out)) for out in outputs)
    assert first == second and len(first) >= 10
    for relative in [*first, Path("sabonner/index.html")]:
        assert (outputs[0] / relative).read_bytes() == (outputs[1] / relative).read_bytes(), relative


def test_feed_updated_is_the_newest_item_not_the_build_time(sites):
    out = sites["feeds-basic"].output
    atom = xml(out / "flux" / "atom.xml")
    assert atom.findtext("a:updated", namespaces=NS) == "2026-07-20T16:45:00+02:00"
    assert xml(out / "flux" / "rss.xml").findtext("channel/lastBuildDate") == "Mon, 20 Jul 2026 16:45:00 +0200"


# --- 9. control characters ----------------------------------------------------------


def test_control_characters_never_break_the_build_nor_reach_a_feed(sites, any_site):
    for path in feed_files(any_site.output):
        assert not CONTROL.search(path.read_bytes()), path
    result = sites["feeds-controls"]
    assert result.errors == []
    titles = [i["title"] for i in entries(result.output / "flux" / "atom.xml")]
    assert "Un titre avec des caractères de contrôle" in titles
    summaries = [i["summary"] for i in entries(result.output / "flux" / "feed.json")]
    assert "Un chapô qui cache des caractères invisibles." in summaries


def test_control_characters_are_reported_with_the_file_and_the_field(sites):
    warnings = sites["feeds-controls"].warnings
    source = "articles/hematologie/caracteres-controle.md"
    for field in ("Title", "Summary", "the text"):
        assert any(source in w and f"from {field} " in w and "delete it from the file" in w for w in warnings), field


def test_a_control_character_in_a_comment_never_reaches_its_feed(sites):
    path = sites["feeds-comments"].output / "brules" / "pansements-ete" / "commentaires.atom.xml"
    lucie = next(i for i in entries(path) if i["id"].endswith("/c3"))
    assert "caract" in lucie["content"] and not CONTROL.search(lucie["content"].encode())


# --- 10. a feed holds exactly what it says ------------------------------------------


def test_a_rubrique_feed_holds_exactly_its_own_reports(any_site):
    published = published_sources(any_site.content)
    rubriques = {meta["rubrique"] for meta in published.values()}
    assert rubriques
    for rubrique in rubriques:
        expected = {url for url, meta in published.items() if meta["rubrique"] == rubrique}
        for name in ("atom.xml", "rss.xml"):
            links = {i["link"] for i in entries(any_site.output / "rubrique" / rubrique / name)}
            assert links <= expected and len(links) == min(len(expected), 20), (rubrique, name)


def test_a_comment_feed_holds_the_approved_comments_the_page_shows(any_site):
    out = any_site.output
    comments = any_site.content / "comments"
    for path in out.glob("*/*/commentaires.atom.xml"):
        slug = path.parent.name
        page = soup(path.parent / "index.html")
        shown = page.select("section#commentaires article.comment")
        items = entries(path)
        files = sorted((comments / slug).glob("*.md")) if (comments / slug).is_dir() else []
        assert len(items) == len(shown) == len(files), slug
        assert {i["link"].split("#comment-")[1] for i in items} == {c["id"].removeprefix("comment-") for c in shown}


def test_a_comment_feed_names_commenters_by_display_name_only(sites):
    path = sites["feeds-comments"].output / "brules" / "pansements-ete" / "commentaires.atom.xml"
    authors = xml(path).xpath("//a:entry/a:author", namespaces=NS)
    assert [a.findtext("a:name", namespaces=NS) for a in authors] == ["Lucie", "Marc", "Sophie K."]
    assert all([child.tag for child in a] == [f"{{{NS['a']}}}name"] for a in authors)
    assert b"marc.example.org" not in path.read_bytes()
    titles = [i["title"] for i in entries(path)]
    assert titles == ["Commentaire de Lucie", "Réponse de Marc", "Commentaire de Sophie K."]


def test_comment_feeds_exist_once_a_report_has_an_approved_comment(sites):
    comments_out = sites["feeds-comments"].output
    closed_with_comment = entries(comments_out / "organisation" / "fermeture-hiver" / "commentaires.atom.xml")
    assert [i["id"] for i in closed_with_comment] == ["tag:pouls.example.fr,2026:commentaire/fermeture-hiver/d1"]
    # Open but no comment yet: no empty feed, and the page announces none.
    assert not (comments_out / "organisation" / "sans-commentaire" / "commentaires.atom.xml").exists()
    page = comments_out / "organisation" / "sans-commentaire" / "index.html"
    assert not [href for _, _, href in alternates(page) if href.endswith("commentaires.atom.xml")]
    basic_out = sites["feeds-basic"].output
    assert not (basic_out / WINTER / "commentaires.atom.xml").exists()
    assert not (basic_out / SUMMER / "commentaires.atom.xml").exists()


# --- autodiscovery and the « S’abonner » page ----------------------------------------


def alternates(page):
    return [
        (link["type"], link["title"], link["href"])
        for link in soup(page).select('head link[rel="alternate"]')
    ]


def test_every_page_links_to_the_site_feeds(sites):
    out = sites["feeds-basic"].output
    pages = sorted(out.rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        hrefs = [href for _, _, href in alternates(page)]
        assert hrefs[:3] == ["/flux/atom.xml", "/flux/rss.xml", "/flux/feed.json"], page


@pytest.mark.parametrize(
    "page, extra",
    [
        ("rubrique/hematologie/index.html", ["/rubrique/hematologie/atom.xml", "/rubrique/hematologie/rss.xml"]),
        ("etiquette/plan-cancer/index.html", ["/etiquette/plan-cancer/atom.xml", "/etiquette/plan-cancer/rss.xml"]),
        ("etablissement/chu-de-rennes/index.html", ["/etablissement/chu-de-rennes/atom.xml", "/etablissement/chu-de-rennes/rss.xml"]),
        (f"{SUMMER}index.html", []),
        (f"{WINTER}index.html", []),
        ("index.html", []),
        ("sabonner/index.html", []),
    ],
)
def test_a_listing_or_report_adds_its_own_feed_with_a_distinct_french_title(sites, page, extra):
    out = sites["feeds-basic"].output
    links = alternates(out / page)
    assert [href for _, _, href in links[3:]] == extra
    titles = [title for _, title, _ in links]
    assert len(set(titles)) == len(titles)
    for mime, title, href in links:
        assert (out / href.lstrip("/")).is_file(), href
        assert mime in ("application/atom+xml", "application/rss+xml", "application/feed+json")
        assert title.startswith("Pouls — ")
    if page.startswith("etiquette"):
        assert titles[3] == "Pouls — étiquette «\u00a0plan cancer\u00a0» (Atom)"


def test_a_report_with_comments_announces_its_comment_feed_with_a_french_title(sites):
    out = sites["feeds-comments"].output
    links = alternates(out / "organisation" / "fermeture-hiver" / "index.html")
    comment_links = [(title, href) for _, title, href in links if href.endswith("commentaires.atom.xml")]
    assert len(comment_links) == 1
    title, href = comment_links[0]
    assert title.startswith("Pouls — commentaires sur «\u00a0")
    assert (out / href.lstrip("/")).is_file()


def test_the_feed_links_partial_renders_nothing_without_the_feeds_plugin():
    from jinja2 import Environment, FileSystemLoader

    env = Environment(loader=FileSystemLoader(str(ROOT / "theme" / "templates")))
    assert env.get_template("partials/feed_links.html").render(SITEURL="").strip() == ""


def test_the_subscribe_page_lists_every_feed_and_says_how_to_use_one(sites):
    out = sites["feeds-basic"].output
    page = soup(out / "sabonner" / "index.html")
    assert page.h1.get_text() == "S’abonner"
    main = page.select_one("main")
    assert "lecteur de flux" in main.get_text()
    hrefs = {a["href"] for a in main.select("a[href]")}
    listed = {f"/{p.relative_to(out).as_posix()}" for p in feed_files(out) if p.name != "commentaires.atom.xml"}
    assert listed <= hrefs
    for href in hrefs:
        target = out / href.lstrip("/")
        assert target.is_file() or (target / "index.html").is_file(), href
    headings = [h.get_text() for h in main.select("h2")]
    assert headings == ["Tous les reportages", "Par rubrique", "Par étiquette", "Par établissement", "Les commentaires d’un reportage"]
    text = main.get_text()
    assert " :" not in text and " ;" not in text and "'" not in text


def test_the_subscribe_page_leaves_out_a_section_without_feeds(sites):
    page = soup(sites["feeds-controls"].output / "sabonner" / "index.html")
    headings = [h.get_text() for h in page.select("main h2")]
    assert "Par établissement" not in headings and "Par rubrique" in headings
