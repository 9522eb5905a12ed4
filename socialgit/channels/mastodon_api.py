"""One authorised connection to a Mastodon instance, shared by publishing and listening.

Requests go through http.send, so errors are classified as on every channel. The
token travels in a header of this client only, and a pagination link is followed
only when it points back at the same instance.
"""

from __future__ import annotations

from typing import Any

import httpx

from . import http
from .base import UnknownOutcome

# The most statuses one page of an account's timeline holds (the API's upper limit).
STATUSES_PAGE = 40


class MastodonApi:
    """Requests to ``instance`` as channel ``name``, with the account's access token."""

    def __init__(self, name: str, instance: str, token: str, transport: httpx.BaseTransport | None = None,
                 timeout: float | None = None):
        self.name = name
        self.instance = instance
        self.http = http.client(instance, transport)
        self.http.headers["Authorization"] = f"Bearer {token}"
        if timeout is not None:
            self.http.timeout = httpx.Timeout(timeout)
        # what the last read said is left of the rate-limit window; fetch paces itself by it
        self.rate_remaining: int | None = None

    def close(self) -> None:
        self.http.close()

    def send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return http.send(self.http, self.name, method, url, **kwargs)

    def json(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            # A 2xx we cannot read may still have created something.
            raise UnknownOutcome(f"channel {self.name}: the server's answer was not JSON "
                                 f"({response.status_code})") from None

    def read(self, url: str, **kwargs: Any) -> tuple[httpx.Response, Any]:
        """GET ``url``: the response (for its Link header) and its JSON."""
        response = self.send("GET", url, **kwargs)
        try:
            self.rate_remaining = int(response.headers.get("X-RateLimit-Remaining", ""))
        except ValueError:
            self.rate_remaining = None
        return response, self.json(response)

    def account_id(self) -> str:
        """The id of the account the token belongs to."""
        _, account = self.read("/api/v1/accounts/verify_credentials")
        if not isinstance(account, dict) or not account.get("id"):
            raise UnknownOutcome(f"channel {self.name}: verify_credentials returned no account id")
        return str(account["id"])

    def next_page(self, response: httpx.Response) -> str | None:
        """The Link ``next`` URL, only when it points at the same instance (it gets the token)."""
        target = response.links.get("next", {}).get("url")
        if not target:
            return None
        url, base = httpx.URL(target), httpx.URL(self.instance)
        if (url.scheme, url.host, url.port) != (base.scheme, base.host, base.port):
            return None
        return str(url)
