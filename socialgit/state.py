"""`.socialgit/`: caches, sessions and the run lock — local, disposable, never in git."""

from __future__ import annotations

import fcntl
import marshal
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator

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


class AlreadyRunning(Exception):
    pass


@contextmanager
def run_lock(root: Path) -> Iterator[None]:
    """flock on .socialgit/run.lock: a second runner exits at once instead of waiting."""
    handle = open(state_dir(root) / "run.lock", "a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AlreadyRunning() from None
        handle.seek(0), handle.truncate(), handle.write(f"{os.getpid()}\n"), handle.flush()
        yield
    finally:
        handle.close()


def read_cache(path: Path) -> Any:
    """What write_cache kept at ``path``; None when there is no such file or it cannot be read."""
    try:
        with open(path, "rb") as handle:
            return marshal.loads(handle.read())  # marshal.load(handle) reads piecemeal: 5x slower
    except (OSError, EOFError, ValueError, TypeError):
        return None


def write_cache(path: Path, value: Any) -> bool:
    """Replace the cache file ``path`` with ``value`` in marshal; False if it cannot be kept.

    A cache is a shortcut: a read-only checkout or a value marshal cannot hold only
    means the next run works it out again.
    """
    try:
        data = marshal.dumps(value)
    except ValueError:
        return False
    return _replace(path, [data])


def write_pieces(path: Path, head: Any, entries: dict, size: int = 1024) -> bool:
    """write_cache for a big dict, ``size`` entries marshalled at a time (read_pieces reads it back).

    marshal.dumps of the whole would be a second copy of it all while it is written:
    10,000 events of calendar.ics were 35 MB more at the full build's peak. Once it is
    written, what earlier versions kept under the same name in another format goes.
    """
    def pieces():
        items, lengths = list(entries.items()), []
        for start in range(0, len(items), size):
            piece = marshal.dumps(dict(items[start:start + size]))
            lengths.append(len(piece))
            yield piece
        trailer = marshal.dumps((head, tuple(lengths)))  # written last: only then are the lengths known
        yield trailer
        yield len(trailer).to_bytes(8, "little")

    try:
        if not _replace(path, pieces()):
            return False
    except ValueError:  # a value marshal cannot hold
        return False
    for earlier in (".pickle", ".marshal"):  # earlier versions' formats: they would only take space
        try:
            path.with_suffix(earlier).unlink(missing_ok=True)
        except OSError:
            pass
    return True


def read_pieces(path: Path) -> tuple[Any, dict] | None:
    """(head, entries) that write_pieces kept at ``path``; None when there is none or it cannot be read."""
    try:
        with open(path, "rb") as handle:
            data = memoryview(handle.read())
        end = len(data) - 8
        start = end - int.from_bytes(data[end:], "little")
        if end < 0 or start < 0:
            return None
        head, lengths = marshal.loads(data[start:end])
        entries: dict = {}
        offset = 0
        for length in lengths:
            entries.update(marshal.loads(data[offset:offset + length]))
            offset += length
        return (head, entries) if offset == start else None
    except (OSError, EOFError, ValueError, TypeError):
        return None


def _replace(path: Path, pieces: Iterable[bytes]) -> bool:
    """Readers see the old file or the new one, never half; a temporary file left by a failure is removed."""
    temp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(handle, "wb") as stream:
            for piece in pieces:
                stream.write(piece)
        os.replace(temp, path)
        temp = None
        return True
    except OSError:
        return False
    finally:
        if temp is not None and os.path.exists(temp):
            os.unlink(temp)
