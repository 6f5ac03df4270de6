"""Plugin site_search: the « Rechercher » page and the address every template uses for it.

Search on Pouls is static: Pagefind reads the finished HTML and writes a search
bundle (`pagefind/`) next to the pages; the theme's own script
(`theme/static/js/search.js`) asks that bundle in the reader's browser. This plugin
does the Pelican half:

- it gives every template `search_page_url` (the absolute address of the search
  page, SITEURL included) and `search_bundle_url` (the bundle folder), so the header
  form (`partials/search_form.html`) and the search page name them one way;
- it writes the search page from the theme's `rechercher.html` at `rechercher/`,
  once every generator has built its context (the page lists rubriques to filter
  and to browse).

Building the index itself is not a Pelican step: it needs the written site. See
`index.py` (a plain function over an output folder) and `desk/search_index.py`
(when `make publish` and `make serve` run it).

Named `site_search`, not `search`: an installed `pelican.plugins.search` (the
Stork-based pelican-search) would silently win over a local plugin of that name.

Settings (defaults shown):

    SITE_SEARCH_URL = "rechercher/"
    SITE_SEARCH_SAVE_AS = "rechercher/index.html"
    SITE_SEARCH_BUNDLE = "pagefind"      # folder of the search bundle in the output
"""

import logging
import re
from dataclasses import dataclass

from pelican import signals
from pelican.generators import Generator

logger = logging.getLogger(__name__)

DEFAULTS = {
    "SITE_SEARCH_URL": "rechercher/",
    "SITE_SEARCH_SAVE_AS": "rechercher/index.html",
    "SITE_SEARCH_BUNDLE": "pagefind",
}
_FOLDER = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


class SiteSearchSettingsError(ValueError):
    """A setting of this plugin has a value it cannot use."""


@dataclass(frozen=True)
class SiteSearchSettings:
    url: str = DEFAULTS["SITE_SEARCH_URL"]
    save_as: str = DEFAULTS["SITE_SEARCH_SAVE_AS"]
    bundle: str = DEFAULTS["SITE_SEARCH_BUNDLE"]

    @classmethod
    def from_settings(cls, settings):
        values = {key: settings.get(key, default) for key, default in DEFAULTS.items()}
        for key, value in values.items():
            if not isinstance(value, str) or not value.strip():
                raise SiteSearchSettingsError(
                    f"site_search: {key} is {value!r}; set it to a non-empty string like {DEFAULTS[key]!r} "
                    "in pelicanconf.py"
                )
        url, save_as, bundle = values["SITE_SEARCH_URL"], values["SITE_SEARCH_SAVE_AS"], values["SITE_SEARCH_BUNDLE"]
        if url.startswith("/") or not url.endswith("/"):
            raise SiteSearchSettingsError(
                f"site_search: SITE_SEARCH_URL is {url!r}; write it like Pelican's other *_URL settings, "
                f"without a leading slash and with a trailing one: {DEFAULTS['SITE_SEARCH_URL']!r}"
            )
        if not save_as.endswith(".html"):
            raise SiteSearchSettingsError(
                f"site_search: SITE_SEARCH_SAVE_AS is {save_as!r}; it names a file and must end in .html, "
                f"like {DEFAULTS['SITE_SEARCH_SAVE_AS']!r}"
            )
        if not _FOLDER.match(bundle):
            raise SiteSearchSettingsError(
                f"site_search: SITE_SEARCH_BUNDLE is {bundle!r}; give one folder name in lowercase letters, "
                f"digits, « - » or « _ », like {DEFAULTS['SITE_SEARCH_BUNDLE']!r}"
            )
        # A report lives at <rubrique>/<slug>/: a search page under a rubrique's folder would
        # sit among its reports (why the page is « rechercher/ », not « recherche/ »: many
        # health newsrooms have a « Recherche » rubrique).
        first = url.split("/", 1)[0]
        if first in (settings.get("RUBRIQUES") or {}):
            raise SiteSearchSettingsError(
                f"site_search: SITE_SEARCH_URL is {url!r}, but {first!r} is a rubrique folder (RUBRIQUES): "
                f"its reports live under that address; choose another, like {DEFAULTS['SITE_SEARCH_URL']!r}"
            )
        return cls(url=url, save_as=save_as, bundle=bundle)

    def page_url(self, siteurl):
        return f"{siteurl}/{self.url}"

    def bundle_url(self, siteurl):
        return f"{siteurl}/{self.bundle}/"


class SearchPageGenerator(Generator):
    """Writes the search page once every generator's context (rubriques included) is complete."""

    def generate_output(self, writer):
        options = SiteSearchSettings.from_settings(self.settings)
        writer.write_file(
            options.save_as, self.get_template("rechercher"), self.context,
            relative_urls=self.settings["RELATIVE_URLS"], url=options.url, template_name="rechercher",
        )


def validate_settings(pelican):
    """Fail the build early, with the bad value quoted, when a setting is unusable."""
    SiteSearchSettings.from_settings(pelican.settings)


def add_search_globals(generator):
    """Give every template the search page's and the bundle's addresses."""
    options = SiteSearchSettings.from_settings(generator.settings)
    siteurl = generator.settings.get("SITEURL", "")
    generator.env.globals["search_page_url"] = options.page_url(siteurl)
    generator.env.globals["search_bundle_url"] = options.bundle_url(siteurl)


def add_search_page_generator(pelican):
    return SearchPageGenerator


def register():
    # initialized: settings are final; an exception stops the build before any reading.
    signals.initialized.connect(validate_settings)
    # generator_init: each generator builds its own Jinja environment before rendering,
    # and every page's header holds the search form.
    signals.generator_init.connect(add_search_globals)
    # get_generators: a generator writes after every generator has built its context.
    signals.get_generators.connect(add_search_page_generator)
