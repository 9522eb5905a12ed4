"""Shared helpers for the benchmark scripts: timing, peak memory, corpora, machine facts.

Peak memory is reported two ways, because a build may use worker processes:
- ``tree_mb``: the largest sum of VmRSS over the whole process tree, sampled every
  20 ms (an upper bound: pages shared by forked workers are counted once per process);
- ``max_mb``: ru_maxrss from wait4, the largest single process, as `/usr/bin/time -v`
  reports it ("Maximum resident set size").
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
WORK = BENCH / "work"
PROJECT_BIN = REPO / ".venv" / "bin"
SOCIALGIT = PROJECT_BIN / "socialgit"


@dataclass(frozen=True)
class Run:
    wall: float  # seconds
    cpu: float  # user + system seconds of the process and its waited-for children
    tree_mb: float
    max_mb: float
    returncode: int


def _children(pid: int) -> list[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found += [int(c) for c in handle.read().split()]
    except OSError:
        pass
    return found


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_kb(root: int) -> int:
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += _rss_kb(pid)
        todo += _children(pid)
    return total


def measure(cmd: list[str], cwd: Path | None = None, ok: tuple[int, ...] = (0,), env: dict | None = None,
            log: Path | None = None) -> Run:
    """Run ``cmd`` once; its output goes to ``log`` (or nowhere). Fails loudly on an unexpected exit code."""
    out = open(log, "ab") if log else subprocess.DEVNULL
    try:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT if log else None)
        peak = [0]
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                peak[0] = max(peak[0], tree_rss_kb(proc.pid))
                done.wait(0.02)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
    finally:
        if log:
            out.close()
    if proc.returncode not in ok:
        where = f"; see {log}" if log else ""
        raise SystemExit(f"{shlex.join(map(str, cmd))} exited {proc.returncode}{where}")
    return Run(wall, usage.ru_utime + usage.ru_stime, peak[0] / 1024, usage.ru_maxrss / 1024, proc.returncode)


def median(values: list[float]) -> float:
    return statistics.median(values)


def spread(values: list[float]) -> str:
    """'12.3 s (11.9-12.8, n=5)': the median with the range of the runs."""
    return f"{median(values):.2f} s ({min(values):.2f}-{max(values):.2f}, n={len(values)})"


def corpus(posts: int, **options) -> tuple[Path, str]:
    """The bench corpus of ``posts`` posts under bench/work, generated on first use; (root, --now).

    11 feedback files per published post give the issue's "10,000 posts with 100,000
    feedback files" (about 94 % of the posts are published).
    """
    options = {"feedback_per_post": 11, **options}
    root = WORK / f"corpus-{posts}"
    meta = root / "bench.json"
    if not meta.is_file():
        extra = [f"--{k.replace('_', '-')}={v}" for k, v in options.items()]
        subprocess.run([str(PROJECT_BIN / "python"), str(BENCH / "generate.py"), str(root), "--posts", str(posts),
                        *extra], check=True)
    return root, json.loads(meta.read_text())["now"]


def cpu_runs(convert, bodies: list[str], runs: int) -> list[float]:
    """CPU seconds of each of ``runs`` passes of ``convert`` over every body (stdlib only: other venvs import it)."""
    found = []
    for _ in range(runs):
        started = time.process_time()
        for body in bodies:
            convert(body)
        found.append(time.process_time() - started)
    return found


def markdown_bodies(description: str, argv: list[str] | None) -> tuple[argparse.Namespace, Path, list[str]]:
    """--posts and --runs of a Markdown benchmark, the corpus's root and every post's body in path order."""
    import frontmatter

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--posts", type=int, default=10000, help="the corpus (bench/work/corpus-N, made if missing)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    root, _ = corpus(args.posts)
    return args, root, [frontmatter.load(path).content for path in sorted((root / "content" / "posts").rglob("*.md"))]


def _first_line(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout.strip().splitlines()[0]
    except (OSError, IndexError):
        return "not installed"


def load() -> str:
    """The 1, 5 and 15 minute load averages: other work on the machine slows every figure."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def byte_compile() -> str:
    """Compile socialgit's modules to .pyc, as pip does for an installed package, and say so.

    The project is installed editable, whose modules Python compiles on first import
    and caches in __pycache__, unless PYTHONDONTWRITEBYTECODE is set (this machine sets
    it): then every run compiles them again (~0.1 s of each run). The peers come
    compiled (Pelican from pip, Hugo in Go).
    """
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "socialgit")], check=True)
    return f"socialgit's modules byte-compiled first (PYTHONDONTWRITEBYTECODE={os.environ.get('PYTHONDONTWRITEBYTECODE', '')!r})"


def machine() -> str:
    """The facts RESULTS.md records about the machine, as Markdown list items (socialgit's modules compiled)."""
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    memory = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.splitlines()[1].split()[1]
    commit = _first_line(["git", "-C", str(REPO), "log", "-1", "--format=%h %s"])
    return "\n".join([
        f"- CPU: {model}, nproc = {os.cpu_count()}",
        f"- memory (free -h): {memory}",
        f"- Python {platform.python_version()} ({sys.executable})",
        f"- kernel {platform.release()}",
        f"- socialgit at commit {commit}; {byte_compile()}",
        f"- date {time.strftime('%Y-%m-%d %H:%M %Z')}; load average before the run: {load()}",
    ])


def save(name: str, data: dict) -> Path:
    """Keep the raw figures of a run next to the corpora (bench/work is not committed)."""
    path = WORK / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path
