"""Plugin comments: approved comments rendered into the static report pages.

Approved comments are files under `content/<COMMENTS_PATH>/<article-slug>/<id>.md`
(see `model.py` for the format). After every report is read, this plugin attaches
to each report:

    article.comments          [Comment, …] in date order (all of them, replies included)
    article.comment_threads   [CommentThread(comment, replies), …]: one level of replies
    article.comments_open     bool: front matter `Comments: open` (default) or `closed`
    article.comments_endpoint the URL the form posts to (validated COMMENTS_ENDPOINT)

and writes `COMMENTS_INDEX_SAVE_AS` (JSON), the list of reports that accept comments,
which the intake service reads so it never trusts a slug a reader sent.

A comment file for an unknown report, with an unknown or cyclic parent, or with a bad
header is a build warning naming the file; that comment is skipped, the build goes on.

Settings (pelicanconf.py):
    COMMENTS_PATH            folder under PATH holding the comments (default "comments")
    COMMENTS_ENDPOINT        URL the comment form posts to (the intake service)
    COMMENTS_INDEX_SAVE_AS   where the JSON index of reports is written in the output
"""

import json
import logging
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

from markupsafe import Markup
from pelican import signals

from pouls_common.output import write_if_changed
from pouls_common.reports import every_report

from .model import SLUG_RE, CommentFormatError, parse_comment

logger = logging.getLogger(__name__)

INDEX_VERSION = 1


@dataclass(frozen=True)
class CommentsSettings:
    path: str = "comments"
    endpoint: str = "http://127.0.0.1:8001/commentaires"
    index_save_as: str = "donnees/commentaires.json"


class CommentThread(NamedTuple):
    comment: object
    replies: list


def read_comments_settings(settings):
    """Return (CommentsSettings, [problem, …]); a bad value falls back to its default."""
    defaults = CommentsSettings()
    values = {}
    problems = []

    path = settings.get("COMMENTS_PATH", defaults.path)
    if not isinstance(path, str) or not path or os.path.isabs(path) or ".." in Path(path).parts:
        problems.append(
            f"COMMENTS_PATH = {path!r} must be a folder name relative to PATH, like {defaults.path!r}"
        )
    else:
        values["path"] = path

    endpoint = settings.get("COMMENTS_ENDPOINT", defaults.endpoint)
    parts = urlsplit(endpoint) if isinstance(endpoint, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        problems.append(
            f"COMMENTS_ENDPOINT = {endpoint!r} must be the http(s) URL of the comment service, "
            f"like {defaults.endpoint!r}"
        )
    else:
        values["endpoint"] = endpoint

    save_as = settings.get("COMMENTS_INDEX_SAVE_AS", defaults.index_save_as)
    if not isinstance(save_as, str) or not save_as.endswith(".json") or os.path.isabs(save_as) or ".." in Path(save_as).parts:
        problems.append(
            f"COMMENTS_INDEX_SAVE_AS = {save_as!r} must be a relative .json path inside the output, "
            f"like {defaults.index_save_as!r}"
        )
    else:
        values["index_save_as"] = save_as
    return CommentsSettings(**values), problems


def comments_open(metadata):
    """Return (open, problem): `Comments: open` (default) or `closed`; anything else closes them."""
    value = metadata.get("comments", "open")
    text = str(value).strip().lower()
    if text in ("open", ""):
        return True, None
    if text == "closed":
        return False, None
    return False, f"Comments: {value!r} is neither 'open' nor 'closed'; comments stay closed until it is fixed"


def load_comment_files(root):
    """Read every `<root>/<slug>/<id>.md`. Returns ({slug: [Comment]}, [(path, problem)])."""
    found = {}
    problems = []
    root = Path(root)
    if not root.is_dir():
        return found, problems
    for stray in sorted(root.glob("*.md")):
        if stray.name != "README.md":
            problems.append((stray, f"not in a report folder; move it to {root.name}/<article-slug>/"))
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        for path in sorted(folder.glob("*.md")):
            try:
                text = path.read_text(encoding="utf-8")
                comment = parse_comment(text, path.stem, article_slug=folder.name, source_path=str(path))
            except UnicodeDecodeError:
                problems.append((path, "is not UTF-8 text; save it as UTF-8"))
                continue
            except CommentFormatError as error:
                problems.append((path, str(error)))
                continue
            found.setdefault(folder.name, []).append(comment)
    return found, problems


def resolve_threads(comments):
    """Keep the comments whose parent chain reaches a top-level comment.

    Returns (kept in date order, threads, [(comment, problem)]). A reply to a reply
    joins the thread of its top-level ancestor: the page shows one level of replies,
    each saying whom it answers.
    """
    by_id = {comment.id: comment for comment in comments}
    problems = []
    roots = {}

    def root_of(comment):
        seen = []
        current = comment
        while current.parent_id is not None:
            if current.id in seen:
                return None, "its Parent chain loops back on itself; remove one of the Parent headers"
            seen.append(current.id)
            parent = by_id.get(current.parent_id)
            if parent is None:
                return None, f"Parent {current.parent_id!r} is not a comment of this report; fix or remove the Parent header"
            current = parent
        return current.id, None

    for comment in comments:
        root, problem = root_of(comment)
        if problem:
            problems.append((comment, problem))
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
    return kept, threads, problems


def site_index(articles, siteurl):
    """The JSON-ready list of reports a reader may comment on, with their approved comment ids."""
    entries = {}
    for article in articles:
        entries[article.slug] = {
            "url": article.url,
            "title": Markup(article.title).striptags(),
            "comments_open": bool(getattr(article, "comments_open", False)),
            "comments": [comment.id for comment in getattr(article, "comments", [])],
        }
    return {"version": INDEX_VERSION, "siteurl": siteurl, "articles": dict(sorted(entries.items()))}


# --- receivers ----------------------------------------------------------------


def check_comments_settings(pelican):
    """Report bad comments settings once, at start-up, quoting the value."""
    _, problems = read_comments_settings(pelican.settings)
    for problem in problems:
        logger.error("comments: pelicanconf setting %s; using the default", problem)


def _relative(path, base):
    try:
        return os.path.relpath(path, base)
    except ValueError:
        return str(path)


def attach_comments(generator):
    """Give every report its approved comments and whether it accepts new ones."""
    config, _ = read_comments_settings(generator.settings)
    content_root = generator.path
    found, problems = load_comment_files(os.path.join(content_root, config.path))
    for path, problem in problems:
        logger.warning("comments: %s: %s; this comment is skipped", _relative(path, content_root), problem)

    reports = {}
    for article in every_report(generator, translations=False):
        is_open, problem = comments_open(article.metadata)
        if problem:
            logger.warning("comments: %s: %s", article.relative_source_path, problem)
        article.comments_open = is_open and article.status != "draft"
        article.comments = []
        article.comment_threads = []
        # The validated endpoint, not the raw setting: a bad value must not reach the form.
        article.comments_endpoint = config.endpoint
        if article.slug in reports:
            logger.warning(
                "comments: %s has the same slug %r as %s; their comments go to the first one only",
                article.relative_source_path,
                article.slug,
                reports[article.slug].relative_source_path,
            )
            continue
        reports[article.slug] = article

    for slug, comments in sorted(found.items()):
        article = reports.get(slug)
        if article is None or not SLUG_RE.fullmatch(slug):
            for comment in comments:
                logger.warning(
                    "comments: %s is for report %r, which does not exist; move it to the folder of an "
                    "existing report's slug or delete it; this comment is skipped",
                    _relative(comment.source_path, content_root),
                    slug,
                )
            continue
        kept, threads, thread_problems = resolve_threads(comments)
        for comment, problem in thread_problems:
            logger.warning(
                "comments: %s: %s; this comment is skipped", _relative(comment.source_path, content_root), problem
            )
        article.comments = kept
        article.comment_threads = threads


def write_comments_index(generator, writer):
    """Write the list of published reports for the intake service (sorted: same input, same bytes)."""
    config, _ = read_comments_settings(generator.settings)
    published = list(generator.articles) + list(generator.hidden_articles)
    index = site_index(published, generator.settings.get("SITEURL", ""))
    target = Path(generator.output_path) / config.index_save_as
    text = json.dumps(index, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    write_if_changed(str(target), text.encode("utf-8"))


def fallback_page_path(endpoint, siteurl):
    """Where the service's stand-in page goes in the output, or None.

    Only when the service is served under the site's own address (publishing: SITEURL +
    "/commentaires", proxied by nginx): the reply links then point inside the site, and a
    static host without the service answers them with this page instead of a 404.
    """
    if not siteurl or not endpoint.startswith(siteurl.rstrip("/") + "/"):
        return None
    path = urlsplit(endpoint).path.strip("/")
    if not path or ".." in path.split("/"):
        return None
    return f"{path}/index.html"


def write_service_fallback_page(generator, writer):
    """Write the French « comments unavailable » page at the service's address."""
    config, _ = read_comments_settings(generator.settings)
    save_as = fallback_page_path(config.endpoint, generator.settings.get("SITEURL", ""))
    if save_as is None:
        return
    writer.write_file(
        save_as, generator.get_template("comments_unavailable"), generator.context,
        relative_urls=generator.settings["RELATIVE_URLS"], url=save_as[: -len("index.html")],
    )


def register():
    # initialized: settings are final and an error logged here reaches the build report
    # (an exception raised in register() would be swallowed by Pelican).
    signals.initialized.connect(check_comments_settings)
    # article_generator_finalized: every report is read and has its rubrique, and nothing
    # is rendered yet, so templates and the feeds plugin see the comments.
    signals.article_generator_finalized.connect(attach_comments)
    # article_writer_finalized: the output folder exists and the reports are final.
    signals.article_writer_finalized.connect(write_comments_index)
    # Same moment: the writer and the theme's templates are at hand.
    signals.article_writer_finalized.connect(write_service_fallback_page)
