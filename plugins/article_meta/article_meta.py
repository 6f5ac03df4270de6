"""Plugin article_meta: the facts a report page shows around its body.

For every report (published, hidden and draft) it sets:

    article.reading_time   minutes, an int of at least 1         « Lecture : 4 min »
    article.sources        [(label, url_or_None), …]             from `Sources:`
    article.image          {src, alt, credit, width, height}     from `Image:`, `ImageAlt:`,
                           or None                               `ImageCredit:` (sizes by Pillow)
    article.video          "https://…" or None                   from `Video:` (a link, never an embed)
    article.video_platform "YouTube", "PeerTube", a host… or None the platform of `Video:`
    article.video_file     {src, type} or None                   from `VideoFile:` (a clip published
                                                                 with the site, played by <video>)
    article.video_captions "videos/x.fr.vtt" or None             from `VideoCaptions:` (WebVTT, French)
    article.video_poster   {src, width, height} or None          from `VideoPoster:`
    article.transcript     [paragraph, …] or None                from `Transcript:` (a file or text)

and removes the first paragraph of the body when it repeats the `Summary` (the
standfirst is printed above the body; the seed page printed it twice, once with
straight and once with curly apostrophes).

Settings (pelicanconf.py):

    ARTICLE_META_WORDS_PER_MINUTE = 230   # reading speed used for the reading time

Bad front matter is a build warning that names the file, the key and the fix; the
report is still built, without the faulty block. A captions file that does not
parse is a build error naming the file and the line (video.check_captions, which
`make check` calls too).
"""

import html
import logging
import math
import os
import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import quote, urlsplit

from pelican import signals

from article_meta.video import check_captions, platform_name, site_path, video_type
from french_typography.french_typography import typographer_for
from pouls_common.reports import every_report
from pouls_common.text import plain_text

logger = logging.getLogger(__name__)

DEFAULT_WORDS_PER_MINUTE = 230
TRANSCRIPT_SUFFIXES = (".txt", ".md")

_TAG = re.compile(r"<[^>]+>")
_FIRST_PARAGRAPH = re.compile(r"\A\s*<p(?:\s[^>]*)?>(.*?)</p>\s*", re.DOTALL)
_WORD = re.compile(r"\w+(?:[’'-]\w+)*")
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


class ArticleMetaSettingsError(ValueError):
    """A setting of this plugin has a value it cannot use."""


@dataclass(frozen=True)
class ArticleMetaSettings:
    words_per_minute: int = DEFAULT_WORDS_PER_MINUTE

    @classmethod
    def from_settings(cls, settings):
        wpm = settings.get("ARTICLE_META_WORDS_PER_MINUTE", DEFAULT_WORDS_PER_MINUTE)
        if isinstance(wpm, bool) or not isinstance(wpm, int) or wpm <= 0:
            raise ArticleMetaSettingsError(
                f"article_meta: ARTICLE_META_WORDS_PER_MINUTE is {wpm!r}; "
                f"set it to a positive whole number of words (default {DEFAULT_WORDS_PER_MINUTE}) in pelicanconf.py"
            )
        return cls(words_per_minute=wpm)


# --------------------------------------------------------------------- plain functions


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


def remove_repeated_standfirst(content, summary):
    """Return (content, removed): the body without a first paragraph repeating the summary."""
    if not content or not summary:
        return content, False
    match = _FIRST_PARAGRAPH.match(content)
    if match is None:
        return content, False
    wanted = normalise_for_comparison(summary)
    if not wanted or normalise_for_comparison(match.group(1)) != wanted:
        return content, False
    return content[match.end():], True


def count_words(markup):
    # plain_text() without its whitespace collapsing, which costs as much as the count
    # itself and changes no word: a word never holds or ends on whitespace.
    return len(_WORD.findall(html.unescape(_TAG.sub(" ", markup or ""))))


def reading_time(markup, words_per_minute=DEFAULT_WORDS_PER_MINUTE):
    """Minutes needed to read a fragment, rounded up, at least 1."""
    return max(1, math.ceil(count_words(markup) / words_per_minute))


def parse_sources(value):
    """Parse `Label <https://url>; Other label` into [(label, url or None)] and problems."""
    sources, problems = [], []
    if value is None:
        return sources, problems
    items = value if isinstance(value, list) else str(value).split(";")
    for raw in items:
        item = raw.strip()
        if not item:
            continue
        match = _SOURCE.match(item)
        label, url = (match.group("label").strip(), match.group("url")) if match else (item, None)
        if url is not None and urlsplit(url).scheme not in ("http", "https"):
            problems.append(
                f"Sources item {item!r} has the address {url!r}, which is not an http(s) URL; "
                "write it as « Label <https://…> » or leave the address out"
            )
            url = None
        if not label:
            problems.append(
                f"Sources item {item!r} has no label; write « Label <https://…> »"
            )
            label = url
        sources.append((label, url))
    return sources, problems


def check_video(value):
    """Return (url or None, problems) for the `Video` key: an http(s) link only."""
    if value is None or not str(value).strip():
        return None, []
    url = str(value).strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None, [
            f"Video is {url!r}, which is not an http(s) URL; "
            "give the address of the video page, like « Video: https://… »"
        ]
    return url, []


def split_paragraphs(text):
    paragraphs = re.split(r"\n\s*\n", text.replace("\r\n", "\n"))
    return [_ASCII_SPACES.sub(" ", p).strip(" ") for p in paragraphs if p.strip()]


def read_transcript(value, content_root):
    """Return (paragraphs or None, problems) for the `Transcript` key.

    The value is a text file under content/ (`transcripts/x.txt`) or the text itself.
    """
    if value is None or not str(value).strip():
        return None, []
    text = str(value).strip()
    looks_like_path = "\n" not in text and text.lower().endswith(TRANSCRIPT_SUFFIXES)
    if not looks_like_path:
        return split_paragraphs(text), []
    path, problem = _resolve_under(content_root, text, "Transcript")
    if problem:
        return None, [problem]
    if not os.path.isfile(path):
        return None, [
            f"Transcript file {text!r} does not exist under content/; "
            "add it there or write the transcript itself after « Transcript: »"
        ]
    with open(path, encoding="utf-8") as handle:
        paragraphs = split_paragraphs(handle.read())
    if not paragraphs:
        return None, [f"Transcript file {text!r} is empty; write the transcript in it"]
    return paragraphs, []


def _resolve_under(content_root, value, key):
    relative = PurePosixPath(value.replace("\\", "/"))
    if relative.is_absolute() or ".." in relative.parts or urlsplit(value).scheme:
        return None, (
            f"{key} is {value!r}; give a path under content/, like « {key}: images/photo.jpg »"
            if key == "Image"
            else f"{key} is {value!r}; give a path under content/, like « {key}: transcripts/video.txt »"
        )
    return os.path.join(content_root, *relative.parts), None


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
    """Return (image dict or None, problems) for the `Image`, `ImageAlt`, `ImageCredit` keys."""
    if value is None or not str(value).strip():
        problems = []
        if alt:
            problems.append("ImageAlt is set but Image is not; add « Image: images/<file> » or remove ImageAlt")
        return None, problems
    value = str(value).strip()
    path, problem = _resolve_under(content_root, value, "Image")
    if problem:
        return None, [problem]
    relative = PurePosixPath(value.replace("\\", "/"))
    if not any(relative.parts[: len(PurePosixPath(s).parts)] == PurePosixPath(s).parts for s in static_paths):
        return None, [
            f"Image {value!r} is not in a static folder ({', '.join(static_paths)}), so it would not be "
            "published; move it to content/images/ and write « Image: images/<file> »"
        ]
    if not os.path.isfile(path):
        return None, [f"Image {value!r} does not exist under content/; add the file or fix the Image key"]
    size = image_size(path, size_cache)
    if size is None:
        return None, [f"Image {value!r} is not an image Pillow can read; export it as JPEG, PNG or WebP"]
    alt = plain_text(alt)
    if not alt:
        return None, [
            f"Image {value!r} has no ImageAlt; describe what the picture shows in « ImageAlt: … » "
            "(readers who cannot see it rely on it)"
        ]
    return {
        "src": quote(relative.as_posix()),
        "alt": alt,
        "credit": plain_text(credit) or None,
        "width": size[0],
        "height": size[1],
    }, []


def _in_static(value, static_paths):
    relative = PurePosixPath(value.replace("\\", "/"))
    return any(relative.parts[: len(PurePosixPath(s).parts)] == PurePosixPath(s).parts for s in static_paths)


def _published_file(value, key, example, content_root, static_paths):
    """(path on disk or None, problem or None) for a key naming a file published as is."""
    path, problem = _resolve_under(content_root, value, key)
    if problem:
        return None, f"{key} is {value!r}; give a path under content/, like « {key}: {example} »"
    if not _in_static(value, static_paths):
        return None, (
            f"{key} {value!r} is not in a static folder ({', '.join(static_paths)}), so it would not be "
            f"published; move it there and write « {key}: {example} »"
        )
    if not os.path.isfile(path):
        return None, f"{key} {value!r} does not exist under content/; add the file or fix the {key} key"
    return path, None


def describe_video_file(value, content_root, static_paths):
    """Return ({src, type} or None, problems) for `VideoFile`: a clip under content/videos/."""
    if value is None or not str(value).strip():
        return None, []
    value = str(value).strip()
    _path, problem = _published_file(value, "VideoFile", "videos/reportage.mp4", content_root, static_paths)
    if problem:
        return None, [problem]
    kind = video_type(value)
    if kind is None:
        return None, [
            f"VideoFile {value!r} is not an MP4, WebM or Ogg video; export it as MP4 (H.264 and AAC), "
            "which every browser plays"
        ]
    return {"src": site_path(value), "type": kind}, []


def describe_video_poster(value, content_root, static_paths, size_cache):
    """Return ({src, width, height} or None, problems) for `VideoPoster`: a picture under content/."""
    if value is None or not str(value).strip():
        return None, []
    value = str(value).strip()
    path, problem = _published_file(value, "VideoPoster", "images/affiche.webp", content_root, static_paths)
    if problem:
        return None, [problem]
    size = image_size(path, size_cache)
    if size is None:
        return None, [f"VideoPoster {value!r} is not an image Pillow can read; export it as JPEG, PNG or WebP"]
    return {"src": site_path(value), "width": size[0], "height": size[1]}, []


def describe_video_captions(value, content_root, static_paths):
    """Return (src or None, problems, (file, CaptionsProblem) or None) for `VideoCaptions`.

    The third item is a captions file that does not parse: an error, not a warning.
    """
    if value is None or not str(value).strip():
        return None, [], None
    value = str(value).strip()
    path, problem = _published_file(value, "VideoCaptions", "videos/reportage.fr.vtt", content_root, static_paths)
    if problem:
        return None, [problem], None
    if not value.lower().endswith(".vtt"):
        return None, [f"VideoCaptions {value!r} is not a WebVTT file (.vtt); export the captions as WebVTT"], None
    broken = check_captions(path)
    if broken:
        return None, [], (value, broken)
    return site_path(value), [], None


# --------------------------------------------------------------------- receivers


def validate_settings(pelican):
    """Fail the build early, with the bad value quoted, when a setting is unusable."""
    ArticleMetaSettings.from_settings(pelican.settings)


def _warn(article, problem):
    logger.warning("article_meta: %s: %s", article.relative_source_path, problem)


def attach_article_meta(generator):
    """Attach reading time, sources, image, video and transcript; drop a repeated standfirst."""
    options = ArticleMetaSettings.from_settings(generator.settings)
    content_root = generator.path
    static_paths = list(generator.settings.get("STATIC_PATHS", []))
    size_cache = {}
    typography = typographer_for(generator.settings)
    for article in every_report(generator):
        meta = article.metadata
        if "summary" in meta:
            content, removed = remove_repeated_standfirst(article._content, meta["summary"])
            if removed:
                article._content = content
                # Content.get_content is memoised: forget a body read before the fix.
                article.get_content.cache.pop((article, article.get_siteurl()), None)
                logger.debug("article_meta: %s: removed a first paragraph repeating Summary",
                             article.relative_source_path)
        article.reading_time = reading_time(article._content, options.words_per_minute)

        sources, problems = parse_sources(meta.get("sources"))
        article.sources = [(typography(label), url) for label, url in sources]
        image, more = describe_image(meta.get("image"), meta.get("imagealt"), meta.get("imagecredit"),
                                     content_root, static_paths, size_cache)
        problems += more
        article.image = image
        video, more = check_video(meta.get("video"))
        problems += more
        article.video = video
        article.video_platform = platform_name(video) if video else None
        problems += attach_video_file(article, meta, content_root, static_paths, size_cache)
        transcript, more = read_transcript(meta.get("transcript"), content_root)
        problems += more
        article.transcript = [typography(p) for p in transcript] if transcript else None
        has_video = bool(video or article.video_file)
        if transcript and not has_video:
            problems.append(
                "Transcript is set but Video is not; add « Video: https://… » or remove Transcript"
            )
        if has_video and not transcript and not more:
            problems.append(
                "Video has no Transcript; add « Transcript: transcripts/<file>.txt » or the text itself "
                "(RGAA 4.1 asks for a text alternative to every video)"
            )
        for problem in problems:
            _warn(article, problem)


def attach_video_file(article, meta, content_root, static_paths, size_cache):
    """Set video_file, video_captions and video_poster; return the warnings (log the errors)."""
    problems = []
    video_file, more = describe_video_file(meta.get("videofile"), content_root, static_paths)
    problems += more
    captions, more, broken = describe_video_captions(meta.get("videocaptions"), content_root, static_paths)
    problems += more
    if broken:
        name, problem = broken
        logger.error("article_meta: %s: VideoCaptions content/%s:%s: %s",
                     article.relative_source_path, name, problem.line, problem.english)
    poster, more = describe_video_poster(meta.get("videoposter"), content_root, static_paths, size_cache)
    problems += more
    has_video = bool(video_file or article.video)
    if video_file and article.video:
        problems.append(
            "both VideoFile and Video are set; keep VideoFile for a clip published with the site, "
            "or Video for a video on a platform"
        )
    if video_file and not captions and not broken and "videocaptions" not in meta:
        problems.append(
            "VideoFile has no VideoCaptions; add « VideoCaptions: videos/<file>.fr.vtt », French captions "
            "in WebVTT (RGAA 4.3 asks for synchronised captions)"
        )
    if video_file and poster is None and "videoposter" not in meta:
        problems.append(
            "VideoFile has no VideoPoster; add « VideoPoster: images/<file> », the picture shown "
            "until the reader starts the video"
        )
    if captions and not video_file:
        problems.append("VideoCaptions is set but VideoFile is not; add « VideoFile: videos/<file>.mp4 » or remove it")
    article.video_file = video_file
    article.video_captions = captions if video_file else None
    article.video_poster = poster if has_video else None
    return problems


def register():
    # initialized: settings are final here, and an exception stops the build before any reading.
    signals.initialized.connect(validate_settings)
    # pretaxonomy: every report is read and typographed (content_object_init), and no other
    # plugin has looked at the body yet; related articles and feeds run later and see the result.
    signals.article_generator_pretaxonomy.connect(attach_article_meta)
