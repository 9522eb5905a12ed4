"""The local ``outbox`` channel: writes exactly what would be sent, as one JSON file per post.

It needs no account, so the demo calendar and first-time users can run the whole
publish loop without a network. It keeps the same promises as a real network:
one file per post and channel, written atomically, never overwritten, and
idempotent by the receipt's key.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any, Mapping

import httpx

from ..atomic import write_new
from ..config import ChannelConfig
from .base import Outcome, Outgoing, PartCallback, Rejected

NOT_FOUND = "not found in the outbox"


class OutboxChannel:
    """Publishes to ``<root>/<path>/<channel>/<post_id>.json``."""

    def __init__(self, config: ChannelConfig, env: Mapping[str, str], root: Path,
                 transport: httpx.BaseTransport | None = None):
        # env and transport are part of the common constructor; the outbox needs neither.
        self.name = config.name
        self.network = config.network
        self.root = Path(root)
        self.folder = self.root / (config.options.get("path") or "outbox") / config.name

    def path_for(self, post_id: str) -> Path:
        # A post id becomes a file name: refuse anything that could leave the folder.
        if not post_id or post_id in (".", "..") or "/" in post_id or "\\" in post_id or "\0" in post_id:
            raise Rejected(f"channel {self.name}: post id {post_id!r} cannot be used as a file name in the outbox")
        return self.folder / f"{post_id}.json"

    def _relative(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return path.as_posix()

    def record(self, out: Outgoing) -> dict[str, Any]:
        """The file's content: everything a network would receive, nothing time-dependent."""
        return {
            "channel": out.channel,
            "network": self.network,
            "post_id": out.post_id,
            "key": out.key,
            "payload_hash": out.payload_hash,
            "created_at": out.created_at.isoformat(),
            "parts": list(out.parts),
            "media": [{"path": self._relative(m.path), "alt": m.alt, "mime": m.mime} for m in out.media],
            "lang": out.lang,
            "reply_to": asdict(out.reply_to) if out.reply_to else None,
        }

    def _outcome(self, post_id: str, count: int) -> Outcome:
        url = self._relative(self.path_for(post_id))
        return Outcome("published", [{"id": f"outbox:{post_id}:{n}", "url": url} for n in range(count)])

    def _read(self, path: Path) -> dict[str, Any] | None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _settle(self, out: Outgoing, existing: dict[str, Any]) -> Outcome:
        """What an existing file says about ``out``: the same key is this post, anything else is not."""
        path = self._relative(self.path_for(out.post_id))
        if existing.get("key") == out.key:
            return self._outcome(out.post_id, len(existing.get("parts") or out.parts))
        if not existing:
            return Outcome("failed", error=f"{path} exists but is not a readable outbox file; "
                           "move it away if it is not a published post, then run again")
        return Outcome("failed", error=f"{path} already holds post {out.post_id} with a different "
                       "idempotency key (the post changed after it went out); it is never overwritten: "
                       "give the changed post a new id, or remove the file to send it again")

    def publish(self, out: Outgoing, done: list[dict[str, Any]], on_part: PartCallback) -> Outcome:
        path = self.path_for(out.post_id)
        existing = self._read(path)
        if existing is None:
            body = json.dumps(self.record(out), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
            if not write_new(path, body.encode("utf-8")):
                existing = self._read(path) or {}
        outcome = self._settle(out, existing) if existing is not None else self._outcome(out.post_id, len(out.parts))
        if outcome.state == "published":
            for index in range(len(done), len(outcome.parts)):
                on_part(index, outcome.parts[index])
        return outcome

    def reconcile(self, out: Outgoing, receipt: dict[str, Any]) -> Outcome | None:
        existing = self._read(self.path_for(out.post_id))
        if existing is None:
            # Absent means it was never written: the runner may publish again safely.
            return Outcome("failed", error=NOT_FOUND)
        return self._settle(out, existing)
