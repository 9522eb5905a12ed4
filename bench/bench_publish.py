"""What cron pays every minute: `socialgit publish` when nothing is due.

    .venv/bin/python bench/bench_publish.py [--posts 1000 10000] [--runs 5]

Each size works in a fresh `git clone` of the corpus (as a CI runner would), under
bench/work/publish-N. One untimed run first settles whatever the corpus leaves due
(failed receipts whose retry time has passed); then --runs timed runs without the
cache (`.socialgit/` deleted before each), --runs with it warm, and --runs each right
after an (empty) commit: a commit changes HEAD and the index, so that run asks git
again whether the ledger holds leftovers, as the minute after a publish or a fetch does.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time

from common import SOCIALGIT, WORK, corpus, load, machine, measure, median, save, spread


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    rows, raw, facts = [], {}, machine()
    for posts in args.posts:
        root, now = corpus(posts)
        clone = WORK / f"publish-{posts}"
        shutil.rmtree(clone, ignore_errors=True)
        subprocess.run(["git", "clone", "-q", str(root), str(clone)], check=True)
        cmd = [str(SOCIALGIT), "publish", "--root", str(clone), "--now", now]
        log = WORK / f"publish-{posts}.log"
        log.unlink(missing_ok=True)
        print(f"publish at {posts} posts: settle, then {args.runs} cold and {args.runs} warm runs", file=sys.stderr)
        measure(cmd, ok=(0, 1), log=log)
        cold = []
        for _ in range(args.runs):
            shutil.rmtree(clone / ".socialgit", ignore_errors=True)
            cold.append(measure(cmd, log=log))
        warm = [measure(cmd, log=log) for _ in range(args.runs)]
        committed = []
        for _ in range(args.runs):
            subprocess.run(["git", "-C", str(clone), "-c", "user.name=bench", "-c", "user.email=bench@example.invalid",
                            "commit", "-q", "--allow-empty", "-m", "bench: a commit between two runs"], check=True)
            time.sleep(2.1)  # past the racy window, as a minute later would be
            committed.append(measure(cmd, log=log))
        raw[posts] = {"cold": [r.__dict__ for r in cold], "warm": [r.__dict__ for r in warm],
                      "after_commit": [r.__dict__ for r in committed]}
        for name, runs in (("no cache", cold), ("cache warm", warm), ("warm, after a commit", committed)):
            rows.append(f"| {posts:,} | {name} | {spread([r.wall for r in runs])} | {median([r.cpu for r in runs]):.2f} s "
                        f"| {median([r.max_mb for r in runs]):.0f} MB |")
    save("publish", raw)
    print("\n### socialgit publish, nothing due\n")
    print(facts)
    print(f"\nCommand: `.venv/bin/socialgit publish --root bench/work/publish-N --now NOW` in a fresh clone of the "
          f"corpus, after one run that settles what was due; load average after the runs: {load()}\n")
    print("| posts | cache | wall time, median (range, runs) | CPU time, median | peak RSS |")
    print("|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
