"""The theme's files, and every file that changes how all pages look (without importing Jinja).

A no-change rebuild hashes these to learn that nothing changed, so this module
stays light: paths only, no template engine, no catalogue loaded.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent
THEME_DIR = PACKAGE / "templates"
STATIC_DIR = PACKAGE / "static"
LOCALE_DIR = PACKAGE / "locale"
REPO_TEMPLATES = "templates"


def template_files(root: Path) -> list[tuple[str, Path]]:
    """Every file that can change how a page looks: (name, path), the calendar's overrides included."""
    found = []
    # the builder's own code too, so a changed socialgit (even unreleased) never serves stale pages
    for label, base in (("theme", THEME_DIR), ("static", STATIC_DIR), ("own", Path(root) / REPO_TEMPLATES),
                        ("locale", LOCALE_DIR)):
        if base.is_dir():
            found += [(f"{label}/{p.relative_to(base).as_posix()}", p) for p in sorted(base.rglob("*"))
                      if p.is_file() and "__pycache__" not in p.parts]
    # every module: pages show what the charts, insights, check and timing code make, not the site's alone
    found += [(f"code/{p.relative_to(PACKAGE).as_posix()}", p) for p in sorted(PACKAGE.rglob("*.py"))
              if "__pycache__" not in p.parts]
    return found


def templates_hash(root: Path) -> str:
    digest = hashlib.sha256()
    for name, path in template_files(root):
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()
