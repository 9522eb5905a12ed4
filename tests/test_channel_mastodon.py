"""The Mastodon adapter against the protocol-faithful fake server (tests/fakes/mastodon_server.py)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from tests.fakes import FakeClock
from tests.fakes.mastodon_server import NOT_READY, FakeMastodon, status_length
from socialgit.channels.base import (Media, Outgoing, RateLimited, Rejected, ReplyTarget, TokenRefused,
                                     UnknownOutcome)
from socialgit.channels.mastodon import NOT_FOUND, MastodonChannel, parse_instance
from socialgit.channels.mastodon_match import html_to_text, normalise_text
from socialgit.channels.registry import make_channel
from socialgit.config import Cadence, ChannelConfig
from socialgit.problems import UserError

TOKEN = "test-token"


def config(instance: str, **options: object) -> ChannelConfig:
    values = {"instance": instance, "token_env": "MASTO_TOKEN", "visibility": "public", "language": "", **options}
    return ChannelConfig(name="masto", type="mastodon", network="mastodon", label="Mastodon", color="#6364ff",
                         max_length=None, cadence=Cadence(), options=values)


def outgoing(*parts: str, key: str = "post-1-key", **extra: object) -> Outgoing:
    return Outgoing(post_id="post-1", channel="masto", parts=parts or ("Hello, fediverse!",), key=key,
                    created_at=datetime(2026, 11, 16, 10, 0, tzinfo=timezone.utc), **extra)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def server(clock: FakeClock):
    with FakeMastodon(clock=clock) as fake:
        yield fake


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def channel(server: FakeMastodon, clock: FakeClock, sleeps: list[float], tmp_path: Path) -> MastodonChannel:
    return MastodonChannel(config(server.base_url), {"MASTO_TOKEN": TOKEN}, tmp_path, clock=clock,
                           sleep=sleeps.append, timeout=2.0)


def posts(server: FakeMastodon) -> list[dict]:
    return server.statuses_of(server.me)


def status_posts(server: FakeMastodon) -> list:
    return [r for r in server.requests if r.method == "POST" and r.path == "/api/v1/statuses"]


def image(tmp_path: Path, size: int, name: str = "pic.png") -> Path:
    path = tmp_path / name
    path.write_bytes(b"\x89PNG" + b"\0" * (size - 4))
    return path


# -- construction and instance limits ----------------------------------------------

def test_missing_token_variable_is_a_user_error_naming_the_variable(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="MASTO_TOKEN") as caught:
        MastodonChannel(config("https://mastodon.example"), {"OTHER": "x"}, tmp_path)
    assert "masto" in str(caught.value) and "\n" not in str(caught.value)


def test_registry_builds_the_class_for_each_type(tmp_path: Path) -> None:
    channel = make_channel(config("https://mastodon.example"), {"MASTO_TOKEN": TOKEN}, tmp_path)
    assert isinstance(channel, MastodonChannel)
    unknown = ChannelConfig("odd", "carrier-pigeon", "none", "odd", "#000000", None, Cadence(), {})
    with pytest.raises(UserError, match="carrier-pigeon"):
        make_channel(unknown, {}, tmp_path)


def test_instance_limits_are_read_from_v2_instance_and_cached(clock: FakeClock, tmp_path: Path) -> None:
    with FakeMastodon(clock=clock, max_characters=1000, characters_reserved_per_url=30,
                      image_size_limit=5_000_000) as fake:
        channel = MastodonChannel(config(fake.base_url), {"MASTO_TOKEN": TOKEN}, tmp_path)
        limits = channel.instance_limits()
        assert channel.instance_limits() is limits
    assert (limits.max_characters, limits.characters_reserved_per_url, limits.image_size_limit) == (1000, 30, 5_000_000)
    assert [r.path for r in fake.requests] == ["/api/v2/instance"]


def test_parse_instance_falls_back_to_defaults_and_fork_fields() -> None:
    assert parse_instance({}).max_characters == 500
    assert parse_instance({"max_toot_chars": 5000}).max_characters == 5000
    assert parse_instance({"configuration": {"media_attachments": {"image_size_limit": 10}}}).image_size_limit == 10


# -- publishing ---------------------------------------------------------------------

def test_publish_single_status_sends_text_visibility_language_and_key(server: FakeMastodon, clock: FakeClock,
                                                                      tmp_path: Path) -> None:
    channel = MastodonChannel(config(server.base_url, visibility="unlisted", language="de"),
                              {"MASTO_TOKEN": TOKEN}, tmp_path, clock=clock)
    seen: list = []
    outcome = channel.publish(outgoing("Guten Morgen <3 & https://example.com/x"), [],
                              lambda i, p: seen.append((i, p)))
    [status] = posts(server)
    assert outcome.state == "published" and outcome.remote_id == status["id"]
    assert outcome.url == f"https://mastodon.example/@socialgit/{status['id']}"
    assert seen == [(0, outcome.parts[0])]
    assert (status["text"], status["visibility"], status["language"]) == (
        "Guten Morgen <3 & https://example.com/x", "unlisted", "de")
    [request] = status_posts(server)
    assert request.header("Idempotency-Key") == "post-1-key-0"
    assert request.header("Authorization") == f"Bearer {TOKEN}"


def test_post_language_overrides_the_channel_default(server: FakeMastodon, tmp_path: Path) -> None:
    channel = MastodonChannel(config(server.base_url, language="de"), {"MASTO_TOKEN": TOKEN}, tmp_path)
    channel.publish(outgoing("Bonjour", lang="fr"), [], lambda i, p: None)
    assert posts(server)[0]["language"] == "fr"


def test_thread_chains_each_part_to_the_one_before(server: FakeMastodon, channel: MastodonChannel) -> None:
    outcome = channel.publish(outgoing("one", "two", "three"), [], lambda i, p: None)
    ids = [p["id"] for p in outcome.parts]
    assert [server.statuses[i]["in_reply_to_id"] for i in ids] == [None, ids[0], ids[1]]
    assert [r.header("Idempotency-Key") for r in status_posts(server)] == [f"post-1-key-{n}" for n in range(3)]
    context = httpx.get(f"{server.base_url}/api/v1/statuses/{ids[0]}/context",
                        headers={"Authorization": f"Bearer {TOKEN}"}).json()
    assert [html_to_text(s["content"]) for s in context["descendants"]] == ["two", "three"]


def test_publish_continues_after_the_parts_already_done(server: FakeMastodon, channel: MastodonChannel) -> None:
    first = channel.publish(outgoing("one"), [], lambda i, p: None).parts[0]
    seen: list = []
    outcome = channel.publish(outgoing("one", "two"), [first], lambda i, p: seen.append(i))
    assert seen == [1] and len(posts(server)) == 2
    assert server.statuses[outcome.parts[1]["id"]]["in_reply_to_id"] == first["id"]


def test_a_reply_post_answers_its_target(server: FakeMastodon, channel: MastodonChannel) -> None:
    other = server.add_account("reader")
    question = server.post(other, "@socialgit when does the sale start?")
    outcome = channel.publish(outgoing("Monday at nine!", reply_to=ReplyTarget(question["id"])), [], lambda i, p: None)
    assert server.statuses[outcome.remote_id]["in_reply_to_id"] == question["id"]


def test_small_image_is_attached_to_the_first_part_with_alt_text(server: FakeMastodon, channel: MastodonChannel,
                                                                 tmp_path: Path, sleeps: list[float]) -> None:
    media = (Media(image(tmp_path, 2048), "A snowy storefront"),)
    outcome = channel.publish(outgoing("Sale!", "More below", media=media), [], lambda i, p: None)
    first, second = (server.statuses[p["id"]] for p in outcome.parts)
    [attachment] = first["media_ids"]
    assert server.media[attachment]["description"] == "A snowy storefront"
    assert second["media_ids"] == [] and sleeps == []


def test_large_media_is_polled_until_processed(clock: FakeClock, tmp_path: Path, sleeps: list[float]) -> None:
    with FakeMastodon(clock=clock, sync_media_bytes=1000, processing_polls=2) as fake:
        channel = MastodonChannel(config(fake.base_url), {"MASTO_TOKEN": TOKEN}, tmp_path, sleep=sleeps.append)
        media = (Media(image(tmp_path, 5000), "Big picture"),)
        outcome = channel.publish(outgoing("Look", media=media), [], lambda i, p: None)
    polls = [r for r in fake.requests if r.method == "GET" and r.path.startswith("/api/v1/media/")]
    assert len(polls) == 3 and len(sleeps) == 3  # 206, 206, then 200
    assert fake.statuses[outcome.remote_id]["media_ids"] == [polls[0].path.rsplit("/", 1)[1]]


def test_media_still_processing_after_the_polls_posts_nothing(clock: FakeClock, tmp_path: Path) -> None:
    with FakeMastodon(clock=clock, sync_media_bytes=10, processing_polls=50) as fake:
        channel = MastodonChannel(config(fake.base_url), {"MASTO_TOKEN": TOKEN}, tmp_path,
                                  sleep=lambda s: None, media_polls=3)
        with pytest.raises(RateLimited, match="still processing"):
            channel.publish(outgoing("Look", media=(Media(image(tmp_path, 500), "alt"),)), [], lambda i, p: None)
        assert fake.statuses == {}


def test_the_fake_refuses_media_that_is_still_processing(clock: FakeClock, tmp_path: Path) -> None:
    with FakeMastodon(clock=clock, sync_media_bytes=10) as fake:
        auth = {"Authorization": f"Bearer {TOKEN}"}
        upload = httpx.post(f"{fake.base_url}/api/v2/media", headers=auth,
                            files={"file": ("a.png", b"\x89PNG" * 100, "image/png")})
        assert upload.status_code == 202 and upload.json()["url"] is None
        answer = httpx.post(f"{fake.base_url}/api/v1/statuses", headers=auth,
                            data={"status": "x", "media_ids[]": [upload.json()["id"]]})
        assert (answer.status_code, answer.json()["error"]) == (422, NOT_READY)


def test_image_over_the_instance_limit_is_refused_before_upload(clock: FakeClock, tmp_path: Path) -> None:
    with FakeMastodon(clock=clock, image_size_limit=4096) as fake:
        channel = MastodonChannel(config(fake.base_url), {"MASTO_TOKEN": TOKEN}, tmp_path)
        with pytest.raises(Rejected, match="huge.png"):
            channel.publish(outgoing("x", media=(Media(image(tmp_path, 5000, "huge.png"), "alt"),)), [],
                            lambda i, p: None)
    assert not any(r.path == "/api/v2/media" for r in fake.requests)


# -- idempotency and reconciling ------------------------------------------------------

def test_repeat_within_the_key_window_returns_the_same_status(server: FakeMastodon, channel: MastodonChannel,
                                                              clock: FakeClock) -> None:
    first = channel.publish(outgoing("once"), [], lambda i, p: None)
    clock.advance(minutes=30)
    again = channel.publish(outgoing("once"), [], lambda i, p: None)
    assert again.parts == first.parts and len(posts(server)) == 1


def test_the_fake_forgets_the_key_after_an_hour(server: FakeMastodon, channel: MastodonChannel,
                                                clock: FakeClock) -> None:
    # Why reconcile must not simply re-send after the window: the server would duplicate.
    channel.publish(outgoing("once"), [], lambda i, p: None)
    clock.advance(minutes=61)
    channel.publish(outgoing("once"), [], lambda i, p: None)
    assert len(posts(server)) == 2


def test_dropped_connection_then_reconcile_within_window_finds_it(server: FakeMastodon, clock: FakeClock,
                                                                   channel: MastodonChannel) -> None:
    server.drop_next()
    attempted = clock().isoformat()
    with pytest.raises(UnknownOutcome):
        channel.publish(outgoing("dropped"), [], lambda i, p: None)
    [created] = posts(server)
    clock.advance(minutes=20)
    outcome = channel.reconcile(outgoing("dropped"), {"attempted_at": attempted, "parts": []})
    assert outcome.state == "published" and outcome.remote_id == created["id"]
    assert len(posts(server)) == 1 and len(status_posts(server)) == 1


def test_within_window_a_failed_lookup_resends_with_the_same_key(server: FakeMastodon, clock: FakeClock,
                                                                 channel: MastodonChannel) -> None:
    server.drop_next()
    attempted = clock().isoformat()
    with pytest.raises(UnknownOutcome):
        channel.publish(outgoing("dropped", "and continued"), [], lambda i, p: None)
    [created] = posts(server)
    server.fail_next(500, path="/api/v1/accounts/verify_credentials")
    clock.advance(minutes=45)
    outcome = channel.reconcile(outgoing("dropped", "and continued"), {"attempted_at": attempted, "parts": []})
    assert outcome.state == "published" and outcome.remote_id == created["id"]
    assert [r.header("Idempotency-Key") for r in status_posts(server)] == [
        "post-1-key-0", "post-1-key-0", "post-1-key-1"]
    assert len(posts(server)) == 2  # the original first part and the second, no duplicate


def test_reconcile_after_the_window_finds_the_status_in_the_timeline(server: FakeMastodon, clock: FakeClock,
                                                                     channel: MastodonChannel) -> None:
    server.drop_next()
    attempted = clock().isoformat()
    with pytest.raises(UnknownOutcome):
        channel.publish(outgoing("Launch day: https://example.com/launch @friend@other.example"), [],
                        lambda i, p: None)
    [created] = posts(server)
    clock.advance(hours=3)
    outcome = channel.reconcile(outgoing("Launch day: https://example.com/launch @friend@other.example"),
                                {"attempted_at": attempted})
    assert outcome.state == "published" and outcome.remote_id == created["id"]
    assert len(status_posts(server)) == 1  # looked, never re-sent


def test_reconcile_after_the_window_when_never_created_is_safe_to_retry(server: FakeMastodon, clock: FakeClock,
                                                                        channel: MastodonChannel) -> None:
    server.fail_next(503, method="POST", path="/api/v1/statuses")
    attempted = clock().isoformat()
    with pytest.raises(UnknownOutcome, match="503"):
        channel.publish(outgoing("lost"), [], lambda i, p: None)
    clock.advance(hours=2)
    outcome = channel.reconcile(outgoing("lost"), {"attempted_at": attempted})
    assert (outcome.state, outcome.error, outcome.parts) == ("failed", NOT_FOUND, [])
    channel.publish(outgoing("lost"), [], lambda i, p: None)
    assert len(posts(server)) == 1


def test_reconcile_within_window_creates_what_never_arrived(server: FakeMastodon, clock: FakeClock,
                                                            channel: MastodonChannel) -> None:
    server.fail_next(502, method="POST", path="/api/v1/statuses")
    with pytest.raises(UnknownOutcome):
        channel.publish(outgoing("retry me"), [], lambda i, p: None)
    outcome = channel.reconcile(outgoing("retry me"), {"attempted_at": clock().isoformat()})
    assert outcome.state == "published" and len(posts(server)) == 1


def test_reconcile_a_thread_broken_in_the_middle(server: FakeMastodon, clock: FakeClock,
                                                 channel: MastodonChannel) -> None:
    done: list = []
    first = channel.publish(outgoing("one"), [], lambda i, p: done.append(p)).parts[0]
    server.drop_next()
    with pytest.raises(UnknownOutcome):
        channel.publish(outgoing("one", "two", "three"), done, lambda i, p: done.append(p))
    clock.advance(hours=2)
    outcome = channel.reconcile(outgoing("one", "two", "three"),
                                {"attempted_at": (clock() - timedelta(hours=2)).isoformat(), "parts": done})
    assert outcome.state == "failed" and "3-3" in outcome.error
    assert [p["id"] for p in outcome.parts][:1] == [first["id"]] and len(outcome.parts) == 2
    final = channel.publish(outgoing("one", "two", "three"), outcome.parts, lambda i, p: None)
    assert final.state == "published" and len(posts(server)) == 3


def test_lookup_follows_link_pagination_back_to_the_attempt(server: FakeMastodon, clock: FakeClock,
                                                            channel: MastodonChannel) -> None:
    server.drop_next()
    attempted = clock().isoformat()
    with pytest.raises(UnknownOutcome):
        channel.publish(outgoing("needle"), [], lambda i, p: None)
    for n in range(60):
        clock.advance(minutes=1)
        server.post(server.me, f"later post {n}")
    outcome = channel.reconcile(outgoing("needle"), {"attempted_at": attempted})
    assert outcome.state == "published"
    pages = [r for r in server.requests if r.path.endswith("/statuses") and r.method == "GET"]
    assert len(pages) == 2 and "max_id" in pages[1].query


def test_lookup_that_cannot_reach_the_attempt_time_cannot_tell(server: FakeMastodon, clock: FakeClock,
                                                               channel: MastodonChannel) -> None:
    attempted = clock().isoformat()
    for n in range(130):
        clock.advance(seconds=30)
        server.post(server.me, f"busy account {n}")
    assert channel.reconcile(outgoing("never seen"), {"attempted_at": attempted}) is None


def test_same_text_from_before_the_attempt_does_not_count(server: FakeMastodon, clock: FakeClock,
                                                          channel: MastodonChannel) -> None:
    server.post(server.me, "Happy Monday!", created_at=clock() - timedelta(days=7))
    outcome = channel.reconcile(outgoing("Happy Monday!"), {"attempted_at": clock().isoformat()},
                                now=clock() + timedelta(hours=1))
    assert outcome.state == "failed"


def test_lookup_that_fails_returns_none(server: FakeMastodon, clock: FakeClock, channel: MastodonChannel) -> None:
    server.fail_next(500, path="/api/v1/accounts/verify_credentials")
    assert channel.reconcile(outgoing("x"), {"attempted_at": (clock() - timedelta(hours=2)).isoformat()}) is None


def test_next_links_to_another_host_are_not_followed(tmp_path: Path) -> None:
    hosts: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        hosts.append(request.url.host)
        if request.url.path.endswith("verify_credentials"):
            return httpx.Response(200, json={"id": "1"})
        return httpx.Response(200, json=[{"id": "5", "created_at": "2026-11-16T12:00:00.000Z", "content": "<p>x</p>",
                                          "in_reply_to_id": None}],
                              headers={"Link": '<https://elsewhere.example/api/v1/accounts/1/statuses?max_id=5>; rel="next"'})

    channel = MastodonChannel(config("https://mastodon.example"), {"MASTO_TOKEN": TOKEN}, tmp_path,
                              transport=httpx.MockTransport(answer))
    receipt = {"attempted_at": "2026-11-16T10:00:00+00:00"}
    assert channel.reconcile(outgoing("y"), receipt, now=datetime(2026, 11, 17, tzinfo=timezone.utc)) is None
    assert set(hosts) == {"mastodon.example"}


# -- errors ---------------------------------------------------------------------------

def test_429_uses_retry_after_when_sent(server: FakeMastodon, channel: MastodonChannel) -> None:
    server.fail_next(429, headers={"Retry-After": "17"})
    with pytest.raises(RateLimited) as caught:
        channel.publish(outgoing("x"), [], lambda i, p: None)
    assert caught.value.retry_after == 17 and posts(server) == []


def test_429_after_the_budget_waits_until_the_ratelimit_reset(tmp_path: Path) -> None:
    # X-RateLimit-Reset is a wall-clock timestamp, so this server runs on the real clock.
    with FakeMastodon(rate_limit=2) as fake:
        channel = MastodonChannel(config(fake.base_url), {"MASTO_TOKEN": TOKEN}, tmp_path)
        channel.publish(outgoing("a", key="k1"), [], lambda i, p: None)
        channel.publish(outgoing("b", key="k2"), [], lambda i, p: None)
        with pytest.raises(RateLimited) as caught:
            channel.publish(outgoing("c", key="k3"), [], lambda i, p: None)
        reset = datetime.fromtimestamp((int(time.time()) // 300 + 1) * 300, timezone.utc)
    assert abs(caught.value.retry_after - (reset.timestamp() - time.time())) < 2
    assert len(fake.statuses_of(fake.me)) == 2


def test_every_answer_carries_ratelimit_headers(server: FakeMastodon) -> None:
    answer = httpx.get(f"{server.base_url}/api/v2/instance")
    assert answer.headers["X-RateLimit-Limit"] == "300" and answer.headers["X-RateLimit-Remaining"] == "299"
    assert datetime.fromisoformat(answer.headers["X-RateLimit-Reset"].replace("Z", "+00:00"))


def test_refused_token_names_the_channel_and_hides_the_token(server: FakeMastodon, tmp_path: Path) -> None:
    channel = MastodonChannel(config(server.base_url), {"MASTO_TOKEN": "wrong-secret-value"}, tmp_path)
    with pytest.raises(TokenRefused) as caught:
        channel.publish(outgoing("x"), [], lambda i, p: None)
    message = str(caught.value)
    assert "masto" in message and "The access token is invalid" in message
    assert "wrong-secret-value" not in message


def test_server_error_is_an_unknown_outcome(server: FakeMastodon, channel: MastodonChannel) -> None:
    server.fail_next(500)
    with pytest.raises(UnknownOutcome, match="500"):
        channel.publish(outgoing("x"), [], lambda i, p: None)


def test_timeout_is_an_unknown_outcome_and_reconcile_finds_the_status(server: FakeMastodon, clock: FakeClock,
                                                                      tmp_path: Path) -> None:
    channel = MastodonChannel(config(server.base_url), {"MASTO_TOKEN": TOKEN}, tmp_path, clock=clock, timeout=0.2)
    server.delay_next(5)
    with pytest.raises(UnknownOutcome, match="timed out"):
        channel.publish(outgoing("slow"), [], lambda i, p: None)
    [created] = posts(server)
    outcome = channel.reconcile(outgoing("slow"), {"attempted_at": clock().isoformat()})
    assert outcome.remote_id == created["id"] and len(posts(server)) == 1


def test_over_length_is_rejected_with_the_servers_words(server: FakeMastodon, channel: MastodonChannel) -> None:
    with pytest.raises(Rejected, match="Text character limit of 500 exceeded") as caught:
        channel.publish(outgoing("x" * 501), [], lambda i, p: None)
    assert caught.value.status == 422 and posts(server) == []


def test_the_fake_counts_length_as_mastodon_does() -> None:
    url = "https://example.com/" + "a" * 200
    assert status_length(f"see {url}") == 4 + 23
    assert status_length("@someone@far.away.example hi") == len("@someone hi")
    assert status_length("👩‍👩‍👧 e\u0301") == 3  # family emoji, space, e + accent


def test_the_fake_pages_notifications_by_type_with_link_headers(server: FakeMastodon, clock: FakeClock,
                                                                channel: MastodonChannel) -> None:
    mine = channel.publish(outgoing("Question of the day?"), [], lambda i, p: None).remote_id
    readers = [server.add_account(f"reader{n}") for n in range(3)]
    for reader in readers:
        clock.advance(minutes=1)
        server.post(reader, "@socialgit an answer", in_reply_to_id=mine)
        server.favourite(mine, reader)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    first = httpx.get(f"{server.base_url}/api/v1/notifications", params={"types[]": "mention", "limit": 2},
                      headers=auth)
    assert [n["type"] for n in first.json()] == ["mention", "mention"]
    assert [n["account"]["username"] for n in first.json()] == ["reader2", "reader1"]
    rest = httpx.get(first.links["next"]["url"], headers=auth).json()
    assert [n["account"]["username"] for n in rest] == ["reader0"]
    newer = httpx.get(first.links["prev"]["url"], headers=auth)
    assert newer.json() == [] and "Link" not in newer.headers
    everything = httpx.get(f"{server.base_url}/api/v1/notifications", headers=auth).json()
    assert sorted({n["type"] for n in everything}) == ["favourite", "mention"] and len(everything) == 6
    assert server._status_json(server.statuses[mine])["replies_count"] == 3


def test_the_fake_keeps_keys_per_account(server: FakeMastodon) -> None:
    server.add_account("other", "other-token")
    for token in (TOKEN, "other-token"):
        httpx.post(f"{server.base_url}/api/v1/statuses", data={"status": "same key"},
                   headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "shared"})
    assert len(server.statuses) == 2


# -- text helpers ---------------------------------------------------------------------

def test_html_to_text_recovers_what_was_posted() -> None:
    content = ('<p>Sale &amp; more: <a href="https://example.com/page/that/is/long"><span class="invisible">'
               'https://</span><span class="ellipsis">example.com/page</span><span class="invisible">/that/is/long'
               '</span></a></p><p>line<br />two</p>')
    assert html_to_text(content) == "Sale & more: https://example.com/page/that/is/long\n\nline\ntwo"
    assert normalise_text("hi  @ann@x.example\n\nthere") == normalise_text("hi @ann there")
