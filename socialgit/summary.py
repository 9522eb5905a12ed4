"""What a pull request changes in the calendar, as Markdown for a PR comment (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from . import textlimits
from .config import Config
from .content import Post
from .problems import Problem

MARKER = "<!-- socialgit-summary -->"  # lets CI find and update its own comment


@dataclass(frozen=True)
class Change:
    kind: str  # added | removed | changed
    post: Post  # the head version (base version for removed)
    before: Post | None
    notes: tuple[str, ...]


def _when(moment: datetime | None, config: Config) -> str:
    if moment is None:
        return "no time set"
    local = moment.astimezone(config.timezone)
    shown = f"{local:%a %Y-%m-%d %H:%M} {local.tzname()}"
    if local.utcoffset():  # a reviewer elsewhere reads UTC; a calendar kept in UTC need not say it twice
        shown += f" ({moment.astimezone(timezone.utc):%H:%M} UTC)"
    return shown


def diff_posts(base: list[Post], head: list[Post], config: Config) -> list[Change]:
    before, after = {p.id: p for p in base}, {p.id: p for p in head}
    changes = []
    for post_id, post in after.items():
        old = before.get(post_id)
        if old is None:
            changes.append(Change("added", post, None, ()))
            continue
        notes = []
        if old.path != post.path:
            notes.append(f"moved from `{old.path}`")
        if old.publish_at != post.publish_at:
            notes.append(f"retimed from {_when(old.publish_at, config)}")
        if old.channels != post.channels:
            gone, new = set(old.channels) - set(post.channels), set(post.channels) - set(old.channels)
            if new:
                notes.append("now also on " + ", ".join(sorted(new)))
            if gone:
                notes.append("no longer on " + ", ".join(sorted(gone)))
        if old.status != post.status:
            notes.append("approved to publish (draft → ready)" if post.status == "ready" else "back to draft")
        if any(old.parts_for(c) != post.parts_for(c) for c in post.channels) or old.media != post.media:
            notes.append("text or media edited")
        elif old.title != post.title:
            notes.append("title changed")
        if notes:
            changes.append(Change("changed", post, old, tuple(notes)))
    for post_id, old in before.items():
        if post_id not in after:
            changes.append(Change("removed", old, None, ()))
    order = {"added": 0, "changed": 1, "removed": 2}
    changes.sort(key=lambda c: (order[c.kind], c.post.publish_at is None, c.post.publish_at or 0, c.post.id))
    return changes


def length_cells(post: Post, config: Config) -> str:
    cells = []
    for name in post.channels:
        channel = config.channels.get(name)
        if channel is None:
            cells.append(f"{name}: unknown channel")
            continue
        measures = textlimits.measure_parts(post.parts_for(name), channel.network, channel.max_length)
        worst = max(measures, key=lambda m: (m.over, m.length))
        if worst.limit is None:
            cells.append(f"{name}: {worst.length}")
        else:
            mark = "✅" if all(m.fits for m in measures) else f"❌ {worst.over} over"
            thread = f" ×{len(measures)}" if len(measures) > 1 else ""
            cells.append(f"{name}: {worst.length}/{worst.limit}{thread} {mark}")
    return "<br>".join(cells) or "no channels"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_summary(changes: list[Change], problems: list[Problem], config: Config) -> str:
    lines = [MARKER, "### 📅 Calendar changes in this pull request", ""]
    if not changes:
        lines.append("No posts are added, moved, retimed or removed.")
    else:
        counts = {k: sum(c.kind == k for c in changes) for k in ("added", "changed", "removed")}
        lines.append(", ".join(f"**{n}** {k}" for k, n in counts.items() if n) + ".")
        lines += ["", "| | Post | When | Channels and length | What changed |", "|---|---|---|---|---|"]
        icons = {"added": "🆕", "changed": "✏️", "removed": "🗑️"}
        for change in changes:
            post = change.post
            state = " (draft)" if post.is_draft else ""
            what = "; ".join(change.notes) or change.kind
            lines.append(f"| {icons[change.kind]} | **{_cell(post.title)}**{state}<br>`{post.path}` | "
                         f"{_cell(_when(post.publish_at, config))} | {length_cells(post, config)} | {_cell(what)} |")
    errors = [p for p in problems if p.level == "error"]
    warnings = [p for p in problems if p.level != "error"]
    lines.append("")
    if errors or warnings:
        lines.append(f"#### ⚠️ {len(errors)} error(s), {len(warnings)} warning(s) in the changed files")
        lines += [f"- `{p.path}{':' + str(p.line) if p.line else ''}` **{p.level}**: {_cell(p.message)}"
                  for p in errors + warnings]
    else:
        lines.append("✅ `socialgit check` finds no problems in the changed files.")
    return "\n".join(lines) + "\n"
