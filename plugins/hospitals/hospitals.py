"""Plugin hospitals: the établissements a report concerns, with a page for each.

A report names the hospitals it is about in its front matter, like Pelican's
`Authors` (comma-separated, or `;`-separated when a name holds a comma):

    Hospitals: CHU de Rennes, Centre hospitalier de Vannes

The plugin then

- sets `article.hospitals` on every report: a list of `Hospital` objects (`.name`,
  `.slug`, `.url` = `etablissement/<slug>/`), empty when the key is absent;
- puts `hospitals` in the shared context: `[(Hospital, [published reports, newest
  first]), …]` sorted by slug, for templates and for the feeds plugin;
- writes one page per hospital (template `hospital.html`, paginated like a tag when
  `"hospital"` is in PAGINATED_TEMPLATES) and the index (template `hospitals.html`).

Settings (defaults shown):

    HOSPITALS_PAGE_URL = "etablissement/{slug}/"
    HOSPITALS_PAGE_SAVE_AS = "etablissement/{slug}/index.html"
    HOSPITALS_INDEX_URL = "etablissements/"
    HOSPITALS_INDEX_SAVE_AS = "etablissements/index.html"
"""

import logging
from dataclasses import dataclass

from pelican import signals
from pelican.readers import ensure_metadata_list
from pelican.urlwrappers import URLWrapper

from french_typography.french_typography import typographer_for
from pouls_common.plugins import require_plugins
from pouls_common.reports import every_report
from pouls_common.settings import read_addresses

logger = logging.getLogger(__name__)

# Plugins whose work this one uses, and what for (checked when the build starts).
NEEDS = {"french_typography": "the typography of établissement names"}

DEFAULTS = {
    "HOSPITALS_PAGE_URL": "etablissement/{slug}/",
    "HOSPITALS_PAGE_SAVE_AS": "etablissement/{slug}/index.html",
    "HOSPITALS_INDEX_URL": "etablissements/",
    "HOSPITALS_INDEX_SAVE_AS": "etablissements/index.html",
}


class HospitalsSettingsError(ValueError):
    """A setting of this plugin has a value it cannot use."""


@dataclass(frozen=True)
class HospitalsSettings:
    page_url: str = DEFAULTS["HOSPITALS_PAGE_URL"]
    page_save_as: str = DEFAULTS["HOSPITALS_PAGE_SAVE_AS"]
    index_url: str = DEFAULTS["HOSPITALS_INDEX_URL"]
    index_save_as: str = DEFAULTS["HOSPITALS_INDEX_SAVE_AS"]

    @classmethod
    def from_settings(cls, settings):
        for key in ("HOSPITALS_PAGE_URL", "HOSPITALS_PAGE_SAVE_AS"):
            value = settings.get(key, DEFAULTS[key])
            if isinstance(value, str) and value.strip() and "{slug}" not in value:
                raise HospitalsSettingsError(
                    f"hospitals: {key} is {value!r}, which has no {{slug}}: every hospital would get "
                    f"the same address; use a pattern like {DEFAULTS[key]!r}"
                )
        values = read_addresses("hospitals", settings, DEFAULTS, HospitalsSettingsError)
        return cls(
            page_url=values["HOSPITALS_PAGE_URL"],
            page_save_as=values["HOSPITALS_PAGE_SAVE_AS"],
            index_url=values["HOSPITALS_INDEX_URL"],
            index_save_as=values["HOSPITALS_INDEX_SAVE_AS"],
        )


class Hospital(URLWrapper):
    """An établissement: named like a tag, with its own page and feeds."""

    def __init__(self, name, settings, options=None):
        super().__init__(name.strip(), settings)
        self.options = options or HospitalsSettings()

    # URLWrapper builds url/save_as from `<CLASSNAME>_URL`; ours follow the plugin's prefix.
    @property
    def url(self):
        return self.options.page_url.format(slug=self.slug)

    @property
    def save_as(self):
        return self.options.page_save_as.format(slug=self.slug)

    @property
    def page_name(self):
        return self.url.rsplit(".", 1)[0] if self.url.endswith(".html") else self.url


# --------------------------------------------------------------------- plain functions


def hospital_names(value):
    """Names listed in a `Hospitals` value, in order, without duplicates."""
    if value is None:
        return []
    return ensure_metadata_list(value)


def index_hospitals(articles):
    """[(Hospital, [articles in the given order])] sorted by slug, for published reports."""
    by_slug = {}
    for report in articles:
        for hospital in getattr(report, "hospitals", []):
            by_slug.setdefault(hospital.slug, (hospital, []))[1].append(report)
    return [by_slug[slug] for slug in sorted(by_slug)]


def region_names(reports):
    """Regions of `reports` for a hospital page: each once, sorted, case ignored.

    Ordered like Jinja's `unique|sort` (the first spelling of a region wins), computed
    once per hospital rather than by every page of its listing.
    """
    distinct = {}
    for report in reports:
        if hasattr(report, "region"):
            region = report.region
            distinct.setdefault(region.lower() if isinstance(region, str) else region, region)
    return sorted(distinct.values(), key=lambda region: region.lower() if isinstance(region, str) else region)


# --------------------------------------------------------------------- receivers


def validate_settings(pelican):
    """Fail the build early, with the bad value quoted, when a setting or a plugin is missing."""
    HospitalsSettings.from_settings(pelican.settings)
    require_plugins(pelican, "hospitals", NEEDS)


def add_hospitals_index_url(generator):
    """Give every template `hospitals_index_url`, the address of the index of établissements."""
    generator.env.globals["hospitals_index_url"] = HospitalsSettings.from_settings(generator.settings).index_url


def attach_hospitals(generator):
    """Give every report its list of Hospital objects, one object per établissement."""
    options = HospitalsSettings.from_settings(generator.settings)
    typography = typographer_for(generator.settings)
    reports = every_report(generator)
    # First pass: every spelling of every établissement, so the one most reports use wins
    # and only the odd ones out are reported, whatever order the files come in.
    listed = []
    spellings = {}
    # One Hospital per name as typed: typography and slugify cost more than the rest of
    # this loop, and a few names recur in thousands of reports.
    made = {}
    for report in reports:
        candidates = []
        for name in hospital_names(report.metadata.get("hospitals")):
            candidate = made.get(name)
            if candidate is None:
                candidate = made[name] = Hospital(typography(name), generator.settings, options)
            if not candidate.slug:
                logger.warning(
                    "hospitals: %s: Hospitals entry %r gives an empty address; write the établissement's name "
                    "with letters, like « Hospitals: CHU de Rennes »",
                    report.relative_source_path, name,
                )
                continue
            candidates.append(candidate)
            seen = spellings.setdefault(candidate.slug, {})
            seen.setdefault(candidate.name, [candidate, []])[1].append(report.relative_source_path)
        listed.append((report, candidates))
    canonical = {}
    for slug, names in spellings.items():
        # max() keeps the first of equals: the spelling of the newest report breaks a tie.
        canonical[slug] = max(names.values(), key=lambda entry: len(entry[1]))
    for report, candidates in listed:
        hospitals = []
        for candidate in candidates:
            hospital, sources = canonical[candidate.slug]
            if hospital.name != candidate.name:
                logger.warning(
                    "hospitals: %s: Hospitals entry %r is spelled %r in %s; use one spelling for one établissement",
                    report.relative_source_path, candidate.name, hospital.name, sources[0],
                )
            if hospital not in hospitals:
                hospitals.append(hospital)
        report.hospitals = hospitals


def publish_hospitals_index(generator):
    """Expose `hospitals` to every template and to the plugins that write after us (feeds)."""
    generator.context["hospitals"] = index_hospitals(generator.articles)


def write_hospital_pages(generator, writer):
    """Write one paginated page per hospital and the index of hospitals."""
    options = HospitalsSettings.from_settings(generator.settings)
    hospitals = generator.context.get("hospitals", [])
    relative_urls = generator.settings["RELATIVE_URLS"]
    template = generator.get_template("hospital")
    for hospital, reports in hospitals:
        writer.write_file(
            hospital.save_as, template, generator.context,
            relative_urls=relative_urls,
            hospital=hospital, articles=reports,
            dates=sorted(reports, key=lambda report: report.date, reverse=True),
            template_name="hospital", blog=True, url=hospital.url,
            page_name=hospital.page_name, all_articles=generator.articles,
            hospital_regions=region_names(reports),
        )
    writer.write_file(
        options.index_save_as, generator.get_template("hospitals"), generator.context,
        relative_urls=relative_urls, url=options.index_url, template_name="hospitals",
    )


def register():
    # initialized: settings are final; an exception stops the build before any reading.
    signals.initialized.connect(validate_settings)
    # generator_init: each generator has its own Jinja environment; the navigation of every
    # page links to the index of établissements.
    signals.generator_init.connect(add_hospitals_index_url)
    # pretaxonomy: every report is read; related articles and feeds, which run at
    # finalized or later, can rely on article.hospitals.
    signals.article_generator_pretaxonomy.connect(attach_hospitals)
    # finalized: the published list is sorted newest first, before any page is written.
    signals.article_generator_finalized.connect(publish_hospitals_index)
    # article_writer_finalized: the writer and the article templates are at hand.
    signals.article_writer_finalized.connect(write_hospital_pages)
