"""Why does a report list these neighbours? `make related SLUG=…` answers.

    make related SLUG=hematologues-ouest-visioconference
    python -m related_articles.explain hematologues-ouest-visioconference --limit 15 \\
        --settings pelicanconf.py --content content

Reads the content with the real settings and plugins (nothing is written), then prints
the report's pins, the block as the site shows it, and its best candidates with their
score broken down by signal. The output is for editors, hence in French.
"""

import argparse
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path

from pelican import Pelican
from pelican.generators import ArticlesGenerator
from pelican.settings import read_settings as read_pelican_settings

from pouls_common.reports import every_report, is_public

from .config import RelatedArticlesSettingsError, read_settings
from .pins import resolve_pins
from .ranking import CONTEXT_SHARE, RelatedIndex
from .related_articles import report_from_article

# Each signal's share of the score, in %: the text, then the context.
SHARES = (
    ("text", "texte %"),
    ("tags", "étiq."),
    ("hospitals", "étab."),
    ("region", "région"),
    ("rubrique", "rubr."),
    ("recency", "récence"),
)


class ExplainError(Exception):
    """A problem the editor can fix; printed without a traceback."""


def read_articles(settings_file, content=None, overrides=None):
    """Every article of the site, read by Pelican with its plugins, without writing anything."""
    override = dict(overrides or {})
    if content:
        override["PATH"] = str(Path(content).resolve())
    settings = read_pelican_settings(str(settings_file), override=override)
    pelican = Pelican(settings)
    context = settings.copy()
    context.update(generated_content={}, static_links=set(), static_content={},
                   localsiteurl=settings["SITEURL"])
    generator = ArticlesGenerator(
        context=context, settings=settings, path=pelican.path, theme=pelican.theme,
        output_path=pelican.output_path,
    )
    generator.generate_context()
    return settings, generator


def describe(slug, settings, generator, limit):
    """The explanation of one report as lines of text."""
    options = read_settings(settings)
    now = datetime.now(UTC)
    everyone = every_report(generator, translations=False)
    target = next((article for article in everyone if article.slug == slug), None)
    if target is None:
        known = sorted(article.slug for article in everyone)
        raise ExplainError(
            f"related_articles: no report has the slug {slug!r}; the slug is the file name "
            f"without .md, e.g. make related SLUG={known[0] if known else 'mon-reportage'}"
        )
    listable = [article for article in everyone if is_public(article, now)]
    unlisted = {article.slug for article in everyone if not is_public(article, now)}
    index = RelatedIndex([report_from_article(article) for article in listable], options)
    report = report_from_article(target)
    position = next((i for i, article in enumerate(listable) if article is target), None)
    _pins, notices = resolve_pins(report, index, unlisted, options.max_items)

    lines = [f"« {target.title} » ({report.source})", ""]
    if position is None:
        lines += ["Ce reportage n’est pas publié : il n’apparaîtra dans aucun bloc.", ""]
    if report.pins:
        lines.append("Épinglés par la rédaction (Related:) : " + ", ".join(report.pins))
    lines += [f"  ! {notice.message}" for notice in notices]
    lines += ["", "Bloc « Sur le même sujet » :"]
    for number, other in enumerate(getattr(target, "related_articles", []), start=1):
        lines.append(f"  {number}. {other.slug} — {other.title}")
    lines += [
        "",
        "Meilleurs candidats. Le texte décide : score = texte × (1 + contexte), et le contexte",
        "(étiquettes, établissements, région, rubrique, récence) fait au plus "
        f"{_decimal(CONTEXT_SHARE * 100, 0)} % du score.",
        "« mots » : cosinus des mots en commun ; « texte » : les mots, puis les voisins en",
        "commun (deux reportages proches des mêmes reportages parlent de la même chose).",
        f"Même sujet : texte d’au moins {_decimal(options.min_score, 2)}. "
        "Puis la part de chaque signal dans le score, en % :",
    ]
    header = (f"  {'reportage':<40}{'score':>8}{'texte':>8}{'mots':>8}"
              + "".join(f"{label:>9}" for _key, label in SHARES))
    lines.append(header)
    rows = index.explain(position, limit=limit) if position is not None else index.explain(
        report=report, limit=limit)
    for row in rows:
        name = row["slug"] if len(row["slug"]) <= 40 else row["slug"][:39] + "…"
        lines.append(
            f"  {name:<40}{_decimal(row['score'], 3):>8}{_decimal(row['text'], 3):>8}"
            f"{_decimal(row['cosine'], 3):>8}"
            + "".join(f"{_decimal(row['share'][key] * 100, 1):>9}" for key, _label in SHARES))
    if not rows:
        lines.append("  (aucun reportage ne partage de mot avec celui-ci)")
    return lines


def _decimal(value, places):
    # The editor reads French: a decimal comma, « 0,166 ».
    return f"{value:.{places}f}".replace(".", ",")


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="make related SLUG=…",
        description="Explique le bloc « Sur le même sujet » d’un reportage.",
    )
    parser.add_argument("slug", help="nom du fichier du reportage, sans .md")
    parser.add_argument("--settings", default="pelicanconf.py", help="fichier de réglages")
    parser.add_argument("--content", default=None, help="dossier du contenu (PATH par défaut)")
    parser.add_argument("--limit", type=int, default=10, help="nombre de candidats affichés")
    args = parser.parse_args(argv)
    slug = args.slug.strip()
    if not slug:
        print("related_articles: give a report's slug, e.g. "
              "make related SLUG=hematologues-ouest-visioconference", file=sys.stderr)
        return 2
    if not Path(args.settings).is_file():
        print(f"related_articles: settings file {args.settings!r} not found; run the command "
              "from the project folder or pass --settings", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    try:
        settings, generator = read_articles(args.settings, args.content)
        print("\n".join(describe(slug, settings, generator, args.limit)))
    except (ExplainError, RelatedArticlesSettingsError) as error:
        print(error, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
