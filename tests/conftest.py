"""Shared fixtures: a tiny calendar repository built in a temporary folder."""

from __future__ import annotations

import subprocess
import textwrap
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

BASE_TOML = """\
[site]
title = "Test calendar"
timezone = "America/Toronto"

[publish]
grace = "6h"
late = "skip"

[channels.mastodon]
type = "outbox"
network = "mastodon"
max_per_day = 2
min_gap = "3h"

[channels.bluesky]
type = "outbox"
network = "bluesky"

[channels.x]
type = "outbox"
network = "x"

[channels.slack]
type = "outbox"
"""

TORONTO = ZoneInfo("America/Toronto")


def at(text: str) -> datetime:
    """A Toronto wall-clock time, for readable tests."""
    return datetime.fromisoformat(text).replace(tzinfo=TORONTO)


class CalendarRepo:
    def __init__(self, root: Path):
        self.root = root

    def write(self, rel: str, text: str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    def post(self, slug: str, front: str, body: str = "Hello world.", month: str = "2026/12") -> str:
        rel = f"content/posts/{month}/{slug}.md"
        self.write(rel, "---\n" + textwrap.dedent(front).strip("\n") + "\n---\n" + body + "\n")
        return rel

    def git(self, *args: str) -> str:
        return subprocess.run(["git", *args], cwd=self.root, check=True, capture_output=True, text=True).stdout

    def commit(self, message: str = "change") -> None:
        self.git("add", "-A")
        self.git("-c", "user.name=Test", "-c", "user.email=test@example.org", "commit", "-qm", message)


@pytest.fixture
def repo(tmp_path: Path) -> CalendarRepo:
    calendar = CalendarRepo(tmp_path)
    calendar.write("socialgit.toml", BASE_TOML)
    subprocess.run(["git", "init", "-q", "-b", "main", str(tmp_path)], check=True)
    return calendar
