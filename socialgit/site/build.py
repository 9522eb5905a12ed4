"""`socialgit build`: read → model → render → write, each stage on its own.

- read: config, posts, receipts, feedback, git history, check's findings (read.py);
- model: what each page shows (pure, model.py and pages.py);
- render: Jinja2 pages, in a process pool on both cores when many pages changed;
  a full build reads, models and renders the feedback in a process of its own
  (feedback_side.py), so the pool's workers never hold 100,000 feedback items;
- write: only files whose bytes changed; outputs of earlier builds that are no
  longer produced are deleted (only files this builder wrote, per the manifest).

When only posts were edited or committed since the last build, the record it left
(depends.py) names the pages the edit can change: the feedback and metrics are not
read and only those pages are modelled; the others are kept as they are.
"""

from __future__ import annotations

import gc
import os
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import jinja2

from .. import progress
from ..problems import UserError
from . import cache as cachelib
from . import depends
from . import post_page
from .patch import patch_site
from .model import build_context, build_model
from .feedback_side import FeedbackSide
from .read import read_for, read_learning, read_posts
from .render import Renderer, template_error
from .uptodate import BuildResult, SiteState, site_state
from .write import Feeds, write_assets, write_feeds

POOL_THRESHOLD = 400  # below this many pages to render, starting processes costs more than it saves
CHUNK = 64


# --- writing ----------------------------------------------------------------

@dataclass
class _Job:
    """One render stage's work, inherited by forked workers: pages made, and posts whose pages are made here."""

    root: Path
    setup: str
    out: Path
    pages: list
    posts: list  # the posts of site.later_posts
    ctx: object
    info: object
    old: cachelib.BuildCache
    same_setup: bool


@dataclass
class Made:
    """A page rendered or kept; for a post page made in the render stage, what the record needs of it."""

    path: str
    key: str | None  # None: the model stage keyed it
    digest: str
    written: bool
    rendered: bool
    post: str | None = None
    row: bytes | None = None  # depends.post_row of what it was made from
    assets: dict | None = None


_JOB: _Job | None = None
_RENDERER: tuple[tuple[str, str], Renderer] | None = None


def _renderer(root: Path, setup: str) -> Renderer:
    """One Renderer per process, made again when the calendar or its theme changes (serve rebuilds)."""
    global _RENDERER
    key = (str(Path(root).resolve()), setup)
    if _RENDERER is None or _RENDERER[0] != key:
        _RENDERER = (key, Renderer(root))
    return _RENDERER[1]


def _write(job: _Job, renderer: Renderer, page) -> tuple[str, bool]:
    try:
        html = renderer.page(page, job.info)
    except jinja2.TemplateError as exc:
        raise UserError(template_error(exc)) from None
    return cachelib.write_output(job.out, page.path, html.encode("utf-8"), job.old.files.get(page.path))


def _render_some(indexes: list[int]) -> list[Made]:
    job = _JOB
    renderer = _renderer(job.root, job.setup)
    done = []
    # a post page's key is worked out here; its digests live as long as this chunk, not the build
    digests = cachelib.Digests()
    for index in indexes:
        if index < len(job.pages):
            page = job.pages[index]
            done.append(Made(page.path, None, *_write(job, renderer, page), True))
            continue
        post = job.posts[index - len(job.pages)]
        page = post_page.post_page(job.ctx, post)
        key = digests.key(job.setup, job.info, page)
        old = job.old
        if job.same_setup and old.still_has(page.path, key, job.out):
            found = (old.files[page.path], False, False)
        else:
            found = (*_write(job, renderer, page), True)
        done.append(Made(page.path, key, *found, post.id, depends.post_row(post.id, job.ctx.made_from[post.id]),
                         job.ctx.page_assets))
    return done


def _render(job: _Job) -> list[Made]:
    global _JOB
    import multiprocessing  # only a build that renders many pages starts processes
    from concurrent.futures import ProcessPoolExecutor, as_completed

    _JOB = job
    # made before the fork, so the workers inherit the compiled templates
    _renderer(job.root, job.setup)
    total = len(job.pages) + len(job.posts)
    indexes = list(range(total))
    chunks = [indexes[i:i + CHUNK] for i in range(0, len(indexes), CHUNK)]
    results: list[Made] = []
    workers = min(os.cpu_count() or 1, 4)
    try:
        if total >= POOL_THRESHOLD and workers > 1 and "fork" in multiprocessing.get_all_start_methods():
            # fork: the workers inherit the page views and what post pages are made from instead of unpickling them
            with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
                futures = [pool.submit(_render_some, chunk) for chunk in chunks]
                for future in as_completed(futures):
                    results += future.result()
                    progress.advance(len(results), total)
        else:
            for chunk in chunks:
                results += _render_some(chunk)
                progress.advance(len(results), total)
    finally:
        _JOB = None
    return results


def _prune(out: Path, rel: str) -> None:
    """Delete an output this builder wrote earlier, and folders it leaves empty."""
    target = out / rel
    try:
        target.unlink()
    except FileNotFoundError:
        pass
    folder = target.parent
    while folder != out and out in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            break
        folder = folder.parent


# --- the build --------------------------------------------------------------

def build_site(root: Path, out: Path | None = None, now: datetime | None = None, drafts: bool = True,
               use_cache: bool = True, hide_handles: bool = False, state: SiteState | None = None) -> BuildResult:
    """Build the site into ``out``; ``state`` is uptodate.site_state's answer when the caller already asked."""
    root = Path(root)
    out = Path(out) if out is not None else root / "site"
    now = now or datetime.now(timezone.utc)
    state = state or site_state(root, out, drafts, hide_handles, use_cache)
    done = state.unchanged(now)
    if done is not None:
        return done
    started, old, setup = state.started, state.old, state.setup
    record = None
    if use_cache and old.valid_at(now):
        record = depends.load(root, out)
        patched = patch_site(root, out, now, state, record, drafts, hide_handles) if record is not None else None
        if patched is not None:
            return patched
        if record is not None and (record.inputs != old.inputs
                                   or not depends.only_posts_changed(record, setup, state.groups)):
            record = None

    post_files = state.post_files
    learning: list[tuple] = []
    make_log = _log_maker(root, setup, out, old)
    side: FeedbackSide | None = None
    feeds: Feeds | None = None
    try:
        if record is None:  # every file is read: the feedback in a process of its own (while this one is small)
            side = FeedbackSide(root, use_cache, make_log, len(post_files))
        # the metrics and imported history are read while the workers derive the posts' texts
        source, findings = read_posts(root, now, drafts, use_cache, hide_handles,
                                      (lambda posts: depends.known_problems(record, post_files, posts)) if record
                                      else None, (lambda: learning.append(read_learning(root))) if record is None
                                      else None)
        faults = frozenset(p.path for p in source.problems)
        # what was read lives until the end: cycle collections need not walk it again and again
        gc.freeze()
        ctx = build_context(source)
        # the feeds need the posts only: a big calendar's are made on the other core while this one models the pages
        feeds = Feeds(lambda: write_feeds(root, out, ctx, setup, old, use_cache, _body_html(root, setup)),
                      len(ctx.posts))
        insights = depends.insights_digest(source.calendar.posts)
        plan = _plan(record, post_files, ctx, insights, state, out)
        if plan is None:
            # a record that planned nothing: the feedback read here (a process forked now would start as big)
            side = side or FeedbackSide(root, use_cache, make_log, 0)
            with progress.stage("Reading feedback files"):
                read = side.read(ctx)
            source.problems = source.problems + read.problems
            source.sentiments = read.sentiments
            source.metrics, source.imported, source.learn_problems = learning[0] if learning else read_learning(root)
        else:
            read_for(plan, record, root, source)
        # no memo for the model (source.memo): text measures are remembered by socialgit.derived, and a
        # preview is asked for once a page, in whichever worker makes it
        with progress.stage("Modelling pages"):
            site = build_model(source, plan, ctx, later=True, feeds=False, feedback=side is None)
        keys, files, to_render = _to_render(site.pages, setup, site.info, old, out)
        kept = _kept(plan, record, ctx) if plan is not None else []
        if plan is not None:  # the pages the edited posts cannot have changed stay as they are
            for path in kept:
                keys[path], files[path] = old.keys[path], old.files[path]
        # before the pages are rendered, so that the feeds' process and the render workers do not share the cores
        made_feeds = feeds.wait()
        written = made_feeds.into(keys, files)
        by_id = {p.id: p for p in ctx.posts}
        if side is not None:  # the log is rendered there while the other pages are rendered here
            ctx.post_feedback = side.entries()
            side.start_log()
        with progress.stage("Rendering pages"):
            made = _render(_Job(root, setup, out, to_render, [by_id[i] for i in site.later_posts], ctx, site.info,
                                old, old.setup == setup))
        rendered = 0
        rows = {}
        for page in made:
            files[page.path] = page.digest
            written += page.written
            rendered += page.rendered
            if page.key is not None:
                keys[page.path] = page.key
            if page.post is not None:
                rows[page.post] = page.row
                ctx.assets.update(page.assets)
        # in the posts' order, whichever worker made them
        rows = {i: rows[i] for i in site.later_posts}
        if plan is not None:
            ctx.assets.update(depends.kept_assets(record, ctx.chips.keys() - plan.posts))
        site.assets = dict(sorted(ctx.assets.items()))
        written += write_assets(root, out, site.assets, setup, old).into(keys, files)
        log_count = 0
        if side is not None:
            with progress.stage("Rendering the feedback log"):
                log = side.log()
            keys.update(log.keys)
            files.update(log.files)
            written, rendered, log_count = written + log.written, rendered + log.rendered, len(log.paths)
            site.log_paths, site.log_posts = log.paths, log.posts
    finally:
        if feeds is not None:
            feeds.stop()
        if side is not None:
            side.stop()
        gc.unfreeze()
    removed = 0
    for rel in sorted(set(old.files) - set(files)):
        _prune(out, rel)
        removed += 1
    valid_from, valid_until = site.valid_from, site.valid_until
    if plan is not None and not plan.insights:  # the insights page kept: so is the interval it stands in
        valid_from = max(valid_from, datetime.fromisoformat(record.insights_valid[0]))
        valid_until = min(valid_until, datetime.fromisoformat(record.insights_valid[1]))
    if use_cache:
        cachelib.save(root, out, cachelib.BuildCache(setup, state.inputs, valid_from.isoformat() if valid_from else "",
                                                     valid_until.isoformat() if valid_until else "", now.isoformat(),
                                                     keys, files))
        if plan is None:  # all of it made again: so is the record
            record = depends.Record(log_paths=site.log_paths, log_posts=site.log_posts, sentiments=source.sentiments,
                                    problems=depends.problem_rows(read.problems))
        depends.save(root, out, depends.updated(record, setup, state, post_files, ctx, site, rows, insights,
                                                     findings, faults, made_feeds.atom))
    return BuildResult(out, len(site.pages) + len(site.later_posts) + len(kept) + log_count, len(files), rendered,
                       written, removed,
                       time.perf_counter() - started, partial=plan is not None)


def _to_render(pages: list, setup: str, info, old: cachelib.BuildCache,
               out: Path) -> tuple[dict[str, str], dict[str, str], list]:
    """Each page's key; the digests of those the last build wrote alike (kept); the pages to render."""
    digests = cachelib.Digests()  # the views share most of their parts: each is digested once
    keys: dict[str, str] = {}
    files: dict[str, str] = {}
    same_setup, folder = old.setup == setup, str(out)
    to_render = []
    for page in pages:
        key = digests.key(setup, info, page)
        keys[page.path] = key
        if same_setup and old.still_has(page.path, key, folder):
            files[page.path] = old.files[page.path]
        else:
            to_render.append(page)
    return keys, files, to_render


def _log_maker(root: Path, setup: str, out: Path, old: cachelib.BuildCache):
    """How the feedback side makes the log's pages: kept when unchanged, else rendered on every core."""
    def make(pages: list, info) -> tuple[dict[str, str], dict[str, str], int, int]:
        keys, files, to_render = _to_render(pages, setup, info, old, out)
        written = 0
        made = _render(_Job(root, setup, out, to_render, [], None, info, old, old.setup == setup))
        for page in made:
            files[page.path] = page.digest
            written += page.written
        return keys, files, written, len(made)
    return make


def _plan(record: depends.Record | None, post_files: dict, ctx, insights: str, state: SiteState,
          out: Path) -> depends.Plan | None:
    """depends.plan, when every page it would keep is still in the site as the last build wrote it."""
    if record is None:
        return None
    moved = record.groups.get(cachelib.HEAD_GROUP) != state.groups.get(cachelib.HEAD_GROUP)
    plan = depends.plan(record, post_files, ctx.posts, ctx.chips, ctx.campaign_folders, insights,
                        ctx.source.history if moved else None, ctx.source.calendar.posts)
    if plan is None:
        return None
    kept, folder, old = _kept(plan, record, ctx), str(out), state.old
    if not all(path in old.keys and path in old.files and os.path.isfile(os.path.join(folder, path)) for path in kept):
        return None
    return plan


def _kept(plan: depends.Plan, record: depends.Record, ctx) -> list[str]:
    kept = [f"posts/{i}/index.html" for i in ctx.chips if i not in plan.posts] + list(record.log_paths)
    from .insights_page import PATH

    return kept if plan.insights else kept + [PATH]


def _body_html(root: Path, setup: str) -> Callable[[str], str]:
    """How feed.xml renders a body: the build's Renderer, made on first use in whichever process asks."""
    return lambda text: _renderer(root, setup).body.html(text)

