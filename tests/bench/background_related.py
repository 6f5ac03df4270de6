"""Write related_articles' background table from the labelled set `services` (and only it).

    .venv/bin/python tests/bench/background_related.py

The table (plugins/related_articles/background_df.tsv) gives, for every feature of the
ranking (stem, or « # » + 6-letter fragment), the number of published reports of
tests/eval/related/services/ that use it. The ranking smooths a small site's document
frequencies with it (see the plugin README, « The small-site background »). It is computed
from the fitted set only: the held-out sets genres/ and long/ must not feed the method.
"""

import sys
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "plugins"), str(HERE)]

from eval_related import EVAL, read_pairs
from pouls_common.reports import every_report, is_public
from related_articles import ranking
from related_articles.explain import read_articles
from related_articles.ranking import BACKGROUND_FILE, document_frequencies
from related_articles.related_articles import report_from_article

SOURCE = EVAL / "services"
# A fixed « now » (the set's traps are dated 2099): the same table on any day.
NOW = datetime(2030, 1, 1, tzinfo=UTC)


def table_text():
    """The table's text, as it must be in BACKGROUND_FILE (a test compares the two)."""
    # Reading the set runs the plugin: without the table it is about to write.
    saved, ranking.BACKGROUND_REPORTS = ranking.BACKGROUND_REPORTS, 0
    try:
        return _count()
    finally:
        ranking.BACKGROUND_REPORTS = saved


def _count():
    _settings, generator = read_articles(
        ROOT / "pelicanconf.py", SOURCE, {"RUBRIQUES": read_pairs(SOURCE / "rubriques.txt")})
    reports = [report_from_article(article)
               for article in every_report(generator, translations=False)
               if is_public(article, NOW)]
    df = document_frequencies(reports)
    lines = [f"# reports {len(reports)}"]
    lines += [f"{key}\t{count}" for key, count in sorted(df.items())]
    return "\n".join(lines) + "\n"


def main():
    text = table_text()
    BACKGROUND_FILE.write_text(text, encoding="utf-8")
    print(f"{BACKGROUND_FILE.relative_to(ROOT)}: {text.count(chr(10)) - 1} features")


if __name__ == "__main__":
    main()
