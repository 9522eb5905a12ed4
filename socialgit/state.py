"""`.socialgit/`: caches, sessions and the run lock — local, disposable, never in git."""

from __future__ import annotations

import os
from pathlib import Path

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
