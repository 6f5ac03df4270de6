"""Reply notifications over SMTP, received by a real SMTP server (aiosmtpd) on 127.0.0.1.

A reply goes online through a real build of the fixture site; then the publisher's own
post-publication steps run (`record_online`, `queue_reply_notifications`) and the mailer sends.
Each test parses what the server received: subject, body, links, headers, recipients, count.
"""

import re
import time
from urllib.parse import urlsplit

import pytest

from comments import decisions, mailer, store
from comments.publisher import record_online
from comments.service import ServiceConfig
from comments_support import (
    copy_site,
    free_port,
    index_of,
    queue,
    request,
    service_env,
    service_thread,
    smtp_env,
    smtp_server,
)
from desk.build import build_site


@pytest.fixture
def content(tmp_path):
    return copy_site(tmp_path)


@pytest.fixture
def smtp():
    with smtp_server() as server:
        yield server


@pytest.fixture
def env(tmp_path, content, smtp):
    port, _ = smtp
    output = tmp_path / "output"
    return {**service_env(tmp_path / "queue.sqlite3", index_of(output), content=content), **smtp_env(port),
            "POULS_COMMENTS_PUBLIC_URL": "https://pouls.example.fr/commentaires",
            "POULS_COMMENTS_SITE_URL": "https://pouls.example.fr"}


def config_of(env):
    return ServiceConfig.from_env(env)


def approve(env, *ids):
    config = config_of(env)
    with store.opened(config.db_path) as conn:
        for comment_id in ids:
            decisions.approve(conn, config.comments_folder, comment_id, time.time(), "anne")


def publish(env):
    """A real build into the output the service reads, then what the publisher does after it."""
    config = config_of(env)
    result = build_site("pelicanconf.py", content=config.site.content_root, output=config.site_index.parent.parent)
    assert result.warnings == [] and result.errors == [], result.warnings
    with store.opened(config.db_path) as conn:
        online = record_online(conn, config.site_index, time.time())
        mailer.queue_reply_notifications(conn, online, time.time())
    return mailer.send_due(config)


def notifications(env):
    with store.opened(env["POULS_COMMENTS_DB"]) as conn:
        return {row["reply_id"]: (row["status"], row["error"]) for row in conn.execute("SELECT * FROM notifications")}


@pytest.fixture
def thread(env):
    """A published comment with an address, and a pending reply to it from someone else."""
    queue(env, "par001", author="Maëlle", email="maelle@exemple.fr", body="Ma question sur le suivi à domicile.")
    approve(env, "par001")
    publish(env)
    queue(env, "rep001", author="Yann", email="yann@exemple.fr", parent="par001",
          body="Chez nous l’infirmière passait deux fois par semaine, et le médecin une fois par mois. " * 6)
    return env


def test_a_reply_online_sends_one_french_e_mail_to_the_parents_author(thread, smtp):
    _, inbox = smtp
    approve(thread, "rep001")
    assert publish(thread) == 1
    [(recipients, message)] = inbox
    assert recipients == ["maelle@exemple.fr"]
    assert message["To"] == "maelle@exemple.fr"
    assert message["From"] == "Pouls <commentaires@pouls.example.fr>"
    assert message["Subject"] == "Réponse à votre commentaire sur «\u00a0Le suivi après greffe passe en partie à domicile\u00a0»"
    assert message["Content-Language"] == "fr" and message["Auto-Submitted"] == "auto-generated"
    body = text_of(message)
    assert body.startswith("Bonjour Maëlle,\n\nYann a répondu à votre commentaire sur l’article «\u00a0Le suivi après greffe")
    quote = re.search(r"«\u00a0(Chez nous.*?)\u00a0»", body).group(1)
    assert quote.startswith("Chez nous l’infirmière passait deux fois par semaine") and quote.endswith("…")
    assert len(quote) <= mailer.QUOTE_CHARS
    assert "Lire la réponse\u00a0: https://pouls.example.fr/hematologie/greffe-a-domicile/#comment-rep001\n" in body
    unsubscribe = re.search(r"Ne plus recevoir ces messages\u00a0: (\S+)", body).group(1)
    erase = re.search(r"Effacer votre adresse et vos commentaires en attente\u00a0: (\S+)", body).group(1)
    assert message["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe.startswith("https://pouls.example.fr/commentaires/desabonnement?adresse=")
    assert erase.startswith("https://pouls.example.fr/commentaires/effacement?adresse=")
    # Nobody else's address: not the replier's, not the site's moderators'.
    raw = message.as_string()
    assert "yann@exemple.fr" not in raw and "maelle@exemple.fr" not in body
    assert message["Cc"] is None and message["Bcc"] is None


def test_nothing_is_sent_at_approval_only_after_the_publication(thread, smtp):
    _, inbox = smtp
    approve(thread, "rep001")
    assert mailer.send_due(config_of(thread)) == 0
    assert inbox == [] and notifications(thread) == {}
    publish(thread)
    assert len(inbox) == 1


def test_exactly_one_e_mail_across_publications_and_restarts(thread, smtp):
    _, inbox = smtp
    approve(thread, "rep001")
    publish(thread)
    publish(thread)
    # A restart: a new configuration and connections, the same database.
    assert mailer.send_due(config_of(thread)) == 0
    with store.opened(thread["POULS_COMMENTS_DB"]) as conn:
        mailer.queue_reply_notifications(conn, [store.get_comment(conn, "rep001")], time.time())
    assert mailer.send_due(config_of(thread)) == 0
    assert len(inbox) == 1
    assert notifications(thread) == {"rep001": ("sent", "")}


@pytest.mark.parametrize("author, email, reason", [
    ("Maëlle", "MAELLE@exemple.fr", "réponse à soi-même"),
    ("maëlle", None, "réponse à soi-même"),
])
def test_no_e_mail_when_people_reply_to_themselves(thread, smtp, author, email, reason):
    _, inbox = smtp
    queue(thread, "self01", author=author, email=email, parent="par001", body="J’ajoute une précision.")
    approve(thread, "self01")
    publish(thread)
    assert inbox == []
    assert notifications(thread)["self01"] == ("skipped", reason)


def test_no_e_mail_when_the_parent_left_no_address(env, smtp):
    _, inbox = smtp
    queue(env, "par002", author="Sans adresse", body="Pas d’adresse.")
    approve(env, "par002")
    publish(env)
    queue(env, "rep002", author="Yann", email="yann@exemple.fr", parent="par002", body="Réponse.")
    approve(env, "rep002")
    publish(env)
    assert inbox == []
    assert notifications(env)["rep002"] == ("skipped", "pas d’adresse conservée pour le commentaire parent")


def test_no_e_mail_once_the_address_is_no_longer_held(thread, smtp):
    _, inbox = smtp
    approve(thread, "rep001")
    with store.opened(thread["POULS_COMMENTS_DB"]) as conn:
        conn.execute("UPDATE comments SET email = NULL WHERE id = 'par001'")  # what the purge or an erasure does
    publish(thread)
    assert inbox == []


def test_a_failed_send_is_retried_with_backoff_and_logged(thread, smtp, caplog):
    _, inbox = smtp
    dead = {**thread, **smtp_env(free_port()), "POULS_SMTP_RETRY_SECONDS": "60"}
    approve(thread, "rep001")
    config = ServiceConfig.from_env(dead)
    build_site("pelicanconf.py", content=config.site.content_root, output=config.site_index.parent.parent)
    now = time.time()
    with store.opened(config.db_path) as conn:
        mailer.queue_reply_notifications(conn, record_online(conn, config.site_index, now), now)
    assert mailer.send_due(config, now) == 0
    with store.opened(config.db_path) as conn:
        row = conn.execute("SELECT * FROM notifications WHERE reply_id = 'rep001'").fetchone()
    assert (row["status"], row["attempts"]) == ("pending", 1) and row["next_ts"] == pytest.approx(now + 60)
    assert any("attempt 1 of 8, will retry" in r.getMessage() for r in caplog.records)
    assert mailer.send_due(config, now + 30) == 0  # not due yet
    mailer.send_due(ServiceConfig.from_env(dead), now + 61)  # due, still down: next delay doubles
    with store.opened(config.db_path) as conn:
        row = conn.execute("SELECT * FROM notifications WHERE reply_id = 'rep001'").fetchone()
    assert row["attempts"] == 2 and row["next_ts"] == pytest.approx(now + 61 + 120)
    assert mailer.send_due(config_of(thread), now + 200) == 1  # the server is back
    assert len(inbox) == 1


def test_a_forged_address_in_the_database_never_adds_a_recipient(thread, smtp):
    """Header injection: CR/LF is refused at the form (see test_comments_hostile.py); a row forged
    in the database directly still cannot add a header or a recipient."""
    _, inbox = smtp
    with store.opened(thread["POULS_COMMENTS_DB"]) as conn:
        conn.execute("UPDATE comments SET email = ? WHERE id = 'par001'", ("maelle@exemple.fr\r\nBcc: victime@exemple.fr",))
    approve(thread, "rep001")
    publish(thread)
    assert inbox == []
    assert notifications(thread)["rep001"] == ("skipped", "adresse invalide")


def test_a_forged_name_in_the_database_stays_in_the_body(thread, smtp):
    _, inbox = smtp
    with store.opened(thread["POULS_COMMENTS_DB"]) as conn:
        conn.execute("UPDATE comments SET author = ? WHERE id = 'par001'", ("Maëlle\r\nBcc: victime@exemple.fr",))
        conn.execute("UPDATE comments SET author = ? WHERE id = 'rep001'", ("Yann\r\nCc: autre@exemple.fr",))
    approve(thread, "rep001")
    publish(thread)
    [(recipients, message)] = inbox
    assert recipients == ["maelle@exemple.fr"]
    assert message["Bcc"] is None and message["Cc"] is None
    assert sorted(message.keys()) == sorted(["From", "To", "Subject", "Date", "Message-ID", "List-Unsubscribe",
                                             "List-Unsubscribe-Post", "Auto-Submitted", "Content-Language",
                                             "Content-Type", "Content-Transfer-Encoding", "MIME-Version"])
    assert text_of(message).startswith("Bonjour Maëlle Bcc: victime@exemple.fr,\n\nYann Cc: autre@exemple.fr a répondu")


def text_of(message):
    """The body as the reader sees it (SMTP carries CRLF line ends)."""
    return message.get_content().replace("\r\n", "\n")


def link_of(message, label):
    return re.search(label + r"\u00a0: (\S+)", text_of(message)).group(1)


def test_the_one_click_link_stops_further_e_mails(thread, smtp):
    _, inbox = smtp
    approve(thread, "rep001")
    publish(thread)
    unsubscribe = urlsplit(link_of(inbox[0][1], "Ne plus recevoir ces messages"))
    with service_thread(thread) as running:
        url = f"http://127.0.0.1:{running.port}{unsubscribe.path}?{unsubscribe.query}"
        status, _, text = request("GET", url)
        assert status == 200 and "<button type=\"submit\">Ne plus recevoir de courriel</button>" in text
        assert notifications(thread)  # a GET (a mail scanner opening the link) changed nothing
        # RFC 8058: the mail client posts `List-Unsubscribe=One-Click`, without an Origin.
        status, _, text = request("POST", url, body=b"List-Unsubscribe=One-Click",
                                  headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 200 and "vous ne recevrez plus de courriel" in text
        forged = request("GET", f"http://127.0.0.1:{running.port}/commentaires/desabonnement?adresse=../../x")
        assert forged[0] == 404 and "Ce lien n’est pas valable" in forged[2]
    queue(thread, "rep002", author="Zoé", parent="par001", body="Une autre réponse.")
    approve(thread, "rep002")
    publish(thread)
    assert len(inbox) == 1
    assert notifications(thread)["rep002"] == ("skipped", "désabonné")


def test_the_erasure_link_deletes_pending_comments_and_the_address(thread, smtp):
    _, inbox = smtp
    approve(thread, "rep001")
    publish(thread)
    queue(thread, "pen001", author="Maëlle", email="maelle@exemple.fr", body="Encore en attente.")
    erase = urlsplit(link_of(inbox[0][1], "Effacer votre adresse et vos commentaires en attente"))
    with service_thread(thread) as running:
        url = f"http://127.0.0.1:{running.port}{erase.path}?{erase.query}"
        assert request("GET", url)[0] == 200
        assert "pen001" in rows_of(thread)
        status, _, text = request("POST", url, body=b"", headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 200 and "votre adresse est effacée" in text
    remaining = rows_of(thread)
    assert "pen001" not in remaining and remaining["par001"].email is None


def rows_of(env):
    with store.opened(env["POULS_COMMENTS_DB"]) as conn:
        return {row.id: row for row in store.list_comments(conn, None)}


def test_no_e_mail_at_all_without_an_smtp_host(thread, smtp):
    _, inbox = smtp
    quiet = {key: value for key, value in thread.items() if not key.startswith("POULS_SMTP_")}
    approve(quiet, "rep001")
    publish(quiet)
    assert inbox == []
    assert notifications(quiet)["rep001"] == ("skipped", "envoi de courriels désactivé (POULS_SMTP_HOST)")


def test_the_moderators_alert_is_off_by_default_then_once_every_n_minutes(env, smtp):
    _, inbox = smtp
    queue(env, "wait01")
    assert mailer.alert_moderators(config_of(env)) == 0
    on = {**env, "POULS_COMMENTS_MODERATOR_EMAILS": "anne@pouls.example.fr,bruno@pouls.example.fr",
          "POULS_COMMENTS_MODERATOR_EMAIL_MINUTES": "30"}
    now = time.time()
    assert mailer.alert_moderators(config_of(on), now) == 2
    assert [recipients for recipients, _ in inbox] == [["anne@pouls.example.fr"], ["bruno@pouls.example.fr"]]
    assert inbox[0][1]["Subject"] == "1\u00a0commentaire(s) attendent la modération sur Pouls"
    assert "https://pouls.example.fr/commentaires/moderation/" in inbox[0][1].get_content()
    queue(env, "wait02", author="Autre")
    assert mailer.alert_moderators(config_of(on), now + 29 * 60) == 0
    assert mailer.alert_moderators(config_of(on), now + 31 * 60) == 2
    assert mailer.alert_moderators(config_of(on), now + 62 * 60) == 0  # nothing new since


@pytest.mark.parametrize("name, value, message", [
    ("POULS_SMTP_FROM", "", "POULS_SMTP_FROM is not set"),
    ("POULS_SMTP_PORT", "vingt-cinq", "POULS_SMTP_PORT='vingt-cinq' is not a number"),
    ("POULS_SMTP_STARTTLS", "peut-être", "POULS_SMTP_STARTTLS='peut-être' must be 1 or 0"),
    ("POULS_COMMENTS_MODERATOR_EMAILS", "anne@x.fr;bruno", "is not an e-mail address"),
])
def test_bad_mail_settings_name_the_variable(env, name, value, message):
    from comments.settings import CommentsSettingsError

    with pytest.raises(CommentsSettingsError, match=re.escape(message)):
        ServiceConfig.from_env({**env, name: value})
