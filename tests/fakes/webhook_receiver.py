"""An incoming-webhook receiver on 127.0.0.1 that records requests and answers like a real service.

- slack: 200 ``ok`` (text/plain); 400 ``invalid_payload`` / ``no_text`` for bad bodies.
- discord: with ``?wait=true`` 200 and the created message object (its ``id``), without
  it 204; 400 for an empty or over-long ``content``; 429 with a ``retry_after`` body.
- teams (Workflows): 202 with an empty body.
- json: 200 with ``{"id": ...}``, as a custom receiver might.
Scripted answers (``fail_next``, ``rate_limit_next``) are served first, in order.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
from datetime import datetime, timezone
from typing import Any

from . import LocalServer, Reply, Request

DISCORD_LIMIT = 2000


class WebhookReceiver(LocalServer):
    def __init__(self, style: str = "json"):
        super().__init__()
        assert style in ("slack", "discord", "teams", "json"), style
        self.style = style
        self.scripted: list[Reply] = []
        self._ids = itertools.count(1)

    @property
    def url(self) -> str:
        """A URL shaped like the real one, with a secret-looking token in the path."""
        paths = {"slack": "/services/T000/B000/XXXXsecretXXXX", "discord": "/api/webhooks/123/tokenSECRETtoken",
                 "teams": "/workflows/abc/triggers/manual/paths/invoke?sig=SIGsecretSIG", "json": "/hook/s3cr3t"}
        return self.base_url + paths[self.style]

    def fail_next(self, status: int = 500) -> None:
        self.scripted.append(Reply(status, {"message": "Internal Server Error"}))

    def rate_limit_next(self, retry_after: float, *, header: bool = False) -> None:
        if self.style == "discord":
            # Discord's 429: the wait is in the body; the bucket headers come along.
            headers = {"X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "0",
                       "X-RateLimit-Reset-After": str(retry_after), "X-RateLimit-Bucket": "abcd1234",
                       "X-RateLimit-Scope": "user"}
            if header:
                headers["Retry-After"] = str(int(retry_after + 0.999))
            body: Any = {"message": "You are being rate limited.", "retry_after": retry_after, "global": False}
        else:
            headers, body = {"Retry-After": str(int(retry_after))}, "rate_limited"
        self.scripted.append(Reply(429, body, headers))

    def bodies(self) -> list[Any]:
        return [r.json() for r in self.requests]

    def handle(self, request: Request) -> Reply:
        if self.scripted:
            return self.scripted.pop(0)
        try:
            body = request.json()
        except ValueError:
            return Reply(400, "invalid_payload")
        return getattr(self, f"_{self.style}")(request, body)

    def _slack(self, request: Request, body: Any) -> Reply:
        if not isinstance(body, dict):
            return Reply(400, "invalid_payload")
        if not body.get("text") and not body.get("blocks"):
            return Reply(400, "no_text")
        return Reply(200, "ok")

    def _discord(self, request: Request, body: Any) -> Reply:
        content = body.get("content") if isinstance(body, dict) else None
        if not content and not (isinstance(body, dict) and body.get("embeds")):
            return Reply(400, {"message": "Cannot send an empty message", "code": 50006})
        if len(content or "") > DISCORD_LIMIT:
            return Reply(400, {"code": 50035, "message": "Invalid Form Body", "errors": {"content": {"_errors": [
                {"code": "BASE_TYPE_MAX_LENGTH", "message": f"Must be {DISCORD_LIMIT} or fewer in length."}]}}})
        if (request.query.get("wait") or ["false"])[0] != "true":
            return Reply(204)
        message_id = str(1180000000000000000 + next(self._ids))
        return Reply(200, {"id": message_id, "type": 0, "content": content, "channel_id": "1170000000000000001",
                           "webhook_id": "123", "author": {"id": "123", "username": "socialgit", "bot": True},
                           "timestamp": datetime.now(timezone.utc).isoformat(), "attachments": [],
                           "embeds": [], "mentions": [], "pinned": False, "tts": False})

    def _teams(self, request: Request, body: Any) -> Reply:
        return Reply(202)

    def _json(self, request: Request, body: Any) -> Reply:
        return Reply(200, {"id": f"evt-{next(self._ids)}"})


def verify_signature(secret: str, request: Request) -> bool:
    """What a receiver does with ``X-Socialgit-Signature``: recompute and compare in constant time."""
    expected = "sha256=" + hmac.new(secret.encode("utf-8"), request.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, request.header("X-Socialgit-Signature") or "")
