"""The comment intake service: a small WSGI application behind a real server.

Run it with `make comments-serve` (= `python -m comments.service`); it serves with
waitress on POULS_COMMENTS_HOST:POULS_COMMENTS_PORT (default 127.0.0.1:8001).

    GET  /commentaires?article=<slug>[&parent=<id>]   the form for one report (reply links)
    POST /commentaires                                 a submission from a report page or
                                                       from the form above
    GET  /commentaires/merci?article=<slug>            the thank-you page (after 303)
    GET  /commentaires/sante                           « ok » for health checks

A submission without a time token (the plain form under a static report page) is
checked and, when valid, shown back as a preview with a signed time token; the reader
confirms, and the confirmed submission is stored as pending. A token is refused when
it comes back too fast (a robot) or too late (an abandoned tab): the form is shown
again with the reader's text kept. Nothing a reader sends is used to build a path:
the report slug is looked up in the list of published reports the build wrote
(`donnees/commentaires.json`).

Every setting comes from the environment; see `ServiceConfig` and the plugin README.
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

from pouls_common.paths import ROOT
from theme_assets.theme_assets import static_url_from_manifest

from . import store
from .model import body_fingerprint, hold_reasons, render_body, truncate_ip, validate_submission

logger = logging.getLogger(__name__)

TEMPLATES = Path(__file__).resolve().parent / "templates"
# The form fields are the theme's macro, shared with the static form under each report.
THEME_TEMPLATES = ROOT / "theme" / "templates"
FIELDS = ("article", "parent", "name", "email", "website", "body", "homepage", "token")
DEFAULT_HOLD_WORDS = (
    "viagra", "cialis", "casino", "bitcoin", "crypto", "forex", "sans ordonnance",
    "pharmacie en ligne", "guérison garantie", "remède miracle", "prêt rapide",
)


class ConfigError(ValueError):
    """A bad environment variable: the message names it, quotes the value and says the fix."""


@dataclass(frozen=True)
class ServiceConfig:
    db_path: Path
    secret: bytes
    secret_is_ephemeral: bool
    site_index: Path
    site_url: str
    allowed_origins: tuple
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

    @classmethod
    def from_env(cls, environ=None):
        env = os.environ if environ is None else environ

        def number(name, default, kind=float, minimum=0):
            raw = env.get(name)
            if raw is None or raw == "":
                return default
            try:
                value = kind(raw)
            except ValueError:
                raise ConfigError(f"{name}={raw!r} is not a number; set it like {name}={default}") from None
            if value < minimum:
                raise ConfigError(f"{name}={raw!r} must be at least {minimum}")
            return value

        secret = env.get("POULS_COMMENTS_SECRET", "")
        ephemeral = not secret
        if secret and len(secret) < 16:
            raise ConfigError(
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
                raise ConfigError(
                    f"POULS_COMMENTS_ALLOWED_ORIGINS has {origin!r}, which is not an origin; "
                    "write scheme://host[:port] without a path, comma-separated"
                )
        base_path = "/" + env.get("POULS_COMMENTS_BASE_PATH", "/commentaires").strip("/")
        site_url = env.get("POULS_COMMENTS_SITE_URL", "").rstrip("/")
        if site_url and urlsplit(site_url).scheme not in ("http", "https"):
            raise ConfigError(f"POULS_COMMENTS_SITE_URL={site_url!r} must start with https:// or http://")
        index = Path(env.get("POULS_COMMENTS_SITE_INDEX") or "output/donnees/commentaires.json")
        words = env.get("POULS_COMMENTS_HOLD_WORDS")
        return cls(
            db_path=store.database_path(env),
            secret=(secret or secrets.token_urlsafe(32)).encode("utf-8"),
            secret_is_ephemeral=ephemeral,
            site_index=index if index.is_absolute() else ROOT / index,
            site_url=site_url,
            allowed_origins=origins,
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
    503: "503 Service Unavailable",
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
        self.config = config
        self.clock = clock
        self.index = SiteIndex(config.site_index)
        self.templates = Environment(
            loader=FileSystemLoader([str(TEMPLATES), str(THEME_TEMPLATES)]),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._purge_lock = threading.Lock()
        self._last_purge = 0.0

    # WSGI entry point
    def __call__(self, environ, start_response):
        try:
            response = self.route(environ)
        except Exception:
            logger.exception("comments.service: unexpected error on %s %s", environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"))
            response = self.page(503, "message.html", title="Service indisponible",
                                 message="Le service des commentaires rencontre un problème. Réessayez dans quelques minutes ; votre texte n’a pas été enregistré.")
        headers = [("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "same-origin"), ("Content-Security-Policy", self.csp()), ("Content-Length", str(len(response.body))), *response.headers]
        if not any(name == "Content-Type" for name, _ in headers):
            headers.append(("Content-Type", "text/html; charset=utf-8"))
        start_response(STATUS[response.status], headers)
        return [response.body]

    def csp(self):
        site = self.site_url()
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(site)) if site else ""
        return (
            f"default-src 'none'; style-src 'self' {origin}; img-src 'self' {origin}; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        ).replace("  ", " ")

    def site_url(self):
        data = self.index.current() or {}
        return self.config.site_url or (data.get("siteurl") or "").rstrip("/") or "http://127.0.0.1:8000"

    def route(self, environ):
        path = environ.get("PATH_INFO") or "/"
        method = environ.get("REQUEST_METHOD", "GET")
        base = self.config.base_path
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

    def read_form(self, environ):
        """Return (fields, error Response or None)."""
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        limit = self.config.max_request_bytes
        if length > limit:
            return None, self.page(413, "message.html", title="Commentaire trop long",
                                   message="Votre envoi est bien trop long pour un commentaire (4 000 caractères au plus). Revenez à l’article pour le raccourcir.")
        if length < 0:
            return None, self.page(400, "message.html", title="Envoi illisible", message="Votre envoi n’a pas pu être lu. Réessayez depuis l’article.")
        raw = environ["wsgi.input"].read(length) if length else b""
        content_type = (environ.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            return None, self.page(415, "message.html", title="Envoi illisible",
                                   message="Votre envoi n’a pas pu être lu. Utilisez le formulaire sous l’article.")
        try:
            query = parse_qs(raw.decode("utf-8", errors="replace"), keep_blank_values=True, max_num_fields=len(FIELDS) * 2)
        except ValueError:
            return None, self.page(400, "message.html", title="Envoi illisible",
                                   message="Votre envoi n’a pas pu être lu. Utilisez le formulaire sous l’article.")
        return {name: (query.get(name) or [""])[0] for name in FIELDS}, None

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

        fields, errors = validate_submission(raw)
        values = {key: fields[key] or "" for key in ("name", "email", "website", "body", "parent")}
        if fields["parent"] and fields["parent"] not in entry.get("comments", []):
            errors["parent"] = "Le commentaire auquel vous répondez n’existe pas ou n’est pas encore publié."
            values["parent"] = ""
        if errors:
            return self.form(422, slug, entry, values, errors=errors,
                             message="Le commentaire n’a pas été envoyé : corrigez les champs signalés.")

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
                             message="Le formulaire a expiré. Votre texte est conservé : relisez-le, puis envoyez-le à nouveau.")

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
            flags=" ".join(hold_reasons(fields["body"], fields["website"], self.config.hold_words, self.config.max_links)),
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
                             message="Ce commentaire a déjà été envoyé ; il attend la relecture de la rédaction.")
        if outcome == "too_soon":
            return self.form(429, slug, entry, values, preview=preview,
                             message="Vous venez d’envoyer un commentaire. Patientez une minute avant d’envoyer le suivant.")
        return self.form(429, slug, entry, values, preview=preview,
                         message="Trop de commentaires ont été envoyés depuis votre réseau. Réessayez dans quelques minutes ; votre texte est conservé ci-dessous.")

    def see_other(self, slug):
        location = f"{self.config.base_path}/merci?article={quote(slug, safe='')}"
        return Response(303, b"", [("Location", location)])

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


def make_app(environ=None):
    """The WSGI application configured from the environment, for any WSGI server
    (`gunicorn 'comments.service:make_app()'`)."""
    return CommentService(ServiceConfig.from_env(environ))


def main(environ=None):
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        config = ServiceConfig.from_env(environ)
        with store.opened(config.db_path):
            pass
    except ConfigError as error:
        print(f"comments.service: {error}", file=sys.stderr)
        return 2
    except (OSError, store.sqlite3.Error) as error:
        print(
            f"comments.service: cannot open the database {store.database_path(environ)}: {error}; "
            f"set {store.DB_ENV} to a writable path",
            file=sys.stderr,
        )
        return 2
    if config.secret_is_ephemeral:
        logger.warning("comments.service: POULS_COMMENTS_SECRET is not set; using a random secret "
                       "(forms shown before a restart will ask to be sent again)")
    if not config.site_index.exists():
        logger.warning("comments.service: site index %s not found; build the site (make html) or set "
                       "POULS_COMMENTS_SITE_INDEX; posts are refused until it exists", config.site_index)
    app = CommentService(config)
    app.purge_if_due(time.time())

    import waitress

    options = {}
    if config.trusted_proxy:
        options = {"trusted_proxy": config.trusted_proxy, "trusted_proxy_headers": "x-forwarded-for",
                   "trusted_proxy_count": 1, "clear_untrusted_proxy_headers": True}
    logger.info("comments.service: listening on http://%s:%s%s (database %s)", config.host, config.port,
                config.base_path, config.db_path)
    waitress.serve(app, host=config.host, port=config.port, threads=config.threads, ident="pouls-comments",
                   max_request_body_size=max(4 * 1024 * 1024, config.max_request_bytes), **options)
    return 0


if __name__ == "__main__":
    sys.exit(main())
