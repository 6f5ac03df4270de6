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


# --- several ids, exact erasure by name, accounts, the log, the settings ----------------------


def test_approve_takes_several_ids_and_reports_each_even_after_a_failure(env, content):
    queue(env, "aaa111", body="Un")
    queue(env, "bbb222", author="Bruno", body="Deux")
    queue(env, "ccc333", author="Chloé", body="Trois")
    result = moderate(env, "approve", "aaa111", "zzz999", "bbb222", "aaa111", "ccc333", content=content)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Approuvé\u00a0: aaa111 → ")
    assert lines[1].startswith("Approuvé\u00a0: bbb222 → ")
    assert lines[2].startswith("Approuvé\u00a0: ccc333 → ")
    assert lines[3] == "3 sur 5 traité(s)."
    assert result.stderr.splitlines() == [
        "moderate\u00a0: aucun commentaire en attente avec l’identifiant 'zzz999' (voir\u00a0: list)",
        "moderate\u00a0: aucun commentaire en attente avec l’identifiant 'aaa111' (voir\u00a0: list)",
    ]
    assert statuses(env) == {"aaa111": "approved", "bbb222": "approved", "ccc333": "approved"}


def test_reject_takes_several_ids_too(env, content):
    queue(env, "aaa111", body="Un")
    queue(env, "bbb222", author="Bruno", body="Deux")
    result = moderate(env, "reject", "aaa111", "nope00", "bbb222", content=content)
    assert result.returncode == 1
    assert result.stdout.splitlines() == ["Refusé\u00a0: aaa111", "Refusé\u00a0: bbb222", "2 sur 3 traité(s)."]
    assert statuses(env) == {"aaa111": "rejected", "bbb222": "rejected"}


@pytest.mark.parametrize("typed, files_left, rows_left", [
    ("Anne", ["pub002", "pub003"], ["row002"]),
    ("anne", ["pub002", "pub003"], ["row002"]),
    ("ANNE", ["pub002", "pub003"], ["row002"]),
    ("  Anne  ", ["pub002", "pub003"], ["row002"]),
    ("Anne\u200b", ["pub002", "pub003"], ["row002"]),   # an invisible character typed with it
    ("Ann", ["pub001", "pub002", "pub003"], ["row001", "row002"]),  # a prefix is not the name
    ("An ne", ["pub001", "pub002", "pub003"], ["row001", "row002"]),
    ("Anne-Marie", ["pub001", "pub003"], ["row001"]),
    ("Anne Kervella", ["pub001", "pub002"], ["row001", "row002"]),
])
def test_erase_by_name_matches_the_exact_name_case_and_spaces_aside(env, content, typed, files_left, rows_left):
    folder = content / "comments" / SLUG
    folder.mkdir()
    for name, stem in (("Anne", "pub001"), ("Anne-Marie", "pub002"), ("Anne Kervella", "pub003")):
        (folder / f"{stem}.md").write_text(f"Author: {name}\nDate: 2025-01-01T10:00:00+01:00\n\nTexte de {name}.\n",
                                          encoding="utf-8")
    queue(env, "row001", author="Anne", body="En attente, d’Anne")
    queue(env, "row002", author="Anne-Marie", body="En attente, d’Anne-Marie")
    result = moderate(env, "erase", "--name", typed, content=content)
    assert result.returncode == 0, result.stderr
    assert sorted(p.stem for p in folder.iterdir()) == files_left
    assert sorted(statuses(env)) == rows_left


def test_erase_by_name_given_with_decomposed_accents_finds_the_composed_name(env, content):
    queue(env, "row001", author="Zoé", body="Texte de Zoé")
    result = moderate(env, "erase", "--name", "Zoe\u0301", content=content)
    assert result.returncode == 0
    assert "Effacé (base) : row001" in result.stdout.replace("\u00a0", " ")
    assert statuses(env) == {}


def test_add_moderator_asks_twice_and_stores_an_argon2id_hash(env, content):
    result = moderate(env, "add-moderator", "anne", content=content, stdin="un mot de passe solide\nun mot de passe solide\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Compte créé\u00a0: anne\n"
    with store.opened(env["POULS_COMMENTS_DB"]) as conn:
        stored = conn.execute("SELECT password_hash FROM moderators WHERE login = 'anne'").fetchone()[0]
    assert stored.startswith("$argon2id$") and "un mot de passe solide" not in stored
    assert moderate(env, "moderators", content=content).stdout == "anne\n"


@pytest.mark.parametrize("login, stdin, message", [
    ("anne", "un mot de passe solide\nun autre mot de passe\n", "les deux mots de passe diffèrent"),
    ("anne", "court\ncourt\n", "mot de passe trop court"),
    ("Anne Admin", "un mot de passe solide\nun mot de passe solide\n", "identifiant 'Anne Admin' refusé"),
    ("../x", "un mot de passe solide\nun mot de passe solide\n", "identifiant '../x' refusé"),
])
def test_add_moderator_refuses_bad_input_with_a_french_message(env, content, login, stdin, message):
    result = moderate(env, "add-moderator", login, content=content, stdin=stdin)
    assert result.returncode == 1
    assert message in result.stderr and "Traceback" not in result.stderr
    assert moderate(env, "moderators", content=content).stdout == "Aucun compte.\n"


def test_passwd_and_remove_moderator(env, content):
    moderate(env, "add-moderator", "anne", content=content, stdin="premier mot de passe\npremier mot de passe\n")
    assert moderate(env, "add-moderator", "anne", content=content,
                    stdin="premier mot de passe\npremier mot de passe\n").stderr.startswith("moderate\u00a0: le compte 'anne' existe déjà")
    changed = moderate(env, "passwd", "anne", content=content, stdin="second mot de passe\nsecond mot de passe\n")
    assert changed.returncode == 0 and "Mot de passe changé" in changed.stdout
    assert moderate(env, "passwd", "bruno", content=content, stdin="second mot de passe\nsecond mot de passe\n").returncode == 1
    assert moderate(env, "remove-moderator", "anne", content=content).stdout == "Compte supprimé\u00a0: anne\n"
    assert moderate(env, "remove-moderator", "anne", content=content).returncode == 1
    log = moderate(env, "log", content=content).stdout
    assert [line.split("  ")[2] for line in log.splitlines()] == ["remove-moderator", "passwd", "add-moderator"]


def test_log_shows_who_decided_what_on_which_comment(env, content):
    queue(env, "aaa111", body="Un", email="anne@exemple.fr")
    queue(env, "bbb222", author="Bruno", body="Deux")
    moderate(env, "approve", "aaa111", content=content)
    moderate(env, "reject", "bbb222", content=content)
    moderate(env, "erase", "--email", "anne@exemple.fr", content=content)
    lines = moderate(env, "log", content=content).stdout.splitlines()
    assert len(lines) == 3
    erase, reject, approve = (line.split("  ") for line in lines)
    assert approve[1].startswith("commande (") and approve[2:] == ["approve", f"aaa111 {SLUG}"]
    assert reject[2:] == ["reject", f"bbb222 {SLUG}"]
    assert erase[2] == "erase" and "anne@exemple.fr" not in lines[0]


def test_status_says_what_the_publication_and_the_e_mails_are_doing(env, content):
    result = moderate(env, "status", content=content)
    assert result.stdout.splitlines() == [
        "Publication\u00a0: aucune publication demandée depuis le démarrage",
        "Courriels de réponse\u00a0: aucun",
    ]
    queue(env, "aaa111")
    moderate(env, "approve", "aaa111", content=content)
    assert moderate(env, "status", content=content).stdout.startswith("Publication\u00a0: publication programmée")


def test_approve_without_automatic_publication_says_how_to_publish(env, content):
    queue(env, "aaa111")
    result = moderate({**env, "POULS_COMMENTS_PUBLISH_COMMAND": ""}, "approve", "aaa111", content=content)
    assert result.stdout.splitlines()[-1] == "Publication automatique désactivée\u00a0: lancez make publish pour mettre en ligne."


def test_the_command_writes_where_comments_path_says(env, tmp_path):
    """`comments.moderate` reads COMMENTS_PATH from the same settings as the build and the service."""
    (tmp_path / "site").mkdir()
    settings = tmp_path / "autreconf.py"
    settings.write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(store.ROOT)!r})\n"
        "from pelicanconf import *\n"
        f"PATH = {str(tmp_path / 'site')!r}\n"
        "COMMENTS_PATH = 'avis'\n",
        encoding="utf-8",
    )
    queue(env, "aaa111")
    result = moderate({**env, "POULS_COMMENTS_SETTINGS": str(settings)}, "approve", "aaa111")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / "avis" / SLUG / "aaa111.md").is_file()


def test_a_settings_file_that_does_not_exist_is_named(env, tmp_path):
    result = moderate({**env, "POULS_COMMENTS_SETTINGS": str(tmp_path / "nulle-part.py")}, "approve", "aaa111")
    assert result.returncode == 1
    assert "nulle-part.py does not exist" in result.stderr and "Traceback" not in result.stderr


def test_with_git_commit_each_approved_and_erased_file_is_committed(env, content):
    import subprocess

    def git(*args):
        return subprocess.run(["git", *args], cwd=content, capture_output=True, text=True, check=True).stdout

    git("init", "-q")
    git("-c", "user.name=Test", "-c", "user.email=t@example.org", "commit", "-q", "--allow-empty", "-m", "start")
    queue(env, "aaa111", email="anne@exemple.fr")
    committing = {**env, "POULS_COMMENTS_GIT_COMMIT": "1"}
    assert moderate(committing, "approve", "aaa111", content=content).returncode == 0
    last = git("log", "-1", "--format=%s%n%an", "--name-status").splitlines()
    assert last[0].startswith("Approve comment aaa111 on greffe-a-domicile (commande (")
    assert last[-1] == f"A\tcomments/{SLUG}/aaa111.md"
    assert moderate(committing, "erase", "--email", "anne@exemple.fr", content=content).returncode == 0
    last = git("log", "-1", "--format=%s", "--name-status").splitlines()
    assert last[0].startswith("Erase 1 comment file(s) at a commenter's request")
    assert last[-1] == f"D\tcomments/{SLUG}/aaa111.md"
    assert git("status", "--porcelain") == ""


def test_without_git_commit_nothing_is_committed(env, content):
    import subprocess

    subprocess.run(["git", "init", "-q"], cwd=content, check=True)
    queue(env, "aaa111")
    assert moderate(env, "approve", "aaa111", content=content).returncode == 0
    status = subprocess.run(["git", "status", "--porcelain"], cwd=content, capture_output=True, text=True).stdout
    assert status == "?? comments/\n"
