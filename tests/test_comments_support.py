"""Helpers shared by the comments tests (no test here): real servers on 127.0.0.1, an HTTP client
that does not follow redirects, the two-step submission a browser makes."""

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

import waitress

from comments.service import CommentService, ServiceConfig
from pouls_common.paths import ROOT, python_path

SECRET = "secret-for-tests-only-0123456789"
SITE_ORIGIN = "http://127.0.0.1:8000"
FORM = "application/x-www-form-urlencoded"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def service_env(db_path, index_path, **extra):
    env = {
        "POULS_COMMENTS_DB": str(db_path),
        "POULS_COMMENTS_SITE_INDEX": str(index_path),
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
def service_thread(env):
    """The real WSGI app served by waitress in this process, on a free port."""
    config = ServiceConfig.from_env(env)
    app = CommentService(config)
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
    stop = threading.Event()

    def serve():
        # waitress.serve() has no stop; a short loop lets the thread end before the socket closes.
        while not stop.is_set():
            server.asyncore.loop(timeout=0.05, map=server._map, use_poll=True, count=1)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield Running(server.effective_port, config, app)
    finally:
        stop.set()
        thread.join(timeout=10)
        server.close()


@contextmanager
def service_process(env, port=None, log_path=None):
    """`python -m comments.service`, the command `make comments-serve` runs, as a child process."""
    port = port or free_port()
    full_env = python_path(os.environ | dict(POULS_COMMENTS_PORT=str(port), **env))
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
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read().decode("utf-8")
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


def moderate(env, *args, content=None):
    """Run `python -m comments.moderate` (what `make moderate` runs); returns the CompletedProcess."""
    argv = [sys.executable, "-m", "comments.moderate"]
    if content is not None:
        argv += ["--content", str(content)]
    full_env = python_path(os.environ | env)
    return subprocess.run(argv + list(args), env=full_env, capture_output=True, text=True, cwd=ROOT, timeout=60)


def index_of(build_output):
    return Path(build_output) / "donnees" / "commentaires.json"
