"""Bluesky listening (socialgit fetch): notifications, the account's own replies, threads, counts.

Each method is one request, answered by the AppView through the account's PDS;
listening.py turns what comes back into plain values.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Callable, Mapping

from .base import Rejected
from .bluesky_record import format_created_at
from .bluesky_session import XrpcSession
from .listening import (Counts, FetchPage, RemoteItem, Skipped, bluesky_counts, bluesky_item, bluesky_thread_posts,
                        parse_time, partition)

# getPosts takes at most 25 URIs (lexicon app.bsky.feed.getPosts).
GET_POSTS_BATCH = 25
FEED_PAGE = 50
NOTIFICATION_REASONS = ("mention", "reply", "quote")
FEED_SLACK = timedelta(minutes=10)
THREAD_DEPTH = 100


class BlueskyListener:
    """The listening.Listener side of a Bluesky channel, over its signed-in XRPC session."""

    counts_batch = GET_POSTS_BATCH

    def __init__(self, xrpc: XrpcSession):
        self.xrpc = xrpc

    def whoami(self) -> str:
        return self.xrpc.session().did

    def mention_page(self, state: Mapping[str, Any], since: datetime) -> FetchPage:
        """Mentions, replies and quotes from the account's notifications."""
        def entry(note: dict[str, Any]) -> tuple[Any, str] | None:
            return (note, note["reason"]) if note.get("reason") in NOTIFICATION_REASONS else None

        return self._sweep("app.bsky.notification.listNotifications", "notifications",
                           {"reasons": list(NOTIFICATION_REASONS)}, state, since, entry)

    def own_page(self, state: Mapping[str, Any], since: datetime) -> FetchPage:
        """The account's own replies: how socialgit sees that the team answered someone."""
        def entry(row: dict[str, Any]) -> tuple[Any, str] | None:
            post = row.get("post") if isinstance(row.get("post"), dict) else None
            if post is None or row.get("reason") or not (post.get("record") or {}).get("reply"):
                return None  # reposts and top-level posts answer no one
            return post, "reply"

        return self._sweep("app.bsky.feed.getAuthorFeed", "feed",
                           {"actor": self.whoami(), "filter": "posts_with_replies"}, state, since, entry)

    def _sweep(self, nsid: str, key: str, params: dict[str, Any], state: Mapping[str, Any], since: datetime,
               entry: Callable[[dict[str, Any]], tuple[Any, str] | None]) -> FetchPage:
        """One page of a newest-first list, walked back to where the last complete walk began.

        These lists only page backwards, so a walk remembers its own cursor and
        where to stop; a run that ends half-way leaves both in the state and the
        next run finishes that walk before starting a new one.
        """
        query = {**params, "limit": FEED_PAGE}
        if state.get("cursor"):
            query["cursor"] = state["cursor"]
        answer = self.xrpc.authed("GET", nsid, params=query)
        rows = [row for row in answer.get(key) or [] if isinstance(row, dict)]
        # lists come in about indexing order; reading a few minutes twice costs nothing (dedup)
        stop = (parse_time(state.get("stop") or state.get("seen")) or since) - FEED_SLACK
        top = parse_time(state.get("top"))
        found, reached = [], False
        for row in rows:
            view = row.get("post") if isinstance(row.get("post"), dict) else row
            seen = parse_time(view.get("indexedAt"))
            if seen is not None and seen < stop:
                reached = True
                break
            top = max(top, seen) if top and seen else (top or seen)
            wanted = entry(row)
            if wanted is not None:
                found.append(bluesky_item(*wanted))
        items, skipped = partition(found)
        cursor = answer.get("cursor") if isinstance(answer.get("cursor"), str) else None
        if reached or not cursor or not rows:
            newest = top or parse_time(state.get("seen"))
            return FetchPage(items, {"seen": format_created_at(newest)} if newest else {}, True, skipped)
        return FetchPage(items, {**({"seen": state["seen"]} if state.get("seen") else {}), "cursor": cursor,
                                 "top": format_created_at(top) if top else None,
                                 "stop": format_created_at(stop + FEED_SLACK)}, False, skipped)

    def thread(self, ref: str) -> tuple[list[RemoteItem], list[Skipped]]:
        try:
            answer = self.xrpc.authed("GET", "app.bsky.feed.getPostThread",
                                      params={"uri": ref, "depth": THREAD_DEPTH, "parentHeight": 0})
        except Rejected as exc:
            if exc.error_name == "NotFound":
                return [], [Skipped(ref, "the post is gone from the network")]
            raise
        return partition(bluesky_item(view) for view in bluesky_thread_posts(answer.get("thread")))

    def counts(self, refs: list[str]) -> dict[str, Counts]:
        wanted = refs[: self.counts_batch]
        if not wanted:
            return {}
        answer = self.xrpc.authed("GET", "app.bsky.feed.getPosts", params={"uris": wanted})
        posts = [p for p in answer.get("posts") or [] if isinstance(p, dict)]
        return {p["uri"]: bluesky_counts(p) for p in posts if p.get("uri") in wanted}
