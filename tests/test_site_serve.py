"""`socialgit serve`: 127.0.0.1 only, a reload script only in served pages, rebuilds on change."""

import threading
import urllib.request

import pytest

from socialgit.site import build_site
from socialgit.site.serve import RELOAD_PATH, BuildState, make_server, watch

from .conftest import at


@pytest.fixture
def served(repo):
    repo.post("a", "title: A\npublish_at: 2026-11-18 09:30\nchannels: [mastodon]", month="2026/11")
    build_site(repo.root, None, at("2026-11-16 10:00"))
    state = BuildState()
    server = make_server(repo.root / "site", 0, state)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield repo, state, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def get(url: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers.get("Content-Type"), response.read()


def test_the_server_listens_on_loopback_only(served):
    repo, state, base = served
    assert base.startswith("http://127.0.0.1:")


def test_served_pages_get_the_reload_script_and_built_files_do_not(served):
    repo, state, base = served
    status, kind, body = get(base + "/")
    assert status == 200 and kind.startswith("text/html")
    assert RELOAD_PATH.encode() in body and body.count(b"<script") == 2  # the theme's script and the reload one
    on_disk = (repo.root / "site/index.html").read_bytes()
    assert RELOAD_PATH.encode() not in on_disk
    _, _, post = get(base + "/posts/a/index.html")
    assert RELOAD_PATH.encode() in post
    _, kind, css = get(base + "/static/site.css")
    assert kind.startswith("text/css") and RELOAD_PATH.encode() not in css


def test_the_build_id_changes_when_a_rebuild_wrote_something(served):
    repo, state, base = served
    assert get(base + RELOAD_PATH)[2] == b"0"
    state.bump()
    assert get(base + RELOAD_PATH)[2] == b"1"


def test_a_change_under_content_triggers_a_rebuild(repo):
    (repo.root / "content").mkdir()
    called, stop = threading.Event(), threading.Event()

    def rebuild():
        called.set()
        stop.set()

    watcher = threading.Thread(target=watch, args=(repo.root, rebuild, stop), daemon=True)
    watcher.start()
    for _ in range(50):  # the watcher needs a moment to start; keep touching until it sees one
        repo.post("b", "title: B\npublish_at: 2026-11-18 09:30\nchannels: [mastodon]", month="2026/11")
        if called.wait(0.2):
            break
    stop.set()
    watcher.join(5)
    assert called.is_set() and not watcher.is_alive()
