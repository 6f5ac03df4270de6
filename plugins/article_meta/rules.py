"""The front-matter rules of article_meta: image, video, clip, transcript, sources, standfirst.

Plain functions, no Pelican: `read_media()` turns a report's metadata into the values its
page shows and the Findings (pouls_common.rules) an editor must hear about. The plugin
calls it on every report during the build and logs the findings; `make check` calls it
on the Markdown sources and prints them in French at the line of the key. One function,
one severity, whoever asks.
"""

import html
import os
import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import quote, urlsplit

from pouls_common.rules import ERROR, WARNING, Finding, Rule
from pouls_common.text import plain_text

from .video import check_captions, site_path, video_type

TRANSCRIPT_SUFFIXES = (".txt", ".md")

_TAG = re.compile(r"<[^>]+>")
_SPACE_BEFORE_MARK = re.compile(r"\s*([;:!?»])")
_SPACE_AFTER_GUILLEMET = re.compile(r"«\s*")
# Only ASCII whitespace collapses: U+00A0 and U+202F are the typography's work, kept as is.
_ASCII_SPACES = re.compile(r"[ \t\n\r\f\v]+")
_SOURCE = re.compile(r"\A(?P<label>.*?)\s*<(?P<url>[^<>\s]+)>\s*\Z", re.DOTALL)
# Apostrophes and no-break spaces differ between what an editor types in the front
# matter and what the typography plugin or a copy-paste leaves in the body.
# str.replace per character rather than str.translate: a few C-speed scans of a
# paragraph cost a fifth of a table lookup per character.
_CHAR_FOLD = (
    ("’", "'"), ("‘", "'"), ("ʼ", "'"), ("′", "'"),
    ("\u00a0", " "), ("\u202f", " "), ("\u2009", " "), ("\u2007", " "), ("\u200a", " "),
)

_PREFIX = "article_meta: %(source)s: "

IMAGE_OUTSIDE = Rule(
    "image-outside", ERROR,
    message="l’image « {value} » n’est pas un chemin sous content/. Écrivez « Image: images/<fichier> ».",
    log=_PREFIX + "Image is %(value)r; give a path under content/, like « Image: images/photo.jpg »",
)
IMAGE_NOT_STATIC = Rule(
    "image-not-static", ERROR,
    message=(
        "l’image « {value} » n’est pas dans un dossier publié ({folders}) : elle ne serait pas en ligne. "
        "Déplacez-la dans content/images/ et écrivez « Image: images/<fichier> »."
    ),
    log=_PREFIX + (
        "Image %(value)r is not in a static folder (%(folders)s), so it would not be published; "
        "move it to content/images/ and write « Image: images/<file> »"
    ),
)
IMAGE_MISSING = Rule(
    "image-missing", ERROR,
    message="l’image « {value} » n’existe pas. Ajoutez le fichier dans content/{value} ou corrigez le chemin.",
    log=_PREFIX + "Image %(value)r does not exist under content/; add the file or fix the Image key",
)
IMAGE_UNREADABLE = Rule(
    "image-unreadable", ERROR,
    message="le fichier « {value} » n’est pas une image lisible. Exportez-le en JPEG, PNG ou WebP.",
    log=_PREFIX + "Image %(value)r is not an image Pillow can read; export it as JPEG, PNG or WebP",
)
IMAGE_NO_ALT = Rule(
    "image-no-alt", WARNING,
    message=(
        "l’image « {value} » n’a pas de texte alternatif. Décrivez ce qu’elle montre dans « ImageAlt: … » ; "
        "sans ce texte, make publish refuse de publier."
    ),
    log=_PREFIX + (
        "Image %(value)r has no ImageAlt; describe what the picture shows in « ImageAlt: … » "
        "(readers who cannot see it rely on it)"
    ),
)
ALT_WITHOUT_IMAGE = Rule(
    "alt-without-image", WARNING,
    message="« ImageAlt » est donné sans « Image ». Ajoutez « Image: images/<fichier> » ou retirez ImageAlt.",
    log=_PREFIX + "ImageAlt is set but Image is not; add « Image: images/<file> » or remove ImageAlt",
)
VIDEO_NOT_URL = Rule(
    "video-not-url", ERROR,
    message=(
        "la vidéo « {value} » n’est pas une adresse web. Donnez l’adresse de la page de la vidéo, « Video: https://… »."
    ),
    log=_PREFIX + (
        "Video is %(value)r, which is not an http(s) URL; give the address of the video page, like « Video: https://… »"
    ),
)
VIDEO_WITHOUT_TRANSCRIPT = Rule(
    "video-without-transcript", WARNING,
    message=(
        "la vidéo n’a pas de transcription. Ajoutez « Transcript: transcripts/<fichier>.txt » ou le texte "
        "lui-même (le RGAA demande une alternative textuelle à toute vidéo)."
    ),
    log=_PREFIX + (
        "Video has no Transcript; add « Transcript: transcripts/<file>.txt » or the text itself "
        "(RGAA 4.1 asks for a text alternative to every video)"
    ),
)
TRANSCRIPT_WITHOUT_VIDEO = Rule(
    "transcript-without-video", WARNING,
    message="« Transcript » est donné sans « Video ». Ajoutez « Video: https://… » ou retirez Transcript.",
    log=_PREFIX + "Transcript is set but Video is not; add « Video: https://… » or remove Transcript",
)
TRANSCRIPT_OUTSIDE = Rule(
    "transcript-outside", ERROR,
    message=(
        "la transcription « {value} » n’est pas un chemin sous content/. "
        "Écrivez « Transcript: transcripts/<fichier>.txt »."
    ),
    log=_PREFIX + "Transcript is %(value)r; give a path under content/, like « Transcript: transcripts/video.txt »",
)
TRANSCRIPT_MISSING = Rule(
    "transcript-missing", ERROR,
    message=(
        "la transcription « {value} » n’existe pas. Ajoutez le fichier dans content/{value} "
        "ou écrivez la transcription elle-même après « Transcript: »."
    ),
    log=_PREFIX + (
        "Transcript file %(value)r does not exist under content/; "
        "add it there or write the transcript itself after « Transcript: »"
    ),
)
TRANSCRIPT_EMPTY = Rule(
    "transcript-empty", WARNING,
    message="le fichier de transcription « {value} » est vide. Écrivez-y la transcription.",
    log=_PREFIX + "Transcript file %(value)r is empty; write the transcript in it",
)
SOURCE_NOT_HTTP = Rule(
    "source-not-http", WARNING,
    message=(
        "la source « {item} » a l’adresse « {url} », qui n’est pas une adresse web. "
        "Écrivez-la « Libellé <https://…> » ou retirez l’adresse."
    ),
    log=_PREFIX + (
        "Sources item %(item)r has the address %(url)r, which is not an http(s) URL; "
        "write it as « Label <https://…> » or leave the address out"
    ),
)
SOURCE_NO_LABEL = Rule(
    "source-no-label", WARNING,
    message="la source « {item} » n’a pas de libellé. Écrivez « Libellé <https://…> ».",
    log=_PREFIX + "Sources item %(item)r has no label; write « Label <https://…> »",
)
# A clip published with the site: `VideoFile`, `VideoPoster` and `VideoCaptions` each name a
# file under content/, in a static folder, published as it is. The three keys share the
# rules about where the file is; {key} is the key as an editor types it.
CLIP_KEYS = {
    "videofile": ("VideoFile", "videos/reportage.mp4"),
    "videoposter": ("VideoPoster", "images/affiche.webp"),
    "videocaptions": ("VideoCaptions", "videos/reportage.fr.vtt"),
}
MEDIA_OUTSIDE = Rule(
    "media-outside", ERROR,
    message="« {key} » vaut « {value} », qui n’est pas un chemin sous content/. Écrivez « {key}: {example} ».",
    log=_PREFIX + "%(key)s is %(value)r; give a path under content/, like « %(key)s: %(example)s »",
)
MEDIA_NOT_STATIC = Rule(
    "media-not-static", ERROR,
    message=(
        "le fichier « {value} » de « {key} » n’est pas dans un dossier publié ({folders}) : il ne serait pas "
        "en ligne. Déplacez-le et écrivez « {key}: {example} »."
    ),
    log=_PREFIX + (
        "%(key)s %(value)r is not in a static folder (%(folders)s), so it would not be published; "
        "move it there and write « %(key)s: %(example)s »"
    ),
)
MEDIA_MISSING = Rule(
    "media-missing", ERROR,
    message="le fichier « {value} » de « {key} » n’existe pas. Ajoutez-le dans content/{value} ou corrigez le chemin.",
    log=_PREFIX + "%(key)s %(value)r does not exist under content/; add the file or fix the %(key)s key",
)
VIDEO_FILE_TYPE = Rule(
    "video-file-type", ERROR,
    message=(
        "la vidéo « {value} » n’est ni un MP4, ni un WebM, ni un Ogg. "
        "Exportez-la en MP4 (H.264 et AAC), que tous les navigateurs lisent."
    ),
    log=_PREFIX + (
        "VideoFile %(value)r is not an MP4, WebM or Ogg video; export it as MP4 (H.264 and AAC), "
        "which every browser plays"
    ),
)
POSTER_UNREADABLE = Rule(
    "video-poster-unreadable", ERROR,
    message="l’affiche « {value} » n’est pas une image lisible. Exportez-la en JPEG, PNG ou WebP.",
    log=_PREFIX + "VideoPoster %(value)r is not an image Pillow can read; export it as JPEG, PNG or WebP",
)
CAPTIONS_NOT_VTT = Rule(
    "captions-not-vtt", ERROR,
    message="les sous-titres « {value} » ne sont pas un fichier WebVTT (.vtt). Exportez-les en WebVTT.",
    log=_PREFIX + "VideoCaptions %(value)r is not a WebVTT file (.vtt); export the captions as WebVTT",
)
# video.check_captions() says what is wrong and where, in both languages: the build names
# the .vtt file and its line, `make check` too (at the line of `VideoCaptions:`).
CAPTIONS_INVALID = Rule(
    "captions-invalid", ERROR,
    message="les sous-titres « content/{value} », ligne {line} : {french}",
    log=_PREFIX + "VideoCaptions content/%(value)s:%(line)s: %(english)s",
)
VIDEO_FILE_AND_VIDEO = Rule(
    "video-file-and-video", WARNING,
    message=(
        "« VideoFile » et « Video » sont donnés tous les deux. Gardez VideoFile pour une vidéo publiée avec "
        "le site, ou Video pour une vidéo sur une plateforme."
    ),
    log=_PREFIX + (
        "both VideoFile and Video are set; keep VideoFile for a clip published with the site, "
        "or Video for a video on a platform"
    ),
)
VIDEO_FILE_NO_CAPTIONS = Rule(
    "video-file-no-captions", WARNING,
    message=(
        "la vidéo « {value} » n’a pas de sous-titres. Ajoutez « VideoCaptions: videos/<fichier>.fr.vtt », "
        "des sous-titres français en WebVTT (le RGAA demande des sous-titres synchronisés)."
    ),
    log=_PREFIX + (
        "VideoFile has no VideoCaptions; add « VideoCaptions: videos/<file>.fr.vtt », French captions "
        "in WebVTT (RGAA 4.3 asks for synchronised captions)"
    ),
)
VIDEO_FILE_NO_POSTER = Rule(
    "video-file-no-poster", WARNING,
    message=(
        "la vidéo « {value} » n’a pas d’affiche. Ajoutez « VideoPoster: images/<fichier> », l’image montrée "
        "tant que le lecteur n’a pas lancé la vidéo."
    ),
    log=_PREFIX + (
        "VideoFile has no VideoPoster; add « VideoPoster: images/<file> », the picture shown "
        "until the reader starts the video"
    ),
)
CAPTIONS_WITHOUT_VIDEO_FILE = Rule(
    "captions-without-video-file", WARNING,
    message=(
        "« VideoCaptions » est donné sans « VideoFile ». Ajoutez « VideoFile: videos/<fichier>.mp4 » "
        "ou retirez VideoCaptions."
    ),
    log=_PREFIX + "VideoCaptions is set but VideoFile is not; add « VideoFile: videos/<file>.mp4 » or remove it",
)
RULES = (
    IMAGE_OUTSIDE, IMAGE_NOT_STATIC, IMAGE_MISSING, IMAGE_UNREADABLE, IMAGE_NO_ALT, ALT_WITHOUT_IMAGE,
    VIDEO_NOT_URL, VIDEO_WITHOUT_TRANSCRIPT, TRANSCRIPT_WITHOUT_VIDEO, TRANSCRIPT_OUTSIDE,
    TRANSCRIPT_MISSING, TRANSCRIPT_EMPTY, SOURCE_NOT_HTTP, SOURCE_NO_LABEL,
    MEDIA_OUTSIDE, MEDIA_NOT_STATIC, MEDIA_MISSING, VIDEO_FILE_TYPE, POSTER_UNREADABLE, CAPTIONS_NOT_VTT,
    CAPTIONS_INVALID, VIDEO_FILE_AND_VIDEO, VIDEO_FILE_NO_CAPTIONS, VIDEO_FILE_NO_POSTER,
    CAPTIONS_WITHOUT_VIDEO_FILE,
)


# --------------------------------------------------------------------- the standfirst


def normalise_for_comparison(markup):
    """Text of a fragment with apostrophes, spaces and ellipses folded.

    Two renderings of one sentence — straight or curly apostrophes, plain,
    no-break or narrow no-break spaces, « ... » or « … » — compare equal.
    """
    # Tags vanish without a space: « <em>mot</em>, » and « mot, » are the same sentence.
    text = html.unescape(_TAG.sub("", markup or ""))
    for char, replacement in _CHAR_FOLD:
        if char in text:
            text = text.replace(char, replacement)
    text = text.replace("...", "…")
    # Typography adds a space before ; : ! ? and inside « » that the editor may not have typed.
    text = _SPACE_BEFORE_MARK.sub(r" \1", text)
    text = _SPACE_AFTER_GUILLEMET.sub("« ", text)
    # split() breaks on exactly the characters \s matches, several times faster than a
    # regular expression that rewrites every single space of a paragraph.
    return " ".join(text.split())


def repeats_standfirst(paragraph, summary):
    """True when a first paragraph says the same as the standfirst (the seed page's defect).

    Both are compared as text: markup, straight or curly apostrophes, plain or no-break
    spaces and « ... » / « … » do not count. The build drops such a paragraph; `make
    check` asks the editor to delete it from the source.
    """
    wanted = normalise_for_comparison(summary)
    return bool(wanted) and normalise_for_comparison(paragraph) == wanted


# --------------------------------------------------------------------- one key each


def parse_sources(value):
    """Parse `Label <https://url>; Other label` into [(label, url or None)] and findings."""
    sources, findings = [], []
    if value is None:
        return sources, findings
    items = value if isinstance(value, list) else str(value).split(";")
    for raw in items:
        item = raw.strip()
        if not item:
            continue
        match = _SOURCE.match(item)
        label, url = (match.group("label").strip(), match.group("url")) if match else (item, None)
        if url is not None and urlsplit(url).scheme not in ("http", "https"):
            findings.append(Finding(SOURCE_NOT_HTTP, {"item": item, "url": url}, keys=("sources",)))
            url = None
        if not label:
            findings.append(Finding(SOURCE_NO_LABEL, {"item": item}, keys=("sources",)))
            label = url
        sources.append((label, url))
    return sources, findings


def check_video(value):
    """Return (url or None, findings) for the `Video` key: an http(s) link only."""
    if value is None or not str(value).strip():
        return None, []
    url = str(value).strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None, [Finding(VIDEO_NOT_URL, {"value": url}, keys=("video",))]
    return url, []


def split_paragraphs(text):
    paragraphs = re.split(r"\n\s*\n", text.replace("\r\n", "\n"))
    return [_ASCII_SPACES.sub(" ", p).strip(" ") for p in paragraphs if p.strip()]


def _resolve_under(content_root, value):
    """Path of `value` under content/, or None for an absolute path, a `..` or a URL."""
    relative = PurePosixPath(value.replace("\\", "/"))
    if relative.is_absolute() or ".." in relative.parts or urlsplit(value).scheme:
        return None
    return os.path.join(content_root, *relative.parts)


def _in_static(value, static_paths):
    """True when `value` (a path under content/) lies in one of the STATIC_PATHS folders."""
    relative = PurePosixPath(value.replace("\\", "/"))
    return any(relative.parts[: len(PurePosixPath(s).parts)] == PurePosixPath(s).parts for s in static_paths)


def read_transcript(value, content_root):
    """Return (paragraphs or None, findings) for the `Transcript` key.

    The value is a text file under content/ (`transcripts/x.txt`) or the text itself.
    """
    if value is None or not str(value).strip():
        return None, []
    text = str(value).strip()
    looks_like_path = "\n" not in text and text.lower().endswith(TRANSCRIPT_SUFFIXES)
    if not looks_like_path:
        return split_paragraphs(text), []
    path = _resolve_under(content_root, text)
    if path is None:
        return None, [Finding(TRANSCRIPT_OUTSIDE, {"value": text}, keys=("transcript",))]
    if not os.path.isfile(path):
        return None, [Finding(TRANSCRIPT_MISSING, {"value": text}, keys=("transcript",))]
    with open(path, encoding="utf-8") as handle:
        paragraphs = split_paragraphs(handle.read())
    if not paragraphs:
        return None, [Finding(TRANSCRIPT_EMPTY, {"value": text}, keys=("transcript",))]
    return paragraphs, []


def image_size(path, cache):
    """(width, height) of an image file, read once per path (header only)."""
    if path not in cache:
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(path) as picture:
                cache[path] = picture.size
        except (UnidentifiedImageError, OSError):
            cache[path] = None
    return cache[path]


def describe_image(value, alt, credit, content_root, static_paths, size_cache):
    """Return (image dict or None, findings) for the `Image`, `ImageAlt`, `ImageCredit` keys."""
    if value is None or not str(value).strip():
        findings = []
        if alt:
            findings.append(Finding(ALT_WITHOUT_IMAGE, {}, keys=("imagealt",)))
        return None, findings
    value = str(value).strip()
    path = _resolve_under(content_root, value)
    if path is None:
        return None, [Finding(IMAGE_OUTSIDE, {"value": value}, keys=("image",))]
    relative = PurePosixPath(value.replace("\\", "/"))
    if not _in_static(value, static_paths):
        return None, [Finding(IMAGE_NOT_STATIC, {"value": value, "folders": ", ".join(static_paths)}, keys=("image",))]
    if not os.path.isfile(path):
        return None, [Finding(IMAGE_MISSING, {"value": value}, keys=("image",))]
    size = image_size(path, size_cache)
    if size is None:
        return None, [Finding(IMAGE_UNREADABLE, {"value": value}, keys=("image",))]
    alt = plain_text(alt)
    if not alt:
        return None, [Finding(IMAGE_NO_ALT, {"value": value}, keys=("imagealt", "image"))]
    return {
        "src": quote(relative.as_posix()),
        "alt": alt,
        "credit": plain_text(credit) or None,
        "width": size[0],
        "height": size[1],
    }, []


# --------------------------------------------------------------------- a clip published with the site


def _published_file(key, value, content_root, static_paths):
    """(path on disk or None, findings) for a clip key naming a file published as it is."""
    name, example = CLIP_KEYS[key]
    values = {"key": name, "value": value, "example": example}
    path = _resolve_under(content_root, value)
    if path is None:
        return None, [Finding(MEDIA_OUTSIDE, values, keys=(key,))]
    if not _in_static(value, static_paths):
        return None, [Finding(MEDIA_NOT_STATIC, {**values, "folders": ", ".join(static_paths)}, keys=(key,))]
    if not os.path.isfile(path):
        return None, [Finding(MEDIA_MISSING, values, keys=(key,))]
    return path, []


def _given(value):
    return None if value is None or not str(value).strip() else str(value).strip()


def describe_video_file(value, content_root, static_paths):
    """Return ({src, type} or None, findings) for `VideoFile`: a clip under content/videos/."""
    value = _given(value)
    if value is None:
        return None, []
    path, findings = _published_file("videofile", value, content_root, static_paths)
    if path is None:
        return None, findings
    kind = video_type(value)
    if kind is None:
        return None, [Finding(VIDEO_FILE_TYPE, {"value": value}, keys=("videofile",))]
    return {"src": site_path(value), "type": kind}, []


def describe_video_poster(value, content_root, static_paths, size_cache):
    """Return ({src, width, height} or None, findings) for `VideoPoster`: a picture under content/."""
    value = _given(value)
    if value is None:
        return None, []
    path, findings = _published_file("videoposter", value, content_root, static_paths)
    if path is None:
        return None, findings
    size = image_size(path, size_cache)
    if size is None:
        return None, [Finding(POSTER_UNREADABLE, {"value": value}, keys=("videoposter",))]
    return {"src": site_path(value), "width": size[0], "height": size[1]}, []


def describe_video_captions(value, content_root, static_paths):
    """Return (src or None, findings) for `VideoCaptions`: French WebVTT captions that parse."""
    value = _given(value)
    if value is None:
        return None, []
    path, findings = _published_file("videocaptions", value, content_root, static_paths)
    if path is None:
        return None, findings
    if not value.lower().endswith(".vtt"):
        return None, [Finding(CAPTIONS_NOT_VTT, {"value": value}, keys=("videocaptions",))]
    broken = check_captions(path)
    if broken is not None:
        return None, [Finding(
            CAPTIONS_INVALID,
            {"value": value, "line": broken.line, "english": broken.english, "french": broken.french},
            keys=("videocaptions",),
        )]
    return site_path(value), []


@dataclass(frozen=True)
class Clip:
    """A clip published with the site, as its page shows it, with the findings about it."""

    file: dict | None
    captions: str | None
    poster: dict | None
    findings: list


def read_clip(metadata, video, content_root, static_paths, size_cache):
    """`VideoFile`, `VideoCaptions` and `VideoPoster` of a report; `video` is its accepted `Video` URL.

    The captions are kept only with a clip, the poster with a clip or a platform video.
    """
    findings = []
    video_file, more = describe_video_file(metadata.get("videofile"), content_root, static_paths)
    findings += more
    captions, more = describe_video_captions(metadata.get("videocaptions"), content_root, static_paths)
    findings += more
    poster, more = describe_video_poster(metadata.get("videoposter"), content_root, static_paths, size_cache)
    findings += more
    named = {"value": str(metadata.get("videofile", "")).strip()}
    if video_file and video:
        findings.append(Finding(VIDEO_FILE_AND_VIDEO, {}, keys=("videofile",)))
    # A key given but refused already has its finding: no second one saying it is missing.
    # A key left empty (as `make new` writes them) is missing.
    if video_file and captions is None and _given(metadata.get("videocaptions")) is None:
        findings.append(Finding(VIDEO_FILE_NO_CAPTIONS, named, keys=("videofile",)))
    if video_file and poster is None and _given(metadata.get("videoposter")) is None:
        findings.append(Finding(VIDEO_FILE_NO_POSTER, named, keys=("videofile",)))
    if captions and not video_file:
        findings.append(Finding(CAPTIONS_WITHOUT_VIDEO_FILE, {}, keys=("videocaptions",)))
    return Clip(
        file=video_file,
        captions=captions if video_file else None,
        poster=poster if (video_file or video) else None,
        findings=findings,
    )


# --------------------------------------------------------------------- all keys of a report


@dataclass(frozen=True)
class Media:
    """What a report's front matter says around its body, as its page shows it."""

    sources: list
    image: dict | None
    video: str | None
    transcript: list | None
    findings: list
    clip: Clip = Clip(None, None, None, [])


def read_media(metadata, content_root, static_paths, size_cache):
    """Sources, image, video, clip and transcript of a report's metadata, with every finding.

    `metadata` maps lower-case keys to values as Pelican reads them (a string, or a list
    of strings for a key given on several lines).
    """
    sources, findings = parse_sources(metadata.get("sources"))
    image, more = describe_image(
        metadata.get("image"), metadata.get("imagealt"), metadata.get("imagecredit"),
        content_root, static_paths, size_cache,
    )
    findings += more
    video, more = check_video(metadata.get("video"))
    findings += more
    clip = read_clip(metadata, video, content_root, static_paths, size_cache)
    findings += clip.findings
    transcript, transcript_findings = read_transcript(metadata.get("transcript"), content_root)
    findings += transcript_findings
    # A transcript goes with a video on a platform or a clip published with the site.
    has_video = bool(video or clip.file)
    if transcript and not has_video:
        findings.append(Finding(TRANSCRIPT_WITHOUT_VIDEO, {}, keys=("transcript",)))
    if has_video and not transcript and not transcript_findings:
        findings.append(Finding(VIDEO_WITHOUT_TRANSCRIPT, {}, keys=("video", "videofile")))
    return Media(sources, image, video, transcript, findings, clip)
