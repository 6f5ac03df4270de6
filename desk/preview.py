"""Preview builds for `make serve`, run in a child process by desk.serve.

    .venv/bin/python -m desk.preview --content content --output output.preview [--pages '["index.html"]']
    .venv/bin/python -m desk.preview --content content --output output.preview --serve-builds

A preview build differs from a development build in two ways, both settings passed as
overrides (pelicanconf.py and publishconf.py are not touched):

- `DESK_LIVERELOAD = True`: `partials/livereload.html` adds the small script that
  reloads the open page after a rebuild. No other build ever sets it.
- `DESK_PREVIEW_PAGES`, when given, lists the only pages to write (paths under the
  output folder). Everything is still read and every plugin still runs, so those
  pages are exactly what a full build would write; the others are left as they are.
  This module is also the Pelican plugin that checks the setting at start-up.

Like every build, a preview build reads through the build cache and renders only the
pages whose inputs changed (desk.build), so after the first one a full preview build
costs little more than its plugins.

With `--serve-builds` the process stays up for the whole `make serve`. It reads one
request per line on stdin (JSON: `{"id": 1, "changed": [paths], "open": [pages]}`, or
`{"id": 1}` for a full build) and answers with lines `DESK-EVENT {json}` on stdout:

- `quick`: the edited files were read again and their pages, and the open pages that
  show them, rendered from the last build's model (desk.quick): the page in the
  browser shows the edit in well under a second;
- `full`: the full build that follows, with the pages it rewrote;
- `cancelled`: a newer request arrived; its build starts at once.

A change to a plugin, the desk or the settings is new code: desk.serve starts a new
build process for it. A crash in a build never takes the preview server down.
"""

import argparse
import importlib
import json
import logging
import os
import queue
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from pelican import signals

from desk.build import build_site, load_settings
from desk.parallel import BuildCancelled
from desk.quick import QuickPass

logger = logging.getLogger(__name__)

EVENT_PREFIX = "DESK-EVENT "


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


def validate_preview_settings(pelican):
    PreviewSettings.from_settings(pelican.settings)


def register():
    # initialized: a bad DESK_PREVIEW_PAGES stops the build before anything is read.
    # (desk.writing's DeferredWriter writes only those pages.)
    signals.initialized.connect(validate_preview_settings)


def preview_overrides(settings_file, output, pages=()):
    """Settings overrides of a preview build."""
    base = load_settings(settings_file)
    return {
        "DESK_LIVERELOAD": True,
        "DESK_PREVIEW_PAGES": [p.lstrip("/") for p in pages],
        # By import, not sys.modules[__name__]: run with -m, this module is __main__.
        "PLUGINS": [*list(base["PLUGINS"]), importlib.import_module("desk.preview")],
        "SITEURL": "",
        "RELATIVE_URLS": False,
    }


def drafts_in(output):
    """URL paths of the draft pages a preview build wrote."""
    folder = Path(output) / "brouillons"
    return sorted(f"/brouillons/{p.parent.name}/" for p in folder.glob("*/index.html"))


def build_summary(result, output):
    written = result.written.written_paths if result.written else []
    return {"ok": result.ok, "warnings": result.warnings, "errors": result.errors,
            "drafts": drafts_in(output), "written": sorted(written)}


def _failed(exc):
    return {"ok": False, "warnings": [], "errors": [f"{type(exc).__name__}: {exc}"], "drafts": [], "written": []}


# ------------------------------------------------------------------ one build


def main(argv=None):
    parser = argparse.ArgumentParser(prog="desk.preview", description=__doc__.splitlines()[0])
    parser.add_argument("--settings", default="pelicanconf.py")
    parser.add_argument("--content")
    parser.add_argument("--output", required=True)
    parser.add_argument("--pages", default="[]", help="JSON list of output paths to write (default: all)")
    parser.add_argument("--serve-builds", action="store_true", help="stay up and build on request (desk.serve)")
    args = parser.parse_args(argv)
    if args.serve_builds:
        # Requests are read by a thread from a file of its own: a process forked while
        # that thread waits on sys.stdin would block for ever closing it (multiprocessing
        # closes sys.stdin in every child it starts).
        requests = open(os.dup(sys.stdin.fileno()), encoding="utf-8")  # noqa: SIM115  (read until the server stops)
        sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115
        return BuildServer(args.settings, args.content, args.output).serve(requests, sys.stdout)
    pages = json.loads(args.pages)
    try:
        result = build_site(
            args.settings, content=args.content, output=args.output,
            overrides=preview_overrides(args.settings, args.output, pages), quiet=True,
        )
        summary = build_summary(result, args.output)
    except Exception as exc:
        summary = _failed(exc)
    summary.pop("written")
    # The last line of stdout is read by desk.serve.
    print(json.dumps(summary, ensure_ascii=False), flush=True)
    return 0 if summary["ok"] and not summary["errors"] else 1


# ------------------------------------------------------------------ the build process of make serve


class BuildServer:
    """Builds on request, keeping the last build's model for the quick passes."""

    def __init__(self, settings_file, content, output):
        self.settings_file = settings_file
        self.content = content
        self.output = output
        self.model = None  # desk.quick.QuickPass over the last complete build
        self.cancel = threading.Event()
        self.requests = queue.Queue()

    def serve(self, stdin, stdout):
        self._stdout = stdout

        def read_requests():
            for line in stdin:
                if line.strip():
                    self.requests.put(json.loads(line))
                    # A newer request stops the full build under way at its next checkpoint.
                    self.cancel.set()
            self.requests.put(None)

        threading.Thread(target=read_requests, daemon=True, name="desk-requests").start()
        while True:
            request = self.requests.get()
            if request is None:
                return 0
            batch = [request]
            while not self.requests.empty():
                more = self.requests.get()
                if more is None:
                    return 0
                batch.append(more)
            self.cancel.clear()
            self.handle(batch)

    def emit(self, event, **data):
        self._stdout.write(EVENT_PREFIX + json.dumps({"event": event, **data}, ensure_ascii=False) + "\n")
        self._stdout.flush()

    def handle(self, batch):
        ids = [request.get("id") for request in batch]
        changed = []
        full_only = False
        for request in batch:
            if request.get("changed") is None:
                full_only = True
            else:
                changed += request["changed"]
        open_pages = batch[-1].get("open", [])
        if changed and not full_only and self.model is not None:
            self.quick(ids, sorted(set(changed)), open_pages)
        self.full(ids)

    def quick(self, ids, changed, open_pages):
        started = time.perf_counter()
        try:
            result = self.model.run(changed, open_pages)
        except Exception as exc:
            logger.debug("desk: quick pass failed", exc_info=True)
            self.emit("quick", ids=ids, **_failed(exc), pages=[], seconds=time.perf_counter() - started)
            return
        if result is None:
            return  # only a full build can show this change
        self.emit("quick", ids=ids, ok=result.ok, warnings=result.warnings, errors=result.errors,
                  pages=result.pages, seconds=result.seconds)

    def full(self, ids):
        started = time.perf_counter()
        try:
            result = build_site(
                self.settings_file, content=self.content, output=self.output,
                overrides=preview_overrides(self.settings_file, self.output), quiet=True,
                keep_model=True, cancel=self.cancel,
            )
        except BuildCancelled:
            self.emit("cancelled", ids=ids)
            return
        except Exception as exc:
            self.emit("full", ids=ids, **_failed(exc), seconds=time.perf_counter() - started)
            return
        self.emit("full", ids=ids, **build_summary(result, self.output), seconds=time.perf_counter() - started)
        # Indexed now, while the editor reads the page: the next quick pass needs no walk.
        # Kept only when the build went through: a quick pass needs every report placed.
        self.model = QuickPass(result)


if __name__ == "__main__":
    sys.exit(main())
