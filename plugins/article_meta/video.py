"""A report's video, to RGAA 4.1 (criteria 4.1, 4.3 and 4.11): plain functions, no Pelican.

Two kinds, from the front matter:

    VideoFile: videos/hygiene-des-mains.mp4          a clip published with the site,
    VideoPoster: images/hygiene-des-mains-affiche.webp   shown as <video controls preload="none">
    VideoCaptions: videos/hygiene-des-mains.fr.vtt   with its French captions track

    Video: https://www.youtube.com/watch?v=…         a video on a platform: a link with a
    VideoPoster: images/affiche.webp                 poster of ours and the platform's name,
                                                     nothing loaded from the platform before the click

Either kind needs a `Transcript` (shown next to the video). A WebVTT file that
webvtt-py cannot read strictly, that holds no cue, a block that is neither a cue nor
a NOTE/STYLE/REGION, or a cue ending before it starts, is an error naming the file
and the line: `check_captions()` says what and where, and rules.py turns it into the
`captions-invalid` Finding the build (plugin article_meta) logs and `make check`
(desk/checks.py) prints, through the same `read_media()`.
"""

import ast
import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import quote, urlsplit

VIDEO_TYPES = {".mp4": "video/mp4", ".webm": "video/webm", ".ogv": "video/ogg"}
CAPTIONS_SUFFIX = ".vtt"
# The platforms readers know by name. PeerTube runs on many hosts: it is recognised by
# its addresses (/w/<id>, /videos/watch/<uuid>); any other host is named by its domain.
PLATFORM_HOSTS = {
    "youtube.com": "YouTube", "youtu.be": "YouTube", "youtube-nocookie.com": "YouTube",
    "dailymotion.com": "Dailymotion", "dai.ly": "Dailymotion",
    "vimeo.com": "Vimeo",
}
_PEERTUBE_PATH = re.compile(r"^/(w|videos/watch|videos/embed)/[\w-]+")
_BLOCK_LIST = re.compile(r"(\[.*\])\s*$", re.DOTALL)
_QUOTED = re.compile(r"'([^']+)'")
_TIMING = re.compile(r"^\s*(\S+)\s+-->\s+(\S+)")
_TIMESTAMP = re.compile(r"^(?:(\d+):)?(\d{2}):(\d{2})\.(\d{3})$")


def platform_name(url):
    """« YouTube », « Dailymotion », « PeerTube », « Vimeo », or the host (« video.chu.fr »)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    for domain, name in PLATFORM_HOSTS.items():
        if host == domain or host.endswith("." + domain):
            return name
    if _PEERTUBE_PATH.match(parts.path):
        return "PeerTube"
    return host


def video_type(path):
    """The MIME type of a clip from its suffix, or None for a format browsers cannot all play."""
    return VIDEO_TYPES.get(PurePosixPath(path).suffix.lower())


def site_path(value):
    """A path under content/ as the site writes it in a URL (« videos/a b.mp4 » → « videos/a%20b.mp4 »)."""
    return quote(PurePosixPath(value.replace("\\", "/")).as_posix())


# --------------------------------------------------------------------- WebVTT


@dataclass(frozen=True)
class CaptionsProblem:
    """What is wrong with a WebVTT file, at which line, in English (build) and French (make check)."""

    line: int
    english: str
    french: str


def _seconds(stamp):
    match = _TIMESTAMP.match(stamp)
    if not match:
        return None
    hours, minutes, seconds, millis = match.groups()
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int(millis) / 1000


def _line_of(lines, fragments, start=1):
    """First line (1-based, from `start`) holding the first fragment, the next ones on the lines after."""
    if not fragments:
        return None
    for index in range(start - 1, len(lines)):
        if fragments[0] in lines[index] and all(
            index + offset < len(lines) and fragment in lines[index + offset]
            for offset, fragment in enumerate(fragments[1:], start=1)
        ):
            return index + 1
    return None


def _where(message, lines):
    """Line that a webvtt-py error message points at (its quoted block or value), else None."""
    block = _BLOCK_LIST.search(message)
    if block:
        try:
            fragments = [str(item) for item in ast.literal_eval(block.group(1))]
        except (ValueError, SyntaxError):
            fragments = []
        found = _line_of(lines, fragments, start=2)
        timings = [offset for offset, fragment in enumerate(fragments) if "-->" in fragment]
        if found and len(timings) > 1:
            # A second timing line inside one block: the empty line is missing before it.
            return found + timings[-1]
        if found:
            return found
    quoted = _QUOTED.findall(message)
    return _line_of(lines, quoted[:1], start=2) if quoted else None


def _blocks(lines):
    """(first line number, lines) of each block separated by empty lines, header included."""
    block, start = [], None
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            if block:
                yield start, block
            block, start = [], None
            continue
        if not block:
            start = number
        block.append(text)
    if block:
        yield start, block


def _problem(line, english, french):
    return CaptionsProblem(line, english, french)


def check_captions(path):
    """The first problem of a WebVTT captions file, or None when it is good.

    webvtt-py reads it strictly (a malformed cue is an error, not skipped); then every
    block must be a cue, a NOTE, a STYLE or a REGION, there must be at least one cue,
    and no cue may end before it starts.
    """
    import webvtt
    from webvtt.errors import MalformedCaptionError, MalformedFileError

    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        reason = error.strerror or str(error)
        return _problem(1, f"cannot be read ({reason})", f"le fichier ne peut pas être lu ({reason}).")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        return _problem(
            line, "is not UTF-8; save it as UTF-8",
            "le fichier n’est pas enregistré en UTF-8. Enregistrez-le en UTF-8.",
        )
    lines = text.splitlines()
    try:
        captions = webvtt.from_string(text, strict=True)
    except MalformedFileError:
        return _problem(
            1, "does not start with « WEBVTT »; write WEBVTT alone on the first line",
            "le fichier ne commence pas par «\u00a0WEBVTT\u00a0». Écrivez WEBVTT seul sur la première ligne.",
        )
    except (MalformedCaptionError, ValueError) as error:
        line = _where(str(error), lines) or 1
        return _problem(
            line, f"is not valid WebVTT ({error}); write the cue timing as « 00:01.000 --> 00:04.500 », "
            "followed by its text, with an empty line between cues",
            "ce n’est pas du WebVTT valide. Écrivez le minutage d’une réplique "
            "«\u00a000:01.000 --> 00:04.500\u00a0», son texte dessous, et une ligne vide entre deux répliques.",
        )
    cue_starts = []
    for start, block in list(_blocks(lines))[1:]:
        head = block[0].strip()
        if head.startswith(("NOTE", "STYLE", "REGION")):
            continue
        timing = next((number for number, text in enumerate(block[:2]) if "-->" in text), None)
        if timing is None:
            return _problem(
                start, "this block is not a cue (no « --> » timing line) nor a NOTE; fix its timing "
                "line or start it with NOTE",
                "ce bloc n’est pas une réplique (pas de ligne de minutage «\u00a0-->\u00a0») ni une note. "
                "Corrigez son minutage ou commencez-le par NOTE.",
            )
        cue_starts.append(start + timing)
    if not captions.captions:
        return _problem(
            1, "holds no cue; add the captions, each a timing line and its text",
            "le fichier ne contient aucune réplique. Ajoutez les sous-titres, chacun une ligne de minutage et son texte.",
        )
    for line in cue_starts:
        match = _TIMING.match(lines[line - 1])
        begin, end = (_seconds(match.group(1)), _seconds(match.group(2))) if match else (None, None)
        if begin is not None and end is not None and end <= begin:
            return _problem(
                line, f"this cue ends ({match.group(2)}) before it starts ({match.group(1)}); fix its timing",
                f"cette réplique finit ({match.group(2)}) avant de commencer ({match.group(1)}). Corrigez son minutage.",
            )
    return None
