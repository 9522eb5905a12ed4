"""Load a whole calendar repository once: config, posts, receipts, feedback ids, heartbeat."""

from __future__ import annotations

from pathlib import Path

from .check import Calendar, FeedbackIds
from .config import load_config
from .ledger import load_receipts, read_heartbeat
from .post_files import load_posts
from .problems import Problem, UserError, has_errors


def load_calendar(root: Path) -> tuple[Calendar, list[Problem]]:
    """Everything in the working tree; config errors stop here (nothing else can be trusted)."""
    config, problems = load_config(root)
    if has_errors(problems):
        raise UserError("\n".join(str(p) for p in problems))
    posts, found = load_posts(config)
    problems += found
    receipts, found = load_receipts(root)
    problems += found
    calendar = Calendar(config, posts, receipts, FeedbackIds(root), read_heartbeat(root))
    return calendar, problems
