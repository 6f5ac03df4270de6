"""The content rule of structured_data: a headline search engines and aggregators may cut.

Plain functions, no Pelican: the plugin calls `headline_findings()` on the title of every
report during the build and logs the findings; `make check` calls it on the `Title:` of
every source and prints them in French at that line. One function, one severity.

The headline is measured as readers see it: typographed (french_typography's rules, which
the build applies to every title before any plugin reads it, and which give the same text
when applied twice), tags dropped, runs of spaces counted once. So the raw `Title:` that
`make check` reads and the typographed title the build holds measure the same.
"""

from french_typography.french_typography import typographize
from pouls_common.rules import WARNING, Finding, Rule
from pouls_common.text import plain_text

# Google News shows up to about 110 characters of a headline; beyond, it may cut.
HEADLINE_MAX_LENGTH = 110

HEADLINE_TOO_LONG = Rule(
    "headline-too-long", WARNING,
    message=(
        "le titre fait {length}\u00a0caractères ; au-delà de {limit}, les moteurs de recherche et les agrégateurs "
        "d’actualité peuvent le couper. Raccourcissez-le à {limit}\u00a0caractères au plus."
    ),
    log=(
        "structured_data: %(source)s: the title is %(length)s characters long; beyond %(limit)s, search "
        "engines and news aggregators may cut it. Shorten it to %(limit)s characters at most"
    ),
)
RULES = (HEADLINE_TOO_LONG,)


def headline_length(title):
    """Characters of a headline as readers see it: typographed, tags dropped, runs of spaces counted once."""
    return len(" ".join(plain_text(typographize(title or "")).split()))


def headline_findings(title, limit=HEADLINE_MAX_LENGTH):
    """[Finding] for a headline longer than `limit` characters, else []."""
    length = headline_length(title)
    if length <= limit:
        return []
    return [Finding(HEADLINE_TOO_LONG, {"length": length, "limit": limit}, keys=("title",))]
