"""The moderation desk: moderate from a browser, without JavaScript, under `<base>/moderation/`.

    GET  /moderation/connexion     log in (form)            POST  log in
    POST /moderation/deconnexion   log out
    GET  /moderation/              the queue, oldest first, each comment shown as it will be published
    POST /moderation/decision      approve, reject, reject and erase the sender; several at once
    GET  /moderation/recherche     approved and rejected comments of the last 30 days
    GET  /moderation/repondre?id=  reply as the newsroom   POST  publish the reply
    GET  /moderation/journal       the audit log
    POST /moderation/republier     run the publication again

Security: a desk page without a live session redirects to the login page (a POST is refused
with 403); every POST needs the session's CSRF token and an Origin (or Referer) that is the
service's own public origin; a GET changes nothing. The login form carries its own signed token
tied to a cookie, so a login cannot be forged from another site either. Decisions go through
`decisions.py`, the functions `make moderate` calls.
"""

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from http.cookies import CookieError, SimpleCookie
from urllib.parse import quote, urlsplit

from . import accounts, decisions, publisher, store
from .model import CommentFormatError, describe_flag, parse_comment, serialise_comment, split_flags, truncate_ip

logger = logging.getLogger(__name__)

SESSION_COOKIE = "pouls_moderation"
LOGIN_COOKIE = "pouls_connexion"
SEARCH_DAYS = 30
MAX_FORM_BYTES = 200_000

ACTIONS = {"approve": "Approuvé", "reject": "Refusé"}


@dataclass
class QueueItem:
    row: object
    comment: object
    problem: str
    entry: dict | None
    reasons: list
    age: str


def age_of(ts, now):
    seconds = max(0, now - ts)
    if seconds < 60:
        return "à l’instant"
    if seconds < 3600:
        return f"il y a {int(seconds // 60)}\u00a0min"
    if seconds < 86400:
        return f"il y a {int(seconds // 3600)}\u00a0h"
    return f"il y a {int(seconds // 86400)}\u00a0j"


def paris(ts):
    return datetime.fromtimestamp(ts, tz=UTC).astimezone(store.PARIS).replace(microsecond=0) if ts else None


class Desk:
    def __init__(self, service):
        self.service = service
        self.config = service.config

    # --- plumbing -------------------------------------------------------------------

    @property
    def prefix(self):
        return self.config.base_path + "/moderation"

    def cookie_attributes(self):
        secure = self.config.public_url.startswith("https://") or self.service.site_url().startswith("https://")
        return f"Path={self.prefix}/; HttpOnly; SameSite=Strict" + ("; Secure" if secure else "")

    def set_cookie(self, name, value, max_age=None):
        attributes = self.cookie_attributes()
        if max_age is not None:
            attributes += f"; Max-Age={max_age}"
        return ("Set-Cookie", f"{name}={value}; {attributes}")

    @staticmethod
    def cookies(environ):
        jar = SimpleCookie()
        try:
            jar.load(environ.get("HTTP_COOKIE", ""))
        except CookieError:
            return {}
        return {key: morsel.value for key, morsel in jar.items()}

    def redirect(self, where, headers=()):
        return self.service_response(303, b"", [("Location", self.prefix + where), *headers])

    @staticmethod
    def service_response(status, body, headers):
        from .service import Response

        return Response(status, body, headers)

    def desk_origins(self):
        """The origins a desk page can have: the service's public address and, for a browser that
        talks to the service directly (development), the address it listens on."""
        origins = {"{0.scheme}://{0.netloc}".format(urlsplit(self.config.public_url))}
        for host in {self.config.host, "localhost" if self.config.host == "127.0.0.1" else self.config.host}:
            origins.add(f"http://{host}:{self.config.port}")
        return origins

    def origin_ok(self, environ):
        """A desk POST must come from a page of the service itself (Origin, or Referer without it)."""
        origin = environ.get("HTTP_ORIGIN")
        if origin is None:
            referer = environ.get("HTTP_REFERER") or ""
            parts = urlsplit(referer)
            origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme else None
        return origin is not None and origin.rstrip("/") in self.desk_origins()

    def render(self, status, template, session=None, conn=None, **values):
        values.setdefault("desk", self.prefix)
        values.setdefault("session", session)
        values.setdefault("flash", (session.flash or "").split("\n") if session and session.flash else [])
        if session is not None and conn is not None:
            values.setdefault("publish", publisher.status(conn))
            values.setdefault("waiting", store.count(conn, "pending"))
        return self.service.page(status, template, **values)

    def refuse(self, status, message, title="Action refusée"):
        return self.service.page(status, "message.html", title=title, message=message)

    # --- routing --------------------------------------------------------------------

    def route(self, environ, sub, method):
        if sub == "":
            return self.redirect("/")
        if sub == "/connexion":
            if method in ("GET", "HEAD"):
                return self.login_form(environ)
            if method == "POST":
                return self.login(environ)
            return self.service.not_allowed("GET, POST")
        now = self.service.clock()
        token = self.cookies(environ).get(SESSION_COOKIE)
        with store.opened(self.config.db_path) as conn:
            session = accounts.current_session(conn, token, now)
            if session is None:
                if method in ("GET", "HEAD"):
                    return self.redirect("/connexion", [self.set_cookie(SESSION_COOKIE, "", 0)] if token else [])
                return self.refuse(403, "Votre session a expiré ou vous n’êtes pas connecté\u00a0: rien n’a été fait. "
                                        "Connectez-vous, puis recommencez.", "Session expirée")
            pages = {
                "/": ("GET", self.queue), "/recherche": ("GET", self.search), "/journal": ("GET", self.journal),
                "/repondre": ("GET", self.reply_form),
            }
            actions = {
                "/decision": self.decide, "/deconnexion": self.logout, "/republier": self.republish,
                "/repondre": self.reply,
            }
            if method in ("GET", "HEAD") and sub in pages:
                return pages[sub][1](environ, conn, session, now)
            if method == "POST" and sub in actions:
                if not self.origin_ok(environ):
                    logger.warning("comments.desk: refused a POST to %s from origin %r (moderator %s)", sub,
                                   environ.get("HTTP_ORIGIN") or environ.get("HTTP_REFERER"), session.login)
                    return self.refuse(403, "Cette action ne peut venir que d’une page du bureau de modération\u00a0: rien n’a été fait.")
                form, error = self.service.read_form(environ, fields=None, limit=MAX_FORM_BYTES)
                if error:
                    return error
                if not session.csrf_ok((form.get("csrf") or [""])[0]):
                    logger.warning("comments.desk: refused a POST to %s without this session's token (moderator %s)",
                                   sub, session.login)
                    return self.refuse(403, "Le jeton de sécurité de ce formulaire manque ou a expiré\u00a0: rien n’a été fait. "
                                            "Rechargez la page, puis recommencez.")
                return actions[sub](environ, conn, session, now, form)
            if sub in pages or sub in actions:
                return self.service.not_allowed("GET" if sub in pages and sub not in actions else "POST")
            return self.refuse(404, "Cette adresse ne correspond à aucune page du bureau de modération.", "Page introuvable")

    # --- logging in and out -----------------------------------------------------------

    def login_token(self, nonce):
        return hmac.new(self.config.secret, f"connexion:{nonce}".encode(), hashlib.sha256).hexdigest()

    def login_form(self, environ, status=200, error=None, login=""):
        nonce = secrets.token_urlsafe(24)
        response = self.render(status, "desk_login.html", error=error, login=login, token=self.login_token(nonce))
        response.headers.append(self.set_cookie(LOGIN_COOKIE, nonce))
        return response

    def login(self, environ):
        cookies = self.cookies(environ)
        form, error = self.service.read_form(environ, fields=("login", "password", "jeton"), limit=8192)
        if error:
            return error
        nonce = cookies.get(LOGIN_COOKIE, "")
        if not self.origin_ok(environ) or not nonce or not hmac.compare_digest(self.login_token(nonce), form["jeton"]):
            logger.warning("comments.desk: refused a login form without a valid token or origin (origin %r)",
                           environ.get("HTTP_ORIGIN"))
            return self.login_form(environ, 403, "Ce formulaire a expiré ou ne vient pas du bureau de modération. Réessayez.")
        now = self.service.clock()
        prefix = truncate_ip(environ.get("REMOTE_ADDR", ""))
        with store.opened(self.config.db_path) as conn:
            outcome = accounts.authenticate(conn, form["login"], form["password"], prefix, now)
            if outcome == "locked":
                return self.login_form(environ, 429, "Trop de tentatives de connexion ont échoué pour ce compte ou depuis votre "
                                                     "réseau. Réessayez dans 15\u00a0minutes.", form["login"])
            if outcome != "ok":
                return self.login_form(environ, 403, "Identifiant ou mot de passe incorrect.", form["login"])
            # No fixation: a session the browser had before is closed, and a new id is issued.
            old = accounts.current_session(conn, cookies.get(SESSION_COOKIE), now)
            if old is not None:
                accounts.close_session(conn, old)
            token = accounts.open_session(conn, form["login"].strip(), now)
        return self.redirect("/", [self.set_cookie(SESSION_COOKIE, token), self.set_cookie(LOGIN_COOKIE, "", 0)])

    def logout(self, environ, conn, session, now, form):
        accounts.close_session(conn, session)
        logger.info("comments.desk: %s logged out", session.login)
        response = self.render(200, "desk_login.html", error=None, login="", message="Vous êtes déconnecté.",
                               token=None)
        response.headers.append(self.set_cookie(SESSION_COOKIE, "", 0))
        return response

    # --- the queue ------------------------------------------------------------------

    def preview(self, conn, row):
        """The comment as the site will show it, through the model's own writer and reader."""
        try:
            text = serialise_comment(row.author, row.created, row.body, website=row.website,
                                     parent_id=row.parent_id, newsroom=bool(row.newsroom))
            comment = parse_comment(text, row.id, article_slug=row.article)
        except (ValueError, CommentFormatError) as error:
            return None, f"ce commentaire ne peut pas être publié tel quel ({error})"
        if comment.parent_id:
            parent = store.get_comment(conn, comment.parent_id)
            name = parent.author if parent else self.published_author(row.article, comment.parent_id)
            comment = replace(comment, in_reply_to=name or "un commentaire")
        return comment, ""

    def published_author(self, article, comment_id):
        try:
            path = decisions.comment_path(self.config.comments_folder, article, comment_id)
            return parse_comment(path.read_text(encoding="utf-8"), comment_id).author
        except (OSError, decisions.ModerationError, CommentFormatError, UnicodeDecodeError):
            return None

    def item(self, conn, row, now):
        comment, problem = self.preview(conn, row)
        entry, _ = self.service.article(row.article)
        return QueueItem(row, comment, problem, entry, [describe_flag(flag) for flag in split_flags(row.flags)],
                         age_of(row.created_ts, now))

    def queue(self, environ, conn, session, now):
        items = [self.item(conn, row, now) for row in store.list_comments(conn, "pending")]
        return self.render(200, "desk_queue.html", session, conn, items=items)

    def decide(self, environ, conn, session, now, form):
        action = (form.get("action") or [""])[0]
        verb, _, single = action.partition(":")
        ids = [single] if single else [value for value in form.get("id", []) if value]
        back = "/recherche" if (form.get("retour") or [""])[0] == "recherche" else "/"
        if verb in ("approve-selected", "reject-selected"):
            verb = verb.split("-")[0]
        if verb not in ("approve", "reject", "erase", "erase-confirm") or not ids:
            accounts.set_flash(conn, session, "Choisissez une action et au moins un commentaire.")
            return self.redirect(back)
        if verb == "erase":
            return self.confirm_erase(conn, session, ids[0], now)
        folder = self.config.comments_folder
        results = []
        for comment_id in ids[:500]:
            try:
                if verb == "approve":
                    decisions.approve(conn, folder, comment_id, now, session.login)
                    results.append(f"Approuvé\u00a0: {comment_id}")
                elif verb == "reject":
                    decisions.reject(conn, comment_id, now, session.login)
                    results.append(f"Refusé\u00a0: {comment_id}")
                else:
                    rows, files = decisions.erase_sender(conn, folder, comment_id, now, session.login)
                    results.append(f"Refusé, et tout ce qui vient de cet expéditeur effacé\u00a0: {len(rows)} commentaire(s) "
                                   f"dont {len(files)} publié(s)")
            except decisions.ModerationError as error:
                results.append(f"Rien fait pour {comment_id[:64]!r}\u00a0: {error}")
        if verb in ("approve", "erase-confirm") and any(r.startswith(("Approuvé", "Refusé, et")) for r in results):
            results.append("La publication suit dans quelques secondes\u00a0: son état s’affiche en haut de page.")
        accounts.set_flash(conn, session, "\n".join(results))
        return self.redirect(back)

    def confirm_erase(self, conn, session, comment_id, now):
        try:
            rows, files = decisions.erase_sender(conn, self.config.comments_folder, comment_id, now, session.login,
                                                 dry_run=True)
        except decisions.ModerationError as error:
            accounts.set_flash(conn, session, f"Rien fait pour {comment_id[:64]!r}\u00a0: {error}")
            return self.redirect("/")
        row = store.get_comment(conn, comment_id)
        return self.render(200, "desk_erase.html", session, conn, row=row, rows=rows, files=files,
                           item=self.item(conn, row, now))

    # --- search, reply, log, republish ----------------------------------------------------

    def search(self, environ, conn, session, now):
        query = ((self.service_query(environ).get("q") or [""])[0]).strip()[:200]
        rows = store.decided_since(conn, now - SEARCH_DAYS * 86400, query)
        items = [self.item(conn, row, now) for row in rows]
        return self.render(200, "desk_search.html", session, conn, query=query, items=items, days=SEARCH_DAYS,
                           paris=paris)

    @staticmethod
    def service_query(environ):
        from .service import query_fields

        return query_fields(environ)

    def reply_target(self, conn, comment_id, now):
        row = store.get_comment(conn, comment_id) if comment_id else None
        if row is None or row.status != "approved":
            return None
        return self.item(conn, row, now)

    def reply_form(self, environ, conn, session, now, error=None, body=""):
        comment_id = (self.service_query(environ).get("id") or [""])[0]
        target = self.reply_target(conn, comment_id, now)
        if target is None:
            return self.render(404, "message.html", title="Commentaire introuvable",
                               message="On ne peut répondre qu’à un commentaire publié\u00a0: celui-ci n’existe pas ou n’est pas approuvé.")
        return self.render(422 if error else 200, "desk_reply.html", session, conn, item=target, error=error, body=body,
                           newsroom=self.config.site.newsroom_name)

    def reply(self, environ, conn, session, now, form):
        comment_id = (form.get("id") or [""])[0]
        body = (form.get("corps") or [""])[0]
        try:
            reply_id, _ = decisions.reply_as_newsroom(conn, self.config.comments_folder, comment_id, body,
                                                      self.config.site.newsroom_name, now, session.login)
        except decisions.ModerationError as error:
            environ = dict(environ, QUERY_STRING=f"id={quote(comment_id[:64], safe='')}")
            return self.reply_form(environ, conn, session, now, error=str(error), body=body)
        accounts.set_flash(conn, session, f"Réponse de la rédaction enregistrée ({reply_id})\u00a0: elle sera en ligne "
                                          "après la publication qui suit.")
        return self.redirect("/")

    def journal(self, environ, conn, session, now):
        return self.render(200, "desk_log.html", session, conn, entries=store.audit_log(conn), paris=paris)

    def republish(self, environ, conn, session, now, form):
        with store.transaction(conn):
            publisher.request_publish(conn, now, immediately=True)
            store.audit(conn, now, session.login, "republish")
        accounts.set_flash(conn, session, "Nouvelle publication demandée.")
        return self.redirect("/")
