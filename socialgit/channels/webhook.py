"""Webhook channel: one JSON POST per post to Slack, Discord, Teams (Workflows) or any receiver.

A webhook cannot be asked what it received, so an unknown outcome (timeout,
reset, 5xx) is never retried blindly: ``reconcile`` answers None and the runner
leaves the receipt ``uncertain`` for a person (reference/networks.md §4).

The URL is itself a secret (anyone holding it can post), so it is read from the
environment and never appears in an error message.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path
from typing import Any, Mapping

import httpx

from ..config import ChannelConfig
from ..problems import UserError
from . import http
from .base import Outcome, Outgoing, PartCallback
from .registry import require_env

FORMATS = ("slack", "discord", "teams", "json")
SIGNATURE_HEADER = "X-Socialgit-Signature"
KEY_HEADER = "X-Socialgit-Key"


def _slack_escape(text: str) -> str:
    # Slack reads <...> as links and mentions; its docs ask for these three escapes.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def build_payload(fmt: str, out: Outgoing, root: Path) -> dict[str, Any]:
    """The JSON body for one post in the given format; thread parts travel in one message."""
    joined = "\n\n".join(out.parts)
    if fmt == "slack":
        return {"text": _slack_escape(joined)}
    if fmt == "discord":
        # a post that says "@everyone" must not ping a whole server
        return {"content": joined, "allowed_mentions": {"parse": []}}
    if fmt == "teams":
        blocks = [{"type": "TextBlock", "text": part, "wrap": True} for part in out.parts]
        return {"type": "message", "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": None,
            "content": {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                        "type": "AdaptiveCard", "version": "1.4", "body": blocks},
        }]}
    media = []
    for item in out.media:
        try:
            path = item.path.resolve().relative_to(Path(root).resolve()).as_posix()
        except ValueError:
            path = item.path.name
        media.append({"path": path, "alt": item.alt, "mime": item.mime})
    return {"post": out.post_id, "channel": out.channel, "parts": list(out.parts), "media": media,
            "lang": out.lang, "key": out.key, "payload_hash": out.payload_hash,
            "created_at": out.created_at.isoformat()}


def sign(secret: str, body: bytes) -> str:
    """The signature header value: ``sha256=`` and the hex HMAC-SHA256 of the exact body."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


class WebhookChannel:
    """Posts each post as one message to an incoming-webhook URL."""

    def __init__(self, config: ChannelConfig, env: Mapping[str, str], root: Path,
                 transport: httpx.BaseTransport | None = None, *, timeout: float | None = None):
        self.name = config.name
        options = config.options
        self.format = options.get("format") or "json"
        if self.format not in FORMATS:
            raise UserError(f"socialgit.toml: channel {config.name} has format \"{self.format}\"; "
                            f"use one of: {', '.join(FORMATS)}")
        variable = options.get("url_env")
        self._url = self._parse_url(require_env(env, config.name, "url_env", variable, "the webhook URL"), variable)
        secret_env = options.get("secret_env") or ""
        self._secret = (require_env(env, config.name, "secret_env", secret_env, "the signing secret")
                        if secret_env else None)
        self.root = Path(root)
        self.http = http.client("", transport)
        if timeout is not None:
            self.http.timeout = httpx.Timeout(timeout)

    def _parse_url(self, value: str, variable: str | None) -> httpx.URL:
        problem = f"channel {self.name}: the environment variable {variable} does not hold an http(s) URL"
        try:
            url = httpx.URL(value)
        except (httpx.InvalidURL, TypeError, ValueError):
            raise UserError(problem) from None
        if url.scheme not in ("http", "https") or not url.host:
            raise UserError(problem)
        if self.format == "discord":
            # with wait=true Discord answers with the message, so its id can be recorded
            url = url.copy_merge_params({"wait": "true"})
        return url

    def __repr__(self) -> str:
        return f"WebhookChannel(name={self.name!r}, format={self.format!r})"

    def close(self) -> None:
        self.http.close()

    def publish(self, out: Outgoing, done: list[dict[str, Any]], on_part: PartCallback) -> Outcome:
        if done:
            # One message carries every part: a confirmed part means the whole post arrived.
            parts = [dict(p) for p in done] + [dict(done[0]) for _ in range(len(done), len(out.parts))]
            for index in range(len(done), len(parts)):
                on_part(index, parts[index])
            return Outcome("published", parts)
        body = json.dumps(build_payload(self.format, out, self.root), ensure_ascii=False,
                          separators=(",", ":")).encode("utf-8")
        # The key lets a receiver drop a repeat; the signature proves the sender.
        headers = {"Content-Type": "application/json", KEY_HEADER: out.key}
        if self._secret:
            headers[SIGNATURE_HEADER] = sign(self._secret, body)
        response = http.send(self.http, self.name, "POST", self._url, content=body, headers=headers)
        part = {"id": _message_id(response), "url": None}
        parts = [dict(part) for _ in out.parts]
        for index, item in enumerate(parts):
            on_part(index, item)
        return Outcome("published", parts)

    def reconcile(self, out: Outgoing, receipt: dict[str, Any]) -> Outcome | None:
        # A webhook keeps no history we could read: only a person can tell.
        return None


def _message_id(response: httpx.Response) -> str | None:
    """Discord's message id (``?wait=true``), or an ``id`` a custom receiver chose to return."""
    if "json" not in response.headers.get("Content-Type", ""):
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    ident = body.get("id") if isinstance(body, dict) else None
    return str(ident) if ident not in (None, "") else None
