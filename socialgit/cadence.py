"""Cadence rules per channel (posts per local day and week, the gap between posts), and the report of them.

Pure: takes posts and a channel's rules, returns the breaches; ``check`` reports them.
``cadence_report`` sets them week by week beside the channel's targets (the network's
published guidance filling what socialgit.toml leaves unset) for `socialgit insights`
and the insights page. Its messages are English, for the terminal; insights_words.py
says the same facts in a site's language.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Iterable, Mapping
from zoneinfo import ZoneInfo

from .config import Cadence, ChannelConfig, Config
from .content import Post
from .ledger import Receipt
from .timing import DUE, PARTLY, PUBLISHED, SCHEDULED, UNCERTAIN, channel_state

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


# ---- the report: posts per week against the channel's targets, past and planned (insights, site)

# published guidance (reference §5), used only where socialgit.toml sets nothing: soft warnings
SOFT_DEFAULTS = {"mastodon": Cadence(max_per_day=4, min_gap=timedelta(hours=1)),
                 "bluesky": Cadence(max_per_day=5, min_gap=timedelta(hours=1)),
                 "x": Cadence(max_per_day=5, min_gap=timedelta(hours=1))}
SILENCE = timedelta(days=14)
COUNTED = (PUBLISHED, PARTLY, SCHEDULED, DUE, UNCERTAIN)  # went out, or still will


def effective_cadence(channel: ChannelConfig) -> tuple[Cadence, frozenset[str]]:
    """The channel's targets, with the network's defaults filling the gaps; and which came from defaults."""
    mine, soft = channel.cadence, SOFT_DEFAULTS.get(channel.network, Cadence())
    merged = {name: getattr(mine, name) for name in ("max_per_day", "max_per_week", "min_gap", "min_per_week")}
    defaulted = frozenset(n for n, v in merged.items() if v is None and getattr(soft, n) is not None)
    return Cadence(**{n: getattr(soft, n) if n in defaulted else v for n, v in merged.items()}), defaulted


@dataclass(frozen=True)
class Week:
    start: date
    published: int  # before now
    planned: int  # from now on
    crowded: tuple[date, ...]  # days over max_per_day
    below_floor: bool = False  # fewer than min_per_week, once the channel was in use

    @property
    def posts(self) -> int:
        return self.published + self.planned


@dataclass(frozen=True)
class CadenceIssue:
    kind: str  # "day" | "week" | "gap" | "floor" | "silence"
    message: str  # in English, for the terminal; insights_words says it in the site's language
    soft: bool  # judged against a network default, not a target the team set
    posts: tuple[Post, ...] = ()
    span: tuple[date, date] | None = None  # the local days it covers: the day, the week, the gap or the silence
    length: timedelta | None = None  # between the two posts of a gap or a silence


def _breach_span(breach: Breach, zone: ZoneInfo, week_start: str) -> tuple[date, date]:
    first, last = (p.publish_at.astimezone(zone).date() for p in (breach.posts[0], breach.posts[-1]))
    if breach.kind == "week":
        first = week_start_of(first, week_start)
        return first, first + timedelta(days=6)
    return first, last


@dataclass(frozen=True)
class CadenceReport:
    channel: str
    label: str
    targets: Cadence
    defaults: frozenset[str]
    weeks: tuple[Week, ...]
    this_week: date
    issues: tuple[CadenceIssue, ...]


def cadence_report(posts: Iterable[Post], receipts: Mapping[str, Mapping[str, Receipt]], channel: ChannelConfig,
                   config: Config, now: datetime, weeks_back: int = 8, weeks_ahead: int = 4) -> CadenceReport:
    zone, week_start = config.timezone, config.week_start
    targets, defaults = effective_cadence(channel)
    first = week_start_of((now - timedelta(weeks=weeks_back)).astimezone(zone).date(), week_start)
    this_week = week_start_of(now.astimezone(zone).date(), week_start)
    last = this_week + timedelta(weeks=weeks_ahead)
    counted = sorted((p for p in posts if channel.name in p.channels and p.publish_at and
                      channel_state(p, receipts.get(p.id, {}).get(channel.name), now, config.grace,
                                    config.late) in COUNTED), key=lambda p: (p.publish_at, p.id))
    window = [p for p in counted if first <= p.publish_at.astimezone(zone).date() < last + timedelta(days=7)]
    found = breaches(window, replace(channel, cadence=targets), zone, week_start)
    soft_kind = {"day": "max_per_day", "week": "max_per_week", "gap": "min_gap"}
    issues = [CadenceIssue(b.kind, b.message, soft_kind[b.kind] in defaults, b.posts, _breach_span(b, zone, week_start),
                           b.posts[-1].publish_at - b.posts[0].publish_at if b.kind == "gap" else None)
              for b in found]
    opened = week_start_of(counted[0].publish_at.astimezone(zone).date(), week_start) if counted else None
    crowded = {b.posts[0].publish_at.astimezone(zone).date() for b in found if b.kind == "day"}
    weeks, floor = [], targets.min_per_week
    for index in range(weeks_back + weeks_ahead + 1):
        start = first + timedelta(weeks=index)
        mine = [p for p in window if week_start_of(p.publish_at.astimezone(zone).date(), week_start) == start]
        past = sum(p.publish_at <= now for p in mine)
        # weeks before the channel's first post are not gaps: the account was not in use yet
        below = floor is not None and len(mine) < floor and opened is not None and start >= opened
        weeks.append(Week(start, past, len(mine) - past,
                          tuple(sorted(d for d in crowded if start <= d < start + timedelta(days=7))), below))
        if below:
            tense = "has" if start + timedelta(days=7) <= now.astimezone(zone).date() else "has planned"
            issues.append(CadenceIssue("floor", f"channel {channel.name}: the week of {start:%Y-%m-%d} {tense} "
                                       f"{len(mine)} post(s), below min_per_week = {floor}", False, tuple(mine),
                                       (start, start + timedelta(days=6))))
    times = [p.publish_at for p in window]
    ends = times[1:] + ([now] if times and times[-1] < now else [])
    for before, after in zip(times, ends):
        if after - before > SILENCE:
            since, until = (t.astimezone(zone).strftime("%a %Y-%m-%d") for t in (before, after))
            issues.append(CadenceIssue("silence", f"channel {channel.name}: no post from {since} to {until} "
                                       f"({(after - before).days} days)", False,
                                       span=(before.astimezone(zone).date(), after.astimezone(zone).date()),
                                       length=after - before))
    return CadenceReport(channel.name, channel.label, targets, defaults, tuple(weeks), this_week, tuple(issues))
