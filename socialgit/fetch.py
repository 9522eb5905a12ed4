"""`socialgit fetch`: bring replies, mentions, quotes and engagement counts back into git as files.

For each listening channel (Mastodon, Bluesky), within a request budget:
1. notifications first: they carry most replies and every mention, and one page
   covers many posts; then the account's own replies (that is how a team answer
   is seen); both cursors live in ``content/ledger/_cursors.json``;
2. engagement counts of every post in the look-back window, in batches, appended
   to ``content/ledger/metrics/<post>/<channel>.jsonl``;
3. the full thread of recent posts only, those whose reply count moved or whose
   thread was read longest ago first.
What came back is then written as feedback files (``inbox.ingest``). A run that
spends its budget or meets a 429 stops cleanly: everything read so far is
written, the cursors say where to continue, and the next run does.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Mapping

from . import gitrepo
from .channels.base import ChannelError, RateLimited, Rejected, TokenRefused
from .channels.listening import Counts, Listener, RemoteItem, Skipped
from .channels.registry import make_channel
from .config import Config
from .feedback_store import stamp
from .inbox import Annotate, Inbox
from .atomic import write_json_atomic, write_text_atomic
from .ledger import LEDGER_DIR, Receipt, load_receipts, parse_instant
from .problems import UserError

CURSORS = f"{LEDGER_DIR}/_cursors.json"
METRICS = f"{LEDGER_DIR}/metrics"
RATE_RESERVE = 30  # requests left in the network's window for publishing, whatever the budget says


@dataclass(frozen=True)
class Settings:
    lookback: timedelta = timedelta(days=30)  # posts whose counts (and mentions, on a first run) are read
    recent: timedelta = timedelta(days=7)  # posts whose whole thread is read
    budget: int = 200  # requests per channel per run (Mastodon allows 300 per 5 minutes)
    thread_refresh: timedelta = timedelta(days=1)  # read a quiet thread again after this long
    snapshot_every: timedelta = timedelta(hours=6)  # a count line even when nothing changed


class BudgetSpent(Exception):
    pass


class Budget:
    def __init__(self, limit: int):
        self.left, self.used = limit, 0

    def take(self) -> None:
        if self.left <= 0:
            raise BudgetSpent()
        self.left -= 1
        self.used += 1

    def cap(self, remaining: int | None) -> None:
        """Never use the requests the network says are left for publishing."""
        if remaining is not None:
            self.left = min(self.left, max(0, remaining - RATE_RESERVE))


@dataclass
class ChannelReport:
    channel: str
    new: int = 0
    updated: int = 0  # existing items the run moved (answered, reopened)
    counts: int = 0  # engagement lines appended
    threads: int = 0
    requests: int = 0
    skipped: list[str] = field(default_factory=list)  # items that could not be stored, and why
    stopped: str | None = None  # why the run stopped early (budget, rate limit): the next run continues
    error: str | None = None  # why the channel could not be read
    refused: bool = False


@dataclass
class FetchReport:
    channels: list[ChannelReport] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # feedback files that could not be read
    committed: bool = False
    push_error: str | None = None

    @property
    def ok(self) -> bool:
        return not any(c.error for c in self.channels) and not self.push_error


def read_cursors(root: Path) -> dict[str, Any]:
    path = root / CURSORS
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (ValueError, UnicodeDecodeError):
        raise UserError(f"{CURSORS}: not valid JSON; restore it from git history (git log -p -- {CURSORS}) "
                        "or delete it to start the walk again") from None
    if not isinstance(data, dict):
        raise UserError(f"{CURSORS}: must be a JSON object with one entry per channel; restore it from git history")
    return data


def metrics_path(root: Path, post: str, channel: str) -> Path:
    return root / METRICS / post / f"{channel}.jsonl"


def last_snapshot(path: Path) -> dict[str, Any] | None:
    """The last readable line of a metrics file (a hand-broken line is passed over)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return None
    for line in reversed(lines):
        try:
            data = json.loads(line)
        except ValueError:
            continue
        if isinstance(data, dict):
            return data
    return None


def append_snapshot(root: Path, post: str, channel: str, counts: Counts, now: datetime,
                    every: timedelta) -> Path | None:
    """Append a count line unless the last one says the same and is recent; the path when written."""
    path = metrics_path(root, post, channel)
    last = last_snapshot(path)
    if last is not None:
        at = parse_instant(last.get("at"))
        same = all(last.get(k) == v for k, v in counts.as_dict().items())
        if same and at is not None and now - at < every:
            return None
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    if old and not old.endswith("\n"):
        old += "\n"  # a hand edit without a final newline must not glue two lines together
    text = old + json.dumps({"at": stamp(now), **counts.as_dict()}) + "\n"
    write_text_atomic(path, text)
    return path


# (post id, first part's ref, published at, every part's ref)
Published = tuple[str, str, datetime | None, list[str]]


def _published(receipts: Mapping[str, Mapping[str, Receipt]], channel: str) -> list[Published]:
    """(post id, first part's ref, published at, every part's ref) of each published receipt on ``channel``."""
    found = []
    for post, by_channel in receipts.items():
        receipt = by_channel.get(channel)
        if receipt is None or receipt.state != "published":
            continue
        refs = [str(p["id"]) for p in receipt.parts if isinstance(p, dict) and p.get("id")]
        if refs:
            found.append((post, refs[0], receipt.published_at, refs))
    return found


class ChannelFetch:
    """One run on one channel: read within the budget, then hand everything to the inbox."""

    def __init__(self, root: Path, name: str, listener: Listener, posts: list[Published],
                 state: dict[str, Any], now: datetime, since: datetime, settings: Settings,
                 progress: Callable[[str], None]):
        self.root, self.name, self.listener, self.posts = root, name, listener, posts
        self.state, self.now, self.since, self.settings, self.progress = state, now, since, settings, progress
        self.budget = Budget(settings.budget)
        self.report = ChannelReport(name)
        self.collected: dict[str, tuple[RemoteItem, str | None]] = {}  # ref → (item, the post whose thread held it)
        self.written: list[Path] = []
        self.me: str | None = None

    def _call(self, method: Callable[..., Any], *args: Any) -> Any:
        self.budget.take()
        try:
            return method(*args)
        finally:
            self.budget.cap(getattr(self.listener, "rate_remaining", None))

    def _keep(self, items: list[RemoteItem], skipped: list[Skipped], post: str | None) -> None:
        for item in items:
            known = self.collected.get(item.ref)
            if known is None or (post and not known[1]):  # a thread says which post it belongs to
                self.collected[item.ref] = (item, post)
        for note in (f"{s.ref}: {s.reason}" for s in skipped):
            if note not in self.report.skipped:  # notifications and threads often show the same one
                self.report.skipped.append(note)

    def read(self) -> None:
        try:
            self.me = self._call(self.listener.whoami)
            self._walk("mentions", self.listener.mention_page)
            self._walk("own", self.listener.own_page)
            replies = self._counts()
            self._threads(replies)
        except BudgetSpent:
            self.report.stopped = f"the request budget ({self.settings.budget}) is spent; the next run continues"
        except RateLimited as exc:
            self.report.stopped = f"{exc}; the next run continues"
        except TokenRefused as exc:
            self.report.error, self.report.refused = str(exc), True
        except ChannelError as exc:
            self.report.error = str(exc)
        self.report.requests = self.budget.used

    def _walk(self, key: str, next_page: Callable[..., Any]) -> None:
        """Read pages until the walk is done; the cursor moves with every page read."""
        state = dict(self.state.get(key) or {})
        pages = 0
        try:
            while True:
                page = self._call(next_page, state, self.since)
                self._keep(page.items, page.skipped, None)
                state, pages = page.state, pages + 1
                self.progress(f"{self.name}: {key} page {pages}, {len(page.items)} items")
                if page.done:
                    break
        finally:
            self.state[key] = state  # the pages read so far are kept, whatever stopped the walk

    def _counts(self) -> dict[str, int]:
        """Append count lines for posts in the window; their reply counts, by post.

        Recent posts are counted every run (their threads depend on it); older
        ones only when their last line is older than ``snapshot_every``, the
        stalest first, so a spent budget rotates through them.
        """
        recent_since = self.now - self.settings.recent
        due = []
        for post, ref, at, _ in self.posts:
            if at is not None and at < self.since:
                continue
            last = last_snapshot(metrics_path(self.root, post, self.name))
            last_at = parse_instant(last.get("at")) if last else None
            stale = last_at is None or self.now - last_at >= self.settings.snapshot_every
            if at is None or at >= recent_since or stale:
                due.append((last_at or datetime.min.replace(tzinfo=timezone.utc), post, ref))
        due.sort(key=lambda d: d[0])
        window = [(post, ref) for _, post, ref in due]
        replies: dict[str, int] = {}
        size = max(1, int(getattr(self.listener, "counts_batch", 1)))
        for start in range(0, len(window), size):
            batch = window[start:start + size]
            try:
                found = self._call(self.listener.counts, [ref for _, ref in batch])
            except Rejected as exc:
                self.report.skipped.append(str(exc))
                return replies
            for post, ref in batch:
                if ref in found:
                    replies[post] = found[ref].replies
                    written = append_snapshot(self.root, post, self.name, found[ref], self.now,
                                              self.settings.snapshot_every)
                    if written:
                        self.written.append(written)
                        self.report.counts += 1
            self.progress(f"{self.name}: counts {min(start + size, len(window))}/{len(window)}")
        return replies

    def _threads(self, replies: dict[str, int]) -> None:
        """Read the threads of recent posts whose replies moved, never read, or read longest ago first."""
        recent_since = self.now - self.settings.recent
        recent = [(post, ref) for post, ref, at, _ in self.posts if at is not None and at >= recent_since]
        known: dict[str, Any] = {p: v for p, v in (self.state.get("threads") or {}).items()
                                 if p in {post for post, _ in recent} and isinstance(v, dict)}
        self.state["threads"] = known
        due = []
        for post, ref in recent:
            last = known.get(post)
            read_at = parse_instant(last.get("at")) if last else None
            moved = last is None or read_at is None or (post in replies and replies[post] != last.get("replies"))
            if moved or self.now - read_at >= self.settings.thread_refresh:
                due.append((0 if moved else 1, read_at or datetime.min.replace(tzinfo=timezone.utc), post, ref))
        due.sort(key=lambda d: (d[0], d[1]))
        for number, (_, _, post, ref) in enumerate(due, 1):
            items, skipped = self._call(self.listener.thread, ref)
            self._keep(items, skipped, post)
            known[post] = {"at": stamp(self.now), "replies": replies.get(post, sum(1 for i in items
                                                                                   if i.parent == ref))}
            self.report.threads += 1
            self.progress(f"{self.name}: thread {number}/{len(due)} ({post})")


def annotator_for(config: Config) -> Annotate:
    """Classify each new item, then route it by socialgit.toml's ``[[feedback.rules]]`` (or the defaults)."""
    from . import routing  # loads VADER and the lexicons: only when a run may need them

    return routing.annotator(config.feedback_rules)


def fetch(config: Config, now: datetime, *, env: Mapping[str, str] | None = None, since: timedelta | None = None,
          only_channel: str | None = None, settings: Settings | None = None, commit: bool = True,
          push: bool = False, annotate: Annotate | None = None, transport: Any = None,
          make: Callable[..., Any] = make_channel, progress: Callable[[str], None] = lambda _: None) -> FetchReport:
    """One fetch run over every listening channel (or ``only_channel``); see the module docstring.

    ``annotate`` classifies and routes each new item; by default ``annotator_for(config)``.
    """
    root = config.root
    settings = settings or Settings(lookback=config.lookback, recent=config.fetch_recent, budget=config.fetch_budget)
    window_start = now - (since if since is not None else settings.lookback)
    env = dict(os.environ) if env is None else env
    receipts, _ = load_receipts(root)
    cursors = read_cursors(root)
    report = FetchReport()
    inbox = Inbox(root, now, annotate or annotator_for(config))
    report.problems.extend(inbox.problems)
    names = [only_channel] if only_channel else list(config.channels)
    for name in names:
        channel_config = config.channels[name]
        if channel_config.type not in ("mastodon", "bluesky"):
            continue
        channel_report = ChannelReport(name)
        try:
            channel = make(channel_config, env, root, transport=transport)
        except UserError as exc:
            channel_report.error = str(exc)
            report.channels.append(channel_report)
            continue
        try:
            run = ChannelFetch(root, name, channel, _published(receipts, name), dict(cursors.get(name) or {}),
                               now, window_start, settings, progress)
            run.read()
        finally:
            close = getattr(channel, "close", None)
            if close:
                close()
        if run.me is not None:
            posts = {ref: post for post, _, _, refs in run.posts for ref in refs}
            before = _answers(run.state, window_start)
            counts = inbox.ingest(channel_config.network, run.me, posts, list(run.collected.values()),
                                  {ref: entry["item"] for ref, entry in before.items()})
            run.report.new += counts.new
            run.report.updated += counts.updated
            run.report.skipped.extend(counts.skipped)
            run.state["answers"] = {**before, **{ref: {"item": item, "at": stamp(now)}
                                                  for ref, item in counts.answers.items() if ref not in before}}
            cursors[name] = run.state
            report.written.extend(run.written)
        report.channels.append(run.report)
    report.written.extend(inbox.written)
    if cursors != read_cursors(root):
        write_json_atomic(root / CURSORS, cursors)
        report.written.append(root / CURSORS)
    if commit and report.written:
        report.committed = gitrepo.commit_paths(root, sorted(set(report.written)), _message(report),
                                                config.bot_name, config.bot_email)
        if push:
            report.push_error = gitrepo.push(root, config.branch)
    return report


def _answers(state: Mapping[str, Any], since: datetime) -> dict[str, dict[str, str]]:
    """Team replies seen by earlier runs (ref → item answered), forgetting those older than the window."""
    kept = {}
    for ref, entry in (state.get("answers") or {}).items():
        at = parse_instant(entry.get("at")) if isinstance(entry, dict) else None
        if at is not None and at >= since and isinstance(entry.get("item"), str):
            kept[ref] = {"item": entry["item"], "at": entry["at"]}
    return kept


def _message(report: FetchReport) -> str:
    new = sum(c.new for c in report.channels)
    per = ", ".join(f"{c.channel} {c.new}" for c in report.channels if c.new)
    counts = sum(c.counts for c in report.channels)
    updated = sum(c.updated for c in report.channels)
    parts = [f"{new} new feedback item{'s' if new != 1 else ''}" + (f" ({per})" if per else "")]
    if updated:
        parts.append(f"{updated} answered or reopened")
    parts.append(f"counts for {counts} post{'s' if counts != 1 else ''}")
    return "fetch: " + ", ".join(parts)
