"""What a channel brings back when socialgit listens: replies, mentions, quotes and counts.

The listeners (mastodon_listener.py, bluesky_listener.py) make the requests; the
functions here turn one network's JSON into plain ``RemoteItem`` values, with every
string cleaned by ``netcontent``: nothing from the network reaches a file unchecked.
A value that cannot be read (no id, an unusable id) becomes a ``Skipped`` with the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping, Protocol

from .. import netcontent as nc

REPLY, MENTION, QUOTE = "reply", "mention", "quote"


@dataclass(frozen=True)
class Person:
    id: str  # account id or DID: how the team's own account is recognised
    name: str = ""
    handle: str = ""
    url: str = ""


@dataclass(frozen=True)
class RemoteItem:
    """One status or post that came back, as plain data."""

    network: str
    remote_id: str  # safe for a file name: Mastodon status id, Bluesky record key
    ref: str  # what the network calls it: status id, or at:// URI
    author: Person
    text: str  # plain text, cleaned
    created_at: datetime | None = None
    url: str = ""
    lang: str | None = None
    parent: str | None = None  # ref of what it answers
    root: str | None = None  # ref of its thread's first post, when the network says
    quotes: str | None = None  # ref of the post it quotes
    reason: str = REPLY  # what the network reported it as: reply | mention | quote
    refs: dict[str, str] = field(default_factory=dict)  # what a reply needs (Bluesky uri/cid/root)


@dataclass(frozen=True)
class Counts:
    likes: int = 0
    reposts: int = 0
    replies: int = 0
    quotes: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"likes": self.likes, "reposts": self.reposts, "replies": self.replies, "quotes": self.quotes}


@dataclass(frozen=True)
class Skipped:
    ref: str  # whatever identified it, cleaned for display
    reason: str


@dataclass
class FetchPage:
    """One page of mentions: the items, the cursor state after it, and whether the walk is done."""

    items: list[RemoteItem]
    state: dict[str, Any]
    done: bool
    skipped: list[Skipped] = field(default_factory=list)


def partition(found: Iterable[RemoteItem | Skipped]) -> tuple[list[RemoteItem], list[Skipped]]:
    """What came back split into the items to keep and the ones skipped, each in its order."""
    items: list[RemoteItem] = []
    skipped: list[Skipped] = []
    for one in found:
        (skipped if isinstance(one, Skipped) else items).append(one)
    return items, skipped


class Listener(Protocol):
    """The fetch side of a channel; every method is one request, except where it says."""

    name: str
    counts_batch: int  # how many posts one counts() call may ask about

    def whoami(self) -> str:
        """The account's own id (Mastodon account id, Bluesky DID)."""

    def mention_page(self, state: Mapping[str, Any], since: datetime) -> FetchPage:
        """The next page of mentions, replies and quotes from the account's notifications."""

    def own_page(self, state: Mapping[str, Any], since: datetime) -> FetchPage:
        """The next page of the account's own replies (how a team answer is seen)."""

    def thread(self, ref: str) -> tuple[list[RemoteItem], list[Skipped]]:
        """Everything below one post of ours (the post itself left out)."""

    def counts(self, refs: list[str]) -> dict[str, Counts]:
        """Engagement of up to ``counts_batch`` posts; a deleted post is missing from the answer."""


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _shown(value: Any) -> str:
    return nc.clean_line(str(value), 80) if value is not None else "(none)"


# --- Mastodon -----------------------------------------------------------------------------------


def _media_note(attachments: Any) -> str:
    notes = []
    for media in attachments if isinstance(attachments, list) else []:
        if isinstance(media, dict):
            kind = nc.clean_line(media.get("type") or "media", 20)
            described = nc.clean_line(media.get("description") or "", 500)
            notes.append(f"[{kind} attached{': ' + described if described else ''}]")
    return "\n".join(notes)


def mastodon_item(status: Any, reason: str = REPLY) -> RemoteItem | Skipped:
    """A Mastodon Status entity as a RemoteItem."""
    if not isinstance(status, dict):
        return Skipped("(not a status)", "the server sent something that is not a status")
    remote_id = nc.safe_id(status.get("id"))
    if remote_id is None:
        return Skipped(_shown(status.get("id")), "the status id cannot be a file name")
    if status.get("visibility") == "direct":
        return Skipped(remote_id, "a private mention (direct message): kept out of git")
    account = status.get("account") if isinstance(status.get("account"), dict) else {}
    acct = nc.clean_line(account.get("acct") or account.get("username") or "")
    author = Person(id=str(account.get("id") or ""), name=nc.clean_line(account.get("display_name") or ""),
                    handle=f"@{acct}" if acct else "", url=nc.safe_url(account.get("url")))
    text = nc.html_to_text(status.get("content"))
    warning = nc.clean_line(status.get("spoiler_text") or "", 500)
    if warning:
        text = f"[content warning: {warning}]\n\n{text}"
    media = _media_note(status.get("media_attachments"))
    if media:
        text = f"{text}\n\n{media}" if text else media
    quote = status.get("quote") if isinstance(status.get("quote"), dict) else {}
    quoted = quote.get("quoted_status") if isinstance(quote.get("quoted_status"), dict) else {}
    quoted_id = quoted.get("id") or quote.get("quoted_status_id")
    parent = status.get("in_reply_to_id")
    return RemoteItem(
        network="mastodon", remote_id=remote_id, ref=remote_id, author=author,
        text=nc.limit_body(nc.tidy(text)), created_at=parse_time(status.get("created_at")),
        url=nc.safe_url(status.get("url")) or nc.safe_url(status.get("uri")),
        lang=nc.safe_lang(status.get("language")), parent=str(parent) if parent else None,
        quotes=str(quoted_id) if quoted_id else None, reason=reason)


def mastodon_counts(status: Any) -> Counts:
    status = status if isinstance(status, dict) else {}
    return Counts(likes=_count(status.get("favourites_count")), reposts=_count(status.get("reblogs_count")),
                  replies=_count(status.get("replies_count")), quotes=_count(status.get("quotes_count")))


# --- Bluesky ------------------------------------------------------------------------------------

_DID = r"did:[a-z]+:[A-Za-z0-9._:%-]{1,2000}"
_AT_URI = re.compile(rf"at://({_DID})/([A-Za-z0-9.-]+)/([^/?#]+)")
BSKY_POST = "app.bsky.feed.post"
BSKY_APP = "https://bsky.app"


def split_at_uri(uri: Any) -> tuple[str, str, str] | None:
    match = _AT_URI.fullmatch(uri) if isinstance(uri, str) else None
    return (match.group(1), match.group(2), match.group(3)) if match else None


def _strong_ref(value: Any) -> tuple[str | None, str | None]:
    if isinstance(value, dict) and isinstance(value.get("uri"), str):
        cid = value.get("cid")
        return value["uri"], cid if isinstance(cid, str) else None
    return None, None


def _quoted_uri(embed: Any) -> str | None:
    """The post a record embeds (a quote), directly or next to media."""
    if not isinstance(embed, dict):
        return None
    kind = embed.get("$type")
    if kind == "app.bsky.embed.record":
        return _strong_ref(embed.get("record"))[0]
    if kind == "app.bsky.embed.recordWithMedia":
        return _quoted_uri(embed.get("record"))
    return None


def _image_note(embed: Any) -> str:
    if not isinstance(embed, dict):
        return ""
    if embed.get("$type") == "app.bsky.embed.recordWithMedia":
        return _image_note(embed.get("media"))
    notes = []
    if embed.get("$type") == "app.bsky.embed.images":
        for image in embed.get("images") if isinstance(embed.get("images"), list) else []:
            alt = nc.clean_line(image.get("alt") or "", 500) if isinstance(image, dict) else ""
            notes.append(f"[image attached{': ' + alt if alt else ''}]")
    return "\n".join(notes)


def bluesky_item(view: Any, reason: str = REPLY) -> RemoteItem | Skipped:
    """A Bluesky post view (or a notification, which has the same fields) as a RemoteItem."""
    if not isinstance(view, dict):
        return Skipped("(not a post)", "the server sent something that is not a post")
    uri, cid = view.get("uri"), view.get("cid")
    parts = split_at_uri(uri)
    if parts is None or parts[1] != BSKY_POST:
        return Skipped(_shown(uri), "not the address of a Bluesky post")
    did, _, rkey = parts
    remote_id = nc.safe_id(rkey)
    if remote_id is None:
        return Skipped(_shown(uri), "the record key cannot be a file name")
    record = view.get("record") if isinstance(view.get("record"), dict) else {}
    author = view.get("author") if isinstance(view.get("author"), dict) else {}
    if author.get("did") != did:  # the author is the repository the record lives in, whatever the view says
        author = {}
    handle = nc.clean_line(author.get("handle") or "")
    profile = nc.safe_url(f"{BSKY_APP}/profile/{did}")
    text = nc.expand_links(record.get("text") if isinstance(record.get("text"), str) else "", record.get("facets"))
    images = _image_note(record.get("embed"))
    text = nc.tidy(nc.clean_text(text + (f"\n\n{images}" if images else "")))
    reply = record.get("reply") if isinstance(record.get("reply"), dict) else {}
    parent, _ = _strong_ref(reply.get("parent"))
    root, root_cid = _strong_ref(reply.get("root"))
    langs = record.get("langs")
    refs = {"uri": uri}
    if isinstance(cid, str) and nc.safe_id(cid):
        refs["cid"] = cid
    if root and split_at_uri(root) and root_cid and nc.safe_id(root_cid):
        refs.update(root_uri=root, root_cid=root_cid)
    return RemoteItem(
        network="bluesky", remote_id=remote_id, ref=uri,
        author=Person(id=did, name=nc.clean_line(author.get("displayName") or ""),
                      handle=f"@{handle}" if handle else "", url=profile),
        text=nc.limit_body(text), created_at=_created(record.get("createdAt"), view.get("indexedAt")),
        url=f"{profile}/post/{remote_id}" if profile else "",
        lang=nc.safe_lang(langs[0]) if isinstance(langs, list) and langs else None,
        parent=parent, root=root, quotes=_quoted_uri(record.get("embed")), reason=reason, refs=refs)


def _created(claimed: Any, indexed: Any) -> datetime | None:
    """``createdAt`` is whatever the author's client wrote; the AppView's ``indexedAt`` caps it."""
    written, seen = parse_time(claimed), parse_time(indexed)
    if written and seen:
        return min(written, seen)
    return written or seen


def bluesky_counts(view: Any) -> Counts:
    view = view if isinstance(view, dict) else {}
    return Counts(likes=_count(view.get("likeCount")), reposts=_count(view.get("repostCount")),
                  replies=_count(view.get("replyCount")), quotes=_count(view.get("quoteCount")))


def bluesky_thread_posts(node: Any, depth: int = 0) -> list[dict[str, Any]]:
    """The post views below a getPostThread node, parents before children (blocked and deleted left out)."""
    found: list[dict[str, Any]] = []
    if not isinstance(node, dict) or depth > 1000:
        return found
    for child in node.get("replies") if isinstance(node.get("replies"), list) else []:
        if isinstance(child, dict) and child.get("$type", "app.bsky.feed.defs#threadViewPost").endswith(
                "#threadViewPost") and isinstance(child.get("post"), dict):
            found.append(child["post"])
            found.extend(bluesky_thread_posts(child, depth + 1))
    return found
