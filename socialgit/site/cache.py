"""The incremental build cache under ``.socialgit/`` (safe to delete at any time).

It remembers, per output folder: a key for every output file (a hash of all it
was made from), the hash of the bytes written (the manifest: the only files a
later build may delete), a fingerprint of every input file, and the interval of
``now`` in which the states shown stay the same. Without it a build is simply
a full build.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..ledger import write_json_atomic
from ..state import state_dir

CACHE_DIR = "site-cache"  # inside the state folder, .socialgit/ (or $SOCIALGIT_STATE_DIR)
FORMAT = 1
INPUT_DIRS = ("content", "templates")
INPUT_FILES = ("socialgit.toml",)


@dataclass
class BuildCache:
    setup: str = ""  # templates, config, versions, options: a change rebuilds every page
    inputs: str = ""  # fingerprint of the input files
    valid_from: str = ""
    valid_until: str = ""
    now: str = ""  # the time the build was made for: the same --now is always valid
    keys: dict[str, str] = field(default_factory=dict)  # output path → key of what it was made from
    files: dict[str, str] = field(default_factory=dict)  # output path → sha256 of the bytes written

    def valid_at(self, now: datetime) -> bool:
        try:
            if self.now and datetime.fromisoformat(self.now) == now:
                return True
            return datetime.fromisoformat(self.valid_from) < now < datetime.fromisoformat(self.valid_until)
        except ValueError:
            return False


def cache_path(root: Path, out: Path) -> Path:
    # one cache per output folder, so `build --out a` and `--out b` never confuse each other
    name = hashlib.sha256(str(Path(out).resolve()).encode()).hexdigest()[:16]
    return state_dir(root) / CACHE_DIR / f"{name}.json"


def load(root: Path, out: Path) -> BuildCache:
    try:
        data = json.loads(cache_path(root, out).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return BuildCache()
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return BuildCache()
    try:
        return BuildCache(str(data["setup"]), str(data["inputs"]), str(data["valid_from"]),
                          str(data["valid_until"]), str(data.get("now", "")), dict(data["keys"]), dict(data["files"]))
    except (KeyError, TypeError, ValueError):
        return BuildCache()


def save(root: Path, out: Path, cache: BuildCache) -> None:
    write_json_atomic(cache_path(root, out), {
        "format": FORMAT, "setup": cache.setup, "inputs": cache.inputs, "valid_from": cache.valid_from,
        "valid_until": cache.valid_until, "now": cache.now, "keys": cache.keys, "files": cache.files})


def git_head(root: Path) -> str:
    """The commit checked out (history on post pages comes from it); '' outside git."""
    try:
        done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def fingerprint(root: Path, extra_dirs: tuple[str, ...] = ()) -> str:
    """A hash of the name, size and mtime of every input file, and of the git HEAD.

    Stat data, not contents: one pass of stat calls is what makes a no-change
    rebuild fast. A change it cannot see (same size, same mtime) is as unlikely
    as for make; the cache is safe to delete when in doubt.
    """
    root = Path(root)
    digest = hashlib.sha256(git_head(root).encode())
    for name in INPUT_FILES:
        _add_stat(digest, root / name, name)
    lines = []
    for folder in INPUT_DIRS + tuple(extra_dirs):
        stack = [str(root / folder)]
        while stack:
            try:
                with os.scandir(stack.pop()) as entries:
                    for entry in entries:
                        if entry.is_dir(follow_symlinks=False):
                            stack.append(entry.path)
                        else:
                            info = entry.stat()
                            lines.append(f"{entry.path}\0{info.st_size}\0{info.st_mtime_ns}\n")
            except (FileNotFoundError, NotADirectoryError):
                continue
    lines.sort()
    digest.update("".join(lines).encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def _add_stat(digest, path, name: str) -> None:
    try:
        info = os.stat(path)
    except OSError:
        digest.update(f"{name}\0-\n".encode())
        return
    digest.update(f"{name}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def key_of(*parts: object) -> str:
    """A key from values with a deterministic repr (the page views are such values)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(repr(part).encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()
