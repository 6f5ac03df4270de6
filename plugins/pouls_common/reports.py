"""The reports of an ArticlesGenerator, and which of them readers may see."""


def every_report(generator, translations=True):
    """Published, hidden and draft reports (with their translations), in that fixed order.

    Plugins that describe a report (its rubrique, image, établissements, comments…) must
    describe every one: a draft is previewed with the same page as a published report.
    """
    if not translations:
        return [*generator.articles, *generator.hidden_articles, *generator.drafts]
    return [
        *generator.articles, *generator.translations,
        *generator.hidden_articles, *generator.hidden_translations,
        *generator.drafts, *generator.drafts_translations,
    ]


def is_public(report, now=None):
    """True when `report` may be shown to readers outside its own page: published, not future.

    Decided against `now` (the build's time; None skips the date test) rather than
    WITH_FUTURE_DATES, so a preview build that shows scheduled reports never lets them
    into a feed or another report's related block.
    """
    if getattr(report, "status", None) != "published":
        return False
    if now is None:
        return True
    date = getattr(report, "date", None)
    if date is None:
        return False
    if date.tzinfo is None:
        now = now.replace(tzinfo=None)
    return date <= now
