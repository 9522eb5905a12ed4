"""Bluesky listening without a network: how a notification walk pages, stops, resumes and batches.

The real AppView is exercised in test_fetch_bluesky.py (slow); this small XRPC
stand-in answers the four read methods the way the AppView does (newest first,
an opaque cursor, ``reasons`` filtering), so the cursor logic is tested fast.
"""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from socialgit.config import load_config
from socialgit.fetch import CURSORS, Settings, fetch
from socialgit.atomic import write_json_atomic
from socialgit.ledger import receipt_path

ME, FAN = "did:plc:alice", "did:plc:fan"
NOW = datetime(2026, 11, 16, 10, 0, tzinfo=timezone.utc)


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


class AppView:
    def __init__(self) -> None:
        self.notifications: list[dict] = []
        self.calls: list[tuple[str, dict]] = []
        self.likes: dict[str, int] = {}

    def notify(self, rkey: str, at: datetime, reason: str = "mention", parent: str | None = None) -> dict:
        record = {"text": f"message {rkey}", "createdAt": stamp(at)}
        if parent:
            record["reply"] = {"root": {"uri": parent, "cid": "bafyroot"}, "parent": {"uri": parent, "cid": "bafyroot"}}
        note = {"uri": f"at://{FAN}/app.bsky.feed.post/{rkey}", "cid": f"bafy{rkey}", "reason": reason,
                "author": {"did": FAN, "handle": "fan.test", "displayName": "Fan"}, "record": record,
                "indexedAt": stamp(at)}
        self.notifications.append(note)
        return note

    def __call__(self, request: httpx.Request) -> httpx.Response:
        nsid = request.url.path.removeprefix("/xrpc/")
        params = request.url.params
        self.calls.append((nsid, {k: params.get_list(k) for k in params}))
        if nsid == "com.atproto.server.createSession":
            return httpx.Response(200, json={"did": ME, "handle": "alice.test", "accessJwt": "a", "refreshJwt": "r"})
        if nsid == "app.bsky.notification.listNotifications":
            wanted = params.get_list("reasons")
            rows = sorted((n for n in self.notifications if not wanted or n["reason"] in wanted),
                          key=lambda n: n["indexedAt"], reverse=True)
            return self._page(rows, "notifications", params)
        if nsid == "app.bsky.feed.getAuthorFeed":
            return self._page([], "feed", params)
        if nsid == "app.bsky.feed.getPosts":
            uris = params.get_list("uris")
            if len(uris) > 25:
                return httpx.Response(400, json={"error": "InvalidRequest", "message": "uris too long"})
            return httpx.Response(200, json={"posts": [
                {"uri": u, "cid": "bafyroot", "likeCount": self.likes.get(u, 0), "repostCount": 0,
                 "replyCount": 0, "quoteCount": 0} for u in uris]})
        if nsid == "app.bsky.feed.getPostThread":
            return httpx.Response(400, json={"error": "NotFound", "message": "Post not found"})
        return httpx.Response(404, json={"error": "MethodNotImplemented"})

    @staticmethod
    def _page(rows: list[dict], key: str, params: httpx.QueryParams) -> httpx.Response:
        start = int(params.get("cursor") or 0)
        limit = int(params.get("limit") or 50)
        page = rows[start:start + limit]
        body: dict = {key: page}
        if start + limit < len(rows):
            body["cursor"] = str(start + limit)
        return httpx.Response(200, json=body)


@pytest.fixture
def appview() -> AppView:
    return AppView()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "socialgit.toml").write_text(
        '[site]\ntimezone = "UTC"\n\n[feedback]\nrules = []\n\n[channels.bsky]\ntype = "bluesky"\n'
        'service = "https://pds.example"\nhandle = "alice.test"\npassword_env = "BSKY_PASSWORD"\n', encoding="utf-8")
    subprocess.run(["git", "init", "-q", "-b", "main", str(tmp_path)], check=True)
    return tmp_path


def run(root: Path, appview: AppView, now: datetime, budget: int = 200):
    config, _ = load_config(root)
    return fetch(config, now, env={"BSKY_PASSWORD": "app-pass"}, transport=httpx.MockTransport(appview),
                 settings=Settings(budget=budget), annotate=lambda fields, body: {})


def items(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "content" / "feedback").rglob("*.md"))


def test_a_walk_cut_short_by_the_budget_resumes_where_it_stopped_and_then_stops_at_the_last_walk(root, appview):
    for n in range(120):
        appview.notify(f"3k{n:03d}", NOW - timedelta(hours=n))

    first = run(root, appview, NOW, budget=3)  # whoami, then two pages of 50

    assert first.channels[0].stopped and len(items(root)) == 100
    state = json.loads((root / CURSORS).read_text())["bsky"]["mentions"]
    assert state["cursor"] == "100" and state["top"] == stamp(NOW)
    second = run(root, appview, NOW + timedelta(minutes=15))
    assert len(items(root)) == 120 and second.channels[0].new == 20
    assert json.loads((root / CURSORS).read_text())["bsky"]["mentions"] == {"seen": stamp(NOW)}
    appview.notify("3knew", NOW + timedelta(minutes=20), reason="reply")
    appview.calls.clear()

    third = run(root, appview, NOW + timedelta(minutes=30))

    assert third.channels[0].new == 1 and len(items(root)) == 121
    walks = [params for nsid, params in appview.calls if nsid == "app.bsky.notification.listNotifications"]
    assert len(walks) == 1 and walks[0]["reasons"] == ["mention", "reply", "quote"]


def test_counts_ask_for_25_posts_at_a_time_and_a_deleted_thread_is_noted(root, appview):
    for n in range(30):
        uri = f"at://{ME}/app.bsky.feed.post/3p{n:03d}"
        appview.likes[uri] = n
        write_json_atomic(receipt_path(root, f"post-{n}", "bsky"), {
            "post": f"post-{n}", "channel": "bsky", "state": "published",
            "parts": [{"id": uri, "cid": "bafyroot"}], "published_at": stamp(NOW - timedelta(days=n))})

    report = run(root, appview, NOW)

    batches = [params["uris"] for nsid, params in appview.calls if nsid == "app.bsky.feed.getPosts"]
    assert [len(b) for b in batches] == [25, 5]
    assert report.channels[0].counts == 30
    line = json.loads((root / "content/ledger/metrics/post-7/bsky.jsonl").read_text())
    assert line["likes"] == 7
    assert any("gone from the network" in note for note in report.channels[0].skipped)
