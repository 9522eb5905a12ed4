"""Publish: `publish` (from cron), `resolve` (a person settles an uncertain post), `run` (daemon)."""

from __future__ import annotations

import signal
import sys
import time
from datetime import datetime, timezone

import click

from .. import receipts as rc
from ..atomic import write_json_atomic
from ..cli import EXIT_CODES, cli, columns, now_option, parse_now, root_option, user_errors
from ..config import load_config_or_fail, parse_duration
from ..ledger import read_receipt, receipt_path
from ..problems import UserError
from ..publish import Report, Runner
from ..state import AlreadyRunning, run_lock


def print_report(report: Report) -> None:
    if not report.rows:
        click.echo("Nothing to publish.")
    else:
        rows = [("post", "channel", "state", "detail")]
        rows += [(row.post, row.channel, row.state, row.detail) for row in report.rows]
        click.echo("\n".join(columns(rows)))
    for name in sorted(report.refused):
        click.echo(f"The token for channel {name} was refused: renew it and update the secret named in "
                   "socialgit.toml; its posts wait for the next run.", err=True)
    if report.push_error:
        click.echo(f"push: {report.push_error}. The receipts are committed locally; the next run pushes them "
                   "(nothing is posted again).", err=True)


def publish_once(root, now, dry_run=False, channel=None, push=False, grace=None, config=None) -> Report:
    if config is None:
        config, _ = load_config_or_fail(root)
    if channel and channel not in config.channels:
        raise UserError(f"--channel: unknown channel {channel}; channels in socialgit.toml: "
                        f"{', '.join(config.channels)}")
    with run_lock(root):
        return Runner(config, now, dry_run=dry_run, only_channel=channel, push=push, grace=grace).run()


@cli.command(epilog=EXIT_CODES)
@click.option("--dry-run", is_flag=True, help="Show what would go out; write and send nothing.")
@click.option("--channel", metavar="NAME", help="Publish on this channel only.")
@click.option("--push", is_flag=True, help="Push receipts (pending ones before each call), for a runner "
              "in a throwaway clone such as a CI job.")
@click.option("--grace", metavar="DURATION", help="How late a post may still go out (e.g. 2h); default from "
              "socialgit.toml [publish] grace.")
@root_option
@now_option
@user_errors
def publish(dry_run, channel, push, grace, root, now_text):
    """Publish every due post once per channel and commit a receipt for each (run it from cron).

    Runs only on the configured branch (default main), never publishes drafts,
    reconciles what an interrupted run left pending before anything new, and
    exits 1 if anything failed or is uncertain.
    """
    config, _ = load_config_or_fail(root)
    now = parse_now(now_text, config.timezone)
    try:
        grace_delta = parse_duration(grace) if grace else None
    except ValueError as exc:
        raise UserError(f"--grace: {exc}") from None
    try:
        report = publish_once(root, now, dry_run, channel, push, grace_delta, config)
    except AlreadyRunning:
        click.echo("Another socialgit publish is running in this repository (.socialgit/run.lock); "
                   "this run stops without doing anything.", err=True)
        sys.exit(0)
    print_report(report)
    sys.exit(0 if report.ok else 1)


@cli.command(epilog=EXIT_CODES)
@click.argument("post")
@click.argument("channel")
@click.option("--published", "url", metavar="URL", help="It did go out: the URL of the post on the network.")
@click.option("--not-published", is_flag=True, help="It did not go out: let the next run send it.")
@root_option
@now_option
@user_errors
def resolve(post, channel, url, not_published, root, now_text):
    """Settle an uncertain receipt after looking at the network yourself, and commit it."""
    if bool(url) == bool(not_published):
        raise UserError("say what you found: either --published URL or --not-published")
    config, _ = load_config_or_fail(root)
    now = parse_now(now_text, config.timezone)
    path = receipt_path(root, post, channel)
    if not path.is_file():
        raise UserError(f"{path.relative_to(root)}: no receipt for post {post} on channel {channel}; "
                        "`socialgit status` lists the uncertain ones")
    found, problem = read_receipt(path, root)
    if problem is not None:
        raise UserError(str(problem))
    receipt = dict(found.data)
    if receipt.get("state") not in ("uncertain", "pending", "failed"):
        raise UserError(f"{path.relative_to(root)}: the receipt is {receipt.get('state')}, not uncertain; "
                        "nothing to resolve")
    if url:
        parts = receipt.get("parts") or [{"id": url, "url": url}]
        settled = rc.settle(receipt, "published", now, parts=parts)
        settled["resolved_by"] = "person"
    else:
        settled = rc.settle(receipt, "failed", now, error="a person checked: it was not published",
                            retry_at=now, retryable=True)
        settled["attempts"] = min(int(receipt.get("attempts") or 1), rc.MAX_ATTEMPTS - 1)
        settled["retryable"] = True
    write_json_atomic(path, settled)
    from .. import gitrepo  # not at the top: `publish` runs every minute and mostly needs no GitPython

    gitrepo.commit_paths(root, [path], f"resolve: {post} on {channel} {'published' if url else 'not published'}")
    click.echo(f"{path.relative_to(root)}: {settled['state']}")


def _seconds(option: str, text: str) -> int:
    try:
        return int(parse_duration(text).total_seconds())
    except ValueError as exc:
        raise UserError(f"{option}: {exc}") from None


@cli.command(epilog=EXIT_CODES)
@click.option("--every", default="1m", show_default=True, help="How often to publish (a duration).")
@click.option("--fetch-every", default="1h", show_default=True,
              help="How often to fetch replies, mentions and counts (a duration; 0s turns fetching off).")
@click.option("--build/--no-build", default=True, show_default=True,
              help="Rebuild the site (socialgit build) after a run that changed something.")
@click.option("--push", is_flag=True, help="Push receipts and feedback after each run.")
@root_option
@user_errors
def run(every, fetch_every, build, push, root):
    """The small daemon: publish, fetch and rebuild on a schedule until SIGTERM or Ctrl-C.

    For a server without cron (a systemd unit runs it). Each job takes the
    same lock as the commands, so a cron job and the daemon never overlap.
    """
    import schedule

    from ..commands.listen import print_report as print_fetch
    from ..fetch import fetch

    publish_seconds = max(1, _seconds("--every", every))
    fetch_seconds = _seconds("--fetch-every", fetch_every)
    stop = {"now": False}

    def request_stop(signum, frame):
        stop["now"] = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)

    def rebuild():
        if build:
            from ..site.build import build_site

            result = build_site(root)
            click.echo(f"build: {result.pages} pages in {result.out}, {result.written} file(s) written "
                       f"({result.seconds:.1f} s)")

    def guarded(job):
        def wrapped():
            try:
                job()
            except AlreadyRunning:
                click.echo(f"{job.__name__}: another run holds the lock; skipped", err=True)
            except UserError as exc:
                click.echo(str(exc), err=True)
        return wrapped

    def publish_job():
        report = publish_once(root, datetime.now(timezone.utc), push=push)
        if report.rows:
            print_report(report)
            rebuild()

    def fetch_job():
        config, _ = load_config_or_fail(root)
        with run_lock(root):
            report = fetch(config, datetime.now(timezone.utc), push=push)
        if report.written:
            print_fetch(report)
            rebuild()

    schedule.every(publish_seconds).seconds.do(guarded(publish_job))
    plan = f"publishing every {publish_seconds} s"
    if fetch_seconds > 0:
        schedule.every(fetch_seconds).seconds.do(guarded(fetch_job))
        plan += f", fetching every {fetch_seconds} s"
    click.echo(f"socialgit run: {plan}; stop with Ctrl-C or SIGTERM")
    guarded(publish_job)()
    while not stop["now"]:
        schedule.run_pending()
        time.sleep(0.5)
    click.echo("socialgit run: stopped")
