"""`.socialgit/`: caches, sessions and the run lock — local, disposable, never in git."""

from __future__ import annotations

import marshal
import os
import tempfile
from pathlib import Path
from typing import Any

STATE_DIR = ".socialgit"


def state_dir(root: Path) -> Path:
    """The state folder of a calendar repository, created ignoring itself.

    SOCIALGIT_STATE_DIR moves it (a CI cache, so a cron job in a fresh clone keeps
    its Bluesky session instead of logging in every run). A `.gitignore` of `*`
    inside keeps it out of `git status` even where the repository's own
    .gitignore does not name it.
    """
    folder = Path(os.environ.get("SOCIALGIT_STATE_DIR") or Path(root) / STATE_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n", encoding="utf-8")
    return folder


def read_cache(path: Path) -> Any:
    """What write_cache kept at ``path``; None when there is no such file or it cannot be read."""
    try:
        with open(path, "rb") as handle:
            return marshal.loads(handle.read())  # marshal.load(handle) reads piecemeal: 5x slower
    except (OSError, EOFError, ValueError, TypeError):
        return None


def write_cache(path: Path, value: Any) -> bool:
    """Replace the cache file ``path`` with ``value`` in marshal; False if it cannot be kept.

    Readers see the old file or the new one, never half. A cache is a shortcut: a
    read-only checkout or a value marshal cannot hold only means the next run works
    it out again.
    """
    try:
        data = marshal.dumps(value)
    except ValueError:
        return False
    temp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temp, path)
        return True
    except OSError:
        if temp is not None and os.path.exists(temp):
            os.unlink(temp)
        return False
