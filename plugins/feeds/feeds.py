"""Feeds: RSS 2.0, Atom and JSON Feed 1.1 that subscribers can trust.

What the plugin writes (paths are a cross-team contract, under the output folder):

    flux/atom.xml, flux/rss.xml, flux/feed.json     every published report
    rubrique/<slug>/atom.xml + rss.xml              one rubrique
    etiquette/<slug>/atom.xml + rss.xml             one tag
    etablissement/<slug>/atom.xml + rss.xml         one hospital (plugin hospitals)
    <rubrique>/<slug>/commentaires.atom.xml         the approved comments of one report
    sabonner/index.html                             the « S’abonner » page

How an item is identified: by a `tag:` URI made of FEEDS_ID_AUTHORITY and the report's
slug (`tag:pouls.example.fr,2026:reportage/<slug>`). The slug is the file name and is
frozen once published, so editing the body, the title, `Date:` or `Modified:` never makes
a report look new to a feed reader; the authority is frozen in the settings, so even a
move to another domain keeps every id. RSS carries the same value as a
`guid isPermaLink="false"`.

Where URLs come from: feeds are read outside the site, so every URL in them is absolute.
A publishing build has an absolute SITEURL; a development build (SITEURL = "") uses
FEEDS_SITEURL, the address `make serve` listens on.

Using it from Python, without Pelican (the tests do)::

    settings = FeedsSettings.from_settings({"SITENAME": "Pouls", "SITEURL": "https://x.fr"})
    when = datetime(2026, 1, 15, 8, 5, tzinfo=settings.timezone)
    item = Item(id=tag_uri(settings, "reportage", "samu"), url=settings.absolute("urgences/samu/"),
                title="Au SAMU", published=when, updated=when,
                summary_html="<p>Le chapô.</p>", content_html=absolute_html('<a href="/">…</a>', "https://x.fr/"))
    feed = listing_feed("site", "", "Pouls", settings, [item])
    render_atom(feed, settings, settings.absolute(SITE_ATOM))   # -> bytes, like render_rss and render_json

In a build, `report_item(article, settings)` makes the Item of a Pelican article and
`plan_feeds(articles, settings)` every Feed of the site.

feedgen 1.0.0 has traps this module steps around, each at the line that does it: the RSS
channel link is whichever link was added last, Atom entry links lose `rel`/`type`/`length`,
`updated` defaults to now, entries are prepended, RSS `author` needs an e-mail address.
Pelican's own feeds have others (a `tag:` guid without `isPermaLink="false"`, root-relative
links, no language, no image, an id that moves with `Date:`); they stay off, and
`refuse_pelican_feeds` stops the build if one of their settings is switched back on.
"""

import functools
import html
import json
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import nh3
from feedgen.entry import FeedEntry
from feedgen.ext.base import BaseEntryExtension
from feedgen.ext.dc import DcEntryExtension, DcExtension
from feedgen.feed import FeedGenerator
from pelican import signals

logger = logging.getLogger(__name__)

SITE_ATOM = "flux/atom.xml"
SITE_RSS = "flux/rss.xml"
SITE_JSON = "flux/feed.json"
LISTING_PATHS = {"rubrique": "rubrique/{slug}/", "tag": "etiquette/{slug}/", "hospital": "etablissement/{slug}/"}
COMMENTS_FILE = "commentaires.atom.xml"
SUBSCRIBE_URL = "sabonner/"
SUBSCRIBE_SAVE_AS = "sabonner/index.html"
SUBSCRIBE_TEMPLATE = "sabonner"

ATOM_TYPE = "application/atom+xml"
RSS_TYPE = "application/rss+xml"
JSON_TYPE = "application/feed+json"

# Pelican writes a feed whenever one of these is set; they must all stay None.
PELICAN_FEED_SETTINGS = (
    "FEED_ATOM",
    "FEED_RSS",
    "FEED_ALL_ATOM",
    "FEED_ALL_RSS",
    "CATEGORY_FEED_ATOM",
    "CATEGORY_FEED_RSS",
    "AUTHOR_FEED_ATOM",
    "AUTHOR_FEED_RSS",
    "TAG_FEED_ATOM",
    "TAG_FEED_RSS",
    "TRANSLATION_FEED_ATOM",
    "TRANSLATION_FEED_RSS",
)

DEFAULTS = {
    "FEEDS_SITEURL": "http://127.0.0.1:8000",
    "FEEDS_ID_AUTHORITY": "pouls.example.fr,2026",
    "FEEDS_MAX_ITEMS": 20,
}

# Deterministic on every machine, unlike mimetypes, which reads /etc/mime.types.
IMAGE_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".svg": "image/svg+xml",
}

# Characters XML 1.0 forbids (lxml refuses them) plus C1 controls and DEL, which never
# belong in French prose and make some readers choke. Tab, LF and CR stay.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
TAG = re.compile(r"<[^>]*>")
# Only ASCII whitespace: U+00A0 and U+202F are French typography, not spacing to collapse
# (markupsafe's striptags() collapses them and would undo the typography).
ASCII_SPACES = re.compile(r"[ \t\r\n]+")
ID_AUTHORITY = re.compile(r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(@[a-z0-9.-]+)?,\d{4}(-\d{2}(-\d{2})?)?$")
URL_ATTRIBUTES = {"href", "src", "cite"}
BLANK_LINES = re.compile(r"\n{3,}")
CATEGORY_SCHEMES = {"rubrique": "rubrique/", "tag": "etiquette/"}


class FeedsSettingsError(ValueError):
    """A setting the feeds cannot be built with; the message says which and how to fix it."""


class BuildRefused(SystemExit):
    """Stops a build over a FeedsSettingsError with its message and exit status 1.

    A SystemExit because Pelican's command line logs every Exception with its traceback;
    this one reaches the terminal as the message alone. In-process callers (desk, tests)
    can still catch it.
    """


@dataclass(frozen=True)
class FeedsSettings:
    base_url: str
    id_authority: str
    max_items: int
    site_name: str
    site_description: str
    default_author: str
    timezone: ZoneInfo
    content_path: str
    output_path: str

    @classmethod
    def from_settings(cls, settings):
        """Read and validate the FEEDS_* settings (and the Pelican ones the feeds need)."""
        merged = {key: settings.get(key, default) for key, default in DEFAULTS.items()}
        siteurl = (settings.get("SITEURL") or "").rstrip("/")
        fallback = merged["FEEDS_SITEURL"]
        if not isinstance(fallback, str) or not _is_absolute_http(fallback):
            raise FeedsSettingsError(
                f"feeds: FEEDS_SITEURL is {fallback!r}; it must be an absolute http(s) address "
                "such as 'http://127.0.0.1:8000' (the address `make serve` listens on)"
            )
        if siteurl and not _is_absolute_http(siteurl):
            raise FeedsSettingsError(
                f"feeds: SITEURL is {siteurl!r}; feeds need an absolute http(s) address such as "
                "'https://pouls.example.fr', or leave SITEURL empty to use FEEDS_SITEURL"
            )
        authority = merged["FEEDS_ID_AUTHORITY"]
        if not isinstance(authority, str) or not ID_AUTHORITY.match(authority):
            raise FeedsSettingsError(
                f"feeds: FEEDS_ID_AUTHORITY is {authority!r}; it must be '<domain>,<year>' such as "
                "'pouls.example.fr,2026' and must never change once feeds are published"
            )
        max_items = merged["FEEDS_MAX_ITEMS"]
        if isinstance(max_items, bool) or not isinstance(max_items, int) or max_items < 1:
            raise FeedsSettingsError(
                f"feeds: FEEDS_MAX_ITEMS is {max_items!r}; it must be a whole number of at least 1, such as 20"
            )
        zone_name = settings.get("TIMEZONE") or "Europe/Paris"
        try:
            zone = ZoneInfo(zone_name)
        except (ZoneInfoNotFoundError, ValueError):
            raise FeedsSettingsError(
                f"feeds: TIMEZONE is {zone_name!r}, which is not a known time zone; use 'Europe/Paris'"
            ) from None
        site_name = settings.get("SITENAME") or "Pouls"
        return cls(
            base_url=(siteurl or fallback).rstrip("/"),
            id_authority=authority,
            max_items=max_items,
            site_name=site_name,
            site_description=settings.get("SITESUBTITLE") or f"Les reportages de {site_name}",
            default_author=settings.get("AUTHOR") or site_name,
            timezone=zone,
            content_path=settings.get("PATH") or "content",
            output_path=settings.get("OUTPUT_PATH") or "output",
        )

    def absolute(self, path):
        """Absolute URL of a site-relative path (`rubrique/x/` -> `https://…/rubrique/x/`)."""
        return f"{self.base_url}/{path.lstrip('/')}"


def _is_absolute_http(url):
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def pelican_feeds_switched_on(settings):
    """Names and values of the Pelican feed settings that are not None."""
    return [(name, settings.get(name)) for name in PELICAN_FEED_SETTINGS if settings.get(name) is not None]


def check_settings(settings):
    """Raise FeedsSettingsError when the build would write wrong or duplicate feeds."""
    switched_on = pelican_feeds_switched_on(settings)
    if switched_on:
        listed = ", ".join(f"{name} = {value!r}" for name, value in switched_on)
        raise FeedsSettingsError(
            f"feeds: Pelican's own feeds are switched on ({listed}); they would be written beside "
            "the feeds plugin's with unstable ids and relative links. Set "
            + ", ".join(f"{name} = None" for name, _ in switched_on)
            + " in pelicanconf.py (publishconf.py imports it)"
        )
    return FeedsSettings.from_settings(settings)


# ---------------------------------------------------------------------------
# Text and HTML clean-up


def strip_controls(value):
    """Return (text without control characters, whether any was removed)."""
    if not value:
        return value or "", False
    cleaned = CONTROL_CHARACTERS.sub("", value)
    return cleaned, cleaned != value


def plain_text(markup):
    """Plain text of an HTML fragment: tags dropped, entities decoded, French spaces kept."""
    text = TAG.sub("", markup or "")
    return ASCII_SPACES.sub(" ", html.unescape(text)).strip()


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


@dataclass(frozen=True)
class FeedLink:
    """A feed as a page's `<link rel="alternate">` sees it."""

    title: str
    path: str
    mime: str


def tag_uri(settings, *parts):
    """Frozen id of a feed or an entry: `tag:<authority>:<part>/<part>`."""
    return f"tag:{settings.id_authority}:{'/'.join(parts)}"


def source_name(obj):
    return getattr(obj, "relative_source_path", None) or getattr(obj, "source_path", None) or "?"


def _clean_field(value, field_name, source, warn):
    cleaned, changed = strip_controls(value)
    if changed and warn:
        logger.warning(
            "feeds: %s: control character removed from %s in the feeds; delete it from the file",
            source,
            field_name,
        )
    return cleaned


def local_date(value, zone):
    return value.astimezone(zone) if value.tzinfo else value.replace(tzinfo=zone)


def report_dates(article, settings, now=None):
    """(published, updated) of a report; updated follows Modified but never precedes Date."""
    published = local_date(article.date, settings.timezone)
    updated = published
    modified = getattr(article, "modified", None)
    if isinstance(modified, datetime):
        modified = local_date(modified, settings.timezone)
        if now is not None and modified > now:
            logger.warning(
                "feeds: %s: Modified %s is later than this build; the feeds keep Date until then. "
                "Fix the Modified: line",
                source_name(article),
                modified.isoformat(),
            )
        elif modified > published:
            updated = modified
    return published, updated


_NOT_DESCRIBED = object()


def report_image(article, settings):
    """The report's `Image:` as an enclosure (absolute URL, real size, MIME type), or None."""
    metadata = getattr(article, "metadata", {}) or {}
    value = metadata.get("image")
    described = getattr(article, "image", _NOT_DESCRIBED)
    if described is None:
        # article_meta looked at the image and refused it (and said why, naming the file):
        # one warning per problem is enough, and the feeds carry no image either.
        return None
    if isinstance(described, dict):
        value = unquote(described.get("src") or "")
    if not value or not isinstance(value, str):
        return None
    relative = value.strip().lstrip("/")
    content_root = Path(settings.content_path).resolve()
    path = (content_root / relative).resolve()
    source = source_name(article)
    if content_root not in path.parents or not path.is_file():
        logger.warning(
            "feeds: %s: Image %r is not a file under content/; the feeds carry no image. "
            "Fix the Image: line (images/<file>) or add the file",
            source,
            value,
        )
        return None
    mime = IMAGE_TYPES.get(path.suffix.lower())
    if mime is None:
        logger.warning(
            "feeds: %s: Image %r has an unknown type; use one of %s",
            source,
            value,
            ", ".join(sorted(IMAGE_TYPES)),
        )
        return None
    alt = metadata.get("imagealt") or ""
    return Image(
        url=settings.absolute(path.relative_to(content_root).as_posix()),
        mime=mime,
        length=path.stat().st_size,
        alt=plain_text(strip_controls(alt)[0]),
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
        categories.append((plain_text(category.name), settings.absolute(CATEGORY_SCHEMES["rubrique"])))
    for tag in getattr(article, "tags", None) or ():
        categories.append((plain_text(tag.name), settings.absolute(CATEGORY_SCHEMES["tag"])))
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


def article_comments(article):
    """The comments plugin's `article.comments`, or () before it ran (the raw metadata string)."""
    comments = getattr(article, "comments", None)
    return tuple(comments) if isinstance(comments, (list, tuple)) else ()


def comments_open(article):
    value = getattr(article, "comments_open", None)
    if isinstance(value, bool):
        return value
    # Before the comments plugin runs, `Comments: closed` is a raw metadata string.
    return str((getattr(article, "metadata", {}) or {}).get("comments", "open")).strip().lower() != "closed"


def has_comment_feed(article):
    """A published report has a comment feed once it has an approved comment.

    An empty feed per report would double the files a build writes (the largest cost of
    this plugin on a big site) and feed readers report empty feeds as broken; the page
    announces the feed as soon as the first comment is published.
    """
    if getattr(article, "status", "published") != "published":
        return False
    return bool(article_comments(article))


def comment_item(comment, article, report, settings, now=None):
    """One approved comment as an entry: display name only, sanitised body, frozen id."""
    source = f"{source_name(article)} (comment {comment.id})"
    author = plain_text(_clean_field(str(comment.author or ""), "the comment's author", source, True)) or "Anonyme"
    body = absolute_html(_clean_field(comment.body_html, "the comment's text", source, True), report.url)
    date = local_date(comment.date, settings.timezone)
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


def listing_feed(kind, slug, name, settings, items):
    title, description = feed_texts(kind, name, settings)
    if kind == "site":
        alternate = settings.absolute("")
        atom_id = tag_uri(settings, "flux")
        paths = {"atom": SITE_ATOM, "rss": SITE_RSS, "json": SITE_JSON}
    else:
        listing = LISTING_PATHS[kind].format(slug=slug)
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
        if getattr(article, "status", "published") != "published":
            continue
        if now is not None and article.date > now:
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
                names[kind][obj.slug] = plain_text(obj.name)
    feeds = [listing_feed("site", "", settings.site_name, settings, newest(reports))]
    for kind in ("rubrique", "tag", "hospital"):
        for slug in sorted(groups[kind]):
            feeds.append(listing_feed(kind, slug, names[kind][slug], settings, newest(groups[kind][slug])))
    for article in reports:
        if has_comment_feed(article):
            report = refs[article.slug]
            entries = [comment_item(comment, article, report, settings, now) for comment in article_comments(article)]
            feeds.append(comments_feed(article, report, settings, [entry for entry in entries if entry]))
    return feeds


# ---------------------------------------------------------------------------
# Rendering


class AtomLinkAttributes(BaseEntryExtension):
    """Put back the `rel`, `type` and `length` feedgen 1.0.0 drops from Atom entry links.

    FeedEntry.atom_entry() reads them from the `<link>` element it has just created
    instead of from the link data, so every entry link came out as a bare `href`.
    """

    def __init__(self):
        self.links = ()

    def extend_atom(self, entry):
        for element, link in zip(entry.findall("link"), self.links):
            for key in ("rel", "type", "length"):
                if link.get(key):
                    element.set(key, str(link[key]))
        return entry


def _entry(item):
    entry = FeedEntry()
    entry.register_extension("dc", DcEntryExtension, atom=False, rss=True)
    entry.register_extension("pouls_links", AtomLinkAttributes, atom=True, rss=False)
    entry.id(item.id)  # also the RSS guid, with isPermaLink="false"
    entry.title(item.title)
    entry.link(href=item.url, rel="alternate", type="text/html")
    if item.image is not None:
        entry.link(href=item.image.url, rel="enclosure", type=item.image.mime, length=str(item.image.length))
    entry.pouls_links.links = tuple(entry.link())
    if item.summary_html:
        entry.summary(item.summary_html, type="html")  # also the RSS <description>
    entry.content(item.content_html, type="html")
    entry.published(item.published)
    # Always set: feedgen would otherwise stamp the entry with the current time.
    entry.updated(item.updated)
    for name, url in item.authors:
        entry.author({"name": name, "uri": url} if url else {"name": name})
        # RSS <author> must be an e-mail address; Dublin Core carries a plain name.
        entry.dc.dc_creator(name)
    for term, scheme in item.categories:
        entry.category(term=term, scheme=scheme)
    return entry


def _generator(feed, settings, entries):
    generator = FeedGenerator()
    # register_extension, not load_extension: the same classes without an import per feed.
    generator.register_extension("dc", DcExtension, DcEntryExtension, atom=False, rss=True)
    generator.id(feed.atom_id)
    generator.title(feed.title)
    generator.subtitle(feed.description)  # also the RSS <description>
    generator.language("fr")
    generator.author(name=settings.default_author)
    updated = max((item.updated for item in feed.items), default=feed.empty_updated)
    # Never left unset: feedgen defaults `updated`/`lastBuildDate` to now, which churns.
    generator.updated(updated or datetime(1970, 1, 1, tzinfo=timezone.utc))
    for entry in entries:
        # feedgen prepends by default, which would reverse our newest-first order.
        generator.add_entry(entry, order="append")
    return generator


def render_atom(feed, settings, self_url, entries=None):
    generator = _generator(feed, settings, entries if entries is not None else [_entry(i) for i in feed.items])
    generator.link(href=self_url, rel="self", type=ATOM_TYPE)
    generator.link(href=feed.alternate_url, rel="alternate", type="text/html")
    return generator.atom_str(pretty=True)


def render_rss(feed, settings, self_url, entries=None):
    generator = _generator(feed, settings, entries if entries is not None else [_entry(i) for i in feed.items])
    generator.link(href=self_url, rel="self", type=RSS_TYPE)
    # feedgen makes the last link added the RSS <channel><link>: the home page goes last.
    generator.link(href=settings.absolute(""), rel="alternate", type="text/html")
    return generator.rss_str(pretty=True)


def json_item(item):
    data = {
        "id": item.id,
        "url": item.url,
        "title": item.title,
        "summary": plain_text(item.summary_html),
        "content_html": item.content_html,
    }
    if item.image is not None:
        data["image"] = item.image.url
    data["date_published"] = item.published.isoformat()
    data["date_modified"] = item.updated.isoformat()
    data["authors"] = [{"name": name, "url": url} if url else {"name": name} for name, url in item.authors]
    data["tags"] = [term for term, _ in item.categories]
    data["language"] = "fr"
    return data


def render_json(feed, settings, self_url):
    """JSON Feed 1.1 (https://jsonfeed.org/version/1.1) with the standard library."""
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": feed.title,
        "home_page_url": feed.alternate_url,
        "feed_url": self_url,
        "description": feed.description,
        "language": "fr",
        "authors": [{"name": settings.default_author}],
        "items": [json_item(item) for item in feed.items],
    }
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def render_feed_files(feeds, settings):
    """{site-relative path: bytes} for every feed; entries are built once per item."""
    entries = {}
    files = {}
    for feed in feeds:
        for fmt, path in feed.paths.items():
            self_url = settings.absolute(path)
            if fmt == "json":
                files[path] = render_json(feed, settings, self_url)
                continue
            feed_entries = []
            for item in feed.items:
                if item.id not in entries:
                    entries[item.id] = _entry(item)
                feed_entries.append(entries[item.id])
            render = render_atom if fmt == "atom" else render_rss
            files[path] = render(feed, settings, self_url, feed_entries)
    return files


def write_files(files, output_path):
    root = Path(output_path)
    for path, data in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


# ---------------------------------------------------------------------------
# What templates see


@dataclass(frozen=True)
class FeedCatalog:
    """Jinja global `feed_catalog`: the feeds a page links to, from settings and the page alone."""

    settings: FeedsSettings

    @functools.cached_property
    def _site_links(self):
        name = self.settings.site_name
        return (
            FeedLink(f"{name} — tous les reportages (Atom)", SITE_ATOM, ATOM_TYPE),
            FeedLink(f"{name} — tous les reportages (RSS)", SITE_RSS, RSS_TYPE),
            FeedLink(f"{name} — tous les reportages (JSON Feed)", SITE_JSON, JSON_TYPE),
        )

    def site(self):
        return self._site_links

    def listing(self, kind, obj):
        title, _ = feed_texts(kind, plain_text(obj.name), self.settings)
        listing = LISTING_PATHS[kind].format(slug=obj.slug)
        return (
            FeedLink(f"{title} (Atom)", f"{listing}atom.xml", ATOM_TYPE),
            FeedLink(f"{title} (RSS)", f"{listing}rss.xml", RSS_TYPE),
        )

    def comments(self, article):
        title = plain_text(strip_controls(article.title)[0])
        return FeedLink(
            f"{self.settings.site_name} — commentaires sur {quoted(title)} (Atom)",
            f"{article.url}{COMMENTS_FILE}",
            ATOM_TYPE,
        )

    def links(self, article=None, category=None, tag=None, hospital=None):
        """Site feeds, then the page's own: a report's comments, a rubrique, a tag or a hospital.

        Called once per page written: kept cheap (the site links are built once).
        """
        # A report page also receives its `category`: the report's own feed wins.
        if article and getattr(article, "slug", None):
            return self._site_links + ((self.comments(article),) if has_comment_feed(article) else ())
        for kind, obj in (("rubrique", category), ("tag", tag), ("hospital", hospital)):
            if obj and getattr(obj, "slug", None):
                return self._site_links + self.listing(kind, obj)
        return self._site_links

    def subscribe_page(self, feeds):
        """Sections of the « S’abonner » page: (heading, [(name, page path, [FeedLink])])."""
        sections = {"rubrique": [], "tag": [], "hospital": []}
        for feed in feeds:
            if feed.kind in sections:
                page = LISTING_PATHS[feed.kind].format(slug=feed.slug)
                sections[feed.kind].append(
                    (feed.name, page, (FeedLink("Atom", feed.paths["atom"], ATOM_TYPE), FeedLink("RSS", feed.paths["rss"], RSS_TYPE)))
                )
        return sections


# ---------------------------------------------------------------------------
# Pelican receivers


def refuse_pelican_feeds(pelican):
    """Stop the build before anything is written if the settings would give bad feeds."""
    try:
        check_settings(pelican.settings)
    except FeedsSettingsError as error:
        raise BuildRefused(str(error)) from None


def add_feed_catalog(generator):
    """Give every template the `feed_catalog` global the autodiscovery partial reads."""
    generator.env.globals["feed_catalog"] = FeedCatalog(FeedsSettings.from_settings(generator.settings))


def write_feeds(generator, writer):
    """Write every feed and the « S’abonner » page once all reports are final."""
    settings = FeedsSettings.from_settings(generator.settings)
    # The current time only filters what may be listed (nothing later than the build);
    # it is never written, so two builds of the same content give the same bytes.
    now = datetime.now(timezone.utc)
    feeds = plan_feeds(generator.articles, settings, now)
    files = render_feed_files(feeds, settings)
    write_files(files, generator.output_path)
    logger.info("feeds: wrote %s feeds", len(files))
    catalog = FeedCatalog(settings)
    writer.write_file(
        SUBSCRIBE_SAVE_AS,
        generator.get_template(SUBSCRIBE_TEMPLATE),
        generator.context,
        relative_urls=generator.settings.get("RELATIVE_URLS", False),
        url=SUBSCRIBE_URL,
        page_name="sabonner",
        subscribe_site_feeds=catalog.site(),
        subscribe_sections=catalog.subscribe_page(feeds),
    )


def register():
    # initialized: runs once before any file is written, so a bad setting stops the build
    # cleanly (an exception raised in register() itself would be swallowed by Pelican).
    signals.initialized.connect(refuse_pelican_feeds)
    # generator_init: each generator has its own Jinja environment; the global must be
    # there before the first page that includes partials/feed_links.html is rendered.
    signals.generator_init.connect(add_feed_catalog)
    # article_writer_finalized: reports are read, typographed, given their comments and
    # hospitals by the other plugins, and their pages written; the feeds read final data.
    signals.article_writer_finalized.connect(write_feeds)
