"""Plain text out of HTML, the one way every plugin and template does it; the value an editor meant."""

import difflib
import html
import re
import unicodedata
from functools import lru_cache

# Tags and comments; a « < » followed by a space or a digit is text (« 3 < 5 »).
_MARKUP = re.compile(r"<!--.*?-->|<[A-Za-z/!?][^>]*>", re.S)
# Only ASCII whitespace: U+00A0 and U+202F are French typography, not spacing to collapse.
_ASCII_SPACES = re.compile(r"[ \t\n\r\f\v]+")


def plain_text(markup):
    """The text of an HTML fragment, for `<title>`, meta descriptions, feeds and alt text.

    Like Jinja's `striptags` (tags removed, entities decoded, runs of spaces collapsed)
    except that U+00A0 and U+202F are kept: `striptags` folds every Unicode space into
    a plain one and would undo the typography in exactly the places it must match.
    """
    if markup is None:
        return ""
    return _plain_text(str(markup))


# A pure function of its text, asked for the same titles and names again and again in a
# build (structured data, share links, feeds, five times per page in the templates):
# looked up rather than parsed again. Keyed on the whole text, so a preview server or a
# test building many sites in one process can never get a stale answer.
@lru_cache(maxsize=16384)
def _plain_text(markup):
    text = html.unescape(_MARKUP.sub("", markup))
    return _ASCII_SPACES.sub(" ", text).strip(" ")


def closest_value(value, allowed, translations=None):
    """The one of `allowed` an editor most likely meant by `value`, for the fix a message suggests.

    Case and accents are folded, then `translations` (the French words editors type for the
    English values Pelican expects: « fermé » → "closed") are looked up, then the closest
    spelling; the last of `allowed` when nothing is close.
    """
    folded = "".join(
        c for c in unicodedata.normalize("NFKD", value.strip().lower()) if not unicodedata.combining(c)
    )
    if folded in allowed:
        return folded
    translated = (translations or {}).get(folded)
    if translated in allowed:
        return translated
    match = difflib.get_close_matches(folded, allowed, n=1, cutoff=0.6)
    return match[0] if match else allowed[-1]
