"""French dates from Babel, never from the operating system's locale.

Pelican formats `article.locale_date` with `strftime`, which depends on a `fr_FR`
locale being installed on the machine that builds. This plugin gives templates
filters that always speak French:

    {{ article.date|date_long }}    -> « vendredi 27 novembre 2026 », « jeudi 1er janvier 2026 »
    {{ article.date|date_short }}   -> « 27 novembre 2026 »
    {{ article.date|datetime_iso }} -> « 2026-11-27T09:30:00+01:00 » (for <time datetime>)
"""

from datetime import date, datetime

from babel.dates import format_date
from pelican import signals

LOCALE = "fr_FR"


def _as_date(value):
    return value.date() if isinstance(value, datetime) else value


def _day(value):
    # French writes the first day of a month as an ordinal: « 1er janvier ».
    return "1er" if value.day == 1 else str(value.day)


def date_short(value):
    """« 27 novembre 2026 »; « 1er janvier 2026 » on the first."""
    day = _as_date(value)
    return f"{_day(day)} {format_date(day, format='MMMM', locale=LOCALE)} {day.year}"


def date_long(value):
    """« vendredi 27 novembre 2026 »; « jeudi 1er janvier 2026 » on the first."""
    day = _as_date(value)
    return f"{format_date(day, format='EEEE', locale=LOCALE)} {date_short(day)}"


def datetime_iso(value):
    """ISO 8601 for `<time datetime>`: with its UTC offset when the value has one."""
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes") if value.tzinfo else value.strftime("%Y-%m-%dT%H:%M")
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"datetime_iso expects a date or datetime, got {value!r}")


FILTERS = {"date_long": date_long, "date_short": date_short, "datetime_iso": datetime_iso}


def add_date_filters(generator):
    """Make the French date filters available to every template of this generator."""
    generator.env.filters.update(FILTERS)


def register():
    # generator_init: each generator builds its own Jinja environment; filters go in before rendering.
    signals.generator_init.connect(add_date_filters)
