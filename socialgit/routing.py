"""Routing rules: what happens to a new feedback item when it is fetched.

Rules live in socialgit.toml as an array of tables, tried in file order::

    [[feedback.rules]]
    name = "spam"                       # optional; shown in messages
    keywords = ["crypto", "followers*"]
    ignore = true

    [[feedback.rules]]
    name = "complaints to support"
    sentiment = "negative"
    assignee = "team:support"
    priority = "high"
    status = "triaged"

Conditions (every one given must hold; a list means any of its values):
``keywords`` words or phrases in the comment, case-insensitive, whole words
(``refund*`` also matches "refunds"; Persian matches with or without ZWNJ and
before a suffix: قهوه matches قهوه‌تون); ``lang`` (``fa`` matches ``fa-IR``);
``intent`` positive | negative | question | neutral; ``sentiment`` positive |
negative | neutral; ``network``; ``kind`` reply | mention | quote; ``author``
handles (with or without the leading @).

Actions: ``labels`` are added; ``assignee``; ``priority`` low | normal | high |
urgent; ``status`` new | triaged | waiting | done | ignored; ``ignore = true``
marks spam (status ignored, and no assignee or priority from any rule);
``stop = true`` ends the list after this rule.

Order: every matching rule applies, in order. Labels add up. For assignee,
priority and status the FIRST matching rule that sets one wins, so specific
rules go first and general ones last. ``ignore`` and ``stop`` end the list.
A rule never overrides a person: it sets an assignee only where there is none, a
priority only where it is empty or the default ``normal``, a status only on a
``new`` item, and it never removes a label.

Without a ``[[feedback.rules]]`` table the defaults apply (DEFAULT_RULES: negative
→ team:support, high, triaged; praise → label amplify; question → label
question); ``rules = []`` under ``[feedback]`` turns routing off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields as dataclass_fields
from typing import Any, Callable, Iterable, Mapping

from .problems import Problem, did_you_mean, error, warning
from .vocabulary import KINDS, LABELS, SENTIMENTS, STATUSES

PRIORITIES = ("low", "normal", "high", "urgent")
CONDITIONS = ("keywords", "lang", "intent", "sentiment", "network", "kind", "author")
ACTIONS = ("labels", "assignee", "priority", "status", "ignore", "stop")
KEYS = ("name",) + CONDITIONS + ACTIONS


@dataclass(frozen=True)
class Rule:
    name: str = ""
    keywords: tuple[str, ...] = ()
    lang: tuple[str, ...] = ()
    intent: tuple[str, ...] = ()
    sentiment: tuple[str, ...] = ()
    network: tuple[str, ...] = ()
    kind: tuple[str, ...] = ()
    author: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    assignee: str | None = None
    priority: str | None = None
    status: str | None = None
    ignore: bool = False
    stop: bool = False

    def matches(self, item_fields: Mapping[str, Any], body: str = "") -> bool:
        if self.intent and _value(item_fields.get("intent")) not in self.intent:
            return False
        if self.sentiment and _value(item_fields.get("sentiment")) not in self.sentiment:
            return False
        lang = str(item_fields.get("lang") or "").lower()
        if self.lang and not any(lang == want or lang.startswith(want + "-") for want in self.lang):
            return False
        if self.network and str(item_fields.get("network") or "") not in self.network:
            return False
        if self.kind and str(item_fields.get("kind") or "") not in self.kind:
            return False
        if self.author and _handle(item_fields.get("author")) not in self.author:
            return False
        return not self.keywords or _mentions_any(body, self.keywords)


DEFAULT_RULES: tuple[Rule, ...] = (
    # by sentiment, so that an angry question ("why was my order cancelled?") reaches support too
    Rule(name="complaints to support", sentiment=("negative",), assignee="team:support", priority="high",
         status="triaged"),
    # by intent, so that a friendly question is answered rather than boosted
    Rule(name="praise to amplify", intent=("positive",), labels=("amplify",)),
    Rule(name="questions", intent=("question",), labels=("question",)),
)


def _value(judgement: Any) -> str:
    if isinstance(judgement, Mapping):
        return str(judgement.get("value") or "")
    return str(judgement or "")


def _handle(author: Any) -> str:
    handle = author.get("handle") if isinstance(author, Mapping) else author
    return str(handle or "").strip().lstrip("@").lower()


def _normalise(text: str) -> str:
    from .sentiment_fa import normalise  # its lexicon loads where a keyword is matched, not with the config

    return normalise(text)


def _keyword_pattern(keyword: str) -> re.Pattern:
    word = _normalise(keyword).replace("\u200c", "").strip()
    stem = word.endswith("*")
    word = word.rstrip("*").strip()
    return re.compile(r"(?<!\w)" + re.escape(word) + (r"\w*" if stem else r"(?!\w)"))


def _mentions_any(body: str, keywords: Iterable[str]) -> bool:
    text = _normalise(body)
    joined = text.replace("\u200c", "")  # a ZWNJ typed or not: می‌خوام and میخوام are one word
    return any(p.search(text) or p.search(joined) for p in map(_keyword_pattern, keywords))


def route(rules: Iterable[Rule], item_fields: Mapping[str, Any], body: str = "") -> dict[str, Any]:
    """The front-matter changes the rules make to one item (pure; see the module docstring)."""
    labels = [str(label) for label in item_fields.get("labels") or ()]
    had = list(labels)
    decided: dict[str, str] = {}
    spam = False
    for rule in rules:
        if not rule.matches(item_fields, body):
            continue
        labels.extend(label for label in rule.labels if label not in labels)
        if rule.ignore:
            spam = True
            break
        for key in ("assignee", "priority", "status"):
            value = getattr(rule, key)
            if value and key not in decided:
                decided[key] = value
        if rule.stop:
            break
    if spam:
        decided = {"status": "ignored"}
    changes: dict[str, Any] = {}
    if labels != had:
        changes["labels"] = labels
    if "assignee" in decided and not item_fields.get("assignee"):
        changes["assignee"] = decided["assignee"]
    if "priority" in decided and item_fields.get("priority") in (None, "", "normal"):
        if decided["priority"] != item_fields.get("priority"):
            changes["priority"] = decided["priority"]
    if "status" in decided and item_fields.get("status") in (None, "", "new"):
        if decided["status"] != item_fields.get("status"):
            changes["status"] = decided["status"]
    return changes


def matching(rules: Iterable[Rule], item_fields: Mapping[str, Any], body: str = "") -> list[Rule]:
    """The rules that match an item, in order (for explaining why it was routed)."""
    return [rule for rule in rules if rule.matches(item_fields, body)]


def annotator(rules: Iterable[Rule] = DEFAULT_RULES) -> Callable[[dict[str, Any], str], dict[str, Any]]:
    """The ``annotate`` a fetch run applies to each new item: classify it, then route it."""
    from . import classify as classifier  # VADER and the lexicons: not for every command that reads the rules

    rules = tuple(rules)

    def annotate(item_fields: dict[str, Any], body: str) -> dict[str, Any]:
        changes = classifier.apply(item_fields, classifier.classify(body, item_fields.get("lang")))
        changes.update(route(rules, {**item_fields, **changes}, body))
        return changes

    return annotate


# --- reading rules from socialgit.toml --------------------------------------------------------

_ALLOWED = {"intent": LABELS, "sentiment": SENTIMENTS, "kind": KINDS, "priority": PRIORITIES,
            "status": STATUSES}


def _rule_line(text: str | None, index: int, key: str | None = None) -> int | None:
    """The line of the index-th [[feedback.rules]] (or of ``key`` in it); tomllib keeps no positions."""
    if not text:
        return None
    lines = text.splitlines()
    headers = [n for n, line in enumerate(lines) if re.match(r"^\s*\[\[\s*feedback\s*\.\s*rules\s*\]\]", line)]
    if index >= len(headers):
        return None
    start = headers[index]
    if key is not None:
        for n in range(start + 1, len(lines)):
            if lines[n].lstrip().startswith("["):
                break
            if re.match(r"^\s*" + re.escape(key) + r"\s*=", lines[n]):
                return n + 1
    return start + 1


def _strings(value: Any) -> tuple[str, ...] | None:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
        return None
    return tuple(v.strip() for v in values)


def parse_rules(raw: list[dict] | None, path: str = "socialgit.toml",
                text: str | None = None) -> tuple[tuple[Rule, ...], list[Problem]]:
    """``[[feedback.rules]]`` → Rules and every problem found; ``None`` (no table) → DEFAULT_RULES.

    ``text`` is the TOML source, used only to point problems at their line.
    """
    if raw is None:
        return DEFAULT_RULES, []
    problems: list[Problem] = []
    if not isinstance(raw, list):
        return (), [error(path, None, "feedback.rules must be an array of tables: write each rule under its own "
                          "[[feedback.rules]] line")]
    rules: list[Rule] = []
    for index, table in enumerate(raw):
        where = f"feedback.rules[{index + 1}]"
        if not isinstance(table, dict):
            problems.append(error(path, _rule_line(text, index), f"{where} must be a table of conditions and actions"))
            continue
        values: dict[str, Any] = {}
        bad = False
        for key, value in table.items():
            line = _rule_line(text, index, key)
            if key not in KEYS:
                problems.append(warning(path, line, f"{where}.{key} is not a known option{did_you_mean(key, KEYS)}; "
                                        f"conditions: {', '.join(CONDITIONS)}; actions: {', '.join(ACTIONS)}"))
                continue
            if key in ("ignore", "stop"):
                if not isinstance(value, bool):
                    problems.append(error(path, line, f"{where}.{key} must be true or false"))
                    bad = True
                else:
                    values[key] = value
                continue
            if key in ("name", "assignee", "priority", "status"):
                if not isinstance(value, str) or not value.strip() or "\n" in value:
                    problems.append(error(path, line, f"{where}.{key} must be one line of text in quotes"))
                    bad = True
                    continue
                value = value.strip()
                allowed = _ALLOWED.get(key)
                if allowed and value not in allowed:
                    problems.append(error(path, line, f'{where}.{key}: "{value}" is not allowed; use one of: '
                                          f'{", ".join(allowed)}'))
                    bad = True
                    continue
                values[key] = value
                continue
            strings = _strings(value)
            if strings is None:
                problems.append(error(path, line, f'{where}.{key} must be text or a list of texts, like ["a", "b"]'))
                bad = True
                continue
            allowed = _ALLOWED.get(key)
            wrong = [s for s in strings if allowed and s not in allowed]
            if wrong:
                problems.append(error(path, line, f'{where}.{key}: "{wrong[0]}" is not allowed; use one of: '
                                      f'{", ".join(allowed)}'))
                bad = True
                continue
            if key == "author":
                strings = tuple(s.lstrip("@").lower() for s in strings)
            elif key == "lang":
                strings = tuple(s.lower() for s in strings)
            values[key] = strings
        if bad:
            continue
        rule = Rule(**values)
        if not any(getattr(rule, key) for key in ACTIONS if key != "stop"):
            problems.append(warning(path, _rule_line(text, index), f"{where} has no action, so it changes nothing; "
                                    f"give it one of: labels, assignee, priority, status, ignore"))
        rules.append(rule)
    return tuple(rules), problems


def describe(rule: Rule) -> str:
    """One line for a rule: 'complaints to support: sentiment negative → assignee team:support, …'."""
    conditions = [f"{f.name} {'/'.join(getattr(rule, f.name))}" for f in dataclass_fields(rule)
                  if f.name in CONDITIONS and getattr(rule, f.name)]
    actions = [f"labels {', '.join(rule.labels)}"] if rule.labels else []
    actions += [f"{key} {getattr(rule, key)}" for key in ("assignee", "priority", "status") if getattr(rule, key)]
    actions += [key for key in ("ignore", "stop") if getattr(rule, key)]
    head = f"{rule.name}: " if rule.name else ""
    return f"{head}{' and '.join(conditions) or 'every item'} → {', '.join(actions) or 'nothing'}"
