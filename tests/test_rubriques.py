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
