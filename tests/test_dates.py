"""French dates: Babel's names, the 1er, Paris summer and winter offsets, no OS locale."""

import subprocess
import sys
import textwrap
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from conftest import soup
from french_dates.french_dates import date_long, date_short, datetime_iso, filters_for
from pouls_common.paths import ROOT, python_path

PARIS = ZoneInfo("Europe/Paris")
UTC = UTC

MONTHS = [
    (1, "jeudi 1er janvier 2026"), (2, "dimanche 1er février 2026"), (3, "dimanche 1er mars 2026"),
    (4, "mercredi 1er avril 2026"), (5, "vendredi 1er mai 2026"), (6, "lundi 1er juin 2026"),
    (7, "mercredi 1er juillet 2026"), (8, "samedi 1er août 2026"), (9, "mardi 1er septembre 2026"),
    (10, "jeudi 1er octobre 2026"), (11, "dimanche 1er novembre 2026"), (12, "mardi 1er décembre 2026"),
]


@pytest.mark.parametrize("month, expected", MONTHS)
def test_every_month_on_the_first(month, expected):
    assert date_long(date(2026, month, 1)) == expected


@pytest.mark.parametrize(
    "value, long, short",
    [
        (datetime(2026, 11, 27, 9, 30), "vendredi 27 novembre 2026", "27 novembre 2026"),
        (date(2026, 1, 2), "vendredi 2 janvier 2026", "2 janvier 2026"),
        (datetime(2026, 2, 28, 12, 0, tzinfo=PARIS), "samedi 28 février 2026", "28 février 2026"),
        (date(2028, 2, 29), "mardi 29 février 2028", "29 février 2028"),
        (datetime(2026, 8, 15, 0, 0), "samedi 15 août 2026", "15 août 2026"),
        (date(2026, 12, 31), "jeudi 31 décembre 2026", "31 décembre 2026"),
    ],
)
def test_long_and_short_dates(value, long, short):
    assert date_long(value) == long
    assert date_short(value) == short


@pytest.mark.parametrize(
    "value, expected",
    [
        # Naive datetimes are Paris time, like Pelican's Date: front matter.
        (datetime(2026, 1, 15, 9, 30), "2026-01-15T09:30+01:00"),
        (datetime(2026, 7, 14, 9, 30), "2026-07-14T09:30+02:00"),
        # The switch to summer time, last Sunday of March, and back, last Sunday of October.
        (datetime(2026, 3, 29, 1, 30), "2026-03-29T01:30+01:00"),
        (datetime(2026, 3, 29, 3, 30), "2026-03-29T03:30+02:00"),
        (datetime(2026, 10, 25, 3, 30), "2026-10-25T03:30+01:00"),
        # Aware datetimes are converted to Paris time.
        (datetime(2026, 1, 15, 8, 30, tzinfo=UTC), "2026-01-15T09:30+01:00"),
        (datetime(2026, 7, 14, 7, 30, tzinfo=UTC), "2026-07-14T09:30+02:00"),
        (datetime(2026, 7, 14, 9, 30, tzinfo=PARIS), "2026-07-14T09:30+02:00"),
        (datetime(2026, 7, 14, 12, 0, tzinfo=timezone(timedelta(hours=-5))), "2026-07-14T19:00+02:00"),
        (date(2026, 11, 27), "2026-11-27"),
    ],
)
def test_datetime_iso_carries_the_paris_offset(value, expected):
    assert datetime_iso(value) == expected


def test_aware_datetime_is_dated_by_the_paris_calendar():
    # 23:30 UTC on 31 March is already 1er avril in Paris (summer time, +02:00).
    late = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)
    assert date_long(late) == "mercredi 1er avril 2026"
    assert date_short(late) == "1er avril 2026"
    # 23:30 UTC on 31 December is 1er janvier in Paris (winter time, +01:00).
    assert date_short(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == "1er janvier 2027"
    # The same instant, naive, is taken as Paris time and stays on its own day.
    assert date_short(datetime(2026, 3, 31, 23, 30)) == "31 mars 2026"


def test_filters_follow_the_site_timezone():
    filters = filters_for({"TIMEZONE": "America/Montreal"})
    instant = datetime(2026, 1, 1, 3, 0, tzinfo=UTC)
    assert filters["date_long"](instant) == "mercredi 31 décembre 2025"
    assert filters["datetime_iso"](instant) == "2025-12-31T22:00-05:00"
    assert filters_for({})["date_long"](instant) == "jeudi 1er janvier 2026"


def test_filters_remember_answers_only_for_the_same_value():
    # The filters keep each answer for the build; values that compare equal must still
    # get their own: the two 02:30 of the night the clocks turn back (fold), the same
    # instant written in two zones (same answer), a date and the midnight of that day.
    filters = filters_for({"TIMEZONE": "Europe/Paris"})
    first, second = datetime(2026, 10, 25, 2, 30), datetime(2026, 10, 25, 2, 30, fold=1)
    values = [first, second, first, second, first.replace(tzinfo=PARIS), second.replace(tzinfo=PARIS),
              datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
              date(2026, 10, 25), datetime(2026, 10, 25), date(2026, 10, 25)]
    for name, function in (("date_long", date_long), ("date_short", date_short), ("datetime_iso", datetime_iso)):
        assert [filters[name](value) for value in values] == [function(value, PARIS) for value in values]
    assert filters["datetime_iso"](first) == "2026-10-25T02:30+02:00"
    assert filters["datetime_iso"](second) == "2026-10-25T02:30+01:00"
    with pytest.raises(TypeError, match="french_dates: datetime_iso expects a date or a datetime"):
        filters["datetime_iso"]("2026-01-01")


@pytest.mark.parametrize("bad", [None, "2026-01-01", 20260101])
def test_a_value_that_is_not_a_date_gets_a_clear_error(bad):
    with pytest.raises(TypeError) as error:
        date_long(bad)
    message = str(error.value)
    assert message.startswith("french_dates: date_long expects a date or a datetime, got ")
    assert repr(bad) in message and "article.date" in message


def test_build_does_not_depend_on_the_os_locale(tmp_path):
    """A build under LANG=C (no fr_FR anywhere) still writes French dates and typography."""
    script = textwrap.dedent(
        f"""
        import locale
        assert locale.setlocale(locale.LC_ALL) == "C", locale.setlocale(locale.LC_ALL)
        from desk.build import build_site
        result = build_site(content={str(ROOT / "tests" / "sites" / "typography-basic")!r},
                            output={str(tmp_path / "out")!r})
        assert not result.errors, result.errors
        """
    )
    env = python_path({"PATH": "/usr/bin:/bin", "LANG": "C", "LC_ALL": "C"})
    done = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    winter = soup(tmp_path / "out" / "hematologie" / "visio-du-vendredi" / "index.html")
    time_tag = winter.select_one(".article time[datetime]")
    assert time_tag["datetime"] == "2026-01-01T10:30+01:00"
    assert time_tag.get_text() == "jeudi 1er janvier 2026"
    summer = soup(tmp_path / "out" / "urgences" / "samu-formation" / "index.html")
    time_tag = summer.select_one(".article time[datetime]")
    assert time_tag["datetime"] == "2026-07-14T08:00+02:00"
    assert time_tag.get_text() == "mardi 14 juillet 2026"
