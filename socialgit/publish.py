"""The runner: reconcile, publish what is due once per channel, commit receipts.

The order of writes is the whole promise (DESIGN.md, reference/networks.md §4):
a ``pending`` receipt with a deterministic key is on disk and committed before
the network is called; an unknown outcome is reconciled with the network, never
blindly retried; a failed push never causes a re-post.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Mapping

from . import leftovers, quicklook, receipts as rc, timing
from .atomic import write_json_atomic
from .channels.base import (Channel, Media, NotSent, Outcome, Outgoing, RateLimited, Rejected, ReplyTarget,
                            TokenRefused, UnknownOutcome)
from .config import Config
from .content import Post, read_post
from .ledger import LEDGER_DIR, read_heartbeat, receipt_path
from .post_files import Slot, load_slots
from .problems import ERROR, UserError
from .twice import Twice

LONG_WAIT = 60.0  # seconds: a longer rate-limit wait is left to the next run
HEARTBEAT_EVERY = timedelta(hours=1)  # a quiet run refreshes the heartbeat at most this often
MIME = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp"}


def make_channel(*args, **kwargs) -> Channel:
    """The adapter for a channel; its HTTP stack is imported only when a run needs the network."""
    from .channels.registry import make_channel as make

    return make(*args, **kwargs)


@dataclass
class Row:
    post: str
    channel: str
    state: str
    detail: str = ""


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    refused: set[str] = field(default_factory=set)
    push_error: str | None = None

    @property
    def ok(self) -> bool:
        return not any(r.state in ("failed", "uncertain", "held") for r in self.rows) and not self.push_error


@dataclass
class Runner:
    config: Config
    now: datetime
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    dry_run: bool = False
    only_channel: str | None = None
    grace: timedelta | None = None
    push: bool = False
    commit: bool = True
    make: Callable[..., Channel] = make_channel
    transport: Any = None
    use_cache: bool = True  # .socialgit/ shortcuts; without them the same run reads and asks git in full
    report: Report = field(default_factory=Report)

    def __post_init__(self):
        self.root = self.config.root
        self.grace = self.grace or self.config.grace
        self._channels: dict[str, Channel] = {}
        self._broken: dict[str, str] = {}  # channel → why it cannot be used this run
        self._missed: list[tuple[Path, str]] = []  # (receipt, "post on channel") of missed posts, committed at the end

    # --- the run -------------------------------------------------------------------------
    def run(self) -> Report:
        self._check_branch()
        # One walk of the ledger gives each receipt's state; a receipt is read in full only
        # when its state or the clock says it may need the network. Only slots (id, time,
        # channels) of every post are read; a post is read in full only when one of its
        # channels may go out or be recorded missed.
        scan = quicklook.scan_ledger(self.root, self.use_cache)
        if not self.dry_run:
            self._commit_leftovers(scan)
        every_slot = load_slots(self.config, self.use_cache)
        slots = {s.id: s for s in every_slot if s.usable}
        self._say_held_files(every_slot)
        pending = sorted((post_id, name) for post_id, channels in scan.states.items() if post_id in slots
                         for name, state in channels.items() if state == "pending" and self._wanted(name))
        reconciled = False
        for post_id, name in pending:
            receipt, _ = scan.receipt(self.root, post_id, name)
            post = self._full(slots[post_id]) if receipt and receipt.state == "pending" else None
            if post:
                reconciled = True
                self._reconcile(post, name, receipt.data)
        if reconciled and not self.dry_run:
            scan = quicklook.scan_ledger(self.root, self.use_cache)
        self._twice = Twice(self.config, scan, every_slot)
        hashes = quicklook.PayloadHashes(self.config, self.use_cache)
        started = [s for s in slots.values() if not s.is_draft and s.publish_at and s.publish_at <= self.now]
        for slot in sorted(started, key=lambda s: (s.publish_at, s.id)):
            mine = scan.states.get(slot.id, {})
            names = [n for n in slot.channels if n in self.config.channels and self._wanted(n)
                     and (n not in mine or mine[n] in ("failed", "pending", "missed"))]
            if not names:
                continue
            receipts = {}
            for name in names:
                receipt, unreadable = scan.receipt(self.root, slot.id, name)
                if unreadable:
                    # what it says is unknown: it may record a post that is out there already
                    self.report.rows.append(Row(slot.id, name, "failed", f"{unreadable}; nothing is sent until "
                                                "it is readable again"))
                else:
                    receipts[name] = receipt
            glance = _Glance(slot, hashes)
            names = [n for n in names if n in receipts and self._may_act(glance, n, receipts[n])]
            if rc.gone_channels(mine, self.config.channels) and timing.is_late(glance, self.now, self.grace):
                # sent on a channel since renamed, perhaps: no missed receipt in the way of moving its receipts
                names = [n for n in names if receipts[n] is not None]
            post = self._full(slot) if names else None
            for name in names if post else ():
                self._consider(post, name, receipts[name])
        hashes.save()
        for channel in self._channels.values():
            close = getattr(channel, "close", None)  # adapters holding an HTTP client release it
            if close:
                close()
        if not self.dry_run:
            self._commit_missed()
            self._heartbeat()
            if self.push and self.commit:
                from . import gitrepo

                self.report.push_error = gitrepo.push(self.root, self.config.branch)
        return self.report

    def _say_held_files(self, slots: list[Slot]) -> None:
        """Never silently not at all: a post due now that is not sent because its file has errors is said."""
        for slot in slots:
            if not slot.usable and not slot.is_draft and slot.publish_at and slot.publish_at <= self.now \
                    and not timing.is_late(slot, self.now, self.grace) and any(map(self._wanted, slot.channels)):
                self.report.rows.append(Row(slot.id, ", ".join(slot.channels) or "-",
                                            "would hold" if self.dry_run else "held",
                                            f"{slot.path} has errors, so it is not sent; fix what `socialgit check` "
                                            "reports"))

    def _commit_missed(self) -> None:
        """Missed receipts, in one commit: nothing was sent, so none had to be committed before a call."""
        if len(self._missed) == 1:
            self._commit([self._missed[0][0]], f"publish: {self._missed[0][1]} missed")
        elif self._missed:
            self._commit([path for path, _ in self._missed], f"publish: {len(self._missed)} missed past their "
                         "grace window")

    def _commit_leftovers(self, scan: quicklook.LedgerScan) -> None:
        """A run killed between writing a file and committing it left it behind: commit it first.

        Asking git costs most of a quiet minute at 10,000 posts, so it is skipped while
        nothing under content/ledger, HEAD or the index changed since git last found it clean.
        """
        if not self.commit:
            return
        if self.use_cache and leftovers.still_clean(self.root, scan, leftovers.git_state(self.root)):
            return
        if leftovers.uncommitted(self.root):
            self._commit([self.root / LEDGER_DIR], "publish: receipts left uncommitted by an interrupted run")
        if self.use_cache:
            leftovers.remember_clean(self.root, scan, leftovers.git_state(self.root))

    def _may_act(self, glance: _Glance, name: str, receipt) -> bool:
        """The runner's decision asked with the slot alone; True also when only the full post can tell."""
        try:
            return timing.next_step(glance, name, receipt, self.now, self.grace, self.config.late) is not None
        except _NeedsPost:
            return True

    def _full(self, slot) -> Post | None:
        if slot is None:
            return None
        post, problems = read_post(self.config, slot.path)
        return None if post is None or any(p.level == ERROR for p in problems) else post

    def _wanted(self, channel: str) -> bool:
        return self.only_channel in (None, channel)

    def _check_branch(self) -> None:
        branch = self.config.branch
        if leftovers.head_ref(self.root) == f"refs/heads/{branch}":
            return  # read from .git/HEAD: a quiet run never loads GitPython
        from . import gitrepo

        current = gitrepo.current_branch(self.root)
        if current == branch or (current is None and gitrepo.head_is_branch_tip(self.root, branch)):
            return
        raise UserError(f"publish runs only on branch {branch} (socialgit.toml [publish] branch); this checkout "
                        f"is on {current or 'a detached HEAD'}: merge to {branch} to approve posts")

    def _consider(self, post: Post, name: str, receipt) -> None:
        step = timing.next_step(post, name, receipt, self.now, self.grace, self.config.late)
        if step == timing.RECORD_MISSED:
            if self.dry_run:
                self.report.rows.append(Row(post.id, name, "would record missed", "past its grace window"))
                return
            # committed with the others at the end (a calendar adopted with a year of past posts: one commit)
            path = receipt_path(self.root, post.id, name)
            write_json_atomic(path, rc.missed(post, name, self.now))
            self._missed.append((path, f"{post.id} on {name}"))
            self.report.rows.append(Row(post.id, name, "missed", "missed: past its grace window"))
        elif step == timing.PUBLISH_NOW:
            revived = timing.revived(post, receipt, self.config.late)
            self._publish(post, name, receipt.data if receipt and not revived else None)

    # --- one post on one channel -----------------------------------------------------------
    def _publish(self, post: Post, name: str, prior: dict | None) -> None:
        sent = self._twice.why_not(post, name)
        if sent:
            why, may_record = sent
            if not may_record:
                self.report.rows.append(Row(post.id, name, "would hold" if self.dry_run else "held", why))
            elif self.dry_run:
                self.report.rows.append(Row(post.id, name, "would refuse", why))
            else:  # a failed receipt, not retried unless the text changes: the team sees why on the site too
                attempt = rc.new_attempt(post, name, prior, self.now)
                self._record(post, name, rc.settle(attempt, "failed", self.now, error=why), why)
            return
        if self.dry_run:
            self.report.rows.append(Row(post.id, name, "would publish", _preview(post.parts_for(name))))
            return
        channel = self._channel(name)
        if channel is None:
            self.report.rows.append(Row(post.id, name, "failed", self._broken[name]))
            return
        receipt = rc.new_attempt(post, name, prior, self.now, sent_at=datetime.now(timezone.utc))
        try:
            out = self._outgoing(post, name, receipt)
        except Rejected as exc:
            self._record(post, name, rc.settle(receipt, "failed", self.now, error=str(exc)), str(exc))
            return
        path = receipt_path(self.root, post.id, name)
        write_json_atomic(path, receipt)
        self._commit([path], f"publish: pending {post.id} on {name}")
        if self.push:
            from . import gitrepo

            # in a throwaway clone, the remote must know about the attempt before the network does
            self.report.push_error = gitrepo.push(self.root, self.config.branch)

        def on_part(index: int, part: dict) -> None:
            receipt["parts"] = receipt["parts"][:index] + [part]
            write_json_atomic(path, receipt)

        try:
            outcome = channel.publish(out, list(receipt["parts"]), on_part)
        except NotSent as exc:
            self._broken[name] = str(exc)
            self._finish(post, name, rc.settle(receipt, "failed", self.now, error=str(exc), retryable=True))
            return
        except RateLimited as exc:
            wait = exc.retry_after or 0.0
            retry_at = self.now + timedelta(seconds=wait) if wait else None
            self._finish(post, name, rc.settle(receipt, "failed", self.now, error=str(exc), retry_at=retry_at,
                                               retryable=True))
            if wait > LONG_WAIT:
                self._broken[name] = f"rate limited for {wait:.0f} s; the next run continues"
            return
        except TokenRefused as exc:
            self.report.refused.add(name)
            self._broken[name] = str(exc)
            self._finish(post, name, rc.settle(receipt, "failed", self.now, error=str(exc), retryable=True))
            return
        except Rejected as exc:
            self._finish(post, name, rc.settle(receipt, "failed", self.now, error=str(exc)))
            return
        except UnknownOutcome as exc:
            outcome = self._settle_unknown(channel, out, receipt, str(exc))
        self._finish(post, name, self._from_outcome(receipt, outcome))

    def _settle_unknown(self, channel: Channel, out: Outgoing, receipt: dict, why: str) -> Outcome:
        try:
            found = channel.reconcile(out, receipt)
        except (UnknownOutcome, RateLimited, TokenRefused, Rejected) as exc:
            found = None
            why = f"{why}; asking the network failed too: {exc}"
        return found or Outcome("uncertain", list(receipt["parts"]), f"{why}; the network could not confirm "
                                "whether it was posted")

    def _from_outcome(self, receipt: dict, outcome: Outcome) -> dict:
        parts = outcome.parts or receipt["parts"]
        if outcome.state == "published":
            return rc.settle(receipt, "published", self.now, parts=parts)
        if outcome.state == "failed":  # the network showed it was not (all) posted: safe to go on now
            return rc.settle(receipt, "failed", self.now, parts=parts, error=outcome.error, retry_at=self.now,
                             retryable=True)
        return rc.settle(receipt, "uncertain", self.now, parts=parts, error=outcome.error)

    def _reconcile(self, post: Post, name: str, receipt: dict) -> None:
        """A pending receipt at start-up: the last run stopped during its call."""
        if self.dry_run:
            self.report.rows.append(Row(post.id, name, "would reconcile", "pending from an earlier run"))
            return
        channel = self._channel(name)
        if channel is None:
            return
        try:
            out = self._outgoing(post, name, receipt)
        except Rejected as exc:
            self._finish(post, name, rc.settle(receipt, "uncertain", self.now, error=str(exc)))
            return
        outcome = self._settle_unknown(channel, out, receipt, "the last run stopped after the request was sent")
        self._finish(post, name, self._from_outcome(receipt, outcome))

    def _finish(self, post: Post, name: str, receipt: dict) -> None:
        detail = receipt.get("error") or (receipt["parts"][0].get("url") or "" if receipt.get("parts") else "")
        self._record(post, name, receipt, detail or "")

    def _record(self, post: Post, name: str, receipt: dict, detail: str) -> None:
        path = receipt_path(self.root, post.id, name)
        write_json_atomic(path, receipt)
        self._commit([path], f"publish: {post.id} on {name} {receipt['state']}")
        self.report.rows.append(Row(post.id, name, receipt["state"], detail))

    # --- helpers -------------------------------------------------------------------------------
    def _channel(self, name: str) -> Channel | None:
        if name in self._broken:
            return None
        if name not in self.config.channels:  # a receipt left pending on a channel since removed
            self._broken[name] = (f"channel {name} is no longer in socialgit.toml; add it back so its pending "
                                  "receipts can be settled")
            return None
        if name not in self._channels:
            try:
                self._channels[name] = self.make(self.config.channels[name], self.env, self.root,
                                                 transport=self.transport)
            except UserError as exc:
                self._broken[name] = str(exc)
                return None
        return self._channels[name]

    def _outgoing(self, post: Post, name: str, receipt: dict) -> Outgoing:
        media = []
        for ref in post.media:
            candidates = [self.config.content_dir / ref.path, (self.root / post.path).parent / ref.path]
            found = next((c for c in candidates if c.is_file()), None)
            if found is None:
                raise Rejected(f"media {ref.path} of {post.path} is missing; add the file or remove it from media")
            media.append(Media(found, ref.alt, MIME.get(found.suffix.lower(), "application/octet-stream")))
        return Outgoing(post_id=post.id, channel=name, parts=tuple(post.parts_for(name)), key=receipt["key"],
                        created_at=post.publish_at, media=tuple(media), lang=post.lang,
                        reply_to=self._reply_target(post, name), payload_hash=receipt["payload_hash"])

    def _reply_target(self, post: Post, name: str) -> ReplyTarget | None:
        if not post.in_reply_to:
            return None
        from .replies import reply_target  # reads feedback files: only for a reply that goes out

        return reply_target(self.root, post.in_reply_to, self.config.channels[name].network)

    def _commit(self, paths: list[Path], message: str) -> None:
        if self.commit:
            from . import gitrepo  # GitPython loads only when something is committed

            gitrepo.commit_paths(self.root, paths, message, self.config.bot_name, self.config.bot_email)

    def _heartbeat(self) -> None:
        path = self.root / LEDGER_DIR / "_heartbeat.json"
        beat = read_heartbeat(self.root) or {}
        last = beat.get("last_run")
        # a held post is said again every run until a person acts; it records nothing, so it is quiet
        acted = [row for row in self.report.rows if row.state != "held"]
        quiet = not acted and not self.report.refused and set(beat.get("refused") or []) == set()
        if quiet and last and self.now - _parse(last) < HEARTBEAT_EVERY:
            return  # a quiet minute is not worth a commit
        successes = dict(beat.get("last_success") or {})
        for row in self.report.rows:
            if row.state == "published":
                successes[row.channel] = rc.stamp(self.now)
        refused = sorted(self.report.refused | (set(beat.get("refused") or []) - self._tried_ok()))
        write_json_atomic(path, {"last_run": rc.stamp(self.now), "last_success": successes, "refused": refused})
        self._commit([path], "publish: heartbeat")

    def _tried_ok(self) -> set[str]:
        return {r.channel for r in self.report.rows if r.state == "published"}


class _NeedsPost(Exception):
    """The question needs the post's text and it could not be had from the cache."""


class _Glance:
    """A post as its slot shows it, for timing.next_step: the text is never read, only its payload hash."""

    def __init__(self, slot: Slot, hashes: quicklook.PayloadHashes):
        self.slot, self.hashes = slot, hashes
        self.publish_at, self.is_draft, self.late = slot.publish_at, slot.is_draft, slot.late

    def payload_hash(self, channel: str) -> str:
        found = self.hashes.get(self.slot.path, channel)
        if found is None:
            raise _NeedsPost()
        return found


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _preview(parts: list[str]) -> str:
    first = parts[0] if parts else ""
    text = first.replace("\n", " ")
    return (text[:60] + "…" if len(text) > 60 else text) + (f" (+{len(parts) - 1} parts)" if len(parts) > 1 else "")
