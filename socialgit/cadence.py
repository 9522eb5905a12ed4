"""Cadence rules per channel (posts per local day and week, the gap between posts).

Pure: takes posts and a channel's rules, returns the breaches. ``check`` reports
them; the insights page charts them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Iterable
from zoneinfo import ZoneInfo

from .config import ChannelConfig
from .content import Post

WEEKDAY_INDEX = {"monday": 0, "sunday": 6, "saturday": 5}


@dataclass(frozen=True)
class Breach:
    kind: str  # "day" | "week" | "gap"
    channel: str
    posts: tuple[Post, ...]
    message: str


def week_start_of(day: date, week_start: str) -> date:
    return day - timedelta(days=(day.weekday() - WEEKDAY_INDEX[week_start]) % 7)


def _human(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def breaches(posts: Iterable[Post], channel: ChannelConfig, zone: ZoneInfo, week_start: str) -> list[Breach]:
    """Every place where the planned posts on ``channel`` break its cadence rules."""
    rules = channel.cadence
    # a reply answers one person; cadence is about what the whole audience sees
    mine = sorted((p for p in posts if not p.is_draft and p.publish_at and channel.name in p.channels
                   and not p.in_reply_to), key=lambda p: (p.publish_at, p.id))
    found: list[Breach] = []
    if rules.max_per_day is not None or rules.max_per_week is not None:
        by_day: dict[date, list[Post]] = defaultdict(list)
        by_week: dict[date, list[Post]] = defaultdict(list)
        for post in mine:
            day = post.publish_at.astimezone(zone).date()
            by_day[day].append(post)
            by_week[week_start_of(day, week_start)].append(post)
        if rules.max_per_day is not None:
            for day, group in sorted(by_day.items()):
                if len(group) > rules.max_per_day:
                    found.append(Breach("day", channel.name, tuple(group),
                                        f"channel {channel.name} has {len(group)} posts on {day:%a %Y-%m-%d}, "
                                        f"more than max_per_day = {rules.max_per_day}"))
        if rules.max_per_week is not None:
            for start, group in sorted(by_week.items()):
                if len(group) > rules.max_per_week:
                    found.append(Breach("week", channel.name, tuple(group),
                                        f"channel {channel.name} has {len(group)} posts in the week of "
                                        f"{start:%Y-%m-%d}, more than max_per_week = {rules.max_per_week}"))
    if rules.min_gap is not None:
        for before, after in zip(mine, mine[1:]):
            gap = after.publish_at - before.publish_at
            if gap < rules.min_gap:
                found.append(Breach("gap", channel.name, (before, after),
                                    f"channel {channel.name}: only {_human(gap)} after {before.path}, "
                                    f"less than min_gap = {_human(rules.min_gap)}"))
    return found
