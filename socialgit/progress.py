"""How far long work has got, for a person at a terminal: the stage's name, done and total.

Code that does long work names its stage (``with stage("Reading feedback files"):``) and, in
its loop, says how far it is (``advance(done, total)``). A command that shows progress installs
a report for its run (``reporting(report)``); without one nothing is shown. Only the process
that installed the report shows it: forked workers inherit the stage and stay quiet.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from typing import Callable, Iterator

Report = Callable[[str, int, int], None]  # (stage, done, total)

_report: tuple[int, Report] | None = None  # the process that installed it, and the report
_stages: list[str] = []


def quiet() -> bool:
    """No progress in CI or when stderr is not a terminal (a log, a pipe)."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes") or not sys.stderr.isatty()


@contextmanager
def reporting(report: Report) -> Iterator[None]:
    """``report`` hears every stage's progress in this process until the block ends."""
    global _report
    before, _report = _report, (os.getpid(), report)
    try:
        yield
    finally:
        _report = before


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Work inside the block reports its progress as ``name`` (the innermost stage names it)."""
    _stages.append(name)
    try:
        yield
    finally:
        _stages.pop()


def advance(done: int, total: int) -> None:
    """``done`` of ``total`` of the current stage are done."""
    if _report is not None and _stages and _report[0] == os.getpid():
        _report[1](_stages[-1], done, total)
