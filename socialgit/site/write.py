"""The files that are not pages: calendar.ics, feed.xml and posts.json, the theme's static files, media.

Each is written only when its key changed (cache.BuildCache). The feeds depend on the
posts alone, not on the page model: a big build makes them in a forked process of their
own while the parent models the pages, each on a core (at 10,000 posts both take seconds),
and what making calendar.ics costs in memory stays in that process.
"""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path
from typing import Callable, NamedTuple

from . import cache as cachelib
from . import feeds
from .memo import Memo
from .model import Context, feed_posts
from .theme import STATIC_DIR

FORK_MIN = 400  # posts: below this, forking costs more than making the feeds beside the model


class Written(NamedTuple):
    """What writing some outputs did: their keys and digests (as the build cache keeps them), files written."""

    keys: dict[str, str]
    files: dict[str, str]
    written: int
    atom: frozenset[str] = frozenset()  # the posts feed.xml shows (site/depends.py's record)

    def into(self, keys: dict[str, str], files: dict[str, str]) -> int:
        """Add the outputs' keys and digests to the build's; how many files were written."""
        keys.update(self.keys)
        files.update(self.files)
        return self.written


class Emitter:
    """Writes the outputs whose key changed; keeps every output's key and digest, and counts what it wrote."""

    def __init__(self, out: Path, setup: str, old: cachelib.BuildCache) -> None:
        self.out, self.setup, self.old = out, setup, old
        self.keys: dict[str, str] = {}
        self.files: dict[str, str] = {}
        self.written = 0

    def __call__(self, rel: str, key: str, make: Callable[[], bytes | list[bytes]]) -> None:
        old = self.old
        self.keys[rel] = key
        if old.setup == self.setup and old.still_has(rel, key, self.out):
            self.files[rel] = old.files[rel]
            return
        digest, wrote = cachelib.write_output(self.out, rel, make(), old.files.get(rel))
        self.files[rel] = digest
        self.written += wrote

    def result(self, atom: frozenset[str] = frozenset()) -> Written:
        return Written(self.keys, self.files, self.written, atom)


def write_feeds(root: Path, out: Path, ctx: Context, setup: str, old: cachelib.BuildCache, remember: bool,
                body_html: Callable[[str], str]) -> Written:
    """calendar.ics, feed.xml and posts.json of ``ctx``'s posts."""
    emit = Emitter(out, setup, old)
    posts, info, base_url = feed_posts(ctx), ctx.info, ctx.config.base_url
    digests = cachelib.Digests()

    def ics() -> list[bytes]:
        events = Memo(root if remember else None, "ics-events", setup)  # only when the calendar changed
        made = feeds.calendar_ics(posts, info, base_url, events, digests)
        events.save()
        return made

    emit("calendar.ics", digests.key(setup, "ics", info, posts), ics)
    emit("feed.xml", digests.key(setup, "atom", info, posts), lambda: feeds.atom_feed(posts, info, base_url, body_html))
    emit("posts.json", digests.key(setup, "json", info, posts), lambda: feeds.posts_json(posts, info, base_url))
    return emit.result(frozenset(p.id for p in feeds.atom_posts(posts)))


class Feeds:
    """write_feeds started in a forked process when the calendar is big; ``wait()`` for what it wrote.

    Should the process fail in any way, the feeds are made here when waited for: then
    an error is raised where the build reports it, and a file half made is made again.
    """

    def __init__(self, make: Callable[[], Written], posts: int) -> None:
        self.make = make
        self.process = self.receive = None
        if posts < FORK_MIN or (os.cpu_count() or 1) < 2 or "fork" not in multiprocessing.get_all_start_methods():
            return
        context = multiprocessing.get_context("fork")
        self.receive, send = context.Pipe(duplex=False)

        def child() -> None:
            try:
                send.send(make())
            except BaseException:  # noqa: BLE001 - the parent makes them again and reports the error
                pass

        self.process = context.Process(target=child, name="socialgit-feeds", daemon=True)
        self.process.start()
        send.close()

    def wait(self) -> Written:
        done = None
        if self.process is not None:
            try:
                done = self.receive.recv()
            except EOFError:  # the process ended without an answer
                pass
            self.stop()  # it has answered, or ended
        return done if isinstance(done, Written) else self.make()

    def stop(self) -> None:
        """Wait for the process to end (when the build failed, it was not waited for).

        Not cut short: killed, it could leave a file half written beside the one it replaces.
        """
        if self.process is not None:
            self.process.join()
            self.receive.close()
            self.process = self.receive = None


def write_assets(root: Path, out: Path, assets: dict[str, str], setup: str, old: cachelib.BuildCache) -> Written:
    """The theme's static files and the media and outbox files (site path → source) pages link to."""
    emit = Emitter(out, setup, old)
    for path in sorted(STATIC_DIR.rglob("*")):
        if path.is_file():
            rel = "static/" + path.relative_to(STATIC_DIR).as_posix()
            emit(rel, cachelib.key_of(setup, rel), path.read_bytes)
    for rel, source in assets.items():
        src = root / source
        try:
            info = src.stat()
        except OSError:
            continue
        emit(rel, cachelib.key_of("asset", source, info.st_size, info.st_mtime_ns), src.read_bytes)
    return emit.result()
