"""The git side of a calendar repository, through GitPython: diffs, old trees, history.

Kept in one place so commands stay thin and git errors become one-line UserErrors.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from .problems import UserError

if TYPE_CHECKING:
    import git
# GitPython (~70 ms to import) loads in the functions that ask git: a site rebuild from
# remembered history, or a publish with nothing due, never does


def open_repo(root: Path) -> git.Repo:
    """The repository at ``root``; use it in a ``with`` block, so the git processes it starts end with it
    (`serve` and the runner's loop ask git again and again in one process)."""
    import git

    try:
        return git.Repo(root, search_parent_directories=False)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise UserError(f"{root}: not a git repository; run `git init` there, or pass --root") from None


def _resolve(repo: git.Repo, rev: str) -> git.Commit:
    import git

    try:
        return repo.commit(rev)
    except (git.BadName, ValueError, git.GitCommandError):
        raise UserError(f'"{rev}" is not a commit, branch or tag in this repository; '
                        "fetch it first (git fetch origin) or name another") from None


def changed_paths(root: Path, base: str, head: str | None = None) -> set[str]:
    """Files that differ between the merge base with ``base`` and ``head`` (default: the working tree)."""
    with open_repo(root) as repo:
        base_commit = _resolve(repo, base)
        tip = _resolve(repo, head) if head else (repo.head.commit if repo.head.is_valid() else None)
        merge_bases = repo.merge_base(base_commit, tip) if tip else []
        start = merge_bases[0] if merge_bases else base_commit
        paths = set()
        for diff in start.diff(tip if head else None):
            paths.update(p for p in (diff.a_path, diff.b_path) if p)
        if not head:
            paths.update(repo.untracked_files)
    return paths


def tree_files(root: Path, rev: str, prefix: str) -> list[tuple[str, bytes]]:
    """(path, bytes) of every blob under ``prefix`` at ``rev``, sorted by path."""
    with open_repo(root) as repo:
        commit = _resolve(repo, rev)
        try:
            tree = commit.tree / prefix
        except KeyError:
            return []
        files = [(blob.path, blob.data_stream.read()) for blob in tree.traverse()
                 if blob.type == "blob"]
    return sorted(files)


def file_at(root: Path, rev: str, path: str) -> bytes | None:
    with open_repo(root) as repo:
        try:
            return (_resolve(repo, rev).tree / path).data_stream.read()
        except KeyError:
            return None


@dataclass(frozen=True)
class Change:
    commit: str
    author: str
    when: datetime
    subject: str


def history(root: Path, prefix: str) -> dict[str, list[Change]]:
    """path → its commits, newest first, for every file under ``prefix``, in one `git log` pass.

    Renames are followed per commit (--name-status -M) so a renamed post keeps
    the history it had under its old name.
    """
    import git

    try:
        with git.Repo(root) as repo:
            if not repo.head.is_valid():
                return {}
            out = repo.git.log("--format=\x1e%H\x1f%an\x1f%at\x1f%s", "--name-status", "-M", "--", prefix)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError, git.GitCommandError):
        return {}
    found: dict[str, list[Change]] = {}
    renamed_to: dict[str, str] = {}  # old path → newest path, so older commits attach to today's file
    for record in out.split("\x1e")[1:]:
        header, _, names = record.partition("\n")
        sha, author, stamp, subject = header.split("\x1f", 3)
        change = Change(sha, author, datetime.fromtimestamp(int(stamp), timezone.utc), subject)
        for line in names.strip().splitlines():
            fields = line.split("\t")
            if len(fields) < 2:
                continue
            current = fields[-1]
            newest = renamed_to.get(current, current)
            found.setdefault(newest, []).append(change)
            if fields[0].startswith("R") and len(fields) == 3:
                renamed_to[fields[1]] = newest
    return found


def current_branch(root: Path) -> str | None:
    """The checked-out branch; None on a detached HEAD."""
    with open_repo(root) as repo:
        try:
            return repo.active_branch.name
        except TypeError:
            return None


def head_is_branch_tip(root: Path, branch: str) -> bool:
    """A detached HEAD (as CI checks out) counts as the branch when it is the branch's tip."""
    import git

    with open_repo(root) as repo:
        try:
            return repo.head.commit == repo.commit(branch)
        except (git.BadName, ValueError, git.GitCommandError):
            return False


def commit_paths(root: Path, paths: list[Path], message: str, name: str | None = None,
                 email: str | None = None) -> bool:
    """Commit exactly ``paths`` (nothing else the user staged); False if nothing changed.

    With ``name``/``email`` (the runner's bot) they are author and committer;
    without, git's configured identity is used (a person settling a receipt).
    """
    rel = [str(Path(p).resolve().relative_to(Path(root).resolve())) for p in paths if Path(p).exists()]
    if not rel:
        return False
    with open_repo(root) as repo:
        repo.git.add("--", *rel)
        if not repo.git.status("--porcelain", "--", *rel).strip():
            return False
        env = {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email,
               "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email} if name and email else {}
        with repo.git.custom_environment(**env):
            repo.git.commit("--quiet", "--no-verify", "-m", message, "--only", "--", *rel)
    return True


def push(root: Path, branch: str, remote: str = "origin", tries: int = 3) -> str | None:
    """Push ``branch``; on a rejected push rebase onto the remote and try again.

    Returns None on success, else a one-line reason. Never raises for a push
    failure: receipts are safe in the local commit whatever happens here.
    """
    import git

    with open_repo(root) as repo:
        reason = "no attempt made"
        for _ in range(tries):
            try:
                repo.git.push(remote, f"HEAD:refs/heads/{branch}")
                return None
            except git.GitCommandError as exc:
                reason = (exc.stderr or str(exc)).strip().splitlines()[-1] if (exc.stderr or str(exc)).strip() else "push failed"
            try:
                repo.git.pull("--rebase", "--quiet", remote, branch)
            except git.GitCommandError as exc:
                try:
                    repo.git.rebase("--abort")
                except git.GitCommandError:
                    pass
                detail = (exc.stderr or "").strip().splitlines()
                return f"could not rebase onto {remote}/{branch}: {detail[-1] if detail else 'conflict'}"
        return f"push to {remote}/{branch} was rejected {tries} times: {reason}"
