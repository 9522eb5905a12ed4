"""`socialgit new`: a unique slug and a post file to start from."""

from __future__ import annotations

import os
import re
import unicodedata
from datetime import datetime
from pathlib import Path
from typing import Iterable

from .filecache import FEEDBACK_DIR, POSTS_DIR
from .ledger import LEDGER_DIR, holds_receipts

MAX_SLUG = 60


def slugify(title: str) -> str:
    """A readable ASCII slug, or '' when the title has too few Latin letters to make one."""
    folded = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")
    if len(re.sub(r"[^a-z]", "", slug)) < 3:
        return ""
    return slug[:MAX_SLUG].rstrip("-")


def unique_slug(title: str, at: datetime, taken: Iterable[str]) -> str:
    """Titles in other scripts (Persian, say) fall back to a dated slug; clashes get -2, -3…"""
    taken = set(taken)
    base = slugify(title) or f"post-{at:%Y-%m-%d-%H%M}"
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    return slug


def recorded_ids(root: Path) -> set[str]:
    """Post ids something is filed under: receipts, metrics, feedback. A new post must not take one:
    the file may be gone, but its receipts would make the new post look sent already."""
    found = set()
    for folder, keep in ((f"{LEDGER_DIR}", holds_receipts), (f"{LEDGER_DIR}/metrics", None),
                         (FEEDBACK_DIR, lambda name: not name.startswith("_"))):
        try:
            with os.scandir(Path(root) / folder) as entries:
                found |= {entry.name for entry in entries if entry.is_dir() and (keep is None or keep(entry.name))}
        except (FileNotFoundError, NotADirectoryError):
            pass
    return found


def yaml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def post_text(title: str, at: datetime, channels: list[str], draft: bool) -> str:
    return (
        "---\n"
        f"title: {yaml_string(title)}\n"
        f"publish_at: {at:%Y-%m-%d %H:%M}\n"
        f"channels: [{', '.join(channels)}]\n"
        f"status: {'draft' if draft else 'ready'}\n"
        "---\n"
        "Write the post here. Markdown works; a line ---8<--- starts the next part of a thread.\n"
    )


def write_new_post(root: Path, title: str, at: datetime, channels: list[str], draft: bool,
                   taken_ids: Iterable[str]) -> Path:
    folder = root / POSTS_DIR / f"{at:%Y}" / f"{at:%m}"
    existing = {p.stem for p in folder.glob("*.md")} if folder.is_dir() else set()
    slug = unique_slug(title, at, set(taken_ids) | existing | recorded_ids(root))
    path = folder / f"{slug}.md"
    folder.mkdir(parents=True, exist_ok=True)
    with open(path, "x", encoding="utf-8") as handle:  # "x": never overwrite what someone wrote
        handle.write(post_text(title, at, channels, draft))
    return path
