"""Calendar arithmetic behind the month and week pages: week starts, ISO weeks, DST, far-off zones."""

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from socialgit import i18n
from socialgit.site import calendar_math as cm


@pytest.mark.parametrize("week_start, first_column", [("monday", 0), ("sunday", 6), ("saturday", 5)])
def test_month_grid_starts_each_row_on_the_configured_day(week_start, first_column):
    for year, month in [(2026, 2), (2026, 11), (2027, 1), (2024, 2), (2015, 2)]:
        grid = cm.month_grid(year, month, week_start)
        assert all(len(row) == 7 for row in grid)
        assert all(row[0].weekday() == first_column for row in grid)
        days = [d for row in grid for d in row]
        assert days == [days[0] + timedelta(days=n) for n in range(len(days))]  # contiguous
        inside = [d for d in days if d.month == month]
        assert inside[0] == date(year, month, 1) and inside[-1].month == month
        assert (inside[-1] + timedelta(days=1)).month != month
        assert days[0] <= date(year, month, 1) and days[-1] >= inside[-1]
        assert days[6] >= date(year, month, 1) and days[-7] <= inside[-1]  # no row outside the month


def test_month_grid_row_counts():
    # February 2015 starts on a Sunday and has 28 days: exactly 4 rows with a Sunday start, 5 with Monday
    assert len(cm.month_grid(2015, 2, "sunday")) == 4
    assert len(cm.month_grid(2015, 2, "monday")) == 5
    # August 2026 starts on a Saturday: 6 rows when weeks start on Monday, 5 when on Saturday
    assert len(cm.month_grid(2026, 8, "monday")) == 6
    assert len(cm.month_grid(2026, 8, "saturday")) == 5


def test_weekday_order_per_week_start():
    assert cm.weekday_order("monday") == [0, 1, 2, 3, 4, 5, 6]
    assert cm.weekday_order("sunday") == [6, 0, 1, 2, 3, 4, 5]
    assert cm.weekday_order("saturday") == [5, 6, 0, 1, 2, 3, 4]


def test_iso_week_53_exists_in_2026_and_the_week_crosses_the_year_end():
    days = cm.week_dates(2026, 53, "monday")
    assert days[0] == date(2026, 12, 28) and days[-1] == date(2027, 1, 3)
    assert cm.week_key(date(2027, 1, 3), "monday") == (2026, 53)
    assert cm.week_key(date(2027, 1, 4), "monday") == (2027, 1)
    # 2025 has no W53: its last days belong to 2026-W01
    assert cm.week_key(date(2025, 12, 29), "monday") == (2026, 1)


@pytest.mark.parametrize("week_start", ["monday", "sunday", "saturday"])
def test_every_day_is_in_exactly_one_named_week(week_start):
    day, seen = date(2025, 12, 1), {}
    while day < date(2028, 2, 1):
        key = cm.week_key(day, week_start)
        assert day in cm.week_dates(*key, week_start)
        seen.setdefault(key, []).append(day)
        day += timedelta(days=1)
    assert all(len(days) == 7 for key, days in seen.items() if days[0] > date(2025, 12, 10)
               and days[-1] < date(2028, 1, 20))
    # a week that starts on Sunday 27 Dec 2026 holds Monday 28 Dec: it is 2026-W53
    if week_start == "sunday":
        assert cm.week_key(date(2026, 12, 27), "sunday") == (2026, 53)
        assert cm.week_dates(2026, 53, "sunday")[0] == date(2026, 12, 27)


def test_weeks_between_covers_a_span_across_years_without_gaps():
    keys = cm.weeks_between(date(2026, 12, 1), date(2027, 1, 31), "monday")
    assert keys[0] == (2026, 49) and (2026, 53) in keys and keys[-1] == (2027, 4)
    starts = [cm.week_dates(*k, "monday")[0] for k in keys]
    assert all(b - a == timedelta(days=7) for a, b in zip(starts, starts[1:]))


def test_months_between_and_neighbours():
    assert cm.months_between((2026, 11), (2027, 2)) == [(2026, 11), (2026, 12), (2027, 1), (2027, 2)]
    assert cm.next_month(2026, 12) == (2027, 1) and cm.prev_month(2027, 1) == (2026, 12)


TORONTO = ZoneInfo("America/Toronto")


def test_dst_spring_forward_day_has_23_hours_and_no_2am():
    day = date(2026, 3, 8)
    assert cm.day_length(day, TORONTO) == timedelta(hours=23)
    slots = cm.hour_slots(day, TORONTO)
    assert [s.count for s in slots if s.hour in (1, 2, 3)] == [1, 0, 1]


def test_dst_fall_back_day_has_25_hours_and_1am_twice():
    day = date(2026, 11, 1)
    assert cm.day_length(day, TORONTO) == timedelta(hours=25)
    assert [s.count for s in cm.hour_slots(day, TORONTO) if s.hour in (0, 1, 2)] == [1, 2, 1]


def test_an_ordinary_day_has_every_hour_once():
    assert {s.count for s in cm.hour_slots(date(2026, 11, 16), TORONTO)} == {1}
    assert cm.day_length(date(2026, 11, 16), TORONTO) == timedelta(hours=24)


def test_half_hour_dst_in_lord_howe():
    zone = ZoneInfo("Australia/Lord_Howe")  # moves its clocks by 30 minutes
    assert cm.day_length(date(2026, 10, 4), zone) == timedelta(hours=23, minutes=30)
    assert all(s.count >= 1 for s in cm.hour_slots(date(2026, 10, 4), zone))


def test_zones_far_from_utc_put_a_moment_on_a_different_local_day():
    moment = datetime(2026, 12, 31, 20, 0, tzinfo=timezone.utc)
    assert cm.local_day(moment, ZoneInfo("Pacific/Kiritimati")) == date(2027, 1, 1)  # UTC+14
    assert cm.local_day(moment, ZoneInfo("Pacific/Pago_Pago")) == date(2026, 12, 31)  # UTC-11
    assert cm.local_day(datetime(2026, 6, 1, 20, 45, tzinfo=timezone.utc), ZoneInfo("Asia/Tehran")) == date(2026, 6, 2)  # UTC+3:30


def test_tehran_has_no_dst_any_more_and_kiritimati_has_whole_days():
    for day in (date(2026, 3, 21), date(2026, 9, 21)):
        assert cm.day_length(day, ZoneInfo("Asia/Tehran")) == timedelta(hours=24)
    midnight = cm.next_local_midnight(datetime(2026, 11, 16, 9, 59, tzinfo=timezone.utc), ZoneInfo("Pacific/Kiritimati"))
    assert midnight == datetime(2026, 11, 16, 10, 0, tzinfo=timezone.utc)


def test_a_day_skipped_by_its_zone_has_no_hours():
    # Samoa jumped from 29 to 31 December 2011
    assert {s.count for s in cm.hour_slots(date(2011, 12, 30), ZoneInfo("Pacific/Apia"))} == {0}


def test_titles():
    english = i18n.ENGLISH  # titles in words are the locale's (tests/test_i18n.py has the Persian ones)
    assert english.month_title(2026, 11) == "November 2026"
    assert english.week_title(2026, 53, cm.week_dates(2026, 53, "monday")) == "Week 53, 2026 · 28 Dec 2026 – 3 Jan 2027"
    assert english.week_title(2026, 47, cm.week_dates(2026, 47, "monday")) == "Week 47, 2026 · 16–22 November 2026"


def test_nearest_months_take_the_months_around_the_current_one_up_to_the_posts_allowed():
    counts = {(2026, 9): 1, (2026, 10): 4, (2026, 11): 4, (2026, 12): 1, (2027, 1): 3}
    assert cm.nearest_months(counts, (2026, 11), 5) == [(2026, 11), (2026, 12)]
    # October and December are as near: December first, then October fits too
    assert cm.nearest_months(counts, (2026, 11), 9) == [(2026, 10), (2026, 11), (2026, 12)]
    assert cm.nearest_months({(2026, 10): 1, (2026, 12): 1}, (2026, 11), 1) == [(2026, 12)]
    # the months taken are a run: January does not fit, so September (it would) is not taken past it
    assert cm.nearest_months(counts, (2026, 11), 10) == [(2026, 10), (2026, 11), (2026, 12)]
    assert cm.nearest_months(counts, (2026, 11), 12) == [(2026, 10), (2026, 11), (2026, 12), (2027, 1)]
    assert cm.nearest_months(counts, (2026, 11), 100) == sorted(counts)
    # one month even when it alone holds more; a finished campaign lists its last months
    assert cm.nearest_months(counts, (2026, 11), 2) == [(2026, 11)]
    assert cm.nearest_months({(2024, 3): 2, (2024, 5): 2, (2023, 12): 9}, (2026, 11), 4) == [(2024, 3), (2024, 5)]
    assert cm.nearest_months(counts, (2025, 12), 1) == [(2026, 9)]  # across a year end
