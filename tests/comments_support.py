"""Helpers shared by the comments tests (a support module: pytest collects no test here): real
servers on 127.0.0.1, an HTTP client that does not follow redirects, the two-step submission a
browser makes, the moderation command as a subprocess, a real SMTP server (aiosmtpd)."""

import http.client
import os
import re
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from comments import store
from comments.model import body_fingerprint
from comments.service import CommentService, ServiceConfig, create_server
from pouls_common.paths import ROOT, python_path

SECRET = "secret-for-tests-only-0123456789"
SITE_ORIGIN = "http://127.0.0.1:8000"
FORM = "application/x-www-form-urlencoded"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def service_env(db_path, index_path, content=None, **extra):
    """The environment of a test service: its own database, the index of a test build, the
    comments written under `content` (never the repository's), no automatic publication."""
    env = {
        "POULS_COMMENTS_DB": str(db_path),
        "POULS_COMMENTS_SITE_INDEX": str(index_path),
        "POULS_COMMENTS_CONTENT": str(content or Path(db_path).parent / "content"),
        "POULS_COMMENTS_PUBLISH_COMMAND": "",
        "POULS_COMMENTS_SECRET": SECRET,
        "POULS_COMMENTS_MIN_SECONDS": "0",
        "POULS_COMMENTS_RATE_LIMIT": "1000",
        "POULS_COMMENTS_SENDER_GAP": "0",
        "POULS_COMMENTS_ALLOWED_ORIGINS": SITE_ORIGIN,
        "POULS_COMMENTS_SITE_URL": SITE_ORIGIN,
    }
    env.update({key: str(value) for key, value in extra.items()})
    return env


class Running:
    def __init__(self, port, config=None, app=None):
        self.port = port
        self.config = config
        self.app = app
        self.url = f"http://127.0.0.1:{port}/commentaires"


@contextmanager
def service_thread(env, workers=False, clock=None):
    """The real WSGI app served by waitress in this process, on a free port; with `workers`, its
    publisher and mailer threads run too (every 0.2 s)."""
    port = free_port()
    env = {"POULS_COMMENTS_PUBLIC_URL": f"http://127.0.0.1:{port}/commentaires", **env, "POULS_COMMENTS_PORT": str(port)}
    config = ServiceConfig.from_env(env)
    app = CommentService(config, clock=clock) if clock else CommentService(config)
    server = create_server(app, "127.0.0.1", port, threads=4)
    stop = threading.Event()

    def serve():
        # waitress.serve() has no stop; a short loop lets the thread end before the socket closes.
        while not stop.is_set():
            server.asyncore.loop(timeout=0.05, map=server._map, use_poll=True, count=1)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    if workers:
        app.start_workers(interval=0.2)
    try:
        yield Running(server.effective_port, config, app)
    finally:
        app.stop_workers()
        stop.set()
        thread.join(timeout=10)
        server.close()


@contextmanager
def service_process(env, port=None, log_path=None):
    """`python -m comments.service`, the command `make comments-serve` runs, as a child process."""
    port = port or free_port()
    full_env = python_path(os.environ | {"POULS_COMMENTS_PUBLIC_URL": f"http://127.0.0.1:{port}/commentaires"}
                           | dict(POULS_COMMENTS_PORT=str(port), **env))
    log = open(log_path, "wb") if log_path else subprocess.DEVNULL  # noqa: SIM115  (the child process writes to it until it is stopped)
    process = subprocess.Popen([sys.executable, "-m", "comments.service"], env=full_env, stdout=log, stderr=log, cwd=ROOT)
    try:
        wait_until_up(port, process)
        yield process, Running(port)
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=10)
        if log_path:
            log.close()


def wait_until_up(port, process=None, attempts=200):
    for _ in range(attempts):
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"comment service exited with {process.returncode}")
        try:
            status, _, _ = request("GET", f"http://127.0.0.1:{port}/commentaires/sante")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError("comment service did not start")


def request(method, url, fields=None, headers=None, body=None, timeout=30):
    """One HTTP request; returns (status, headers dict, text). Redirects are not followed."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        send_headers = dict(headers or {})
        if fields is not None:
            body = urlencode(fields).encode("utf-8")
            send_headers.setdefault("Content-Type", FORM)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request(method, path, body=body, headers=send_headers)
        response = connection.getresponse()
        headers = {}
        for key, value in response.getheaders():
            # Repeated headers (Set-Cookie) are joined, as HTTP allows for every other header.
            headers[key.lower()] = f"{headers[key.lower()]}, {value}" if key.lower() in headers else value
        return response.status, headers, response.read().decode("utf-8")
    finally:
        connection.close()


def post(url, fields, origin=SITE_ORIGIN, **kwargs):
    headers = {"Origin": origin} if origin else {}
    return request("POST", url, fields=fields, headers=headers, **kwargs)


def token_from(page):
    match = re.search(r'name="token" value="([^"]+)"', page)
    return match.group(1) if match else None


def submit(url, fields, origin=SITE_ORIGIN):
    """What a reader's browser does: post the page's form, then confirm the preview."""
    status, headers, text = post(url, fields, origin=origin)
    token = token_from(text)
    if status != 200 or token is None:
        return status, headers, text
    return post(url, dict(fields, token=token), origin=origin)


def moderate(env, *args, content=None, stdin=None):
    """Run `python -m comments.moderate` (what `make moderate` runs); returns the CompletedProcess.
    No automatic publication unless `env` names a publish command."""
    argv = [sys.executable, "-m", "comments.moderate"]
    if content is not None:
        argv += ["--content", str(content)]
    full_env = python_path(os.environ | {"POULS_COMMENTS_PUBLISH_COMMAND": ""} | env)
    return subprocess.run(argv + list(args), env=full_env, capture_output=True, text=True, cwd=ROOT, timeout=60,
                          input=stdin)


def copy_site(tmp_path, scenario="comments-basic"):
    """A copy of a fixture site a test may write comments into."""
    import shutil

    target = tmp_path / "content"
    shutil.copytree(Path(__file__).parent / "sites" / scenario, target)
    return target


def index_of(build_output):
    return Path(build_output) / "donnees" / "commentaires.json"


class DeskClient:
    """A browser's view of the moderation desk over real HTTP: it keeps the cookies the service
    sets (honouring Max-Age=0), sends an Origin with every POST, and reads tokens from pages."""

    def __init__(self, running, origin=None):
        self.base = running.url + "/moderation"
        self.origin = origin or f"http://127.0.0.1:{running.port}"
        self.cookies = {}
        self.last = None

    def _remember(self, headers):
        raw = headers.get("set-cookie")
        if raw:
            # http.client joins several Set-Cookie headers with ", "; cookie values never hold one.
            for cookie in raw.split(", "):
                pair, _, attributes = cookie.partition(";")
                name, _, value = pair.partition("=")
                if "max-age=0" in attributes.lower():
                    self.cookies.pop(name.strip(), None)
                else:
                    self.cookies[name.strip()] = value.strip()

    def _cookie_header(self):
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}

    def get(self, path, headers=None):
        status, response_headers, text = request("GET", self.base + path, headers={**self._cookie_header(), **(headers or {})})
        self._remember(response_headers)
        self.last = text
        return status, response_headers, text

    def post(self, path, fields, origin="default", headers=None):
        send = {**self._cookie_header(), **(headers or {})}
        origin = self.origin if origin == "default" else origin
        if origin:
            send["Origin"] = origin
        status, response_headers, text = request("POST", self.base + path, fields=fields, headers=send)
        self._remember(response_headers)
        self.last = text
        return status, response_headers, text

    def login(self, login, password):
        self.get("/connexion")
        token = re.search(r'name="jeton" value="([^"]+)"', self.last).group(1)
        return self.post("/connexion", {"login": login, "password": password, "jeton": token})

    def csrf(self, path="/"):
        self.get(path)
        match = re.search(r'name="csrf" value="([^"]+)"', self.last)
        return match.group(1) if match else None

    def act(self, fields, path="/decision"):
        """POST a desk form with this session's token, as the page's own button would."""
        return self.post(path, {"csrf": self.csrf(), **fields})


@contextmanager
def smtp_server():
    """A real SMTP server (aiosmtpd) on 127.0.0.1; yields (port, inbox): inbox is the list of
    (envelope recipients, parsed email.message.EmailMessage) it has received."""
    from email import message_from_bytes, policy

    from aiosmtpd.controller import Controller

    inbox = []

    class Collect:
        async def handle_DATA(self, server, session, envelope):
            inbox.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default)))
            return "250 Message accepted for delivery"

    controller = Controller(Collect(), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port, inbox
    finally:
        controller.stop()


def smtp_env(port, **extra):
    return {"POULS_SMTP_HOST": "127.0.0.1", "POULS_SMTP_PORT": str(port), "POULS_SMTP_FROM": "Pouls <commentaires@pouls.example.fr>",
            **{key: str(value) for key, value in extra.items()}}


# --- the moderation desk's tests -------------------------------------------------------------

SLUG = "greffe-a-domicile"
PASSWORD = "un mot de passe solide"


class Clock:
    """A clock the test moves forward (idle expiry, brute-force window, search window)."""

    def __init__(self):
        self.now = time.time()

    def __call__(self):
        return self.now


def queue(env, comment_id, author="Lectrice", body=None, email=None, parent=None, age=0.0, flags="",
          ip_prefix="192.0.2.0/24", article=SLUG):
    body = body or f"Commentaire {comment_id}."
    row = store.Pending(comment_id, article, parent, author, email, None, body, body_fingerprint(article, body),
                        ip_prefix, flags, "pending", time.time() - age)
    with store.opened(env["POULS_COMMENTS_DB"]) as conn:
        assert store.insert_pending(conn, row, store.sender_key(author), store.Limits(rate_limit=10**6, sender_gap=0),
                                    row.created_ts) == "stored"


def rows(env):
    with store.opened(env["POULS_COMMENTS_DB"]) as conn:
        return {row.id: row for row in store.list_comments(conn, None)}


def audit(env):
    with store.opened(env["POULS_COMMENTS_DB"]) as conn:
        return [(entry.actor, entry.action, entry.comment_id) for entry in reversed(store.audit_log(conn))]
