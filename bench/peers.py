"""The same posts as a bench corpus, as input for the peers: Pelican and Hugo.

    .venv/bin/python bench/peers.py CORPUS OUT_DIR   # writes OUT_DIR/pelican and OUT_DIR/hugo

Each peer gets every post's Markdown body unchanged, its title, time (site time
zone), tags, campaign (as the category) and author; drafts stay drafts. A post
keeps its relative path, so `peer_post(...)` finds the copy of a corpus post
for the one-post-changed rebuild.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import tomllib
import yaml

BENCH = Path(__file__).resolve().parent
POSTS = "content/posts"
UNDATED = datetime(2024, 1, 1, 9, 0)  # a date for drafts without publish_at: both peers need one

PELICANCONF = """\
# The Pelican peer: the default theme (notmyidea) and settings, plus the content cache
# the benchmark asks for and pelican-quickstart's default page size.
AUTHOR = "bench"
SITENAME = "Bench calendar"
SITEURL = ""
PATH = {content!r}
TIMEZONE = {zone!r}
DEFAULT_LANG = "en"
DEFAULT_PAGINATION = 10
CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
CACHE_PATH = {cache!r}
"""


def read_posts(corpus: Path):
    """(relative path under content/posts, front matter, body) of every post, in path order."""
    base = corpus / POSTS
    for folder, dirs, files in os.walk(base):
        dirs.sort()
        for name in sorted(files):
            if name.endswith(".md"):
                path = Path(folder) / name
                _, front, body = path.read_text(encoding="utf-8").split("---\n", 2)
                yield path.relative_to(base).as_posix(), yaml.safe_load(front), body


def _when(front: dict, zone: ZoneInfo) -> datetime:
    value = front.get("publish_at")
    moment = datetime.fromisoformat(str(value)) if value else UNDATED
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def pelican_post(rel: str, front: dict, body: str, zone: ZoneInfo) -> str:
    meta = {"Title": front["title"], "Date": _when(front, zone).strftime("%Y-%m-%d %H:%M"),
            "Slug": Path(rel).stem, "Category": front.get("campaign") or "general",
            "Tags": ", ".join(front.get("tags") or []), "Author": front.get("author") or "bench"}
    if front.get("status") == "draft":
        meta["Status"] = "draft"
    return "".join(f"{key}: {value}\n" for key, value in meta.items() if value) + "\n" + body


def hugo_post(rel: str, front: dict, body: str, zone: ZoneInfo) -> str:
    meta = {"title": front["title"], "date": _when(front, zone).isoformat(), "draft": front.get("status") == "draft",
            "tags": front.get("tags") or [], "categories": [front["campaign"]] if front.get("campaign") else [],
            "authors": [front.get("author") or "bench"]}
    lines = [f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in meta.items()]
    return "---\n" + "\n".join(lines) + "\n---\n" + body


def peer_post(out: Path, peer: str, rel: str) -> Path:
    """Where ``peer`` keeps the copy of corpus post content/posts/<rel>."""
    return out / peer / ("content" if peer == "pelican" else "content/posts") / rel


def convert(corpus: Path, out: Path) -> int:
    zone = ZoneInfo(tomllib.loads((corpus / "socialgit.toml").read_text())["site"]["timezone"])
    for peer in ("pelican", "hugo"):
        shutil.rmtree(out / peer, ignore_errors=True)
    count = 0
    for rel, front, body in read_posts(corpus):
        for peer, render in (("pelican", pelican_post), ("hugo", hugo_post)):
            path = peer_post(out, peer, rel)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(render(rel, front, body, zone), encoding="utf-8")
        count += 1
    pelican = out / "pelican"
    (pelican / "pelicanconf.py").write_text(PELICANCONF.format(
        content=str(pelican / "content"), zone=zone.key, cache=str(pelican / "cache")))
    shutil.copy(BENCH / "hugo" / "hugo.toml", out / "hugo" / "hugo.toml")
    shutil.copytree(BENCH / "hugo" / "layouts", out / "hugo" / "layouts")
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    print(f"{convert(args.corpus, args.out)} posts written to {args.out}/pelican and {args.out}/hugo")


if __name__ == "__main__":
    main()
