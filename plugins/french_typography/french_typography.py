"""Plugin french_typography: French typography for titles, standfirsts and bodies.

Editors type what their keyboard gives them (`l'hôpital`, `Pourquoi ?`, `"oui"`,
`50 %`, `1ère`); readers should see French typography, as Unicode characters:

    U+202F (espace fine insécable)  before ; ! ?          « Pourquoi ? »
    U+00A0 (espace insécable)       before : % € ‰, inside « »
    U+202F                          between thousands     « 400 000 »
    ’ for the apostrophe, … for three dots, "x" → « x »
    1re / 1res / 2e / 2es / 2de / XXIe for the ordinals   (no superscript, see README)

Nothing changes inside `code`, `pre`, `kbd`, `samp`, `var`, `script`, `style`,
`textarea`, `math`, `svg`, in tags and their attributes, in HTML comments, in URLs,
e-mail addresses, entities, or in times and ratios written `10:30`, `3:2`. Entities
`&nbsp;` and `&#8239;` become the characters themselves: `&nbsp;` breaks XML feeds.
The transformation is idempotent: running it on its own output changes nothing.

It runs at `content_object_init`, the moment Pelican creates an article or a page,
so every other plugin (related articles, feeds, comments, article_meta) reads the
already-typographed title, summary and content, and nobody applies it twice.

Use from Python (other plugins, tests):

    >>> from french_typography import typographize, plain_text
    >>> typographize("L'équipe répond : \\"oui\\" !")
    'L’équipe répond\\xa0: «\\xa0oui\\xa0»\\u202f!'
    >>> plain_text("<em>Pourquoi</em>\\u202f?")   # for <title>, meta, feeds
    'Pourquoi\\u202f?'

and in templates, `{{ article.title|plain_text }}` instead of `striptags`, which turns
every no-break space back into a plain one.

The rules are written here rather than taken from a library: see
`tests/bench/compare_typography.py`, which runs the candidates against the table of
`tests/test_typography.py`.
"""

import logging
import re
from dataclasses import dataclass
from functools import lru_cache

from markupsafe import Markup, escape
from pelican import signals
from pelican.contents import Article, Page

from pouls_common.text import plain_text

logger = logging.getLogger(__name__)

NBSP = "\u00a0"
NNBSP = "\u202f"

DEFAULT_SKIP_TAGS = ("code", "pre", "kbd", "samp", "var", "script", "style", "textarea", "math", "svg")
# Plain-text metadata a reader sees (photo alt text and credit) besides title, summary, body.
DEFAULT_METADATA_FIELDS = ("imagealt", "imagecredit")

_TAG_NAME = re.compile(r"[a-z][a-z0-9-]*\Z")


class FrenchTypographySettingsError(ValueError):
    """A FRENCH_TYPOGRAPHY_* setting has a value the plugin cannot use."""


@dataclass(frozen=True)
class TypographySettings:
    enabled: bool = True
    skip_tags: frozenset = frozenset(DEFAULT_SKIP_TAGS)
    metadata_fields: tuple = DEFAULT_METADATA_FIELDS

    @classmethod
    def from_settings(cls, settings):
        enabled = settings.get("FRENCH_TYPOGRAPHY_ENABLED", True)
        if not isinstance(enabled, bool):
            raise FrenchTypographySettingsError(
                f"french_typography: FRENCH_TYPOGRAPHY_ENABLED is {enabled!r}; "
                "set it to True or False in pelicanconf.py"
            )
        skip = settings.get("FRENCH_TYPOGRAPHY_SKIP_TAGS", DEFAULT_SKIP_TAGS)
        if isinstance(skip, str) or not isinstance(skip, (list, tuple, set, frozenset)):
            raise FrenchTypographySettingsError(
                f"french_typography: FRENCH_TYPOGRAPHY_SKIP_TAGS is {skip!r}; "
                f"set it to a list of HTML tag names such as {list(DEFAULT_SKIP_TAGS)!r}"
            )
        for name in skip:
            if not isinstance(name, str) or not _TAG_NAME.match(name):
                raise FrenchTypographySettingsError(
                    f"french_typography: FRENCH_TYPOGRAPHY_SKIP_TAGS holds {name!r}, which is not "
                    "a lower-case HTML tag name; write it like 'code' or 'pre' (no angle brackets)"
                )
        fields = settings.get("FRENCH_TYPOGRAPHY_METADATA_FIELDS", DEFAULT_METADATA_FIELDS)
        if isinstance(fields, str) or not isinstance(fields, (list, tuple)):
            raise FrenchTypographySettingsError(
                f"french_typography: FRENCH_TYPOGRAPHY_METADATA_FIELDS is {fields!r}; "
                f"set it to a list of front-matter keys such as {list(DEFAULT_METADATA_FIELDS)!r}"
            )
        for key in fields:
            if not isinstance(key, str) or key != key.lower() or key in ("title", "summary"):
                raise FrenchTypographySettingsError(
                    f"french_typography: FRENCH_TYPOGRAPHY_METADATA_FIELDS holds {key!r}; "
                    "list lower-case front-matter keys other than title and summary "
                    "(those two are always typographed)"
                )
        return cls(enabled=enabled, skip_tags=frozenset(skip), metadata_fields=tuple(fields))


# ----------------------------------------------------------------------------- rules
#
# The HTML is cut into tags and text with one regular expression rather than parsed:
# the bodies come from Python-Markdown (well-formed), and a parser per article would
# cost more than the whole rest of the plugin (see README, « Speed »).

# A tag starts with a letter, / or !: `a < b` in a title stays text.
_TOKEN = re.compile(r"<!--.*?-->|<[A-Za-z/!?][^>]*>", re.S)
_TAG_OPEN = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)")

_ENTITY_SPACES = re.compile(r"&(?:nbsp|#160|#[xX]0*[aA]0|#8239|#[xX]202[fF]);")

# What the rules must never touch inside a text run.
_PROTECTED = re.compile(
    r"""
    (?:\b[a-zA-Z][a-zA-Z0-9+.-]*://|\bwww\.)          # URL: scheme:// or www.
        [^\s<>"«»]*[^\s<>"«».,;:!?)\]’']              # … without the punctuation after it
    | (?:\bmailto:)?[\w.+-]+@[\w-]+(?:\.[\w-]+)+       # e-mail address
    | &(?:\#\d+|\#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);   # entity (its ; is not a semicolon)
    """,
    re.X,
)

# Any character a rule may act on; a run without one is returned as is (the fast path).
_TRIGGER = re.compile(r"""['".:;!?%€‰«»]|\d[\s\u202f]\d|\d[eènr]|[IVXLC][eèi]""")

_DOUBLE_QUOTE = re.compile(r'"')
_THOUSANDS = re.compile(r"(?<![\d,.])\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?!\d|[ \u00a0\u202f]\d)")
_THOUSANDS_HINT = re.compile(r"\d[ \u00a0]\d")
_ORDINAL_HINT = re.compile(r"[\dIVXLC](?:è|i?[eè]me|i?ère|ere|nd)")
_ORDINAL_1RE = re.compile(r"\b1(?:ère|ere|ière|iere)(s?)\b")
_ORDINAL_NTH = re.compile(r"\b(?![1I](?![\dIVXLC]))(\d+|[IVXLC]+)(?:ème|eme|ième|ieme|è)(s?)\b")
_ORDINAL_2D = re.compile(r"\b2(?:nd)(e?s?)\b")
# Both hints at once, for the common run with neither: one scan of the run instead of two.
_NUMBER_HINT = re.compile(r"[\dIVXLC](?:[ \u00a0]\d|è|i?[eè]me|i?ère|ere|nd)")


_MARKS = re.compile(r"""['";!?:«»%€‰]""")
_SPACE_CHARS = frozenset(" \t\n\r\f\u00a0\u202f\u2009")
# No space goes before ; ! ? after a space, an opening bracket or quote, or another
# such mark (« ?! » keeps its two marks together); none before : after the same, but a
# ! or ? may precede a colon.
_NO_SPACE_AFTER = {
    ";": frozenset("([{«“'\"/!?;:"), "!": frozenset("([{«“'\"/!?;:"), "?": frozenset("([{«“'\"/!?;:"),
    ":": frozenset("([{«“'\"/:"),
}
# An opening quote follows a space, the start of the run, an opening bracket or a
# colon (`dit:"oui"`); anything else is the end of a word, so the quote closes.
_OPENS_QUOTE = frozenset("([{—–-/’':")


def _fix_marks(text):
    """One pass over the marks that take a space before or after them, and the quotes.

    Scanning for the marks and deciding in Python is several times faster than one
    regular expression per rule: each rule's pattern would be tried at every position.
    """
    out = []
    pos = 0  # text[:pos] is already in `out`
    last = ""  # the last character written to `out`
    length = len(text)
    for match in _MARKS.finditer(text):
        i = match.start()
        if i < pos:
            continue
        mark = text[i]
        j = i
        while j > pos and text[j - 1] in _SPACE_CHARS:
            j -= 1
        before = text[j - 1] if j > pos else last
        spaced = j < i or before == "" or before.isspace()
        if mark == "'":
            if spaced or not before.isalpha():
                continue
            replacement, start, end = "’", i, i + 1
        elif mark == '"' or mark == "«":
            if mark == '"' and not spaced and before not in _OPENS_QUOTE:
                replacement, start, end = NBSP + "»", i, i + 1
            else:
                end = i + 1
                while end < length and text[end] in _SPACE_CHARS:
                    end += 1
                replacement, start = "«" + NBSP, i
        elif mark == "»":
            if before == "" or before.isspace():
                continue
            replacement, start, end = NBSP + "»", j, i + 1
        elif mark in "%€‰":
            if not before.isdigit():
                continue
            replacement, start, end = NBSP + mark, j, i + 1
        else:  # ; ! ? :
            if before == "" or before.isspace() or before in _NO_SPACE_AFTER[mark]:
                continue
            if mark == ":":
                after = text[i + 1:i + 3]
                # 10:30, 3:2 — a time or a ratio keeps its colon tight; so does a scheme.
                if (j == i and before.isdigit() and after[:1].isdigit()) or after == "//":
                    continue
                replacement = NBSP + ":"
            else:
                replacement = NNBSP + mark
            start, end = j, i + 1
        out.append(text[pos:start])
        out.append(replacement)
        last = replacement[-1]
        pos = end
    if not out:
        return text
    out.append(text[pos:])
    return "".join(out)


def _thousands(match):
    return re.sub(r"[ \u00a0]", NNBSP, match.group(0))


def _fix_run(text):
    """Apply the rules to a run of text that holds no tag, URL, e-mail or entity."""
    if "..." in text:
        text = text.replace("...", "…")
    text = _fix_marks(text)
    if not _NUMBER_HINT.search(text):
        return text
    if _THOUSANDS_HINT.search(text):
        text = _THOUSANDS.sub(_thousands, text)
    if _ORDINAL_HINT.search(text):
        text = _ORDINAL_1RE.sub(r"1re\1", text)
        text = _ORDINAL_NTH.sub(r"\1e\2", text)
        text = _ORDINAL_2D.sub(r"2d\1", text)
    return text


def _context_char(previous):
    """The character the rules see before a run: the end of the previous text.

    Rules look one character back (a `?` right after `</em>` still needs its space).
    That character is prepended to the run and cut off again, so it must be one no
    rule rewrites: a quote or a dot stands in as a letter.
    """
    if not previous:
        return ""
    char = previous[-1]
    if char in "'\".":
        return "a"
    return char


def _entity_space(match):
    return NNBSP if match.group(0).lower() in ("&#8239;", "&#x202f;") else NBSP


def _fix_text(text, previous, quotes):
    """Typograph one text token; `quotes` collects the straight double quotes seen."""
    if "&" in text:
        text = _ENTITY_SPACES.sub(_entity_space, text)
    if not _TRIGGER.search(text):
        return text
    if '"' in text:
        quotes.extend((m.start(), text) for m in _DOUBLE_QUOTE.finditer(text))
    context = _context_char(previous)
    if "://" not in text and "www." not in text and "@" not in text and "&" not in text:
        # The trigger is known to be in `text`: _fix_with_context would search it again.
        return _fix_run(context + text)[len(context):]
    pieces = []
    position = 0
    for match in _PROTECTED.finditer(text):
        run = text[position:match.start()]
        if run:
            pieces.append(_fix_with_context(run, context))
        pieces.append(match.group(0))
        context = _context_char(match.group(0))
        position = match.end()
    run = text[position:]
    if run:
        pieces.append(_fix_with_context(run, context))
    return "".join(pieces)


def _fix_with_context(run, context):
    if not _TRIGGER.search(run):
        return run
    return _fix_run(context + run)[len(context):]


def _tokens(html_text, skip_tags):
    """Yield ("tag", s), ("skip", s) or ("text", s) pieces that join back into html_text."""
    depth = 0
    position = 0
    for match in _TOKEN.finditer(html_text):
        if match.start() > position:
            yield ("skip" if depth else "text"), html_text[position:match.start()]
        tag = match.group(0)
        opening = _TAG_OPEN.match(tag)
        if opening and opening.group(2).lower() in skip_tags:
            if opening.group(1):
                depth = max(0, depth - 1)
            elif not tag.endswith("/>"):
                depth += 1
        yield "tag", tag
        position = match.end()
    if position < len(html_text):
        yield ("skip" if depth else "text"), html_text[position:]


def _transform(html_text, skip_tags):
    """Return (typographed text, excerpt around an unpaired straight double quote or None)."""
    quotes = []
    if "<" not in html_text:
        result = _fix_text(html_text, "", quotes)
    else:
        skip_tags = frozenset(skip_tags)
        out = []
        previous = ""
        for kind, token in _tokens(html_text, skip_tags):
            if kind == "text":
                token = _fix_text(token, previous, quotes)
            out.append(token)
            if kind != "tag":
                previous = token
        result = "".join(out)
    return result, _unpaired_excerpt(quotes)


def _unpaired_excerpt(quotes):
    if len(quotes) % 2 == 0:
        return None
    position, text = quotes[0]
    return text[max(0, position - 25):position + 25]


def typographize(html_text, skip_tags=DEFAULT_SKIP_TAGS):
    """Return html_text (an HTML fragment or plain text) with French typography.

    Idempotent; tags, attributes, comments, the content of `skip_tags`, URLs, e-mail
    addresses and entities other than no-break spaces come out byte for byte.
    """
    if not html_text:
        return html_text
    return _transform(html_text, skip_tags)[0]





def typographer_for(settings):
    """The typography other plugins apply to the plain-text fields they own.

    Hospital names, source labels and transcripts are shown to readers but are not
    title, summary or body; they get the same rules as those, and stay as typed when
    FRENCH_TYPOGRAPHY_ENABLED is False. A plugin that calls this declares
    french_typography among the plugins it needs (pouls_common.plugins), so the build
    stops at start-up rather than mixing typographed and untypographed text.
    """
    if not settings.get("FRENCH_TYPOGRAPHY_ENABLED", True):
        return lambda text: text
    return typographize


def plain_text_filter(value):
    """Jinja filter: plain_text, escaped so it is safe in an element and an attribute."""
    return Markup(escape(plain_text(value)))


# ----------------------------------------------------------------------- receivers

@lru_cache(maxsize=8)
def _settings_from(enabled, skip_tags, metadata_fields):
    return TypographySettings.from_settings({
        "FRENCH_TYPOGRAPHY_ENABLED": enabled,
        "FRENCH_TYPOGRAPHY_SKIP_TAGS": skip_tags,
        "FRENCH_TYPOGRAPHY_METADATA_FIELDS": metadata_fields,
    })


def _read_settings(settings):
    # Read once per distinct configuration, not once per article.
    skip = settings.get("FRENCH_TYPOGRAPHY_SKIP_TAGS", DEFAULT_SKIP_TAGS)
    fields = settings.get("FRENCH_TYPOGRAPHY_METADATA_FIELDS", DEFAULT_METADATA_FIELDS)
    return _settings_from(
        settings.get("FRENCH_TYPOGRAPHY_ENABLED", True),
        tuple(skip) if isinstance(skip, (list, tuple, set, frozenset)) else skip,
        tuple(fields) if isinstance(fields, list) else fields,
    )


def validate_settings(pelican):
    """Stop the build early, quoting the bad value, when a setting is unusable."""
    TypographySettings.from_settings(pelican.settings)


def _source_line(source_path, needle):
    try:
        with open(source_path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if needle in line:
                    return number
    except (OSError, UnicodeDecodeError):
        return None
    return None


def _typographize_field(content, field, html_text, skip_tags):
    result, excerpt = _transform(html_text, skip_tags)
    if excerpt is not None:
        excerpt = plain_text(excerpt).strip()
        before = excerpt.split('"')[0][-15:]
        line = _source_line(content.source_path, before + '"') if content.source_path else None
        where = f"{content.relative_source_path}, line {line}" if line else content.relative_source_path
        logger.warning(
            "french_typography: %s: the %s has an unpaired straight double quote near « %s »; "
            'close it with a second " or type the guillemets « » yourself',
            where, field, excerpt,
        )
    return result


def typographize_content(content):
    """Typograph the title, summary, body and listed metadata of an article or a page."""
    if not isinstance(content, (Article, Page)):
        return
    config = _read_settings(content.settings)
    if not config.enabled:
        return
    skip = config.skip_tags
    updates = {}
    title = getattr(content, "title", None)
    if isinstance(title, str) and title:
        content.title = updates["title"] = _typographize_field(content, "title", title, skip)
    summary = content.metadata.get("summary")
    if isinstance(summary, str) and summary:
        updates["summary"] = _typographize_field(content, "summary", summary, skip)
        # Pelican reads the summary from metadata and writes _summary back into it.
        content._summary = updates["summary"]
    if content._content:
        content._content = _typographize_field(content, "body", content._content, skip)
    for key in config.metadata_fields:
        value = content.metadata.get(key)
        if isinstance(value, str) and value:
            updates[key] = _typographize_field(content, key, value, skip)
            setattr(content, key, updates[key])
    if updates:
        # A new dict rather than an edit of the one the reader handed over.
        content.metadata = {**content.metadata, **updates}


def add_plain_text_filter(generator):
    """Give templates `plain_text`, the striptags that keeps no-break spaces."""
    generator.env.filters["plain_text"] = plain_text_filter


def register():
    # initialized: the settings are known and no content is read yet; a bad value stops here.
    signals.initialized.connect(validate_settings)
    # content_object_init: fires as each article/page is created, before any other plugin
    # reads its text (french_typography is listed early in PLUGINS for that reason).
    signals.content_object_init.connect(typographize_content)
    # generator_init: each generator builds its own Jinja environment before rendering.
    signals.generator_init.connect(add_plain_text_filter)
