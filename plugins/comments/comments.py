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
Those rules, and the one on `Comments:`, are plain functions in `rules.py`, which
`make check` calls too (desk/checks.py).

Settings (pelicanconf.py):
    COMMENTS_PATH            folder under PATH holding the comments (default "comments")
    COMMENTS_ENDPOINT        URL the comment form posts to (the intake service)
    COMMENTS_INDEX_SAVE_AS   where the JSON index of reports is written in the output
"""

import json
import logging
import os
from pathlib import Path
from urllib.parse import urlsplit

from markupsafe import Markup
from pelican import signals

from pouls_common.output import write_if_changed
from pouls_common.reports import every_report
from pouls_common.rules import log_finding

from .rules import comments_open, review_comment_files
from .settings import read_comments_settings

logger = logging.getLogger(__name__)

INDEX_VERSION = 1


def site_index(articles, siteurl, reserved_names=()):
    """The JSON-ready list of reports a reader may comment on, with their approved comment ids,
    and the names readers may not sign with (the newsroom's, the site's authors)."""
    entries = {}
    for article in articles:
        entries[article.slug] = {
            "url": article.url,
            "title": Markup(article.title).striptags(),
            "comments_open": bool(getattr(article, "comments_open", False)),
            "comments": [comment.id for comment in getattr(article, "comments", [])],
        }
    authors = {str(author) for article in articles for author in getattr(article, "authors", ())}
    names = sorted(set(reserved_names) | authors)
    return {"version": INDEX_VERSION, "siteurl": siteurl, "articles": dict(sorted(entries.items())),
            "reserved_names": names}


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

    reports = {}
    for article in every_report(generator, translations=False):
        is_open, findings = comments_open(article.metadata)
        for finding in findings:
            log_finding(logger, finding, article.relative_source_path)
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

    review = review_comment_files(os.path.join(content_root, config.path), reports)
    for path, finding in review.findings:
        log_finding(logger, finding, _relative(path, content_root))
    for slug, comments in review.comments.items():
        reports[slug].comments = comments
        reports[slug].comment_threads = review.threads[slug]


def write_comments_index(generator, writer):
    """Write the list of published reports for the intake service (sorted: same input, same bytes)."""
    config, _ = read_comments_settings(generator.settings)
    published = list(generator.articles) + list(generator.hidden_articles)
    reserved = (*config.reserved_names, config.newsroom_name, generator.settings.get("AUTHOR") or "")
    index = site_index(published, generator.settings.get("SITEURL", ""), [name for name in reserved if name])
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
