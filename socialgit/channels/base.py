"""The one small interface every channel implements, and the outcomes it reports.

A channel publishes one rendered post (text or thread parts, media with alt text,
language) under a deterministic idempotency key, settles an unknown outcome by
asking the network, and (for the feedback issue) fetches what came back.

The runner, not the channel, owns the receipt: a channel reports each thread part
as soon as the network has confirmed it (``on_part``), so that a crash between two
parts never re-posts the first one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Protocol


@dataclass(frozen=True)
class Media:
    path: Path  # absolute path on disk
    alt: str
    mime: str = "image/png"


@dataclass(frozen=True)
class ReplyTarget:
    """What a reply post answers: a status/post on the same network."""

    remote_id: str  # Mastodon status id, or Bluesky at:// URI
    cid: str | None = None  # Bluesky only
    root_id: str | None = None  # Bluesky thread root URI (defaults to remote_id)
    root_cid: str | None = None


@dataclass(frozen=True)
class Outgoing:
    """Exactly what goes out for one post on one channel."""

    post_id: str
    channel: str
    parts: tuple[str, ...]  # the exact text of each thread part, in order
    key: str  # idempotency key: derived from post id, channel and payload hash
    created_at: datetime  # the post's publish time (aware); Bluesky's createdAt
    media: tuple[Media, ...] = ()  # attached to the first part
    lang: str | None = None  # ISO 639-1
    reply_to: ReplyTarget | None = None
    payload_hash: str = ""


@dataclass
class Outcome:
    """What a publish or reconcile call established.

    ``parts`` holds one dict per confirmed thread part ({"id", "url", ...}),
    the first being the post's public identity.
    """

    state: str  # "published" | "failed" | "uncertain"
    parts: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None

    @property
    def remote_id(self) -> str | None:
        return self.parts[0]["id"] if self.parts else None

    @property
    def url(self) -> str | None:
        return self.parts[0].get("url") if self.parts else None


PartCallback = Callable[[int, dict[str, Any]], None]


class ChannelError(Exception):
    """Base of the errors a channel raises; each says what the user can do.

    ``error_name`` is the network's own error code when it gave one
    (XRPC's ``error``, e.g. ExpiredToken or RecordNotFound).
    """

    error_name: str | None = None


class TokenRefused(ChannelError):
    """401/403: the credentials were refused. Definite: nothing was created."""


class RateLimited(ChannelError):
    """429: not executed. Try again after ``retry_after`` seconds with the same key."""

    def __init__(self, message: str, retry_after: float | None):
        super().__init__(message)
        self.retry_after = retry_after


class NotSent(RateLimited):
    """The request never reached the server (connection refused, connect timeout): retry later."""

    def __init__(self, message: str):
        super().__init__(message, None)


class UnknownOutcome(ChannelError):
    """Timeout, reset or 5xx: the request may or may not have taken effect."""


class Rejected(ChannelError):
    """Any other 4xx: the network refused this payload. Definite: nothing was created."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class Channel(Protocol):
    name: str

    def publish(self, out: Outgoing, done: list[dict[str, Any]], on_part: PartCallback) -> Outcome:
        """Publish the parts not yet in ``done`` (confirmed parts from an earlier run).

        Calls ``on_part(index, part)`` after each part the network confirms.
        Raises a ChannelError subclass when it cannot finish.
        """

    def reconcile(self, out: Outgoing, receipt: dict[str, Any]) -> Outcome | None:
        """Settle a receipt whose last request has an unknown outcome.

        Returns the outcome the network shows, or None when the network cannot
        tell (the runner then marks the receipt ``uncertain`` for a person).
        """
