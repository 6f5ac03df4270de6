"""The intake service over real HTTP (waitress on 127.0.0.1) with a real SQLite queue."""

import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from comments import store
from comments.service import ServiceConfig, sign_token
from comments.settings import CommentsSettingsError
from comments_support import (
    SITE_ORIGIN,
    index_of,
    post,
    request,
    service_env,
    service_thread,
    submit,
    token_from,
)
from pouls_common.paths import ROOT, python_path

SLUG = "greffe-a-domicile"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from conftest import SITES
    from desk.build import build_site

    return build_site("pelicanconf.py", content=SITES / "comments-basic", output=tmp_path_factory.mktemp("site"))


@pytest.fixture
def env(tmp_path, site):
    return service_env(tmp_path / "queue.sqlite3", index_of(site.output))


@pytest.fixture
def service(env):
    with service_thread(env) as running:
        yield running


def rows(env):
    with store.opened(env["POULS_COMMENTS_DB"]) as conn:
        return store.list_comments(conn, None)


def fields(**changes):
    values = {"article": SLUG, "name": "Anne", "email": "", "website": "", "body": "Merci pour ce reportage.", "homepage": ""}
    values.update(changes)
    return values


def html(text):
    return BeautifulSoup(text, "html.parser")


def test_first_post_shows_a_preview_with_a_token_and_stores_nothing(service, env):
    status, _, text = post(service.url, fields(body="Bonjour <b>vous</b>\n\nhttps://exemple.fr"))
    page = html(text)
    assert status == 200
    assert token_from(text)
    preview = page.select_one(".comment-preview .comment-body")
    assert [p.get_text() for p in preview.find_all("p")] == ["Bonjour <b>vous</b>", "https://exemple.fr"]
    assert preview.a["href"] == "https://exemple.fr"
    assert page.select_one("textarea[name=body]").get_text() == "Bonjour <b>vous</b>\n\nhttps://exemple.fr"
    assert rows(env) == []


def test_confirmed_comment_is_stored_pending_and_answered_303(service, env):
    status, headers, _ = submit(service.url, fields(email="Anne@Exemple.fr", website="https://anne.example"))
    assert status == 303
    assert headers["location"] == f"/commentaires/merci?article={SLUG}"
    [row] = rows(env)
    assert (row.status, row.article, row.author, row.email, row.website) == (
        "pending", SLUG, "Anne", "anne@exemple.fr", "https://anne.example"
    )
    assert row.ip_prefix == "127.0.0.0/24"
    database = Path(env["POULS_COMMENTS_DB"])
    for path in database.parent.glob(database.name + "*"):
        assert b"127.0.0.1" not in path.read_bytes()


def test_thank_you_page_says_moderation_comes_first_and_links_back(service):
    status, _, text = request("GET", service.url + f"/merci?article={SLUG}")
    page = html(text)
    assert status == 200
    assert page.html["lang"] == "fr"
    assert "publié après relecture par la rédaction" in page.get_text()
    assert page.select_one("main a")["href"] == f"{SITE_ORIGIN}/hematologie/greffe-a-domicile/"


def test_thank_you_page_for_an_unknown_slug_reflects_nothing(service):
    _, _, text = request("GET", service.url + "/merci?article=%3Cscript%3E")
    assert "<script>" not in text and "&lt;script" not in text


def test_honeypot_gets_the_same_answer_but_nothing_is_stored(service, env):
    status, headers, _ = post(service.url, fields(homepage="http://spam.example"))
    assert status == 303 and headers["location"].endswith(f"merci?article={SLUG}")
    assert rows(env) == []


def test_too_fast_confirmation_is_refused_with_the_text_kept(env):
    env["POULS_COMMENTS_MIN_SECONDS"] = "3600"
    with service_thread(env) as service:
        status, _, text = submit(service.url, fields(body="Trop rapide"))
    assert status == 429
    assert "très vite" in html(text).select_one("[role=status]").get_text()
    assert html(text).select_one("textarea").get_text() == "Trop rapide"
    assert rows(env) == []


@pytest.mark.parametrize(
    "token",
    [sign_token(b"secret-for-tests-only-0123456789", SLUG, issued_at=time.time() - 10 * 86400),
     sign_token(b"secret-for-tests-only-0123456789", "regulation-nuit", issued_at=time.time() - 60),
     sign_token(b"another-secret-entirely-000000000", SLUG, issued_at=time.time() - 60),
     "123.abc.def", "9" * 5000 + ".abc.def"],
    ids=["expired", "other report", "other secret", "garbage", "huge timestamp"],
)
def test_old_or_forged_token_shows_the_form_again(service, env, token):
    status, _, text = post(service.url, fields(token=token, body="Texte gardé"))
    assert status == 422
    assert "expiré" in text
    assert html(text).select_one("textarea").get_text() == "Texte gardé"
    assert token_from(text) != token
    assert rows(env) == []


def test_rate_limit_per_network_prefix(env):
    env["POULS_COMMENTS_RATE_LIMIT"] = "2"
    with service_thread(env) as service:
        answers = [submit(service.url, fields(name=f"Personne {n}", body=f"Commentaire {n}")) for n in range(3)]
    assert [status for status, _, _ in answers] == [303, 303, 429]
    assert "depuis votre réseau" in answers[2][2]
    assert html(answers[2][2]).select_one("textarea").get_text() == "Commentaire 2"
    assert len(rows(env)) == 2


def test_minimum_gap_per_sender(env):
    env["POULS_COMMENTS_SENDER_GAP"] = "3600"
    with service_thread(env) as service:
        first = submit(service.url, fields(body="Premier"))
        same_name = submit(service.url, fields(name="  ANNE ", body="Second"))
        other = submit(service.url, fields(name="Bruno", body="Troisième"))
    assert (first[0], same_name[0], other[0]) == (303, 429, 303)
    assert "Patientez" in same_name[2]


def test_exact_duplicate_is_refused(service, env):
    assert submit(service.url, fields(body="Deux fois"))[0] == 303
    status, _, text = submit(service.url, fields(name="Autre", body="Deux fois"))
    assert status == 409
    assert "déjà été envoyé" in text
    assert len(rows(env)) == 1


@pytest.mark.parametrize(
    "headers",
    [{"Origin": "https://evil.example"}, {"Origin": "null"}, {"Referer": "https://evil.example/page"}],
    ids=["foreign origin", "null origin", "foreign referer"],
)
def test_post_from_another_site_is_refused(service, env, headers):
    status, _, text = request("POST", service.url, fields=fields(), headers=headers)
    assert status == 403
    assert "depuis le site" in text
    assert rows(env) == []


def test_one_megabyte_body_is_refused_with_413(service, env):
    status, _, text = post(service.url, fields(body="x" * 1_000_000))
    assert status == 413
    assert "trop long" in html(text).h1.get_text()
    assert rows(env) == []


def test_body_over_4000_characters_is_refused_with_the_text_kept(service, env):
    status, _, text = post(service.url, fields(body="é" * 4001))
    page = html(text)
    assert status == 422
    assert page.select_one("#comment-body-erreur").get_text() == "Le commentaire est trop long\u00a0: 4001 caractères pour 4000 au plus."
    assert page.select_one("textarea")["aria-invalid"] == "true"
    assert len(page.select_one("textarea").get_text()) == 4001


@pytest.mark.parametrize("content_type", ["multipart/form-data; boundary=x", "application/json", "text/plain"])
def test_other_content_types_are_refused(service, content_type):
    status, _, _ = request("POST", service.url, body=b"name=a", headers={"Content-Type": content_type, "Origin": SITE_ORIGIN})
    assert status == 415


@pytest.mark.parametrize(
    "slug",
    ["regulation-nuit", "inconnu", "../../etc/passwd", "greffe-a-domicile/../x", "", "GREFFE-A-DOMICILE"],
    ids=["closed report", "unknown", "traversal", "traversal suffix", "empty", "case"],
)
def test_report_must_be_a_published_report_open_to_comments(service, env, slug):
    status, _, text = submit(service.url, fields(article=slug))
    assert status == 404
    assert "n’accepte pas de commentaires" in text
    assert rows(env) == []


def test_reply_form_keeps_an_approved_parent_only(service):
    _, _, text = request("GET", service.url + f"?article={SLUG}&parent=c1aaaa")
    assert html(text).select_one("input[name=parent]")["value"] == "c1aaaa"
    _, _, text = request("GET", service.url + f"?article={SLUG}&parent=inconnu")
    assert html(text).select_one("input[name=parent]") is None


def test_reply_to_an_unpublished_comment_is_refused(service, env):
    status, _, text = submit(service.url, fields(parent="pending123"))
    assert status == 422
    assert "n’existe pas ou n’est pas encore publié" in text
    assert submit(service.url, fields(parent="c1aaaa", body="Une réponse"))[0] == 303
    assert rows(env)[0].parent_id == "c1aaaa"


def test_errors_are_listed_in_an_alert_linking_to_each_field(service):
    status, _, text = post(service.url, fields(name="", email="pas une adresse", body=""))
    page = html(text)
    assert status == 422
    alert = page.select_one("[role=alert]")
    assert [a["href"] for a in alert.select("a")] == ["#comment-name", "#comment-email", "#comment-body"]
    for field in page.select("form input:not([type=hidden]), form textarea"):
        assert page.select_one(f"label[for={field['id']}]") is not None


def test_many_links_or_held_words_flag_the_comment_for_the_moderator(service, env):
    body = "Promo casino https://a.example https://b.example https://c.example"
    assert submit(service.url, fields(body=body))[0] == 303
    assert rows(env)[0].flags == "liens:3; mot:casino"


def test_missing_site_index_refuses_posts_with_503(env, tmp_path):
    env["POULS_COMMENTS_SITE_INDEX"] = str(tmp_path / "absent.json")
    with service_thread(env) as service:
        status, _, text = submit(service.url, fields())
    assert status == 503
    assert "pas encore disponible" in text


def test_index_is_read_again_when_the_site_is_rebuilt(env, tmp_path):
    index_path = tmp_path / "index.json"
    index_path.write_text(json.dumps({"version": 1, "siteurl": "", "articles": {}}), encoding="utf-8")
    env["POULS_COMMENTS_SITE_INDEX"] = str(index_path)
    with service_thread(env) as service:
        assert submit(service.url, fields(article="nouveau"))[0] == 404
        entry = {"url": "urgences/nouveau/", "title": "Nouveau", "comments_open": True, "comments": []}
        index_path.write_text(json.dumps({"version": 1, "siteurl": "", "articles": {"nouveau": entry}}), encoding="utf-8")
        assert submit(service.url, fields(article="nouveau", body="Premier !"))[0] == 303


def test_rows_older_than_the_retention_period_are_purged(env):
    env["POULS_COMMENTS_RETENTION_DAYS"] = "30"
    old = store.Pending("oldrow000001", SLUG, None, "Ancien", "a@b.fr", None, "Vieux", "hash-old", "10.0.0.0/24", "", "pending",
                        time.time() - 31 * 86400)
    with store.opened(env["POULS_COMMENTS_DB"]) as conn:
        store.insert_pending(conn, old, "ancien", store.Limits(), old.created_ts)
    with service_thread(env) as service:
        assert submit(service.url, fields())[0] == 303
    assert [row.author for row in rows(env)] == ["Anne"]


def test_pages_carry_security_headers(service):
    _, headers, _ = request("GET", service.url + f"?article={SLUG}")
    assert headers["cache-control"] == "no-store"
    assert headers["x-content-type-options"] == "nosniff"
    assert "form-action 'self'" in headers["content-security-policy"]
    assert "script-src" not in headers["content-security-policy"]


def test_unknown_path_and_method_get_french_pages(service):
    status, _, text = request("GET", service.url + "/../../etc/passwd")
    assert status == 404 and "Page introuvable" in text
    status, headers, _ = request("PUT", service.url, body=b"")
    assert status == 405 and headers["allow"] == "GET, POST"


def test_query_string_with_too_many_fields_gets_the_closed_page(service):
    status, _, text = request("GET", service.url + "?" + "&".join(f"a{n}=1" for n in range(50)))
    assert status == 404 and "n’accepte pas de commentaires" in text


def test_health_check_answers_ok(service):
    assert request("GET", service.url + "/sante")[:1] == (200,)


def test_database_is_in_wal_mode(service, env):
    submit(service.url, fields())
    with sqlite3.connect(env["POULS_COMMENTS_DB"]) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("POULS_COMMENTS_RATE_LIMIT", "beaucoup", "POULS_COMMENTS_RATE_LIMIT='beaucoup' is not a number"),
        ("POULS_COMMENTS_RATE_LIMIT", "0", "POULS_COMMENTS_RATE_LIMIT='0' must be at least 1"),
        ("POULS_COMMENTS_SECRET", "court", "POULS_COMMENTS_SECRET is shorter than 16 characters"),
        ("POULS_COMMENTS_ALLOWED_ORIGINS", "https://pouls.example.fr/articles", "'https://pouls.example.fr/articles', which is not an origin"),
        ("POULS_COMMENTS_SITE_URL", "pouls.example.fr", "POULS_COMMENTS_SITE_URL='pouls.example.fr' must start with https://"),
    ],
)
def test_bad_environment_names_the_variable_and_the_fix(env, name, value, message):
    env[name] = value
    with pytest.raises(CommentsSettingsError) as error:
        ServiceConfig.from_env(env)
    assert message in str(error.value)


def test_service_command_with_bad_environment_exits_with_a_message_not_a_traceback(env):
    env["POULS_COMMENTS_PORT"] = "huit-mille"
    result = subprocess.run(
        [sys.executable, "-m", "comments.service"], env=python_path({**env, "PATH": "/usr/bin"}),
        capture_output=True, text=True, timeout=60, cwd=ROOT,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "comments.service: POULS_COMMENTS_PORT='huit-mille' is not a number; set it like POULS_COMMENTS_PORT=8001"
    )


# --- every refusal in French, whatever its size ------------------------------------------------


def raw_exchange(port, head, body_chunks=()):
    """Send a request by hand (headers, then body pieces) and read the whole answer."""
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head)
        try:
            for chunk in body_chunks:
                sock.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before the body ended: read its answer
        answer = b""
        try:
            while data := sock.recv(65536):
                answer += data
        except ConnectionResetError:
            pass
    status_line, _, rest = answer.partition(b"\r\n")
    headers, _, body = rest.partition(b"\r\n\r\n")
    return int(status_line.split()[1]), headers.decode("latin-1").lower(), body.decode("utf-8")


def refusal_is_french(status_headers_body, status, title):
    code, headers, body = status_headers_body
    assert code == status
    assert "content-type: text/html; charset=utf-8" in headers
    page = html(body)
    assert page.html["lang"] == "fr" and page.h1.get_text() == title
    assert "Request Entity Too Large" not in body and "generated by" not in body


def test_a_body_over_waitress_cap_gets_the_french_413_not_waitress_english(service, env):
    """Over waitress's own 4 MiB cap, waitress answers before the application: still in French."""
    head = (b"POST /commentaires HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://127.0.0.1:8000\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 5242880\r\n\r\n")
    refusal_is_french(raw_exchange(service.port, head, [b"body=" + b"x" * 65536]), 413, "Envoi trop volumineux")
    assert rows(env) == []


def test_a_chunked_body_over_the_cap_gets_the_french_413(service, env):
    head = (b"POST /commentaires HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://127.0.0.1:8000\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n")
    piece = b"x" * (1024 * 1024)
    chunks = [b"%x\r\n%s\r\n" % (len(piece), piece) for _ in range(5)] + [b"0\r\n\r\n"]
    refusal_is_french(raw_exchange(service.port, head, chunks), 413, "Envoi trop volumineux")
    assert rows(env) == []


def test_a_body_between_the_services_limit_and_waitress_cap_gets_the_french_413(service, env):
    head = (b"POST /commentaires HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://127.0.0.1:8000\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 2000000\r\nConnection: close\r\n\r\n")
    refusal_is_french(raw_exchange(service.port, head, [b"x" * 2_000_000]), 413, "Commentaire trop long")


def test_headers_too_large_get_a_french_page(service):
    head = b"GET /commentaires HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"y" * 300_000 + b"\r\n\r\n"
    refusal_is_french(raw_exchange(service.port, head), 431, "Requête trop volumineuse")


def test_a_malformed_request_gets_a_french_page(service):
    head = (b"POST /commentaires HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 12\r\nContent-Length: 99\r\n\r\n")
    refusal_is_french(raw_exchange(service.port, head), 400, "Envoi illisible")


# --- one settings object: the service looks where the builds write ---------------------------


def test_the_service_reads_the_index_make_publish_writes_by_default(tmp_path):
    config = ServiceConfig.from_env({"POULS_COMMENTS_DB": str(tmp_path / "q.sqlite3")})
    # publishconf.py's OUTPUT_PATH (the `output` link make publish swaps) and COMMENTS_INDEX_SAVE_AS.
    assert config.site_index == ROOT / "output" / "donnees" / "commentaires.json"
    assert config.comments_folder == ROOT / "content" / "comments"
    assert config.public_url == "https://pouls.example.fr/commentaires"


def test_the_service_follows_the_settings_file_it_is_given(tmp_path):
    (tmp_path / "site").mkdir()
    settings = tmp_path / "devconf.py"
    settings.write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nfrom pelicanconf import *\n"
        f"PATH = {str(tmp_path / 'site')!r}\nOUTPUT_PATH = {str(tmp_path / 'out')!r}\n"
        "COMMENTS_PATH = 'avis'\nCOMMENTS_INDEX_SAVE_AS = 'api/index.json'\n",
        encoding="utf-8",
    )
    config = ServiceConfig.from_env({"POULS_COMMENTS_DB": str(tmp_path / "q.sqlite3"), "POULS_COMMENTS_SETTINGS": str(settings)})
    assert config.site_index == tmp_path / "out" / "api" / "index.json"
    assert config.comments_folder == tmp_path / "site" / "avis"


def test_a_missing_index_is_reported_with_the_command_that_writes_it(env, tmp_path):
    env["POULS_COMMENTS_SITE_INDEX"] = str(tmp_path / "absent" / "commentaires.json")
    env["POULS_COMMENTS_PORT"] = "0"
    process = subprocess.Popen(
        [sys.executable, "-m", "comments.service"], env=python_path({**env, "PATH": "/usr/bin"}),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT,
    )
    try:
        lines = []
        for line in process.stdout:
            lines.append(line)
            if "listening on" in line:
                break
    finally:
        process.terminate()
        process.wait(timeout=10)
    warning = next(line for line in lines if "site index" in line)
    assert "publish the site (make publish writes it)" in warning
    assert "make html: output.dev/donnees/commentaires.json" in warning
