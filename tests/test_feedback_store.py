"""Feedback files: created once, never overwritten, edited field by field, values dumped as data."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from socialgit.channels.listening import Person
from socialgit.feedback import parse_feedback, sentiment_label
from socialgit.feedback_store import FeedbackFileError, create, item_path, load_all, read, render, update_fields
from socialgit.inbox import answered, same_person

T = datetime(2026, 11, 16, 10, 0, tzinfo=timezone.utc)


def fields(**extra) -> dict:
    base = {"id": "mastodon-1", "network": "mastodon", "kind": "reply", "post": "winter-sale",
            "url": "https://m.example/@a/1",
            "author": {"name": "A", "handle": "@a@m.example", "url": "https://m.example/@a"},
            "created_at": T, "fetched_at": T, "lang": "en", "in_reply_to": None, "intent": None, "sentiment": None,
            "status": "new", "assignee": None, "labels": [], "priority": "normal", "first_response_at": None,
            "resolved_at": None, "reply_post": None}
    base.update(extra)
    return base


def test_render_writes_the_design_order_and_plain_timestamps():
    text = render(fields(), "Hello")
    assert text == (
        "---\nid: mastodon-1\nnetwork: mastodon\nkind: reply\npost: winter-sale\nurl: https://m.example/@a/1\n"
        "author: {name: A, handle: '@a@m.example', url: 'https://m.example/@a'}\n"
        "created_at: 2026-11-16T10:00:00Z\nfetched_at: 2026-11-16T10:00:00Z\nlang: en\nin_reply_to: null\n"
        "intent: null\nsentiment: null\nstatus: new\nassignee: null\nlabels: []\npriority: normal\n"
        "first_response_at: null\nresolved_at: null\nreply_post: null\n---\nHello\n")


@pytest.mark.parametrize("name", [
    "yes", "null", "@handle", "a: b", "- item", "'quoted'", '"double"', "# not a comment", "{a: 1}",
    "---", "line\nbreak", "تست فارسی", "x" * 300, "&anchor", "*alias", "!tag", "%percent", "2026-11-16",
])
def test_any_display_name_reads_back_as_the_same_text(tmp_path, name):
    path = tmp_path / "f.md"
    create(path, fields(author={"name": name, "handle": "@h", "url": ""}), "body")
    assert read(path)[0]["author"]["name"] == name
    item, problems = parse_feedback("content/feedback/winter-sale/f.md", path.read_bytes())
    assert problems == [] and item.author.name == name.strip()


def test_an_unknown_sentiment_or_intent_is_a_warning_at_its_line(tmp_path):
    path = tmp_path / "f.md"
    create(path, fields(sentiment={"value": "positve", "score": 0.5, "source": "human"}, intent="Question"), "Hi")
    item, problems = parse_feedback("content/feedback/winter-sale/f.md", path.read_bytes())
    lines = path.read_text().splitlines()
    assert [(p.line, p.level) for p in problems] == [(lines.index("intent: Question") + 1, "warning"),
                                                     (lines.index(next(x for x in lines if x.startswith("sentiment:")))
                                                      + 1, "warning")]
    assert 'intent "Question" is not one of positive, negative, question, neutral' in problems[0].message
    assert item.sentiment.value == "positve"  # kept as written: a person fixes the file
    fine = tmp_path / "g.md"
    create(fine, fields(sentiment={"value": "question", "source": "human"}, intent="neutral"), "Hi")
    assert parse_feedback("content/feedback/winter-sale/g.md", fine.read_bytes())[1] == []
    blank = tmp_path / "h.md"
    create(blank, fields(sentiment={"value": " ", "source": "human"}, intent=""), "Hi")
    item, problems = parse_feedback("content/feedback/winter-sale/h.md", blank.read_bytes())
    # a blank value is no judgement: unclassified for the log and insights alike, and nothing to warn about
    assert problems == [] and item.sentiment is None and item.intent is None
    assert sentiment_label(item) == "unclassified"


def test_a_body_that_looks_like_front_matter_stays_body(tmp_path):
    path = tmp_path / "f.md"
    create(path, fields(), "---\nstatus: done\n---\nreal text")
    meta, body = read(path)
    assert meta["status"] == "new" and body == "---\nstatus: done\n---\nreal text\n"


def test_create_never_replaces_an_existing_file(tmp_path):
    path = tmp_path / "feedback" / "p" / "mastodon-1.md"
    assert create(path, fields(), "first")
    assert not create(path, fields(status="done"), "second")
    assert read(path) == (fields(), "first\n")
    assert [p.name for p in path.parent.iterdir()] == ["mastodon-1.md"]  # no temp file left


def test_update_fields_edits_only_its_lines_and_keeps_comments_and_style(tmp_path):
    path = tmp_path / "f.md"
    original = ("---\nid: mastodon-1\nstatus: triaged   # Sara is on it\nauthor: {name: A, handle: '@a'}\n"
                "labels:\n- refund\n- vip\nfirst_response_at: null\n---\nBody stays.\n\nEven this.\n")
    path.write_text(original, encoding="utf-8")

    assert update_fields(path, {"first_response_at": T, "labels": ["refund"]})

    assert path.read_text(encoding="utf-8") == (
        "---\nid: mastodon-1\nstatus: triaged   # Sara is on it\nauthor: {name: A, handle: '@a'}\n"
        "labels: [refund]\nfirst_response_at: 2026-11-16T10:00:00Z\n---\nBody stays.\n\nEven this.\n")
    assert not update_fields(path, {"labels": ["refund"]})  # same value: the file is not touched


def test_update_fields_adds_a_missing_field_at_the_end(tmp_path):
    path = tmp_path / "f.md"
    path.write_text("---\nid: x\n---\nb\n", encoding="utf-8")
    update_fields(path, {"last_response_at": T})
    assert path.read_text() == "---\nid: x\nlast_response_at: 2026-11-16T10:00:00Z\n---\nb\n"


def test_update_fields_falls_back_to_a_whole_front_matter_when_lines_cannot_be_followed(tmp_path):
    path = tmp_path / "f.md"
    path.write_text("---\n\"status\": new\nid: x\n---\nb\n", encoding="utf-8")  # a quoted key
    update_fields(path, {"status": "waiting"})
    assert read(path) == ({"status": "waiting", "id": "x"}, "b\n")


def test_broken_files_raise_one_line_errors_naming_the_file(tmp_path):
    path = tmp_path / "f.md"
    path.write_text("no front matter", encoding="utf-8")
    with pytest.raises(FeedbackFileError, match="f.md: no front matter"):
        read(path)
    path.write_text("---\nstatus: [oops\n---\n", encoding="utf-8")
    with pytest.raises(FeedbackFileError, match=r"f.md:\d+: the front matter is not valid YAML"):
        update_fields(path, {"status": "new"})
    path.write_text("---\nstatus: new\ncreated_at: 2026-13-45\n---\n", encoding="utf-8")
    with pytest.raises(FeedbackFileError, match=r"f.md: the front matter is not valid YAML: month must be in 1..12"):
        update_fields(path, {"status": "done"})
    assert path.read_text(encoding="utf-8") == "---\nstatus: new\ncreated_at: 2026-13-45\n---\n"


@pytest.mark.parametrize("post, name", [("../x", "mastodon-1"), ("p", "../../x"), ("p", "a/b"), ("p", "")])
def test_item_path_refuses_names_that_leave_the_folder(tmp_path, post, name):
    with pytest.raises(ValueError):
        item_path(tmp_path, post, name)


def test_item_path_puts_loose_mentions_in_their_folder(tmp_path):
    assert item_path(tmp_path, None, "bluesky-3k") == tmp_path / "content/feedback/_mentions/bluesky-3k.md"


def test_load_all_keeps_the_name_of_a_broken_file_so_nothing_is_written_twice(tmp_path):
    create(item_path(tmp_path, "p", "mastodon-1"), fields(), "ok")
    broken = item_path(tmp_path, "p", "mastodon-2")
    broken.write_text("---\n: : :\n---\n", encoding="utf-8")
    stored, problems = load_all(tmp_path)
    assert set(stored) == {"mastodon-1", "mastodon-2"} and stored["mastodon-1"].post == "p"
    assert len(problems) == 1 and "mastodon-2.md" in problems[0]


def test_a_team_reply_moves_an_open_item_to_waiting_once():
    first = answered(fields(), T, reply_post="thanks-ali")
    assert first == {"last_response_at": T, "first_response_at": T, "status": "waiting", "reply_post": "thanks-ali"}
    seen = fields(**first)
    assert answered(seen, T) == {}  # the same reply seen again
    later = datetime(2026, 11, 17, tzinfo=timezone.utc)
    assert answered(fields(**{**first, "status": "triaged"}), later) == {"last_response_at": later, "status": "waiting"}
    assert answered(fields(status="done"), T) == {"last_response_at": T, "first_response_at": T}
    assert answered(fields(status="ignored"), T)["first_response_at"] == T


def test_same_person_by_profile_url_or_handle():
    ali = Person("1", "Ali", "@ali@m.example", "https://m.example/@ali")
    assert same_person({"url": "https://m.example/@ali"}, ali)
    assert same_person({"handle": "@Ali@m.example"}, ali)
    assert not same_person({"handle": "@bob@m.example", "url": ""}, ali)
    assert not same_person({"handle": "", "url": ""}, Person("2"))
    assert not same_person("Ali", ali)
