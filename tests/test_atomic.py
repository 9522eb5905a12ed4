"""Files the runner records: written whole, readable like the checkout, and a new one never replaces another."""

import os
import stat

import pytest

from socialgit import atomic
from socialgit.atomic import write_json_atomic, write_new, write_text_atomic


def mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def test_new_files_are_as_readable_as_the_checkout(tmp_path):
    # mkstemp makes private files: a feedback item or outbox post stayed unreadable to a
    # site build or web server running as another user
    assert write_new(tmp_path / "feedback" / "a.md", "hello")
    write_text_atomic(tmp_path / "ledger" / "r.json", "{}\n")
    assert mode(tmp_path / "feedback" / "a.md") == 0o644
    assert mode(tmp_path / "ledger" / "r.json") == 0o644


def test_write_new_never_replaces_what_is_there(tmp_path):
    path = tmp_path / "a.md"
    assert write_new(path, b"first")
    assert not write_new(path, "second")
    assert path.read_text() == "first"
    assert os.listdir(tmp_path) == ["a.md"]  # no temporary file left behind


def test_replacing_writes_sorted_json_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "r.json"
    write_json_atomic(path, {"b": 1, "a": "é"})
    write_json_atomic(path, {"b": 2, "a": "é"})
    assert path.read_text(encoding="utf-8") == '{\n  "a": "é",\n  "b": 2\n}\n'
    assert os.listdir(tmp_path) == ["r.json"]


def test_a_failed_replace_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "r.json"
    write_text_atomic(path, "old\n")

    def full_disk(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", full_disk)
    with pytest.raises(OSError):
        write_text_atomic(path, "new\n")
    assert path.read_text() == "old\n"
    assert os.listdir(tmp_path) == ["r.json"]


def test_without_hard_links_a_new_file_is_still_never_replaced(tmp_path, monkeypatch):
    def no_links(*args):
        raise OSError(1, "Operation not permitted")

    monkeypatch.setattr(atomic.os, "link", no_links)
    path = tmp_path / "a.md"
    assert write_new(path, "first")
    assert not write_new(path, "second")
    assert path.read_text() == "first"
    assert os.listdir(tmp_path) == ["a.md"]
