"""Which class serves a channel type, and how a channel reads its secrets from the environment.

Adapters are imported only when a channel of their type is configured, so a
calendar with an outbox alone never loads a network client it does not use.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Mapping

import httpx

from ..config import ChannelConfig
from ..problems import UserError
from .base import Channel

# type → (module, class); the module is imported on first use
CHANNEL_CLASSES: dict[str, tuple[str, str]] = {
    "outbox": ("socialgit.channels.outbox", "OutboxChannel"),
    "mastodon": ("socialgit.channels.mastodon", "MastodonChannel"),
    "bluesky": ("socialgit.channels.bluesky", "BlueskyChannel"),
    "webhook": ("socialgit.channels.webhook", "WebhookChannel"),
}


def make_channel(config: ChannelConfig, env: Mapping[str, str], root: Path,
                 transport: httpx.BaseTransport | None = None) -> Channel:
    """Build the adapter for one configured channel (secrets are read here, once)."""
    try:
        module_name, class_name = CHANNEL_CLASSES[config.type]
    except KeyError:
        known = ", ".join(CHANNEL_CLASSES)
        raise UserError(f"socialgit.toml: channel {config.name} has type \"{config.type}\", "
                        f"which socialgit cannot publish to; use one of: {known}") from None
    cls = getattr(importlib.import_module(module_name), class_name)
    return cls(config, env, root, transport=transport)


def require_env(env: Mapping[str, str], channel: str, option: str, variable: str | None, what: str) -> str:
    """The value of the environment variable a channel option names; UserError if unset.

    The message names the variable, never a value: the value is a secret.
    """
    if not variable:
        raise UserError(f"socialgit.toml: channel {channel} needs {option} (the NAME of the environment "
                        f"variable that holds {what})")
    value = env.get(variable, "").strip()
    if not value:
        raise UserError(f"channel {channel}: the environment variable {variable} is not set; "
                        f"put {what} in it (socialgit.toml [channels.{channel}] {option})")
    return value
