"""The small-site background table is what the fitted set gives, and only that set."""

import importlib.util

from pouls_common.paths import ROOT
from related_articles.ranking import BACKGROUND_FILE


def test_the_shipped_background_table_is_the_one_the_services_set_gives():
    # A hand edit, or a change of the analyser that was not followed by a new table,
    # would silently change every small site's ranking: the shipped file must be
    # exactly what tests/bench/background_related.py writes today.
    spec = importlib.util.spec_from_file_location(
        "background_related", ROOT / "tests" / "bench" / "background_related.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    expected = module.table_text()
    assert expected.startswith("# reports 64\n")
    assert BACKGROUND_FILE.read_text(encoding="utf-8") == expected, (
        "plugins/related_articles/background_df.tsv is stale: run "
        ".venv/bin/python tests/bench/background_related.py")
