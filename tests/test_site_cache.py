"""cache.Digests: the keys that decide which pages are rendered again.

A key must change whenever a view's content changes (else a page goes stale) and
should not change otherwise, whichever objects the views happen to share.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

from markupsafe import Markup

from socialgit.site.cache import Digests, key_of


@dataclass(frozen=True)
class Leaf:
    text: str
    number: object = 0


@dataclass(frozen=True)
class Page:
    path: str
    items: tuple
    extra: object = None


@dataclass(frozen=True)
class Renamed:
    path: str
    items: tuple
    other: object = None


def test_equal_content_gives_equal_keys_whatever_is_shared():
    shared = Leaf("chip")
    one = Page("a", (shared, shared, [shared]))
    two = Page("a", (Leaf("chip"), Leaf("chip"), [Leaf("c" + "hip")]))
    assert Digests().key(one) == Digests().key(two) == key_of(two)
    digests = Digests()  # one Digests over many pages, as a build uses it
    assert digests.key("setup", one) == digests.key("setup", two)


def test_any_change_of_content_or_type_changes_the_key():
    base = Page("a", (Leaf("x", 1), {"k": [1.5, None]}), date(2026, 1, 1))
    variants = [
        Page("b", base.items, base.extra),
        Page("a", (Leaf("y", 1), {"k": [1.5, None]}), base.extra),
        Page("a", (Leaf("x", True), {"k": [1.5, None]}), base.extra),  # bool is not int
        Page("a", (Leaf("x", 1.0), {"k": [1.5, None]}), base.extra),  # nor float
        Page("a", (Leaf("x", "1"), {"k": [1.5, None]}), base.extra),
        Page("a", (Leaf("x", 1), {"k": (1.5, None)}), base.extra),  # a tuple is not a list
        Page("a", (Leaf("x", 1), {"j": [1.5, None]}), base.extra),
        Page("a", (Leaf("x", 1), {"k": [1.5, 0]}), base.extra),
        Page("a", (Leaf(Markup("x"), 1), {"k": [1.5, None]}), base.extra),  # markup is not text
        Page("a", (Leaf("x", 1), {"k": [1.5, None]}), datetime(2026, 1, 1, tzinfo=timezone.utc)),
        Page("a", (Leaf("x", 1), {"k": [1.5, None]}), date(2026, 1, 2)),
        Page("a", (Leaf("x", 1),), base.extra),
        Renamed("a", base.items, base.extra),  # another class, other field names
        Page("a", (Leaf("x", 1), {"k": [1.5, None]}, ""), base.extra),
    ]
    keys = {Digests().key(page) for page in variants}
    assert len(keys) == len(variants) and Digests().key(base) not in keys


def test_strings_cannot_run_into_each_other():
    assert key_of(("ab", "c")) != key_of(("a", "bc"))
    assert key_of(("a\0", "b")) != key_of(("a", "\0b"))
    assert key_of(Leaf("é")) != key_of(Leaf("e\u0301"))


def test_the_fingerprint_is_the_same_walked_by_one_process_or_two(tmp_path, monkeypatch):
    import os

    from socialgit.site import cache

    for post in range(80):  # more second-level folders than the forked walk needs
        folder = tmp_path / "content" / "feedback" / f"post-{post:02d}"
        folder.mkdir(parents=True)
        (folder / "mastodon-1.md").write_text(f"reply {post}")
    (tmp_path / "content" / "feedback" / "post-07" / "gone.md").symlink_to(tmp_path / "nowhere")
    (tmp_path / "socialgit.toml").write_text("")
    forked = cache.fingerprint(tmp_path)
    monkeypatch.setattr(cache.threading, "active_count", lambda: 2)  # as in `serve`: no fork
    assert cache.fingerprint(tmp_path) == forked
    target = tmp_path / "content" / "feedback" / "post-41" / "mastodon-1.md"
    os.utime(target, ns=(1, 1))
    changed = cache.fingerprint(tmp_path)
    monkeypatch.undo()
    assert cache.fingerprint(tmp_path) == changed != forked
    target.write_text("reply 41 longer")
    assert cache.fingerprint(tmp_path) != changed


def test_the_fingerprint_keeps_the_stat_of_every_file_under_the_posts_folder(tmp_path):
    from socialgit.filecache import repo_files
    from socialgit.site import cache

    for post in range(70):  # the posts' months walked in this process, the feedback shared with a second
        (tmp_path / "content" / "posts" / "2026" / f"{post % 12 + 1:02d}").mkdir(parents=True, exist_ok=True)
        (tmp_path / "content" / "posts" / "2026" / f"{post % 12 + 1:02d}" / f"p{post}.md").write_text("x" * post)
        (tmp_path / "content" / "feedback" / f"p{post}").mkdir(parents=True)
        (tmp_path / "content" / "feedback" / f"p{post}" / "mastodon-1.md").write_text("hi")
    (tmp_path / "content" / "posts" / "top.md").write_text("top")
    (tmp_path / "content" / "posts" / "2026" / "01" / ".p0.md.swp").write_text("swap")
    (tmp_path / "content" / "posts" / "2026" / "01" / "photo.png").write_bytes(b"png")
    walked = {rel: (info.st_size, info.st_mtime_ns) for rel, _, info in repo_files(tmp_path, "content/posts", "")}
    assert len(walked) == 73 and cache.fingerprint(tmp_path).kept == walked


def test_a_view_is_digested_once_and_the_tuples_inside_it_are_not_remembered():
    """A build digests 100,000 feedback entries: remembering every tuple in them held 150 MB for no reuse."""
    shared = Leaf("entry", (("status", "new"), ("network", "mastodon")))
    digests = Digests()
    first = digests.key(Page("a", (shared,)))
    assert digests.key(Page("b", (shared,))) != first
    remembered = {type(value) for value in digests.keep}
    assert remembered == {Leaf, Page}  # the views; not the tuples, whose content the views' digests hold
    assert sum(value is shared for value in digests.keep) == 1  # the shared view, digested once
