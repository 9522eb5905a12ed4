"""Asking git: each question leaves no git process behind (serve and the runner's loop ask again and again)."""

from __future__ import annotations

import os
import subprocess

import pytest

from socialgit import gitrepo, leftovers
from socialgit.init import ensure_repository


def _children() -> list[str]:
    found = subprocess.run(["ps", "--ppid", str(os.getpid()), "-o", "args="], capture_output=True, text=True)
    return [line for line in found.stdout.splitlines() if line.startswith("git ")]


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="lists this process's children with ps")
def test_no_question_to_git_leaves_a_git_process_running(repo):
    repo.post("sale", "title: Sale\npublish_at: 2026-12-01 09:00\nchannels: [mastodon]")
    repo.commit("Add the sale")
    (repo.root / "content" / "ledger").mkdir(parents=True, exist_ok=True)
    (repo.root / "content" / "ledger" / "note.json").write_text("{}")
    before = _children()
    assert list(gitrepo.history(repo.root, "content/posts")) == ["content/posts/2026/12/sale.md"]
    assert gitrepo.current_branch(repo.root) == "main"
    assert gitrepo.head_is_branch_tip(repo.root, "main")
    assert gitrepo.file_at(repo.root, "HEAD", "content/posts/2026/12/sale.md").startswith(b"---")
    assert [p for p, _ in gitrepo.tree_files(repo.root, "HEAD", "content")] == ["content/posts/2026/12/sale.md"]
    assert gitrepo.changed_paths(repo.root, "HEAD") == {"content/ledger/note.json"}
    assert gitrepo.commit_paths(repo.root, [repo.root / "content" / "ledger" / "note.json"], "A note")
    assert ensure_repository(repo.root) == (False, "main")
    assert not leftovers.uncommitted(repo.root)
    assert leftovers._git_state_asked(repo.root) is not None  # a worktree's or GIT_DIR's way in
    assert _children() == before
