"""Plugin social_cards: how a report looks when it is shared, and the links to share it.

For every report (published, hidden, draft) it sets:

    article.share_crops   (ShareImage 16:9, ShareImage 4:3, ShareImage 1:1)   for structured data
    article.share_card    ShareImage 1 200 × 630                            for Open Graph (og:image)
    article.share_links   (ShareLink, …)                                    e-mail, Mastodon, Bluesky,
                                                                            LinkedIn, Facebook, WhatsApp

The crops are cut with Pillow from the report image (`article.image`, plugin
article_meta), centred, then brought down to SOCIAL_CARDS_WIDTH (1 200 px) wide; a
picture too small for that gives the largest crop it allows and a build warning
(`make publish` refuses it: a crop is never enlarged). That rule is a plain function
in rules.py, which `make check` calls too. A report without an image
uses the site's own cards, drawn once by tools/draw_site_images.py and kept in the
theme (`img/partage/`). Every address is absolute: a card is read by programs that
never saw the page.

Share links are plain `<a>` to each service's own share address, built here with the
report's title and absolute address: nothing is loaded from the services, no script,
no counter, no tracker. Templates also get `absolute_url(path)` (the page's
canonical address) and `site_share_card` (the card of pages that are not reports).

Settings (defaults shown):

    SOCIAL_CARDS_WIDTH = 1200            # width every crop aims at, in pixels
    SOCIAL_CARDS_FOLDER = "images/partage"   # where the crops are written in the output
    SOCIAL_CARDS_SITE_ALT = "…"          # alternative text of the site's own cards
    SOCIAL_CARDS_CACHE_PATH = None       # a folder keeping crops between builds (pelicanconf.py: var/cache/…)
"""

import io
import logging
import os
from dataclasses import dataclass
from functools import partial
from pathlib import PurePosixPath
from urllib.parse import quote, unquote

from pelican import signals
from PIL import Image

from pouls_common import file_cache
from pouls_common.output import write_if_changed
from pouls_common.plugins import require_plugins
from pouls_common.reports import every_report
from pouls_common.rules import log_finding
from pouls_common.text import plain_text
from pouls_common.urls import absolute_siteurl, absolute_url
from theme_assets.theme_assets import static_url_for

from .rules import CARD, CROPS, crop_box, crop_size, share_image_findings

logger = logging.getLogger(__name__)

# Plugins whose work this one uses, and what for (checked when the build starts).
NEEDS = {"article_meta": "article.image, the picture to crop"}
DEFAULT_WIDTH = 1200
DEFAULT_FOLDER = "images/partage"
DEFAULT_SITE_ALT = "Pouls, l’actualité des hôpitaux et de la santé\u00a0: le nom du site sous un tracé de pouls, en blanc sur fond grenat."
# The site's own cards, in the theme's static folder (drawn by tools/draw_site_images.py).
SITE_IMAGES = {name: f"img/partage/pouls-{name}.png" for name, _, _ in (*CROPS, CARD)}
# Same encoder settings every build: same input, same bytes.
JPEG_OPTIONS = {"quality": 85, "optimize": True, "progressive": True}


class SocialCardsSettingsError(ValueError):
    """A SOCIAL_CARDS_* setting has a value this plugin cannot use."""


@dataclass(frozen=True)
class SocialCardsSettings:
    width: int = DEFAULT_WIDTH
    folder: str = DEFAULT_FOLDER
    site_alt: str = DEFAULT_SITE_ALT
    cache_path: str | None = None

    @classmethod
    def from_settings(cls, settings):
        width = settings.get("SOCIAL_CARDS_WIDTH", DEFAULT_WIDTH)
        if isinstance(width, bool) or not isinstance(width, int) or not 200 <= width <= 4000:
            raise SocialCardsSettingsError(
                f"social_cards: SOCIAL_CARDS_WIDTH is {width!r}; set it to a width in pixels "
                f"from 200 to 4000 (default {DEFAULT_WIDTH}) in pelicanconf.py"
            )
        folder = settings.get("SOCIAL_CARDS_FOLDER", DEFAULT_FOLDER)
        parts = PurePosixPath(folder).parts if isinstance(folder, str) else ()
        if not parts or folder.startswith("/") or ".." in parts:
            raise SocialCardsSettingsError(
                f"social_cards: SOCIAL_CARDS_FOLDER is {folder!r}; give a folder inside the output, "
                f"like {DEFAULT_FOLDER!r}"
            )
        site_alt = settings.get("SOCIAL_CARDS_SITE_ALT", DEFAULT_SITE_ALT)
        if not isinstance(site_alt, str) or not site_alt.strip():
            raise SocialCardsSettingsError(
                f"social_cards: SOCIAL_CARDS_SITE_ALT is {site_alt!r}; describe the site's share "
                "image in a sentence (readers who cannot see it rely on it)"
            )
        cache_path = file_cache.cache_path_setting(settings, "SOCIAL_CARDS_CACHE_PATH", SocialCardsSettingsError)
        return cls(width=width, folder=folder.strip("/"), site_alt=site_alt.strip(), cache_path=cache_path)


@dataclass(frozen=True)
class ShareImage:
    """One picture as a shared page shows it: absolute `url`, size and alternative text.

    `path` (in the output), `source` (under content/) and `box` (the crop in the
    source, in pixels) are set for the crops this plugin writes, None for the site's cards.
    """

    name: str
    url: str
    width: int
    height: int
    alt: str
    path: str | None = None
    source: str | None = None
    box: tuple | None = None


@dataclass(frozen=True)
class ShareLink:
    service: str
    label: str
    href: str


# --------------------------------------------------------------------- plain functions


def crop_file(folder, src, name):
    """`images/a/photo.webp` + `16x9` → `images/partage/a-photo-16x9.jpg` (unquoted, in the output)."""
    parts = PurePosixPath(unquote(src)).with_suffix("").parts
    stem = "-".join(parts[1:] if len(parts) > 1 else parts)
    return f"{folder}/{stem}-{name}.jpg"


def plan_share_images(image, base, options):
    """(crops, card) for a report image dict of article_meta."""
    crops = []
    for name, ratio_w, ratio_h in (*CROPS, CARD):
        box = crop_box(image["width"], image["height"], ratio_w, ratio_h)
        width, height = crop_size(box, ratio_w, ratio_h, options.width)
        path = crop_file(options.folder, image["src"], name)
        crops.append(ShareImage(name, absolute_url(base, quote(path)), width, height, image["alt"],
                                path=path, source=unquote(image["src"]), box=box))
    return tuple(crops[:3]), crops[3]


def site_share_images(settings, base, options):
    """The site's own cards (theme files), or {} when the theme has none."""
    from PIL import UnidentifiedImageError

    theme_static = os.path.join(settings.get("THEME", ""), "static")
    static_url = static_url_for({**settings, "SITEURL": base})
    found = {}
    for name, relative in SITE_IMAGES.items():
        try:
            with Image.open(os.path.join(theme_static, *relative.split("/"))) as picture:
                size = picture.size
        except (OSError, UnidentifiedImageError):
            continue
        found[name] = ShareImage(name, static_url(relative), size[0], size[1], options.site_alt)
    return found


def _quoted(value):
    # RFC 3986 percent-encoding (spaces as %20, not +): mailto: and every service read it.
    return quote(value, safe="")


def share_links(title, url):
    """The share links of a page: plain addresses, nothing loaded before the reader clicks."""
    # The title and the address are quoted once and the queries assembled from them:
    # percent-encoding goes character by character (quote(a + b) == quote(a) + quote(b)),
    # so these are the bytes urlencode(…, quote_via=quote, safe="") gave, at a sixth of
    # the cost (six links for every report of every build).
    title, url = _quoted(title), _quoted(url)
    text = f"text={title}%20{url}"  # « title url »
    return (
        ShareLink("courriel", "Envoyer par courriel", f"mailto:?subject={title}&body={title}%0D%0A{url}"),
        ShareLink("mastodon", "Partager sur Mastodon", f"https://share.joinmastodon.org/?{text}"),
        ShareLink("bluesky", "Partager sur Bluesky", f"https://bsky.app/intent/compose?{text}"),
        ShareLink("linkedin", "Partager sur LinkedIn", f"https://www.linkedin.com/sharing/share-offsite/?url={url}"),
        ShareLink("facebook", "Partager sur Facebook", f"https://www.facebook.com/sharer/sharer.php?u={url}"),
        ShareLink("whatsapp", "Envoyer par WhatsApp", f"https://wa.me/?{text}"),
    )


def crop_cache_key(source_bytes, crop):
    """Name of a crop in the cache: what its bytes depend on, and nothing else.

    The source's content, the box, the size, the encoder settings and Pillow's versions:
    a cached crop is byte for byte what cutting it again would give.
    """
    recipe = ("social_cards", crop.box, crop.width, crop.height, sorted(JPEG_OPTIONS.items()),
              file_cache.pillow_versions())
    return file_cache.content_key(source_bytes, recipe)


def _flat_rgb(picture):
    if picture.mode in ("RGBA", "LA", "P"):
        picture = picture.convert("RGBA")
        flat = Image.new("RGB", picture.size, (255, 255, 255))
        flat.paste(picture, mask=picture.getchannel("A"))
        return flat
    return picture if picture.mode == "RGB" else picture.convert("RGB")


def write_crops(source, jobs, cache_dir=None):
    """Write the crops of one source picture: `jobs` is [(target path, ShareImage)].

    The source is decoded once, only if a crop is missing from the cache; each crop is
    cut, brought to its size (Lanczos) and saved as JPEG. With `cache_dir`, crops are
    kept there by crop_cache_key() (pouls_common.file_cache): a publication builds into
    a new folder each time, and only a new or changed picture costs a resize.
    """
    with open(source, "rb") as handle:
        data = handle.read()
    decoded = []

    def cut(crop):
        if not decoded:
            with Image.open(io.BytesIO(data)) as opened:
                opened.load()
                decoded.append(_flat_rgb(opened))
        out = decoded[0].resize((crop.width, crop.height), Image.LANCZOS, box=crop.box)
        encoded = io.BytesIO()
        out.save(encoded, "JPEG", **JPEG_OPTIONS)
        return encoded.getvalue()

    for target, crop in jobs:
        crop_bytes = file_cache.cached_bytes(cache_dir, crop_cache_key(data, crop), partial(cut, crop))
        # Only when its bytes change: a rebuild with nothing changed writes nothing.
        write_if_changed(target, crop_bytes)


# --------------------------------------------------------------------- receivers


def validate_settings(pelican):
    """Fail the build early, with the bad value quoted, when a setting or a needed plugin is missing."""
    SocialCardsSettings.from_settings(pelican.settings)
    require_plugins(pelican, "social_cards", NEEDS)


def add_template_helpers(generator):
    """`absolute_url(path)` and `site_share_card` for every template of this generator."""
    options = SocialCardsSettings.from_settings(generator.settings)
    base = absolute_siteurl(generator.settings)
    generator.env.globals["absolute_url"] = partial(absolute_url, base)
    generator.env.globals["site_share_card"] = site_share_images(generator.settings, base, options).get(CARD[0])


def attach_share_images(generator):
    """Plan every report's crops and card, and build its share links."""
    options = SocialCardsSettings.from_settings(generator.settings)
    base = absolute_siteurl(generator.settings)
    site = site_share_images(generator.settings, base, options)
    for report in every_report(generator):
        image = report.image
        if image:
            crops, card = plan_share_images(image, base, options)
            for finding in share_image_findings(image, options.width):
                log_finding(logger, finding, report.relative_source_path)
        else:
            crops = tuple(site[name] for name, _, _ in CROPS if name in site)
            card = site.get(CARD[0])
        report.share_crops = crops
        report.share_card = card
        report.share_links = share_links(plain_text(report.title), absolute_url(base, report.url))


def write_share_images(generator, writer):
    """Write each crop once, whatever the number of reports sharing the image."""
    options = SocialCardsSettings.from_settings(generator.settings)
    by_source, owners, planned = {}, {}, set()
    for report in every_report(generator):
        card = getattr(report, "share_card", None)
        for crop in (*getattr(report, "share_crops", ()), *([card] if card else [])):
            if crop.path is None or crop.path in planned:
                continue
            planned.add(crop.path)
            source = os.path.join(generator.path, *PurePosixPath(crop.source).parts)
            target = os.path.join(generator.output_path, *PurePosixPath(crop.path).parts)
            by_source.setdefault(source, []).append((target, crop))
            owners.setdefault(source, report)
    for source, jobs in by_source.items():
        try:
            write_crops(source, jobs, options.cache_path)
        except OSError as error:
            logger.warning(
                "social_cards: %s: could not write the share crops of %s (%s); "
                "export the image again as JPEG, PNG or WebP",
                owners[source].relative_source_path, jobs[0][1].source, error,
            )
    file_cache.prune(options.cache_path)


def register():
    # initialized: settings are final; an exception stops the build before any reading.
    signals.initialized.connect(validate_settings)
    # generator_init: each generator builds its own Jinja environment before rendering.
    signals.generator_init.connect(add_template_helpers)
    # finalized: article_meta described every image at pretaxonomy; structured_data reads
    # the crops at all_generators_finalized, templates render later.
    signals.article_generator_finalized.connect(attach_share_images)
    # article_writer_finalized: the output folder exists; static files are copied separately.
    signals.article_writer_finalized.connect(write_share_images)
