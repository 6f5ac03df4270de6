"""The moderation desk in headless Chromium: axe-core finds no violation on the login, queue and
log pages; the whole desk works from the keyboard; and the newsroom's « done means »: a reader
comments, a moderator approves in the browser, the real `make publish` puts it online, and the
parent's author receives one French e-mail from a real SMTP server — all on 127.0.0.1."""

import re
import shutil
import subprocess
import sys
import time

import pytest
from axe_playwright_python.sync_playwright import Axe

from browser import chromium, chromium_available, recorded_page, serve_directory
from comments import accounts, store
from comments_support import (
    PASSWORD,
    free_port,
    index_of,
    queue,
    service_env,
    service_process,
    smtp_env,
    smtp_server,
)
from conftest import SITES
from pouls_common.paths import ROOT, python_path

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not chromium_available(), reason="Chromium is missing at /usr/bin/chromium; run make test"),
]

REPORT = "hematologie/greffe-a-domicile/"


def publish_command(content, output):
    """The real publication (desk.publish.publish(), what `make publish` runs) of a test site."""
    return f"{sys.executable} -m desk.publish --content {content} --output {output}"


class Stack:
    """A published fixture site served statically, the comment service with its background
    publisher and mailer, a real SMTP server, and one moderator account."""

    def __init__(self, tmp, base, port, smtp_port, inbox):
        self.tmp = tmp
        self.content = tmp / "content"
        self.output = tmp / "output"
        self.base = base
        self.port = port
        self.inbox = inbox
        self.desk = f"http://127.0.0.1:{port}/commentaires/moderation"
        self.env = {
            **service_env(tmp / "queue.sqlite3", index_of(self.output), content=self.content),
            **smtp_env(smtp_port),
            "POULS_COMMENTS_PUBLISH_COMMAND": publish_command(self.content, self.output),
            "POULS_COMMENTS_ALLOWED_ORIGINS": f"{base},http://127.0.0.1:{port}",
            "POULS_COMMENTS_SITE_URL": base,
            "POULS_COMMENTS_PUBLIC_URL": f"http://127.0.0.1:{port}/commentaires",
            "POULS_SITEURL": base,
            "POULS_COMMENTS_ENDPOINT": f"http://127.0.0.1:{port}/commentaires",
        }

    def publish_now(self):
        result = subprocess.run(publish_command(self.content, self.output).split(), env=python_path(self.env),
                                cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stdout + result.stderr

    def page_text(self):
        index = self.output / REPORT / "index.html"
        return index.read_text(encoding="utf-8") if index.exists() else ""

    def wait_online(self, comment_id, timeout=180):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if f'id="comment-{comment_id}"' in self.page_text():
                return
            time.sleep(0.2)
        raise AssertionError(f"comment {comment_id} not online after {timeout} s")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("desk-browser")
    shutil.copytree(SITES / "comments-basic", tmp / "content")
    (tmp / "output.builds").mkdir()
    with smtp_server() as (smtp_port, inbox):
        port = free_port()
        # The static server serves whatever `output` points to, as nginx would.
        (tmp / "output").mkdir()
        with serve_directory(tmp / "output") as base:
            stack = Stack(tmp, base, port, smtp_port, inbox)
            shutil.rmtree(tmp / "output")
            stack.publish_now()
            with store.opened(stack.env["POULS_COMMENTS_DB"]) as conn:
                accounts.add_moderator(conn, "anne", PASSWORD, time.time())
            with service_process(stack.env, port=port, log_path=tmp / "service.log"), chromium() as browser:
                stack.browser = browser
                yield stack


def log_in(page, stack):
    page.goto(f"{stack.desk}/connexion")
    page.get_by_label("Identifiant").fill("anne")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    assert page.locator("h1").inner_text().startswith("Commentaires en attente")


def assert_no_axe_violations(page, name):
    results = Axe().run(page)
    violations = [(v["id"], [node["target"] for node in v["nodes"]]) for v in results.response["violations"]]
    assert violations == [], (name, violations)


def test_axe_finds_no_violation_on_the_login_queue_and_log_pages(stack):
    queue(stack.env, "axe001", author="Rédacti\u043en", body="Voir https://a.example https://b.example https://c.example",
          flags="liens:3; nom-sosie:Rédaction; nom-mixte:cyrillique, latin")
    queue(stack.env, "axe002", author="\u05d3\u05e0\u05d4", parent="c1aaaa", body="שלום, une réponse.")
    with recorded_page(stack.browser, javascript=True) as tab:
        page = tab.page
        page.goto(f"{stack.desk}/connexion")
        assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith("system-ui")  # the site's CSS is there
        assert_no_axe_violations(page, "login")
        log_in(page, stack)
        assert page.locator("article.desk-item").count() >= 2
        assert_no_axe_violations(page, "queue")
        page.goto(f"{stack.desk}/journal")
        assert_no_axe_violations(page, "log")
        page.goto(f"{stack.desk}/recherche?q=a")
        assert_no_axe_violations(page, "search")
        assert tab.outside_requests == []
    with recorded_page(stack.browser, javascript=True) as tab:
        tab.page.goto(f"{stack.desk}/connexion")
        tab.page.get_by_label("Identifiant").fill("anne")
        tab.page.get_by_label("Mot de passe").fill("mauvais")
        tab.page.get_by_role("button", name="Se connecter").click()
        assert tab.page.get_by_role("alert").inner_text() == "Identifiant ou mot de passe incorrect."
        assert_no_axe_violations(tab.page, "login error")
    with store.opened(stack.env["POULS_COMMENTS_DB"]) as conn:
        conn.execute("DELETE FROM comments WHERE id IN ('axe001', 'axe002')")


def focus_by_tab(page, matches, limit=80):
    """Press Tab until the focused element matches; return how many presses it took."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement && document.activeElement.matches({matches!r})"):
            return presses
    raise AssertionError(f"{matches} never received the focus")


def test_the_whole_desk_works_from_the_keyboard(stack):
    queue(stack.env, "kbd001", author="Clavier", body="Approuvé au clavier.")
    queue(stack.env, "kbd002", author="Clavier deux", body="Refusé au clavier.")
    with recorded_page(stack.browser, javascript=True) as tab:
        page = tab.page
        page.goto(f"{stack.desk}/connexion")
        focus_by_tab(page, "#desk-login")
        page.keyboard.type("anne")
        page.keyboard.press("Tab")
        page.keyboard.type(PASSWORD)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.locator("h1").inner_text().startswith("Commentaires en attente")
        focus_by_tab(page, "button[value='approve:kbd001']")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "Approuvé\u00a0: kbd001" in page.locator(".desk-flash").inner_text()
        focus_by_tab(page, "#choix-kbd002")
        page.keyboard.press("Space")
        assert page.locator("#choix-kbd002").is_checked()
        for _ in range(80):  # back up to the bulk buttons above the list
            page.keyboard.press("Shift+Tab")
            if page.evaluate("document.activeElement.value") == "reject-selected":
                break
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "Refusé\u00a0: kbd002" in page.locator(".desk-flash").inner_text()
        focus_by_tab(page, "a[href$='/journal']")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.locator("h1").inner_text() == "Journal des décisions"
        focus_by_tab(page, ".desk-logout button")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "Vous êtes déconnecté." in page.locator("main").inner_text()
    with store.opened(stack.env["POULS_COMMENTS_DB"]) as conn:
        statuses = {row.id: row.status for row in store.list_comments(conn, None)}
    assert (statuses["kbd001"], statuses["kbd002"]) == ("approved", "rejected")
    stack.wait_online("kbd001")


def fill_and_send(page, name, body, email=None):
    page.get_by_label("Nom ou pseudonyme (obligatoire)").fill(name)
    if email:
        page.get_by_label(re.compile("^Adresse électronique")).fill(email)
    page.get_by_label(re.compile("^Commentaire \\(obligatoire")).fill(body)


def approve_in_the_desk(stack, author):
    with recorded_page(stack.browser, javascript=False) as tab:
        page = tab.page
        log_in(page, stack)
        item = page.locator("article.desk-item", has_text=f"Commentaire de {author}")
        comment_id = item.locator("article.comment").get_attribute("id").removeprefix("comment-")
        item.get_by_role("button", name=re.compile("^Approuver")).click()
        assert f"Approuvé\u00a0: {comment_id}" in page.locator(".desk-flash").inner_text()
        status = page.locator(".desk-publish [role=status]").inner_text()
        assert status.startswith(("Publication\u00a0: publication programmée", "Publication\u00a0: publication en cours"))
        assert tab.outside_requests == []
    return comment_id


def test_a_moderator_approves_in_the_browser_it_goes_online_and_the_parent_gets_one_e_mail(stack):
    with recorded_page(stack.browser, javascript=False) as tab:
        page = tab.page
        page.goto(f"{stack.base}/{REPORT}")
        fill_and_send(page, "Maëlle", "Combien de visites à domicile la première semaine ?", email="maelle@exemple.fr")
        page.locator("form.comment-form button[type=submit]").click()
        page.get_by_role("button", name="Envoyer le commentaire").click()
        assert page.locator("h1").inner_text() == "Merci pour votre commentaire"

    parent = approve_in_the_desk(stack, "Maëlle")
    stack.wait_online(parent)

    with recorded_page(stack.browser, javascript=False) as tab:
        page = tab.page
        page.goto(f"{stack.base}/{REPORT}")
        assert page.locator(f"article.comment#comment-{parent} .comment-author").inner_text() == "Maëlle"
        page.locator(f"#comment-{parent}").get_by_role("link", name="Répondre à Maëlle").click()
        fill_and_send(page, "Yann", "Trois visites, puis une par semaine.", email="yann@exemple.fr")
        page.get_by_role("button", name="Envoyer le commentaire").click()
        assert page.locator("h1").inner_text() == "Merci pour votre commentaire"

    reply = approve_in_the_desk(stack, "Yann")
    stack.wait_online(reply)
    deadline = time.time() + 60
    while time.time() < deadline and not stack.inbox:
        time.sleep(0.2)
    time.sleep(2)  # a second message, if any, would be there by now
    [(recipients, message)] = stack.inbox
    assert recipients == ["maelle@exemple.fr"]
    assert message["Subject"] == "Réponse à votre commentaire sur «\u00a0Le suivi après greffe passe en partie à domicile\u00a0»"
    body = message.get_content().replace("\r\n", "\n")
    assert body.startswith("Bonjour Maëlle,\n\nYann a répondu à votre commentaire")
    assert f"{stack.base}/{REPORT}#comment-{reply}" in body

    with recorded_page(stack.browser, javascript=False) as tab:
        tab.page.goto(f"{stack.base}/{REPORT}")
        answer = tab.page.locator(f"ol.comment-replies article.comment#comment-{reply}")
        assert answer.locator(".comment-in-reply-to").inner_text() == "en réponse à Maëlle"
        log_in(tab.page, stack)
        assert tab.page.locator(".desk-publish [role=status]").inner_text().startswith("Publication\u00a0: en ligne à ")
