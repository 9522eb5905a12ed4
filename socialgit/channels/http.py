"""One HTTP transport for every channel: short timeouts and one way to read an answer.

Every adapter sends through ``send`` so that 429, 401/403, 5xx, timeouts and
resets are classified the same way everywhere (reference/networks.md §4):
429 means "not executed, retry later with the same key"; a timeout, reset or 5xx
means "unknown, reconcile before any retry"; other 4xx are definite failures.
"""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from .base import ChannelError, NotSent, RateLimited, Rejected, TokenRefused, UnknownOutcome

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)


def client(base_url: str = "", transport: httpx.BaseTransport | None = None) -> httpx.Client:
    return httpx.Client(
        base_url=base_url,
        timeout=DEFAULT_TIMEOUT,
        transport=transport,
        headers={"User-Agent": "socialgit"},
        follow_redirects=False,
    )


def retry_after_seconds(response: httpx.Response, now: float | None = None) -> float | None:
    """Seconds to wait, from Retry-After (seconds or HTTP date), else a reset header.

    Mastodon sends ``X-RateLimit-Reset`` as an ISO timestamp; Bluesky sends
    ``RateLimit-Reset`` as epoch seconds; Discord puts ``retry_after`` in the body.
    """
    now = time.time() if now is None else now
    value = response.headers.get("Retry-After")
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                return max(0.0, parsedate_to_datetime(value).timestamp() - now)
            except (TypeError, ValueError):
                pass
    for name in ("RateLimit-Reset", "X-RateLimit-Reset"):
        value = response.headers.get(name)
        if not value:
            continue
        try:
            reset = float(value)
            # a small number is a delta (IETF draft), a large one an epoch time
            return max(0.0, reset - now) if reset > 1e9 else max(0.0, reset)
        except ValueError:
            try:
                from datetime import datetime

                stamp = datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
                return max(0.0, stamp - now)
            except ValueError:
                continue
    try:
        body = response.json()
        if isinstance(body, dict) and "retry_after" in body:
            return max(0.0, float(body["retry_after"]))
    except (ValueError, TypeError):
        pass
    return None


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase or ""
    if isinstance(body, dict):
        for key in ("error_description", "message", "error"):
            if isinstance(body.get(key), str):
                return body[key]
    return response.reason_phrase or ""


def send(http: httpx.Client, channel: str, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """Send one request and return a 2xx response, or raise the classified error.

    Error messages name the channel and what to do, never a secret: headers and
    URLs (a webhook URL is itself a secret) are not echoed.
    """
    try:
        response = http.request(method, url, **kwargs)
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
        # no connection was made, so nothing reached the server: safe to send again later
        raise NotSent(f"channel {channel}: could not connect ({type(exc).__name__}); the next run tries again") from None
    except httpx.TimeoutException as exc:
        raise UnknownOutcome(f"channel {channel}: the request timed out ({type(exc).__name__})") from None
    except (httpx.InvalidURL, httpx.UnsupportedProtocol):
        # the message would hold the URL, which for a webhook is the secret itself
        raise Rejected(f"channel {channel}: the URL is not valid; check the value of the variable named in "
                       "socialgit.toml") from None
    except httpx.TransportError as exc:
        raise UnknownOutcome(f"channel {channel}: the connection failed ({type(exc).__name__})") from None
    status = response.status_code
    if 200 <= status < 300:
        return response
    error = _classify(channel, response)
    error.error_name = _error_name(response)
    raise error


def _error_name(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    name = body.get("error") if isinstance(body, dict) else None
    return name if isinstance(name, str) else None


def _classify(channel: str, response: httpx.Response) -> ChannelError:
    status = response.status_code
    if status == 429:
        wait = retry_after_seconds(response)
        when = f"; retry after {wait:.0f} s" if wait is not None else ""
        return RateLimited(f"channel {channel}: rate limited by the network (429){when}", wait)
    if status in (401, 403):
        return TokenRefused(
            f"the token for channel {channel} was refused ({status} {_detail(response)}); "
            "create a new token or app password, put it in the environment variable named "
            "in socialgit.toml, and run again"
        )
    if status >= 500:
        return UnknownOutcome(f"channel {channel}: the server answered {status} {_detail(response)}")
    return Rejected(f"channel {channel}: the network refused the request ({status} {_detail(response)})", status)
