"""The docs: they build with no warning, document every option and field, and catalogue every message."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from socialgit import config, routing
from socialgit.content import FIELDS
from tests.test_workflows import parse_command

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def _load_generator():
    spec = importlib.util.spec_from_file_location("gen_docs", ROOT / "scripts" / "gen_docs.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["gen_docs"] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


gen = _load_generator()


def test_the_docs_build_strict_with_no_warning(tmp_path):
    pytest.importorskip("mkdocs", reason="mkdocs is in the test extra: pip install -e '.[test]'")
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"),
                             "-d", str(tmp_path / "site")], capture_output=True, text=True, cwd=ROOT)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNING" not in output, output
    reference = (tmp_path / "site" / "configuration" / "index.html").read_text(encoding="utf-8")
    assert "<code>week_start</code>" in reference and "<code>password_env</code>" in reference
    assert "socialgit:config-reference" not in reference  # the marker was replaced
    troubleshooting = (tmp_path / "site" / "troubleshooting" / "index.html").read_text(encoding="utf-8")
    assert "is not an IANA time zone name" in troubleshooting
    assert "<code>…: not found in …; run `socialgit init`</code>" in troubleshooting  # one code span
    assert "socialgit init" in (tmp_path / "site" / "commands" / "index.html").read_text(encoding="utf-8")


def _schema_tables() -> list[str]:
    """Names of the option tables in config.py: dicts of key → (check, default)."""
    def is_table(value) -> bool:
        return (isinstance(value, dict) and value and all(
            isinstance(v, tuple) and len(v) == 2 and callable(v[0]) for v in value.values()))
    names = [name for name, value in vars(config).items() if is_table(value)]
    names += [f"CHANNEL_TYPE_OPTIONS[{kind}]" for kind in config.CHANNEL_TYPE_OPTIONS]
    return names


def test_every_schema_table_is_in_the_reference():
    # a new table in config.py (a [feedback] section, say) must be added to the generator too
    assert sorted(_schema_tables()) == sorted(["SITE", "PUBLISH", "FETCH", "FEEDBACK", "CHANNEL_COMMON"] + [
        f"CHANNEL_TYPE_OPTIONS[{kind}]" for kind in config.CHANNEL_TYPE_OPTIONS])


def test_every_schema_key_is_documented():
    reference = gen.config_reference()
    for key in gen.schema_keys():
        assert key in gen.DESCRIPTIONS, f"{key} has no description in scripts/gen_docs.py"
        assert f"| `{key.rsplit('.', 1)[1]}` |" in reference, key
    assert set(gen.DESCRIPTIONS) == set(gen.schema_keys()), "descriptions of options the schema no longer has"
    sections = re.findall(r"^## `\[([^`\]]+)\]`", reference, re.M)
    assert sections == ["site", "publish", "fetch", "feedback", "channels.NAME"]
    rules = reference[reference.index("`[[feedback.rules]]`"):reference.index("`[channels.NAME]`")]
    for key in routing.KEYS:
        assert f"| `{key}` |" in rules, key


def test_every_front_matter_field_is_documented():
    page = (DOCS / "front-matter.md").read_text(encoding="utf-8")
    documented = re.findall(r"^### `([a-z_]+)`", page, re.M)
    assert documented == list(FIELDS)


def test_every_message_in_the_code_has_an_entry():
    missing = gen.uncovered(gen.code_messages(), gen.load_catalogue())
    assert not missing, "messages with no entry in docs/errors.yml:\n" + "\n".join(map(str, missing))


def test_no_entry_is_stale():
    stale = gen.unused(gen.code_messages(), gen.load_catalogue())
    assert not stale, f"docs/errors.yml prefixes that match no message in the code: {stale}"


def test_the_message_reader_finds_what_users_see(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "mod.py").write_text(textwrap.dedent('''
        def load(path, exc, found):
            raise UserError(f"{path}: not found; run `socialgit init`")
        def check(path):
            problems.append(warning(path, 3, "more than 4 images; Bluesky takes 4"))
            raise UserError(f"--grace: {exc}")
            raise UserError(f"--at next-best: {exc}")
            problem = f"X refuses the character {found}" if found else None
            click.echo("push: failed. " + "The next run pushes", err=True)
            click.echo("a normal line")
            log.error(path, 3, "not a user message")
    '''), encoding="utf-8")
    templates = [m.template for m in gen.code_messages(package)]
    assert templates == ["…: not found; run `socialgit init`", "more than 4 images; Bluesky takes 4",
                         "X refuses the character …", "push: failed. The next run pushes"]


def test_a_prefix_matches_with_holes():
    assert gen.covers("…: not found in …; run", "…: not found in …; run `socialgit init` or pass --root")
    assert gen.covers("channel …: could not connect", "channel …: could not connect (…); the next run tries again")
    assert not gen.covers("…: not found in", "…: the receipt is not valid JSON")
    assert not gen.covers("could not connect", "channel …: could not connect")  # a prefix, not anywhere


def test_every_command_line_in_the_docs_parses():
    lines = []
    for page in DOCS.rglob("*.md"):
        for block in re.findall(r"```(?:sh|text)\n(.*?)```", page.read_text(encoding="utf-8"), re.S):
            for line in block.splitlines():
                line = line.split("#")[0].strip()
                if line.startswith("socialgit "):
                    lines.append((page.name, line))
    assert len(lines) >= 8
    unregistered = [f"{page}: {line}" for page, line in lines if parse_command(line)[1] is None]
    assert not unregistered, f"the docs name commands socialgit does not have: {unregistered}"
