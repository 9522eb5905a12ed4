"""A rebuild after posts' words were edited: their pages remade, calendar.ics patched, no other post read.

The most common change to a calendar is a fix in a post's text: a typo, a sentence,
a link. The last build's record (depends.py) holds, for every post page, the post's
chip (what the grids, lists and the log show of it) and its outline (what else other
pages and the feeds show: time, channels, campaign, state per channel...). When an
edit leaves both as they were, no page but the post's own can change, of the feeds
only the post's event in calendar.ics (its description holds the text), and the home
page only if check's findings about the post changed (a text now too long, a
published post edited). So only the edited files are read, with their receipts and
the comments their pages show; their pages are made, the home page from its
recorded view with the new findings, and the new events replace the old ones in
calendar.ics; feed.xml is made again from the posts it shows when it shows an
edited one (its entry holds the body). Anything else answers None and build.py's
paths take over: a post added, removed, moved or retitled, a reply post, a commit,
a file that did not read cleanly, more than a few files.
"""

from __future__ import annotations

import mmap
import pickle
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

import jinja2

from .. import derived
from ..check import Calendar, FeedbackIds, post_problems, receipt_problems
from ..config import load_config
from ..content import Post, read_post
from ..feedback import load_feedback_files
from ..ledger import post_receipts
from ..problems import UserError, has_errors
from . import cache as cachelib
from . import depends, feeds, pages, post_page
from . import model as m
from .memo import post_history
from .render import Renderer, template_error
from .uptodate import BuildResult, SiteState
from .views import Chip

MAX_POSTS = 5  # edited files; more is a checkout or a search-and-replace, for the other paths
ICS, ATOM = "calendar.ics", "feed.xml"
PATCHED = "patched:"  # prefix of a feed's key once patched: no build's key equals it, so the next makes it


def patch_site(root: Path, out: Path, now: datetime, state: SiteState, record: depends.Record, drafts: bool,
               hide_handles: bool) -> BuildResult | None:
    """Remake what an edit of posts' words changed, or None when the edit may have changed more.

    ``record`` is what the last build into ``out`` left (depends.load), ``state`` its cache and the inputs now.
    """
    root, out, old = Path(root), Path(out), state.old
    if (not old.valid_at(now) or old.setup != state.setup or record.inputs != old.inputs or not record.agenda
            or not depends.only_posts_changed(record, state.setup, state.groups)
            or record.groups[cachelib.HEAD_GROUP] != state.groups[cachelib.HEAD_GROUP]):
        return None  # more than post files changed, or a commit was made (post pages list their commits)
    files = state.post_files
    changed = depends.touched_files(record, files)
    by_path = record.paths
    if (not changed or len(changed) > MAX_POSTS
            or any(rel not in by_path or rel not in files or rel in record.faults for rel in changed)):
        return None
    config, problems = load_config(root)
    if has_errors(problems):
        return None
    edited = _read(root, config, sorted(changed), by_path, record, now)
    if edited is None:
        return None
    posts, receipts = edited.posts, edited.receipts
    ids = frozenset(post.id for post in posts)
    items = load_feedback_files(root, depends.feedback_files(record, ids))
    if any(record.posts[i].foreign for i in ids) or record.replies & {item.id for item in items}:
        return None  # a page showing a comment a reply post answers, or one on no post: the log's paths
    renderer = Renderer(root)
    derived.prepare(posts, config, None, html=renderer.body)
    ctx = _context(config, now, record, edited, items, root, drafts, hide_handles)
    made = post_page.post_pages(ctx, ids)
    if any(ctx.made_from[i] != record.posts[i] for i in ids):
        return None  # the page links other files or comments than the record says
    home = set(record.home)
    findings = {}
    for post in posts:
        findings[post.path] = (post_problems(post, config),
                               receipt_problems(post, receipts[post.id], config, now, ctx.source.calendar.feedback_ids))
        home -= set(record.checks.get(post.path, ())) | set(record.receipt_checks.get(post.path, ()))
        home |= set(depends.problem_rows([*findings[post.path][0], *findings[post.path][1]]))
    if home != record.home:
        agenda = replace(pickle.loads(record.agenda), problems=pages.problem_views(depends.problems_of(home), by_path))
        made.append(agenda)
    events = _patched_ics(out, old, [p for p in m.feed_posts(ctx) if p.publish_at is not None], config.base_url)
    atom = _feed_xml(root, config, now, record, edited, renderer, drafts, hide_handles) if ids & record.atom else b""
    if events is None or atom is None:
        return None
    # everything is read and checked: from here on, files are written
    keys, written, rendered, writes = dict(old.keys), dict(old.files), 0, 0
    digests, folder = cachelib.Digests(), str(out)
    for page in made:
        key = keys[page.path] = digests.key(state.setup, ctx.info, page)
        if old.still_has(page.path, key, folder):
            continue
        try:
            html = renderer.page(page, ctx.info)
        except jinja2.TemplateError as exc:
            raise UserError(template_error(exc)) from None
        written[page.path], wrote = cachelib.write_output(out, page.path, html.encode("utf-8"), old.files.get(page.path))
        rendered, writes = rendered + 1, writes + wrote
    for rel, data in ((ICS, events), (ATOM, atom)):
        if data:
            written[rel], wrote = cachelib.write_output(out, rel, data, old.files.get(rel))
            keys[rel] = PATCHED + written[rel]
            writes += wrote
    cachelib.save(root, out, cachelib.BuildCache(state.setup, state.inputs, old.valid_from, old.valid_until,
                                                 now.isoformat(), keys, written))
    _record(root, out, record, state, files, ctx, findings, home, made)
    return BuildResult(out, sum(rel.endswith(".html") for rel in written), len(written), rendered, writes, 0,
                       time.perf_counter() - state.started, partial=True, patched=True)


class Read(NamedTuple):
    posts: list[Post]
    receipts: dict[str, dict]  # post id → channel → Receipt
    views: dict[str, tuple]  # post id → model.post_view's (state, state per channel, chip)


def _read(root: Path, config, paths: list[str], by_path: dict[str, str], record: depends.Record,
          now: datetime) -> Read | None:
    """The posts of ``paths`` and their receipts, if each read cleanly and shows other pages what it showed."""
    posts, receipts, views = [], {}, {}
    channels = m.channel_views(config)
    for rel in paths:
        post, problems = read_post(config, rel)
        if post is None or problems or post.id != by_path.get(rel) or post.in_reply_to:
            return None
        receipts[post.id], problems = post_receipts(root, post.id)
        if problems:
            return None
        # other pages show its chip and outline: as recorded, or this is no edit of words (a campaign
        # started, say, which the record's pages do not know)
        _, channel_states, chip = views[post.id] = m.post_view(post, receipts[post.id], now, config, channels)
        row = record.posts[post.id]
        if depends.chip_row(chip) != row.chip or depends.outline(post, channel_states) != row.outline:
            return None
        posts.append(post)
    return Read(posts, receipts, views)


def _feed_xml(root: Path, config, now: datetime, record: depends.Record, edited: Read, renderer: Renderer,
              drafts: bool, hide_handles: bool) -> bytes | None:
    """feed.xml made again when it shows an edited post (its entry holds the body): the posts it shows
    are read, the others as the last build found them; None if one does not read as it did."""
    mine = {post.id for post in edited.posts}
    others = _read(root, config, sorted(record.posts[i].path for i in record.atom - mine), record.paths, record, now)
    if others is None:
        return None
    shown = Read([post for post in edited.posts if post.id in record.atom] + others.posts,
                 {**edited.receipts, **others.receipts}, {**edited.views, **others.views})
    ctx = _context(config, now, record, shown, [], root, drafts, hide_handles)
    return feeds.atom_feed(m.feed_posts(ctx), ctx.info, config.base_url, renderer.body.html)


def _context(config, now: datetime, record: depends.Record, read: Read, items: list, root: Path, drafts: bool,
             hide_handles: bool) -> m.Context:
    """What post_pages and the feeds need of ``read``'s posts: every other chip and neighbour as recorded."""
    posts, channels = read.posts, m.channel_views(config)
    states, channel_states, chips = {}, {}, RecordedChips(record.posts)
    for post in posts:
        states[post.id], channel_states[post.id], chips[post.id] = read.views[post.id]
    source = m.SiteInput(Calendar(config, posts, read.receipts, FeedbackIds(root)), now, feedback=items,
                         history=post_history(root, True, [p.path for p in posts]), drafts=drafts,
                         hide_handles=hide_handles)
    today = now.astimezone(config.timezone).date()
    return m.Context(source, m.site_info(config, channels, today, bool(record.campaigns)), posts, chips, states,
                     channel_states, channels, today, dict(record.campaigns),
                     around={post.id: record.posts[post.id].neighbours for post in posts})


class RecordedChips(dict):
    """Every shown post's chip, as the record has it, made when first asked (a page asks for a few)."""

    def __init__(self, posts: depends.PostRows) -> None:
        super().__init__()
        self.posts = posts

    def __missing__(self, post_id: str) -> Chip:
        chip = self[post_id] = depends.chip_of(self.posts[post_id].chip)
        return chip

    def get(self, post_id, default=None):
        return self[post_id] if post_id in self.posts or dict.__contains__(self, post_id) else default

    def __contains__(self, post_id: object) -> bool:
        return post_id in self.posts or dict.__contains__(self, post_id)


def _patched_ics(out: Path, old: cachelib.BuildCache, posts: list[m.FeedPost], base_url: str) -> list | None:
    """calendar.ics with the events of ``posts`` made again, as pieces to write; [] for no dated post; None if it
    cannot be patched (not the file the last build wrote, or not exactly one event of a post)."""
    if not posts:
        return []
    try:  # mapped, not read: 32 MB at 10,000 posts, of which one event changes
        with open(out / ICS, "rb") as handle:
            data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):  # no file, or an empty one
        return None
    if cachelib.file_hash(data) != old.files.get(ICS):
        return None
    host = feeds.event_host(base_url)
    spans = []
    for post in posts:
        event = feeds.event(post, host, base_url)
        found = _event_span(data, event)
        if found is None:
            return None
        spans.append((*found, event))
    pieces, done = [], 0
    whole = memoryview(data)
    for begin, end, event in sorted(spans, key=lambda span: span[0]):
        pieces += [whole[done:begin], event]
        done = end
    return pieces + [whole[done:]]


def _event_span(calendar: mmap.mmap, event: bytes) -> tuple[int, int] | None:
    """Where in ``calendar`` the event of ``event``'s UID is; None unless there is exactly one.

    Values are escaped and folded the same way in both, so the UID's (folded) line is the
    same bytes; a line break inside a value is written as "\\n", so no value holds one.
    """
    start = event.index(b"\r\nUID:") + 2
    end = start
    while True:  # the folded line goes on while the next one starts with a space
        end = event.index(b"\r\n", end) + 2
        if not event.startswith(b" ", end):
            break
    uid = b"\r\n" + event[start:end]
    at = calendar.find(uid)
    if at == -1 or calendar.find(uid, at + 1) != -1 or calendar[at + len(uid):at + len(uid) + 1] == b" ":
        return None
    begin = calendar.rfind(b"BEGIN:VEVENT\r\n", 0, at)
    finish = calendar.find(b"END:VEVENT\r\n", at)
    if begin == -1 or finish == -1:
        return None
    return begin, finish + len(b"END:VEVENT\r\n")


def _record(root: Path, out: Path, record: depends.Record, state: SiteState, files: dict, ctx: m.Context,
            findings: dict, home: set, made: list) -> None:
    """The record brought up to this build: the edited posts' files, findings and pages, the home page's view."""
    record.inputs, record.groups, record.files = state.inputs, state.groups, files
    for post_id, row in ctx.made_from.items():
        record.posts.put(post_id, row)
    for path, (own, ledger) in findings.items():
        for table, found in ((record.checks, own), (record.receipt_checks, ledger)):
            if found:
                table[path] = depends.problem_rows(found)
            else:
                table.pop(path, None)
    if home != record.home:
        record.home = frozenset(home)
        record.agenda = pickle.dumps(made[-1], pickle.HIGHEST_PROTOCOL)
    depends.save(root, out, record)
