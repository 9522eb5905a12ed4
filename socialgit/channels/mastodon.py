"""Mastodon channel: publish statuses, threads and media over the documented REST API, exactly once.

Exactly-once rests on two things (reference/networks.md §1, §4). Every status is
sent with ``Idempotency-Key: <key>-<part>``, which the server keeps for an hour
*after* creating the status, so a repeat inside that window returns the original
instead of a duplicate. After the window, the only witness is the account's own
timeline: reconcile looks for the exact text among the recent statuses
(mastodon_match). Listening (socialgit fetch) comes from MastodonListener.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Mapping

import httpx

from ..config import ChannelConfig
from ..problems import UserError
from .base import ChannelError, Media, Outcome, Outgoing, PartCallback, RateLimited, Rejected, UnknownOutcome
from .listening import parse_time
from .mastodon_api import STATUSES_PAGE, MastodonApi
from .mastodon_listener import MastodonListener
from .mastodon_match import match_posted
from .registry import require_env

# Re-sending with the same key is safe while the server still holds it (1 h); keep a margin.
KEY_WINDOW = timedelta(minutes=50)
# How far back the timeline lookup goes, and how much clock skew it forgives.
LOOKUP_PAGES = 3
CLOCK_SLACK = timedelta(minutes=5)
MEDIA_POLLS = 30
MEDIA_POLL_SECONDS = 2.0
# When processing outlasts the polls nothing was posted: ask the runner to come back later.
MEDIA_RETRY_SECONDS = 300.0
NOT_FOUND = "not found among the account's recent statuses"


@dataclass(frozen=True)
class InstanceLimits:
    """What the instance allows; defaults are upstream Mastodon's."""

    max_characters: int = 500
    characters_reserved_per_url: int = 23
    max_media_attachments: int = 4
    image_size_limit: int = 16 * 1024 * 1024
    video_size_limit: int = 99 * 1024 * 1024


def parse_instance(body: Any) -> InstanceLimits:
    """Read limits from ``/api/v2/instance`` (or v1, or a fork's ``max_toot_chars``)."""
    defaults = InstanceLimits()
    body = body if isinstance(body, dict) else {}
    configuration = body.get("configuration") if isinstance(body.get("configuration"), dict) else {}
    statuses = configuration.get("statuses") if isinstance(configuration.get("statuses"), dict) else {}
    media = configuration.get("media_attachments")
    media = media if isinstance(media, dict) else {}

    def number(value: Any, default: int) -> int:
        return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else default

    return InstanceLimits(
        max_characters=number(statuses.get("max_characters", body.get("max_toot_chars")), defaults.max_characters),
        characters_reserved_per_url=number(statuses.get("characters_reserved_per_url"),
                                           defaults.characters_reserved_per_url),
        max_media_attachments=number(statuses.get("max_media_attachments"), defaults.max_media_attachments),
        image_size_limit=number(media.get("image_size_limit"), defaults.image_size_limit),
        video_size_limit=number(media.get("video_size_limit"), defaults.video_size_limit),
    )


class MastodonChannel(MastodonListener):
    """Publishes to one Mastodon account; see the module docstring for the exactly-once rules.

    It is its own listener (fetch uses the object make_channel returns), over the
    same connection.
    """

    def __init__(self, config: ChannelConfig, env: Mapping[str, str], root: Path,
                 transport: httpx.BaseTransport | None = None, *,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], datetime] | None = None,
                 timeout: float | None = None,
                 media_polls: int = MEDIA_POLLS):
        self.name = config.name
        options = config.options
        instance = options.get("instance")
        if not instance:
            raise UserError(f"socialgit.toml: channel {config.name} needs instance (the server's URL, "
                            "like https://mastodon.social)")
        token = require_env(env, config.name, "token_env", options.get("token_env"), "the Mastodon access token")
        self.visibility = options.get("visibility") or "public"
        self.language = options.get("language") or None
        self.root = Path(root)
        self.sleep = sleep
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.media_polls = media_polls
        super().__init__(MastodonApi(self.name, str(instance).rstrip("/"), token, transport, timeout))
        self._limits: InstanceLimits | None = None

    def close(self) -> None:
        self.api.close()

    def instance_limits(self) -> InstanceLimits:
        """The instance's limits (cached): never hardcode 500, forks change it."""
        if self._limits is None:
            try:
                _, body = self.api.read("/api/v2/instance")
            except Rejected as exc:
                if exc.status != 404:
                    raise
                _, body = self.api.read("/api/v1/instance")  # servers before 4.0
            self._limits = parse_instance(body)
        return self._limits

    # -- publishing -------------------------------------------------------------

    def publish(self, out: Outgoing, done: list[dict[str, Any]], on_part: PartCallback) -> Outcome:
        parts = [dict(p) for p in done]
        media_ids = self._upload_all(out.media) if not parts and out.media else []
        for index in range(len(parts), len(out.parts)):
            parent = parts[-1]["id"] if parts else (out.reply_to.remote_id if out.reply_to else None)
            status = self._post_status(out, index, parent, media_ids if index == 0 else [])
            part = {"id": str(status["id"]), "url": status.get("url") or status.get("uri")}
            parts.append(part)
            on_part(index, part)
        return Outcome("published", parts)

    def _post_status(self, out: Outgoing, index: int, parent: str | None, media_ids: list[str]) -> dict[str, Any]:
        form: dict[str, Any] = {"status": out.parts[index], "visibility": self.visibility}
        language = out.lang or self.language
        if language:
            form["language"] = language
        if parent:
            form["in_reply_to_id"] = parent
        if media_ids:
            form["media_ids[]"] = media_ids
        response = self.api.send("POST", "/api/v1/statuses", data=form,
                                 headers={"Idempotency-Key": f"{out.key}-{index}"})
        status = self.api.json(response)
        if not isinstance(status, dict) or not status.get("id"):
            raise UnknownOutcome(f"channel {self.name}: the server's answer holds no status id")
        return status

    def _upload_all(self, media: tuple[Media, ...]) -> list[str]:
        limits = self.instance_limits()
        if len(media) > limits.max_media_attachments:
            raise Rejected(f"channel {self.name}: {len(media)} media files, but the instance allows "
                           f"{limits.max_media_attachments} per post; remove some")
        for item in media:
            try:
                size = item.path.stat().st_size
            except OSError:
                raise Rejected(f"channel {self.name}: media file {item.path} cannot be read; "
                               "check the path in the post's front matter") from None
            video = item.mime.startswith(("video/", "audio/"))
            limit = limits.video_size_limit if video else limits.image_size_limit
            if size > limit:
                raise Rejected(f"channel {self.name}: {item.path.name} is {size / 1048576:.1f} MB; the instance "
                               f"accepts up to {limit / 1048576:.0f} MB for this kind of file; make it smaller")
        return [self._upload(item) for item in media]

    def _upload(self, item: Media) -> str:
        with item.path.open("rb") as stream:
            response = self.api.send("POST", "/api/v2/media", data={"description": item.alt},
                                     files={"file": (item.path.name, stream, item.mime)})
        attachment = self.api.json(response)
        media_id = str(attachment.get("id") or "")
        if not media_id:
            raise UnknownOutcome(f"channel {self.name}: the media upload answer holds no id")
        if response.status_code == 200 and attachment.get("url"):
            return media_id
        # 202: the full-size file is still processing; a status may not use it before it is ready.
        for _ in range(self.media_polls):
            self.sleep(MEDIA_POLL_SECONDS)
            if self.api.send("GET", f"/api/v1/media/{media_id}").status_code == 200:
                return media_id
        raise RateLimited(f"channel {self.name}: the instance is still processing {item.path.name}; "
                          "nothing was posted, the next run tries again", MEDIA_RETRY_SECONDS)

    # -- reconciling ------------------------------------------------------------

    def reconcile(self, out: Outgoing, receipt: dict[str, Any], now: datetime | None = None) -> Outcome | None:
        """Settle an unknown outcome, reading ``receipt["attempted_at"]`` and ``receipt["parts"]``.

        The account's timeline is searched for the text first. Inside the key
        window, what it does not show is then sent again with the same keys: the
        server answers with the original statuses, or creates them now if the first
        try never arrived. Looking first matters because the key is stored only
        once a status exists, so it cannot protect against a first request that is
        still being processed. After the window, the timeline alone decides.
        """
        now = now or self.clock()
        done = [dict(p) for p in receipt.get("parts") or [] if isinstance(p, dict) and p.get("id")]
        attempted = parse_time(receipt.get("attempted_at"))
        since = attempted - CLOCK_SLACK if attempted else None
        if attempted is not None and now - attempted < KEY_WINDOW:
            seen = self._look_up(out, done, since)
            if seen is not None and seen.state == "published":
                return seen
            found = seen.parts if seen is not None else done
            return self._send_again(out, found)
        return self._look_up(out, done, since)

    def _send_again(self, out: Outgoing, done: list[dict[str, Any]]) -> Outcome | None:
        confirmed = [dict(p) for p in done]
        try:
            return self.publish(out, done, lambda index, part: confirmed.append(part))
        except Rejected as exc:
            # The key is checked before validation, so a refusal means no original exists.
            return Outcome("failed", confirmed, str(exc))
        except ChannelError as exc:
            if len(confirmed) > len(done):
                return Outcome("uncertain", confirmed, str(exc))
            return None

    def _look_up(self, out: Outgoing, done: list[dict[str, Any]], since: datetime | None) -> Outcome | None:
        try:
            statuses, complete = self._recent_statuses(since)
        except ChannelError:
            return None
        parts = match_posted(out, done, statuses, since)
        if len(parts) == len(out.parts):
            return Outcome("published", parts)
        if not complete:
            # The search stopped before reaching the attempt time: absence proves nothing.
            return None
        if len(parts) > len(done):
            return Outcome("failed", parts, f"parts {len(parts) + 1}-{len(out.parts)} {NOT_FOUND}")
        return Outcome("failed", parts, NOT_FOUND)

    def _recent_statuses(self, since: datetime | None) -> tuple[list[dict[str, Any]], bool]:
        """The account's statuses back to ``since``, and whether the search got that far."""
        url: str = f"/api/v1/accounts/{self.api.account_id()}/statuses"
        params: dict[str, Any] | None = {"limit": STATUSES_PAGE}
        collected: list[dict[str, Any]] = []
        for _ in range(LOOKUP_PAGES):
            response, page = self.api.read(url, params=params)
            if not isinstance(page, list):
                raise UnknownOutcome(f"channel {self.name}: the account's statuses were not a list")
            collected.extend(s for s in page if isinstance(s, dict))
            stamps = [parse_time(s.get("created_at")) for s in page if isinstance(s, dict)]
            oldest = min((s for s in stamps if s), default=None)
            if not page or "next" not in response.links or (since and oldest and oldest < since):
                return collected, True
            following = self.api.next_page(response)
            if following is None:
                return collected, False
            url, params = following, None
        return collected, False

