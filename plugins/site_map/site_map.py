"""Plugin site_map: the « Plan du site » page and, when publishing, sitemap.xml.

The « Plan du site » (RGAA 12.1 asks for two ways to find a page; this is one) is
rendered from the theme's `site_map.html` template with the usual context
(`categories`, `tags`, `authors`, `pages`, `hospitals`, `articles`) at
`plan-du-site/`. It is named `site_map`, not `sitemap`, because an installed
`pelican.plugins.sitemap` would silently win over a local plugin of that name.

`sitemap.xml` lists every public address with its last change (the report's
`Modified`, else its `Date`), so two builds of the same content give the same file.
Sitemaps need absolute URLs: the file is written only when SITEURL is absolute
(publishconf.py), never for the development preview.

Settings (defaults shown):

    SITE_MAP_URL = "plan-du-site/"
    SITE_MAP_SAVE_AS = "plan-du-site/index.html"
    SITE_MAP_XML_SAVE_AS = "sitemap.xml"     # None: no sitemap.xml
"""

import logging
import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from pelican import signals
from pelican.generators import Generator

from pouls_common.output import write_if_changed

logger = logging.getLogger(__name__)

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
DEFAULTS = {
    "SITE_MAP_URL": "plan-du-site/",
    "SITE_MAP_SAVE_AS": "plan-du-site/index.html",
    "SITE_MAP_XML_SAVE_AS": "sitemap.xml",
}


class SiteMapSettingsError(ValueError):
    """A setting of this plugin has a value it cannot use."""


@dataclass(frozen=True)
class SiteMapSettings:
    url: str = DEFAULTS["SITE_MAP_URL"]
    save_as: str = DEFAULTS["SITE_MAP_SAVE_AS"]
    xml_save_as: str | None = DEFAULTS["SITE_MAP_XML_SAVE_AS"]

    @classmethod
    def from_settings(cls, settings):
        url = settings.get("SITE_MAP_URL", DEFAULTS["SITE_MAP_URL"])
        save_as = settings.get("SITE_MAP_SAVE_AS", DEFAULTS["SITE_MAP_SAVE_AS"])
        xml_save_as = settings.get("SITE_MAP_XML_SAVE_AS", DEFAULTS["SITE_MAP_XML_SAVE_AS"])
        for key, value in (("SITE_MAP_URL", url), ("SITE_MAP_SAVE_AS", save_as)):
            if not isinstance(value, str) or not value.strip():
                raise SiteMapSettingsError(
                    f"site_map: {key} is {value!r}; set it to a non-empty string like {DEFAULTS[key]!r} in pelicanconf.py"
                )
        if not save_as.endswith(".html"):
            raise SiteMapSettingsError(
                f"site_map: SITE_MAP_SAVE_AS is {save_as!r}; it names a file and must end in .html, "
                f"like {DEFAULTS['SITE_MAP_SAVE_AS']!r}"
            )
        if xml_save_as is not None and (not isinstance(xml_save_as, str) or not xml_save_as.endswith(".xml")):
            raise SiteMapSettingsError(
                f"site_map: SITE_MAP_XML_SAVE_AS is {xml_save_as!r}; set it to a file name ending in .xml "
                "(like 'sitemap.xml') or to None for no sitemap.xml"
            )
        return cls(url=url, save_as=save_as, xml_save_as=xml_save_as or None)


# --------------------------------------------------------------------- plain functions


def _lastmod(item):
    when = getattr(item, "modified", None) or getattr(item, "date", None)
    return when.isoformat(timespec="seconds") if when else None


def sitemap_entries(context, settings, options):
    """[(url relative to SITEURL, lastmod or None)] in a stable order, without duplicates."""
    articles = list(context.get("articles", []))
    newest = max((_lastmod(a) for a in articles if _lastmod(a)), default=None)
    entries = [("", newest), (settings.get("ARCHIVES_URL", "archives/"), newest), (options.url, None)]
    entries += [(a.url, _lastmod(a)) for a in sorted(articles, key=lambda a: a.url)]
    entries += [(p.url, _lastmod(p)) for p in sorted(context.get("pages", []), key=lambda p: p.url)]
    for key in ("categories", "tags", "authors"):
        groups = context.get(key, [])
        groups = groups.items() if hasattr(groups, "items") else groups
        for wrapper, group in sorted(groups, key=lambda pair: pair[0].slug):
            entries.append((wrapper.url, max(_lastmod(a) for a in group) if group else None))
    for hospital, group in context.get("hospitals", []):
        entries.append((hospital.url, max(_lastmod(a) for a in group) if group else None))
    seen, unique = set(), []
    for url, lastmod in entries:
        if url not in seen:
            seen.add(url)
            unique.append((url, lastmod))
    return unique


def sitemap_xml(siteurl, entries):
    """The sitemap document as bytes (UTF-8, XML declaration)."""
    ET.register_namespace("", SITEMAP_NS)
    root = ET.Element(f"{{{SITEMAP_NS}}}urlset")
    for url, lastmod in entries:
        node = ET.SubElement(root, f"{{{SITEMAP_NS}}}url")
        ET.SubElement(node, f"{{{SITEMAP_NS}}}loc").text = f"{siteurl}/{url}"
        if lastmod:
            ET.SubElement(node, f"{{{SITEMAP_NS}}}lastmod").text = lastmod
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


# --------------------------------------------------------------------- generator and receivers


class SiteMapGenerator(Generator):
    """Writes the « Plan du site » page and sitemap.xml once every context is complete."""

    def generate_output(self, writer):
        options = SiteMapSettings.from_settings(self.settings)
        writer.write_file(
            options.save_as, self.get_template("site_map"), self.context,
            relative_urls=self.settings["RELATIVE_URLS"], url=options.url, template_name="site_map",
        )
        siteurl = self.settings.get("SITEURL", "")
        if options.xml_save_as and siteurl.startswith(("http://", "https://")):
            path = os.path.join(self.output_path, options.xml_save_as)
            write_if_changed(path, sitemap_xml(siteurl, sitemap_entries(self.context, self.settings, options)))
            logger.info("site_map: wrote %s", path)


def validate_settings(pelican):
    """Fail the build early, with the bad value quoted, when a setting is unusable."""
    SiteMapSettings.from_settings(pelican.settings)


def add_site_map_generator(pelican):
    return SiteMapGenerator


def register():
    # initialized: settings are final; an exception stops the build before any reading.
    signals.initialized.connect(validate_settings)
    # get_generators: a generator writes after every generator has built its context,
    # so the page can list pages, rubriques, tags, authors and hospitals together.
    signals.get_generators.connect(add_site_map_generator)
