"""The build's read stage: everything the model needs, from the working tree and git.

A full build reads it all: posts and receipts, each post's derived texts (socialgit.derived,
on every core), check's findings, the git history, the metrics and imported history (read
while the workers derive); its feedback side reads the feedback (feedback_side.py). A
rebuild after edited posts reads only what their pages show (read_for).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Callable

from .. import derived
from ..calendar import load_calendar
from ..check import every_problem, post_findings
from ..feedback import load_feedback, load_feedback_files
from ..problems import Problem
from . import depends
from .memo import post_history
from .model import SiteInput
from .render import BodyRenderer


def read_posts(root: Path, now: datetime, drafts: bool, remember: bool = False, hide_handles: bool = False,
               known: Callable[[list], dict[str, list[Problem]]] | None = None,
               meanwhile: Callable[[], None] | None = None
               ) -> tuple[SiteInput, dict[str, tuple[list[Problem], list[Problem]]]]:
    """The read stage up to the feedback, metrics and imported history.

    Also returns check's findings per post file (check.post_findings); ``known(posts)`` gives
    the own problems of post files unchanged since the last build, not looked for again.
    ``meanwhile`` is called once, while the posts' texts are derived on the other cores.
    """
    calendar, problems = load_calendar(root)
    # every post's network parts, lengths and page HTML in one Markdown pass, on every core;
    # check, the pages and the feeds then find them ready (and the next build remembers them)
    derived.prepare(calendar.posts, calendar.config, root if remember else None, html=BodyRenderer(),
                    meanwhile=meanwhile)
    findings = post_findings(calendar, now, known(calendar.posts) if known else None, prepared=True)
    return SiteInput(calendar, now, problems, [], post_history(root, remember), drafts,
                     every_problem(findings, calendar, now),
                     hide_handles=hide_handles), findings


def read_learning(root: Path) -> tuple:
    """The insights page's inputs, as `socialgit insights` reads them: metrics, imported history, their problems."""
    from ..history_import import load_imported  # not loaded by a rebuild that keeps the insights page
    from ..metrics import load_metrics

    metrics, learn_problems = load_metrics(root)
    imported, imported_problems = load_imported(root)
    return metrics, imported, learn_problems + imported_problems


def read_site(root: Path, now: datetime, drafts: bool, remember: bool = False,
              hide_handles: bool = False) -> SiteInput:
    """The read stage: everything the model needs, from the working tree and git."""
    source, _ = read_posts(root, now, drafts, remember, hide_handles)
    source.feedback, problems = load_feedback(root, use_cache=remember)
    source.problems = source.problems + problems
    source.metrics, source.imported, source.learn_problems = read_learning(root)
    return source


def read_for(plan: depends.Plan, record: depends.Record, root: Path, source: SiteInput) -> None:
    """What a rebuild after edited posts reads besides them: the remade pages' feedback, and the metrics if needed."""
    source.feedback = load_feedback_files(root, depends.feedback_files(record, plan.posts))
    source.problems = source.problems + depends.problems_of(record.problems)
    source.sentiments = record.sentiments
    if plan.insights:
        source.metrics, source.imported, source.learn_problems = read_learning(root)
