"""The feeds every page announces (`<link rel="alternate">`) and the « S’abonner » page's sections."""

import functools
from dataclasses import dataclass

from pouls_common.text import plain_text

from .plan import feed_texts, has_comment_feed, quoted
from .rules import strip_controls
from .settings import (
    ATOM_TYPE,
    COMMENTS_FILE,
    JSON_TYPE,
    RSS_TYPE,
    SITE_ATOM,
    SITE_JSON,
    SITE_RSS,
    SUBSCRIBE_URL,
    FeedsSettings,
)


@dataclass(frozen=True)
class FeedLink:
    """A feed as a page's `<link rel="alternate">` sees it."""

    title: str
    path: str
    mime: str



@dataclass(frozen=True)
class FeedCatalog:
    """Jinja global `feed_catalog`: the feeds a page links to, from settings and the page alone."""

    settings: FeedsSettings
    # The « S’abonner » page every footer links to.
    subscribe_url: str = SUBSCRIBE_URL

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
        listing = obj.url
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
                sections[feed.kind].append(
                    (feed.name, feed.listing_url, (FeedLink("Atom", feed.paths["atom"], ATOM_TYPE), FeedLink("RSS", feed.paths["rss"], RSS_TYPE)))
                )
        return sections

