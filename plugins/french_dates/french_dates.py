"""French dates from Babel's data, never from the operating system's locale.

Pelican formats `article.locale_date` with `strftime`, which speaks French only when a
`fr_FR` locale is installed on the machine that builds (this one has none). This plugin
gives templates filters that always speak French:

    {{ article.date|date_long }}    -> « vendredi 27 novembre 2026 », « jeudi 1er janvier 2026 »
    {{ article.date|date_short }}   -> « 27 novembre 2026 », « 1er janvier 2026 »
    {{ article.date|datetime_iso }} -> « 2026-11-27T09:30+01:00 » (for <time datetime>)

Which day it is depends on where you stand: every datetime is first put in the site's
`TIMEZONE` (Europe/Paris). An aware datetime is converted (a comment posted at
23:30 UTC on 31 March is dated 1er avril in Paris); a naive one is taken as already
being Paris time, as Pelican does for the `Date:` of a report. A plain `date` is used
as it is. The same functions are importable for Python code:

    >>> from french_dates.french_dates import date_long
    >>> date_long(datetime(2026, 1, 1, 9, 0))
    'jeudi 1er janvier 2026'
"""

from datetime import date, datetime
from functools import partial

from babel import Locale
from pelican import signals

from pouls_common.dates import DEFAULT_TIMEZONE, local_datetime, zone

LOCALE = Locale.parse("fr_FR")
# Babel's CLDR names, looked up once: format_date() per call costs 50× a dict lookup.
_MONTHS = dict(LOCALE.months["format"]["wide"])
_WEEKDAYS = dict(LOCALE.days["format"]["wide"])


def _check(value, filter_name):
    if not isinstance(value, date):
        raise TypeError(
            f"french_dates: {filter_name} expects a date or a datetime, got {value!r} "
            f"({type(value).__name__}); give it article.date, article.modified or a comment's date"
        )


def local_date(value, tz=DEFAULT_TIMEZONE):
    """The calendar day of `value` in `tz` (a plain date is returned as it is)."""
    if isinstance(value, datetime):
        return local_datetime(value, tz).date()
    return value


def _day(day):
    # French writes the first day of a month as an ordinal: « 1er janvier ».
    return "1er" if day.day == 1 else str(day.day)


def date_short(value, tz=DEFAULT_TIMEZONE):
    """« 27 novembre 2026 »; « 1er janvier 2026 » on the first."""
    _check(value, "date_short")
    day = local_date(value, tz)
    return f"{_day(day)} {_MONTHS[day.month]} {day.year}"


def date_long(value, tz=DEFAULT_TIMEZONE):
    """« vendredi 27 novembre 2026 »; « jeudi 1er janvier 2026 » on the first."""
    _check(value, "date_long")
    day = local_date(value, tz)
    return f"{_WEEKDAYS[day.weekday()]} {_day(day)} {_MONTHS[day.month]} {day.year}"


def datetime_iso(value, tz=DEFAULT_TIMEZONE):
    """ISO 8601 for `<time datetime>`, with the UTC offset of `tz` at that date (+01:00 or +02:00)."""
    _check(value, "datetime_iso")
    if isinstance(value, datetime):
        return local_datetime(value, tz).isoformat(timespec="minutes")
    return value.isoformat()


def _remembered(format_date):
    """`format_date(value)`, worked out once per value for the filters of one build.

    A report's date is shown on its page and on every listing card and related block that
    names it: many times per build. `fold` is part of the key because two datetimes of the
    hour a clock turns back compare equal without being the same instant. Anything that
    is not a date goes straight through, to get the function's own error.
    """
    known = {}

    def remembered(value):
        if not isinstance(value, date):
            return format_date(value)
        key = (value, getattr(value, "fold", 0))
        if key not in known:
            known[key] = format_date(value)
        return known[key]

    return remembered


def filters_for(settings):
    """The template filters, bound to the site's TIMEZONE."""
    tz = zone(settings.get("TIMEZONE") or DEFAULT_TIMEZONE)
    return {
        "date_long": _remembered(partial(date_long, tz=tz)),
        "date_short": _remembered(partial(date_short, tz=tz)),
        "datetime_iso": _remembered(partial(datetime_iso, tz=tz)),
    }


def add_date_filters(generator):
    """Make the French date filters available to every template of this generator."""
    generator.env.filters.update(filters_for(generator.settings))


def register():
    # generator_init: each generator builds its own Jinja environment; filters go in before rendering.
    signals.generator_init.connect(add_date_filters)
