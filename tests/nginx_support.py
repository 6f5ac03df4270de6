"""Helpers for the nginx tests and the Lighthouse run (no test here): Debian's real nginx running
the shipped deploy/nginx/pouls.conf, rendered with test paths and ports on 127.0.0.1, behind a
self-signed certificate made here, and an HTTPS client that trusts exactly that certificate.

    with nginx_stack(tmp, site_link, intake="127.0.0.1:8001", server_name="pouls.test") as server:
        status, headers, body = fetch(server, "/")
"""

import http.client
import importlib.util
import os
import shutil
import socket
import ssl
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pouls_common.paths import ROOT


def _load_renderer():
    """deploy/nginx/render.py, the script a newsroom runs (deploy/ is not a Python package)."""
    spec = importlib.util.spec_from_file_location("pouls_nginx_render", ROOT / "deploy" / "nginx" / "render.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


renderer = _load_renderer()
SHIPPED = renderer.SHIPPED

NGINX = "/usr/sbin/nginx"
BROTLI_MODULE = "/etc/nginx/modules-enabled/50-mod-http-brotli-static.conf"
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self'; "
        "font-src 'self'; connect-src 'self'; media-src 'self'; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "strict-transport-security": "max-age=63072000",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "cross-origin-opener-policy": "same-origin",
}
# Debian's /etc/nginx/nginx.conf with test paths: the same http {} around the shipped server block.
MAIN_CONF = """\
{user}worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log;
include /etc/nginx/modules-enabled/*.conf;
events {{ worker_connections 128; }}
http {{
    sendfile on;
    tcp_nopush on;
    types_hash_max_size 2048;
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {folder}/access.log;
    client_body_temp_path {folder}/tmp/body;
    proxy_temp_path {folder}/tmp/proxy;
    fastcgi_temp_path {folder}/tmp/fastcgi;
    uwsgi_temp_path {folder}/tmp/uwsgi;
    scgi_temp_path {folder}/tmp/scgi;
    include {folder}/pouls.conf;
}}
"""


def nginx_missing():
    """Why the nginx tests cannot run here, or None."""
    if not os.access(NGINX, os.X_OK):
        return f"{NGINX} is missing; run make test (it installs Debian's nginx)"
    if not os.path.exists(BROTLI_MODULE):
        return "the brotli_static module is missing; run make test (libnginx-mod-http-brotli-static)"
    if shutil.which("openssl") is None:
        return "openssl is missing; run make test"
    return None


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_certificate(folder, names=("pouls.test",)):
    """A self-signed certificate for 127.0.0.1 and `names`, valid two days: (cert path, key path)."""
    cert, key = Path(folder) / "cert.pem", Path(folder) / "key.pem"
    alt = ",".join(["IP:127.0.0.1", *(f"DNS:{name}" for name in names)])
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-keyout", str(key),
         "-out", str(cert), "-subj", f"/CN={names[0]}", "-addext", f"subjectAltName={alt}"],
        check=True, capture_output=True,
    )
    return cert, key


@dataclass
class Nginx:
    folder: Path
    main_conf: Path
    https_port: int
    http_port: int
    cert: Path
    server_name: str
    process: subprocess.Popen | None = None

    @property
    def base(self):
        return f"https://127.0.0.1:{self.https_port}"

    def error_log(self):
        return (self.folder / "error.log").read_text(encoding="utf-8", errors="replace")


def configure(folder, root, intake, server_name="pouls.test", config_text=None):
    """Render the shipped configuration (or `config_text`) for a test nginx in `folder`; return Nginx."""
    folder = Path(folder)
    (folder / "tmp").mkdir(parents=True, exist_ok=True)
    cert, key = make_certificate(folder, (server_name,))
    https_port, http_port = free_port(), free_port()
    text = renderer.render(config_text if config_text is not None else SHIPPED.read_text(encoding="utf-8"), {
        "server name": server_name, "site root": str(root), "intake address": intake,
        "certificate": str(cert), "certificate key": str(key),
        "https listen": f"127.0.0.1:{https_port} ssl http2", "http listen": f"127.0.0.1:{http_port}",
        "https listen ipv6": None, "http listen ipv6": None,
    })
    (folder / "pouls.conf").write_text(text, encoding="utf-8")
    main = folder / "nginx.conf"
    user = "user root;\n" if os.geteuid() == 0 else ""
    main.write_text(MAIN_CONF.format(folder=folder, user=user), encoding="utf-8")
    return Nginx(folder, main, https_port, http_port, cert, server_name)


def check_configuration(server):
    """`nginx -t` on the rendered configuration: the CompletedProcess."""
    return subprocess.run([NGINX, "-t", "-c", str(server.main_conf)], capture_output=True, text=True, timeout=60)


@contextmanager
def running(server):
    """Run nginx in the foreground (a child process) until the block ends."""
    log = open(server.folder / "nginx.out", "wb")  # noqa: SIM115  (nginx writes to it until it stops)
    server.process = subprocess.Popen([NGINX, "-c", str(server.main_conf), "-g", "daemon off;"], stdout=log, stderr=log)
    try:
        for _ in range(200):
            if server.process.poll() is not None:
                raise RuntimeError(f"nginx exited with {server.process.returncode}: {server.error_log()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", server.https_port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError("nginx did not listen within 10 s")
        yield server
    finally:
        if server.process.poll() is None:
            server.process.terminate()
            server.process.wait(timeout=20)
        log.close()


def tls_context(cert):
    """A client context that trusts only the test certificate, hostnames checked."""
    context = ssl.create_default_context(cafile=str(cert))
    return context


@dataclass
class Answer:
    status: int
    header_list: list
    body: bytes

    @property
    def headers(self):
        return {name.lower(): value for name, value in self.header_list}

    def count(self, name):
        return sum(1 for header, _ in self.header_list if header.lower() == name.lower())

    @property
    def text(self):
        return self.body.decode("utf-8")


def fetch(server, path, method="GET", headers=None, body=None, source_address=None, https=True):
    """One request to the test nginx, the raw body (never decompressed), redirects not followed."""
    if https:
        connection = http.client.HTTPSConnection(
            "127.0.0.1", server.https_port, context=tls_context(server.cert), timeout=30, source_address=source_address,
        )
    else:
        connection = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=30, source_address=source_address)
    try:
        connection.request(method, path, body=body, headers=dict(headers or {}))
        response = connection.getresponse()
        return Answer(response.status, response.getheaders(), response.read())
    finally:
        connection.close()
