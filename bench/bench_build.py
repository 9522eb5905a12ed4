"""Site build speed: socialgit against Pelican and Hugo on the same posts.

    .venv/bin/python bench/bench_build.py [--posts 1000 10000] [--runs 5 3] [--tools socialgit pelican hugo]

For each size and tool, each run: delete the output and every cache, then time
  full       a clean build,
  no change  the same build again,
  one post   a build after appending a sentence to one post (the same post for every tool),
and put the post back. Peak RSS is that of the full build. Setup, once:
  Pelican  bench/work/pelican-venv: python -m venv bench/work/pelican-venv && bench/work/pelican-venv/bin/pip install 'pelican[markdown]'
  Hugo     apt-get install -y hugo (Debian's package)
A tool that is missing is skipped with the reason; `socialgit build` is skipped until the command exists.
"""

from __future__ import annotations

import abc
import argparse
import shutil
import subprocess
import sys
from pathlib import Path

import peers
from common import SOCIALGIT, WORK, Run, corpus, machine, measure, median, save, spread

PELICAN = WORK / "pelican-venv" / "bin" / "pelican"
EDIT = "\n\nEdited for the benchmark: one more sentence about the new **autumn** blend.\n"


class Tool(abc.ABC):
    name = ""

    def __init__(self, root: Path, now: str, peers_dir: Path):
        self.root, self.now, self.peers_dir = root, now, peers_dir

    def missing(self) -> str | None:
        """Why this tool cannot run here, or None."""
        return None

    @abc.abstractmethod
    def command(self) -> list[str]:
        """The build command."""

    @abc.abstractmethod
    def caches(self) -> list[Path]:
        """Output and caches: deleted before each full build."""

    def post(self, rel: str) -> Path:
        return peers.peer_post(self.peers_dir, self.name, rel)


class Socialgit(Tool):
    name = "socialgit"

    def missing(self):
        probe = subprocess.run([str(SOCIALGIT), "build", "--help"], capture_output=True)
        return None if probe.returncode == 0 else "`socialgit build` does not exist yet"

    def command(self):
        return [str(SOCIALGIT), "build", "--root", str(self.root), "--out", str(self.out), "--now", self.now]

    @property
    def out(self) -> Path:
        return WORK / f"site-{self.root.name}"

    def caches(self):
        return [self.out, self.root / ".socialgit"]

    def post(self, rel):
        return self.root / peers.POSTS / rel


class Pelican(Tool):
    name = "pelican"

    def missing(self):
        return None if PELICAN.exists() else f"{PELICAN} not found (see this script's docstring)"

    def command(self):
        site = self.peers_dir / "pelican"
        return [str(PELICAN), str(site / "content"), "-s", str(site / "pelicanconf.py"), "-o", str(site / "output"),
                "-q"]

    def caches(self):
        return [self.peers_dir / "pelican" / "output", self.peers_dir / "pelican" / "cache"]


class Hugo(Tool):
    name = "hugo"

    def missing(self):
        return None if shutil.which("hugo") else "hugo not found: apt-get install -y hugo"

    def command(self):
        site = self.peers_dir / "hugo"
        return ["hugo", "--source", str(site), "--destination", str(site / "public"), "--quiet"]

    def caches(self):
        return [self.peers_dir / "hugo" / "public", self.peers_dir / "hugo" / "resources"]


TOOLS = {tool.name: tool for tool in (Socialgit, Pelican, Hugo)}


def one_run(tool: Tool, rel: str, log: Path) -> dict[str, Run]:
    for path in tool.caches():
        shutil.rmtree(path, ignore_errors=True)
    runs = {"full": measure(tool.command(), log=log), "no change": measure(tool.command(), log=log)}
    post = tool.post(rel)
    original = post.read_bytes()
    try:
        post.write_bytes(original + EDIT.encode())
        runs["one post"] = measure(tool.command(), log=log)
    finally:
        post.write_bytes(original)
    return runs


def table(posts: int, results: dict[str, list[dict[str, Run]]]) -> list[str]:
    rows = [f"\n#### {posts:,} posts\n",
            "| tool | full build | no-change rebuild | one-post rebuild | CPU time of the full build "
            "| peak RSS, full (largest process / tree) |",
            "|---|---|---|---|---|---|"]
    for name, runs in results.items():
        cells = [spread([r[kind].wall for r in runs]) for kind in ("full", "no change", "one post")]
        rss = f"{median([r['full'].max_mb for r in runs]):.0f} / {median([r['full'].tree_mb for r in runs]):.0f} MB"
        cpu = f"{median([r['full'].cpu for r in runs]):.1f} s"
        rows.append(f"| {name} | {' | '.join(cells)} | {cpu} | {rss} |")
    if "socialgit" in results:
        ours = {k: median([r[k].wall for r in results["socialgit"]]) for k in ("full", "no change", "one post")}
        for peer in ("pelican", "hugo"):
            if peer in results:
                theirs = {k: median([r[k].wall for r in results[peer]]) for k in ours}
                ratios = " · ".join(f"{k} {theirs[k] / ours[k]:.2f}" for k in ours)
                rows.append(f"\n{peer} median / socialgit median (above 1: socialgit is faster): {ratios}")
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, nargs="+", default=[5, 3], help="runs per size, in order")
    parser.add_argument("--tools", nargs="+", choices=list(TOOLS), default=list(TOOLS))
    args = parser.parse_args(argv)
    report, raw, facts = [], {}, machine()
    for index, posts in enumerate(args.posts):
        count = args.runs[min(index, len(args.runs) - 1)]
        root, now = corpus(posts)
        peers_dir = WORK / f"peers-{posts}"
        if {"pelican", "hugo"} & set(args.tools):
            peers.convert(root, peers_dir)
        rels = sorted(p.relative_to(root / peers.POSTS).as_posix() for p in (root / peers.POSTS).rglob("*.md"))
        rel = rels[len(rels) // 2]
        results: dict[str, list[dict[str, Run]]] = {}
        for name in args.tools:
            tool = TOOLS[name](root, now, peers_dir)
            why = tool.missing()
            if why:
                print(f"skipping {name}: {why}", file=sys.stderr)
                continue
            log = WORK / f"{name}-{posts}.log"
            log.unlink(missing_ok=True)
            print(f"{name} at {posts} posts: {count} runs (output in {log})", file=sys.stderr)
            try:
                results[name] = [one_run(tool, rel, log) for _ in range(count)]
            except SystemExit as failed:  # one tool failing must not cost the others' figures
                print(f"{name} failed at {posts} posts: {failed}", file=sys.stderr)
                report.append(f"\n{name} failed at {posts:,} posts: {failed}")
        raw[posts] = {name: [{k: r.__dict__ for k, r in run.items()} for run in runs]
                      for name, runs in results.items()}
        save(f"build-{posts}", raw[posts])
        report += table(posts, results)
        print("\n".join(table(posts, results)), file=sys.stderr)
    print("\n### Site build\n")
    print(facts)
    print("\nEdited post for the one-post rebuild: the middle one in path order; "
          "every figure is the median wall time (range, number of runs).")
    print("\n".join(report))


if __name__ == "__main__":
    main()
