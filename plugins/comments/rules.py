"""The comments plugin's content rules: what is wrong with an approved comment file, or with `Comments:`.

Plain functions returning Findings (pouls_common.rules), called by the plugin during the
build (comments.py logs them) and by `make check` (desk/checks.py prints them), so both say
the same thing about the same file at the same severity:

    review = review_comment_files(content / "comments", report_slugs)
    review.comments["greffe-a-domicile"]     # the comments kept for that report, in date order
    review.threads["greffe-a-domicile"]      # [CommentThread(comment, replies), …]
    for path, finding in review.findings:    # one Finding per comment file that is skipped
        ...

    is_open, findings = comments_open(article.metadata)

The comment model (model.py) stays the one reader of a comment file: it raises a
CommentFormatError carrying the code of the rule broken, the line and the values, and this
module gives that code its Rule (the French sentence, the severity). Every rule here is a
WARNING: the comment, or the comment form, is left out and the build goes on, so a broken
file never takes down what is already published (`make publish` still refuses any warning).
"""

import errno
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

from pouls_common.rules import WARNING, Finding, Rule
from pouls_common.text import closest_value

from .model import SLUG_RE, CommentFormatError, read_comment_file

# The build's English line for a file the model refuses: the model's own words, then the
# consequence (the same text the plugin logged before the rules were shared).
_SKIPPED = "comments: %(source)s: %(detail)s; this comment is skipped"
# « le commentaire est ignoré » : what the editor must know first, then the fix.
FORMAT_RULES = (
    Rule("comment-unreadable", WARNING, log=_SKIPPED, message=(
        "le fichier ne peut pas être lu ({reason}) : le commentaire est ignoré. "
        "Corrigez ses droits de lecture, ou déplacez-le hors de ce dossier."
    )),
    Rule("comment-not-utf8", WARNING, log=_SKIPPED, message=(
        "le fichier n’est pas enregistré en UTF-8 (octet {byte} illisible) : le commentaire est ignoré. "
        "Dans votre éditeur, « Enregistrer sous » avec l’encodage « UTF-8 »."
    )),
    Rule("comment-bad-id", WARNING, log=_SKIPPED, message=(
        "le nom du fichier « {name} » n’est pas un identifiant de commentaire : le commentaire est ignoré. "
        "Renommez-le avec des minuscules sans accent, des chiffres, « - » ou « _ », par exemple « {suggestion}.md »."
    )),
    Rule("comment-no-blank-line", WARNING, log=_SKIPPED, message=(
        "aucune ligne vide ne sépare l’en-tête du texte : le commentaire est ignoré. "
        "Laissez une ligne vide après la dernière ligne d’en-tête, puis écrivez le texte."
    )),
    Rule("comment-bad-header", WARNING, log=_SKIPPED, message=(
        "la ligne « {text} » n’est pas une ligne d’en-tête de commentaire : le commentaire est ignoré. "
        "Retirez-la, ou écrivez « Clé: valeur » avec l’une des clés Author, Website, Date, Parent, Role."
    )),
    Rule("comment-duplicate-header", WARNING, log=_SKIPPED, message=(
        "la clé « {key} » est déjà donnée ligne {first} : le commentaire est ignoré. "
        "Gardez une seule ligne « {key}: … »."
    )),
    Rule("comment-missing-header", WARNING, log=_SKIPPED, message=(
        "la clé « {key} » manque ou est vide : le commentaire est ignoré. "
        "Écrivez dans l’en-tête une ligne « {key}: … »."
    )),
    Rule("comment-bad-author", WARNING, log=_SKIPPED, message=(
        "le nom « {value} » compte {characters}, au lieu de 1 à {max} : le commentaire est ignoré. "
        "Écrivez dans « Author: » un nom de 1 à {max} caractères."
    )),
    Rule("comment-bad-date", WARNING, log=_SKIPPED, message=(
        "la date « {value} » n’est pas une date : le commentaire est ignoré. "
        "Écrivez-la avec l’heure et le décalage UTC, par exemple « Date: 2026-10-17T08:12:00+02:00 »."
    )),
    Rule("comment-naive-date", WARNING, log=_SKIPPED, message=(
        "la date « {value} » n’a pas de décalage UTC : le commentaire est ignoré. "
        "Ajoutez-le, par exemple « Date: {example} » pour l’heure de Paris."
    )),
    Rule("comment-bad-website", WARNING, log=_SKIPPED, message=(
        "l’adresse « {value} » de « Website » n’est pas une adresse http(s) : le commentaire est ignoré. "
        "Corrigez-la (https://…) ou retirez la ligne."
    )),
    Rule("comment-bad-parent", WARNING, log=_SKIPPED, message=(
        "« Parent: {value} » ne nomme pas un identifiant de commentaire : le commentaire est ignoré. "
        "Écrivez le nom du fichier du commentaire auquel il répond, sans « .md », ou retirez la ligne."
    )),
    Rule("comment-self-parent", WARNING, log=_SKIPPED, message=(
        "« Parent: {value} » nomme ce commentaire lui-même : le commentaire est ignoré. "
        "Écrivez le nom du fichier du commentaire auquel il répond, ou retirez la ligne."
    )),
    Rule("comment-bad-role", WARNING, log=_SKIPPED, message=(
        "le rôle « {value} » est inconnu : le commentaire est ignoré. Le seul rôle est « Role: newsroom » "
        "(une réponse de la rédaction) ; sinon retirez la ligne."
    )),
    Rule("comment-empty-body", WARNING, log=_SKIPPED, message=(
        "le commentaire n’a pas de texte : il est ignoré. "
        "Écrivez le texte après la ligne vide qui suit l’en-tête, ou supprimez le fichier."
    )),
)
_FORMAT = {rule.code: rule for rule in FORMAT_RULES}

STRAY = Rule(
    "comment-stray", WARNING,
    message=(
        "le commentaire n’est rangé dans le dossier d’aucun reportage : il est ignoré. "
        "Déplacez-le dans {folder}/<slug-du-reportage>/."
    ),
    log="comments: %(source)s: not in a report folder; move it to %(folder)s/<article-slug>/; this comment is skipped",
)
UNKNOWN_REPORT = Rule(
    "comment-unknown-report", WARNING,
    message=(
        "aucun reportage n’a le slug « {slug} » : le commentaire est ignoré. Déplacez-le dans le dossier "
        "{folder}/<slug>/ d’un reportage existant, ou supprimez-le."
    ),
    log=(
        "comments: %(source)s is for report %(slug)r, which does not exist; move it to the folder of an "
        "existing report's slug or delete it; this comment is skipped"
    ),
)
UNKNOWN_PARENT = Rule(
    "comment-unknown-parent", WARNING,
    message=(
        "« Parent: {parent} » ne nomme aucun commentaire de ce reportage : le commentaire est ignoré. "
        "Corrigez l’identifiant ou retirez la ligne."
    ),
    log=(
        "comments: %(source)s: Parent %(parent)r is not a comment of this report; fix or remove the Parent "
        "header; this comment is skipped"
    ),
)
PARENT_SKIPPED = Rule(
    "comment-parent-skipped", WARNING,
    message=(
        "« Parent: {parent} » nomme un commentaire qui est lui-même ignoré : celui-ci l’est aussi. "
        "Corrigez d’abord le commentaire « {parent} »."
    ),
    log=(
        "comments: %(source)s: Parent %(parent)r is a comment that is skipped itself; fix that one first; "
        "this comment is skipped"
    ),
)
PARENT_LOOP = Rule(
    "comment-parent-loop", WARNING,
    message=(
        "les lignes « Parent: » tournent en rond ({chain}) : le commentaire est ignoré. "
        "Retirez la ligne « Parent: » de l’un de ces commentaires."
    ),
    log=(
        "comments: %(source)s: its Parent chain loops back on itself; remove one of the Parent headers; "
        "this comment is skipped"
    ),
)
COMMENTS_VALUE = Rule(
    "comments-value", WARNING,
    message=(
        "valeur « {value} » inconnue pour Comments : les commentaires restent fermés. "
        "Écrivez « Comments: {fix} » (open ou closed)."
    ),
    log="comments: %(source)s: Comments: %(value)r is neither 'open' nor 'closed'; comments stay closed until it is fixed",
)

RULES = (*FORMAT_RULES, STRAY, UNKNOWN_REPORT, UNKNOWN_PARENT, PARENT_SKIPPED, PARENT_LOOP, COMMENTS_VALUE)

COMMENTS_VALUES = ("open", "closed")
# What editors type in French for `Comments:` (accents and case folded before the lookup).
FRENCH_VALUES = {
    "ouvert": "open", "ouverts": "open", "oui": "open",
    "ferme": "closed", "fermes": "closed", "non": "closed",
}


def comments_open(metadata):
    """Return (open, findings): `Comments: open` (default) or `closed`; anything else closes them."""
    value = metadata.get("comments", "open")
    text = str(value).strip().lower()
    if text in ("open", ""):
        return True, []
    if text == "closed":
        return False, []
    fix = closest_value(str(value), COMMENTS_VALUES, FRENCH_VALUES)
    return False, [Finding(COMMENTS_VALUE, {"value": value, "fix": fix}, keys=("comments",))]


# Why a file cannot be read, in French, for the reasons an editor meets (else the system's words).
_REASONS = {errno.EISDIR: "c’est un dossier", errno.EACCES: "accès refusé", errno.ENOENT: "fichier introuvable"}


def format_finding(error):
    """The Finding for a file the model refuses (CommentFormatError), at the line the model names."""
    values = {"detail": str(error), **error.values}
    if "length" in values:
        values["characters"] = f"{values['length']} caractère{'s' if values['length'] > 1 else ''}"
    if "errno" in values:
        values["reason"] = _REASONS.get(values["errno"], values["reason"])
    return Finding(_FORMAT[error.code], values, line=error.line)


class CommentThread(NamedTuple):
    comment: object
    replies: list


def resolve_threads(comments, skipped_ids=()):
    """Keep the comments whose parent chain reaches a top-level comment.

    Returns (kept in date order, threads, [(comment, Finding)]). A reply to a reply joins
    the thread of its top-level ancestor: the page shows one level of replies, each saying
    whom it answers. `skipped_ids` are the ids of this report's files the model refused, so
    that a reply to one of them is told its parent is skipped, not unknown.
    """
    by_id = {comment.id: comment for comment in comments}
    findings = []
    roots = {}

    def root_of(comment):
        chain = [comment.id]
        current = comment
        while current.parent_id is not None:
            parent_id = current.parent_id
            line = comment.parent_line
            if parent_id in chain:
                if parent_id == comment.id:  # the comment is on the loop itself
                    return None, Finding(PARENT_LOOP, {"chain": " → ".join([*chain, parent_id])}, line=line)
                return None, Finding(PARENT_SKIPPED, {"parent": comment.parent_id}, line=line)
            parent = by_id.get(parent_id)
            if parent is None:
                if current is comment and parent_id not in skipped_ids:
                    return None, Finding(UNKNOWN_PARENT, {"parent": parent_id}, line=line)
                return None, Finding(PARENT_SKIPPED, {"parent": comment.parent_id}, line=line)
            chain.append(parent_id)
            current = parent
        return current.id, None

    for comment in comments:
        root, finding = root_of(comment)
        if finding:
            findings.append((comment, finding))
        else:
            roots[comment.id] = root

    kept = sorted(
        (
            replace(c, in_reply_to=by_id[c.parent_id].author) if c.parent_id else c
            for c in comments
            if c.id in roots
        ),
        key=lambda c: (c.date, c.id),
    )
    threads = []
    position = {}
    for comment in kept:
        if comment.parent_id is None:
            position[comment.id] = len(threads)
            threads.append(CommentThread(comment, []))
    for comment in kept:
        if comment.parent_id is not None:
            threads[position[roots[comment.id]]].replies.append(comment)
    return kept, threads, findings


@dataclass
class CommentReview:
    """What `review_comment_files` found: the comments kept per report slug, and the findings."""

    comments: dict = field(default_factory=dict)  # slug -> [Comment] in date order
    threads: dict = field(default_factory=dict)  # slug -> [CommentThread]
    findings: list = field(default_factory=list)  # [(path, Finding)], one per skipped file
    files: int = 0  # comment files read


def review_comment_files(root, report_slugs):
    """Read every `<root>/<slug>/<id>.md` through the comment model and apply the rules.

    `report_slugs` are the slugs of the reports the build describes (published, hidden and
    draft): a folder named after no report is refused. A file the model refuses, a file
    outside a report's folder, a comment whose parent chain does not reach a top-level
    comment are each a Finding naming the file (`path`) and its line; that comment is left
    out of `comments` and `threads`, the others are kept.
    """
    review = CommentReview()
    root = Path(root)
    if not root.is_dir():
        return review
    for stray in sorted(root.glob("*.md")):
        if stray.name != "README.md":
            review.files += 1
            review.findings.append((stray, Finding(STRAY, {"folder": root.name}, line=1)))
    found, refused = {}, {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        for path in sorted(folder.glob("*.md")):
            review.files += 1
            try:
                comment = read_comment_file(path, article_slug=folder.name)
            except CommentFormatError as error:
                review.findings.append((path, format_finding(error)))
                refused.setdefault(folder.name, set()).add(path.stem)
                continue
            found.setdefault(folder.name, []).append(comment)
    slugs = set(report_slugs)
    for slug, comments in sorted(found.items()):
        if slug not in slugs or not SLUG_RE.fullmatch(slug):
            for comment in comments:
                review.findings.append(
                    (Path(comment.source_path), Finding(UNKNOWN_REPORT, {"slug": slug, "folder": root.name}, line=1))
                )
            continue
        kept, threads, thread_findings = resolve_threads(comments, refused.get(slug, ()))
        review.findings.extend((Path(comment.source_path), finding) for comment, finding in thread_findings)
        review.comments[slug] = kept
        review.threads[slug] = threads
    return review
