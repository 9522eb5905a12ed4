"""Did an interrupted run leave anything uncommitted under content/ledger? Git is asked only when it may have.

Asking git (`git status` over a ledger of ~35,000 files and an index of ~150,000)
cost most of a quiet minute at 10,000 posts. So, right after git found the ledger
clean, a digest is recorded in `.socialgit/ledger-clean.marshal` of: every file's
stat under content/ledger (from the runner's walk, quicklook.scan_ledger), HEAD and
its branch (by content), and the stat of the index, packed-refs and the ignore files.
While the digest is the same nothing can have changed, and git is not asked; a
commit, reset, pull, `git add` or any edit changes it. Nothing is recorded while any
of those files is inside the 2 s racy window, where a second change could keep the
first one's stat. In a plain repository all of it is read from .git without loading
GitPython; worktrees and GIT_* overrides go through GitPython, and without the
record git is simply asked every run.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import time
from pathlib import Path
from typing import NamedTuple

from .filecache import RACY_NS
from .ledger import LEDGER_DIR
from .quicklook import LedgerScan
from .state import read_cache, state_dir, write_cache

CLEAN_FILE = "ledger-clean.marshal"


def uncommitted(root: Path) -> bool:
    """Whether git sees anything under content/ledger that HEAD has not: changed, new, removed or staged.

    One `git status` where `git add` and then `git status` cost twice as much: when
    it shows nothing, the add would have added nothing.
    """
    from . import gitrepo  # GitPython is imported only when git has to be asked

    with gitrepo.open_repo(root) as repo:
        return bool(repo.git.status("--porcelain", "--", LEDGER_DIR).strip())


class GitState(NamedTuple):
    """What a commit, reset, add or pull changes: HEAD, the index, and the ignore files that decide what
    `git add` takes."""

    key: tuple
    newest_ns: int  # the latest change among the files ``key`` holds by their stat


_GIT_ENVIRONMENT = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR", "GIT_OBJECT_DIRECTORY")


def plain_git_dir(root: Path) -> Path | None:
    """``root/.git`` when git reads it as it is: a folder, not a worktree's, without reftable or GIT_* overrides."""
    if any(os.environ.get(name) for name in _GIT_ENVIRONMENT):
        return None
    git_dir = Path(root) / ".git"
    if not git_dir.is_dir() or (git_dir / "commondir").exists() or (git_dir / "reftable").exists():
        return None
    return git_dir


def head_ref(root: Path) -> str | None:
    """The ref HEAD names, like "refs/heads/main", read from .git/HEAD; None when detached or not that plain."""
    git_dir = plain_git_dir(root)
    try:
        text = (git_dir / "HEAD").read_text(encoding="utf-8") if git_dir else ""
    except (OSError, UnicodeDecodeError):
        return None
    return text[len("ref: "):].strip() if text.startswith("ref: ") else None


def _file_stat(path: Path) -> tuple:
    try:
        found = os.stat(path)
    except FileNotFoundError:
        return ()
    return found.st_mtime_ns, found.st_ctime_ns, found.st_ino, found.st_size


def git_state(root: Path) -> GitState | None:
    """HEAD and its branch by content, the index, packed refs and ignore files by stat. None: cannot tell.

    Read from .git without GitPython in a plain repository, so a quiet run never loads it.
    """
    git_dir = plain_git_dir(root)
    if git_dir is None:
        return _git_state_asked(root)
    try:
        head = (git_dir / "HEAD").read_bytes()
        tip = None
        if head.startswith(b"ref: "):
            ref = git_dir / head[len(b"ref: "):].strip().decode("utf-8")
            tip = ref.read_bytes() if ref.is_file() else b""  # b"": the branch is only in packed-refs
    except (OSError, UnicodeDecodeError):
        return None
    if tip and tip.startswith(b"ref: "):
        return _git_state_asked(root)  # a branch that points to another ref: let GitPython follow it
    by_stat = (_file_stat(git_dir / "packed-refs"), _file_stat(git_dir / "index"),
               *_ignore_stats(root, git_dir))
    if not by_stat[1]:
        return None
    return GitState(("plain", head, tip, by_stat), _newest(by_stat))


def _git_state_asked(root: Path) -> GitState | None:
    from . import gitrepo

    try:
        with gitrepo.open_repo(root) as repo:
            head = repo.head.commit.hexsha if repo.head.is_valid() else ""
            git_dir = Path(repo.git_dir)
    except (OSError, ValueError, gitrepo.UserError):
        return None
    if os.environ.get("GIT_INDEX_FILE"):
        return None  # an index elsewhere: leave it to git
    by_stat = (_file_stat(git_dir / "index"), *_ignore_stats(root, git_dir))
    if not by_stat[0]:
        return None
    return GitState(("asked", head, by_stat), _newest(by_stat))


def _ignore_stats(root: Path, git_dir: Path) -> tuple:
    return tuple(_file_stat(p) for p in (Path(root) / ".gitignore", Path(root) / "content" / ".gitignore",
                                         git_dir / "info" / "exclude"))


def _newest(stats: tuple) -> int:
    return max((max(found[0], found[1]) for found in stats if found), default=0)


def _digest(root: Path, scan: LedgerScan, git: GitState) -> str:
    return hashlib.sha256(marshal.dumps((str(Path(root).resolve()), git.key, scan.digest))).hexdigest()


def _clean_path(root: Path) -> Path:
    return state_dir(root) / CLEAN_FILE


def still_clean(root: Path, scan: LedgerScan, git: GitState | None) -> bool:
    """True when nothing under content/ledger, HEAD or the index changed since git last found it clean."""
    if git is None or not scan.settled:
        return False
    recorded = read_cache(_clean_path(root))
    return isinstance(recorded, str) and recorded == _digest(root, scan, git)


def remember_clean(root: Path, scan: LedgerScan, git: GitState | None) -> bool:
    """Record that git has just found the ledger clean as ``scan`` saw it; False when that cannot be trusted.

    Called after the commit of leftovers, with the git state after it. The files were
    statted before git looked: one that changed since then has another stat, and the
    next run asks git again. A file or an index changed within the racy window might
    change again without a new stat, so then nothing is recorded.
    """
    path = _clean_path(root)
    path.unlink(missing_ok=True)
    if git is None or not scan.settled or time.time_ns() - git.newest_ns < RACY_NS:
        return False
    return write_cache(path, _digest(root, scan, git))  # False in a read-only state folder: git is asked every run
