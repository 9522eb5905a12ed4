"""The feedback side of a full build: the feedback read, modelled and rendered apart from the posts.

At 10,000 posts a calendar holds 100,000 feedback files. Their items and entries were
a third of the build's memory, held by the process the render workers fork from, so
every worker started with them too. A full build now reads them in a process of its
own, forked before the posts are read (while the build's process is still small): it
parses the files while the posts' texts are derived, tells the build their problems and
the comments per post and sentiment, writes each post's entries to a file from which
the workers making post pages read their own, and models and renders the feedback log
while the post pages are rendered.

Without fork, or should that process fail in any way, the same work is done in the
build's process (an error is then raised where the build reports it).
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import shutil
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Callable, NamedTuple

from ..check import Calendar
from ..feedback import FeedbackItem, load_feedback
from ..problems import Problem
from . import feedback_entries, feedback_log
from . import model as m
from .views import Chip, SiteInfo

FORK_MIN_POSTS = 400  # below this many posts, forking costs more than it saves: the build's process reads it


@dataclass(frozen=True, slots=True)
class PostFeedback:
    """What a post's page shows of the feedback, and what the build's record keeps of it."""

    entries: tuple  # feedback_entries.FeedbackEntry: its comments, in the order they were read
    reply_to: object | None  # the entry of the comment the post answers
    paths: tuple[str, ...]  # the feedback files the page shows or quotes (site/depends.py)
    loose: bool  # a quoted comment is on no post of this build


NO_FEEDBACK = PostFeedback((), None, (), False)


def by_post(items: list[FeedbackItem]) -> tuple[dict[str, list[FeedbackItem]], dict[str, FeedbackItem]]:
    """The items per post, in their order, and by id (a later item of a repeated id wins)."""
    found: dict[str, list[FeedbackItem]] = defaultdict(list)
    by_id: dict[str, FeedbackItem] = {}
    for item in items:
        by_id[item.id] = item
        if item.post:
            found[item.post].append(item)
    return found, by_id


def post_feedback(post, feedback: dict[str, list[FeedbackItem]], by_id: dict[str, FeedbackItem], entries: dict,
                  chips: dict[str, Chip]) -> PostFeedback:
    """A post's PostFeedback (``feedback`` and ``by_id`` from by_post, ``entries`` the build's, by file)."""
    shown = feedback.get(post.id, [])
    reply_to = by_id.get(post.in_reply_to) if post.in_reply_to else None
    if not shown and reply_to is None:
        return NO_FEEDBACK
    quoted = list(shown) + ([reply_to] if reply_to is not None else [])
    answered = [by_id[i.in_reply_to] for i in quoted if i.in_reply_to in by_id]
    return PostFeedback(tuple(entries[i.path] for i in shown), entries[reply_to.path] if reply_to else None,
                        tuple(sorted({i.path for i in quoted + answered})),
                        any(not (i.post and i.post in chips) for i in answered))


class Shared(NamedTuple):
    """What the feedback side needs of the posts: sent to its process once the posts are read."""

    config: object
    info: SiteInfo
    now: datetime
    today: date
    hide_handles: bool
    chips: dict[str, Chip]
    posts: tuple[tuple[str, str | None], ...]  # (id, in_reply_to) of the posts shown, in the site's order

    @classmethod
    def of(cls, ctx: "m.Context") -> "Shared":
        return cls(ctx.config, ctx.info, ctx.source.now, ctx.today, ctx.source.hide_handles, ctx.chips,
                   tuple(_PostRef(p.id, p.in_reply_to) for p in ctx.posts))


class _PostRef(NamedTuple):
    """A post as the feedback's pages need it: which it is, and the comment it answers."""

    id: str
    in_reply_to: str | None


class Read(NamedTuple):
    problems: list[Problem]  # the feedback files'
    sentiments: dict[str, dict[str, int]]  # insights.sentiment_tally


class Log(NamedTuple):
    """The feedback log's pages as made: their keys and digests, and what the build's record keeps."""

    keys: dict[str, str]
    files: dict[str, str]
    written: int
    rendered: int
    paths: tuple[str, ...]
    posts: frozenset[str]


MakePages = Callable[[list, SiteInfo], tuple[dict[str, str], dict[str, str], int, int]]


class StoredFeedback:
    """Each post's PostFeedback from the file the feedback side wrote, read where a post page is made."""

    def __init__(self, path: str, spans: dict[str, tuple[int, int]]) -> None:
        self.path, self.spans = path, spans
        self._file: tuple[int, int] | None = None  # (process, descriptor): a forked worker opens its own

    def __call__(self, post) -> PostFeedback:
        span = self.spans.get(post.id)
        if span is None:
            return NO_FEEDBACK
        if self._file is None or self._file[0] != os.getpid():
            self._file = (os.getpid(), os.open(self.path, os.O_RDONLY))
        return pickle.loads(os.pread(self._file[1], span[1], span[0]))

    def close(self) -> None:
        """This process's descriptor (`serve` builds again and again in one process)."""
        if self._file is not None and self._file[0] == os.getpid():
            os.close(self._file[1])
        self._file = None


class _Work:
    """The feedback side's steps, in whichever process does them."""

    def __init__(self, root: Path, use_cache: bool, folder: str, make_pages: MakePages) -> None:
        self.root, self.use_cache, self.folder, self.make_pages = root, use_cache, folder, make_pages
        self.items: list[FeedbackItem] = []
        self.done: Read | None = None
        self.ctx: m.Context | None = None

    def read(self) -> Read:
        if self.done is None:
            from ..insights import sentiment_tally  # not loaded by the rebuilds that read no feedback

            self.items, problems = load_feedback(self.root, use_cache=self.use_cache)
            self.done = Read(problems, sentiment_tally(self.items))
        return self.done

    def share(self, shared: Shared) -> None:
        self.read()
        config = shared.config
        source = m.SiteInput(Calendar(config, [], {}), shared.now, feedback=self.items, hide_handles=shared.hide_handles)
        self.ctx = m.Context(source, shared.info, list(shared.posts), shared.chips, {}, {}, {}, shared.today)

    def entries(self) -> tuple[str, dict[str, tuple[int, int]]]:
        """Writes each post's PostFeedback to a file; its path and where each post's is in it."""
        ctx = self.ctx
        entries = feedback_entries.threads(ctx).entries
        feedback, by_id = by_post(self.items)
        path, spans, at = os.path.join(self.folder, "entries"), {}, 0
        with open(path, "wb") as handle:
            for post in ctx.posts:
                found = post_feedback(post, feedback, by_id, entries, ctx.chips)
                if found is NO_FEEDBACK:
                    continue
                data = pickle.dumps(found, pickle.HIGHEST_PROTOCOL)
                handle.write(data)
                spans[post.id] = (at, len(data))
                at += len(data)
        return path, spans

    def log(self) -> Log:
        pages = feedback_log.log_pages(self.ctx)
        keys, files, written, rendered = self.make_pages(pages, self.ctx.info)
        return Log(keys, files, written, rendered, tuple(page.path for page in pages),
                   feedback_log.posts_named(self.ctx))


class FeedbackSide:
    """The feedback side of one full build: made before the posts are read, and ``stop()`` at its end.

    The build asks, in this order: ``read()`` once the posts are read (the files'
    problems, the sentiment tally), ``entries()`` before post pages are made (what each
    shows), ``start_log()`` as they are rendered and ``log()`` after (the log's pages, made).
    """

    def __init__(self, root: Path, use_cache: bool, make_pages: MakePages, posts: int) -> None:
        self.folder = tempfile.mkdtemp(prefix="socialgit-feedback-")
        self.work = _Work(Path(root), use_cache, self.folder, make_pages)
        self.local: _Work | None = None  # the same work done here, when there is no process or it failed
        self.process = self.conn = None
        self.shared: Shared | None = None
        self.writing = False  # the process was asked for the log: it writes pages
        self.stored: StoredFeedback | None = None
        if posts >= FORK_MIN_POSTS and (os.cpu_count() or 1) > 1 and "fork" in multiprocessing.get_all_start_methods():
            context = multiprocessing.get_context("fork")
            self.conn, theirs = context.Pipe()
            # not a daemon: it renders the log's pages on every core, in processes of its own
            self.process = context.Process(target=_serve, args=(self.work, theirs), name="socialgit-feedback")
            self.process.start()
            theirs.close()

    def _ask(self, step: str, message: object = None):
        """``step``'s answer: from the process, or when there is none or it failed, worked out here."""
        if self.conn is not None:
            try:
                if message is not None:
                    self.conn.send(message)
                answer = self.conn.recv()
                if answer[0] == step:
                    return answer[1]
            except (EOFError, OSError):
                pass
            self._lost()
        if self.local is None:
            self.local = self.work
            self.local.share(self.shared)
        return getattr(self.local, step)()

    def _lost(self) -> None:
        self.conn.close()
        if not self.writing:  # it writes no file of the site before it is asked for the log: nothing is cut short
            self.process.terminate()
        self.process.join()
        self.conn = self.process = None

    def read(self, ctx: "m.Context") -> Read:
        self.shared = Shared.of(ctx)
        return self._ask("read", self.shared)

    def entries(self) -> StoredFeedback:
        self.stored = StoredFeedback(*self._ask("entries"))
        return self.stored

    def start_log(self) -> None:
        """Let the process model and render the log now (beside the build's other pages); log() is its answer."""
        if self.conn is not None:
            self.writing = True
            try:
                self.conn.send("log")
            except OSError:
                pass  # gone: log() finds out and makes the log here

    def log(self) -> Log:
        return self._ask("log")

    def stop(self) -> None:
        """End the process (not cut short once it writes pages) and delete the entries' file."""
        if self.conn is not None:
            self._lost()
        if self.stored is not None:
            self.stored.close()
        shutil.rmtree(self.folder, ignore_errors=True)


def _serve(work: _Work, conn) -> None:
    """The feedback side's process: each step's answer, in order, until the build stops asking."""
    try:
        read = work.read()
        work.share(conn.recv())
        conn.send(("read", read))
        conn.send(("entries", work.entries()))
        if conn.recv() == "log":
            conn.send(("log", work.log()))
    except BaseException:  # noqa: BLE001 - the build's process does the step again and reports the error
        pass
    finally:
        conn.close()
