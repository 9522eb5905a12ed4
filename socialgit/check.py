"""Every review check over a calendar, as a list of Problems (pure but for reading media sizes).

Parsing problems come from content.py and config.py; this module adds what needs
the whole calendar: lengths per channel, media, cadence, missed posts, edits
after publishing, and the runner's heartbeat.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Container, Iterable, Mapping

from . import cadence, derived, textlimits
from .config import ACCOUNT_KEYS, ChannelConfig, Config
from .content import Post
from .ledger import Receipt, parse_instant
from .problems import Problem, error, warning
from .receipts import SENT, could_have_sent, gone_channels, orphans, renamed_error, sent_before
from .timing import MISSED, channel_state

SPLIT = re.compile(r"^\s*---8<---\s*$")
BLUESKY_IMAGE_LIMIT = 2_000_000
STALE_RUNNER = timedelta(hours=3)


@dataclass(frozen=True)
class Calendar:
    """Everything a check needs, loaded once."""

    config: Config
    posts: list[Post]
    receipts: Mapping[str, Mapping[str, Receipt]]
    feedback_ids: Container[str] = frozenset()  # FeedbackIds(root) lists them only if asked
    heartbeat: dict | None = None


def part_lines(post: Post) -> list[int]:
    """The file line where each thread part of the body starts."""
    starts = [post.body_line]
    for offset, line in enumerate(post.body.split("\n")):
        if SPLIT.match(line):
            starts.append(post.body_line + offset + 1)
    return starts


def length_problems(post: Post, config: Config) -> list[Problem]:
    problems = []
    for name in post.channels:
        channel = config.channels.get(name)
        if channel is None:
            continue
        parts = post.parts_for(name)
        measures = textlimits.measure_parts(parts, channel.network, channel.max_length)
        lines = [post.line("variants")] * len(parts) if name in post.variants else part_lines(post)
        for index, measure in enumerate(measures):
            line = lines[index] if index < len(lines) else post.body_line
            which = f"part {index + 1} of {len(parts)}" if len(parts) > 1 else "the text"
            if measure.over:
                problems.append(error(post.path, line,
                                      f"{which} for channel {name} is {measure.length} {measure.unit}, "
                                      f"{measure.over} over the limit of {measure.limit}; shorten it, split it "
                                      f"with a '---8<---' line, or add a shorter variant for {name}"))
            elif not measure.fits:
                problems.append(error(post.path, line, f"{which} for channel {name}: {measure.problem}"))
            if not parts[index].strip():
                problems.append(error(post.path, line, f"{which} for channel {name} is empty"))
    return problems


def media_problems(post: Post, config: Config) -> list[Problem]:
    problems = []
    post_dir = (config.root / post.path).parent
    for media in post.media:
        candidates = [config.content_dir / media.path, post_dir / media.path]
        found = next((c for c in candidates if c.is_file()), None)
        if found is None:
            problems.append(error(post.path, media.line, f'media "{media.path}" not found; paths are relative to '
                                  "content/ (or to the post's folder)"))
            continue
        if not media.alt:
            problems.append(error(post.path, media.line, f'media "{media.path}" has no alt text; add '
                                  "alt: \"…\" describing the image for people who cannot see it"))
        if any(config.channels[c].network == "bluesky" for c in post.channels if c in config.channels):
            size = found.stat().st_size
            if size > BLUESKY_IMAGE_LIMIT:
                problems.append(error(post.path, media.line, f'media "{media.path}" is {size:,} bytes; Bluesky '
                                      f"takes at most {BLUESKY_IMAGE_LIMIT:,}: make it smaller"))
    if len(post.media) > 4:
        problems.append(error(post.path, post.line("media"), "more than 4 images; Bluesky and Mastodon take 4"))
    return problems


def cadence_problems(posts: list[Post], config: Config) -> list[Problem]:
    problems = []
    for channel in config.channels.values():
        for breach in cadence.breaches(posts, channel, config.timezone, config.week_start):
            last = breach.posts[-1]
            problems.append(warning(last.path, last.line("publish_at"), breach.message))
    return problems



def receipt_problems(post: Post, receipts: Mapping[str, Receipt], config: Config, now: datetime,
                     feedback_ids: Container[str]) -> list[Problem]:
    """What one post's receipts say: renamed or edited after publishing, missed; and a reply to no comment."""
    problems = []
    for name, receipt in receipts.items():
        if receipt.state not in SENT:
            continue
        renamed = bool(receipt.source) and receipt.source != post.path
        edited = (bool(receipt.payload_hash) and name in post.channels
                  and receipt.payload_hash != post.payload_hash(name))
        if renamed and edited:  # a new post given an old one's id looks just like an old post renamed and edited
            problems.append(warning(post.path, post.line("id"), f"post {post.id} was published on {name} from "
                                    f"{receipt.source}, with another text, so this one will not be published; if "
                                    "it is a new post, give it an id of its own (rename the file or set id:)"))
        elif renamed:
            problems.append(warning(post.path, 1, f"this post was published on {name} as {receipt.source} and "
                                    "has been renamed since; it will not be published again"))
        elif edited:
            problems.append(warning(post.path, post.body_line, f"this post was published on {name} and its text "
                                    "has been edited since; the edit will not be published"))
    missed = [c for c in post.channels if channel_state(post, receipts.get(c), now, config.grace, config.late) == MISSED]
    on_gone_channels = gone_channels({name: receipt.state for name, receipt in receipts.items()}, config.channels)
    if missed and not post.is_draft and not on_gone_channels:  # a renamed channel is renamed_problems' to tell
        when = post.publish_at.astimezone(config.timezone).strftime("%Y-%m-%d %H:%M")
        problems.append(warning(post.path, post.line("publish_at"),
                                f"was due {when} and never published on {', '.join(missed)}; move publish_at "
                                "to a future time or set 'late: post' to send it anyway"))
    if post.in_reply_to and post.in_reply_to not in feedback_ids:
        problems.append(error(post.path, post.line("in_reply_to"), f'in_reply_to "{post.in_reply_to}" is not a '
                              "feedback item under content/feedback/; use the id of the comment it answers"))
    return problems


def heartbeat_problems(calendar: Calendar, now: datetime) -> list[Problem]:
    beat = calendar.heartbeat
    if not beat:
        return []
    path, problems = "content/ledger/_heartbeat.json", []
    last = parse_instant(beat.get("last_run"))
    if last and now - last > STALE_RUNNER:
        hours = int((now - last).total_seconds() // 3600)
        problems.append(warning(path, None, f"the runner has not run for {hours} hours; check the cron job "
                                "or CI schedule that runs `socialgit publish`"))
    for name in beat.get("refused") or []:
        problems.append(error(path, None, f"the token for channel {name} was refused at the last run; renew it "
                              "and update the secret named in socialgit.toml"))
    return problems


def post_problems(post: Post, config: Config) -> list[Problem]:
    """What is wrong with one post on its own: lengths, media, two channels that are one account."""
    return length_problems(post, config) + media_problems(post, config) + same_account_problems(post, config)


def same_account_problems(post: Post, config: Config) -> list[Problem]:
    """Two of the post's channels post as one account (a table copied without its token changed): it would go out twice."""
    return [error(post.path, post.line("channels"), f"channels {' and '.join(names)} post as the same account "
                  f"({_account_of(config.channels[names[0]])}): this post would go out there "
                  f"{len(names)} times; keep one of them")
            for names in config.one_account(post.channels)]


def _account_of(channel: ChannelConfig) -> str:
    return ", ".join(f"{key} = {channel.options[key]}" for key in ACCOUNT_KEYS[channel.type])


def post_findings(calendar: Calendar, now: datetime, known: Mapping[str, list[Problem]] | None = None,
                  prepared: bool = False) -> dict[str, tuple[list[Problem], list[Problem]]]:
    """Each post's own problems (post_problems) and its receipts' (receipt_problems), by the post's path.

    ``known``: post_problems already known by post path (files unchanged since they were
    found); ``prepared``: derived.prepare already ran on these posts.
    """
    if not prepared:
        # every post's parts, lengths and payload hashes at once: on every core, or recalled from .socialgit/
        derived.prepare(calendar.posts, calendar.config, calendar.config.root)
    known = known or {}
    found = {}
    for post in calendar.posts:
        own = known.get(post.path)
        found[post.path] = (own if own is not None else post_problems(post, calendar.config),
                            receipt_problems(post, calendar.receipts.get(post.id, {}), calendar.config, now,
                                             calendar.feedback_ids))
    return found


def calendar_problems(calendar: Calendar, now: datetime) -> list[Problem]:
    """What needs more than one post: cadence, receipts left under an old name, the runner's heartbeat."""
    return (cadence_problems(calendar.posts, calendar.config) + renamed_problems(calendar)
            + heartbeat_problems(calendar, now))


def renamed_problems(calendar: Calendar) -> list[Problem]:
    """Receipts under a post id or channel name that is gone, and posts that would send their text again.

    A renamed file is told on the post; a renamed channel, which moves every post's
    receipts at once, in one error per old and new name.
    """
    ids = {p.id for p in calendar.posts}
    orphaned = orphaned_receipts(calendar)
    problems, matched, moved = [], set(), {}  # moved: (old channel, new channel) → post ids
    for post in calendar.posts if orphaned else ():
        mine = calendar.receipts.get(post.id, {})
        for name in [name for name in post.channels if name not in mine]:
            earlier = sent_under_old_names(calendar, orphaned, ids, post, name)
            if earlier is None:
                continue
            matched.add(earlier.path)
            if earlier.post != post.id:
                problems.append(error(post.path, post.line("id"), renamed_error(post, name, earlier)))
            else:
                moved.setdefault((earlier.channel, name), []).append(post.id)
    problems += [error("socialgit.toml", None, f"{len(posts)} post(s) went out on channel {old}, which socialgit.toml "
                       f"no longer has, with the text they would now send on {new}, where they are not sent (they "
                       f"would go out twice). If {old} was renamed {new}, move their receipts: git mv "
                       f"content/ledger/POST/{old}.json content/ledger/POST/{new}.json for {_listed(posts)}")
                 for (old, new), posts in sorted(moved.items())]
    problems += [warning(r.path, None, f"post {r.post} was published on {r.channel} but its file is gone "
                         f"(renamed or deleted); if it was renamed, add 'id: {r.post}' to its front matter, "
                         "or it may go out again")
                 for post_id, names in orphaned.items() if post_id not in ids
                 for r in (calendar.receipts[post_id][name] for name in names) if r.path not in matched]
    return problems


def orphaned_receipts(calendar: Calendar) -> dict[str, list[str]]:
    """receipts.orphans of the calendar: sent receipts whose post id or channel name is gone."""
    states = {post_id: {name: r.state for name, r in mine.items()} for post_id, mine in calendar.receipts.items()}
    return orphans(states, {p.id for p in calendar.posts}, calendar.config.channels)


def sent_under_old_names(calendar: Calendar, orphaned: Mapping[str, list[str]], ids: Container[str], post: Post,
                         name: str) -> Receipt | None:
    """The orphaned receipt that sent the text ``post`` would send on ``name`` (``ids``: every post's): held."""
    return sent_before(post, name, [calendar.receipts[owner][channel] for owner, channel
                                    in could_have_sent(orphaned, post.id, name, calendar.config.channels, ids)])


def _listed(ids: list[str], shown: int = 3) -> str:
    return ", ".join(ids[:shown]) + (f" and {len(ids) - shown} more" if len(ids) > shown else "")


def check_calendar(calendar: Calendar, now: datetime, known: Mapping[str, list[Problem]] | None = None,
                   prepared: bool = False) -> list[Problem]:
    """Every problem of the calendar (see post_findings for ``known`` and ``prepared``)."""
    return every_problem(post_findings(calendar, now, known, prepared), calendar, now)


def every_problem(findings: Mapping[str, tuple[list[Problem], list[Problem]]], calendar: Calendar,
                  now: datetime) -> list[Problem]:
    """post_findings' problems and calendar_problems, in one list."""
    return [p for own, ledger in findings.values() for p in (*own, *ledger)] + calendar_problems(calendar, now)


def only_paths(problems: Iterable[Problem], paths: set[str]) -> list[Problem]:
    return [p for p in problems if p.path in paths]


class FeedbackIds:
    """The feedback item ids of a calendar, listed when first asked: only a post with in_reply_to asks."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @functools.cached_property
    def ids(self) -> frozenset[str]:
        return feedback_ids(self.root)

    def __contains__(self, item: object) -> bool:
        return item in self.ids


def feedback_ids(root: Path) -> frozenset[str]:
    """The id (file stem) of every feedback item, content/feedback/*/*.md; scandir, as there are ~10 a post."""
    ids: set[str] = set()
    try:
        with os.scandir(Path(root) / "content" / "feedback") as entries:
            folders = [entry.path for entry in entries if entry.is_dir()]
    except (FileNotFoundError, NotADirectoryError):
        return frozenset()
    for folder in folders:
        with os.scandir(folder) as entries:
            # as Path.glob("*/*.md") and Path.stem see them (".md" alone has no suffix)
            ids.update(entry.name[:-3] if entry.name != ".md" else entry.name
                       for entry in entries if entry.name.endswith(".md"))
    return frozenset(ids)

