"""Moderation of the comments readers sent: `make moderate ARGS="…"` (= `python -m comments.moderate`).

    list [--all]                 pending comments (with --all, approved ones too)
    show ID                      one comment in full, with its e-mail and network prefix
    approve ID [ID …]            write content/comments/<slug>/<id>.md; rebuild to publish
    reject ID [ID …]             delete the pending comment
    erase --email X | --name X   everything of one commenter: rows and published files
    purge [--days N]             delete rows older than N days (default: retention setting)

The database is the one the intake service uses (POULS_COMMENTS_DB, default
var/comments.sqlite3); the content folder is `content/` (or --content, or
POULS_COMMENTS_CONTENT). Messages are in French: moderators are editors.
"""

import argparse
import os
import sys
import time
from pathlib import Path

from pouls_common.paths import ROOT

from . import store
from .model import ID_RE, SLUG_RE, CommentFormatError, clean_body, clean_line, parse_comment, serialise_comment

COMMENTS_FOLDER = "comments"


class ModerationError(Exception):
    """A moderation command that cannot be carried out; the message is for the moderator."""


def content_folder(option, environ):
    path = Path(option or environ.get("POULS_COMMENTS_CONTENT") or ROOT / "content")
    return path if path.is_absolute() else Path.cwd() / path


def comment_path(content, article, comment_id):
    """Where an approved comment lives; refuses anything that would leave the comments folder."""
    if not SLUG_RE.fullmatch(article or "") or not ID_RE.fullmatch(comment_id or ""):
        raise ModerationError(f"identifiant d’article {article!r} ou de commentaire {comment_id!r} invalide")
    root = (content / COMMENTS_FOLDER).resolve()
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
        raise ModerationError(f"{target} existe déjà ; rien n’a été écrit") from None
    finally:
        temporary.unlink()


def approve(conn, content, comment_id, now):
    row = store.get_comment(conn, comment_id)
    if row is None or row.status != "pending":
        raise ModerationError(f"aucun commentaire en attente avec l’identifiant {comment_id!r} (voir : list)")
    target = comment_path(content, row.article, row.id)
    text = serialise_comment(row.author, row.created, row.body, website=row.website, parent_id=row.parent_id)
    # Read back what we are about to publish: the file must say exactly what the reader wrote.
    parsed = parse_comment(text, row.id, article_slug=row.article)
    if parsed.author != clean_line(row.author) or parsed.body != clean_body(row.body) or parsed.parent_id != row.parent_id:
        raise ModerationError(f"le commentaire {row.id} ne se relit pas à l’identique ; il reste en attente")
    write_new_file(target, text)
    store.mark_approved(conn, row.id, now)
    return target


def reparent_replies(content, article, erased_id, new_parent):
    """Replies to an erased comment now answer its parent (or nobody), so they stay published."""
    folder = content / COMMENTS_FOLDER / article
    changed = []
    for path in sorted(folder.glob("*.md")):
        try:
            comment = parse_comment(path.read_text(encoding="utf-8"), path.stem, article_slug=article)
        except (CommentFormatError, UnicodeDecodeError):
            continue
        if comment.parent_id == erased_id:
            text = serialise_comment(comment.author, comment.date, comment.body, website=comment.website,
                                     parent_id=new_parent)
            temporary = path.with_name(f".{path.name}.tmp")
            temporary.write_text(text, encoding="utf-8")
            os.replace(temporary, path)
            changed.append(path)
    return changed


def published_by_name(content, name):
    """Published comment files whose author is this display name (for rows already purged)."""
    wanted = store.sender_key(clean_line(name))
    found = []
    for path in sorted((content / COMMENTS_FOLDER).glob("*/*.md")):
        try:
            comment = parse_comment(path.read_text(encoding="utf-8"), path.stem, article_slug=path.parent.name)
        except (CommentFormatError, UnicodeDecodeError):
            continue
        if store.sender_key(comment.author) == wanted:
            found.append((path, comment))
    return found


def erase(conn, content, email=None, name=None, dry_run=False):
    """Delete every pending row and published file of one commenter. Returns (rows, files)."""
    rows = store.find_sender(conn, email=email, name=name)
    files = {}
    for row in rows:
        path = comment_path(content, row.article, row.id)
        if path.exists():
            comment = parse_comment(path.read_text(encoding="utf-8"), row.id, article_slug=row.article)
            files[path] = comment
    if name:
        files.update(dict(published_by_name(content, name)))
    if not dry_run:
        for path, comment in sorted(files.items()):
            path.unlink()
            reparent_replies(content, path.parent.name, comment.id, comment.parent_id)
        for row in rows:
            store.delete_comment(conn, row.id)
    return rows, sorted(files)


def _excerpt(text, width=60):
    flat = " ".join(clean_line(text).split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def print_list(rows, out):
    if not rows:
        print("Aucun commentaire.", file=out)
        return
    for row in rows:
        flags = f" [à vérifier : {row.flags}]" if row.flags else ""
        state = "" if row.status == "pending" else f" ({row.status})"
        print(f"{row.id}  {row.created:%Y-%m-%d %H:%M}  {row.article}  {clean_line(row.author)}{state}{flags}", file=out)
        print(f"    {_excerpt(row.body)}", file=out)


def print_one(row, out):
    print(f"Identifiant : {row.id}", file=out)
    print(f"Article : {row.article}", file=out)
    print(f"Reçu le : {row.created:%Y-%m-%d %H:%M %z}", file=out)
    print(f"État : {row.status}", file=out)
    print(f"Nom : {clean_line(row.author)}", file=out)
    print(f"Adresse électronique : {clean_line(row.email or '—')}", file=out)
    print(f"Site web : {clean_line(row.website or '—')}", file=out)
    print(f"En réponse à : {row.parent_id or '—'}", file=out)
    print(f"Réseau : {row.ip_prefix}", file=out)
    print(f"À vérifier : {row.flags or 'non'}", file=out)
    print("", file=out)
    print(clean_body(row.body), file=out)


def build_parser():
    parser = argparse.ArgumentParser(prog="make moderate ARGS=", description="Modération des commentaires de Pouls.")
    parser.add_argument("--content", help="dossier content/ du site (par défaut : content/ du dépôt)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="commande")
    listing = commands.add_parser("list", help="liste les commentaires en attente")
    listing.add_argument("--all", action="store_true", help="avec les commentaires déjà approuvés")
    show = commands.add_parser("show", help="affiche un commentaire en entier")
    show.add_argument("id")
    approve_cmd = commands.add_parser("approve", help="approuve : écrit le fichier du commentaire")
    approve_cmd.add_argument("ids", nargs="+", metavar="id")
    reject = commands.add_parser("reject", help="refuse : supprime le commentaire en attente")
    reject.add_argument("ids", nargs="+", metavar="id")
    erase_cmd = commands.add_parser("erase", help="efface tout ce qui concerne une personne")
    erase_cmd.add_argument("--email")
    erase_cmd.add_argument("--name")
    erase_cmd.add_argument("--dry-run", action="store_true", help="montre ce qui serait effacé, sans rien effacer")
    purge = commands.add_parser("purge", help="supprime les lignes plus anciennes que la durée de conservation")
    purge.add_argument("--days", type=int, help="âge en jours (par défaut : POULS_COMMENTS_RETENTION_DAYS ou 30)")
    return parser


def run(argv, environ=None, out=sys.stdout, now=None):
    environ = os.environ if environ is None else environ
    args = build_parser().parse_args(argv)
    now = time.time() if now is None else now
    content = content_folder(args.content, environ)
    with store.opened(store.database_path(environ)) as conn:
        if args.command == "list":
            print_list(store.list_comments(conn, None if args.all else "pending"), out)
        elif args.command == "show":
            row = store.get_comment(conn, args.id)
            if row is None:
                raise ModerationError(f"aucun commentaire avec l’identifiant {args.id!r} (voir : list)")
            print_one(row, out)
        elif args.command == "approve":
            for comment_id in args.ids:
                target = approve(conn, content, comment_id, now)
                print(f"Approuvé : {target}", file=out)
            print("Reconstruisez le site (make publish) pour le mettre en ligne.", file=out)
        elif args.command == "reject":
            for comment_id in args.ids:
                row = store.get_comment(conn, comment_id)
                if row is None or row.status != "pending":
                    raise ModerationError(f"aucun commentaire en attente avec l’identifiant {comment_id!r} (voir : list)")
                store.delete_comment(conn, comment_id)
                print(f"Refusé et supprimé : {comment_id}", file=out)
        elif args.command == "erase":
            if not (args.email or args.name):
                raise ModerationError("indiquez --email ou --name (ou les deux)")
            rows, files = erase(conn, content, email=args.email, name=args.name, dry_run=args.dry_run)
            verb = "Serait effacé" if args.dry_run else "Effacé"
            for row in rows:
                print(f"{verb} (base) : {row.id} sur {row.article}", file=out)
            for path in files:
                print(f"{verb} (fichier) : {path}", file=out)
            if not rows and not files:
                print("Rien trouvé pour cette personne.", file=out)
            elif files and not args.dry_run:
                print("Reconstruisez le site (make publish) pour retirer ces commentaires des pages.", file=out)
        elif args.command == "purge":
            days = args.days if args.days is not None else int(environ.get("POULS_COMMENTS_RETENTION_DAYS") or 30)
            if days < 0:
                raise ModerationError(f"--days {days} : indiquez un nombre de jours positif")
            removed = store.purge_older_than(conn, now - days * 86400)
            print(f"{removed} commentaire(s) de plus de {days} jours supprimé(s) de la base.", file=out)
    return 0


def main(argv=None):
    try:
        return run(sys.argv[1:] if argv is None else argv)
    except ModerationError as error:
        print(f"moderate : {error}", file=sys.stderr)
        return 1
    except store.sqlite3.Error as error:
        print(f"moderate : base {store.database_path()} illisible ({error}) ; vérifiez {store.DB_ENV}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
