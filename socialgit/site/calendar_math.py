"""Month grids, weeks and hours of a local day: pure date arithmetic for the calendar pages.

A *week* here starts on the configured day (monday, sunday or saturday) and is
named by the ISO week of the Monday inside it, so every week the site shows has
exactly one `YYYY-Www` name and every ISO week exists as a page, including W53
in the years that have one. Months are those of a calendar system (socialgit/jalali.py):
Gregorian by default, Jalali on a Persian calendar. Names and titles in words are
the locale's job (socialgit/i18n.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from ..jalali import GREGORIAN, SYSTEMS, CalendarSystem

WEEKDAY_INDEX = {"monday": 0, "sunday": 6, "saturday": 5}


def weekday_order(week_start: str) -> list[int]:
    """Python weekday numbers (Monday = 0) in the order the columns show them."""
    first = WEEKDAY_INDEX[week_start]
    return [(first + offset) % 7 for offset in range(7)]


def week_start_of(day: date, week_start: str) -> date:
    return day - timedelta(days=(day.weekday() - WEEKDAY_INDEX[week_start]) % 7)


def week_key(day: date, week_start: str) -> tuple[int, int]:
    """(ISO year, ISO week) naming the configured week that holds ``day``."""
    start = week_start_of(day, week_start)
    monday = start + timedelta(days=(0 - WEEKDAY_INDEX[week_start]) % 7)
    iso = monday.isocalendar()
    return iso.year, iso.week


def week_dates(iso_year: int, iso_week: int, week_start: str) -> list[date]:
    """The seven days of the configured week named ``iso_year``-W``iso_week``, in column order."""
    monday = date.fromisocalendar(iso_year, iso_week, 1)
    start = monday - timedelta(days=(0 - WEEKDAY_INDEX[week_start]) % 7)
    return [start + timedelta(days=n) for n in range(7)]


def month_grid(year: int, month: int, week_start: str,
               system: CalendarSystem = SYSTEMS[GREGORIAN]) -> list[list[date]]:
    """Whole weeks covering the month of ``system``: 4 to 6 rows of 7 days, spilling into the months around it."""
    first, last = system.first_day(year, month), system.last_day(year, month)
    day = week_start_of(first, week_start)
    weeks = []
    while day <= last:
        weeks.append([day + timedelta(days=n) for n in range(7)])
        day += timedelta(days=7)
    return weeks


def next_month(year: int, month: int) -> tuple[int, int]:
    # both calendar systems have twelve months a year
    return (year + 1, 1) if month == 12 else (year, month + 1)


def prev_month(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def months_between(first: tuple[int, int], last: tuple[int, int]) -> list[tuple[int, int]]:
    """Every (year, month) from ``first`` to ``last`` inclusive."""
    found, current = [], first
    while current <= last:
        found.append(current)
        current = next_month(*current)
    return found


def nearest_months(counts: dict[tuple[int, int], int], current: tuple[int, int], most: int) -> list[tuple[int, int]]:
    """The months of ``counts`` (month → posts) nearest ``current`` that hold ``most`` posts between them, in order.

    At least one month; on a tie the later month is nearer (what is coming matters more
    than what is done). Months nearest a point are always a run of the months given.
    """
    def distance(key: tuple[int, int]) -> tuple[int, int]:
        apart = (key[0] - current[0]) * 12 + key[1] - current[1]
        return abs(apart), apart < 0

    chosen, total = [], 0
    for key in sorted(counts, key=distance):
        if chosen and total + counts[key] > most:
            break
        chosen.append(key)
        total += counts[key]
    return sorted(chosen)


def weeks_between(first: date, last: date, week_start: str) -> list[tuple[int, int]]:
    """The week keys of every week touching the days ``first``..``last``."""
    found, day = [], week_start_of(first, week_start)
    while day <= last:
        found.append(week_key(day, week_start))
        day += timedelta(days=7)
    return found


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


@dataclass(frozen=True)
class HourSlot:
    """One wall-clock hour of a local day; ``count`` is 0 in a DST gap, 2 when clocks go back."""

    hour: int
    count: int

    @property
    def label(self) -> str:
        return f"{self.hour:02d}:00"


def hour_slots(day: date, zone: ZoneInfo) -> list[HourSlot]:
    """The 24 wall-clock hours of ``day`` in ``zone``, each with how often it happens.

    Counted by walking real (UTC) minutes across the day, so any offset change —
    whole hours, half hours, or a zone skipping a day — is seen as it is.
    """
    midnight = datetime.combine(day, time(0), zone)
    following = datetime.combine(day + timedelta(days=1), time(0), zone)
    if (midnight.utcoffset() == following.utcoffset() and day_length(day, zone) == timedelta(hours=24)
            and midnight.astimezone(timezone.utc).astimezone(zone).date() == day):
        return [HourSlot(hour, 1) for hour in range(24)]  # no clock change today: the common case
    counts = [0] * 24
    start = datetime.combine(day, time(0), zone).astimezone(timezone.utc) - timedelta(hours=3)
    end = datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(timezone.utc) + timedelta(hours=3)
    seen: set[tuple[int, int]] = set()  # (hour, utc offset minutes): one count per distinct occurrence
    moment = start
    while moment < end:
        local = moment.astimezone(zone)
        if local.date() == day:
            offset = int(local.utcoffset().total_seconds() // 60)
            if (local.hour, offset) not in seen:
                seen.add((local.hour, offset))
                counts[local.hour] += 1
        moment += timedelta(minutes=15)
    return [HourSlot(hour, counts[hour]) for hour in range(24)]


def day_length(day: date, zone: ZoneInfo) -> timedelta:
    """Real time between this local midnight and the next: 23 h or 25 h on DST days."""
    start = datetime.combine(day, time(0), zone).astimezone(timezone.utc)
    end = datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(timezone.utc)
    return end - start


def next_local_midnight(moment: datetime, zone: ZoneInfo) -> datetime:
    """The first instant of the next local day, as an aware UTC time."""
    tomorrow = moment.astimezone(zone).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(0), zone).astimezone(timezone.utc)


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), zone).astimezone(timezone.utc)

