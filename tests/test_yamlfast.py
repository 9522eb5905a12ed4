"""yamlfast reads one-field-a-line front matter to exactly what PyYAML (libyaml) reads, or declines.

Every case is compared with the library on the same text: the values with their
types, and the line of each key. Files come from socialgit's own writer
(feedback_store.render) with hostile values, from hand-written variants, and
from random lines built of YAML's awkward pieces.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest
import yaml
from frontmatter.default_handlers import YAMLHandler

from socialgit import feedback_store, yamlfast

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SPLIT = YAMLHandler().split


def library(meta: str):
    loader = LOADER(meta)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError:
        return "error"
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        return "not a mapping"
    return data, {str(key.value): key.start_mark.line + 1 for key, _ in node.value}


def typed(value):
    """A value with the type of every piece, so 1 and True and 1.0 never compare equal."""
    if isinstance(value, dict):
        return {k: typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [typed(v) for v in value]
    if isinstance(value, datetime):
        return (type(value).__name__, value, repr(value.tzinfo))
    return (type(value).__name__, value)


def same_as_library(meta: str) -> bool:
    """True when the fast path read it (and read it right); False when it declined."""
    fast = yamlfast.load_fields(meta)
    if fast is None:
        return False
    expected = library(meta)
    assert expected not in ("error", "not a mapping"), meta
    assert typed(fast[0]) == typed(expected[0]), meta
    assert list(fast[0]) == list(expected[0]), meta  # key order
    assert fast[1] == expected[1], meta
    return True


AWKWARD = ["", " ", "a", "Fan 1", "yes", "No", "on", "null", "Null", "~", "true", "0", "007", "0x1F", "1_000",
           "12:30", "1.5", "-0.6", ".5", "1e3", "2026-11-06T23:20:01Z", "2026-11-06", "2026-11-06 10:00:00+01:00",
           "a: b", "a:b", "a #b", "a#b", "#x", "- x", "-x", "?x", ":x", "x:", "@handle", "@me@example.social",
           "https://example.com/a?b=c,d", "{a}", "[b]", "a, b", "it's", 'say "hi"', "back\\slash", "tab\there",
           "line\nbreak", "nel\x85", "ls\u2028", "bom\ufeff", "bell\x07", "Chloé Martin", "مریم احمدی", "\U0001F600",
           "\u00a0lead", "trail ", " lead", "&anchor", "*alias", "!tag", "|", ">", "%", "`tick", "'", '"', "=", "<<"]


def hostile_fields(rng: random.Random) -> dict:
    pick = lambda: rng.choice(AWKWARD)  # noqa: E731
    when = datetime(2026, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=rng.randint(0, 10**8))
    return {"id": f"mastodon-{rng.randint(1, 10**12)}", "network": rng.choice(["mastodon", "bluesky"]),
            "kind": pick(), "post": rng.choice([None, "a-post", pick()]), "url": pick(),
            "author": {"name": pick(), "handle": pick(), "url": pick()}, "created_at": when,
            "fetched_at": rng.choice([when, None]), "lang": rng.choice(["en", "fa", None, pick()]),
            "in_reply_to": None, "intent": {"value": pick(), "score": rng.choice([0.5, -0.25, 1, None]),
                                            "source": pick()},
            "sentiment": rng.choice([None, {"value": "negative", "score": -0.6, "source": "vader"}]),
            "status": pick(), "assignee": rng.choice([None, pick()]), "labels": rng.sample(AWKWARD, rng.randint(0, 3)),
            "priority": pick(), "first_response_at": None, "resolved_at": rng.choice([None, when]),
            "reply_post": None}


def test_files_socialgit_writes_read_the_same():
    rng = random.Random(5)
    read = 0
    for _ in range(1500):
        meta, _ = SPLIT(feedback_store.render(hostile_fields(rng), "body"))
        read += same_as_library(meta)
    assert read > 200  # many take the fast path; the rest are declined, never misread


def test_everyday_items_take_the_fast_path():
    rng = random.Random(6)
    names = ["Chloé Martin", "مریم احمدی", "Tomasz Nowak", "O'Brien", "Fan 1", "😀 Joy"]
    read = 0
    for number in range(500):
        when = datetime(2026, 10, 1, tzinfo=timezone.utc) + timedelta(minutes=number * 37)
        name = rng.choice(names)
        fields = {"id": f"bluesky-3mz{number:06d}", "network": "bluesky", "kind": "reply", "post": "a-post",
                  "url": f"https://bsky.app/profile/u{number}.bsky.social/post/3mz{number}",
                  "author": {"name": name, "handle": f"@u{number}.bsky.social", "url": f"https://bsky.app/u{number}"},
                  "created_at": when, "fetched_at": when, "lang": rng.choice(["en", "fa"]), "in_reply_to": None,
                  "intent": {"value": "question", "score": 1.0, "source": "rule"},
                  "sentiment": {"value": rng.choice(["positive", "negative"]), "score": rng.choice([0.6, -0.45]),
                                "source": "vader"},
                  "status": "new", "assignee": rng.choice([None, "team:social"]), "labels": rng.choice([[], ["amplify"]]),
                  "priority": "normal", "first_response_at": None, "resolved_at": None, "reply_post": None}
        meta, _ = SPLIT(feedback_store.render(fields, "Thanks!"))
        read += same_as_library(meta)
    assert read == 500


def test_the_bench_and_demo_styles_read_the_same_and_take_the_fast_path():
    metas = [
        '\nid: "bluesky-222"\nnetwork: "bluesky"\npost: null\nauthor: {"name": "Fan 1", "handle": "@fan1@b.example", '
        '"url": "https://b.example/@fan1"}\ncreated_at: "2026-09-25T15:00:00Z"\nintent: {"value": "positive", '
        '"score": 0.8, "source": "rule"}\nlabels: []\n',
        "\nid: bluesky-3mzojgz3em2ag\nkind: reply\nauthor: {name: \"Chloé Martin\", handle: \"@chloe.bsky.social\"}\n"
        "created_at: 2026-11-06T23:20:01Z\nintent: {value: positive, score: 0.6, source: vader}\nlabels: [amplify]\n"
        "priority: normal\nreply_post: null\n",
    ]
    assert all(same_as_library(meta) for meta in metas)


@pytest.mark.parametrize("meta", [
    "\nid: x\n# a comment\nkind: reply\n",  # comments
    "\nid: x\nauthor:\n  name: A\n",  # a block mapping
    "\nid: x\n\nkind: reply\n",  # a blank line between fields
    "\nid: x\nlabels:\n  - a\n",  # a block sequence
    "\nid: &a x\nkind: *a\n",  # anchors
    '\nid: "a\\u00e9"\n',  # escapes
    "\nid: x # trailing comment\n",
    "\nnull: x\n",  # a key YAML reads as None
    "\nid: {a: {b: c}}\n",  # nested flow
    "\nid: x\r\nkind: y\n",
    "\nid:\n",
    "\n",
])
def test_anything_else_is_left_to_the_library(meta):
    assert yamlfast.load_fields(meta) is None


def test_random_lines_of_awkward_pieces():
    rng = random.Random(9)
    keys = ["id", "kind", "author", "labels", "yes", "x1", "_k"]
    read = 0
    for _ in range(4000):
        lines = []
        for _ in range(rng.randint(1, 5)):
            shape = rng.randint(0, 3)
            pieces = [rng.choice(AWKWARD) for _ in range(rng.randint(0, 3))]
            quote = lambda p: rng.choice([p, f'"{p}"', f"'{p}'"])  # noqa: E731
            if shape == 0:
                value = quote(rng.choice(AWKWARD))
            elif shape == 1:
                value = "{" + ", ".join(f"{rng.choice(keys)}: {quote(p)}" for p in pieces) + "}"
            elif shape == 2:
                value = "[" + rng.choice([", ", ","]).join(quote(p) for p in pieces) + "]"
            else:
                value = quote(rng.choice(AWKWARD)) + rng.choice(["", " ", ":", ",", "}"])
            lines.append(f"{rng.choice(keys)}: {value}")
        meta = "\n" + "\n".join(lines) + "\n"
        if yamlfast.load_fields(meta) is not None:
            read += same_as_library(meta)
    assert read > 500
