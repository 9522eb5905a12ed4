"""Bluesky: publish posts and threads to a PDS over plain XRPC, exactly once.

Exactly-once rests on the record key: every thread part is created under a TID
computed from the post (tid.record_key), and the PDS refuses a second record under
a key that exists (it answers 500 and creates nothing, verified against the real
PDS). So any unknown outcome is settled by reading that one key back.

The channel signs in through bluesky_session (tokens kept between runs), builds
each record with bluesky_record, and listens (socialgit fetch) as a BlueskyListener.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Mapping

import httpx

from ..config import ChannelConfig
from ..problems import UserError
from ..state import state_dir as default_state_dir
from .base import ChannelError, Media, Outcome, Outgoing, PartCallback, Rejected, ReplyTarget, UnknownOutcome
from .bluesky_listener import BlueskyListener
from .bluesky_record import POST, detect_facets, format_created_at, post_record, resolve_mentions
from .bluesky_session import XrpcSession
from .tid import record_key

MAX_IMAGES = 4
MAX_IMAGE_BYTES = 2_000_000  # lexicon limit; the PDS does not enforce it, so we do


def _split_uri(uri: str) -> tuple[str, str, str]:
    match = re.fullmatch(r"at://([^/]+)/([^/]+)/([^/]+)", uri)
    if not match:
        raise Rejected(f'"{uri}" is not a Bluesky post address (at://did/collection/key)')
    return match.group(1), match.group(2), match.group(3)


class BlueskyChannel(BlueskyListener):
    """One Bluesky account on one PDS (``service``), signed in with an app password.

    It is its own listener (fetch uses the object make_channel returns), so the
    two sides share one session and one login.
    """

    def __init__(self, config: ChannelConfig, env: Mapping[str, str], root: Path,
                 transport: httpx.BaseTransport | None = None, state_dir: Path | None = None):
        self.name = config.name
        options = config.options
        self.service = (options.get("service") or "https://bsky.social").rstrip("/")
        self.handle = str(options.get("handle") or "").lstrip("@")
        variable = options.get("password_env") or ""
        password = env.get(variable) if variable else None
        if not password:
            raise UserError(
                f"channel {self.name}: the environment variable {variable or '(password_env)'} is not set; "
                "put a Bluesky app password in it (Settings → Privacy and security → App passwords)")
        self.root = root
        state_file = (state_dir or default_state_dir(root)) / f"bluesky-{self.name}.json"
        super().__init__(XrpcSession(self.name, self.service, self.handle, password, state_file, transport))
        self._handles: dict[str, str | None] = {}

    def close(self) -> None:
        self.xrpc.close()

    # --- lookups -------------------------------------------------------------------

    def _resolve_handle(self, handle: str) -> str | None:
        if handle not in self._handles:
            try:
                answer = self.xrpc.call("GET", "com.atproto.identity.resolveHandle", params={"handle": handle})
                self._handles[handle] = answer.get("did")
            except Rejected:
                self._handles[handle] = None  # no such account: the mention stays plain text
        return self._handles[handle]

    def _repo(self, receipt: Mapping[str, Any] | None = None) -> str:
        """The account's DID without logging in: stored session, receipt, else the handle."""
        session = self.xrpc.stored()
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
            return self.xrpc.call("GET", "com.atproto.repo.getRecord",
                                  params={"repo": repo, "collection": collection, "rkey": rkey})
        except Rejected as exc:
            if exc.error_name == "RecordNotFound":
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
            blob = self.xrpc.authed("POST", "com.atproto.repo.uploadBlob", content=data,
                                    headers={"Content-Type": media.mime})["blob"]
            entries.append({"image": blob, "alt": media.alt})
        return {"$type": "app.bsky.embed.images", "images": entries}

    def _create(self, repo: str, rkey: str, record: dict[str, Any]) -> dict[str, Any]:
        try:
            answer = self.xrpc.authed("POST", "com.atproto.repo.createRecord",
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
            part = self._create(self.xrpc.session().did, record_key(out.created_at, out.key, index), record)
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
