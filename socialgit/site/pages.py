"""Page builders of the model stage: agenda, month grids, weeks, channels, campaigns (pure; posts: post_page.py)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Iterable, Mapping

from .. import textlimits, timing
from ..content import Post
from ..ledger import parse_instant
from ..problems import Problem
from . import calendar_math as cm
from . import model as m
from .views import (AgendaPage, Attention, Chip, DayCell, DayList, HourRow, MonthGroup, MonthPage, ProblemView, Recent,
                    ScopeIndexEntry, ScopeIndexPage, ScopePage, WeekDay, WeekPage)

MAX_CHIPS = 3  # per day cell; a fourth post turns the third slot into "+N more"
RECENT_DAYS = 14
# a channel's or campaign's page lists the months nearest today up to about this many posts (at least one
# month); past that a list is a long scroll (a busy channel's three years were 7 MB), and every month has a grid
SCOPE_LIST_POSTS = 250
UPCOMING = 8
ATTENTION_STATES = (timing.FAILED, timing.UNCERTAIN, timing.MISSED)
ATTENTION_SHOWN = 10  # failed and missed posts on the agenda, the newest; older ones fold under "N older"


def _counts(states) -> tuple[tuple[str, int], ...]:
    tally: dict[str, int] = defaultdict(int)
    for state in states:
        tally[state] += 1
    return tuple((s, tally[s]) for s in timing.STATES if tally[s])


# --- agenda -----------------------------------------------------------------

def agenda(ctx: "m.Context") -> AgendaPage:
    config, zone, now, today, loc = ctx.config, ctx.zone, ctx.source.now, ctx.today, ctx.loc
    chips = ctx.chips
    due = tuple(chips[p.id] for p in ctx.posts if ctx.states[p.id] == timing.DUE)
    upcoming = tuple(chips[p.id] for p in timing.upcoming(ctx.posts, now, UPCOMING))
    week_days = cm.week_dates(*cm.week_key(today, config.week_start), config.week_start)
    by_day = m.group_by_day(list(chips.values()))
    week = tuple(DayList(d, m.day_title(d, today, loc), d == today, tuple(by_day.get(d, ()))) for d in week_days)
    recent = []
    since = today - timedelta(days=RECENT_DAYS)
    for post in ctx.posts:
        receipts = ctx.receipts(post.id)
        times = [r.published_at for r in receipts.values() if r.state == "published" and r.published_at]
        if not times or max(times).astimezone(zone).date() < since or max(times) > now:
            continue
        links = tuple((ctx.channels[c].label, r.url) for c, r in sorted(receipts.items())
                      if c in ctx.channels and r.state == "published" and r.url
                      and r.url.startswith(("https://", "http://")))
        recent.append((max(times), Recent(chips[post.id], m.short_time(max(times), zone, loc), links)))
    recent.sort(key=lambda pair: (pair[0], pair[1].chip.id), reverse=True)
    ordered = []
    for post in ctx.posts:
        # one line per post and kind of trouble, naming every channel it hit
        grouped: dict[tuple[str, str], list[str]] = {}
        for channel, state in ctx.channel_states[post.id].items():
            if state in ATTENTION_STATES:
                receipt = ctx.receipts(post.id).get(channel)
                why = (receipt.error or "") if receipt else ""
                label = ctx.channels[channel].label if channel in ctx.channels else channel
                grouped.setdefault((state, why), []).append(label)
        ordered += [(timing.attention_order(state, post.publish_at),
                     Attention(chips[post.id], tuple(labels), state, why)) for (state, why), labels in grouped.items()]
    ordered.sort(key=lambda pair: pair[0])
    attention = [item for _, item in ordered]
    shown = sum(a.state == timing.UNCERTAIN for a in attention) + ATTENTION_SHOWN  # uncertain ones never fold
    problems = problem_views(set(ctx.source.problems) | set(ctx.source.check), {p.path: p.id for p in ctx.posts})
    beat = ctx.source.calendar.heartbeat or {}
    runner = m.local_text(parse_instant(beat.get("last_run")), zone, loc=loc)
    undated = tuple(chips[p.id] for p in ctx.posts if p.publish_at is None)
    return AgendaPage("index.html", m.day_title(today, today, loc), due, upcoming, week,
                      tuple(r for _, r in recent[:10]), tuple(attention[:shown]), problems, runner, undated,
                      _counts(ctx.states.values()), tuple(attention[shown:]))


def problem_views(problems: Iterable[Problem], posts_by_path: Mapping[str, str]) -> tuple[ProblemView, ...]:
    """The home page's list of what check and reading found, errors first, each linked to its post's page."""
    found = []
    for problem in sorted(problems, key=lambda p: ({"error": 0, "warning": 1}.get(p.level, 2), p.path,
                                                   p.line or 0, p.message)):
        # missed posts are already listed above with their state; check repeats them as warnings
        if "never published on" in problem.message or problem.level not in ("error", "warning"):
            continue
        where = f"{problem.path}:{problem.line}" if problem.line else problem.path
        post_id = posts_by_path.get(problem.path)
        found.append(ProblemView(problem.level, where, problem.message,
                                 f"posts/{post_id}/index.html" if post_id else None))
    return tuple(found)


# --- month grids ------------------------------------------------------------

def months(ctx: "m.Context", prefix: str, scope_title: str, scope_path: str, posts: list[Post],
           every_month: bool = False, listed: frozenset[tuple[int, int]] = frozenset()) -> list[MonthPage]:
    """Month grids for ``posts`` under ``prefix``: every month of the span, or only those with posts.

    A full day links to its list: on the scope's page when it lists the day's month (``listed``),
    else to the day in its week.

    Months are those of the site's calendar system (Jalali months on a Jalali site), and so are
    their paths: ``calendar/1405/09/`` is Azar 1405. Week paths stay ISO weeks in either system.
    """
    config, today, loc = ctx.config, ctx.today, ctx.loc
    system = loc.system
    chips = [ctx.chips[p.id] for p in posts]
    by_day = m.group_by_day(chips)
    with_posts = sorted({system.month_of(d) for d in by_day})
    if every_month:
        span = with_posts + [system.month_of(today)]
        keys = cm.months_between(min(span), max(span))
    else:
        keys = with_posts
    order = cm.weekday_order(config.week_start)
    weekdays = tuple(loc.weekday(n) for n in order)
    found = []
    for index, (year, month) in enumerate(keys):
        weeks, week_links, count = [], [], 0
        for row in cm.month_grid(year, month, config.week_start, system):
            cells = []
            for day in row:
                mine = tuple(by_day.get(day, ()))
                in_month = system.month_of(day) == (year, month)
                count += len(mine) if in_month else 0
                shown = mine if len(mine) <= MAX_CHIPS else mine[:MAX_CHIPS - 1]
                more = len(mine) - len(shown)
                more_path = "" if not more else (  # only a full day links to its list
                    f"{scope_path}#d-{day.isoformat()}" if system.month_of(day) in listed
                    else f"{m.week_path(cm.week_key(day, config.week_start))}#d-{day.isoformat()}")
                cells.append(DayCell(day, in_month, day == today, shown, more, more_path))
            weeks.append(tuple(cells))
            key = cm.week_key(row[0], config.week_start)
            week_links.append((m.week_path(key), loc.week_number(*key, row)))
        prev_key = keys[index - 1] if index else None
        next_key = keys[index + 1] if index + 1 < len(keys) else None
        found.append(MonthPage(
            m.month_path(prefix, year, month), scope_title, scope_path, year, month, loc.month_title(year, month),
            weekdays, tuple(weeks), tuple(week_links),
            m.month_path(prefix, *prev_key) if prev_key else None, loc.month_title(*prev_key) if prev_key else None,
            m.month_path(prefix, *next_key) if next_key else None, loc.month_title(*next_key) if next_key else None,
            count))
    return found


# --- weeks ------------------------------------------------------------------

def weeks(ctx: "m.Context") -> list[WeekPage]:
    config, zone, today, loc = ctx.config, ctx.zone, ctx.today, ctx.loc
    system = loc.system
    by_day = m.group_by_day(list(ctx.chips.values()))
    dated = sorted(by_day) + [today]
    first, last = min(dated), max(dated)
    # the weeks of every month shown, so each month row links to an existing week page
    first = system.first_day(*system.month_of(first))
    last = system.last_day(*system.month_of(last))
    keys = cm.weeks_between(first, last, config.week_start)
    found = []
    for index, key in enumerate(keys):
        days = cm.week_dates(*key, config.week_start)
        week_days, slots = [], []
        for day in days:
            length = cm.day_length(day, zone)
            clocks = ""
            if length != timedelta(hours=24):
                change = length - timedelta(hours=24)
                minutes = abs(int(change.total_seconds() // 60))
                amount = (loc.gettext("%(hours)s h", hours=loc.digits(minutes // 60)) if minutes % 60 == 0
                          else loc.gettext("%(minutes)s min", minutes=loc.digits(minutes)))
                clocks = (loc.gettext("Clocks go back %(amount)s", amount=amount) if change > timedelta(0)
                          else loc.gettext("Clocks go forward %(amount)s", amount=amount))
            week_days.append(WeekDay(day, loc.weekday(day), day == today, clocks, tuple(by_day.get(day, ()))))
            slots.append(cm.hour_slots(day, zone))
        hours_used = [int(c.time[:2]) for d in week_days for c in d.chips if c.time]
        start = min(hours_used + [8])
        end = max(hours_used + [18])
        rows = []
        for hour in range(start, end + 1):
            cells = tuple(tuple(c for c in d.chips if c.time and int(c.time[:2]) == hour) for d in week_days)
            rows.append(HourRow(hour, loc.digits(f"{hour:02d}:00"), cells, tuple(s[hour].count for s in slots)))
        # the month holding most of the week, unless that month has no page (the span's edge)
        month = next(d for d in (days[3], days[0], days[-1]) if first <= d <= last)
        found.append(WeekPage(
            m.week_path(key), key[0], key[1], loc.week_title(key[0], key[1], days), tuple(week_days), tuple(rows),
            m.month_path("calendar/", *system.month_of(month)),
            m.week_path(keys[index - 1]) if index else None,
            m.week_path(keys[index + 1]) if index + 1 < len(keys) else None))
    return found


# --- channels and campaigns -------------------------------------------------

class _ScopeList:
    """What a channel's or campaign's page lists: its months nearest today, day by day."""

    def __init__(self, ctx: "m.Context", prefix: str, posts: list[Post]) -> None:
        loc = ctx.loc
        by_month: dict[tuple[int, int], dict[date, list[Chip]]] = defaultdict(lambda: defaultdict(list))
        for post in posts:
            chip = ctx.chips[post.id]
            if chip.day is not None:
                by_month[loc.system.month_of(chip.day)][chip.day].append(chip)
        counts = {key: sum(map(len, days.values())) for key, days in by_month.items()}
        keys = cm.nearest_months(counts, loc.system.month_of(ctx.today), SCOPE_LIST_POSTS) if counts else []
        self.listed = frozenset(keys)
        self.months = tuple(self._group(ctx, prefix, key, by_month[key] if key in self.listed else None)
                            for key in sorted(by_month))
        # the first and last month listed, when the list leaves months out
        self.span = (loc.month_title(*keys[0]), loc.month_title(*keys[-1])) if len(keys) < len(counts) else None

    @staticmethod
    def _group(ctx: "m.Context", prefix: str, key: tuple[int, int], days: dict | None) -> MonthGroup:
        """A month of the page: day by day when it is listed (``days``), else only its grid's link."""
        listed = tuple(DayList(d, m.day_title(d, ctx.today, ctx.loc), d == ctx.today, tuple(chips))
                       for d, chips in sorted(days.items())) if days is not None else ()
        return MonthGroup(ctx.loc.month_title(*key), m.month_path(prefix, *key), listed, days is not None)


def _span(ctx: "m.Context", posts: list[Post]) -> tuple[str, str]:
    dated = [p.publish_at for p in posts if p.publish_at]
    if not dated:
        return "", ""
    first, last = min(dated).astimezone(ctx.zone), max(dated).astimezone(ctx.zone)
    return (ctx.loc.date_text(first.date(), month="short"), ctx.loc.date_text(last.date(), month="short"))


def scopes(ctx: "m.Context") -> list:
    loc, _ = ctx.loc, ctx.loc.gettext
    found: list = []
    index_entries = []
    for name, view in ctx.channels.items():
        posts = [p for p in ctx.posts if name in p.channels]
        prefix = f"channels/{name}/"
        settings = ctx.config.channels[name]
        rules = settings.cadence
        facts = [(_("Network"), loc.word("network", view.network) if view.network != "none"
                   else _("none (no length limit)")),
                 (_("Type"), loc.word("channel type", settings.type))]
        limit = view.limit or textlimits.DEFAULT_LIMITS.get(view.network)
        if limit:
            facts.append((_("Length limit"), loc.digits(limit)))
        for label, value in ((_("At most per day"), rules.max_per_day), (_("At most per week"), rules.max_per_week),
                             (_("At least per week"), rules.min_per_week)):
            if value is not None:
                facts.append((label, loc.digits(value)))
        if rules.min_gap is not None:
            facts.append((_("Minimum gap"), loc.duration(int(rules.min_gap.total_seconds() // 60))))
        title = _("Channel %(label)s", label=view.label)
        listing = _ScopeList(ctx, prefix, posts)
        found.append(ScopePage(view.path, "channel", name, title, view, tuple(facts), listing.months,
                               _counts(ctx.states[p.id] for p in posts), listing.span))
        found += months(ctx, prefix, title, view.path, posts, listed=listing.listed)
        index_entries.append(ScopeIndexEntry(view.label, view.path, len(posts), *_span(ctx, posts), view))
    found.append(ScopeIndexPage("channels/index.html", "channel", _("Channels"), tuple(index_entries)))
    campaigns: dict[str, list[Post]] = defaultdict(list)
    for post in ctx.posts:
        if post.campaign:
            campaigns[post.campaign].append(post)
    if campaigns:
        entries = []
        for name in sorted(campaigns):
            folder = ctx.campaign_folders[name]
            posts = campaigns[name]
            prefix = f"campaigns/{folder}/"
            path = prefix + "index.html"
            title = _("Campaign %(name)s", name=name)
            channel_names = sorted({c for p in posts for c in p.channels if c in ctx.channels})
            facts = ((_("Posts"), loc.digits(len(posts))), (_("From"), _span(ctx, posts)[0]),
                     (_("To"), _span(ctx, posts)[1]), (_("Channels"), loc.join(ctx.channels[c].label for c in channel_names)))
            listing = _ScopeList(ctx, prefix, posts)
            found.append(ScopePage(path, "campaign", name, title, None, facts, listing.months,
                                   _counts(ctx.states[p.id] for p in posts), listing.span))
            found += months(ctx, prefix, title, path, posts, listed=listing.listed)
            entries.append(ScopeIndexEntry(name, path, len(posts), *_span(ctx, posts), None))
        found.append(ScopeIndexPage("campaigns/index.html", "campaign", _("Campaigns"), tuple(entries)))
    return found
