import os
import time

from socialgit.filecache import RACY_NS, FileCache


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
