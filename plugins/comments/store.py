"""The private queue of comments readers sent: one SQLite database in WAL mode.

The intake service writes pending rows; the moderation command reads, approves,
rejects and erases them. The database lives outside `content/` and outside the
published site (default `var/comments.sqlite3`, git-ignored). It holds the e-mail
address (for reply notifications only) and a truncated IP prefix; both go away with
the row after the retention period (`purge`).

Every write is one short `BEGIN IMMEDIATE` transaction: the rate-limit count, the
duplicate check and the insert see the same state even with many server threads, and
a writer waits for the lock (busy_timeout) instead of failing with « database is locked ».
`synchronous=FULL` makes each committed row survive a crash of the process or the
machine, so a reader who was answered 303 never loses a comment.
"""

import os
import sqlite3
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pouls_common.paths import ROOT

from .model import PARIS

DEFAULT_DB = "var/comments.sqlite3"
DB_ENV = "POULS_COMMENTS_DB"
SCHEMA_VERSION = 1
BUSY_TIMEOUT_MS = 30_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS comments (
    id          TEXT PRIMARY KEY,
    article     TEXT NOT NULL,
    parent_id   TEXT,
    author      TEXT NOT NULL,
    author_key  TEXT NOT NULL,
    email       TEXT,
    website     TEXT,
    body        TEXT NOT NULL,
    body_hash   TEXT NOT NULL UNIQUE,
    ip_prefix   TEXT NOT NULL,
    flags       TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved')),
    created_ts  REAL NOT NULL,
    decided_ts  REAL
);
CREATE INDEX IF NOT EXISTS comments_by_prefix ON comments (ip_prefix, created_ts);
CREATE INDEX IF NOT EXISTS comments_by_sender ON comments (author_key, created_ts);
CREATE INDEX IF NOT EXISTS comments_by_status ON comments (status, created_ts);
"""


@dataclass(frozen=True)
class Limits:
    rate_limit: int = 5
    rate_window: float = 600.0
    sender_gap: float = 30.0


@dataclass(frozen=True)
class Pending:
    id: str
    article: str
    parent_id: str | None
    author: str
    email: str | None
    website: str | None
    body: str
    body_hash: str
    ip_prefix: str
    flags: str
    status: str
    created_ts: float

    @property
    def created(self):
        return datetime.fromtimestamp(self.created_ts, tz=UTC).astimezone(PARIS).replace(microsecond=0)


def database_path(environ=None):
    environ = os.environ if environ is None else environ
    path = Path(environ.get(DB_ENV) or DEFAULT_DB)
    return path if path.is_absolute() else ROOT / path


def sender_key(name):
    return " ".join(name.casefold().split())


def connect(path):
    """Open the database (creating it and its folder on first use) in WAL mode."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA synchronous = FULL")
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if mode.lower() != "wal":
        conn.close()
        raise sqlite3.OperationalError(f"cannot switch {path} to WAL mode (got {mode!r}); put it on a local disk")
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version == 0:
        with transaction(conn):
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    elif version != SCHEMA_VERSION:
        conn.close()
        raise sqlite3.DatabaseError(f"{path} has schema version {version}, this code expects {SCHEMA_VERSION}")
    return conn


@contextmanager
def transaction(conn):
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


@contextmanager
def opened(path):
    with closing(connect(path)) as conn:
        yield conn


def _row(row):
    return Pending(**{key: row[key] for key in Pending.__dataclass_fields__})


def insert_pending(conn, pending, author_key, limits, now):
    """Store a pending comment unless a limit refuses it.

    Returns "stored", "rate_limited" (too many from this network prefix in the
    window), "too_soon" (the same sender wrote a moment ago) or "duplicate".
    """
    with transaction(conn):
        recent = conn.execute(
            "SELECT count(*) FROM comments WHERE ip_prefix = ? AND created_ts > ?",
            (pending.ip_prefix, now - limits.rate_window),
        ).fetchone()[0]
        if recent >= limits.rate_limit:
            return "rate_limited"
        if limits.sender_gap > 0:
            same_sender = conn.execute(
                "SELECT 1 FROM comments WHERE created_ts > ? AND (author_key = ? OR (email IS NOT NULL AND email = ?)) LIMIT 1",
                (now - limits.sender_gap, author_key, (pending.email or "").lower()),
            ).fetchone()
            if same_sender:
                return "too_soon"
        if conn.execute("SELECT 1 FROM comments WHERE body_hash = ?", (pending.body_hash,)).fetchone():
            return "duplicate"
        conn.execute(
            "INSERT INTO comments (id, article, parent_id, author, author_key, email, website, body, body_hash,"
            " ip_prefix, flags, status, created_ts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)",
            (
                pending.id,
                pending.article,
                pending.parent_id,
                pending.author,
                author_key,
                pending.email.lower() if pending.email else None,
                pending.website,
                pending.body,
                pending.body_hash,
                pending.ip_prefix,
                pending.flags,
                now,
            ),
        )
    return "stored"


def list_comments(conn, status="pending"):
    rows = conn.execute(
        "SELECT * FROM comments WHERE (? IS NULL OR status = ?) ORDER BY created_ts, id", (status, status)
    )
    return [_row(row) for row in rows]


def get_comment(conn, comment_id):
    row = conn.execute("SELECT * FROM comments WHERE id = ?", (comment_id,)).fetchone()
    return _row(row) if row else None


def mark_approved(conn, comment_id, now):
    with transaction(conn):
        conn.execute(
            "UPDATE comments SET status = 'approved', decided_ts = ? WHERE id = ? AND status = 'pending'",
            (now, comment_id),
        )


def delete_comment(conn, comment_id):
    with transaction(conn):
        return conn.execute("DELETE FROM comments WHERE id = ?", (comment_id,)).rowcount


def find_sender(conn, email=None, name=None):
    """Every row of one commenter, by e-mail address or by display name."""
    rows = conn.execute(
        "SELECT * FROM comments WHERE (? IS NOT NULL AND email = ?) OR (? IS NOT NULL AND author_key = ?)"
        " ORDER BY created_ts, id",
        (email, (email or "").lower(), name, sender_key(name or "")),
    )
    return [_row(row) for row in rows]


def purge_older_than(conn, cutoff_ts):
    """Delete every row (pending or decided) received before the cutoff; return how many."""
    with transaction(conn):
        return conn.execute("DELETE FROM comments WHERE created_ts < ?", (cutoff_ts,)).rowcount


def count(conn, status=None):
    return conn.execute(
        "SELECT count(*) FROM comments WHERE (? IS NULL OR status = ?)", (status, status)
    ).fetchone()[0]
