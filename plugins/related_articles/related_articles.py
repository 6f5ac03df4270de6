"""Plugin related_articles: « Sur le même sujet », the reports a reader would actually click.

Sets `article.related_articles` on every report (published, draft or hidden): a list of at
most RELATED_ARTICLES_MAX published reports, the editor's `Related:` pins first, then the
reports on the same subject (ranking.py says how), then, when fewer are close enough, the
newest of the same rubrique. The theme renders it with `partials/related.html`.

Only published reports dated no later than the build are ever listed, whatever
WITH_FUTURE_DATES says: drafts, hidden and future-dated reports never leak into a block.
"""

import logging
from datetime import UTC, datetime
from functools import partial

from pelican import signals

from pouls_common import background
from pouls_common.plugins import require_plugins
from pouls_common.reports import every_report, is_public
from pouls_common.rules import log_finding

from .config import read_settings
from .pins import parse_pins
from .ranking import Report, compute_related

logger = logging.getLogger(__name__)

# Plugins whose work this one uses, and what for (checked when the build starts).
NEEDS = {"hospitals": "article.hospitals, a signal of the ranking"}


def _names(values):
    names = []
    for value in values or ():
        name = getattr(value, "name", value)
        if str(name).strip():
            names.append(str(name))
    return tuple(names)


def report_from_article(article):
    """The plain Report the ranking reads, from a Pelican article."""
    metadata = article.metadata
    category = getattr(article, "category", None)
    return Report(
        slug=article.slug,
        rubrique=getattr(category, "slug", "") or "",
        date=article.date,
        title=article.title,
        # The standfirst as written; `article.summary` would fall back to the whole body.
        summary=metadata.get("summary", "") or "",
        # `_content` is the HTML as read: the `content` property would rewrite links again
        # and repeat their warnings.
        body=getattr(article, "_content", "") or "",
        tags=_names(getattr(article, "tags", ())),
        hospitals=_names(article.hospitals),
        region=str(metadata.get("region", "") or ""),
        pins=parse_pins(metadata.get("related")),
        source=article.relative_source_path or article.source_path,
    )


def check_settings(pelican):
    """Fail the build at start-up, with the bad value or the missing plugin named, rather than mid-way."""
    read_settings(pelican.settings)
    require_plugins(pelican, "related_articles", NEEDS)


def attach_related_articles(generator):
    """Set `related_articles` on every report of the ArticlesGenerator."""
    settings = read_settings(generator.settings)
    now = datetime.now(UTC)
    everyone = every_report(generator, translations=False)
    listable = [article for article in everyone if is_public(article, now)]
    listable_ids = {id(article) for article in listable}
    others = [article for article in everyone if id(article) not in listable_ids]

    def attach(result):
        for_listable, for_others, notices = result
        for finding in notices:
            # The source is in the finding: pins.py names the file itself.
            log_finding(logger, finding, finding.values["source"])
        for article, positions in zip(listable, for_listable, strict=True):
            article.related_articles = [listable[j] for j in positions]
        for article, positions in zip(others, for_others, strict=True):
            article.related_articles = [listable[j] for j in positions]

    # Only the pages read related_articles: the ranking can run on another core meanwhile.
    background.submit(partial(
        compute_related,
        [report_from_article(article) for article in listable],
        [report_from_article(article) for article in others],
        settings,
    ), attach)
    for article in [
        *generator.translations, *generator.drafts_translations, *generator.hidden_translations
    ]:
        article.related_articles = []


def register():
    # initialized: settings are complete and nothing is read yet, the cheapest moment to stop.
    signals.initialized.connect(check_settings)
    # article_generator_finalized: every report is read, typographed and sorted, and the
    # generator knows drafts and hidden ones apart; templates are not rendered yet.
    signals.article_generator_finalized.connect(attach_related_articles)
