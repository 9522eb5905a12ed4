"""Page builders of the model stage: agenda, month grids, weeks, posts, channels, campaigns (pure)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from pathlib import PurePosixPath
from typing import Iterable, Mapping

from .. import textlimits, timing
from ..content import Post
from ..feedback import FeedbackItem
from ..ledger import parse_instant
from ..problems import Problem
from . import calendar_math as cm
from . import depends, feedback_entries
from . import model as m
from .views import (AgendaPage, Attention, ChannelRow, Chip, DayCell, DayList, FeedbackView, HistoryEntry, HourRow,
                    Link, MediaView, MonthGroup, MonthPage, PostPage, PreviewPart, ProblemView, ReceiptView, Recent,
                    ScopeIndexEntry, ScopeIndexPage, ScopePage, WeekDay, WeekPage)

MAX_CHIPS = 3  # per day cell; a fourth post turns the third slot into "+N more"
RECENT_DAYS = 14
UPCOMING = 8
ATTENTION_STATES = (timing.FAILED, timing.UNCERTAIN, timing.MISSED)


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
    attention = []
    for post in ctx.posts:
        # one line per post and kind of trouble, naming every channel it hit
        grouped: dict[tuple[str, str], list[str]] = {}
        for channel, state in ctx.channel_states[post.id].items():
            if state in ATTENTION_STATES:
                receipt = ctx.receipts(post.id).get(channel)
                why = (receipt.error or "") if receipt else ""
                label = ctx.channels[channel].label if channel in ctx.channels else channel
                grouped.setdefault((state, why), []).append(label)
        attention += [Attention(chips[post.id], tuple(labels), state, why)
                      for (state, why), labels in grouped.items()]
    problems = problem_views(set(ctx.source.problems) | set(ctx.source.check), {p.path: p.id for p in ctx.posts})
    beat = ctx.source.calendar.heartbeat or {}
    runner = m.local_text(parse_instant(beat.get("last_run")), zone, loc=loc)
    undated = tuple(chips[p.id] for p in ctx.posts if p.publish_at is None)
    return AgendaPage("index.html", m.day_title(today, today, loc), due, upcoming, week,
                      tuple(r for _, r in recent[:10]), tuple(attention), problems, runner, undated,
                      _counts(ctx.states.values()))


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
           every_month: bool = False) -> list[MonthPage]:
    """Month grids for ``posts`` under ``prefix``: every month of the span, or only those with posts.

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
                more_path = (f"{m.week_path(cm.week_key(day, config.week_start))}#d-{day.isoformat()}"
                             if not scope_path else f"{scope_path}#d-{day.isoformat()}")
                cells.append(DayCell(day, in_month, day == today, shown, len(mine) - len(shown), more_path))
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


# --- post pages -------------------------------------------------------------

def _feedback_view(item: FeedbackItem, ctx: "m.Context") -> FeedbackView:
    # the log's entry: thread context, triage fields, and names hidden in a public build
    return feedback_entries.threads(ctx).entries[item.path]


def _receipt_link(ctx: "m.Context", channel: str, url: str) -> Link | None:
    if url.startswith(("https://", "http://")):
        return Link(url, url, True)
    settings = ctx.config.channels.get(channel)
    if settings is None or settings.type != "outbox":
        return None
    folder = str(settings.options.get("path") or "outbox").strip("/")
    path = PurePosixPath(url)
    # only files the outbox wrote, and never a path that climbs out of its folder
    if path.is_absolute() or ".." in path.parts or not url.startswith(folder + "/"):
        return None
    target = f"receipts/{path.as_posix()}"
    ctx.use_asset(target, path.as_posix())
    return Link(path.as_posix(), target, False)


def _media(ctx: "m.Context", post: Post) -> tuple[MediaView, ...]:
    found = []
    post_dir = PurePosixPath(post.path).parent
    for media in post.media:
        rel = PurePosixPath(media.path)
        href = None
        if not rel.is_absolute() and ".." not in rel.parts:
            for base in (PurePosixPath("content"), post_dir):
                candidate = (base / rel).as_posix()
                if (ctx.config.root / candidate).is_file():
                    href = "media/" + PurePosixPath(candidate).relative_to("content").as_posix()
                    ctx.use_asset(href, candidate)
                    break
        found.append(MediaView(media.path, href, media.alt))
    return tuple(found)


def _rows(ctx: "m.Context", post: Post) -> tuple[ChannelRow, ...]:
    rows = []
    receipts = ctx.receipts(post.id)
    for name in post.channels:
        view = ctx.channels.get(name)
        if view is None:
            continue
        parts = post.parts_for(name)
        previews = ctx.remember(("preview", ctx.loc.language, tuple(parts), view.network, view.limit),
                                lambda: _previews(parts, view.network, view.limit, ctx.loc))
        receipt = receipts.get(name)
        receipt_view = None
        if receipt is not None:
            links = tuple(link for link in (_receipt_link(ctx, name, str(p.get("url") or "")) for p in receipt.parts)
                          if link)
            attempts = receipt.data.get("attempts")
            receipt_view = ReceiptView(receipt.state, m.local_text(receipt.published_at, ctx.zone, loc=ctx.loc), links,
                                       receipt.error or "", attempts if isinstance(attempts, int) else None,
                                       receipt.path)
        rows.append(ChannelRow(view, ctx.channel_states[post.id][name], name in post.variants, previews,
                               receipt_view))
    return tuple(rows)


def _previews(parts: list[str], network: str, limit: int | None, loc) -> tuple[PreviewPart, ...]:
    measures = textlimits.measure_parts(parts, network, limit)
    return tuple(PreviewPart(text, _length_text(measure, loc), bool(measure.over), measure.fits)
                 for text, measure in zip(parts, measures))


def _length_text(measure: textlimits.Measure, loc) -> str:
    """'512/500 characters (12 over)' in the site's language (Measure.describe, translated)."""
    unit, length = loc.word("unit", measure.unit), loc.digits(measure.length)
    if measure.limit is None:
        text = loc.gettext("%(length)s %(unit)s", length=length, unit=unit)
    else:
        text = loc.gettext("%(length)s/%(limit)s %(unit)s", length=length, limit=loc.digits(measure.limit),
                           unit=unit)
        if measure.over:
            text = loc.gettext("%(text)s (%(over)s over)", text=text, over=loc.digits(measure.over))
    return f"{text}; {measure.problem}" if measure.problem else text


class PostIndex:
    """What every post page looks up: the feedback by post and by id, each post's neighbours (once per build)."""

    def __init__(self, ctx: "m.Context") -> None:
        self.feedback: dict[str, list[FeedbackItem]] = defaultdict(list)
        self.by_feedback_id: dict[str, FeedbackItem] = {}
        for item in ctx.source.feedback:
            self.by_feedback_id[item.id] = item
            if item.post:
                self.feedback[item.post].append(item)
        self.around = ctx.around if ctx.around is not None else depends.neighbours(ctx.posts)


def post_index(ctx: "m.Context") -> PostIndex:
    """The build's PostIndex, made on first use (a build that models post pages in workers makes it before)."""
    found = getattr(ctx, "_post_index", None)
    if found is None:
        found = ctx._post_index = PostIndex(ctx)  # Context is per build; this is its memo
    return found


def post_pages(ctx: "m.Context", only: frozenset[str] | None = None) -> list[PostPage]:
    """The page of every post shown, or of the posts in ``only``."""
    return [post_page(ctx, post) for post in ctx.posts if only is None or post.id in only]


def post_page(ctx: "m.Context", post: Post) -> PostPage:
    """One post's page; what it was made from goes to ctx.made_from, the files it links to ctx.page_assets."""
    zone, history, loc, chips = ctx.zone, ctx.source.history, ctx.loc, ctx.chips
    index = post_index(ctx)
    ctx.page_assets = {}
    chip = chips[post.id]
    local = post.publish_at.astimezone(zone) if post.publish_at else None
    changes = tuple(HistoryEntry(c.commit[:8], c.author, m.local_text(c.when, zone, loc=loc), c.subject)
                    for c in history.get(post.path, ()))
    before, after = index.around.get(post.id, (None, None))
    shown = list(index.feedback.get(post.id, ()))
    reply_to = index.by_feedback_id.get(post.in_reply_to) if post.in_reply_to else None
    page = PostPage(
        f"posts/{post.id}/index.html", chip, post.path, m.local_text(post.publish_at, zone, loc=loc),
        loc.utc_text(post.publish_at) if post.publish_at else "",
        (post.campaign, f"campaigns/{ctx.campaign_folders[post.campaign]}/index.html") if post.campaign else None,
        post.tags, post.author or "", post.body, _rows(ctx, post), _media(ctx, post), changes,
        tuple(_feedback_view(i, ctx) for i in shown),
        _feedback_view(reply_to, ctx) if reply_to else None,
        m.month_path("calendar/", *loc.system.month_of(local.date())) if local else None,
        m.week_path(cm.week_key(local.date(), ctx.config.week_start)) if local else None,
        chips[before] if before else None, chips[after] if after else None)
    if reply_to is not None:
        shown.append(reply_to)
    ctx.made_from[post.id] = _made_from(ctx, post, (before, after), shown, index.by_feedback_id,
                                        history.get(post.path, ()))
    return page


def _made_from(ctx: "m.Context", post: Post, around: tuple, shown: list[FeedbackItem],
               by_id: dict[str, FeedbackItem], changes) -> depends.PostRecord:
    """What the post's page shows besides the post: see site/depends.py.

    The chips in its comments' entries (the posts they are on, our replies) are not
    listed: the feedback log shows every entry too, and the record's log_posts has them.
    """
    answered = [by_id[i.in_reply_to] for i in shown if i.in_reply_to in by_id]
    return depends.PostRecord(
        post.path, depends.chip_row(ctx.chips[post.id]), around, post.in_reply_to,
        tuple(sorted({i.path for i in shown + answered})),
        any(not (i.post and i.post in ctx.chips) for i in answered), tuple(sorted(ctx.page_assets.items())),
        depends.history_digest(changes), depends.outline(post, ctx.channel_states[post.id]))


# --- channels and campaigns -------------------------------------------------

def _scope_months(ctx: "m.Context", prefix: str, posts: list[Post]) -> tuple[MonthGroup, ...]:
    loc = ctx.loc
    by_month: dict[tuple[int, int], dict[date, list[Chip]]] = defaultdict(lambda: defaultdict(list))
    for post in posts:
        chip = ctx.chips[post.id]
        if chip.day is not None:
            by_month[loc.system.month_of(chip.day)][chip.day].append(chip)
    return tuple(MonthGroup(loc.month_title(*key), m.month_path(prefix, *key),
                            tuple(DayList(d, m.day_title(d, ctx.today, loc), d == ctx.today, tuple(chips))
                                  for d, chips in sorted(days.items())))
                 for key, days in sorted(by_month.items()))


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
        found.append(ScopePage(view.path, "channel", name, title, view, tuple(facts), _scope_months(ctx, prefix, posts),
                               _counts(ctx.states[p.id] for p in posts)))
        found += months(ctx, prefix, title, view.path, posts)
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
            found.append(ScopePage(path, "campaign", name, title, None, facts, _scope_months(ctx, prefix, posts),
                                   _counts(ctx.states[p.id] for p in posts)))
            found += months(ctx, prefix, title, path, posts)
            entries.append(ScopeIndexEntry(name, path, len(posts), *_span(ctx, posts), None))
        found.append(ScopeIndexPage("campaigns/index.html", "campaign", _("Campaigns"), tuple(entries)))
    return found
