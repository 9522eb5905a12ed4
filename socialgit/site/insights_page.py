"""The insights page: best times, cadence and campaigns, per channel (pure).

The figures come from ``insights.build_insights``, their sentences from
``insights_words`` and the drawings from ``charts``, all in the site's locale.
``charts`` escapes every string it puts in its SVG and HTML; those strings (the
``*_svg`` and ``*_html`` fields) are the only markup a template may mark safe.
Everything else here is plain text.

The page changes with ``now`` alone when a post turns 48 h old (it starts to
count), when a metrics snapshot's time passes, when a long silence begins and
at each local week start: ``steps`` lists those instants for the build cache.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from .. import charts, i18n
from .. import insights_words as words
from ..feedback import UNCLASSIFIED
from ..vocabulary import LABELS
from ..history_import import IMPORTED_DIR
from ..cadence import SILENCE, CadenceReport, cadence_report
from ..insights import Analysis, build_insights, sentiment_tally
from ..metrics import FIXED_AGE
from . import calendar_math as cm
from . import model as m
from .views import ChannelView

PATH = "insights/index.html"
# how far back the cadence chart looks: its window moves at a week start measured that far back
WEEKS_BACK = inspect.signature(cadence_report).parameters["weeks_back"].default


@dataclass(frozen=True)
class Panel:
    """One analysis: the team's own posts, or one imported source."""

    anchor: str
    heading: str
    imported: bool
    verdict: str
    suggestion: str
    posts: int
    heatmap_svg: str  # from charts: escaped there
    heatmap_html: str
    weekday_svg: str
    block_svg: str
    skipped: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Target:
    text: str
    default: bool  # a network's published guidance, not a number the team set


@dataclass(frozen=True)
class CadenceWeek:
    start: str
    published: int
    planned: int
    notes: str


@dataclass(frozen=True)
class CadenceView:
    targets: tuple[Target, ...]
    chart_svg: str
    weeks: tuple[CadenceWeek, ...]
    issues: tuple[tuple[str, str, bool], ...]  # (kind, message, soft)


@dataclass(frozen=True)
class ChannelSection:
    channel: ChannelView
    anchor: str
    own: Panel
    imported: tuple[Panel, ...]
    cadence: CadenceView


@dataclass(frozen=True)
class DataProblem:
    """A file the page could not use; ``english`` when its message comes from a loader that speaks only English."""

    level: str
    where: str
    message: str
    english: bool = True


@dataclass(frozen=True)
class CampaignChannelRow:
    channel: ChannelView | None
    name: str
    planned: int
    published: int
    engagement: int


@dataclass(frozen=True)
class CampaignRow:
    name: str
    path: str | None
    posts: int
    channels: tuple[CampaignChannelRow, ...]
    engagement: int
    feedback: tuple[tuple[str, int], ...]  # sentiment → items, in a fixed order
    said: int  # feedback items in all
    engagement_text: str = ""  # ``engagement`` in the site's digits and grouping


@dataclass(frozen=True)
class InsightsPage:
    path: str
    zone: str
    week_start: str
    this_week: str
    channels: tuple[ChannelSection, ...]
    campaigns: tuple[CampaignRow, ...]
    problems: tuple[DataProblem, ...]
    template: str = "insights.html"


def _anchor(*parts: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", "-".join(parts).lower()).strip("-")


def panel(analysis: Analysis, loc: i18n.Locale = i18n.ENGLISH) -> Panel:
    drawn = analysis.posts > 0  # an empty grid says nothing the verdict does not
    label, heading = analysis.channel_label, words.heading(analysis, loc)
    _ = loc.gettext
    return Panel(
        _anchor("ins", analysis.channel, analysis.source, *analysis.labels), heading,
        analysis.source == "imported", words.verdict(analysis, loc), words.suggestion(analysis, loc), analysis.posts,
        charts.heatmap_svg(analysis, loc=loc) if drawn else "",
        charts.heatmap_table_html(analysis, loc) if drawn else "",
        charts.profile_svg(analysis.weekdays, _("%(label)s, %(heading)s: engagement by weekday, against usual, "
                                                "with 80%% intervals and the number of posts",
                                                label=label, heading=heading), loc=loc) if drawn else "",
        charts.profile_svg(analysis.blocks, _("%(label)s, %(heading)s: engagement by time of day (%(zone)s), "
                                              "against usual, with 80%% intervals", label=label,
                                              heading=heading, zone=loc.zone_name(analysis.zone.key)),
                           loc=loc) if drawn else "",
        tuple(sorted(analysis.skipped.items())))


def _targets(report: CadenceReport, loc: i18n.Locale = i18n.ENGLISH) -> tuple[Target, ...]:
    t, soft, _, n = report.targets, report.defaults, loc.gettext, loc.digits
    found = []
    if t.max_per_day is not None:
        found.append(Target(_("at most %(n)s a day", n=n(t.max_per_day)), "max_per_day" in soft))
    if t.max_per_week is not None:
        found.append(Target(_("at most %(n)s a week", n=n(t.max_per_week)), "max_per_week" in soft))
    if t.min_gap is not None:
        found.append(Target(_("at least %(gap)s apart", gap=_gap(t.min_gap, loc)), "min_gap" in soft))
    if t.min_per_week is not None:
        found.append(Target(_("at least %(n)s a week", n=n(t.min_per_week)), "min_per_week" in soft))
    return tuple(found)


def _gap(delta: timedelta, loc: i18n.Locale = i18n.ENGLISH) -> str:
    hours, minutes = divmod(int(delta.total_seconds() // 60), 60)
    parts = ([loc.gettext("%(hours)s h", hours=loc.digits(hours))] if hours else []) + (
        [loc.gettext("%(minutes)s min", minutes=loc.digits(minutes))] if minutes else [])
    return " ".join(parts) or loc.gettext("%(minutes)s min", minutes=loc.digits(0))


def cadence_view(report: CadenceReport, zone: ZoneInfo, loc: i18n.Locale = i18n.ENGLISH) -> CadenceView:
    weeks, _ = [], loc.gettext
    for week in report.weeks:
        notes = []
        if week.start == report.this_week:
            notes.append(_("this week"))
        if week.below_floor:
            notes.append(_("below the weekly floor"))
        if report.targets.max_per_week is not None and week.posts > report.targets.max_per_week:
            notes.append(_("over the weekly limit"))
        notes += [_("%(day)s over the daily limit", day=loc.date_short(day)) for day in week.crowded]
        weeks.append(CadenceWeek(loc.date_text(week.start, month="short"), week.published, week.planned,
                                 loc.pgettext("note separator", "; ").join(notes)))
    return CadenceView(_targets(report, loc), charts.cadence_svg(report, loc=loc) if report.weeks else "",
                       tuple(weeks), tuple((i.kind, words.cadence_issue(i, report, zone, loc), i.soft)
                                           for i in report.issues))


def _campaigns(ctx: "m.Context", summaries) -> tuple[CampaignRow, ...]:
    rows = []
    for summary in summaries:
        folder = ctx.campaign_folders.get(summary.name)
        channels = tuple(CampaignChannelRow(ctx.channels.get(c.channel), c.channel, c.planned, c.published,
                                            c.engagement) for c in summary.channels)
        feedback = tuple((s, summary.feedback.get(s, 0)) for s in (*LABELS, UNCLASSIFIED))
        rows.append(CampaignRow(summary.name, f"campaigns/{folder}/index.html" if folder else None, summary.posts,
                                channels, summary.engagement, feedback, sum(n for _, n in feedback),
                                ctx.loc.number(summary.engagement)))
    return tuple(rows)


def insights_page(ctx: "m.Context") -> InsightsPage:
    source, config, loc = ctx.source, ctx.config, ctx.loc
    sentiments = source.sentiments if source.sentiments is not None else sentiment_tally(source.feedback)
    found = build_insights(source.calendar, source.metrics, source.imported, sentiments, source.now)
    sections = []
    for name, ci in found.channels.items():
        view = ctx.channels[name]
        sections.append(ChannelSection(view, _anchor("ch", name), panel(ci.own, loc),
                                       tuple(panel(a, loc) for a in ci.imported),
                                       cadence_view(ci.cadence, config.timezone, loc)))
    # the loaders' findings are English (as `check` prints them); the page's own are in its language
    problems = [DataProblem(p.level, f"{p.path}:{p.line}" if p.line else p.path, p.message)
                for p in source.learn_problems]
    known = config.channels
    for label, channel in sorted({(r.label, r.channel) for r in source.imported if r.channel not in known}):
        problems.append(DataProblem("warning", f"{IMPORTED_DIR}/{label}/{channel}.jsonl",
                                    loc.gettext('channel "%(channel)s" is not in socialgit.toml; these imported rows '
                                                'are not used', channel=channel), english=False))
    start = cm.week_start_of(ctx.today, config.week_start)
    campaigns = _campaigns(ctx, found.campaigns)
    return InsightsPage(PATH, loc.zone_name(config.timezone.key), loc.weekday(cm.WEEKDAY_INDEX[config.week_start]),
                        loc.date_text(start, weekday="long"), tuple(sections), campaigns, tuple(problems))


def steps(ctx: "m.Context") -> list[datetime]:
    """Instants at which the page changes with ``now`` alone (see the module's docstring)."""
    source, config = ctx.source, ctx.config
    zone, now = config.timezone, source.now
    found = []
    for post in source.calendar.posts:
        if post.publish_at is not None:
            found.append(post.publish_at + SILENCE)
        for receipt in source.calendar.receipts.get(post.id, {}).values():
            published = receipt.published_at or post.publish_at
            if receipt.state == "published" and published is not None:
                found.append(published + FIXED_AGE)
    for channels in source.metrics.values():
        for snapshots in channels.values():
            found += [s.at for s in snapshots]
    for moment in (now, now - timedelta(weeks=WEEKS_BACK)):
        start = cm.week_start_of(moment.astimezone(zone).date(), config.week_start)
        shift = now - moment
        found += [cm.local_midnight(start, zone) + shift, cm.local_midnight(start + timedelta(weeks=1), zone) + shift]
    return found
