"""Moderators, their sessions and the brute-force guard of the moderation desk.

Accounts are made on the server only (`make moderate ARGS="add-moderator <login>"`): there is
no default account and no password in an environment variable. Passwords are stored as
argon2id hashes (argon2-cffi, its default parameters).

A session is a random token in a cookie; the database keeps only its SHA-256, so a copy of
the database opens no session. Each session has its own CSRF token, expires after 30 minutes
without a request (and after 12 hours in any case), and a login always starts a new one (no
fixation: nothing a visitor had before logging in survives it).

Logins are refused for a while after MAX_FAILURES failed attempts in FAILURE_WINDOW seconds,
counted per account name typed and per network prefix (/24, /48). Every attempt is recorded.
"""

import hashlib
import hmac
import logging
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from . import store

logger = logging.getLogger(__name__)

LOGIN_RE = re.compile(r"[a-z0-9][a-z0-9._-]{1,31}")
PASSWORD_MIN = 12
PASSWORD_MAX = 1024
IDLE_SECONDS = 30 * 60
MAX_SESSION_SECONDS = 12 * 3600
MAX_FAILURES = 5
FAILURE_WINDOW = 15 * 60

_hasher = PasswordHasher()
_dummy_hash = []


def _dummy():
    """Verified when the login does not exist, so an unknown login takes as long as a wrong
    password. Made on first use: hashing costs tenths of a second, which every command would pay."""
    if not _dummy_hash:
        _dummy_hash.append(_hasher.hash(secrets.token_urlsafe(16)))
    return _dummy_hash[0]


class AccountError(ValueError):
    """A refused account operation; the message is French, for the moderator."""


def check_login_name(login):
    if not LOGIN_RE.fullmatch(login or ""):
        raise AccountError(
            f"identifiant {login!r} refusé\u00a0: de 2 à 32 caractères, lettres minuscules, chiffres, « . », « _ » ou « - »"
        )
    return login


def check_password(password):
    if len(password) < PASSWORD_MIN:
        raise AccountError(f"mot de passe trop court\u00a0: {PASSWORD_MIN} caractères au moins")
    if len(password) > PASSWORD_MAX:
        raise AccountError(f"mot de passe trop long\u00a0: {PASSWORD_MAX} caractères au plus")
    return password


def add_moderator(conn, login, password, now):
    check_login_name(login)
    check_password(password)
    with store.transaction(conn):
        if conn.execute("SELECT 1 FROM moderators WHERE login = ?", (login,)).fetchone():
            raise AccountError(f"le compte {login!r} existe déjà (changer son mot de passe\u00a0: passwd {login})")
        conn.execute("INSERT INTO moderators (login, password_hash, created_ts) VALUES (?, ?, ?)",
                     (login, _hasher.hash(password), now))
        store.audit(conn, now, "commande", "add-moderator", detail=login)


def set_password(conn, login, password, now):
    check_password(password)
    with store.transaction(conn):
        changed = conn.execute("UPDATE moderators SET password_hash = ? WHERE login = ?",
                               (_hasher.hash(password), login)).rowcount
        if not changed:
            raise AccountError(f"aucun compte {login!r} (voir\u00a0: moderators)")
        # A new password closes every open session of the account.
        conn.execute("DELETE FROM sessions WHERE login = ?", (login,))
        store.audit(conn, now, "commande", "passwd", detail=login)


def remove_moderator(conn, login, now):
    with store.transaction(conn):
        conn.execute("DELETE FROM sessions WHERE login = ?", (login,))
        if not conn.execute("DELETE FROM moderators WHERE login = ?", (login,)).rowcount:
            raise AccountError(f"aucun compte {login!r} (voir\u00a0: moderators)")
        store.audit(conn, now, "commande", "remove-moderator", detail=login)


def moderators(conn):
    return [row[0] for row in conn.execute("SELECT login FROM moderators ORDER BY login")]


# --- logging in -----------------------------------------------------------------


def recent_failures(conn, login, ip_prefix, now):
    """Failed logins in the window, for this account name and for this network prefix."""
    since = now - FAILURE_WINDOW
    by_login = conn.execute("SELECT count(*) FROM login_attempts WHERE ts > ? AND ok = 0 AND login = ?",
                            (since, login)).fetchone()[0]
    by_prefix = conn.execute("SELECT count(*) FROM login_attempts WHERE ts > ? AND ok = 0 AND ip_prefix = ?",
                             (since, ip_prefix)).fetchone()[0]
    return by_login, by_prefix


def authenticate(conn, login, password, ip_prefix, now):
    """Return "ok", "locked" or "invalid"; every attempt is recorded and logged."""
    login = (login or "").strip()[:64]
    by_login, by_prefix = recent_failures(conn, login, ip_prefix, now)
    if by_login >= MAX_FAILURES or by_prefix >= MAX_FAILURES:
        outcome = "locked"
    else:
        row = conn.execute("SELECT password_hash FROM moderators WHERE login = ?", (login,)).fetchone()
        try:
            _hasher.verify(row[0] if row else _dummy(), password[:PASSWORD_MAX])
            outcome = "ok" if row else "invalid"
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            outcome = "invalid"
        if outcome == "ok" and _hasher.check_needs_rehash(row[0]):
            conn.execute("UPDATE moderators SET password_hash = ? WHERE login = ?", (_hasher.hash(password), login))
    with store.transaction(conn):
        conn.execute("INSERT INTO login_attempts (ts, login, ip_prefix, ok) VALUES (?, ?, ?, ?)",
                     (now, login, ip_prefix, 1 if outcome == "ok" else 0))
    log = logger.info if outcome == "ok" else logger.warning
    log("comments.desk: login %s for %r from %s (failures in the last %s min: account %s, network %s)",
        outcome, login, ip_prefix, FAILURE_WINDOW // 60, by_login, by_prefix)
    return outcome


# --- sessions -------------------------------------------------------------------


def _digest(token):
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def open_session(conn, login, now):
    """A new session for `login`; returns the cookie token (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    with store.transaction(conn):
        conn.execute("DELETE FROM sessions WHERE seen_ts < ? OR created_ts < ?",
                     (now - IDLE_SECONDS, now - MAX_SESSION_SECONDS))
        conn.execute("INSERT INTO sessions (token_hash, login, csrf, created_ts, seen_ts) VALUES (?, ?, ?, ?, ?)",
                     (_digest(token), login, secrets.token_urlsafe(32), now, now))
    return token


class Session:
    def __init__(self, token_hash, login, csrf, flash):
        self.token_hash = token_hash
        self.login = login
        self.csrf = csrf
        self.flash = flash

    def csrf_ok(self, sent):
        return bool(sent) and hmac.compare_digest(self.csrf.encode(), str(sent).encode())


def current_session(conn, token, now):
    """The live session of this cookie token, touched (idle time restarts), or None."""
    if not token or len(token) > 128:
        return None
    digest = _digest(token)
    row = conn.execute("SELECT login, csrf, created_ts, seen_ts, flash FROM sessions WHERE token_hash = ?",
                       (digest,)).fetchone()
    if row is None:
        return None
    if row["seen_ts"] < now - IDLE_SECONDS or row["created_ts"] < now - MAX_SESSION_SECONDS:
        with store.transaction(conn):
            conn.execute("DELETE FROM sessions WHERE token_hash = ?", (digest,))
        return None
    with store.transaction(conn):
        conn.execute("UPDATE sessions SET seen_ts = ?, flash = NULL WHERE token_hash = ?", (now, digest))
    return Session(digest, row["login"], row["csrf"], row["flash"])


def set_flash(conn, session, message):
    with store.transaction(conn):
        conn.execute("UPDATE sessions SET flash = ? WHERE token_hash = ?", (message, session.token_hash))


def close_session(conn, session):
    with store.transaction(conn):
        conn.execute("DELETE FROM sessions WHERE token_hash = ?", (session.token_hash,))
