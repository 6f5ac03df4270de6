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

from .model import PARIS, name_key

DEFAULT_DB = "var/comments.sqlite3"
DB_ENV = "POULS_COMMENTS_DB"
SCHEMA_VERSION = 2
BUSY_TIMEOUT_MS = 30_000

COMMENTS_TABLE = """
CREATE TABLE comments (
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
    status      TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    created_ts  REAL NOT NULL,
    decided_ts  REAL,
    decided_by  TEXT,
    newsroom    INTEGER NOT NULL DEFAULT 0,
    online_ts   REAL
)"""

# Version 2: the moderation desk (moderators, sessions, login attempts, audit log), the
# background publication, reply notifications and their opt-outs.
SCHEMA = COMMENTS_TABLE + """;
CREATE INDEX comments_by_prefix ON comments (ip_prefix, created_ts);
CREATE INDEX comments_by_sender ON comments (author_key, created_ts);
CREATE INDEX comments_by_status ON comments (status, created_ts);
CREATE TABLE moderators (
    login          TEXT PRIMARY KEY,
    password_hash  TEXT NOT NULL,
    created_ts     REAL NOT NULL
);
CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    login       TEXT NOT NULL REFERENCES moderators (login) ON DELETE CASCADE,
    csrf        TEXT NOT NULL,
    created_ts  REAL NOT NULL,
    seen_ts     REAL NOT NULL,
    flash       TEXT
);
CREATE TABLE login_attempts (
    ts         REAL NOT NULL,
    login      TEXT NOT NULL,
    ip_prefix  TEXT NOT NULL,
    ok         INTEGER NOT NULL
);
CREATE INDEX login_attempts_by_ts ON login_attempts (ts);
CREATE TABLE audit (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    ts          REAL NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    comment_id  TEXT,
    article     TEXT,
    detail      TEXT NOT NULL DEFAULT ''
);
CREATE TABLE publish_state (
    one                 INTEGER PRIMARY KEY CHECK (one = 1),
    state               TEXT NOT NULL CHECK (state IN ('idle', 'waiting', 'running', 'online', 'failed')),
    first_requested_ts  REAL,
    requested_ts        REAL,
    started_ts          REAL,
    finished_ts         REAL,
    message             TEXT NOT NULL DEFAULT ''
);
INSERT INTO publish_state (one, state) VALUES (1, 'idle');
CREATE TABLE notifications (
    reply_id    TEXT PRIMARY KEY,
    kind        TEXT NOT NULL DEFAULT 'reply',
    parent_id   TEXT,
    article     TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'skipped')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_ts     REAL NOT NULL,
    claimed_ts  REAL,
    sent_ts     REAL,
    error       TEXT NOT NULL DEFAULT '',
    created_ts  REAL NOT NULL
);
CREATE TABLE unsubscribed (
    address_key  TEXT PRIMARY KEY,
    ts           REAL NOT NULL
);
CREATE TABLE meta (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
)"""

# Version 1 had the comments table only, with no rejected status (a refusal deleted the row).
MIGRATE_FROM_1 = """
ALTER TABLE comments RENAME TO comments_v1;
DROP INDEX IF EXISTS comments_by_prefix;
DROP INDEX IF EXISTS comments_by_sender;
DROP INDEX IF EXISTS comments_by_status;
""" + SCHEMA + """;
INSERT INTO comments (id, article, parent_id, author, author_key, email, website, body, body_hash, ip_prefix,
                      flags, status, created_ts, decided_ts, online_ts)
    SELECT id, article, parent_id, author, author_key, email, website, body, body_hash, ip_prefix,
           flags, status, created_ts, decided_ts, CASE WHEN status = 'approved' THEN decided_ts END
    FROM comments_v1;
DROP TABLE comments_v1
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
    decided_ts: float | None = None
    decided_by: str | None = None
    newsroom: int = 0
    online_ts: float | None = None

    @property
    def created(self):
        return datetime.fromtimestamp(self.created_ts, tz=UTC).astimezone(PARIS).replace(microsecond=0)


def database_path(environ=None):
    environ = os.environ if environ is None else environ
    path = Path(environ.get(DB_ENV) or DEFAULT_DB)
    return path if path.is_absolute() else ROOT / path


def sender_key(name):
    """The key a display name is matched by (sender gap, erase by name): `model.name_key`."""
    return name_key(name)


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
    conn.execute("PRAGMA foreign_keys = ON")
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version in (0, 1):
        with transaction(conn):
            # Read again inside the write lock: another process may have just created it.
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            script = {0: SCHEMA, 1: MIGRATE_FROM_1}.get(version)
            if script is not None:
                for statement in script.split(";"):
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
        _insert(conn, pending, author_key, now)
    return "stored"


def _insert(conn, pending, author_key, now):
    conn.execute(
        "INSERT INTO comments (id, article, parent_id, author, author_key, email, website, body, body_hash,"
        " ip_prefix, flags, status, created_ts, newsroom) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
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
            1 if pending.newsroom else 0,
        ),
    )


def insert_newsroom_reply(conn, pending, now):
    """Queue a reply the newsroom wrote on the desk (no limit applies); False if the same text exists."""
    if conn.execute("SELECT 1 FROM comments WHERE body_hash = ?", (pending.body_hash,)).fetchone():
        return False
    _insert(conn, pending, name_key(pending.author), now)
    return True


def list_comments(conn, status="pending"):
    rows = conn.execute(
        "SELECT * FROM comments WHERE (? IS NULL OR status = ?) ORDER BY created_ts, id", (status, status)
    )
    return [_row(row) for row in rows]


def get_comment(conn, comment_id):
    row = conn.execute("SELECT * FROM comments WHERE id = ?", (comment_id,)).fetchone()
    return _row(row) if row else None


def mark_decided(conn, comment_id, status, now, actor):
    """Record a decision on a pending comment; False when it was not pending any more."""
    if status not in ("approved", "rejected"):
        raise ValueError(f"unknown decision {status!r}")
    # A rejected comment is kept (searchable until the retention purge) without its e-mail:
    # no notification will ever be sent about it.
    email_clause = ", email = NULL" if status == "rejected" else ""
    changed = conn.execute(
        f"UPDATE comments SET status = ?, decided_ts = ?, decided_by = ?{email_clause} WHERE id = ? AND status = 'pending'",
        (status, now, actor, comment_id),
    ).rowcount
    return changed == 1


def decided_since(conn, since_ts, query="", limit=200):
    """Approved and rejected comments decided since `since_ts`, newest first, matching `query`
    (in the name, the text, the report's slug or the id; `%` and `_` are plain characters)."""
    escaped = query.replace("!", "!!").replace("%", "!%").replace("_", "!_")
    rows = conn.execute(
        "SELECT * FROM comments WHERE status IN ('approved', 'rejected') AND decided_ts >= :since"
        " AND (author LIKE :p ESCAPE '!' OR body LIKE :p ESCAPE '!' OR article LIKE :p ESCAPE '!' OR id LIKE :p ESCAPE '!')"
        " ORDER BY decided_ts DESC, id LIMIT :limit",
        {"since": since_ts, "p": f"%{escaped}%", "limit": limit},
    )
    return [_row(row) for row in rows]


def delete_comment(conn, comment_id):
    with transaction(conn):
        return conn.execute("DELETE FROM comments WHERE id = ?", (comment_id,)).rowcount


def find_sender(conn, email=None, name=None):
    """Every row of one commenter, by e-mail address (case-insensitive) or by display name
    (`name_key`: the exact name, case and repeated spaces aside)."""
    rows = conn.execute(
        "SELECT * FROM comments WHERE (? IS NOT NULL AND email = ?) OR (? IS NOT NULL AND author_key = ?)"
        " ORDER BY created_ts, id",
        (email, (email or "").strip().lower(), name, name_key(name or "")),
    )
    return [_row(row) for row in rows]


def purge_older_than(conn, cutoff_ts):
    """Delete every row (pending or decided) received before the cutoff, with its notification;
    forget old login attempts. Returns how many comments went."""
    with transaction(conn):
        removed = conn.execute("DELETE FROM comments WHERE created_ts < ?", (cutoff_ts,)).rowcount
        conn.execute("DELETE FROM notifications WHERE created_ts < ?", (cutoff_ts,))
        conn.execute("DELETE FROM login_attempts WHERE ts < ?", (cutoff_ts,))
    return removed


# --- audit log ------------------------------------------------------------------


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    ts: float
    actor: str
    action: str
    comment_id: str | None
    article: str | None
    detail: str

    @property
    def when(self):
        return datetime.fromtimestamp(self.ts, tz=UTC).astimezone(PARIS).replace(microsecond=0)


def audit(conn, now, actor, action, comment_id=None, article=None, detail=""):
    """Record who decided what, when, on which comment (no e-mail, no address: ids only)."""
    conn.execute(
        "INSERT INTO audit (ts, actor, action, comment_id, article, detail) VALUES (?, ?, ?, ?, ?, ?)",
        (now, actor, action, comment_id, article, detail),
    )


def audit_log(conn, limit=200):
    rows = conn.execute("SELECT * FROM audit ORDER BY seq DESC LIMIT ?", (limit,))
    return [AuditEntry(**{key: row[key] for key in AuditEntry.__dataclass_fields__}) for row in rows]


# --- key-value ------------------------------------------------------------------


def meta_get(conn, key, default=None):
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else default


def meta_set(conn, key, value):
    conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                 (key, value))


def count(conn, status=None):
    return conn.execute(
        "SELECT count(*) FROM comments WHERE (? IS NULL OR status = ?)", (status, status)
    ).fetchone()[0]
