"""Respond: `socialgit feedback list | show | assign | set | reply | eval`.

Every change is an edit to the item's file (through feedback_store.update_fields,
which touches only the changed lines), so the same change can be made by hand in
a pull request. Comment text, names and handles come from strangers: they are
printed with control and direction-override characters made visible.
"""

from __future__ import annotations

import difflib
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

import click

from .. import feedback_store
from ..classify import HUMAN, classify, confusion_table, score_labels
from ..cli import EXIT_CODES, Group, cli, columns, now_option, parse_now, root_option, user_errors
from ..config import Config, load_config_or_fail
from ..feedback import FeedbackItem, Judgement, feedback_ids, load_feedback, load_feedback_files
from ..filecache import FEEDBACK_DIR, POSTS_DIR
from ..ledger import load_receipts
from ..newpost import recorded_ids, unique_slug, yaml_string
from ..post_files import load_posts
from ..problems import UserError
from ..routing import PRIORITIES
from ..vocabulary import LABELS, SENTIMENTS, STATUSES

SNIPPET = 60
# C0/C1 controls and the bidi embeddings, overrides and isolates that can reorder what a terminal shows
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,200}")
_MASTODON_HANDLE = re.compile(r"@?[A-Za-z0-9_]{1,30}@[A-Za-z0-9.-]{1,253}")


def safe(text: str, one_line: bool = True) -> str:
    """Untrusted text for a terminal: invisible controls shown as \\uXXXX, one line unless asked."""
    if one_line:
        text = " ".join(text.split())
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


def _snippet(text: str) -> str:
    """The start of a comment for a one-line listing; an ellipsis says there is more."""
    return text if len(text) <= SNIPPET else text[:SNIPPET - 1].rstrip() + "…"


def _stamp(moment: datetime | None, zone) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else "-"


def _load(root: Path) -> tuple[Config, list[FeedbackItem]]:
    config, _ = load_config_or_fail(root)
    items, problems = load_feedback(root, use_cache=True)  # a triage command a minute on 100,000 files
    _unreadable(sum(p.level == "error" for p in problems))
    return config, items


def _unreadable(errors: int) -> None:
    if errors:
        click.echo(f"{errors} feedback file(s) could not be read and are left out; "
                   "`socialgit check` lists them", err=True)


def _load_one(root: Path, item_id: str) -> tuple[Config, FeedbackItem]:
    """The item ITEM_ID, from its file alone: which file holds which id is remembered (feedback.feedback_ids)."""
    config, _ = load_config_or_fail(root)
    files = feedback_ids(root)
    _unreadable(sum(errors for _, _, errors in files))
    found = load_feedback_files(root, [rel for rel, found_id, _ in files if found_id == item_id])
    return config, _find(found, item_id, [found_id for _, found_id, _ in files if found_id is not None])


def _find(items: list[FeedbackItem], item_id: str, ids: list[str]) -> FeedbackItem:
    found = [item for item in items if item.id == item_id]
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise UserError(f'feedback item "{safe(item_id)}" is in {len(found)} files '
                        f"({', '.join(i.path for i in found)}); keep one and delete the others")
    close = (sorted(i for i in ids if i.startswith(item_id))[:3]
             or difflib.get_close_matches(item_id, ids, n=3, cutoff=0.5))
    hint = f"close ids: {', '.join(close)}" if close else "`socialgit feedback list` shows every id"
    raise UserError(f'{FEEDBACK_DIR}: no feedback item "{safe(item_id)}"; {hint}')


def _change(root: Path, item: FeedbackItem, changes: dict[str, Any]) -> bool:
    try:
        return feedback_store.update_fields(Path(root) / item.path, changes)
    except (feedback_store.FeedbackFileError, ValueError) as exc:
        raise UserError(f"{item.path}: cannot be changed ({exc}); fix the file and run again") from None


def _judgement(judgement: Judgement | None) -> dict[str, Any] | None:
    if judgement is None:
        return None
    return {"value": judgement.value, "score": judgement.score, "source": judgement.source}


def _as_json(item: FeedbackItem) -> dict[str, Any]:
    def iso(moment: datetime | None) -> str | None:
        return feedback_store.stamp(moment) if moment else None

    return {"id": item.id, "path": item.path, "network": item.network, "kind": item.kind, "post": item.post,
            "url": item.url, "author": {"name": item.author.name, "handle": item.author.handle,
                                        "url": item.author.url},
            "created_at": iso(item.created_at), "lang": item.lang, "status": item.status,
            "assignee": item.assignee, "labels": list(item.labels), "priority": item.priority,
            "intent": _judgement(item.intent), "sentiment": _judgement(item.sentiment),
            "first_response_at": iso(item.first_response_at), "resolved_at": iso(item.resolved_at),
            "reply_post": item.reply_post, "in_reply_to": item.in_reply_to, "text": item.body}


def _networks(config: Config, channel: str) -> set[str]:
    if channel in config.channels:
        return {config.channels[channel].network}
    known = {c.network for c in config.channels.values()}
    if channel in known or channel in ("mastodon", "bluesky", "x"):
        return {channel}
    raise UserError(f"--channel: unknown channel {channel}; channels in socialgit.toml: "
                    f"{', '.join(config.channels)} (or a network: mastodon, bluesky, x)")


def _counts(items: Iterable[FeedbackItem]) -> dict[str, int]:
    counts = dict.fromkeys(STATUSES, 0)
    for item in items:
        counts[item.status] = counts.get(item.status, 0) + 1
    return counts


@cli.group(cls=Group, epilog=EXIT_CODES)
def feedback():
    """Triage the replies, mentions and quotes that `socialgit fetch` brought back.

    Items are files under content/feedback/; every command here edits them, so
    the same change can be made by hand in a pull request. States: new →
    triaged → waiting → done, plus ignored.
    """


@feedback.command("list", epilog=EXIT_CODES)
@click.option("--status", "statuses", multiple=True, type=click.Choice(STATUSES), help="Only this state (repeatable).")
@click.option("--sentiment", type=click.Choice(SENTIMENTS), help="Only this sentiment.")
@click.option("--intent", type=click.Choice(LABELS), help="Only this intent.")
@click.option("--channel", metavar="NAME", help="Only items from this channel's network (or a network name).")
@click.option("--post", metavar="POST", help="Only items about this post id (`none` for loose mentions).")
@click.option("--assignee", metavar="WHO", help="Only items assigned to WHO (`none` for unassigned).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="json prints every field of each item, and the counts.")
@root_option
@user_errors
def list_items(statuses, sentiment, intent, channel, post, assignee, fmt, root):
    """List feedback items, newest first, with the count per state at the end."""
    config, items = _load(root)
    networks = _networks(config, channel) if channel else None
    shown = [i for i in items
             if (not statuses or i.status in statuses)
             and (not sentiment or (i.sentiment and i.sentiment.value == sentiment))
             and (not intent or (i.intent and i.intent.value == intent))
             and (networks is None or i.network in networks)
             and (post is None or i.post == (None if post in ("none", "_mentions") else post))
             and (assignee is None or i.assignee == (None if assignee == "none" else assignee))]
    shown.sort(key=lambda i: (i.created_at.timestamp() if i.created_at else float("-inf"), i.id), reverse=True)
    counts = _counts(shown)
    if fmt == "json":
        text = json.dumps({"items": [_as_json(i) for i in shown], "counts": counts}, indent=2, ensure_ascii=False)
        click.echo(_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text))
        return
    for line in columns([(i.id, _stamp(i.created_at, config.timezone), i.status,
                          i.sentiment.value if i.sentiment else "-", i.network, safe(i.assignee or "-"),
                          safe(i.post or "(mention)"), _snippet(safe(i.body))) for i in shown]):
        click.echo(line)
    summary = " · ".join(f"{state} {n}" for state, n in counts.items() if n)
    filtered = f" (of {len(items)})" if len(shown) != len(items) else ""
    click.echo(f"{len(shown)} item(s){filtered}" + (f": {summary}" if summary else ""))


@feedback.command(epilog=EXIT_CODES)
@click.argument("item_id", metavar="ID")
@root_option
@user_errors
def show(item_id, root):
    """Show one item: who, where, its triage fields and the comment."""
    config, item = _load_one(root, item_id)
    zone = config.timezone

    def judged(j: Judgement | None) -> str:
        if j is None:
            return "-"
        score = f" {j.score:+.2f}" if j.score is not None else ""
        return f"{j.value}{score} ({j.source or 'by hand'})"

    author = safe(item.author.name) + (f" ({safe(item.author.handle)})" if item.author.handle else "")
    rows = [("file", item.path), ("kind", f"{item.network} {item.kind} on {item.post or '(no post: a mention)'}"),
            ("author", author + (f"  {safe(item.author.url)}" if item.author.url else "")),
            ("url", safe(item.url) or "-"), ("created", _stamp(item.created_at, zone)),
            ("status", f"{item.status}   priority {item.priority or '-'}   assignee {safe(item.assignee or '-')}"),
            ("labels", safe(", ".join(item.labels)) or "-"), ("intent", judged(item.intent)),
            ("sentiment", judged(item.sentiment)), ("first reply", _stamp(item.first_response_at, zone)),
            ("resolved", _stamp(item.resolved_at, zone)), ("reply post", item.reply_post or "-")]
    if item.in_reply_to:
        rows.append(("in reply to", safe(item.in_reply_to)))
    click.echo(item.id)
    for label, value in rows:
        click.echo(f"  {label:<12}{value}")
    click.echo("")
    click.echo(safe(item.body, one_line=False))


@feedback.command(epilog=EXIT_CODES)
@click.argument("item_id", metavar="ID")
@click.argument("who")
@root_option
@user_errors
def assign(item_id, who, root):
    """Assign an item to WHO (a person, or team:NAME; `none` to unassign). A new item becomes triaged."""
    if not re.fullmatch(r"[^\s]{1,100}", who):
        raise UserError(f'assign: "{safe(who)}" is not a name; use one word like sara or team:support')
    _, item = _load_one(root, item_id)
    changes: dict[str, Any] = {"assignee": None if who == "none" else who}
    if who != "none" and item.status == "new":
        changes["status"] = "triaged"
    changed = _change(root, item, changes)
    state = f" (status {changes['status']})" if "status" in changes else ""
    click.echo(f"{item.id}: " + ((f"assigned to {who}{state}" if who != "none" else "unassigned")
                                 if changed else "already so; nothing changed"))


@feedback.command("set", epilog=EXIT_CODES)
@click.argument("item_id", metavar="ID")
@click.option("--status", type=click.Choice(STATUSES), help="done also records resolved_at.")
@click.option("--sentiment", type=click.Choice(SENTIMENTS), help="A person's correction: source human.")
@click.option("--intent", type=click.Choice(LABELS), help="A person's correction: source human.")
@click.option("--priority", type=click.Choice(PRIORITIES), help="How soon it needs a person.")
@click.option("--label", "labels", multiple=True, metavar="NAME", help="Add a label (repeatable).")
@click.option("--remove-label", "unlabels", multiple=True, metavar="NAME", help="Remove a label (repeatable).")
@root_option
@now_option
@user_errors
def set_fields(item_id, status, sentiment, intent, priority, labels, unlabels, root, now_text):
    """Change an item's triage fields. A sentiment or intent set here is a person's and never overwritten."""
    if not any((status, sentiment, intent, priority, labels, unlabels)):
        raise UserError("set: nothing to change; give --status, --sentiment, --intent, --priority, --label "
                        "or --remove-label")
    bad = [name for name in labels if not re.fullmatch(r"[^\s,]{1,60}", name)]
    if bad:
        raise UserError(f'--label: "{safe(bad[0])}" is not a label; use one word without commas')
    config, item = _load_one(root, item_id)
    now = parse_now(now_text, config.timezone)
    changes: dict[str, Any] = {}
    if status:
        changes["status"] = status
        if status == "done" and not item.resolved_at:
            changes["resolved_at"] = now
        elif status != "done" and item.resolved_at:
            changes["resolved_at"] = None  # reopened: done items alone carry resolved_at
    for key, value in (("sentiment", sentiment), ("intent", intent)):
        if value:
            changes[key] = {"value": value, "source": HUMAN}
    if priority:
        changes["priority"] = priority
    if labels or unlabels:
        kept = [label for label in item.labels if label not in unlabels]
        changes["labels"] = kept + [label for label in dict.fromkeys(labels) if label not in kept]
    if not _change(root, item, changes):
        click.echo(f"{item.id}: already so; nothing changed")
        return
    shown = []
    for key, value in changes.items():
        if isinstance(value, dict):
            value = f"{value['value']} (human)"
        elif isinstance(value, datetime):
            value = feedback_store.stamp(value)
        elif isinstance(value, list):
            value = ", ".join(value) or "(none)"
        shown.append(f"{key} {value if value is not None else '(cleared)'}")
    click.echo(f"{item.id}: " + "; ".join(shown))


def _reply_channel(config: Config, root: Path, item: FeedbackItem, wanted: str | None) -> str:
    candidates = [name for name, c in config.channels.items() if c.network == item.network]
    if wanted:
        if wanted not in candidates:
            raise UserError(f"--channel: {wanted} does not publish to {item.network}; "
                            f"{item.network} channels: {', '.join(candidates) or 'none'}")
        return wanted
    if not candidates:
        raise UserError(f"{item.path}: no channel in socialgit.toml publishes to {item.network}, so the reply "
                        f"cannot go out; add a [channels.NAME] with network {item.network}")
    if len(candidates) > 1 and item.post:
        receipts, _ = load_receipts(root)
        published = [name for name in candidates if name in receipts.get(item.post, {})]
        candidates = published or candidates
    if len(candidates) > 1:
        raise UserError(f"{item.id}: several {item.network} channels ({', '.join(candidates)}); "
                        "choose one with --channel NAME")
    return candidates[0]


@feedback.command(epilog=EXIT_CODES)
@click.argument("item_id", metavar="ID")
@click.argument("text")
@click.option("--at", "at_text", metavar="WHEN", help="Publish time (ISO; naive = site time zone). Default: now.")
@click.option("--channel", metavar="NAME", help="The channel to answer on, when several share the item's network.")
@root_option
@now_option
@user_errors
def reply(item_id, text, at_text, channel, root, now_text):
    """Write a reply as a new post (in_reply_to: ID) that goes through review like any post.

    Once merged, the runner publishes it as a real reply on the item's network,
    and the item records the post as its reply_post.
    """
    if not text.strip():
        raise UserError("reply: the text is empty; write the reply in quotes after the id")
    config, item = _load_one(root, item_id)
    if not _SAFE_ID.fullmatch(item.id):
        raise UserError(f"{item.path}: the id {safe(item.id)!r} cannot be written into a post; "
                        "give the item an id of letters, digits, - and _ (its file name)")
    if item.reply_post:
        raise UserError(f"{item.path}: already answered by post {item.reply_post}; edit that post, or clear "
                        "reply_post in the item to write another")
    name = _reply_channel(config, root, item, channel)
    at = (parse_now(at_text, config.timezone, "--at") if at_text else parse_now(now_text, config.timezone)
          ).astimezone(config.timezone)
    body = text.strip()
    handle = item.author.handle
    if item.network == "mastodon" and _MASTODON_HANDLE.fullmatch(handle or "") and handle.lstrip("@") not in body:
        body = f"@{handle.lstrip('@')} {body}"  # Mastodon notifies only the accounts a post mentions
    posts, _ = load_posts(config)
    folder = Path(root) / POSTS_DIR / f"{at:%Y}" / f"{at:%m}"
    taken = ({p.id for p in posts} | recorded_ids(root)
             | ({p.stem for p in folder.glob("*.md")} if folder.is_dir() else set()))
    slug = unique_slug(f"reply {item.id}", at, taken)
    path = folder / f"{slug}.md"
    folder.mkdir(parents=True, exist_ok=True)
    with open(path, "x", encoding="utf-8") as handle_out:  # "x": never overwrite a post someone wrote
        handle_out.write(f"---\ntitle: {yaml_string(f'Reply to {item.id}')}\npublish_at: {at:%Y-%m-%d %H:%M}\n"
                         f"channels: [{name}]\nstatus: ready\nin_reply_to: {item.id}\n---\n{body}\n")
    _change(root, item, {"reply_post": slug})
    rel = path.relative_to(root).as_posix() if not Path(root).is_absolute() else str(path)
    click.echo(rel)
    click.echo(f"{item.id}: reply_post {slug}. Open a pull request; once merged, the runner sends it as a reply "
               f"on {name} at {at:%Y-%m-%d %H:%M}.", err=True)


def _person(judgement: Judgement | None) -> bool:
    """A label a person gave: source human, or a bare value typed by hand (no source at all)."""
    return judgement is not None and judgement.value in LABELS and judgement.source in (HUMAN, "")


@feedback.command("eval", epilog=EXIT_CODES)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="json prints the counts and the confusion table as data.")
@root_option
@user_errors
def evaluate(fmt, root):
    """Score the classifier against the labels people corrected (source: human)."""
    _, items = _load(root)
    judged = [i for i in items if _person(i.intent) or _person(i.sentiment)]
    if not judged:
        click.echo("No item has a label set by a person yet (source: human); correct one with "
                   "`socialgit feedback set ID --sentiment …` and run eval again.")
        return
    intents, sentiments, misses = [], [], []
    for item in judged:
        result = classify(item.body, item.lang)
        if _person(item.intent):
            intents.append((item.intent.value, result.intent.value))
        if _person(item.sentiment):
            sentiments.append((item.sentiment.value, result.sentiment.value))
        wrong = [(key, getattr(item, key).value, getattr(result, key).value) for key in ("intent", "sentiment")
                 if _person(getattr(item, key)) and getattr(item, key).value != getattr(result, key).value]
        if wrong:
            misses.append((item.id, wrong))
    scores = {"intent": score_labels(intents), "sentiment": score_labels(sentiments)}
    if fmt == "json":
        click.echo(json.dumps({key: {"total": s.total, "correct": s.correct, "accuracy": round(s.accuracy, 4),
                                     "confusion": [{"gold": g, "predicted": p, "count": n}
                                                   for (g, p), n in sorted(s.confusion.items())]}
                               for key, s in scores.items()} | {"items": len(judged)}, indent=2))
        return
    click.echo(f"The classifier against {len(judged)} item(s) people labelled (source: human):")
    for key, s in scores.items():
        if not s.total:
            continue
        click.echo(f"\n{key}: {s.correct}/{s.total} = {s.accuracy:.0%}")
        click.echo(confusion_table(s))
    if misses:
        click.echo("\nDisagreements (person → classifier):")
        for item_id, wrong in misses:
            click.echo(f"  {item_id}  " + "; ".join(f"{key} {gold} → {got}" for key, gold, got in wrong))
