"""Moderation of the comments readers sent: `make moderate ARGS="…"` (= `python -m comments.moderate`).

    list [--all]                 pending comments (with --all, approved and rejected ones too)
    show ID                      one comment in full, with its e-mail and network prefix
    approve ID [ID …]            write <comments folder>/<slug>/<id>.md for each; a publication follows
    reject ID [ID …]             reject each (kept, without its e-mail, until the retention purge)
    erase --email X | --name X   everything of one commenter: rows and published files
    purge [--days N]             delete rows older than N days (default: retention setting)
    log [--limit N]              the audit log: who decided what, when, on which comment
    status                       the state of the last publication and of the e-mails
    republish                    run the publication again (after a failure)
    add-moderator LOGIN          create a desk account (asks for the password twice)
    passwd LOGIN                 change a desk account's password
    remove-moderator LOGIN       delete a desk account (and close its sessions)
    moderators                   list the desk accounts

`approve`, `reject` and `erase` call the functions the desk calls (`decisions.py`): one code
path. Several ids are each carried out and reported, even when one of them fails (exit 1 then).

The database is the one the intake service uses (POULS_COMMENTS_DB, default
var/comments.sqlite3); the comments folder is PATH/COMMENTS_PATH of the Pelican settings
file (POULS_COMMENTS_SETTINGS, default publishconf.py), with PATH replaced by --content or
POULS_COMMENTS_CONTENT. Messages are in French: moderators are editors.
"""

import argparse
import getpass
import os
import sys
import time
from pathlib import Path

from . import accounts, decisions, mailer, publisher, store
from .decisions import ModerationError
from .model import clean_body, clean_line, describe_flag, split_flags
from .settings import CommentsSettingsError, from_settings_file, with_overrides


def comments_folder(option, environ):
    """The approved comments folder: PATH/COMMENTS_PATH, PATH from --content or POULS_COMMENTS_CONTENT."""
    site = from_settings_file(environ=environ)
    content = option or environ.get("POULS_COMMENTS_CONTENT")
    if content:
        path = Path(content)
        site = with_overrides(site, content_root=path if path.is_absolute() else Path.cwd() / path)
    return site.comments_folder


def actor(environ):
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "?"
    return f"commande ({user})"


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
    print(f"À vérifier : {', '.join(describe_flag(f) for f in split_flags(row.flags)) or 'non'}", file=out)
    print("", file=out)
    print(clean_body(row.body), file=out)


def read_password(prompt_stream=sys.stderr):
    """The new password, typed twice: with getpass on a terminal, two lines on standard input otherwise."""
    if sys.stdin.isatty():
        first = getpass.getpass("Mot de passe (12 caractères au moins)\u00a0: ", stream=prompt_stream)
        second = getpass.getpass("Le même, à nouveau\u00a0: ", stream=prompt_stream)
    else:
        first, second = (sys.stdin.readline().rstrip("\n") for _ in range(2))
    if first != second:
        raise ModerationError("les deux mots de passe diffèrent\u00a0; rien n’a changé")
    return first


def print_log(entries, out):
    if not entries:
        print("Le journal est vide.", file=out)
    for entry in entries:
        what = " ".join(part for part in (entry.comment_id or "", entry.article or "") if part)
        detail = f" — {entry.detail}" if entry.detail else ""
        print(f"{entry.when:%Y-%m-%d %H:%M:%S}  {entry.actor}  {entry.action}  {what}{detail}".rstrip(), file=out)


def build_parser():
    parser = argparse.ArgumentParser(prog="make moderate ARGS=", description="Modération des commentaires de Pouls.")
    parser.add_argument("--content", help="dossier content/ du site (par défaut : content/ du dépôt)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="commande")
    listing = commands.add_parser("list", help="liste les commentaires en attente")
    listing.add_argument("--all", action="store_true", help="avec les commentaires déjà approuvés ou refusés")
    show = commands.add_parser("show", help="affiche un commentaire en entier")
    show.add_argument("id")
    approve_cmd = commands.add_parser("approve", help="approuve : écrit le fichier du commentaire")
    approve_cmd.add_argument("ids", nargs="+", metavar="id")
    reject = commands.add_parser("reject", help="refuse (gardé sans adresse jusqu’à la purge)")
    reject.add_argument("ids", nargs="+", metavar="id")
    erase_cmd = commands.add_parser("erase", help="efface tout ce qui concerne une personne")
    erase_cmd.add_argument("--email")
    erase_cmd.add_argument("--name")
    erase_cmd.add_argument("--dry-run", action="store_true", help="montre ce qui serait effacé, sans rien effacer")
    purge = commands.add_parser("purge", help="supprime les lignes plus anciennes que la durée de conservation")
    purge.add_argument("--days", type=int, help="âge en jours (par défaut : POULS_COMMENTS_RETENTION_DAYS ou 30)")
    log = commands.add_parser("log", help="le journal des décisions")
    log.add_argument("--limit", type=int, default=50, help="combien de lignes (50 par défaut)")
    commands.add_parser("status", help="l’état de la dernière publication et des courriels")
    commands.add_parser("republish", help="relance la publication")
    for name, text in (("add-moderator", "crée un compte du bureau de modération"),
                       ("passwd", "change le mot de passe d’un compte"),
                       ("remove-moderator", "supprime un compte")):
        sub = commands.add_parser(name, help=text)
        sub.add_argument("login")
    commands.add_parser("moderators", help="liste les comptes du bureau de modération")
    return parser


def run(argv, environ=None, out=sys.stdout, now=None):
    environ = os.environ if environ is None else environ
    args = build_parser().parse_args(argv)
    now = time.time() if now is None else now
    who = actor(environ)
    status = 0
    with store.opened(store.database_path(environ)) as conn:
        if args.command == "list":
            print_list(store.list_comments(conn, None if args.all else "pending"), out)
        elif args.command == "show":
            row = store.get_comment(conn, args.id)
            if row is None:
                raise ModerationError(f"aucun commentaire avec l’identifiant {args.id!r} (voir\u00a0: list)")
            print_one(row, out)
        elif args.command in ("approve", "reject"):
            folder = comments_folder(args.content, environ) if args.command == "approve" else None
            done = 0
            for comment_id in args.ids:
                try:
                    if args.command == "approve":
                        target = decisions.approve(conn, folder, comment_id, now, who, environ)
                        print(f"Approuvé\u00a0: {comment_id} → {target}", file=out)
                    else:
                        decisions.reject(conn, comment_id, now, who)
                        print(f"Refusé\u00a0: {comment_id}", file=out)
                    done += 1
                except ModerationError as error:
                    print(f"moderate\u00a0: {error}", file=sys.stderr)
                    status = 1
            if len(args.ids) > 1:
                print(f"{done} sur {len(args.ids)} traité(s).", file=out)
            if args.command == "approve" and done:
                announce_publication(environ, out)
        elif args.command == "erase":
            if not (args.email or args.name):
                raise ModerationError("indiquez --email ou --name (ou les deux)")
            folder = comments_folder(args.content, environ)
            rows, files = decisions.erase(conn, folder, email=args.email, name=args.name, dry_run=args.dry_run,
                                          now=now, actor=who, commit_environ=environ)
            verb = "Serait effacé" if args.dry_run else "Effacé"
            for row in rows:
                print(f"{verb} (base) : {row.id} sur {row.article}", file=out)
            for path in files:
                print(f"{verb} (fichier) : {path}", file=out)
            if not rows and not files:
                print("Rien trouvé pour cette personne.", file=out)
            elif files and not args.dry_run:
                announce_publication(environ, out)
        elif args.command == "purge":
            days = args.days if args.days is not None else int(environ.get("POULS_COMMENTS_RETENTION_DAYS") or 30)
            if days < 0:
                raise ModerationError(f"--days {days} : indiquez un nombre de jours positif")
            removed = store.purge_older_than(conn, now - days * 86400)
            print(f"{removed} commentaire(s) de plus de {days} jours supprimé(s) de la base.", file=out)
        elif args.command == "log":
            print_log(store.audit_log(conn, max(1, args.limit)), out)
        elif args.command == "status":
            print(f"Publication\u00a0: {publisher.status(conn).describe()}", file=out)
            counts = mailer.stats(conn)
            labels = {"pending": "à envoyer", "sending": "en cours d’envoi", "sent": "envoyé(s)", "failed": "abandonné(s)",
                      "skipped": "sans objet"}
            summary = ", ".join(f"{counts[key]} {labels[key]}" for key in labels if counts.get(key))
            print(f"Courriels de réponse\u00a0: {summary or 'aucun'}", file=out)
        elif args.command == "republish":
            with store.transaction(conn):
                publisher.request_publish(conn, now, immediately=True)
                store.audit(conn, now, who, "republish")
            announce_publication(environ, out)
        elif args.command == "add-moderator":
            accounts.check_login_name(args.login)
            accounts.add_moderator(conn, args.login, read_password(), now)
            print(f"Compte créé\u00a0: {args.login}", file=out)
        elif args.command == "passwd":
            accounts.set_password(conn, args.login, read_password(), now)
            print(f"Mot de passe changé\u00a0: {args.login} (ses sessions sont fermées)", file=out)
        elif args.command == "remove-moderator":
            accounts.remove_moderator(conn, args.login, now)
            print(f"Compte supprimé\u00a0: {args.login}", file=out)
        elif args.command == "moderators":
            print("\n".join(accounts.moderators(conn)) or "Aucun compte.", file=out)
    return status


def announce_publication(environ, out):
    """Start the background publication (unless POULS_COMMENTS_PUBLISH_COMMAND is empty) and say so."""
    argv = publisher.command_from(environ)
    if argv is None:
        print("Publication automatique désactivée\u00a0: lancez make publish pour mettre en ligne.", file=out)
        return
    publisher.spawn_runner(environ)
    print(f"Publication programmée ({' '.join(argv)}) dans quelques secondes\u00a0; "
          "suivez-la avec make moderate ARGS=status.", file=out)


def main(argv=None):
    try:
        return run(sys.argv[1:] if argv is None else argv)
    except (ModerationError, accounts.AccountError, CommentsSettingsError) as error:
        print(f"moderate : {error}", file=sys.stderr)
        return 1
    except store.sqlite3.Error as error:
        print(f"moderate : base {store.database_path()} illisible ({error}) ; vérifiez {store.DB_ENV}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
