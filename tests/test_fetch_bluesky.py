"""`socialgit fetch` against a real local Bluesky network with its AppView (Postgres + Redis).

A second account (bob.test) replies, mentions, quotes, likes and reposts; the
channel's account (alice.test) answers through the whole loop: the reply target
comes from the feedback file, the reply is published by the adapter, and the
next fetch sees it. ``process_all()`` waits for the AppView to index each step.
"""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from socialgit.channels.base import Outgoing
from socialgit.channels.bluesky import BlueskyChannel
from socialgit.channels.bluesky_record import format_created_at
from socialgit.channels.tid import record_key
from socialgit.config import load_config
from socialgit.feedback_store import read
from socialgit.fetch import fetch
from socialgit.atomic import write_json_atomic
from socialgit.ledger import receipt_path
from socialgit.replies import reply_target
from tests.bluesky_network import Account, LocalBluesky, bluesky_full_network  # noqa: F401

pytestmark = pytest.mark.slow


class Bob:
    """The customer: writes records straight to the PDS, as the Bluesky app would."""

    def __init__(self, network: LocalBluesky, account: Account):
        self.account = account
        self.http = httpx.Client(base_url=network.pds_url, timeout=30)
        session = self.http.post("/xrpc/com.atproto.server.createSession",
                                 json={"identifier": account.handle, "password": account.app_password})
        session.raise_for_status()
        self.http.headers["Authorization"] = f"Bearer {session.json()['accessJwt']}"

    def create(self, collection: str, record: dict[str, Any]) -> dict[str, str]:
        record = {"$type": collection, "createdAt": format_created_at(datetime.now(timezone.utc)), **record}
        answer = self.http.post("/xrpc/com.atproto.repo.createRecord",
                                json={"repo": self.account.did, "collection": collection, "record": record})
        answer.raise_for_status()
        return {"uri": answer.json()["uri"], "cid": answer.json()["cid"]}

    def post(self, text: str, **record: Any) -> dict[str, str]:
        return self.create("app.bsky.feed.post", {"text": text, "langs": ["en"], **record})


def rkey(ref: dict[str, str]) -> str:
    return ref["uri"].rsplit("/", 1)[1]


@pytest.fixture
def calendar(tmp_path: Path, bluesky_full_network: LocalBluesky) -> Path:
    root = tmp_path / "calendar"
    root.mkdir()
    (root / "socialgit.toml").write_text(
        '[site]\ntimezone = "UTC"\n\n[channels.bsky]\ntype = "bluesky"\n'
        f'service = "{bluesky_full_network.pds_url}"\nhandle = "alice.test"\npassword_env = "BSKY_PASSWORD"\n',
        encoding="utf-8")
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    return root


def publish(root: Path, network: LocalBluesky, post_id: str, text: str, reply_to=None) -> dict[str, Any]:
    """Publish as alice through the adapter and write the receipt the runner would."""
    config, _ = load_config(root)
    channel = BlueskyChannel(config.channels["bsky"], env(network), root)
    now = datetime.now(timezone.utc)
    out = Outgoing(post_id=post_id, channel="bsky", parts=(text,), key=f"sg-{post_id}", created_at=now,
                   lang="en", reply_to=reply_to)
    try:
        outcome = channel.publish(out, [], lambda index, part: None)
    finally:
        channel.close()
    assert record_key(now, out.key, 0) == outcome.parts[0]["rkey"]
    write_json_atomic(receipt_path(root, post_id, "bsky"), {
        "post": post_id, "channel": "bsky", "state": "published", "key": out.key, "parts": outcome.parts,
        "published_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "attempts": 1})
    return outcome.parts[0]


def env(network: LocalBluesky) -> dict[str, str]:
    return {"BSKY_PASSWORD": network.accounts["alice.test"].app_password}


def run_fetch(root: Path, network: LocalBluesky):
    network.process_all()
    config, _ = load_config(root)
    return fetch(config, datetime.now(timezone.utc), env=env(network))


def feedback(root: Path) -> list[str]:
    base = root / "content" / "feedback"
    return sorted(p.relative_to(base).as_posix() for p in base.rglob("*.md")) if base.exists() else []


def test_replies_mentions_quotes_counts_and_the_answer_loop_on_a_real_appview(calendar, bluesky_full_network):
    network = bluesky_full_network
    alice = network.accounts["alice.test"]
    bob = Bob(network, network.accounts["bob.test"])
    ours = publish(calendar, network, "winter-sale", "Winter sale opens Monday")
    ours_ref = {"uri": ours["id"], "cid": ours["cid"]}
    reply = bob.post("Does it include the brewing kits?", reply={"root": ours_ref, "parent": ours_ref})
    text = "Hey @alice.test what are your opening hours?"
    start = text.encode().index(b"@alice.test")
    mention = bob.post(text, facets=[{"index": {"byteStart": start, "byteEnd": start + len("@alice.test")},
                                      "features": [{"$type": "app.bsky.richtext.facet#mention",
                                                    "did": alice.did}]}])
    quote = bob.post("Everyone look at this", embed={"$type": "app.bsky.embed.record", "record": ours_ref})
    bob.create("app.bsky.feed.like", {"subject": ours_ref})
    bob.create("app.bsky.feed.repost", {"subject": ours_ref})

    report = run_fetch(calendar, network)

    assert report.ok, report.channels
    assert feedback(calendar) == sorted([f"winter-sale/bluesky-{rkey(reply)}.md",
                                         f"winter-sale/bluesky-{rkey(quote)}.md",
                                         f"_mentions/bluesky-{rkey(mention)}.md"])
    item_path = calendar / f"content/feedback/winter-sale/bluesky-{rkey(reply)}.md"
    fields, body = read(item_path)
    assert body == "Does it include the brewing kits?\n"
    assert (fields["kind"], fields["post"], fields["status"]) == ("reply", "winter-sale", "new")
    assert fields["author"] == {"name": "", "handle": "@bob.test",
                                "url": f"https://bsky.app/profile/{network.accounts['bob.test'].did}"}
    assert (fields["uri"], fields["cid"]) == (reply["uri"], reply["cid"])
    assert (fields["root_uri"], fields["root_cid"]) == (ours["id"], ours["cid"])
    assert fields["intent"]["value"] == "question"
    assert read(calendar / f"content/feedback/_mentions/bluesky-{rkey(mention)}.md")[0]["kind"] == "mention"
    assert read(calendar / f"content/feedback/winter-sale/bluesky-{rkey(quote)}.md")[0]["kind"] == "quote"
    metrics = (calendar / "content/ledger/metrics/winter-sale/bsky.jsonl").read_text().splitlines()
    assert {k: v for k, v in json.loads(metrics[-1]).items() if k != "at"} == {
        "likes": 1, "reposts": 1, "replies": 1, "quotes": 1}

    # the team answers through the loop: target from the file, published by the adapter
    target = reply_target(calendar, f"bluesky-{rkey(reply)}", "bluesky")
    answer = publish(calendar, network, "kits-answer", "Yes, every kit is 20% off", reply_to=target)
    run_fetch(calendar, network)

    fields, _ = read(item_path)
    assert fields["status"] == "waiting" and fields["first_response_at"] is not None
    assert fields["reply_post"] == "kits-answer"
    assert not any(rkey({"uri": answer["id"]}) in name for name in feedback(calendar))

    # bob writes again under our answer: a new item, and his first one is open again
    follow_up = bob.post("Great, and the grinders?", reply={"root": ours_ref,
                                                           "parent": {"uri": answer["id"], "cid": answer["cid"]}})
    run_fetch(calendar, network)

    assert read(item_path)[0]["status"] == "new"
    new, _ = read(calendar / f"content/feedback/winter-sale/bluesky-{rkey(follow_up)}.md")
    assert new["post"] == "winter-sale" and new["in_reply_to"] == f"bluesky-{rkey(reply)}"

    before = feedback(calendar)
    again = run_fetch(calendar, network)
    assert feedback(calendar) == before and again.channels[0].new == 0
