"""The rules `make check` and `make publish` apply to content/, before any build.

    from desk.checks import CheckSettings, check_site
    report = check_site(CheckSettings.from_settings(read_settings("pelicanconf.py")))
    for problem in report.errors + report.warnings:
        print(problem)          # « content/…/x.md:4: erreur : clé inconnue « Sumary ». … »

The checks read the Markdown sources themselves, the way Pelican's Markdown reader
does (Python-Markdown's `meta` extension: `Key: value` lines up to the first blank
line, continuation lines indented by four spaces), without building the site: a
check of 5 000 reports must take a couple of seconds, and a report too broken to
build must still get a clear message instead of a traceback.

Two kinds of rules, and one place for each:

- the rules a plugin applies during the build live beside that plugin, as plain
  functions returning Findings (pouls_common.rules): rubriques/rules.py (the folder is
  the rubrique), article_meta/rules.py (image, video, the files of a clip and its
  captions, transcript, sources, standfirst), structured_data/rules.py (the headline),
  social_cards/rules.py (a picture too small to share), related_articles/pins.py
  (`Related:`), feeds/rules.py (what a feed drops) and comments/rules.py (`Comments:`,
  and the approved comment files under content/comments/, which the comment model
  reads). This module calls them on the sources of the reports Pelican would build, so
  the build and `make check` say the same thing at the same severity
  (tests/test_check_drift.py holds them to it);
- the rules only an editor's review needs (header syntax, required keys, dates, slugs,
  links, tags, house style, sizes) are here, each with its French message in MESSAGES.

Every problem names the file, the line and the fix, in French, for the editor.
Errors are what would break the build or publish something wrong; warnings are
what an editor should look at. In a draft (`Status: draft`), the unfinished parts
(no standfirst yet, no date yet, no text yet) are warnings: a colleague's draft in
progress must not block today's publication.
"""

import difflib
import fnmatch
import functools
import os
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote
from zoneinfo import ZoneInfo

from pelican.utils import get_date, slugify

from article_meta.rules import read_media, repeats_standfirst
from comments.rules import comments_open, review_comment_files
from comments.settings import CommentsSettingsError, read_comments_settings
from feeds.rules import control_findings, image_type, modified_findings
from french_dates.french_dates import date_long, date_short
from pouls_common.dates import local_datetime
from pouls_common.reports import is_public
from pouls_common.rules import ERROR as RULE_ERROR
from pouls_common.rules import french_spacing
from pouls_common.text import closest_value
from related_articles.analysis import normalise_key
from related_articles.config import read_settings as read_related_settings
from related_articles.pins import PinTargets, parse_pins, resolve_pins, unlisted_names
from rubriques.rubriques import validate_rubriques
from rubriques.rules import category_findings, folder_findings
from social_cards.rules import share_image_findings
from social_cards.social_cards import SocialCardsSettings
from structured_data.rules import headline_findings

ERROR = "erreur"
WARNING = "avertissement"

MARKDOWN_SUFFIXES = (".md", ".markdown", ".mkd", ".mdown")
DEFAULT_SUMMARY_MAX_LENGTH = 300
# A report's text above this many bytes (1 Mo) is a pasted document or an image pasted
# as text (`data:` URIs): every page that lists it, and every feed, carries the weight.
BODY_MAX_BYTES = 1_000_000

# The same expressions as Python-Markdown's meta extension, so that what we call a
# header is exactly what Pelican reads as one.
META_RE = re.compile(r"^[ ]{0,3}(?P<key>[A-Za-z0-9_-]+):\s*(?P<value>.*)")
META_MORE_RE = re.compile(r"^[ ]{4,}(?P<value>.*)")
BEGIN_RE = re.compile(r"^-{3}(\s.*)?")
END_RE = re.compile(r"^(-{3}|\.{3})(\s.*)?")
# A line that looks like « Some Key: value » but whose key Markdown would not accept.
LOOSE_KEY_RE = re.compile(r"^[ ]{0,3}(?P<key>[^:\s][^:]{0,40}?)\s*:\s*(?P<value>.*)")
# `[//]: # (…)` lines are Markdown link definitions that render nothing: `make new`
# writes its French help that way, so the help never reaches a published page.
HELP_LINE_RE = re.compile(r"^\s*\[//\]:\s*#")
CLEAN_SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
INTERNAL_LINK_RE = re.compile(r"[{|](?P<kind>filename|static|attach)[}|](?P<target>[^\s)\"'<>#?]+)")
SCRIPT_RE = re.compile(r"<\s*script\b", re.IGNORECASE)
FENCE_RE = re.compile(r"^\s*(```|~~~)")
# A date whose first field is a day or a month (03/04/2025, 3-4-25, 03.04.2025): dateutil
# reads the month first, a French editor usually means the day first.
NUMERIC_DATE_RE = re.compile(r"^\s*(?P<a>\d{1,2})[/.-](?P<b>\d{1,2})[/.-](?P<year>\d{2}|\d{4})\b")

# Canonical spelling of every key a report or a page may carry (DESIGN.md's content
# model plus the Pelican keys we leave to editors).
KNOWN_KEYS = {
    key.lower(): key
    for key in (
        "Title", "Date", "Modified", "Tags", "Authors", "Author", "Summary", "Slug", "Status",
        "Image", "ImageAlt", "ImageCredit", "Hospitals", "Region", "Video", "Transcript",
        "Sources", "Related", "Comments", "Category", "Lang", "Template",
        "VideoFile", "VideoPoster", "VideoCaptions",
    )
}
STATUSES = ("draft", "hidden", "published")
# What editors type in French for the English values Pelican expects (`Comments:` has its
# own, beside its rule in comments/rules.py).
FRENCH_VALUES = {
    "brouillon": "draft", "publie": "published", "publiee": "published", "en ligne": "published",
    "cache": "hidden", "cachee": "hidden", "masque": "hidden", "masquee": "hidden",
}
# House style for place names: the abbreviated or unhyphenated saint of a town.
HOUSE_STYLE_RULES = (
    (re.compile(r"\bSte\.?[ \u00a0-]+(?=[A-ZÀ-Ý])"), "Sainte-"),
    (re.compile(r"\bSt\.?[ \u00a0-]+(?=[A-ZÀ-Ý])"), "Saint-"),
    (re.compile(r"\bSainte[ \u00a0]+(?=[A-ZÀ-Ý][a-zà-ÿ])"), "Sainte-"),
    (re.compile(r"\bSaint[ \u00a0]+(?=[A-ZÀ-Ý][a-zà-ÿ])"), "Saint-"),
)
_PLACE_TAIL_RE = re.compile(r"[A-ZÀ-Ý][\wÀ-ÿ]*(?:-[\wÀ-ÿ]+)*")


# Every message of the checks' own rules, in one table: the French text an editor reads,
# with what is wrong first and how to fix it after. Values are filled in with str.format.
# The rules the plugins share carry their message with them (pouls_common.rules.Rule).
MESSAGES = {key: french_spacing(text) for key, text in {
    "unreadable": "le fichier ne peut pas être lu ({reason}). Vérifiez ses droits d’accès.",
    "empty-file": "le fichier est vide. Écrivez l’en-tête (Title, Date, Summary) puis le texte, ou supprimez le fichier.",
    "not-utf8": (
        "le fichier n’est pas enregistré en UTF-8 (octet {byte} illisible{guess}). "
        "Convertissez-le : iconv -f {encoding} -t UTF-8 {path} > {path}.utf8 && mv {path}.utf8 {path} "
        "(ou, dans votre éditeur, « Enregistrer sous » avec l’encodage « UTF-8 »)."
    ),
    "header-no-colon": (
        "la ligne d’en-tête « {text} » n’a pas de deux-points. "
        "Écrivez « Clé: valeur », ou laissez une ligne vide entre l’en-tête et le texte."
    ),
    "header-bad-key": "« {key} » n’est pas un nom de clé valide. Écrivez « {fix}: … ».",
    "header-bad-key-unknown": (
        "« {key} » n’est pas un nom de clé valide. Une clé s’écrit sans espace ni accent, comme « ImageAlt: … »."
    ),
    "duplicate-key": "la clé « {key} » est déjà donnée ligne {first}. Gardez une seule ligne « {key}: … ».",
    "missing-key": "{label} manque. Ajoutez une ligne « {key}: … » dans l’en-tête.",
    "empty-key": "{label} est vide. Écrivez-{pronoun} après « {key}: ».",
    "bad-date": (
        "la date « {value} » de « {key} » n’est pas une date. "
        "Écrivez-la « AAAA-MM-JJ HH:MM », par exemple « {key}: 2026-11-27 09:30 »."
    ),
    "date-day-first": (
        "la date « {value} » de « {key} » est ambiguë : jour et mois peuvent s’échanger, et le site lit {read}. "
        "Écrivez-la « AAAA-MM-JJ HH:MM », par exemple « {key}: {example} »{meant}."
    ),
    "date-gap": (
        "l’heure « {time} » du {day} n’existe pas à Paris (passage à l’heure d’été) : le site la lit avec "
        "le décalage {offset}, soit {actual}. Écrivez une heure qui existe, par exemple « {key}: {fix} »."
    ),
    "date-ambiguous": (
        "l’heure « {time} » du {day} existe deux fois à Paris (retour à l’heure d’hiver) : le site retient "
        "la première, décalage {offset}. Pour la seconde, écrivez « {key}: {second} »."
    ),
    "date-far": (
        "la date « {value} » est en {year}, au-delà de l’an prochain : vérifiez l’année. "
        "Le reportage ne sera publié qu’à cette date."
    ),
    "unknown-key-like": "clé inconnue « {key} ». Écrivez « {fix} ».",
    "unknown-key": "clé inconnue « {key} », ignorée par le site. Supprimez-la ou corrigez-la (clés connues : {known}).",
    "bad-status": "statut « {value} » inconnu. Écrivez « Status: {fix} » (draft, hidden ou published).",
    "duplicate-slug": (
        "le slug « {slug} » est aussi celui de {other} : une seule des deux pages serait publiée. "
        "Renommez l’un des deux fichiers."
    ),
    "unclean-slug": (
        "le slug « {slug} » n’est pas propre (minuscules sans accent, chiffres et tirets). {fix}"
    ),
    "link-missing": (
        "le lien interne « {link} » ne mène à aucun fichier ({target} introuvable). Corrigez le chemin ou retirez le lien."
    ),
    "body-empty": (
        "le reportage n’a pas de texte : rien ne suit l’en-tête. Écrivez le texte après une ligne vide "
        "sous l’en-tête."
    ),
    "body-too-large": (
        "le texte pèse {size}, au-delà de {limit} : chaque page qui le liste et chaque flux le portent. "
        "Retirez les images collées dans le texte (rangez-les dans content/images/) ou scindez le document."
    ),
    "summary-too-long": (
        "le chapô fait {length} caractères, trop pour une carte (limite : {limit}). Raccourcissez-le à {limit} caractères au plus."
    ),
    "summary-repeated": (
        "le premier paragraphe répète le chapô. Supprimez ce paragraphe : le chapô s’affiche déjà au-dessus du texte."
    ),
    "image-no-credit": "l’image « {value} » n’a pas de crédit. Indiquez son auteur dans « ImageCredit: … ».",
    "modified-before-date": (
        "la mise à jour ({modified}) est antérieure à la publication ({date}). Corrigez « Modified » ou « Date »."
    ),
    "tag-repeated": "l’étiquette « {tag} » est donnée deux fois. Retirez le doublon.",
    "tag-near-duplicate": (
        "l’étiquette « {tag} » ressemble à « {other} » ({count}). Écrivez « {other} » pour les réunir."
    ),
    "tag-used-once": (
        "l’étiquette « {tag} » n’est utilisée que par ce reportage. Reprenez une étiquette existante, "
        "ou gardez-la si d’autres reportages suivront."
    ),
    "raw-script": (
        "balise <script> dans le texte. Retirez-la : Pouls ne publie aucun script ; pour une vidéo, "
        "donnez son adresse dans « Video: »."
    ),
    "house-style": "« {found} » : la maison écrit « {fix} ». Remplacez-le.",
    "scheduled": (
        "programmé : sera publié par la première construction après le {day} à {time}."
    ),
}.items()}

# What each required key is called for the editor, and its pronoun (« écrivez-la »).
LABELS = {"title": ("le titre", "le"), "date": ("la date", "la"), "summary": ("le chapô (Summary)", "le")}


# --------------------------------------------------------------------- settings


class DeskCheckSettingsError(ValueError):
    """A DESK_CHECK_* setting has a value the checks cannot use.

    CheckSettings.from_settings also raises the plugins' own settings errors (all
    ValueError) for RUBRIQUES and RELATED_ARTICLES_MAX, which the checks read too.
    """


@dataclass(frozen=True)
class CheckSettings:
    """What the checks need from pelicanconf.py, read once."""

    content_root: Path
    article_paths: tuple = ("articles",)
    page_paths: tuple = ("pages",)
    rubriques: tuple = ()  # ((folder, label), …) sorted by folder
    ignore_files: tuple = ()
    timezone: str = "Europe/Paris"
    summary_max_length: int = DEFAULT_SUMMARY_MAX_LENGTH
    slug_substitutions: tuple = ()
    static_paths: tuple = ("images",)
    related_max: int = 3
    comments_path: str = "comments"  # COMMENTS_PATH: the approved comments, under content_root
    share_width: int = 1200  # SOCIAL_CARDS_WIDTH: how wide a report image's share crops must be

    @classmethod
    def from_settings(cls, settings):
        limit = settings.get("DESK_CHECK_SUMMARY_MAX_LENGTH", DEFAULT_SUMMARY_MAX_LENGTH)
        if isinstance(limit, bool) or not isinstance(limit, int) or limit <= 0:
            raise DeskCheckSettingsError(
                f"desk: DESK_CHECK_SUMMARY_MAX_LENGTH is {limit!r}; set it to a positive number of "
                f"characters (default {DEFAULT_SUMMARY_MAX_LENGTH}) in pelicanconf.py"
            )
        comments, problems = read_comments_settings(settings)
        if problems:
            # The build logs it as an error (and falls back to the default): make publish refuses it.
            raise CommentsSettingsError(f"comments: pelicanconf setting {problems[0]}")
        return cls(
            content_root=Path(settings["PATH"]),
            article_paths=tuple(settings.get("ARTICLE_PATHS", ["articles"])),
            page_paths=tuple(settings.get("PAGE_PATHS", ["pages"])),
            # Validated by the plugins' own readers: a value the build refuses, make check refuses.
            rubriques=tuple(sorted(validate_rubriques(settings.get("RUBRIQUES")).items())),
            ignore_files=tuple(settings.get("IGNORE_FILES", ())),
            timezone=settings.get("TIMEZONE", "Europe/Paris"),
            summary_max_length=limit,
            slug_substitutions=tuple(tuple(pair) for pair in settings.get("SLUG_REGEX_SUBSTITUTIONS", ())),
            static_paths=tuple(settings.get("STATIC_PATHS", ("images",))),
            related_max=read_related_settings(settings).max_items,
            comments_path=comments.path,
            share_width=SocialCardsSettings.from_settings(settings).width,
        )

    @functools.cached_property
    def rubrique_labels(self):
        return dict(self.rubriques)

    @functools.cached_property
    def article_roots(self):
        """The folders of ARTICLE_PATHS (as strings): a report directly in one is in no rubrique."""
        return frozenset(str(self.content_root / path) for path in self.article_paths)


# --------------------------------------------------------------------- results


SEVERITIES = {RULE_ERROR: ERROR}  # a shared rule's severity, as the report prints it


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    severity: str
    message: str
    # The rule's code: MESSAGES' key, or the code of a plugin's Rule (pouls_common.rules).
    code: str = field(default="", compare=False)

    def __str__(self):
        return f"{self.path}:{self.line}: {self.severity}\u00a0: {self.message}"


@dataclass(frozen=True, order=True)
class Scheduled:
    date: datetime
    path: str
    line: int

    def __str__(self):
        message = MESSAGES["scheduled"].format(day=date_long(self.date), time=f"{self.date:%H:%M}")
        return f"{self.path}:{self.line}: {message}"


@dataclass
class CheckReport:
    problems: list = field(default_factory=list)
    scheduled: list = field(default_factory=list)
    files: int = 0

    @property
    def errors(self):
        return sorted(p for p in self.problems if p.severity == ERROR)

    @property
    def warnings(self):
        return sorted(p for p in self.problems if p.severity == WARNING)

    @property
    def ok(self):
        return not self.errors

    def for_file(self, path):
        """Problems of one file, given relative to the content folder's parent (tests, `make new`)."""
        return [str(p) for p in sorted(self.problems) if p.path == str(path)]

    def summary_line(self):
        return "Bilan\u00a0: {}, {}, {}, {}.".format(
            _count(len(self.errors), "erreur", "erreurs"),
            _count(len(self.warnings), "avertissement", "avertissements"),
            _count(len(self.scheduled), "reportage programmé", "reportages programmés"),
            _count(self.files, "fichier relu", "fichiers relus"),
        )

    def lines(self):
        """The French report: errors, then warnings, then the scheduled reports, then the count."""
        out = []
        for title, items in (
            ("Erreurs (à corriger avant de publier)", self.errors),
            ("Avertissements", self.warnings),
            ("Programmés", sorted(self.scheduled)),
        ):
            if items:
                out.append(f"{title}\u00a0:")
                out.extend(str(item) for item in items)
                out.append("")
        out.append(self.summary_line())
        return out


def _count(number, singular, plural):
    # French: 0 and 1 take the singular.
    return f"{number} {singular if number < 2 else plural}"


# --------------------------------------------------------------------- reading a source


@dataclass
class HeaderField:
    key: str  # as typed
    value: str
    line: int


@dataclass
class Source:
    """One Markdown file as the checks see it."""

    path: Path
    display: str
    kind: str  # "article" or "page"
    fields: dict = field(default_factory=dict)  # lower-case key -> HeaderField
    body: list = field(default_factory=list)  # (line number, text)
    slug: str = ""
    slug_line: int = 1
    status: str = "published"
    date: datetime = None
    modified: datetime = None
    tags: list = field(default_factory=list)  # (tag, line)
    image: dict = None  # article_meta's description of `Image:`, when it accepts it
    pins: tuple = ()  # the slugs of `Related:`
    # False when Pelican would skip the file (no title, no date, an unknown status): the
    # plugins never see it, so neither do the rules they share.
    built: bool = True

    def value(self, key):
        found = self.fields.get(key)
        return found.value.strip() if found else None

    def line_of(self, key, default=1):
        found = self.fields.get(key)
        return found.line if found else default

    @functools.cached_property
    def folder(self):
        return self.path.parent

    @functools.cached_property
    def rubrique(self):
        return self.folder.name

    @property
    def source(self):
        """The file as the shared rules name it (related_articles.pins reads `report.source`)."""
        return self.display

    @functools.cached_property
    def metadata(self):
        """The header as Pelican's Markdown reader gives it to plugins: lower-case keys, a
        string per key, a list of strings for a key continued on several lines. Read once
        the header is (check_header), by the rules the plugins share."""
        values = {}
        for key, item in self.fields.items():
            lines = item.value.strip().split("\n")
            values[key] = lines if len(lines) > 1 else lines[0]
        return values



def decode_source(data):
    """Return (text, None) or (None, (line, byte, guessed encoding)) for bytes that are not UTF-8.

    A BOM and CRLF line endings are fine: Pelican strips the BOM and Python reads
    CRLF as newlines.
    """
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        byte = f"0x{data[exc.start]:02X}"
        try:
            data.decode("cp1252")
            guess = "WINDOWS-1252"
        except UnicodeDecodeError:
            guess = "LATIN1"
        return None, (line, byte, guess)


def parse_header(lines):
    """Split lines into header fields, bad header lines and the body, like Python-Markdown's meta.

    Unlike Markdown, a bad line does not end the header here: the editor gets one
    message per bad line instead of a header silently cut in two.
    Returns (fields as [(HeaderField)], bad lines as [(line number, text)], body start index).
    """
    fields, bad = [], []
    index = 0
    if lines and BEGIN_RE.match(lines[0]):
        index = 1
    current = None
    while index < len(lines):
        text = lines[index]
        if text.strip() == "" or END_RE.match(text):
            break
        match = META_RE.match(text)
        if match:
            current = HeaderField(match.group("key"), match.group("value").strip(), index + 1)
            fields.append(current)
        else:
            more = META_MORE_RE.match(text)
            if more and current is not None:
                current.value = f"{current.value}\n{more.group('value').strip()}".strip()
            else:
                bad.append((index + 1, text))
                current = None
        index += 1
    return fields, bad, index


def suggest_slug(text, substitutions):
    # Apostrophes split words (« l’Ouest » → « l-ouest »), Pelican's slugify drops them.
    text = re.sub(r"['’ʼ_]", " ", text)
    return slugify(text, regex_subs=list(substitutions) or [(r"[^\w\s-]", ""), (r"[-\s]+", "-")])


def read_date(value):
    """The date of a `Date:` or `Modified:` value as Pelican reads it (its own get_date, after
    the reader's `_` → space), naive unless the value gives an offset; ValueError or
    OverflowError when it is no date."""
    return get_date(value.replace("_", " "))


def parse_date(value, timezone):
    """Parse a date the way Pelican does (dateutil), as an aware datetime; ValueError otherwise.

    A naive value is put in `timezone` the way Pelican does (`replace(tzinfo=…)`, fold 0):
    a time in the spring-forward gap keeps the winter offset, an autumn time that exists
    twice is the first one.
    """
    parsed = read_date(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(timezone))
    return parsed


def _markdown_text(markdown_text):
    """A short Markdown fragment without its link syntax and emphasis marks."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", markdown_text)
    return re.sub(r"[*_`]+", "", text)


def first_paragraph(body):
    """(line, text) of the first paragraph of the body, help lines and comments skipped."""
    lines, start = [], None
    in_comment = False
    for number, text in body:
        stripped = text.strip()
        if in_comment:
            in_comment = "-->" not in stripped
            continue
        if not lines and stripped.startswith("<!--"):
            in_comment = "-->" not in stripped
            continue
        if not lines and (not stripped or HELP_LINE_RE.match(text)):
            continue
        if lines and not stripped:
            break
        if not lines:
            if stripped.startswith(("#", "![", "<", "```", "~~~")):
                return None, ""
            start = number
        lines.append(stripped)
    return start, " ".join(lines)


def repeated_standfirst_line(summary, body):
    """Line of the body's first paragraph when it repeats the standfirst (the seed's defect), else None.

    article_meta's rule decides (the build removes that paragraph); here it reads Markdown:
    links and emphasis marks are dropped before the comparison.
    """
    line, paragraph = first_paragraph(body)
    if line is None or not summary.strip():
        return None
    return line if repeats_standfirst(_markdown_text(paragraph), _markdown_text(summary)) else None


# --------------------------------------------------------------------- per-file rules


class _Collector:
    def __init__(self, report, source):
        self.report = report
        self.source = source

    def add(self, severity, line, code, **values):
        self.report.problems.append(
            Problem(self.source.display, line, severity, MESSAGES[code].format(**values), code)
        )

    def error(self, line, code, **values):
        self.add(ERROR, line, code, **values)

    def warning(self, line, code, **values):
        self.add(WARNING, line, code, **values)

    def findings(self, findings):
        """Report a plugin rule's findings (pouls_common.rules) at their severity and line."""
        for finding in findings:
            line = finding.line
            if line is None:
                line = next((self.source.line_of(key) for key in finding.keys if key in self.source.fields), 1)
            severity = ERROR if finding.severity == RULE_ERROR else WARNING
            self.report.problems.append(Problem(self.source.display, line, severity, finding.message, finding.code))


def _closest_key(key):
    folded = key.lower().replace(" ", "").replace("_", "").replace("-", "")
    if folded in KNOWN_KEYS:
        return KNOWN_KEYS[folded]
    match = difflib.get_close_matches(folded, list(KNOWN_KEYS), n=1, cutoff=0.75)
    return KNOWN_KEYS[match[0]] if match else None


def _closest_value(value, allowed):
    return closest_value(value, allowed, FRENCH_VALUES)


def check_header(source, lines, out, settings):
    fields, bad, body_start = parse_header(lines)
    for number, text in bad:
        loose = LOOSE_KEY_RE.match(text)
        if loose and len(loose.group("key").split()) <= 3:
            fix = _closest_key(loose.group("key"))
            if fix:
                out.error(number, "header-bad-key", key=loose.group("key"), fix=fix)
            else:
                out.error(number, "header-bad-key-unknown", key=loose.group("key"))
        else:
            out.error(number, "header-no-colon", text=_shorten(text.strip()))
    for item in fields:
        lower = item.key.lower()
        if lower in source.fields:
            out.error(item.line, "duplicate-key", key=item.key, first=source.fields[lower].line)
            continue
        if lower not in KNOWN_KEYS:
            fix = _closest_key(item.key)
            if fix:
                out.error(item.line, "unknown-key-like", key=item.key, fix=fix)
            else:
                out.warning(item.line, "unknown-key", key=item.key, known=", ".join(sorted(KNOWN_KEYS.values())))
            continue
        source.fields[lower] = item
    source.body = [(index + 1, lines[index]) for index in range(body_start, len(lines))]


def _shorten(text, limit=60):
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check_required(source, out, settings):
    draft = source.status == "draft"
    required = ("title", "date", "summary") if source.kind == "article" else ("title",)
    for key in required:
        value = source.value(key)
        # A draft is work in progress: only its title is needed to build it.
        report = out.warning if draft and key != "title" else out.error
        label, pronoun = LABELS[key]
        if value is None:
            report(1, "missing-key", label=label, key=KNOWN_KEYS[key])
        elif not value:
            report(source.line_of(key), "empty-key", label=label, pronoun=pronoun, key=KNOWN_KEYS[key])
        if key in ("title", "date") and not value and not (draft and key == "date"):
            # Pelican skips a file without a title, or a report without a date.
            source.built = False


def check_values(source, out, settings, now):
    status = source.value("status")
    if status is not None and status not in STATUSES:
        out.error(source.line_of("status"), "bad-status", value=status, fix=_closest_value(status, STATUSES))
        # Pelican skips a file whose status it does not know.
        source.built = False
    elif status:
        source.status = status
    dates = {}
    for key in ("date", "modified"):
        value = source.value(key)
        if value:
            parsed = check_date(source, key, value, out, settings, now)
            if parsed is not None:
                dates[key] = parsed
            elif key == "date":
                # Pelican cannot read it: it skips the file.
                source.built = False
    source.date = dates.get("date")
    source.modified = dates.get("modified")
    if "date" in dates and "modified" in dates and dates["modified"] < dates["date"]:
        out.warning(
            source.line_of("modified"), "modified-before-date",
            modified=source.value("modified"), date=source.value("date"),
        )


# --------------------------------------------------------------------- dates


def _offset(moment):
    """« UTC+01:00 » for a datetime's offset."""
    minutes = int(moment.utcoffset().total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def check_date(source, key, value, out, settings, now):
    """The aware date of a `Date:` / `Modified:` value, or None; reports what is wrong with it.

    Pelican reads dates with dateutil, month first, in the site's time zone: a date
    written day-first, a wall-clock time that does not exist or exists twice in
    Europe/Paris, and a year far ahead are all read without a word from the build.
    """
    line, name = source.line_of(key), KNOWN_KEYS[key]
    try:
        naive = read_date(value)
    except (ValueError, OverflowError):
        naive = None
    numeric = NUMERIC_DATE_RE.match(value)
    if numeric:
        day, month = int(numeric.group("a")), int(numeric.group("b"))
        year = int(numeric.group("year"))
        year += 2000 if year < 100 else 0
        try:
            meant = datetime(year, month, day)
        except ValueError:
            meant = None
        out.error(
            line, "date-day-first", value=value, key=name,
            read=f"le {date_short(naive)}" if naive is not None else "une date impossible",
            example=f"{meant:%Y-%m-%d} {naive:%H:%M}" if meant and naive else "2026-11-27 09:30",
            meant=f" pour le {date_short(meant)}" if meant else "",
        )
        # Pelican still builds it, on the day it reads.
        return None if naive is None else naive.replace(tzinfo=naive.tzinfo or ZoneInfo(settings.timezone))
    if naive is None:
        out.error(line, "bad-date", value=value, key=name)
        return None
    if naive.tzinfo is not None:
        return naive
    zone = ZoneInfo(settings.timezone)
    first, second = naive.replace(tzinfo=zone, fold=0), naive.replace(tzinfo=zone, fold=1)
    if first.utcoffset() != second.utcoffset():
        time, day = f"{naive:%H:%M}", date_short(naive)
        if local_datetime(first.astimezone(ZoneInfo("UTC")), zone).replace(tzinfo=None) != naive:
            # The hour the clocks skip: Pelican keeps the offset before the change, so the
            # report is dated an hour later on the wall clock; writing that hour changes nothing.
            actual = local_datetime(first.astimezone(ZoneInfo("UTC")), zone)
            out.warning(line, "date-gap", time=time, day=day, offset=_offset(first),
                        actual=f"{actual:%H:%M} ({_offset(actual)})", key=name, fix=f"{actual:%Y-%m-%d %H:%M}")
        else:
            second_text = naive.strftime("%Y-%m-%d %H:%M") + _offset(second)[3:]
            out.warning(line, "date-ambiguous", time=time, day=day, offset=_offset(first), key=name,
                        second=second_text)
    parsed = first
    if key == "date" and parsed.year > now.year + 1:
        out.warning(line, "date-far", value=value, year=parsed.year)
    return parsed


def check_slug(source, out, settings):
    given = source.value("slug")
    if given:
        source.slug, source.slug_line = given, source.line_of("slug")
    else:
        source.slug, source.slug_line = source.path.stem, 1
    if not CLEAN_SLUG_RE.match(source.slug):
        clean = suggest_slug(source.slug, settings.slug_substitutions) or "mon-reportage"
        fix = (
            f"Écrivez «\u00a0Slug: {clean}\u00a0»." if given
            else f"Renommez le fichier «\u00a0{clean}{source.path.suffix}\u00a0»."
        )
        out.error(source.slug_line, "unclean-slug", slug=source.slug, fix=fix)


def check_plugin_rules(source, out, settings, size_cache):
    """The rules the plugins apply to every report they build, applied to the source."""
    if source.kind != "article" or not source.built:
        return
    rubriques = settings.rubrique_labels
    at_root = str(source.folder) in settings.article_roots
    findings = folder_findings(source.rubrique, at_root, rubriques)
    if not at_root:
        findings += category_findings(source.value("category"), source.rubrique, rubriques)
    out.findings(findings)
    out.findings(comments_open(source.metadata)[1])  # `Comments:` (comments/rules.py)
    out.findings(headline_findings(source.value("title")))
    media = read_media(source.metadata, str(settings.content_root), settings.static_paths, size_cache)
    out.findings(media.findings)
    out.findings(share_image_findings(media.image, settings.share_width))
    source.image = media.image
    image = source.value("image")
    if media.image and not source.value("imagecredit"):
        out.warning(source.line_of("imagecredit", source.line_of("image")), "image-no-credit", value=image)


def _body_lines_outside_code(body):
    fenced = False
    for number, text in body:
        if FENCE_RE.match(text):
            fenced = not fenced
            continue
        if not fenced:
            yield number, text


def _is_blank(body):
    """True when the body renders nothing: blank lines, help lines, HTML comments."""
    for _number, line in body:
        stripped = line.strip()
        if stripped and not stripped.startswith("<!--") and not HELP_LINE_RE.match(line):
            return False
    text = "\n".join(line for _number, line in body if not HELP_LINE_RE.match(line))
    return not re.sub(r"<!--.*?-->", "", text, flags=re.S).strip()


def check_body(source, out, settings):
    if _is_blank(source.body):
        (out.warning if source.status == "draft" else out.error)(
            source.body[0][0] if source.body else max((f.line for f in source.fields.values()), default=1),
            "body-empty",
        )
    # Characters first: a UTF-8 character is at most 4 bytes, so most bodies need no encoding.
    size = sum(len(text) + 1 for _number, text in source.body)
    if size * 4 > BODY_MAX_BYTES:
        size = sum(len(text.encode("utf-8")) + 1 for _number, text in source.body)
    if size > BODY_MAX_BYTES:
        out.warning(source.body[0][0], "body-too-large", size=_megabytes(size), limit=_megabytes(BODY_MAX_BYTES))
    for number, text in _body_lines_outside_code(source.body):
        if HELP_LINE_RE.match(text):
            continue
        for match in INTERNAL_LINK_RE.finditer(text):
            target = unquote(match.group("target"))
            if target.startswith("/"):
                path = settings.content_root / target.lstrip("/")
            else:
                path = source.path.parent / target
            if not path.exists():
                out.error(number, "link-missing", link=match.group(0), target=target)
        if SCRIPT_RE.search(re.sub(r"`[^`]*`", "", text)):
            out.warning(number, "raw-script")
    summary = source.value("summary")
    if summary:
        length = len(" ".join(re.sub(r"[*_`]+", "", summary).split()))
        if length > settings.summary_max_length:
            out.warning(
                source.line_of("summary"), "summary-too-long", length=length, limit=settings.summary_max_length,
            )
        line = repeated_standfirst_line(summary, source.body)
        if line is not None:
            out.warning(line, "summary-repeated")


def _megabytes(size):
    """« 1,2 Mo »: a size in megabytes (10⁶ bytes), French decimal comma."""
    return f"{size / 1_000_000:.1f}".replace(".", ",").replace(",0", "") + "\u00a0Mo"


def check_house_style(source, out, settings):
    texts = [(f.line, f.value) for f in source.fields.values() if f.key.lower() not in ("image", "video", "slug")]
    texts += [(n, t) for n, t in _body_lines_outside_code(source.body) if not HELP_LINE_RE.match(t)]
    seen = set()
    for number, text in texts:
        for pattern, replacement in HOUSE_STYLE_RULES:
            for match in pattern.finditer(text):
                tail = _PLACE_TAIL_RE.match(text, match.end())
                if tail is None:
                    continue
                found = text[match.start(): tail.end()]
                fix = replacement + tail.group(0)
                if found != fix and (number, found) not in seen:
                    seen.add((number, found))
                    out.warning(number, "house-style", found=found, fix=fix)


def read_tags(source, out):
    value = source.value("tags")
    if not value:
        return
    seen = {}
    # Split like Pelican's ensure_metadata_list, but keep repeats: Pelican drops them silently.
    items = value.replace("\n", " ").split(";" if ";" in value else ",")
    for tag in (item.strip() for item in items):
        if not tag:
            continue
        key = tag_key(tag)
        if key in seen:
            out.warning(source.line_of("tags"), "tag-repeated", tag=tag)
            continue
        seen[key] = tag
        source.tags.append((tag, source.line_of("tags")))


def tag_key(tag):
    """Comparison key of a tag: case, accents, punctuation and a final plural s/x folded."""
    return " ".join(re.sub(r"(?<=\w\w)[sx]$", "", word) for word in normalise_key(tag).split())


# --------------------------------------------------------------------- the whole site


def find_sources(settings):
    """(path, kind) of every Markdown file Pelican would read, sorted."""
    found = []
    for kind, folders in (("article", settings.article_paths), ("page", settings.page_paths)):
        for folder in folders:
            root = settings.content_root / folder
            for directory, subdirs, files in os.walk(root):
                subdirs[:] = sorted(d for d in subdirs if not _ignored(d, settings))
                for name in sorted(files):
                    if name.lower().endswith(MARKDOWN_SUFFIXES) and not _ignored(name, settings):
                        found.append((Path(directory) / name, kind))
    return found


def _ignored(name, settings):
    return any(fnmatch.fnmatch(name, pattern) for pattern in settings.ignore_files)


def display_path(path, settings):
    """The path an editor recognises: relative to the folder that holds content/."""
    try:
        return str(path.relative_to(settings.content_root.parent))
    except ValueError:
        return str(path)


def check_file(path, kind, settings, report, now=None, size_cache=None):
    """Apply the per-file rules; return the Source for the site-wide rules, or None."""
    now = now or datetime.now(ZoneInfo(settings.timezone))
    source = Source(path=path, display=display_path(path, settings), kind=kind)
    out = _Collector(report, source)
    try:
        data = path.read_bytes()
    except OSError as exc:
        out.error(1, "unreadable", reason=exc.strerror or exc)
        return None
    if not data.replace(b"\xef\xbb\xbf", b"").strip():
        out.error(1, "empty-file")
        return None
    text, undecodable = decode_source(data)
    if undecodable:
        line, byte, guess = undecodable
        guess_text = ", sans doute du Windows-1252" if guess == "WINDOWS-1252" else ""
        out.error(line, "not-utf8", byte=byte, guess=guess_text, encoding=guess, path=source.display)
        return None
    # Lines as Python-Markdown cuts them: at line feeds only. str.splitlines() would also cut
    # at form feeds, vertical tabs or U+2028, which Pelican keeps inside a line.
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines[-1] == "":
        lines.pop()  # the end of the last line, not a line
    check_header(source, lines, out, settings)
    check_values(source, out, settings, now)
    check_required(source, out, settings)
    check_slug(source, out, settings)
    check_plugin_rules(source, out, settings, {} if size_cache is None else size_cache)
    check_body(source, out, settings)
    check_house_style(source, out, settings)
    if kind == "article":
        read_tags(source, out)
    return source


def check_duplicate_slugs(sources, report):
    """Two files of one kind with one slug: Pelican writes one over the other. Both are named."""
    for kind in ("article", "page"):
        by_slug = defaultdict(list)
        for source in (s for s in sources if s.kind == kind):
            by_slug[source.slug].append(source)
        for same in by_slug.values():
            for source in same:
                for other in same:
                    if other is not source:
                        _Collector(report, source).error(
                            source.slug_line, "duplicate-slug", slug=source.slug, other=other.display
                        )


def check_pins(articles, report, now, limit):
    """related_articles' pin rules, against the reports the build would list."""
    built = [source for source in articles if source.built]
    listable = [source for source in built if is_public(source, now)]
    targets = PinTargets(listable)
    unlisted = unlisted_names(source for source in built if not is_public(source, now))
    for source in built:
        source.pins = parse_pins(source.metadata.get("related"))
        _positions, findings = resolve_pins(source, targets, unlisted, limit)
        _Collector(report, source).findings(findings)


def check_feed_rules(articles, report, now, settings):
    """The feeds' rules, for the reports a feed lists: published, dated no later than now."""
    for source in articles:
        if not (source.built and is_public(source, now)):
            continue
        out = _Collector(report, source)
        if source.modified is not None:
            modified = local_datetime(source.modified, settings.timezone)
            out.findings(modified_findings(modified, now))
        for key, name in (("title", "Title"), ("summary", "Summary")):
            out.findings(control_findings(source.value(key), name, source.line_of(key)))
        # One search over the text; the line is looked for only when there is something to show.
        text = "\n".join(line for _number, line in source.body)
        if control_findings(text, "the text"):
            number = next((n for n, line in source.body
                           if not HELP_LINE_RE.match(line) and control_findings(line, "the text")), None)
            if number is not None:
                out.findings(control_findings(text, "the text", number))
        if source.image:
            _mime, findings = image_type(unquote(source.image["src"]))
            out.findings(findings)


def check_site_wide(sources, report, now, settings=None):
    settings = settings or CheckSettings(content_root=Path("content"))
    articles = [s for s in sources if s.kind == "article"]
    check_duplicate_slugs(sources, report)
    check_pins(articles, report, now, settings.related_max)
    check_feed_rules(articles, report, now, settings)
    check_tags(articles, report)
    for source in articles:
        if source.status != "draft" and source.date is not None and source.date > now:
            report.scheduled.append(Scheduled(source.date, source.display, source.line_of("date")))


def check_tags(articles, report):
    """Near-duplicate spellings across the site, and tags only one report uses."""
    spellings = defaultdict(Counter)  # key -> Counter(spelling -> number of reports)
    for source in articles:
        for tag, _ in source.tags:
            spellings[tag_key(tag)][tag] += 1
    for source in articles:
        out = _Collector(report, source)
        for tag, line in source.tags:
            variants = spellings[tag_key(tag)]
            if len(variants) > 1:
                # The spelling most reports use wins; ties go to the lower-case one.
                best = sorted(variants, key=lambda s: (-variants[s], s != s.lower(), s))[0]
                if tag != best:
                    count = variants[best]
                    out.warning(
                        line, "tag-near-duplicate", tag=tag, other=best,
                        count=_count(count, "reportage", "reportages"),
                    )
            elif variants[tag] == 1:
                out.warning(line, "tag-used-once", tag=tag)


def check_site(settings, now=None):
    """Check every report and page under settings.content_root; never raises on bad content."""
    now = now or datetime.now(ZoneInfo(settings.timezone))
    report = CheckReport()
    sources = []
    size_cache = {}
    for path, kind in find_sources(settings):
        report.files += 1
        source = check_file(path, kind, settings, report, now, size_cache)
        if source is not None:
            sources.append(source)
    check_site_wide(sources, report, now, settings)
    check_comment_files(sources, report, settings)
    return report


def check_comment_files(sources, report, settings):
    """The comments plugin's rules on the approved comment files (content/comments/<slug>/<id>.md).

    The comment model reads them, as in the build (comments.rules.review_comment_files),
    against the slugs of the reports the build describes: published, hidden and drafts.
    """
    slugs = {
        # Pelican's slug: `Slug:` as written, else the file name slugified (SLUGIFY_SOURCE = "basename").
        source.value("slug") or slugify(source.path.stem, regex_subs=list(settings.slug_substitutions))
        for source in sources if source.kind == "article" and source.built
    }
    review = review_comment_files(settings.content_root / settings.comments_path, slugs)
    report.files += review.files
    for path, finding in review.findings:
        comment = Source(path=path, display=display_path(path, settings), kind="comment")
        _Collector(report, comment).findings([finding])
