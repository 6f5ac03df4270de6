"""Plugin theme_assets: the one way templates name the theme's static files, fingerprinted.

Templates write `{{ static_url('css/screen.css') }}`, never a hand-made
`{{ SITEURL }}/theme/...` path. This plugin decides what that address is:

    static_url('css/screen.css')  →  {SITEURL}/theme/css/screen.3f2a9c1b7d0e.css

The 12 hex digits are the start of the SHA-256 of the bytes served under that name.
CSS and JavaScript are served minified (rcssmin, rjsmin, pinned in requirements.txt;
THEME_ASSETS_MINIFY = False serves them as written): the digest is taken on the
minified bytes, so the name follows what the browser gets, a change of the source or
of the minifier's output included. A file that changes gets a new name, so a web server can tell browsers to keep theme files for
a year without ever asking again (`Cache-Control: immutable`, deploy/nginx/pouls.conf);
a file that does not change keeps its name from build to build.

How it works, in three plain functions and two signals:

- `theme_manifest(settings)` lists the theme's static files (the folders of
  THEME_STATIC_PATHS, in Pelican's order, IGNORE_FILES left out) and maps each
  one, relative to THEME_STATIC_DIR, to its fingerprinted name, the digest of
  `served_bytes()`: the file minified when it is CSS or JavaScript not already
  minified (`*.min.css`, `*.min.js`), as is otherwise. Same bytes, same names:
  nothing depends on time or on the machine.
- `static_url_for(settings)` is the `static_url()` templates call. A name that is
  not a theme file is logged as an error naming the template's argument and the
  fix: the build (and so `make publish`) fails instead of shipping a broken link.
- After the build, `write_fingerprinted_copies()` writes `screen.<hash>.css` (the
  served bytes) next to the `screen.css` Pelican copied as written (the plain name
  stays, for a stylesheet's own relative `url()`, for old links and for the comment
  service without a manifest), and `theme/assets.json`, the manifest, that
  programs outside Pelican read with `static_url_from_manifest()` (the comment
  service's own pages).
"""

import hashlib
import json
import logging
import os
from dataclasses import dataclass
from fnmatch import fnmatch
from functools import partial
from pathlib import Path, PurePosixPath

import rcssmin
import rjsmin
from pelican import signals

from pouls_common.output import replace_file, write_if_changed

logger = logging.getLogger(__name__)

DIGEST_LENGTH = 12
MANIFEST_NAME = "assets.json"
# Bang comments (`/*! … */`) are the licence notices minifiers keep by convention.
MINIFIERS = {
    ".css": partial(rcssmin.cssmin, keep_bang_comments=True),
    ".js": partial(rjsmin.jsmin, keep_bang_comments=True),
}
# Someone else's minified file is served as its authors shipped it.
ALREADY_MINIFIED = (".min.css", ".min.js")


class ThemeAssetsSettingsError(ValueError):
    """A THEME_ASSETS_* setting has a value the plugin cannot use."""


@dataclass(frozen=True)
class ThemeAssetsSettings:
    # Serve the theme's CSS and JavaScript minified under their fingerprinted names.
    minify: bool = True

    @classmethod
    def from_settings(cls, settings):
        minify = settings.get("THEME_ASSETS_MINIFY", cls.minify)
        if not isinstance(minify, bool):
            raise ThemeAssetsSettingsError(
                f"theme_assets: THEME_ASSETS_MINIFY is {minify!r}; set it to True (serve the theme's "
                f"CSS and JavaScript minified, the default) or False (serve them as written) in pelicanconf.py"
            )
        return cls(minify=minify)


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


def served_bytes(relative, data, minify=True):
    """The bytes pages get for the theme file `relative`: CSS and JavaScript minified, the rest as is."""
    path = PurePosixPath(relative.lower())
    minifier = MINIFIERS.get(path.suffix)
    if not minify or minifier is None or path.name.endswith(ALREADY_MINIFIED):
        return data
    return minifier(data)


def served_files(settings):
    """[(path relative to THEME_STATIC_DIR, source Path, served bytes)], sorted by path."""
    minify = ThemeAssetsSettings.from_settings(settings).minify
    return [
        (relative, source, served_bytes(relative, source.read_bytes(), minify))
        for relative, source in sorted(_theme_files(settings).items())
    ]


def theme_manifest(settings):
    """{`css/screen.css`: `css/screen.<hash>.css`} for every theme static file."""
    return {relative: fingerprinted_name(relative, data) for relative, _, data in served_files(settings)}


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


def validate_settings(pelican):
    """Stop the build before anything is written when a THEME_ASSETS_* value is wrong."""
    ThemeAssetsSettings.from_settings(pelican.settings)


def add_static_url(generator):
    """Give every template `static_url()`."""
    generator.env.globals["static_url"] = static_url_for(generator.settings)


def write_fingerprinted_copies(pelican):
    """Write each theme file under its fingerprinted name, and the manifest."""
    settings = pelican.settings
    theme_output = Path(pelican.output_path) / settings.get("THEME_STATIC_DIR", "theme")
    manifest = {}
    for relative, source, data in served_files(settings):
        manifest[relative] = fingerprinted_name(relative, data)
        target = theme_output / manifest[relative]
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
    # initialized: settings are final here, and an exception stops the build before any writing.
    signals.initialized.connect(validate_settings)
    # generator_init: each generator builds its own Jinja environment before rendering.
    signals.generator_init.connect(add_static_url)
    # finalized: every generator has written its files, the theme's among them.
    signals.finalized.connect(write_fingerprinted_copies)
