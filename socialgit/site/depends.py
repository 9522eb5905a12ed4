"""What a rebuild after edited posts must remake: the record a build leaves, and the plan made from it.

A team edits posts far more often than anything else, and a post's page, the grids
and the feeds are all such an edit can change, unless the edit touches what other
pages show. So each build records, per post page, what it was made from besides the
post itself: its neighbours, the commits it lists, the feedback files it shows, the
media and outbox files it links; and which posts the feedback log names (every
comment's entry is on the log too, so the chips in entries are those), and what the
insights page reads of the posts. When only post files changed since, or commits were
made (no feedback, receipt, metric, template or config changed, and ``now`` is inside
the last build's validity), ``plan`` compares the record with the posts now and names
the post pages to remake; the build then reads no feedback but those pages' and no
metrics unless the insights page changes. Any doubt (a reply post, a campaign
renamed, a post the log names changing its chip, an image a post names) answers
None: the whole site is modelled, as it always may be; and so do many changed posts
(a checkout, a fresh clone), for which the full path's caches are faster.
"""

from __future__ import annotations

import marshal
import pickle
import posixpath
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Mapping, NamedTuple

from ..content import Post
from ..filecache import POSTS_DIR
from ..problems import Problem
from ..state import read_pieces, write_pieces
from . import cache as cachelib
from .views import Chip

if TYPE_CHECKING:
    from .model import Context, SiteModel
    from .uptodate import SiteState

FORMAT = 7  # 7: the agenda it keeps (pickled) folds older attention items
MANY = 20  # post pages above which (and above a tenth of all) a rebuild models everything


class PostRecord(NamedTuple):
    path: str  # the post's file
    chip: tuple  # chip_row of its chip
    neighbours: tuple  # (id before, id after) in time order
    in_reply_to: str | None
    feedback: tuple[str, ...]  # feedback files its page shows, and the comments those answer
    foreign: bool  # a comment answers one that has no post: its link is a place in the whole log
    assets: tuple[tuple[str, str], ...]  # (site path, source) of the files its page links
    history: str  # history_digest of the commits its page lists
    outline: tuple  # outline(): what pages other than its own and the feeds show of the post besides its chip


class PostRows(Mapping[str, PostRecord]):
    """The record's post pages by post id, each kept as marshal bytes and read when first asked.

    A rebuild after one edit reads a few of 10,000 rows (site/patch.py); reading them
    all at once was most of the time it took to load the record.
    """

    def __init__(self, rows: dict[str, bytes] | None = None) -> None:
        self.rows = rows if rows is not None else {}
        self.read: dict[str, PostRecord] = {}

    def __getitem__(self, post_id: str) -> PostRecord:
        found = self.read.get(post_id)
        if found is None:
            row = PostRecord(*marshal.loads(self.rows[post_id]))
            folder = _feedback_folder(post_id)
            found = self.read[post_id] = row._replace(
                feedback=tuple(path if "/" in path else folder + path for path in row.feedback))
        return found

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __contains__(self, post_id: object) -> bool:
        return post_id in self.rows

    def keys(self):
        return self.rows.keys()

    def put(self, post_id: str, row: PostRecord) -> None:
        self.put_row(post_id, post_row(post_id, row))

    def put_row(self, post_id: str, row: bytes) -> None:
        """Keep a post_row as it is: 10,000 pages' rows read back as tuples were 40 MB of a full build."""
        self.rows[post_id] = row
        self.read.pop(post_id, None)


def post_row(post_id: str, row: PostRecord) -> bytes:
    """A post's PostRecord as the record keeps it."""
    # a comment's file in the post's own folder is kept by its name: half the record's bytes
    folder = _feedback_folder(post_id)
    names = tuple(path[len(folder):] if path.startswith(folder) and "/" not in path[len(folder):] else path
                  for path in row.feedback)
    return marshal.dumps(tuple(row._replace(feedback=names)))


def _feedback_folder(post_id: str) -> str:
    return f"content/feedback/{post_id}/"


@dataclass
class Record:
    setup: str = ""
    inputs: str = ""  # the build cache's fingerprint of the same build: the two belong together
    groups: dict[str, str] = field(default_factory=dict)  # cache.Inputs.groups of the build
    files: dict[str, tuple[int, int]] = field(default_factory=dict)  # post folder's files → (size, mtime)
    posts: PostRows = field(default_factory=PostRows)
    paths: dict[str, str] = field(default_factory=dict)  # the posts' files → their ids
    replies: frozenset[str] = frozenset()  # the comments reply posts answer (in_reply_to)
    campaigns: dict[str, str] = field(default_factory=dict)  # campaign → its folder
    log_paths: tuple[str, ...] = ()
    log_posts: frozenset[str] = frozenset()  # ids the log names: its items' posts, our replies, reply posts
    insights: str = ""  # insights_digest of the posts
    insights_valid: tuple[str, str] = ("", "")  # the interval of now in which the insights page stands
    sentiments: dict[str, dict[str, int]] = field(default_factory=dict)  # insights.sentiment_tally
    problems: tuple[tuple, ...] = ()  # the feedback files' problems, for the home page
    checks: dict[str, tuple[tuple, ...]] = field(default_factory=dict)  # post file → check.post_problems, if any
    receipt_checks: dict[str, tuple[tuple, ...]] = field(default_factory=dict)  # post file → receipt_problems
    faults: frozenset[str] = frozenset()  # files reading found problems in (posts, receipts, config)
    home: frozenset[tuple] = frozenset()  # the problems the home page lists, as problem rows
    agenda: bytes = b""  # the home page's view (views.AgendaPage), pickled
    atom: frozenset[str] = frozenset()  # the posts feed.xml shows


@dataclass(frozen=True)
class Plan:
    posts: frozenset[str]  # the post pages to make
    insights: bool  # whether the insights page must be made again


def outline(post: Post, channel_states: Mapping[str, str]) -> tuple:
    """What any page but the post's own shows of a post, besides its chip; posts.json and calendar.ics too,
    but for the text. An edit that leaves it and the chip alone changes only the post's page, its event in
    calendar.ics, and check's findings (site/patch.py)."""
    return (post.title, post.publish_at.isoformat() if post.publish_at else None, post.channels, post.status,
            post.campaign, post.tags, post.author, post.lang, tuple((m.path, m.alt) for m in post.media),
            post.in_reply_to, post.late, tuple(sorted(channel_states.items())))


def chip_row(chip: Chip) -> tuple:
    return (chip.id, chip.title, chip.day.toordinal() if chip.day else None, chip.time, chip.state, chip.channels,
            chip.direction, chip.lang)


def chip_of(row: tuple) -> Chip:
    """The chip chip_row was made from."""
    post_id, title, day, time, state, channels, direction, lang = row
    return Chip(post_id, title, date.fromordinal(day) if day else None, time, state, channels, direction, lang)


def neighbours(posts: list[Post]) -> dict[str, tuple[str | None, str | None]]:
    """Each dated post's previous and next post in time order (``posts`` sorted by time)."""
    dated = [p.id for p in posts if p.publish_at is not None]
    return {post_id: (dated[i - 1] if i else None, dated[i + 1] if i + 1 < len(dated) else None)
            for i, post_id in enumerate(dated)}


def insights_digest(posts: list[Post]) -> str:
    """What the insights page reads of the posts (their receipts and metrics are other inputs)."""
    return cachelib.key_of(tuple((p.id, p.publish_at.isoformat() if p.publish_at else None, tuple(p.channels),
                                  p.campaign, p.is_draft, p.in_reply_to) for p in posts))


def only_posts_changed(record: Record | None, setup: str, groups: dict[str, str]) -> bool:
    """Whether the inputs differ from the recorded build's in post files and commits alone."""
    if record is None or record.setup != setup or set(record.groups) != set(groups):
        return False
    return all(record.groups[name] == digest for name, digest in groups.items()
               if name not in (POSTS_DIR, cachelib.HEAD_GROUP))  # post files; commits: the posts' history


def history_digest(changes) -> str:
    """What a post page shows of its commits (gitrepo.Change values)."""
    return cachelib.key_of(tuple((c.commit, c.author, c.when.isoformat(), c.subject) for c in changes))


def plan(record: Record, files: dict[str, tuple[int, int]], posts: list[Post], chips: dict[str, Chip],
         campaigns: dict[str, str], insights: str, history: Mapping[str, list] | None = None,
         all_posts: list[Post] = ()) -> Plan | None:
    """The post pages to make after post files changed from ``record.files`` to ``files``; None: model it all.

    ``posts`` are the posts shown in time order, ``chips`` theirs, ``insights`` the insights_digest now;
    ``history`` the posts' commits by path when HEAD moved since the recorded build; ``all_posts``
    drafts included (a hidden draft may name an image too, and check looks at it).
    """
    changed = changed_files(record, files, all_posts)
    if changed is None:
        return None  # an image beside the posts that a post names: its page and check's findings move
    old = record.posts
    added, removed = chips.keys() - old.keys(), old.keys() - chips.keys()
    edited = {p.id for p in posts if p.path in changed} - added
    if history is not None:  # a commit: the pages of the posts it touched list it
        edited |= {p.id for p in posts if p.id in old and history_digest(history.get(p.path, ())) != old[p.id].history}
    moved = added | removed | {i for i in chips.keys() & old.keys() if chip_row(chips[i]) != old[i].chip}
    by_id = {p.id: p for p in posts}
    if (moved & record.log_posts or campaigns != record.campaigns
            or any(old[i].in_reply_to for i in edited | removed)
            or any(by_id[i].in_reply_to for i in edited | added)):
        return None  # the log, every campaign link or a thread would change
    around = neighbours(posts)
    # a page shows its neighbours' chips: remade when they are other posts or their chips changed
    remake = edited | added | {i for i in chips.keys() & old.keys()
                               if around.get(i, (None, None)) != old[i].neighbours or moved.intersection(old[i].neighbours)}
    if any(old[i].foreign for i in remake if i in old) or len(remake) > max(MANY, len(chips) // 10):
        return None  # many posts (a checkout, a fresh clone's new mtimes): the cached full path is faster
    return Plan(frozenset(remake), insights != record.insights)


def known_problems(record: Record, files: dict[str, tuple[int, int]], posts: list[Post]) -> dict[str, list[Problem]]:
    """check.post_problems of the post files unchanged since the recorded build (none if a post's media moved)."""
    changed = changed_files(record, files, posts)
    if changed is None:
        return {}
    return {rel: problems_of(record.checks.get(rel, ())) for rel in files.keys() - changed}


def touched_files(record: Record, files: dict[str, tuple[int, int]]) -> set[str]:
    """Every file under the posts folder added, changed or removed since the recorded build, whatever it is."""
    return {rel for rel in files.keys() | record.files.keys() if files.get(rel) != record.files.get(rel)}


def changed_files(record: Record, files: dict[str, tuple[int, int]], posts: list[Post]) -> set[str] | None:
    """Post files added, changed or removed since the recorded build; None if a file a post links changed.

    Other files there (an editor's swap file, a .DS_Store, an image no post names) change no page.
    """
    changed = touched_files(record, files)
    others = {rel for rel in changed if not rel.endswith(".md")}
    if others and others & linked_files(posts):
        return None
    return changed - others


def linked_files(posts: list[Post]) -> set[str]:
    """Every file the posts' media may name, as check and the post pages look for them (repository paths)."""
    found = set()
    for post in posts:
        folder = posixpath.dirname(post.path)
        for media in post.media:
            found.add(posixpath.normpath(posixpath.join("content", media.path)))
            found.add(posixpath.normpath(posixpath.join(folder, media.path)))
    return found


def updated(record: Record, setup: str, state: SiteState, files: dict[str, tuple[int, int]], ctx: Context,
            site: SiteModel, made: Mapping[str, bytes], insights: str,
            findings: Mapping[str, tuple[list[Problem], list[Problem]]], faults: frozenset[str],
            atom: frozenset[str]) -> Record:
    """``record`` brought up to the build of ``site`` (post pages it did not make stay as recorded).

    ``made`` has the post pages made, each one's post_row; ``findings`` are check.post_findings;
    ``faults`` the files reading the posts found problems in; ``atom`` the posts feed.xml shows.
    """
    record.setup, record.inputs, record.groups, record.files = setup, state.inputs, state.groups, files
    # the post pages made now, and the others as they were recorded
    posts = PostRows({i: record.posts.rows[i] for i in ctx.chips.keys() - made.keys()})
    for post_id, row in made.items():
        posts.put_row(post_id, row)
    record.posts = posts
    record.paths = {p.path: p.id for p in ctx.posts}
    record.replies = frozenset(p.in_reply_to for p in ctx.posts if p.in_reply_to)
    record.campaigns, record.insights = ctx.campaign_folders, insights
    if site.insights_valid is not None:
        record.insights_valid = (site.insights_valid[0].isoformat(), site.insights_valid[1].isoformat())
    record.checks = {path: problem_rows(own) for path, (own, _) in findings.items() if own}
    record.receipt_checks = {path: problem_rows(ledger) for path, (_, ledger) in findings.items() if ledger}
    source = ctx.source
    record.faults = faults
    record.home = frozenset(problem_rows(set(source.problems) | set(source.check)))
    record.agenda = pickle.dumps(site.pages[0], pickle.HIGHEST_PROTOCOL)  # the model's first page is the home page
    record.atom = atom
    return record


def kept_assets(record: Record, post_ids) -> dict[str, str]:
    """The files the kept pages of ``post_ids`` link (site path → source)."""
    return {target: source for i in post_ids for target, source in record.posts[i].assets}


def feedback_files(record: Record, post_ids) -> list[str]:
    """The feedback files the pages of ``post_ids`` showed (unchanged, as only posts changed)."""
    return sorted({path for i in post_ids if i in record.posts for path in record.posts[i].feedback})


# --- the record's file, beside the build cache --------------------------------------------------

def record_path(root: Path, out: Path) -> Path:
    return cachelib.cache_path(root, out).with_suffix(".record.pieces")


def load(root: Path, out: Path) -> Record | None:
    found = read_pieces(record_path(root, out))
    if found is None:
        return None
    try:
        (version, setup, inputs, groups, files, paths, replies, campaigns, log_paths, log_posts, insights, valid,
         sentiments, problems, checks, receipt_checks, faults, home, agenda, atom), posts = found
        if version != FORMAT:
            return None
        return Record(setup, inputs, groups, files, PostRows(posts), paths, replies, campaigns, tuple(log_paths),
                      frozenset(log_posts), insights, tuple(valid), sentiments, tuple(problems), checks,
                      receipt_checks, faults, home, agenda, atom)
    except (TypeError, ValueError, AttributeError):  # not this version's shape
        return None


def save(root: Path, out: Path, record: Record) -> None:
    # the post rows (10 MB at 10,000 posts) in pieces: one marshal of them all was the build's last peak
    write_pieces(record_path(root, out), (
        FORMAT, record.setup, record.inputs, record.groups, record.files, record.paths, record.replies,
        record.campaigns, record.log_paths, tuple(sorted(record.log_posts)), record.insights,
        record.insights_valid, record.sentiments, record.problems, record.checks, record.receipt_checks,
        record.faults, record.home, record.agenda, record.atom), record.posts.rows)


def problem_rows(problems: list[Problem]) -> tuple[tuple, ...]:
    return tuple((p.path, p.line, p.level, p.message) for p in problems)


def problems_of(rows) -> list[Problem]:
    return [Problem(*row) for row in rows]

