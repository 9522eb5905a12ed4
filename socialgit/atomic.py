"""Writing the files the team keeps in git: whole or not at all, and never over another by accident.

Receipts, feedback, metrics and outbox posts are what the runner recorded; a
crash must leave the old file or the new one, never half, and a file that is
new by contract (a feedback item, an outbox post) must never replace one that
a concurrent run wrote first. Every file is readable like the rest of the
checkout (mkstemp would leave it private to the runner's user).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

_MODE = 0o644  # as public as the repository they live in


def write_json_atomic(path: Path, data: Any) -> None:
    """Replace ``path`` with ``data`` as stable, sorted JSON (small diffs in git)."""
    write_text_atomic(path, json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n")


def write_text_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text``; readers and a crash see the old file or the new one."""
    temp = _durable_temp(path, text.encode("utf-8"))
    try:
        os.replace(temp, path)
    except BaseException:
        os.unlink(temp)
        raise


def write_new(path: Path, data: str | bytes) -> bool:
    """Create ``path`` with ``data`` unless it exists; False, and nothing written, if it did.

    Linking the finished temporary file into place fails when the name is taken,
    so "never overwrite" holds even against a concurrent writer.
    """
    temp = _durable_temp(path, data.encode("utf-8") if isinstance(data, str) else data)
    try:
        try:
            os.link(temp, path)
        except FileExistsError:
            return False
        except OSError:
            # a file system without hard links: a last look, then rename
            if path.exists():
                return False
            os.replace(temp, path)
        _sync_folder(path.parent)
        return True
    finally:
        if os.path.exists(temp):
            os.unlink(temp)


def _durable_temp(path: Path, data: bytes) -> str:
    """A temporary file beside ``path`` holding ``data``, fsynced and readable; removed if writing fails."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp, _MODE)
    except BaseException:
        os.unlink(temp)
        raise
    return temp


def _sync_folder(folder: Path) -> None:
    """Make the new name itself durable; not every platform can open a folder for that."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
