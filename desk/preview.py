"""One preview build for `make serve`, run in a child process by desk.serve.

    .venv/bin/python -m desk.preview --content content --output output.preview [--pages '["index.html"]']

A preview build differs from a development build in three ways, all settings
passed as overrides (pelicanconf.py and publishconf.py are not touched):

- `DESK_LIVERELOAD = True`: `partials/livereload.html` adds the small script that
  reloads the open page after a rebuild. No other build ever sets it.
- Pelican's reader cache is on, in its own folder: after the first build only the
  edited Markdown file is parsed again.
- `DESK_PREVIEW_PAGES`, when given, lists the only pages to write (paths under the
  output folder). Everything is still read and every plugin still runs, so those
  pages are exactly what a full build would write; the other pages are skipped.
  desk.serve uses it to refresh the pages open in the browser first, then runs a
  full build. This module is the Pelican plugin that does the skipping, through
  Pelican's `get_writer` signal.

Each build runs in a fresh process so that an edited plugin or template is the one
used, and a crash in a build never takes the preview server down.
"""

import argparse
import importlib
import json
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

from pelican import signals
from pelican.writers import Writer

from desk.build import build_site, load_settings

logger = logging.getLogger(__name__)


class DeskPreviewSettingsError(ValueError):
    """DESK_PREVIEW_PAGES has a value the preview cannot use."""


@dataclass(frozen=True)
class PreviewSettings:
    pages: frozenset = frozenset()  # empty: write everything

    @classmethod
    def from_settings(cls, settings):
        pages = settings.get("DESK_PREVIEW_PAGES") or ()
        if isinstance(pages, str) or not all(isinstance(p, str) for p in pages):
            raise DeskPreviewSettingsError(
                f"desk: DESK_PREVIEW_PAGES is {pages!r}; give a list of paths under the output folder, "
                "like ['index.html', 'urgences/mon-reportage/index.html']"
            )
        return cls(pages=frozenset(p.lstrip("/") for p in pages))


def page_file(url_path):
    """The output file of a URL path: « /urgences/x/ » → « urgences/x/index.html »."""
    path = url_path.split("?", 1)[0].split("#", 1)[0].lstrip("/")
    if path == "" or path.endswith("/"):
        path += "index.html"
    return path


def selective_writer(pages):
    """A Pelican Writer class that writes only `pages` (all pages when it is empty)."""

    class SelectiveWriter(Writer):
        def write_file(self, name, *args, **kwargs):
            if pages and name not in pages:
                return None
            return super().write_file(name, *args, **kwargs)

        def write_feed(self, elements, context, path=None, *args, **kwargs):
            if pages and path not in pages:
                return None
            return super().write_feed(elements, context, path, *args, **kwargs)

    return SelectiveWriter


def validate_preview_settings(pelican):
    PreviewSettings.from_settings(pelican.settings)


def provide_selective_writer(pelican):
    return selective_writer(PreviewSettings.from_settings(pelican.settings).pages)


def register():
    # initialized: a bad DESK_PREVIEW_PAGES stops the build before anything is read.
    signals.initialized.connect(validate_preview_settings)
    # get_writer: the one place Pelican lets a plugin choose which files get written.
    signals.get_writer.connect(provide_selective_writer)


def preview_overrides(settings_file, output, pages=(), cache=None):
    """Settings overrides of a preview build."""
    base = load_settings(settings_file)
    output = Path(output)
    return {
        "DESK_LIVERELOAD": True,
        "DESK_PREVIEW_PAGES": list(pages),
        # By import, not sys.modules[__name__]: run with -m, this module is __main__.
        "PLUGINS": [*list(base["PLUGINS"]), importlib.import_module("desk.preview")],
        "CACHE_CONTENT": True,
        "LOAD_CONTENT_CACHE": True,
        "CONTENT_CACHING_LAYER": "reader",
        "CACHE_PATH": str(cache or output.with_name(output.name + "-cache")),
        "SITEURL": "",
        "RELATIVE_URLS": False,
    }


def drafts_in(output):
    """URL paths of the draft pages a preview build wrote."""
    folder = Path(output) / "brouillons"
    return sorted(f"/brouillons/{p.parent.name}/" for p in folder.glob("*/index.html"))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="desk.preview", description=__doc__.splitlines()[0])
    parser.add_argument("--settings", default="pelicanconf.py")
    parser.add_argument("--content")
    parser.add_argument("--output", required=True)
    parser.add_argument("--pages", default="[]", help="JSON list of output paths to write (default: all)")
    args = parser.parse_args(argv)
    pages = json.loads(args.pages)
    summary = {"ok": False, "warnings": [], "errors": [], "drafts": []}
    try:
        result = build_site(
            args.settings, content=args.content, output=args.output,
            overrides=preview_overrides(args.settings, args.output, pages),
        )
        summary.update(ok=result.ok, warnings=result.warnings, errors=result.errors, drafts=drafts_in(args.output))
    except Exception as exc:
        summary["errors"].append(f"{type(exc).__name__}: {exc}")
    # The last line of stdout is read by desk.serve.
    print(json.dumps(summary, ensure_ascii=False), flush=True)
    return 0 if summary["ok"] and not summary["errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
