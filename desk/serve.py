"""`make serve`: build, serve http://127.0.0.1:8000, rebuild on change, reload the open page.

    make serve
    make serve PORT=8001
    .venv/bin/python -m desk.serve --content content --port 8000

The preview is built into `output.preview/` (never into the published `output`),
with drafts visible under /brouillons/<slug>/ behind a « Brouillon » banner.
A watcher (watchfiles) follows content/, theme/, plugins/, desk/ and the settings files.

When a report changes, two builds follow, each in a child process (desk.preview):
first one that writes only the pages open in a browser and the edited report's
page, so the editor sees the change quickly even on a large site; then a full one
for everything else. A change to the theme, a plugin or the settings gets a full
build at once. Every open page listens to /_desk/events (server-sent events,
`partials/livereload.html`) and reloads itself when its page was rewritten; a
failed build shows its messages on the page instead.
"""

import argparse
import json
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from desk.build import ROOT, load_settings
from desk.preview import page_file
from desk.search_index import PreviewSearchIndex
from pouls_common.paths import python_path

EVENTS_PATH = "/_desk/events"
KEEPALIVE_SECONDS = 15
WATCHED = ("content", "theme", "plugins", "desk", "pelicanconf.py", "publishconf.py")


class Broadcaster:
    """Build events for every open page, and which pages are open."""

    def __init__(self):
        self._condition = threading.Condition()
        self._events = []  # (number, name, data)
        self._open = Counter()
        self.closed = False

    def publish(self, name, data):
        with self._condition:
            self._events.append((len(self._events) + 1, name, data))
            self._condition.notify_all()

    def last_number(self):
        with self._condition:
            return len(self._events)

    def wait_after(self, number, timeout):
        """Events newer than `number` (waiting up to timeout seconds for one)."""
        with self._condition:
            self._condition.wait_for(lambda: len(self._events) > number or self.closed, timeout)
            return self._events[number:]

    def close(self):
        with self._condition:
            self.closed = True
            self._condition.notify_all()

    def opened(self, page):
        with self._condition:
            self._open[page] += 1

    def left(self, page):
        with self._condition:
            self._open[page] -= 1
            if self._open[page] <= 0:
                del self._open[page]

    def open_pages(self):
        with self._condition:
            return sorted(self._open)


class PreviewHandler(SimpleHTTPRequestHandler):
    """Serves the preview folder, plus the event stream the open pages listen to."""

    broadcaster = None  # set by make_server

    def do_GET(self):
        url = urlsplit(self.path)
        if url.path == EVENTS_PATH:
            return self.stream_events(parse_qs(url.query).get("page", ["/"])[0])
        return super().do_GET()

    def send_error(self, code, message=None, explain=None):
        # Unknown addresses get the site's own French 404 page, as on the real host.
        page = Path(self.directory) / "404.html"
        if code == HTTPStatus.NOT_FOUND and page.is_file():
            body = page.read_bytes()
            self.send_response(code)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        super().send_error(code, message, explain)

    def end_headers(self):
        # The preview changes under the browser's feet: never let it cache a page.
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def stream_events(self, page):
        page = page_file(page)
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.end_headers()
        broadcaster = self.broadcaster
        seen = broadcaster.last_number()
        broadcaster.opened(page)
        try:
            self.wfile.write(b": connected\n\n")
            self.wfile.flush()
            while not broadcaster.closed:
                events = broadcaster.wait_after(seen, KEEPALIVE_SECONDS)
                if not events:
                    self.wfile.write(b": keep-alive\n\n")
                for number, name, data in events:
                    seen = number
                    payload = json.dumps(data, ensure_ascii=False)
                    self.wfile.write(f"event: {name}\ndata: {payload}\n\n".encode())
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            broadcaster.left(page)

    def log_message(self, format, *args):
        pass


def make_server(host, port, directory, broadcaster):
    handler = type("Handler", (PreviewHandler,), {"broadcaster": broadcaster})
    server = ThreadingHTTPServer((host, port), partial(handler, directory=str(directory)))
    server.daemon_threads = True
    return server


class Builder:
    """Runs preview builds one at a time in child processes and announces them."""

    def __init__(self, content, output, broadcaster, settings="pelicanconf.py", stream=None):
        self.content = Path(content)
        self.output = Path(output)
        self.broadcaster = broadcaster
        self.settings = settings
        self.stream = stream or sys.stdout
        self._process = None
        self._lock = threading.Lock()
        self.drafts = []
        # Where each report's pages go, read once (the preview's settings file).
        self.pelican_settings = load_settings(settings, content=self.content)
        # Search: re-indexed in the background after each full build (desk/search_index.py).
        self.search_index = PreviewSearchIndex(self.output, self.pelican_settings, self.stream)

    def run(self, pages=()):
        """One build (only `pages` when given); returns the summary dict."""
        command = [
            sys.executable, "-m", "desk.preview", "--settings", self.settings,
            "--content", str(self.content), "--output", str(self.output), "--pages", json.dumps(list(pages)),
        ]
        env = python_path()
        with self._lock:
            self._process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
            )
            process = self._process
        output, _ = process.communicate()
        with self._lock:
            self._process = None
        if process.returncode < 0:
            return None  # cancelled by a newer change
        lines = [line for line in output.splitlines() if line.startswith("{")]
        try:
            summary = json.loads(lines[-1])
        except (IndexError, ValueError):
            summary = {"ok": False, "errors": [output.strip()[-2000:] or "la construction s’est arrêtée"],
                       "warnings": [], "drafts": []}
        self.drafts = summary.get("drafts", self.drafts)
        return summary

    def cancel(self, wait=False):
        with self._lock:
            process = self._process
            if process is not None and process.poll() is None:
                process.terminate()
        if wait and process is not None:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()

    def announce(self, summary, pages=None, skip=(), started=None):
        if summary is None:
            return
        elapsed = f" en {time.perf_counter() - started:.1f}\u00a0s".replace(".", ",") if started else ""
        problems = summary["errors"] + summary["warnings"]
        if problems:
            print(f"Construction avec {len(problems)} problème(s){elapsed}\u00a0:", file=self.stream)
            for message in problems:
                print(f"  {message}", file=self.stream)
            self.broadcaster.publish("failed", {"messages": problems})
        else:
            what = "pages ouvertes" if pages is not None else "site complet"
            print(f"Aperçu à jour ({what}){elapsed}.", file=self.stream, flush=True)
        if summary["ok"] and not summary["errors"]:
            self.broadcaster.publish("reload", {"pages": pages, "skip": sorted(skip)})
            if pages is None:
                self.search_index.refresh()


def pages_for_change(paths, content, settings):
    """Output pages a change to these content files rewrites, or None for « everything ».

    A report is at ARTICLE_SAVE_AS once published and DRAFT_SAVE_AS as a draft, a page at
    PAGE_SAVE_AS: the patterns come from the preview's own settings, filled in with what
    the path says (folder = rubrique, file name = slug). A pattern that needs more (a
    date) means « everything ».
    """
    content = Path(content).resolve()
    pages = set()
    for path in paths:
        path = Path(path).resolve()
        if not path.is_relative_to(content) or path.suffix.lower() not in (".md", ".markdown"):
            return None
        for key in ("ARTICLE_SAVE_AS", "DRAFT_SAVE_AS", "PAGE_SAVE_AS"):
            try:
                page = (settings.get(key) or "").format(category=path.parent.name, slug=path.stem)
            except (KeyError, IndexError):
                return None
            if page:
                pages.add(page)
    return pages


def watch_and_rebuild(builder, watched, stop_event):
    """Rebuild after every batch of changes; a new change cancels a full build under way."""
    import watchfiles

    pending = []
    condition = threading.Condition()

    def collect():
        for changes in watchfiles.watch(*watched, stop_event=stop_event, debounce=300, step=30):
            with condition:
                pending.extend(path for _, path in changes)
                condition.notify_all()
            builder.cancel()

    threading.Thread(target=collect, daemon=True, name="desk-watch").start()
    while not stop_event.is_set():
        with condition:
            condition.wait_for(lambda: pending or stop_event.is_set(), timeout=1)
            changed, pending[:] = list(pending), []
        if not changed:
            continue
        started = time.perf_counter()
        quick = pages_for_change(changed, builder.content, builder.pelican_settings)
        if quick is not None:
            quick |= set(builder.broadcaster.open_pages())
            summary = builder.run(sorted(quick))
            if summary is None:
                continue
            builder.announce(summary, pages=sorted(quick), started=started)
            with condition:
                if pending:
                    continue
        summary = builder.run()
        if summary is None:
            continue
        builder.announce(summary, skip=quick or (), started=started)


def _stop_on_signal(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="make serve", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--content", default=str(ROOT / "content"))
    parser.add_argument("--output", default=str(ROOT / "output.preview"))
    parser.add_argument("--settings", default="pelicanconf.py")
    args = parser.parse_args(argv)

    # SIGTERM (a terminal closed, a supervisor stopping us) stops like Ctrl-C, build included.
    signal.signal(signal.SIGTERM, _stop_on_signal)
    broadcaster = Broadcaster()
    builder = Builder(args.content, args.output, broadcaster, settings=args.settings)
    Path(args.output).mkdir(parents=True, exist_ok=True)
    try:
        server = make_server(args.host, args.port, args.output, broadcaster)
    except OSError as exc:
        print(f"Impossible d’écouter sur {args.host}:{args.port} ({exc.strerror})\u00a0; "
              f"essayez un autre port\u00a0: make serve PORT={args.port + 1}")
        return 1
    address = f"http://{args.host}:{server.server_address[1]}/"
    stop = threading.Event()
    try:
        print("Construction de l’aperçu…", flush=True)
        started = time.perf_counter()
        builder.announce(builder.run(), started=started)
        print(f"Aperçu\u00a0: {address}  (Ctrl-C pour arrêter)", flush=True)
        for draft in builder.drafts:
            print(f"  brouillon\u00a0: {address.rstrip('/')}{draft}")
        watched = [str(Path(args.content))] + [str(ROOT / name) for name in WATCHED[1:]]
        threading.Thread(target=watch_and_rebuild, args=(builder, watched, stop), daemon=True,
                         name="desk-build").start()
        server.serve_forever()
    except KeyboardInterrupt:
        print("\nAperçu arrêté.")
    finally:
        stop.set()
        builder.cancel(wait=True)
        builder.search_index.close()
        broadcaster.close()
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
