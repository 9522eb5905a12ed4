import marshal
import os
import time

import pytest

from socialgit.filecache import RACY_NS, FileCache, installed_versions
from socialgit.state import read_cache, read_pieces, write_cache, write_pieces


def age(path, seconds_ago: float) -> None:
    stamp = time.time_ns() - int(seconds_ago * 1e9)
    os.utime(path, ns=(stamp, stamp))


def test_a_cached_value_is_reused_until_the_file_changes(tmp_path):
    target = tmp_path / "a.md"
    target.write_text("one")
    age(target, 10)
    calls = []

    def parse():
        calls.append(1)
        return target.read_text()

    cache = FileCache(tmp_path, "t", "salt")
    assert cache.get("a.md", target.stat(), parse) == "one"
    cache.save()
    assert FileCache(tmp_path, "t", "salt").get("a.md", target.stat(), parse) == "one"
    assert len(calls) == 1
    target.write_text("two!")
    age(target, 10)
    assert FileCache(tmp_path, "t", "salt").get("a.md", target.stat(), parse) == "two!"
    assert len(calls) == 2


def test_a_file_changed_within_the_racy_window_is_never_trusted(tmp_path):
    target = tmp_path / "a.md"
    target.write_text("one")
    stamp = time.time_ns() - RACY_NS // 4
    os.utime(target, ns=(stamp, stamp))
    cache = FileCache(tmp_path, "t", "salt")
    cache.get("a.md", target.stat(), lambda: "one")
    cache.save()
    target.write_text("two")  # same size, and maybe the same mtime tick
    os.utime(target, ns=(stamp, stamp))
    assert FileCache(tmp_path, "t", "salt").get("a.md", target.stat(), lambda: "two") == "two"


def test_another_salt_or_a_broken_cache_means_parsing_again(tmp_path):
    target = tmp_path / "a.md"
    target.write_text("one")
    age(target, 10)
    cache = FileCache(tmp_path, "t", "salt")
    cache.get("a.md", target.stat(), lambda: "one")
    cache.save()
    assert FileCache(tmp_path, "t", "other").get("a.md", target.stat(), lambda: "fresh") == "fresh"
    cache.path.write_bytes(b"not a pickle")
    assert FileCache(tmp_path, "t", "salt").get("a.md", target.stat(), lambda: "fresh") == "fresh"


def test_the_state_folder_ignores_itself(tmp_path):
    FileCache(tmp_path, "t", "salt")
    assert (tmp_path / ".socialgit" / ".gitignore").read_text() == "*\n"


# --- what the loaders keep: parsed files come back from the cache exactly as parsed ------------

def age_tree(root) -> None:
    for path in root.rglob("*"):
        if path.is_file():
            age(path, 10)


def test_moments_keep_their_zone_and_fold():
    from datetime import datetime, timedelta, timezone
    from zoneinfo import ZoneInfo

    from socialgit.filecache import moment_data, moment_from

    for moment in (datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=ZoneInfo("Europe/Berlin")),
                   datetime(2026, 1, 1, 5, 0, 0, 12, tzinfo=timezone(timedelta(hours=-3, minutes=-30))),
                   datetime(2026, 1, 1, tzinfo=timezone.utc), datetime(2026, 1, 1), None):
        back = moment_from(moment_data(moment))
        assert repr(back) == repr(moment) and (moment is None or back.fold == moment.fold)
    try:
        moment_data(datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=1), "CET")))
    except ValueError:
        pass
    else:
        raise AssertionError("a named offset would come back without its name")


def test_posts_come_back_from_the_cache_as_parsed(repo, monkeypatch):
    from socialgit import post_files
    from socialgit.config import load_config

    repo.write("content/media/a.png", "png")
    repo.post("dst", "title: Fall back\npublish_at: 2026-11-01 01:30\nchannels: [mastodon]")
    repo.post("offset", "title: Offset\npublish_at: 2026-12-01T09:30:00+05:30\nchannels: [bluesky, x]\n"
              "variants:\n  x: Short\ncampaign: winter\ntags: [a, b]\nmedia:\n  - {path: media/a.png, alt: A cup}")
    repo.post("draft", "title: Draft\nstatus: draft\nlate: post", "")
    repo.post("broken", "title: [unclosed\nchannels: [nowhere]")
    repo.post("unknown", "title: Unknown\npublish_at: 2026-12-01 09:30\nchannels: [nowhere]\ncolour: red")
    age_tree(repo.root)
    config, _ = load_config(repo.root)
    parsed = post_files.load_posts(config), post_files.load_slots(config)
    monkeypatch.setattr(post_files, "parse_post", lambda *a: (_ for _ in ()).throw(AssertionError("parsed again")))
    cached = post_files.load_posts(config), post_files.load_slots(config)
    assert repr(cached) == repr(parsed)
    zones = [[post.publish_at and post.publish_at.tzinfo for post in posts] for (posts, _), _ in (cached, parsed)]
    assert zones[0] == zones[1]


def test_feedback_and_receipts_come_back_from_the_cache_as_parsed(repo, monkeypatch):
    from socialgit import feedback, ledger
    from tests.site_helpers import feedback as write_feedback
    from tests.site_helpers import receipt

    write_feedback(repo, "p", "mastodon-1", "Thanks!", intent={"value": "question", "score": 1.0, "source": "rule"},
                   labels=["amplify"], resolved_at="2026-11-11T10:00:00+01:00")
    write_feedback(repo, "p", "bluesky-2", "Hm.", sentiment="negative", kind="quote")
    repo.write("content/feedback/_mentions/mastodon-3.md", "---\n# a hand edit\nid: mastodon-3\nstatus: odd\n"
               "created_at: 2026-11-10 15:00:00+02:00\n---\nhi\n")
    repo.write("content/feedback/p/broken.md", "---\nid: [\n---\n")
    receipt(repo, "p", "mastodon")
    receipt(repo, "p", "bluesky", state="failed", error="refused", attempts=2)
    repo.write("content/ledger/p/x.json", "{not json")
    age_tree(repo.root)
    parsed = feedback.load_feedback(repo.root, use_cache=True), ledger.load_receipts(repo.root)
    monkeypatch.setattr(feedback, "parse_feedback", lambda *a: (_ for _ in ()).throw(AssertionError("parsed again")))
    monkeypatch.setattr(ledger, "read_receipt", lambda *a: (_ for _ in ()).throw(AssertionError("read again")))
    cached = feedback.load_feedback(repo.root, use_cache=True), ledger.load_receipts(repo.root)
    assert repr(cached) == repr(parsed)
    assert len(parsed[0][0]) == 3 and len(parsed[0][1]) == 2 and len(parsed[1][1]) == 1


def test_metrics_come_back_from_the_cache_as_parsed(repo, monkeypatch):
    from socialgit import metrics

    repo.write("content/ledger/metrics/p/mastodon.jsonl", '{"at": "2026-11-10T10:00:00Z", "likes": 3}\n'
               '{"at": "2026-11-10T09:00:00+01:00", "favourites_count": "1,234"}\nnot json\n')
    repo.write("content/ledger/metrics/p/bluesky.jsonl", '{"at": "2026-11-10T10:00:00Z", "likes": 1, "quotes": 0}\n')
    (repo.root / "content/ledger/metrics/q").mkdir()
    (repo.root / "content/ledger/metrics/q/x.jsonl").write_bytes(b"\xff\xfe")
    age_tree(repo.root)
    parsed = metrics.load_metrics(repo.root)
    monkeypatch.setattr(metrics, "parse_snapshots", lambda *a: (_ for _ in ()).throw(AssertionError("parsed again")))
    cached = metrics.load_metrics(repo.root)
    assert repr(cached) == repr(parsed)
    assert len(parsed[1]) == 2 and parsed[0]["p"]["mastodon"][0].counts == {"likes": 1234}


def test_files_parsed_by_worker_processes_come_back_as_parsed_here(repo, monkeypatch):
    from socialgit import feedback, filecache, post_files
    from socialgit.config import load_config
    from tests.site_helpers import feedback as write_feedback

    for number in range(7):
        repo.post(f"p{number}", f"title: P{number}\npublish_at: 2026-12-0{number + 1} 09:30\nchannels: [mastodon]")
        write_feedback(repo, f"p{number}", f"mastodon-{number}", f"Reply {number}", labels=["a"])
    repo.write("content/feedback/p0/broken.md", "---\nid: [\n---\n")
    config, _ = load_config(repo.root)
    serial = post_files.load_posts(config, use_cache=False), feedback.load_feedback(repo.root)
    monkeypatch.setattr(filecache, "POOL_MIN", 1)
    pooled = post_files.load_posts(config, use_cache=False), feedback.load_feedback(repo.root)
    assert repr(pooled) == repr(serial)
    age_tree(repo.root)
    assert repr((post_files.load_posts(config), feedback.load_feedback(repo.root, use_cache=True))) == repr(serial)
    assert repr(feedback.feedback_problems(repo.root)) == repr(serial[1][1])
    # a value a worker cannot encode is parsed again here
    encode = feedback.CODEC[0]
    monkeypatch.setattr(feedback, "CODEC", (lambda parsed: encode(parsed) if parsed[0] is None or
                                            parsed[0].id != "mastodon-3" else _refuse(), feedback.CODEC[1]))
    assert repr(feedback.load_feedback(repo.root)) == repr(serial[1])


def _refuse():
    raise ValueError("cannot keep this one")


@pytest.mark.parametrize("items_cached", [False, True])
def test_check_and_insights_read_feedback_summaries_from_their_own_cache_and_see_an_edit(repo, monkeypatch,
                                                                                       items_cached):
    from socialgit import feedback
    from socialgit.insights import sentiment_tally, tally_sentiments
    from tests.site_helpers import feedback as write_feedback

    repo.post("p", "title: P\npublish_at: 2026-12-01 09:30\nchannels: [mastodon]")
    write_feedback(repo, "p", "mastodon-1", "Fine")
    write_feedback(repo, "p", "mastodon-2", "Great", sentiment={"value": "positive", "score": 0.7, "source": "vader"})
    write_feedback(repo, "p", "mastodon-3", "Bad", sentiment="negative")
    repo.write("content/feedback/_mentions/mastodon-4.md", "---\nid: mastodon-4\nkind: mention\n---\nHi\n")
    broken = repo.write("content/feedback/p/broken.md", "---\nid: [\n---\n")
    age_tree(repo.root)
    items, problems = feedback.load_feedback(repo.root, use_cache=items_cached)  # the summaries from either
    first = feedback.feedback_problems(repo.root)
    assert [p.path for p in first] == ["content/feedback/p/broken.md"] and repr(first) == repr(problems)
    pairs, found = feedback.feedback_sentiments(repo.root)
    assert tally_sentiments(pairs) == sentiment_tally(items) == {"p": {"unclassified": 1, "positive": 1,
                                                                       "negative": 1}}
    assert repr(found) == repr(problems)
    # warm: nothing is parsed and the items' cache is not opened
    monkeypatch.setattr(feedback, "parse_feedback", lambda *a: pytest.fail("parsed a file the cache knows"))
    opened = []
    real = feedback.FileCache
    monkeypatch.setattr(feedback, "FileCache", lambda root, name, *a: opened.append(name) or real(root, name, *a))
    assert repr(feedback.feedback_problems(repo.root)) == repr(first)
    assert tally_sentiments(feedback.feedback_sentiments(repo.root)[0]) == sentiment_tally(items)
    assert opened == ["feedback-problems", "feedback-summary"]
    monkeypatch.undo()
    # an edit (same size, new mtime) is read again
    broken.write_text("---\nid: ok\n---\n", encoding="utf-8")
    age_tree(repo.root)
    assert feedback.feedback_problems(repo.root) == []


def test_a_check_after_one_edit_leaves_the_builds_feedback_cache_whole(repo):
    """check reads the items' cache only for files its problems cache does not know; saving it must not
    drop the others, or the next build would parse every feedback file again."""
    from socialgit import feedback
    from socialgit.state import state_dir
    from tests.site_helpers import feedback as write_feedback

    repo.post("p", "title: P\npublish_at: 2026-12-01 09:30\nchannels: [mastodon]")
    for number in range(4):
        write_feedback(repo, "p", f"mastodon-{number}", f"Reply {number}")
    age_tree(repo.root)
    feedback.load_feedback(repo.root, use_cache=True)  # the build's cache of items
    feedback.feedback_problems(repo.root)  # check's cache of problems
    edited = repo.root / "content/feedback/p/mastodon-0.md"
    edited.write_text(edited.read_text(encoding="utf-8") + "More.\n", encoding="utf-8")
    age(edited, 10)  # the others keep their times: the problems cache knows them
    feedback.feedback_problems(repo.root)
    _, entries = read_pieces(state_dir(repo.root) / "feedback.pieces")
    assert sorted(entries) == [f"content/feedback/p/mastodon-{n}.md" for n in range(4)]


def test_a_cache_file_is_replaced_whole_or_left_as_it_was(tmp_path):
    path = tmp_path / "cache" / "x.marshal"
    assert read_cache(path) is None  # no file yet
    assert write_cache(path, ("salt", {"a": 1}))
    assert read_cache(path) == ("salt", {"a": 1})
    assert not write_cache(path, ("salt", {"a": object()}))  # marshal cannot hold it: the old file stays
    assert read_cache(path) == ("salt", {"a": 1})
    blocked = tmp_path / "a-file" / "x.marshal"  # its folder cannot be made: a read-only checkout's kind of error
    (tmp_path / "a-file").write_text("")
    assert not write_cache(blocked, ("salt", {}))
    assert [p.name for p in path.parent.iterdir()] == ["x.marshal"]
    path.write_bytes(marshal.dumps(("salt", {"a": 1}))[:-3])  # cut short: a crash of an older writer
    assert read_cache(path) is None


def test_a_big_cache_written_in_pieces_comes_back_whole_or_not_at_all(tmp_path):
    path = tmp_path / "cache" / "x.pieces"
    entries = {f"key-{n}": (b"event %d" % n, n) for n in range(2500)}
    assert read_pieces(path) is None  # no file yet
    assert write_pieces(path, "salt", entries, size=1000)  # three pieces, the last one short
    assert read_pieces(path) == ("salt", entries)
    assert write_pieces(path, ("salt", 2), {})
    assert read_pieces(path) == (("salt", 2), {})
    assert not write_pieces(path, "salt", {**entries, "odd": object()}, size=1000)  # in the last piece
    assert read_pieces(path) == (("salt", 2), {})  # the old file stays, and no temporary file is left
    assert [p.name for p in path.parent.iterdir()] == ["x.pieces"]
    assert write_pieces(path, "salt", entries, size=1000)
    whole = path.read_bytes()
    for cut in (whole[:-3], whole[:len(whole) // 2], whole[3:], b"", b"\0" * 8):  # crashes, other files
        path.write_bytes(cut)
        assert read_pieces(path) is None
    path.write_bytes(marshal.dumps(("salt", entries)))  # the one-piece file of an earlier version
    assert read_pieces(path) is None
    # what earlier versions kept under the same name goes once the new file is written, and only that
    for name in ("x.marshal", "x.pickle", "x.record.marshal", "y.marshal"):
        (path.parent / name).write_bytes(b"old")
    assert write_pieces(path, "salt", entries)
    assert sorted(p.name for p in path.parent.iterdir()) == ["x.pieces", "x.record.marshal", "y.marshal"]


def test_installed_versions_come_from_the_dist_info_folders(tmp_path, monkeypatch):
    (tmp_path / "fakelib").mkdir()
    (tmp_path / "fakelib" / "__init__.py").write_text("")
    (tmp_path / "fakelib-1.2.dist-info").mkdir()
    (tmp_path / "fakelibextra-9.dist-info").mkdir()  # another distribution whose name only starts alike
    monkeypatch.syspath_prepend(str(tmp_path))
    assert installed_versions({"fakelib": "fakelib", "not_installed_anywhere": "nope"}) == "fakelib-1.2.dist-info|"
    (tmp_path / "fakelib-1.2.dist-info").rename(tmp_path / "fakelib-1.3.dist-info")
    assert installed_versions({"fakelib": "fakelib"}) == "fakelib-1.3.dist-info"
