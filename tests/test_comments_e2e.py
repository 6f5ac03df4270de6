"""End to end, as a reader and a moderator do it: headless Chromium with JavaScript disabled posts
the real form of a built report page to the comment service running on 127.0.0.1, the moderation
command approves, the site is rebuilt, and the comment is on the page with its count."""

import re
import shutil

import pytest

from browser import chromium, chromium_available, recorded_page, serve_directory
from comments import store
from comments_support import free_port, index_of, moderate, service_env, service_process
from conftest import SITES
from desk.build import build_site

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not chromium_available(), reason="Chromium is missing at /usr/bin/chromium; run make test"),
]

REPORT = "hematologie/greffe-a-domicile/"


class Stack:
    """A built fixture site served statically, the comment service, and how to rebuild."""

    def __init__(self, tmp, base, port):
        self.content = tmp / "content"
        self.output = tmp / "output"
        self.base = base
        self.port = port
        self.env = None

    def build(self):
        result = build_site(
            "pelicanconf.py", content=self.content, output=self.output,
            overrides={"COMMENTS_ENDPOINT": f"http://127.0.0.1:{self.port}/commentaires"},
        )
        assert result.errors == [] and result.warnings == [], (result.errors, result.warnings)
        return result

    def site_text(self):
        """Every file the site publishes, as one text (to prove something is absent)."""
        return "\n".join(
            path.read_text(encoding="utf-8", errors="replace") for path in sorted(self.output.rglob("*")) if path.is_file()
        )

    def pending_ids(self):
        listing = moderate(self.env, "list", content=self.content)
        assert listing.returncode == 0, listing.stderr
        return re.findall(r"^(\w+)  ", listing.stdout, flags=re.MULTILINE)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("e2e")
    shutil.copytree(SITES / "comments-basic", tmp / "content")
    (tmp / "output").mkdir()
    with serve_directory(tmp / "output") as base:
        port = free_port()
        stack = Stack(tmp, base, port)
        stack.build()
        stack.env = service_env(
            tmp / "queue.sqlite3", index_of(stack.output),
            POULS_COMMENTS_ALLOWED_ORIGINS=f"{base},http://127.0.0.1:{port}",
            POULS_COMMENTS_SITE_URL=base,
        )
        with service_process(stack.env, port=port, log_path=tmp / "service.log"), chromium() as browser:
            stack.browser = browser
            yield stack


def fill_and_send(page, name, body, email=None):
    page.get_by_label("Nom ou pseudonyme (obligatoire)").fill(name)
    if email:
        page.get_by_label(re.compile("^Adresse électronique")).fill(email)
    page.get_by_label(re.compile("^Commentaire \\(obligatoire")).fill(body)


def test_reader_comments_without_javascript_and_moderator_publishes(stack):
    body = "Témoignage de bout en bout : le suivi à domicile nous a rassurés."
    with recorded_page(stack.browser, javascript=False) as tab:
        page = tab.page
        page.goto(f"{stack.base}/{REPORT}")
        assert page.locator("section.comments h2").inner_text() == "Commentaires (4)"
        fill_and_send(page, "Soizic", body, email="soizic@exemple.fr")
        page.locator("form.comment-form button[type=submit]").click()

        # The service shows the comment as it will be published, with the text kept.
        assert page.locator("h2#apercu-titre").inner_text() == "Aperçu"
        assert page.locator(".comment-preview .comment-body").inner_text() == body
        page.get_by_role("button", name="Envoyer le commentaire").click()

        assert page.url.startswith(f"http://127.0.0.1:{stack.port}/commentaires/merci")
        assert page.locator("h1").inner_text() == "Merci pour votre commentaire"
        assert "publié après relecture" in page.locator("main").inner_text()
        page.get_by_role("link", name=re.compile("^Retour à l’article")).click()
        assert page.url == f"{stack.base}/{REPORT}"
        assert tab.outside_requests == []

    # Pending: in the private queue only, never in the site, even after a rebuild.
    [pending] = stack.pending_ids()
    stack.build()
    published = stack.site_text()
    assert body not in published and "Soizic" not in published and pending not in published

    approval = moderate(stack.env, "approve", pending, content=stack.content)
    assert approval.returncode == 0, approval.stderr
    stack.build()
    assert "soizic@exemple.fr" not in stack.site_text()

    with recorded_page(stack.browser, javascript=False) as tab:
        tab.page.goto(f"{stack.base}/{REPORT}")
        assert tab.page.locator("section.comments h2").inner_text() == "Commentaires (5)"
        comment = tab.page.locator(f"article.comment#comment-{pending}")
        assert comment.locator(".comment-author").inner_text() == "Soizic"
        assert comment.locator(".comment-body").inner_text() == body
        assert comment.locator("time").get_attribute("datetime")


def test_reader_replies_through_the_reply_link(stack):
    with recorded_page(stack.browser, javascript=False) as tab:
        page = tab.page
        page.goto(f"{stack.base}/{REPORT}")
        page.get_by_role("link", name="Répondre à Yann").click()
        assert page.locator("input[name=parent]").get_attribute("value") == "c2bbbb"
        fill_and_send(page, "Hélène", "Je réponds à Yann : même constat chez nous.")
        # The service's own form carries its time token already: one click sends it.
        page.get_by_role("button", name="Envoyer le commentaire").click()
        assert page.locator("h1").inner_text() == "Merci pour votre commentaire"

    with store.opened(stack.env["POULS_COMMENTS_DB"]) as conn:
        [row] = [r for r in store.list_comments(conn) if r.author == "Hélène"]
    assert row.parent_id == "c2bbbb"
    assert moderate(stack.env, "approve", row.id, content=stack.content).returncode == 0
    stack.build()

    with recorded_page(stack.browser, javascript=False) as tab:
        tab.page.goto(f"{stack.base}/{REPORT}")
        reply = tab.page.locator(f"ol.comment-replies article.comment#comment-{row.id}")
        assert reply.locator(".comment-in-reply-to").inner_text() == "en réponse à Yann"
        assert reply.locator(".comment-in-reply-to a").get_attribute("href") == "#comment-c2bbbb"


def test_refusal_in_the_browser_explains_and_keeps_the_text(stack):
    with recorded_page(stack.browser, javascript=False) as tab:
        page = tab.page
        page.goto(f"{stack.base}/{REPORT}")
        fill_and_send(page, "Iris", "Mon site est en lien.")
        # A type=url field accepts javascript: URLs (they are absolute URLs): the service refuses.
        page.get_by_label("Site web (facultatif)").fill("javascript:alert(1)")
        page.locator("form.comment-form button[type=submit]").click()
        alert = page.get_by_role("alert")
        assert "Indiquez l’adresse complète de votre site" in alert.inner_text()
        assert page.get_by_label(re.compile("^Commentaire \\(obligatoire")).input_value() == "Mon site est en lien."
        assert page.get_by_label("Site web (facultatif)").get_attribute("aria-invalid") == "true"
        assert page.locator(".comment-preview").count() == 0
