"""Datetimes put in the site's time zone, the one way every plugin does it."""

from functools import lru_cache
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Europe/Paris"


@lru_cache(maxsize=16)
def zone(tz):
    """The ZoneInfo of a name (or the ZoneInfo itself), looked up once."""
    return tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)


def local_datetime(value, tz=DEFAULT_TIMEZONE):
    """An aware datetime in `tz`: aware values are converted, naive ones are taken as local.

    A naive value is what Pelican makes of a `Date:` without an offset: the time on the
    wall clock of the site's TIMEZONE.
    """
    tzinfo = zone(tz)
    if value.tzinfo is None:
        return value.replace(tzinfo=tzinfo)
    return value.astimezone(tzinfo)
