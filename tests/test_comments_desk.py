"""The moderation desk over real HTTP (waitress on 127.0.0.1), a real SQLite queue, real comment
files and real builds: accounts and sessions, the queue, decisions, search, newsroom replies, the
audit log, and the background publication's state."""

import re
import sys
import time

from bs4 import BeautifulSoup

from comments import accounts, publisher, store
from comments.model import parse_comment, serialise_comment
from comments_support import PASSWORD, DeskClient, audit, moderate, queue, rows, service_thread
from desk.build import build_site

pytest_plugins = ("comments_desk_fixtures",)

SLUG = "greffe-a-domicile"


def html(text):
    return BeautifulSoup(text, "html.parser")


def flash(client):
    return [li.get_text(" ", strip=True) for li in html(client.get("/")[2]).select(".desk-flash li")]


# --- accounts and sessions --------------------------------------------------------------


def test_login_opens_a_session_in_a_cookie_locked_to_the_desk(service):
    client = DeskClient(service)
    client.get("/connexion")
    page = html(client.last)
    assert page.h1.get_text() == "Connexion au bureau de modération"
    assert page.select_one("label[for=desk-login]").get_text() == "Identifiant"
    assert page.select_one("label[for=desk-password]").get_text() == "Mot de passe"
    status, headers, _ = client.post("/connexion", {"login": "anne", "password": PASSWORD,
                                                    "jeton": page.select_one("input[name=jeton]")["value"]})
    assert status == 303 and headers["location"] == "/commentaires/moderation/"
    session_cookie = next(c for c in headers["set-cookie"].split(", ") if c.startswith("pouls_moderation="))
    attributes = [part.strip() for part in session_cookie.split(";")[1:]]
    assert attributes == ["Path=/commentaires/moderation/", "HttpOnly", "SameSite=Strict"]
    assert len(client.cookies["pouls_moderation"]) >= 40
    with store.opened(service.config.db_path) as conn:
        stored = [row[0] for row in conn.execute("SELECT token_hash FROM sessions")]
    # Only a hash of the token is kept: a copy of the database opens no session.
    assert client.cookies["pouls_moderation"] not in stored and len(stored) == 1


def test_the_cookie_is_secure_when_the_site_is_https(env, clock):
    with service_thread({**env, "POULS_COMMENTS_SITE_URL": "https://pouls.example.fr"}, clock=clock) as running:
        client = DeskClient(running)
        _, headers, _ = client.login("anne", PASSWORD)
    assert "pouls_moderation=" in headers["set-cookie"]
    assert all("; Secure" in cookie for cookie in headers["set-cookie"].split(", "))


def test_a_session_expires_after_thirty_idle_minutes(desk, clock):
    clock.now += 29 * 60
    assert desk.get("/")[0] == 200
    clock.now += 29 * 60  # idle time restarts at each request
    assert desk.get("/")[0] == 200
    clock.now += 31 * 60
    status, headers, _ = desk.get("/")
    assert status == 303 and headers["location"] == "/commentaires/moderation/connexion"


def test_logout_ends_the_session_on_the_server(desk, service):
    token = desk.cookies["pouls_moderation"]
    status, headers, text = desk.act({}, "/deconnexion")
    assert status == 200 and "Vous êtes déconnecté." in text
    assert "pouls_moderation=; " in headers["set-cookie"] and "Max-Age=0" in headers["set-cookie"]
    replay = DeskClient(service)
    replay.cookies["pouls_moderation"] = token
    assert replay.get("/")[0] == 303


def test_a_new_password_closes_the_accounts_sessions(desk, env):
    with store.opened(env["POULS_COMMENTS_DB"]) as conn:
        accounts.set_password(conn, "anne", "un tout autre mot de passe", time.time())
    assert desk.get("/")[0] == 303


def test_every_desk_page_has_one_h1_and_french_labels(desk, env):
    queue(env, "aaa111")
    for path in ("/", "/recherche", "/journal"):
        page = html(desk.get(path)[2])
        assert page.html["lang"] == "fr"
        assert len(page.select("h1")) == 1, path
        assert page.select_one("nav.desk-nav")["aria-label"] == "Bureau de modération"
        for field in page.select("input:not([type=hidden]), textarea"):
            assert page.select_one(f"label[for={field['id']}]") is not None, (path, field)


# --- the queue ------------------------------------------------------------------------


def test_the_queue_lists_pending_comments_oldest_first_with_what_the_moderator_needs(desk, env):
    queue(env, "new222", author="Bruno", age=60)
    queue(env, "old111", author="Rédacti\u043en", body="Voir https://a.example https://b.example https://c.example",
          age=3 * 3600 + 300, flags="liens:3; nom-sosie:Rédaction; nom-mixte:cyrillique, latin", ip_prefix="203.0.113.0/24")
    page = html(desk.get("/")[2])
    assert page.h1.get_text() == "Commentaires en attente (2)"
    items = page.select("article.desk-item")
    assert [item.select_one("article.comment")["id"] for item in items] == ["comment-old111", "comment-new222"]
    facts = {dt.get_text(): dd.get_text(" ", strip=True) for dt, dd in zip(items[0].select("dt"), items[0].select("dd"), strict=True)}
    assert facts["Article"] == "Le suivi après greffe passe en partie à domicile"
    assert items[0].select_one("dd a")["href"] == "http://127.0.0.1:8000/hematologie/greffe-a-domicile/"
    assert facts["Réseau"] == "203.0.113.0/24"
    assert facts["Reçu"].startswith("il y a 3\u00a0h")
    assert facts["À vérifier"] == (
        "3\u00a0liens, nom qui imite «\u00a0Rédaction\u00a0» avec des lettres d’une autre écriture, "
        "nom qui mêle plusieurs écritures (cyrillique, latin)"
    )
    assert html(desk.get("/")[2]).select_one("a[aria-current=page]").get_text() == "En attente (2)"


def test_the_queue_shows_each_comment_exactly_as_the_site_will(desk, env, content, tmp_path):
    body = "Première ligne\navec https://exemple.fr/page.\n\n<b>pas du gras</b> & « guillemets »"
    queue(env, "aaa111", author="\u05d3\u05e0\u05d4", body=body, parent="c1aaaa")
    preview = html(desk.get("/")[2]).select_one("article.comment#comment-aaa111")
    desk.act({"action": "approve:aaa111"})
    built = build_site("pelicanconf.py", content=content, output=tmp_path / "built")
    published = html((built.output / "hematologie" / SLUG / "index.html").read_text(encoding="utf-8"))
    on_site = published.select_one("article.comment#comment-aaa111")
    assert preview.select_one(".comment-body").decode_contents() == on_site.select_one(".comment-body").decode_contents()
    # The same markup; only the heading level differs (a reply is an h4 on the page, an h3 on the desk).
    assert preview.select_one(".comment-author").decode_contents() == on_site.select_one(".comment-author").decode_contents()
    assert preview.select_one(".comment-in-reply-to") == on_site.select_one(".comment-in-reply-to")
    assert preview.select_one("time") == on_site.select_one("time")


def test_the_desk_and_the_command_write_the_same_file_through_one_approve(desk, env, content):
    queue(env, "aaa111", author="Anne-Lise", body="Par le bureau.")
    queue(env, "bbb222", author="Anne-Lise", body="Par la commande.")
    desk.act({"action": "approve:aaa111"})
    assert moderate(env, "approve", "bbb222", content=content).returncode == 0
    folder = content / "comments" / SLUG
    by_desk, by_command = rows(env)["aaa111"], rows(env)["bbb222"]
    assert (folder / "aaa111.md").read_text(encoding="utf-8") == serialise_comment(by_desk.author, by_desk.created, by_desk.body)
    assert (folder / "bbb222.md").read_text(encoding="utf-8") == serialise_comment(by_command.author, by_command.created, by_command.body)
    assert (by_desk.status, by_desk.decided_by) == ("approved", "anne")
    assert by_command.decided_by.startswith("commande (")
    assert [entry[1:] for entry in audit(env)[-2:]] == [("approve", "aaa111"), ("approve", "bbb222")]


def test_reject_keeps_the_comment_out_of_the_site_and_in_the_search(desk, env, content):
    queue(env, "aaa111", email="lectrice@exemple.fr")
    desk.act({"action": "reject:aaa111"})
    assert flash(desk) == ["Refusé\u00a0: aaa111"]
    assert not (content / "comments" / SLUG / "aaa111.md").exists()
    row = rows(env)["aaa111"]
    assert (row.status, row.email, row.decided_by) == ("rejected", None, "anne")


def test_several_comments_are_approved_or_rejected_at_once(desk, env, content):
    for comment_id in ("aaa111", "bbb222", "ccc333", "ddd444"):
        queue(env, comment_id)
    csrf = desk.csrf()
    desk.post("/decision", [("csrf", csrf), ("action", "approve-selected"), ("id", "aaa111"), ("id", "ccc333")])
    assert flash(desk) == ["Approuvé\u00a0: aaa111", "Approuvé\u00a0: ccc333",
                           "La publication suit dans quelques secondes\u00a0: son état s’affiche en haut de page."]
    desk.post("/decision", [("csrf", desk.csrf()), ("action", "reject-selected"), ("id", "bbb222"), ("id", "ddd444")])
    assert {key: row.status for key, row in rows(env).items()} == {
        "aaa111": "approved", "bbb222": "rejected", "ccc333": "approved", "ddd444": "rejected"}
    written = {p.stem for p in (content / "comments" / SLUG).glob("*.md")}
    assert written & {"aaa111", "bbb222", "ccc333", "ddd444"} == {"aaa111", "ccc333"}


def test_reject_and_erase_asks_first_then_erases_everything_from_the_sender(desk, env, content):
    queue(env, "aaa111", author="Spam", email="spam@exemple.fr", body="Premier")
    desk.act({"action": "approve:aaa111"})
    queue(env, "bbb222", author="Spam", email="SPAM@exemple.fr", body="Second")
    queue(env, "ccc333", author="Spam", email="autre@exemple.fr", body="Un homonyme")
    status, _, text = desk.act({"action": "erase:bbb222"})
    page = html(text)
    assert status == 200 and page.h1.get_text() == "Effacer tout ce qui vient de cet expéditeur\u00a0?"
    assert "2 commentaire(s) dans la file, dont 1 publié(s)" in page.get_text()
    assert set(rows(env)) == {"aaa111", "bbb222", "ccc333"}  # asking changed nothing
    desk.act({"action": "erase-confirm:bbb222"})
    assert set(rows(env)) == {"ccc333"}
    assert not (content / "comments" / SLUG / "aaa111.md").exists()
    assert audit(env)[-1][1] == "erase"


def test_search_finds_decided_comments_of_the_last_thirty_days(desk, env, clock):
    queue(env, "aaa111", author="Gaëlle", body="Merci aux soignants de nuit")
    queue(env, "bbb222", author="Gaëlle", body="Texte refusé")
    desk.act({"action": "approve:aaa111"})
    desk.act({"action": "reject:bbb222"})
    page = html(desk.get("/recherche?q=Ga%C3%ABlle")[2])
    found = {item.select_one("article.comment")["id"]: item.select_one("dl").get_text(" ", strip=True) for item in page.select("article.desk-item")}
    assert set(found) == {"comment-aaa111", "comment-bbb222"}
    assert "Approuvé par anne" in found["comment-aaa111"] and "Refusé par anne" in found["comment-bbb222"]
    assert len(html(desk.get("/recherche?q=soignants")[2]).select("article.desk-item")) == 1
    # `%` and `_` are letters, not wildcards.
    assert html(desk.get("/recherche?q=%25")[2]).select("article.desk-item") == []
    clock.now += 31 * 86400
    desk.login("anne", PASSWORD)
    assert html(desk.get("/recherche?q=Ga%C3%ABlle")[2]).select("article.desk-item") == []


def test_the_newsroom_replies_from_the_desk_with_a_badge_no_reader_can_carry(desk, env, content, tmp_path):
    queue(env, "aaa111", author="Lectrice", body="Une question pour la rédaction ?")
    desk.act({"action": "approve:aaa111"})
    form = html(desk.get("/repondre?id=aaa111")[2])
    assert form.select_one("label[for=desk-reply-body]").get_text().startswith("Réponse, publiée sous le nom «\u00a0Rédaction de Pouls\u00a0»")
    desk.act({"id": "aaa111", "corps": "Merci, nous posons la question au service."}, "/repondre")
    [reply] = [row for row in rows(env).values() if row.newsroom]
    text = (content / "comments" / SLUG / f"{reply.id}.md").read_text(encoding="utf-8")
    assert parse_comment(text, reply.id).newsroom and "Role: newsroom" in text
    assert audit(env)[-1] == ("anne", "reply", reply.id)

    built = build_site("pelicanconf.py", content=content, output=tmp_path / "built")
    assert built.warnings == []
    page = html((built.output / "hematologie" / SLUG / "index.html").read_text(encoding="utf-8"))
    badges = page.select("article.comment .comment-badge")
    assert [badge.find_parent("article")["id"] for badge in badges] == [f"comment-{reply.id}"]
    assert badges[0].get_text() == "Rédaction"
    newsroom = page.select_one(f"article#comment-{reply.id}")
    assert "comment-newsroom" in newsroom["class"]
    assert newsroom.select_one(".comment-author").get_text() == "Rédaction de Pouls"
    assert newsroom.select_one(".comment-in-reply-to").get_text() == "en réponse à Lectrice"


def test_the_newsroom_replies_only_to_published_comments(desk, env):
    queue(env, "aaa111")
    assert desk.get("/repondre?id=aaa111")[0] == 404
    status, _, text = desk.act({"id": "aaa111", "corps": "Réponse"}, "/repondre")
    assert status == 404 and "On ne peut répondre qu’à un commentaire publié" in text
    assert not any(row.newsroom for row in rows(env).values())


def test_the_journal_shows_who_decided_what_and_when(desk, env):
    queue(env, "aaa111")
    queue(env, "bbb222")
    desk.act({"action": "approve:aaa111"})
    desk.act({"action": "reject:bbb222"})
    table = html(desk.get("/journal")[2]).select_one("table.desk-log")
    assert [th.get_text() for th in table.select("thead th")] == ["Date", "Qui", "Quoi", "Commentaire", "Article", "Détail"]
    cells = [[td.get_text() for td in tr.select("td")][1:5] for tr in table.select("tbody tr")]
    assert cells[:2] == [["anne", "refus", "bbb222", SLUG], ["anne", "approbation", "aaa111", SLUG]]
    log = moderate(env, "log").stdout.splitlines()
    assert log[0].split("  ")[1:3] == ["anne", "reject"]


# --- approved means online: the publication's state on the desk -----------------------------


def command(script, folder):
    """A publish command running this Python code (a stand-in for `make publish` where only the
    scheduling is under test; the browser test runs the real one)."""
    path = folder / f"publish-{abs(hash(script))}.py"
    path.write_text(script, encoding="utf-8")
    return f"{sys.executable} {path}"


def wait_for_state(env, *states, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        with store.opened(env["POULS_COMMENTS_DB"]) as conn:
            state = publisher.status(conn)
        if state.state in states:
            return state
        time.sleep(0.1)
    raise AssertionError(f"publication still {state.state}")


def test_approvals_a_few_seconds_apart_share_one_publication(env, tmp_path):
    runs = tmp_path / "runs.txt"
    script = f"open({str(runs)!r}, 'a').write('run\\n')"
    with service_thread({**env, "POULS_COMMENTS_PUBLISH_COMMAND": command(script, tmp_path)}, workers=True) as running:
        client = DeskClient(running)
        client.login("anne", PASSWORD)
        for comment_id in ("aaa111", "bbb222", "ccc333"):
            queue(env, comment_id)
            client.act({"action": f"approve:{comment_id}"})
            time.sleep(0.5)
        state = wait_for_state(env, "online")
        assert runs.read_text() == "run\n"
        page = html(client.get("/")[2])
        assert page.select_one(".desk-publish [role=status]").get_text(" ", strip=True) == (
            f"Publication\u00a0: en ligne à {state.clock(state.finished_ts)}")
        assert "desk-publish-online" in page.select_one(".desk-publish")["class"]


def test_a_failed_publication_shows_its_message_keeps_the_file_and_republishes(env, content, tmp_path):
    flag = tmp_path / "fail"
    flag.write_text("1")
    script = (f"import os, sys\nif os.path.exists({str(flag)!r}):\n"
              "    print('Publication refusée\\u00a0: corrigez les erreurs ci-dessus (make check).'); sys.exit(1)")
    with service_thread({**env, "POULS_COMMENTS_PUBLISH_COMMAND": command(script, tmp_path)}, workers=True) as running:
        client = DeskClient(running)
        client.login("anne", PASSWORD)
        queue(env, "aaa111")
        client.act({"action": "approve:aaa111"})
        wait_for_state(env, "failed")
        page = html(client.get("/")[2])
        status = page.select_one(".desk-publish [role=status]").get_text(" ", strip=True)
        assert status.startswith("Publication\u00a0: échec de la publication à ")
        assert status.endswith("Publication refusée\u00a0: corrigez les erreurs ci-dessus (make check).")
        assert (content / "comments" / SLUG / "aaa111.md").is_file()
        flag.unlink()
        button = page.select_one(".desk-publish button")
        assert button.get_text() == "Republier"
        client.act({}, "/republier")
        wait_for_state(env, "online")
    assert audit(env)[-1] == ("anne", "republish", None)


def test_a_waiting_publication_is_shown_before_it_runs(desk, env):
    queue(env, "aaa111")
    desk.act({"action": "approve:aaa111"})
    status = html(desk.get("/")[2]).select_one(".desk-publish [role=status]").get_text(" ", strip=True)
    assert status.startswith("Publication\u00a0: publication programmée (demandée à ")


def test_the_command_line_approval_starts_the_publication_itself(env, content, tmp_path):
    runs = tmp_path / "runs.txt"
    script = f"open({str(runs)!r}, 'a').write('run\\n')"
    queue(env, "aaa111")
    queue(env, "bbb222")
    result = moderate({**env, "POULS_COMMENTS_PUBLISH_COMMAND": command(script, tmp_path)}, "approve", "aaa111", "bbb222",
                      content=content)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].startswith("Publication programmée (")
    wait_for_state(env, "online")
    assert runs.read_text() == "run\n"


def test_a_publication_already_running_elsewhere_is_waited_for(env, tmp_path):
    """`make publish` refuses to run beside another: ours waits for it, then runs, and is not a failure."""
    marker = tmp_path / "busy-once"
    marker.write_text("1")
    runs = tmp_path / "runs.txt"
    script = (f"import os, sys\nopen({str(runs)!r}, 'a').write('run\\n')\nif os.path.exists({str(marker)!r}):\n"
              f"    os.unlink({str(marker)!r}); print({publisher.BUSY_MARKER!r} + ' ; réessayez'); sys.exit(1)")
    with service_thread({**env, "POULS_COMMENTS_PUBLISH_COMMAND": command(script, tmp_path)}, workers=True) as running:
        client = DeskClient(running)
        client.login("anne", PASSWORD)
        queue(env, "aaa111")
        client.act({"action": "approve:aaa111"})
        deadline = time.time() + 60
        while time.time() < deadline and (not runs.exists() or runs.read_text().count("run") < 2):
            time.sleep(0.2)
        state = wait_for_state(env, "online")
    assert runs.read_text() == "run\nrun\n" and state.message == ""


def test_pages_and_messages_are_french_with_french_typography(desk, env):
    queue(env, "aaa111")
    text = html(desk.get("/")[2]).get_text()
    assert not re.search(r"[^\u00a0\u202f][:;!?](\s|$)", text.replace("https:", "")), text


def test_behind_a_public_address_the_desk_still_works_on_the_address_it_listens_on(env, clock):
    """In development the browser talks to the service directly (http://127.0.0.1:8001) while the
    public address is the site's: both are the desk's own origins; nothing else is."""
    with service_thread({**env, "POULS_COMMENTS_PUBLIC_URL": "https://pouls.example.fr/commentaires"}, clock=clock) as running:
        assert DeskClient(running).login("anne", PASSWORD)[0] == 303
        assert DeskClient(running, origin="https://pouls.example.fr").login("anne", PASSWORD)[0] == 303
        assert DeskClient(running, origin="http://127.0.0.1:8000").login("anne", PASSWORD)[0] == 403
