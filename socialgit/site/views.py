"""What each page shows, as frozen values of plain data.

Templates read only these; the incremental cache hashes their ``repr`` to know
whether a page must be rendered again, so every field is plain data with a
deterministic repr (no dicts of unordered things, no objects with identity).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

STATE_CLASSES = {"partly published": "partly"}


def state_class(state: str) -> str:
    return STATE_CLASSES.get(state, state)


@dataclass(frozen=True, slots=True)
class ChannelView:
    name: str
    label: str
    short: str  # one or two letters, unique: the text beside the colour, so colour is never alone
    color: str
    network: str
    limit: int | None
    path: str  # the channel's page


@dataclass(frozen=True, slots=True)
class Chip:
    """A post as a calendar shows it: time, title, state, channels."""

    id: str
    title: str
    day: date | None
    time: str  # local "HH:MM", "" without a time
    state: str
    channels: tuple[str, ...]
    direction: str
    lang: str | None

    @property
    def state_class(self) -> str:
        return state_class(self.state)

    @property
    def path(self) -> str:
        return f"posts/{self.id}/index.html"


@dataclass(frozen=True, slots=True)
class SiteInfo:
    """What every page shares: the title, navigation and the channel legend."""

    title: str
    timezone: str
    channels: tuple[ChannelView, ...]
    month_path: str
    week_path: str
    campaigns: bool
    locale: str = "en"  # the language of every page (socialgit.toml [site] locale)
    calendar: str = "gregorian"  # the calendar system of the month grids and dates (gregorian | jalali)


@dataclass(frozen=True, slots=True)
class DayCell:
    day: date
    in_month: bool
    today: bool
    chips: tuple[Chip, ...]
    more: int
    more_path: str  # where "+N more" leads: a list with an anchor for this day ("" when the day has no more)


@dataclass(frozen=True, slots=True)
class MonthPage:
    path: str
    scope_title: str  # "" for the whole calendar, else "Channel Mastodon" or "Campaign winter-sale"
    scope_path: str  # the scope's list page, "" for the whole calendar
    year: int
    month: int
    title: str
    weekdays: tuple[str, ...]
    weeks: tuple[tuple[DayCell, ...], ...]
    week_links: tuple[tuple[str, int], ...]  # (week page, ISO week number), one per grid row
    prev_path: str | None
    prev_title: str | None
    next_path: str | None
    next_title: str | None
    count: int
    template: str = "month.html"


@dataclass(frozen=True, slots=True)
class WeekDay:
    day: date
    name: str
    today: bool
    clocks: str  # "" or a note when the clocks change that day
    chips: tuple[Chip, ...]


@dataclass(frozen=True, slots=True)
class HourRow:
    hour: int
    label: str
    cells: tuple[tuple[Chip, ...], ...]  # one per day
    exists: tuple[int, ...]  # per day: 0 in a DST gap, 1 normally, 2 when the hour happens twice


@dataclass(frozen=True, slots=True)
class WeekPage:
    path: str
    year: int
    week: int
    title: str
    days: tuple[WeekDay, ...]
    hours: tuple[HourRow, ...]
    month_path: str
    prev_path: str | None
    next_path: str | None
    template: str = "week.html"


@dataclass(frozen=True, slots=True)
class Attention:
    chip: Chip
    channels: tuple[str, ...]  # labels of the channels in this state
    state: str
    why: str


@dataclass(frozen=True, slots=True)
class ProblemView:
    level: str
    where: str
    message: str
    post_path: str | None


@dataclass(frozen=True, slots=True)
class Recent:
    chip: Chip
    when: str
    links: tuple[tuple[str, str], ...]  # (channel label, href)


@dataclass(frozen=True, slots=True)
class DayList:
    day: date
    title: str
    today: bool
    chips: tuple[Chip, ...]


@dataclass(frozen=True, slots=True)
class AgendaPage:
    path: str
    today_title: str
    due: tuple[Chip, ...]
    upcoming: tuple[Chip, ...]
    week: tuple[DayList, ...]
    recent: tuple[Recent, ...]
    attention: tuple[Attention, ...]  # newest first
    problems: tuple[ProblemView, ...]
    runner: str  # "" or when the runner last ran
    undated: tuple[Chip, ...]
    counts: tuple[tuple[str, int], ...]  # state → posts
    attention_older: tuple[Attention, ...] = ()  # past the newest pages.ATTENTION_SHOWN, newest first
    template: str = "home.html"


@dataclass(frozen=True, slots=True)
class PreviewPart:
    text: str
    length: str  # "123/500 characters"
    over: bool
    fits: bool


@dataclass(frozen=True, slots=True)
class Link:
    label: str
    href: str
    external: bool


@dataclass(frozen=True, slots=True)
class ReceiptView:
    state: str
    when: str
    links: tuple[Link, ...]
    error: str
    attempts: int | None
    path: str


@dataclass(frozen=True, slots=True)
class ChannelRow:
    channel: ChannelView
    state: str
    variant: bool
    parts: tuple[PreviewPart, ...]
    receipt: ReceiptView | None

    @property
    def state_class(self) -> str:
        return state_class(self.state)


@dataclass(frozen=True, slots=True)
class MediaView:
    path: str
    href: str | None
    alt: str


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    sha: str
    author: str
    when: str
    subject: str


@dataclass(frozen=True, slots=True)
class FeedbackView:
    id: str
    network: str
    kind: str
    author_name: str
    author_handle: str
    author_url: str
    url: str
    when: str
    sentiment: str
    intent: str
    status: str
    lang: str | None
    body: str
    post_path: str | None


@dataclass(frozen=True, slots=True)
class PostPage:
    path: str
    chip: Chip
    source: str
    when: str
    when_utc: str
    campaign: tuple[str, str] | None  # (name, page)
    tags: tuple[str, ...]
    author: str
    body: str  # Markdown; rendered (and sanitized) at render time
    rows: tuple[ChannelRow, ...]
    media: tuple[MediaView, ...]
    history: tuple[HistoryEntry, ...]
    feedback: tuple[FeedbackView, ...]
    reply_to: FeedbackView | None
    month_path: str | None
    week_path: str | None
    prev: Chip | None
    next: Chip | None
    template: str = "post.html"


@dataclass(frozen=True, slots=True)
class MonthGroup:
    title: str
    path: str  # the scope's month grid
    days: tuple[DayList, ...]  # none when the month is not listed
    listed: bool = True  # on the scope's page, day by day (else only its grid is linked)


@dataclass(frozen=True, slots=True)
class ScopePage:
    """A channel's or a campaign's calendar as a list, with links to its month grids."""

    path: str
    kind: str  # "channel" | "campaign"
    name: str
    title: str
    channel: ChannelView | None
    facts: tuple[tuple[str, str], ...]
    # every month with posts; those nearest today listed, up to pages.SCOPE_LIST_POSTS posts
    months: tuple[MonthGroup, ...]
    counts: tuple[tuple[str, int], ...]
    span: tuple[str, str] | None = None  # the first and last month listed, when the list leaves months out
    template: str = "scope.html"


@dataclass(frozen=True, slots=True)
class ScopeIndexEntry:
    title: str
    path: str
    count: int
    first: str
    last: str
    channel: ChannelView | None


@dataclass(frozen=True, slots=True)
class ScopeIndexPage:
    path: str
    kind: str
    title: str
    entries: tuple[ScopeIndexEntry, ...]
    template: str = "scopes.html"
