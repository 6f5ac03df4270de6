"""The rules `make check` and `make publish` apply to content/, all in this module.

    from desk.checks import CheckSettings, check_site
    report = check_site(CheckSettings.from_settings(read_settings("pelicanconf.py")))
    for problem in report.errors + report.warnings:
        print(problem)          # « content/…/x.md:4: erreur : clé inconnue « Sumary ». … »

The checks read the Markdown sources themselves, the way Pelican's Markdown reader
does (Python-Markdown's `meta` extension: `Key: value` lines up to the first blank
line, continuation lines indented by four spaces), without building the site: a
check of 5 000 reports must take a couple of seconds, and a report too broken to
build must still get a clear message instead of a traceback.

Every problem names the file, the line and the fix, in French, for the editor.
Errors are what would break the build or publish something wrong; warnings are
what an editor should look at. In a draft (`Status: draft`), the unfinished parts
(no standfirst yet, no date yet) are warnings: a colleague's draft in progress must
not block today's publication.
"""

import difflib
import fnmatch
import os
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

import dateutil.parser
from pelican.readers import ensure_metadata_list
from pelican.utils import slugify

from article_meta.article_meta import normalise_for_comparison
from article_meta.video import check_captions
from french_dates.french_dates import date_long
from related_articles.analysis import normalise_key
from structured_data.structured_data import headline_warning

ERROR = "erreur"
WARNING = "avertissement"

MARKDOWN_SUFFIXES = (".md", ".markdown", ".mkd", ".mdown")
DEFAULT_SUMMARY_MAX_LENGTH = 300

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
COMMENTS_VALUES = ("open", "closed")
# What editors type in French for the English values Pelican expects.
FRENCH_VALUES = {
    "brouillon": "draft", "publie": "published", "publiee": "published", "en ligne": "published",
    "cache": "hidden", "cachee": "hidden", "masque": "hidden", "masquee": "hidden",
    "ouvert": "open", "ouverts": "open", "oui": "open",
    "ferme": "closed", "fermes": "closed", "non": "closed",
}
# House style for place names: the abbreviated or unhyphenated saint of a town.
HOUSE_STYLE_RULES = (
    (re.compile(r"\bSte\.?[ \u00a0-]+(?=[A-ZÀ-Ý])"), "Sainte-"),
    (re.compile(r"\bSt\.?[ \u00a0-]+(?=[A-ZÀ-Ý])"), "Saint-"),
    (re.compile(r"\bSainte[ \u00a0]+(?=[A-ZÀ-Ý][a-zà-ÿ])"), "Sainte-"),
    (re.compile(r"\bSaint[ \u00a0]+(?=[A-ZÀ-Ý][a-zà-ÿ])"), "Saint-"),
)
_PLACE_TAIL_RE = re.compile(r"[A-ZÀ-Ý][\wÀ-ÿ]*(?:-[\wÀ-ÿ]+)*")


def _fr(text):
    """French typography for our own message templates (never applied to quoted values)."""
    return (
        text.replace("« ", "«\u00a0").replace(" »", "\u00a0»").replace(" :", "\u00a0:")
        .replace(" ;", "\u202f;").replace(" ?", "\u202f?").replace(" !", "\u202f!")
    )


# Every message of the checks, in one table: the French text an editor reads, with
# what is wrong first and how to fix it after. Values are filled in with str.format.
MESSAGES = {key: _fr(text) for key, text in {
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
    "unknown-key-like": "clé inconnue « {key} ». Écrivez « {fix} ».",
    "unknown-key": "clé inconnue « {key} », ignorée par le site. Supprimez-la ou corrigez-la (clés connues : {known}).",
    "bad-status": "statut « {value} » inconnu. Écrivez « Status: {fix} » (draft, hidden ou published).",
    "bad-comments": "valeur « {value} » inconnue pour Comments. Écrivez « Comments: {fix} » (open ou closed).",
    "duplicate-slug": "le slug « {slug} » est déjà celui de {other}. Renommez l’un des deux fichiers.",
    "unclean-slug": (
        "le slug « {slug} » n’est pas propre (minuscules sans accent, chiffres et tirets). {fix}"
    ),
    "not-in-rubrique": (
        "le reportage n’est pas dans un dossier de rubrique. Déplacez-le dans content/articles/<rubrique>/ ({known})."
    ),
    "unknown-rubrique": (
        "le dossier « {folder} » n’est pas une rubrique. Déplacez le fichier dans l’un des dossiers {known}, "
        "ou ajoutez « {folder} » à RUBRIQUES dans pelicanconf.py."
    ),
    "image-outside": "l’image « {value} » n’est pas un chemin sous content/. Écrivez « Image: images/<fichier> ».",
    "image-missing": "l’image « {value} » n’existe pas. Ajoutez le fichier dans content/{value} ou corrigez le chemin.",
    "transcript-missing": (
        "la transcription « {value} » n’existe pas. Ajoutez le fichier dans content/{value} "
        "ou écrivez la transcription elle-même après « Transcript: »."
    ),
    "media-missing": (
        "le fichier « {value} » de « {key} » n’existe pas. Ajoutez-le dans content/{value} ou corrigez le chemin."
    ),
    "video-not-url": (
        "la vidéo « {value} » n’est pas une adresse web. Donnez l’adresse de la page de la vidéo, « Video: https://… »."
    ),
    "link-missing": (
        "le lien interne « {link} » ne mène à aucun fichier ({target} introuvable). Corrigez le chemin ou retirez le lien."
    ),
    "related-missing": (
        "« Related » cite « {slug} », qui n’est le slug d’aucun reportage. Corrigez-le ou retirez-le."
    ),
    "summary-too-long": (
        "le chapô fait {length} caractères, trop pour une carte (limite : {limit}). Raccourcissez-le à {limit} caractères au plus."
    ),
    "summary-repeated": (
        "le premier paragraphe répète le chapô. Supprimez ce paragraphe : le chapô s’affiche déjà au-dessus du texte."
    ),
    "image-no-alt": (
        "l’image « {value} » n’a pas de texte alternatif. Décrivez ce qu’elle montre dans « ImageAlt: … » ; sans ce texte, make publish refuse de publier."
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


class CheckSettingsError(ValueError):
    """A DESK_CHECK_* setting has a value the checks cannot use."""


@dataclass(frozen=True)
class CheckSettings:
    """What the checks need from pelicanconf.py, read once."""

    content_root: Path
    article_paths: tuple = ("articles",)
    page_paths: tuple = ("pages",)
    rubriques: tuple = ()
    ignore_files: tuple = ()
    timezone: str = "Europe/Paris"
    summary_max_length: int = DEFAULT_SUMMARY_MAX_LENGTH
    slug_substitutions: tuple = ()

    @classmethod
    def from_settings(cls, settings):
        limit = settings.get("DESK_CHECK_SUMMARY_MAX_LENGTH", DEFAULT_SUMMARY_MAX_LENGTH)
        if isinstance(limit, bool) or not isinstance(limit, int) or limit <= 0:
            raise CheckSettingsError(
                f"desk: DESK_CHECK_SUMMARY_MAX_LENGTH is {limit!r}; set it to a positive number of "
                f"characters (default {DEFAULT_SUMMARY_MAX_LENGTH}) in pelicanconf.py"
            )
        return cls(
            content_root=Path(settings["PATH"]),
            article_paths=tuple(settings.get("ARTICLE_PATHS", ["articles"])),
            page_paths=tuple(settings.get("PAGE_PATHS", ["pages"])),
            rubriques=tuple(sorted(settings.get("RUBRIQUES", {}))),
            ignore_files=tuple(settings.get("IGNORE_FILES", ())),
            timezone=settings.get("TIMEZONE", "Europe/Paris"),
            summary_max_length=limit,
            slug_substitutions=tuple(tuple(pair) for pair in settings.get("SLUG_REGEX_SUBSTITUTIONS", ())),
        )


# --------------------------------------------------------------------- results


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    severity: str
    message: str

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
    tags: list = field(default_factory=list)  # (tag, line)

    def value(self, key):
        found = self.fields.get(key)
        return found.value.strip() if found else None

    def line_of(self, key, default=1):
        found = self.fields.get(key)
        return found.line if found else default


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


def parse_date(value, timezone):
    """Parse a date the way Pelican does (dateutil), as an aware datetime; ValueError otherwise."""
    default = datetime.now().replace(hour=0, minute=0, second=0, microsecond=0)
    parsed = dateutil.parser.parse(re.sub(" +", " ", value.replace("_", " ")), default=default)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(timezone))
    return parsed


def _plain(markdown_text):
    """Text of a short Markdown fragment: emphasis, links and tags dropped."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", markdown_text)
    text = re.sub(r"[*_`]+", "", text)
    return normalise_for_comparison(text)


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

    The comparison folds what differs between two copies of one sentence: straight
    or curly apostrophes, plain or no-break spaces, Markdown emphasis.
    """
    line, paragraph = first_paragraph(body)
    if line is None or not summary.strip():
        return None
    return line if _plain(paragraph) == _plain(summary) else None


# --------------------------------------------------------------------- per-file rules


class _Collector:
    def __init__(self, report, source):
        self.report = report
        self.source = source

    def add(self, severity, line, code, **values):
        self.report.problems.append(
            Problem(self.source.display, line, severity, MESSAGES[code].format(**values))
        )

    def error(self, line, code, **values):
        self.add(ERROR, line, code, **values)

    def warning(self, line, code, **values):
        self.add(WARNING, line, code, **values)


def _closest_key(key):
    folded = key.lower().replace(" ", "").replace("_", "").replace("-", "")
    if folded in KNOWN_KEYS:
        return KNOWN_KEYS[folded]
    match = difflib.get_close_matches(folded, list(KNOWN_KEYS), n=1, cutoff=0.75)
    return KNOWN_KEYS[match[0]] if match else None


def _closest_value(value, allowed):
    folded = "".join(
        c for c in unicodedata.normalize("NFKD", value.strip().lower()) if not unicodedata.combining(c)
    )
    if folded in allowed:
        return folded
    if folded in FRENCH_VALUES and FRENCH_VALUES[folded] in allowed:
        return FRENCH_VALUES[folded]
    match = difflib.get_close_matches(folded, allowed, n=1, cutoff=0.6)
    return match[0] if match else allowed[-1]


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


def check_values(source, out, settings):
    status = source.value("status")
    if status is not None and status not in STATUSES:
        out.error(source.line_of("status"), "bad-status", value=status, fix=_closest_value(status, STATUSES))
    elif status:
        source.status = status
    comments = source.value("comments")
    if comments and comments not in COMMENTS_VALUES:
        out.error(
            source.line_of("comments"), "bad-comments", value=comments,
            fix=_closest_value(comments, COMMENTS_VALUES),
        )
    dates = {}
    for key in ("date", "modified"):
        value = source.value(key)
        if not value:
            continue
        try:
            dates[key] = parse_date(value, settings.timezone)
        except (ValueError, OverflowError):
            out.error(source.line_of(key), "bad-date", value=value, key=KNOWN_KEYS[key])
    source.date = dates.get("date")
    if "date" in dates and "modified" in dates and dates["modified"] < dates["date"]:
        out.warning(
            source.line_of("modified"), "modified-before-date",
            modified=source.value("modified"), date=source.value("date"),
        )
    video = source.value("video")
    if video:
        parts = urlsplit(video)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            out.error(source.line_of("video"), "video-not-url", value=video)


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


def check_rubrique(source, out, settings):
    if source.kind != "article":
        return
    folder = source.path.parent
    roots = [settings.content_root / p for p in settings.article_paths]
    known = ", ".join(settings.rubriques)
    if folder in roots:
        out.error(1, "not-in-rubrique", known=known)
    elif settings.rubriques and folder.name not in settings.rubriques:
        out.error(1, "unknown-rubrique", folder=folder.name, known=known)


def _under_content(settings, value):
    relative = Path(value.replace("\\", "/"))
    if relative.is_absolute() or ".." in relative.parts or urlsplit(value).scheme:
        return None
    return settings.content_root / relative


def check_media(source, out, settings):
    image = source.value("image")
    if image:
        path = _under_content(settings, image)
        line = source.line_of("image")
        if path is None:
            out.error(line, "image-outside", value=image)
        elif not path.is_file():
            out.error(line, "image-missing", value=image)
        if not source.value("imagealt"):
            out.warning(source.line_of("imagealt", line), "image-no-alt", value=image)
        if not source.value("imagecredit"):
            out.warning(source.line_of("imagecredit", line), "image-no-credit", value=image)
    transcript = source.value("transcript")
    if transcript and "\n" not in transcript and transcript.lower().endswith((".txt", ".md")):
        path = _under_content(settings, transcript)
        if path is None or not path.is_file():
            out.error(source.line_of("transcript"), "transcript-missing", value=transcript)


def check_video_file(source, out, settings):
    """The files of a clip published with the site; its captions must parse (article_meta.video)."""
    for key in ("videofile", "videoposter", "videocaptions"):
        value = source.value(key)
        if not value:
            continue
        path = _under_content(settings, value)
        if path is None or not path.is_file():
            out.error(source.line_of(key), "media-missing", value=value, key=KNOWN_KEYS[key])
        elif key == "videocaptions":
            problem = check_captions(path)
            if problem is not None:
                out.report.problems.append(Problem(
                    display_path(path, settings), problem.line, ERROR,
                    f"{problem.french} (sous-titres de {source.display}, ligne {source.line_of(key)})",
                ))


def check_headline(source, out, settings):
    """A headline search engines may cut (the rule lives in plugins/structured_data)."""
    if source.kind != "article":
        return
    message = headline_warning(source.value("title"))
    if message:
        out.report.problems.append(Problem(source.display, source.line_of("title"), WARNING, message))


def _body_lines_outside_code(body):
    fenced = False
    for number, text in body:
        if FENCE_RE.match(text):
            fenced = not fenced
            continue
        if not fenced:
            yield number, text


def check_body(source, out, settings):
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


def check_file(path, kind, settings, report):
    """Apply the per-file rules; return the Source for the site-wide rules, or None."""
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
    lines = text.splitlines()
    check_header(source, lines, out, settings)
    check_values(source, out, settings)
    check_required(source, out, settings)
    check_slug(source, out, settings)
    check_rubrique(source, out, settings)
    check_media(source, out, settings)
    check_video_file(source, out, settings)
    check_headline(source, out, settings)
    check_body(source, out, settings)
    check_house_style(source, out, settings)
    if kind == "article":
        read_tags(source, out)
    return source


def check_site_wide(sources, report, now):
    articles = [s for s in sources if s.kind == "article"]
    for kind in ("article", "page"):
        by_slug = {}
        for source in (s for s in sources if s.kind == kind):
            if source.slug in by_slug:
                _Collector(report, source).error(
                    source.slug_line, "duplicate-slug", slug=source.slug, other=by_slug[source.slug].display
                )
            else:
                by_slug[source.slug] = source
    slugs = {s.slug for s in articles}
    for source in articles:
        value = source.value("related")
        for slug in ensure_metadata_list(value.replace("\n", " ")) if value else []:
            if slug not in slugs:
                _Collector(report, source).error(source.line_of("related"), "related-missing", slug=slug)
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
    for path, kind in find_sources(settings):
        report.files += 1
        source = check_file(path, kind, settings, report)
        if source is not None:
            sources.append(source)
    check_site_wide(sources, report, now)
    return report
