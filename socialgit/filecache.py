"""Parsed files remembered between runs, keyed by path, mtime and size.

Cron pays for `publish` every minute; re-reading 10,000 posts to learn that
nothing is due is most of that cost. The cache lives in `.socialgit/` and is
only ever a shortcut: a missing, stale or unreadable cache means parsing again,
never a different answer.

Values are kept with marshal as plain tuples, through a codec the caller gives
(a value → plain data, and back): loading 100,000 parsed feedback files that way
takes a fraction of a second, where pickled dataclasses took several.
"""

from __future__ import annotations

import gc
import hashlib
import marshal
import os
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from importlib.util import find_spec
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, NamedTuple, TypeVar
from zoneinfo import ZoneInfo

from . import __version__, progress
from .problems import Problem
from .state import read_pieces, state_dir, write_pieces

T = TypeVar("T")
POSTS_DIR = "content/posts"  # here, where the light modules (the site's fingerprint) find them too
FEEDBACK_DIR = "content/feedback"
RACY_NS = 2_000_000_000
FORMAT = 2
Codec = tuple[Callable[[Any], Any], Callable[[Any], Any]]  # (to plain data, from plain data)
_PLAIN: Codec = (lambda value: value, lambda data: data)


@contextmanager
def gc_paused():
    """No cycle collection while loading: parsed files are acyclic, and with a million of them
    alive every collection would walk them all again (a third of a warm load's time)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def code_salt(*modules) -> str:
    """A digest of the modules' source: a changed parser never trusts what the old one cached."""
    digest = hashlib.sha256()
    for module in modules:
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()[:16]


def installed_versions(libraries: Mapping[str, str]) -> str:
    """The installed versions of ``libraries`` (module → distribution name), from their dist-info folders' names.

    importlib.metadata answers the same but costs an import and a scan of every
    installed distribution; commands that only ask whether a cache still holds run often.
    """
    found = []
    for module, dist in libraries.items():
        spec = find_spec(module)
        folder = Path(spec.origin).parent.parent if spec and spec.origin else None
        names = os.listdir(folder) if folder and folder.is_dir() else []  # not a zip import
        found.append(",".join(sorted(n for n in names if n.lower().startswith(f"{dist}-")
                                     and n.endswith(".dist-info"))))
    return "|".join(found)


def moment_data(moment: datetime | None) -> Any:
    """A datetime as plain data: its ISO text, with the IANA key and fold when its zone is one."""
    if moment is None:
        return None
    zone = moment.tzinfo
    if isinstance(zone, ZoneInfo):
        if zone.key is None:
            raise ValueError("a time zone without a key cannot be cached")
        return (moment.replace(tzinfo=None).isoformat(), zone.key, moment.fold)
    # ISO text keeps a plain offset; a named offset or another tzinfo class would come back different
    if zone is not None and (type(zone) is not timezone or repr(zone) != repr(timezone(zone.utcoffset(None)))):
        raise ValueError("only IANA zones and plain offsets can be cached")
    return moment.isoformat()


def moment_from(data: Any) -> datetime | None:
    if data is None:
        return None
    if isinstance(data, tuple):
        text, key, fold = data
        return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(key), fold=fold)
    return datetime.fromisoformat(data)


def problems_data(problems: Iterable[Problem]) -> list[tuple]:
    return [(p.path, p.line, p.level, p.message) for p in problems]


def problems_from(data: Iterable[tuple]) -> list[Problem]:
    return [Problem(*fields) for fields in data]


def restore(cls: type[T], fields: dict[str, Any]) -> T:
    """An instance of a (frozen) dataclass from its field values, as pickle restores one.

    No __init__ runs: the values were those of an instance when they were cached.
    """
    instance = object.__new__(cls)
    if hasattr(instance, "__dict__"):
        instance.__dict__.update(fields)
    else:  # slots
        for name, value in fields.items():
            object.__setattr__(instance, name, value)
    return instance


class Stat(NamedTuple):
    """What the caches compare of a file's stat: an os.stat_result and its twenty fields
    take ~800 bytes, 80 MB for a calendar's 100,000 feedback files."""

    st_mtime_ns: int
    st_size: int


FileStat = os.stat_result | Stat  # the caches read st_mtime_ns and st_size of either


class FileCache:
    def __init__(self, root: Path, name: str, salt: str, codec: Codec = _PLAIN):
        self.path = state_dir(root) / f"{name}.pieces"
        self.salt = f"{FORMAT}|{__version__}|{salt}"
        self.encode, self.decode = codec
        self.entries: dict[str, tuple[int, int, Any]] = {}  # rel → (mtime ns, size, plain data)
        self.seen: set[str] = set()
        self.dirty = False
        with gc_paused():
            kept = read_pieces(self.path)
        if kept is not None and kept[0] == self.salt:
            self.entries = kept[1]  # else no cache, or one from another version: parse everything

    def get(self, rel: str, stat: FileStat, parse: Callable[[], T]) -> T:
        found, value = self.lookup(rel, stat)
        if found:
            return value
        value = parse()
        self.put(rel, stat, value)
        return value

    def lookup(self, rel: str, stat: FileStat, now: int | None = None) -> tuple[bool, Any]:
        """(True, value) remembered for the file as it is now, or (False, None): parse it and ``put`` it."""
        self.seen.add(rel)
        # "racy git": file times tick in milliseconds, so a file changed twice within
        # one tick keeps its mtime; a file younger than RACY is never trusted or stored
        if (now or time.time_ns()) - stat.st_mtime_ns < RACY_NS:
            self.entries.pop(rel, None)
            return False, None
        entry = self.entries.get(rel)
        if entry and entry[0] == stat.st_mtime_ns and entry[1] == stat.st_size:
            try:
                return True, self.decode(entry[2])
            except (TypeError, ValueError, IndexError, KeyError):
                pass  # data of another shape: parse again
        return False, None

    def put(self, rel: str, stat: FileStat, value: Any, now: int | None = None, encoded: Any = None) -> None:
        """Remember ``value`` for the file as ``stat`` saw it, unless it is too young to trust."""
        if (now or time.time_ns()) - stat.st_mtime_ns >= RACY_NS:
            self._store(rel, stat, value, encoded)

    def _store(self, rel: str, stat: FileStat, value: Any, encoded: Any = None) -> None:
        try:
            data = self.encode(value) if encoded is None else encoded
        except ValueError:
            self.entries.pop(rel, None)  # a value the codec cannot keep: parsed again next time
            return
        self.entries[rel] = (stat.st_mtime_ns, stat.st_size, data)
        self.dirty = True

    def get_all(self, files: list[tuple[str, str, FileStat]], parse: Callable[[str, str], T]) -> list[T]:
        """``get`` for many files at once: (rel, path, stat) → parse(rel, path), the misses on every core."""
        values: list = [None] * len(files)
        todo: list[int] = []
        now = time.time_ns()
        for index, (rel, _, stat) in enumerate(files):
            found, values[index] = self.lookup(rel, stat, now)
            if not found:
                todo.append(index)
        for index, (value, encoded) in zip(todo, parse_all([files[i][:2] for i in todo], parse, self.encode,
                                                           self.decode)):
            values[index] = value
            rel, _, stat = files[index]
            self.put(rel, stat, value, now, encoded)
        return values

    def keep(self, rels: Iterable[str]) -> None:
        """These files still exist though this run asked about others only: save() keeps what it knows of them."""
        self.seen.update(rels)

    def save(self) -> None:
        gone = set(self.entries) - self.seen
        for rel in gone:
            del self.entries[rel]
        if not (self.dirty or gone):
            return
        # in pieces: one marshal of 100,000 feedback files' entries was 57 MB more at the build's peak
        write_pieces(self.path, self.salt, self.entries)


POOL_MIN = 2000  # files to parse before a second process pays off (~0.1 ms a file, ~30 ms a fork)


def parse_all(files: list[tuple], parse: Callable[..., T], encode: Callable[[T], Any],
              decode: Callable[[Any], T]) -> list[tuple[T, Any]]:
    """(parse(*args), its encoding or None) for the args of each file (rel, path); with many, a share in each
    forked process. Any costly pure work fits (calendar.ics makes its events with it).

    A worker sends its values encoded (marshal is quick to pass and to read); a value
    it cannot encode, or a worker that fails, is parsed here instead. Only from a
    process with one thread: a fork copies no other thread, and no lock one holds.
    """
    shares = min(os.cpu_count() or 1, 4)
    if len(files) < POOL_MIN or shares < 2 or not hasattr(os, "fork") or threading.active_count() > 1:
        found = []
        for index, args in enumerate(files):
            found.append((parse(*args), None))
            if not index % 512:
                progress.advance(index, len(files))
        progress.advance(len(files), len(files))
        return found
    children = []
    for share in range(1, shares):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # a worker: parse its share, send it, leave without any cleanup
            status = 1
            try:
                os.close(read_end)
                found = []
                for args in files[share::shares]:
                    try:
                        found.append(encode(parse(*args)))
                    except ValueError:
                        found.append(_UNSENT)
                with os.fdopen(write_end, "wb") as pipe:
                    pipe.write(marshal.dumps(found))
                status = 0
            finally:
                os._exit(status)
        os.close(write_end)
        children.append((share, pid, read_end))
    results: list = [None] * len(files)
    for index in range(0, len(files), shares):
        results[index] = (parse(*files[index]), None)
        if not index % 512:  # the workers keep the same pace: this process's share tells how far all are
            progress.advance(index, len(files))
    for share, pid, read_end in children:
        with os.fdopen(read_end, "rb") as pipe:
            data = pipe.read()
        _, status = os.waitpid(pid, 0)
        try:
            sent = marshal.loads(data) if status == 0 else None
        except (EOFError, ValueError, TypeError):
            sent = None
        del data  # as big as the worker's share of the values: not kept while they are decoded
        indexes = range(share, len(files), shares)
        if sent is None or len(sent) != len(indexes):
            sent = [_UNSENT] * len(indexes)
        for index, encoded in zip(indexes, sent):
            results[index] = (parse(*files[index]), None) if encoded == _UNSENT else (decode(encoded), encoded)
    progress.advance(len(files), len(files))
    return results


_UNSENT = "\0unsent"  # marks a value a worker could not encode


def repo_files(root: Path, folder: str, suffix: str) -> list[tuple[str, str, Stat]]:
    """(path from the repository, path, stat) of every file under ``folder`` ending in ``suffix``, sorted.

    Each file's row is made while its folder is scanned: a DirEntry kept until the
    end holds its whole stat, and 100,000 of them were the read stage's peak.
    """
    base = str(root / folder)
    prefix = len(base)  # scandir paths start with str(base), whatever form root was given in ("." too)
    found = []
    stack = [base]
    while stack:
        current = stack.pop()
        try:
            with os.scandir(current) as scan:
                entries = list(scan)
        except FileNotFoundError:  # gone since its parent was listed
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                stack.append(entry.path)
            elif entry.name.endswith(suffix):
                info, path = entry.stat(), entry.path
                found.append((folder + path[prefix:].replace(os.sep, "/"), path, Stat(info.st_mtime_ns, info.st_size)))
    found.sort(key=lambda row: row[1])
    return found
