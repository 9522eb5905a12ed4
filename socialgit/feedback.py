"""Feedback files (replies, mentions, quotes) → FeedbackItem values, read-only.

Each file under ``content/feedback/<post-id>/`` or ``content/feedback/_mentions/``
is front matter plus the comment as plain text (DESIGN.md). Everything in it
came from strangers on the internet: the site escapes it everywhere and never
marks it safe. Problems carry ``path:line`` like content.py's.
"""

from __future__ import annotations

import functools
import os
import sys
from dataclasses import dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, NamedTuple, TypeVar

from . import front_matter, progress, yamlfast
from .filecache import (FEEDBACK_DIR, FileCache, Stat, code_salt, gc_paused, moment_data, moment_from, parse_all,
                        problems_data, problems_from, repo_files, restore)
from .ledger import parse_instant
from .problems import Problem, error, warning
from .vocabulary import KINDS, LABELS, STATUSES

MENTIONS = "_mentions"
UNCLASSIFIED = "unclassified"  # the sentiment counted for a comment without one
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Author:
    name: str = ""
    handle: str = ""
    url: str = ""


@dataclass(frozen=True, slots=True)
class Judgement:
    """An intent or sentiment: the label, how sure, and who said so (a model, a rule or a human)."""

    value: str
    score: float | None = None
    source: str = ""


# slots: a calendar holds 100,000 of these; a __dict__ each would be most of a build's memory
@dataclass(frozen=True, slots=True)
class FeedbackItem:
    id: str
    path: str  # repository-relative
    network: str
    kind: str
    post: str | None  # the post id it belongs to; None for a loose mention
    url: str = ""
    author: Author = field(default_factory=Author)
    created_at: datetime | None = None
    fetched_at: datetime | None = None
    lang: str | None = None
    in_reply_to: str | None = None
    intent: Judgement | None = None
    sentiment: Judgement | None = None
    status: str = "new"
    assignee: str | None = None
    labels: tuple[str, ...] = ()
    priority: str | None = None
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    reply_post: str | None = None
    body: str = ""


# A big calendar holds 100,000 items that repeat a few networks, states, authors, judgements and fetch
# times: one object for each such value, not a copy in every item, is a third of the items' memory
_author = functools.lru_cache(maxsize=1 << 16)(Author)
_judgement_of = functools.lru_cache(maxsize=1 << 12, typed=True)(Judgement)
_moment = functools.lru_cache(maxsize=1 << 12)(moment_from)


def _word(text: str | None) -> str | None:
    return None if text is None else sys.intern(text)


def _split(text: str, path: str) -> tuple[dict | None, str, dict[str, int], list[Problem]]:
    # the usual one-field-a-line file is read without building YAML nodes (yamlfast)
    return front_matter.read(text, path, "id, network, kind, post", "network: mastodon", fast=yamlfast.load_fields)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value.strip() if isinstance(value, str) else None


def _instant(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else None
    return parse_instant(value)


def _judgement(value: Any) -> Judgement | None:
    """An intent or sentiment as written; a blank value is none (counted as unclassified, not as "")."""
    if isinstance(value, str):
        return _judgement_of(sys.intern(value.strip()), None, "") if value.strip() else None
    if not isinstance(value, dict) or not isinstance(value.get("value"), str) or not value["value"].strip():
        return None
    score = value.get("score")
    # + 0.0 makes -0.0 zero: -0.0 == 0.0, so the caches of judgements would show whichever came first
    return _judgement_of(sys.intern(value["value"].strip()),
                         float(score) + 0.0 if isinstance(score, (int, float)) else None,
                         sys.intern(_text(value.get("source")) or ""))


def parse_feedback(path: str, raw: bytes) -> tuple[FeedbackItem | None, list[Problem]]:
    """One feedback file; an item is returned whenever the file is usable at all."""
    try:
        text = raw.decode("utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError as exc:
        return None, [error(path, raw[: exc.start].count(b"\n") + 1, "not UTF-8 text; save the file as UTF-8")]
    data, body, lines, problems = _split(text, path)
    if data is None:
        return None, problems
    folder = Path(path).parent.name
    item_id = _text(data.get("id")) or Path(path).stem
    network = _text(data.get("network")) or item_id.split("-", 1)[0]
    kind = _text(data.get("kind")) or "reply"
    if kind not in KINDS:
        problems.append(warning(path, lines.get("kind"), f'kind "{kind}" is not one of {", ".join(KINDS)}'))
    status = _text(data.get("status")) or "new"
    if status not in STATUSES:
        problems.append(warning(path, lines.get("status"), f'status "{status}" is not one of {", ".join(STATUSES)}'))
    judgements = {name: _judgement(data.get(name)) for name in _JUDGEMENTS}
    for name, judged in judgements.items():
        # a typo would count the comment under no label: no tally, no filter, no routing rule would see it
        if judged is not None and judged.value not in LABELS:
            problems.append(warning(path, lines.get(name), f'{name} "{judged.value}" is not one of '
                                    f'{", ".join(LABELS)}; the comment is counted under none of them'))
    post = _text(data.get("post"))
    if post in (None, "", "none"):
        post = None if folder == MENTIONS else folder
    raw_author = data.get("author")
    if isinstance(raw_author, dict):
        author = _author(_text(raw_author.get("name")) or "", _text(raw_author.get("handle")) or "",
                         _text(raw_author.get("url")) or "")
    else:
        author = _author(_text(raw_author) or "", "", "")
    labels = data.get("labels") or ()
    if not isinstance(labels, (list, tuple)):
        labels = (str(labels),)
    created = _instant(data.get("created_at"))
    if data.get("created_at") is not None and created is None:
        problems.append(warning(path, lines.get("created_at"), "created_at is not a time with a zone, like "
                                "2026-11-16T10:00:00Z; the item is shown without a time"))
    item = FeedbackItem(
        id=item_id, path=path, network=sys.intern(network), kind=sys.intern(kind), post=post,
        url=_text(data.get("url")) or "", author=author, created_at=created, fetched_at=_instant(data.get("fetched_at")),
        lang=_word(_text(data.get("lang"))), in_reply_to=_text(data.get("in_reply_to")),
        intent=judgements["intent"], sentiment=judgements["sentiment"], status=sys.intern(status),
        assignee=_word(_text(data.get("assignee"))), labels=tuple(str(label) for label in labels),
        priority=_word(_text(data.get("priority"))), first_response_at=_instant(data.get("first_response_at")),
        resolved_at=_instant(data.get("resolved_at")), reply_post=_text(data.get("reply_post")),
        body=body.strip("\n"),
    )
    return item, problems


def feedback_files(root: Path) -> list[Path]:
    base = Path(root) / FEEDBACK_DIR
    found: list[Path] = []
    if not base.is_dir():
        return found
    for folder, dirs, files in os.walk(base):
        dirs.sort()
        found.extend(Path(folder) / name for name in sorted(files) if name.endswith(".md"))
    return found


# --- the parse cache: items as plain tuples (filecache.FileCache keeps them with marshal) ---------

_FIELDS = tuple(f.name for f in fields(FeedbackItem))
_TIMES = ("created_at", "fetched_at", "first_response_at", "resolved_at")
_JUDGEMENTS = ("intent", "sentiment")
_WORDS = ("network", "kind", "status", "lang", "priority", "assignee")


def _item_data(item: FeedbackItem) -> tuple:
    values = {name: getattr(item, name) for name in _FIELDS}
    values["author"] = (item.author.name, item.author.handle, item.author.url)
    for name in _TIMES:
        values[name] = moment_data(values[name])
    for name in _JUDGEMENTS:
        judgement = values[name]
        values[name] = None if judgement is None else (judgement.value, judgement.score, judgement.source)
    return tuple(values[name] for name in _FIELDS)


def _item_from(data: tuple) -> FeedbackItem:
    values = dict(zip(_FIELDS, data, strict=True))
    values["author"] = _author(*values["author"])
    for name in _TIMES:
        moment = values[name]
        values[name] = None if moment is None else _moment(moment if isinstance(moment, str) else tuple(moment))
    for name in _JUDGEMENTS:
        judgement = values[name]
        if judgement is not None:
            values[name] = _judgement_of(*judgement)
    for name in _WORDS:
        values[name] = _word(values[name])
    values["labels"] = tuple(values["labels"])
    return restore(FeedbackItem, values)


CODEC = (lambda parsed: (None if parsed[0] is None else _item_data(parsed[0]), problems_data(parsed[1])),
         lambda data: (None if data[0] is None else _item_from(data[0]), problems_from(data[1])))


def _read_file(rel: str, path: str) -> tuple[FeedbackItem | None, list[Problem]]:
    with open(path, "rb") as handle:
        return parse_feedback(rel, handle.read())


def _salt() -> str:
    """What the parse caches depend on: this parser and the readers it uses."""
    return code_salt(sys.modules[__name__], front_matter, yamlfast)


def _files(root: Path) -> list[tuple[str, str, Stat]]:
    """(path from the repository, path, stat) of every feedback file, in path order."""
    return repo_files(root, FEEDBACK_DIR, ".md")


def _parsed_files(root: Path, use_cache: bool) -> list[tuple[FeedbackItem | None, list[Problem]]]:
    """parse_feedback of every file, in path order: from .socialgit/ when unchanged, else on every core."""
    cache = FileCache(root, "feedback", _salt(), CODEC) if use_cache else None
    with gc_paused(), progress.stage("Reading feedback files"):
        files = _files(root)
        if cache is None:
            return [value for value, _ in parse_all([f[:2] for f in files], _read_file, *CODEC)]
        parsed = cache.get_all(files, _read_file)
    cache.save()
    return parsed


def load_feedback(root: Path, use_cache: bool = False) -> tuple[list[FeedbackItem], list[Problem]]:
    """Every feedback item in the working tree, sorted by post, then time, then id.

    With ``use_cache``, parsed files are remembered in .socialgit/ by path, mtime
    and size (a calendar holds ten feedback files per post or more), so the site
    builder parses only the files that changed since its last build.
    """
    items, problems = [], []
    parsed = _parsed_files(Path(root), use_cache)
    with gc_paused():
        for item, found in parsed:
            problems.extend(found)
            if item is not None:
                items.append(item)
        items.sort(key=_in_order)
    return items, problems


def _in_order(item: FeedbackItem) -> tuple:
    return item.post or "", item.created_at.timestamp() if item.created_at else float("inf"), item.id


def load_feedback_files(root: Path, paths: list[str]) -> list[FeedbackItem]:
    """The items of a few feedback files (paths from the repository), in load_feedback's order; no cache."""
    items = [item for item, _ in (_read_file(rel, str(Path(root) / rel)) for rel in paths) if item is not None]
    return sorted(items, key=_in_order)


class _Summary(NamedTuple):
    """What `insights` needs of a feedback file: its problems, and the post and sentiment it counts for."""

    problems: list[Problem]
    post: str | None
    sentiment: str  # sentiment_label


_ID, _POST, _SENTIMENT = _FIELDS.index("id"), _FIELDS.index("post"), _FIELDS.index("sentiment")
_SUMMARY_CODEC = (lambda summary: (problems_data(summary.problems), summary.post, summary.sentiment),
                  lambda data: _Summary(problems_from(data[0]), data[1], data[2]))


def sentiment_label(item: FeedbackItem) -> str:
    """The sentiment insights count an item's comment under (UNCLASSIFIED when it has none)."""
    return item.sentiment.value if item.sentiment else UNCLASSIFIED


def _summary_of(item: FeedbackItem | None, problems: list[Problem]) -> _Summary:
    return _Summary(problems, item.post if item else None, sentiment_label(item) if item else UNCLASSIFIED)


def _summary_from_items_cache(data: tuple) -> _Summary:
    """An entry of the items' cache as a summary, without making the item."""
    item = data[0]
    sentiment = item[_SENTIMENT] if item else None
    return _Summary(problems_from(data[1]), item[_POST] if item else None, sentiment[0] if sentiment else UNCLASSIFIED)


class _Cached(NamedTuple):
    value: Any  # what a _per_file caller wants of a file the items' cache knew


def _per_file(root: Path, name: str, codec: tuple, of_parsed: Callable[[FeedbackItem | None, list[Problem]], T],
              of_items_cache: Callable[[tuple], T]) -> list[tuple[str, T]]:
    """(path from the repository, a value) per feedback file, in path order, from a cache of those values alone.

    `check`, `insights` and the triage commands ask on every run and need little of each
    file: such a cache takes a few MB, where the items' cache is 60 MB at 100,000 files.
    A file it does not know is taken from the items' cache (``of_items_cache`` of its
    entry, no item made), or parsed (``of_parsed`` of the item and its problems).
    """
    root, salt = Path(root), _salt()
    known = FileCache(root, name, salt, codec)
    with gc_paused(), progress.stage("Reading feedback files"):
        files = _files(root)
        found = [known.lookup(rel, stat) for rel, _, stat in files]
        todo = [index for index, (hit, _) in enumerate(found) if not hit]
        if todo:
            items = FileCache(root, "feedback", salt, (CODEC[0], lambda data: _Cached(of_items_cache(data))))
            for index, got in zip(todo, items.get_all([files[i] for i in todo], _read_file)):
                value = got.value if isinstance(got, _Cached) else of_parsed(*got)
                found[index] = (True, value)
                known.put(files[index][0], files[index][2], value)
            items.keep(rel for rel, _, _ in files)  # asked about a few files, it must not forget the rest
            items.save()
    known.save()
    return [(rel, value) for (rel, _, _), (_, value) in zip(files, found)]


def feedback_problems(root: Path) -> list[Problem]:
    """What load_feedback(root, use_cache=True) reports, without loading the items of unchanged files."""
    found = _per_file(root, "feedback-problems", (problems_data, problems_from), lambda item, problems: problems,
                      lambda data: problems_from(data[1]))
    return [problem for _, problems in found for problem in problems]


def feedback_sentiments(root: Path) -> tuple[list[tuple[str | None, str]], list[Problem]]:
    """(post, sentiment_label) of every item and the files' problems, as load_feedback would give them, quickly."""
    summaries = [summary for _, summary in _per_file(root, "feedback-summary", _SUMMARY_CODEC, _summary_of,
                                                     _summary_from_items_cache)]
    return ([(summary.post, summary.sentiment) for summary in summaries],
            [problem for summary in summaries for problem in summary.problems])


def _errors(problems: list[Problem]) -> int:
    return sum(problem.level == "error" for problem in problems)


def feedback_ids(root: Path) -> list[tuple[str, str | None, int]]:
    """(path from the repository, item id or None, errors) of every feedback file, in path order, quickly.

    The triage commands that take an id read only the files that hold it.
    """
    found = _per_file(root, "feedback-ids", (tuple, tuple),
                      lambda item, problems: (item.id if item else None, _errors(problems)),
                      lambda data: (data[0][_ID] if data[0] else None, _errors(problems_from(data[1]))))
    return [(rel, item_id, errors) for rel, (item_id, errors) in found]
