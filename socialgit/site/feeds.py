"""The feeds: calendar.ics (RFC 5545), feed.xml (Atom, RFC 4287) and posts.json.

Each is a pure function of the model's FeedPosts, so the same calendar gives the
same bytes: no "generated at" stamps, times in UTC, entries in a fixed order.
"""

from __future__ import annotations

import json
import uuid
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterable
from urllib.parse import urlsplit

import icalendar

from .. import __version__, progress
from ..filecache import parse_all
from .cache import Digests
from .model import FeedPost
from .views import SiteInfo

EVENT_LENGTH = timedelta(minutes=15)  # a post is a moment; clients need an end to draw it
ATOM = "http://www.w3.org/2005/Atom"
EPOCH = datetime(2000, 1, 1, tzinfo=timezone.utc)
ATOM_ENTRIES = 50


def event_host(base_url: str) -> str:
    """The host part of the events' UIDs."""
    return urlsplit(base_url).hostname or "socialgit.invalid"


def _link(base_url: str, path: str) -> str:
    """Absolute when the site knows its address (feeds are read elsewhere), else relative."""
    page = path.removesuffix("index.html")
    return f"{base_url.rstrip('/')}/{page}" if base_url else page


def _description(post: FeedPost) -> str:
    channels = ", ".join(f"{label} ({state})" for _, label, state in post.channels)
    lines = [post.text.strip(), "", f"Channels: {channels}" if channels else "Channels: none", f"State: {post.state}"]
    if post.campaign:
        lines.append(f"Campaign: {post.campaign}")
    return "\n".join(lines)


def event(post: FeedPost, host: str, base_url: str) -> bytes:
    """One post's VEVENT, as calendar_ics puts it in the calendar."""
    start = post.publish_at.astimezone(timezone.utc)
    vevent = icalendar.Event()
    vevent.add("uid", f"{post.id}@{host}")
    # DTSTAMP must be stable for identical output: the post's last commit, else its time
    vevent.add("dtstamp", (post.changed_at or start).astimezone(timezone.utc))
    vevent.add("dtstart", start)
    vevent.add("dtend", start + EVENT_LENGTH)
    vevent.add("summary", post.title)
    vevent.add("description", _description(post))
    vevent.add("status", "TENTATIVE" if post.draft else "CONFIRMED")
    vevent.add("transp", "TRANSPARENT")
    categories = [label for _, label, _ in post.channels] + ([post.campaign] if post.campaign else [])
    if categories:
        vevent.add("categories", categories)
    if base_url:
        vevent.add("url", _link(base_url, post.path))
    return vevent.to_ical()


def calendar_ics(posts: Iterable[FeedPost], info: SiteInfo, base_url: str, memo=None,
                 digests: Digests | None = None) -> list[bytes]:
    """One event per dated post; the UID is the post id, so subscribers update events in place.

    Events are serialised one by one (and remembered in ``memo``, a site.memo.Memo,
    by a content digest of what each is made from; ``digests`` may already know the
    posts') because the library takes about a millisecond per event; the bytes are
    those of adding them all to the calendar. They come as pieces to write one after
    the other (the calendar's head, each event, its end): joined, the 35 MB of
    10,000 events were copied three times over, the build's peak of memory.
    """
    cal = icalendar.Calendar()
    cal.add("prodid", f"-//socialgit//socialgit {__version__}//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", info.title)
    cal.add("x-wr-timezone", info.timezone)
    host = event_host(base_url)
    digests = digests or Digests()
    dated = [post for post in posts if post.publish_at is not None]
    keys = [digests.key(post, host, base_url) for post in dated] if memo is not None else [None] * len(dated)
    missing = [index for index, key in enumerate(keys) if key is None or not memo.has(key)]
    # a full build makes every event: on every core (a worker sends the bytes back)
    with progress.stage("Making calendar.ics"):
        made = dict(zip(missing, (vevent for vevent, _ in parse_all(
            [(index,) for index in missing], lambda index: event(dated[index], host, base_url), bytes, bytes))))
    events = []
    for index, key in enumerate(keys):
        one = made.get(index)
        events.append(one if key is None else memo.get(key, lambda: one))
    head = cal.to_ical()
    end = head.rindex(b"END:VCALENDAR")
    return [head[:end], *events, head[end:]]


def _atom_time(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def atom_posts(posts: Iterable[FeedPost], limit: int = ATOM_ENTRIES) -> list[FeedPost]:
    """The posts feed.xml shows: the ``limit`` last published, newest first."""
    published = [p for p in posts if p.state in ("published", "partly published")]
    published.sort(key=lambda p: (p.published_at or p.publish_at or EPOCH, p.id), reverse=True)
    return published[:limit]


def atom_feed(posts: Iterable[FeedPost], info: SiteInfo, base_url: str,
              body_html: Callable[[str], str], limit: int = ATOM_ENTRIES) -> bytes:
    """The published posts, newest first: a feed for people who follow what went out."""
    published = atom_posts(posts, limit)
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")

    def sub(parent, tag, text=None, **attrs):
        element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        if text is not None:
            element.text = text
        return element

    namespace = uuid.uuid5(uuid.NAMESPACE_URL, base_url or f"socialgit:{info.title}")
    sub(feed, "title", f"{info.title}: published posts")
    sub(feed, "id", f"urn:uuid:{namespace}")
    newest = max((p.published_at or p.publish_at or EPOCH for p in published), default=EPOCH)
    sub(feed, "updated", _atom_time(newest))
    sub(feed, "link", rel="alternate", href=_link(base_url, "index.html") or "./", type="text/html")
    if base_url:
        sub(feed, "link", rel="self", href=_link(base_url, "feed.xml"), type="application/atom+xml")
    sub(feed, "generator", "socialgit", version=__version__)
    for post in published:
        entry = sub(feed, "entry")
        sub(entry, "title", post.title)
        sub(entry, "id", f"urn:uuid:{uuid.uuid5(namespace, post.id)}")
        sub(entry, "link", rel="alternate", href=_link(base_url, post.path), type="text/html")
        for url in post.links:
            sub(entry, "link", rel="related", href=url)
        when = post.published_at or post.publish_at or EPOCH
        sub(entry, "published", _atom_time(when))
        sub(entry, "updated", _atom_time(max(when, post.changed_at or when)))
        author = sub(entry, "author")
        sub(author, "name", post.author or info.title)
        for _, label, _ in post.channels:
            sub(entry, "category", term=label)
        sub(entry, "content", str(body_html(post.body)), type="html")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode").encode("utf-8") + b"\n"


def posts_json(posts: Iterable[FeedPost], info: SiteInfo, base_url: str) -> bytes:
    """Every post with its state, for scripts (jq, spreadsheets)."""
    posts_data = [{
        "id": p.id,
        "title": p.title,
        "page": p.path,
        "url": _link(base_url, p.path) if base_url else None,
        "publish_at": p.publish_at.isoformat() if p.publish_at else None,
        "publish_at_utc": _atom_time(p.publish_at) if p.publish_at else None,
        "state": p.state,
        "draft": p.draft,
        "channels": {name: state for name, _, state in p.channels},
        "campaign": p.campaign,
        "tags": list(p.tags),
        "author": p.author,
        "published_at": _atom_time(p.published_at) if p.published_at else None,
        "links": list(p.links),
    } for p in posts]
    # one post per line: json's indent= switches to its slow pure-Python encoder
    head = json.dumps({"title": info.title, "timezone": info.timezone}, ensure_ascii=False)[:-1]
    lines = ",\n".join(json.dumps(p, ensure_ascii=False) for p in posts_data)
    return f'{head}, "posts": [\n{lines}\n]}}\n'.encode("utf-8")
