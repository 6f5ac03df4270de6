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

from .feeds import register

__all__ = ["register"]
