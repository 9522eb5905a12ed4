"""Plan and review: `new`, `check`, `status`, `summary`."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import click

from .. import gitrepo, timing
from ..calendar import load_calendar
from ..check import check_calendar, only_paths, orphaned_receipts, sent_under_old_names
from ..config import load_config_or_fail
from ..content import parse_posts
from ..filecache import POSTS_DIR
from ..newpost import write_new_post
from ..post_files import load_posts
from ..problems import ERROR, WARNING, Problem, UserError
from ..summary import diff_posts, render_summary
from ..cli import EXIT_CODES, cli, columns, now_option, parse_now, root_option, shows_progress, user_errors


@cli.command(epilog=EXIT_CODES)
@click.argument("title")
@click.option("--at", "at_text", metavar="WHEN", help="Publish time, like 2026-12-01T09:30 (site time zone), "
              "or next-best: the next free slot that keeps cadence and, where the data allows, a better time. "
              "Default: tomorrow at 09:00.")
@click.option("--channels", default="", help="Comma-separated channel names. Default: every channel.")
@click.option("--draft", is_flag=True, help="Mark the post as a draft (never published).")
@root_option
@now_option
@user_errors
def new(title, at_text, channels, draft, root, now_text):
    """Write a new post file under content/posts/YYYY/MM/ and print its path."""
    config, _ = load_config_or_fail(root)
    now = parse_now(now_text, config.timezone).astimezone(config.timezone)
    names = [c.strip() for c in channels.split(",") if c.strip()] or list(config.channels)
    unknown = [n for n in names if n not in config.channels]
    if unknown:
        raise UserError(f"--channels: unknown channel {', '.join(unknown)}; channels in socialgit.toml: "
                        f"{', '.join(config.channels)}")
    if at_text and at_text.strip().lower() == "next-best":
        from .learn import next_best_for

        at, why = next_best_for(root, names, now)
        at = at.astimezone(config.timezone)
        click.echo(f"--at next-best: {why}", err=True)
    elif at_text:
        at = parse_now(at_text, config.timezone, "--at", ", or next-best").astimezone(config.timezone)
    else:
        at = (now + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    posts, _ = load_posts(config)
    path = write_new_post(root, title, at, names, draft, (p.id for p in posts))
    click.echo(path.relative_to(root).as_posix() if not Path(root).is_absolute() else str(path))


def _github(problem: Problem) -> str:
    def escape(text: str) -> str:
        return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")

    level = {"error": "error", "warning": "warning"}.get(problem.level, "notice")
    where = f"file={escape(problem.path)}" + (f",line={problem.line}" if problem.line else "")
    return f"::{level} {where},title=socialgit::{escape(problem.message)}"


@cli.command(epilog=EXIT_CODES)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--changed", "base", metavar="BASE", help="Report only on files changed since the merge base with "
              "BASE (a branch or commit), as in a pull request.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text", show_default=True,
              help="github prints workflow annotations shown on the pull request's diff.")
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
@root_option
@now_option
@user_errors
@shows_progress
def check(paths, base, fmt, strict, root, now_text):
    """Check posts for review: front matter, time zone, length per network, media, cadence, the ledger.

    Every problem is printed as `path:line: level: message`. With PATHS, only
    problems in those files or folders are reported (the whole calendar is still
    read, since cadence depends on all posts). On a terminal, reading and measuring a big
    calendar shows a progress bar on stderr; in CI (CI=true) or into a pipe, none.
    """
    calendar, problems = load_calendar(root)
    now = parse_now(now_text, calendar.config.timezone)
    # a file whose front matter cannot be read is no post, but it was checked all the same
    unreadable = ({p.path for p in problems if p.level == ERROR and p.path.startswith(f"{POSTS_DIR}/")}
                  - {post.path for post in calendar.posts})
    checked = len(calendar.posts) + len(unreadable)
    problems = problems + check_calendar(calendar, now)
    from .learn import weak_slot_infos  # info notes: a post in a slot the data says is weak

    problems += weak_slot_infos(root, calendar, now)
    from ..feedback import feedback_problems  # feedback files are edited by hand in PRs too

    problems += feedback_problems(root)
    if base:
        problems = only_paths(problems, gitrepo.changed_paths(root, base))
    if paths:
        wanted = [Path(p).resolve() for p in paths]
        problems = [p for p in problems if any(_inside((root / p.path).resolve(), w) for w in wanted)]
    problems = sorted(set(problems), key=lambda p: (p.path, p.line or 0, p.level, p.message))
    errors = sum(p.level == ERROR for p in problems)
    warnings = sum(p.level == WARNING for p in problems)
    if fmt == "json":
        click.echo(json.dumps({"errors": errors, "warnings": warnings, "posts": checked,
                               "problems": [p.__dict__ for p in problems]}, indent=2, ensure_ascii=False))
    else:
        for problem in problems:
            click.echo(_github(problem) if fmt == "github" else str(problem))
        summary = f"{checked} post{'' if checked == 1 else 's'} checked: {errors} error(s), {warnings} warning(s)"
        click.echo(summary, err=fmt == "github")
    sys.exit(1 if errors or (strict and warnings) else 0)


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _local(moment: datetime | None, zone) -> str:
    return moment.astimezone(zone).strftime("%a %Y-%m-%d %H:%M") if moment else "(no time)"


ATTENTION_LISTED = 20  # failed and missed posts `status` lists without --all, the newest


@cli.command(epilog=EXIT_CODES)
@click.option("--limit", default=10, show_default=True, help="How many upcoming posts to list.")
@click.option("--all", "every", is_flag=True,
              help=f"List every failed and missed post, not only the newest {ATTENTION_LISTED}.")
@root_option
@now_option
@user_errors
def status(limit, every, root, now_text):
    """What is due now, what comes next, and what needs a person (failed, uncertain, missed).

    What needs a person comes newest first, every uncertain post before the rest
    (each waits for `socialgit resolve`).
    """
    calendar, problems = load_calendar(root)
    config = calendar.config
    now = parse_now(now_text, config.timezone)
    zone = config.timezone
    broken = {p.path for p in problems if p.level == ERROR}
    click.echo(f"{config.title} · now {_local(now, zone)} {now.astimezone(zone).tzname()}")
    due = timing.due(calendar.posts, calendar.receipts, now, config.grace, config.late)
    click.echo(f"\nDue now ({len(due)}):" if due else "\nNothing is due now.")
    orphaned, ids = orphaned_receipts(calendar), {post.id for post in calendar.posts}

    def held(item: timing.Due) -> str:  # what the runner will not send, and why in a word
        if item.post.path in broken:
            return "  (held: the file has errors; see `socialgit check`)"
        found = orphaned and sent_under_old_names(calendar, orphaned, ids, item.post, item.channel)
        return "  (held: sent before under an old name; see `socialgit check`)" if found else ""

    for line in columns([(_local(item.post.publish_at, zone), item.channel, item.post.title + held(item))
                         for item in due], indent="  "):
        click.echo(line)
    upcoming = timing.upcoming(calendar.posts, now, limit)
    click.echo(f"\nNext {len(upcoming)}:" if upcoming else "\nNothing is scheduled.")
    for line in columns([(_local(post.publish_at, zone), ", ".join(post.channels), post.title) for post in upcoming],
                        indent="  "):
        click.echo(line)
    attention = []
    for post in calendar.posts:
        mine = calendar.receipts.get(post.id, {})
        for name in post.channels:
            state = timing.channel_state(post, mine.get(name), now, config.grace, config.late)
            if state in (timing.FAILED, timing.UNCERTAIN, timing.MISSED):
                receipt = mine.get(name)
                why = receipt.error if receipt and receipt.error else ""
                attention.append((post.publish_at, state, name, post, why))
    attention.sort(key=lambda a: timing.attention_order(a[1], a[0]))
    uncertain = [a for a in attention if a[1] == timing.UNCERTAIN]
    shown = attention if every else attention[:len(uncertain) + ATTENTION_LISTED]
    click.echo(f"\nNeeds attention ({len(attention)}):" if attention else "\nNothing needs attention.")
    lines = columns([(state, name, f"{post.title} ({post.path})") for _, state, name, post, _ in shown], indent="  ")
    under_channel = " " * (4 + max((len(state) for _, state, _, _, _ in shown), default=0))
    for line, (_, _, _, _, why) in zip(lines, shown):
        click.echo(line + (f"\n{under_channel}{why}" if why else ""))
    if len(shown) < len(attention):
        click.echo(f"  … and {len(attention) - len(shown)} older failed or missed (`socialgit status --all` lists them)")
    if uncertain:
        click.echo("\nSettle an uncertain post with `socialgit resolve POST CHANNEL --published URL` "
                   "or `--not-published`.")


@cli.command(epilog=EXIT_CODES)
@click.argument("base")
@click.argument("head", required=False)
@root_option
@now_option
@user_errors
def summary(base, head, root, now_text):
    """A Markdown summary of what a pull request changes in the calendar (for a PR comment).

    Compares the posts at BASE with those at HEAD (default: the working tree):
    posts added, moved, retimed, removed, with local and UTC times, channels,
    length against each limit and the warnings `check` gives the changed files.
    """
    calendar, problems = load_calendar(root)
    config = calendar.config
    base_posts, _ = parse_posts(gitrepo.tree_files(root, base, POSTS_DIR), config)
    if head:
        head_posts, problems = parse_posts(gitrepo.tree_files(root, head, POSTS_DIR), config)
        calendar = replace(calendar, posts=head_posts)
    now = parse_now(now_text, config.timezone)
    problems = problems + check_calendar(calendar, now)
    changes = diff_posts(base_posts, calendar.posts, config)
    touched = {c.post.path for c in changes} | gitrepo.changed_paths(root, base, head)
    click.echo(render_summary(changes, only_paths(problems, touched), config), nl=False)
