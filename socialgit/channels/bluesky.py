"""Bluesky: publish posts and threads to a PDS over plain XRPC, exactly once.

Exactly-once rests on the record key: every thread part is created under a TID
computed from the post (tid.record_key), and the PDS refuses a second record under
a key that exists (it answers 500 and creates nothing, verified against the real
PDS). So any unknown outcome is settled by reading that one key back.

Sessions: logging in is rate limited (30 per 5 minutes, 300 a day per account), so
the tokens are kept in ``<state_dir>/bluesky-<channel>.json`` (mode 0600) and reused;
an expired access token is refreshed; only a refused refresh logs in again. Nothing
touches the network until a call needs it, so a run with nothing due makes no call.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Mapping

import httpx
import regex

from ..config import ChannelConfig
from ..problems import UserError
from ..state import state_dir as default_state_dir
from . import http
from .base import (ChannelError, Media, Outcome, Outgoing, PartCallback, Rejected, ReplyTarget, TokenRefused,
                   UnknownOutcome)
from .listening import (Counts, FetchPage, RemoteItem, Skipped, bluesky_counts, bluesky_item, bluesky_thread_posts,
                        parse_time)
from .tid import record_key

POST = "app.bsky.feed.post"
MAX_IMAGES = 4
MAX_IMAGE_BYTES = 2_000_000  # lexicon limit; the PDS does not enforce it, so we do
_TOKEN_ERRORS = ("ExpiredToken", "InvalidToken")
# Listening: getPosts takes at most 25 URIs (lexicon app.bsky.feed.getPosts).
GET_POSTS_BATCH = 25
FEED_PAGE = 50
NOTIFICATION_REASONS = ("mention", "reply", "quote")
FEED_SLACK = timedelta(minutes=10)
THREAD_DEPTH = 100

# --- rich text facets (ported from @atproto/api's detectFacets; bsky-docs post-richtext)

# JavaScript's \s, so that what counts as a word boundary matches the official client
_WS = "\t\n\x0b\x0c\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_ZERO_WIDTH = "\u00ad\u2060\u200a\u200b\u200c\u200d\u20e2"
_MENTION = re.compile(rf"(^|[{_WS}]|\()@([a-zA-Z0-9.-]+)(?a:\b)")
_HANDLE = re.compile(r"([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?")
_LINK = re.compile(rf"(^|[{_WS}]|\()(https?://[^{_WS}]+)")  # lower-case scheme only, as the app
_TAG = regex.compile(
    rf"(^|[{_WS}])[#＃]((?!\ufe0f)[^{_WS}{_ZERO_WIDTH}]*"
    rf"[^0-9{_WS}\p{{P}}{_ZERO_WIDTH}]+[^{_WS}{_ZERO_WIDTH}]*)?"
)
_TRAILING_PUNCTUATION = regex.compile(r"\p{P}+$")
MAX_TAG_GRAPHEMES = 64


def _facet(text: str, start: int, end: int, feature: dict[str, str]) -> dict[str, Any]:
    """A facet over code points [start, end), indexed in UTF-8 bytes as the lexicon wants."""
    byte_start = len(text[:start].encode("utf-8"))
    byte_end = byte_start + len(text[start:end].encode("utf-8"))
    return {"index": {"byteStart": byte_start, "byteEnd": byte_end}, "features": [feature]}


def detect_facets(text: str) -> list[dict[str, Any]]:
    """Links, @mentions and #hashtags in ``text``, sorted, without overlaps.

    A mention's ``did`` still holds the handle: run ``resolve_mentions`` before
    sending (unresolvable handles are then dropped and stay plain text).
    """
    facets = []
    for match in _MENTION.finditer(text):
        handle = match.group(2)
        if len(handle) <= 253 and _HANDLE.fullmatch(handle):
            facets.append(_facet(text, match.start(2) - 1, match.end(2),
                                 {"$type": "app.bsky.richtext.facet#mention", "did": handle}))
    for match in _LINK.finditer(text):
        uri, start = match.group(2), match.start(2)
        if uri[-1] in ".,;:!?":
            uri = uri[:-1]
        if uri.endswith(")") and "(" not in uri:
            uri = uri[:-1]
        facets.append(_facet(text, start, start + len(uri), {"$type": "app.bsky.richtext.facet#link", "uri": uri}))
    for match in _TAG.finditer(text):
        tag = _TRAILING_PUNCTUATION.sub("", (match.group(2) or "").strip())
        if not tag or len(regex.findall(r"\X", tag)) > MAX_TAG_GRAPHEMES:
            continue
        start = match.start() + len(match.group(1))
        facets.append(_facet(text, start, start + 1 + len(tag), {"$type": "app.bsky.richtext.facet#tag", "tag": tag}))
    facets.sort(key=lambda f: (f["index"]["byteStart"], f["index"]["byteEnd"]))
    kept: list[dict[str, Any]] = []
    for facet in facets:  # facets must not overlap (a "(@x.y" inside a URL, say)
        if not kept or facet["index"]["byteStart"] >= kept[-1]["index"]["byteEnd"]:
            kept.append(facet)
    return kept


def resolve_mentions(facets: list[dict[str, Any]], resolve: Callable[[str], str | None]) -> list[dict[str, Any]]:
    """Replace each mention's handle by the DID ``resolve`` gives; drop it when None."""
    resolved = []
    for facet in facets:
        feature = facet["features"][0]
        if feature["$type"] == "app.bsky.richtext.facet#mention":
            did = resolve(feature["did"])
            if did is None:
                continue
            facet = {"index": facet["index"], "features": [{**feature, "did": did}]}
        resolved.append(facet)
    return resolved


def format_created_at(moment: datetime) -> str:
    """UTC with milliseconds and Z: the same string on every retry of the same post."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("createdAt needs an aware datetime (with a time zone)")
    utc = moment.astimezone(timezone.utc)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


def post_record(text: str, created_at: str, *, lang: str | None = None, facets: list | None = None,
                reply: dict | None = None, embed: dict | None = None) -> dict[str, Any]:
    record: dict[str, Any] = {"$type": POST, "text": text, "createdAt": created_at}
    if lang:
        record["langs"] = [lang]
    if facets:
        record["facets"] = facets
    if reply:
        record["reply"] = reply
    if embed:
        record["embed"] = embed
    return record


def _split_uri(uri: str) -> tuple[str, str, str]:
    match = re.fullmatch(r"at://([^/]+)/([^/]+)/([^/]+)", uri)
    if not match:
        raise Rejected(f'"{uri}" is not a Bluesky post address (at://did/collection/key)')
    return match.group(1), match.group(2), match.group(3)


@dataclass
class Session:
    did: str
    access: str
    refresh: str


class BlueskyChannel:
    """One Bluesky account on one PDS (``service``), signed in with an app password."""

    def __init__(self, config: ChannelConfig, env: Mapping[str, str], root: Path,
                 transport: httpx.BaseTransport | None = None, state_dir: Path | None = None):
        self.name = config.name
        options = config.options
        self.service = (options.get("service") or "https://bsky.social").rstrip("/")
        self.handle = str(options.get("handle") or "").lstrip("@")
        variable = options.get("password_env") or ""
        self._password = env.get(variable) if variable else None
        if not self._password:
            raise UserError(
                f"channel {self.name}: the environment variable {variable or '(password_env)'} is not set; "
                "put a Bluesky app password in it (Settings → Privacy and security → App passwords)")
        self.root = root
        self.state_file = (state_dir or default_state_dir(root)) / f"bluesky-{self.name}.json"
        self._transport = transport
        self._http: httpx.Client | None = None
        self._session: Session | None = None
        self._handles: dict[str, str | None] = {}
        self._last_error: str | None = None

    # --- transport and session -------------------------------------------------------

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    def _client(self) -> httpx.Client:
        if self._http is None:
            self._http = http.client(self.service, self._transport)
            # http.send keeps only the message of an error; XRPC decisions need its name
            self._http.event_hooks = {"response": [self._remember_error]}
        return self._http

    def _remember_error(self, response: httpx.Response) -> None:
        self._last_error = None
        if response.status_code >= 400:
            response.read()
            try:
                body = response.json()
            except ValueError:
                return
            if isinstance(body, dict) and isinstance(body.get("error"), str):
                self._last_error = body["error"]

    def _xrpc(self, method: str, nsid: str, token: str | None = None, **kwargs: Any) -> dict[str, Any]:
        headers = dict(kwargs.pop("headers", {}))
        if token:
            headers["Authorization"] = f"Bearer {token}"
        response = http.send(self._client(), self.name, method, f"/xrpc/{nsid}", headers=headers, **kwargs)
        return response.json()

    def _load_session(self) -> Session | None:
        try:
            data = json.loads(self.state_file.read_text(encoding="utf-8"))
            if data.get("service") == self.service and data.get("handle") == self.handle:
                return Session(data["did"], data["accessJwt"], data["refreshJwt"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass  # no usable session: log in again, the file is only a cache
        return None

    def _save_session(self, answer: dict[str, Any]) -> Session:
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
        answer = self._xrpc("POST", "com.atproto.server.createSession",
                            json={"identifier": self.handle, "password": self._password})
        return self._save_session(answer)

    def _ensure_session(self) -> Session:
        if self._session is None:
            self._session = self._load_session() or self._login()
        return self._session

    def _renew(self) -> Session:
        session = self._ensure_session()
        try:
            return self._save_session(self._xrpc("POST", "com.atproto.server.refreshSession", session.refresh))
        except (TokenRefused, Rejected):
            return self._login()

    def _token_failed(self, exc: ChannelError) -> bool:
        return isinstance(exc, TokenRefused) or (
            isinstance(exc, Rejected) and exc.status == 400 and self._last_error in _TOKEN_ERRORS)

    def _authed(self, method: str, nsid: str, **kwargs: Any) -> dict[str, Any]:
        """A call with the access token; on an expired one, renew and retry once.

        Retrying is safe: a refused token means the PDS did nothing with the request.
        """
        try:
            return self._xrpc(method, nsid, self._ensure_session().access, **kwargs)
        except (TokenRefused, Rejected) as exc:
            if not self._token_failed(exc):
                raise
        return self._xrpc(method, nsid, self._renew().access, **kwargs)

    # --- lookups -------------------------------------------------------------------

    def _resolve_handle(self, handle: str) -> str | None:
        if handle not in self._handles:
            try:
                answer = self._xrpc("GET", "com.atproto.identity.resolveHandle", params={"handle": handle})
                self._handles[handle] = answer.get("did")
            except Rejected:
                self._handles[handle] = None  # no such account: the mention stays plain text
        return self._handles[handle]

    def _repo(self, receipt: Mapping[str, Any] | None = None) -> str:
        """The account's DID without logging in: stored session, receipt, else the handle."""
        session = self._session or self._load_session()
        if session:
            return session.did
        for part in (receipt or {}).get("parts") or []:
            if isinstance(part, dict) and str(part.get("id", "")).startswith("at://did:"):
                return _split_uri(part["id"])[0]
        did = self._resolve_handle(self.handle)
        if did is None:
            raise Rejected(f"channel {self.name}: the handle {self.handle} does not exist on {self.service}; "
                           "fix handle in socialgit.toml")
        return did

    def _get_record(self, repo: str, collection: str, rkey: str) -> dict[str, Any] | None:
        """The record, or None when the PDS says it does not exist; other errors raise."""
        try:
            return self._xrpc("GET", "com.atproto.repo.getRecord",
                              params={"repo": repo, "collection": collection, "rkey": rkey})
        except Rejected:
            if self._last_error == "RecordNotFound":
                return None
            raise

    def _strong_ref(self, uri: str, cid: str | None) -> dict[str, str]:
        if cid:
            return {"uri": uri, "cid": cid}
        found = self._get_record(*_split_uri(uri))
        if found is None:
            raise Rejected(f"channel {self.name}: the post {uri} to reply to does not exist (any more)")
        return {"uri": found["uri"], "cid": found["cid"]}

    def _part(self, uri: str, cid: str, rkey: str) -> dict[str, Any]:
        return {"id": uri, "cid": cid, "url": f"https://bsky.app/profile/{self.handle}/post/{rkey}", "rkey": rkey}

    # --- publishing ------------------------------------------------------------------

    def _show(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)

    def _read_images(self, out: Outgoing) -> list[tuple[Media, bytes]]:
        """Check the limits the PDS does not, before anything is sent."""
        if len(out.media) > MAX_IMAGES:
            raise Rejected(f"channel {self.name}: post {out.post_id} has {len(out.media)} images; Bluesky "
                           f"shows at most {MAX_IMAGES} per post: remove some from its media list")
        images = []
        for media in out.media:
            try:
                data = media.path.read_bytes()
            except OSError as exc:
                raise Rejected(f"{self._show(media.path)}: cannot read this image of post {out.post_id} "
                               f"({exc.strerror}); fix the path in its media list") from None
            if len(data) > MAX_IMAGE_BYTES:
                raise Rejected(f"{self._show(media.path)}: {len(data):,} bytes is more than Bluesky accepts "
                               f"({MAX_IMAGE_BYTES:,} bytes per image); resize or compress it and publish again")
            images.append((media, data))
        return images

    def _embed(self, images: list[tuple[Media, bytes]]) -> dict[str, Any] | None:
        if not images:
            return None
        entries = []
        for media, data in images:
            blob = self._authed("POST", "com.atproto.repo.uploadBlob", content=data,
                                headers={"Content-Type": media.mime})["blob"]
            entries.append({"image": blob, "alt": media.alt})
        return {"$type": "app.bsky.embed.images", "images": entries}

    def _create(self, repo: str, rkey: str, record: dict[str, Any]) -> dict[str, Any]:
        try:
            answer = self._authed("POST", "com.atproto.repo.createRecord",
                                  json={"repo": repo, "collection": POST, "rkey": rkey, "record": record})
            return self._part(answer["uri"], answer["cid"], rkey)
        except UnknownOutcome as unknown:
            # A repeat under an existing key answers 500: read the key to learn what is there.
            try:
                found = self._get_record(repo, POST, rkey)
            except ChannelError:
                raise unknown from None
            if found is None:
                raise
        if found.get("value", {}).get("text") != record["text"]:
            raise Rejected(f"channel {self.name}: record key {rkey} already holds a different post; "
                           "move this post's publish time by a second and publish again")
        return self._part(found["uri"], found["cid"], rkey)

    def publish(self, out: Outgoing, done: list[dict[str, Any]], on_part: PartCallback) -> Outcome:
        images = self._read_images(out)
        created_at = format_created_at(out.created_at)
        parts = [dict(part) for part in done[: len(out.parts)]]
        root = parent = None
        if out.reply_to is not None:
            target: ReplyTarget = out.reply_to
            parent = self._strong_ref(target.remote_id, target.cid)
            root = self._strong_ref(target.root_id, target.root_cid) if target.root_id else parent
        if parts:
            first, last = parts[0], parts[-1]
            root = root or self._strong_ref(first["id"], first.get("cid"))
            parent = self._strong_ref(last["id"], last.get("cid"))
        for index in range(len(parts), len(out.parts)):
            text = out.parts[index]
            record = post_record(
                text, created_at, lang=out.lang,
                facets=resolve_mentions(detect_facets(text), self._resolve_handle),
                reply={"root": root, "parent": parent} if parent else None,
                embed=self._embed(images) if index == 0 else None)
            part = self._create(self._ensure_session().did, record_key(out.created_at, out.key, index), record)
            parts.append(part)
            on_part(index, part)
            parent = {"uri": part["id"], "cid": part["cid"]}
            root = root or parent
        return Outcome("published", parts=parts)

    def reconcile(self, out: Outgoing, receipt: dict[str, Any]) -> Outcome | None:
        """Read each part's record key back; any part missing means it was never posted."""
        parts: list[dict[str, Any]] = []
        try:
            repo = self._repo(receipt)
            for index, text in enumerate(out.parts):
                rkey = record_key(out.created_at, out.key, index)
                found = self._get_record(repo, POST, rkey)
                if found is None:
                    return Outcome("failed", parts=parts, error=(
                        f"part {index + 1} of {len(out.parts)} was not posted (no record {rkey}); publishing "
                        "again uses the same record key, so it cannot post twice"))
                if found.get("value", {}).get("text") != text:
                    return Outcome("failed", parts=parts, error=(
                        f"record key {rkey} holds a different post; move this post's publish time by a "
                        "second and publish again"))
                parts.append(self._part(found["uri"], found["cid"], rkey))
        except ChannelError:
            return None
        return Outcome("published", parts=parts)

    # --- listening (socialgit fetch): each method is one request, served by the AppView --------

    counts_batch = GET_POSTS_BATCH

    def whoami(self) -> str:
        return self._ensure_session().did

    def mention_page(self, state: Mapping[str, Any], since: datetime) -> FetchPage:
        """Mentions, replies and quotes from the account's notifications."""
        def entry(note: dict[str, Any]) -> tuple[Any, str] | None:
            return (note, note["reason"]) if note.get("reason") in NOTIFICATION_REASONS else None

        return self._sweep("app.bsky.notification.listNotifications", "notifications",
                           {"reasons": list(NOTIFICATION_REASONS)}, state, since, entry)

    def own_page(self, state: Mapping[str, Any], since: datetime) -> FetchPage:
        """The account's own replies: how socialgit sees that the team answered someone."""
        def entry(row: dict[str, Any]) -> tuple[Any, str] | None:
            post = row.get("post") if isinstance(row.get("post"), dict) else None
            if post is None or row.get("reason") or not (post.get("record") or {}).get("reply"):
                return None  # reposts and top-level posts answer no one
            return post, "reply"

        return self._sweep("app.bsky.feed.getAuthorFeed", "feed",
                           {"actor": self.whoami(), "filter": "posts_with_replies"}, state, since, entry)

    def _sweep(self, nsid: str, key: str, params: dict[str, Any], state: Mapping[str, Any], since: datetime,
               entry: Callable[[dict[str, Any]], tuple[Any, str] | None]) -> FetchPage:
        """One page of a newest-first list, walked back to where the last complete walk began.

        These lists only page backwards, so a walk remembers its own cursor and
        where to stop; a run that ends half-way leaves both in the state and the
        next run finishes that walk before starting a new one.
        """
        query = {**params, "limit": FEED_PAGE}
        if state.get("cursor"):
            query["cursor"] = state["cursor"]
        answer = self._authed("GET", nsid, params=query)
        rows = [row for row in answer.get(key) or [] if isinstance(row, dict)]
        # lists come in about indexing order; reading a few minutes twice costs nothing (dedup)
        stop = (parse_time(state.get("stop") or state.get("seen")) or since) - FEED_SLACK
        top = parse_time(state.get("top"))
        items, skipped, reached = [], [], False
        for row in rows:
            view = row.get("post") if isinstance(row.get("post"), dict) else row
            seen = parse_time(view.get("indexedAt"))
            if seen is not None and seen < stop:
                reached = True
                break
            top = max(top, seen) if top and seen else (top or seen)
            wanted = entry(row)
            if wanted is not None:
                found = bluesky_item(*wanted)
                (skipped if isinstance(found, Skipped) else items).append(found)
        cursor = answer.get("cursor") if isinstance(answer.get("cursor"), str) else None
        if reached or not cursor or not rows:
            newest = top or parse_time(state.get("seen"))
            return FetchPage(items, {"seen": format_created_at(newest)} if newest else {}, True, skipped)
        return FetchPage(items, {**({"seen": state["seen"]} if state.get("seen") else {}), "cursor": cursor,
                                 "top": format_created_at(top) if top else None,
                                 "stop": format_created_at(stop + FEED_SLACK)}, False, skipped)

    def thread(self, ref: str) -> tuple[list[RemoteItem], list[Skipped]]:
        try:
            answer = self._authed("GET", "app.bsky.feed.getPostThread",
                                  params={"uri": ref, "depth": THREAD_DEPTH, "parentHeight": 0})
        except Rejected:
            if self._last_error == "NotFound":
                return [], [Skipped(ref, "the post is gone from the network")]
            raise
        items, skipped = [], []
        for view in bluesky_thread_posts(answer.get("thread")):
            found = bluesky_item(view)
            (skipped if isinstance(found, Skipped) else items).append(found)
        return items, skipped

    def counts(self, refs: list[str]) -> dict[str, Counts]:
        wanted = refs[: self.counts_batch]
        if not wanted:
            return {}
        answer = self._authed("GET", "app.bsky.feed.getPosts", params={"uris": wanted})
        posts = [p for p in answer.get("posts") or [] if isinstance(p, dict)]
        return {p["uri"]: bluesky_counts(p) for p in posts if p.get("uri") in wanted}
