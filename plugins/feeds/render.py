"""Feeds as bytes: Atom and RSS with feedgen, JSON Feed 1.1 with the standard library.

feedgen 1.0.0 has traps this module steps around, each at the line that does it: the RSS
channel link is whichever link was added last, Atom entry links lose `rel`/`type`/`length`,
`updated` defaults to now, entries are prepended, RSS `author` needs an e-mail address.
"""

import copy
import json
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from feedgen.entry import FeedEntry
from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.ext.dc import DcEntryExtension, DcExtension
from feedgen.feed import FeedGenerator

from pouls_common.output import write_if_changed
from pouls_common.text import plain_text

from .settings import ATOM_TYPE, RSS_TYPE


class AtomLinkAttributes(BaseEntryExtension):
    """Put back the `rel`, `type` and `length` feedgen 1.0.0 drops from Atom entry links.

    FeedEntry.atom_entry() reads them from the `<link>` element it has just created
    instead of from the link data, so every entry link came out as a bare `href`.
    """

    def __init__(self):
        self.links = ()

    def extend_atom(self, entry):
        for element, link in zip(entry.findall("link"), self.links, strict=True):
            for key in ("rel", "type", "length"):
                if link.get(key):
                    element.set(key, str(link[key]))
        return entry



THREAD_NS = "http://purl.org/syndication/thread/1.0"


class ThreadFeed(BaseExtension):
    """Declares RFC 4685's `thr` namespace on an Atom feed that holds replies."""

    def extend_ns(self):
        return {"thr": THREAD_NS}


class ThreadEntry(BaseEntryExtension):
    """`<thr:in-reply-to ref="…" href="…" type="text/html"/>` on an Atom entry that answers another."""

    def __init__(self):
        self.in_reply_to = ()

    def extend_atom(self, entry):
        if self.in_reply_to:
            ref, href = self.in_reply_to
            element = entry.makeelement(f"{{{THREAD_NS}}}in-reply-to", {"ref": ref, "href": href, "type": "text/html"})
            entry.append(element)
        return entry


class SharedEntry(FeedEntry):
    """A FeedEntry whose XML is built once per format and copied for every feed listing it.

    A report is in the site's feeds and in those of its rubrique, tags and hospitals, and
    feedgen builds an entry's XML again for each (the largest part of rendering the feeds).
    The XML depends on the entry alone: add_entry registers the feed's extensions on it,
    but one already there is skipped and `thr` without `in_reply_to` writes nothing. The
    element kept is never put in a feed (lxml moves an appended element): each feed gets
    a copy.
    """

    def __init__(self):
        super().__init__()
        self._built = {}

    def _copy_of(self, key, build):
        if key not in self._built:
            self._built[key] = build()
        return copy.deepcopy(self._built[key])

    def atom_entry(self, extensions=True):
        return self._copy_of(("atom", extensions), partial(super().atom_entry, extensions))

    def rss_entry(self, extensions=True):
        return self._copy_of(("rss", extensions), partial(super().rss_entry, extensions))


def _entry(item):
    entry = SharedEntry()
    entry.register_extension("dc", DcEntryExtension, atom=False, rss=True)
    entry.register_extension("pouls_links", AtomLinkAttributes, atom=True, rss=False)
    if item.in_reply_to:
        entry.register_extension("thr", ThreadEntry, atom=True, rss=False)
        entry.thr.in_reply_to = item.in_reply_to
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
    if any(item.in_reply_to for item in feed.items):
        generator.register_extension("thr", ThreadFeed, ThreadEntry, atom=True, rss=False)
    generator.id(feed.atom_id)
    generator.title(feed.title)
    generator.subtitle(feed.description)  # also the RSS <description>
    generator.language("fr")
    generator.author(name=settings.default_author)
    updated = max((item.updated for item in feed.items), default=feed.empty_updated)
    # Never left unset: feedgen defaults `updated`/`lastBuildDate` to now, which churns.
    generator.updated(updated or datetime(1970, 1, 1, tzinfo=UTC))
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
    # Only changed feeds are written: an unchanged site rewrites nothing (rsync sends nothing).
    root = Path(output_path)
    for path, data in files.items():
        write_if_changed(str(root / path), data)

