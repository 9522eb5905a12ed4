"""atproto TIDs (timestamp identifiers), used as deterministic Bluesky record keys.

A TID is a 64-bit integer written as 13 characters of base32-sortable: the top bit
is 0, then 53 bits of microseconds since the UNIX epoch, then a 10-bit clock id
(atproto spec "Timestamp Identifiers"). Bluesky refuses to create a second record
under a record key that already exists, so a key computed from the post alone
(never from the clock or a random number) is what makes publishing exactly-once:
a runner that lost its state and tries again asks for the same key and is refused.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta, timezone

ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
LENGTH = 13
TIMESTAMP_BITS = 53
CLOCK_BITS = 10
MAX_TIMESTAMP = (1 << TIMESTAMP_BITS) - 1
MAX_CLOCK_ID = (1 << CLOCK_BITS) - 1

# the first character carries the top bit, which must be 0 (spec syntax regex)
_TID = re.compile(r"[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}")

# Record keys of different posts scheduled for the same instant differ by their clock
# id (10 bits) and by a whole-millisecond offset below one second (another ~10 bits),
# both taken from the idempotency key, so two posts at 09:00 sharp collide with odds of
# about one in a million instead of one in 1024. Whole milliseconds leave the
# microsecond digits free for the part index, which keeps a thread's keys in order.
_OFFSET_STEPS = 1000
_OFFSET_STEP_US = 1000
MAX_PARTS = _OFFSET_STEP_US

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_ONE_US = timedelta(microseconds=1)


def tid_from(timestamp_us: int, clock_id: int) -> str:
    """Encode a microsecond timestamp and a clock id as a 13-character TID."""
    if not 0 <= timestamp_us <= MAX_TIMESTAMP:
        raise ValueError(f"timestamp {timestamp_us} µs does not fit in {TIMESTAMP_BITS} bits")
    if not 0 <= clock_id <= MAX_CLOCK_ID:
        raise ValueError(f"clock id {clock_id} does not fit in {CLOCK_BITS} bits")
    value = (timestamp_us << CLOCK_BITS) | clock_id
    chars = []
    for _ in range(LENGTH):
        chars.append(ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def parse_tid(tid: str) -> tuple[int, int]:
    """The (timestamp_us, clock_id) a TID encodes; ValueError when it is not a TID."""
    if not is_tid(tid):
        raise ValueError(f'"{tid}" is not a TID (13 characters of {ALPHABET}, first one 2-7 or a-j)')
    value = 0
    for char in tid:
        value = (value << 5) | ALPHABET.index(char)
    return value >> CLOCK_BITS, value & MAX_CLOCK_ID


def is_tid(text: str) -> bool:
    return isinstance(text, str) and _TID.fullmatch(text) is not None


def record_key(created_at: datetime, key: str, index: int) -> str:
    """The record key of thread part ``index`` of the post with idempotency key ``key``.

    Same inputs give the same TID on every machine and every run.
    """
    if not 0 <= index < MAX_PARTS:
        raise ValueError(f"part index {index} is out of range (0 to {MAX_PARTS - 1})")
    digest = int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big")
    clock_id = digest & MAX_CLOCK_ID
    offset_us = ((digest >> CLOCK_BITS) % _OFFSET_STEPS) * _OFFSET_STEP_US
    return tid_from(epoch_micros(created_at) + offset_us + index, clock_id)


def epoch_micros(moment: datetime) -> int:
    """Whole microseconds since the UNIX epoch, exactly (no float rounding)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        # a naive time would mean a different key on a machine in another time zone
        raise ValueError("an aware datetime (with a time zone) is needed for a record key")
    return (moment - _EPOCH) // _ONE_US
