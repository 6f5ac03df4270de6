"""The comment intake service: a small WSGI application behind a real server.

Run it with `make comments-serve` (= `python -m comments.service`); it serves with
waitress on POULS_COMMENTS_HOST:POULS_COMMENTS_PORT (default 127.0.0.1:8001).

    GET  /commentaires?article=<slug>[&parent=<id>]   the form for one report (reply links)
    POST /commentaires                                 a submission from a report page or
                                                       from the form above
    GET  /commentaires/merci?article=<slug>            the thank-you page (after 303)
    GET  /commentaires/sante                           « ok » for health checks
    GET/POST /commentaires/desabonnement?adresse=<key> stop reply e-mails (signed link, RFC 8058 one-click)
    GET/POST /commentaires/effacement?adresse=<key>    erase one's address and pending comments
    /commentaires/moderation/…                         the moderation desk (moderation_desk.py)

A submission without a time token (the plain form under a static report page) is
checked and, when valid, shown back as a preview with a signed time token; the reader
confirms, and the confirmed submission is stored as pending. A token is refused when
it comes back too fast (a robot) or too late (an abandoned tab): the form is shown
again with the reader's text kept. Nothing a reader sends is used to build a path:
the report slug is looked up in the list of published reports the build wrote
(`donnees/commentaires.json`).

The comments settings (where approved comments live, where the build's index is, the
reserved names) come from the Pelican settings file the plugin reads (`settings.py`); the
rest comes from the environment: see `ServiceConfig` and the plugin README.

Two background threads run beside the requests: the publisher (approved means online,
`publisher.py`) and the mailer (reply notifications, `mailer.py`).
"""

import base64
import hashlib
import hmac
import json
import logging
import os
import secrets
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from waitress.channel import HTTPChannel
from waitress.task import ErrorTask

from french_dates.french_dates import date_long, datetime_iso
from pouls_common.paths import ROOT
from theme_assets.theme_assets import static_url_from_manifest

from . import mailer, publisher, store
from .model import body_fingerprint, hold_reasons, join_flags, render_body, truncate_ip, validate_submission
from .settings import CommentsSettingsError, env_number, from_settings_file, with_overrides

logger = logging.getLogger(__name__)

TEMPLATES = Path(__file__).resolve().parent / "templates"
# The form fields are the theme's macro, shared with the static form under each report.
THEME_TEMPLATES = ROOT / "theme" / "templates"
FIELDS = ("article", "parent", "name", "email", "website", "body", "homepage", "token")
DEFAULT_HOLD_WORDS = (
    "viagra", "cialis", "casino", "bitcoin", "crypto", "forex", "sans ordonnance",
    "pharmacie en ligne", "guérison garantie", "remède miracle", "prêt rapide",
)


@dataclass(frozen=True)
class ServiceConfig:
    db_path: Path
    secret: bytes
    secret_from_database: bool
    site_index: Path
    site_url: str
    allowed_origins: tuple
    site: object = None  # the CommentsSettings the plugin reads (settings.py)
    comments_folder: Path = ROOT / "content" / "comments"
    public_url: str = "http://127.0.0.1:8001/commentaires"
    publish_command: tuple | None = None
    mail: mailer.MailConfig = mailer.MailConfig()  # noqa: RUF009  (frozen)
    site_name: str = "Pouls"
    base_path: str = "/commentaires"
    host: str = "127.0.0.1"
    port: int = 8001
    threads: int = 4
    trusted_proxy: str | None = None
    min_seconds: float = 3.0
    max_token_age: float = 7200.0
    limits: store.Limits = store.Limits()  # noqa: RUF009  (frozen, so one shared default is safe)
    max_links: int = 2
    hold_words: tuple = DEFAULT_HOLD_WORDS
    retention_days: int = 30
    max_request_bytes: int = 100_000

    def resolved_site_url(self, index_data=None):
        """The site's address for links: POULS_COMMENTS_SITE_URL, else the build's SITEURL (from the
        index, read here unless `index_data` is given), else the settings' SITEURL."""
        if self.site_url:
            return self.site_url
        if index_data is None:
            try:
                index_data = json.loads(Path(self.site_index).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                index_data = {}
        return ((index_data.get("siteurl") or "").rstrip("/") or (self.site.siteurl if self.site else "")
                or "http://127.0.0.1:8000")

    @classmethod
    def from_env(cls, environ=None):
        env = os.environ if environ is None else environ

        def number(name, default, kind=float, minimum=0):
            return env_number(env, name, default, kind, minimum)

        secret = env.get("POULS_COMMENTS_SECRET", "")
        if secret and len(secret) < 16:
            raise CommentsSettingsError(
                "POULS_COMMENTS_SECRET is shorter than 16 characters; generate one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
            )
        origins = tuple(
            o.strip().rstrip("/")
            for o in env.get(
                "POULS_COMMENTS_ALLOWED_ORIGINS",
                "http://127.0.0.1:8000,http://localhost:8000,http://127.0.0.1:8001,http://localhost:8001",
            ).split(",")
            if o.strip()
        )
        for origin in origins:
            parts = urlsplit(origin)
            if parts.scheme not in ("http", "https") or not parts.netloc or parts.path:
                raise CommentsSettingsError(
                    f"POULS_COMMENTS_ALLOWED_ORIGINS has {origin!r}, which is not an origin; "
                    "write scheme://host[:port] without a path, comma-separated"
                )
        base_path = "/" + env.get("POULS_COMMENTS_BASE_PATH", "/commentaires").strip("/")
        site_url = env.get("POULS_COMMENTS_SITE_URL", "").rstrip("/")
        if site_url and urlsplit(site_url).scheme not in ("http", "https"):
            raise CommentsSettingsError(f"POULS_COMMENTS_SITE_URL={site_url!r} must start with https:// or http://")
        site = from_settings_file(environ=env)
        index = env.get("POULS_COMMENTS_SITE_INDEX")
        content = env.get("POULS_COMMENTS_CONTENT")
        site = with_overrides(
            site,
            content_root=(Path(content) if Path(content).is_absolute() else ROOT / content) if content else None,
            index_file=(Path(index) if Path(index).is_absolute() else ROOT / index) if index else None,
        )
        public_url = (env.get("POULS_COMMENTS_PUBLIC_URL") or site.endpoint).rstrip("/")
        if urlsplit(public_url).scheme not in ("http", "https") or not urlsplit(public_url).netloc:
            raise CommentsSettingsError(
                f"POULS_COMMENTS_PUBLIC_URL={public_url!r} must be the service's public address, like https://pouls.example.fr/commentaires"
            )
        words = env.get("POULS_COMMENTS_HOLD_WORDS")
        db_path = store.database_path(env)
        stored_secret = not secret
        if stored_secret:
            # Without POULS_COMMENTS_SECRET, one random secret is kept in the database, so the
            # service, the desk and the publisher (another process) sign and check alike.
            with store.opened(db_path) as conn, store.transaction(conn):
                secret = store.meta_get(conn, "secret")
                if secret is None:
                    secret = secrets.token_urlsafe(32)
                    store.meta_set(conn, "secret", secret)
        return cls(
            db_path=db_path,
            secret=secret.encode("utf-8"),
            secret_from_database=stored_secret,
            site_index=site.index_file,
            site_url=site_url,
            allowed_origins=origins,
            site=site,
            comments_folder=site.comments_folder,
            public_url=public_url,
            publish_command=tuple(publisher.command_from(env) or ()) or None,
            mail=mailer.MailConfig.from_env(env),
            site_name=site.site_name,
            base_path=base_path,
            host=env.get("POULS_COMMENTS_HOST", "127.0.0.1"),
            port=number("POULS_COMMENTS_PORT", 8001, int, 0),
            threads=number("POULS_COMMENTS_THREADS", 4, int, 1),
            trusted_proxy=env.get("POULS_COMMENTS_TRUSTED_PROXY") or None,
            min_seconds=number("POULS_COMMENTS_MIN_SECONDS", 3.0),
            max_token_age=number("POULS_COMMENTS_MAX_TOKEN_AGE", 7200.0, float, 1),
            limits=store.Limits(
                rate_limit=number("POULS_COMMENTS_RATE_LIMIT", 5, int, 1),
                rate_window=number("POULS_COMMENTS_RATE_WINDOW", 600.0),
                sender_gap=number("POULS_COMMENTS_SENDER_GAP", 30.0),
            ),
            max_links=number("POULS_COMMENTS_MAX_LINKS", 2, int, 0),
            hold_words=tuple(w.strip() for w in words.split(",") if w.strip()) if words is not None else DEFAULT_HOLD_WORDS,
            retention_days=number("POULS_COMMENTS_RETENTION_DAYS", 30, int, 1),
            max_request_bytes=number("POULS_COMMENTS_MAX_REQUEST_BYTES", 100_000, int, 1024),
        )


# --- time token ---------------------------------------------------------------


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def sign_token(secret, article_slug, issued_at):
    """A token saying « this form for this report was shown at issued_at », signed with the secret."""
    nonce = _b64(secrets.token_bytes(9))
    stamp = str(int(issued_at))
    mac = hmac.new(secret, f"{stamp}.{nonce}.{article_slug}".encode(), hashlib.sha256).digest()
    return f"{stamp}.{nonce}.{_b64(mac)}"


def check_token(secret, token, article_slug, now, min_seconds, max_age):
    """Return "ok", "missing", "invalid", "too_fast" or "expired"."""
    if not token:
        return "missing"
    stamp, _, rest = token.partition(".")
    nonce, _, mac = rest.partition(".")
    if not stamp.isdigit() or len(stamp) > 12 or not nonce or not mac:
        return "invalid"
    expected = _b64(hmac.new(secret, f"{stamp}.{nonce}.{article_slug}".encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(expected, mac):
        return "invalid"
    age = now - int(stamp)
    if age < min_seconds:
        return "too_fast"
    if age > max_age:
        return "expired"
    return "ok"


# --- the application ----------------------------------------------------------


class SiteIndex:
    """The reports open to comments, re-read whenever the build rewrites the file."""

    def __init__(self, path):
        self.path = path
        self._lock = threading.Lock()
        self._stamp = None
        self._data = {"articles": {}, "siteurl": ""}

    def current(self):
        try:
            stat = self.path.stat()
        except OSError:
            return None
        stamp = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            if stamp != self._stamp:
                try:
                    data = json.loads(self.path.read_text(encoding="utf-8"))
                except (OSError, ValueError) as error:
                    logger.error("comments.service: cannot read site index %s: %s", self.path, error)
                    return None
                self._data = data
                self._stamp = stamp
            return self._data


class Response:
    def __init__(self, status, body=b"", headers=()):
        self.status = status
        self.body = body
        self.headers = list(headers)


STATUS = {
    200: "200 OK", 303: "303 See Other", 400: "400 Bad Request", 403: "403 Forbidden",
    404: "404 Not Found", 405: "405 Method Not Allowed", 409: "409 Conflict", 413: "413 Content Too Large",
    415: "415 Unsupported Media Type", 422: "422 Unprocessable Content", 429: "429 Too Many Requests",
    431: "431 Request Header Fields Too Large", 500: "500 Internal Server Error", 501: "501 Not Implemented",
    503: "503 Service Unavailable",
}

# What waitress itself refuses before the application sees the request, in French.
SERVER_REFUSALS = {
    413: ("Envoi trop volumineux", "Votre envoi est bien trop long pour un commentaire (4 000 caractères au plus). Revenez à l’article pour le raccourcir."),
    431: ("Requête trop volumineuse", "Votre navigateur a envoyé une demande trop volumineuse. Revenez à l’article et réessayez."),
    400: ("Envoi illisible", "Votre envoi n’a pas pu être lu. Réessayez depuis l’article."),
    501: ("Envoi illisible", "Votre envoi n’a pas pu être lu. Réessayez depuis l’article."),
}


def query_fields(environ):
    """The query string's fields; a hostile one with too many fields reads as empty."""
    try:
        return parse_qs(environ.get("QUERY_STRING", ""), max_num_fields=10)
    except ValueError:
        return {}


class CommentService:
    """The WSGI application. One instance per process; all state is on the instance."""

    def __init__(self, config, clock=time.time):
        from .moderation_desk import Desk

        self.config = config
        self.clock = clock
        self.index = SiteIndex(config.site_index)
        self.templates = Environment(
            loader=FileSystemLoader([str(TEMPLATES), str(THEME_TEMPLATES)]),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        # The theme's comment macro renders the desk's queue: the filters it needs.
        self.templates.filters["date_long"] = date_long
        self.templates.filters["datetime_iso"] = datetime_iso
        self._purge_lock = threading.Lock()
        self._last_purge = 0.0
        self.desk = Desk(self)
        self._stop = threading.Event()
        self._workers = []

    # WSGI entry point
    def __call__(self, environ, start_response):
        try:
            response = self.route(environ)
        except Exception:
            logger.exception("comments.service: unexpected error on %s %s", environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"))
            response = self.page(503, "message.html", title="Service indisponible",
                                 message="Le service des commentaires rencontre un problème. Réessayez dans quelques minutes ; votre texte n’a pas été enregistré.")
        start_response(STATUS[response.status], self.headers_for(response))
        return [response.body]

    def headers_for(self, response):
        headers = [("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "same-origin"),
                   ("Content-Security-Policy", self.csp()), ("Content-Length", str(len(response.body))), *response.headers]
        if not any(name == "Content-Type" for name, _ in headers):
            headers.append(("Content-Type", "text/html; charset=utf-8"))
        return headers

    def server_refusal(self, code):
        """(status line, headers, body) for a request waitress refused itself, in French."""
        title, message = SERVER_REFUSALS.get(code, ("Service indisponible", "Le service des commentaires rencontre un problème. Réessayez dans quelques minutes."))
        response = self.page(code if code in STATUS else 500, "message.html", title=title, message=message)
        response.headers.append(("Connection", "close"))
        return STATUS[response.status], self.headers_for(response), response.body

    def csp(self):
        site = self.site_url()
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(site)) if site else ""
        return (
            f"default-src 'none'; style-src 'self' {origin}; img-src 'self' {origin}; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        ).replace("  ", " ")

    def site_url(self):
        return self.config.resolved_site_url(self.index.current() or {})

    def reserved_names(self):
        """The newsroom's names: the setting's list and the site's authors (from the build's index)."""
        data = self.index.current() or {}
        configured = tuple(self.config.site.reserved_names) if self.config.site else ()
        return configured + tuple(data.get("reserved_names") or ())

    def route(self, environ):
        path = environ.get("PATH_INFO") or "/"
        method = environ.get("REQUEST_METHOD", "GET")
        base = self.config.base_path
        if path == base + "/moderation" or path.startswith(base + "/moderation/"):
            return self.desk.route(environ, path[len(base + "/moderation"):], method)
        if path in (base, base + "/"):
            if method == "POST":
                return self.submit(environ)
            if method in ("GET", "HEAD"):
                return self.show_form(environ)
            return self.not_allowed("GET, POST")
        if path == base + "/merci":
            if method not in ("GET", "HEAD"):
                return self.not_allowed("GET")
            return self.thanks(environ)
        if path in (base + "/desabonnement", base + "/effacement"):
            return self.address_link(environ, method, path.rsplit("/", 1)[1])
        if path == base + "/sante":
            with store.opened(self.config.db_path) as conn:
                store.count(conn)
            return Response(200, b"ok\n", [("Content-Type", "text/plain; charset=utf-8")])
        return self.page(404, "message.html", title="Page introuvable",
                         message="Cette adresse ne correspond à aucune page du service des commentaires.")

    def not_allowed(self, allow):
        response = self.page(405, "message.html", title="Méthode non acceptée",
                             message="Cette page ne s’utilise qu’à travers le formulaire de commentaire.")
        response.headers.append(("Allow", allow))
        return response

    def page(self, status, template, **values):
        values.setdefault("site_url", self.site_url())
        values.setdefault("action", self.config.base_path)
        # Theme files have fingerprinted names: the manifest of the build beside the index says which.
        values.setdefault("static_url", static_url_from_manifest(self.config.site_index, values["site_url"]))
        body = self.templates.get_template(template).render(**values)
        return Response(status, body.encode("utf-8"))

    def article(self, slug):
        """The published report with this slug, looked up in the build's index (never a path)."""
        data = self.index.current()
        if data is None:
            return None, False
        entry = data.get("articles", {}).get(slug) if isinstance(slug, str) else None
        return entry, True

    def closed(self, index_ready):
        if not index_ready:
            return self.page(503, "message.html", title="Service indisponible",
                             message="La liste des articles n’est pas encore disponible. Réessayez dans quelques minutes.")
        return self.page(404, "message.html", title="Commentaires fermés",
                         message="Cet article n’existe pas ou n’accepte pas de commentaires.")

    def form(self, status, slug, entry, values, errors=None, message=None, preview=None):
        token = sign_token(self.config.secret, slug, self.clock())
        return self.page(status, "form.html", slug=slug, entry=entry, values=values, errors=errors or {},
                         message=message, preview=preview, token=token)

    def show_form(self, environ):
        query = query_fields(environ)
        slug = (query.get("article") or [""])[0]
        entry, ready = self.article(slug)
        if not entry or not entry.get("comments_open"):
            return self.closed(ready)
        parent = (query.get("parent") or [""])[0]
        if parent not in entry.get("comments", []):
            parent = ""
        values = {"name": "", "email": "", "website": "", "body": "", "parent": parent}
        return self.form(200, slug, entry, values)

    def thanks(self, environ):
        query = query_fields(environ)
        entry, _ = self.article((query.get("article") or [""])[0])
        return self.page(200, "thanks.html", entry=entry)

    def origin_allowed(self, environ):
        origin = environ.get("HTTP_ORIGIN")
        if origin is not None:
            return origin.rstrip("/") in self.config.allowed_origins
        referer = environ.get("HTTP_REFERER")
        if referer:
            parts = urlsplit(referer)
            return f"{parts.scheme}://{parts.netloc}" in self.config.allowed_origins
        # Without Origin nor Referer the request is not from a browser page: no CSRF to stop.
        return True

    def read_form(self, environ, fields=FIELDS, limit=None):
        """Return (fields, error Response or None)."""
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        limit = limit or self.config.max_request_bytes
        if length > limit:
            return None, self.page(413, "message.html", title="Commentaire trop long",
                                   message="Votre envoi est bien trop long pour un commentaire (4 000 caractères au plus). Revenez à l’article pour le raccourcir.")
        if length < 0:
            return None, self.page(400, "message.html", title="Envoi illisible", message="Votre envoi n’a pas pu être lu. Réessayez depuis l’article.")
        raw = environ["wsgi.input"].read(length) if length else b""
        content_type = (environ.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            return None, self.page(415, "message.html", title="Envoi illisible",
                                   message="Votre envoi n’a pas pu être lu. Utilisez le formulaire sous l’article.")
        try:
            query = parse_qs(raw.decode("utf-8", errors="replace"), keep_blank_values=True, max_num_fields=len(fields or ()) * 2 + 1000)
        except ValueError:
            return None, self.page(400, "message.html", title="Envoi illisible",
                                   message="Votre envoi n’a pas pu être lu. Utilisez le formulaire sous l’article.")
        if fields is None:
            return query, None
        return {name: (query.get(name) or [""])[0] for name in fields}, None

    def submit(self, environ):
        if not self.origin_allowed(environ):
            logger.info("comments.service: refused a post from origin %r", environ.get("HTTP_ORIGIN") or environ.get("HTTP_REFERER"))
            return self.page(403, "message.html", title="Envoi refusé",
                             message="Ce formulaire ne peut être envoyé que depuis le site. Revenez à l’article pour commenter.")
        raw, error = self.read_form(environ)
        if error:
            return error
        slug = raw["article"]
        entry, ready = self.article(slug)
        if not entry or not entry.get("comments_open"):
            return self.closed(ready)

        now = self.clock()
        self.purge_if_due(now)
        if raw["homepage"]:
            # Only robots fill the invisible field; they get the same answer as people.
            logger.info("comments.service: honeypot filled for %s; dropped", slug)
            return self.see_other(slug)

        reserved = self.reserved_names()
        fields, errors = validate_submission(raw, reserved)
        values = {key: fields[key] or "" for key in ("name", "email", "website", "body", "parent")}
        if fields["parent"] and fields["parent"] not in entry.get("comments", []):
            errors["parent"] = "Le commentaire auquel vous répondez n’existe pas ou n’est pas encore publié."
            values["parent"] = ""
        if errors:
            return self.form(422, slug, entry, values, errors=errors,
                             message="Le commentaire n’a pas été envoyé : corrigez les champs signalés.")

        verdict = check_token(self.config.secret, raw["token"], slug, now, self.config.min_seconds, self.config.max_token_age)
        preview = render_body(fields["body"])
        if verdict == "missing":
            return self.form(200, slug, entry, values, preview=preview,
                             message="Relisez votre commentaire tel qu’il sera publié, puis envoyez-le.")
        if verdict == "too_fast":
            return self.form(429, slug, entry, values, preview=preview,
                             message="Vous avez envoyé le formulaire très vite. Relisez votre commentaire, puis envoyez-le à nouveau.")
        if verdict in ("expired", "invalid"):
            return self.form(422, slug, entry, values, preview=preview,
                             message="Le formulaire a expiré. Votre texte est conservé : relisez-le, puis envoyez-le à nouveau.")

        pending = store.Pending(
            id=secrets.token_hex(6),
            article=slug,
            parent_id=fields["parent"],
            author=fields["name"],
            email=fields["email"],
            website=fields["website"],
            body=fields["body"],
            body_hash=body_fingerprint(slug, fields["body"]),
            ip_prefix=truncate_ip(environ.get("REMOTE_ADDR", "")),
            flags=join_flags(hold_reasons(fields["body"], fields["website"], self.config.hold_words,
                                          self.config.max_links, fields["name"], reserved)),
            status="pending",
            created_ts=now,
        )
        with store.opened(self.config.db_path) as conn:
            outcome = store.insert_pending(conn, pending, store.sender_key(pending.author), self.config.limits, now)
        if outcome == "stored":
            logger.info("comments.service: stored pending comment %s for %s (flags: %s)", pending.id, slug,
                        pending.flags or "none")
            return self.see_other(slug)
        if outcome == "duplicate":
            return self.form(409, slug, entry, values, preview=preview,
                             message="Ce commentaire a déjà été envoyé ; il attend la relecture de la rédaction.")
        if outcome == "too_soon":
            return self.form(429, slug, entry, values, preview=preview,
                             message="Vous venez d’envoyer un commentaire. Patientez une minute avant d’envoyer le suivant.")
        return self.form(429, slug, entry, values, preview=preview,
                         message="Trop de commentaires ont été envoyés depuis votre réseau. Réessayez dans quelques minutes ; votre texte est conservé ci-dessous.")

    def see_other(self, slug):
        location = f"{self.config.base_path}/merci?article={quote(slug, safe='')}"
        return Response(303, b"", [("Location", location)])

    # --- the reader's links in a notification e-mail -------------------------------

    def address_link(self, environ, method, kind):
        """`desabonnement` (stop reply e-mails) and `effacement` (erase the address and pending
        comments). The key in the link is an HMAC of the address: knowing it is the proof.
        GET only shows a page with a button (mail scanners open links); POST acts. A POST
        with the body `List-Unsubscribe=One-Click` is RFC 8058's one-click unsubscription."""
        key = (query_fields(environ).get("adresse") or [""])[0]
        if not (0 < len(key) <= 64 and key.replace("-", "").replace("_", "").isalnum()):
            return self.page(404, "message.html", title="Lien inconnu",
                             message="Ce lien n’est pas valable : vérifiez qu’il a été copié en entier depuis le courriel.")
        if method not in ("GET", "HEAD", "POST"):
            return self.not_allowed("GET, POST")
        with store.opened(self.config.db_path) as conn:
            held = bool(mailer.rows_for_key(conn, self.config.secret, key))
            if method == "POST" and held:
                if kind == "desabonnement":
                    mailer.unsubscribe(conn, key, self.clock())
                else:
                    mailer.erase_address(conn, self.config.secret, key, self.clock())
        return self.page(200, "address.html", kind=kind, key=key, held=held, done=method == "POST")

    # --- background work --------------------------------------------------------

    def purge_if_due(self, now):
        """Erase rows older than the retention period, at most once an hour."""
        with self._purge_lock:
            if now - self._last_purge < 3600:
                return
            self._last_purge = now
        with store.opened(self.config.db_path) as conn:
            removed = store.purge_older_than(conn, now - self.config.retention_days * 86400)
        if removed:
            logger.info("comments.service: purged %s comments older than %s days", removed, self.config.retention_days)

    def start_workers(self, interval=1.0):
        """Start the publisher and the mailer threads (daemons; `stop_workers()` ends them)."""
        def loop(step):
            while not self._stop.wait(interval):
                try:
                    step()
                except Exception:
                    logger.exception("comments.service: background %s failed; it carries on", step.__name__)

        def publish_step():
            if self.config.publish_command:
                publisher.run_if_due(self.config.db_path, self.config.publish_command, self.config.site_index,
                                     clock=self.clock)

        def mail_step():
            mailer.send_due(self.config, self.clock())
            mailer.alert_moderators(self.config, self.clock())

        for step in (publish_step, mail_step):
            thread = threading.Thread(target=loop, args=(step,), name=f"comments-{step.__name__}", daemon=True)
            thread.start()
            self._workers.append(thread)

    def stop_workers(self):
        self._stop.set()
        for thread in self._workers:
            thread.join(timeout=60)


class FrenchErrorTask(ErrorTask):
    """waitress's own refusals (a body over its cap: 413, malformed requests: 400…) answered with
    the service's French page instead of waitress's English text, whatever the request's size."""

    pouls_service = None  # set on the subclass create_server() makes (waitress tasks have a service() method)

    def execute(self):
        status, headers, body = self.pouls_service.server_refusal(getattr(self.request.error, "code", 500))
        self.status = status
        self.response_headers.extend(headers)
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


def create_server(app, host, port, threads=4, **options):
    """A waitress server for the app whose own refusals are French (`FrenchErrorTask`)."""
    import waitress

    # waitress refuses bodies over this size itself (413, now French): far above any comment.
    options.setdefault("max_request_body_size", max(4 * 1024 * 1024, app.config.max_request_bytes))
    server = waitress.create_server(app, host=host, port=port, threads=threads, ident="pouls-comments", **options)
    # waitress wraps the application in its own middleware: the task is told which service speaks.
    task = type("ServiceErrorTask", (FrenchErrorTask,), {"pouls_service": app})
    server.channel_class = type("ServiceChannel", (HTTPChannel,), {"error_task_class": task})
    return server


def make_app(environ=None):
    """The WSGI application configured from the environment, for any WSGI server
    (`gunicorn 'comments.service:make_app()'`), with its publisher and mailer threads."""
    app = CommentService(ServiceConfig.from_env(environ))
    app.start_workers()
    return app


def main(environ=None):
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        config = ServiceConfig.from_env(environ)
        with store.opened(config.db_path):
            pass
    except CommentsSettingsError as error:
        print(f"comments.service: {error}", file=sys.stderr)
        return 2
    except (OSError, store.sqlite3.Error) as error:
        print(
            f"comments.service: cannot open the database {store.database_path(environ)}: {error}; "
            f"set {store.DB_ENV} to a writable path",
            file=sys.stderr,
        )
        return 2
    if config.secret_from_database:
        logger.warning("comments.service: POULS_COMMENTS_SECRET is not set; using the random secret kept in %s "
                       "(set POULS_COMMENTS_SECRET in production)", config.db_path)
    if not config.site_index.exists():
        logger.warning("comments.service: site index %s not found; publish the site (make publish writes it) or set "
                       "POULS_COMMENTS_SITE_INDEX to the index of another build (make html: output.dev/%s); "
                       "posts are refused until it exists", config.site_index, config.site.index_save_as)
    if not config.mail.enabled:
        logger.info("comments.service: POULS_SMTP_HOST is not set; reply notifications are not sent")
    if config.publish_command is None:
        logger.info("comments.service: %s is empty; approvals are not published automatically", publisher.COMMAND_ENV)
    app = CommentService(config)
    app.purge_if_due(time.time())
    app.start_workers()

    options = {}
    if config.trusted_proxy:
        options = {"trusted_proxy": config.trusted_proxy, "trusted_proxy_headers": "x-forwarded-for",
                   "trusted_proxy_count": 1, "clear_untrusted_proxy_headers": True}
    logger.info("comments.service: listening on http://%s:%s%s (database %s, comments in %s)", config.host, config.port,
                config.base_path, config.db_path, config.comments_folder)
    server = create_server(app, config.host, config.port, config.threads, **options)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        app.stop_workers()
    return 0


if __name__ == "__main__":
    sys.exit(main())
