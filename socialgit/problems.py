"""Problems found in a calendar (errors, warnings, notes) and the user-error exception.

Every check reports ``Problem`` values instead of raising, so that one run shows
every problem at once, each as ``path:line: level: message``.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Iterable

ERROR, WARNING, INFO = "error", "warning", "info"


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int | None
    level: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.level}: {self.message}"


class UserError(Exception):
    """A mistake the user can fix: printed as one line, exit code 2, no traceback."""


def error(path: str, line: int | None, message: str) -> Problem:
    return Problem(path, line, ERROR, message)


def warning(path: str, line: int | None, message: str) -> Problem:
    return Problem(path, line, WARNING, message)


def info(path: str, line: int | None, message: str) -> Problem:
    return Problem(path, line, INFO, message)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """' (did you mean "x"?)' when a close match exists, else ''."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""


def has_errors(problems: Iterable[Problem]) -> bool:
    return any(p.level == ERROR for p in problems)
