"""French typography in a real build: page text, <title>, meta description and metadata agree."""

import re
import textwrap

import pytest

from conftest import soup
from french_typography import plain_text
from french_typography.french_typography import FrenchTypographySettingsError

NB = "\u00a0"
NN = "\u202f"

TITLE = f"L’hématologie de l’ouest en visio{NB}: pourquoi ce rendez-vous{NN}?"
STANDFIRST = (
    f"Pour la 1re fois, les médecins de huit hôpitaux décident ensemble «{NB}à distance{NB}»{NB}: "
    f"90{NB}% des dossiers y passent{NN}!"
)


@pytest.fixture
def typography_site(build):
    result = build("typography-basic")
    assert result.errors == []
    return result


def _report(result):
    return result.output / "hematologie" / "visio-du-vendredi" / "index.html"


def test_title_is_the_same_in_h1_title_and_og_title(typography_site):
    page = soup(_report(typography_site))
    assert page.select_one("article.article h1").get_text() == TITLE
    assert page.title.get_text() == f"{TITLE} — Pouls"
    assert page.select_one('meta[property="og:title"]')["content"] == TITLE


def test_standfirst_is_the_same_on_the_page_and_in_the_meta_description(typography_site):
    page = soup(_report(typography_site))
    assert page.select_one(".standfirst").get_text(" ", strip=True) == STANDFIRST
    assert page.select_one('meta[name="description"]')["content"] == STANDFIRST


def test_written_html_holds_the_characters_never_the_entity(typography_site):
    for path in typography_site.output.rglob("*.html"):
        assert "&nbsp;" not in path.read_text(encoding="utf-8"), path
    raw = _report(typography_site).read_text(encoding="utf-8")
    assert NN in raw and NB in raw
    # The editor's own &nbsp; in the second report is written as the character too.
    other = (typography_site.output / "urgences" / "samu-formation" / "index.html").read_text(encoding="utf-8")
    assert f"étudiants{NB}: massage" in other


def test_body_is_typographed_but_code_urls_and_times_are_not(typography_site):
    body = soup(_report(typography_site)).select_one(".article-body")
    text = body.get_text()
    assert "Chaque vendredi à 10:30, une vingtaine d’hématologues se connectent" in text
    assert f"connectent{NN}; le dossier" in text
    assert f"«{NB}C’est rassurant pour le médecin isolé{NB}»" in text
    assert f"Le budget{NB}: 12000{NB}€ par an… soit 400{NN}000 consultations économisées{NN}?" in text
    assert f"https://pouls.example.fr/a-propos/?page=1{NN}!" in text
    assert "visio@pouls.example.fr" in text
    assert body.select_one("pre code").get_text() == 'delai: 10 ; mode: "strict"\n'
    assert body.select_one("kbd").get_text() == "Ctrl:R"
    assert [code.get_text() for code in body.select("p code")] == ["ratio: 3:2"]


def test_ordinals_and_glued_marks_in_the_second_report(typography_site):
    page = soup(typography_site.output / "urgences" / "samu-formation" / "index.html")
    title = f"Arrêt cardiaque{NB}: être prêt le 2e jour comme le 1er{NN}!"
    assert page.select_one("h1").get_text() == title
    assert page.title.get_text().startswith(title)
    assert page.select_one(".standfirst").get_text(strip=True) == (
        "Au SAMU, les étudiants de 3e année répètent les gestes qui sauvent."
    )


def test_pages_are_typographed_too(typography_site):
    page = soup(typography_site.output / "charte" / "index.html")
    assert page.select_one("h1").get_text() == f"Charte{NB}: ce que Pouls s’engage à faire"
    assert "Nous vérifions chaque information… et nous corrigeons nos erreurs." in page.get_text()


def test_two_builds_write_identical_bytes(build, tmp_path):
    first = build("typography-basic")
    path = _report(first)
    before = path.read_bytes()
    second = build("typography-basic")
    assert _report(second).read_bytes() == before


def test_typography_can_be_switched_off(build):
    result = build("typography-basic", overrides={"FRENCH_TYPOGRAPHY_ENABLED": False})
    page = soup(_report(result))
    assert page.select_one("h1").get_text() == "L'hématologie de l'ouest en visio : pourquoi ce rendez-vous ?"


def test_unpaired_quote_warns_with_file_line_and_fix_and_still_builds(build, copy_site):
    site = copy_site("typography-basic")
    report = site / "articles" / "urgences" / "guillemet-oublie.md"
    report.write_text(
        textwrap.dedent(
            """\
            Title: Un guillemet oublié
            Date: 2026-02-02 09:00
            Summary: Une phrase ordinaire.

            Premier paragraphe sans souci.

            Le chef de service a dit "nous ouvrons lundi, puis il est parti.
            """
        ),
        encoding="utf-8",
    )
    result = build(site)
    assert result.errors == []
    warnings = [w for w in result.warnings if w.startswith("french_typography:")]
    assert warnings == [
        "french_typography: articles/urgences/guillemet-oublie.md, line 7: the body has an unpaired "
        "straight double quote near « Le chef de service a dit \"nous ouvrons lundi, puis »; "
        "close it with a second \" or type the guillemets « » yourself"
    ]
    assert (result.output / "urgences" / "guillemet-oublie" / "index.html").exists()


def test_unpaired_quote_in_the_title_names_the_key(build, copy_site):
    site = copy_site("typography-basic")
    (site / "articles" / "urgences" / "titre.md").write_text(
        'Title: Le "grand oral des internes\nDate: 2026-02-03 09:00\n\nTexte.\n', encoding="utf-8"
    )
    result = build(site)
    [warning] = [w for w in result.warnings if w.startswith("french_typography:")]
    assert warning.startswith("french_typography: articles/urgences/titre.md, line 1: the title has")


def test_bad_setting_stops_the_build_quoting_the_value(build):
    with pytest.raises(FrenchTypographySettingsError, match=r"FRENCH_TYPOGRAPHY_ENABLED is 'oui'"):
        build("typography-basic", overrides={"FRENCH_TYPOGRAPHY_ENABLED": "oui"})


def test_feeds_carry_the_same_title_and_standfirst_as_the_page(typography_site):
    import json

    import feedparser

    flux = typography_site.output / "flux"
    for name in ("atom.xml", "rss.xml"):
        raw = (flux / name).read_text(encoding="utf-8")
        assert "&nbsp;" not in raw and "&amp;nbsp;" not in raw, name
        feed = feedparser.parse(raw)
        [entry] = [e for e in feed.entries if e.link.endswith("/hematologie/visio-du-vendredi/")]
        assert entry.title == TITLE, name
        assert plain_text(entry.summary) == STANDFIRST, name
    items = json.loads((flux / "feed.json").read_text(encoding="utf-8"))["items"]
    [item] = [i for i in items if i["url"].endswith("/hematologie/visio-du-vendredi/")]
    assert item["title"] == TITLE


_UNTYPOGRAPHED = re.compile(r"[ ][:;!?»]|«[ ]|\d[ ][%€]|[^\W\d_]'|&nbsp;")


def _reader_texts(path):
    """Every string a reader (or a screen reader, or a search engine) gets from a page."""
    page = soup(path)
    for tag in page(["script", "style", "code", "pre", "kbd", "samp"]):
        tag.decompose()
    texts = [(f"text of <{node.parent.name}>", str(node)) for node in page.find_all(string=True)]
    texts += [(f"{tag.name}[{attribute}]", tag[attribute])
              for attribute in ("alt", "aria-label", "title", "placeholder")
              for tag in page.find_all(attrs={attribute: True})]
    texts += [(f"meta {tag.get('name') or tag.get('property')}", tag["content"])
              for tag in page.find_all("meta", attrs={"content": True})]
    return texts


def _untypographed(output, only=None):
    found = []
    for path in sorted(output.rglob("*.html")):
        for where, text in _reader_texts(path):
            if only is not None and not only(where):
                continue
            for match in _UNTYPOGRAPHED.finditer(text):
                found.append(f"{path.relative_to(output)}: {where}: …{text[max(0, match.start() - 20):match.end() + 10]}…")
    return found


def test_no_reader_facing_text_of_the_site_misses_its_typography(typography_site):
    """Theme labels included: a plain space before : ; ! ? », after «, a straight apostrophe."""
    listing_descriptions = ("meta description", "meta og:description")
    assert _untypographed(typography_site.output, only=lambda where: where not in listing_descriptions) == []


def test_listing_meta_descriptions_are_typographed(typography_site):
    assert _untypographed(typography_site.output, only=lambda where: where.startswith("meta")) == []
