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
from rubriques.rubriques import RubriquesSettingError, validate_rubriques  # noqa: E402


def test_a_report_gets_its_folders_label_and_keeps_the_folder_as_address(build):
    result = build("rubriques-misfiled")
    page = soup(result.output / "urgences" / "smur-nuit" / "index.html")
    assert page.select_one("nav.breadcrumb, .breadcrumb").get_text(" ", strip=True).endswith("Urgences")
    assert (result.output / "rubrique" / "urgences" / "index.html").is_file()


def test_a_report_outside_a_declared_rubrique_folder_is_a_warning_naming_file_and_fix(build):
    warnings = build("rubriques-misfiled").warnings
    assert any(
        "articles/divers/note-egaree.md" in w and "'divers', which is not a rubrique" in w
        and "add 'divers' to RUBRIQUES in pelicanconf.py" in w
        for w in warnings
    ), warnings
    assert any(
        "articles/a-la-racine.md is not in a rubrique folder" in w and "content/articles/<rubrique>/" in w
        for w in warnings
    ), warnings


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
    with pytest.raises(RubriquesSettingError) as error:
        validate_rubriques(value)
    assert quoted in str(error.value)


def test_a_bad_rubriques_setting_stops_the_build_before_anything_is_written(build, tmp_path):
    with pytest.raises(RubriquesSettingError, match="not a clean folder name"):
        build("rubriques-misfiled", overrides={"RUBRIQUES": {"Mauvais Nom": "X"}})
    assert not list(tmp_path.rglob("*.html"))
