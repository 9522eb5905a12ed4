"""TIDs: the atproto encoding, and record keys that never change for the same post."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from socialgit.channels.tid import MAX_PARTS, epoch_micros, is_tid, parse_tid, record_key, tid_from

# Pairs checked against TID.fromTime of @atproto/common-web (the reference
# implementation installed with the test network); zero is the spec's own example.
KNOWN = [
    (0, 0, "2222222222222"),
    (1_700_000_000_000_000, 42, "3ke6kg3wk223e"),
    (1_764_147_600_123_456, 1023, "3m6jijkmtm2zz"),
    (2**53 - 1, 1023, "bzzzzzzzzzzzz"),
]


@pytest.mark.parametrize("timestamp, clock, expected", KNOWN)
def test_tid_matches_the_reference_encoding(timestamp, clock, expected):
    assert tid_from(timestamp, clock) == expected
    assert parse_tid(expected) == (timestamp, clock)


def test_spec_example_decodes():
    # "3jzfcijpj2z2a" is the example TID used throughout the atproto docs
    assert parse_tid("3jzfcijpj2z2a") == (1_688_137_381_887_007, 6)
    assert tid_from(1_688_137_381_887_007, 6) == "3jzfcijpj2z2a"


def test_tids_sort_like_their_timestamps():
    stamps = [5, 31, 32, 1_000, 1_700_000_000_000_000, 1_700_000_000_000_001]
    tids = [tid_from(t, 7) for t in stamps]
    assert tids == sorted(tids)
    assert tid_from(10, 1) > tid_from(10, 0)


@pytest.mark.parametrize("text, ok", [
    ("3jzfcijpj2z2a", True), ("2222222222222", True), ("jzzzzzzzzzzzz", True),
    ("kzzzzzzzzzzzz", False),  # top bit set
    ("3jzfcijpj2z2", False), ("3jzfcijpj2z2aa", False), ("3jzfcijpj2z2A", False),
    ("3jzfcijpj2z21", False), ("self", False), ("", False),
])
def test_is_tid(text, ok):
    assert is_tid(text) is ok


def test_out_of_range_values_are_refused():
    with pytest.raises(ValueError):
        tid_from(2**53, 0)
    with pytest.raises(ValueError):
        tid_from(-1, 0)
    with pytest.raises(ValueError):
        tid_from(0, 1024)
    with pytest.raises(ValueError):
        parse_tid("kzzzzzzzzzzzz")


WHEN = datetime(2026, 12, 1, 9, 30, tzinfo=ZoneInfo("America/Toronto"))


def test_record_key_is_deterministic_and_a_valid_tid():
    first = record_key(WHEN, "winter-sale|bluesky|abc123", 0)
    assert first == record_key(WHEN, "winter-sale|bluesky|abc123", 0)
    # the same instant written in another zone is the same key
    assert first == record_key(WHEN.astimezone(timezone.utc), "winter-sale|bluesky|abc123", 0)
    assert is_tid(first)


def test_record_key_time_is_the_post_time_within_a_second():
    stamp, _ = parse_tid(record_key(WHEN, "k", 0))
    assert 0 <= stamp - epoch_micros(WHEN) < 1_000_000


def test_thread_parts_get_ordered_distinct_keys_with_one_clock_id():
    keys = [record_key(WHEN, "thread-key", index) for index in range(5)]
    assert keys == sorted(keys) and len(set(keys)) == 5
    assert len({parse_tid(key)[1] for key in keys}) == 1
    stamps = [parse_tid(key)[0] for key in keys]
    assert stamps == list(range(stamps[0], stamps[0] + 5))


def test_posts_at_the_same_instant_rarely_share_a_key():
    # With a 10-bit clock id alone, 2000 posts at 09:30 sharp would share at most
    # 1024 keys; the extra millisecond offset leaves about 2 collisions in 2000.
    keys = {record_key(WHEN, f"post-{n}|bluesky|hash", 0) for n in range(2000)}
    assert len(keys) >= 1990


def test_record_key_changes_with_the_time_and_the_key():
    base = record_key(WHEN, "k", 0)
    assert record_key(WHEN + timedelta(seconds=1), "k", 0) != base
    assert record_key(WHEN, "k2", 0) != base


def test_record_key_needs_an_aware_time_and_a_sane_index():
    with pytest.raises(ValueError, match="aware"):
        record_key(datetime(2026, 12, 1, 9, 30), "k", 0)
    with pytest.raises(ValueError):
        record_key(WHEN, "k", MAX_PARTS)
    with pytest.raises(ValueError):
        record_key(WHEN, "k", -1)


def test_epoch_micros_is_exact():
    moment = datetime(2026, 12, 1, 14, 30, 0, 123456, tzinfo=timezone.utc)
    assert epoch_micros(moment) == 1_796_135_400_123_456
