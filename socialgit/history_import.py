"""Past posts from elsewhere: ``socialgit import-history FILE.csv --channel X --label L``.

A new account has no history, but the team's older account (or a similar
account, counted by hand) does. Those rows are kept apart from the team's own
ledger, one file per source and channel::

    content/ledger/_imported/<label>/<channel>.jsonl

one JSON object a line, oldest first::

    {"posted_at": "2025-03-04T14:30:00Z", "engagement": 23, "likes": 15, "reposts": 5,
     "replies": 3, "quotes": 0, "ref": "https://…", "from": "old-account.csv:12"}

``engagement`` is what the source reported (its own column, or the sum of the
counts); it is usually the final count of an old post, so the rows are only
ever compared with each other, never with the team's 48-hour figures. The
folder starts with ``_`` because post ids cannot, so it never meets a post's
receipts, and ledger.py skips it. Importing the same file twice adds nothing:
rows are keyed by ``ref`` (or, without one, by time).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Mapping
from zoneinfo import ZoneInfo

from .content import localize
from .atomic import write_text_atomic
from .ledger import LEDGER_DIR, parse_instant
from .metrics import COUNTS, count_value, json_lines
from .problems import Problem, UserError, warning

IMPORTED_DIR = f"{LEDGER_DIR}/_imported"
LABEL = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
TIME_COLUMNS = ("posted_at", "published_at", "created_at", "timestamp", "datetime", "date_time", "time", "date")
ENGAGEMENT_COLUMNS = ("engagement", "engagements", "interactions", "total_engagement")
REF_COLUMNS = ("url", "link", "permalink", "id", "post_id", "uri")
COUNT_COLUMNS = {
    "likes": ("likes", "favourites", "favorites", "favs", "favourites_count", "like_count", "reactions"),
    "reposts": ("reposts", "reblogs", "boosts", "retweets", "shares", "reblogs_count", "repost_count"),
    "replies": ("replies", "comments", "replies_count", "reply_count"),
    "quotes": ("quotes", "quote_count", "quote_posts"),
}


@dataclass(frozen=True)
class ImportedPost:
    label: str  # where the rows came from, e.g. "juniper-old-account" or "competitor"
    channel: str  # the team's channel these rows inform
    posted_at: datetime  # aware
    engagement: int
    counts: Mapping[str, int] = field(default_factory=dict)
    ref: str = ""
    origin: str = ""  # "file.csv:12": the row it was imported from

    @property
    def key(self) -> str:
        return self.ref or self.posted_at.astimezone(timezone.utc).isoformat()

    def to_json(self) -> dict:
        data = {"posted_at": _stamp(self.posted_at), "engagement": self.engagement, **dict(self.counts)}
        if self.ref:
            data["ref"] = self.ref
        if self.origin:
            data["from"] = self.origin
        return data


def _stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _column(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


def _first(header: Iterable[str], choices: Iterable[str]) -> str | None:
    header = list(header)
    return next((c for c in choices if c in header), None)


def parse_csv_time(text: str, zone: ZoneInfo) -> datetime | None:
    """ISO 8601 with or without an offset; a naive time is read in ``zone``."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else localize(moment, zone)[0]


def parse_history_csv(name: str, text: str, label: str, channel: str, zone: ZoneInfo,
                      now: datetime) -> tuple[list[ImportedPost], list[Problem]]:
    """The usable rows of a history CSV and a warning (``name:line``) for each row left out.

    Raises UserError when the header itself makes the file unusable.
    """
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = [_column(c) for c in next(reader)]
    except StopIteration:
        raise UserError(f"{name}:1: the file is empty; the first line must name the columns, "
                        "e.g. posted_at,likes,reposts,replies,url") from None
    time_col = _first(header, TIME_COLUMNS[:-2])
    if time_col is None:
        # a spreadsheet export often splits the moment into a date and a time column
        time_col = "date+time" if {"date", "time"} <= set(header) else _first(header, ("time", "date"))
    if time_col is None:
        raise UserError(f"{name}:1: no time column; name one of the columns {', '.join(TIME_COLUMNS[:3])}")
    engagement_col = _first(header, ENGAGEMENT_COLUMNS)
    count_cols = {count: col for count, names in COUNT_COLUMNS.items() if (col := _first(header, names))}
    if engagement_col is None and not count_cols:
        raise UserError(f"{name}:1: no engagement column; add a column named engagement, or likes, reposts, "
                        "replies and quotes")
    ref_col = _first(header, REF_COLUMNS)
    rows, problems = [], []
    for values in reader:
        number = reader.line_num
        if not any(v.strip() for v in values):
            continue
        row = dict(zip(header, values))
        raw_time = f"{row.get('date', '')} {row.get('time', '')}" if time_col == "date+time" else row.get(time_col, "")
        posted_at = parse_csv_time(raw_time, zone)
        if posted_at is None:
            problems.append(warning(name, number, f'"{raw_time.strip()}" is not a time; write it like '
                                    "2025-03-04 09:30 or 2025-03-04T14:30:00Z; the row is skipped"))
            continue
        if posted_at > now:
            problems.append(warning(name, number, f"{raw_time.strip()} is in the future; the row is skipped"))
            continue
        counts, bad = {}, []
        for count, col in count_cols.items():
            if row.get(col, "").strip() == "":
                continue
            value = count_value(row[col])
            if value is None:
                bad.append(col)
            else:
                counts[count] = value
        total = count_value(row.get(engagement_col, "")) if engagement_col else None
        if engagement_col and total is None and row.get(engagement_col, "").strip():
            bad.append(engagement_col)
        if bad:
            problems.append(warning(name, number, f"{', '.join(bad)} must be whole numbers, 0 or more; "
                                    "the row is skipped"))
            continue
        if total is None:
            if not counts:
                problems.append(warning(name, number, "no engagement figures in this row; the row is skipped"))
                continue
            total = sum(counts.values())
        ref = row.get(ref_col, "").strip() if ref_col else ""
        rows.append(ImportedPost(label, channel, posted_at, total, counts, ref, f"{Path(name).name}:{number}"))
    return rows, problems


def merge_rows(existing: Iterable[ImportedPost], new: Iterable[ImportedPost]) -> tuple[list[ImportedPost], int]:
    """The stored rows plus the new ones not already there (by ref or time), oldest first; and how many were added."""
    merged = {row.key: row for row in existing}
    added = 0
    for row in new:
        if row.key not in merged:
            merged[row.key] = row
            added += 1
    return sorted(merged.values(), key=lambda r: (r.posted_at, r.key)), added


def imported_path(root: Path, label: str, channel: str) -> Path:
    return Path(root) / IMPORTED_DIR / label / f"{channel}.jsonl"


def parse_imported(path: str, text: str, label: str, channel: str) -> tuple[list[ImportedPost], list[Problem]]:
    rows: list[ImportedPost] = []
    problems: list[Problem] = []
    for number, data in json_lines(path, text, problems, '{"posted_at": …, "engagement": 12}'):
        posted_at = parse_instant(data.get("posted_at"))
        total = count_value(data.get("engagement"))
        if posted_at is None or total is None:
            problems.append(warning(path, number, 'needs "posted_at" (a time with a zone) and "engagement" '
                                    "(a whole number); the line is skipped"))
            continue
        counts = {k: v for k in COUNTS if (v := count_value(data.get(k))) is not None}
        rows.append(ImportedPost(label, channel, posted_at, total, counts, str(data.get("ref") or ""),
                                 str(data.get("from") or "")))
    return rows, problems


def load_imported(root: Path) -> tuple[list[ImportedPost], list[Problem]]:
    """Every imported row in the working tree, by label, channel and time."""
    root = Path(root)
    base = root / IMPORTED_DIR
    rows: list[ImportedPost] = []
    problems: list[Problem] = []
    if not base.is_dir():
        return rows, problems
    for folder in sorted(os.scandir(base), key=lambda e: e.name):
        if not folder.is_dir() or folder.name.startswith("."):
            continue
        for entry in sorted(os.scandir(folder.path), key=lambda e: e.name):
            if entry.name.endswith(".jsonl"):
                rel = Path(entry.path).relative_to(root).as_posix()
                found, found_problems = parse_imported(rel, Path(entry.path).read_text(encoding="utf-8"),
                                                       folder.name, entry.name[: -len(".jsonl")])
                rows += found
                problems += found_problems
    return rows, problems


def write_imported(path: Path, rows: Iterable[ImportedPost]) -> None:
    """Replace the store atomically: readers see the old or the new file, never half."""
    write_text_atomic(path, "".join(json.dumps(r.to_json(), ensure_ascii=False, sort_keys=True) + "\n"
                                    for r in rows))


@dataclass(frozen=True)
class ImportResult:
    path: Path
    read: int  # usable rows in the CSV
    added: int  # rows new to the store
    total: int  # rows in the store now
    problems: tuple[Problem, ...]


def import_history(root: Path, csv_path: Path, channel: str, label: str, zone: ZoneInfo,
                   now: datetime) -> ImportResult:
    """Read ``csv_path`` and add its new rows to the store for (label, channel)."""
    if not LABEL.match(label):
        raise UserError(f'--label "{label}" must be lower-case letters, digits, - or _ (like competitor)')
    name = str(csv_path)
    try:
        text = Path(csv_path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"{name}: not found; give the path of a CSV file") from None
    except UnicodeDecodeError:
        raise UserError(f"{name}: not UTF-8 text; save the CSV as UTF-8") from None
    rows, problems = parse_history_csv(name, text, label, channel, zone, now)
    if not rows:
        detail = f" ({len(problems)} rows skipped, see above)" if problems else ""
        raise UserError(f"{name}: no usable rows{detail}; nothing was imported")
    path = imported_path(root, label, channel)
    existing: list[ImportedPost] = []
    if path.exists():
        existing, stored_problems = parse_imported(path.relative_to(root).as_posix(),
                                                   path.read_text(encoding="utf-8"), label, channel)
        if stored_problems:
            raise UserError(f"{stored_problems[0]}; fix the stored file before importing more into it")
    merged, added = merge_rows(existing, rows)
    if added:
        write_imported(path, merged)
    return ImportResult(path, len(rows), added, len(merged), tuple(problems))
