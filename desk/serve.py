"""`make serve`: build, serve http://127.0.0.1:8000, rebuild on change, reload the open page.

    make serve
    make serve PORT=8001
    .venv/bin/python -m desk.serve --content content --port 8000

The preview is built into `output.preview/` (never into the published `output`),
with drafts visible under /brouillons/<slug>/ behind a « Brouillon » banner.
A watcher (watchfiles) follows content/, theme/, plugins/, desk/ and the settings files.

Builds run in one child process that stays up (desk.preview --serve-builds). When a
report changes, it first shows the edit with a quick pass over the last build's model
(desk.quick): the report's page — wherever its slug puts it — and the open pages that
show it, in well under a second even on a large site; then a full build, which
renders only the pages whose inputs changed. A change to the theme gets a full build
at once; one to a plugin, the desk or the settings starts a fresh build process
first. Every open page listens to /_desk/events (server-sent events,
`partials/livereload.html`) and reloads itself when its page was rewritten; a failed
build shows its messages on the page instead.
"""

import argparse
import contextlib
import json
import queue
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
from desk.preview import EVENT_PREFIX, page_file
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
    """Drives the build process (desk.preview --serve-builds) and announces what it built.

    The process stays up between builds and keeps the last build's model, so an edited
    report is shown by a quick pass before the full build that follows. It is started
    again, fresh, when the code it runs changes (plugins, desk, settings) or when it dies.
    """

    def __init__(self, content, output, broadcaster, settings="pelicanconf.py", stream=None):
        self.content = Path(content)
        self.output = Path(output)
        self.broadcaster = broadcaster
        self.settings = settings
        self.stream = stream or sys.stdout
        self._process = None
        self._lock = threading.Lock()
        self._events = queue.Queue()
        self._next_id = 0
        self._started = {}
        self.drafts = []
        # The preview's settings, read once (the search index needs its bundle folder).
        self.pelican_settings = load_settings(settings, content=self.content)
        # Search: re-indexed in the background after each full build (desk/search_index.py).
        self.search_index = PreviewSearchIndex(self.output, self.pelican_settings, self.stream)

    # the process ----------------------------------------------------------------------

    def start(self):
        command = [
            sys.executable, "-m", "desk.preview", "--serve-builds", "--settings", self.settings,
            "--content", str(self.content), "--output", str(self.output),
        ]
        process = subprocess.Popen(
            command, cwd=ROOT, env=python_path(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, bufsize=1,
        )
        with self._lock:
            self._process = process
        threading.Thread(target=self._read_events, args=(process,), daemon=True, name="desk-builds").start()

    def _read_events(self, process):
        tail = []
        for line in process.stdout:
            if line.startswith(EVENT_PREFIX):
                self._events.put(json.loads(line[len(EVENT_PREFIX):]))
            else:
                tail = [*tail[-40:], line.rstrip("\n")]
        process.wait()
        with self._lock:
            current = process is self._process
        if current and process.returncode != 0:
            # It died (a crash in a plugin's C code, killed…): say so and start afresh.
            text = "\n".join(tail).strip()[-2000:] or "la construction s’est arrêtée"
            self._events.put({"event": "died", "ids": list(self._started), "ok": False,
                              "errors": [text], "warnings": [], "drafts": []})

    def restart(self):
        self.stop()
        self.start()

    def stop(self, wait=True):
        with self._lock:
            process, self._process = self._process, None
        if process is None:
            return
        with contextlib.suppress(OSError):
            process.stdin.close()
        process.terminate()
        if wait:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()

    def request(self, changed=None, open_pages=()):
        """Ask for a build: a quick pass over `changed` first when given, then the full build."""
        with self._lock:
            process = self._process
            self._next_id += 1
            number = self._next_id
        if process is None or process.poll() is not None:
            self.start()
            with self._lock:
                process = self._process
        self._started[number] = time.perf_counter()
        message = {"id": number, "open": list(open_pages)}
        if changed is not None:
            message["changed"] = [str(path) for path in changed]
        try:
            process.stdin.write(json.dumps(message, ensure_ascii=False) + "\n")
            process.stdin.flush()
        except (BrokenPipeError, OSError):
            self._events.put({"event": "died", "ids": [number], "ok": False, "warnings": [], "drafts": [],
                              "errors": ["le processus de construction s’est arrêté"]})
        return number

    def next_event(self, timeout=None):
        try:
            return self._events.get(timeout=timeout)
        except queue.Empty:
            return None

    def run(self, pages=()):
        """One full build, waited for; returns its summary (make serve's first build)."""
        number = self.request()
        while True:
            event = self.next_event()
            if event["event"] in ("full", "died") and number in event.get("ids", [number]):
                self._started.pop(number, None)
                self.drafts = event.get("drafts", self.drafts)
                return event

    def cancel(self, wait=False):
        self.stop(wait=wait)

    # announcing -----------------------------------------------------------------------

    def announce_events(self, stop_event):
        """Announce every event of the build process until `stop_event` is set."""
        while not stop_event.is_set():
            event = self.next_event(timeout=0.5)
            if event is None:
                continue
            ids = event.get("ids", [])
            started = min((self._started[i] for i in ids if i in self._started), default=None)
            kind = event["event"]
            if kind == "quick":
                self.announce(event, pages=event.get("pages", []), started=started)
            elif kind in ("full", "died"):
                for number in ids:
                    self._started.pop(number, None)
                self.drafts = event.get("drafts", self.drafts)
                # Reload the open pages the build rewrote; the others are left alone.
                written = set(event.get("written", []))
                skip = [page for page in self.broadcaster.open_pages() if page not in written]
                self.announce(event, skip=skip, started=started)
                if kind == "died":
                    self.start()

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


def edits_content(paths, content):
    """True when every changed file is a report or page (Markdown under the content folder).

    Those get a quick pass first: the build process finds their pages in the previous
    build's dependency graph (desk.quick), whatever their save_as says (a `Slug:` or a
    dated pattern included). Anything else (theme, images…) means the full build at once.
    """
    content = Path(content).resolve()
    return bool(paths) and all(
        Path(path).resolve().is_relative_to(content) and Path(path).suffix.lower() in (".md", ".markdown")
        for path in paths
    )


# Changes to these are new code for the build process: it is started again.
CODE = ("plugins", "desk", "pelicanconf.py", "publishconf.py")


def touches_code(paths):
    """True when a change is to the code the build process has loaded."""
    code = [(ROOT / name).resolve() for name in CODE]
    return any(Path(path).resolve() == place or Path(path).resolve().is_relative_to(place) for path in paths
               for place in code)


def watch_and_rebuild(builder, watched, stop_event):
    """Send every batch of changes to the build process; a newer batch stops a full build under way."""
    import watchfiles

    threading.Thread(target=builder.announce_events, args=(stop_event,), daemon=True,
                     name="desk-announce").start()
    for changes in watchfiles.watch(*watched, stop_event=stop_event, debounce=300, step=30):
        changed = sorted({path for _, path in changes})
        open_pages = builder.broadcaster.open_pages()
        if touches_code(changed):
            builder.restart()
            builder.request(None, open_pages)
        elif not edits_content(changed, builder.content):
            # Theme, images…: no quick pass, the full build at once.
            builder.request(None, open_pages)
        else:
            # Reports and pages: the build process finds their pages in its dependency graph.
            builder.request(changed, open_pages)


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
