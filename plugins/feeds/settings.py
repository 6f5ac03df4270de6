"""The feeds plugin's settings, the paths it writes, and its guard against Pelican's own feeds."""

import re
from dataclasses import dataclass
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pelican.settings import DEFAULT_CONFIG

SITE_ATOM = "flux/atom.xml"
SITE_RSS = "flux/rss.xml"
SITE_JSON = "flux/feed.json"
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


ID_AUTHORITY = re.compile(r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(@[a-z0-9.-]+)?,\d{4}(-\d{2}(-\d{2})?)?$")

# The listing pages a feed follows, by kind: the feeds are written in the page's folder
# (`rubrique/urgences/atom.xml`), so each URL setting must name a folder.
LISTING_URL_SETTINGS = {"rubrique": "CATEGORY_URL", "tag": "TAG_URL", "hospital": "HOSPITALS_PAGE_URL"}



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
    # The `scheme` of an entry's categories: where the listings of that kind live
    # (`rubrique/` for CATEGORY_URL = "rubrique/{slug}/", `etiquette/` for TAG_URL).
    rubrique_scheme: str = ""
    tag_scheme: str = ""

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
        for setting in LISTING_URL_SETTINGS.values():
            url = settings.get(setting)
            if url is not None and (not isinstance(url, str) or "{slug}" not in url or not url.endswith("/")):
                raise FeedsSettingsError(
                    f"feeds: {setting} is {url!r}; the feeds of a listing are written in its folder, so it must "
                    "name a folder with {slug}, like 'rubrique/{slug}/'"
                )
        schemes = [str(settings.get(key) or DEFAULT_CONFIG[key]).split("{slug}", 1)[0] for key in ("CATEGORY_URL", "TAG_URL")]
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
            rubrique_scheme=schemes[0],
            tag_scheme=schemes[1],
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

