"""A Markdown file's front matter: split it from the body, read its fields with the line of each.

Posts and feedback files have the same shape; what differs is which fields belong
there, so each parser words its own problems from the FrontMatterError raised here
(a line and what is wrong). The triage commands rewrite feedback files and keep
their own split, which preserves the text exactly (feedback_store.py).
"""

from __future__ import annotations

from typing import Callable

import yaml
from frontmatter.default_handlers import YAMLHandler

from .problems import Problem, error

_HANDLER = YAMLHandler()
# libyaml parses front matter about ten times faster, with the same line marks
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class FrontMatterError(ValueError):
    def __init__(self, kind: str, line: int, reason: str = "") -> None:
        super().__init__(kind)
        self.kind = kind  # "missing", "unclosed", "yaml" or "not fields"
        self.line = line
        self.reason = reason  # the YAML parser's words, for "yaml"


def split(text: str) -> tuple[str, str]:
    """(front matter, body); FrontMatterError when there is none or it is not closed."""
    if not text.startswith("---"):
        raise FrontMatterError("missing", 1)
    try:
        return _HANDLER.split(text)
    except ValueError:
        raise FrontMatterError("unclosed", 1) from None


def fields(meta: str) -> tuple[dict, dict[str, int]]:
    """(the fields, the file line of each); FrontMatterError for YAML that is broken or not a mapping."""
    loader = _LOADER(meta)
    node = None
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise FrontMatterError("yaml", mark.line + 1 if mark else 1, reason) from None
    except (ValueError, OverflowError) as exc:  # a date YAML recognises but cannot make, such as 2026-13-45
        raise FrontMatterError("yaml", _unmakeable_line(node), f"{exc} (a date that does not exist?)") from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise FrontMatterError("not fields", 2)
    # the split keeps the newline after the opening '---', so YAML's 0-based
    # line numbers are already the file's 1-based ones
    return data, {str(key.value): key.start_mark.line + 1 for key, _ in node.value}


def _unmakeable_line(node: yaml.Node | None) -> int:
    """The file line of the first field whose value YAML cannot make, else the first line of the fields."""
    for key, value in node.value if isinstance(node, yaml.MappingNode) else ():
        loader = _LOADER("")
        try:
            loader.construct_document(value)
        except (ValueError, OverflowError):
            return key.start_mark.line + 1
        except yaml.YAMLError:
            pass
        finally:
            loader.dispose()
    return 2


def read(text: str, path: str, names: str, example: str,
         fast: Callable[[str], tuple[dict, dict[str, int]] | None] | None = None,
         ) -> tuple[dict | None, str, dict[str, int], list[Problem]]:
    """(fields, body, line of each field, problems) of a file's text, the problems worded for a person.

    ``names`` lists the fields a file of this kind starts with, ``example`` shows one;
    ``fast`` may read the usual one-field-a-line front matter without YAML nodes (None: it can't).
    """
    try:
        meta, body = split(text)
    except FrontMatterError as exc:
        if exc.kind == "missing":
            return None, text, {}, [error(path, 1, f"no front matter; start the file with a '---' line, the fields "
                                                   f"({names}) and another '---' line")]
        return None, text, {}, [error(path, 1, "front matter is not closed; add a '---' line after the fields")]
    try:
        found = fast(meta) if fast else None
        data, lines = found if found is not None else fields(meta)
    except FrontMatterError as exc:
        if exc.kind == "yaml":
            return None, body, {}, [error(path, exc.line, f"front matter is not valid YAML: {exc.reason}; "
                                                          "check quotes, colons and indentation")]
        return None, body, {}, [error(path, exc.line, f"front matter must be fields like '{example}', one per line")]
    return data, body, lines, []
