"""Protocol-faithful test servers on 127.0.0.1, and the plumbing they share.

Each fake is a stdlib ``ThreadingHTTPServer`` on a free port, started and stopped
as a context manager. A fake answers one parsed ``Request`` with a ``Reply``; a
reply can also drop the connection (the client sees a reset after the server
acted) or hold the answer back past the client's timeout.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


class FakeClock:
    """A clock a test moves by hand: ``clock()`` is now, ``clock.advance(minutes=5)``."""

    def __init__(self, start: datetime | None = None):
        self.now = start or datetime(2026, 11, 16, 10, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: Message
    body: bytes

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name, default)

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))

    def form(self) -> tuple[dict[str, list[str]], dict[str, tuple[str, str, bytes]]]:
        """Fields (name → values) and files (name → (filename, content type, bytes))."""
        kind = self.header("Content-Type", "") or ""
        if kind.startswith("application/json"):
            data = self.json()
            fields = {k: [str(x) for x in v] if isinstance(v, list) else [str(v)] for k, v in data.items()
                      if v is not None}
            return fields, {}
        if kind.startswith("multipart/form-data"):
            return _multipart(kind, self.body)
        return parse_qs(self.body.decode("utf-8"), keep_blank_values=True), {}


def _multipart(content_type: str, body: bytes) -> tuple[dict[str, list[str]], dict[str, tuple[str, str, bytes]]]:
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    fields: dict[str, list[str]] = {}
    files: dict[str, tuple[str, str, bytes]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is not None:
            files[name] = (filename, part.get_content_type(), payload)
        else:
            fields.setdefault(name, []).append(payload.decode("utf-8"))
    return fields, files


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # dict/list → JSON, str → text, bytes as they are
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # close the connection with a reset instead of answering
    delay: float = 0.0  # hold the answer back this long (seconds) first

    def encoded(self) -> tuple[bytes, str]:
        if isinstance(self.body, (dict, list)):
            return json.dumps(self.body).encode("utf-8"), "application/json; charset=utf-8"
        if isinstance(self.body, str):
            return self.body.encode("utf-8"), "text/plain; charset=utf-8"
        return self.body or b"", "application/octet-stream"


class LocalServer(ABC):
    """Base of the fakes: subclasses implement ``handle(request) -> Reply``."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._released = threading.Event()

    @abstractmethod
    def handle(self, request: Request) -> Reply:
        """Answer one request the way the real service would."""

    @property
    def base_url(self) -> str:
        assert self._httpd is not None, "start the server first"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "LocalServer":
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                # Headers and body go out in separate writes; without this each answer waits on delayed ACKs.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_GET(self) -> None:  # noqa: N802 - the stdlib's naming
                owner._serve(self)

            do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

            def log_message(self, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._released.set()  # wake any answer held back by a delay
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> "LocalServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        request = Request(handler.command, parts.path, parse_qs(parts.query, keep_blank_values=True),
                          handler.headers, _read_body(handler))
        self.requests.append(request)
        reply = self.handle(request)
        if reply.delay:
            self._released.wait(reply.delay)
        if reply.drop:
            # SO_LINGER 0 makes close() send a reset: the client never gets an answer.
            handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            handler.connection.close()
            handler.close_connection = True
            return
        body, kind = reply.encoded()
        try:
            handler.send_response(reply.status)
            headers = {"Content-Type": kind, **reply.headers} if body else dict(reply.headers)
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
        except OSError:
            handler.close_connection = True  # the client gave up (timeout) before the answer


def _read_body(handler: BaseHTTPRequestHandler) -> bytes:
    if handler.headers.get("Transfer-Encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size = int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                handler.rfile.readline()
                return b"".join(chunks)
            chunks.append(handler.rfile.read(size))
            handler.rfile.readline()
    length = int(handler.headers.get("Content-Length") or 0)
    return handler.rfile.read(length) if length else b""
