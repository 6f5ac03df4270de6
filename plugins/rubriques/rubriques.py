"""Rubriques: the folder a report lives in is its rubrique.

Pelican names a folder category after the folder itself (`hematologie`). Readers
should see « Hématologie », so the RUBRIQUES setting maps each folder to its label,
and a report filed in a folder that is not declared there is a build warning that
names the file and the fix.
"""

import logging
import os

from pelican import signals
from pelican.urlwrappers import Category

logger = logging.getLogger(__name__)


def rubrique_label(folder, rubriques):
    """Return the label of a rubrique folder, or None when it is not declared."""
    return rubriques.get(folder)


def rename_categories(generator):
    """Give every report the French label of its folder's rubrique."""
    rubriques = generator.settings.get("RUBRIQUES", {})
    articles_root = os.path.join(generator.path, *generator.settings["ARTICLE_PATHS"][:1])
    cache = {}
    for article in list(generator.articles) + list(generator.drafts) + list(generator.hidden_articles):
        folder = os.path.basename(os.path.dirname(article.source_path))
        if os.path.abspath(os.path.dirname(article.source_path)) == os.path.abspath(articles_root):
            logger.warning(
                "rubriques: %s is not in a rubrique folder; move it to content/articles/<rubrique>/",
                article.relative_source_path,
            )
            continue
        label = rubrique_label(folder, rubriques)
        if label is None:
            logger.warning(
                "rubriques: %s is in folder %r, which is not a rubrique; "
                "move it to one of %s or add %r to RUBRIQUES in pelicanconf.py",
                article.relative_source_path,
                folder,
                ", ".join(sorted(rubriques)),
                folder,
            )
            continue
        if folder not in cache:
            category = Category(label, generator.settings)
            # The folder is the slug: URLs stay what the editor sees in content/.
            category.slug = folder
            cache[folder] = category
        article.category = cache[folder]


def register():
    # pretaxonomy: after every report is read, before Pelican groups them by category.
    signals.article_generator_pretaxonomy.connect(rename_categories)
