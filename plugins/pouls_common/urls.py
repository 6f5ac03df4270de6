"""Absolute addresses, for what a page says about itself to the outside world.

A canonical link, an Open Graph card, structured data and a sitemap are read by
programs that never saw the page's own address, so they need absolute URLs even in
a development build whose SITEURL is empty. There the `make serve` address is used,
the same fallback the feeds plugin uses (FEEDS_SITEURL).
"""

from urllib.parse import urlsplit

DEVELOPMENT_SITEURL = "http://127.0.0.1:8000"


def is_absolute_http(url):
    url = url or ""
    # No colon, no scheme: site-relative paths, nearly every call (absolute_url runs several
    # times for every report of a build), skip urlsplit.
    if ":" not in url:
        return False
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def absolute_siteurl(settings):
    """SITEURL when it is absolute (publishing), else FEEDS_SITEURL (the `make serve` address)."""
    siteurl = (settings.get("SITEURL") or "").rstrip("/")
    if is_absolute_http(siteurl):
        return siteurl
    fallback = (settings.get("FEEDS_SITEURL") or DEVELOPMENT_SITEURL).rstrip("/")
    return fallback if is_absolute_http(fallback) else DEVELOPMENT_SITEURL


def absolute_url(base, path):
    """`path` (site-relative like « urgences/x/ » or « /theme/x.css », or already absolute) under `base`."""
    path = path or ""
    if is_absolute_http(path):
        return path
    return f"{base}/{path.lstrip('/')}"
