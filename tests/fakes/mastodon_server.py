"""A Mastodon API server for tests, written from mastodon/documentation (content/en/methods/*.md).

It covers only what socialgit uses, and models the behaviour exactly-once depends on:
- ``Idempotency-Key`` is kept per account for ``idempotency_ttl`` (1 h) *after* the
  status is created; a repeat inside it returns the original status.
- 422 ``Text character limit of N exceeded``, counted as the server does: grapheme
  clusters, every URL as ``characters_reserved_per_url``, ``@user@domain`` as ``@user``.
- ``POST /api/v2/media``: 200 for small images, 202 (``url: null``) for large files,
  then ``GET /api/v1/media/:id`` 206 until processed, then 200; a status refuses
  media that is still processing.
- ``Link`` pagination (``max_id`` next, ``min_id`` prev) and ``X-RateLimit-*`` headers
  on every answer, 429 once the budget of the window is spent.
- What listening reads: ``/statuses/:id/context``, notifications filtered by ``types[]``
  (a reply or an ``@name`` makes a ``mention``, a quote a ``quote``, one per person),
  ``GET /api/v1/statuses?id[]=`` (at most 20, else 422) with favourite, boost, reply
  and quote counts; remote accounts (``acct`` user@domain) with any display name, and
  remote content passed through as the server federated it (``post(html=...)``).
Fault hooks: ``fail_next`` (answer 5xx before acting), ``drop_next`` (act, then reset
the connection), ``delay_next`` (act, then answer too late for the client).
"""

from __future__ import annotations

import html
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable
from urllib.parse import urlencode

import regex

from . import LocalServer, Reply, Request

_URL = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)\]'…]")
_MENTION = re.compile(r"(?<![\w@/])@(\w+)(?:@([\w-]+(?:\.[\w-]+)+))?")
_HASHTAG = re.compile(r"(?<![\w#/&])#(\w+)")
STATUSES_LIMIT = 20  # Api::BaseController DEFAULT_STATUSES_LIMIT
NOT_READY = "Cannot attach files that have not finished processing. Try again in a moment!"


def iso(stamp: datetime) -> str:
    return stamp.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"


def status_length(text: str, reserved_per_url: int = 23) -> int:
    """Mastodon's StatusLengthValidator: URLs count as a fixed length, remote mentions as local."""
    countable = _URL.sub("x" * reserved_per_url, text)
    countable = _MENTION.sub(lambda m: "@" + m.group(1), countable)
    return len(regex.findall(r"\X", countable))


@dataclass
class Fault:
    kind: str  # "fail" | "drop" | "delay"
    method: str | None
    path: str | None
    status: int = 500
    seconds: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)

    def matches(self, request: Request) -> bool:
        return (self.method in (None, request.method)) and (self.path is None or request.path.startswith(self.path))


class FakeMastodon(LocalServer):
    def __init__(self, *, token: str = "test-token", username: str = "socialgit",
                 clock: Callable[[], datetime] | None = None, domain: str = "mastodon.example",
                 max_characters: int = 500, characters_reserved_per_url: int = 23,
                 max_media_attachments: int = 4, image_size_limit: int = 16 * 1024 * 1024,
                 video_size_limit: int = 99 * 1024 * 1024, sync_media_bytes: int = 1024 * 1024,
                 processing_polls: int = 1, idempotency_ttl: timedelta = timedelta(hours=1),
                 rate_limit: int = 300, rate_period: timedelta = timedelta(minutes=5)):
        super().__init__()
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.domain = domain
        self.limits = dict(max_characters=max_characters, characters_reserved_per_url=characters_reserved_per_url,
                           max_media_attachments=max_media_attachments, image_size_limit=image_size_limit,
                           video_size_limit=video_size_limit)
        self.sync_media_bytes, self.processing_polls = sync_media_bytes, processing_polls
        self.idempotency_ttl, self.rate_limit, self.rate_period = idempotency_ttl, rate_limit, rate_period
        self.lock = threading.RLock()
        self.accounts: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, str] = {}
        self.statuses: dict[str, dict[str, Any]] = {}
        self.media: dict[str, dict[str, Any]] = {}
        self.notifications: list[dict[str, Any]] = []
        self.keys: dict[tuple[str, str], tuple[str, datetime]] = {}
        self.faults: list[Fault] = []
        self.budget: dict[tuple[str, int], int] = {}
        self._used_ids: set[int] = set()
        self.me = self.add_account(username, token)

    # -- test hooks ---------------------------------------------------------------

    def add_account(self, username: str, token: str | None = None, *, display_name: str | None = None,
                    domain: str | None = None) -> dict[str, Any]:
        """An account; with ``domain`` a remote one (``acct`` is user@domain), as federation shows it."""
        with self.lock:
            account = {"id": self._next_id(), "username": username, "created_at": self.clock(),
                       "display_name": display_name, "domain": domain}
            self.accounts[account["id"]] = account
            if token:
                self.tokens[token] = account["id"]
            return account

    def post(self, account: dict[str, Any], text: str, *, in_reply_to_id: str | None = None,
             created_at: datetime | None = None, visibility: str = "public", html: str | None = None,
             status_id: str | None = None, quote_of: str | None = None, language: str | None = None,
             spoiler_text: str = "") -> dict[str, Any]:
        """Create a status directly (someone else's reply, an old post of the account).

        ``html`` stands for the content a remote server federated (Mastodon passes
        it on sanitised, other software may not); ``status_id`` forces an id, for
        servers whose ids are not numbers; ``quote_of`` makes it a quote (4.5+).
        """
        with self.lock:
            form = {"status": [text], "visibility": [visibility],
                    **({"in_reply_to_id": [in_reply_to_id]} if in_reply_to_id else {}),
                    **({"language": [language]} if language else {})}
            return self._create(account, form, [], created_at or self.clock(), html=html, status_id=status_id,
                                quote_of=quote_of, spoiler_text=spoiler_text)

    def reblog(self, status_id: str, account: dict[str, Any]) -> None:
        with self.lock:
            status = self.statuses[status_id]
            status["reblogs_count"] += 1
            self._notify("reblog", account, status["account_id"], status_id, self.clock())

    def favourite(self, status_id: str, account: dict[str, Any]) -> None:
        with self.lock:
            status = self.statuses[status_id]
            status["favourites_count"] += 1
            self._notify("favourite", account, status["account_id"], status_id, self.clock())

    def fail_next(self, status: int = 500, *, method: str | None = None, path: str | None = None,
                  headers: dict[str, str] | None = None) -> None:
        self.faults.append(Fault("fail", method, path, status=status, headers=headers or {}))

    def drop_next(self, *, method: str | None = "POST", path: str | None = "/api/v1/statuses") -> None:
        self.faults.append(Fault("drop", method, path))

    def delay_next(self, seconds: float, *, method: str | None = "POST", path: str | None = "/api/v1/statuses") -> None:
        self.faults.append(Fault("delay", method, path, seconds=seconds))

    def statuses_of(self, account: dict[str, Any]) -> list[dict[str, Any]]:
        return [s for s in self.statuses.values() if s["account_id"] == account["id"]]

    # -- entities -----------------------------------------------------------------

    def _next_id(self, at: datetime | None = None) -> str:
        # Snowflake-like: milliseconds << 16 plus a sequence, so ids sort by creation time.
        candidate = int((at or self.clock()).timestamp() * 1000) << 16
        while candidate in self._used_ids:
            candidate += 1
        self._used_ids.add(candidate)
        return str(candidate)

    def _account_json(self, account: dict[str, Any]) -> dict[str, Any]:
        name = account["username"]
        host = account.get("domain") or self.domain
        acct = f"{name}@{account['domain']}" if account.get("domain") else name
        display = account.get("display_name")
        return {"id": account["id"], "username": name, "acct": acct,
                "display_name": name.title() if display is None else display,
                "locked": False, "bot": False, "group": False, "created_at": iso(account["created_at"]),
                "note": "", "url": f"https://{host}/@{name}", "uri": f"https://{host}/users/{name}",
                "avatar": f"https://{self.domain}/avatars/original/missing.png",
                "followers_count": 0, "following_count": 0, "statuses_count": account.get("statuses_count", 0),
                "last_status_at": iso(account["last_status_at"])[:10] if account.get("last_status_at") else None,
                "emojis": [], "fields": []}

    def _content(self, text: str) -> str:
        def inline(line: str) -> str:
            out, position = [], 0
            tokens = sorted([(m.start(), m.end(), "url", m) for m in _URL.finditer(line)]
                            + [(m.start(), m.end(), "mention", m) for m in _MENTION.finditer(line)]
                            + [(m.start(), m.end(), "tag", m) for m in _HASHTAG.finditer(line)])
            for start, end, kind, match in tokens:
                if start < position:
                    continue
                out.append(html.escape(line[position:start]))
                out.append(self._entity(kind, match))
                position = end
            return "".join(out) + html.escape(line[position:])

        paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
        return "".join("<p>" + "<br />".join(inline(line) for line in p.split("\n")) + "</p>" for p in paragraphs)

    def _entity(self, kind: str, match: re.Match[str]) -> str:
        if kind == "url":
            url = match.group(0)
            prefix = re.match(r"https?://(?:www\.)?", url).group(0)
            rest = url[len(prefix):]
            shown, hidden = rest[:30], rest[30:]
            return (f'<a href="{html.escape(url)}" target="_blank" rel="nofollow noopener" translate="no">'
                    f'<span class="invisible">{html.escape(prefix)}</span>'
                    f'<span class="{"ellipsis" if hidden else ""}">{html.escape(shown)}</span>'
                    f'<span class="invisible">{html.escape(hidden)}</span></a>')
        if kind == "mention":
            user, host = match.group(1), match.group(2) or self.domain
            return (f'<span class="h-card" translate="no"><a href="https://{host}/@{user}" '
                    f'class="u-url mention">@<span>{html.escape(user)}</span></a></span>')
        tag = match.group(1)
        return f'<a href="https://{self.domain}/tags/{tag.lower()}" class="mention hashtag" rel="tag">#<span>{tag}</span></a>'

    def _status_json(self, status: dict[str, Any], nested: bool = False) -> dict[str, Any]:
        account = self.accounts[status["account_id"]]
        name = account["username"]
        host = account.get("domain") or self.domain
        parent = self.statuses.get(status["in_reply_to_id"] or "")
        quoted = self.statuses.get(status.get("quote_of") or "")
        quote = None
        if quoted is not None:  # a quote inside a quote is shallow, as upstream renders it
            quote = ({"state": "accepted", "quoted_status_id": quoted["id"]} if nested else
                     {"state": "accepted", "quoted_status": self._status_json(quoted, nested=True)})
        return {
            "id": status["id"], "created_at": iso(status["created_at"]),
            "in_reply_to_id": status["in_reply_to_id"],
            "in_reply_to_account_id": parent["account_id"] if parent else None,
            "sensitive": bool(status.get("spoiler_text")), "spoiler_text": status.get("spoiler_text") or "",
            "visibility": status["visibility"],
            "language": status["language"], "uri": f"https://{host}/users/{name}/statuses/{status['id']}",
            "url": f"https://{host}/@{name}/{status['id']}",
            "replies_count": status["replies_count"],
            "reblogs_count": status["reblogs_count"], "favourites_count": status["favourites_count"],
            "quotes_count": status["quotes_count"],
            "quote": quote,
            "edited_at": None,
            "content": status["html"] if status.get("html") is not None else self._content(status["text"]),
            "reblog": None,
            "application": {"name": "socialgit", "website": None}, "account": self._account_json(account),
            "media_attachments": [self._media_json(self.media[m]) for m in status["media_ids"]],
            "mentions": [], "tags": [], "emojis": [], "card": None, "poll": None,
        }

    def _media_json(self, media: dict[str, Any]) -> dict[str, Any]:
        ready = media["polls_left"] <= 0
        url = f"https://files.{self.domain}/media_attachments/{media['id']}/original/{media['filename']}"
        return {"id": media["id"], "type": media["type"], "url": url if ready else None,
                "preview_url": url.replace("/original/", "/small/"), "remote_url": None, "text_url": None,
                "meta": {}, "description": media["description"], "blurhash": "UFBWY:8_0Jxv4mx]t8t64.%M-:IUWGWAt6M}"}

    def _create(self, account: dict[str, Any], form: dict[str, list[str]], media_ids: list[str],
                created_at: datetime, *, html: str | None = None, status_id: str | None = None,
                quote_of: str | None = None, spoiler_text: str = "") -> dict[str, Any]:
        status = {"id": status_id or self._next_id(created_at), "account_id": account["id"], "created_at": created_at,
                  "html": html, "quote_of": quote_of, "spoiler_text": spoiler_text,
                  "text": (form.get("status") or [""])[0], "visibility": (form.get("visibility") or ["public"])[0],
                  "language": (form.get("language") or [None])[0],
                  "in_reply_to_id": (form.get("in_reply_to_id") or [None])[0],
                  "media_ids": media_ids, "reblogs_count": 0, "favourites_count": 0, "replies_count": 0,
                  "quotes_count": 0}
        self.statuses[status["id"]] = status
        # counters kept as the server keeps them (status_stats, account_stats), not recounted per answer
        account["statuses_count"] = account.get("statuses_count", 0) + 1
        account["last_status_at"] = max(account.get("last_status_at") or created_at, created_at)
        for media_id in media_ids:
            self.media[media_id]["status_id"] = status["id"]
        # A reply mentions the author it answers; a local @name mentions that account; one
        # notification per person. A quote notifies the quoted author as `quote` (4.5+).
        mentioned = {a["id"] for a in self.accounts.values() if not a.get("domain")
                     and re.search(rf"(?<![\w@/])@{re.escape(a['username'])}(?:@{re.escape(self.domain)})?\b",
                                   status["text"])}
        parent = self.statuses.get(status["in_reply_to_id"] or "")
        if parent:
            mentioned.add(parent["account_id"])
            parent["replies_count"] += 1
        quoted = self.statuses.get(quote_of or "")
        if quoted:
            quoted["quotes_count"] += 1
        for recipient in sorted(mentioned - {account["id"]}):
            self._notify("mention", account, recipient, status["id"], created_at)
        if quoted and quoted["account_id"] != account["id"] and quoted["account_id"] not in mentioned:
            self._notify("quote", account, quoted["account_id"], status["id"], created_at)
        return status

    def _notify(self, kind: str, account: dict[str, Any], recipient: str, status_id: str, at: datetime) -> None:
        self.notifications.append({"id": self._next_id(at), "type": kind, "created_at": at,
                                   "account_id": account["id"], "recipient_id": recipient, "status_id": status_id})

    # -- HTTP ---------------------------------------------------------------------

    def handle(self, request: Request) -> Reply:
        with self.lock:
            fault = next((f for f in self.faults if f.matches(request)), None)
            if fault and fault.kind == "fail":
                self.faults.remove(fault)
                message = "Too many requests" if fault.status == 429 else "We're sorry, but something went wrong."
                return Reply(fault.status, {"error": message}, dict(fault.headers))
            token = (request.header("Authorization") or "").removeprefix("Bearer ").strip()
            reply, headers = self._limited(token or "ip:127.0.0.1")
            if reply is None:
                reply = self._route(request, self.accounts.get(self.tokens.get(token, "")), bool(token))
            reply.headers.update(headers)
            if fault and fault.kind in ("drop", "delay") and reply.status < 300:
                self.faults.remove(fault)
                reply.drop, reply.delay = fault.kind == "drop", fault.seconds
            return reply

    def _limited(self, bucket: str) -> tuple[Reply | None, dict[str, str]]:
        period = int(self.rate_period.total_seconds())
        now = self.clock()
        window = int(now.timestamp()) // period
        used = self.budget.get((bucket, window), 0) + 1
        self.budget[(bucket, window)] = used
        reset = datetime.fromtimestamp((window + 1) * period, timezone.utc)
        headers = {"X-RateLimit-Limit": str(self.rate_limit),
                   "X-RateLimit-Remaining": str(max(0, self.rate_limit - used)),
                   "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%M:%S.000000Z")}
        if used > self.rate_limit:
            return Reply(429, {"error": "Too many requests"}), headers
        return None, headers

    def _route(self, request: Request, me: dict[str, Any] | None, has_token: bool) -> Reply:
        method, path = request.method, request.path
        if method == "GET" and path == "/api/v2/instance":
            return Reply(200, self._instance())
        if me is None:
            return Reply(401, {"error": "The access token is invalid" if has_token
                               else "This method requires an authenticated user"})
        routes: list[tuple[str, str, Callable[..., Reply]]] = [
            ("POST", r"/api/v1/statuses", self._post_status),
            ("GET", r"/api/v1/statuses", self._get_statuses),
            ("GET", r"/api/v1/statuses/(\d+)/context", self._context),
            ("POST", r"/api/v2/media", self._post_media),
            ("GET", r"/api/v1/media/(\d+)", self._get_media),
            ("GET", r"/api/v1/accounts/verify_credentials",
             lambda r, me: Reply(200, {**self._account_json(me), "source": {"privacy": "public", "note": ""}})),
            ("GET", r"/api/v1/accounts/(\d+)/statuses", self._account_statuses),
            ("GET", r"/api/v1/notifications", self._notifications),
        ]
        for verb, pattern, action in routes:
            match = re.fullmatch(pattern, path)
            if verb == method and match:
                return action(request, me, *match.groups())
        return Reply(404, {"error": "Record not found"})

    def _instance(self) -> dict[str, Any]:
        limits = self.limits
        return {"domain": self.domain, "title": "Fake Mastodon", "version": "4.3.0",
                "source_url": "https://github.com/mastodon/mastodon", "languages": ["en"],
                "configuration": {
                    "urls": {"streaming": f"wss://{self.domain}"},
                    "accounts": {"max_featured_tags": 10, "max_pinned_statuses": 5},
                    "statuses": {"max_characters": limits["max_characters"],
                                 "max_media_attachments": limits["max_media_attachments"],
                                 "characters_reserved_per_url": limits["characters_reserved_per_url"]},
                    "media_attachments": {"supported_mime_types": ["image/jpeg", "image/png", "image/gif",
                                                                   "image/webp", "video/mp4"],
                                          "description_limit": 1500,
                                          "image_size_limit": limits["image_size_limit"],
                                          "image_matrix_limit": 16777216,
                                          "video_size_limit": limits["video_size_limit"],
                                          "video_frame_rate_limit": 120, "video_matrix_limit": 8294400},
                    "polls": {"max_options": 4, "max_characters_per_option": 50,
                              "min_expiration": 300, "max_expiration": 2629746}},
                "registrations": {"enabled": False, "approval_required": False, "message": None},
                "api_versions": {"mastodon": 2}}

    def _post_status(self, request: Request, me: dict[str, Any]) -> Reply:
        form, _ = request.form()
        key = request.header("Idempotency-Key")
        now = self.clock()
        if key:
            stored = self.keys.get((me["id"], key))
            if stored and now - stored[1] < self.idempotency_ttl and stored[0] in self.statuses:
                return Reply(200, self._status_json(self.statuses[stored[0]]))
        text = (form.get("status") or [""])[0]
        media_ids = [m for m in form.get("media_ids[]", form.get("media_ids", []))
                     if m in self.media and self.media[m]["account_id"] == me["id"] and not self.media[m]["status_id"]]
        limit = self.limits["max_characters"]
        if not text.strip() and not media_ids:
            return Reply(422, {"error": "Validation failed: Text can't be blank"})
        if status_length(text, self.limits["characters_reserved_per_url"]) > limit:
            return Reply(422, {"error": f"Validation failed: Text character limit of {limit} exceeded"})
        if len(media_ids) > self.limits["max_media_attachments"]:
            return Reply(422, {"error": f"Cannot attach more than {self.limits['max_media_attachments']} files"})
        if any(self.media[m]["polls_left"] > 0 for m in media_ids):
            return Reply(422, {"error": NOT_READY})
        parent = (form.get("in_reply_to_id") or [None])[0]
        if parent and parent not in self.statuses:
            return Reply(404, {"error": "The post you are trying to reply to does not appear to exist."})
        if (form.get("visibility") or ["public"])[0] not in ("public", "unlisted", "private", "direct"):
            return Reply(422, {"error": "Validation failed: Visibility is not included in the list"})
        status = self._create(me, form, media_ids, now)
        if key:
            # Stored after creation, as upstream does: two requests in flight both create.
            self.keys[(me["id"], key)] = (status["id"], now)
        return Reply(200, self._status_json(status))

    def _get_statuses(self, request: Request, me: dict[str, Any]) -> Reply:
        """GET /api/v1/statuses?id[]= (4.3+): the statuses that exist and may be seen, at most 20 ids."""
        wanted = list(dict.fromkeys(request.query.get("id[]") or request.query.get("id") or []))
        if len(wanted) > STATUSES_LIMIT:
            return Reply(422, {"error": "Validation failed"})
        found = [self.statuses[i] for i in wanted if i in self.statuses and (
            self.statuses[i]["visibility"] in ("public", "unlisted") or self.statuses[i]["account_id"] == me["id"])]
        return Reply(200, [self._status_json(s) for s in found])

    def _context(self, request: Request, me: dict[str, Any], status_id: str) -> Reply:
        if status_id not in self.statuses:
            return Reply(404, {"error": "Record not found"})
        ancestors, cursor = [], self.statuses[status_id]["in_reply_to_id"]
        while cursor in self.statuses:
            ancestors.insert(0, self._status_json(self.statuses[cursor]))
            cursor = self.statuses[cursor]["in_reply_to_id"]
        descendants: list[dict[str, Any]] = []

        def walk(parent: str) -> None:
            for child in sorted((s for s in self.statuses.values() if s["in_reply_to_id"] == parent),
                                key=lambda s: s["created_at"]):
                descendants.append(self._status_json(child))
                walk(child["id"])

        walk(status_id)
        return Reply(200, {"ancestors": ancestors, "descendants": descendants})

    def _post_media(self, request: Request, me: dict[str, Any]) -> Reply:
        fields, files = request.form()
        if "file" not in files:
            return Reply(422, {"error": "Validation failed: File can't be blank"})
        filename, mime, data = files["file"]
        major = mime.split("/")[0]
        if major not in ("image", "video", "audio"):
            return Reply(422, {"error": "Validation failed: File content type is invalid, File is invalid"})
        limit = self.limits["image_size_limit" if major == "image" else "video_size_limit"]
        if len(data) > limit:
            return Reply(422, {"error": f"Validation failed: File file size must be less than {limit // 1048576} MB"})
        synchronous = major == "image" and len(data) <= self.sync_media_bytes
        media = {"id": self._next_id(), "account_id": me["id"], "type": major, "filename": filename,
                 "description": (fields.get("description") or [None])[0], "size": len(data),
                 "polls_left": 0 if synchronous else self.processing_polls, "status_id": None}
        self.media[media["id"]] = media
        return Reply(200 if synchronous else 202, self._media_json(media))

    def _get_media(self, request: Request, me: dict[str, Any], media_id: str) -> Reply:
        media = self.media.get(media_id)
        if media is None or media["account_id"] != me["id"]:
            return Reply(404, {"error": "Record not found"})
        if media["polls_left"] > 0:
            media["polls_left"] -= 1
            return Reply(206, self._media_json({**media, "polls_left": 1}))
        return Reply(200, self._media_json(media))

    def _account_statuses(self, request: Request, me: dict[str, Any], account_id: str) -> Reply:
        if account_id not in self.accounts:
            return Reply(404, {"error": "Record not found"})
        mine = account_id == me["id"]
        items = [s for s in self.statuses.values() if s["account_id"] == account_id
                 and (mine or s["visibility"] in ("public", "unlisted"))]
        return self._page(request, items, self._status_json, default=20, most=40)

    def _notifications(self, request: Request, me: dict[str, Any]) -> Reply:
        types = request.query.get("types[]") or request.query.get("types")
        excluded = request.query.get("exclude_types[]") or []
        items = [n for n in self.notifications if n["recipient_id"] == me["id"]
                 and (not types or n["type"] in types) and n["type"] not in excluded]

        def render(note: dict[str, Any]) -> dict[str, Any]:
            return {"id": note["id"], "type": note["type"], "created_at": iso(note["created_at"]),
                    "account": self._account_json(self.accounts[note["account_id"]]),
                    "status": self._status_json(self.statuses[note["status_id"]])}

        return self._page(request, items, render, default=40, most=80)

    def _page(self, request: Request, items: list[dict[str, Any]], render: Callable[[dict[str, Any]], Any],
              *, default: int, most: int) -> Reply:
        """Mastodon's id pagination: newest first; ``min_id`` pages forward from a cursor."""
        query = request.query
        try:
            limit = max(1, min(int((query.get("limit") or [default])[0]), most))
        except ValueError:
            limit = default
        number = lambda name: int(query[name][0]) if query.get(name) else None  # noqa: E731
        max_id, since_id, min_id = number("max_id"), number("since_id"), number("min_id")
        chosen = sorted(items, key=lambda item: int(item["id"]), reverse=True)
        chosen = [i for i in chosen if (max_id is None or int(i["id"]) < max_id)
                  and (since_id is None or int(i["id"]) > since_id) and (min_id is None or int(i["id"]) > min_id)]
        page = chosen[-limit:] if min_id is not None else chosen[:limit]
        headers: dict[str, str] = {}
        if page:
            keep = [(k, v) for k, values in query.items() if k not in ("max_id", "min_id", "since_id", "limit")
                    for v in values]
            base = f"{self.base_url}{request.path}?"
            links = []
            if len(page) == limit:
                links.append(f'<{base}{urlencode(keep + [("limit", limit), ("max_id", page[-1]["id"])])}>; rel="next"')
            links.append(f'<{base}{urlencode(keep + [("limit", limit), ("min_id", page[0]["id"])])}>; rel="prev"')
            headers["Link"] = ", ".join(links)
        return Reply(200, [render(item) for item in page], headers)
