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

Bad front matter is a build warning or error that names the file, the key and the fix;
the report is still built, without the faulty block. The rules are plain functions in
rules.py, which `make check` calls too; a captions file that does not parse is an error
naming the .vtt file and its line (video.check_captions).
"""

import html
import logging
import math
import re
from dataclasses import dataclass

from pelican import signals

from french_typography.french_typography import typographer_for
from pouls_common.plugins import require_plugins
from pouls_common.reports import every_report
from pouls_common.rules import log_finding
from pouls_common.signals import report_read

from .rules import read_media, repeats_standfirst
from .video import platform_name

logger = logging.getLogger(__name__)

DEFAULT_WORDS_PER_MINUTE = 230
# Plugins whose work this one uses, and what for (checked when the build starts).
NEEDS = {"french_typography": "the typography of source labels and transcripts"}

_TAG = re.compile(r"<[^>]+>")
_FIRST_PARAGRAPH = re.compile(r"\A\s*<p(?:\s[^>]*)?>(.*?)</p>\s*", re.DOTALL)
_WORD = re.compile(r"\w+(?:[’'-]\w+)*")


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


def remove_repeated_standfirst(content, summary):
    """Return (content, removed): the body without a first paragraph repeating the summary."""
    if not content or not summary:
        return content, False
    match = _FIRST_PARAGRAPH.match(content)
    if match is None or not repeats_standfirst(match.group(1), summary):
        return content, False
    return content[match.end():], True


def count_words(markup):
    # plain_text() without its whitespace collapsing, which costs as much as the count
    # itself and changes no word: a word never holds or ends on whitespace.
    return len(_WORD.findall(html.unescape(_TAG.sub(" ", markup or ""))))


def reading_time(markup, words_per_minute=DEFAULT_WORDS_PER_MINUTE):
    """Minutes needed to read a fragment, rounded up, at least 1."""
    return max(1, math.ceil(count_words(markup) / words_per_minute))


# --------------------------------------------------------------------- receivers


def validate_settings(pelican):
    """Fail the build early, with the bad value quoted, when a setting or a plugin is missing."""
    ArticleMetaSettings.from_settings(pelican.settings)
    require_plugins(pelican, "article_meta", NEEDS)


def settle_body(article, options=None):
    """Drop a first paragraph repeating the standfirst, then set the reading time.

    Depends on the report alone: the desk's reading processes run it once per file
    (pouls_common.signals.report_read) and the build cache keeps the result.
    """
    options = options or ArticleMetaSettings.from_settings(article.settings)
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


def attach_article_meta(generator):
    """Attach reading time, sources, image, video, clip and transcript; drop a repeated standfirst."""
    options = ArticleMetaSettings.from_settings(generator.settings)
    content_root = generator.path
    static_paths = list(generator.settings.get("STATIC_PATHS", []))
    size_cache = {}
    typography = typographer_for(generator.settings)
    for article in every_report(generator):
        if "reading_time" not in vars(article):  # not read through the desk (a plain pelican run)
            settle_body(article, options)
        meta = article.metadata
        media = read_media(meta, content_root, static_paths, size_cache)
        article.sources = [(typography(label), url) for label, url in media.sources]
        article.image = media.image
        article.video = media.video
        article.video_platform = platform_name(media.video) if media.video else None
        article.video_file = media.clip.file
        article.video_captions = media.clip.captions
        article.video_poster = media.clip.poster
        article.transcript = [typography(p) for p in media.transcript] if media.transcript else None
        for finding in media.findings:
            log_finding(logger, finding, article.relative_source_path)


def register():
    # initialized: settings are final here, and an exception stops the build before any reading.
    signals.initialized.connect(validate_settings)
    # pretaxonomy: every report is read and typographed (content_object_init), and no other
    # plugin has looked at the body yet; related articles and feeds run later and see the result.
    signals.article_generator_pretaxonomy.connect(attach_article_meta)
    # In the reading processes, once per file and then from the build cache.
    report_read.connect(settle_body)
