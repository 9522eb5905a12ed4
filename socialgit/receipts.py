"""What a receipt says and how it changes: pure functions over receipt dicts.

A receipt's life (DESIGN.md): ``pending`` is written and committed before the
network call; then ``published``, ``failed`` (with a next try, or for a person),
``uncertain`` (only a person or a later reconcile can tell), or ``missed``.
Keys are derived from the post id, the channel and the exact payload, so a
runner that lost all local state still sends the same key and cannot post twice.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from typing import Any, Container, Iterable, Mapping

from .content import Post
from .ledger import Receipt

SENT = ("published", "pending", "uncertain")  # the network may have the post
MAX_ATTEMPTS = 5
FIRST_BACKOFF = timedelta(minutes=5)
MAX_BACKOFF = timedelta(hours=6)


def stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def idempotency_key(post_id: str, channel: str, payload_hash: str) -> str:
    digest = hashlib.sha256(f"{post_id}|{channel}|{payload_hash}".encode("utf-8")).hexdigest()
    return f"sg-{digest[:32]}"


def orphans(states: Mapping[str, Mapping[str, str]], post_ids: Container[str],
            channels: Container[str]) -> dict[str, list[str]]:
    """post id → channels of its sent receipts that no post file or no channel answers to any more.

    Receipts are filed by post id and channel name, and both can be renamed: a post
    file (its slug is its id unless the front matter sets one) or a channel in
    socialgit.toml. The receipts stay under the old names and the post looks unsent.
    ``states``: post id → channel → state, of every receipt.
    """
    found = {}
    for post_id, mine in states.items():
        names = [name for name, state in mine.items()
                 if state in SENT and (post_id not in post_ids or name not in channels)]
        if names:
            found[post_id] = names
    return found


def could_have_sent(orphaned: Mapping[str, list[str]], post_id: str, channel: str, channels: Container[str],
                    post_ids: Container[str]) -> list[tuple[str, str]]:
    """(post id, channel) of the orphaned receipts that may be post ``post_id`` on ``channel`` under old names.

    Those of the post itself on channels that are gone, and those of posts whose file
    is gone on this channel or on one that is gone; not another live post's, nor one
    on another channel that still exists (another account).
    """
    return [(owner, name) for owner, names in orphaned.items() if owner == post_id or owner not in post_ids
            for name in names if name == channel or name not in channels]


def sent_before(post: Post, channel: str, candidates: Iterable[Receipt]) -> Receipt | None:
    """The receipt, among ``candidates`` (could_have_sent's), that sent the very text ``post`` would send now."""
    payload = post.payload_hash(channel)
    return next((receipt for receipt in candidates if receipt.state in SENT and receipt.payload_hash == payload
                 and (receipt.post, receipt.channel) != (post.id, channel)), None)


def renamed_error(post: Post, channel: str, receipt: Receipt) -> str:
    as_post = f", as post {receipt.post}, whose file is gone" if receipt.post != post.id else ""
    gone = f"; socialgit.toml has no channel {receipt.channel} any more" if receipt.channel != channel else ""
    fixes = ([f"add 'id: {receipt.post}' to its front matter"] if as_post else []) + (
        [f"move the receipt: git mv content/ledger/{receipt.post}/{receipt.channel}.json "
         f"content/ledger/{receipt.post}/{channel}.json"] if gone else [])
    return (f"this text went out on {receipt.channel} before{as_post}{gone}; it is not sent again on {channel}. "
            f"If it was renamed, {' and '.join(fixes)}; if it is a new post, change the text")


def same_account_error(other: str, channel: str) -> str:
    return (f"this post went out on {other} already, and {other} posts as the same account as {channel}: it is not "
            f"sent there twice; list only one of them")


def gone_channels(receipts: Mapping[str, str], channels: Container[str]) -> list[str]:
    """Channels, among channel → state of one post's receipts, that it was sent on and socialgit.toml no longer has."""
    return sorted(name for name, state in receipts.items() if state in SENT and name not in channels)


def backoff(attempts: int) -> timedelta:
    return min(FIRST_BACKOFF * (2 ** max(0, attempts - 1)), MAX_BACKOFF)


def new_attempt(post: Post, channel: str, prior: dict[str, Any] | None, now: datetime,
                sent_at: datetime | None = None) -> dict[str, Any]:
    """The pending receipt written before a network call.

    ``sent_at`` is the wall clock of the request even when ``now`` is simulated:
    reconciling compares it with how long a network keeps idempotency keys.

    Parts confirmed by an earlier attempt of the *same* payload are kept, so a
    thread that stopped half-way continues instead of starting over.
    """
    payload = post.payload_hash(channel)
    same = bool(prior) and prior.get("payload_hash") == payload
    return {
        "post": post.id,
        "channel": channel,
        "source": post.path,
        "state": "pending",
        "key": idempotency_key(post.id, channel, payload),
        "payload_hash": payload,
        "parts": list(prior.get("parts") or []) if same else [],
        "attempts": (int(prior.get("attempts") or 0) if same else 0) + 1,
        "attempted_at": stamp(sent_at or now),
        "published_at": None,
        "error": None,
        "next_try": None,
        "retryable": None,
        "updated_at": stamp(now),
    }


def settle(receipt: dict[str, Any], state: str, now: datetime, *, parts: list[dict] | None = None,
           error: str | None = None, retry_at: datetime | None = None, retryable: bool = False) -> dict[str, Any]:
    """A copy of ``receipt`` moved to its outcome."""
    settled = dict(receipt, state=state, updated_at=stamp(now), error=error)
    if parts is not None:
        settled["parts"] = parts
    if state == "published":
        settled.update(published_at=stamp(now), next_try=None, retryable=None, error=None)
    elif state == "failed":
        can_retry = retryable and int(receipt.get("attempts") or 1) < MAX_ATTEMPTS
        settled.update(retryable=can_retry,
                       next_try=stamp(retry_at or now + backoff(int(receipt.get("attempts") or 1)))
                       if can_retry else None)
    return settled


def missed(post: Post, channel: str, now: datetime) -> dict[str, Any]:
    return {
        "post": post.id, "channel": channel, "source": post.path, "state": "missed",
        "publish_at": post.publish_at.isoformat(),  # retiming the post revives it
        "payload_hash": post.payload_hash(channel), "parts": [], "attempts": 0,
        "error": f"past its grace window at {stamp(now)}; not sent (late: skip)",
        "updated_at": stamp(now),
    }


def retry_due(receipt: dict[str, Any], post: Post, channel: str, now: datetime) -> bool:
    """A failed receipt the runner may try again now.

    An edited post (new payload) may be tried again even after a definite refusal,
    since nothing of the old payload exists on the network.
    """
    if receipt.get("state") != "failed":
        return False
    if receipt.get("payload_hash") != post.payload_hash(channel):
        # half a thread is out there: starting over would repeat its first parts
        return not receipt.get("parts")
    if not receipt.get("retryable"):
        return False
    next_try = receipt.get("next_try")
    try:
        return next_try is None or datetime.fromisoformat(next_try.replace("Z", "+00:00")) <= now
    except ValueError:
        return True
