"""The demo calendar with its files broken at random (seeded): every reading command must answer in lines.

Each case breaks one or two files of the demo (posts, feedback, receipts, metrics, the
config) the way hand edits and merges do, then runs the commands that only read: each
must exit 0, 1 or 2 without a traceback and leave every file as it was. A longer run of the
same kind (1,000 cases) found two bugs, each with its own test now (a date YAML cannot make,
in test_content.py; a receipt field of the wrong type, in test_check.py); this seeded sample
keeps the net in the suite.
"""

from __future__ import annotations

import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from socialgit.cli import cli

DEMO = Path(__file__).resolve().parents[1]
NOW = "2026-11-20T10:00:00+01:00"
CASES = 40
ODD = ["", "null", "~", "[]", "{}", "[1, 2]", "{a: 1}", "-1", "1e309", "99999999999999999999", "true", "'\u202e'",
       '"\\ud800"', "2026-13-45", "2026-02-30 25:61", "0000-01-01", "!!python/object:os.system", "&a [*a]", "*x", "|",
       "'", '"', "\t", "é" * 3000, "<script>alert(1)</script>", "../../etc/passwd", "9999-12-31T23:59:59Z"]
JSON_ODD = ["null", "[]", "{}", '"x"', "-5", "1e400", '"2026-99-01"', "true", '[{"id": 1}]']
COMMANDS = [["check", "--now", NOW], ["build", "--out", "{site}", "--now", NOW], ["status", "--now", NOW],
            ["insights"], ["feedback", "list"], ["publish", "--dry-run", "--now", NOW],
            ["summary", "HEAD", "--now", NOW]]


def _broken(text: str, rng: random.Random, json: bool) -> str:
    lines = text.split("\n")
    line = rng.randrange(len(lines))
    how = 4 if json and rng.random() < 0.5 else rng.randrange(7)  # a JSON value of another type, half the time
    if how == 0:
        return text[:rng.randrange(len(text) + 1)]
    if how == 1:
        del lines[line]
    elif how == 2:
        lines.insert(line, lines[line])
    elif how == 3:
        key = lines[line].split(":", 1)[0] if ":" in lines[line] else "x"
        lines[line] = f"{key}: {rng.choice(ODD)}"
    elif how == 4:
        values = list(re.finditer(r'": ("[^"]*"|[-\d.]+|true|false|null)', text))
        if values:
            found = rng.choice(values)
            return text[:found.start(1)] + rng.choice(JSON_ODD) + text[found.end(1):]
        lines[line] += " " + rng.choice(ODD)
    elif how == 5:
        return "\ufeff" + text.replace("\n", "\r\n")
    else:
        at = rng.randrange(len(text) + 1)
        return text[:at] + rng.choice(ODD) + text[at:]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("demo") / "calendar"
    shutil.copytree(DEMO / "content", root / "content")
    shutil.copy(DEMO / "socialgit.toml", root / "socialgit.toml")
    for args in (["init", "-q", "-b", "main"], ["add", "-A"],
                 ["-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "demo"]):
        subprocess.run(["git", "-C", str(root), *args], check=True)
    return root


@pytest.mark.slow
@pytest.mark.parametrize("case", range(CASES))
def test_broken_files_give_lines_not_tracebacks_and_stay_as_they_were(demo, tmp_path, case):
    rng = random.Random(case)
    root = tmp_path / "calendar"
    shutil.copytree(demo, root, symlinks=True)
    files = sorted(p for p in root.rglob("*") if p.is_file() and ".git" not in p.parts
                   and p.suffix in (".md", ".json", ".jsonl", ".toml"))
    # a kind of file first, then one of its files: the feedback files would otherwise be most of the cases
    kinds = [[p for p in files if p.relative_to(root).as_posix().startswith(kind)]
             for kind in ("content/posts/", "content/feedback/", "content/ledger/", "socialgit.toml")]
    for path in {rng.choice(rng.choice(kinds)) for _ in range(rng.choice([1, 1, 2]))}:
        raw = path.read_bytes()
        broken = (raw[:len(raw) // 2] + b"\xff\xfe" + raw[len(raw) // 2:] if rng.random() < 0.05  # not UTF-8
                  else _broken(raw.decode("utf-8"), rng, ".json" in path.suffix).encode("utf-8", "surrogatepass"))
        path.write_bytes(broken)
    before = {p: p.read_bytes() for p in files}
    for command in COMMANDS:
        args = [a.replace("{site}", str(tmp_path / "site")) for a in command] + ["--root", str(root)]
        result = CliRunner().invoke(cli, args)
        crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
        assert not crashed and result.exit_code in (0, 1, 2), (command, result.exception, result.output[-500:])
        assert "Traceback" not in result.output, (command, result.output[-500:])
    assert {p: p.read_bytes() for p in files} == before  # reading never rewrites what people or the runner wrote
