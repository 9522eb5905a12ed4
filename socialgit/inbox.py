"""What a fetch run writes into the feedback files: new items, the team's answers, items reopened.

Each fetched item becomes a new file only if none of that name exists
(feedback_store.create: the name is the dedup key), classified and routed by the
``annotate`` the run passes. An existing file changes only in the fields a rule
names (feedback_store.update_fields): a reply from the team marks the item it
answers (``answered``), and a new message from someone whose item waits for
them sets it back to new. Everything else a person set while triaging stays.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Mapping

from .channels.listening import Person, RemoteItem
from .feedback_store import Stored, create, item_path, load_all, update_fields

# (fields of a new item, its body) → the fields to set on it: classification and routing
Annotate = Callable[[dict[str, Any], str], Mapping[str, Any]]
ANNOTATED = ("intent", "sentiment", "lang", "status", "assignee", "labels", "priority")
OPEN = ("new", "triaged")


def when(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else None
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
        return moment if moment.tzinfo else None
    return None


def answered(fields: Mapping[str, Any], at: datetime, reply_post: str | None = None) -> dict[str, Any]:
    """What a reply from the team changes on the item it answers; nothing for a reply already counted.

    Only an open item moves to ``waiting``: one a person closed or ignored stays so.
    """
    last = when(fields.get("last_response_at")) or when(fields.get("first_response_at"))
    if last is not None and at <= last:
        return {}
    changes: dict[str, Any] = {"last_response_at": at}
    if not fields.get("first_response_at"):
        changes["first_response_at"] = at
    if fields.get("status", "new") in OPEN:
        changes["status"] = "waiting"
    if reply_post and not fields.get("reply_post"):
        changes["reply_post"] = reply_post
    return changes


def same_person(author: Any, person: Person) -> bool:
    if not isinstance(author, dict):
        return False
    url, handle = str(author.get("url") or ""), str(author.get("handle") or "")
    return bool((url and url == person.url) or (handle and handle.lower() == person.handle.lower()))


@dataclass
class Ingested:
    new: int = 0
    updated: int = 0
    skipped: list[str] = field(default_factory=list)
    answers: dict[str, str] = field(default_factory=dict)  # ref of a team reply → the item it answered


class Inbox:
    """The feedback files of one calendar, and the rules a fetch run applies to them."""

    def __init__(self, root: Path, now: datetime, annotate: Annotate | None = None):
        self.root, self.now, self.annotate = Path(root), now, annotate
        self.stored, self.problems = load_all(self.root)
        self.written: list[Path] = []

    def _ref_of(self, name: str, network: str) -> str | None:
        fields = self.stored[name].fields
        if fields.get("network", name.split("-", 1)[0]) != network:
            return None
        if network == "bluesky":
            return str(fields["uri"]) if fields.get("uri") else None
        return name[len(network) + 1:]

    def _name(self, item: RemoteItem) -> str:
        name = f"{item.network}-{item.remote_id}"
        known = self.stored.get(name)
        if item.network == "bluesky" and known and known.fields.get("uri") not in (None, item.ref):
            # record keys are chosen by clients: another account may use the same one
            return f"{name}-{hashlib.sha256(item.author.id.encode()).hexdigest()[:8]}"
        return name

    def _set(self, name: str, changes: Mapping[str, Any]) -> bool:
        stored = self.stored[name]
        if not changes or not update_fields(stored.path, changes):
            return False
        stored.fields.update(changes)
        self.written.append(stored.path)
        return True

    def ingest(self, network: str, me: str, ours: Mapping[str, str], found: list[tuple[RemoteItem, str | None]],
               answered_before: Mapping[str, str] | None = None) -> Ingested:
        """Write what one channel brought back, oldest first.

        ``me`` is the account's own id; ``ours`` maps the refs of the account's
        published posts to their post ids; each found item comes with the post
        whose thread held it, if any; ``answered_before`` maps the refs of team
        replies seen by earlier runs to the items they answered, so that an
        answer to one of them joins the right conversation.
        """
        result = Ingested()
        refs: dict[str, tuple[str | None, str | None]] = {}  # ref → (item name or None for ours, post)
        for name in self.stored:
            ref = self._ref_of(name, network)
            if ref:
                refs[ref] = (name, self.stored[name].post)
        answers = result.answers
        for ref, name in (answered_before or {}).items():
            if name in self.stored:
                refs[ref], answers[ref] = (None, self.stored[name].post), name
        # feedback on a reply post joins the conversation of the item it answered
        home = {str(s.fields["reply_post"]): s.post for s in self.stored.values()
                if s.post and isinstance(s.fields.get("reply_post"), str)}
        for item, hint in sorted(found, key=lambda f: (f[0].created_at or self.now, f[0].ref)):
            target = refs.get(item.parent or "")
            if item.author.id == me:
                post = target[1] if target else home.get(ours.get(item.parent or ""), ours.get(item.parent or ""))
                refs[item.ref] = (None, post)
                if target and target[0]:
                    answers[item.ref] = target[0]
                    if self._set(target[0], answered(self.stored[target[0]].fields, item.created_at or self.now,
                                                     ours.get(item.ref))):
                        result.updated += 1
                    if ours.get(item.ref) and target[1]:
                        home[ours[item.ref]] = target[1]
                continue
            self._receive(item, hint, target, refs, ours, home, answers, result)
        return result

    def _receive(self, item: RemoteItem, hint: str | None, target: tuple[str | None, str | None] | None,
                 refs: dict[str, tuple[str | None, str | None]], ours: Mapping[str, str], home: Mapping[str, str],
                 answers: Mapping[str, str], result: Ingested) -> None:
        name = self._name(item)
        if name in self.stored:
            refs.setdefault(item.ref, (name, self.stored[name].post))
            return
        post = (target[1] if target else None) or hint or ours.get(item.parent or "")
        for ref in (item.root, item.quotes):
            if post is None and ref:
                post = ours.get(ref) or (refs[ref][1] if ref in refs else None)
        post = home.get(post, post) if post else None
        quoting = item.reason == "quote" or bool(item.quotes and (item.quotes in ours or item.quotes in refs))
        kind = "quote" if quoting else "reply" if (post or target or item.reason == "reply") else "mention"
        # an answer to one of our replies continues the conversation of the item we answered
        answers_to = (target[0] or answers.get(item.parent or "")) if target else None
        fields: dict[str, Any] = {
            "id": name, "network": item.network, "kind": kind, "post": post, "url": item.url,
            "author": {"name": item.author.name, "handle": item.author.handle, "url": item.author.url},
            "created_at": item.created_at, "fetched_at": self.now, "lang": item.lang, "in_reply_to": answers_to,
            "intent": None, "sentiment": None, "status": "new", "assignee": None, "labels": [], "priority": "normal",
            "first_response_at": None, "resolved_at": None, "reply_post": None, **item.refs}
        if self.annotate is not None:
            fields.update({k: v for k, v in self.annotate(dict(fields), item.text).items() if k in ANNOTATED})
        try:
            path = item_path(self.root, post, name)
        except ValueError:
            result.skipped.append(f"{name}: the post id {post!r} cannot be a folder name")
            return
        if not create(path, fields, item.text):
            return  # written by someone else meanwhile: theirs stays
        self.stored[name] = Stored(path, fields)
        refs[item.ref] = (name, post)
        self.written.append(path)
        result.new += 1
        self._reopen(item, name, post, answers, result)

    def _reopen(self, item: RemoteItem, new: str, post: str | None, answers: Mapping[str, str],
                result: Ingested) -> None:
        """A new message from someone whose item waits for them reopens that item."""
        for name, stored in list(self.stored.items()):
            fields = stored.fields
            if (name == new or fields.get("status") != "waiting" or stored.post != post
                    or not same_person(fields.get("author"), item.author)):
                continue
            if post is None and item.parent not in (self._ref_of(name, item.network), *(
                    r for r, answered_name in answers.items() if answered_name == name)):
                continue  # loose mentions reopen only the conversation they continue
            last = when(fields.get("last_response_at")) or when(fields.get("first_response_at"))
            if last is not None and item.created_at is not None and item.created_at <= last:
                continue
            if self._set(name, {"status": "new"}):
                result.updated += 1
