"""The Mastodon adapter against mastodon-mock, an independent implementation of the API.

Our own fake (tests/fakes/mastodon_server.py) is written from the documentation by
the same hands as the adapter; a second implementation catches what both might
have misread. mastodon-mock (PyPI) is a FastAPI + SQLite server; it is started
in a thread with uvicorn on 127.0.0.1 through its ``MockServer`` helper.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from socialgit.channels.base import Media, Outgoing, RateLimited, Rejected, TokenRefused, UnknownOutcome
from socialgit.channels.mastodon import NOT_FOUND, MastodonChannel
from socialgit.channels.mastodon_match import html_to_text
from socialgit.config import Cadence, ChannelConfig

testing = pytest.importorskip("mastodon_mock.testing", reason="mastodon-mock is not installed (pip install -e '.[test]')")
mock_config = pytest.importorskip("mastodon_mock.config")

TOKEN = "contract-token"


@pytest.fixture(scope="module")
def mock():
    seed = mock_config.SeedConfig(accounts=[
        mock_config.SeedAccount(username="cafe", display_name="Café", access_token=TOKEN),
        mock_config.SeedAccount(username="reader", display_name="Reader", access_token="reader-token"),
    ])
    server = testing.MockServer(seed=seed, host="127.0.0.1")
    try:
        server.start()
    except (RuntimeError, TimeoutError, OSError) as exc:
        pytest.skip(f"mastodon-mock did not start on 127.0.0.1: {exc}")
    yield server
    server.stop()


def config(instance: str, **options: object) -> ChannelConfig:
    return ChannelConfig(name="masto", type="mastodon", network="mastodon", label="Mastodon", color="#6364ff",
                         max_length=None, cadence=Cadence(),
                         options={"instance": instance, "token_env": "MASTO_TOKEN", "visibility": "unlisted",
                                  "language": "en", **options})


def channel(mock, token: str = TOKEN) -> MastodonChannel:
    return MastodonChannel(config(mock.base_url), {"MASTO_TOKEN": token}, Path("."))


def outgoing(key: str, *parts: str, **extra: object) -> Outgoing:
    return Outgoing(post_id=key, channel="masto", parts=parts, key=key,
                    created_at=datetime.now(timezone.utc), **extra)


def api(mock, path: str) -> httpx.Response:
    return httpx.get(mock.base_url + path, headers={"Authorization": f"Bearer {TOKEN}"})


def fault(mock, **rule: object) -> None:
    httpx.post(mock.base_url + "/api/v1/_mock/faults", json=rule).raise_for_status()


def my_status_count(mock) -> int:
    me = api(mock, "/api/v1/accounts/verify_credentials").json()
    return len(api(mock, f"/api/v1/accounts/{me['id']}/statuses?limit=40").json())


def test_instance_limits(mock) -> None:
    limits = channel(mock).instance_limits()
    assert (limits.max_characters, limits.characters_reserved_per_url) == (500, 23)
    assert limits.image_size_limit > 0


def test_publish_sends_text_visibility_and_language(mock) -> None:
    outcome = channel(mock).publish(outgoing("c-single", "Fresh croissants at 8 https://example.com/menu"), [],
                                    lambda i, p: None)
    status = api(mock, f"/api/v1/statuses/{outcome.remote_id}").json()
    assert html_to_text(status["content"]) == "Fresh croissants at 8 https://example.com/menu"
    assert (status["visibility"], status["language"]) == ("unlisted", "en")
    assert outcome.url == status["url"]


def test_thread_and_context(mock) -> None:
    outcome = channel(mock).publish(outgoing("c-thread", "one", "two", "three"), [], lambda i, p: None)
    ids = [p["id"] for p in outcome.parts]
    context = api(mock, f"/api/v1/statuses/{ids[0]}/context").json()
    assert [s["id"] for s in context["descendants"]] == ids[1:]
    assert [s["in_reply_to_id"] for s in context["descendants"]] == ids[:2]


def test_repeat_with_the_same_key_creates_no_duplicate(mock) -> None:
    before = my_status_count(mock)
    first = channel(mock).publish(outgoing("c-repeat", "only once"), [], lambda i, p: None)
    again = channel(mock).publish(outgoing("c-repeat", "only once"), [], lambda i, p: None)
    assert again.parts == first.parts and my_status_count(mock) == before + 1


def test_media_upload_with_alt_text(mock, tmp_path: Path) -> None:
    picture = tmp_path / "latte.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    outcome = channel(mock).publish(outgoing("c-media", "Latte art", media=(Media(picture, "A heart in foam"),)),
                                    [], lambda i, p: None)
    status = api(mock, f"/api/v1/statuses/{outcome.remote_id}").json()
    assert [m["description"] for m in status["media_attachments"]] == ["A heart in foam"]


def test_reconcile_after_the_key_window_finds_the_status(mock) -> None:
    attempted = datetime.now(timezone.utc)
    posted = channel(mock).publish(outgoing("c-lookup", "find me", "and me"), [], lambda i, p: None)
    outcome = channel(mock).reconcile(outgoing("c-lookup", "find me", "and me"),
                                      {"attempted_at": attempted.isoformat(), "parts": []},
                                      now=attempted + timedelta(hours=2))
    assert outcome.state == "published" and outcome.parts == posted.parts


def test_a_500_before_creating_is_unknown_then_not_found(mock) -> None:
    fault(mock, match={"methods": ["POST"], "path": "/api/v1/statuses"}, effect={"type": "status", "status": 500},
          count=1)
    attempted = datetime.now(timezone.utc)
    with pytest.raises(UnknownOutcome, match="500"):
        channel(mock).publish(outgoing("c-lost", "never arrived"), [], lambda i, p: None)
    outcome = channel(mock).reconcile(outgoing("c-lost", "never arrived"), {"attempted_at": attempted.isoformat()},
                                      now=attempted + timedelta(hours=2))
    assert (outcome.state, outcome.error) == ("failed", NOT_FOUND)


def test_429_from_the_mock(mock) -> None:
    fault(mock, match={"methods": ["POST"], "path": "/api/v1/statuses"}, effect={"type": "ratelimit"}, count=1)
    with pytest.raises(RateLimited) as caught:
        channel(mock).publish(outgoing("c-429", "later"), [], lambda i, p: None)
    assert caught.value.retry_after == 300


def test_over_length_is_rejected(mock) -> None:
    with pytest.raises(Rejected, match="too long") as caught:
        channel(mock).publish(outgoing("c-long", "x" * 501), [], lambda i, p: None)
    assert caught.value.status == 422


def test_bad_token_is_refused(mock) -> None:
    with pytest.raises(TokenRefused, match="masto") as caught:
        channel(mock, token="not-a-token").publish(outgoing("c-401", "x"), [], lambda i, p: None)
    assert "not-a-token" not in str(caught.value)
