"""The lazily loaded command line: every command listed in loop order, each module imported only when needed."""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from socialgit.cli import COMMAND_MODULES, LOOP_ORDER, cli

ROOT = Path(__file__).resolve().parent.parent


def listed_commands(help_text: str) -> list[str]:
    section = help_text.split("Commands:", 1)[1]
    return [m.group(1) for m in re.finditer(r"^  (\S+)  ", section, re.MULTILINE)]


def test_help_lists_every_command_in_loop_order():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert listed_commands(result.output) == list(LOOP_ORDER)


def test_the_table_names_the_module_that_defines_each_command():
    registered = {}
    for module in sorted(set(COMMAND_MODULES.values())):
        importlib.import_module(f"socialgit.commands.{module}")
    for name in cli.commands:
        registered[name] = cli.commands[name].callback.__module__.rsplit(".", 1)[1]
    assert registered == COMMAND_MODULES
    assert set(COMMAND_MODULES) == set(LOOP_ORDER)


def _fresh_python(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_publish_help_imports_only_the_runner_commands():
    found = _fresh_python(
        "import json, sys\n"
        "from click.testing import CliRunner\n"
        "from socialgit.cli import cli\n"
        "r = CliRunner().invoke(cli, ['publish', '--help'])\n"
        "mods = sorted(m for m in sys.modules if m.startswith(('socialgit.', 'jinja2')))\n"
        "print(json.dumps({'code': r.exit_code, 'out': r.output, 'mods': mods}))\n")
    assert found["code"] == 0
    assert "--dry-run" in found["out"] and "Exit codes" in found["out"]
    loaded = set(found["mods"])
    assert "socialgit.commands.runner" in loaded
    for heavy in ("socialgit.commands.site", "socialgit.commands.feedback", "socialgit.commands.learn",
                  "socialgit.site", "socialgit.insights", "socialgit.feedback", "jinja2"):
        assert heavy not in loaded, f"`socialgit publish` imported {heavy}"


def test_an_unknown_command_is_a_usage_error_that_imports_nothing():
    found = _fresh_python(
        "import json, sys\n"
        "from click.testing import CliRunner\n"
        "from socialgit.cli import cli\n"
        "r = CliRunner().invoke(cli, ['publsh'])\n"
        "print(json.dumps({'code': r.exit_code, 'out': r.output,\n"
        "                  'mods': [m for m in sys.modules if m.startswith('socialgit.commands.')]}))\n")
    assert found["code"] == 2 and "No such command 'publsh'" in found["out"]
    assert found["mods"] == []


def test_the_commands_mapping_behaves_like_a_dict():
    commands = cli.commands
    assert "publish" in commands and "nope" not in commands
    assert commands.get("nope") is None
    assert list(commands)[:len(LOOP_ORDER)] == list(COMMAND_MODULES)
    assert len(commands) == len(LOOP_ORDER)
    assert commands["feedback"].name == "feedback"
