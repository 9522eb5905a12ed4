"""The socialgit command line: thin click commands that parse, call and print.

Exit codes, the same for every command:
  0  all good (warnings may have been printed)
  1  problems found (check errors, a failed or uncertain publish)
  2  usage or configuration error
"""

from __future__ import annotations

import functools
import importlib
import sys
import time
from collections.abc import MutableMapping
from datetime import datetime, timezone
from pathlib import Path

import click

from . import __version__, progress
from .problems import UserError

EXIT_CODES = """\b
Exit codes: 0 ok · 1 problems found · 2 usage or config error."""


def parse_now(value: str | None, zone, option: str = "--now", also: str = "") -> datetime:
    """--now (or another time option): an ISO time; naive means the site's time zone. Default: the clock."""
    if not value:
        return datetime.now(timezone.utc)
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UserError(f'{option} "{value}" is not a time; write it like 2026-11-16T10:00 or 2026-11-16T15:00Z{also}') from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def columns(rows: list[tuple], numbers: frozenset[int] = frozenset(), indent: str = "") -> list[str]:
    """Rows of cells as aligned lines: each column as wide as its widest cell, two spaces apart.

    Channel names, handles and post ids are the team's own and of any length, so no
    fixed width keeps a table straight. Columns in ``numbers`` align right; the last
    cell is not padded.
    """
    cells = [[str(cell) for cell in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))] if cells else []
    return [indent + "  ".join(
        cell.rjust(widths[i]) if i in numbers else cell if i == len(row) - 1 else cell.ljust(widths[i])
        for i, cell in enumerate(row)).rstrip() for row in cells]


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


BAR_AFTER = 0.5  # seconds a stage runs before it shows a bar: quick ones would only flicker


def shows_progress(func):
    """Long stages of the command show a progress bar on stderr; none in CI or into a pipe (socialgit.progress)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if progress.quiet():
            return func(*args, **kwargs)
        bars = _Bars()
        try:
            with progress.reporting(bars):
                return func(*args, **kwargs)
        finally:
            bars.close()  # before user_errors prints an error below it

    return wrapper


class _Bars:
    """One click progress bar a stage, each replacing the one before; a stage done within BAR_AFTER shows none."""

    def __init__(self, clock=time.monotonic) -> None:
        self.clock = clock
        self.bar = None
        self.stage: tuple[str, int] | None = None
        self.started = 0.0

    def __call__(self, name: str, done: int, total: int) -> None:
        if self.stage != (name, total):
            self.close()
            self.stage, self.started = (name, total), self.clock()
        if self.bar is None:
            if done >= total or self.clock() - self.started < BAR_AFTER:
                return
            self.bar = click.progressbar(length=total, label=name, file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.bar.pos)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
        self.bar, self.stage = None, None


LOOP_ORDER = ("init", "new", "check", "summary", "status", "publish", "resolve", "run", "fetch", "feedback",
              "insights", "import-history", "build", "serve")

# command → the module of socialgit/commands/ that defines it. Cron pays for `publish`
# every minute: importing the site, feedback and insights stacks it never uses was a
# quarter of its time, so a module is imported only when one of its commands is asked for.
COMMAND_MODULES = {
    "init": "adopt", "new": "review", "check": "review", "summary": "review", "status": "review",
    "publish": "runner", "resolve": "runner", "run": "runner", "fetch": "listen", "feedback": "feedback",
    "insights": "learn", "import-history": "learn", "build": "site", "serve": "site",
}


class Group(click.Group):
    def list_commands(self, ctx):  # in the order of the loop: plan, review, publish, listen, learn, show
        order = {name: index for index, name in enumerate(LOOP_ORDER)}
        return sorted(self.commands, key=lambda name: (order.get(name, len(order)), name))


class LazyCommands(MutableMapping):
    """A group's commands, each imported on first use; names are known without importing anything.

    A mapping rather than only `get_command`, so code that reads ``cli.commands``
    (the docs generator, tests) sees every command as before.
    """

    def __init__(self, loaded: MutableMapping, modules: dict[str, str], package: str):
        self.loaded, self.modules, self.package = dict(loaded), dict(modules), package

    def __getitem__(self, name: str) -> click.Command:
        if name not in self.loaded and name in self.modules:
            # importing the module runs its @cli.command decorators, which store the commands here
            importlib.import_module(f"{self.package}.{self.modules[name]}")
        return self.loaded[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self.loaded[name] = command

    def __delitem__(self, name: str) -> None:
        if name not in self.loaded and name not in self.modules:
            raise KeyError(name)
        self.loaded.pop(name, None)
        self.modules.pop(name, None)

    def __contains__(self, name: object) -> bool:
        return name in self.loaded or name in self.modules

    def __iter__(self):
        yield from self.modules
        yield from (name for name in self.loaded if name not in self.modules)

    def __len__(self) -> int:
        return len(self.modules.keys() | self.loaded.keys())


class LazyGroup(Group):
    """click's "lazily loading subcommands": `get_command` imports the one module a command needs."""

    def __init__(self, *args, lazy_commands: dict[str, str], package: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.commands = LazyCommands(self.commands, lazy_commands, package)

    def get_command(self, ctx, cmd_name):
        return self.commands.get(cmd_name)


@click.group(cls=LazyGroup, lazy_commands=COMMAND_MODULES, package="socialgit.commands", epilog=EXIT_CODES,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="socialgit")
def cli():
    """socialgit: run a social-media content calendar out of a git repository.

    Posts are Markdown files with front matter in content/posts/. A pull request
    reviews them, merging to main approves them, and `socialgit publish` sends
    each one once per channel when its time comes.
    """


def main() -> None:
    cli(prog_name="socialgit")
