"""The feedback log: every reply, mention and quote as page views, and each item's thread (pure).

Everything in a feedback item came from a stranger. Here it only ever becomes
plain text (one-line fields lose control and bidi-override characters, so a
name cannot flip the text around it); the templates escape it. A public build
(``--hide-handles``) shows "a commenter" instead of names and handles, drops
the links whose addresses carry a handle, and masks @handles in comments.

Filters work without JavaScript: one static page per status, sentiment,
network and assignee (paged, newest first); a post's feedback is on its page.
"""

from __future__ import annotations

import functools
import hashlib
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .. import i18n
from ..feedback import LABELS, STATUSES, FeedbackItem, Judgement
from . import calendar_math as cm
from . import model as m
from .views import Chip, FeedbackView

HIDDEN = i18n.N_("a commenter")  # in the site's language, from the catalogue
PER_PAGE = 100  # a big calendar has ten items per post: the log is paged
ATTENTION_MAX = 50
WEEKS = 12
EXCERPT = 600  # characters of a comment shown in the log; the post page and the original have it all
OPEN = ("new", "triaged")  # not answered, not closed
UNCLASSIFIED = "unclassified"
_LINE_JUNK = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200b\ufeff]+")
_BODY_JUNK = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_HANDLE = re.compile(r"(?<![\w@])@[\w.-]+(?:@[\w-]+(?:\.[\w-]+)+)?")


def line(text: str | None, limit: int = 120) -> str:
    """A one-line field safe to show: no control or direction-override characters, at most ``limit``."""
    # the same networks, states, names and labels come back on item after item (~20 fields an
    # item) and are remembered; a comment quoted as an excerpt is not kept
    return _short_line(text, limit) if text is None or len(text) <= 160 else _line(text, limit)


def _line(text: str | None, limit: int) -> str:
    text = " ".join(_LINE_JUNK.sub(" ", text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


_short_line = functools.lru_cache(maxsize=1 << 16)(_line)


def duration(delta: timedelta, loc: i18n.Locale = i18n.ENGLISH) -> str:
    """'45 min', '3 h 05 min', '2 d 4 h', in ``loc``'s words and digits."""
    minutes = max(0, int(delta.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return (loc.gettext("%(days)s d %(hours)s h", days=loc.digits(days), hours=loc.digits(hours)) if hours
                else loc.gettext("%(days)s d", days=loc.digits(days)))
    return loc.duration(hours * 60 + minutes)


@dataclass(frozen=True)
class Judged:
    value: str
    by: str  # "vader 0.62", "a person", ""
    human: bool
    css: str  # the tag's classes, worked out once here rather than on every page the item is on


@dataclass(frozen=True)
class ThreadRef:
    """The item an item replies to: who, what they said, and where it is shown."""

    author: str
    excerpt: str
    anchor: str
    href: str  # where it is shown: its post page, else its place in the full log


@dataclass(frozen=True)
class FeedbackEntry(FeedbackView):
    anchor: str = ""
    sentiment_by: Judged | None = None
    intent_by: Judged | None = None
    assignee: str = ""
    labels: tuple[str, ...] = ()
    priority: str = ""  # "" for normal
    status_css: str = ""
    about: str = ""  # "Reply to", "Quotes" or "About": how it relates to its post
    post_id: str = ""  # as written in the file, shown when the post is not in this build
    post: Chip | None = None
    parent: ThreadRef | None = None
    replies: tuple[Chip, ...] = ()  # our reply posts
    reply_id: str = ""  # reply_post naming a post not in this build
    response: str = ""  # "1 h 20 min" to the first response
    short: str = ""  # the comment cut to EXCERPT characters
    cut: str = ""  # "1,234": characters left out of ``short``
    created: str = ""  # ISO time for <time datetime>
    attention: bool = False


@functools.lru_cache(maxsize=1 << 12)  # a few labels, sources and scores, on every item
def _judged(judgement: Judgement | None, loc: i18n.Locale = i18n.ENGLISH) -> Judged | None:
    if judgement is None or not judgement.value:
        return None
    human = judgement.source == "human"
    score = f" {loc.digits(f'{judgement.score:.2f}')}" if judgement.score is not None and not human else ""
    value = line(judgement.value, 24)
    css = f"tag tag-{value if value in LABELS else 'other'}" + (" tag-human" if human else "")
    by = loc.gettext("a person") if human else loc.word("source", line(judgement.source, 24)) + score
    return Judged(value, by, human, css)


def needs_attention(item: FeedbackItem) -> bool:
    """Open, negative or a question, and nobody has answered yet."""
    asks = any(j is not None and j.value in ("negative", "question") for j in (item.sentiment, item.intent))
    return item.status in OPEN and asks and item.first_response_at is None and not item.reply_post


def sentiment_of(item: FeedbackItem) -> str:
    return item.sentiment.value if item.sentiment and item.sentiment.value else UNCLASSIFIED


def anchor(item_id: str) -> str:
    """An HTML id for an item: its id where that is tame, else a slug plus a hash."""
    tame = re.sub(r"[^A-Za-z0-9_-]+", "-", item_id).strip("-")[:60]
    if tame and tame == item_id:
        return f"fb-{tame}"
    return f"fb-{tame or 'item'}-{hashlib.sha256(item_id.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}"


def newest_first(items) -> list[FeedbackItem]:
    return sorted(items, key=lambda i: (-(i.created_at.timestamp() if i.created_at else float("-inf")), i.id))


def page_path(folder: str, number: int | None) -> str:
    """A log's first page (``number`` None) or one of its archive pages, numbered from the oldest."""
    return f"{folder}index.html" if number is None else f"{folder}page/{number}/index.html"


def paging(count: int, size: int = PER_PAGE) -> tuple[int, list[tuple[int, int, int]]]:
    """How ``count`` items, newest first, fall on a log's pages: (items on the first page, archive pages).

    Archive pages hold ``size`` items each counted from the oldest, so a new item
    changes only the first page and an archive page stays the same file (an
    incremental build renders it once). The first page holds the newest items
    not yet in the archive: between size / 2 and size * 1.5 of them.
    Archive pages are (number, start, end) slices of the newest-first list.
    """
    chunks = max(1, -(-count // size))
    newest = count - (chunks - 1) * size
    front = chunks - 1 if chunks > 1 and newest < size / 2 else chunks
    archive = [(n, max(0, count - n * size), count - (n - 1) * size) for n in range(front - 1, 0, -1)]
    return count - (front - 1) * size, archive


class Threads:
    """Every item's entry, built once per build for the log and the post pages."""

    def __init__(self, ctx: "m.Context") -> None:
        config = ctx.config
        self.loc = ctx.loc
        self.hidden = bool(ctx.source.hide_handles or config.hide_handles)
        self.items = newest_first(ctx.source.feedback)
        by_id = {i.id: i for i in self.items}
        # keyed by path: the file name is the dedup key, an id written by hand may repeat
        first, archive = paging(len(self.items))
        self.where = {i.path: page_path("feedback/", None) for i in self.items[:first]}
        for number, start, end in archive:
            self.where.update((i.path, page_path("feedback/", number)) for i in self.items[start:end])
        answers: dict[str, list[Chip]] = defaultdict(list)
        for post in ctx.posts:
            if post.in_reply_to:
                answers[post.in_reply_to].append(ctx.chips[post.id])
        self.entries: dict[str, FeedbackEntry] = {}
        for item in self.items:
            self.entries[item.path] = self._entry(item, ctx, by_id, answers.get(item.id, []))

    def _name(self, item: FeedbackItem) -> tuple[str, str]:
        if self.hidden:
            return self.loc.gettext(HIDDEN), ""
        name, handle = line(item.author.name, 80), line(item.author.handle, 80)
        return (name or handle or self.loc.gettext("someone")), (handle if name else "")

    def _text(self, body: str) -> str:
        body = _BODY_JUNK.sub("", body)
        return _HANDLE.sub("@…", body) if self.hidden else body

    def _entry(self, item: FeedbackItem, ctx: "m.Context", by_id: dict, answers: list[Chip]) -> FeedbackEntry:
        zone, loc = ctx.zone, self.loc
        name, handle = self._name(item)
        web = not self.hidden  # their addresses name the commenter
        author_url = item.author.url if web and item.author.url.startswith(("https://", "http://")) else ""
        url = item.url if web and item.url.startswith(("https://", "http://")) else ""
        body = self._text(item.body)
        post = ctx.chips.get(item.post) if item.post else None
        parent = None
        source = by_id.get(item.in_reply_to) if item.in_reply_to else None
        if source is not None:
            source_post = ctx.chips.get(source.post) if source.post else None
            parent = ThreadRef(self._name(source)[0], line(self._text(source.body), 140), anchor(source.id),
                               source_post.path if source_post else self.where[source.path])
        replies = list(answers)
        reply_id = ""
        if item.reply_post:
            chip = ctx.chips.get(item.reply_post)
            if chip is None:
                reply_id = line(item.reply_post, 80)
            elif chip not in replies:
                replies.insert(0, chip)
        answered = _deltas([item])
        response = duration(answered[0], loc) if answered else ""
        lang = item.lang if item.lang and re.fullmatch(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*", item.lang) else None
        sentiment, intent = _judged(item.sentiment, loc), _judged(item.intent, loc)
        status, priority = line(item.status, 24), line(item.priority, 24)
        return FeedbackEntry(
            item.id, line(item.network, 24), line(item.kind, 24), name, handle, author_url, url,
            m.local_text(item.created_at, zone, loc=loc), sentiment.value if sentiment else "",
            intent.value if intent else "", status, lang, body,
            post.path if post else None,
            anchor=anchor(item.id), sentiment_by=sentiment,
            intent_by=intent if intent and (not sentiment or intent.value != sentiment.value) else None,
            assignee=line(item.assignee, 60), labels=tuple(line(label, 40) for label in item.labels if line(label)),
            priority="" if priority == "normal" else priority,
            status_css=f"tag fb-status st-{status if status in STATUSES else 'other'}",
            about=loc.gettext("Reply to") if item.kind == "reply" else (loc.gettext("Quotes") if item.kind == "quote"
                                                                          else loc.gettext("About")),
            post_id=line(item.post, 80), post=post, parent=parent, replies=tuple(replies), reply_id=reply_id,
            response=response, short=body[:EXCERPT],
            cut=loc.digits(f"{len(body) - EXCERPT:,}") if len(body) > EXCERPT else "",
            created=item.created_at.isoformat() if item.created_at else "", attention=needs_attention(item))


def threads(ctx: "m.Context") -> Threads:
    """The build's Threads, made on first use (post pages and the log share the entries)."""
    found = getattr(ctx, "_feedback_threads", None)
    if found is None:
        found = Threads(ctx)
        ctx._feedback_threads = found  # Context is per build; this is its memo, not shared state
    return found


# --- the log pages ----------------------------------------------------------

@dataclass(frozen=True)
class FilterLink:
    label: str
    path: str
    count: int
    current: bool


@dataclass(frozen=True)
class FilterGroup:
    name: str  # "Status"
    key: str  # the data-* attribute the script filters on
    links: tuple[FilterLink, ...]


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class Sparkline:
    label: str
    width: int
    height: int
    segments: tuple[str, ...]  # SVG polyline points; a week without data breaks the line
    dots: tuple[tuple[str, str, str], ...]  # (x, y, tooltip)


@dataclass(frozen=True)
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


@dataclass(frozen=True)
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


def _deltas(items) -> list[timedelta]:
    """Times to first response; a response stamped before the comment is a clock error, left out."""
    return [i.first_response_at - i.created_at for i in items
            if i.first_response_at and i.created_at and i.first_response_at >= i.created_at]


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
        deltas = _deltas(mine)
        tally = Counter(sentiment_of(i) for i in mine)
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
    sentiments = Counter(sentiment_of(i) for i in items)
    urgent = [i for i in items if th.entries[i.path].attention]
    rank = {"high": 0, "urgent": 0, "normal": 1, "low": 2}
    # the worst first: priority, then negative before a question, then the longest waiting
    urgent.sort(key=lambda i: (rank.get(i.priority or "normal", 1), sentiment_of(i) != "negative",
                               i.created_at.timestamp() if i.created_at else float("inf"), i.id))
    loc = ctx.loc
    weeks = week_stats(items, ctx.today, ctx.config.week_start, ctx.zone, loc=loc)
    while len(weeks) > 1 and not weeks[0].items:  # weeks before the first feedback say nothing
        weeks = weeks[1:]
    deltas = _deltas(items)
    labels = [loc.gettext("week of %(day)s", day=w.label) for w in weeks]
    hours = [w.hours for w in weeks]
    shares = [None if not (w.positive + w.negative) else w.positive / (w.positive + w.negative) for w in weeks]
    response = sparkline(hours, [loc.gettext("%(week)s: %(median)s", week=lab, median=w.median)
                                 for lab, w in zip(labels, weeks)],
                         loc.gettext("Median time to first response per week (lower is better)"))
    share = sparkline(shares, [loc.gettext("%(week)s: %(share)s positive", week=lab, share=w.share)
                               for lab, w in zip(labels, weeks)],
                      loc.gettext("Share positive of positive and negative, per week"), top=1.0)
    shown = [s for s in (*LABELS, UNCLASSIFIED) if sentiments[s] or s in LABELS]
    return Summary(tuple((s, statuses[s], scopes["status"][s]) for s in STATUSES),
                   tuple((s, sentiments[s], scopes["sentiment"][s]) for s in shown),
                   tuple(th.entries[i.path] for i in urgent[:ATTENTION_MAX]), len(urgent), weeks, _median(deltas, loc),
                   len(deltas), _share(sentiments["positive"], sentiments["negative"], loc), response, share)



def log_pages(ctx: "m.Context") -> list[FeedbackLogPage]:
    """The full log (paged) and one paged log per status, sentiment, network and assignee."""
    th, loc = threads(ctx), ctx.loc
    _ = loc.gettext
    items = th.items
    networks = _folders({line(i.network, 24) for i in items})
    assignees = _folders({line(i.assignee, 60) for i in items})
    sentiments = [s for s in (*LABELS, UNCLASSIFIED) if s in LABELS or any(sentiment_of(i) == s for i in items)]
    # (group key, value, label, folder, items)
    scopes: list[tuple[str, str, str, str, list[FeedbackItem]]] = [("", "", "", "feedback/", items)]
    scopes += [("status", s, loc.word("status", s), f"feedback/status/{s}/", [i for i in items if i.status == s])
               for s in STATUSES]
    scopes += [("sentiment", s, loc.word("sentiment", s), f"feedback/sentiment/{s}/",
                [i for i in items if sentiment_of(i) == s]) for s in sentiments]
    scopes += [("network", n, loc.word("network", n), f"feedback/network/{f}/",
                [i for i in items if line(i.network, 24) == n]) for n, f in networks.items()]
    scopes += [("assignee", a, a or _("unassigned"), f"feedback/assignee/{f}/",
                [i for i in items if line(i.assignee, 60) == a]) for a, f in assignees.items()]
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

