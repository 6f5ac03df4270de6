"""The reports of an ArticlesGenerator, whatever their status."""


def every_report(generator):
    """Published, hidden and draft reports with their translations, in that fixed order.

    Plugins that describe a report (its rubrique, image, établissements…) must describe
    every one: a draft is previewed with the same page as a published report.
    """
    return [
        *generator.articles, *generator.translations,
        *generator.hidden_articles, *generator.hidden_translations,
        *generator.drafts, *generator.drafts_translations,
    ]
