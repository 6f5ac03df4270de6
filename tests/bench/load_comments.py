"""Load test of the comment intake service: concurrency, durability, integrity.

    .venv/bin/python tests/bench/load_comments.py [--comments 1000] [--clients 20] [--runs 3]

Starts the real service (`python -m comments.service`, waitress) on a free 127.0.0.1 port
with a fresh SQLite database and rate limits raised through the environment, then:

1. load: CLIENTS threads post COMMENTS distinct valid comments the way a browser does
   (form → preview with token → confirm → 303). Expect exactly COMMENTS pending rows, every
   answer a 303, no « database is locked » in the service log. Repeated RUNS times;
   the figures are printed per run and as medians.
2. crash: the same load, and the service is killed with SIGKILL once a third of the
   comments were answered 303. Every comment answered 303 must be in the database, and
   PRAGMA integrity_check must say ok. The service is restarted on the same database and
   the clients send what was not confirmed; the total must again be exactly COMMENTS.

Times come from time.perf_counter; nothing here asserts on a duration.
"""

import argparse
import json
import os
import re
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "plugins")]

from pouls_common.paths import python_path

SLUGS = ["greffe-a-domicile", "regulation-nuit", "annonce-infirmiere", "transfusion-mobile", "triage-infirmier"]
ORIGIN = "http://127.0.0.1:8000"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_index(path):
    articles = {
        slug: {"url": f"rubrique/{slug}/", "title": slug, "comments_open": True, "comments": []} for slug in SLUGS
    }
    path.write_text(json.dumps({"version": 1, "siteurl": ORIGIN, "articles": articles}), encoding="utf-8")


class Service:
    def __init__(self, folder):
        self.folder = folder
        self.db = folder / "queue.sqlite3"
        self.index = folder / "index.json"
        self.log = folder / "service.log"
        self.port = free_port()
        self.process = None
        write_index(self.index)

    def start(self):
        env = python_path(dict(
            os.environ,
            POULS_COMMENTS_DB=str(self.db),
            POULS_COMMENTS_SITE_INDEX=str(self.index),
            POULS_COMMENTS_SECRET="load-test-secret-0123456789",
            POULS_COMMENTS_PORT=str(self.port),
            POULS_COMMENTS_ALLOWED_ORIGINS=ORIGIN,
            POULS_COMMENTS_MIN_SECONDS="0",
            POULS_COMMENTS_RATE_LIMIT="1000000",
            POULS_COMMENTS_SENDER_GAP="0",
            POULS_COMMENTS_THREADS="8",
        ))
        log = open(self.log, "ab")  # noqa: SIM115  (the child process writes to it until it is stopped)
        self.process = subprocess.Popen([sys.executable, "-m", "comments.service"], env=env, stdout=log, stderr=log, cwd=ROOT)
        log.close()
        for _ in range(400):
            try:
                connection = HTTPConnection("127.0.0.1", self.port, timeout=2)
                connection.request("GET", "/commentaires/sante")
                if connection.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"service did not start; see {self.log}")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


def post(port, fields):
    connection = HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(
            "POST", "/commentaires", body=urlencode(fields).encode("utf-8"),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Origin": ORIGIN},
        )
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8")
    finally:
        connection.close()


def comment_fields(number):
    client = number % 20
    return {
        "article": SLUGS[number % len(SLUGS)],
        "name": f"Lecteur {client:02d}",
        "email": f"lecteur{client:02d}@exemple.fr",
        "website": "",
        "body": f"Commentaire de charge numéro {number}\u00a0: le service tient-il la cadence\u202f? Merci.",
        "homepage": "",
    }


class Load:
    """CLIENTS threads sharing a queue of comment numbers; records what was answered 303."""

    def __init__(self, numbers, clients, port, stop_after=None):
        self.numbers = list(numbers)
        self.clients = clients
        self.port = port
        self.stop_after = stop_after
        self.lock = threading.Lock()
        self.confirmed = set()
        self.duplicates = set()
        self.failures = []
        self.latencies = []
        self.reached = threading.Event()

    def next_number(self):
        with self.lock:
            return self.numbers.pop() if self.numbers else None

    def client(self):
        while (number := self.next_number()) is not None:
            fields = comment_fields(number)
            try:
                status, page = post(self.port, fields)
                token = re.search(r'name="token" value="([^"]+)"', page)
                if status != 200 or not token:
                    self.failures.append((number, "preview", status))
                    continue
                started = time.perf_counter()
                status, _ = post(self.port, dict(fields, token=token.group(1)))
                elapsed = time.perf_counter() - started
            except OSError as error:
                self.failures.append((number, "connection", type(error).__name__))
                continue
            with self.lock:
                if status == 303:
                    self.confirmed.add(number)
                    self.latencies.append(elapsed)
                    if self.stop_after and len(self.confirmed) >= self.stop_after:
                        self.reached.set()
                elif status == 409:
                    self.duplicates.add(number)
                else:
                    self.failures.append((number, "confirm", status))

    def run(self):
        threads = [threading.Thread(target=self.client) for _ in range(self.clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        return threads, started


def database_facts(db):
    with sqlite3.connect(db) as conn:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        rows = conn.execute("SELECT status, count(*) FROM comments GROUP BY status").fetchall()
        bodies = {body for (body,) in conn.execute("SELECT body FROM comments")}
    return integrity, mode, dict(rows), bodies


def number_of(body):
    return int(re.search(r"numéro (\d+)", body).group(1))


def load_run(total, clients):
    with tempfile.TemporaryDirectory() as folder:
        service = Service(Path(folder))
        service.start()
        try:
            load = Load(range(total), clients, service.port)
            threads, started = load.run()
            for thread in threads:
                thread.join()
            wall = time.perf_counter() - started
        finally:
            service.stop()
        integrity, mode, rows, _ = database_facts(service.db)
        log = service.log.read_text(encoding="utf-8", errors="replace")
        return {
            "wall_s": wall,
            "per_s": total / wall,
            "confirm_median_ms": statistics.median(load.latencies) * 1000 if load.latencies else float("nan"),
            "confirm_p95_ms": statistics.quantiles(load.latencies, n=20)[-1] * 1000 if len(load.latencies) > 20 else float("nan"),
            "answered_303": len(load.confirmed),
            "failures": len(load.failures),
            "pending_rows": rows.get("pending", 0),
            "locked_in_log": log.count("database is locked"),
            "errors_in_log": log.count("ERROR"),
            "integrity": integrity,
            "journal": mode,
        }


def crash_run(total, clients):
    with tempfile.TemporaryDirectory() as folder:
        service = Service(Path(folder))
        service.start()
        load = Load(range(total), clients, service.port, stop_after=total // 3)
        threads, _ = load.run()
        load.reached.wait(timeout=600)
        service.process.send_signal(signal.SIGKILL)
        service.process.wait()
        for thread in threads:
            thread.join()
        integrity, _mode, rows, bodies = database_facts(service.db)
        stored = {number_of(body) for body in bodies}
        answered = set(load.confirmed)
        lost = answered - stored
        stored_unanswered = stored - answered

        # Restart on the same database; readers whose post was not confirmed send it again.
        service.start()
        try:
            again = Load(sorted(set(range(total)) - answered), clients, service.port)
            threads, _ = again.run()
            for thread in threads:
                thread.join()
        finally:
            service.stop()
        integrity_after, _, rows_after, _ = database_facts(service.db)
        return {
            "answered_303_before_kill": len(answered),
            "rows_after_kill": sum(rows.values()),
            "lost_after_303": len(lost),
            "stored_but_not_answered": len(stored_unanswered),
            "integrity_after_kill": integrity,
            "resent_303": len(again.confirmed),
            "resent_duplicates": len(again.duplicates),
            "resent_failures": len(again.failures),
            "rows_final": sum(rows_after.values()),
            "integrity_final": integrity_after,
            "locked_in_log": service.log.read_text(encoding="utf-8", errors="replace").count("database is locked"),
        }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)

    print(f"load: {args.comments} comments, {args.clients} concurrent clients, {args.runs} runs")
    runs = [load_run(args.comments, args.clients) for _ in range(args.runs)]
    keys = ["wall_s", "per_s", "confirm_median_ms", "confirm_p95_ms", "answered_303", "failures", "pending_rows",
            "locked_in_log", "errors_in_log", "integrity", "journal"]
    print(f"{'':22}" + "".join(f"{'run ' + str(i + 1):>12}" for i in range(len(runs))) + f"{'median':>12}")
    for key in keys:
        values = [run[key] for run in runs]
        cells = "".join(f"{v:>12.1f}" if isinstance(v, float) else f"{v!s:>12}" for v in values)
        median = statistics.median(values) if all(isinstance(v, (int, float)) for v in values) else ""
        print(f"{key:22}{cells}{median:>12.1f}" if isinstance(median, float) else f"{key:22}{cells}{median!s:>12}")

    print(f"\ncrash: SIGKILL after a third of {args.comments} comments were answered 303")
    crash = crash_run(args.comments, args.clients)
    for key, value in crash.items():
        print(f"{key:28}{value!s:>10}")

    ok = (
        all(run["pending_rows"] == args.comments and run["answered_303"] == args.comments and run["failures"] == 0
            and run["locked_in_log"] == 0 and run["integrity"] == "ok" for run in runs)
        and crash["lost_after_303"] == 0
        and crash["integrity_after_kill"] == "ok"
        and crash["rows_final"] == args.comments
        and crash["integrity_final"] == "ok"
    )
    print("\nresult:", "OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
