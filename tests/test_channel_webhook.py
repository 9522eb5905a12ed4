"""The webhook channel against a receiver that answers like Slack, Discord, Teams or a custom endpoint."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from socialgit.channels.base import (Media, NotSent, Outgoing, RateLimited, Rejected, TokenRefused,
                                     UnknownOutcome)
from socialgit.channels.registry import make_channel
from socialgit.channels.webhook import WebhookChannel
from socialgit.config import Cadence, ChannelConfig
from socialgit.problems import UserError
from tests.fakes.webhook_receiver import WebhookReceiver, verify_signature

SECRET = "hmac-shared-secret"


def config(fmt: str, **options: object) -> ChannelConfig:
    return ChannelConfig(name="team", type="webhook", network="none", label="Team", color="#000000",
                         max_length=None, cadence=Cadence(), options={"url_env": "HOOK_URL", "format": fmt,
                                                                      "secret_env": "", **options})


def outgoing(*parts: str, root: Path | None = None) -> Outgoing:
    media = ()
    if root is not None:
        (root / "media").mkdir(exist_ok=True)
        (root / "media" / "a.png").write_bytes(b"\x89PNG")
        media = (Media(root / "media" / "a.png", "A latte"),)
    return Outgoing(post_id="latte-art", channel="team", parts=parts or ("New latte art <today> & tomorrow",),
                    key="key-latte", created_at=datetime(2026, 11, 16, 9, 0, tzinfo=timezone.utc),
                    media=media, lang="en", payload_hash="sha256:1")


@pytest.fixture(params=["slack", "discord", "teams", "json"])
def receiver(request: pytest.FixtureRequest):
    with WebhookReceiver(request.param) as fake:
        yield fake


def channel_for(receiver: WebhookReceiver, tmp_path: Path, **options: object) -> WebhookChannel:
    env = {"HOOK_URL": receiver.url, "HOOK_SECRET": SECRET}
    return make_channel(config(receiver.style, **options), env, tmp_path)


def test_each_format_sends_its_payload_shape(receiver: WebhookReceiver, tmp_path: Path) -> None:
    seen: list = []
    outcome = channel_for(receiver, tmp_path).publish(outgoing("First part", "Second part", root=tmp_path), [],
                                                      lambda i, p: seen.append(i))
    assert outcome.state == "published" and seen == [0, 1] and len(outcome.parts) == 2
    [request] = receiver.requests
    body = request.json()
    assert request.header("Content-Type") == "application/json"
    assert request.header("X-Socialgit-Key") == "key-latte"
    if receiver.style == "slack":
        assert body == {"text": "First part\n\nSecond part"}
    elif receiver.style == "discord":
        assert body == {"content": "First part\n\nSecond part", "allowed_mentions": {"parse": []}}
        assert request.query["wait"] == ["true"]
    elif receiver.style == "teams":
        assert body["type"] == "message"
        [attachment] = body["attachments"]
        assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
        card = attachment["content"]
        assert (card["type"], card["version"]) == ("AdaptiveCard", "1.4")
        assert card["body"] == [{"type": "TextBlock", "text": "First part", "wrap": True},
                                {"type": "TextBlock", "text": "Second part", "wrap": True}]
    else:
        assert body["post"] == "latte-art" and body["channel"] == "team" and body["key"] == "key-latte"
        assert body["parts"] == ["First part", "Second part"] and body["lang"] == "en"
        assert body["media"] == [{"path": "media/a.png", "alt": "A latte", "mime": "image/png"}]


def test_slack_text_escapes_its_control_characters(tmp_path: Path) -> None:
    with WebhookReceiver("slack") as fake:
        channel_for(fake, tmp_path).publish(outgoing("a <b> & c"), [], lambda i, p: None)
    assert fake.requests[0].json() == {"text": "a &lt;b&gt; &amp; c"}


def test_discord_message_id_is_recorded(tmp_path: Path) -> None:
    with WebhookReceiver("discord") as fake:
        outcome = channel_for(fake, tmp_path).publish(outgoing(), [], lambda i, p: None)
    assert outcome.remote_id and outcome.remote_id.isdigit()


def test_discord_url_keeps_its_own_query(tmp_path: Path) -> None:
    with WebhookReceiver("discord") as fake:
        env = {"HOOK_URL": fake.url + "?thread_id=42"}
        WebhookChannel(config("discord"), env, tmp_path).publish(outgoing(), [], lambda i, p: None)
    assert fake.requests[0].query == {"thread_id": ["42"], "wait": ["true"]}


def test_custom_receivers_id_is_kept_and_slack_has_none(tmp_path: Path) -> None:
    with WebhookReceiver("json") as fake:
        assert channel_for(fake, tmp_path).publish(outgoing(), [], lambda i, p: None).remote_id == "evt-1"
    with WebhookReceiver("slack") as fake:
        assert channel_for(fake, tmp_path).publish(outgoing(), [], lambda i, p: None).remote_id is None


def test_hmac_signature_verifies_with_the_shared_secret(tmp_path: Path) -> None:
    with WebhookReceiver("json") as fake:
        channel_for(fake, tmp_path, secret_env="HOOK_SECRET").publish(outgoing(), [], lambda i, p: None)
    [request] = fake.requests
    assert request.header("X-Socialgit-Signature", "").startswith("sha256=")
    assert verify_signature(SECRET, request)
    assert not verify_signature("another-secret", request)


def test_no_signature_without_a_secret(tmp_path: Path) -> None:
    with WebhookReceiver("json") as fake:
        channel_for(fake, tmp_path).publish(outgoing(), [], lambda i, p: None)
    assert fake.requests[0].header("X-Socialgit-Signature") is None


def test_a_confirmed_post_is_never_sent_twice(tmp_path: Path) -> None:
    with WebhookReceiver("discord") as fake:
        channel = channel_for(fake, tmp_path)
        first = channel.publish(outgoing("one", "two"), [], lambda i, p: None)
        again = channel.publish(outgoing("one", "two"), first.parts[:1], lambda i, p: None)
    assert again.parts == first.parts and len(fake.requests) == 1


def test_discord_429_waits_as_long_as_its_body_says(tmp_path: Path) -> None:
    with WebhookReceiver("discord") as fake:
        fake.rate_limit_next(2.5)
        with pytest.raises(RateLimited) as caught:
            channel_for(fake, tmp_path).publish(outgoing(), [], lambda i, p: None)
    assert caught.value.retry_after == 2.5


def test_slack_429_uses_retry_after(tmp_path: Path) -> None:
    with WebhookReceiver("slack") as fake:
        fake.rate_limit_next(30)
        with pytest.raises(RateLimited) as caught:
            channel_for(fake, tmp_path).publish(outgoing(), [], lambda i, p: None)
    assert caught.value.retry_after == 30


def test_500_is_unknown_and_reconcile_leaves_it_to_a_person(tmp_path: Path) -> None:
    with WebhookReceiver("slack") as fake:
        fake.fail_next(500)
        channel = channel_for(fake, tmp_path)
        with pytest.raises(UnknownOutcome):
            channel.publish(outgoing(), [], lambda i, p: None)
        assert channel.reconcile(outgoing(), {"attempted_at": "2026-11-16T09:00:00+00:00", "parts": []}) is None
    assert len(fake.requests) == 1  # reconcile sent nothing


def test_discord_refuses_an_over_long_message(tmp_path: Path) -> None:
    with WebhookReceiver("discord") as fake:
        with pytest.raises(Rejected, match="Invalid Form Body"):
            channel_for(fake, tmp_path).publish(outgoing("x" * 2001), [], lambda i, p: None)


@pytest.mark.parametrize("status, error", [(500, UnknownOutcome), (404, Rejected), (401, TokenRefused),
                                           (429, RateLimited)])
def test_the_url_never_appears_in_an_error(tmp_path: Path, status: int, error: type) -> None:
    with WebhookReceiver("discord") as fake:
        if status == 429:
            fake.rate_limit_next(1)
        else:
            fake.fail_next(status)
        channel = channel_for(fake, tmp_path)
        with pytest.raises(error) as caught:
            channel.publish(outgoing(), [], lambda i, p: None)
        url = fake.url
    message = str(caught.value)
    assert url not in message and "tokenSECRETtoken" not in message and "team" in message
    assert url not in repr(channel)


def test_an_unreachable_url_is_not_sent_and_the_error_hides_the_url(tmp_path: Path) -> None:
    # nothing listens there any more: the connection is refused, so nothing can have been posted
    with WebhookReceiver("slack") as fake:
        url = fake.url
    channel = WebhookChannel(config("slack"), {"HOOK_URL": url}, tmp_path, timeout=1.0)
    with pytest.raises(NotSent) as caught:
        channel.publish(outgoing(), [], lambda i, p: None)
    assert "XXXXsecretXXXX" not in str(caught.value)


@pytest.mark.parametrize("env, variable", [({}, "HOOK_URL"), ({"HOOK_URL": "  "}, "HOOK_URL"),
                                           ({"HOOK_URL": "http://127.0.0.1:9/x"}, "HOOK_SECRET")])
def test_missing_variables_are_user_errors_naming_the_variable(tmp_path: Path, env: dict, variable: str) -> None:
    with pytest.raises(UserError, match=variable):
        WebhookChannel(config("json", secret_env="HOOK_SECRET"), env, tmp_path)


def test_a_variable_that_holds_no_url_is_named_but_not_echoed(tmp_path: Path) -> None:
    with pytest.raises(UserError) as caught:
        WebhookChannel(config("slack"), {"HOOK_URL": "hooks.slack.example/T0/SECRETPART"}, tmp_path)
    assert "HOOK_URL" in str(caught.value) and "SECRETPART" not in str(caught.value)
