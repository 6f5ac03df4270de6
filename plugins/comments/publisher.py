"""Approved means online: an approval schedules a publication, run in the background.

Every approval (desk or command line) calls `request_publish()` in its own transaction. A
runner — a thread of the comment service, or `python -m comments.publisher`, which
`make moderate ARGS="approve …"` starts on its own — runs the publish command once the
approvals have paused for DEBOUNCE seconds (never later than MAX_DELAY after the first), so
approvals a few seconds apart share one publication:

    idle ──request──▶ waiting ──due──▶ running ──▶ online (HH:MM) │ failed (message)
                         ▲                │
                         └── a request arrived while it ran: run again

The command is `make publish` by default (POULS_COMMENTS_PUBLISH_COMMAND, e.g.
"make publish deploy"; empty: no automatic publication). It is run, never re-implemented:
`make publish` checks, builds into a fresh folder and swaps it in only when clean, so a
failed publication leaves the site and every approved file as they were. The state and the
failure's last lines are shown on the desk; the next approval or « Republier » runs it again.

One runner at a time: an exclusive lock file beside the database. A runner that died while
running (SIGKILL) leaves the state « running » without the lock; the next runner starts over.

After a publication that succeeded, `record_online()` reads the build's index of reports:
each approved comment found there for the first time is online now, and a reply among them
queues its e-mail notification (`mailer.queue_reply_notifications`).
"""

import fcntl
import json
import logging
import os
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pouls_common.paths import ROOT, python_path

from . import store
from .model import PARIS

logger = logging.getLogger(__name__)

COMMAND_ENV = "POULS_COMMENTS_PUBLISH_COMMAND"
DEFAULT_COMMAND = "make publish"
DEBOUNCE = 3.0
MAX_DELAY = 30.0
COMMAND_TIMEOUT = 30 * 60
# desk.publish refuses to run beside another publication with this sentence; ours then waits
# for the other one and runs again rather than reporting a failure.
BUSY_MARKER = "Une autre publication est en cours"
BUSY_RETRY_SECONDS = 5.0


@dataclass(frozen=True)
class PublishStatus:
    state: str
    first_requested_ts: float | None
    requested_ts: float | None
    started_ts: float | None
    finished_ts: float | None
    message: str

    def clock(self, ts):
        return datetime.fromtimestamp(ts, tz=UTC).astimezone(PARIS).strftime("%H:%M") if ts else ""

    def describe(self):
        """The state in French, for the desk and `make moderate ARGS="status"`."""
        if self.state == "waiting":
            return f"publication programmée (demandée à {self.clock(self.requested_ts)})"
        if self.state == "running":
            return f"publication en cours depuis {self.clock(self.started_ts)}"
        if self.state == "online":
            return f"en ligne à {self.clock(self.finished_ts)}"
        if self.state == "failed":
            return f"échec de la publication à {self.clock(self.finished_ts)}\u00a0: {self.message}"
        return "aucune publication demandée depuis le démarrage"


def status(conn):
    row = conn.execute("SELECT * FROM publish_state WHERE one = 1").fetchone()
    return PublishStatus(**{key: row[key] for key in PublishStatus.__dataclass_fields__})


def request_publish(conn, now, immediately=False):
    """Ask for a publication (call inside the caller's transaction). `immediately` skips the
    wait for more approvals (the « Republier » button)."""
    stamp = now - DEBOUNCE if immediately else now
    conn.execute(
        "UPDATE publish_state SET"
        " first_requested_ts = CASE WHEN state IN ('waiting', 'running') THEN coalesce(first_requested_ts, :t) ELSE :t END,"
        " requested_ts = :t,"
        " state = CASE WHEN state = 'running' THEN 'running' ELSE 'waiting' END"
        " WHERE one = 1",
        {"t": stamp},
    )


def command_from(environ):
    """The publish command as argv, or None when automatic publication is off."""
    raw = environ.get(COMMAND_ENV, DEFAULT_COMMAND)
    argv = shlex.split(raw)
    return argv or None


def due(state, now):
    if state.state != "waiting" or state.requested_ts is None:
        return False
    return now - state.requested_ts >= DEBOUNCE or now - (state.first_requested_ts or now) >= MAX_DELAY


def _lock_path(db_path):
    return Path(db_path).with_name(Path(db_path).name + ".publish.lock")


def failure_message(output, returncode):
    """The last meaningful lines of the command's output (make's own « Error 1 » line aside)."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    lines = [line for line in lines if not line.startswith(("make:", "make["))]
    tail = " ".join(lines[-3:]) or f"la commande s’est arrêtée avec le code {returncode}"
    return tail[-600:]


def run_if_due(db_path, argv, index_file, clock=time.time, cwd=ROOT, environ=None):
    """Run the publish command if a publication is due and no other runner is at it.

    Returns the PublishStatus after a run, or None when nothing ran.
    """
    with store.opened(db_path) as conn:
        state = status(conn)
    now = clock()
    if state.state not in ("waiting", "running") or (state.state == "waiting" and not due(state, now)):
        return None
    lock_file = open(_lock_path(db_path), "w")  # noqa: SIM115  (held for the whole run)
    try:
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return None
        with store.opened(db_path) as conn, store.transaction(conn):
            state = status(conn)
            # « running » without the lock: the runner died; start over.
            if state.state not in ("waiting", "running") or (state.state == "waiting" and not due(state, now)):
                return None
            started = clock()
            conn.execute("UPDATE publish_state SET state = 'running', started_ts = ?, message = '' WHERE one = 1",
                         (started,))
        logger.info("comments.publisher: running %s", " ".join(argv))
        env = python_path(os.environ if environ is None else environ)
        try:
            result = subprocess.run(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                                    text=True, timeout=COMMAND_TIMEOUT)
            output, code = (result.stdout or "") + "\n" + (result.stderr or ""), result.returncode
        except (OSError, subprocess.SubprocessError) as error:
            output, code = f"la commande {' '.join(argv)} n’a pas pu être lancée ({error})", -1
        finished = clock()
        busy = code != 0 and BUSY_MARKER in output
        with store.opened(db_path) as conn:
            with store.transaction(conn):
                again = (status(conn).requested_ts or 0) > started
                if code == 0:
                    new_state, message = ("waiting" if again else "online"), ""
                elif busy:
                    # Another publication (someone's `make publish`) holds the site: wait for it, then run ours.
                    new_state, message = "waiting", ""
                    conn.execute("UPDATE publish_state SET requested_ts = ? WHERE one = 1",
                                 (finished + BUSY_RETRY_SECONDS - DEBOUNCE,))
                else:
                    new_state, message = ("waiting" if again else "failed"), failure_message(output, code)
                conn.execute(
                    "UPDATE publish_state SET state = ?, finished_ts = ?, message = ?,"
                    " first_requested_ts = CASE WHEN ? = 'waiting' THEN requested_ts ELSE first_requested_ts END"
                    " WHERE one = 1",
                    (new_state, finished, message, new_state),
                )
            if code == 0:
                from .mailer import queue_reply_notifications

                online = record_online(conn, index_file, finished)
                queue_reply_notifications(conn, online, finished)
                logger.info("comments.publisher: online in %.1f s (%s new comment(s) online)", finished - started,
                            len(online))
            elif busy:
                logger.info("comments.publisher: another publication is running; ours waits for it")
            else:
                logger.error("comments.publisher: the publication failed (exit %s): %s", code, message)
            return status(conn)
    finally:
        lock_file.close()


def online_ids(index_file):
    """{comment id: report slug} for every comment the live build's index lists."""
    try:
        data = json.loads(Path(index_file).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {
        comment_id: slug
        for slug, entry in (data.get("articles") or {}).items()
        for comment_id in entry.get("comments", [])
    }


def record_online(conn, index_file, now):
    """Mark the approved comments the live build now shows; return those rows (first time only)."""
    listed = online_ids(index_file)
    newly = [row for row in store.list_comments(conn, "approved") if row.online_ts is None
             and listed.get(row.id) == row.article]
    with store.transaction(conn):
        for row in newly:
            conn.execute("UPDATE comments SET online_ts = ? WHERE id = ? AND online_ts IS NULL", (now, row.id))
    return newly


def spawn_runner(environ=None, log_path=None):
    """Start `python -m comments.publisher` on its own (the command line returns at once)."""
    environ = os.environ if environ is None else environ
    log_path = Path(log_path or store.database_path(environ).with_name("publish.log"))
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "comments.publisher"], cwd=ROOT, env=python_path(environ),
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    return process


def main():
    """Run due publications until none is waiting, send the e-mails they queued, and stop."""
    from .mailer import send_due
    from .service import ServiceConfig

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    config = ServiceConfig.from_env()
    if config.publish_command is None:
        return 0
    deadline = time.time() + COMMAND_TIMEOUT + MAX_DELAY
    while time.time() < deadline:
        run_if_due(config.db_path, config.publish_command, config.site_index)
        with store.opened(config.db_path) as conn:
            state = status(conn)
        if state.state != "waiting":
            break
        time.sleep(0.5)
    send_due(config)
    return 0


if __name__ == "__main__":
    sys.exit(main())
