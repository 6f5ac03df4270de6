"""Plugin site_map: the « Plan du site » page, sitemap.xml, news-sitemap.xml and robots.txt.

The « Plan du site » (RGAA 12.1 asks for two ways to find a page; this is one) is
rendered from the theme's `site_map.html` template with the usual context
(`categories`, `tags`, `authors`, `pages`, `hospitals`, `articles`) at
`plan-du-site/`. It is named `site_map`, not `sitemap`, because an installed
`pelican.plugins.sitemap` would silently win over a local plugin of that name.

`sitemap.xml` is collected from what the build actually wrote: every HTML file a
Pelican writer wrote in this build (Pelican's `content_written` signal), whatever
plugin or template wrote it, so a new kind of page can never be forgotten. Left out:
pages that say `noindex` (the 404 page, the comment service's stand-in, every page of
a preview) and reports or pages that are not published (drafts, hidden). Each
address has its last change: the report's or page's `Modified`, else its `Date`; a
listing's newest report. No build time goes in, so two builds of the same content
give the same bytes.

`news-sitemap.xml` follows Google's news sitemap format: the reports published in
the SITE_MAP_NEWS_HOURS (48) hours before the build, newest first, 1 000 at most,
each with its `news:title` (the page's h1 as text). Which reports are that recent
depends on the build's time by definition; only that choice does: the file holds no
timestamp of its own, so two builds of the same content give the same bytes unless a
report crossed the 48-hour line between them, which is exactly when it must change.
The reference time is the wall clock when the build starts, the same clock Pelican
uses to hold back a report dated in the future.

`robots.txt` names both sitemaps. A preview build (SITE_MAP_PREVIEW = True: every
build of pelicanconf.py, `make serve` included) says `Disallow: /` instead, and the
theme writes `<meta name="robots" content="noindex">` in every page.

Sitemaps need absolute URLs: they are written only when SITEURL is absolute and the
build is not a preview (publishconf.py).

Settings (defaults shown):

    SITE_MAP_URL = "plan-du-site/"
    SITE_MAP_SAVE_AS = "plan-du-site/index.html"
    SITE_MAP_XML_SAVE_AS = "sitemap.xml"            # None: no sitemap.xml
    SITE_MAP_NEWS_SAVE_AS = "news-sitemap.xml"      # None: no news sitemap
    SITE_MAP_NEWS_HOURS = 48
    SITE_MAP_NEWS_MAX = 1000
    SITE_MAP_ROBOTS_SAVE_AS = "robots.txt"          # None: no robots.txt
    SITE_MAP_PREVIEW = False                        # True: Disallow: / and noindex
"""

import logging
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from lxml import etree
from pelican import signals
from pelican.generators import Generator

from pouls_common.output import OutputFolder, write_if_changed
from pouls_common.reports import is_public
from pouls_common.settings import read_addresses
from pouls_common.text import plain_text

logger = logging.getLogger(__name__)

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
DEFAULTS = {
    "SITE_MAP_URL": "plan-du-site/",
    "SITE_MAP_SAVE_AS": "plan-du-site/index.html",
    "SITE_MAP_XML_SAVE_AS": "sitemap.xml",
    "SITE_MAP_NEWS_SAVE_AS": "news-sitemap.xml",
    "SITE_MAP_NEWS_HOURS": 48,
    "SITE_MAP_NEWS_MAX": 1000,
    "SITE_MAP_ROBOTS_SAVE_AS": "robots.txt",
    "SITE_MAP_PREVIEW": False,
}
# Google reads at most 1 000 news entries a file.
NEWS_MAX_LIMIT = 1000
_NOINDEX = re.compile(r"""<meta\s[^>]*name=["']robots["'][^>]*content=["'][^"']*noindex""", re.IGNORECASE)
_HEAD_END = "</head>"


class SiteMapSettingsError(ValueError):
    """A setting of this plugin has a value it cannot use."""


def _fail(key, value, expected):
    raise SiteMapSettingsError(f"site_map: {key} is {value!r}; {expected}")


@dataclass(frozen=True)
class SiteMapSettings:
    url: str = DEFAULTS["SITE_MAP_URL"]
    save_as: str = DEFAULTS["SITE_MAP_SAVE_AS"]
    xml_save_as: str | None = DEFAULTS["SITE_MAP_XML_SAVE_AS"]
    news_save_as: str | None = DEFAULTS["SITE_MAP_NEWS_SAVE_AS"]
    news_hours: int = DEFAULTS["SITE_MAP_NEWS_HOURS"]
    news_max: int = DEFAULTS["SITE_MAP_NEWS_MAX"]
    robots_save_as: str | None = DEFAULTS["SITE_MAP_ROBOTS_SAVE_AS"]
    preview: bool = DEFAULTS["SITE_MAP_PREVIEW"]

    @classmethod
    def from_settings(cls, settings):
        values = {key: settings.get(key, default) for key, default in DEFAULTS.items()}
        pages = {key: DEFAULTS[key] for key in ("SITE_MAP_URL", "SITE_MAP_SAVE_AS")}
        values.update(read_addresses("site_map", settings, pages, SiteMapSettingsError))
        for key, suffix in (("SITE_MAP_XML_SAVE_AS", ".xml"), ("SITE_MAP_NEWS_SAVE_AS", ".xml"),
                            ("SITE_MAP_ROBOTS_SAVE_AS", ".txt")):
            value = values[key]
            if value is not None and (not isinstance(value, str) or not value.endswith(suffix)):
                _fail(key, value, f"set it to a file name ending in {suffix} (like {DEFAULTS[key]!r}) or to None")
        hours = values["SITE_MAP_NEWS_HOURS"]
        if isinstance(hours, bool) or not isinstance(hours, int) or not 1 <= hours <= 24 * 7:
            _fail("SITE_MAP_NEWS_HOURS", hours, "give a whole number of hours from 1 to 168 (Google's rule is 48)")
        most = values["SITE_MAP_NEWS_MAX"]
        if isinstance(most, bool) or not isinstance(most, int) or not 1 <= most <= NEWS_MAX_LIMIT:
            _fail("SITE_MAP_NEWS_MAX", most, f"give a whole number from 1 to {NEWS_MAX_LIMIT} (Google reads no more)")
        if not isinstance(values["SITE_MAP_PREVIEW"], bool):
            _fail("SITE_MAP_PREVIEW", values["SITE_MAP_PREVIEW"], "set it to True (a preview, never indexed) or False")
        return cls(
            url=values["SITE_MAP_URL"], save_as=values["SITE_MAP_SAVE_AS"],
            xml_save_as=values["SITE_MAP_XML_SAVE_AS"] or None,
            news_save_as=values["SITE_MAP_NEWS_SAVE_AS"] or None,
            news_hours=hours, news_max=most,
            robots_save_as=values["SITE_MAP_ROBOTS_SAVE_AS"] or None,
            preview=values["SITE_MAP_PREVIEW"],
        )


@dataclass(frozen=True)
class WrittenPage:
    """One HTML file the build wrote: its path in the output and what it showed."""

    path: str  # relative to the output folder, with / separators
    lastmod: datetime | None
    report: object = None  # the report of a report page


# --------------------------------------------------------------------- plain functions


def page_url(path):
    """« urgences/x/index.html » → « urgences/x/ »; « index.html » → «  »; other files stay."""
    if path == "index.html":
        return ""
    if path.endswith("/index.html"):
        path = path[: -len("index.html")]
    return quote(path)


def last_change(item):
    """`Modified`, else `Date` of a report or page, or None."""
    return getattr(item, "modified", None) or getattr(item, "date", None)


def describe_written_page(path, context):
    """A WrittenPage for an HTML file written with `context`, or None when it is not public.

    Reports and pages that are not published (drafts, hidden) are left out; a
    listing's last change is the newest among the reports it shows.
    """
    item = context.get("article") or context.get("page")
    if item is not None:
        if not is_public(item):
            return None
        return WrittenPage(path, last_change(item), context.get("article"))
    listing = context.get("articles_page")
    shown = listing.object_list if listing is not None else context.get("articles") or ()
    changes = [change for change in (last_change(report) for report in shown) if change is not None]
    return WrittenPage(path, max(changes) if changes else None)


def says_noindex(path):
    """True when the HTML file's head has <meta name="robots" content="…noindex…">."""
    head = []
    with open(path, encoding="utf-8", errors="replace") as handle:
        while chunk := handle.read(16384):
            head.append(chunk)
            if _HEAD_END in chunk:
                break
    return bool(_NOINDEX.search("".join(head).split(_HEAD_END, 1)[0]))


def _iso(when):
    return when.isoformat(timespec="seconds") if when else None


def _element(parent, namespace, name, text=None):
    node = etree.SubElement(parent, f"{{{namespace}}}{name}")
    if text is not None:
        node.text = text
    return node


def sitemap_xml(siteurl, pages):
    """The sitemap document as bytes (UTF-8, XML declaration), one <url> per page, by address."""
    root = etree.Element(f"{{{SITEMAP_NS}}}urlset", nsmap={None: SITEMAP_NS})
    for page in sorted(pages, key=lambda p: page_url(p.path)):
        node = _element(root, SITEMAP_NS, "url")
        _element(node, SITEMAP_NS, "loc", f"{siteurl}/{page_url(page.path)}")
        if page.lastmod:
            _element(node, SITEMAP_NS, "lastmod", _iso(page.lastmod))
    return _serialise(root)


def recent_reports(reports, now, hours, most):
    """Reports published in the `hours` before `now` (and not after it), newest first, `most` at most."""
    since = now - timedelta(hours=hours)
    fresh = [report for report in reports if report.date.tzinfo and since < report.date <= now]
    fresh.sort(key=lambda report: (-report.date.timestamp(), report.url))
    return fresh[:most]


def news_sitemap_xml(siteurl, reports, name, language, tz):
    """Google's news sitemap for `reports` (already chosen); with none, an empty <urlset> (valid)."""
    from french_dates.french_dates import datetime_iso

    # Both namespaces are declared on the root, so even an empty file says what it is.
    root = etree.Element(f"{{{SITEMAP_NS}}}urlset", nsmap={None: SITEMAP_NS, "news": NEWS_NS})
    for report in reports:
        node = _element(root, SITEMAP_NS, "url")
        _element(node, SITEMAP_NS, "loc", f"{siteurl}/{report.url}")
        news = _element(node, NEWS_NS, "news")
        publication = _element(news, NEWS_NS, "publication")
        _element(publication, NEWS_NS, "name", name)
        _element(publication, NEWS_NS, "language", language)
        _element(news, NEWS_NS, "publication_date", datetime_iso(report.date, tz))
        _element(news, NEWS_NS, "title", plain_text(report.title))
    return _serialise(root)


def _serialise(root):
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True, pretty_print=True)


def robots_txt(siteurl, sitemaps, preview):
    """robots.txt: everything open with the sitemaps named, or, for a preview, nothing at all."""
    if preview:
        return "# A preview build: nothing here may be indexed.\nUser-agent: *\nDisallow: /\n"
    lines = ["User-agent: *", "Allow: /", ""]
    lines += [f"Sitemap: {siteurl}/{name}" for name in sitemaps]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------- generator and receivers


class SiteMapGenerator(Generator):
    """Writes the « Plan du site » page, then, once the whole build is written, the sitemaps.

    It listens to Pelican's `content_written` for the whole build and writes the
    sitemaps at `finalized`, after every generator and plugin has written its pages;
    both receivers belong to this build's generator and are disconnected at the end.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.options = SiteMapSettings.from_settings(self.settings)
        # The build's time, for the news sitemap's 48 hours (see the module's docstring).
        self.started = datetime.now(UTC)
        self.written = {}
        self.output_folder = OutputFolder(self.output_path)
        # weak=False: the signal holds the only reference to these bound methods.
        signals.content_written.connect(self.record_page, weak=False)
        signals.finalized.connect(self.write_sitemaps, weak=False)

    def generate_output(self, writer):
        writer.write_file(
            self.options.save_as, self.get_template("site_map"), self.context,
            relative_urls=self.settings["RELATIVE_URLS"], url=self.options.url, template_name="site_map",
        )

    def record_page(self, path, context=None):
        path = str(path)
        if not path.endswith(".html"):
            return
        relative = self.output_folder.relative(path)
        if relative.startswith(os.pardir):
            return
        # A normalised relative path has no empty or « . » parts: only the separator changes.
        page = describe_written_page(relative.replace(os.sep, "/"), context or {})
        if page is not None:
            self.written[page.path] = page

    def write_sitemaps(self, pelican):
        signals.content_written.disconnect(self.record_page)
        signals.finalized.disconnect(self.write_sitemaps)
        siteurl = self.settings.get("SITEURL", "")
        absolute = siteurl.startswith(("http://", "https://"))
        options = self.options
        sitemaps = []
        if absolute and not options.preview:
            public = [
                page for page in self.written.values()
                if not says_noindex(os.path.join(self.output_path, *page.path.split("/")))
            ]
            if options.xml_save_as:
                self._write(options.xml_save_as, sitemap_xml(siteurl, public))
                sitemaps.append(options.xml_save_as)
            if options.news_save_as:
                reports = [page.report for page in public if page.report is not None]
                fresh = recent_reports(reports, self.started, options.news_hours, options.news_max)
                self._write(options.news_save_as, news_sitemap_xml(
                    siteurl, fresh, self.settings.get("SITENAME", ""),
                    (self.settings.get("DEFAULT_LANG") or "fr").split("_")[0],
                    self.settings.get("TIMEZONE") or "Europe/Paris",
                ))
                sitemaps.append(options.news_save_as)
        if options.robots_save_as:
            self._write(options.robots_save_as, robots_txt(siteurl, sitemaps, options.preview).encode("utf-8"))

    def _write(self, name, data):
        # Only when its bytes change: a rebuild with nothing changed writes nothing.
        path = os.path.join(self.output_path, *name.split("/"))
        if write_if_changed(path, data):
            logger.info("site_map: wrote %s", path)


def validate_settings(pelican):
    """Fail the build early, with the bad value quoted, when a setting is unusable."""
    SiteMapSettings.from_settings(pelican.settings)


def add_site_map_url(generator):
    """Give every template `site_map_url`, the address of the « Plan du site » page."""
    generator.env.globals["site_map_url"] = SiteMapSettings.from_settings(generator.settings).url


def add_site_map_generator(pelican):
    return SiteMapGenerator


def register():
    # initialized: settings are final; an exception stops the build before any reading.
    signals.initialized.connect(validate_settings)
    # generator_init: each generator has its own Jinja environment; the footer of every page
    # and the 404 page link to the site map.
    signals.generator_init.connect(add_site_map_url)
    # get_generators: a generator writes after every generator has built its context,
    # so the page can list pages, rubriques, tags, authors and hospitals together; the
    # generator then follows the build's writes itself (content_written, finalized).
    signals.get_generators.connect(add_site_map_generator)
