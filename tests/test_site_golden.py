"""The site of a small calendar, byte for byte: any change to the output shows up as a diff here.

After an intended change to the theme or the pages, regenerate and review the diff in git:

    SOCIALGIT_REGENERATE_GOLDEN=1 .venv/bin/pytest tests/test_site_golden.py
"""

import difflib
import os
import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from socialgit.site import build_site

GOLDEN = Path(__file__).parent / "golden"
NOW = datetime(2026, 11, 16, 10, 0, tzinfo=ZoneInfo("Asia/Tehran"))


def files(folder: Path) -> dict[str, bytes]:
    """Every generated file; the theme's static files are copied verbatim and left out."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.relative_to(folder).as_posix().startswith("static/")}


def test_the_golden_calendar_builds_to_the_expected_site(tmp_path):
    # a copy, so the build's cache and any git repository around tests/ stay out of it
    root = tmp_path / "calendar"
    shutil.copytree(GOLDEN / "calendar", root)
    out = tmp_path / "site"
    build_site(root, out, NOW, use_cache=False)
    expected_dir = GOLDEN / "expected"
    if os.environ.get("SOCIALGIT_REGENERATE_GOLDEN"):
        shutil.rmtree(expected_dir, ignore_errors=True)
        shutil.copytree(out, expected_dir, ignore=lambda folder, names: ["static"] if Path(folder) == out else [])
    actual, expected = files(out), files(expected_dir)
    assert sorted(actual) == sorted(expected), "the set of files differs"
    for name in sorted(actual):
        if actual[name] != expected[name]:
            diff = difflib.unified_diff(expected[name].decode("utf-8", "replace").splitlines(),
                                        actual[name].decode("utf-8", "replace").splitlines(),
                                        f"expected/{name}", f"built/{name}", lineterm="", n=2)
            raise AssertionError(f"{name} differs (regenerate with SOCIALGIT_REGENERATE_GOLDEN=1 if intended):\n"
                                 + "\n".join(list(diff)[:60]))
