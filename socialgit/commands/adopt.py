"""Adopt: `init` scaffolds a calendar repository (config, an example post, CI files)."""

from __future__ import annotations

from datetime import timezone
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from ..cli import EXIT_CODES, cli, now_option, parse_now, user_errors
from ..init import CI_SERVICES, DEFAULTS, LOCALES, InitOptions, local_zone_name, scaffold

NEXT_STEPS = {
    "github": ("Push it to GitHub, then add each channel's secret under Settings → Secrets and variables → "
               "Actions, and turn on Pages (Settings → Pages → Source: GitHub Actions)."),
    "gitlab": ("Push it to GitLab, then add SOCIALGIT_PUSH_TOKEN and each channel's secret under Settings → "
               "CI/CD → Variables, and create the two pipeline schedules named in .gitlab-ci.yml."),
}


@cli.command("init", epilog=EXIT_CODES)
@click.argument("directory", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--locale", type=click.Choice(LOCALES), default="en", show_default=True,
              help="fa: a Persian calendar (Jalali months, weeks from Saturday, Asia/Tehran).")
@click.option("--ci", type=click.Choice(CI_SERVICES), default="github", show_default=True,
              help="Which CI files to write: GitHub Actions workflows or .gitlab-ci.yml.")
@click.option("--every", default="15m", show_default=True,
              help="How often CI publishes: 5m, 10m, 15m, 20m, 30m or 1h.")
@click.option("--timezone", "zone_name", metavar="ZONE",
              help="The site's IANA time zone. Default: Asia/Tehran for fa, else this machine's zone or UTC.")
@click.option("--title", help="The calendar's title.")
@now_option
@user_errors
def init_command(directory, locale, ci, every, zone_name, title, now_text):
    """Start a calendar repository in DIRECTORY (default: here): socialgit.toml with every option,
    an example post, .gitignore and CI files for review, publish and the site.

    Never overwrites a file: what exists is skipped and said so. Runs `git init`
    when DIRECTORY is not a repository yet.
    """
    if not zone_name and locale == "en":
        zone_name = local_zone_name() or DEFAULTS[locale].timezone
    options = InitOptions(locale=locale, ci=ci, every=every, timezone=zone_name, title=title)
    try:  # a naive --now means site time, as for every command; a bad zone is reported by scaffold
        zone = ZoneInfo(zone_name or DEFAULTS[locale].timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = timezone.utc
    now = parse_now(now_text, zone)
    result = scaffold(directory, options, now)
    if result.git_initialized:
        click.echo(f"initialised a git repository in {directory} (branch {result.branch})")
    for rel in result.written:
        click.echo(f"wrote   {rel}")
    for rel, why in result.skipped:
        click.echo(f"skipped {rel}: {why}")
    if not result.written:
        click.echo("Nothing written: the calendar is already set up.")
        return
    where = "" if Path(directory) == Path(".") else f"cd {directory} && "
    click.echo(f"\nNext: {where}socialgit check, then commit: git add -A && git commit -m \"Start the calendar\"")
    click.echo(NEXT_STEPS[ci])
