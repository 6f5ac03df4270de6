"""What a moderator decides, in one place: the desk and `make moderate` call these functions.

    approve(conn, folder, comment_id, now, actor)      writes <folder>/<slug>/<id>.md, marks it
                                                       approved, logs it, asks for a publication
    reject(conn, comment_id, now, actor)               keeps the row as rejected (no e-mail), logs it
    erase(conn, folder, email=…, name=…, actor=…)      every row and published file of one person
    erase_sender(conn, folder, comment_id, now, actor) reject this comment and erase its sender
    reply_as_newsroom(conn, folder, parent_id, body, newsroom_name, now, actor)
                                                       a reply signed by the newsroom, approved at once

`folder` is the approved comments folder (`CommentsSettings.comments_folder`). Every decision
is one audit entry (who, when, what, which comment) and never carries an e-mail address.
Approving writes the file exactly as the command always has: header values can never hold a
line break, the text is read back and compared before it is written, and the file is linked
into place atomically and never overwritten.
"""

import logging
import os
import secrets
import subprocess

from . import publisher, store
from .model import (
    BODY_MAX,
    ID_RE,
    SLUG_RE,
    CommentFormatError,
    body_fingerprint,
    clean_body,
    clean_line,
    name_key,
    parse_comment,
    serialise_comment,
)

logger = logging.getLogger(__name__)

GIT_COMMIT_ENV = "POULS_COMMENTS_GIT_COMMIT"


class ModerationError(Exception):
    """A decision that cannot be carried out; the message is French, for the moderator."""


def comment_path(folder, article, comment_id):
    """Where an approved comment lives; refuses anything that would leave the comments folder."""
    if not SLUG_RE.fullmatch(article or "") or not ID_RE.fullmatch(comment_id or ""):
        raise ModerationError(f"identifiant d’article {article!r} ou de commentaire {comment_id!r} invalide")
    root = folder.resolve()
    target = (root / article / f"{comment_id}.md").resolve()
    if target.parent.parent != root:
        raise ModerationError(f"chemin {target} hors de {root}")
    return target


def write_new_file(target, text):
    """Write a file that must not exist yet, atomically (a half-written comment never reaches a build)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.tmp")
    with open(temporary, "x", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    try:
        os.link(temporary, target)
    except FileExistsError:
        raise ModerationError(f"{target} existe déjà\u00a0; rien n’a été écrit") from None
    finally:
        temporary.unlink()


def commit_files(folder, paths, message, actor, environ=None):
    """Commit these files (added, changed or deleted) in the repository holding `folder`,
    when POULS_COMMENTS_GIT_COMMIT=1. A failure is logged, never raised: the decision stands."""
    environ = os.environ if environ is None else environ
    if environ.get(GIT_COMMIT_ENV, "") not in ("1", "yes", "oui", "true") or not paths:
        return False
    env = dict(environ)
    env.setdefault("GIT_AUTHOR_NAME", actor)
    env.setdefault("GIT_AUTHOR_EMAIL", "moderation@pouls.invalid")
    env.setdefault("GIT_COMMITTER_NAME", env["GIT_AUTHOR_NAME"])
    env.setdefault("GIT_COMMITTER_EMAIL", env["GIT_AUTHOR_EMAIL"])
    names = [str(path) for path in paths]
    try:
        for argv in (["git", "add", "--all", "--", *names], ["git", "commit", "--quiet", "-m", message, "--", *names]):
            subprocess.run(argv, cwd=folder, env=env, check=True, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as error:
        detail = getattr(error, "stderr", "") or error
        logger.warning("comments: cannot commit %s (%s); commit it by hand", ", ".join(names), str(detail).strip())
        return False
    return True


def approve(conn, folder, comment_id, now, actor, commit_environ=None):
    """Approve one pending comment: write its file, mark it, log it, schedule a publication."""
    row = store.get_comment(conn, comment_id) if ID_RE.fullmatch(comment_id or "") else None
    if row is None or row.status != "pending":
        raise ModerationError(f"aucun commentaire en attente avec l’identifiant {comment_id!r} (voir\u00a0: list)")
    target = comment_path(folder, row.article, row.id)
    text = serialise_comment(row.author, row.created, row.body, website=row.website, parent_id=row.parent_id,
                             newsroom=bool(row.newsroom))
    # Read back what we are about to publish: the file must say exactly what the reader wrote.
    parsed = parse_comment(text, row.id, article_slug=row.article)
    if parsed.author != clean_line(row.author) or parsed.body != clean_body(row.body) or parsed.parent_id != row.parent_id:
        raise ModerationError(f"le commentaire {row.id} ne se relit pas à l’identique\u00a0; il reste en attente")
    write_new_file(target, text)
    with store.transaction(conn):
        store.mark_decided(conn, row.id, "approved", now, actor)
        store.audit(conn, now, actor, "reply" if row.newsroom else "approve", row.id, row.article)
        publisher.request_publish(conn, now)
    commit_files(folder, [target], f"Approve comment {row.id} on {row.article} ({actor})", actor, commit_environ)
    return target


def reject(conn, comment_id, now, actor):
    """Reject one pending comment. The row stays (searchable until the retention purge), without its e-mail."""
    row = store.get_comment(conn, comment_id) if ID_RE.fullmatch(comment_id or "") else None
    if row is None or row.status != "pending":
        raise ModerationError(f"aucun commentaire en attente avec l’identifiant {comment_id!r} (voir\u00a0: list)")
    with store.transaction(conn):
        if not store.mark_decided(conn, row.id, "rejected", now, actor):
            raise ModerationError(f"le commentaire {comment_id!r} vient d’être traité par quelqu’un d’autre")
        store.audit(conn, now, actor, "reject", row.id, row.article)
    return row


def reparent_replies(folder, article, erased_id, new_parent):
    """Replies to an erased comment now answer its parent (or nobody), so they stay published."""
    changed = []
    for path in sorted((folder / article).glob("*.md")):
        try:
            comment = parse_comment(path.read_text(encoding="utf-8"), path.stem, article_slug=article)
        except (CommentFormatError, UnicodeDecodeError):
            continue
        if comment.parent_id == erased_id:
            text = serialise_comment(comment.author, comment.date, comment.body, website=comment.website,
                                     parent_id=new_parent, newsroom=comment.newsroom)
            temporary = path.with_name(f".{path.name}.tmp")
            temporary.write_text(text, encoding="utf-8")
            os.replace(temporary, path)
            changed.append(path)
    return changed


def published_by_name(folder, name):
    """Published comment files signed with exactly this name (`name_key`), for rows already purged."""
    wanted = name_key(name)
    found = []
    for path in sorted(folder.glob("*/*.md")):
        try:
            comment = parse_comment(path.read_text(encoding="utf-8"), path.stem, article_slug=path.parent.name)
        except (CommentFormatError, UnicodeDecodeError):
            continue
        if name_key(comment.author) == wanted:
            found.append((path, comment))
    return found


def _erase_rows_and_files(conn, folder, rows, files, now, actor, what, dry_run, commit_environ):
    if dry_run:
        return
    touched = []
    for path, comment in sorted(files.items()):
        path.unlink()
        touched.append(path)
        touched.extend(reparent_replies(folder, path.parent.name, comment.id, comment.parent_id))
    with store.transaction(conn):
        for row in rows:
            conn.execute("DELETE FROM comments WHERE id = ?", (row.id,))
        store.audit(conn, now, actor, "erase", detail=f"{what}\u00a0: {len(rows)} ligne(s), {len(files)} fichier(s)")
        if files:
            publisher.request_publish(conn, now)
    commit_files(folder, sorted(set(touched)), f"Erase {len(files)} comment file(s) at a commenter's request ({actor})",
                 actor, commit_environ)


def erase(conn, folder, email=None, name=None, dry_run=False, now=0.0, actor="commande", commit_environ=None):
    """Delete every row and published file of one commenter. Returns (rows, files).

    `email` matches the address given with a comment, case aside. `name` matches the display
    name exactly (`name_key`: after Unicode NFC and the removal of invisible characters, case
    and repeated spaces aside): « anne » erases « Anne » and « ANNE », never « Anne-Marie »
    nor « Anne Kervella ».
    """
    rows = store.find_sender(conn, email=email, name=name)
    files = {}
    for row in rows:
        path = comment_path(folder, row.article, row.id)
        if path.exists():
            files[path] = parse_comment(path.read_text(encoding="utf-8"), row.id, article_slug=row.article)
    if name:
        files.update(dict(published_by_name(folder, name)))
    what = "par adresse" if email and not name else "par nom" if name and not email else "par adresse et par nom"
    _erase_rows_and_files(conn, folder, rows, files, now, actor, what, dry_run, commit_environ)
    return rows, sorted(files)


def sender_rows(conn, row):
    """Every row from the sender of `row`: same address when it gave one, otherwise the same name
    from the same network prefix (a name alone could be someone else's)."""
    if row.email:
        return store.find_sender(conn, email=row.email)
    return [other for other in store.find_sender(conn, name=row.author) if other.ip_prefix == row.ip_prefix]


def erase_sender(conn, folder, comment_id, now, actor, dry_run=False, commit_environ=None):
    """Reject this pending comment and erase everything from its sender (GDPR). Returns (rows, files)."""
    row = store.get_comment(conn, comment_id) if ID_RE.fullmatch(comment_id or "") else None
    if row is None or row.status != "pending":
        raise ModerationError(f"aucun commentaire en attente avec l’identifiant {comment_id!r} (voir\u00a0: list)")
    rows = sender_rows(conn, row)
    files = {}
    for other in rows:
        path = comment_path(folder, other.article, other.id)
        if path.exists():
            files[path] = parse_comment(path.read_text(encoding="utf-8"), other.id, article_slug=other.article)
    if not dry_run:
        with store.transaction(conn):
            store.audit(conn, now, actor, "reject", row.id, row.article, detail="refusé et expéditeur effacé")
    _erase_rows_and_files(conn, folder, rows, files, now, actor, f"expéditeur de {row.id}", dry_run, commit_environ)
    return rows, sorted(files)


def reply_as_newsroom(conn, folder, parent_id, body, newsroom_name, now, actor, commit_environ=None):
    """Publish a reply signed by the newsroom to an approved comment; returns (comment id, path)."""
    parent = store.get_comment(conn, parent_id) if ID_RE.fullmatch(parent_id or "") else None
    if parent is None or parent.status != "approved":
        raise ModerationError(f"aucun commentaire publié avec l’identifiant {parent_id!r}")
    if not comment_path(folder, parent.article, parent.id).exists():
        raise ModerationError(f"le commentaire {parent_id!r} n’est plus publié")
    text = clean_body(body)
    if not text:
        raise ModerationError("écrivez la réponse de la rédaction")
    if len(text) > BODY_MAX:
        raise ModerationError(f"la réponse est trop longue\u00a0: {len(text)} caractères pour {BODY_MAX} au plus")
    reply = store.Pending(
        id=secrets.token_hex(6), article=parent.article, parent_id=parent.id, author=clean_line(newsroom_name),
        email=None, website=None, body=text, body_hash=body_fingerprint(parent.article, text),
        ip_prefix="rédaction", flags="", status="pending", created_ts=now, newsroom=1,
    )
    with store.transaction(conn):
        stored = store.insert_newsroom_reply(conn, reply, now)
    if not stored:
        raise ModerationError("cette réponse a déjà été envoyée")
    return reply.id, approve(conn, folder, reply.id, now, actor, commit_environ)
