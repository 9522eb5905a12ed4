"""Post files → Post objects, with every problem reported as ``path:line``.

Parsing is a pure function of (path, bytes, config) so the same code reads the
working tree and any git revision (``socialgit summary`` compares two).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from functools import cached_property
from pathlib import Path
from typing import Any, Iterable
from zoneinfo import ZoneInfo

from . import front_matter
from .config import LATE_POLICIES, Config
from .problems import Problem, did_you_mean, error, warning

FIELDS = ("title", "publish_at", "channels", "status", "id", "campaign", "tags", "author", "lang",
          "media", "variants", "in_reply_to", "late")
STATUSES = ("draft", "ready")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_RTL = re.compile(r"[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")
_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class MediaRef:
    path: str  # relative to content/
    alt: str
    line: int | None = None


@dataclass(frozen=True)
class Post:
    id: str
    path: str  # repository-relative, with forward slashes
    title: str
    publish_at: datetime | None  # aware
    channels: tuple[str, ...]
    status: str = "ready"
    campaign: str | None = None
    tags: tuple[str, ...] = ()
    author: str | None = None
    lang: str | None = None
    media: tuple[MediaRef, ...] = ()
    variants: dict[str, str] = field(default_factory=dict)
    in_reply_to: str | None = None
    late: str | None = None
    body: str = ""
    lines: dict[str, int] = field(default_factory=dict, compare=False)
    body_line: int = 1

    @property
    def is_draft(self) -> bool:
        return self.status == "draft"

    def line(self, key: str) -> int:
        return self.lines.get(key, 1)

    @cached_property
    def direction(self) -> str:
        """'rtl' when most letters of the title and body are right-to-left."""
        sample = self.title + self.body[:400]
        rtl = len(_RTL.findall(sample))
        return "rtl" if rtl and rtl * 2 >= len(_LETTER.findall(sample)) else "ltr"

    def parts_for(self, channel: str) -> list[str]:
        """The exact text of each thread part sent to ``channel``."""
        return _parts(self.body, self.variants.get(channel))

    def payload_hash(self, channel: str) -> str:
        from . import plaintext  # Markdown loads only where a text is derived: a quiet `publish` needs none

        media = [(m.path, m.alt) for m in self.media]
        return plaintext.payload_hash(self.parts_for(channel), media)


_PARTS_CACHE: dict[tuple[bool, str], list[str]] = {}
_PARTS_MAX = 50_000


def _parts_key(body: str, variant: str | None) -> tuple[bool, str]:
    # a variant is sent as written, whatever the body says
    return (True, variant) if variant is not None else (False, body)


def _parts(body: str, variant: str | None) -> list[str]:
    # check, status and the site all ask for the same parts; render each body once
    key = _parts_key(body, variant)
    if key not in _PARTS_CACHE:
        from . import plaintext

        remember_parts(body, variant, plaintext.network_parts(body, variant))
    return list(_PARTS_CACHE[key])


def known_parts(body: str, variant: str | None) -> list[str] | None:
    """The parts of (body, variant) if this process has derived them, else None."""
    found = _PARTS_CACHE.get(_parts_key(body, variant))
    return None if found is None else list(found)


def forget_parts() -> None:
    _PARTS_CACHE.clear()


def remember_parts(body: str, variant: str | None, parts: list[str]) -> None:
    """Record what plaintext.network_parts(body, variant) returns (socialgit.derived recalls it between runs)."""
    if len(_PARTS_CACHE) >= _PARTS_MAX:
        _PARTS_CACHE.clear()
    _PARTS_CACHE[_parts_key(body, variant)] = list(parts)


def localize(naive: datetime, zone: ZoneInfo) -> tuple[datetime, str | None]:
    """Attach ``zone`` to a wall-clock time; the second value explains a gap or overlap."""
    first, second = naive.replace(tzinfo=zone, fold=0), naive.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return first, None
    shown = naive.strftime("%Y-%m-%d %H:%M")
    # in a gap, fold=0 reads the wall time with the offset from before the jump,
    # which lands after the gap: that is the nearest real time to suggest
    later = first.astimezone(timezone.utc).astimezone(zone)
    if later.replace(tzinfo=None) != naive:
        return first, (f"publish_at {shown} does not exist in {zone.key}: the clocks jump forward that night; "
                       f"pick another time, e.g. {later:%H:%M}, or write it with an offset like "
                       f"{later.isoformat(timespec='minutes')}")
    return first, (f"publish_at {shown} happens twice in {zone.key}: the clocks go back that night; "
                   f"write the offset to choose: {first.isoformat(timespec='minutes')} (the first) or "
                   f"{second.isoformat(timespec='minutes')} (the second)")


def parse_time(value: Any, zone: ZoneInfo) -> tuple[datetime | None, str | None]:
    """A front-matter time → aware datetime, or (None, why it is not one)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        return None, f"publish_at {value} has no time of day; write it like {value} 09:30"
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None, (f'publish_at "{value}" is not a date and time; write it like 2026-12-01 09:30 '
                          "(site time zone) or 2026-12-01T09:30:00+01:00")
    else:
        return None, "publish_at must be a date and time like 2026-12-01 09:30"
    if moment.tzinfo is None:
        return localize(moment, zone)
    return moment, None


class _Front:
    """The parsed front matter with the line of each top-level key."""

    def __init__(self, data: dict, lines: dict[str, int]):
        self.data, self.lines = data, lines


def _body_line(text: str) -> int:
    """The line of the body's first text: after the closing '---' and any blank lines."""
    lines = text.split("\n")
    closing = next((i for i in range(1, len(lines)) if re.fullmatch(r"-{3,}\s*", lines[i])), len(lines) - 1)
    first = next((i for i in range(closing + 1, len(lines)) if lines[i].strip()), closing + 1)
    return first + 1


def _front_matter(text: str, path: str) -> tuple[_Front | None, str, int, list[Problem]]:
    data, body, lines, problems = front_matter.read(text, path, "title, publish_at, channels", "title: …")
    body_line = _body_line(text) if body is not text else 1
    return (_Front(data, lines) if data is not None else None), body, body_line, problems


def parse_post(path: str, raw: bytes, config: Config) -> tuple[Post | None, list[Problem]]:
    """Parse one post file; a Post is returned whenever the file is usable at all."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [error(path, line, "not UTF-8 text; save the file as UTF-8")]
    text = text.replace("\r\n", "\n")
    front, body, body_line, problems = _front_matter(text, path)
    if front is None:
        return None, problems
    data, lines = front.data, front.lines
    at = lines.get

    for key in data:
        if key not in FIELDS:
            problems.append(warning(path, at(key), f'unknown field "{key}"{did_you_mean(str(key), FIELDS)}; '
                                    f"it is ignored"))

    def text_field(key: str, required: bool = False) -> str | None:
        value = data.get(key)
        if value is None:
            if required:
                problems.append(error(path, 1, f"{key} is missing; add '{key}: …' to the front matter"))
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or (required and not value.strip()):
            problems.append(error(path, at(key), f"{key} must be text"))
            return None
        return value.strip()

    def list_field(key: str) -> tuple[str, ...]:
        value = data.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.append(error(path, at(key), f"{key} must be a list like [a, b]"))
            return ()
        return tuple(value)

    title = text_field("title", required=True) or Path(path).stem
    status = data.get("status", "ready")
    if status not in STATUSES:
        problems.append(error(path, at("status"), f'status "{status}" is not allowed; use draft or ready '
                              "(published and failed come from the ledger)"))
        status = "draft"
    post_id = text_field("id") or Path(path).stem
    if not _ID.match(post_id):
        problems.append(error(path, at("id") or 1, f'id "{post_id}" must be letters, digits, ".", "_" or "-" '
                              "(rename the file or set id:)"))
    publish_at = None
    if "publish_at" in data and data["publish_at"] is not None:
        publish_at, why = parse_time(data["publish_at"], config.timezone)
        if why:
            problems.append(error(path, at("publish_at"), why))
    elif status == "ready":
        problems.append(error(path, 1, "publish_at is missing; add 'publish_at: 2026-12-01 09:30' "
                              "or mark the post 'status: draft'"))
    channels = list_field("channels")
    twice = sorted({name for name in channels if channels.count(name) > 1})
    if twice:  # each is one post on one channel; the runner must not see the pair twice
        problems.append(warning(path, at("channels"), f"channel {', '.join(twice)} is listed more than once; "
                                "the post goes out once there"))
        channels = tuple(dict.fromkeys(channels))
    for name in channels:
        if name not in config.channels:
            problems.append(error(path, at("channels"), f'unknown channel "{name}"'
                                  f"{did_you_mean(name, config.channels)}; channels in socialgit.toml: "
                                  f"{', '.join(config.channels) or 'none'}"))
    if status == "ready" and not channels:
        problems.append(error(path, at("channels") or 1, "no channels; add 'channels: [name, …]' "
                              "or mark the post 'status: draft'"))
    late = data.get("late")
    if late is not None and late not in LATE_POLICIES:
        problems.append(error(path, at("late"), f'late "{late}" is not allowed; use {", ".join(LATE_POLICIES)}'))
        late = None
    media = _media(data.get("media"), path, at("media"), problems)
    variants = _variants(data.get("variants"), channels, path, at("variants"), problems)
    body = body.strip("\n")
    if not body.strip() and not (channels and all(c in variants for c in channels)):
        level = warning if status == "draft" else error
        problems.append(level(path, body_line, "the post has no text; write the body below the front matter"))
    post = Post(
        id=post_id, path=path, title=title, publish_at=publish_at, channels=tuple(channels), status=status,
        campaign=text_field("campaign"), tags=list_field("tags"), author=text_field("author"),
        lang=text_field("lang"), media=media, variants=variants, in_reply_to=text_field("in_reply_to"),
        late=late, body=body, lines=dict(lines), body_line=body_line,
    )
    return post, problems


def _media(value: Any, path: str, line: int | None, problems: list[Problem]) -> tuple[MediaRef, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        problems.append(error(path, line, "media must be a list like [{path: media/a.png, alt: \"…\"}]"))
        return ()
    refs = []
    for number, item in enumerate(value, 1):
        if isinstance(item, str):
            item = {"path": item}
        if not isinstance(item, dict) or not isinstance(item.get("path"), str):
            problems.append(error(path, line, f"media item {number} needs a path: {{path: media/a.png, alt: \"…\"}}"))
            continue
        alt = item.get("alt")
        refs.append(MediaRef(item["path"], alt.strip() if isinstance(alt, str) else "", line))
    return tuple(refs)


def _variants(value: Any, channels: Iterable[str], path: str, line: int | None,
              problems: list[Problem]) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        problems.append(error(path, line, "variants must map a channel to its text, like 'bluesky: Shorter text.'"))
        return {}
    for name in value:
        if name not in channels:
            problems.append(warning(path, line, f'variant for "{name}", which is not in this post\'s channels; '
                                    "it is not used"))
    return {str(k): v.strip() for k, v in value.items()}


def check_unique_ids(posts: list[Post]) -> list[Problem]:
    seen: dict[str, Post] = {}
    problems = []
    for post in posts:
        if post.id in seen:
            first = seen[post.id]
            problems.append(error(post.path, post.lines.get("id", 1),
                                  f'id "{post.id}" is already used by {first.path}; ids are never reused: '
                                  "rename this file or set a different id:"))
        else:
            seen[post.id] = post
    return problems


def parse_posts(files: Iterable[tuple[str, bytes]], config: Config) -> tuple[list[Post], list[Problem]]:
    posts, problems = [], []
    for path, raw in files:
        post, found = parse_post(path, raw, config)
        problems.extend(found)
        if post is not None:
            posts.append(post)
    problems.extend(check_unique_ids(posts))
    return posts, problems


def read_post(config: Config, rel: str) -> tuple[Post | None, list[Problem]]:
    return parse_post(rel, (config.root / rel).read_bytes(), config)
