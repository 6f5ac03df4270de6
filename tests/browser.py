"""Headless Debian Chromium for the tests, and a static server for a built site.

    from browser import chromium, recorded_page, serve_directory

    with serve_directory(result.output) as base, chromium() as browser:
        with recorded_page(browser, javascript=False, width=320) as tab:
            tab.page.goto(base + "/")
            assert all(url.startswith(base) for url in tab.requests)

- `serve_directory(root)` serves a folder on 127.0.0.1 on a free port (a thread,
  stopped on exit) and yields its base URL, without a trailing slash.
- `chromium()` launches /usr/bin/chromium through Playwright, never a browser that
  a tool would download, with the flags that keep it from calling home.
- `recorded_page(browser, javascript=True, width=1280, height=800)` opens a fresh
  context (no shared cookies or cache) and yields a `RecordedPage`: `.page` (the
  Playwright page) and `.requests` (every URL the page asked for, in order). Requests
  to any host but 127.0.0.1 are recorded and then refused, so a test that finds one
  fails without the request ever leaving the machine.

Tests using these carry `@pytest.mark.browser`; they are skipped with the reason when
Chromium is not installed (`make test` installs it).
"""

import functools
import http.server
import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1"}
# Schemes that never touch the network: the page's own inline data.
LOCAL_SCHEMES = {"data", "blob", "about"}


def chromium_available():
    return os.access(CHROMIUM, os.X_OK)


def is_local(url):
    parts = urlsplit(url)
    return parts.scheme in LOCAL_SCHEMES or parts.hostname in LOCAL_HOSTS


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@contextmanager
def serve_directory(root, handler_class=None):
    """Serve `root` on 127.0.0.1 (free port) and yield the base URL.

    `handler_class`, a quiet SimpleHTTPRequestHandler subclass, can add response headers.
    """
    handler = functools.partial(handler_class or _QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextmanager
def chromium():
    """Launch Debian's Chromium headless and yield the Playwright browser."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class RecordedPage:
    page: object
    requests: list = field(default_factory=list)

    @property
    def outside_requests(self):
        return [url for url in self.requests if not is_local(url)]


@contextmanager
def recorded_page(browser, javascript=True, width=1280, height=800, device_scale_factor=1):
    """A fresh page that records every request and refuses those leaving 127.0.0.1."""
    context = browser.new_context(
        java_script_enabled=javascript,
        viewport={"width": width, "height": height},
        device_scale_factor=device_scale_factor,
        locale="fr-FR",
        service_workers="block",
    )
    recorded = RecordedPage(page=None)

    def guard(route):
        recorded.requests.append(route.request.url)
        if is_local(route.request.url):
            route.continue_()
        else:
            route.abort("blockedbyclient")

    context.route("**/*", guard)
    try:
        recorded.page = context.new_page()
        yield recorded
    finally:
        context.close()
