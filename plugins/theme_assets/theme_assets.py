"""Plugin theme_assets: the one way templates name the theme's static files, fingerprinted.

Templates write `{{ static_url('css/screen.css') }}`, never a hand-made
`{{ SITEURL }}/theme/...` path. This plugin decides what that address is:

    static_url('css/screen.css')  →  {SITEURL}/theme/css/screen.3f2a9c1b7d0e.css

The 12 hex digits are the start of the SHA-256 of the file's bytes. A file that
changes gets a new name, so a web server can tell browsers to keep theme files for
a year without ever asking again (`Cache-Control: immutable`, deploy/nginx/pouls.conf);
a file that does not change keeps its name from build to build.

How it works, in three plain functions and two signals:

- `theme_manifest(settings)` lists the theme's static files (the folders of
  THEME_STATIC_PATHS, in Pelican's order, IGNORE_FILES left out) and maps each
  one, relative to THEME_STATIC_DIR, to its fingerprinted name. Same bytes, same
  names: nothing depends on time or on the machine.
- `static_url_for(settings)` is the `static_url()` templates call. A name that is
  not a theme file is logged as an error naming the template's argument and the
  fix: the build (and so `make publish`) fails instead of shipping a broken link.
- After the build, `write_fingerprinted_copies()` writes `screen.<hash>.css` next
  to the `screen.css` Pelican copied (the plain name stays, for a stylesheet's own
  relative `url()` and for old links), and `theme/assets.json`, the manifest, that
  programs outside Pelican read with `static_url_from_manifest()` (the comment
  service's own pages).
"""

import hashlib
import json
import logging
import os
from fnmatch import fnmatch
from pathlib import Path, PurePosixPath

from pelican import signals

from pouls_common.output import replace_file, write_if_changed

logger = logging.getLogger(__name__)

DIGEST_LENGTH = 12
MANIFEST_NAME = "assets.json"


def fingerprinted_name(relative, data):
    """`css/screen.css` and its bytes → `css/screen.<12 hex digits>.css`."""
    path = PurePosixPath(relative)
    digest = hashlib.sha256(data).hexdigest()[:DIGEST_LENGTH]
    return str(path.with_name(f"{path.stem}.{digest}{path.suffix}"))


def _theme_files(settings):
    """{path relative to THEME_STATIC_DIR: source Path}, as Pelican copies them (last folder wins)."""
    theme = Path(settings.get("THEME", ""))
    ignores = settings.get("IGNORE_FILES") or []
    files = {}
    for static in settings.get("THEME_STATIC_PATHS", ["static"]):
        folder = theme / static
        if folder.is_file():
            files[folder.name] = folder
            continue
        for source in sorted(folder.rglob("*")):
            relative = source.relative_to(folder)
            if source.is_file() and not any(fnmatch(part, pattern) for part in relative.parts for pattern in ignores):
                files[relative.as_posix()] = source
    return files


def theme_manifest(settings):
    """{`css/screen.css`: `css/screen.<hash>.css`} for every theme static file."""
    return {
        relative: fingerprinted_name(relative, source.read_bytes())
        for relative, source in sorted(_theme_files(settings).items())
    }


def _url(settings, relative):
    return f"{settings.get('SITEURL', '')}/{settings.get('THEME_STATIC_DIR', 'theme')}/{relative}"


def static_url_for(settings, manifest=None):
    """The `static_url(path)` function templates call, for these settings."""
    manifest = theme_manifest(settings) if manifest is None else manifest

    def static_url(path):
        relative = path.lstrip("/")
        if relative not in manifest:
            logger.error(
                "theme_assets: static_url(%r) names no file of the theme; put it under theme/static/ "
                "(%s) or fix the name in the template",
                path, ", ".join(sorted(manifest)) or "the theme has no static file",
            )
            return _url(settings, relative)
        return _url(settings, manifest[relative])

    return static_url


def static_url_from_manifest(inside_site, site_url, theme_dir="theme"):
    """`static_url()` for a program that serves pages beside a built site (the comment service).

    `inside_site` is any file of the built site (the service knows its comments index):
    the manifest is the first `<folder>/<theme_dir>/assets.json` above it. It is read at
    each call, so the names follow `make publish` swapping `output` to a new build;
    without a manifest the plain name is used (the plain copies are always written).
    """

    def static_url(path):
        relative = path.lstrip("/")
        manifest = {}
        for folder in Path(inside_site).parents:
            try:
                manifest = json.loads((folder / theme_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
                break
            except (OSError, ValueError):
                continue
        return f"{site_url.rstrip('/')}/{theme_dir}/{manifest.get(relative, relative)}"

    return static_url


def add_static_url(generator):
    """Give every template `static_url()`."""
    generator.env.globals["static_url"] = static_url_for(generator.settings)


def write_fingerprinted_copies(pelican):
    """Write each theme file under its fingerprinted name, and the manifest."""
    settings = pelican.settings
    theme_output = Path(pelican.output_path) / settings.get("THEME_STATIC_DIR", "theme")
    sources = _theme_files(settings)
    manifest = {}
    for relative, source in sorted(sources.items()):
        data = source.read_bytes()
        target = theme_output / fingerprinted_name(relative, data)
        manifest[relative] = fingerprinted_name(relative, data)
        if target.is_file() and target.read_bytes() == data:
            continue
        # Beside the target, renamed over it: never edited in place.
        replace_file(str(target), data)
        # The source's time, as Pelican gives the plain copy: the same file keeps the same
        # Last-Modified from build to build.
        stat = os.stat(source)
        os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    if manifest:
        theme_output.mkdir(parents=True, exist_ok=True)
        text = json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
        # Only when its bytes change: a rebuild with nothing changed writes nothing.
        write_if_changed(str(theme_output / MANIFEST_NAME), text.encode("utf-8"))


def register():
    # generator_init: each generator builds its own Jinja environment before rendering.
    signals.generator_init.connect(add_static_url)
    # finalized: every generator has written its files, the theme's among them.
    signals.finalized.connect(write_fingerprinted_copies)
