"""The runner's first look: what it must know to decide that nothing needs doing, kept small.

Cron pays for `publish` every minute, and nearly every minute the answer is
"nothing is due". Deciding that used to load every receipt in full and run
`git add` and `git status` over the whole ledger. What the answer needs is:

- the state of each receipt (post, channel → state): while no file under
  content/ledger changed, one snapshot of the last walk's states; otherwise per file
  from `.socialgit/receipt-states.marshal`, trusted only while the file's size and
  change times are what they were (filecache's rule: never a file changed in the
  last 2 s; ctime too, so a restored mtime does not fool it);
- the stat of every file under content/ledger, with which socialgit.leftovers tells
  whether git must be asked about files an interrupted run left uncommitted;
- the payload hash of the few posts with a failed receipt (an edited post may be
  retried), remembered per post file and channel.

Each of these is only a shortcut: without `.socialgit/` the runner asks git and
reads every receipt, and decides the same.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
import time
from dataclasses import dataclass, field
from functools import cached_property
from importlib.util import find_spec
from pathlib import Path
from types import SimpleNamespace
from typing import Any, NamedTuple

from . import content, front_matter, ledger
from .config import Config
from .filecache import RACY_NS, FileCache, code_salt, gc_paused, installed_versions
from .ledger import LEDGER_DIR, Receipt, holds_receipts, read_receipt
from .problems import Problem
from .state import read_cache, state_dir, write_cache

class Stamp(NamedTuple):
    """What FileCache compares: the later of mtime and ctime, and the size.

    ctime cannot be set by hand: a file put back with its old mtime (cp -p, tar,
    rsync -t) still gets a new ctime, so it is read again.
    """

    st_mtime_ns: int
    st_size: int


def stamp(stat: os.stat_result) -> Stamp:
    return Stamp(max(stat.st_mtime_ns, stat.st_ctime_ns), stat.st_size)


def _is_receipt_folder(entry: os.DirEntry) -> bool:
    return entry.is_dir() and holds_receipts(entry.name)  # the same folders ledger.load_receipts reads


@dataclass
class LedgerScan:
    """One walk of content/ledger: the state of every receipt and the stat of every file."""

    states: dict[str, dict[str, str]] = field(default_factory=dict)  # post id → channel → state
    # for each folder in walk order: its path, then name, mtime, ctime, inode and size of
    # each file, then None (an order that changes with nothing else only makes the next
    # run ask git again)
    files: list = field(default_factory=list)
    newest_ns: int = 0  # the latest mtime or ctime among the files
    started_ns: int = 0  # the clock when the walk began
    linked: bool = False  # a receipt or folder of receipts is a symbolic link, whose target the stats miss

    @property
    def settled(self) -> bool:
        """No file changed within the racy window before the walk: equal stats later mean equal files."""
        return self.started_ns - self.newest_ns >= RACY_NS

    @cached_property
    def digest(self) -> str:
        return hashlib.sha256(marshal.dumps(self.files)).hexdigest()

    def receipt(self, root: Path, post_id: str, channel: str) -> tuple[Receipt | None, Problem | None]:
        """The receipt as it is on disk now, read in full whatever the states say (they only pick which);
        (None, None) when there is none, (None, why) when the file is there but unreadable."""
        try:
            return read_receipt(ledger.receipt_path(root, post_id, channel), root)
        except FileNotFoundError:
            return None, None


def _state_of(path: str, root: Path) -> str | None:
    try:
        found, _ = read_receipt(Path(path), root)
    except FileNotFoundError:  # removed since the walk listed it (a git pull): as if never there
        return None
    return found.state if found else None  # an unreadable receipt counts as none, as in load_receipts


def scan_ledger(root: Path, use_cache: bool = True) -> LedgerScan:
    """Walk content/ledger once and tell each receipt's state.

    With the cache: when no file under content/ledger changed since the last walk,
    the states are that walk's, as one snapshot; otherwise each receipt's state comes
    from the per-file cache where its stamp allows, and is read where not.
    """
    scan = LedgerScan(started_ns=time.time_ns())
    base = str(Path(root) / LEDGER_DIR)
    if not os.path.isdir(base):
        return scan
    found: list[tuple[str, os.DirEntry, os.stat_result]] = []  # receipt files: (post id, entry, lstat)
    files, newest = scan.files, 0
    stack: list[tuple[str, str | None]] = [(base, None)]  # (folder, post id when it holds receipts)
    with gc_paused():
        while stack:
            folder, post_id = stack.pop()
            top = folder == base
            try:
                entries = list(os.scandir(folder))
            except (FileNotFoundError, NotADirectoryError):
                continue
            files.append(folder)
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append((entry.path, entry.name if top and _is_receipt_folder(entry) else None))
                    continue
                try:
                    stat = entry.stat(follow_symlinks=False)
                except FileNotFoundError:
                    continue
                files += (entry.name, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino, stat.st_size)
                newest = max(newest, stat.st_mtime_ns, stat.st_ctime_ns)
                if post_id is not None and entry.name.endswith(".json"):
                    found.append((post_id, entry, stat))
                elif top and _is_receipt_folder(entry):  # a link to a folder of receipts
                    scan.linked = True
                    found += _linked_receipts(entry)
            files.append(None)
        scan.newest_ns = newest
        scan.linked = scan.linked or any(entry.is_symlink() for _, entry, _ in found)
        if not use_cache:
            for post_id, entry, stat in found:
                _read_state(scan, root, None, post_id, entry, stat)
            return scan
        salt = code_salt(sys.modules[__name__], ledger)
        snapshot = state_dir(root) / "receipt-states-snapshot.marshal"
        trusted = scan.settled and not scan.linked
        kept = _load(snapshot, salt, scan.digest) if trusted else None
        if kept is not None:
            scan.states = kept
            return scan
        cache = FileCache(root, "receipt-states", salt)
        for post_id, entry, stat in found:
            _read_state(scan, root, cache, post_id, entry, stat)
        cache.save()
        if trusted:
            write_cache(snapshot, (salt, scan.digest, scan.states))
    return scan


def _load(path: Path, salt: str, digest: str) -> dict | None:
    """The states kept with ``digest``, or None when the snapshot is missing, another, or unreadable."""
    kept = read_cache(path)
    if not (isinstance(kept, tuple) and len(kept) == 3 and kept[:2] == (salt, digest) and isinstance(kept[2], dict)):
        return None
    return kept[2]


def _read_state(scan: LedgerScan, root: Path, cache: FileCache | None, post_id: str, entry: os.DirEntry,
                stat: os.stat_result) -> None:
    if entry.is_symlink():
        try:
            stat = entry.stat()  # a linked receipt changes with its target
        except OSError:
            return
        if not entry.is_file():
            return
    read = lambda: _state_of(entry.path, root)  # noqa: E731
    state = cache.get(f"{post_id}/{entry.name}", stamp(stat), read) if cache else read()
    if state is not None:
        scan.states.setdefault(post_id, {})[entry.name[:-5]] = state  # less ".json"


def _linked_receipts(folder: os.DirEntry) -> list[tuple[str, os.DirEntry, os.stat_result]]:
    try:
        entries = list(os.scandir(folder.path))
    except OSError:
        return []
    found = []
    for entry in entries:
        if entry.name.endswith(".json") and not entry.is_dir():
            try:
                found.append((folder.name, entry, entry.stat()))
            except FileNotFoundError:
                continue
    return found


# --- payload hashes of posts with a failed receipt ---------------------------------------------

class PayloadHashes:
    """post file and channel → the payload hash its text has now; parsed only when the file changed."""

    def __init__(self, config: Config, use_cache: bool = True):
        self.config = config
        self._parsed: dict[str, Any] = {}
        if use_cache:
            # a payload is the post as parsed (content, front_matter, YAML) turned into network text
            # (plaintext, Markdown): read their source and versions, import none of them
            plaintext = SimpleNamespace(__file__=find_spec("socialgit.plaintext").origin)
            salt = "|".join((config.timezone.key, ",".join(sorted(config.channels)), sys.version,
                             code_salt(content, front_matter, plaintext),
                             installed_versions({"markdown": "markdown", "yaml": "pyyaml"})))
            self.cache: FileCache | None = FileCache(config.root, "payload-hashes", salt)
        else:
            self.cache = None

    def get(self, rel: str, channel: str) -> str | None:
        """None when the post cannot be read as a usable post now."""
        compute = lambda: self._compute(rel, channel)  # noqa: E731
        if self.cache is None:
            return compute()
        try:
            mark = stamp(os.stat(self.config.root / rel))
        except FileNotFoundError:
            return None
        return self.cache.get(f"{rel}\n{channel}", mark, compute)

    def _compute(self, rel: str, channel: str) -> str | None:
        if rel not in self._parsed:
            try:
                post, problems = content.read_post(self.config, rel)
            except FileNotFoundError:
                post, problems = None, []
            self._parsed[rel] = None if post is None or any(p.level == "error" for p in problems) else post
        post = self._parsed[rel]
        return post.payload_hash(channel) if post is not None else None

    def save(self) -> None:
        if self.cache is not None:
            self.cache.save()
