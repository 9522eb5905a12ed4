"""How long `socialgit check` takes on the bench corpus, and where the time goes.

    .venv/bin/python bench/bench_check.py [--posts 1000 10000] [--runs 5 3] [--profile]

Each size: one warm-up run (fills the page cache), then --runs timed runs of
`socialgit check --root CORPUS --now NOW` (exit 0 or 1: problems are expected)
without socialgit's cache (`.socialgit/` deleted before each run), then --runs
with it warm.
--profile adds one cProfile run per size and prints the top functions.
"""

from __future__ import annotations

import argparse
import io
import pstats
import shutil
import subprocess
import sys

from common import PROJECT_BIN, SOCIALGIT, WORK, corpus, machine, measure, median, save, spread

PROFILE = """
import cProfile, sys
from socialgit.cli import main
root, now, out = sys.argv[1:4]
sys.argv = ["socialgit", "check", "--root", root, "--now", now]
cProfile.run("main()", out)
"""


def check_command(root, now) -> list[str]:
    return [str(SOCIALGIT), "check", "--root", str(root), "--now", now]


def profile(root, now, posts: int, top: int = 25) -> str:
    out = WORK / f"check-{posts}.prof"
    subprocess.run([str(PROJECT_BIN / "python"), "-c", PROFILE, str(root), now, str(out)],
                   stdout=subprocess.DEVNULL, check=False)
    text = io.StringIO()
    stats = pstats.Stats(str(out), stream=text)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return text.getvalue()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, nargs="+", default=[5, 3], help="timed runs per size, in order")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)
    rows, raw, facts = [], {}, machine()
    for index, posts in enumerate(args.posts):
        runs = args.runs[min(index, len(args.runs) - 1)]
        root, now = corpus(posts)
        cmd = check_command(root, now)
        print(f"check at {posts} posts: warm-up, then {runs} runs without cache and {runs} with", file=sys.stderr)
        measure(cmd, ok=(0, 1))
        cold = []
        for _ in range(runs):
            shutil.rmtree(root / ".socialgit", ignore_errors=True)
            cold.append(measure(cmd, ok=(0, 1)))
        warm = [measure(cmd, ok=(0, 1)) for _ in range(runs)]
        raw[posts] = {"no cache": [r.__dict__ for r in cold], "cache warm": [r.__dict__ for r in warm]}
        for name, results in (("no cache", cold), ("cache warm", warm)):
            rows.append(f"| {posts:,} | {name} | {spread([r.wall for r in results])} "
                        f"| {median([r.cpu for r in results]):.2f} s | {median([r.max_mb for r in results]):.0f} MB "
                        f"| {median([r.tree_mb for r in results]):.0f} MB |")
        if args.profile:
            shutil.rmtree(root / ".socialgit", ignore_errors=True)
            print(f"\n## cProfile of check at {posts} posts, no cache\n```\n{profile(root, now, posts)}```")
    save("check", raw)
    print("\n### socialgit check\n")
    print(facts)
    print("\nCommand, per size: `.venv/bin/socialgit check --root bench/work/corpus-N --now NOW` "
          "(NOW from the corpus's bench.json)\n")
    print("| posts | socialgit cache | wall time, median (range, runs) | CPU time (user+sys), median "
          "| peak RSS (largest process) | peak RSS (process tree) |")
    print("|---|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
