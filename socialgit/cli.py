"""The socialgit command line: thin click commands that parse, call and print.

Exit codes, the same for every command:
  0  all good (warnings may have been printed)
  1  problems found (check errors, a failed or uncertain publish)
  2  usage or configuration error
"""

from __future__ import annotations

import functools
import json
import sys
from datetime import datetime, timezone
from pathlib import Path

import click

from . import __version__
from .problems import UserError

EXIT_CODES = """\b
Exit codes: 0 ok · 1 problems found · 2 usage or config error."""


def parse_now(value: str | None, zone) -> datetime:
    """--now: an ISO time; naive means the site's time zone. Default: the clock."""
    if not value:
        return datetime.now(timezone.utc)
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UserError(f'--now "{value}" is not a time; write it like 2026-11-16T10:00 or 2026-11-16T15:00Z') from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def root_option(func):
    return click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=".",
                        show_default=True, help="The calendar repository (the folder with socialgit.toml).")(func)


def now_option(func):
    return click.option("--now", "now_text", metavar="WHEN",
                        help="Pretend it is this time (ISO; naive = site time zone). For tests and demos.")(func)


def user_errors(func):
    """Print a UserError as its lines on stderr and exit 2: no traceback for user mistakes."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except UserError as exc:
            for line in str(exc).splitlines():
                click.echo(line if ": " in line else f"error: {line}", err=True)
            sys.exit(2)

    return wrapper


LOOP_ORDER = ("init", "new", "check", "summary", "status", "publish", "resolve", "run", "fetch", "feedback",
              "insights", "import-history", "build", "serve")


class Group(click.Group):
    def list_commands(self, ctx):  # in the order of the loop: plan, review, publish, listen, learn, show
        order = {name: index for index, name in enumerate(LOOP_ORDER)}
        return sorted(self.commands, key=lambda name: (order.get(name, len(order)), name))


@click.group(cls=Group, epilog=EXIT_CODES, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="socialgit")
def cli():
    """socialgit: run a social-media content calendar out of a git repository.

    Posts are Markdown files with front matter in content/posts/. A pull request
    reviews them, merging to main approves them, and `socialgit publish` sends
    each one once per channel when its time comes.
    """


def main() -> None:
    cli(prog_name="socialgit")


# the commands live in socialgit/commands/, one module per stage of the loop;
# importing them registers them on `cli`
from .commands import adopt, feedback, learn, listen, review, runner, site  # noqa: E402,F401
