"""Every post file of the working tree, parsed on every core and remembered in .socialgit/.

`check`, the site and the commands read posts in full (load_posts); the runner, every
minute, only what it must know to find the few it reads in full (load_slots). Both keep
the parse results as plain tuples, by path, mtime and size (filecache.FileCache).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, fields
from datetime import datetime

from . import content, front_matter, progress
from .config import Config
from .content import MediaRef, Post, check_unique_ids, parse_post
from .filecache import (POSTS_DIR, FileCache, code_salt, gc_paused, moment_data, moment_from, parse_all,
                        problems_data, problems_from, repo_files, restore)
from .problems import Problem

_POST_FIELDS = tuple(f.name for f in fields(Post))


def _post_data(post: Post | None) -> tuple | None:
    if post is None:
        return None
    values = {name: getattr(post, name) for name in _POST_FIELDS}
    values["publish_at"] = moment_data(post.publish_at)
    values["media"] = tuple((m.path, m.alt, m.line) for m in post.media)
    return tuple(values[name] for name in _POST_FIELDS)


def _post_from(data: tuple | None) -> Post | None:
    if data is None:
        return None
    values = dict(zip(_POST_FIELDS, data, strict=True))
    values["publish_at"] = moment_from(values["publish_at"])
    values["media"] = tuple(restore(MediaRef, {"path": path, "alt": alt, "line": line})
                            for path, alt, line in values["media"])
    return restore(Post, values)


def _slot_data(slot: Slot | None) -> tuple | None:
    if slot is None:
        return None
    return slot.path, slot.id, moment_data(slot.publish_at), slot.is_draft, slot.channels, slot.usable, slot.late


def _slot_from(data: tuple | None) -> Slot | None:
    if data is None:
        return None
    path, post_id, publish_at, is_draft, channels, usable, late = data
    return Slot(path, post_id, moment_from(publish_at), is_draft, tuple(channels), usable, late)


_CODECS = {
    "posts": (lambda parsed: (_post_data(parsed[0]), problems_data(parsed[1])),
              lambda data: (_post_from(data[0]), problems_from(data[1]))),
    "slots": (_slot_data, _slot_from),
}


def _cached_parse(config: Config, name: str, use_cache: bool, shape):
    """(rel, shape(parse_post result)) of every post file, cached in .socialgit/<name>.

    Parsing depends on the time zone and the channel names, so those salt the cache.
    """
    root = config.root
    salt = f"{config.timezone.key}|{','.join(sorted(config.channels))}|{code_salt(content, front_matter, sys.modules[__name__])}"
    cache = FileCache(root, name, salt, _CODECS[name]) if use_cache else None
    def parse(rel: str, path: str):
        with open(path, "rb") as handle:
            return shape(parse_post(rel, handle.read(), config))

    with gc_paused(), progress.stage("Reading posts"):
        files = repo_files(root, POSTS_DIR, ".md")
        if cache is None:
            values = [value for value, _ in parse_all([f[:2] for f in files], parse, *_CODECS[name])]
        else:
            values = cache.get_all(files, parse)
    yield from zip((f[0] for f in files), values)
    if cache:
        cache.save()


def load_posts(config: Config, use_cache: bool = True) -> tuple[list[Post], list[Problem]]:
    """Every post under content/posts/ of the working tree."""
    posts, problems = [], []
    for _, (post, found) in _cached_parse(config, "posts", use_cache, lambda parsed: parsed):
        problems.extend(found)
        if post is not None:
            posts.append(post)
    problems.extend(check_unique_ids(posts))
    return posts, problems


@dataclass(frozen=True)
class Slot:
    """What the runner must know of every post to find the few it must read in full."""

    path: str
    id: str
    publish_at: datetime | None
    is_draft: bool
    channels: tuple[str, ...]
    usable: bool  # parsed without errors
    late: str | None = None  # the post's own late: policy, which decides whether a missed post revives


def _slot(parsed: tuple[Post | None, list[Problem]]) -> Slot | None:
    post, problems = parsed
    if post is None:
        return None
    usable = not any(p.level == "error" for p in problems)
    return Slot(post.path, post.id, post.publish_at, post.is_draft, post.channels, usable, post.late)


def load_slots(config: Config, use_cache: bool = True) -> list[Slot]:
    """Every post's slot; a second file claiming an id already used is not usable."""
    slots, seen = [], set()
    for _, slot in _cached_parse(config, "slots", use_cache, _slot):
        if slot is None:
            continue
        if slot.id in seen:
            slot = Slot(slot.path, slot.id, slot.publish_at, slot.is_draft, slot.channels, False, slot.late)
        seen.add(slot.id)
        slots.append(slot)
    return slots
