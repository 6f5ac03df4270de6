"""Time from saving a report to the preview showing it, on a synthetic site of N reports.

    .venv/bin/python tests/bench/bench_preview.py            # N = 5000, 3 edits
    .venv/bin/python tests/bench/bench_preview.py 2000 5

Starts `python -m desk.serve` on a free port (its build cache in the temporary
folder, so the first build is cold), opens the event stream the way an open page
does (for one report's page), then edits that report several times. For each edit
it measures, with time.perf_counter, side by side:
- « page shown »: until the reload event for the open page arrives and the page,
  fetched again, carries the new title (what the editor waits for);
- « whole site »: until the full rebuild that follows is announced.
Prints the medians, and the time of the first, full, cold build.
"""

import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "plugins"), str(HERE)]

from corpus import make_corpus
from pouls_common.paths import python_path


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def listen(base, page, events):
    """Collect (time, name, data) of every server-sent event, like the page's EventSource."""
    with urllib.request.urlopen(f"{base}/_desk/events?page={page}", timeout=600) as stream:
        name = None
        for raw in stream:
            line = raw.decode("utf-8").rstrip("\n")
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                events.append((time.perf_counter(), name, json.loads(line[6:])))


def wait_for(events, start_index, predicate, deadline=900):
    limit = time.perf_counter() + deadline
    while time.perf_counter() < limit:
        for stamp, name, data in events[start_index:]:
            if predicate(name, data):
                return stamp
        time.sleep(0.005)
    raise TimeoutError("no matching event")


def measure(n, edits):
    """Start make serve on n reports, edit one report `edits` times; returns the timings (seconds)."""
    with tempfile.TemporaryDirectory(prefix="pouls-bench-preview-") as tmp:
        content = make_corpus(Path(tmp) / "content", n)
        source = sorted((content / "articles" / "urgences").glob("*.md"))[0]
        page_path = f"/urgences/{source.stem}/"
        page_file = f"urgences/{source.stem}/index.html"
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = open(Path(tmp) / "serve.log", "w+", encoding="utf-8")  # noqa: SIM115  (the child process writes to it until it is stopped)
        started = time.perf_counter()
        server = subprocess.Popen(
            [sys.executable, "-m", "desk.serve", "--content", str(content), "--output", str(Path(tmp) / "preview"),
             "--port", str(port)],
            cwd=ROOT, env=python_path({**os.environ, "POULS_BUILD_CACHE": str(Path(tmp) / "cache")}),
            stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            while "Aperçu\u00a0: " not in Path(log.name).read_text(encoding="utf-8"):
                if server.poll() is not None:
                    raise SystemExit(Path(log.name).read_text(encoding="utf-8"))
                time.sleep(0.05)
            cold = time.perf_counter() - started
            events = []
            threading.Thread(target=listen, args=(base, page_path, events), daemon=True).start()
            time.sleep(1)
            shown, whole = [], []
            for number in range(edits):
                title = f"Titre modifié numéro {number}"
                text = re.sub(r"^Title: .*$", f"Title: {title}", source.read_text(encoding="utf-8"), flags=re.M)
                mark = len(events)
                saved = time.perf_counter()
                source.write_text(text, encoding="utf-8")
                wait_for(events, mark, lambda name, data: name == "reload" and data.get("pages")
                         and page_file in data["pages"])
                html = urllib.request.urlopen(base + page_path, timeout=60).read().decode("utf-8")
                assert title in html, "the reloaded page does not show the edit"
                shown.append(time.perf_counter() - saved)
                wait_for(events, mark, lambda name, data: name == "reload" and data.get("pages") is None)
                whole.append(time.perf_counter() - saved)
                time.sleep(0.5)
        finally:
            server.terminate()
            server.wait(timeout=30)
            log.close()
    return {"n": n, "cold": cold, "shown": shown, "whole": whole}


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    edits = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    result = measure(n, edits)
    shown, whole = result["shown"], result["whole"]
    print(f"make serve on a synthetic site of {n} reports (medians of {edits} edits)")
    print(f"first full build, cold cache : {result['cold']:6.1f} s")
    print(f"save → page shown            : {statistics.median(shown):6.2f} s   {[f'{s:.2f}' for s in shown]}")
    print(f"save → whole site rebuilt    : {statistics.median(whole):6.1f} s   {[f'{s:.1f}' for s in whole]}")


if __name__ == "__main__":
    main()
