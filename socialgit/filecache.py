"""Parsed files remembered between runs, keyed by path, mtime and size.

Cron pays for `publish` every minute; re-reading 10,000 posts to learn that
nothing is due is most of that cost. The cache lives in `.socialgit/` and is
only ever a shortcut: a missing, stale or unreadable cache means parsing again,
never a different answer.
"""

from __future__ import annotations

import os
import pickle
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Iterable, TypeVar

from . import __version__
from .state import state_dir

T = TypeVar("T")
RACY_NS = 2_000_000_000


class FileCache:
    def __init__(self, root: Path, name: str, salt: str):
        self.path = state_dir(root) / f"{name}.pickle"
        self.salt = f"{__version__}|{salt}"
        self.entries: dict[str, tuple[int, int, Any]] = {}
        self.seen: set[str] = set()
        self.dirty = False
        try:
            with open(self.path, "rb") as handle:
                salt_read, entries = pickle.load(handle)
            if salt_read == self.salt:
                self.entries = entries
        except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError, ImportError):
            pass  # no cache, or one from another version: parse everything

    def get(self, rel: str, stat: os.stat_result, parse: Callable[[], T]) -> T:
        self.seen.add(rel)
        # "racy git": file times tick in milliseconds, so a file changed twice within
        # one tick keeps its mtime; a file younger than RACY is never trusted or stored
        if time.time_ns() - stat.st_mtime_ns < RACY_NS:
            self.entries.pop(rel, None)
            return parse()
        entry = self.entries.get(rel)
        if entry and entry[0] == stat.st_mtime_ns and entry[1] == stat.st_size:
            return entry[2]
        value = parse()
        self.entries[rel] = (stat.st_mtime_ns, stat.st_size, value)
        self.dirty = True
        return value

    def save(self) -> None:
        gone = set(self.entries) - self.seen
        for rel in gone:
            del self.entries[rel]
        if not (self.dirty or gone):
            return
        try:
            fd, tmp = tempfile.mkstemp(prefix=".cache.", dir=self.path.parent)
            with os.fdopen(fd, "wb") as handle:
                pickle.dump((self.salt, self.entries), handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.path)
        except OSError:
            pass  # a read-only checkout still works, just without the shortcut


def walk_files(base: Path, suffix: str) -> Iterable[tuple[str, os.DirEntry]]:
    """(path relative to base's root, DirEntry) of every file ending in ``suffix``, sorted, via scandir."""
    stack = [base]
    found = []
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(Path(entry.path))
                    elif entry.name.endswith(suffix):
                        found.append(entry)
        except FileNotFoundError:
            continue
    found.sort(key=lambda e: e.path)
    return found
