"""Settings of related_articles: read once into a frozen dataclass, every key validated.

Each key is prefixed RELATED_ARTICLES_; a bad value raises RelatedArticlesSettingsError
whose message quotes the value and says what to write instead.
"""

import math
from dataclasses import dataclass, field
from types import MappingProxyType

# The signals that only nudge a score the text has made (ranking.CONTEXT_SHARE caps them).
SIGNALS = ("tags", "hospitals", "region", "rubrique", "recency")
# Relative weights of those nudges; only their proportions matter, the cap is fixed.
# Tags and recency first, then hospitals; region and rubrique least (on a site whose
# rubriques are genres or services they say little about the subject). Chosen on
# tests/eval/related/services/, where any mix moves at most one slot in 192.
DEFAULT_WEIGHTS = MappingProxyType(
    {"tags": 0.3, "hospitals": 0.2, "region": 0.1, "rubrique": 0.1, "recency": 0.3}
)
# Settings of the first ranking, now gone: a clear error beats a value silently ignored.
REMOVED = {
    "RELATED_ARTICLES_RECENCY_WEIGHT": "set RELATED_ARTICLES_WEIGHTS['recency'] instead",
}
REMOVED_WEIGHTS = {
    "text": "the text always decides; only the other signals have a weight",
    "neighbours": "the shared-neighbour stage is part of the text score; "
                  "RELATED_ARTICLES_NEIGHBOURS sets its size",
}


class RelatedArticlesSettingsError(ValueError):
    """A RELATED_ARTICLES_* setting has a value the plugin cannot use."""


@dataclass(frozen=True)
class RelatedSettings:
    max_items: int = 3
    weights: MappingProxyType = field(default_factory=lambda: DEFAULT_WEIGHTS)
    # Below this text score a candidate is not "on the same subject"; the block is then
    # completed with the newest reports of the same rubrique.
    min_score: float = 0.04
    # Days for the recency nudge to halve, counted from the newest published report.
    recency_half_life_days: float = 365.0
    # Speed knobs: how many of its strongest features a report is searched by, and how
    # many reports sharing a feature are looked at. They bound the work per report, so
    # the whole computation grows linearly with the number of reports.
    terms_per_report: int = 300
    candidates_per_term: int = 60
    extra_stop_words: tuple = ()
    # Shared-neighbour stage: how many best candidates make a report's neighbourhood.
    neighbours: int = 5


def _fail(key, value, expected, default):
    raise RelatedArticlesSettingsError(
        f"related_articles: {key} is {value!r} in the settings; "
        f"set it to {expected} (default: {default!r})"
    )


def _number(key, value, low, high, default, integer=False, low_open=False):
    kind = "a whole number" if integer else "a number"
    bounds = f"{'above' if low_open else 'from'} {low}" + (f" to {high}" if high is not None else "")
    ok = isinstance(value, int if integer else (int, float)) and not isinstance(value, bool)
    if ok and not integer:
        ok = math.isfinite(value)
    if ok:
        ok = (value > low if low_open else value >= low) and (high is None or value <= high)
    if not ok:
        _fail(key, value, f"{kind} {bounds}", default)
    return value


def read_settings(settings):
    """Return the RelatedSettings of a Pelican settings dict, or raise with the bad key quoted."""
    defaults = RelatedSettings()
    get = settings.get

    for key, fix in REMOVED.items():
        if key in settings:
            raise RelatedArticlesSettingsError(
                f"related_articles: {key} is no longer read; remove it and {fix}"
            )

    max_items = _number(
        "RELATED_ARTICLES_MAX", get("RELATED_ARTICLES_MAX", defaults.max_items),
        0, None, defaults.max_items, integer=True,
    )

    given = get("RELATED_ARTICLES_WEIGHTS", {})
    if not isinstance(given, dict):
        _fail("RELATED_ARTICLES_WEIGHTS", given,
              "a dict of weights such as {'tags': 0.4, 'rubrique': 0.2}", dict(DEFAULT_WEIGHTS))
    for name in given:
        if name in REMOVED_WEIGHTS:
            raise RelatedArticlesSettingsError(
                f"related_articles: RELATED_ARTICLES_WEIGHTS has {name!r}, which is no longer "
                f"a weight ({REMOVED_WEIGHTS[name]}); remove it"
            )
        if name not in SIGNALS:
            raise RelatedArticlesSettingsError(
                f"related_articles: RELATED_ARTICLES_WEIGHTS has an unknown signal {name!r}; "
                f"use only {', '.join(SIGNALS)}"
            )
    weights = dict(DEFAULT_WEIGHTS)
    for name, value in given.items():
        weights[name] = _number(f"RELATED_ARTICLES_WEIGHTS[{name!r}]", value, 0, None,
                                DEFAULT_WEIGHTS[name])

    min_score = _number("RELATED_ARTICLES_MIN_SCORE",
                        get("RELATED_ARTICLES_MIN_SCORE", defaults.min_score),
                        0, None, defaults.min_score)
    half_life = _number("RELATED_ARTICLES_RECENCY_HALF_LIFE",
                        get("RELATED_ARTICLES_RECENCY_HALF_LIFE", defaults.recency_half_life_days),
                        0, None, defaults.recency_half_life_days, low_open=True)
    terms = _number("RELATED_ARTICLES_TERMS_PER_REPORT",
                    get("RELATED_ARTICLES_TERMS_PER_REPORT", defaults.terms_per_report),
                    1, None, defaults.terms_per_report, integer=True)
    candidates = _number("RELATED_ARTICLES_CANDIDATES_PER_TERM",
                         get("RELATED_ARTICLES_CANDIDATES_PER_TERM", defaults.candidates_per_term),
                         1, None, defaults.candidates_per_term, integer=True)

    neighbours = _number("RELATED_ARTICLES_NEIGHBOURS",
                         get("RELATED_ARTICLES_NEIGHBOURS", defaults.neighbours),
                         1, None, defaults.neighbours, integer=True)

    extra = get("RELATED_ARTICLES_EXTRA_STOP_WORDS", ())
    if isinstance(extra, str) or not isinstance(extra, (list, tuple, set, frozenset)) or not all(
        isinstance(word, str) for word in extra
    ):
        _fail("RELATED_ARTICLES_EXTRA_STOP_WORDS", extra,
              "a list of words such as ['reportage', 'pouls']", ())

    return RelatedSettings(
        max_items=max_items,
        weights=MappingProxyType(weights),
        min_score=float(min_score),
        recency_half_life_days=float(half_life),
        terms_per_report=terms,
        candidates_per_term=candidates,
        extra_stop_words=tuple(sorted(extra)),
        neighbours=neighbours,
    )
