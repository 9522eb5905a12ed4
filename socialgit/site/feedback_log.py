"""The feedback log pages: every reply, mention and quote, newest first, with counts, filters and weekly figures (pure).

The items are shown as feedback_entries.py makes them (safe text, threads).
Filters work without JavaScript: one static page per status, sentiment,
network and assignee (paged, newest first); a post's feedback is on its page.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Container
from dataclasses import dataclass
from datetime import date, timedelta

from .. import i18n
from ..feedback import UNCLASSIFIED, FeedbackItem, sentiment_label
from ..vocabulary import LABELS, SENTIMENTS, STATUSES
from . import calendar_math as cm
from . import model as m
from .feedback_entries import FeedbackEntry, Threads, response_times, duration, line, page_path, paging, threads
from .views import Chip

ATTENTION_MAX = 50
WEEKS = 12


def _shown_sentiments(present: Container[str]) -> list[str]:
    """The sentiments the log counts and filters by: the three tones always, the others when some item has them."""
    # the classifier never gives "question" as a sentiment (it is an intent): shown when a person wrote it
    return [s for s in (*LABELS, UNCLASSIFIED) if s in SENTIMENTS or s in present]


# --- the log pages ----------------------------------------------------------

@dataclass(frozen=True, slots=True)
class FilterLink:
    label: str
    path: str
    count: int
    current: bool


@dataclass(frozen=True, slots=True)
class FilterGroup:
    name: str  # "Status"
    key: str  # the data-* attribute the script filters on
    links: tuple[FilterLink, ...]


@dataclass(frozen=True, slots=True)
class WeekStat:
    start: date
    label: str  # "16 Nov"
    items: int
    answered: int
    median: str  # "1 h 20 min", "" without answers
    hours: float | None  # the same median in hours, for the sparkline
    positive: int
    negative: int
    share: str  # "75 %", "" without either


@dataclass(frozen=True, slots=True)
class Sparkline:
    label: str
    width: int
    height: int
    segments: tuple[str, ...]  # SVG polyline points; a week without data breaks the line
    dots: tuple[tuple[str, str, str], ...]  # (x, y, tooltip)


@dataclass(frozen=True, slots=True)
class Summary:
    """What the first page of the log adds: counts, attention, response times."""

    statuses: tuple[tuple[str, int, str], ...]  # (state, items, page)
    sentiments: tuple[tuple[str, int, str], ...]
    attention: tuple[FeedbackEntry, ...]
    attention_total: int
    weeks: tuple[WeekStat, ...]
    median: str  # over every answered item
    answered: int
    share: str
    response_spark: Sparkline | None
    share_spark: Sparkline | None


@dataclass(frozen=True, slots=True)
class FeedbackLogPage:
    path: str
    title: str
    scope: str  # "" for the whole log, else "Status: new" and so on
    total: int | None  # items in this scope, on its first page (an archive page must not change with it)
    items: tuple[FeedbackEntry, ...]
    filters: tuple[FilterGroup, ...]  # counts only on first pages, for the same reason
    posts: tuple[tuple[Chip, int], ...]  # posts with feedback, for the post filter
    summary: Summary | None
    number: int | None  # None on the first page, else the archive page's number (1 is the oldest)
    prev_path: str | None  # newer items
    next_path: str | None  # older items
    hidden: bool
    template: str = "feedback.html"


def _folders(values) -> dict[str, str]:
    """A URL-safe folder per value, unique even when two values slug alike."""
    found: dict[str, str] = {}
    for value in sorted(values):
        folder, number = m.slug(value) if value else "_none", 2
        while folder in found.values():
            folder, number = f"{m.slug(value)}-{number}", number + 1
        found[value] = folder
    return found


def _median(deltas: list[timedelta], loc: i18n.Locale = i18n.ENGLISH) -> str:
    return duration(timedelta(seconds=statistics.median(d.total_seconds() for d in deltas)), loc) if deltas else ""


def _share(positive: int, negative: int, loc: i18n.Locale = i18n.ENGLISH) -> str:
    if not positive + negative:
        return ""
    return loc.gettext("%(percent)s %%", percent=loc.digits(round(100 * positive / (positive + negative))))


def week_stats(items: list[FeedbackItem], today: date, week_start: str, zone, weeks: int = WEEKS,
               loc: i18n.Locale = i18n.ENGLISH) -> tuple[WeekStat, ...]:
    """Items, median time to first response and share positive, per local week, oldest first."""
    last = cm.week_start_of(today, week_start)
    first = last - timedelta(weeks=weeks - 1)
    by_week: dict[date, list[FeedbackItem]] = defaultdict(list)
    for item in items:
        if item.created_at is not None:
            start = cm.week_start_of(item.created_at.astimezone(zone).date(), week_start)
            if first <= start <= last:
                by_week[start].append(item)
    found = []
    for n in range(weeks):
        start = first + timedelta(weeks=n)
        mine = by_week.get(start, [])
        deltas = response_times(mine)
        tally = Counter(sentiment_label(i) for i in mine)
        hours = statistics.median(d.total_seconds() for d in deltas) / 3600 if deltas else None
        found.append(WeekStat(start, loc.date_text(start, month="short", year=False), len(mine), len(deltas),
                              _median(deltas, loc), hours, tally["positive"], tally["negative"],
                              _share(tally["positive"], tally["negative"], loc)))
    return tuple(found)


def sparkline(values: list[float | None], labels: list[str], title: str, top: float | None = None,
              width: int = 240, height: int = 44) -> Sparkline | None:
    """A line through the weeks that have a value; None when fewer than two do."""
    known = [v for v in values if v is not None]
    if len(known) < 2:
        return None
    peak = top if top is not None else max(known) or 1.0
    step = (width - 8) / max(1, len(values) - 1)
    segments, current, dots = [], [], []
    for index, value in enumerate(values):
        if value is None:
            if current:
                segments.append(" ".join(current))
            current = []
            continue
        x, y = 4 + index * step, height - 4 - (height - 8) * min(value, peak) / peak
        current.append(f"{x:.1f},{y:.1f}")
        dots.append((f"{x:.1f}", f"{y:.1f}", labels[index]))
    if current:
        segments.append(" ".join(current))
    return Sparkline(title, width, height, tuple(segments), tuple(dots))


def _summary(items: list[FeedbackItem], th: Threads, ctx: "m.Context", scopes: dict) -> Summary:
    statuses = Counter(i.status for i in items)
    sentiments = Counter(sentiment_label(i) for i in items)
    urgent = [i for i in items if th.entries[i.path].attention]
    rank = {"high": 0, "urgent": 0, "normal": 1, "low": 2}
    # the worst first: priority, then negative before a question, then the longest waiting
    urgent.sort(key=lambda i: (rank.get(i.priority or "normal", 1), sentiment_label(i) != "negative",
                               i.created_at.timestamp() if i.created_at else float("inf"), i.id))
    loc = ctx.loc
    weeks = week_stats(items, ctx.today, ctx.config.week_start, ctx.zone, loc=loc)
    while len(weeks) > 1 and not weeks[0].items:  # weeks before the first feedback say nothing
        weeks = weeks[1:]
    deltas = response_times(items)
    labels = [loc.gettext("week of %(day)s", day=w.label) for w in weeks]
    hours = [w.hours for w in weeks]
    shares = [None if not (w.positive + w.negative) else w.positive / (w.positive + w.negative) for w in weeks]
    response = sparkline(hours, [loc.gettext("%(week)s: %(median)s", week=lab, median=w.median)
                                 for lab, w in zip(labels, weeks)],
                         loc.gettext("Median time to first response per week (lower is better)"))
    share = sparkline(shares, [loc.gettext("%(week)s: %(share)s positive", week=lab, share=w.share)
                               for lab, w in zip(labels, weeks)],
                      loc.gettext("Share positive of positive and negative, per week"), top=1.0)
    shown = _shown_sentiments(sentiments)
    return Summary(tuple((s, statuses[s], scopes["status"][s]) for s in STATUSES),
                   tuple((s, sentiments[s], scopes["sentiment"][s]) for s in shown),
                   tuple(th.entries[i.path] for i in urgent[:ATTENTION_MAX]), len(urgent), weeks, _median(deltas, loc),
                   len(deltas), _share(sentiments["positive"], sentiments["negative"], loc), response, share)



def posts_named(ctx: "m.Context") -> frozenset[str]:
    """Every post whose chip the log may show: its items' posts, the reply posts they name, our replies."""
    items = threads(ctx).items
    return frozenset({i.post for i in items if i.post} | {i.reply_post for i in items if i.reply_post}
                     | {p.id for p in ctx.posts if p.in_reply_to})


def log_pages(ctx: "m.Context") -> list[FeedbackLogPage]:
    """The full log (paged) and one paged log per status, sentiment, network and assignee."""
    th, loc = threads(ctx), ctx.loc
    _ = loc.gettext
    items = th.items
    # each item's place in every group, in one pass over 100,000 of them (newest first, as ``items``)
    statuses, sentiments, networks, assignees = (defaultdict(list) for _ in range(4))
    for i in items:
        statuses[i.status].append(i)
        sentiments[sentiment_label(i)].append(i)
        networks[line(i.network, 24)].append(i)
        assignees[line(i.assignee, 60)].append(i)
    shown = _shown_sentiments(sentiments)
    # (group key, value, label, folder, items)
    scopes: list[tuple[str, str, str, str, list[FeedbackItem]]] = [("", "", "", "feedback/", items)]
    scopes += [("status", s, loc.word("status", s), f"feedback/status/{s}/", statuses.get(s, []))
               for s in STATUSES]
    scopes += [("sentiment", s, loc.word("sentiment", s), f"feedback/sentiment/{s}/", sentiments.get(s, []))
               for s in shown]
    scopes += [("network", n, loc.word("network", n), f"feedback/network/{f}/", networks[n])
               for n, f in _folders(networks).items()]
    scopes += [("assignee", a, a or _("unassigned"), f"feedback/assignee/{f}/", assignees[a])
               for a, f in _folders(assignees).items()]
    first_pages = defaultdict(dict)
    for key, value, _label, folder, _items in scopes:  # not "_": that is gettext here
        first_pages[key][value] = page_path(folder, None)
    names = {"status": _("Status"), "sentiment": _("Sentiment"), "network": _("Network"), "assignee": _("Assignee")}
    with_posts = Counter(i.post for i in items if i.post in ctx.chips)
    posts = tuple((ctx.chips[p.id], with_posts[p.id]) for p in reversed(ctx.posts) if with_posts[p.id])[:40]
    found = []
    for key, value, label, folder, mine in scopes:
        def groups(counts: bool) -> tuple[FilterGroup, ...]:
            return tuple(FilterGroup(names[g], g, tuple(
                FilterLink(lab, first_pages[g][val], len(sub) if counts else -1, g == key and val == value)
                for g2, val, lab, _, sub in scopes if g2 == g)) for g in names)

        title = _("Feedback") if not key else (f"{_('Feedback')} {loc.separator} "
                                               + _("%(group)s %(value)s", group=names[key].lower(), value=label))
        scope = _("%(group)s: %(value)s", group=names[key], value=label) if key else ""
        first, archive = paging(len(mine))
        newest_archived = archive[0][0] if archive else None
        found.append(FeedbackLogPage(
            page_path(folder, None), title, scope, len(mine), tuple(th.entries[i.path] for i in mine[:first]),
            groups(True), posts if not key else (), _summary(items, th, ctx, first_pages) if not key else None,
            None, None, page_path(folder, newest_archived) if archive else None, th.hidden))
        archived = groups(False)
        for number, start, end in archive:
            found.append(FeedbackLogPage(
                page_path(folder, number), title, scope, None, tuple(th.entries[i.path] for i in mine[start:end]),
                archived, (), None, number, page_path(folder, None if number == newest_archived else number + 1),
                page_path(folder, number - 1) if number > 1 else None, th.hidden))
    return found

