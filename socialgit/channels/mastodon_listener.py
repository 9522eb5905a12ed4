"""Mastodon listening (socialgit fetch): notifications, the account's own replies, threads, counts.

Each method is one request (whoami aside, which own_page may need first);
listening.py turns what comes back into plain values.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Mapping

import httpx

from ..netcontent import safe_id
from .base import Rejected, UnknownOutcome
from .listening import Counts, FetchPage, RemoteItem, Skipped, mastodon_counts, mastodon_item, parse_time, partition
from .mastodon_api import STATUSES_PAGE, MastodonApi

# Notifications of these types carry replies, mentions and quotes (4.5+);
# GET /api/v1/statuses takes at most 20 ids (Api::BaseController DEFAULT_STATUSES_LIMIT).
MENTION_TYPES = ("mention", "quote")
MENTION_PAGE = 80
STATUSES_BATCH = 20


class MastodonListener:
    """The listening.Listener side of a Mastodon channel, over its authorised connection."""

    counts_batch = STATUSES_BATCH

    def __init__(self, api: MastodonApi):
        self.api = api
        self._account_id: str | None = None

    @property
    def rate_remaining(self) -> int | None:
        return self.api.rate_remaining

    def whoami(self) -> str:
        self._account_id = self.api.account_id()
        return self._account_id

    def mention_page(self, state: Mapping[str, Any], since: datetime) -> FetchPage:
        """Mention and quote notifications (a reply to us is a mention)."""
        def entry(note: dict[str, Any]) -> tuple[Any, str] | None:
            kind = note.get("type")
            return (note.get("status"), "quote" if kind == "quote" else "mention") if kind in MENTION_TYPES else None

        return self._walk("/api/v1/notifications", [("types[]", kind) for kind in MENTION_TYPES], state, since,
                          MENTION_PAGE, entry)

    def own_page(self, state: Mapping[str, Any], since: datetime) -> FetchPage:
        """The account's own replies: how socialgit sees that the team answered someone."""
        account = self._account_id or self.whoami()
        return self._walk(f"/api/v1/accounts/{account}/statuses", [("exclude_reblogs", "true")], state, since,
                          STATUSES_PAGE, lambda status: (status, "reply") if status.get("in_reply_to_id") else None)

    def _walk(self, url: str, params: list[tuple[str, Any]], state: Mapping[str, Any], since: datetime, size: int,
              entry: Callable[[dict[str, Any]], tuple[Any, str] | None]) -> FetchPage:
        """One page of an id-paginated list, following its ``Link`` header.

        With a stored ``min_id`` the walk goes forward from it, oldest page first,
        so each page moves the cursor and nothing is skipped when a run stops
        early. The very first walk goes back from the newest to ``since``
        (``max_id`` pages) and then remembers the newest id it saw.
        """
        forward = bool(state.get("min_id")) and not state.get("max_id")
        cursor = [("min_id", state["min_id"])] if forward else (
            [("max_id", state["max_id"])] if state.get("max_id") else [])
        response, page = self.api.read(url, params=[*params, ("limit", size), *cursor])
        if not isinstance(page, list):
            raise UnknownOutcome(f"channel {self.api.name}: {url} did not answer with a list")
        rows = [row for row in page if isinstance(row, dict) and row.get("id")]
        found = []
        for row in rows:
            wanted = entry(row)
            created = parse_time(row.get("created_at"))
            if wanted is None or (not forward and created is not None and created < since):
                continue
            found.append(mastodon_item(*wanted))
        items, skipped = partition(found)
        if forward:
            newest = _link_param(response, "prev", "min_id") or (str(rows[0]["id"]) if rows else None)
            return FetchPage(items, {"min_id": newest or state["min_id"]}, len(page) < size, skipped)
        top = state.get("top") or (str(rows[0]["id"]) if rows else None)
        stamps = [t for t in (parse_time(row.get("created_at")) for row in rows) if t]
        older = _link_param(response, "next", "max_id")
        if not rows or older is None or (stamps and min(stamps) < since):
            return FetchPage(items, {"min_id": top} if top else {}, True, skipped)
        return FetchPage(items, {"max_id": older, "top": top}, False, skipped)

    def thread(self, ref: str) -> tuple[list[RemoteItem], list[Skipped]]:
        if safe_id(ref) is None:
            return [], [Skipped(ref[:80], "not a Mastodon status id")]
        try:
            _, context = self.api.read(f"/api/v1/statuses/{ref}/context")
        except Rejected as exc:
            if exc.status in (404, 410):
                return [], [Skipped(ref, "the post is gone from the instance")]
            raise
        descendants = context.get("descendants") if isinstance(context, dict) else None
        return partition(mastodon_item(status) for status in (descendants if isinstance(descendants, list) else []))

    def counts(self, refs: list[str]) -> dict[str, Counts]:
        wanted = [ref for ref in refs if safe_id(ref)][: self.counts_batch]
        if not wanted:
            return {}
        try:
            _, statuses = self.api.read("/api/v1/statuses", params=[("id[]", ref) for ref in wanted])
        except Rejected as exc:
            if exc.status == 404:
                raise Rejected(f"channel {self.api.name}: the instance has no GET /api/v1/statuses (Mastodon 4.3 "
                               "or later); engagement counts cannot be read in batches there", 404) from None
            raise
        found = [s for s in statuses if isinstance(s, dict)] if isinstance(statuses, list) else []
        return {str(s.get("id")): mastodon_counts(s) for s in found if str(s.get("id")) in wanted}


def _link_param(response: httpx.Response, rel: str, name: str) -> str | None:
    """One query parameter of the ``Link`` header's ``rel`` URL (the cursor it carries)."""
    target = response.links.get(rel, {}).get("url")
    if not target:
        return None
    values = httpx.URL(target).params.get_list(name)
    return values[0] if values else None
