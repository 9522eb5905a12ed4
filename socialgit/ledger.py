"""Receipts, cursors and metrics on disk: the runner's memory, kept in git.

Receipts are written with `atomic` so a crash never leaves half of one;
nothing here ever deletes what the runner recorded.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from . import progress
from .filecache import FileCache, Stat, code_salt, gc_paused, parse_all, problems_data, problems_from
from .problems import Problem, error

LEDGER_DIR = "content/ledger"
RECEIPT_STATES = ("pending", "published", "failed", "uncertain", "missed")


@dataclass(frozen=True)
class Receipt:
    post: str
    channel: str
    state: str
    data: dict[str, Any]  # the whole file, as written
    path: str

    @property
    def parts(self) -> list[dict[str, Any]]:
        return list(self.data.get("parts") or [])

    @property
    def url(self) -> str | None:
        parts = self.parts
        return parts[0].get("url") if parts else None

    @property
    def published_at(self) -> datetime | None:
        return parse_instant(self.data.get("published_at"))

    @property
    def payload_hash(self) -> str | None:
        return self.data.get("payload_hash")

    @property
    def source(self) -> str | None:
        return self.data.get("source")

    @property
    def error(self) -> str | None:
        return self.data.get("error")


def parse_instant(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def holds_receipts(folder: str) -> bool:
    """Whether a folder of the ledger by this name is a post's receipts (not metrics, imports, the heartbeat's)."""
    return not folder.startswith(("_", ".")) and folder not in ("metrics", "imported")


def receipt_path(root: Path, post_id: str, channel: str) -> Path:
    return root / LEDGER_DIR / post_id / f"{channel}.json"


def _shared_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # every receipt has the same dozen keys: one string each, not a copy in each of 18,000 receipts (14 MB)
    return {sys.intern(key): value for key, value in pairs}


# what the runner writes as text or null; a receipt with another type there was edited by hand, and what
# it says cannot be trusted (the publisher then sends nothing for it, the site does not show it)
_TEXT_FIELDS = ("post", "channel", "source", "key", "payload_hash", "attempted_at", "published_at", "publish_at",
                "error", "next_try", "updated_at", "resolved_by")


def _misshapen(data: dict[str, Any]) -> str | None:
    """What is wrong with the types of a receipt's fields ("<name> is ..."), or None."""
    for name in _TEXT_FIELDS:
        if not isinstance(data.get(name), (str, type(None))):
            return f"{name} is not text"
    attempts = data.get("attempts")
    if attempts is not None and (type(attempts) is not int or attempts < 0):
        return "attempts is not a whole number"
    if type(data.get("retryable")) not in (bool, type(None)):
        return "retryable is not true, false or null"
    parts = data.get("parts")
    if parts is not None and not (isinstance(parts, list) and all(
            isinstance(part, dict) and all(isinstance(v, (str, type(None))) for v in part.values()) for part in parts)):
        return "parts is not a list of objects of text"
    return None


def read_receipt(path: Path, root: Path) -> tuple[Receipt | None, Problem | None]:
    rel = path.relative_to(root).as_posix()
    try:
        data = json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=_shared_keys)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        return None, error(rel, line, f"receipt is not valid JSON ({exc.__class__.__name__}); restore it from "
                           f"git history (`git log -p -- {rel}`)")
    if not isinstance(data, dict) or data.get("state") not in RECEIPT_STATES:
        return None, error(rel, None, f"receipt has no valid state; expected one of {', '.join(RECEIPT_STATES)}")
    wrong = _misshapen(data)
    if wrong:
        return None, error(rel, None, f"receipt field {wrong}, not as the runner writes it; restore it from git "
                           f"history (`git log -p -- {rel}`)")
    post_id, channel = path.parent.name, path.stem
    return Receipt(post_id, channel, data["state"], data, rel), None


def _receipt_data(read: tuple[Receipt | None, Problem | None]) -> tuple:
    receipt, problem = read
    return (None if receipt is None else (receipt.post, receipt.channel, receipt.state, receipt.data, receipt.path),
            None if problem is None else problems_data([problem])[0])


def _receipt_from(data: tuple) -> tuple[Receipt | None, Problem | None]:
    receipt, problem = data
    return (None if receipt is None else Receipt(*receipt),
            None if problem is None else problems_from([problem])[0])


def load_receipts(root: Path, use_cache: bool = True) -> tuple[dict[str, dict[str, Receipt]], list[Problem]]:
    """post id → channel → Receipt, for every receipt in the ledger (cached like posts; parsed on every core)."""
    receipts: dict[str, dict[str, Receipt]] = {}
    problems = []
    base = root / LEDGER_DIR
    if not base.is_dir():
        return receipts, problems
    codec = (_receipt_data, _receipt_from)
    cache = FileCache(root, "receipts", code_salt(sys.modules[__name__]), codec) if use_cache else None
    with gc_paused(), progress.stage("Reading receipts"):
        files = _receipt_files(base)
        read = lambda rel, path: read_receipt(Path(path), root)  # noqa: E731
        if cache is None:
            found = [value for value, _ in parse_all([f[:2] for f in files], read, *codec)]
        else:
            found = cache.get_all(files, read)
        for receipt, problem in found:
            if problem:
                problems.append(problem)
            if receipt:
                receipts.setdefault(receipt.post, {})[receipt.channel] = receipt
    if cache:
        cache.save()
    return receipts, problems


def _receipt_files(base: Path) -> list[tuple[str, str, Stat]]:
    """(path from the repository, path, stat) of each receipt: the posts' folders, then their files, by name."""
    files = []
    with os.scandir(base) as folders:
        for folder in sorted(folders, key=lambda f: f.name):
            if not folder.is_dir() or not holds_receipts(folder.name):
                continue
            with os.scandir(folder.path) as entries:
                for entry in sorted(entries, key=lambda f: f.name):
                    if entry.name.endswith(".json"):
                        # plain strings: a ledger holds a receipt per post and channel, tens of thousands
                        info = entry.stat()
                        files.append((f"{LEDGER_DIR}/{folder.name}/{entry.name}", entry.path,
                                      Stat(info.st_mtime_ns, info.st_size)))
    return files


def post_receipts(root: Path, post_id: str) -> tuple[dict[str, Receipt], list[Problem]]:
    """One post's receipts, channel → Receipt, as load_receipts finds them (read without its cache)."""
    folder = root / LEDGER_DIR / post_id
    receipts, problems = {}, []
    for path in sorted(folder.glob("*.json")) if holds_receipts(post_id) and folder.is_dir() else []:
        receipt, problem = read_receipt(path, root)
        if problem:
            problems.append(problem)
        if receipt:
            receipts[receipt.channel] = receipt
    return receipts, problems


def read_heartbeat(root: Path) -> dict[str, Any] | None:
    path = root / LEDGER_DIR / "_heartbeat.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    return data if isinstance(data, dict) else None
