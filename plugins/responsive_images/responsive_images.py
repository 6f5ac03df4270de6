"""Smaller copies of report images, so a phone does not download a 1 200 px picture
to show it 380 px wide.

For every report image described by article_meta (`article.image`), this plugin
writes narrower copies next to the published original (`images/brules-480w.webp`)
and sets `article.image_variants` = [(src, width), …] narrowest first, original
excluded; templates list them with the original in `srcset`. A copy is only made
for widths below the original's: an image is never enlarged.

    RESPONSIVE_IMAGES_WIDTHS = (480, 800)   # pixel widths of the copies; () turns it off
    RESPONSIVE_IMAGES_CACHE_PATH = None     # a folder keeping copies between builds (pelicanconf.py: var/cache/…)
"""

import io
import logging
import os
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import quote, unquote

from pelican import signals

from pouls_common import file_cache
from pouls_common.output import write_if_changed
from pouls_common.plugins import require_plugins
from pouls_common.reports import every_report

logger = logging.getLogger(__name__)

# Plugins whose work this one uses, and what for (checked when the build starts).
NEEDS = {"article_meta": "article.image, the picture to copy"}

DEFAULT_WIDTHS = (480, 800)
# Same encoder settings every build: same input, same bytes.
SAVE_OPTIONS = {
    "WEBP": {"quality": 80, "method": 6},
    "JPEG": {"quality": 82, "optimize": True, "progressive": True},
    "PNG": {"optimize": True},
}


class ResponsiveImagesSettingsError(ValueError):
    """A RESPONSIVE_IMAGES_* setting has a value this plugin cannot use."""


@dataclass(frozen=True)
class ResponsiveImagesSettings:
    widths: tuple = DEFAULT_WIDTHS
    cache_path: str | None = None

    @classmethod
    def from_settings(cls, settings):
        widths = settings.get("RESPONSIVE_IMAGES_WIDTHS", DEFAULT_WIDTHS)
        if not isinstance(widths, (tuple, list)) or not all(
            isinstance(width, int) and not isinstance(width, bool) and 16 <= width <= 4000 for width in widths
        ):
            raise ResponsiveImagesSettingsError(
                f"responsive_images: RESPONSIVE_IMAGES_WIDTHS is {widths!r}; give a tuple of pixel widths "
                f"between 16 and 4000, like {DEFAULT_WIDTHS!r}, or () to write no copies"
            )
        cache_path = file_cache.cache_path_setting(settings, "RESPONSIVE_IMAGES_CACHE_PATH",
                                                   ResponsiveImagesSettingsError)
        return cls(widths=tuple(sorted(set(widths))), cache_path=cache_path)


def variant_path(src, width):
    """`images/a b.webp` → `images/a b-480w.webp` (paths as written in the site, unquoted)."""
    path = PurePosixPath(src)
    return str(path.with_name(f"{path.stem}-{width}w{path.suffix}"))


def plan_variants(image, widths):
    """[(src, width)] of the copies an image gets: the widths narrower than the original."""
    if not image or not image.get("width"):
        return []
    src = unquote(image["src"])
    return [(quote(variant_path(src, width)), width) for width in widths if width < image["width"]]


def encode_variant(source_bytes, width):
    """The bytes of a copy `width` pixels wide of the picture `source_bytes`, in its own format."""
    from PIL import Image

    with Image.open(io.BytesIO(source_bytes)) as picture:
        height = round(picture.height * width / picture.width)
        copy = picture.resize((width, height), Image.LANCZOS)
        data = io.BytesIO()
        copy.save(data, format=picture.format, **SAVE_OPTIONS.get(picture.format, {}))
    return data.getvalue()


def variant_cache_key(source_bytes, width):
    """Name of a copy in the cache: the source's content, the width, the encoder settings and versions."""
    recipe = ("responsive_images", width, "LANCZOS", sorted((name, sorted(options.items()))
              for name, options in SAVE_OPTIONS.items()), file_cache.pillow_versions())
    return file_cache.content_key(source_bytes, recipe)


def write_variant(source, target, width, cache_dir=None):
    """Write a copy of `source` `width` pixels wide at `target`; keep an up-to-date one.

    With `cache_dir`, the copy is taken from the cache when its source, width and encoder
    are unchanged (pouls_common.file_cache): a publication builds into a new folder each time.
    """
    if os.path.exists(target) and os.path.getmtime(target) >= os.path.getmtime(source):
        return
    with open(source, "rb") as handle:
        source_bytes = handle.read()
    data = file_cache.cached_bytes(cache_dir, variant_cache_key(source_bytes, width),
                                   lambda: encode_variant(source_bytes, width))
    # Only when its bytes change, through a file renamed over the target: a copy shared
    # with the live site is replaced, never edited in place, and an unchanged one keeps its date.
    write_if_changed(target, data)


def validate_settings(pelican):
    """Fail the build early, with the bad value quoted, when the setting or a plugin is missing."""
    ResponsiveImagesSettings.from_settings(pelican.settings)
    require_plugins(pelican, "responsive_images", NEEDS)


def attach_image_variants(generator):
    """Give every report with an image the list of its narrower copies."""
    options = ResponsiveImagesSettings.from_settings(generator.settings)
    for report in every_report(generator):
        report.image_variants = plan_variants(report.image, options.widths)


def write_image_variants(generator, writer):
    """Write each copy once, whatever the number of reports sharing the image."""
    options = ResponsiveImagesSettings.from_settings(generator.settings)
    written = set()
    for report in every_report(generator):
        image = report.image
        for src, width in report.image_variants:
            relative = unquote(src)
            if relative in written:
                continue
            written.add(relative)
            source = os.path.join(generator.path, *PurePosixPath(unquote(image["src"])).parts)
            target = os.path.join(generator.output_path, *PurePosixPath(relative).parts)
            try:
                write_variant(source, target, width, options.cache_path)
            except OSError as error:
                logger.warning(
                    "responsive_images: %s: could not write a %s px copy of %s (%s); "
                    "export the image again as JPEG, PNG or WebP",
                    report.relative_source_path, width, image["src"], error,
                )
    file_cache.prune(options.cache_path)


def register():
    # initialized: settings are final; an exception stops the build before any reading.
    signals.initialized.connect(validate_settings)
    # finalized: article_meta described every image at pretaxonomy; templates render later.
    signals.article_generator_finalized.connect(attach_image_variants)
    # article_writer_finalized: the output folder exists; static files are copied separately.
    signals.article_writer_finalized.connect(write_image_variants)
