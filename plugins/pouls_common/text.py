"""Plain text out of HTML, the one way every plugin and template does it."""

import html
import re

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
    text = html.unescape(_MARKUP.sub("", str(markup)))
    return _ASCII_SPACES.sub(" ", text).strip(" ")
