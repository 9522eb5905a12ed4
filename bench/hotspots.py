"""The top functions of a py-spy profile, counting every process (workers included).

    bench/work/tools-venv/bin/py-spy record --subprocesses --rate 50 --format raw -o OUT.folded -- COMMAND
    .venv/bin/python bench/hotspots.py OUT.folded [--top 25]

cProfile sees only the main process; when socialgit hands work to a process pool,
py-spy's folded stacks (one "frame;frame;… count" line per stack) show where the
workers spend their time. Prints self and inclusive shares of all samples.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

# py-spy frames read "function (path/to/file.py:line)"; the line varies within a function
_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::\d+)?\)$")


def _name(frame: str) -> str:
    match = _FRAME.match(frame.strip())
    if not match:
        return frame.strip()
    path = match["file"]
    for marker in ("site-packages/", "python3.11/", "/work/main/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{match['func']} ({path})"


def summarise(path: Path) -> tuple[int, Counter, Counter]:
    own, inclusive, total = Counter(), Counter(), 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [_name(f) for f in stack.split(";") if not f.startswith(("process ", "thread "))]
        if not frames:
            continue
        total += int(count)
        own[frames[-1]] += int(count)
        for name in set(frames):
            inclusive[name] += int(count)
    return total, own, inclusive


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folded", type=Path)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--match", default="", help="inclusive list: only functions whose name holds this")
    args = parser.parse_args()
    total, own, inclusive = summarise(args.folded)
    print(f"{total} samples, all processes")
    chosen = Counter({k: v for k, v in inclusive.items() if args.match in k})
    for title, counts in (("self", own), ("inclusive", chosen)):
        print(f"\n{title:>9}  function")
        for name, count in counts.most_common(args.top):
            print(f"{100 * count / total:8.1f}%  {name}")


if __name__ == "__main__":
    main()
