"""Costly fragments remembered between builds, under ``.socialgit/site-cache/``.

calendar.ics is serialised event by event and most events do not change between
builds. A Memo maps a key that names the exact input (a content digest of the
value the fragment is made from, see cache.Digests) to the fragment, salted with
everything else the fragment depends on (the builder's code and versions).
Entries not used in a build are dropped when it is saved, so it never grows. Like
everything under .socialgit/ it is safe to delete; it is never committed. (Parsed
files use filecache.FileCache instead, keyed by path, mtime and size.) Values and
keys must be plain data marshal can keep (bytes, str, numbers, tuples).
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Collection, Hashable

from .. import __version__, gitrepo
from ..filecache import POSTS_DIR
from ..state import read_pieces, state_dir, write_pieces
from .cache import CACHE_DIR, git_head


class Memo:
    def __init__(self, root: Path | None, name: str, salt: str = "") -> None:
        self.path = state_dir(root) / CACHE_DIR / f"{name}.pieces" if root is not None else None
        self.salt = f"{__version__}|{salt}"
        self.old: dict = {}
        self.new: dict = {}
        self.made = 0  # entries computed in this build rather than remembered
        kept = read_pieces(self.path) if self.path is not None else None
        if kept is not None and kept[0] == self.salt:
            self.old = kept[1]

    def has(self, key: Hashable) -> bool:
        return key in self.new or key in self.old

    def get(self, key: Hashable, make: Callable[[], Any]) -> Any:
        if key in self.new:
            return self.new[key]
        if key in self.old:
            value = self.old[key]
        else:
            value = make()
            self.made += 1
        self.new[key] = value
        return value

    def save(self) -> None:
        if self.path is None or (not self.made and len(self.new) == len(self.old)):
            return
        write_pieces(self.path, self.salt, self.new)


def post_history(root: Path, remember: bool, paths: Collection[str] | None = None) -> dict[str, list[gitrepo.Change]]:
    """The posts' commits by path (of ``paths`` only, if given), from one `git log`; while HEAD stays, the same
    (remembered under .socialgit/ with ``remember``)."""
    memo = Memo(root if remember else None, "history", git_head(root))
    rows = memo.get("posts", lambda: {path: tuple((c.commit, c.author, c.when.timestamp(), c.subject) for c in changes)
                                      for path, changes in gitrepo.history(root, POSTS_DIR).items()})
    memo.save()
    wanted = rows.keys() if paths is None else [path for path in paths if path in rows]
    return {path: [gitrepo.Change(commit, author, datetime.fromtimestamp(stamp, timezone.utc), subject)
                   for commit, author, stamp, subject in rows[path]] for path in wanted}
