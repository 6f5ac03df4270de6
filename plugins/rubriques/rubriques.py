"""Rubriques: the folder a report lives in is its rubrique.

Pelican names a folder category after the folder itself (`hematologie`). Readers
should see « Hématologie », so the RUBRIQUES setting maps each folder to its label.
A report filed in a folder that is not declared there, or whose `Category:` header
names another rubrique than its folder, is a build error that names the file and the
fix; the rules are in rules.py, which `make check` calls too.

The rubrique is also the first part of a report's address (`{category}/{slug}/`): once
every report has its rubrique, `freeze_report_urls` computes each address once for the
whole build instead of once per link to it.
"""

import logging
import os
import re

from pelican import signals
from pelican.urlwrappers import Category

from pouls_common.reports import every_report
from pouls_common.rules import log_finding

from .rules import category_findings, folder_findings

logger = logging.getLogger(__name__)


class RubriquesSettingsError(ValueError):
    """RUBRIQUES in pelicanconf.py is not a mapping of clean folder names to labels."""


_FOLDER = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def validate_rubriques(value):
    """Return RUBRIQUES as a new dict, or raise with the bad entry quoted and the fix."""
    if not isinstance(value, dict) or not value:
        raise RubriquesSettingsError(
            f"rubriques: RUBRIQUES must be a non-empty dict of folder -> label, got {value!r}; "
            'write e.g. RUBRIQUES = {"urgences": "Urgences"} in pelicanconf.py'
        )
    for folder, label in value.items():
        if not isinstance(folder, str) or not _FOLDER.match(folder):
            raise RubriquesSettingsError(
                f"rubriques: RUBRIQUES folder {folder!r} is not a clean folder name; "
                "use lowercase ASCII letters, digits and hyphens, like 'femme-enfant'"
            )
        if not isinstance(label, str) or not label.strip():
            raise RubriquesSettingsError(
                f"rubriques: RUBRIQUES[{folder!r}] = {label!r} is not a label; "
                "give the rubrique's name as readers should see it, like 'Femme, mère, enfant'"
            )
    return dict(value)


def validate_settings(pelican):
    """Stop the build before reading anything when RUBRIQUES is unusable."""
    validate_rubriques(pelican.settings.get("RUBRIQUES"))


def rubrique_label(folder, rubriques):
    """Return the label of a rubrique folder, or None when it is not declared."""
    return rubriques.get(folder)


def rename_categories(generator):
    """Give every report the French label of its folder's rubrique."""
    rubriques = generator.settings.get("RUBRIQUES", {})
    roots = {os.path.abspath(os.path.join(generator.path, path)) for path in generator.settings["ARTICLE_PATHS"]}
    cache = {}
    for article in every_report(generator):
        directory = os.path.dirname(article.source_path)
        folder = os.path.basename(directory)
        findings = folder_findings(folder, os.path.abspath(directory) in roots, rubriques)
        # Without a header Pelican gives the folder's name here: only a header says more.
        header = article.metadata.get("category")
        findings += category_findings(getattr(header, "name", None), folder, rubriques)
        for finding in findings:
            log_finding(logger, finding, article.relative_source_path)
        label = rubrique_label(folder, rubriques)
        if label is None or os.path.abspath(directory) in roots:
            continue
        if folder not in cache:
            category = Category(label, generator.settings)
            # The folder is the slug: URLs stay what the editor sees in content/.
            category.slug = folder
            cache[folder] = category
        article.category = cache[folder]


def freeze_report_urls(generator):
    """Store each report's address in `override_url`, so templates stop recomputing it.

    Pelican's `url` copies the metadata, resolves the source path and formats ARTICLE_URL
    on every access (about 7 µs); a report is linked from a dozen listings, cards and
    « Sur le même sujet » blocks, some 20 000 accesses at 2 000 reports. `override_url`
    is the attribute Pelican itself reads first (a `URL:` key in the front matter sets
    it), and the value stored is the one Pelican computes, so no address changes.
    """
    for report in every_report(generator):
        if not hasattr(report, "override_url"):
            report.override_url = report.url


def register():
    # initialized: settings are final and nothing is read yet; an exception stops the build.
    signals.initialized.connect(validate_settings)
    # pretaxonomy: after every report is read, before Pelican groups them by category.
    signals.article_generator_pretaxonomy.connect(rename_categories)
    # finalized: rubrique, slug, date and status of every report are final, and no page
    # is written yet.
    signals.article_generator_finalized.connect(freeze_report_urls)
