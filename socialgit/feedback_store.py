"""Feedback files on disk: create one that does not exist yet, or change a few fields of one.

A feedback file belongs to the people who triage it once it exists, so this
module never rewrites one wholesale: ``create`` refuses to replace a file (the
file name is the dedup key), and ``update_fields`` edits only the lines of the
fields it is asked to change, keeping everything else (order, comments, the
body) as the person left it. Values are written with ``yaml.safe_dump``, never
by formatting strings: a display name is data, whatever characters it holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping

import yaml

from .filecache import FEEDBACK_DIR
from .atomic import write_new, write_text_atomic
from .netcontent import safe_id

MENTIONS = "_mentions"
# DESIGN.md "Feedback files", in that order; Bluesky items add what a reply needs.
FIELDS = ("id", "network", "kind", "post", "url", "author", "created_at", "fetched_at", "lang", "in_reply_to",
          "intent", "sentiment", "status", "assignee", "labels", "priority", "first_response_at",
          "last_response_at", "resolved_at", "reply_post", "uri", "cid", "root_uri", "root_cid")
_CLOSING = re.compile(r"^-{3,}[ \t]*$", re.MULTILINE)
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class FeedbackFileError(ValueError):
    """A feedback file that cannot be read or changed; the message names the file."""


class _Dumper(yaml.SafeDumper):
    """Fields one per line; a small mapping or list inside stays on its line, as people write them."""

    _depth = 0

    def represent_dict(self, data: Any) -> yaml.MappingNode:
        self._depth += 1
        try:
            return self.represent_mapping("tag:yaml.org,2002:map", data, flow_style=False if self._depth == 1 else None)
        finally:
            self._depth -= 1

    def ignore_aliases(self, data: Any) -> bool:
        return True  # a time used twice is written twice, never as &id001 / *id001


def _timestamp(dumper: yaml.SafeDumper, value: datetime) -> yaml.ScalarNode:
    # plain 2026-11-16T10:00:00Z, read back as a time, like the files people write by hand
    return dumper.represent_scalar("tag:yaml.org,2002:timestamp", stamp(value))


_Dumper.add_representer(datetime, _timestamp)
_Dumper.add_representer(dict, _Dumper.represent_dict)


def stamp(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("feedback times need a time zone")
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def dump(fields: Mapping[str, Any]) -> str:
    return yaml.dump(dict(fields), Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=None,
                     width=1_000_000)


def render(fields: Mapping[str, Any], body: str) -> str:
    ordered = {key: fields[key] for key in FIELDS if key in fields}
    ordered.update((key, value) for key, value in fields.items() if key not in ordered)
    return f"---\n{dump(ordered)}---\n{body.strip(chr(10))}\n"


def item_path(root: Path, post: str | None, item_id: str) -> Path:
    """content/feedback/<post or _mentions>/<item id>.md; ValueError for a name that could leave the folder."""
    folder = MENTIONS if post is None else post
    if safe_id(item_id) is None or (folder != MENTIONS and safe_id(folder) is None):
        raise ValueError(f"not a safe feedback file name: {folder!r}/{item_id!r}")
    return Path(root) / FEEDBACK_DIR / folder / f"{item_id}.md"


def create(path: Path, fields: Mapping[str, Any], body: str) -> bool:
    """Write a new feedback file; False (and nothing written) when the file exists already."""
    return write_new(path, render(fields, body))


def split(text: str, path: Path | str = "") -> tuple[str, str]:
    """(front matter, body) of a feedback file's text."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    if not text.startswith("---\n"):
        raise FeedbackFileError(f"{path}: no front matter; the file must start with a '---' line")
    closing = _CLOSING.search(text, 4)
    if closing is None:
        raise FeedbackFileError(f"{path}: the front matter is not closed; add a '---' line after the fields")
    return text[4:closing.start()], text[closing.end() + 1:]


def _load(meta: str, path: Path | str) -> dict[str, Any]:
    try:
        data = yaml.load(meta, Loader=_Loader) if meta.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 2}" if mark else ""
        raise FeedbackFileError(f"{path}{line}: the front matter is not valid YAML; fix it and run again") from None
    except (ValueError, OverflowError) as exc:  # a date YAML recognises but cannot make, such as 2026-13-45
        raise FeedbackFileError(f"{path}: the front matter is not valid YAML: {exc} (a date that does not exist?); "
                                "fix it and run again") from None
    if not isinstance(data, dict):
        raise FeedbackFileError(f"{path}:2: the front matter must be fields like 'status: new', one per line")
    return data


def read(path: Path) -> tuple[dict[str, Any], str]:
    """(fields, body) of one feedback file."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise FeedbackFileError(f"{path}: not UTF-8 text; save it as UTF-8") from None
    meta, body = split(text, path)
    return _load(meta, path), body


def _native(key: str, value: Any) -> Any:
    """``value`` as it reads back from the file (a time, say), so that comparisons are fair."""
    return yaml.load(dump({key: value}), Loader=_Loader)[key]


def _value_lines(lines: list[str], key: str) -> tuple[int, int] | None:
    """The lines [start, end) holding top-level ``key`` and its value, if written in the usual way."""
    head = re.compile(rf"^{re.escape(key)}[ \t]*:(?:[ \t]|$)")
    for start, line in enumerate(lines):
        if head.match(line):
            end = start + 1
            while end < len(lines) and (lines[end][:1] in (" ", "\t") or re.match(r"-(?: |$)", lines[end])):
                end += 1
            return start, end
    return None


def update_fields(path: Path, changes: Mapping[str, Any]) -> bool:
    """Set ``changes`` in a feedback file's front matter, touching only those lines; True if anything changed.

    Comments, key order, the style of other fields and the body stay as they
    are. If the front matter is laid out in a way the line edit cannot follow,
    the front matter is written out whole instead (the body still untouched).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise FeedbackFileError(f"{path}: not UTF-8 text; save it as UTF-8") from None
    meta, body = split(text, path)
    current = _load(meta, path)
    wanted = dict(current)
    wanted.update({key: _native(key, value) for key, value in changes.items()})
    if wanted == current:
        return False
    lines = meta.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for key, value in changes.items():
        if key in current and current[key] == wanted[key]:
            continue
        new = dump({key: value}).rstrip("\n").split("\n")
        span = _value_lines(lines, key)
        if span is None:
            lines.extend(new)
        else:
            lines[span[0]:span[1]] = new
    edited = "\n".join(lines) + "\n"
    try:
        same = _load(edited, path) == wanted
    except FeedbackFileError:
        same = False
    if not same:
        edited = dump(wanted)
    write_text_atomic(path, f"---\n{edited}---\n{body}")
    return True


@dataclass(frozen=True)
class Stored:
    path: Path
    fields: dict[str, Any]

    @property
    def post(self) -> str | None:
        return None if self.path.parent.name == MENTIONS else self.path.parent.name


def load_all(root: Path) -> tuple[dict[str, Stored], list[str]]:
    """Every feedback file by its name (the item id), and the files that could not be read."""
    base = Path(root) / FEEDBACK_DIR
    found: dict[str, Stored] = {}
    problems: list[str] = []
    if not base.is_dir():
        return found, problems
    for folder in sorted(p for p in base.iterdir() if p.is_dir()):
        for file in sorted(folder.glob("*.md")):
            try:
                fields, _ = read(file)
            except (FeedbackFileError, OSError) as exc:
                problems.append(str(exc))
                fields = {}
            # the name is taken even when the file is broken: a refetch must never write a twin
            found.setdefault(file.stem, Stored(file, fields))
    return found, problems
