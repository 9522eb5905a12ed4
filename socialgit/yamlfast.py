"""Front matter of the one-field-a-line kind, read without the YAML library, to the same values.

A calendar holds ten feedback files a post or more, and PyYAML builds every node
in Python (~0.4 ms a file even with libyaml). The files socialgit writes (and
most written by hand) are one ``key: value`` a line, where a value is a scalar,
a flat ``{k: v, …}`` or a flat ``[a, b]``. This reads exactly that and nothing
more: plain scalars get their type from PyYAML's own resolver and constructor,
quoted ones are taken as written. Anything else (comments, indentation, block
values, escapes, anchors, tabs, odd line breaks, a ':' or '#' where YAML reads
more into it) returns None, and the caller asks the YAML library, so the answer
is always the library's.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

_RESOLVER = Resolver()
_CONSTRUCTOR = SafeConstructor()
_STR = "tag:yaml.org,2002:str"
_TYPED = {tag: _CONSTRUCTOR.yaml_constructors[tag] for tag in (
    "tag:yaml.org,2002:null", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:timestamp")}

# anything YAML reads as a line break, a tab, a byte-order mark, or a character it refuses
_REFUSED = re.compile("[^\x0a\x20-\x7e\xa0-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]|[\u2028\u2029]")
_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*): (.*)")
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# a plain scalar starts with a letter, digit, '_' or a non-ASCII character (or '-'/'.' before a digit),
# never with an indicator; in a line it may not hold ': ' or ' #', nor end with ':' or a space
_PLAIN_START = re.compile(r"[A-Za-z0-9_\u0080-\U0010ffff]|[-.][0-9]")
_DOUBLE = re.compile(r'"([^"\\]*)"')
_SINGLE = re.compile(r"'((?:[^']|'')*)'")
# inside {…} or […]: a quoted scalar, or a plain one with none of , : { } [ ] # in it
# (YAML's white space is the space and the tab only: a no-break space is text)
_FLOW_SCALAR = re.compile(r'[ ]*(?:"([^"\\]*)"|\'((?:[^\']|\'\')*)\'|((?:[A-Za-z0-9_\u0080-\U0010ffff]|[-.][0-9])'
                          r'[^,:{}\[\]#]*?))[ ]*(?=[,:}\]]|$)')


_PLAIN: dict[str, Any] = {}  # the same words (null, reply, bluesky, vader…) come back in every file


def _plain(text: str) -> Any:
    try:
        return _PLAIN[text]
    except KeyError:
        pass
    tag = _RESOLVER.resolve(yaml.ScalarNode, text, (True, False))
    if tag == _STR:
        value = text
    else:
        construct = _TYPED.get(tag)
        if construct is None:
            raise ValueError(tag)  # '=', '<<' and the like: the library decides
        # every value here (None, bool, int, float, date, datetime) is immutable, so it can be shared
        value = construct(_CONSTRUCTOR, yaml.ScalarNode(tag, text))
    if len(_PLAIN) >= 50_000:
        _PLAIN.clear()
    _PLAIN[text] = value
    return value


def _block_scalar(text: str) -> Any:
    if text.startswith('"'):
        match = _DOUBLE.fullmatch(text)
        if match is None:
            raise ValueError(text)
        return match.group(1)
    if text.startswith("'"):
        match = _SINGLE.fullmatch(text)
        if match is None:
            raise ValueError(text)
        return match.group(1).replace("''", "'")
    if (not _PLAIN_START.match(text) or ": " in text or " #" in text or text.endswith((":", " "))):
        raise ValueError(text)
    return _plain(text)


def _flow_items(inner: str) -> list[tuple[Any, str]]:
    """[(value, separator after it)] of the scalars in the text between the brackets."""
    items, index = [], 0
    while index < len(inner):
        match = _FLOW_SCALAR.match(inner, index)
        if match is None:
            raise ValueError(inner)
        double, single, plain = match.groups()
        if double is not None:
            value = double
        elif single is not None:
            value = single.replace("''", "'")
        else:
            value = _plain(plain)
        index = match.end()
        separator = inner[index:index + 1]
        if separator == ":":
            if inner[index + 1:index + 2] != " ":
                raise ValueError(inner)
            index += 2
        elif separator == ",":
            index += 1
            if index >= len(inner) or not inner[index:].strip(" "):
                raise ValueError(inner)  # a trailing comma
        items.append((value, separator))
    return items


def _flow_mapping(text: str) -> dict:
    items = _flow_items(text[1:-1])
    if len(items) % 2:
        raise ValueError(text)
    found: dict = {}
    for (key, after_key), (value, after_value) in zip(items[::2], items[1::2]):
        if after_key != ":" or after_value == ":" or not isinstance(key, str) or not _KEY.fullmatch(key):
            raise ValueError(text)
        found[key] = value
    return found


def _flow_sequence(text: str) -> list:
    items = _flow_items(text[1:-1])
    if any(after == ":" for _, after in items):
        raise ValueError(text)
    return [value for value, _ in items]


def load_fields(meta: str) -> tuple[dict[str, Any], dict[str, int]] | None:
    """(fields, line of each key) of front matter ``meta`` as split off the file (it starts with the
    newline after the opening '---'), or None when it is not of the simple kind."""
    if _REFUSED.search(meta):
        return None
    data: dict[str, Any] = {}
    lines: dict[str, int] = {}
    try:
        for number, line in enumerate(meta.split("\n")):
            if not line:
                if 0 < number < meta.count("\n"):
                    return None  # a blank line between fields: rare, and the library's to read
                continue
            match = _LINE.fullmatch(line)
            if match is None:
                return None
            key, text = match.groups()
            if _plain(key) != key:
                return None  # a key YAML reads as true, null or a number
            if text.startswith("{") and text.endswith("}"):
                value = _flow_mapping(text)
            elif text.startswith("[") and text.endswith("]"):
                value = _flow_sequence(text)
            else:
                value = _block_scalar(text)
            data[key] = value
            lines[key] = number + 1
    except (ValueError, yaml.YAMLError):
        return None
    return (data, lines) if data else None
