"""Calendar systems for the month grids: Gregorian, and Jalali (the Solar Hijri calendar of Iran).

A system names a day as (year, month, day) and knows where its months begin and end.
The site's month grids, month pages and dates in words use the configured system;
weeks, time arithmetic, week URLs and the feeds stay on plain ``datetime.date`` values.

Jalali dates come from jdatetime (5 and later), whose 33-year-cycle arithmetic agrees
with the calendar Iran publishes for these centuries: 1403 is a leap year (30 Esfand
1403 is 20 March 2025) and Nowruz 1405 is 21 March 2026.
"""

from __future__ import annotations

import calendar
from abc import ABC, abstractmethod
from datetime import date, timedelta

import jdatetime

GREGORIAN = "gregorian"
JALALI = "jalali"


class CalendarSystem(ABC):
    """What the month grids need from a calendar: a day's (year, month, day) and month boundaries."""

    name = ""

    @abstractmethod
    def parts(self, day: date) -> tuple[int, int, int]:
        """(year, month, day of month) of ``day`` in this calendar."""

    @abstractmethod
    def to_date(self, year: int, month: int, day: int) -> date:
        """The Gregorian ``date`` of this calendar's ``year``-``month``-``day``."""

    @abstractmethod
    def month_length(self, year: int, month: int) -> int:
        """Days in the month."""

    def month_of(self, day: date) -> tuple[int, int]:
        year, month, _ = self.parts(day)
        return year, month

    def first_day(self, year: int, month: int) -> date:
        return self.to_date(year, month, 1)

    def last_day(self, year: int, month: int) -> date:
        return self.first_day(year, month) + timedelta(days=self.month_length(year, month) - 1)

    def week_number(self, days: list[date]) -> tuple[int, int]:
        """(year, number) of the week made of ``days``: the week holding the 1st of month 1 is week 1.

        The year is the one of the week's last day, so the week that runs into New Year's
        day counts as the first week of the new year.
        """
        year = self.parts(days[-1])[0]
        new_year = self.first_day(year, 1)
        first_week = new_year - timedelta(days=(new_year.weekday() - days[0].weekday()) % 7)
        return year, (days[0] - first_week).days // 7 + 1


class Gregorian(CalendarSystem):
    name = GREGORIAN

    def parts(self, day: date) -> tuple[int, int, int]:
        return day.year, day.month, day.day

    def to_date(self, year: int, month: int, day: int) -> date:
        return date(year, month, day)

    def month_length(self, year: int, month: int) -> int:
        return calendar.monthrange(year, month)[1]


class Jalali(CalendarSystem):
    name = JALALI

    def parts(self, day: date) -> tuple[int, int, int]:
        jalali = jdatetime.date.fromgregorian(date=day)
        return jalali.year, jalali.month, jalali.day

    def to_date(self, year: int, month: int, day: int) -> date:
        return jdatetime.date(year, month, day).togregorian()

    def month_length(self, year: int, month: int) -> int:
        if month <= 6:
            return 31
        if month <= 11:
            return 30
        return 30 if is_leap(year) else 29


def is_leap(year: int) -> bool:
    """Whether the Jalali ``year`` has a 30th of Esfand."""
    return jdatetime.date(year, 1, 1).isleap()


SYSTEMS: dict[str, CalendarSystem] = {GREGORIAN: Gregorian(), JALALI: Jalali()}


def system(name: str) -> CalendarSystem:
    """The calendar system ``socialgit.toml``'s ``[site] calendar`` names (gregorian or jalali)."""
    try:
        return SYSTEMS[name]
    except KeyError:
        raise ValueError(f"calendar {name!r}: use one of {', '.join(SYSTEMS)}") from None
