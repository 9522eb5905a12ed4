"""The outbox channel: one file per post, atomic, idempotent by key, never overwritten."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from socialgit.channels.base import Media, Outgoing, Rejected, ReplyTarget
from socialgit.channels.outbox import NOT_FOUND, OutboxChannel
from socialgit.channels.registry import make_channel
from socialgit.config import Cadence, ChannelConfig


def config(**options: object) -> ChannelConfig:
    return ChannelConfig(name="local", type="outbox", network="mastodon", label="Local", color="#000000",
                         max_length=None, cadence=Cadence(), options={"path": "outbox", **options})


def outgoing(root: Path, *parts: str, key: str = "key-1", post_id: str = "winter-sale") -> Outgoing:
    media_file = root / "content" / "media" / "winter.png"
    media_file.parent.mkdir(parents=True, exist_ok=True)
    media_file.write_bytes(b"\x89PNG")
    return Outgoing(post_id=post_id, channel="local", parts=parts or ("Winter sale opens!", "Details below."),
                    key=key, created_at=datetime(2026, 12, 1, 14, 30, tzinfo=timezone.utc),
                    media=(Media(media_file, "Snowy storefront"),), lang="en",
                    reply_to=ReplyTarget("1123"), payload_hash="sha256:abc")


def test_publish_writes_exactly_what_would_be_sent(tmp_path: Path) -> None:
    channel = make_channel(config(), {}, tmp_path)
    assert isinstance(channel, OutboxChannel)
    seen: list = []
    outcome = channel.publish(outgoing(tmp_path), [], lambda i, p: seen.append((i, p)))
    path = tmp_path / "outbox" / "local" / "winter-sale.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    assert record == {
        "channel": "local", "network": "mastodon", "post_id": "winter-sale", "key": "key-1",
        "payload_hash": "sha256:abc", "created_at": "2026-12-01T14:30:00+00:00",
        "parts": ["Winter sale opens!", "Details below."],
        "media": [{"path": "content/media/winter.png", "alt": "Snowy storefront", "mime": "image/png"}],
        "lang": "en", "reply_to": {"remote_id": "1123", "cid": None, "root_id": None, "root_cid": None},
    }
    assert outcome.state == "published"
    assert outcome.parts == [{"id": "outbox:winter-sale:0", "url": "outbox/local/winter-sale.json"},
                             {"id": "outbox:winter-sale:1", "url": "outbox/local/winter-sale.json"}]
    assert seen == list(enumerate(outcome.parts))
    assert [p.name for p in path.parent.iterdir()] == ["winter-sale.json"]  # no temporary file left


def test_the_folder_is_configurable(tmp_path: Path) -> None:
    OutboxChannel(config(path="sent"), {}, tmp_path).publish(outgoing(tmp_path), [], lambda i, p: None)
    assert (tmp_path / "sent" / "local" / "winter-sale.json").is_file()


def test_repeat_with_the_same_key_returns_the_recorded_outcome_without_rewriting(tmp_path: Path) -> None:
    channel = OutboxChannel(config(), {}, tmp_path)
    first = channel.publish(outgoing(tmp_path), [], lambda i, p: None)
    path = tmp_path / "outbox" / "local" / "winter-sale.json"
    stamp = path.stat().st_mtime_ns
    seen: list = []
    again = channel.publish(outgoing(tmp_path), first.parts[:1], lambda i, p: seen.append(i))
    assert again.parts == first.parts and seen == [1]
    assert path.stat().st_mtime_ns == stamp


def test_a_different_key_never_overwrites(tmp_path: Path) -> None:
    channel = OutboxChannel(config(), {}, tmp_path)
    channel.publish(outgoing(tmp_path), [], lambda i, p: None)
    path = tmp_path / "outbox" / "local" / "winter-sale.json"
    before = path.read_bytes()
    seen: list = []
    outcome = channel.publish(outgoing(tmp_path, "Edited text", key="key-2"), [], lambda i, p: seen.append(i))
    assert outcome.state == "failed" and "different idempotency key" in outcome.error
    assert "outbox/local/winter-sale.json" in outcome.error and seen == []
    assert path.read_bytes() == before


def test_an_unreadable_file_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "outbox" / "local" / "winter-sale.json"
    path.parent.mkdir(parents=True)
    path.write_text("{ half a file", encoding="utf-8")
    outcome = OutboxChannel(config(), {}, tmp_path).publish(outgoing(tmp_path), [], lambda i, p: None)
    assert outcome.state == "failed" and "not a readable outbox file" in outcome.error
    assert path.read_text(encoding="utf-8") == "{ half a file"


def test_reconcile_reads_the_file(tmp_path: Path) -> None:
    channel = OutboxChannel(config(), {}, tmp_path)
    missing = channel.reconcile(outgoing(tmp_path), {"parts": []})
    assert (missing.state, missing.error) == ("failed", NOT_FOUND)
    written = channel.publish(outgoing(tmp_path), [], lambda i, p: None)
    found = channel.reconcile(outgoing(tmp_path), {"parts": []})
    assert found.state == "published" and found.parts == written.parts
    assert channel.reconcile(outgoing(tmp_path, key="other"), {}).state == "failed"


@pytest.mark.parametrize("post_id", ["../escape", "a/b", "..", ""])
def test_post_ids_that_are_not_file_names_are_rejected(tmp_path: Path, post_id: str) -> None:
    with pytest.raises(Rejected, match="file name"):
        OutboxChannel(config(), {}, tmp_path).publish(outgoing(tmp_path, post_id=post_id), [], lambda i, p: None)
    assert not (tmp_path / "outbox").exists()
