"""Browser fixtures: Debian's chromium driven by Playwright, and the demo site served on 127.0.0.1.

Playwright's own browser download does not work here, so the system chromium is
launched by path. Without it the browser tests skip locally and fail in CI.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from socialgit.site import build_site

PROJECT = Path(__file__).resolve().parents[2]
SCREENSHOTS = PROJECT / "test-output" / "screenshots"
DEMO_NOW = datetime(2026, 11, 16, 10, 0, tzinfo=ZoneInfo("America/Toronto"))
CHROMIUM = os.environ.get("SOCIALGIT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _missing(reason: str):
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}; CI must run the browser tests (scripts/setup-system.sh installs chromium)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed (pip install -e '.[test]')")
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        _missing(f"chromium not found at {CHROMIUM}")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="session")
def serve_folder():
    """Serve a folder on 127.0.0.1 in a thread; returns its base URL."""
    servers = []

    def start(folder: Path) -> str:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory) -> Path:
    """The demo calendar of the repository, built as of its demo 'now' (no cache written)."""
    if not (PROJECT / "socialgit.toml").is_file():
        pytest.skip("the demo calendar (socialgit.toml, content/) is not in this checkout")
    out = tmp_path_factory.mktemp("demo") / "site"
    build_site(PROJECT, out, DEMO_NOW, use_cache=False)
    return out


@pytest.fixture(scope="session")
def demo_url(demo_site, serve_folder) -> str:
    return serve_folder(demo_site)


@pytest.fixture
def page_errors():
    """Collects console errors and uncaught exceptions of the pages a test opens."""
    errors: list[str] = []

    def watch(page):
        page.on("console", lambda message: errors.append(f"console: {message.text}")
                if message.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
        return page

    watch.errors = errors
    return watch


@pytest.fixture
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
