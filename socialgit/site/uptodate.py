"""Is the built site still what a build would write? One pass of stat calls, nothing parsed.

This is all a rebuild with nothing changed costs, so it imports neither Jinja nor
Markdown nor the page model: `socialgit build` asks here first and loads the
builder only when something changed.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .. import __version__
from ..filecache import installed_versions
from ..problems import UserError
from . import cache as cachelib
from .theme import templates_hash

LIBRARIES = {"jinja2": "jinja2", "markdown": "markdown", "nh3": "nh3", "icalendar": "icalendar"}  # module → distribution
EXTRA_INPUTS = ("outbox",)  # pages link the outbox files the runner wrote


@dataclass
class BuildResult:
    out: Path
    pages: int  # HTML pages in the site
    files: int  # every file in the site
    rendered: int
    written: int
    removed: int
    seconds: float
    unchanged: bool = False  # nothing could have changed: nothing was read or written
    partial: bool = False  # only posts changed: the pages they could not change were kept unread (site/depends.py)
    patched: bool = False  # only posts' words changed: their pages and calendar.ics alone were made (site/patch.py)


@dataclass
class SiteState:
    """What the last build into ``out`` remembered, and the setup and inputs now."""

    out: Path
    old: cachelib.BuildCache
    setup: str
    inputs: str
    started: float
    groups: dict[str, str]  # a digest per kind of input (cache.Inputs)
    post_files: dict[str, tuple[int, int]]  # every file under content/posts → (size, mtime_ns)

    def unchanged(self, now: datetime) -> BuildResult | None:
        """The result of a build that has nothing to do, or None when something may have changed."""
        old = self.old
        if not (old.setup == self.setup and old.inputs == self.inputs and old.valid_at(now)):
            return None
        out = str(self.out)
        if not all(os.path.isfile(os.path.join(out, rel)) for rel in old.files):  # plain strings: 15,000 files
            return None
        pages = sum(rel.endswith(".html") for rel in old.files)
        return BuildResult(self.out, pages, len(old.files), 0, 0, 0, time.perf_counter() - self.started,
                           unchanged=True)


def setup_key(root: Path, out: Path, drafts: bool, hide_handles: bool = False) -> str:
    """Everything that changes every page at once: theme, config, versions, options."""
    try:
        config = (Path(root) / "socialgit.toml").read_bytes()
    except OSError:
        config = b""
    return cachelib.key_of(cachelib.FORMAT, __version__, installed_versions(LIBRARIES), templates_hash(root),
                           cachelib.file_hash(config), drafts, hide_handles, str(Path(out).resolve()))


def refuse_dangerous_out(root: Path, out: Path) -> None:
    """Never write the site over the calendar itself."""
    resolved, home = out.resolve(), root.resolve()
    inputs = [(home / name).resolve() for name in cachelib.INPUT_DIRS + (".git",)]
    if resolved == home or resolved in home.parents or any(resolved == d or d in resolved.parents for d in inputs):
        raise UserError(f"--out {out}: that would write the site over the calendar repository; "
                        "choose an empty folder such as site/")


def site_state(root: Path, out: Path, drafts: bool, hide_handles: bool = False, use_cache: bool = True) -> SiteState:
    started = time.perf_counter()
    refuse_dangerous_out(root, out)
    old = cachelib.load(root, out) if use_cache else cachelib.BuildCache()
    inputs = cachelib.fingerprint(root, EXTRA_INPUTS)
    return SiteState(out, old, setup_key(root, out, drafts, hide_handles), inputs.digest, started, inputs.groups,
                     inputs.kept)
