"""The editor's pins: `Related: slug-a, rubrique/slug-b`, read and checked in one place.

Plain functions, no Pelican: the plugin resolves every report's pins against the published
reports during the build (ranking.compute_related), and `make check` resolves them against
the sources, so a pin the build accepts is one `make check` accepts, and a bad pin gets the
same severity in both. A pin names a published report by its slug, or by
`<rubrique>/<slug>` when two reports share a slug.
"""

import difflib

from pouls_common.rules import ERROR, WARNING, Finding, Rule

_PREFIX = "related_articles: %(source)s "

RELATED_MISSING = Rule(
    "related-missing", ERROR,
    message=(
        "« Related » cite « {slug} », qui n’est le slug d’aucun reportage publié{suggestion}. "
        "Corrigez-le ou retirez-le."
    ),
    log=_PREFIX + (
        "pins unknown report %(slug)r in Related:; use the file name of a published report without .md (%(hint)s)"
    ),
)
RELATED_AMBIGUOUS = Rule(
    "related-ambiguous", ERROR,
    message="« Related » cite « {slug} », mais plusieurs reportages ont ce slug. Écrivez « <rubrique>/{slug} ».",
    log=_PREFIX + "pins %(slug)r in Related:, but several reports have that slug; write it as <rubrique>/%(slug)s",
)
RELATED_SELF = Rule(
    "related-self", WARNING,
    message="« Related » cite le reportage lui-même (« {slug} »). Retirez-le.",
    log=_PREFIX + "lists its own slug %(slug)r in Related:; remove it",
)
RELATED_TWICE = Rule(
    "related-twice", WARNING,
    message="« Related » cite « {slug} » deux fois. Gardez-en un.",
    log=_PREFIX + "pins %(slug)r twice in Related:; keep one",
)
RELATED_UNLISTED = Rule(
    "related-unlisted", WARNING,
    message=(
        "« Related » cite « {slug} », qui est un brouillon, un reportage caché ou programmé : "
        "il n’apparaîtra dans le bloc qu’une fois publié."
    ),
    log=_PREFIX + (
        "pins %(slug)r in Related:, which is a draft, hidden or future-dated report; "
        "it is left out until it is published"
    ),
)
RELATED_TOO_MANY = Rule(
    "related-too-many", WARNING,
    message=(
        "« Related » cite {count} reportages, mais le bloc n’en montre que {limit}. "
        "Retirez-en, ou augmentez RELATED_ARTICLES_MAX."
    ),
    log=_PREFIX + (
        "pins %(count)d reports in Related: but only %(limit)d are shown; "
        "remove some or raise RELATED_ARTICLES_MAX"
    ),
)
RULES = (RELATED_MISSING, RELATED_AMBIGUOUS, RELATED_SELF, RELATED_TWICE, RELATED_UNLISTED, RELATED_TOO_MANY)


def parse_pins(value):
    """Slugs of a `Related:` value: comma-separated, or `;`-separated when present."""
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        value = ",".join(str(item) for item in value)
    separator = ";" if ";" in value else ","
    return tuple(slug.strip() for slug in value.split(separator) if slug.strip())


class PinTargets:
    """The reports a pin may name (published ones), each by `slug` and by `rubrique/slug`.

    `reports` are objects with `slug` and `rubrique`. ranking.RelatedIndex answers the
    same two questions (`position`, `reports`) for the build.
    """

    def __init__(self, reports):
        self.reports = list(reports)
        self._positions = {}
        for i, report in enumerate(self.reports):
            self._positions.setdefault(report.slug, []).append(i)
            self._positions.setdefault(f"{report.rubrique}/{report.slug}", []).append(i)

    def position(self, slug):
        """Positions of the reports answering to `slug` (or `rubrique/slug`)."""
        return self._positions.get(slug, [])


def unlisted_names(reports):
    """Every name (`slug`, `rubrique/slug`) of reports that exist but may not be listed yet."""
    names = set()
    for report in reports:
        names.add(report.slug)
        names.add(f"{report.rubrique}/{report.slug}")
    return names


def _suggestion(slug, targets):
    close = difflib.get_close_matches(slug, [other.slug for other in targets.reports], n=1)
    if not close:
        return {"hint": "check the spelling", "suggestion": ""}
    return {
        "hint": f"did you mean {close[0]!r}?",
        "suggestion": f" (vouliez-vous dire «\u00a0{close[0]}\u00a0»\u202f?)",
    }


def resolve_pins(report, targets, unlisted_slugs, limit):
    """Positions pinned by an editor's `Related:`, in their order, and findings for the bad ones.

    `report` has `slug`, `rubrique`, `pins` and `source` (the file named in messages);
    `targets` answers `position(slug)` and lists `reports` (PinTargets, or the ranking's
    RelatedIndex); `unlisted_slugs` are the names of drafts, hidden and future-dated
    reports: pinning one of those is reported as such rather than as an unknown slug.
    """
    positions, findings = [], []
    keys = ("related",)
    for slug in report.pins:
        found = targets.position(slug)
        values = {"source": report.source, "slug": slug}
        if slug in (report.slug, f"{report.rubrique}/{report.slug}"):
            findings.append(Finding(RELATED_SELF, values, keys))
        elif len(found) > 1:
            findings.append(Finding(RELATED_AMBIGUOUS, values, keys))
        elif found:
            if found[0] in positions:
                findings.append(Finding(RELATED_TWICE, values, keys))
            else:
                positions.append(found[0])
        elif slug in unlisted_slugs:
            findings.append(Finding(RELATED_UNLISTED, values, keys))
        else:
            findings.append(Finding(RELATED_MISSING, {**values, **_suggestion(slug, targets)}, keys))
    if len(positions) > limit:
        findings.append(Finding(
            RELATED_TOO_MANY, {"source": report.source, "count": len(positions), "limit": limit}, keys))
        positions = positions[:limit]
    return positions, findings
