"""What state a post is in, what is due, what comes next: pure functions of ``now``.

A post's state is derived, never stored twice: from its front matter, its
receipts and the clock (DESIGN.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable, Mapping

from .content import Post
from .ledger import Receipt, parse_instant
from .receipts import retry_due

DRAFT, SCHEDULED, DUE, PUBLISHED, PARTLY, FAILED, UNCERTAIN, MISSED, PENDING = (
    "draft", "scheduled", "due", "published", "partly published", "failed", "uncertain", "missed", "pending")
STATES = (DRAFT, SCHEDULED, DUE, PUBLISHED, PARTLY, FAILED, UNCERTAIN, MISSED)


def is_late(post: Post, now: datetime, grace: timedelta) -> bool:
    return post.publish_at is not None and now - post.publish_at > grace


def revived(post: Post, receipt: Receipt | None, late_default: str) -> bool:
    """A missed post that a person has since retimed, or told to go out late, is live again."""
    if receipt is None or receipt.state != MISSED:
        return False
    missed_time = parse_instant(receipt.data.get("publish_at"))
    retimed = missed_time is not None and post.publish_at is not None and missed_time != post.publish_at
    return retimed or (post.late or late_default) == "post"


def channel_state(post: Post, receipt: Receipt | None, now: datetime, grace: timedelta, late_default: str) -> str:
    """The state of one post on one channel."""
    if revived(post, receipt, late_default):
        receipt = None
    if receipt is not None:
        # a pending receipt means a run stopped mid-call: to a person that is uncertain
        return UNCERTAIN if receipt.state == PENDING else receipt.state
    if post.is_draft:
        return DRAFT
    if post.publish_at is None or post.publish_at > now:
        return SCHEDULED
    if is_late(post, now, grace) and (post.late or late_default) != "post":
        return MISSED
    return DUE


PUBLISH_NOW, RECORD_MISSED = "publish", "record missed"


def next_step(post: Post, channel: str, receipt: Receipt | None, now: datetime, grace: timedelta,
              late_default: str) -> str | None:
    """What the runner does for one started post on one channel: PUBLISH_NOW, RECORD_MISSED or nothing.

    ``post`` needs only publish_at, is_draft, late and payload_hash(channel), so the
    runner can ask first with what it keeps of every post and read in full only the
    posts for which the answer is not None.
    """
    if revived(post, receipt, late_default):
        receipt = None  # retimed or set to go out late since it was missed
    if receipt is None:
        state = channel_state(post, None, now, grace, late_default)
        if state == MISSED:
            return RECORD_MISSED if (post.late or late_default) == "skip" else None
        return PUBLISH_NOW if state == DUE else None
    if not retry_due(receipt.data, post, channel, now):
        return None
    if is_late(post, now, grace) and (post.late or late_default) != "post":
        return None  # a retry that comes too late waits for a person, like a missed post
    return PUBLISH_NOW


def post_state(post: Post, receipts: Mapping[str, Receipt], now: datetime, grace: timedelta,
               late_default: str) -> str:
    """One word for the whole post, worst news first."""
    if post.is_draft and not receipts:
        return DRAFT
    states = [channel_state(post, receipts.get(c), now, grace, late_default) for c in post.channels]
    if not states:
        return DRAFT if post.is_draft else SCHEDULED
    if UNCERTAIN in states:
        return UNCERTAIN
    if all(s == PUBLISHED for s in states):
        return PUBLISHED
    if PUBLISHED in states:
        return PARTLY
    if FAILED in states:
        return FAILED
    if DUE in states:
        return DUE
    if all(s == MISSED for s in states):
        return MISSED
    if MISSED in states:
        return MISSED
    return SCHEDULED


@dataclass(frozen=True)
class Due:
    post: Post
    channel: str


def due(posts: Iterable[Post], receipts: Mapping[str, Mapping[str, Receipt]], now: datetime,
        grace: timedelta, late_default: str) -> list[Due]:
    """Every (post, channel) that should go out now, in time order."""
    found = []
    for post in posts:
        if post.is_draft or post.publish_at is None or post.publish_at > now:
            continue
        mine = receipts.get(post.id, {})
        for channel in post.channels:
            if channel_state(post, mine.get(channel), now, grace, late_default) == DUE:
                found.append(Due(post, channel))
    found.sort(key=lambda d: (d.post.publish_at, d.post.id, d.channel))
    return found


def attention_order(state: str, publish_at: datetime | None) -> tuple:
    """How a list of what needs a person is ordered: uncertain first (each waits for `socialgit resolve`),
    then newest first (years of missed posts would bury this week's failure)."""
    return state != UNCERTAIN, -publish_at.timestamp() if publish_at else float("inf")


def upcoming(posts: Iterable[Post], now: datetime, limit: int = 10) -> list[Post]:
    ahead = [p for p in posts if not p.is_draft and p.publish_at and p.publish_at > now]
    return sorted(ahead, key=lambda p: (p.publish_at, p.id))[:limit]
