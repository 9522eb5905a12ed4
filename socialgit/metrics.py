"""Engagement snapshots: ``content/ledger/metrics/<post-id>/<channel>.jsonl`` → Snapshot values.

The fetcher appends one JSON object a line, ``{"at": "…Z", "likes": 3, "reposts": 1,
"replies": 0, "quotes": 0}``. The files are in git and edited by hand now and then,
so a bad line never stops the reading: it is skipped and reported as
``path:line`` with what to do.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterable, Iterator, Mapping

from .filecache import FileCache, code_salt, gc_paused, moment_data, moment_from, problems_data, problems_from, restore
from .ledger import LEDGER_DIR, parse_instant
from .problems import Problem, warning

METRICS_DIR = f"{LEDGER_DIR}/metrics"
COUNTS = ("likes", "reposts", "replies", "quotes")
# names the networks' own APIs use, so a hand-made or older file still reads
ALIASES = {"favourites": "likes", "favourites_count": "likes", "favorites": "likes", "like_count": "likes",
           "reblogs": "reposts", "reblogs_count": "reposts", "boosts": "reposts", "repost_count": "reposts",
           "replies_count": "replies", "reply_count": "replies", "quote_count": "quotes"}
_PLAIN = frozenset(("at", *COUNTS))
# engagement is read at a fixed age so older posts do not win by having had longer
FIXED_AGE = timedelta(hours=48)
# a first snapshot this long after publishing measures a different thing; the post is left out
MAX_AGE = timedelta(days=14)


@dataclass(frozen=True, slots=True)
class Snapshot:
    at: datetime  # aware
    counts: Mapping[str, int] = field(default_factory=dict)

    @property
    def engagement(self) -> int:
        """likes + reposts + replies + quotes: what Mastodon and Bluesky expose (no impressions)."""
        return sum(self.counts.get(name, 0) for name in COUNTS)


def count_value(value: object) -> int | None:
    """A non-negative whole count, or None. Accepts 12, 12.0 and "1,234"."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip().replace(",", "").replace("_", "")
        if not text:
            return None
        try:
            value = float(text)
        except ValueError:
            return None
    if isinstance(value, (int, float)) and value >= 0 and float(value).is_integer():
        return int(value)
    return None


def json_lines(path: str, text: str, problems: list[Problem], example: str) -> Iterator[tuple[int, dict]]:
    """(line number, object) of each JSON object in a JSON-lines file; any other line is a warning in
    ``problems`` (``example`` shows what a line looks like) and is skipped, so one bad line loses nothing else."""
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError:
            problems.append(warning(path, number, "not a JSON object; the line is skipped: fix it or delete it"))
            continue
        if not isinstance(data, dict):
            problems.append(warning(path, number, f"not a JSON object like {example}; skipped"))
            continue
        yield number, data


def parse_snapshots(path: str, text: str) -> tuple[list[Snapshot], list[Problem]]:
    """The snapshots of one file, oldest first; each unusable line becomes a warning."""
    snapshots: list[Snapshot] = []
    problems: list[Problem] = []
    ordered = True
    for number, data in json_lines(path, text, problems, '{"at": …, "likes": 3}'):
        at = parse_instant(data.get("at"))
        if at is None:
            problems.append(warning(path, number, '"at" is missing or not a time with a zone like '
                                    '2026-11-16T10:00:00Z; the line is skipped'))
            continue
        counts, bad = _counts(data)
        if bad:
            problems.append(warning(path, number, f"{', '.join(bad)} must be whole numbers, 0 or more; "
                                    "the line is skipped"))
            continue
        ordered = ordered and (not snapshots or snapshots[-1].at <= at)
        snapshots.append(Snapshot(at, counts))
    if not ordered:  # the fetcher appends in order; a hand edit may not
        snapshots.sort(key=lambda s: s.at)
    return snapshots, problems


def _counts(data: dict) -> tuple[dict[str, int], list[str]]:
    # the fetcher's own lines take the fast path: exactly our names, plain non-negative ints
    if data.keys() <= _PLAIN and all(type(data.get(k, 0)) is int and data.get(k, 0) >= 0 for k in COUNTS):
        return {k: data[k] for k in COUNTS if k in data}, []
    counts: dict[str, int] = {}
    bad = []
    for key, value in data.items():
        name = ALIASES.get(key, key)
        if name not in COUNTS:
            continue
        number_value = count_value(value)
        if number_value is None:
            bad.append(key)
        else:
            counts[name] = number_value
    return counts, bad


def _read(path: str, rel: str) -> tuple[list[Snapshot], list[Problem]]:
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except UnicodeDecodeError:
        return [], [warning(rel, None, "not UTF-8 text; restore it from git history")]
    return parse_snapshots(rel, text)


def _snapshots_data(read: tuple[list[Snapshot], list[Problem]]) -> tuple:
    snapshots, problems = read
    return [(moment_data(s.at), dict(s.counts)) for s in snapshots], problems_data(problems)


def _snapshots_from(data: tuple) -> tuple[list[Snapshot], list[Problem]]:
    snapshots, problems = data
    return ([restore(Snapshot, {"at": moment_from(at), "counts": counts}) for at, counts in snapshots],
            problems_from(problems))


def load_metrics(root: Path, use_cache: bool = True) -> tuple[dict[str, dict[str, list[Snapshot]]], list[Problem]]:
    """post id → channel → snapshots (oldest first), for every metrics file in the working tree.

    Parsed files are remembered in .socialgit/ by path, mtime and size (the fetcher
    appends to a few files a run; a big calendar has tens of thousands).
    """
    base = os.path.join(str(root), METRICS_DIR)
    found: dict[str, dict[str, list[Snapshot]]] = {}
    problems: list[Problem] = []
    if not os.path.isdir(base):
        return found, problems
    cache = FileCache(Path(root), "metrics", code_salt(sys.modules[__name__]), (_snapshots_data, _snapshots_from)) \
        if use_cache else None
    # plain strings and scandir: a big calendar has tens of thousands of these small files
    with os.scandir(base) as folders, gc_paused():
        for folder in folders:
            if folder.name.startswith((".", "_")) or not folder.is_dir():
                continue
            with os.scandir(folder.path) as files:
                entries = [entry for entry in files if entry.name.endswith(".jsonl")]
            for entry in entries:
                rel = f"{METRICS_DIR}/{folder.name}/{entry.name}"
                read = lambda path=entry.path, rel=rel: _read(path, rel)  # noqa: E731
                snapshots, found_problems = cache.get(rel, entry.stat(), read) if cache else read()
                problems += found_problems
                if snapshots:
                    found.setdefault(folder.name, {})[entry.name[: -len(".jsonl")]] = snapshots
    if cache:
        cache.save()
    problems.sort(key=lambda p: (p.path, p.line or 0))
    return found, problems


def at_age(published_at: datetime, snapshots: Iterable[Snapshot], age: timedelta = FIXED_AGE,
           max_age: timedelta = MAX_AGE) -> Snapshot | None:
    """The first snapshot (of ``snapshots``, oldest first) taken at least ``age`` after publishing
    and within ``max_age`` of it, or None."""
    for snapshot in snapshots:
        since = snapshot.at - published_at
        if since >= age:
            return snapshot if since <= max_age else None
    return None


def latest(snapshots: Iterable[Snapshot]) -> Snapshot | None:
    return max(snapshots, key=lambda s: s.at, default=None)
