"""Listen: `fetch` brings replies, mentions, quotes and engagement counts back as files in git."""

from __future__ import annotations

import sys

import click

from .. import gitrepo
from ..cli import EXIT_CODES, cli, columns, now_option, parse_now, root_option, user_errors
from ..config import load_config_or_fail, parse_duration
from ..fetch import FetchReport, Settings, fetch
from ..problems import UserError
from ..state import AlreadyRunning, run_lock

SHOWN_SKIPS = 5


def _duration(option: str, text: str | None):
    if not text:
        return None
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise UserError(f"{option}: {exc}") from None


def print_report(report: FetchReport) -> None:
    if not report.channels:
        click.echo("No Mastodon or Bluesky channel to fetch from (socialgit.toml [channels.*]).")
    else:
        rows = [("channel", "new", "updated", "counts", "threads", "requests")]
        rows += [(c.channel, c.new, c.updated, c.counts, c.threads, c.requests) for c in report.channels]
        click.echo("\n".join(columns(rows, numbers=frozenset(range(1, 6)))))
    for c in report.channels:
        if c.stopped:
            click.echo(f"{c.channel}: stopped early: {c.stopped}")
        if c.skipped:
            click.echo(f"{c.channel}: {len(c.skipped)} item(s) not stored:", err=True)
            for reason in c.skipped[:SHOWN_SKIPS]:
                click.echo(f"  {reason}", err=True)
            if len(c.skipped) > SHOWN_SKIPS:
                click.echo(f"  … and {len(c.skipped) - SHOWN_SKIPS} more", err=True)
        if c.refused:
            click.echo(f"The token for channel {c.channel} was refused: renew it and update the secret named in "
                       "socialgit.toml; nothing was fetched from it.", err=True)
        elif c.error:
            click.echo(f"{c.channel}: {c.error}", err=True)
    for problem in report.problems:
        click.echo(f"{problem} (the file is left as it is)", err=True)
    if report.committed:
        click.echo(f"Committed {len(set(report.written))} file(s).")
    if report.push_error:
        click.echo(f"push: {report.push_error}. The files are committed locally; the next run pushes them.", err=True)


def _check_branch(root, branch: str) -> None:
    current = gitrepo.current_branch(root)
    if current == branch or (current is None and gitrepo.head_is_branch_tip(root, branch)):
        return
    raise UserError(f"fetch --push pushes to {branch} (socialgit.toml [publish] branch); this checkout is on "
                    f"{current or 'a detached HEAD'}: check out {branch}, or run without --push")


@cli.command("fetch", epilog=EXIT_CODES)
@click.option("--since", metavar="DURATION", help="Posts published this long ago or later (e.g. 14d); "
              "default from socialgit.toml [fetch] lookback (30d).")
@click.option("--channel", metavar="NAME", help="Fetch from this channel only.")
@click.option("--push", is_flag=True, help="Push the commit, for a runner in a throwaway clone such as a CI job.")
@click.option("--budget", type=click.IntRange(min=1), metavar="N",
              help="At most N requests per channel in this run (default: socialgit.toml [fetch] budget, 200).")
@click.option("--recent", metavar="DURATION", help="Read the whole thread of posts this recent (default: [fetch] recent, 7d); "
              "older posts get mentions and counts only.")
@root_option
@now_option
@user_errors
def fetch_command(since, channel, push, budget, recent, root, now_text):
    """Fetch replies, mentions, quotes and engagement counts as files, and commit them (run it from cron).

    Each reply or mention becomes content/feedback/<post>/<network>-<id>.md
    (never overwritten: triage edits are safe); counts are appended to
    content/ledger/metrics/; content/ledger/_cursors.json says where the next
    run continues. Exits 1 when a channel could not be read (a refused token,
    say); a spent request budget is not an error.
    """
    config, _ = load_config_or_fail(root)
    now = parse_now(now_text, config.timezone)
    if channel and channel not in config.channels:
        raise UserError(f"--channel: unknown channel {channel}; channels in socialgit.toml: "
                        f"{', '.join(config.channels)}")
    if channel and config.channels[channel].type not in ("mastodon", "bluesky"):
        raise UserError(f"--channel: {channel} is a {config.channels[channel].type} channel; only mastodon and "
                        "bluesky channels have replies to fetch")
    settings = Settings(lookback=config.lookback, recent=_duration("--recent", recent) or config.fetch_recent,
                        budget=budget or config.fetch_budget)
    if push:
        _check_branch(root, config.branch)
    progress = (lambda message: click.echo(message, err=True)) if sys.stderr.isatty() else (lambda message: None)
    try:
        with run_lock(root):
            report = fetch(config, now, since=_duration("--since", since), only_channel=channel,
                           settings=settings, push=push, progress=progress)
    except AlreadyRunning:
        click.echo("Another socialgit run is working in this repository (.socialgit/run.lock); "
                   "this fetch stops without doing anything.", err=True)
        sys.exit(0)
    print_report(report)
    sys.exit(0 if report.ok else 1)
