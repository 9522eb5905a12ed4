from datetime import timedelta
from pathlib import Path

import pytest

from socialgit import timing
from socialgit.content import Post
from socialgit.ledger import Receipt
from tests.conftest import at

GRACE = timedelta(hours=6)


def post(**kw) -> Post:
    fields = dict(id="p", path="content/posts/p.md", title="T", publish_at=at("2026-12-01T09:30"),
                  channels=("mastodon", "bluesky"), body="Hi")
    fields.update(kw)
    return Post(**fields)


def receipt(channel: str, state: str) -> Receipt:
    return Receipt("p", channel, state, {"state": state}, f"content/ledger/p/{channel}.json")


@pytest.mark.parametrize("now,receipts,late,expected", [
    ("2026-12-01T09:00", {}, "skip", "scheduled"),
    ("2026-12-01T09:30", {}, "skip", "due"),
    ("2026-12-01T15:29", {}, "skip", "due"),  # inside the 6 h grace window
    ("2026-12-01T15:31", {}, "skip", "missed"),
    ("2026-12-01T15:31", {}, "hold", "missed"),
    ("2026-12-02T09:00", {}, "post", "due"),  # late: post sends it anyway
    ("2026-12-01T10:00", {"mastodon": "published", "bluesky": "published"}, "skip", "published"),
    ("2026-12-01T10:00", {"mastodon": "published"}, "skip", "partly published"),
    ("2026-12-01T10:00", {"mastodon": "published", "bluesky": "failed"}, "skip", "partly published"),
    ("2026-12-01T10:00", {"mastodon": "failed"}, "skip", "failed"),
    ("2026-12-01T10:00", {"mastodon": "pending"}, "skip", "uncertain"),
    ("2026-12-01T10:00", {"mastodon": "published", "bluesky": "uncertain"}, "skip", "uncertain"),
])
def test_post_state(now, receipts, late, expected):
    mine = {c: receipt(c, s) for c, s in receipts.items()}
    assert timing.post_state(post(), mine, at(now), GRACE, late) == expected


def test_a_draft_is_a_draft_whatever_the_time():
    assert timing.post_state(post(status="draft"), {}, at("2027-01-01T00:00"), GRACE, "post") == "draft"


def test_the_post_own_late_policy_wins():
    assert timing.post_state(post(late="post"), {}, at("2026-12-03T00:00"), GRACE, "skip") == "due"


def test_due_lists_each_channel_in_time_order_and_skips_done_ones():
    early = post(id="a", publish_at=at("2026-12-01T08:00"))
    later = post(id="b", publish_at=at("2026-12-01T09:00"))
    draft = post(id="c", status="draft")
    future = post(id="d", publish_at=at("2026-12-02T09:00"))
    receipts = {"a": {"mastodon": receipt("mastodon", "published")}}
    found = timing.due([later, draft, future, early], receipts, at("2026-12-01T10:00"), GRACE, "skip")
    assert [(d.post.id, d.channel) for d in found] == [("a", "bluesky"), ("b", "bluesky"), ("b", "mastodon")]


def test_upcoming_is_sorted_and_limited():
    posts = [post(id=str(i), publish_at=at(f"2026-12-0{i}T09:00")) for i in (3, 1, 2)]
    assert [p.id for p in timing.upcoming(posts, at("2026-11-30T00:00"), limit=2)] == ["1", "2"]
