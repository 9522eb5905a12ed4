"""Exactly once under crashes: the runner is SIGKILLed at each step, then run again.

The network is the project's protocol-faithful Mastodon server; the runner is a
real `socialgit publish` process. After the second run every post must exist
exactly once on the server and its receipt must say so, committed.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fakes.mastodon_server import FakeMastodon

pytestmark = pytest.mark.slow

NOW = "2026-12-01T10:00"
CRASH_RUNNER = Path(__file__).parent / "crash" / "runner.py"


def configure(repo, base_url: str) -> None:
    repo.write("socialgit.toml", f"""
        [site]
        timezone = "America/Toronto"

        [channels.mastodon]
        type = "mastodon"
        instance = "{base_url}"
        token_env = "MASTO_TOKEN"
        """)
    repo.post("single", "title: Single\npublish_at: 2026-12-01 09:30\nchannels: [mastodon]", "Just one post.")
    repo.post("thread", "title: Thread\npublish_at: 2026-12-01 09:40\nchannels: [mastodon]",
              "First part.\n---8<---\nSecond part.")
    repo.commit("plan")


def socialgit(repo, step: str = "none", wait: bool = True):
    env = dict(os.environ, MASTO_TOKEN="test-token", PYTHONPATH=str(Path(__file__).parent.parent))
    args = [sys.executable, str(CRASH_RUNNER), step, "publish", "--root", str(repo.root), "--now", NOW]
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if wait:
        proc.communicate(timeout=60)
    return proc


def texts_on_server(server: FakeMastodon) -> list[str]:
    return sorted(server._content(s["text"]) if False else s["text"] for s in server.statuses_of(server.me))


def assert_exactly_once(repo, server: FakeMastodon) -> None:
    assert texts_on_server(server) == ["First part.", "Just one post.", "Second part."]
    ids = {s["text"]: s["id"] for s in server.statuses_of(server.me)}
    single = json.loads((repo.root / "content/ledger/single/mastodon.json").read_text())
    thread = json.loads((repo.root / "content/ledger/thread/mastodon.json").read_text())
    assert single["state"] == "published" and [p["id"] for p in single["parts"]] == [ids["Just one post."]]
    assert thread["state"] == "published"
    assert [p["id"] for p in thread["parts"]] == [ids["First part."], ids["Second part."]]
    second = next(s for s in server.statuses_of(server.me) if s["text"] == "Second part.")
    assert second["in_reply_to_id"] == ids["First part."]
    assert repo.git("status", "--porcelain") == ""


@pytest.mark.parametrize("step", ["after-pending", "after-response", "before-commit"])
def test_killed_at_a_step_then_run_again(repo, step):
    with FakeMastodon() as server:
        configure(repo, server.base_url)
        crashed = socialgit(repo, step)
        assert crashed.returncode == -signal.SIGKILL
        again = socialgit(repo)
        assert again.returncode == 0, again.stderr.read() if again.stderr else ""
        assert_exactly_once(repo, server)


def test_killed_during_the_request_after_the_server_created_the_status(repo):
    with FakeMastodon() as server:
        configure(repo, server.base_url)
        server.delay_next(30)  # the status is created, then the answer hangs
        proc = socialgit(repo, wait=False)
        deadline = time.monotonic() + 30
        while not server.statuses_of(server.me) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.statuses_of(server.me), "the runner never reached the server"
        proc.kill()
        proc.communicate(timeout=30)
        server._released.set()
        receipt = json.loads((repo.root / "content/ledger/single/mastodon.json").read_text())
        assert receipt["state"] == "pending"
        again = socialgit(repo)
        assert again.returncode == 0
        assert_exactly_once(repo, server)


def test_two_runners_started_together_post_once(repo):
    with FakeMastodon() as server:
        configure(repo, server.base_url)
        first, second = socialgit(repo, wait=False), socialgit(repo, wait=False)
        outputs = [p.communicate(timeout=60) for p in (first, second)]
        assert first.returncode == 0 and second.returncode == 0, outputs
        assert_exactly_once(repo, server)


def test_network_down_is_not_sent_and_goes_out_on_the_next_run(repo):
    with FakeMastodon() as server:
        url = server.base_url
    configure(repo, url)  # nothing listens there now
    down = socialgit(repo)
    assert down.returncode == 1
    receipt = json.loads((repo.root / "content/ledger/single/mastodon.json").read_text())
    assert receipt["state"] == "failed" and receipt["retryable"] is True
    assert "could not connect" in receipt["error"]
