"""XRPC calls to one PDS as one Bluesky account, signed in once and kept signed in.

Logging in is rate limited (30 per 5 minutes, 300 a day per account), so the
tokens are kept in ``<state_dir>/bluesky-<channel>.json`` (mode 0600) and reused;
an expired access token is refreshed; only a refused refresh logs in again.
Nothing touches the network until a call needs it, so a run with nothing due
makes no call.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from . import http
from .base import ChannelError, Rejected, TokenRefused

# An expired or unusable access token comes back as a 400 with one of these names, not as a 401.
_TOKEN_ERRORS = ("ExpiredToken", "InvalidToken")


@dataclass
class Session:
    did: str
    access: str
    refresh: str


class XrpcSession:
    """Calls on ``service`` for channel ``name``; ``authed`` ones carry the account's access token."""

    def __init__(self, name: str, service: str, handle: str, password: str, state_file: Path,
                 transport: httpx.BaseTransport | None = None):
        self.name = name
        self.service = service
        self.handle = handle
        self._password = password
        self.state_file = state_file
        self._transport = transport
        self._http: httpx.Client | None = None
        self._session: Session | None = None

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    def call(self, method: str, nsid: str, token: str | None = None, **kwargs: Any) -> dict[str, Any]:
        """One XRPC call; a failure raises http.send's error, with XRPC's own name in ``error_name``."""
        if self._http is None:
            self._http = http.client(self.service, self._transport)
        headers = dict(kwargs.pop("headers", {}))
        if token:
            headers["Authorization"] = f"Bearer {token}"
        response = http.send(self._http, self.name, method, f"/xrpc/{nsid}", headers=headers, **kwargs)
        return response.json()

    def authed(self, method: str, nsid: str, **kwargs: Any) -> dict[str, Any]:
        """A call with the access token; on an expired one, renew and retry once.

        Retrying is safe: a refused token means the PDS did nothing with the request.
        """
        try:
            return self.call(method, nsid, self.session().access, **kwargs)
        except (TokenRefused, Rejected) as exc:
            if not _token_failed(exc):
                raise
        return self.call(method, nsid, self._renew().access, **kwargs)

    def session(self) -> Session:
        """The session in memory, else the one in the state file, else a new login."""
        if self._session is None:
            self._session = self._load() or self._login()
        return self._session

    def stored(self) -> Session | None:
        """The session in memory or in the state file, without logging in."""
        return self._session or self._load()

    def _load(self) -> Session | None:
        try:
            data = json.loads(self.state_file.read_text(encoding="utf-8"))
            if data.get("service") == self.service and data.get("handle") == self.handle:
                return Session(data["did"], data["accessJwt"], data["refreshJwt"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass  # no usable session: log in again, the file is only a cache
        return None

    def _save(self, answer: dict[str, Any]) -> Session:
        session = Session(answer["did"], answer["accessJwt"], answer["refreshJwt"])
        data = {"service": self.service, "handle": self.handle, "did": session.did,
                "accessJwt": session.access, "refreshJwt": session.refresh}
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        temp = self.state_file.with_name(self.state_file.name + ".tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            json.dump(data, file)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temp, 0o600)
        os.replace(temp, self.state_file)
        self._session = session
        return session

    def _login(self) -> Session:
        answer = self.call("POST", "com.atproto.server.createSession",
                           json={"identifier": self.handle, "password": self._password})
        return self._save(answer)

    def _renew(self) -> Session:
        session = self.session()
        try:
            return self._save(self.call("POST", "com.atproto.server.refreshSession", session.refresh))
        except (TokenRefused, Rejected):
            return self._login()


def _token_failed(exc: ChannelError) -> bool:
    return isinstance(exc, TokenRefused) or (
        isinstance(exc, Rejected) and exc.status == 400 and exc.error_name in _TOKEN_ERRORS)
