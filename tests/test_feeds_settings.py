"""The feeds plugin's settings, its guard against Pelican's own feeds, and its plain functions."""

import json
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from pelican.settings import DEFAULT_CONFIG

from conftest import SITES
from feeds.plan import absolute_html, strip_controls, tag_uri
from feeds.settings import PELICAN_FEED_SETTINGS, BuildRefused, FeedsSettings, FeedsSettingsError, check_settings
from pouls_common.paths import ROOT, python_path
from pouls_common.text import plain_text

GOOD = {"SITENAME": "Pouls", "SITEURL": "", "TIMEZONE": "Europe/Paris"}


# --- Pelican's own feeds stay off -------------------------------------------------


@pytest.mark.parametrize("name", PELICAN_FEED_SETTINGS)
def test_a_pelican_feed_setting_switched_back_on_stops_the_build(name, build, tmp_path):
    value = DEFAULT_CONFIG.get(name) or "feeds/{slug}.atom.xml"
    with pytest.raises(BuildRefused) as refused:
        build("feeds-basic", overrides={name: value})
    message = str(refused.value)
    assert f"{name} = {value!r}" in message
    assert f"Set {name} = None in pelicanconf.py" in message
    assert refused.value.code == message  # printed alone by Python, exit status 1
    assert not (tmp_path / "output-feeds-basic").exists()  # nothing written, nothing lost


def test_every_pelican_feed_setting_is_off_in_both_configuration_files(monkeypatch):
    from desk.build import load_settings

    monkeypatch.delenv("POULS_SITEURL", raising=False)
    for settings_file in ("pelicanconf.py", "publishconf.py"):
        settings = load_settings(settings_file)
        assert [name for name in PELICAN_FEED_SETTINGS if settings.get(name) is not None] == [], settings_file


def test_the_pelican_command_line_prints_the_refusal_without_a_traceback(tmp_path):
    conf = tmp_path / "feedsonconf.py"
    conf.write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nfrom pelicanconf import *\nTAG_FEED_ATOM = 'feeds/{{slug}}.atom.xml'\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "pelican", str(SITES / "feeds-basic"), "-s", str(conf), "-o", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        env=python_path({"PATH": "/usr/bin:/bin", "COLUMNS": "200"}),
        check=False,
        timeout=120,
    )
    assert result.returncode == 1
    assert "TAG_FEED_ATOM = None" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not (tmp_path / "out").exists()


# --- FEEDS_* settings ------------------------------------------------------------


@pytest.mark.parametrize(
    "key, value, expected",
    [
        ("FEEDS_MAX_ITEMS", 0, "FEEDS_MAX_ITEMS is 0"),
        ("FEEDS_MAX_ITEMS", "20", "FEEDS_MAX_ITEMS is '20'"),
        ("FEEDS_MAX_ITEMS", True, "FEEDS_MAX_ITEMS is True"),
        ("FEEDS_ID_AUTHORITY", "https://pouls.example.fr", "FEEDS_ID_AUTHORITY is 'https://pouls.example.fr'"),
        ("FEEDS_ID_AUTHORITY", "pouls.example.fr", "'<domain>,<year>'"),
        ("FEEDS_SITEURL", "127.0.0.1:8000", "FEEDS_SITEURL is '127.0.0.1:8000'"),
        ("SITEURL", "/pouls", "SITEURL is '/pouls'"),
        ("TIMEZONE", "Europe/Lutece", "TIMEZONE is 'Europe/Lutece'"),
    ],
)
def test_a_bad_feeds_setting_is_refused_with_the_value_and_the_fix(key, value, expected):
    with pytest.raises(FeedsSettingsError, match=expected.replace("(", r"\(").replace("'", "'")) as error:
        check_settings(GOOD | {key: value})
    assert "such as" in str(error.value) or "use" in str(error.value)


def test_a_bad_feeds_setting_stops_a_real_build(build):
    with pytest.raises(BuildRefused, match="FEEDS_MAX_ITEMS is -3"):
        build("feeds-basic", overrides={"FEEDS_MAX_ITEMS": -3})


def test_an_absolute_siteurl_wins_over_the_development_fallback():
    assert FeedsSettings.from_settings(GOOD).base_url == "http://127.0.0.1:8000"
    published = FeedsSettings.from_settings(GOOD | {"SITEURL": "https://pouls.example.fr/"})
    assert published.base_url == "https://pouls.example.fr"
    assert published.absolute("rubrique/urgences/") == "https://pouls.example.fr/rubrique/urgences/"


def test_the_settings_are_frozen():
    settings = FeedsSettings.from_settings(GOOD)
    with pytest.raises(AttributeError):
        settings.max_items = 3


# --- plain functions --------------------------------------------------------------


def test_tag_uri_is_made_of_the_authority_and_the_slug_only():
    settings = FeedsSettings.from_settings(GOOD)
    assert tag_uri(settings, "reportage", "samu-hiver") == "tag:pouls.example.fr,2026:reportage/samu-hiver"


def test_plain_text_keeps_french_spaces_and_decodes_entities_once():
    assert plain_text("<em>Urgences</em>\u00a0: «\u00a0oui\u00a0»\u202f?  &amp;lt; fin\n") == (
        "Urgences\u00a0: «\u00a0oui\u00a0»\u202f? &lt; fin"
    )


def test_strip_controls_removes_what_xml_refuses_and_says_so():
    assert strip_controls("a\x00b\x0bc\x0cd\te\nf") == ("abcd\te\nf", True)
    assert strip_controls("propre") == ("propre", False)
    assert strip_controls(None) == ("", False)


@pytest.mark.parametrize(
    "markup, expected",
    [
        ('<a href="/a-propos/">x</a>', '<a href="https://x.fr/a-propos/">x</a>'),
        ('<a href="../voisin/">x</a>', '<a href="https://x.fr/urgences/voisin/">x</a>'),
        ('<a href="#note">x</a>', '<a href="https://x.fr/urgences/samu/#note">x</a>'),
        ('<img src="images/a.png" alt="">', '<img src="https://x.fr/urgences/samu/images/a.png" alt="">'),
        ('<a href="https://ailleurs.example/">x</a>', '<a href="https://ailleurs.example/">x</a>'),
        ('<a href="javascript:alert(1)">x</a>', "<a>x</a>"),
        ('<p onclick="x()" style="color:red">t</p>', "<p>t</p>"),
        ("<script>alert(1)</script><style>p{}</style>t", "t"),
        ('<iframe src="https://v.example/"></iframe><form action="/f"><input></form>t', "t"),
        ("<p>a\u00a0: b</p>", "<p>a\u00a0: b</p>"),
    ],
)
def test_absolute_html_makes_links_absolute_and_removes_what_runs(markup, expected):
    assert absolute_html(markup, "https://x.fr/urgences/samu/") == expected


def test_a_report_dated_later_than_the_build_is_left_out_even_if_pelican_lists_it(build):
    out = build("feeds-basic", overrides={"WITH_FUTURE_DATES": True}).output
    assert (out / "urgences" / "reportage-futur" / "index.html").is_file()  # Pelican published it
    for path in (out / "flux").iterdir():
        assert "reportage-futur" not in path.read_text(encoding="utf-8"), path
    assert not (out / "urgences" / "reportage-futur" / "commentaires.atom.xml").exists()


def test_a_modified_date_later_than_the_build_is_ignored_with_a_warning(copy_site, build):
    content = copy_site("feeds-basic")
    report = content / "articles" / "hematologie" / "visio-hematologues-ete.md"
    report.write_text(
        report.read_text(encoding="utf-8").replace("Modified: 2026-07-20 16:45", "Modified: 2099-01-01 00:00"),
        encoding="utf-8",
    )
    result = build(content)
    atom = (result.output / "flux" / "atom.xml").read_text(encoding="utf-8")
    assert "2099" not in atom and "<updated>2026-07-14T10:30:00+02:00</updated>" in atom
    assert any(
        "articles/hematologie/visio-hematologues-ete.md" in w and "Modified" in w and "Fix the Modified: line" in w
        for w in result.warnings
    )
    assert datetime.now(UTC).year < 2099


def test_a_missing_image_is_reported_once_and_the_report_keeps_its_feed_entry(copy_site, build):
    content = copy_site("feeds-basic")
    (content / "images" / "visio.png").unlink()
    result = build(content)
    # article_meta reports it (file, value, fix); the feeds plugin does not say it again.
    about_image = [w for w in result.warnings + result.errors if "'images/visio.png'" in w]
    assert len(about_image) == 1, about_image
    assert "articles/hematologie/visio-hematologues-ete.md" in about_image[0]
    assert "add the file or fix the Image key" in about_image[0]
    rss = (result.output / "flux" / "rss.xml").read_text(encoding="utf-8")
    assert "visio-hematologues-ete" in rss and "<enclosure" not in rss


def test_two_reports_with_one_slug_are_an_error_naming_both_files(copy_site, build):
    content = copy_site("feeds-basic")
    twin = content / "articles" / "urgences" / "visio-hematologues-ete.md"
    twin.write_text("Title: Un jumeau\nDate: 2026-02-01 10:00\nSummary: Même nom de fichier.\n\nTexte.\n", encoding="utf-8")
    result = build(content)
    assert any(
        "articles/urgences/visio-hematologues-ete.md" in e
        and "articles/hematologie/visio-hematologues-ete.md" in e
        and "Rename one of the two files" in e
        for e in result.errors
    )
    atom = (result.output / "flux" / "atom.xml").read_text(encoding="utf-8")
    assert atom.count("reportage/visio-hematologues-ete</id>") == 1


def test_a_feed_renders_from_plain_data_without_pelican():
    from lxml import etree

    from feeds.plan import Item, listing_feed
    from feeds.render import render_atom, render_json, render_rss
    from feeds.settings import SITE_ATOM, SITE_JSON, SITE_RSS

    settings = FeedsSettings.from_settings(GOOD | {"SITEURL": "https://x.fr"})
    when = datetime(2026, 1, 15, 8, 5, tzinfo=settings.timezone)
    item = Item(
        id=tag_uri(settings, "reportage", "samu"),
        url=settings.absolute("urgences/samu/"),
        title="Au SAMU",
        published=when,
        updated=when,
        summary_html="<p>Le chapô.</p>",
        content_html=absolute_html('<a href="/">accueil</a>', "https://x.fr/"),
    )
    feed = listing_feed("site", "", "Pouls", settings, [item])
    atom = etree.fromstring(render_atom(feed, settings, settings.absolute(SITE_ATOM)))
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert atom.findtext("a:entry/a:id", namespaces=ns) == "tag:pouls.example.fr,2026:reportage/samu"
    assert atom.findtext("a:entry/a:content", namespaces=ns) == '<a href="https://x.fr/">accueil</a>'
    assert atom.findtext("a:updated", namespaces=ns) == "2026-01-15T08:05:00+01:00"
    rss = etree.fromstring(render_rss(feed, settings, settings.absolute(SITE_RSS)))
    assert rss.findtext("channel/link") == "https://x.fr/"
    assert rss.findtext("channel/item/pubDate") == "Thu, 15 Jan 2026 08:05:00 +0100"
    document = json.loads(render_json(feed, settings, settings.absolute(SITE_JSON)))
    assert document["items"][0]["summary"] == "Le chapô." and document["feed_url"] == "https://x.fr/flux/feed.json"


def test_an_image_of_an_unknown_type_is_reported_with_the_accepted_types(copy_site, build):
    content = copy_site("feeds-basic")
    (content / "images" / "visio.png").rename(content / "images" / "visio.bmp")
    report = content / "articles" / "hematologie" / "visio-hematologues-ete.md"
    report.write_text(report.read_text(encoding="utf-8").replace("images/visio.png", "images/visio.bmp"), encoding="utf-8")
    result = build(content)
    assert any(
        "articles/hematologie/visio-hematologues-ete.md" in w and "'images/visio.bmp' has an unknown type" in w and ".png" in w
        for w in result.warnings
    )
    assert "<enclosure" not in (result.output / "flux" / "rss.xml").read_text(encoding="utf-8")

