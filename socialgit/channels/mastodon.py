"""Mastodon channel: plain httpx against the documented REST API.

Exactly-once rests on two things (reference/networks.md §1, §4). Every status is
sent with ``Idempotency-Key: <key>-<part>``, which the server keeps for an hour
*after* creating the status, so a repeat inside that window returns the original
instead of a duplicate. After the window, the only witness is the account's own
timeline: reconcile looks for the exact text among the recent statuses.
"""

from __future__ import annotations

import re
import time
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import httpx

from ..config import ChannelConfig
from ..problems import UserError
from . import http
from .base import (ChannelError, Media, Outcome, Outgoing, PartCallback, RateLimited, Rejected,
                   UnknownOutcome)
from .listening import Counts, FetchPage, RemoteItem, Skipped, mastodon_counts, mastodon_item
from .registry import require_env
from ..netcontent import safe_id

# Re-sending with the same key is safe while the server still holds it (1 h); keep a margin.
KEY_WINDOW = timedelta(minutes=50)
# How far back the timeline lookup goes, and how much clock skew it forgives.
LOOKUP_PAGES = 3
LOOKUP_PAGE_SIZE = 40
CLOCK_SLACK = timedelta(minutes=5)
MEDIA_POLLS = 30
MEDIA_POLL_SECONDS = 2.0
# When processing outlasts the polls nothing was posted: ask the runner to come back later.
MEDIA_RETRY_SECONDS = 300.0
NOT_FOUND = "not found among the account's recent statuses"
# Listening: notifications of these types carry replies, mentions and quotes (4.5+);
# GET /api/v1/statuses takes at most 20 ids (Api::BaseController DEFAULT_STATUSES_LIMIT).
MENTION_TYPES = ("mention", "quote")
MENTION_PAGE = 80
STATUSES_BATCH = 20


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


class _TextOf(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "br":
            self.chunks.append("\n")
        elif tag == "p" and self.chunks:
            self.chunks.append("\n\n")

    def handle_startendtag(self, tag: str, attrs: Any) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)


def html_to_text(content: str) -> str:
    """A status's sanitised HTML as plain text: paragraphs, line breaks, full link URLs.

    Mastodon shortens links only visually (``invisible`` spans keep the rest of
    the URL), so dropping the tags gives back the URL that was posted.
    """
    parser = _TextOf()
    parser.feed(content or "")
    parser.close()
    return "".join(parser.chunks).strip()


_REMOTE_MENTION = re.compile(r"(?<![\w@])@(\w+)@[\w-]+(?:\.[\w-]+)+")


def normalise_text(text: str) -> str:
    """Text reduced to what survives Mastodon's rendering: NFC, ``@user``, single spaces."""
    text = unicodedata.normalize("NFC", text)
    text = _REMOTE_MENTION.sub(r"@\1", text)
    return " ".join(text.split())


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)


def _newest_first(status: dict[str, Any]) -> tuple[int, str]:
    ident = str(status.get("id", ""))
    return (len(ident), ident)


def match_posted(out: Outgoing, done: list[dict[str, Any]], statuses: Iterable[dict[str, Any]],
                 since: datetime | None) -> list[dict[str, Any]]:
    """The thread parts of ``out`` found among ``statuses``, continuing from ``done``.

    A part matches a status with the same normalised text that answers the part
    before it (or the post's reply target) and is not older than ``since``. If a
    retry already duplicated a part, the oldest copy is the one the thread uses.
    """
    pool = sorted((s for s in statuses if isinstance(s, dict) and not s.get("reblog") and s.get("id")),
                  key=_newest_first)
    parts = [dict(p) for p in done]
    used = {str(p.get("id")) for p in parts}
    for index in range(len(parts), len(out.parts)):
        parent = parts[-1]["id"] if parts else (out.reply_to.remote_id if out.reply_to else None)
        wanted = normalise_text(out.parts[index])
        found = None
        for status in pool:
            created = parse_time(status.get("created_at"))
            if (str(status["id"]) not in used and status.get("in_reply_to_id") == parent
                    and (since is None or created is None or created >= since)
                    and normalise_text(html_to_text(status.get("content") or "")) == wanted):
                found = status
                break
        if found is None:
            break
        used.add(str(found["id"]))
        parts.append({"id": str(found["id"]), "url": found.get("url") or found.get("uri")})
    return parts


class MastodonChannel:
    """Publishes to one Mastodon account; see the module docstring for the exactly-once rules."""

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
        self.instance = str(instance).rstrip("/")
        self.visibility = options.get("visibility") or "public"
        self.language = options.get("language") or None
        self.root = Path(root)
        self.sleep = sleep
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.media_polls = media_polls
        self.http = http.client(self.instance, transport)
        self.http.headers["Authorization"] = f"Bearer {token}"
        if timeout is not None:
            self.http.timeout = httpx.Timeout(timeout)
        self._limits: InstanceLimits | None = None

    def close(self) -> None:
        self.http.close()

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return http.send(self.http, self.name, method, url, **kwargs)

    def _json(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            # A 2xx we cannot read may still have created something.
            raise UnknownOutcome(f"channel {self.name}: the server's answer was not JSON "
                                 f"({response.status_code})") from None

    def instance_limits(self) -> InstanceLimits:
        """The instance's limits (cached): never hardcode 500, forks change it."""
        if self._limits is None:
            try:
                response = self._send("GET", "/api/v2/instance")
            except Rejected as exc:
                if exc.status != 404:
                    raise
                response = self._send("GET", "/api/v1/instance")  # servers before 4.0
            self._limits = parse_instance(self._json(response))
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
        response = self._send("POST", "/api/v1/statuses", data=form,
                              headers={"Idempotency-Key": f"{out.key}-{index}"})
        status = self._json(response)
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
            response = self._send("POST", "/api/v2/media", data={"description": item.alt},
                                  files={"file": (item.path.name, stream, item.mime)})
        attachment = self._json(response)
        media_id = str(attachment.get("id") or "")
        if not media_id:
            raise UnknownOutcome(f"channel {self.name}: the media upload answer holds no id")
        if response.status_code == 200 and attachment.get("url"):
            return media_id
        # 202: the full-size file is still processing; a status may not use it before it is ready.
        for _ in range(self.media_polls):
            self.sleep(MEDIA_POLL_SECONDS)
            if self._send("GET", f"/api/v1/media/{media_id}").status_code == 200:
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
        account = self._json(self._send("GET", "/api/v1/accounts/verify_credentials"))
        if not isinstance(account, dict) or not account.get("id"):
            raise UnknownOutcome(f"channel {self.name}: verify_credentials returned no account id")
        url: str = f"/api/v1/accounts/{account['id']}/statuses"
        params: dict[str, Any] | None = {"limit": LOOKUP_PAGE_SIZE}
        collected: list[dict[str, Any]] = []
        for _ in range(LOOKUP_PAGES):
            response = self._send("GET", url, params=params)
            page = self._json(response)
            if not isinstance(page, list):
                raise UnknownOutcome(f"channel {self.name}: the account's statuses were not a list")
            collected.extend(s for s in page if isinstance(s, dict))
            stamps = [parse_time(s.get("created_at")) for s in page if isinstance(s, dict)]
            oldest = min((s for s in stamps if s), default=None)
            if not page or "next" not in response.links or (since and oldest and oldest < since):
                return collected, True
            following = self._next_page(response)
            if following is None:
                return collected, False
            url, params = following, None
        return collected, False

    def _next_page(self, response: httpx.Response) -> str | None:
        """The Link ``next`` URL, only when it points at the same instance (it gets the token)."""
        target = response.links.get("next", {}).get("url")
        if not target:
            return None
        url, base = httpx.URL(target), httpx.URL(self.instance)
        if (url.scheme, url.host, url.port) != (base.scheme, base.host, base.port):
            return None
        return str(url)

    # -- listening (socialgit fetch): each method is one request --------------------------

    counts_batch = STATUSES_BATCH
    rate_remaining: int | None = None
    _account_id: str | None = None

    def _read(self, url: str, **kwargs: Any) -> tuple[httpx.Response, Any]:
        response = self._send("GET", url, **kwargs)
        try:
            self.rate_remaining = int(response.headers.get("X-RateLimit-Remaining", ""))
        except ValueError:
            self.rate_remaining = None
        return response, self._json(response)

    def whoami(self) -> str:
        _, account = self._read("/api/v1/accounts/verify_credentials")
        if not isinstance(account, dict) or not account.get("id"):
            raise UnknownOutcome(f"channel {self.name}: verify_credentials returned no account id")
        self._account_id = str(account["id"])
        return self._account_id

    def mention_page(self, state: Mapping[str, Any], since: datetime) -> FetchPage:
        """Mention and quote notifications (a reply to us is a mention)."""
        def entry(note: dict[str, Any]) -> tuple[Any, str] | None:
            kind = note.get("type")
            return (note.get("status"), "quote" if kind == "quote" else "mention") if kind in MENTION_TYPES else None

        return self._walk("/api/v1/notifications", [("types[]", kind) for kind in MENTION_TYPES], state, since,
                          MENTION_PAGE, entry)

    def own_page(self, state: Mapping[str, Any], since: datetime) -> FetchPage:
        """The account's own replies: how socialgit sees that the team answered someone."""
        account = self._account_id or self.whoami()
        return self._walk(f"/api/v1/accounts/{account}/statuses", [("exclude_reblogs", "true")], state, since,
                          LOOKUP_PAGE_SIZE, lambda status: (status, "reply") if status.get("in_reply_to_id") else None)

    def _walk(self, url: str, params: list[tuple[str, Any]], state: Mapping[str, Any], since: datetime, size: int,
              entry: Callable[[dict[str, Any]], tuple[Any, str] | None]) -> FetchPage:
        """One page of an id-paginated list, following its ``Link`` header.

        With a stored ``min_id`` the walk goes forward from it, oldest page first,
        so each page moves the cursor and nothing is skipped when a run stops
        early. The very first walk goes back from the newest to ``since``
        (``max_id`` pages) and then remembers the newest id it saw.
        """
        forward = bool(state.get("min_id")) and not state.get("max_id")
        cursor = [("min_id", state["min_id"])] if forward else (
            [("max_id", state["max_id"])] if state.get("max_id") else [])
        response, page = self._read(url, params=[*params, ("limit", size), *cursor])
        if not isinstance(page, list):
            raise UnknownOutcome(f"channel {self.name}: {url} did not answer with a list")
        rows = [row for row in page if isinstance(row, dict) and row.get("id")]
        items, skipped = [], []
        for row in rows:
            wanted = entry(row)
            created = parse_time(row.get("created_at"))
            if wanted is None or (not forward and created is not None and created < since):
                continue
            found = mastodon_item(*wanted)
            (skipped if isinstance(found, Skipped) else items).append(found)
        if forward:
            newest = _link_param(response, "prev", "min_id") or (str(rows[0]["id"]) if rows else None)
            return FetchPage(items, {"min_id": newest or state["min_id"]}, len(page) < size, skipped)
        top = state.get("top") or (str(rows[0]["id"]) if rows else None)
        stamps = [t for t in (parse_time(row.get("created_at")) for row in rows) if t]
        older = _link_param(response, "next", "max_id")
        if not rows or older is None or (stamps and min(stamps) < since):
            return FetchPage(items, {"min_id": top} if top else {}, True, skipped)
        return FetchPage(items, {"max_id": older, "top": top}, False, skipped)

    def thread(self, ref: str) -> tuple[list[RemoteItem], list[Skipped]]:
        if safe_id(ref) is None:
            return [], [Skipped(ref[:80], "not a Mastodon status id")]
        try:
            _, context = self._read(f"/api/v1/statuses/{ref}/context")
        except Rejected as exc:
            if exc.status in (404, 410):
                return [], [Skipped(ref, "the post is gone from the instance")]
            raise
        descendants = context.get("descendants") if isinstance(context, dict) else None
        items, skipped = [], []
        for status in descendants if isinstance(descendants, list) else []:
            found = mastodon_item(status)
            (skipped if isinstance(found, Skipped) else items).append(found)
        return items, skipped

    def counts(self, refs: list[str]) -> dict[str, Counts]:
        wanted = [ref for ref in refs if safe_id(ref)][: self.counts_batch]
        if not wanted:
            return {}
        try:
            _, statuses = self._read("/api/v1/statuses", params=[("id[]", ref) for ref in wanted])
        except Rejected as exc:
            if exc.status == 404:
                raise Rejected(f"channel {self.name}: the instance has no GET /api/v1/statuses (Mastodon 4.3 "
                               "or later); engagement counts cannot be read in batches there", 404) from None
            raise
        found = [s for s in statuses if isinstance(s, dict)] if isinstance(statuses, list) else []
        return {str(s.get("id")): mastodon_counts(s) for s in found if str(s.get("id")) in wanted}


def _link_param(response: httpx.Response, rel: str, name: str) -> str | None:
    """One query parameter of the ``Link`` header's ``rel`` URL (the cursor it carries)."""
    target = response.links.get(rel, {}).get("url")
    if not target:
        return None
    values = httpx.URL(target).params.get_list(name)
    return values[0] if values else None
