"""`socialgit init`: the files of a new calendar repository, planned purely, written without overwriting.

``plan`` turns the options and the time into (path, text) pairs from the files in
``socialgit/scaffold/``; ``scaffold`` writes the ones that do not exist yet and
git-initialises the folder. Placeholders in the scaffold files are ``@@NAME@@``:
neither TOML, YAML, shell nor GitHub's ``${{ }}`` use that, so the files stay
readable as they are.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import __version__
from .config import CONFIG_NAME, parse_duration
from .filecache import POSTS_DIR
from .problems import UserError

LOCALES = ("en", "fa")
CI_SERVICES = ("github", "gitlab")
EXAMPLE_SLUG = "welcome"
EXAMPLE_HOUR = 10  # the example post goes out tomorrow at 10:00, site time
FETCH_CRON = "7 * * * *"  # hourly, off the hour when schedulers are busiest
PAGES_CRON = "23 * * * *"
# the secrets the scaffold's config names in its *_env options; the workflows pass exactly these
SECRET_NAMES = ("MASTODON_TOKEN", "BLUESKY_APP_PASSWORD", "SLACK_WEBHOOK_URL")
GITIGNORED = ("site/", ".socialgit/", "outbox/")

_PLACEHOLDER = re.compile(r"@@([A-Z_]+)@@")
_TRAILING_COMMENT = re.compile(r"(?<=\S)\s{2,}#")  # two spaces then "#": a comment after a value


@dataclass(frozen=True)
class LocaleDefaults:
    title: str
    timezone: str
    week_start: str
    calendar: str


DEFAULTS = {
    "en": LocaleDefaults("Social calendar", "UTC", "monday", "gregorian"),
    "fa": LocaleDefaults("تقویم شبکه‌های اجتماعی", "Asia/Tehran", "saturday", "jalali"),
}


@dataclass(frozen=True)
class InitOptions:
    locale: str = "en"
    ci: str = "github"
    every: str = "15m"
    timezone: str | None = None  # None: the locale's default (UTC for en, Asia/Tehran for fa)
    title: str | None = None
    branch: str = "main"


@dataclass
class InitResult:
    written: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, why)
    git_initialized: bool = False
    branch: str = "main"


def fill(text: str, values: dict[str, str]) -> str:
    """Replace every @@NAME@@; a name without a value is a bug in the scaffold, so it raises."""
    missing = sorted({name for name in _PLACEHOLDER.findall(text) if name not in values})
    if missing:
        raise KeyError(f"scaffold placeholders without a value: {', '.join(missing)}")
    return "".join(_fill_line(line, values) for line in text.splitlines(keepends=True))


def _fill_line(line: str, values: dict[str, str]) -> str:
    """One line filled; a comment after the value stays in its column, so the file's comments line up."""
    def fill_part(part: str) -> str:
        return _PLACEHOLDER.sub(lambda m: values[m.group(1)], part)

    comment = _TRAILING_COMMENT.search(line)
    if comment is None or "@@" not in line[:comment.start()]:
        return fill_part(line)
    column = comment.end() - 1
    code = fill_part(line[:comment.start()])
    return code + " " * max(column - len(code), 2) + fill_part(line[column:])


def schedule(every: str) -> tuple[str, str]:
    """--every → (cron of the publish runs, how the workflow comment says it).

    Cron can only repeat evenly within the hour, and GitHub runs nothing more
    often than every 5 minutes, so those are the durations allowed.
    """
    try:
        minutes = parse_duration(every).total_seconds() / 60
    except ValueError as exc:
        raise UserError(f"--every: {exc}") from None
    if minutes == 60:
        return "0 * * * *", "hour"
    if minutes != int(minutes) or not 5 <= minutes < 60 or 60 % int(minutes):
        raise UserError(f'--every "{every}": use 5m, 10m, 15m, 20m, 30m or 1h; cron repeats evenly within '
                        "the hour and CI services run nothing more often than every 5 minutes")
    return f"*/{int(minutes)} * * * *", f"{int(minutes)} minutes"


def example_time(now: datetime, zone: ZoneInfo) -> datetime:
    """Tomorrow at 10:00 site time: soon enough to see it go out, late enough to review it first."""
    local = now.astimezone(zone) + timedelta(days=1)
    return local.replace(hour=EXAMPLE_HOUR, minute=0, second=0, microsecond=0)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserError(f'--timezone "{name}" is not an IANA time zone name (like Europe/Berlin or '
                        "Asia/Tehran)") from None


def _scaffold_text(name: str) -> str:
    return (resources.files("socialgit") / "scaffold" / name).read_text(encoding="utf-8")


def _toml_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _calendar_line(calendar: str) -> str:
    line = f'calendar = "{calendar}"'
    # Gregorian is the default: shown as an example, so an English config has nothing extra to read
    return (line if calendar != "gregorian" else "#" + line).ljust(48) + "# gregorian | jalali: the month grids"


def plan(options: InitOptions, now: datetime) -> list[tuple[str, str]]:
    """Every file `init` would write, as (path relative to the folder, text). Pure."""
    if options.locale not in LOCALES:
        raise UserError(f'--locale "{options.locale}": use one of {", ".join(LOCALES)}')
    if options.ci not in CI_SERVICES:
        raise UserError(f'--ci "{options.ci}": use one of {", ".join(CI_SERVICES)}')
    defaults = DEFAULTS[options.locale]
    zone_name = options.timezone or defaults.timezone
    zone = _zone(zone_name)
    cron, every_text = schedule(options.every)
    at = example_time(now, zone)
    values = {
        "TITLE": _toml_string(options.title or defaults.title),
        "TIMEZONE": zone_name,
        "LOCALE": options.locale,
        "CALENDAR": _calendar_line(defaults.calendar),
        "WEEK_START": defaults.week_start,
        "BRANCH": options.branch,
        "PUBLISH_AT": f"{at:%Y-%m-%d %H:%M}",
        "VERSION": __version__,
        "CRON": cron,
        "EVERY": every_text,
        "FETCH_CRON": FETCH_CRON,
        "PAGES_CRON": PAGES_CRON,
    }
    files = [
        (CONFIG_NAME, fill(_scaffold_text("socialgit.toml"), values)),
        (f"{POSTS_DIR}/{at:%Y}/{at:%m}/{EXAMPLE_SLUG}.md", fill(_scaffold_text(f"posts/{options.locale}.md"), values)),
        (".gitignore", _scaffold_text("gitignore")),
    ]
    if options.ci == "github":
        for name in ("review.yml", "publish.yml", "pages.yml"):
            files.append((f".github/workflows/{name}", fill(_scaffold_text(f"github/{name}"), values)))
    else:
        files.append((".gitlab-ci.yml", fill(_scaffold_text("gitlab/gitlab-ci.yml"), values)))
    return files


def missing_ignores(gitignore_text: str) -> list[str]:
    """Which of site/, .socialgit/, outbox/ an existing .gitignore does not name."""
    names = {line.strip().strip("/") for line in gitignore_text.splitlines()
             if line.strip() and not line.lstrip().startswith("#")}
    return [entry for entry in GITIGNORED if entry.strip("/") not in names]


def _skip_reason(root: Path, rel: str) -> str | None:
    path = root / rel
    if path.exists():
        lacking = missing_ignores(path.read_text(encoding="utf-8", errors="replace")) if rel == ".gitignore" else []
        return f"it exists; add {', '.join(lacking)} to it" if lacking else "it exists"
    posts = root / POSTS_DIR
    if rel.startswith(POSTS_DIR + "/") and posts.is_dir() and any(posts.rglob("*.md")):
        return f"{POSTS_DIR}/ already has posts; no example needed"
    return None


def ensure_repository(root: Path, branch: str = "main") -> tuple[bool, str]:
    """git-initialise ``root`` unless it is a repository's top folder; (initialised?, current branch)."""
    import git

    try:
        repo = git.Repo(root, search_parent_directories=False)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        git.Repo.init(root, initial_branch=branch).close()
        return True, branch
    with repo:
        try:
            return False, repo.active_branch.name
        except TypeError:  # a detached HEAD: publish needs a branch name all the same
            return False, branch


def local_zone_name(environ: dict[str, str] | None = None, etc: Path = Path("/etc")) -> str | None:
    """This machine's IANA zone name, if it can be told: TZ, /etc/timezone or /etc/localtime's link."""
    environ = os.environ if environ is None else environ
    candidates = [environ.get("TZ", "").lstrip(":")]
    try:
        candidates.append((etc / "timezone").read_text(encoding="utf-8").strip())
    except OSError:
        pass
    try:
        target = os.readlink(etc / "localtime")
        candidates.append(target.split("zoneinfo/", 1)[1] if "zoneinfo/" in target else "")
    except OSError:
        pass
    for name in candidates:
        if name and "/" in name:
            try:
                ZoneInfo(name)
                return name
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return None


def scaffold(root: Path, options: InitOptions, now: datetime) -> InitResult:
    """Write the planned files that do not exist; never overwrite. git-initialise first."""
    root = Path(root)
    files = plan(options, now)  # a bad option stops here, before anything is written
    root.mkdir(parents=True, exist_ok=True)
    initialized, branch = ensure_repository(root, options.branch)
    if branch != options.branch:  # an existing repository: publish the branch it works on
        files = plan(replace(options, branch=branch), now)
    result = InitResult(git_initialized=initialized, branch=branch)
    for rel, text in files:
        why = _skip_reason(root, rel)
        if why:
            result.skipped.append((rel, why))
            continue
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with open(path, "x", encoding="utf-8") as handle:  # "x": never overwrite, even in a race
                handle.write(text)
        except FileExistsError:
            result.skipped.append((rel, "it exists"))
            continue
        result.written.append(rel)
    return result
