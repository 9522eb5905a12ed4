"""The incremental build cache under ``.socialgit/`` (safe to delete at any time).

It remembers, per output folder: a key for every output file (a hash of all it
was made from), the hash of the bytes written (the manifest: the only files a
later build may delete), a fingerprint of every input file, and the interval of
``now`` in which the states shown stay the same. Without it a build is simply
a full build.
"""

from __future__ import annotations

import dataclasses
import hashlib
import marshal
import operator
import os
import subprocess
import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, NamedTuple

from ..filecache import POSTS_DIR
from ..state import read_cache, state_dir, write_cache

CACHE_DIR = "site-cache"  # inside the state folder, .socialgit/ (or $SOCIALGIT_STATE_DIR)
FORMAT = 2
INPUT_DIRS = ("content", "templates")
INPUT_FILES = ("socialgit.toml",)
HEAD_GROUP = "HEAD"  # Inputs.groups' name for the commit checked out; folders go by their first two names


@dataclass
class BuildCache:
    setup: str = ""  # templates, config, versions, options: a change rebuilds every page
    inputs: str = ""  # fingerprint of the input files
    valid_from: str = ""
    valid_until: str = ""
    now: str = ""  # the time the build was made for: the same --now is always valid
    keys: dict[str, str] = field(default_factory=dict)  # output path → key of what it was made from
    files: dict[str, str] = field(default_factory=dict)  # output path → sha256 of the bytes written

    def still_has(self, path: str, key: str, out: str | Path) -> bool:
        """Whether the output file ``path`` under ``out`` is still there as made from what ``key`` names."""
        return self.keys.get(path) == key and path in self.files and os.path.isfile(os.path.join(out, path))

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
    return state_dir(root) / CACHE_DIR / f"{name}.marshal"


def load(root: Path, out: Path) -> BuildCache:
    try:
        version, *fields = read_cache(cache_path(root, out))
        if version != FORMAT:
            return BuildCache()
        return BuildCache(*fields)
    except (TypeError, ValueError):  # none, or not this version's shape
        return BuildCache()


def save(root: Path, out: Path, cache: BuildCache) -> None:
    # marshal, not JSON: a no-change rebuild reads it whole (15,000 pages' keys at 10,000 posts)
    write_cache(cache_path(root, out), (FORMAT, *(getattr(cache, f.name) for f in dataclasses.fields(cache))))


def git_head(root: Path) -> str:
    """The commit checked out (history on post pages comes from it); '' outside git."""
    try:
        done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


class Inputs(NamedTuple):
    digest: str  # of everything below
    groups: dict[str, str]  # per kind of input (git HEAD, socialgit.toml, content/posts, content/feedback, ...)
    kept: dict[str, tuple[int, int]]  # every file under fingerprint's ``keep`` folder → (size, mtime_ns)


def _group(rel: str) -> str:
    """The kind of input a folder holds: its first two path components ('content/posts')."""
    return "/".join(rel.strip("/").split("/")[:2])


def fingerprint(root: Path, extra_dirs: tuple[str, ...] = (), keep: str = POSTS_DIR) -> Inputs:
    """Hashes of the name, size and mtime of every input file and of the git HEAD, per kind of input, and the whole.

    Stat data, not contents: one pass of stat calls is what makes a no-change
    rebuild fast. A change it cannot see (same size, same mtime) is as unlikely
    as for make; the cache is safe to delete when in doubt. The folders are walked
    in a fixed order (names sorted), each first-level folder on its own, so the
    biggest can be walked by a second process: the same hash, in half the time.
    The digests per kind let a rebuild tell "only posts were edited" apart; the
    whole is the hash of those, so no byte is hashed twice. The stat rows of the
    ``keep`` folder are kept too: they tell which posts were edited.
    """
    root = Path(root)
    groups: dict[str, Any] = {}

    def add(group: str, data: bytes) -> None:
        (groups.get(group) or groups.setdefault(group, hashlib.sha256())).update(data)

    add(HEAD_GROUP, git_head(root).encode())
    for name in INPUT_FILES:
        add(name, _stat_row(root / name, name))
    base = str(root)
    # two levels here (content/, content/feedback/), then each folder below on its own
    frontier = [os.path.join(base, folder) for folder in INPUT_DIRS + tuple(extra_dirs)]
    kept: dict[str, tuple[int, int]] = {}
    inside = os.path.join(base, keep)

    def keeping(folder: str, rows: list) -> None:
        if folder == inside or folder.startswith(inside + os.sep):
            rel = folder[len(base) + 1:].replace(os.sep, "/")
            kept.update((f"{rel}/{name}", (size, mtime)) for name, size, mtime in rows)

    for _ in range(2):
        below = []
        for folder in frontier:
            rows, subdirs = _listing(folder)
            if rows is not None:
                keeping(folder, rows)
                rel = folder[len(base):]
                add(_group(rel), _walked(rel, rows))
                below += subdirs
        frontier = below
    # the kept folder's trees are walked here, the others shared with a second process
    mine = [top for top in frontier if top.startswith(inside + os.sep)]
    digests = dict(zip(mine, (_tree_digest(top, keeping) for top in mine)))
    others = [top for top in frontier if top not in digests]
    digests.update(zip(others, _tree_digests(others)))
    for top in frontier:
        rel = top[len(base):]
        add(_group(rel), f"{rel}\0".encode("utf-8", "surrogateescape") + digests[top])
    parts = {name: found.hexdigest() for name, found in sorted(groups.items())}
    whole = hashlib.sha256("".join(f"{name}\0{part}\n" for name, part in parts.items()).encode("utf-8", "surrogateescape"))
    return Inputs(whole.hexdigest(), parts, kept)


def _listing(folder: str) -> tuple[list | None, list[str]]:
    """(name, size, mtime of each file; the sub-folders), sorted by name; (None, []) if no folder."""
    try:
        with os.scandir(folder) as scan:
            entries = list(scan)
    except (FileNotFoundError, NotADirectoryError):
        return None, []
    rows, subdirs = [], []
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            subdirs.append(entry.path)
            continue
        try:
            info = entry.stat()
        except OSError:  # a dangling link
            rows.append((entry.name, -1, -1))
            continue
        rows.append((entry.name, info.st_size, info.st_mtime_ns))
    rows.sort()
    subdirs.sort()
    return rows, subdirs


def _walked(folder: str, rows: list) -> bytes:
    # marshal (version 0: no references) writes the rows in one call, by content alone
    return marshal.dumps((folder, rows), 0)


def _tree_digest(top: str, seen: Callable[[str, list], None] | None = None) -> bytes:
    digest = hashlib.sha256()
    stack = [top]
    while stack:
        folder = stack.pop()
        rows, subdirs = _listing(folder)
        if rows is None:
            continue
        if seen is not None:
            seen(folder, rows)
        digest.update(_walked(folder[len(top):], rows))
        stack.extend(reversed(subdirs))
    return digest.digest()


def _tree_digests(tops: list[str]) -> list[bytes]:
    """_tree_digest of each folder, every other one in a forked process when that is safe.

    Only from a process with one thread: a fork copies no other thread, and with it
    no lock one might hold. Whatever happens to the child, the parent walks its share.
    """
    if len(tops) < 64 or not hasattr(os, "fork") or threading.active_count() > 1:
        return [_tree_digest(top) for top in tops]
    theirs = tops[1::2]
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: walk its share, send the digests, leave without any cleanup
        status = 1
        try:
            os.close(read_end)
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(b"".join(_tree_digest(top) for top in theirs))
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    try:
        mine = [_tree_digest(top) for top in tops[0::2]]
        with os.fdopen(read_end, "rb") as pipe:
            received = pipe.read()
    finally:
        _, status = os.waitpid(pid, 0)
    size = hashlib.sha256().digest_size
    if status != 0 or len(received) != size * len(theirs):
        received = b"".join(_tree_digest(top) for top in theirs)
    found = [received[i:i + size] for i in range(0, len(received), size)]
    return [digest for pair in zip(mine, found + [b""]) for digest in pair][:len(tops)]


def _stat_row(path, name: str) -> bytes:
    try:
        info = os.stat(path)
    except OSError:
        return f"{name}\0-\n".encode()
    return f"{name}\0{info.st_size}\0{info.st_mtime_ns}\n".encode()


def write_output(out: Path, rel: str, data: bytes | list, known: str | None) -> tuple[str, bool]:
    """Write the site's file ``rel`` unless it already holds exactly ``data`` (sha256 ``known``); (hash, written).

    ``data`` may be a list of pieces (bytes, memoryviews) to write one after the other:
    calendar.ics patched is 30 MB at 10,000 posts, and joining them would copy it twice.
    """
    pieces = data if isinstance(data, list) else [data]
    digest = hashlib.sha256()
    for piece in pieces:
        digest.update(piece)
    digest = digest.hexdigest()
    target = os.path.join(out, rel)
    if known == digest and os.path.isfile(target):
        return digest, False
    folder, name = os.path.split(target)
    if not os.path.isdir(folder):  # one stat; Path.mkdir(parents=True) costs ten times that
        os.makedirs(folder, exist_ok=True)
    temp = os.path.join(folder, f".{name}.tmp")
    with open(temp, "wb") as handle:
        for piece in pieces:
            handle.write(piece)
    os.replace(temp, target)
    return digest, True


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# marshal (version 0: no references, so the bytes depend on content alone, never on what is
# shared or interned) writes these exactly and tells their types apart: True is not 1, 1.0 is not 1
_LEAVES = frozenset({str, int, float, bool, type(None)})


class Digests:
    """Content digests of plain values (the page views), each shared part digested once.

    The views of a big site share most of their parts (a feedback entry sits on its
    post's page and on several log pages; a chip on a month, a week and a list), so
    hashing each page's repr did the same work many times over: ~10 s at 10,000
    posts. Here every dataclass instance is digested once, by identity, for as long
    as this object lives (the views must not change meanwhile; they are frozen); the
    tuples, lists and dicts in them are digested with the view that holds them. The digest is of the content alone: the same values give the
    same digest in any process, whichever objects they share. A value's leaves go to
    marshal in one call; other values stand in by their digest (32 bytes, never a
    leaf: marshal keeps bytes apart from text). Values other than those, containers
    and dataclasses are taken by their repr, which must be deterministic.
    """

    def __init__(self) -> None:
        self.memo: dict[int, bytes] = {}
        self.keep: list = []  # what the memo is keyed on stays alive, so no id is reused
        self.shapes: dict[type, tuple[bytes, Callable[[Any], tuple] | None]] = {}

    def of(self, value: Any) -> bytes:
        found = self.memo.get(id(value))
        if found is not None:
            return found
        kind = type(value)
        if kind is tuple or kind is list:
            items, head = value, b"T" if kind is tuple else b"L"
        elif kind is dict:
            items, head = [x for pair in value.items() for x in pair], b"D"
        else:
            shape = self.shapes.get(kind) or self._shape(kind)
            if shape[1] is None:
                return b"R" + repr(value).encode("utf-8", "surrogatepass")
            items, head = shape[1](value), shape[0]
        parts = [item if type(item) in _LEAVES else self.of(item) for item in items]
        digest = hashlib.sha256(head + marshal.dumps(parts, 0)).digest()
        if head[:1] == b"C":
            # only views are shared between pages; remembering every tuple inside them too
            # held a million digests (150 MB) for 100,000 feedback entries
            self.memo[id(value)] = digest
            self.keep.append(value)
        return digest

    def _shape(self, kind: type) -> tuple[bytes, Callable[[Any], tuple] | None]:
        if dataclasses.is_dataclass(kind):
            names = [f.name for f in dataclasses.fields(kind)]
            head = f"C{kind.__module__}.{kind.__qualname__}({','.join(names)})".encode()
            getter = operator.attrgetter(*names) if len(names) > 1 else (lambda v, n=names[0]: (getattr(v, n),))
            shape = (head, getter)
        else:
            shape = (b"", None)
        self.shapes[kind] = shape
        return shape

    def key(self, *parts: object) -> str:
        """A hex key for ``parts`` together."""
        return hashlib.sha256(self.of(parts)).hexdigest()


def key_of(*parts: object) -> str:
    """A key from plain values (see Digests); for one-off keys, nothing shared with other calls."""
    return Digests().key(*parts)
