"""The moderation command, run as `python -m comments.moderate` against a real queue and content folder."""

import time

import pytest

from comments import store
from comments.model import body_fingerprint, parse_comment
from comments_support import moderate

SLUG = "greffe-a-domicile"


@pytest.fixture
def env(tmp_path):
    return {"POULS_COMMENTS_DB": str(tmp_path / "queue.sqlite3")}


@pytest.fixture
def content(tmp_path):
    folder = tmp_path / "content"
    (folder / "comments").mkdir(parents=True)
    return folder


def queue(env, comment_id, author="Anne", body="Merci.", email=None, parent=None, age_days=0, article=SLUG, flags=""):
    now = time.time() - age_days * 86400
    row = store.Pending(comment_id, article, parent, author, email, None, body, body_fingerprint(article, body),
                        "127.0.0.0/24", flags, "pending", now)
    with store.opened(env["POULS_COMMENTS_DB"]) as conn:
        assert store.insert_pending(conn, row, store.sender_key(author), store.Limits(rate_limit=10**6, sender_gap=0), now) == "stored"


def statuses(env):
    with store.opened(env["POULS_COMMENTS_DB"]) as conn:
        return {row.id: row.status for row in store.list_comments(conn, None)}


def test_list_shows_pending_comments_with_flags(env, content):
    queue(env, "aaa111", body="Premier commentaire", flags="liens:3")
    queue(env, "bbb222", author="Bruno", body="Second")
    result = moderate(env, "list", content=content)
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("aaa111 ") and lines[0].endswith("Anne [à vérifier\u00a0: liens:3]")
    assert lines[1] == "    Premier commentaire"
    assert lines[2].startswith("bbb222 ")


def test_show_prints_everything_the_moderator_needs(env, content):
    queue(env, "aaa111", email="anne@exemple.fr", body="Ligne un\n\nLigne deux")
    result = moderate(env, "show", "aaa111", content=content)
    assert "Adresse électronique\u00a0: anne@exemple.fr" in result.stdout
    assert "Réseau\u00a0: 127.0.0.0/24" in result.stdout
    assert result.stdout.endswith("Ligne un\n\nLigne deux\n")


def test_approve_writes_a_comment_file_without_private_data(env, content):
    queue(env, "aaa111", email="anne@exemple.fr", body="Bravo aux équipes.")
    result = moderate(env, "approve", "aaa111", content=content)
    assert result.returncode == 0, result.stderr
    path = content / "comments" / SLUG / "aaa111.md"
    text = path.read_text(encoding="utf-8")
    assert "anne@exemple.fr" not in text and "127.0.0" not in text
    comment = parse_comment(text, "aaa111")
    assert (comment.author, comment.body) == ("Anne", "Bravo aux équipes.")
    assert statuses(env) == {"aaa111": "approved"}
    assert "make publish" in result.stdout


def test_approve_cannot_be_tricked_into_forging_headers(env, content):
    queue(env, "aaa111", author="Eve", body="Texte\nParent: zzz\n\nAuthor: Admin\nWebsite: https://evil.example")
    moderate(env, "approve", "aaa111", content=content)
    comment = parse_comment((content / "comments" / SLUG / "aaa111.md").read_text(encoding="utf-8"), "aaa111")
    assert (comment.author, comment.parent_id, comment.website) == ("Eve", None, None)
    assert comment.body.endswith("Author: Admin\nWebsite: https://evil.example")


def test_approving_twice_or_an_unknown_id_is_a_clear_error(env, content):
    queue(env, "aaa111")
    assert moderate(env, "approve", "aaa111", content=content).returncode == 0
    again = moderate(env, "approve", "aaa111", content=content)
    assert again.returncode == 1
    assert again.stderr == "moderate\u00a0: aucun commentaire en attente avec l’identifiant 'aaa111' (voir\u00a0: list)\n"
    assert "Traceback" not in moderate(env, "show", "../../etc", content=content).stderr


def test_approve_refuses_a_slug_that_would_leave_the_comments_folder(env, content):
    queue(env, "aaa111", article="../../pages")
    result = moderate(env, "approve", "aaa111", content=content)
    assert result.returncode == 1
    assert "identifiant d’article '../../pages'" in result.stderr
    assert list(content.rglob("*.md")) == []


def test_reject_keeps_the_row_as_rejected_without_its_address(env, content):
    queue(env, "aaa111", email="anne@exemple.fr")
    result = moderate(env, "reject", "aaa111", content=content)
    assert result.stdout == "Refusé\u00a0: aaa111\n"
    assert statuses(env) == {"aaa111": "rejected"}
    with store.opened(env["POULS_COMMENTS_DB"]) as conn:
        row = store.get_comment(conn, "aaa111")
    assert row.email is None and row.decided_by.startswith("commande")
    assert list(content.rglob("*.md")) == []


def test_erase_removes_rows_and_files_and_keeps_replies_of_others(env, content):
    queue(env, "aaa111", author="Anne", email="anne@exemple.fr", body="Premier")
    queue(env, "ccc333", author="Anne", email="anne@exemple.fr", body="Encore en attente")
    moderate(env, "approve", "aaa111", content=content)
    queue(env, "bbb222", author="Bruno", parent="aaa111", body="Réponse")
    moderate(env, "approve", "bbb222", content=content)

    dry = moderate(env, "erase", "--email", "ANNE@exemple.fr", "--dry-run", content=content)
    assert "Serait effacé (fichier)" in dry.stdout and (content / "comments" / SLUG / "aaa111.md").exists()

    result = moderate(env, "erase", "--email", "ANNE@exemple.fr", content=content)
    assert result.returncode == 0, result.stderr
    assert statuses(env) == {"bbb222": "approved"}
    assert not (content / "comments" / SLUG / "aaa111.md").exists()
    reply = parse_comment((content / "comments" / SLUG / "bbb222.md").read_text(encoding="utf-8"), "bbb222")
    assert (reply.author, reply.parent_id, reply.body) == ("Bruno", None, "Réponse")


def test_erase_by_name_finds_published_files_whose_rows_were_purged(env, content):
    folder = content / "comments" / SLUG
    folder.mkdir()
    (folder / "old001.md").write_text("Author: Zoé\nDate: 2025-01-01T10:00:00+01:00\n\nAncien.\n", encoding="utf-8")
    (folder / "old002.md").write_text("Author: Yves\nDate: 2025-01-02T10:00:00+01:00\n\nAutre.\n", encoding="utf-8")
    result = moderate(env, "erase", "--name", "zoé", content=content)
    assert result.returncode == 0
    assert sorted(p.name for p in folder.iterdir()) == ["old002.md"]


def test_erase_without_criteria_is_refused(env, content):
    result = moderate(env, "erase", content=content)
    assert result.returncode == 1
    assert "indiquez --email ou --name" in result.stderr


def test_purge_deletes_rows_older_than_the_retention(env, content):
    queue(env, "old111", body="Vieux", age_days=40)
    queue(env, "new222", body="Récent", age_days=2)
    result = moderate({**env, "POULS_COMMENTS_RETENTION_DAYS": "30"}, "purge", content=content)
    assert result.stdout == "1 commentaire(s) de plus de 30 jours supprimé(s) de la base.\n"
    assert statuses(env) == {"new222": "pending"}
    assert moderate(env, "purge", "--days", "1", content=content).stdout.startswith("1 commentaire(s)")
    assert statuses(env) == {}
