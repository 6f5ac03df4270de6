"""Reply notifications by e-mail, as the form promises, over SMTP with the standard library.

When a reply goes online (after the publication that puts it on the page, never at approval),
the author of the comment it answers gets one French e-mail, if they gave an address and the
queue still holds it (the retention purge, an erasure or a rejection removes it). The message
names who replied, quotes the start of the reply and links to `…/#comment-<id>`. It carries
`List-Unsubscribe` (with RFC 8058 one-click) and two signed links: stop these e-mails, and
erase the address with the comments still pending. Nobody else's address is ever in it: one
message, one recipient (the envelope is given explicitly, headers cannot add one).

Exactly one e-mail per reply: the outbox row is keyed by the reply's id (a second publication
or a restart cannot queue it again) and claimed in a transaction before it is sent. A failed
send is retried with a growing delay and logged, in a background thread or process: never in
the way of moderation or publication. A process killed during the SMTP exchange leaves the row
« sending »; after STALE_SECONDS it is sent again with the same Message-ID, which mail stores
use to recognise a duplicate — the only window in which a second copy can exist.

Settings come from the environment (see `MailConfig.from_env`); without POULS_SMTP_HOST no
e-mail is sent and replies are marked « skipped ».
"""

import base64
import hashlib
import hmac
import json
import logging
import smtplib
import ssl
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path

from . import store
from .model import EMAIL_RE, LINE_BREAKS, clean_body, clean_line, name_key
from .settings import CommentsSettingsError, env_number

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
STALE_SECONDS = 15 * 60
QUOTE_CHARS = 280


@dataclass(frozen=True)
class MailConfig:
    host: str | None = None
    port: int = 25
    starttls: bool = False
    user: str | None = None
    password: str | None = None
    sender: str | None = None
    timeout: float = 10.0
    retry_base: float = 60.0
    moderator_addresses: tuple = ()
    moderator_alert_minutes: int = 0

    @property
    def enabled(self):
        return bool(self.host)

    @classmethod
    def from_env(cls, env):
        """POULS_SMTP_HOST, _PORT (587 with STARTTLS, else 25), _STARTTLS (1/0), _USER, _PASSWORD,
        _FROM (required with a host), _TIMEOUT, _RETRY_SECONDS; POULS_COMMENTS_MODERATOR_EMAILS
        and POULS_COMMENTS_MODERATOR_EMAIL_MINUTES for the optional « comments waiting » e-mail."""
        host = (env.get("POULS_SMTP_HOST") or "").strip() or None
        flag = (env.get("POULS_SMTP_STARTTLS") or "").strip().lower()
        if flag not in ("", "0", "1", "yes", "no", "oui", "non", "true", "false"):
            raise CommentsSettingsError(f"POULS_SMTP_STARTTLS={flag!r} must be 1 or 0")
        starttls = flag in ("1", "yes", "oui", "true")

        def number(name, default, kind=float, minimum=0):
            return env_number(env, name, default, kind, minimum)

        sender = (env.get("POULS_SMTP_FROM") or "").strip() or None
        if host and not sender:
            raise CommentsSettingsError(
                "POULS_SMTP_FROM is not set; with POULS_SMTP_HOST set, give the sender, like "
                "POULS_SMTP_FROM='Pouls <commentaires@pouls.example.fr>'"
            )
        if sender and any(char in sender for char in LINE_BREAKS):
            raise CommentsSettingsError("POULS_SMTP_FROM holds a line break; write one address")
        moderators = tuple(a.strip() for a in (env.get("POULS_COMMENTS_MODERATOR_EMAILS") or "").split(",") if a.strip())
        for address in moderators:
            if not EMAIL_RE.fullmatch(address):
                raise CommentsSettingsError(
                    f"POULS_COMMENTS_MODERATOR_EMAILS has {address!r}, which is not an e-mail address; separate addresses with commas"
                )
        return cls(
            host=host,
            port=number("POULS_SMTP_PORT", 587 if starttls else 25, int, 1),
            starttls=starttls,
            user=env.get("POULS_SMTP_USER") or None,
            password=env.get("POULS_SMTP_PASSWORD") or None,
            sender=sender,
            timeout=number("POULS_SMTP_TIMEOUT", 10.0, float, 1),
            retry_base=number("POULS_SMTP_RETRY_SECONDS", 60.0, float, 0),
            moderator_addresses=moderators,
            moderator_alert_minutes=number("POULS_COMMENTS_MODERATOR_EMAIL_MINUTES", 60, int, 1) if moderators else 0,
        )


# --- signed links -------------------------------------------------------------------


def address_key(secret, email):
    """An opaque, unforgeable name for an address (HMAC with the service's secret): the links
    carry it instead of the address, and an opt-out is stored as it, not as the address."""
    mac = hmac.new(secret, b"adresse\0" + email.strip().lower().encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:24]).decode("ascii")


def rows_for_key(conn, secret, key):
    """The queue's rows whose address has this key."""
    return [row for row in store.list_comments(conn, None) if row.email and hmac.compare_digest(address_key(secret, row.email), key)]


def is_unsubscribed(conn, key):
    return conn.execute("SELECT 1 FROM unsubscribed WHERE address_key = ?", (key,)).fetchone() is not None


def unsubscribe(conn, key, now):
    with store.transaction(conn):
        conn.execute("INSERT OR IGNORE INTO unsubscribed (address_key, ts) VALUES (?, ?)", (key, now))
        store.audit(conn, now, "lecteur", "unsubscribe", detail="désabonnement par lien signé")


def erase_address(conn, secret, key, now):
    """The reader's own erasure link: their pending comments go, their address leaves every row,
    no e-mail will be sent to it. Returns how many pending comments were deleted."""
    rows = rows_for_key(conn, secret, key)
    with store.transaction(conn):
        deleted = 0
        for row in rows:
            if row.status == "pending":
                deleted += conn.execute("DELETE FROM comments WHERE id = ?", (row.id,)).rowcount
            else:
                conn.execute("UPDATE comments SET email = NULL WHERE id = ?", (row.id,))
        conn.execute("INSERT OR IGNORE INTO unsubscribed (address_key, ts) VALUES (?, ?)", (key, now))
        store.audit(conn, now, "lecteur", "erase", detail=f"effacement par lien signé\u00a0: {deleted} en attente, {len(rows)} ligne(s)")
    return deleted


# --- the outbox ---------------------------------------------------------------------


def _same_person(reply, parent):
    if reply.email and parent.email and reply.email.lower() == parent.email.lower():
        return True
    return not reply.newsroom and name_key(reply.author) == name_key(parent.author)


def queue_reply_notifications(conn, online_rows, now):
    """Queue one notification per reply that just went online (never twice: keyed by the reply)."""
    with store.transaction(conn):
        for reply in online_rows:
            if not reply.parent_id:
                continue
            parent = store.get_comment(conn, reply.parent_id)
            if parent is None or not parent.email:
                status, error = "skipped", "pas d’adresse conservée pour le commentaire parent"
            elif _same_person(reply, parent):
                status, error = "skipped", "réponse à soi-même"
            else:
                status, error = "pending", ""
            conn.execute(
                "INSERT OR IGNORE INTO notifications (reply_id, parent_id, article, status, next_ts, error, created_ts)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (reply.id, reply.parent_id, reply.article, status, now, error, now),
            )


def _claim(conn, now, limit=20):
    with store.transaction(conn):
        conn.execute("UPDATE notifications SET status = 'pending' WHERE status = 'sending' AND claimed_ts < ?",
                     (now - STALE_SECONDS,))
        rows = conn.execute(
            "SELECT * FROM notifications WHERE status = 'pending' AND next_ts <= ? ORDER BY created_ts, reply_id LIMIT ?",
            (now, limit),
        ).fetchall()
        for row in rows:
            conn.execute("UPDATE notifications SET status = 'sending', claimed_ts = ? WHERE reply_id = ?",
                         (now, row["reply_id"]))
    return rows


def _finish(conn, reply_id, status, now, error=""):
    with store.transaction(conn):
        conn.execute("UPDATE notifications SET status = ?, sent_ts = CASE WHEN ? = 'sent' THEN ? END, error = ?"
                     " WHERE reply_id = ?", (status, status, now, error[:500], reply_id))


def _retry(conn, row, now, config, error):
    attempts = row["attempts"] + 1
    if attempts >= MAX_ATTEMPTS:
        status, next_ts = "failed", now
    else:
        status, next_ts = "pending", now + min(config.retry_base * 2 ** (attempts - 1), 6 * 3600)
    with store.transaction(conn):
        conn.execute("UPDATE notifications SET status = ?, attempts = ?, next_ts = ?, error = ? WHERE reply_id = ?",
                     (status, attempts, next_ts, str(error)[:500], row["reply_id"]))
    logger.warning("comments.mailer: sending the notification for reply %s failed (attempt %s of %s, %s): %s",
                   row["reply_id"], attempts, MAX_ATTEMPTS, "given up" if status == "failed" else "will retry",
                   error)


def _index(index_file):
    try:
        return json.loads(Path(index_file).read_text(encoding="utf-8")).get("articles", {})
    except (OSError, ValueError):
        return {}


def _quote(text):
    flat = " ".join(clean_body(text).split())
    return flat if len(flat) <= QUOTE_CHARS else flat[: QUOTE_CHARS - 1].rstrip() + "…"


def _domain(sender):
    address = sender.rsplit("<", 1)[-1].rstrip(">")
    return address.rpartition("@")[2] or "pouls.invalid"


def reply_message(config, secret, public_url, site_url, site_name, entry, parent, reply):
    """The notification as an EmailMessage (policy SMTP: a header with CR or LF raises)."""
    key = address_key(secret, parent.email)
    unsubscribe_url = f"{public_url}/desabonnement?adresse={key}"
    erase_url = f"{public_url}/effacement?adresse={key}"
    link = f"{site_url}/{entry['url']}#comment-{reply.id}"
    title = entry["title"]
    who = clean_line(reply.author)
    message = EmailMessage()
    message["From"] = config.sender
    message["To"] = parent.email
    message["Subject"] = f"Réponse à votre commentaire sur «\u00a0{title}\u00a0»"
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = f"<reponse-{reply.id}.{key[:8]}@{_domain(config.sender)}>"
    message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(
        f"Bonjour {clean_line(parent.author)},\n\n"
        f"{who} a répondu à votre commentaire sur l’article «\u00a0{title}\u00a0» de {site_name}\u00a0:\n\n"
        f"«\u00a0{_quote(reply.body)}\u00a0»\n\n"
        f"Lire la réponse\u00a0: {link}\n\n"
        "-- \n"
        f"Vous recevez ce message parce que vous avez donné votre adresse en commentant sur {site_name}. "
        "Nous n’écrivons qu’une fois par réponse publiée à l’un de vos commentaires.\n"
        f"Ne plus recevoir ces messages\u00a0: {unsubscribe_url}\n"
        f"Effacer votre adresse et vos commentaires en attente\u00a0: {erase_url}\n"
    )
    message["Content-Language"] = "fr"  # after set_content(), which clears every Content-* header
    return message


def _send(config, messages):
    """Send [(message, recipient)] over one SMTP connection; returns {recipient index: error}."""
    errors = {}
    with smtplib.SMTP(config.host, config.port, timeout=config.timeout) as smtp:
        if config.starttls:
            smtp.starttls(context=ssl.create_default_context())
        if config.user:
            smtp.login(config.user, config.password or "")
        for number, (message, recipient) in enumerate(messages):
            try:
                refused = smtp.send_message(message, from_addr=config.sender, to_addrs=[recipient])
                if refused:
                    errors[number] = f"refused: {refused}"
            except smtplib.SMTPRecipientsRefused as error:
                errors[number] = f"recipient refused: {error.recipients}"
            except smtplib.SMTPDataError as error:
                errors[number] = f"data refused: {error.smtp_code} {error.smtp_error!r}"
    return errors


def send_due(config, now=None):
    """Send the notifications that are due. Never raises for a mail problem: logs and retries."""
    mail = config.mail
    now = time.time() if now is None else now
    with store.opened(config.db_path) as conn:
        claimed = _claim(conn, now)
        if not claimed:
            return 0
        if not mail.enabled:
            for row in claimed:
                _finish(conn, row["reply_id"], "skipped", now, "envoi de courriels désactivé (POULS_SMTP_HOST)")
            return 0
        index = _index(config.site_index)
        ready = []
        for row in claimed:
            reply = store.get_comment(conn, row["reply_id"])
            parent = store.get_comment(conn, row["parent_id"]) if row["parent_id"] else None
            entry = index.get(row["article"])
            problem = None
            if reply is None or entry is None:
                problem = "réponse ou article plus publié"
            elif parent is None or not parent.email:
                problem = "adresse plus conservée"
            elif not EMAIL_RE.fullmatch(parent.email) or any(char in parent.email for char in LINE_BREAKS):
                problem = "adresse invalide"
            elif is_unsubscribed(conn, address_key(config.secret, parent.email)):
                problem = "désabonné"
            if problem:
                _finish(conn, row["reply_id"], "skipped", now, problem)
                continue
            try:
                message = reply_message(mail, config.secret, config.public_url, config.resolved_site_url(),
                                        config.site_name, entry, parent, reply)
            except (ValueError, TypeError) as error:
                _finish(conn, row["reply_id"], "failed", now, f"message impossible: {error}")
                logger.error("comments.mailer: cannot build the notification for reply %s: %s", row["reply_id"], error)
                continue
            ready.append((row, message, parent.email))
        if not ready:
            return 0
        try:
            errors = _send(mail, [(message, recipient) for _, message, recipient in ready])
        except (smtplib.SMTPException, OSError) as error:
            for row, _, _ in ready:
                _retry(conn, row, now, mail, error)
            return 0
        sent = 0
        for number, (row, _, _) in enumerate(ready):
            if number in errors:
                _retry(conn, row, now, mail, errors[number])
            else:
                _finish(conn, row["reply_id"], "sent", now)
                sent += 1
                logger.info("comments.mailer: notification sent for reply %s", row["reply_id"])
        return sent


# --- the optional « comments are waiting » e-mail to moderators -----------------------


def alert_moderators(config, now=None):
    """At most one e-mail every N minutes to each moderator address when new comments wait."""
    mail = config.mail
    if not (mail.enabled and mail.moderator_addresses):
        return 0
    now = time.time() if now is None else now
    with store.opened(config.db_path) as conn:
        last = float(store.meta_get(conn, "moderator_alert_ts", "0"))
        if now - last < mail.moderator_alert_minutes * 60:
            return 0
        waiting = store.count(conn, "pending")
        newer = conn.execute("SELECT count(*) FROM comments WHERE status = 'pending' AND created_ts > ?",
                             (last,)).fetchone()[0]
        if not newer:
            return 0
        with store.transaction(conn):
            store.meta_set(conn, "moderator_alert_ts", repr(now))
    messages = []
    for address in mail.moderator_addresses:
        message = EmailMessage()
        message["From"] = mail.sender
        message["To"] = address
        message["Subject"] = f"{waiting}\u00a0commentaire(s) attendent la modération sur {config.site_name}"
        message["Date"] = formatdate(localtime=False)
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(
            f"{waiting}\u00a0commentaire(s) attendent votre relecture.\n\n"
            f"Bureau de modération\u00a0: {config.public_url}/moderation/\n\n"
            f"Vous recevez au plus un message toutes les {mail.moderator_alert_minutes}\u00a0minutes.\n"
        )
        messages.append((message, address))
    try:
        errors = _send(mail, messages)
    except (smtplib.SMTPException, OSError) as error:
        logger.warning("comments.mailer: the « comments waiting » e-mail failed: %s", error)
        return 0
    for number in errors:
        logger.warning("comments.mailer: the « comments waiting » e-mail to moderator %s failed: %s", number, errors[number])
    return len(messages) - len(errors)


def stats(conn):
    """How many notifications are in each state (for `make moderate ARGS="status"`)."""
    return dict(conn.execute("SELECT status, count(*) FROM notifications GROUP BY status").fetchall())

