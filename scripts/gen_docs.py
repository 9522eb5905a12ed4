"""Generated parts of the docs, so they cannot drift from the code; also the MkDocs hook.

mkdocs.yml loads this file as a hook: a page holding one of the markers below gets
the generated Markdown in its place at build time.

  <!-- socialgit:config-reference -->  every socialgit.toml option, from config.py's schema
  <!-- socialgit:errors -->            the error catalogue, docs/errors.yml, by section
  <!-- socialgit:commands -->          every command's --help

The catalogue is checked against the code: ``code_messages`` reads, with ``ast``,
every message a user can see (see its docstring for what counts), and a message
no catalogue pattern covers is a warning, which `mkdocs build --strict` turns
into a failed build. tests/test_docs.py asserts the same with a readable list.

Run it directly to list the messages that have no entry: python scripts/gen_docs.py
"""

from __future__ import annotations

import ast
import importlib
import logging
import pkgutil
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import yaml

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "socialgit"
CATALOGUE = ROOT / "docs" / "errors.yml"
HOLE = "…"  # what a value computed at run time looks like in a message template
log = logging.getLogger("mkdocs.hooks.socialgit")

# ----------------------------------------------------------------------------------------------
# socialgit.toml reference

# What each option means. Keys are "section.option" (channel options under "channels.*" and
# "channels.<type>.*"); a schema key with no description here fails the docs build.
DESCRIPTIONS = {
    "site.title": "The calendar's name, shown on every page of the site.",
    "site.base_url": "Where the site is served, like `https://example.org/calendar/`. Links are relative, "
                     "so it is used only where an absolute address is needed (feeds, calendar.ics).",
    "site.timezone": "The calendar's clock: a `publish_at` without an offset is read in this zone, and the "
                     "site shows times in it. An IANA name like `Europe/Berlin` or `Asia/Tehran`.",
    "site.locale": "The language of the site: `en` or `fa` (Persian, right to left).",
    "site.week_start": "The first day of the week in month and week grids, and of a week for "
                       "`max_per_week`.",
    "site.calendar": "The calendar of the month grids and dates: `gregorian`, or `jalali` (Farvardin to "
                     "Esfand, with the Gregorian date beside). Feeds keep ISO dates either way.",
    "publish.branch": "The only branch `socialgit publish` ever publishes from. Elsewhere it refuses to run.",
    "publish.grace": "How late a post may still go out. Cron and CI schedules run late; within this window a "
                     "late post is sent, past it `late` decides.",
    "publish.late": "What happens to a post found past its grace window: `post` sends it anyway; `skip` "
                    "and `hold` leave it unsent and shown as missed, for a person to re-time. A post's own "
                    "`late:` overrides it.",
    "publish.bot_name": "The author and committer of the runner's commits (receipts, heartbeat).",
    "publish.bot_email": "The e-mail address of those commits.",
    "fetch.lookback": "`socialgit fetch` reads replies and engagement of posts published this long ago or "
                      "later.",
    "fetch.recent": "Whole threads are read only for posts this recent; older posts get mentions and counts.",
    "fetch.budget": "At most this many requests per channel in one fetch run (Mastodon allows 300 per 5 "
                    "minutes); a run that spends it stops cleanly and the next one continues.",
    "feedback.hide_handles": "Leave commenters' handles off the built site, for a site the public can see.",
    "channels.*.type": "What publishes: `outbox` (local files), `mastodon`, `bluesky` or `webhook`. Required.",
    "channels.*.label": "The channel's name on the site. Default: the table's NAME.",
    "channels.*.color": "The channel's colour on the site, like `#1185fe`. Default: one from a palette.",
    "channels.*.max_length": "Your own length limit, below the network's; `check` reports a post over it.",
    "channels.*.max_per_day": "Cadence: at most this many posts on one day (site time zone); `check` warns.",
    "channels.*.max_per_week": "Cadence: at most this many posts in one week (from `week_start`).",
    "channels.*.min_gap": "Cadence: at least this long between two posts, like `3h`.",
    "channels.*.min_per_week": "Cadence: at least this many posts a week; the insights page shows weeks "
                               "that fall short.",
    "channels.outbox.network": "Whose length rules and preview apply: `mastodon`, `bluesky`, `x` or `none`.",
    "channels.outbox.path": "The folder the files go to, relative to the repository; each channel writes "
                            "into `<path>/<NAME>/`.",
    "channels.mastodon.instance": "The server's address, like `https://mastodon.social`. Required.",
    "channels.mastodon.token_env": "The NAME of the environment variable holding the access token. "
                                   "Required. Never the token itself.",
    "channels.mastodon.visibility": "Who sees the posts: `public`, `unlisted`, `private` (followers) or "
                                    "`direct`.",
    "channels.mastodon.language": "An ISO 639-1 code sent with each post, unless the post sets `lang`.",
    "channels.bluesky.service": "The account's PDS. Keep the default unless the account is hosted elsewhere.",
    "channels.bluesky.handle": "The account, like `example.bsky.social`. Required.",
    "channels.bluesky.password_env": "The NAME of the environment variable holding an app password. "
                                     "Required.",
    "channels.webhook.url_env": "The NAME of the environment variable holding the webhook URL (the URL "
                                "is a secret: whoever has it can post). Required.",
    "channels.webhook.format": "The body to send: `slack`, `discord`, `teams` (Workflows) or `json`.",
    "channels.webhook.secret_env": "The NAME of the environment variable holding a key to sign each "
                                   "body with (HMAC-SHA256, header `X-Socialgit-Signature`).",
}


# [[feedback.rules]]: read by routing.py, not by the schema tables; every key of routing.KEYS needs a line
RULE_KEYS = {
    "name": "A name for the rule, shown in messages.",
    "keywords": "Condition: words or phrases in the comment, whole words, case-insensitive; `refund*` also "
                "matches refunds. Persian matches with or without ZWNJ.",
    "lang": "Condition: the comment's language (`fa` matches `fa-IR`).",
    "intent": "Condition: `positive`, `negative`, `question` or `neutral`.",
    "sentiment": "Condition: `positive`, `negative` or `neutral`.",
    "network": "Condition: `mastodon`, `bluesky`, …",
    "kind": "Condition: `reply`, `mention` or `quote`.",
    "author": "Condition: handles, with or without the leading `@`.",
    "labels": "Action: labels to add (they add up over rules).",
    "assignee": "Action: who answers, like `sara` or `team:support`; set only where there is none.",
    "priority": "Action: `low`, `normal`, `high` or `urgent`.",
    "status": "Action: `new`, `triaged`, `waiting`, `done` or `ignored`; set only on a new item.",
    "ignore": "Action: `true` marks spam (status ignored) and ends the list.",
    "stop": "Action: `true` ends the list after this rule.",
}


def _rules_reference() -> list[str]:
    from socialgit import routing

    missing = [key for key in routing.KEYS if key not in RULE_KEYS]
    if missing:
        raise KeyError(f"[[feedback.rules]] keys with no description: {', '.join(missing)}; add them to "
                       "RULE_KEYS in scripts/gen_docs.py")
    out = ["### `[[feedback.rules]]`", "",
           "What happens to a new feedback item when it is fetched. Rules are tried in order; each given "
           "condition must hold (a list means any of its values). For assignee, priority and status the "
           "first matching rule wins; a rule never overrides a person. Without any rule, the defaults send "
           "complaints to `team:support` (high, triaged) and label praise `amplify` and questions "
           "`question`; `rules = []` under `[feedback]` turns routing off.", "",
           "```toml", "[[feedback.rules]]", 'name = "complaints to support"', 'sentiment = "negative"',
           'assignee = "team:support"', 'priority = "high"', "```", "",
           "| key | meaning |", "| --- | --- |"]
    out += [f"| `{key}` | {RULE_KEYS[key]} |" for key in routing.KEYS]
    return out + [""]


def _describe_check(check: Callable) -> str:
    """A check function of config.py → the kind of value it accepts."""
    names = {"_flag": "`true` or `false`", "_text": "text", "_count": "whole number", "_duration": "duration (`90s`, `45m`, `6h`, `2d`, `1w`)",
             "_zone": "IANA time zone", "_env_name": "environment variable NAME", "_color": "colour `#rrggbb`",
             "_url": "http(s) URL"}
    if check.__name__ in names:
        return names[check.__name__]
    free = dict(zip(check.__code__.co_freevars, (c.cell_contents for c in check.__closure__ or ())))
    if "allowed" in free:
        return "one of " + ", ".join(f"`{a}`" for a in free["allowed"])
    raise ValueError(f"config.py has a check the docs cannot describe: {check.__name__}; "
                     "add it to _describe_check in scripts/gen_docs.py")


def _default(value: Any) -> str:
    if value is None:
        return "required"
    return f'`"{value}"`' if value != "" else "(none)"


def sections(config) -> list[tuple[str, dict]]:
    """The top-level tables of socialgit.toml, in the order of the file."""
    return [("site", config.SITE), ("publish", config.PUBLISH), ("fetch", config.FETCH),
            ("feedback", config.FEEDBACK)]


def schema_keys() -> list[str]:
    """Every option the schema knows, as the keys of DESCRIPTIONS."""
    from socialgit import config

    keys = [f"{section}.{key}" for section, table in sections(config) for key in table]
    keys += [f"channels.*.{key}" for key in config.CHANNEL_COMMON]
    keys += [f"channels.{kind}.{key}" for kind, table in config.CHANNEL_TYPE_OPTIONS.items() for key in table]
    return keys


def _table(rows: list[tuple[str, Callable, Any, str]], optional: bool = False) -> list[str]:
    """A Markdown table of options; ``optional``: a default of None means "off", not "required"."""
    lines = ["| option | value | default | meaning |", "| --- | --- | --- | --- |"]
    for key, check, default, full_key in rows:
        if full_key not in DESCRIPTIONS:
            raise KeyError(f"socialgit.toml option {full_key} has no description; add one to DESCRIPTIONS "
                           "in scripts/gen_docs.py")
        shown = "(none)" if optional and default is None and key != "type" else _default(default)
        lines.append(f"| `{key}` | {_describe_check(check)} | {shown} | {DESCRIPTIONS[full_key]} |")
    return lines


def config_reference() -> str:
    from socialgit import config

    out: list[str] = []
    for section, table in sections(config):
        out += [f"## `[{section}]`", ""]
        out += _table([(k, c, d, f"{section}.{k}") for k, (c, d) in table.items()])
        out.append("")
        if section == "feedback":
            out += _rules_reference()
    out += ["## `[channels.NAME]`", "",
            "One table per channel. NAME (lower-case letters, digits, `-`, `_`) is what posts list in "
            "`channels:`. Every channel takes these options; only `type` is required.", ""]
    out += _table([(k, c, d, f"channels.*.{k}") for k, (c, d) in config.CHANNEL_COMMON.items()], optional=True)
    out.append("")
    for kind, table in config.CHANNEL_TYPE_OPTIONS.items():
        page = "webhooks" if kind == "webhook" else kind
        out += [f"### `type = \"{kind}\"`", "",
                f"Options of this type; [its page](channels/{page}.md) says how to set one up.", ""]
        out += _table([(k, c, d, f"channels.{kind}.{k}") for k, (c, d) in table.items()])
        out.append("")
    return "\n".join(out)


# ----------------------------------------------------------------------------------------------
# messages in the code, and the catalogue

@dataclass(frozen=True)
class Message:
    path: str  # relative to the repository
    line: int
    template: str  # the message with each run-time value as HOLE

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.template}"


# the argument holding the message, per call that shows one to a user
SINKS = {"UserError": 0, "error": 2, "warning": 2, "info": 2, "Rejected": 0, "NotSent": 0,
         "UnknownOutcome": 0, "RateLimited": 0, "TokenRefused": 0, "Breach": 3}


def template_of(node: ast.AST) -> str | None:
    """A string expression → its template, or None when it is computed (a relayed message)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else HOLE for v in node.values)
    if isinstance(node, ast.IfExp):  # `problem = f"..." if found else None`
        return template_of(node.body) or template_of(node.orelse)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = template_of(node.left), template_of(node.right)
        return None if left is None or right is None else left + right
    return None


def _is_relay(template: str) -> bool:
    """`f"--grace: {exc}"` only passes on a message from elsewhere, which is catalogued there;
    an indented line continues the message above it."""
    if re.fullmatch(r"--[\w-]+( [\w-]+)?: …", template):  # "--at next-best: {exc}"
        return True
    return template[:1].isspace() or len(re.findall(r"[A-Za-z\u0600-\u06ff]{2,}", template.replace(HOLE, " "))) < 2


def _messages_in(tree: ast.AST, module: str) -> list[tuple[int, ast.AST]]:
    found: list[tuple[int, ast.AST]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else None
            if name in SINKS and len(node.args) > SINKS[name]:
                found.append((node.lineno, node.args[SINKS[name]]))
            elif name == "ValueError" and module == "config.py" and node.args:
                found.append((node.lineno, node.args[0]))  # shown after the option's name
            elif (isinstance(func, ast.Attribute) and func.attr == "echo" and node.args
                  and any(k.arg == "err" for k in node.keywords)):
                found.append((node.lineno, node.args[0]))
            elif name in SINKS:  # the message given by keyword
                found += [(node.lineno, k.value) for k in node.keywords if k.arg in ("message", "problem")]
        elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "problem"
                                                  for t in node.targets):
            found.append((node.lineno, node.value))  # built first, shown later
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(function):
            if not isinstance(node, ast.Return) or node.value is None:
                continue
            value = node.value
            # (value, why) pairs of content.py's time parsing, and *_error helpers' messages
            if module == "content.py" and isinstance(value, ast.Tuple) and len(value.elts) == 2:
                found.append((node.lineno, value.elts[1]))
            elif function.name.endswith("_error"):
                found.append((node.lineno, value))
    return found


def code_messages(package: Path = PACKAGE) -> list[Message]:
    """Every message a user can see, read from the source with ``ast``.

    Counted: the text given to UserError, error/warning/info (check problems),
    the channel outcomes (Rejected, NotSent, UnknownOutcome, RateLimited,
    TokenRefused), cadence breaches, click.echo(..., err=True), ValueErrors
    raised in config.py (shown after the option's name), f-strings assigned to a
    variable named ``problem``, the (value, why) pairs content.py returns, and
    what functions named ``*_error`` return. A message made only of run-time
    values and one word (``f"--grace: {exc}"``) relays another and is skipped.
    """
    messages = []
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for line, node in _messages_in(tree, path.name):
            template = template_of(node)
            if template and not _is_relay(template):
                rel = path.relative_to(package.parent).as_posix()
                messages.append(Message(rel, line, template))
    return sorted(set(messages), key=lambda m: (m.path, m.line, m.template))


@dataclass(frozen=True)
class Entry:
    section: str
    title: str
    match: tuple[str, ...]  # stable prefixes of message templates, HOLE for a run-time value
    fix: str


def load_catalogue(path: Path = CATALOGUE) -> list[Entry]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    entries = []
    for section in data:
        for item in section["entries"]:
            entries.append(Entry(section["section"], item["title"], tuple(item["match"]), item["fix"].strip()))
    return entries


def _pattern(prefix: str) -> re.Pattern:
    """A catalogue prefix matches a template that starts with it; HOLE in either stands for any text."""
    pieces = [re.escape(piece) for piece in prefix.split(HOLE)]
    return re.compile("".join(p + ("(?:.*?)" if i < len(pieces) - 1 else "") for i, p in enumerate(pieces)),
                      re.S)


def covers(prefix: str, template: str) -> bool:
    return _pattern(prefix).match(template) is not None


def uncovered(messages: list[Message], entries: list[Entry]) -> list[Message]:
    patterns = [_pattern(p) for e in entries for p in e.match]
    return [m for m in messages if not any(p.match(m.template) for p in patterns)]


def unused(messages: list[Message], entries: list[Entry]) -> list[str]:
    """Catalogue prefixes no message in the code starts with any more (a stale entry)."""
    return [p for e in entries for p in e.match if not any(covers(p, m.template) for m in messages)]


def _anchor(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def errors_page(entries: list[Entry]) -> str:
    out: list[str] = []
    section = None
    for entry in entries:
        if entry.section != section:
            section = entry.section
            out += [f"## {section}", ""]
        out += [f"### {entry.title}", ""]
        # a pattern holding a backtick needs a longer fence to stay one code span
        out += [f"- `` {m} ``" if "`" in m else f"- `{m}`" for m in entry.match]
        out += ["", entry.fix, ""]
    return "\n".join(out)


# ----------------------------------------------------------------------------------------------
# commands

def commands_page() -> str:
    import click

    import socialgit.commands as commands_package
    from socialgit.cli import cli

    for module in pkgutil.iter_modules(commands_package.__path__):
        importlib.import_module(f"socialgit.commands.{module.name}")  # registers each command
    out = []
    with click.Context(cli, info_name="socialgit") as ctx:
        out += ["```text", cli.get_help(ctx), "```", ""]
        for name in cli.list_commands(ctx):
            command = cli.get_command(ctx, name)
            with click.Context(command, info_name=name, parent=ctx) as sub:
                out += [f"## `socialgit {name}`", "", "```text", command.get_help(sub), "```", ""]
    return "\n".join(out)


# ----------------------------------------------------------------------------------------------
# the MkDocs hook

MARKERS = {
    "<!-- socialgit:config-reference -->": config_reference,
    "<!-- socialgit:errors -->": lambda: errors_page(load_catalogue()),
    "<!-- socialgit:commands -->": commands_page,
}


def on_pre_build(config, **kwargs) -> None:
    messages, entries = code_messages(), load_catalogue()
    for message in uncovered(messages, entries):
        log.warning(f"no entry in docs/errors.yml for the message at {message}")
    for prefix in unused(messages, entries):
        log.warning(f"docs/errors.yml: no message in the code starts with {prefix!r} any more")


def on_page_markdown(markdown: str, page, config, files) -> str:
    for marker, make in MARKERS.items():
        if marker in markdown:
            markdown = markdown.replace(marker, make())
    return markdown


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    missing = uncovered(code_messages(), load_catalogue())
    for message in missing:
        print(message)
    sys.exit(1 if missing else 0)
