"""socialgit.toml → a validated, typed Config.

Like MkDocs' config schema: every option is declared once with its type and
default; loading collects *every* problem before stopping and warns about
unknown keys with a did-you-mean, so a user fixes the whole file in one go.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable, Iterable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .problems import Problem, UserError, did_you_mean, error, has_errors, warning

CONFIG_NAME = "socialgit.toml"
CHANNEL_TYPES = ("outbox", "mastodon", "bluesky", "webhook")
NETWORKS = ("mastodon", "bluesky", "x", "none")
WEEK_STARTS = ("monday", "sunday", "saturday")
LATE_POLICIES = ("post", "skip", "hold")
WEBHOOK_FORMATS = ("slack", "discord", "teams", "json")

_DURATION = re.compile(r"(\d+)\s*([smhdw])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(text: str) -> timedelta:
    """'90s', '45m', '6h', '2d', '1w', '1h30m' → timedelta; ValueError otherwise."""
    compact = text.replace(" ", "")
    if not compact or _DURATION.sub("", compact):
        raise ValueError(f'"{text}" is not a duration; write it like 45m, 6h, 2d or 1h30m')
    total = timedelta()
    for amount, unit in _DURATION.findall(compact):
        total += timedelta(**{_UNITS[unit]: int(amount)})
    return total


@dataclass(frozen=True)
class Cadence:
    max_per_day: int | None = None
    max_per_week: int | None = None
    min_gap: timedelta | None = None
    min_per_week: int | None = None


@dataclass(frozen=True)
class ChannelConfig:
    name: str
    type: str
    network: str  # whose length rules and preview apply
    label: str
    color: str
    max_length: int | None
    cadence: Cadence
    options: dict[str, Any]  # the type's own options (instance, token_env, url_env, path, …)

    @property
    def account(self) -> tuple | None:
        """Who the channel posts as, so that two channels that are one account can be told (None: its own)."""
        keys = ACCOUNT_KEYS.get(self.type)
        if not keys:
            return None  # an outbox writes under a folder of its own name
        return (self.type, *(str(self.options[key]).rstrip("/").lstrip("@").lower() for key in keys))


@dataclass(frozen=True)
class Config:
    root: Path
    title: str = "Social calendar"
    base_url: str = ""
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    locale: str = "en"
    week_start: str = "monday"
    branch: str = "main"
    grace: timedelta = timedelta(hours=6)
    late: str = "skip"
    bot_name: str = "socialgit bot"
    bot_email: str = "socialgit-bot@users.noreply.invalid"
    lookback: timedelta = timedelta(days=30)
    fetch_recent: timedelta = timedelta(days=7)  # threads are read for posts this recent
    fetch_budget: int = 200  # requests per channel per fetch run
    calendar: str = "gregorian"
    channels: dict[str, ChannelConfig] = field(default_factory=dict)
    feedback_rules: tuple = ()  # routing.Rule values; DEFAULT_RULES when the file has none
    hide_handles: bool = False

    @property
    def content_dir(self) -> Path:
        return self.root / "content"

    def one_account(self, names: Iterable[str]) -> list[list[str]]:
        """The groups, among channels ``names``, of two or more that post as one account (in their order)."""
        groups: dict[tuple, list[str]] = {}
        for name in names:
            channel = self.channels.get(name)
            if channel is not None and channel.account is not None:
                groups.setdefault(channel.account, []).append(name)
        return [group for group in groups.values() if len(group) > 1]


# Each option: key → (check, default). A check turns the TOML value into the typed
# value or raises ValueError with a sentence saying what is allowed.
Check = Callable[[Any], Any]


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"must be text in quotes, not {type(value).__name__}")
    return value


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("must be a whole number, 0 or more")
    return value


def _one_of(*allowed: str) -> Check:
    def check(value: Any) -> str:
        if value not in allowed:
            raise ValueError(f'"{value}" is not allowed; use one of: {", ".join(allowed)}')
        return value

    return check


def _duration(value: Any) -> timedelta:
    return parse_duration(_text(value))


def _zone(value: Any) -> ZoneInfo:
    try:
        return ZoneInfo(_text(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f'"{value}" is not an IANA time zone name (like Europe/Berlin or Asia/Tehran)') from None


def _env_name(value: Any) -> str:
    name = _text(value)
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise ValueError(
            f'"{name}" is not an environment variable name; put the variable\'s NAME here, '
            "never the secret itself"
        )
    return name


def _color(value: Any) -> str:
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", _text(value)):
        raise ValueError(f'"{value}" is not a colour like #1185fe')
    return value


def _url(value: Any) -> str:
    if not re.match(r"https?://", _text(value)):
        raise ValueError(f'"{value}" is not an http(s) URL')
    return value.rstrip("/")


SITE = {"title": (_text, "Social calendar"), "base_url": (_text, ""), "timezone": (_zone, "UTC"),
        "locale": (_one_of("en", "fa"), "en"), "week_start": (_one_of(*WEEK_STARTS), "monday"),
        "calendar": (_one_of("gregorian", "jalali"), "gregorian")}
PUBLISH = {"branch": (_text, "main"), "grace": (_duration, "6h"), "late": (_one_of(*LATE_POLICIES), "skip"),
           "bot_name": (_text, "socialgit bot"), "bot_email": (_text, "socialgit-bot@users.noreply.invalid")}
FETCH = {"lookback": (_duration, "30d"), "recent": (_duration, "7d"), "budget": (_count, 200)}


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


# [feedback]: routing rules live in their own array of tables, read by routing.parse_rules
FEEDBACK = {"hide_handles": (_flag, False)}
CHANNEL_COMMON = {"type": (_one_of(*CHANNEL_TYPES), None), "label": (_text, None), "color": (_color, None),
                  "max_length": (_count, None), "max_per_day": (_count, None), "max_per_week": (_count, None),
                  "min_gap": (_duration, None), "min_per_week": (_count, None)}
# options of each channel type; a tuple default of None means "required"
CHANNEL_TYPE_OPTIONS: dict[str, dict[str, tuple[Check, Any]]] = {
    "outbox": {"network": (_one_of(*NETWORKS), "none"), "path": (_text, "outbox")},
    "mastodon": {"instance": (_url, None), "token_env": (_env_name, None),
                 "visibility": (_one_of("public", "unlisted", "private", "direct"), "public"),
                 "language": (_text, "")},
    "bluesky": {"service": (_url, "https://bsky.social"), "handle": (_text, None),
                "password_env": (_env_name, None)},
    "webhook": {"url_env": (_env_name, None), "format": (_one_of(*WEBHOOK_FORMATS), "json"),
                "secret_env": (_env_name, "")},
}
# the options that say which account a channel posts as (URLs and handles compared without case)
ACCOUNT_KEYS = {"mastodon": ("instance", "token_env"), "bluesky": ("service", "handle"), "webhook": ("url_env",)}
DEFAULT_COLORS = ("#6364ff", "#0a7ea4", "#b3261e", "#2e7d32", "#8e44ad", "#a15c00", "#00796b", "#5d4037")


def _line_of(text: str, table: str, key: str | None = None) -> int | None:
    """Best-effort line of ``key`` in ``[table]`` (tomllib keeps no positions)."""
    lines = text.splitlines()
    # a section is found by its own header or its first [section.sub] header
    header = re.compile(r"^\s*\[\s*" + re.escape(table).replace(r"\.", r"\s*\.\s*") + r"\s*[\].]")
    for number, line in enumerate(lines, 1):
        if header.match(line):
            if key is None:
                return number
            for offset, inner in enumerate(lines[number:], number + 1):
                if inner.lstrip().startswith("["):
                    break
                if re.match(r"^\s*" + re.escape(key) + r"\s*=", inner):
                    return offset
            return number
    return None


class _Reader:
    """Reads one table against its schema, collecting problems instead of raising."""

    def __init__(self, path: str, text: str, problems: list[Problem]):
        self.path, self.text, self.problems = path, text, problems

    def table(self, name: str, raw: Any, schema: dict[str, tuple[Check, Any]], extra: tuple[str, ...] = ()) -> dict:
        if not isinstance(raw, dict):
            self.problems.append(error(self.path, _line_of(self.text, name), f"[{name}] must be a table"))
            return {}
        values: dict[str, Any] = {}
        for key, value in raw.items():
            if key in schema:
                try:
                    values[key] = schema[key][0](value)
                except ValueError as exc:
                    self.problems.append(error(self.path, _line_of(self.text, name, key), f"{name}.{key}: {exc}"))
            elif key not in extra:
                known = sorted(set(schema) | set(extra))
                self.problems.append(warning(self.path, _line_of(self.text, name, key),
                                             f"{name}.{key} is not a known option{did_you_mean(key, known)}; "
                                             f"known options: {', '.join(known)}"))
        for key, (check, default) in schema.items():
            if key not in values:  # absent, or invalid and already reported
                values[key] = check(default) if default not in (None, "") else default
        return values

    def require(self, name: str, raw: dict, values: dict, keys: list[str], why: str) -> None:
        for key in keys:
            if values.get(key) is None and key not in raw:  # an invalid value was reported already
                self.problems.append(error(self.path, _line_of(self.text, name), f"{name}.{key} is required {why}"))


def _channel(reader: _Reader, name: str, raw: Any, index: int) -> ChannelConfig | None:
    table = f"channels.{name}"
    if not isinstance(raw, dict):
        reader.problems.append(error(reader.path, _line_of(reader.text, table), f"[{table}] must be a table"))
        return None
    kind = raw.get("type")
    if kind is None:
        reader.problems.append(error(reader.path, _line_of(reader.text, table),
                                     f"{table}.type is required; use one of: {', '.join(CHANNEL_TYPES)}"))
        return None
    type_schema = CHANNEL_TYPE_OPTIONS.get(kind, {})
    values = reader.table(table, raw, {**CHANNEL_COMMON, **type_schema})
    if kind not in CHANNEL_TYPES:
        return None
    required = [k for k, (_, default) in type_schema.items() if default is None]
    reader.require(table, raw, values, required, f"for a {kind} channel")
    network = values.pop("network", None) or (kind if kind in ("mastodon", "bluesky") else "none")
    common = {k: values.pop(k) for k in list(values) if k in CHANNEL_COMMON}
    cadence = Cadence(common["max_per_day"], common["max_per_week"], common["min_gap"], common["min_per_week"])
    return ChannelConfig(
        name=name, type=kind, network=network,
        label=common["label"] or name,
        color=common["color"] or DEFAULT_COLORS[index % len(DEFAULT_COLORS)],
        max_length=common["max_length"], cadence=cadence, options=values,
    )


def parse_config(text: str, root: Path, path: str = CONFIG_NAME) -> tuple[Config, list[Problem]]:
    """Validate the text of a socialgit.toml; return the Config and every problem found."""
    problems: list[Problem] = []
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        message = f"not valid TOML ({exc}); fix the syntax"
        return Config(root=root), [error(path, int(line.group(1)) if line else None, message)]
    reader = _Reader(path, text, problems)
    known = ("site", "publish", "fetch", "feedback", "channels")
    for key in data:
        if key not in known:
            problems.append(warning(path, _line_of(text, key), f"[{key}] is not a known section"
                                    f"{did_you_mean(key, known)}; known sections: {', '.join(known)}"))
    site = reader.table("site", data.get("site", {}), SITE)
    publish = reader.table("publish", data.get("publish", {}), PUBLISH)
    fetch = reader.table("fetch", data.get("fetch", {}), FETCH)
    fetch = {"lookback": fetch["lookback"], "fetch_recent": fetch["recent"], "fetch_budget": fetch["budget"]}
    raw_feedback = data.get("feedback", {})
    feedback = reader.table("feedback", raw_feedback, FEEDBACK, extra=("rules",))
    from . import routing  # the classifier behind it is loaded only by commands that read config

    rules, found = routing.parse_rules(raw_feedback.get("rules") if isinstance(raw_feedback, dict) else None,
                                       path, text)
    problems.extend(found)
    channels: dict[str, ChannelConfig] = {}
    raw_channels = data.get("channels", {})
    if not isinstance(raw_channels, dict):
        problems.append(error(path, _line_of(text, "channels"), "[channels] must hold [channels.NAME] tables"))
        raw_channels = {}
    for index, (name, raw) in enumerate(raw_channels.items()):
        if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", name):
            problems.append(error(path, _line_of(text, f"channels.{name}"),
                                  f'channel name "{name}" must be lower-case letters, digits, - or _'))
            continue
        channel = _channel(reader, name, raw, index)
        if channel:
            channels[name] = channel
    if not raw_channels:
        problems.append(warning(path, None, "no channels are configured; add a [channels.NAME] table "
                                "(type = \"outbox\" needs no account)"))
    config = Config(root=root, **site, **publish, **fetch, channels=channels, feedback_rules=tuple(rules),
                    **feedback)
    return config, problems


def load_config(root: Path) -> tuple[Config, list[Problem]]:
    path = root / CONFIG_NAME
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"{CONFIG_NAME}: not found in {root}; run `socialgit init` or pass --root") from None
    except UnicodeDecodeError:
        raise UserError(f"{CONFIG_NAME}: not UTF-8 text; save it as UTF-8") from None
    return parse_config(text, root)


def load_config_or_fail(root: Path) -> tuple[Config, list[Problem]]:
    """Load the config; raise UserError listing every error if any (warnings are returned)."""
    config, problems = load_config(root)
    if has_errors(problems):
        raise UserError("\n".join(str(p) for p in problems))
    return config, problems
