"""`socialgit run`: publishes on its schedule and stops cleanly on SIGTERM."""

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

pytestmark = pytest.mark.slow


def test_the_daemon_publishes_what_is_due_and_stops_on_sigterm(repo):
    # the daemon runs on the real clock: make a post due a minute ago
    due = (datetime.now(ZoneInfo("America/Toronto")) - timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M")
    repo.post("now", f"title: Now\npublish_at: {due}\nchannels: [mastodon]", "Going out now.",
              month=due[:7].replace("-", "/"))
    repo.commit("plan")
    proc = subprocess.Popen([sys.executable, "-m", "socialgit", "run", "--root", str(repo.root), "--every", "1s",
                             "--fetch-every", "0s", "--build"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=dict(os.environ, PYTHONPATH=os.getcwd()))
    receipt = repo.root / "content/ledger/now/mastodon.json"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (receipt.exists() and (repo.root / "site/index.html").exists()):
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert json.loads(receipt.read_text())["state"] == "published"
    assert "publishing every 1 s" in out and out.rstrip().endswith("socialgit run: stopped")
    assert "build: " in out
    assert "publish: now on mastodon published" in repo.git("log", "--format=%s")
