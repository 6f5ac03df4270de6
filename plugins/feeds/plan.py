"""Which feeds the site has and what each entry says: plain data, cleaned once, no Pelican import.

`report_item(article, settings)` makes the Item of a Pelican article (duck-typed: the tests
pass plain objects) and `plan_feeds(articles, settings)` every Feed of the site, in a
stable order; render.py turns them into bytes.
"""

import html
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urljoin

import nh3

from pouls_common.dates import local_datetime
from pouls_common.reports import is_public
from pouls_common.rules import log_finding
from pouls_common.text import plain_text

from .rules import control_findings, image_type, modified_findings, strip_controls
from .settings import COMMENTS_FILE, SITE_ATOM, SITE_JSON, SITE_RSS

logger = logging.getLogger(__name__)

URL_ATTRIBUTES = {"href", "src", "cite"}

BLANK_LINES = re.compile(r"\n{3,}")



# ---------------------------------------------------------------------------
# Text and HTML clean-up


def absolute_html(markup, page_url):
    """Sanitise an HTML fragment for a feed and make every href/src/cite absolute.

    Feed readers show content outside the site: relative links would point at the
    reader's own domain, and scripts, frames, forms, styles and `on*` handlers are
    dropped by every careful reader anyway, so they are removed here once.
    """

    def absolutise(tag, attribute, value):
        if attribute in URL_ATTRIBUTES:
            return urljoin(page_url, value.strip())
        return value

    cleaned = nh3.clean(
        markup or "",
        attribute_filter=absolutise,
        link_rel=None,
        clean_content_tags={"script", "style"},
    )
    # html5ever writes U+00A0 as `&nbsp;`; French typography stays a character (a literal
    # "&nbsp;" typed by an author comes out as "&amp;nbsp;", so this replaces nothing else).
    cleaned = cleaned.replace("&nbsp;", "\u00a0")
    return BLANK_LINES.sub("\n\n", cleaned).strip()



# ---------------------------------------------------------------------------
# The data every feed is made of


@dataclass(frozen=True)
class Image:
    url: str
    mime: str
    length: int
    alt: str



@dataclass(frozen=True)
class Item:
    """One feed entry (a report or a comment), already cleaned and absolute."""

    id: str
    url: str
    title: str
    published: datetime
    updated: datetime
    content_html: str
    summary_html: str = ""
    authors: tuple = ()  # (name, url or None)
    categories: tuple = ()  # (term, scheme)
    image: Image | None = None
    source: str = ""  # content file, for log messages
    in_reply_to: tuple = ()  # (entry id, URL) of the comment a reply answers: RFC 4685 in Atom



@dataclass(frozen=True)
class Feed:
    kind: str  # site, rubrique, tag, hospital, comments
    slug: str
    name: str  # what the feed follows: the rubrique, tag or hospital name, the report title
    title: str
    description: str
    alternate_url: str
    atom_id: str
    items: tuple
    # Comment feeds have no entries until someone comments; they still need an `updated`.
    empty_updated: datetime | None = None
    paths: dict = field(default_factory=dict)  # format -> site-relative path
    listing_url: str = ""  # the listing page the feed follows (rubrique, tag, hospital)



def tag_uri(settings, *parts):
    """Frozen id of a feed or an entry: `tag:<authority>:<part>/<part>`."""
    return f"tag:{settings.id_authority}:{'/'.join(parts)}"



def source_name(obj):
    return getattr(obj, "relative_source_path", None) or getattr(obj, "source_path", None) or "?"



def _clean_field(value, field_name, source, warn):
    """A report field without control characters; the editor hears about them once (`warn`)."""
    cleaned, changed = strip_controls(value)
    if changed and warn:
        for finding in control_findings(value, field_name):
            log_finding(logger, finding, source)
    return cleaned


def _clean_comment_field(value, field_name, source):
    cleaned, changed = strip_controls(value)
    if changed:
        logger.warning(
            "feeds: %s: control character removed from %s in the feeds; delete it from the file",
            source,
            field_name,
        )
    return cleaned


def report_dates(article, settings, now=None):
    """(published, updated) of a report; updated follows Modified but never precedes Date."""
    published = local_datetime(article.date, settings.timezone)
    updated = published
    modified = getattr(article, "modified", None)
    if isinstance(modified, datetime):
        modified = local_datetime(modified, settings.timezone)
        findings = modified_findings(modified, now)
        for finding in findings:
            log_finding(logger, finding, source_name(article))
        if not findings and modified > published:
            updated = modified
    return published, updated



def report_image(article, settings):
    """The report's image as an enclosure (absolute URL, real size, MIME type), or None.

    `article.image` is article_meta's (a declared dependency): None when the report has
    no image or article_meta refused it, and said why, naming the file.
    """
    described = article.image
    if not described:
        return None
    value = unquote(described["src"])
    mime, findings = image_type(value)
    for finding in findings:
        log_finding(logger, finding, source_name(article))
    if mime is None:
        return None
    path = Path(settings.content_path) / value
    return Image(
        url=settings.absolute(value),
        mime=mime,
        length=path.stat().st_size,
        alt=plain_text(strip_controls(described["alt"])[0]),
    )



@dataclass(frozen=True)
class ReportRef:
    """What every feed needs of a report, cheap enough to compute for all of them."""

    slug: str
    path: str  # site-relative URL, `<rubrique>/<slug>/`
    url: str
    title: str
    published: datetime
    updated: datetime
    source: str



def report_ref(article, settings, now=None, warn=True):
    source = source_name(article)
    # Pelican recomputes article.url on every access: read it once here.
    path = article.url
    published, updated = report_dates(article, settings, now)
    title = plain_text(_clean_field(article.title, "Title", source, warn))
    return ReportRef(article.slug, path, settings.absolute(path), title or article.slug, published, updated, source)



def report_item(article, settings, now=None, warn=True, ref=None):
    """Everything the feeds say about one report, cleaned once and reused by every feed."""
    ref = ref or report_ref(article, settings, now, warn)
    summary = absolute_html(_clean_field(article.summary, "Summary", ref.source, warn), ref.url)
    content = absolute_html(_clean_field(article.get_content(settings.base_url), "the text", ref.source, warn), ref.url)
    image = report_image(article, settings)
    if image is not None:
        figure = f'<figure><img src="{html.escape(image.url)}" alt="{html.escape(image.alt)}"></figure>'
        content = figure + content
    authors = tuple(
        (plain_text(strip_controls(author.name)[0]), settings.absolute(author.url))
        for author in getattr(article, "authors", None) or ()
    )
    categories = []
    category = getattr(article, "category", None)
    if category is not None:
        categories.append((plain_text(category.name), settings.absolute(settings.rubrique_scheme)))
    for tag in getattr(article, "tags", None) or ():
        categories.append((plain_text(tag.name), settings.absolute(settings.tag_scheme)))
    return Item(
        id=tag_uri(settings, "reportage", article.slug),
        url=ref.url,
        title=ref.title,
        published=ref.published,
        updated=ref.updated,
        content_html=content,
        summary_html=summary,
        authors=authors,
        categories=tuple(categories),
        image=image,
        source=ref.source,
    )



def has_comment_feed(article):
    """A published report has a comment feed once it has an approved comment.

    An empty feed per report would double the files a build writes (the largest cost of
    this plugin on a big site) and feed readers report empty feeds as broken; the page
    announces the feed as soon as the first comment is published. `article.comments` is
    the comments plugin's (a declared dependency).
    """
    return article.status == "published" and bool(article.comments)



def comment_item(comment, article, report, settings, now=None):
    """One approved comment as an entry: display name only, sanitised body, frozen id."""
    source = f"{source_name(article)} (comment {comment.id})"
    author = plain_text(_clean_comment_field(str(comment.author or ""), "the comment's author", source)) or "Anonyme"
    body = absolute_html(_clean_comment_field(comment.body_html, "the comment's text", source), report.url)
    date = local_datetime(comment.date, settings.timezone)
    if now is not None and date > now:
        logger.warning("feeds: %s: comment dated %s, later than this build; left out of the feed", source, date.isoformat())
        return None
    title = f"Réponse de {author}" if getattr(comment, "parent_id", None) else f"Commentaire de {author}"
    return Item(
        id=tag_uri(settings, "commentaire", article.slug, str(comment.id)),
        url=f"{report.url}#comment-{comment.id}",
        title=title,
        published=date,
        updated=date,
        content_html=body,
        authors=((author, None),),
        source=source,
        in_reply_to=(
            (tag_uri(settings, "commentaire", article.slug, str(comment.parent_id)), f"{report.url}#comment-{comment.parent_id}")
            if getattr(comment, "parent_id", None) else ()
        ),
    )



def newest_first(items):
    # Ties on the date are broken by id so two builds always list the same order.
    return tuple(sorted(items, key=lambda item: (item.published, item.id), reverse=True))



# ---------------------------------------------------------------------------
# Which feeds a site has


def quoted(text):
    return f"«\u00a0{text}\u00a0»"



def feed_texts(kind, name, settings):
    """(title, description) of a listing feed, in French."""
    site = settings.site_name
    if kind == "site":
        return site, settings.site_description
    if kind == "rubrique":
        return f"{site} — rubrique {name}", f"Les derniers reportages de la rubrique {quoted(name)} sur {site}."
    if kind == "tag":
        return (
            f"{site} — étiquette {quoted(name)}",
            f"Les derniers reportages classés sous l’étiquette {quoted(name)} sur {site}.",
        )
    return f"{site} — {name}", f"Les derniers reportages qui concernent l’établissement {quoted(name)} sur {site}."



def listing_feed(kind, slug, name, settings, items, listing=""):
    """The feed of the site (kind "site") or of one listing page, whose URL is `listing`.

    `listing` is the page's own `.url` (a Category's, a Tag's, a Hospital's): the feeds
    sit in its folder, so it ends with a slash (FeedsSettings checks the URL settings).
    """
    title, description = feed_texts(kind, name, settings)
    if kind == "site":
        alternate = settings.absolute("")
        atom_id = tag_uri(settings, "flux")
        paths = {"atom": SITE_ATOM, "rss": SITE_RSS, "json": SITE_JSON}
    else:
        alternate = settings.absolute(listing)
        atom_id = tag_uri(settings, listing.rstrip("/"))
        paths = {"atom": f"{listing}atom.xml", "rss": f"{listing}rss.xml"}
    return Feed(
        kind=kind,
        slug=slug,
        name=name,
        title=title,
        description=description,
        alternate_url=alternate,
        atom_id=atom_id,
        items=newest_first(items)[: settings.max_items],
        paths=paths,
        listing_url=listing,
    )



def comments_feed(article, report, settings, items):
    return Feed(
        kind="comments",
        slug=article.slug,
        name=report.title,
        title=f"{settings.site_name} — commentaires sur {quoted(report.title)}",
        description=f"Les commentaires approuvés du reportage {quoted(report.title)}.",
        alternate_url=f"{report.url}#commentaires",
        atom_id=tag_uri(settings, "commentaires", article.slug),
        items=newest_first(items),
        empty_updated=report.published,
        paths={"atom": f"{report.path}{COMMENTS_FILE}"},
    )



def _url_objects(article, attribute):
    """URLWrapper-like objects (name, slug, url) of a list attribute; raw strings are ignored."""
    values = getattr(article, attribute, None)
    if not isinstance(values, (list, tuple)):
        return ()
    return tuple(value for value in values if getattr(value, "slug", None) and getattr(value, "name", None))



def published_reports(articles, now):
    """Reports a feed may list: published, not future-dated, one per slug."""
    seen = {}
    kept = []
    for article in sorted(articles, key=source_name):
        if not is_public(article, now):
            continue
        if article.slug in seen:
            logger.error(
                "feeds: %s has the slug %r of %s; feed ids are made from the slug, so it is left out "
                "of the feeds. Rename one of the two files (the file name is the slug)",
                source_name(article),
                article.slug,
                source_name(seen[article.slug]),
            )
            continue
        seen[article.slug] = article
        kept.append(article)
    return kept



def plan_feeds(articles, settings, now=None):
    """Every feed of the site, in a stable order. `articles` are Pelican's published ones."""
    reports = published_reports(articles, now)
    refs = {article.slug: report_ref(article, settings, now) for article in reports}
    items = {}

    def newest(members):
        # Only the reports a listing feed shows get their text cleaned: on a large site most
        # reports are in no feed but their own comment feed.
        chosen = sorted(members, key=lambda a: (refs[a.slug].published, a.slug), reverse=True)
        for article in chosen[: settings.max_items]:
            if article.slug not in items:
                items[article.slug] = report_item(article, settings, now, ref=refs[article.slug])
            yield items[article.slug]

    groups = {"rubrique": {}, "tag": {}, "hospital": {}}
    names = {"rubrique": {}, "tag": {}, "hospital": {}}
    for article in reports:
        category = getattr(article, "category", None)
        members = [("rubrique", category)] if category is not None else []
        members += [("tag", tag) for tag in _url_objects(article, "tags")]
        members += [("hospital", hospital) for hospital in _url_objects(article, "hospitals")]
        for kind, obj in members:
            groups[kind].setdefault(obj.slug, []).append(article)
            # Tested first: setdefault would clean the name again for every member.
            if obj.slug not in names[kind]:
                names[kind][obj.slug] = (plain_text(obj.name), obj.url)
    feeds = [listing_feed("site", "", settings.site_name, settings, newest(reports))]
    for kind in ("rubrique", "tag", "hospital"):
        for slug in sorted(groups[kind]):
            name, url = names[kind][slug]
            feeds.append(listing_feed(kind, slug, name, settings, newest(groups[kind][slug]), url))
    for article in reports:
        if has_comment_feed(article):
            report = refs[article.slug]
            entries = [comment_item(comment, article, report, settings, now) for comment in article.comments]
            feeds.append(comments_feed(article, report, settings, [entry for entry in entries if entry]))
    return feeds

