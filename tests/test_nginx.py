"""The shipped deploy/nginx/pouls.conf, run by Debian's real nginx on 127.0.0.1 (self-signed
certificate made here), serving a `make publish` build of content/ with the comment service
running behind it: headers, 404, caching, compression, types, comments, and Chromium's console."""

import functools
import gzip
import http.server
import io
import json
import os
import re
import threading
from contextlib import contextmanager
from unittest import mock
from urllib.parse import urlencode

import brotli
import pytest

from browser import chromium, chromium_available
from comments import store
from comments_support import index_of, service_env, service_process, token_from
from desk.build import ROOT
from desk.publish import publish
from nginx_support import (
    SECURITY_HEADERS,
    check_configuration,
    configure,
    fetch,
    free_port,
    nginx_missing,
    renderer,
    running,
)

pytestmark = pytest.mark.skipif(nginx_missing() is not None, reason=nginx_missing() or "")

REPORT = "/hematologie/hematologues-ouest-visioconference/"
SLUG = "hematologues-ouest-visioconference"
READER = ("127.5.6.7", 0)  # a loopback address other than nginx's own, so the two can be told apart
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=300"


class Stack:
    def __init__(self, server, link, db):
        self.server = server
        self.link = link
        self.db = db

    @property
    def site(self):
        return self.link.resolve()

    def first(self, folder):
        """The address of the first page under a listing folder (a tag, an author…)."""
        return f"/{folder}/{sorted(p.name for p in (self.site / folder).iterdir() if p.is_dir())[0]}/"

    def theme(self, name):
        manifest = json.loads((self.site / "theme" / "assets.json").read_text(encoding="utf-8"))
        return f"/theme/{manifest[name]}"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("nginx")
    link = tmp / "site" / "output"
    link.parent.mkdir()
    intake_port = free_port()
    server = configure(tmp / "nginx", root=link, intake=f"127.0.0.1:{intake_port}")
    with mock.patch.dict(os.environ, {"POULS_SITEURL": server.base}):
        os.environ.pop("POULS_COMMENTS_ENDPOINT", None)
        publish("publishconf.py", ROOT / "content", link, stream=io.StringIO())
    db = tmp / "queue.sqlite3"
    env = service_env(db, index_of(link), POULS_COMMENTS_ALLOWED_ORIGINS=server.base,
                      POULS_COMMENTS_SITE_URL=server.base, POULS_COMMENTS_TRUSTED_PROXY="127.0.0.1")
    with service_process(env, port=intake_port, log_path=tmp / "service.log"), running(server):
        yield Stack(server, link, db)


def assert_security_headers(answer, where):
    for name, value in SECURITY_HEADERS.items():
        assert answer.count(name) == 1, (where, name, answer.header_list)
        assert answer.headers[name] == value, (where, name)


# ------------------------------------------------------------------ the configuration itself


def test_nginx_t_accepts_the_shipped_file(stack):
    result = check_configuration(stack.server)
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr and "test is successful" in result.stderr


def test_the_shipped_file_names_its_settings_at_the_top():
    text = renderer.SHIPPED.read_text(encoding="utf-8")
    values = renderer.marked_values(text)
    assert values["server name"] == "pouls.example.fr"
    assert values["site root"] == "/srv/pouls/output"
    assert values["intake address"] == "127.0.0.1:8001"
    assert values["certificate"].endswith("fullchain.pem") and values["certificate key"].endswith("privkey.pem")
    first_lines = "\n".join(text.splitlines()[:30])
    for name in ("intake address", "server name", "site root", "certificate", "certificate key"):
        assert f"# pouls: {name}\n" in first_lines + "\n", name


def test_render_refuses_what_it_cannot_fill_in(capsys):
    text = renderer.SHIPPED.read_text(encoding="utf-8")
    with pytest.raises(renderer.RenderError, match="no line marked « # pouls: site root »"):
        renderer.render(text.replace("# pouls: site root", "# site root"), {})
    with pytest.raises(renderer.RenderError, match="unknown name 'root'"):
        renderer.render(text, {"root": "/srv"})
    with pytest.raises(renderer.RenderError, match=r"server name = 'a; b'"):
        renderer.render(text, {"server name": "a; b"})
    assert renderer.main(["--server-name", "x", "--root", "/r", "--certificate", "/c", "--certificate-key", "/k",
                          "--config", "/nonexistent/pouls.conf"]) == 2
    assert "render.py: " in capsys.readouterr().err


def test_render_fills_in_the_four_names_and_nothing_else(capsys):
    assert renderer.main(["--server-name", "sante.example.org", "--root", "/var/www/pouls/output",
                          "--intake", "127.0.0.1:9001", "--certificate", "/etc/ssl/pouls.pem",
                          "--certificate-key", "/etc/ssl/pouls.key"]) == 0
    out = capsys.readouterr().out
    shipped = renderer.SHIPPED.read_text(encoding="utf-8")
    changed = [(a, b) for a, b in zip(shipped.splitlines(), out.splitlines(), strict=True) if a != b]
    assert [b.split("#")[0].strip() for _, b in changed] == [
        "server 127.0.0.1:9001;", "server_name sante.example.org;", "root /var/www/pouls/output;",
        "ssl_certificate /etc/ssl/pouls.pem;", "ssl_certificate_key /etc/ssl/pouls.key;",
    ]


# ------------------------------------------------------------------ every page, every header


def page_kinds(stack):
    return [
        "/", REPORT, "/rubrique/hematologie/", stack.first("etiquette"), stack.first("auteur"),
        stack.first("etablissement"), "/rubriques/", "/etiquettes/", "/auteurs/", "/etablissements/",
        "/archives/", "/plan-du-site/", "/sabonner/", "/a-propos/", "/mentions-legales/",
        "/flux/atom.xml", "/flux/rss.xml", "/flux/feed.json", "/rubrique/hematologie/atom.xml",
        f"{REPORT}commentaires.atom.xml", "/sitemap.xml", stack.theme("css/screen.css"),
        stack.theme("img/favicon.svg"), "/images/hematologie-visioconference.webp",
        f"/commentaires?article={SLUG}",
    ]


def test_every_page_kind_answers_200_with_every_security_header_once(stack):
    for path in page_kinds(stack):
        answer = fetch(stack.server, path, headers={"Accept-Encoding": "gzip, br"})
        assert answer.status == 200, path
        assert_security_headers(answer, path)


def test_an_unknown_path_gets_our_french_404_with_the_headers(stack):
    answer = fetch(stack.server, "/hematologie/reportage-inexistant/")
    assert answer.status == 404
    assert "<h1>Page introuvable</h1>" in answer.text
    assert answer.body == (stack.site / "404.html").read_bytes()
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert answer.headers["cache-control"] == "no-cache"
    assert_security_headers(answer, "404")


def test_the_private_data_folder_is_not_served(stack):
    assert (stack.site / "donnees" / "commentaires.json").is_file()
    answer = fetch(stack.server, "/donnees/commentaires.json")
    assert answer.status == 404 and "<h1>Page introuvable</h1>" in answer.text
    assert_security_headers(answer, "donnees")


def test_clean_urls_and_https(stack):
    assert fetch(stack.server, REPORT).body == (stack.site / REPORT.strip("/") / "index.html").read_bytes()
    slashless = fetch(stack.server, REPORT.rstrip("/"))
    assert (slashless.status, slashless.headers["location"]) == (301, REPORT)
    plain = fetch(stack.server, f"{REPORT}?x=1", https=False)
    assert (plain.status, plain.headers["location"]) == (301, f"https://pouls.test{REPORT}?x=1")
    assert fetch(stack.server, "/.git/config").status == 404


# ------------------------------------------------------------------ caching


def test_fingerprinted_files_and_images_are_immutable(stack):
    html = stack.site / REPORT.strip("/") / "index.html"
    named = re.findall(r'(?:href|src)="https://127\.0\.0\.1:\d+(/(?:theme|images)/[^"]+)"', html.read_text(encoding="utf-8"))
    assert any(p.endswith(".css") for p in named) and any(p.endswith(".webp") for p in named)
    for path in named:
        answer = fetch(stack.server, path)
        assert answer.status == 200, path
        assert answer.headers["cache-control"] == IMMUTABLE, path


def test_pages_and_feeds_revalidate_with_etag_and_last_modified(stack):
    for path in ("/", REPORT, "/flux/atom.xml", "/flux/feed.json"):
        for encoding in ("identity", "gzip"):
            first = fetch(stack.server, path, headers={"Accept-Encoding": encoding})
            assert first.headers["cache-control"] == SHORT, path
            etag, modified = first.headers["etag"], first.headers["last-modified"]
            again = fetch(stack.server, path, headers={"Accept-Encoding": encoding, "If-None-Match": etag})
            assert (again.status, again.body) == (304, b""), (path, encoding)
            assert_security_headers(again, path)
            since = fetch(stack.server, path, headers={"Accept-Encoding": encoding, "If-Modified-Since": modified})
            assert since.status == 304, (path, encoding)


def test_comment_pages_are_never_stored(stack):
    answer = fetch(stack.server, f"/commentaires?article={SLUG}")
    assert answer.count("cache-control") == 1 and answer.headers["cache-control"] == "no-store"


# ------------------------------------------------------------------ compression and types


def test_precompressed_copies_are_sent_as_they_are(stack):
    for path, file in (("/", "index.html"), (REPORT, REPORT.strip("/") + "/index.html"),
                       (stack.theme("css/screen.css"), stack.theme("css/screen.css").lstrip("/")),
                       ("/flux/atom.xml", "flux/atom.xml")):
        source = stack.site / file
        gz = fetch(stack.server, path, headers={"Accept-Encoding": "gzip"})
        assert gz.headers["content-encoding"] == "gzip", path
        assert gz.body == source.with_name(source.name + ".gz").read_bytes(), path
        assert gzip.decompress(gz.body) == source.read_bytes()
        assert "Accept-Encoding" in gz.headers["vary"]
        br = fetch(stack.server, path, headers={"Accept-Encoding": "gzip, br"})
        assert br.headers["content-encoding"] == "br", path
        assert br.body == source.with_name(source.name + ".br").read_bytes(), path
        assert brotli.decompress(br.body) == source.read_bytes()
        plain = fetch(stack.server, path)
        assert "content-encoding" not in plain.headers and plain.body == source.read_bytes(), path


def test_content_types_with_utf_8_for_text(stack):
    expected = {
        "/": "text/html; charset=utf-8",
        "/flux/atom.xml": "application/atom+xml; charset=utf-8",
        f"{REPORT}commentaires.atom.xml": "application/atom+xml; charset=utf-8",
        "/rubrique/hematologie/atom.xml": "application/atom+xml; charset=utf-8",
        "/flux/rss.xml": "application/rss+xml; charset=utf-8",
        "/flux/feed.json": "application/feed+json; charset=utf-8",
        "/sitemap.xml": "text/xml; charset=utf-8",
        stack.theme("css/screen.css"): "text/css; charset=utf-8",
        stack.theme("img/favicon.svg"): "image/svg+xml; charset=utf-8",
        "/images/hematologie-visioconference.webp": "image/webp",
    }
    for path, content_type in expected.items():
        for encoding in ("identity", "gzip, br"):
            answer = fetch(stack.server, path, headers={"Accept-Encoding": encoding})
            assert answer.headers["content-type"] == content_type, (path, encoding)


# ------------------------------------------------------------------ comments through nginx


def test_a_comment_posted_through_nginx_keeps_nginx_s_client_address_not_a_forged_one(stack):
    headers = {"Origin": stack.server.base, "Content-Type": "application/x-www-form-urlencoded",
               "X-Forwarded-For": "203.0.113.7", "Forwarded": "for=198.51.100.9"}
    fields = {"article": SLUG, "name": "Maëlys", "email": "", "website": "", "parent": "", "homepage": "",
              "body": "Passé par nginx : merci pour ce reportage sur la visioconférence."}
    preview = fetch(stack.server, "/commentaires", "POST", headers, urlencode(fields).encode(), source_address=READER)
    assert preview.status == 200 and "Aperçu" in preview.text
    assert_security_headers(preview, "preview")
    token = token_from(preview.text)
    sent = fetch(stack.server, "/commentaires", "POST", headers, urlencode(dict(fields, token=token)).encode(),
                 source_address=READER)
    assert (sent.status, sent.headers["location"]) == (303, f"/commentaires/merci?article={SLUG}")
    assert_security_headers(sent, "303")
    with store.opened(stack.db) as conn:
        [row] = [r for r in store.list_comments(conn) if r.author == "Maëlys"]
    assert row.ip_prefix == "127.5.6.0/24"


def test_a_body_above_the_limit_is_refused_by_nginx_in_french(stack):
    answer = fetch(stack.server, "/commentaires", "POST",
                   {"Origin": stack.server.base, "Content-Type": "application/x-www-form-urlencoded"},
                   b"body=" + b"a" * 200_000)
    assert answer.status == 413
    assert answer.text.startswith("Votre envoi est bien trop long pour un commentaire")
    assert answer.headers["content-type"] == "text/plain; charset=utf-8"
    assert_security_headers(answer, "413")


class _Recorder(http.server.BaseHTTPRequestHandler):
    def __init__(self, *args, seen, **kwargs):
        self.seen = seen
        super().__init__(*args, **kwargs)

    def do_GET(self):
        self.seen.append(dict(self.headers.items()))
        self.send_response(200)
        self.send_header("Content-Length", "3")
        self.end_headers()
        self.wfile.write(b"ok\n")

    def log_message(self, *args):
        pass


@contextmanager
def recording_upstream():
    seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Recorder, seen=seen))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], seen
    finally:
        server.shutdown()
        server.server_close()


def test_x_forwarded_for_is_replaced_never_appended(tmp_path, stack):
    with recording_upstream() as (port, seen):
        server = configure(tmp_path, root=stack.link, intake=f"127.0.0.1:{port}")
        with running(server):
            answer = fetch(server, "/commentaires/sante", headers={"X-Forwarded-For": "203.0.113.7, 10.0.0.1",
                                                                   "Forwarded": "for=198.51.100.9"},
                           source_address=READER)
    assert answer.status == 200
    [headers] = seen
    assert headers["X-Forwarded-For"] == "127.5.6.7"
    assert "Forwarded" not in headers


def test_with_the_service_stopped_readers_get_the_site_s_french_page(tmp_path, stack):
    server = configure(tmp_path, root=stack.link, intake=f"127.0.0.1:{free_port()}")
    with running(server):
        answer = fetch(server, f"/commentaires?article={SLUG}")
    assert answer.status == 503
    assert "Commentaires momentanément indisponibles" in answer.text
    assert answer.headers["cache-control"] == "no-store"
    assert_security_headers(answer, "503")


# ------------------------------------------------------------------ Chromium's console


CANARY = """<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>CSP</title>
<style>body { color: red; }</style></head><body><p style="color: blue">x</p>
<script>document.title = "exécuté";</script></body></html>"""


@contextmanager
def console_page(browser, javascript):
    context = browser.new_context(java_script_enabled=javascript, ignore_https_errors=True, locale="fr-FR",
                                  service_workers="block")
    page = context.new_page()
    messages, failures = [], []
    page.on("console", lambda m: messages.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: messages.append(f"pageerror: {e}"))
    page.on("response", lambda r: failures.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    try:
        yield page, messages, failures
    finally:
        context.close()


@pytest.fixture(scope="module")
def browser():
    if not chromium_available():
        pytest.skip("Chromium is missing at /usr/bin/chromium; run make test")
    with chromium() as instance:
        yield instance


@pytest.mark.browser
@pytest.mark.parametrize("javascript", [True, False], ids=["javascript-on", "javascript-off"])
def test_the_csp_is_enforced_and_catches_inline_code(stack, browser, javascript):
    canary = stack.site / "csp-canary.html"
    canary.write_text(CANARY, encoding="utf-8")
    try:
        with console_page(browser, javascript) as (page, messages, _failures):
            page.goto(stack.server.base + "/csp-canary.html")
            page.wait_for_load_state("load")
            assert page.title() == "CSP"  # the inline script did not run
            if javascript:
                assert page.locator("p").evaluate("p => getComputedStyle(p).color") != "rgb(0, 0, 255)"
        violations = [m for m in messages if "Content Security Policy" in m]
        assert len(violations) >= 2, messages  # the <style> and the style="" attribute, JavaScript on or off
    finally:
        canary.unlink()


@pytest.mark.browser
@pytest.mark.parametrize("javascript", [True, False], ids=["javascript-on", "javascript-off"])
def test_a_report_and_the_comment_form_load_with_no_csp_violation(stack, browser, javascript):
    base = stack.server.base
    with console_page(browser, javascript) as (page, messages, failures):
        page.goto(f"{base}{REPORT}")
        assert page.locator("section.comments h2").inner_text().startswith("Commentaires")
        page.locator("form.comment-form").get_by_label("Nom ou pseudonyme (obligatoire)").fill(f"Lecteur {javascript}")
        page.locator("form.comment-form").get_by_label(re.compile("^Commentaire \\(obligatoire")).fill(
            f"Un commentaire envoyé à travers nginx, JavaScript {'actif' if javascript else 'coupé'}.")
        page.locator("form.comment-form button[type=submit]").click()
        assert page.locator("h2#apercu-titre").inner_text() == "Aperçu"
        assert page.locator("link[rel=stylesheet]").get_attribute("href") == base + stack.theme("css/screen.css")
        page.get_by_role("button", name="Envoyer le commentaire").click()
        assert page.url.startswith(f"{base}/commentaires/merci")
        assert page.locator("h1").inner_text() == "Merci pour votre commentaire"
        page.goto(f"{base}/commentaires?article={SLUG}")
        assert page.locator("form.comment-form").count() == 1
        page.goto(f"{base}/")
        page.goto(f"{base}/page-inexistante/")
        assert page.locator("h1").inner_text() == "Page introuvable"
    assert [m for m in messages if "Content Security Policy" in m] == []
    assert [m for m in messages if not m.startswith("error: Failed to load resource: the server responded with a status of 404")] == []
    assert failures == [f"404 {base}/page-inexistante/"]
