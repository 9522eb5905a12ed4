"""Jalali (Solar Hijri) dates against the calendar Iran publishes, and the month grids built on them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from socialgit import jalali
from socialgit.site import calendar_math as cm

JALALI = jalali.system("jalali")
GREGORIAN = jalali.system("gregorian")

# Nowruz (1 Farvardin) of recent years, from the official calendar: the equinox before or after noon in Tehran
NOWRUZ = {1399: date(2020, 3, 20), 1400: date(2021, 3, 21), 1401: date(2022, 3, 21), 1402: date(2023, 3, 21),
          1403: date(2024, 3, 20), 1404: date(2025, 3, 21), 1405: date(2026, 3, 21), 1406: date(2027, 3, 21),
          1407: date(2028, 3, 20), 1408: date(2029, 3, 20), 1409: date(2030, 3, 21)}


@pytest.mark.parametrize("year, gregorian", sorted(NOWRUZ.items()))
def test_nowruz_falls_on_the_published_day(year, gregorian):
    assert JALALI.first_day(year, 1) == gregorian
    assert JALALI.parts(gregorian) == (year, 1, 1)
    assert JALALI.parts(gregorian - timedelta(days=1))[:2] == (year - 1, 12)


def test_leap_years_have_a_30th_of_esfand():
    # 1403 is leap under the 33-year rule Iran's calendar follows (the old 2820-year rule said 1404)
    assert [y for y in range(1395, 1412) if jalali.is_leap(y)] == [1395, 1399, 1403, 1408]
    assert JALALI.to_date(1403, 12, 30) == date(2025, 3, 20)
    assert JALALI.last_day(1404, 12) == date(2026, 3, 20)  # 29 Esfand: 1404 is a common year
    with pytest.raises(ValueError):
        JALALI.to_date(1404, 12, 30)


def test_the_year_lengths_agree_with_the_nowruz_dates():
    for year in range(1399, 1409):
        days = sum(JALALI.month_length(year, m) for m in range(1, 13))
        assert days == (NOWRUZ[year + 1] - NOWRUZ[year]).days == (366 if jalali.is_leap(year) else 365)


def test_known_days():
    assert JALALI.parts(date(2026, 11, 16)) == (1405, 8, 25)  # the demo's today: 25 Aban 1405
    assert JALALI.parts(date(2026, 12, 21)) == (1405, 9, 30)  # Yalda night, the last of Azar
    assert JALALI.parts(date(2026, 12, 22)) == (1405, 10, 1)  # 1 Dey
    assert JALALI.first_day(1405, 7) == date(2026, 9, 23)  # Mehr: the first 30-day month


def test_every_day_from_2020_to_2031_round_trips_and_follows_the_day_before():
    day = date(2020, 1, 1)
    previous = JALALI.parts(day - timedelta(days=1))
    while day < date(2031, 1, 1):
        y, m, d = JALALI.parts(day)
        assert JALALI.to_date(y, m, d) == day
        py, pm, pd = previous
        assert (y, m, d) == (py, pm, pd + 1) or (d == 1 and pd == JALALI.month_length(py, pm)
                                                 and (y, m) == cm.next_month(py, pm))
        previous = (y, m, d)
        day += timedelta(days=1)


def test_a_jalali_month_grid_covers_the_month_in_whole_weeks_from_saturday():
    grid = cm.month_grid(1405, 8, "saturday", JALALI)  # Aban 1405: 23 Oct – 21 Nov 2026
    assert all(len(row) == 7 and row[0].weekday() == 5 for row in grid)
    days = [d for row in grid for d in row]
    assert days[0] == date(2026, 10, 17) and days[-1] == date(2026, 11, 27)
    assert [d for d in days if JALALI.month_of(d) == (1405, 8)] == [date(2026, 10, 23) + timedelta(days=n)
                                                                    for n in range(30)]


def test_the_gregorian_system_is_the_default_grid():
    assert cm.month_grid(2026, 11, "monday") == cm.month_grid(2026, 11, "monday", GREGORIAN)
    assert GREGORIAN.last_day(2028, 2) == date(2028, 2, 29)


def test_week_numbers_of_the_jalali_year():
    # 1 Farvardin 1405 is a Saturday: the week from it is week 1
    assert JALALI.week_number(cm.week_dates(*cm.week_key(date(2026, 3, 21), "saturday"), "saturday")) == (1405, 1)
    assert JALALI.week_number(cm.week_dates(2026, 47, "saturday")) == (1405, 35)
    # the week that runs into Nowruz 1406 (a Sunday) is the first week of 1406
    last = cm.week_dates(*cm.week_key(date(2027, 3, 21), "saturday"), "saturday")
    assert last[0] == date(2027, 3, 20) and JALALI.week_number(last) == (1406, 1)
    assert JALALI.week_number(cm.week_dates(*cm.week_key(date(2027, 3, 19), "saturday"), "saturday"))[0] == 1405


def test_an_unknown_calendar_is_named_in_the_error():
    with pytest.raises(ValueError, match="hijri.*gregorian, jalali"):
        jalali.system("hijri")
