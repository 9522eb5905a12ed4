"""Each feedback item as a view safe to show, with its thread: whom it answers, our replies (pure).

Everything in a feedback item came from a stranger. Here it only ever becomes
plain text (one-line fields lose control and bidi-override characters, so a
name cannot flip the text around it); the templates escape it. A public build
(``--hide-handles``) shows "a commenter" instead of names and handles, drops
the links whose addresses carry a handle, and masks @handles in comments.
The entries are made once a build and shared by the log and the post pages.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from .. import i18n
from ..feedback import UNCLASSIFIED, FeedbackItem, Judgement
from ..vocabulary import LABELS, STATUSES
from . import model as m
from .views import Chip, FeedbackView

HIDDEN = i18n.N_("a commenter")  # in the site's language, from the catalogue
PER_PAGE = 100  # a big calendar has ten items per post: the log is paged
EXCERPT = 600  # characters of a comment shown in the log; the post page and the original have it all
GIST = 140  # characters of a comment in a row of a filter page, which links to its card
OPEN = ("new", "triaged")  # not answered, not closed
FACETS = ("status", "sentiment", "network", "assignee", "post")  # data-* of a log item, which feedback.js filters on
_LANG = re.compile(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*")
_LINE_JUNK = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200b\ufeff]+")
_BODY_JUNK = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_HANDLE = re.compile(r"(?<![\w@])@[\w.-]+(?:@[\w-]+(?:\.[\w-]+)+)?")


def line(text: str | None, limit: int = 120) -> str:
    """A one-line field safe to show: no control or direction-override characters, at most ``limit``."""
    # the same networks, states, names and labels come back on item after item (~20 fields an
    # item) and are remembered; a comment quoted as an excerpt is not kept
    return _short_line(text, limit) if text is None or len(text) <= 160 else _line(text, limit)


def _line(text: str | None, limit: int) -> str:
    # a text with no control, format or other space character and single spaces inside is already one
    # line: kept as it is, the same string object (a comment's gist is often all of it)
    if not (text and text.isprintable() and "  " not in text and text[0] != " " and text[-1] != " "):
        text = " ".join(_LINE_JUNK.sub(" ", text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


_short_line = functools.lru_cache(maxsize=1 << 16)(_line)


def duration(delta: timedelta, loc: i18n.Locale = i18n.ENGLISH) -> str:
    """'45 min', '3 h 05 min', '2 d 4 h', in ``loc``'s words and digits."""
    return _duration(max(0, int(delta.total_seconds() // 60)), loc)


@functools.lru_cache(maxsize=1 << 12)  # every answered comment has one: most are a few hours or days
def _duration(minutes: int, loc: i18n.Locale) -> str:
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return (loc.gettext("%(days)s d %(hours)s h", days=loc.digits(days), hours=loc.digits(hours)) if hours
                else loc.gettext("%(days)s d", days=loc.digits(days)))
    return loc.duration(hours * 60 + minutes)


@dataclass(frozen=True, slots=True)
class Judged:
    value: str
    by: str  # "vader 0.62", "a person", ""
    human: bool
    css: str  # the tag's classes, worked out once here rather than on every page the item is on
    word: str = ""  # the value in the site's words
    title: str = ""  # "sentiment, set by vader 0.62"
    hint: str = ""  # "(sentiment set by vader 0.62)", for screen readers


@dataclass(frozen=True, slots=True)
class ThreadRef:
    """The item an item replies to: who, what they said, and where it is shown."""

    author: str
    excerpt: str
    anchor: str
    href: str  # where it is shown: its post page, else its place in the full log


@dataclass(frozen=True, slots=True)
class Words:
    """What a card says of an item's network, kind and triage fields, in the site's words (shared: few combinations)."""

    network: str
    kind: str
    status: str
    assignee: str
    priority: str  # "" for normal
    status_css: str
    about: str
    kind_on: str  # "reply on mastodon"
    facets: tuple[str, ...]  # the first four of FACETS
    status_word: str
    priority_text: str  # "high priority"
    view_original: str  # "View the original on mastodon"
    read_all_on: str  # "Read all of it on mastodon"
    no_post: str  # "no post (a mention)", the post facet of an item on none


@dataclass(frozen=True, slots=True)
class FeedbackEntry(FeedbackView):
    anchor: str = ""
    sentiment_by: Judged | None = None
    intent_by: Judged | None = None
    assignee: str = ""
    labels: tuple[str, ...] = ()
    priority: str = ""  # "" for normal
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
    gist: str = ""  # the comment on one line, for the rows of the filter pages
    words: Words | None = None  # what it says of its network, kind and triage fields
    direction: str = "ltr"  # the comment's: its letters' majority
    shown_at: str = ""  # the page with its card: its post's page, else its page of the log

    @property
    def facets(self) -> tuple[str, ...]:
        """The words of FACETS, for the log's script to filter on (worked out where shown: 100,000 tuples less)."""
        words = self.words
        return (*words.facets, self.post.title if self.post else (self.post_id or words.no_post))


@functools.lru_cache(maxsize=1 << 12)  # a few labels, sources and scores, on every item
def _judged(judgement: Judgement | None, kind: str = "sentiment", loc: i18n.Locale = i18n.ENGLISH) -> Judged | None:
    """How a card shows a judgement of ``kind`` (sentiment or intent)."""
    if judgement is None or not judgement.value:
        return None
    human = judgement.source == "human"
    score = f" {loc.digits(f'{judgement.score:.2f}')}" if judgement.score is not None and not human else ""
    value = line(judgement.value, 24)
    css = f"tag tag-{value if value in LABELS else 'other'}" + (" tag-human" if human else "")
    by = loc.gettext("a person") if human else loc.word("source", line(judgement.source, 24)) + score
    what = loc.word("judged", kind)
    return Judged(value, by, human, css, loc.word("sentiment", value),
                  loc.gettext("%(what)s, set by %(by)s", what=what, by=by),
                  loc.gettext("(%(what)s set by %(by)s)", what=what, by=by))


def needs_attention(item: FeedbackItem) -> bool:
    """Open, negative or a question, and nobody has answered yet."""
    # asked of every item on every log page: the cheap tests first, no generator
    if item.status not in OPEN or item.first_response_at is not None or item.reply_post:
        return False
    sentiment, intent = item.sentiment, item.intent
    return ((sentiment is not None and sentiment.value in _ASKS)
            or (intent is not None and intent.value in _ASKS))


_ASKS = frozenset({"negative", "question"})


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
        # keyed by path: the file name is the dedup key, an id written by hand may repeat. A page's path
        # (and below, a post's) is one string its entries share, not a copy an entry: 100,000 entries
        first, archive = paging(len(self.items))
        front = page_path("feedback/", None)
        self.where = {i.path: front for i in self.items[:first]}
        for number, start, end in archive:
            page = page_path("feedback/", number)
            self.where.update((i.path, page) for i in self.items[start:end])
        self.paths = {chip_id: chip.path for chip_id, chip in ctx.chips.items()}  # Chip.path makes a new one
        answers: dict[str, list[Chip]] = defaultdict(list)
        for post in ctx.posts:
            if post.in_reply_to:
                answers[post.in_reply_to].append(ctx.chips[post.id])
        self.triage: dict[tuple, Words] = {}
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

    def _triage(self, item: FeedbackItem) -> Words:
        """What an entry shows of the item's network, kind and triage fields: few combinations, each made once."""
        sentiment = item.sentiment.value if item.sentiment else None
        key = (item.network, item.kind, item.status, item.assignee, item.priority, sentiment)
        found = self.triage.get(key)
        if found is None:
            loc = self.loc
            sentiment = line(sentiment, 24) if sentiment else UNCLASSIFIED
            status, priority, network = line(item.status, 24), line(item.priority, 24), line(item.network, 24)
            assignee = line(item.assignee, 60)
            network_word = loc.word("network", network)
            found = self.triage[key] = Words(
                network, line(item.kind, 24), status, assignee,
                "" if priority == "normal" else priority,
                f"tag fb-status st-{status if status in STATUSES else 'other'}",
                loc.gettext("Reply to") if item.kind == "reply" else (loc.gettext("Quotes") if item.kind == "quote"
                                                                        else loc.gettext("About")),
                loc.gettext("%(kind)s on %(network)s", kind=loc.word("kind", line(item.kind, 24)), network=network_word),
                (loc.word("status", status), loc.word("sentiment", sentiment), network_word,
                 assignee or loc.gettext("unassigned")),
                loc.word("status", status),
                loc.gettext("%(priority)s priority", priority=loc.word("priority", priority)) if priority else "",
                loc.gettext("View the original on %(network)s", network=network_word),
                loc.gettext("Read all of it on %(network)s", network=network_word),
                loc.gettext("no post (a mention)"))
        return found

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
                               self.paths[source_post.id] if source_post else self.where[source.path])
        replies = list(answers)
        reply_id = ""
        if item.reply_post:
            chip = ctx.chips.get(item.reply_post)
            if chip is None:
                reply_id = line(item.reply_post, 80)
            elif chip not in replies:
                replies.insert(0, chip)
        response = ""
        if item.first_response_at and item.created_at and item.first_response_at >= item.created_at:
            response = duration(item.first_response_at - item.created_at, loc)
        lang = item.lang if item.lang and _LANG.fullmatch(item.lang) else None
        triage = self._triage(item)
        sentiment, intent = _judged(item.sentiment, "sentiment", loc), _judged(item.intent, "intent", loc)
        post_path = self.paths[post.id] if post else None
        return FeedbackEntry(
            item.id, triage.network, triage.kind, name, handle, author_url, url,
            m.local_text(item.created_at, zone, loc=loc), sentiment.value if sentiment else "",
            intent.value if intent else "", triage.status, lang, body,
            post_path,
            anchor=anchor(item.id), sentiment_by=sentiment,
            intent_by=intent if intent and (not sentiment or intent.value != sentiment.value) else None,
            assignee=triage.assignee, labels=tuple(line(label, 40) for label in item.labels if line(label)),
            priority=triage.priority, words=triage,
            post_id=line(item.post, 80), post=post, parent=parent, replies=tuple(replies), reply_id=reply_id,
            response=response, short=body[:EXCERPT],
            cut=loc.digits(f"{len(body) - EXCERPT:,}") if len(body) > EXCERPT else "",
            created=item.created_at.isoformat() if item.created_at else "", attention=needs_attention(item),
            gist=_line(body, GIST), shown_at=post_path or self.where[item.path],
            direction=i18n.text_direction(body))


def threads(ctx: "m.Context") -> Threads:
    """The build's Threads, made on first use (post pages and the log share the entries)."""
    found = getattr(ctx, "_feedback_threads", None)
    if found is None:
        found = Threads(ctx)
        ctx._feedback_threads = found  # Context is per build; this is its memo, not shared state
    return found


def response_times(items) -> list[timedelta]:
    """Times to first response; a response stamped before the comment is a clock error, left out."""
    return [i.first_response_at - i.created_at for i in items
            if i.first_response_at and i.created_at and i.first_response_at >= i.created_at]
