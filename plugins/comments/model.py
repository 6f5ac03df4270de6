"""The comment model: one place for the format, the validation and the sanitising.

The build plugin, the intake service and the moderation command all go through this
module, so a comment is read, checked and rendered the same way everywhere.

A reader's submission is checked with `validate_submission()`, which cleans every
field and returns French error messages keyed by field name:

    >>> fields, errors = validate_submission({"name": "Anne", "body": "Merci !"})
    >>> errors
    {}

An approved comment is stored as one text file, `comments/<article-slug>/<id>.md`:

    Author: Anne
    Website: https://exemple.fr
    Date: 2026-10-17T08:12:00+02:00
    Parent: 1a2b3c4d5e

    The body, plain text. A blank line starts a new paragraph.

`serialise_comment()` writes it, `parse_comment()` reads it back; a header value can
never hold a line break, so no reader text can add or forge a header. The body is
plain text, never Markdown and never a template: `render_body()` turns it into a
small, escaped HTML fragment and nh3 cleans the result as a last line of defence.
"""

import hashlib
import html
import ipaddress
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import nh3
from markupsafe import Markup

PARIS = ZoneInfo("Europe/Paris")

NAME_MAX = 80
EMAIL_MAX = 254
WEBSITE_MAX = 200
BODY_MAX = 4000

HEADER_KEYS = ("Author", "Website", "Date", "Parent", "Role")
# `Role: newsroom` marks a reply written by the newsroom from the moderation desk. Readers'
# comments are written by `approve()` from the queue, which never writes this header.
NEWSROOM_ROLE = "newsroom"
REQUIRED_KEYS = ("Author", "Date")
LINK_REL = "nofollow ugc noopener"

# A comment id is also a file name and an HTML id: keep it to a safe alphabet.
ID_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
# Report slugs are file names (SLUGIFY_SOURCE = "basename"): same safe alphabet.
SLUG_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,127}")
# Deliberately narrower than RFC 5322: quoted local parts and brackets are never needed here.
EMAIL_RE = re.compile(r"[A-Za-z0-9.!#$%&*+/=?^_{|}~'-]{1,64}@[^\W_](?:[\w-]*[^\W_])?(?:\.[^\W_](?:[\w-]*[^\W_])?)+")
# Only http(s) is ever linked; the match stops at whitespace, quotes and angle brackets,
# and the regex is linear (no nested quantifiers) so hostile bodies cannot make it slow.
URL_RE = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
TRAILING_PUNCTUATION = ".,;:!?»…’'\"*"

# Bidi controls can reorder what the moderator reads (« Trojan Source »); zero-width
# characters hide words from the hold list. ZWJ/ZWNJ stay in bodies: emoji and some
# scripts need them, and they cannot reorder text.
BIDI_CONTROLS = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
INVISIBLE = set("\u00ad\u180e\u200b\u2060\u2061\u2062\u2063\u2064\ufeff")
LINE_BREAKS = "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_INVISIBLE_BREAKS = dict.fromkeys(map(ord, "\x0b\x0c\x1c\x1d\x1e"))


class CommentFormatError(ValueError):
    """A comment file that cannot be read: the message says which header and how to fix it.

    `code` names the rule the file breaks (comments/rules.py holds the rule: its French
    sentence for `make check`, its severity), `line` is the line of the file at fault and
    `values` what the sentence quotes.
    """

    def __init__(self, message, code, line=1, **values):
        super().__init__(message)
        self.code = code
        self.line = line
        self.values = values


@dataclass(frozen=True)
class Comment:
    """One approved comment, as the theme and the feeds read it.

    `date` is aware (Europe/Paris); `body_html` is sanitised HTML (a Markup, so Jinja
    prints it as is); `in_reply_to` is the display name of the parent, filled by the
    plugin once the parent is known.
    """

    id: str
    author: str
    website: str | None
    date: datetime
    parent_id: str | None
    body_html: Markup
    body: str = ""
    article_slug: str = ""
    source_path: str = ""
    in_reply_to: str | None = None
    newsroom: bool = False
    # The line of `Parent:` in the file, for the messages about a parent (comments/rules.py).
    parent_line: int | None = field(default=None, compare=False, repr=False)


# --- cleaning -----------------------------------------------------------------


def _drop_format_characters(text, keep_joiners):
    kept = []
    for char in text:
        if char in BIDI_CONTROLS or char in INVISIBLE:
            continue
        category = unicodedata.category(char)
        if category == "Cc" and char not in "\n\t":
            continue
        if category == "Cf" and not (keep_joiners and char in "\u200c\u200d"):
            continue
        if category in ("Cs", "Co", "Cn"):
            continue
        kept.append(char)
    return "".join(kept)


def clean_line(value):
    """A single-line field (name, e-mail, website): NFC, no control, bidi or invisible character."""
    text = unicodedata.normalize("NFC", value or "")
    for char in LINE_BREAKS + "\t":
        text = text.replace(char, " ")
    text = _drop_format_characters(text, keep_joiners=False)
    return " ".join(text.split())


def clean_body(value):
    """A comment body: NFC, one kind of line break, no control or bidi character, trimmed."""
    text = unicodedata.normalize("NFC", value or "")
    text = text.replace("\r\n", "\n")
    # Vertical tab, form feed and the separators \x1c-\x1e count as line breaks for
    # str.splitlines(), but nobody types them to end a line: they vanish rather than
    # break a word with a <br>.
    text = text.translate(_INVISIBLE_BREAKS)
    for char in LINE_BREAKS:
        text = text.replace(char, "\n")
    text = text.replace("\t", " ")
    text = _drop_format_characters(text, keep_joiners=True)
    lines = [line.rstrip() for line in text.split("\n")]
    return "\n".join(lines).strip()


def body_fingerprint(article_slug, body):
    """Exact-duplicate key: the same cleaned body on the same report."""
    return hashlib.sha256(f"{article_slug}\n{body}".encode()).hexdigest()


def truncate_ip(address):
    """Keep only the network prefix of an address: /24 for IPv4, /48 for IPv6."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return "inconnue"
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


# --- rendering ----------------------------------------------------------------


def _split_url(match_text):
    """Trim punctuation that ends a sentence rather than the URL; keep balanced parentheses."""
    url = match_text
    while url:
        last = url[-1]
        if last in TRAILING_PUNCTUATION or (last == ")" and url.count("(") < url.count(")")):
            url = url[:-1]
        else:
            break
    return url, match_text[len(url):]


def _link_and_escape(text):
    parts = []
    position = 0
    for match in URL_RE.finditer(text):
        url, rest = _split_url(match.group(0))
        if len(url) <= len("https://"):
            continue
        parts.append(html.escape(text[position:match.start()], quote=False))
        href = html.escape(url, quote=True)
        parts.append(f'<a href="{href}">{html.escape(url, quote=False)}</a>')
        parts.append(html.escape(rest, quote=False))
        position = match.end()
    parts.append(html.escape(text[position:], quote=False))
    return "".join(parts)


def sanitise_html(fragment):
    """Last line of defence: only p, br and http(s) links survive, links get rel=nofollow ugc."""
    return nh3.clean(
        fragment,
        tags={"p", "br", "a"},
        attributes={"a": {"href"}},
        url_schemes={"http", "https"},
        link_rel=LINK_REL,
        strip_comments=True,
    )


def render_body(text):
    """Plain text → sanitised HTML: escaped paragraphs, line breaks, bare http(s) URLs linked."""
    body = clean_body(text)
    paragraphs = [p.strip("\n") for p in re.split(r"\n\s*\n", body) if p.strip()]
    fragment = "".join(
        "<p>" + "<br>\n".join(_link_and_escape(line) for line in paragraph.split("\n")) + "</p>\n"
        for paragraph in paragraphs
    )
    # A reader's words are shown as typed: no typography rewrites them (it would turn
    # "javascript:x" into "javascript :x" and move their own spaces). nh3 serialises
    # U+00A0 as "&nbsp;", which XML feeds reject; every "&" a reader typed is already
    # "&amp;", so this only restores the character the reader sent.
    return Markup(sanitise_html(fragment).replace("&nbsp;", "\u00a0"))


def count_links(text):
    return len(URL_RE.findall(text or ""))


# --- validation ---------------------------------------------------------------


def validate_website(value):
    """Return (website or None, error or None). Only absolute http(s) URLs are accepted."""
    website = clean_line(value)
    if not website:
        return None, None
    if len(website) > WEBSITE_MAX:
        return website, f"L’adresse du site est trop longue ({WEBSITE_MAX} caractères au plus)."
    if " " in website or any(char in website for char in "<>\"'`\\"):
        return website, "L’adresse du site ne peut pas contenir d’espace ni de guillemet."
    try:
        parts = urlsplit(website)
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return website, "Indiquez l’adresse complète de votre site, commençant par https:// ou http://."
    return website, None


def validate_submission(raw, reserved_names=()):
    """Clean a reader's submission and check it.

    `raw` maps field names (name, email, website, body, parent) to strings. Returns
    `(fields, errors)`: the cleaned fields, always (so a form can be shown again with
    the reader's text kept), and French messages keyed by field name. A name that is
    one of `reserved_names` (see `reserved_name()`) is refused.
    """
    errors = {}
    raw_name = raw.get("name") or ""
    raw_email = raw.get("email") or ""
    name = clean_line(raw_name)
    if not name:
        errors["name"] = "Indiquez un nom ou un pseudonyme."
    elif len(name) > NAME_MAX:
        errors["name"] = f"Le nom est trop long ({NAME_MAX} caractères au plus)."

    if not errors.get("name") and any(char in raw_name for char in LINE_BREAKS):
        # A line break in a name is an attempt to forge a header (file or e-mail): refused, never folded.
        errors["name"] = "Le nom ne peut pas contenir de retour à la ligne."
    elif not errors.get("name") and reserved_names:
        taken = reserved_name(name, reserved_names)
        if taken:
            errors["name"] = (
                f"Le nom «\u00a0{name}\u00a0» est réservé à la rédaction de Pouls. "
                "Choisissez un autre nom ou pseudonyme."
            )

    email = clean_line(raw_email)
    if any(char in raw_email for char in LINE_BREAKS):
        errors["email"] = "L’adresse électronique ne peut pas contenir de retour à la ligne."
    elif email and (len(email) > EMAIL_MAX or not EMAIL_RE.fullmatch(email)):
        errors["email"] = "Cette adresse électronique n’est pas valable (exemple : prenom@exemple.fr)."

    website, website_error = validate_website(raw.get("website") or "")
    if website_error:
        errors["website"] = website_error

    body = clean_body(raw.get("body") or "")
    if not body:
        errors["body"] = "Écrivez votre commentaire."
    elif len(body) > BODY_MAX:
        errors["body"] = (
            f"Le commentaire est trop long : {len(body)} caractères pour {BODY_MAX} au plus."
        )

    parent = (raw.get("parent") or "").strip()
    if parent and not ID_RE.fullmatch(parent):
        errors["parent"] = "Le commentaire auquel vous répondez n’existe pas."

    fields = {
        "name": name,
        "email": email or None,
        "website": website or None,
        "body": body,
        "parent": parent or None,
    }
    return fields, errors


def hold_reasons(body, website, hold_words, max_links, name="", reserved_names=()):
    """Why a valid comment deserves the moderator's attention: many links, held words, a name
    that imitates the newsroom's with letters of another script, a name mixing scripts."""
    reasons = list(lookalike_reasons(name, reserved_names)) if name else []
    links = count_links(body) + (1 if website else 0)
    if links > max_links:
        reasons.append(f"liens:{links}")
    folded = clean_line(body).casefold()
    for word in hold_words:
        if re.search(r"(?<!\w)" + re.escape(word.casefold()) + r"(?!\w)", folded):
            reasons.append(f"mot:{word}")
    return reasons


FLAG_SEPARATOR = "; "


def join_flags(reasons):
    """The hold reasons as stored in the queue (a hold word may contain spaces, never « ; »)."""
    return FLAG_SEPARATOR.join(reasons)


def split_flags(flags):
    return [flag for flag in (flags or "").split(FLAG_SEPARATOR) if flag]


def describe_flag(flag):
    """A stored hold reason, in French for the moderator."""
    kind, _, value = flag.partition(":")
    if kind == "liens":
        return f"{value}\u00a0liens"
    if kind == "mot":
        return f"mot surveillé «\u00a0{value}\u00a0»"
    if kind == "nom-sosie":
        return f"nom qui imite «\u00a0{value}\u00a0» avec des lettres d’une autre écriture"
    if kind == "nom-mixte":
        return f"nom qui mêle plusieurs écritures ({value})"
    return flag


# --- who is speaking: reserved names and lookalikes -----------------------------

_SCRIPT_NAMES = {"LATIN": "latin", "CYRILLIC": "cyrillique", "GREEK": "grec", "ARMENIAN": "arménien",
                 "HEBREW": "hébreu", "ARABIC": "arabe", "CHEROKEE": "cherokee"}


def fold_name(name):
    """A name reduced to what a reader sees: NFKC, no invisible or bidi character, case-folded,
    accents removed, punctuation and spaces as single spaces. « RÉDACTION », « Ré\u200bdaction »
    and « Re\u0301daction » (NFD) all fold to « redaction »."""
    text = unicodedata.normalize("NFKC", name or "")
    text = "".join(char for char in text if unicodedata.category(char) not in ("Cc", "Cf") and char not in INVISIBLE)
    text = unicodedata.normalize("NFD", text.casefold())
    text = "".join(char for char in text if unicodedata.category(char) != "Mn")
    text = "".join(char if char.isalnum() else " " for char in unicodedata.normalize("NFC", text))
    return " ".join(text.split())


def _contains_words(folded, reserved_folded):
    words, wanted = folded.split(), reserved_folded.split()
    if not wanted:
        return False
    return any(words[i:i + len(wanted)] == wanted for i in range(len(words) - len(wanted) + 1))


def reserved_name(name, reserved_names):
    """The reserved name that `name` is, or contains as whole words, once folded; else None."""
    folded = fold_name(name)
    for reserved in reserved_names:
        if _contains_words(folded, fold_name(reserved)):
            return reserved
    return None


def _latin_lookalike(char):
    """The Latin letter `char` imitates, from Unicode's confusables data, or the char itself."""
    # Imported here: loading the data costs ~0.1 s, which builds and most commands never need.
    from confusable_homoglyphs import categories, confusables

    if categories.alias(char) == "LATIN":
        return char
    for glyph in confusables.confusables_data.get(char, ()):
        if len(glyph["c"]) == 1 and categories.alias(glyph["c"]) == "LATIN":
            return glyph["c"]
    return char


def lookalike_reasons(name, reserved_names):
    """Hold reasons for a name: it imitates a reserved name with letters of another script
    (Cyrillic « о » in « Rédaction »), or it mixes scripts. Unicode's confusables data comes
    from the confusable_homoglyphs package, never from a hand-made table."""
    from confusable_homoglyphs import categories, confusables

    cleaned = clean_line(name)
    if not cleaned:
        return []
    reasons = []
    skeleton = "".join(_latin_lookalike(char) for char in unicodedata.normalize("NFKC", cleaned))
    if not reserved_name(cleaned, reserved_names):
        imitated = reserved_name(skeleton, reserved_names)
        if imitated:
            reasons.append(f"nom-sosie:{imitated}")
    letters = "".join(char for char in cleaned if char.isalpha())
    if confusables.is_mixed_script(letters):
        scripts = sorted(categories.unique_aliases(letters) - {"COMMON"})
        reasons.append("nom-mixte:" + ", ".join(_SCRIPT_NAMES.get(s, s.lower()) for s in scripts))
    return reasons


def name_key(name):
    """How a display name is matched (sender gap, erase by name): the name as shown, after
    NFC and the removal of invisible characters, case-folded, runs of spaces as one."""
    return " ".join(clean_line(name).casefold().split())


# --- the comment file ---------------------------------------------------------


def _header_value(key, value):
    text = str(value)
    if any(char in text for char in LINE_BREAKS) or text != text.strip():
        raise ValueError(f"comment header {key} cannot hold a line break or surrounding spaces: {text!r}")
    return text


def serialise_comment(author, date, body, website=None, parent_id=None, newsroom=False):
    """The text of a comment file. Header values are checked, never escaped into validity."""
    if date.tzinfo is None:
        raise ValueError("comment date must be timezone-aware")
    author = clean_line(author)
    if not author:
        raise ValueError("comment author cannot be empty")
    lines = [f"Author: {_header_value('Author', author)}"]
    if website:
        checked, error = validate_website(website)
        if error:
            raise ValueError(f"comment website {website!r} is not an http(s) URL")
        lines.append(f"Website: {_header_value('Website', checked)}")
    lines.append(f"Date: {date.astimezone(PARIS).isoformat(timespec='seconds')}")
    if parent_id:
        if not ID_RE.fullmatch(parent_id):
            raise ValueError(f"comment parent {parent_id!r} is not a comment id")
        lines.append(f"Parent: {parent_id}")
    if newsroom:
        lines.append(f"Role: {NEWSROOM_ROLE}")
    return "\n".join(lines) + "\n\n" + clean_body(body) + "\n"


def suggest_id(name):
    """A comment id close to a file name that is not one: « Majuscule » → « majuscule »."""
    folded = unicodedata.normalize("NFKD", name.lower()).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9_-]+", "-", folded).strip("-_")[:64] or "commentaire"


def read_comment_file(path, article_slug=""):
    """Read one comment file, `<article-slug>/<id>.md`. Raises CommentFormatError naming the line and the fix."""
    try:
        data = path.read_bytes()
    except OSError as error:
        reason = error.strerror or str(error)
        raise CommentFormatError(f"cannot be read ({reason}); check it is a file you may read",
                                 "comment-unreadable", reason=reason, errno=error.errno) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise CommentFormatError(
            "is not UTF-8 text; save it as UTF-8", "comment-not-utf8",
            line=data.count(b"\n", 0, error.start) + 1, byte=f"0x{data[error.start]:02X}",
        ) from None
    return parse_comment(text, path.stem, article_slug=article_slug, source_path=str(path))


def _is_header(line):
    key, colon, _value = line.partition(":")
    return bool(colon) and key.strip() in HEADER_KEYS


def parse_comment(text, comment_id, article_slug="", source_path=""):
    """Read a comment file's text. Raises CommentFormatError naming the line and the fix."""
    if not ID_RE.fullmatch(comment_id):
        raise CommentFormatError(
            f"file name {comment_id!r} is not a comment id; rename it with lowercase letters, "
            "digits, '-' or '_' only",
            "comment-bad-id", name=comment_id, suggestion=suggest_id(comment_id),
        )
    header_text, separator, body = text.replace("\r\n", "\n").partition("\n\n")
    header_lines = header_text.split("\n")
    if not separator:
        # Where the blank line is missing: the first line that is not a header, else the last line.
        written = header_text.rstrip("\n").split("\n")
        raise CommentFormatError(
            "no blank line after the header; put one blank line between the header and the body",
            "comment-no-blank-line",
            line=next((n for n, line in enumerate(written, start=1) if not _is_header(line)), len(written)),
        )
    header = {}
    lines = {}
    for number, line in enumerate(header_lines, start=1):
        key, _colon, value = line.partition(":")
        key = key.strip()
        if not _is_header(line):
            raise CommentFormatError(
                f"line {number}: {line!r} is not a header; use one of {', '.join(HEADER_KEYS)} as 'Key: value'",
                "comment-bad-header", line=number, text=line,
            )
        if key in header:
            raise CommentFormatError(f"line {number}: header {key} appears twice; keep one",
                                     "comment-duplicate-header", line=number, key=key, first=lines[key])
        header[key] = value.strip()
        lines[key] = number
    for key in REQUIRED_KEYS:
        if not header.get(key):
            raise CommentFormatError(f"header {key} is missing; add a line '{key}: …' before the blank line",
                                     "comment-missing-header", line=lines.get(key, 1), key=key)

    author = clean_line(header["Author"])
    if not author or len(author) > NAME_MAX:
        raise CommentFormatError(f"header Author {header['Author']!r} must hold 1 to {NAME_MAX} characters",
                                 "comment-bad-author", line=lines["Author"], value=header["Author"],
                                 length=len(author), max=NAME_MAX)
    try:
        date = datetime.fromisoformat(header["Date"])
    except ValueError:
        raise CommentFormatError(
            f"header Date {header['Date']!r} is not a date; write it like 2026-10-17T08:12:00+02:00",
            "comment-bad-date", line=lines["Date"], value=header["Date"],
        ) from None
    if date.tzinfo is None:
        raise CommentFormatError(f"header Date {header['Date']!r} has no UTC offset; add one, like +02:00",
                                 "comment-naive-date", line=lines["Date"], value=header["Date"],
                                 example=date.replace(tzinfo=PARIS).isoformat(timespec="seconds"))
    website = None
    if header.get("Website"):
        website, error = validate_website(header["Website"])
        if error:
            raise CommentFormatError(f"header Website {header['Website']!r} is not an http(s) URL; fix or remove it",
                                     "comment-bad-website", line=lines["Website"], value=header["Website"])
    parent_id = header.get("Parent") or None
    if parent_id and not ID_RE.fullmatch(parent_id):
        raise CommentFormatError(f"header Parent {parent_id!r} is not a comment id",
                                 "comment-bad-parent", line=lines["Parent"], value=parent_id)
    if parent_id == comment_id:
        raise CommentFormatError("header Parent names the comment itself; remove it or name another comment",
                                 "comment-self-parent", line=lines["Parent"], value=parent_id)
    role = header.get("Role")
    if role is not None and role != NEWSROOM_ROLE:
        raise CommentFormatError(f"header Role {role!r} is unknown; the only role is {NEWSROOM_ROLE!r} (a newsroom reply)",
                                 "comment-bad-role", line=lines["Role"], value=role)
    cleaned = clean_body(body)
    if not cleaned:
        raise CommentFormatError("the body is empty; write the comment after the blank line",
                                 "comment-empty-body", line=len(header_lines) + 2)
    return Comment(
        id=comment_id,
        author=author,
        website=website,
        date=date.astimezone(PARIS),
        parent_id=parent_id,
        body_html=render_body(cleaned),
        body=cleaned,
        article_slug=article_slug,
        source_path=source_path,
        newsroom=role == NEWSROOM_ROLE,
        parent_line=lines.get("Parent") if parent_id else None,
    )
