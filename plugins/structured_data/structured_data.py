"""Plugin structured_data: what search engines and news aggregators read about a page.

Every report page carries exactly one `<script type="application/ld+json">` whose
`@graph` holds a schema.org `NewsArticle` and a `BreadcrumbList`; the home page
carries a `WebSite` and an `Organization`. For every report (published, hidden,
draft) the plugin sets:

    article.breadcrumb        (Crumb(name, url), …)    the visible breadcrumb, the same list
                                                       the BreadcrumbList is made of
    article.structured_data   '{"@context": …}'        the JSON-LD text, safe inside <script>

and templates get `site_structured_data` (the home page's JSON-LD). Dates are
written by french_dates' `datetime_iso`, the function behind every visible
`<time datetime>`, so the two can never differ. The images are the three crops of
plugin social_cards; every address is absolute (pouls_common.urls).

One content rule lives beside it, in rules.py: a headline longer than
HEADLINE_MAX_LENGTH (110) characters, which Google may cut. The build logs it as a
warning for every report, and `make check` prints it at the line of `Title:`: both
call `headline_findings()`. Like any build warning, it makes `make publish` refuse.

Settings (defaults shown):

    STRUCTURED_DATA_LOGO = "img/logo-pouls.png"   # publisher logo, in the theme's static folder
    STRUCTURED_DATA_LANGUAGE = "fr-FR"            # inLanguage
"""

import json
import logging
import os
from dataclasses import dataclass

from pelican import signals

from french_dates.french_dates import datetime_iso
from pouls_common.plugins import require_plugins
from pouls_common.reports import every_report
from pouls_common.rules import log_finding
from pouls_common.text import plain_text
from pouls_common.urls import absolute_siteurl, absolute_url
from theme_assets.theme_assets import static_url_for

from .rules import headline_findings

logger = logging.getLogger(__name__)

# Plugins whose work this one uses, and what for (checked when the build starts).
NEEDS = {"social_cards": "article.share_crops, the NewsArticle's images"}
DEFAULT_LOGO = "img/logo-pouls.png"
DEFAULT_LANGUAGE = "fr-FR"
HOME_LABEL = "Accueil"
SCHEMA = "https://schema.org"
# What must never appear raw inside <script>: « </script> » would close it, « <!-- »
# would open a comment. JSON allows the \u escapes everywhere a string may hold them.
_SCRIPT_SAFE = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"))


class StructuredDataSettingsError(ValueError):
    """A STRUCTURED_DATA_* setting has a value this plugin cannot use."""


@dataclass(frozen=True)
class StructuredDataSettings:
    logo: str = DEFAULT_LOGO
    language: str = DEFAULT_LANGUAGE

    @classmethod
    def from_settings(cls, settings):
        logo = settings.get("STRUCTURED_DATA_LOGO", DEFAULT_LOGO)
        if not isinstance(logo, str) or not logo.strip() or logo.startswith(("/", "http")):
            raise StructuredDataSettingsError(
                f"structured_data: STRUCTURED_DATA_LOGO is {logo!r}; give the logo's path in the theme's "
                f"static folder, like {DEFAULT_LOGO!r}"
            )
        language = settings.get("STRUCTURED_DATA_LANGUAGE", DEFAULT_LANGUAGE)
        if not isinstance(language, str) or len(language.split("-")[0]) != 2:
            raise StructuredDataSettingsError(
                f"structured_data: STRUCTURED_DATA_LANGUAGE is {language!r}; give a BCP 47 language "
                f"tag like {DEFAULT_LANGUAGE!r}"
            )
        return cls(logo=logo.strip(), language=language)


@dataclass(frozen=True)
class Logo:
    url: str
    width: int
    height: int


@dataclass(frozen=True)
class Crumb:
    name: str
    url: str  # relative to SITEURL, "" for the home page


# --------------------------------------------------------------------- plain functions


def to_json_ld(data):
    """JSON text safe to put between <script type="application/ld+json"> and </script>."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    # str.replace, not str.translate: translate goes through a dict lookup per character
    # on non-ASCII text (every French report), ten times the cost. No escape holds a
    # character another one replaces, so the order does not matter.
    for char, escape in _SCRIPT_SAFE:
        text = text.replace(char, escape)
    return text


def breadcrumb_items(report):
    """The breadcrumb of a report page: home, then its rubrique (none without a rubrique)."""
    category = getattr(report, "category", None)
    if not category:
        return ()
    return (Crumb(HOME_LABEL, ""), Crumb(plain_text(category.name), category.url))


def breadcrumb_list(crumbs, base):
    return {
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": position, "name": crumb.name, "item": absolute_url(base, crumb.url)}
            for position, crumb in enumerate(crumbs, start=1)
        ],
    }


def image_object(picture):
    return {"@type": "ImageObject", "url": picture.url, "width": picture.width, "height": picture.height}


def organization(name, base, logo):
    """The publisher; `logo` is a Logo (or anything with url, width, height), or None."""
    node = {"@type": "Organization", "@id": f"{base}/#organisation", "name": name, "url": f"{base}/"}
    if logo is not None:
        node["logo"] = image_object(logo)
    return node


def website(name, description, base, language):
    return {
        "@type": "WebSite",
        "@id": f"{base}/#site",
        "name": name,
        "url": f"{base}/",
        "description": plain_text(description),
        "inLanguage": language,
        "publisher": {"@id": f"{base}/#organisation"},
    }


def report_description(report):
    """The standfirst as plain text (a draft without one: the start of its body)."""
    if "summary" in report.metadata:
        return plain_text(report.summary)
    text = plain_text(report.content)
    return text if len(text) <= 300 else text[:299].rsplit(" ", 1)[0] + "…"


def news_article(report, base, publisher, options, tz):
    """The NewsArticle of a report, every property Google News asks for."""
    url = absolute_url(base, report.url)
    modified = getattr(report, "modified", None) or report.date
    category = getattr(report, "category", None)
    return {
        "@type": "NewsArticle",
        "@id": f"{url}#reportage",
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "url": url,
        "headline": plain_text(report.title),
        "description": report_description(report),
        "image": [image_object(crop) for crop in report.share_crops],
        "datePublished": datetime_iso(report.date, tz),
        "dateModified": datetime_iso(modified, tz),
        "author": [
            {"@type": "Person", "name": plain_text(writer.name), "url": absolute_url(base, writer.url)}
            for writer in getattr(report, "authors", None) or ()
        ],
        "publisher": publisher,
        "articleSection": plain_text(category.name) if category else "",
        "keywords": [plain_text(tag.name) for tag in getattr(report, "tags", None) or ()],
        "inLanguage": options.language,
        "isAccessibleForFree": True,
    }


def report_json_ld(report, base, publisher, options, tz):
    graph = [news_article(report, base, publisher, options, tz)]
    if report.breadcrumb:
        graph.append(breadcrumb_list(report.breadcrumb, base))
    return to_json_ld({"@context": SCHEMA, "@graph": graph})


def site_json_ld(settings, base, publisher, options):
    graph = [
        website(settings.get("SITENAME", ""), settings.get("SITESUBTITLE", ""), base, options.language),
        publisher,
    ]
    return to_json_ld({"@context": SCHEMA, "@graph": graph})


def publisher_for(settings, base, options):
    """The Organization node, with the theme's logo when the file exists."""
    from PIL import Image, UnidentifiedImageError

    logo = None
    path = os.path.join(settings.get("THEME", ""), "static", *options.logo.split("/"))
    try:
        with Image.open(path) as picture:
            size = picture.size
        url = static_url_for({**settings, "SITEURL": base})(options.logo)
        logo = Logo(url, size[0], size[1])
    except (OSError, UnidentifiedImageError):
        logger.warning(
            "structured_data: the publisher logo %s cannot be read; add a PNG or JPEG there "
            "(tools/draw_site_images.py draws it) or set STRUCTURED_DATA_LOGO", path,
        )
    return organization(settings.get("SITENAME", ""), base, logo)


# --------------------------------------------------------------------- receivers


def validate_settings(pelican):
    """Fail the build early, with the bad value quoted, when a setting or a needed plugin is missing."""
    StructuredDataSettings.from_settings(pelican.settings)
    require_plugins(pelican, "structured_data", NEEDS)


def attach_breadcrumbs(generator):
    """Every report's breadcrumb, read by the visible breadcrumb and the BreadcrumbList alike."""
    for report in every_report(generator):
        report.breadcrumb = breadcrumb_items(report)


def log_headline_findings(generator):
    """Warn about every report whose headline search engines may cut (rules.py, as `make check`)."""
    for report in every_report(generator):
        for finding in headline_findings(report.title):
            log_finding(logger, finding, report.relative_source_path)


def attach_structured_data(generators):
    """Each report's JSON-LD, once every plugin has described it (crops, authors, rubrique)."""
    from pelican.generators import ArticlesGenerator

    for generator in generators:
        if not isinstance(generator, ArticlesGenerator):
            continue
        options = StructuredDataSettings.from_settings(generator.settings)
        base = absolute_siteurl(generator.settings)
        publisher = publisher_for(generator.settings, base, options)
        tz = generator.settings.get("TIMEZONE") or "Europe/Paris"
        for report in every_report(generator):
            report.structured_data = report_json_ld(report, base, publisher, options, tz)


def add_site_structured_data(generator):
    """`site_structured_data` (WebSite and Organization) for the home page template."""
    options = StructuredDataSettings.from_settings(generator.settings)
    base = absolute_siteurl(generator.settings)
    generator.env.globals["site_structured_data"] = site_json_ld(
        generator.settings, base, publisher_for(generator.settings, base, options), options
    )


def register():
    # initialized: settings are final; an exception stops the build before any reading.
    signals.initialized.connect(validate_settings)
    # finalized: rubriques gave every report its category at pretaxonomy.
    signals.article_generator_finalized.connect(attach_breadcrumbs)
    # finalized: every report is read and its title typographed (content_object_init).
    signals.article_generator_finalized.connect(log_headline_findings)
    # all_generators_finalized: every plugin has described the reports (social_cards'
    # crops at article_generator_finalized included); nothing is rendered yet.
    signals.all_generators_finalized.connect(attach_structured_data)
    # generator_init: each generator builds its own Jinja environment before rendering.
    signals.generator_init.connect(add_site_structured_data)
