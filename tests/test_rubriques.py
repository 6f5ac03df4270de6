"""The rubriques plugin's address freezing: same addresses, computed once."""

from datetime import datetime
from types import SimpleNamespace

from pelican.contents import Article
from pelican.urlwrappers import Category

from desk.build import ROOT, load_settings
from rubriques.rubriques import freeze_report_urls


def _report(settings, slug, **metadata):
    metadata = {
        "title": slug, "slug": slug, "date": datetime(2026, 1, 5, 9, 0),
        "category": Category("Urgences", settings), **metadata,
    }
    return Article("<p>Texte.</p>", metadata=metadata, settings=settings,
                   source_path=str(ROOT / "content" / "articles" / "urgences" / f"{slug}.md"))


def _generator(articles=(), drafts=()):
    return SimpleNamespace(
        articles=list(articles), translations=[], hidden_articles=[], hidden_translations=[],
        drafts=list(drafts), drafts_translations=[],
    )


def test_frozen_addresses_are_the_ones_pelican_computes():
    settings = load_settings()
    report = _report(settings, "samu-44")
    draft = _report(settings, "brouillon", status="draft")
    before = (report.url, draft.url)
    freeze_report_urls(_generator([report], [draft]))
    assert (report.url, draft.url) == before == ("urgences/samu-44/", "brouillons/brouillon/")
    assert report.override_url == "urgences/samu-44/"


def test_an_address_given_in_the_front_matter_is_kept():
    settings = load_settings()
    report = _report(settings, "samu-44", url="dossier/samu/")
    freeze_report_urls(_generator([report]))
    assert report.url == "dossier/samu/"


# --- labels, folders and the setting ------------------------------------------------

import pytest  # noqa: E402

from conftest import soup  # noqa: E402
from rubriques.rubriques import RubriquesSettingsError, validate_rubriques  # noqa: E402


def test_a_report_gets_its_folders_label_and_keeps_the_folder_as_address(build):
    result = build("rubriques-misfiled")
    page = soup(result.output / "urgences" / "smur-nuit" / "index.html")
    assert page.select_one("nav.breadcrumb, .breadcrumb").get_text(" ", strip=True).endswith("Urgences")
    assert (result.output / "rubrique" / "urgences" / "index.html").is_file()


def test_a_report_outside_a_declared_rubrique_folder_is_an_error_naming_file_and_fix(build):
    result = build("rubriques-misfiled")
    assert sorted(e for e in result.errors if e.startswith("rubriques:")) == [
        "rubriques: articles/a-la-racine.md is not in a rubrique folder; move it to content/articles/<rubrique>/",
        "rubriques: articles/divers/note-egaree.md is in folder 'divers', which is not a rubrique; move it to one "
        "of brules, cancerologie, femme-enfant, hematologie, organisation, urgences or add 'divers' to RUBRIQUES "
        "in pelicanconf.py",
    ]
    assert [w for w in result.warnings if w.startswith("rubriques:")] == []


def test_a_category_header_loses_to_the_folder_with_an_error(build, copy_site):
    root = copy_site("rubriques-misfiled")
    (root / "articles" / "urgences" / "classee-ailleurs.md").write_text(
        "Title: Classée ailleurs\nDate: 2026-01-20 10:00\nCategory: Brûlés et plaies\n"
        "Summary: Un chapô.\n\nUn corps.\n", encoding="utf-8")
    (root / "articles" / "urgences" / "classee-ici.md").write_text(
        "Title: Classée ici\nDate: 2026-01-21 10:00\nCategory: Urgences\n"
        "Summary: Un chapô.\n\nUn corps.\n", encoding="utf-8")
    result = build(root)
    assert [e for e in result.errors if "classee-" in e] == [
        "rubriques: articles/urgences/classee-ailleurs.md says « Category: Brûlés et plaies », but a report's "
        "rubrique is its folder: it stays in 'urgences'; remove the Category line, or move the file to "
        "content/articles/brules/ to file it under 'brules'",
    ]
    # The folder wins: the report is published in its folder's rubrique.
    assert (result.output / "urgences" / "classee-ailleurs" / "index.html").is_file()
    assert "Urgences" in soup(result.output / "urgences" / "classee-ailleurs" / "index.html").select_one(
        ".breadcrumb").get_text(" ", strip=True)


@pytest.mark.parametrize(
    "value, quoted",
    [
        ({}, "{}"),
        (["urgences"], "['urgences']"),
        ({"Urgences Vitales": "Urgences"}, "'Urgences Vitales'"),
        ({"urgences": ""}, "RUBRIQUES['urgences'] = ''"),
    ],
)
def test_a_bad_rubriques_setting_is_refused_with_the_value_quoted(value, quoted):
    with pytest.raises(RubriquesSettingsError) as error:
        validate_rubriques(value)
    assert quoted in str(error.value)


def test_a_bad_rubriques_setting_stops_the_build_before_anything_is_written(build, tmp_path):
    with pytest.raises(RubriquesSettingsError, match="not a clean folder name"):
        build("rubriques-misfiled", overrides={"RUBRIQUES": {"Mauvais Nom": "X"}})
    assert not list(tmp_path.rglob("*.html"))
