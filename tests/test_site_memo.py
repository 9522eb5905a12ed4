"""site.memo.Memo: costly fragments (calendar.ics events) remembered between builds."""

from __future__ import annotations

from socialgit.site.memo import Memo


def refuse():
    raise AssertionError("made again though remembered")


def test_a_fragment_is_made_once_and_remembered_by_the_next_build(tmp_path):
    first = Memo(tmp_path, "events", "setup")
    assert first.get("a", lambda: b"event a") == b"event a"
    assert first.get("b", lambda: b"event b") == b"event b"
    assert first.get("a", refuse) == b"event a"  # asked twice in one build: made once
    assert first.made == 2
    first.save()

    second = Memo(tmp_path, "events", "setup")
    assert second.get("a", refuse) == b"event a"
    assert second.made == 0
    second.save()  # "b" was not asked for: dropped, so the memo never grows

    third = Memo(tmp_path, "events", "setup")
    assert third.get("a", refuse) == b"event a"
    assert third.get("b", lambda: b"made again") == b"made again"


def test_another_setup_or_no_calendar_remembers_nothing(tmp_path):
    memo = Memo(tmp_path, "events", "setup")
    memo.get("a", lambda: b"event a")
    memo.save()
    assert Memo(tmp_path, "events", "other theme").get("a", lambda: b"new") == b"new"
    unsaved = Memo(None, "events", "setup")
    assert unsaved.get("a", lambda: b"new") == b"new"
    unsaved.save()  # nowhere to keep it: nothing happens


def test_many_fragments_come_back_from_a_file_of_several_pieces(tmp_path):
    memo = Memo(tmp_path, "events", "setup")
    for n in range(3000):
        memo.get(("post", n), lambda n=n: b"BEGIN:VEVENT %d" % n)
    memo.save()
    again = Memo(tmp_path, "events", "setup")
    assert all(again.get(("post", n), refuse) == b"BEGIN:VEVENT %d" % n for n in range(3000))
