"""The model stage: a loaded calendar and ``now`` → what every page and feed shows (pure).

Nothing here reads files or the clock. ``build_model`` returns plain views
(views.py) plus the assets to copy and the interval of ``now`` in which the
output stays the same, which lets a rebuild with nothing changed do nothing.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Callable, Mapping

from .. import i18n, progress, timing
from ..check import STALE_RUNNER, Calendar
from ..content import Post
from ..feedback import FeedbackItem
from ..gitrepo import Change
from ..ledger import Receipt, parse_instant
from ..problems import Problem
from . import calendar_math as cm
from .views import ChannelView, Chip, SiteInfo

if TYPE_CHECKING:
    from .depends import Plan



@dataclass
class SiteInput:
    calendar: Calendar
    now: datetime
    problems: list[Problem] = field(default_factory=list)  # found while reading
    feedback: list[FeedbackItem] = field(default_factory=list)
    history: Mapping[str, list[Change]] = field(default_factory=dict)
    drafts: bool = True
    check: list[Problem] = field(default_factory=list)  # check_calendar's findings
    memo: object | None = None  # a site.memo.Memo for costly pure values (text measures), or None
    # the insights page: engagement snapshots (post → channel → snapshots), imported history, their problems
    metrics: Mapping[str, Mapping[str, list]] = field(default_factory=dict)
    imported: list = field(default_factory=list)
    learn_problems: list[Problem] = field(default_factory=list)
    hide_handles: bool = False  # a public build: commenters' names and handles never shown
    sentiments: Mapping[str, Mapping[str, int]] | None = None  # insights.sentiment_tally, when feedback is not all read


@dataclass(frozen=True)
class FeedPost:
    """One post as the feeds (iCalendar, Atom, JSON) describe it."""

    id: str
    title: str
    path: str
    publish_at: datetime | None
    state: str
    channels: tuple[tuple[str, str, str], ...]  # (name, label, state)
    campaign: str | None
    tags: tuple[str, ...]
    author: str | None
    text: str  # what the first channel gets, parts joined by blank lines
    body: str
    published_at: datetime | None
    links: tuple[str, ...]
    changed_at: datetime | None
    draft: bool


@dataclass
class SiteModel:
    info: SiteInfo
    pages: list
    feed_posts: tuple[FeedPost, ...]
    assets: dict[str, str]  # site path → repository-relative source
    valid_from: datetime | None
    valid_until: datetime | None
    base_url: str = ""
    # what the pages were made from (site/depends.py): the log's posts
    log_posts: frozenset[str] = frozenset()
    log_paths: tuple[str, ...] = ()
    insights_valid: tuple[datetime, datetime] | None = None  # None: the insights page was not made
    later_posts: tuple[str, ...] = ()  # post pages the render stage makes (build_model's ``later``)


@dataclass
class Context:
    """What the page builders share: the input plus derived lookups."""

    source: SiteInput
    info: SiteInfo
    posts: list[Post]  # the posts shown, in time order (undated last)
    chips: dict[str, Chip]
    states: dict[str, str]
    channel_states: dict[str, dict[str, str]]
    channels: dict[str, ChannelView]
    today: date
    campaign_folders: dict[str, str] = field(default_factory=dict)
    assets: dict[str, str] = field(default_factory=dict)
    page_assets: dict[str, str] = field(default_factory=dict)  # those of the post page being made
    made_from: dict = field(default_factory=dict)  # post id → depends.PostRecord
    around: Mapping[str, tuple] | None = None  # post id → (id before, id after); None: from ``posts``
    # what a post's page shows of the feedback (a feedback_side.PostFeedback), when it is not read into ``source``
    post_feedback: Callable[[Post], object] | None = None

    def use_asset(self, target: str, source: str) -> None:
        """A file to copy into the site, at ``target``, for the page being made."""
        self.assets[target] = source
        self.page_assets[target] = source

    def remember(self, key, make):
        """``make()``, remembered between builds when the input has a memo."""
        memo = self.source.memo
        return memo.get(key, make) if memo is not None else make()

    @property
    def config(self):
        return self.source.calendar.config

    @property
    def zone(self):
        return self.source.calendar.config.timezone

    @property
    def loc(self) -> i18n.Locale:
        """The site's language and calendar system: every word, number and date the pages show."""
        return i18n.site_locale(self.config.locale, self.config.calendar)

    def receipts(self, post_id: str) -> Mapping[str, Receipt]:
        return self.source.calendar.receipts.get(post_id, {})


def short_names(labels: Mapping[str, str]) -> dict[str, str]:
    """A unique one- or two-letter mark per channel, from its label."""
    taken: set[str] = set()
    found = {}
    for name, label in labels.items():
        letters = re.sub(r"[\W_]", "", label) or name  # any script: a Persian label gets a Persian letter
        choice = next((c for c in (letters[0].upper(), letters[:2].title(), letters[0].upper() + letters[-1].lower())
                       if c not in taken), None)
        number = 2
        while choice is None:
            choice = f"{letters[0].upper()}{number}"
            choice = None if choice in taken else choice
            number += 1
        taken.add(choice)
        found[name] = choice
    return found


def slug(text: str) -> str:
    """A URL-safe folder name for a campaign."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "campaign"


def month_path(prefix: str, year: int, month: int) -> str:
    return f"{prefix}{year:04d}/{month:02d}/index.html"


def week_path(key: tuple[int, int]) -> str:
    return f"calendar/{key[0]:04d}/W{key[1]:02d}/index.html"


def local_text(moment: datetime | None, zone, with_zone: bool = True, loc: i18n.Locale = i18n.ENGLISH) -> str:
    """'Mon 16 Nov 2026, 09:30 EST' in the site's time zone ('' for None), in ``loc``'s words."""
    return loc.moment(moment, zone, with_zone)


def short_time(moment: datetime, zone, loc: i18n.Locale = i18n.ENGLISH) -> str:
    """'Mon 16 Nov 09:30': for lists where the year and zone are plain from the page."""
    return loc.short_moment(moment, zone)


def build_context(source: SiteInput) -> Context:
    calendar = source.calendar
    config = calendar.config
    now = source.now
    today = now.astimezone(config.timezone).date()
    posts = [p for p in calendar.posts if source.drafts or not p.is_draft]
    posts.sort(key=lambda p: (p.publish_at is None, p.publish_at.timestamp() if p.publish_at else 0, p.id))
    channels = channel_views(config)
    states, channel_states, chips = {}, {}, {}
    for post in posts:
        states[post.id], channel_states[post.id], chips[post.id] = post_view(post, calendar.receipts.get(post.id, {}),
                                                                             now, config, channels)
    info = site_info(config, channels, today, any(p.campaign for p in posts))
    folders: dict[str, str] = {}
    for name in sorted({p.campaign for p in posts if p.campaign}):
        folder, number = slug(name), 2
        while folder in folders.values():  # two names with one slug, like "Winter sale" and "winter-sale"
            folder, number = f"{slug(name)}-{number}", number + 1
        folders[name] = folder
    return Context(source, info, posts, chips, states, channel_states, channels, today, folders)


def channel_views(config) -> dict[str, ChannelView]:
    shorts = short_names({n: c.label for n, c in config.channels.items()})
    return {name: ChannelView(name, c.label, shorts[name], c.color, c.network, c.max_length,
                              f"channels/{name}/index.html")
            for name, c in config.channels.items()}


def post_view(post: Post, receipts: Mapping[str, Receipt], now: datetime, config,
              channels: Mapping[str, ChannelView]) -> tuple[str, dict[str, str], Chip]:
    """A post's state, its state per channel, and its chip."""
    state = timing.post_state(post, receipts, now, config.grace, config.late)
    channel_states = {c: timing.channel_state(post, receipts.get(c), now, config.grace, config.late)
                      for c in post.channels}
    local = post.publish_at.astimezone(config.timezone) if post.publish_at else None
    chip = Chip(post.id, post.title, local.date() if local else None, f"{local:%H:%M}" if local else "", state,
                tuple(c for c in post.channels if c in channels), post.direction, post.lang)
    return state, channel_states, chip


def site_info(config, channels: Mapping[str, ChannelView], today: date, campaigns: bool) -> SiteInfo:
    """What every page shows of the site: its name, zone, channels, where "this month" and "this week" are."""
    loc = i18n.site_locale(config.locale, config.calendar)
    return SiteInfo(config.title, config.timezone.key, tuple(channels.values()),
                    month_path("calendar/", *loc.system.month_of(today)),
                    week_path(cm.week_key(today, config.week_start)), campaigns, config.locale, config.calendar)


def validity(source: SiteInput) -> tuple[datetime, datetime]:
    """The open interval of ``now`` around ``source.now`` in which no page, state or feed changes.

    Everything time-dependent in the site is a step function of ``now`` whose steps
    are: each publish time, each end of a grace window, the heartbeat going stale,
    and local midnight (today's mark, "this week", "recently published").
    """
    calendar, now = source.calendar, source.now
    config = calendar.config
    steps = [cm.local_midnight(now.astimezone(config.timezone).date(), config.timezone),
             cm.next_local_midnight(now, config.timezone)]
    for post in calendar.posts:
        if post.publish_at is not None:
            steps.append(post.publish_at)
            steps.append(post.publish_at + config.grace)
    last_run = parse_instant((calendar.heartbeat or {}).get("last_run"))
    if last_run is not None:
        steps.append(last_run + STALE_RUNNER)
    before = max((s for s in steps if s < now), default=now)
    after = min((s for s in steps if s > now), default=now)
    return before, after


def build_model(source: SiteInput, only: Plan | None = None, ctx: Context | None = None,
                later: bool = False, feeds: bool = True, feedback: bool = True) -> SiteModel:
    """Every page of the site, in a stable order; with ``only``, the pages a rebuild after edited posts needs.

    Those are the grids, the home page and the feeds, the post pages ``only`` names
    and the insights page if it changed; the build keeps the rest (site/depends.py).
    With ``later``, the post pages are not made here but named in ``later_posts``, for
    the render stage to make one by one (post_page.post_page) on every core; what they
    share is made now, so forked workers inherit it. Without ``feeds``, ``feed_posts`` is
    left empty: the build makes the feeds from the posts in a process of its own (site/write.py).
    Without ``feedback``, the feedback log and what post pages show of the feedback are made by the
    build's feedback side (site/feedback_side.py), not from ``source``.
    """
    # the page builders use this module's helpers
    from . import feedback_entries, feedback_log, insights_page, pages, post_page

    ctx = ctx or build_context(source)
    shown = 5  # steps shown to a person watching: the model stage of 10,000 posts takes seconds
    site_pages: list = [pages.agenda(ctx)]
    site_pages += pages.months(ctx, "calendar/", "", "", ctx.posts, every_month=True)
    site_pages += pages.weeks(ctx)
    progress.advance(1, shown)
    later_posts: tuple[str, ...] = ()
    if later:
        later_posts = tuple(p.id for p in ctx.posts if only is None or p.id in only.posts)
        post_page.post_index(ctx)
        if feedback:
            feedback_entries.threads(ctx)
    else:
        site_pages += post_page.post_pages(ctx, only.posts if only else None)
    progress.advance(2, shown)
    site_pages += pages.scopes(ctx)
    progress.advance(3, shown)
    log_posts, log_paths = frozenset(), ()
    if only is None and feedback:
        log_pages = feedback_log.log_pages(ctx)
        site_pages += log_pages
        log_posts, log_paths = feedback_log.posts_named(ctx), tuple(page.path for page in log_pages)
    progress.advance(4, shown)
    valid_from, valid_until = validity(source)
    insights_valid = None
    if only is None or only.insights:
        site_pages.append(insights_page.insights_page(ctx))
        # the page also changes with now alone (the log's weeks start at a local midnight, a step already)
        steps = insights_page.steps(ctx)
        insights_valid = (max([s for s in steps if s < source.now], default=valid_from),
                          min([s for s in steps if s > source.now], default=valid_until))
        valid_from, valid_until = max(valid_from, insights_valid[0]), min(valid_until, insights_valid[1])
    progress.advance(shown, shown)
    return SiteModel(ctx.info, site_pages, feed_posts(ctx) if feeds else (), dict(sorted(ctx.assets.items())),
                     valid_from, valid_until, ctx.config.base_url, log_posts, log_paths, insights_valid, later_posts)


def feed_posts(ctx: Context) -> tuple[FeedPost, ...]:
    found = []
    history = ctx.source.history
    for post in ctx.posts:
        mine = ctx.receipts(post.id)
        published = [r.published_at for r in mine.values() if r.state == "published" and r.published_at]
        links = tuple(part["url"] for c in post.channels if c in mine
                      for part in mine[c].parts if str(part.get("url", "")).startswith(("https://", "http://")))
        first = post.channels[0] if post.channels else None
        text = "\n\n".join(post.parts_for(first)) if first else post.body
        changes = history.get(post.path) or []
        found.append(FeedPost(
            post.id, post.title, f"posts/{post.id}/index.html", post.publish_at, ctx.states[post.id],
            tuple((c, ctx.channels[c].label if c in ctx.channels else c, ctx.channel_states[post.id][c])
                  for c in post.channels),
            post.campaign, post.tags, post.author, text, post.body, max(published) if published else None,
            links, changes[0].when if changes else None, post.is_draft))
    return tuple(found)


def group_by_day(chips: list[Chip]) -> dict[date, list[Chip]]:
    days: dict[date, list[Chip]] = defaultdict(list)
    for chip in chips:
        if chip.day is not None:
            days[chip.day].append(chip)
    return days


def day_title(day: date, today: date, loc: i18n.Locale = i18n.ENGLISH) -> str:
    """'Today · Monday 16 November 2026', in ``loc``'s words and calendar."""
    return loc.day_title(day, today)
