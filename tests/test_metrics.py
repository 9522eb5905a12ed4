"""Engagement snapshots: tolerant reading, path:line problems, the fixed-age pick."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from socialgit.ledger import load_receipts
from socialgit.metrics import Snapshot, at_age, count_value, latest, load_metrics, parse_snapshots

UTC = timezone.utc


def test_good_lines_become_snapshots_oldest_first():
    text = ('{"at": "2026-10-29T12:29:03Z", "likes": 48, "reposts": 11, "replies": 2, "quotes": 0}\n'
            '\n'
            '{"at": "2026-10-27T13:29:03Z", "likes": 17, "reposts": 4, "replies": 0, "quotes": 1}\n')
    snapshots, problems = parse_snapshots("m.jsonl", text)
    assert problems == []
    assert [s.at.day for s in snapshots] == [27, 29]
    assert snapshots[0].engagement == 22 and snapshots[1].engagement == 61


def test_network_names_for_counts_are_understood():
    snapshots, problems = parse_snapshots("m.jsonl", '{"at": "2026-10-29T12:00:00+00:00", "favourites": 5, '
                                          '"reblogs": "2", "replies_count": 1.0, "followers": 900}\n')
    assert problems == []
    assert dict(snapshots[0].counts) == {"likes": 5, "reposts": 2, "replies": 1}
    assert snapshots[0].engagement == 8  # followers are not engagement


def test_each_bad_line_is_skipped_and_named_by_path_and_line():
    text = "\n".join([
        '{"at": "2026-10-27T13:29:03Z", "likes": 1}',
        '{"at": "2026-10-27T13:29:03Z", "likes": 1',  # cut short
        '["at", 1]',
        '{"at": "2026-10-27 13:29", "likes": 1}',  # no zone
        '{"likes": 3}',
        '{"at": "2026-10-28T13:29:03Z", "likes": -4}',
        '{"at": "2026-10-28T13:29:03Z", "likes": true}',
        '{"at": "2026-10-29T13:29:03Z", "likes": 9}',
    ])
    snapshots, problems = parse_snapshots("content/ledger/metrics/a/mastodon.jsonl", text)
    assert [s.counts["likes"] for s in snapshots] == [1, 9]
    assert [p.line for p in problems] == [2, 3, 4, 5, 6, 7]
    assert all(p.level == "warning" and p.path == "content/ledger/metrics/a/mastodon.jsonl" for p in problems)
    assert "zone" in problems[2].message and "whole numbers" in problems[4].message
    assert str(problems[0]).startswith("content/ledger/metrics/a/mastodon.jsonl:2: warning:")


def test_count_values():
    assert [count_value(v) for v in (3, 3.0, "1,234", " 7 ", "", "x", -1, 2.5, True, None)] == \
        [3, 3, 1234, 7, None, None, None, None, None, None]


def test_the_first_snapshot_at_48_hours_or_later_is_the_measure():
    published = datetime(2026, 10, 27, 12, 15, tzinfo=UTC)
    snaps = [Snapshot(published + timedelta(hours=h), {"likes": h}) for h in (1, 6, 24, 49, 168)]
    assert at_age(published, snaps).counts["likes"] == 49
    assert at_age(published, snaps[:3]) is None  # never reached 48 h
    assert at_age(published, [Snapshot(published + timedelta(days=20), {"likes": 9})]) is None  # too late to compare
    assert at_age(published, [Snapshot(published + timedelta(hours=48), {"likes": 2})]).counts["likes"] == 2
    assert latest(snaps).counts["likes"] == 168 and latest([]) is None


def test_load_metrics_reads_the_tree_and_keeps_going(tmp_path):
    base = tmp_path / "content" / "ledger" / "metrics"
    (base / "hello").mkdir(parents=True)
    (base / "hello" / "mastodon.jsonl").write_text('{"at": "2026-10-27T13:29:03Z", "likes": 4}\nbroken\n')
    (base / "hello" / "bluesky.jsonl").write_bytes(b"\xff\xfe")
    (base / "hello" / "notes.txt").write_text("ignored")
    (base / "empty").mkdir()
    (base / "empty" / "x.jsonl").write_text("")
    found, problems = load_metrics(tmp_path)
    assert list(found) == ["hello"] and list(found["hello"]) == ["mastodon"]
    assert found["hello"]["mastodon"][0].engagement == 4
    assert sorted(str(p) for p in problems) == [
        "content/ledger/metrics/hello/bluesky.jsonl: warning: not UTF-8 text; restore it from git history",
        "content/ledger/metrics/hello/mastodon.jsonl:2: warning: not a JSON object; the line is skipped: "
        "fix it or delete it",
    ]
    assert load_metrics(tmp_path / "nowhere") == ({}, [])
    assert load_receipts(tmp_path) == ({}, [])  # the receipts reader never mistakes metrics for receipts
