"""The moderation desk under attack, each case with its expected answer (real HTTP, real SQLite).

| family | case | expected answer |
| --- | --- | --- |
| auth bypass | every desk URL with no cookie, a forged cookie, an expired or a logged-out session | GET: 303 to the login page; POST: 403 « Session expirée », nothing changed |
| CSRF | a POST from another origin, with Origin « null », with neither Origin nor Referer, with another origin's Referer | 403, nothing changed |
| CSRF | a POST without the token, with a wrong token, with another session's token | 403, nothing changed |
| CSRF | a login posted from another origin, without the login cookie, with a forged login token | 403, no session |
| fixation | a cookie planted before login; an attacker's own live session in the victim's browser | a new session id at login, the planted one never authenticates, the old one is closed |
| unknown or decided ids | approve/reject/erase an id that does not exist, approve twice, reject an approved one, reply to a pending one | « Rien fait pour … », no file, no audit entry |
| SQL injection | quotes, comments and UNION in the login, the password, the search, the ids, the action, the reply | the normal refusal or an empty result; tables and rows unchanged |
| path traversal | « ../ » in ids, in the reply's id, a queued row whose report slug is « ../../pages » | refused as an invalid id; no file written outside content/comments |
| header injection | see test_comments_hostile.py (CR/LF in a name or address: 422) and test_comments_mail.py (a row forged in the database) | never a second header nor a second recipient |
| brute force | 5 failed logins for one account, or from one network prefix | the 6th attempt, even with the right password: 429 « Réessayez dans 15 minutes »; every attempt recorded; allowed again after 15 minutes |
"""

import time

import pytest

from comments import accounts, store
from comments_support import PASSWORD, DeskClient, audit, queue, request, rows

pytest_plugins = ("comments_desk_fixtures",)

SLUG = "greffe-a-domicile"

GET_PAGES = ["/", "/recherche?q=x", "/journal", "/repondre?id=c1aaaa", "/inconnue", "/decision"]
POST_ACTIONS = [
    ("/decision", {"action": "approve:aaa111"}),
    ("/decision", {"action": "approve-selected", "id": "aaa111"}),
    ("/decision", {"action": "erase-confirm:aaa111"}),
    ("/republier", {}),
    ("/repondre", {"id": "c1aaaa", "corps": "Réponse forgée"}),
    ("/deconnexion", {}),
]


def snapshot(env):
    """Everything a successful attack would change."""
    with store.opened(env["POULS_COMMENTS_DB"]) as conn:
        return {
            "comments": [tuple(row) for row in conn.execute("SELECT * FROM comments ORDER BY id")],
            "moderators": [tuple(row) for row in conn.execute("SELECT * FROM moderators ORDER BY login")],
            "audit": conn.execute("SELECT count(*) FROM audit").fetchone()[0],
            "publish": tuple(conn.execute("SELECT * FROM publish_state").fetchone()),
            "schema": [tuple(row) for row in conn.execute("SELECT type, name FROM sqlite_master ORDER BY name")],
        }


def files(content):
    return sorted(str(p.relative_to(content)) for p in content.rglob("*") if p.is_file())


@pytest.fixture
def attacked(env, content):
    queue(env, "aaa111", author="Lectrice", email="lectrice@exemple.fr")
    return snapshot(env), files(content)


# --- auth bypass --------------------------------------------------------------------------


def session_states(service, env, clock):
    """No cookie, a forged one, an expired session, a logged-out session."""
    forged = DeskClient(service)
    forged.cookies["pouls_moderation"] = "forged-" + "x" * 40
    expired = DeskClient(service)
    expired.login("anne", PASSWORD)
    with store.opened(env["POULS_COMMENTS_DB"]) as conn:
        conn.execute("UPDATE sessions SET seen_ts = seen_ts - 3600")
    out = DeskClient(service)
    out.login("bruno", PASSWORD)
    token = out.cookies["pouls_moderation"]
    out.act({}, "/deconnexion")
    out.cookies["pouls_moderation"] = token
    return {"no cookie": DeskClient(service), "forged cookie": forged, "expired session": expired, "logged out": out}


@pytest.mark.parametrize("path", GET_PAGES)
def test_auth_bypass_every_desk_page_without_a_session_redirects_to_login(service, env, clock, content, attacked, path):
    for state, client in session_states(service, env, clock).items():
        status, headers, _ = client.get(path)
        assert (status, headers.get("location")) == (303, "/commentaires/moderation/connexion"), (state, path)
    assert snapshot(env)["comments"] == attacked[0]["comments"]


@pytest.mark.parametrize("path, fields", POST_ACTIONS)
def test_auth_bypass_every_desk_action_without_a_session_is_refused(service, env, clock, content, attacked, path, fields):
    before = snapshot(env)
    for state, client in session_states(service, env, clock).items():
        status, _, text = client.post(path, {"csrf": "whatever", **fields})
        assert status == 403, (state, path)
        assert "Votre session a expiré ou vous n’êtes pas connecté\u00a0: rien n’a été fait." in text
    after = snapshot(env)
    assert (after["comments"], after["audit"], after["publish"]) == (before["comments"], before["audit"], before["publish"])
    assert files(content) == attacked[1]


# --- CSRF ----------------------------------------------------------------------------------


@pytest.mark.parametrize("case, origin, headers", [
    ("another origin", "https://evil.example", {}),
    ("the site's origin, not the desk's", "http://127.0.0.1:8000", {}),
    ("origin null", "null", {}),
    ("neither origin nor referer", None, {}),
    ("another origin's referer", None, {"Referer": "https://evil.example/page"}),
])
def test_csrf_a_post_from_elsewhere_is_refused(desk, env, content, attacked, case, origin, headers):
    csrf = desk.csrf()
    for path, fields in POST_ACTIONS:
        status, _, text = desk.post(path, {"csrf": csrf, **fields}, origin=origin, headers=headers)
        assert status == 403, (case, path)
        assert "rien n’a été fait" in text
    assert snapshot(env)["comments"] == attacked[0]["comments"] and files(content) == attacked[1]
    assert desk.get("/")[0] == 200  # still logged in: logout was refused too


def test_csrf_the_referer_of_the_desk_itself_is_accepted_without_origin(desk, env):
    queue(env, "bbb222")
    status, _, _ = desk.post("/decision", {"csrf": desk.csrf(), "action": "reject:bbb222"}, origin=None,
                             headers={"Referer": desk.base + "/"})
    assert status == 303 and rows(env)["bbb222"].status == "rejected"


@pytest.mark.parametrize("case", ["missing token", "empty token", "wrong token", "another session's token"])
def test_csrf_a_post_without_this_sessions_token_is_refused(desk, service, env, content, attacked, case):
    other = DeskClient(service)
    other.login("bruno", PASSWORD)
    token = {"missing token": None, "empty token": "", "wrong token": "x" * 43, "another session's token": other.csrf()}[case]
    for path, fields in POST_ACTIONS:
        sent = dict(fields) if token is None else {"csrf": token, **fields}
        status, _, text = desk.post(path, sent)
        assert status == 403, (case, path)
        assert "Le jeton de sécurité de ce formulaire manque ou a expiré\u00a0: rien n’a été fait." in text
    assert snapshot(env)["comments"] == attacked[0]["comments"] and files(content) == attacked[1]


@pytest.mark.parametrize("case", ["another origin", "no login cookie", "forged login token", "token of another cookie"])
def test_csrf_a_login_from_elsewhere_is_refused(service, env, case):
    client = DeskClient(service)
    client.get("/connexion")
    token = client.last.split('name="jeton" value="')[1].split('"')[0]
    origin = "default"
    if case == "another origin":
        origin = "https://evil.example"
    elif case == "no login cookie":
        client.cookies.clear()
    elif case == "forged login token":
        token = "0" * 64
    else:
        client.cookies["pouls_connexion"] = "another-nonce"
    status, headers, text = client.post("/connexion", {"login": "anne", "password": PASSWORD, "jeton": token}, origin=origin)
    assert status == 403 and "Ce formulaire a expiré ou ne vient pas du bureau de modération." in text
    assert "pouls_moderation" not in headers.get("set-cookie", "")
    with store.opened(env["POULS_COMMENTS_DB"]) as conn:
        assert conn.execute("SELECT count(*) FROM sessions").fetchone()[0] == 0


def test_csrf_a_get_never_changes_anything(desk, env, content, attacked):
    for path in ["/decision?action=approve:aaa111&csrf=" + desk.csrf(), "/republier", "/deconnexion",
                 "/repondre?id=c1aaaa&corps=x", "/?action=approve:aaa111"]:
        status, _, _ = desk.get(path)
        assert status in (200, 404, 405), path
    after = snapshot(env)
    assert (after["comments"], after["audit"], after["publish"]) == (attacked[0]["comments"], attacked[0]["audit"], attacked[0]["publish"])
    assert desk.get("/")[0] == 200


# --- session fixation ----------------------------------------------------------------------


def test_fixation_a_planted_cookie_is_replaced_at_login_and_never_authenticates(service):
    victim = DeskClient(service)
    planted = "planted-by-attacker-" + "a" * 30
    victim.cookies["pouls_moderation"] = planted
    victim.login("anne", PASSWORD)
    assert victim.cookies["pouls_moderation"] != planted
    attacker = DeskClient(service)
    attacker.cookies["pouls_moderation"] = planted
    assert attacker.get("/")[0] == 303


def test_fixation_a_session_the_browser_had_is_closed_at_login(service, env):
    attacker = DeskClient(service)
    attacker.login("bruno", PASSWORD)
    known = attacker.cookies["pouls_moderation"]
    victim = DeskClient(service)
    victim.cookies["pouls_moderation"] = known  # the attacker's own session, planted in the victim's browser
    victim.login("anne", PASSWORD)
    assert victim.cookies["pouls_moderation"] != known
    assert attacker.get("/")[0] == 303
    queue(env, "zzz999")
    victim.act({"action": "approve:zzz999"})
    assert rows(env)["zzz999"].decided_by == "anne"


# --- ids that do not exist or are already decided ------------------------------------------


@pytest.mark.parametrize("case, action, message", [
    ("unknown id", "approve:zzz999", "Rien fait pour 'zzz999'\u00a0: aucun commentaire en attente avec l’identifiant 'zzz999'"),
    ("unknown id, reject", "reject:zzz999", "Rien fait pour 'zzz999'\u00a0: aucun commentaire en attente"),
    ("unknown id, erase", "erase:zzz999", "Rien fait pour 'zzz999'\u00a0: aucun commentaire en attente"),
    ("unknown id, erase confirmed", "erase-confirm:zzz999", "Rien fait pour 'zzz999'\u00a0: aucun commentaire en attente"),
    ("already approved", "approve:c1aaaa", "Rien fait pour 'c1aaaa'\u00a0: aucun commentaire en attente"),
    ("empty action", "", "Choisissez une action et au moins un commentaire."),
    ("unknown action", "publish:aaa111", "Choisissez une action et au moins un commentaire."),
])
def test_unknown_or_decided_ids_change_nothing(desk, env, content, attacked, case, action, message):
    with store.opened(env["POULS_COMMENTS_DB"]) as conn:
        # c1aaaa is published in the fixture; give it an approved row too.
        row = store.Pending("c1aaaa", SLUG, None, "Maëlle", None, None, "Déjà publié", "h-c1", "192.0.2.0/24", "",
                            "pending", time.time())
        store.insert_pending(conn, row, "maëlle", store.Limits(rate_limit=10**6, sender_gap=0), time.time())
        conn.execute("UPDATE comments SET status = 'approved' WHERE id = 'c1aaaa'")
    before = snapshot(env)
    status, _, _ = desk.act({"action": action})
    assert status == 303
    assert any(line.startswith(message) for line in desk_flash(desk)), desk_flash(desk)
    assert snapshot(env) == before and files(content) == attacked[1]


def desk_flash(client):
    from bs4 import BeautifulSoup

    return [li.get_text(" ", strip=True) for li in BeautifulSoup(client.last, "html.parser").select(".desk-flash li")] or \
        [li.get_text(" ", strip=True) for li in BeautifulSoup(client.get("/")[2], "html.parser").select(".desk-flash li")]


def test_approving_twice_writes_once_and_logs_once(desk, env, content):
    queue(env, "bbb222")
    desk.act({"action": "approve:bbb222"})
    first = (content / "comments" / SLUG / "bbb222.md").read_bytes()
    desk.act({"action": "approve:bbb222"})
    assert (content / "comments" / SLUG / "bbb222.md").read_bytes() == first
    assert [entry for entry in audit(env) if entry[2] == "bbb222"] == [("anne", "approve", "bbb222")]


# --- SQL injection -------------------------------------------------------------------------

INJECTIONS = ["' OR '1'='1", "'; DROP TABLE comments; --", "\" OR 1=1 --", "x' UNION SELECT password_hash FROM moderators --",
              "%' OR 1=1 --", "aaa111' --"]


@pytest.mark.parametrize("payload", INJECTIONS)
def test_sql_injection_in_the_login_form(service, env, payload):
    before = snapshot(env)
    for login, password in ((payload, payload), ("anne", payload), (payload, PASSWORD)):
        client = DeskClient(service)
        status, _, text = client.login(login, password)
        assert status == 403 and "Identifiant ou mot de passe incorrect." in text
    after = snapshot(env)
    assert (after["moderators"], after["schema"], after["comments"]) == (before["moderators"], before["schema"], before["comments"])


@pytest.mark.parametrize("payload", INJECTIONS)
def test_sql_injection_in_the_desk_fields(desk, env, content, attacked, payload):
    from urllib.parse import quote

    assert desk.get("/recherche?q=" + quote(payload))[0] == 200
    assert "article.desk-item" not in desk.last and 'class="desk-item"' not in desk.last
    assert desk.get("/repondre?id=" + quote(payload))[0] == 404
    for fields in ({"action": f"approve:{payload}"}, {"action": f"reject:{payload}"}, {"action": f"erase:{payload}"},
                   {"action": "approve-selected", "id": payload}, {"action": payload}):
        assert desk.act(fields)[0] == 303
    assert desk.act({"id": payload, "corps": payload}, "/repondre")[0] == 404
    assert desk.act({"id": "aaa111", "corps": payload}, "/repondre")[0] == 404  # aaa111 is pending, not published
    after = snapshot(env)
    assert (after["comments"], after["moderators"], after["schema"], after["audit"]) == (
        attacked[0]["comments"], attacked[0]["moderators"], attacked[0]["schema"], attacked[0]["audit"])
    assert files(content) == attacked[1]


# --- path traversal ------------------------------------------------------------------------


@pytest.mark.parametrize("payload", ["../../etc/passwd", "..%2F..%2Fpages", "../comments/x", "/etc/passwd", "aaa111/../../x",
                                     "..", "c1aaaa\x00"])
def test_path_traversal_in_ids(desk, env, content, attacked, payload):
    from urllib.parse import quote

    for fields in ({"action": f"approve:{payload}"}, {"action": "approve-selected", "id": payload}):
        desk.act(fields)
    assert desk.get("/repondre?id=" + quote(payload))[0] == 404
    desk.act({"id": payload, "corps": "x"}, "/repondre")
    assert snapshot(env)["comments"] == attacked[0]["comments"]
    assert files(content) == attacked[1]


def test_path_traversal_in_a_queued_reports_slug(desk, env, content):
    queue(env, "trav01", article="../../pages")
    before = files(content.parent)
    desk.act({"action": "approve:trav01"})
    assert any("identifiant d’article '../../pages'" in line for line in desk_flash(desk))
    assert rows(env)["trav01"].status == "pending"
    assert files(content.parent) == before


def test_path_traversal_in_the_desk_url(service):
    for path in ("/commentaires/moderation/../sante", "/commentaires/moderation/%2e%2e/%2e%2e/etc/passwd",
                 "/commentaires/moderation/..%2f..%2fpublishconf.py"):
        status, _, text = request("GET", f"http://127.0.0.1:{service.port}{path}")
        assert status in (303, 404), path
        assert "SITEURL" not in text and "root:" not in text


# --- brute force -----------------------------------------------------------------------------


def test_brute_force_five_failures_for_one_account_lock_it_for_fifteen_minutes(service, env, clock):
    client = DeskClient(service)
    for _ in range(5):
        assert client.login("anne", "mauvais mot de passe")[0] == 403
    status, headers, text = client.login("anne", PASSWORD)
    assert status == 429
    assert "Trop de tentatives de connexion ont échoué pour ce compte ou depuis votre réseau. Réessayez dans 15\u00a0minutes." in text
    assert "pouls_moderation" not in headers.get("set-cookie", "")
    clock.now += 15 * 60 + 1
    assert client.login("anne", PASSWORD)[0] == 303
    with store.opened(env["POULS_COMMENTS_DB"]) as conn:
        attempts = [tuple(row) for row in conn.execute("SELECT login, ok FROM login_attempts ORDER BY ts")]
    assert attempts == [("anne", 0)] * 6 + [("anne", 1)]


def test_brute_force_five_failures_from_one_network_lock_every_account_from_it(service, clock):
    client = DeskClient(service)
    for login in ("admin", "root", "anne1", "bruno1", "test"):
        assert client.login(login, "devine")[0] == 403
    assert client.login("bruno", PASSWORD)[0] == 429


def test_brute_force_attempts_are_logged(service, caplog):
    caplog.set_level("INFO", logger="comments.accounts")
    client = DeskClient(service)
    client.login("anne", "faux")
    client.login("anne", PASSWORD)
    messages = [record.getMessage() for record in caplog.records]
    assert any(m.startswith("comments.desk: login invalid for 'anne' from 127.0.0.0/24") for m in messages)
    assert any(m.startswith("comments.desk: login ok for 'anne' from 127.0.0.0/24") for m in messages)


def test_an_unknown_account_is_refused_like_a_wrong_password(service):
    client = DeskClient(service)
    status, _, text = client.login("personne", PASSWORD)
    assert status == 403 and "Identifiant ou mot de passe incorrect." in text


def test_no_default_account_exists(tmp_path, site):
    from comments_support import index_of, service_env, service_thread

    env = service_env(tmp_path / "empty.sqlite3", index_of(site.output))
    with service_thread(env) as running:
        for login, password in (("admin", "admin"), ("moderateur", "moderateur"), ("root", "")):
            assert DeskClient(running).login(login, password)[0] == 403
    with store.opened(env["POULS_COMMENTS_DB"]) as conn:
        assert accounts.moderators(conn) == []
