from datetime import datetime, timezone
from pathlib import Path

import pytest

from socialgit import front_matter
from socialgit.config import parse_config
from socialgit.content import localize, parse_post
from socialgit.post_files import load_posts
from tests.conftest import BASE_TOML, TORONTO

CONFIG, _ = parse_config(BASE_TOML, Path("."))
PATH = "content/posts/2026/12/p.md"


def parse(text: str | bytes):
    raw = text.encode("utf-8") if isinstance(text, str) else text
    post, problems = parse_post(PATH, raw, CONFIG)
    return post, [str(p) for p in problems]


def test_a_complete_post():
    post, problems = parse(
        "---\ntitle: Winter sale\npublish_at: 2026-12-01 09:30\nchannels: [mastodon, bluesky]\n"
        "campaign: winter\ntags: [sale]\nmedia:\n  - {path: media/a.png, alt: A shop}\n"
        "variants:\n  bluesky: Short.\n---\nThe **sale** opens.\n"
    )
    assert problems == []
    assert post.id == "p"
    assert post.publish_at == datetime(2026, 12, 1, 14, 30, tzinfo=timezone.utc)
    assert post.channels == ("mastodon", "bluesky")
    assert post.media[0].alt == "A shop"
    assert post.parts_for("bluesky") == ["Short."]
    assert post.parts_for("mastodon") == ["The sale opens."]
    assert post.body_line == 12


def test_offset_times_are_kept():
    post, problems = parse("---\ntitle: T\npublish_at: 2026-12-01T09:30:00+01:00\nchannels: [x]\n---\nHi\n")
    assert problems == []
    assert post.publish_at.utcoffset().total_seconds() == 3600


def test_missing_front_matter():
    assert parse("Just text\n")[1] == [
        f"{PATH}:1: error: no front matter; start the file with a '---' line, the fields "
        "(title, publish_at, channels) and another '---' line"]


def test_unclosed_front_matter():
    assert parse("---\ntitle: T\n")[1] == [
        f"{PATH}:1: error: front matter is not closed; add a '---' line after the fields"]


def test_invalid_yaml_points_at_its_line():
    _, problems = parse("---\ntitle: T\nchannels: [x\npublish_at: 2026-12-01 09:30\n---\nHi\n")
    assert len(problems) == 1
    assert problems[0].startswith(f"{PATH}:4: error: front matter is not valid YAML:")


def test_a_date_that_does_not_exist_points_at_its_field():
    # publish_at is read as text and worded by the post's parser; a date YAML itself must make fails in YAML
    _, problems = parse("---\ntitle: T\nchannels: [x]\npublish_at: 2026-02-30 09:30\n---\nHi\n")
    assert problems[0].startswith(f'{PATH}:4: error: publish_at "2026-02-30 09:30" is not a date and time')
    for text, reason in (("created_at: 2026-13-45", "month must be in 1..12"), ("when: [0000-01-01]", "year 0 is out")):
        found = front_matter.read(f"---\nid: x\n{text}\nnote: n\n---\nHi\n", "f.md", "id", "id: …")
        assert found[0] is None and found[1].strip() == "Hi"
        assert str(found[3][0]).startswith(f"f.md:3: error: front matter is not valid YAML: {reason}")


def test_front_matter_that_is_not_fields():
    assert parse("---\n- a\n- b\n---\nHi\n")[1] == [
        f"{PATH}:2: error: front matter must be fields like 'title: …', one per line"]


def test_unknown_field_warns_with_did_you_mean():
    post, problems = parse("---\ntitle: T\npublish_at: 2026-12-01 09:30\nchanels: [x]\nchannels: [x]\n---\nHi\n")
    assert problems == [f'{PATH}:4: warning: unknown field "chanels" (did you mean "channels"?); it is ignored']
    assert post is not None


def test_unknown_channel_names_the_known_ones():
    _, problems = parse("---\ntitle: T\npublish_at: 2026-12-01 09:30\nchannels: [mastadon]\n---\nHi\n")
    assert problems == [f'{PATH}:4: error: unknown channel "mastadon" (did you mean "mastodon"?); '
                        "channels in socialgit.toml: mastodon, bluesky, x, slack"]


def test_a_channel_listed_twice_is_one_channel():
    # a webhook cannot be asked whether it got a post: listed twice, it would be sent twice
    post, problems = parse("---\ntitle: T\npublish_at: 2026-12-01 09:30\nchannels: [slack, x, slack]\n---\nHi\n")
    assert post.channels == ("slack", "x")
    assert problems == [f"{PATH}:4: warning: channel slack is listed more than once; the post goes out once there"]


def test_missing_title_and_time():
    _, problems = parse("---\nchannels: [x]\n---\nHi\n")
    assert problems == [
        f"{PATH}:1: error: title is missing; add 'title: …' to the front matter",
        f"{PATH}:1: error: publish_at is missing; add 'publish_at: 2026-12-01 09:30' or mark the post "
        "'status: draft'",
    ]


def test_a_draft_needs_no_time():
    post, problems = parse("---\ntitle: Idea\nstatus: draft\n---\nSomeday.\n")
    assert problems == [] and post.is_draft and post.publish_at is None


@pytest.mark.parametrize("value,message", [
    ("tomorrow", 'publish_at "tomorrow" is not a date and time; write it like 2026-12-01 09:30 (site time zone) '
                 "or 2026-12-01T09:30:00+01:00"),
    ("2026-12-01", "publish_at 2026-12-01 has no time of day; write it like 2026-12-01 09:30"),
])
def test_bad_times(value, message):
    _, problems = parse(f"---\ntitle: T\npublish_at: {value}\nchannels: [x]\n---\nHi\n")
    assert problems == [f"{PATH}:3: error: {message}"]


def test_spring_forward_gap_is_an_error_that_says_how_to_fix_it():
    # Toronto jumps from 02:00 to 03:00 on 2027-03-14: 02:30 never happens
    _, problems = parse("---\ntitle: T\npublish_at: 2027-03-14 02:30\nchannels: [x]\n---\nHi\n")
    assert problems == [
        f"{PATH}:3: error: publish_at 2027-03-14 02:30 does not exist in America/Toronto: the clocks jump "
        "forward that night; pick another time, e.g. 03:30, or write it with an offset like 2027-03-14T03:30-04:00"]


def test_fall_back_overlap_is_an_error_offering_both_offsets():
    # Toronto goes back from 02:00 to 01:00 on 2026-11-01: 01:30 happens twice
    _, problems = parse("---\ntitle: T\npublish_at: 2026-11-01 01:30\nchannels: [x]\n---\nHi\n")
    assert problems == [
        f"{PATH}:3: error: publish_at 2026-11-01 01:30 happens twice in America/Toronto: the clocks go back that "
        "night; write the offset to choose: 2026-11-01T01:30-04:00 (the first) or 2026-11-01T01:30-05:00 "
        "(the second)"]


def test_an_explicit_offset_settles_the_overlap():
    post, problems = parse("---\ntitle: T\npublish_at: 2026-11-01T01:30:00-05:00\nchannels: [x]\n---\nHi\n")
    assert problems == [] and post.publish_at.astimezone(timezone.utc).hour == 6


def test_localize_plain_time_has_no_note():
    moment, why = localize(datetime(2026, 7, 1, 9, 0), TORONTO)
    assert why is None and moment.utcoffset().total_seconds() == -4 * 3600


def test_non_utf8_file_names_the_line():
    _, problems = parse(b"---\ntitle: caf\xe9\n---\nHi\n")
    assert problems == [f"{PATH}:2: error: not UTF-8 text; save the file as UTF-8"]


def test_empty_body_is_an_error_for_a_ready_post_and_a_warning_for_a_draft():
    _, problems = parse("---\ntitle: T\npublish_at: 2026-12-01 09:30\nchannels: [x]\n---\n\n")
    assert problems == [f"{PATH}:6: error: the post has no text; write the body below the front matter"]
    _, problems = parse("---\ntitle: T\nstatus: draft\n---\n")
    assert problems == [f"{PATH}:5: warning: the post has no text; write the body below the front matter"]


def test_variants_for_every_channel_make_an_empty_body_fine():
    _, problems = parse("---\ntitle: T\npublish_at: 2026-12-01 09:30\nchannels: [x]\nvariants:\n  x: Hi\n---\n")
    assert problems == []


def test_bad_status_and_late_policy():
    _, problems = parse("---\ntitle: T\npublish_at: 2026-12-01 09:30\nchannels: [x]\nstatus: published\n"
                        "late: maybe\n---\nHi\n")
    assert problems == [
        f'{PATH}:5: error: status "published" is not allowed; use draft or ready (published and failed come from '
        "the ledger)",
        f'{PATH}:6: error: late "maybe" is not allowed; use post, skip, hold',
    ]


def test_persian_and_emoji_survive_and_set_direction():
    post, problems = parse("---\ntitle: حراج زمستانی\npublish_at: 2026-12-01 09:30\nchannels: [mastodon]\n"
                           "lang: fa\n---\nحراج زمستانی از امروز شروع شد ☕️🎉\n")
    assert problems == []
    assert post.direction == "rtl"
    assert post.parts_for("mastodon") == ["حراج زمستانی از امروز شروع شد ☕️🎉"]


def test_windows_line_endings_and_bom():
    post, problems = parse("\ufeff---\r\ntitle: T\r\npublish_at: 2026-12-01 09:30\r\nchannels: [x]\r\n---\r\nHi\r\n")
    assert problems == [] and post.title == "T"


def test_duplicate_ids_across_files(repo):
    repo.post("a", "title: A\npublish_at: 2026-12-01 09:30\nchannels: [x]\nid: same")
    repo.post("b", "title: B\npublish_at: 2026-12-02 09:30\nchannels: [x]\nid: same")
    config, _ = parse_config(BASE_TOML, repo.root)
    _, problems = load_posts(config)
    assert [str(p) for p in problems] == [
        'content/posts/2026/12/b.md:5: error: id "same" is already used by content/posts/2026/12/a.md; ids are '
        "never reused: rename this file or set a different id:"]


def test_paths_are_the_same_whatever_form_the_root_takes(repo, monkeypatch):
    repo.post("a", "title: A\npublish_at: 2026-12-01 09:30\nchannels: [x]")
    monkeypatch.chdir(repo.root)
    for root in (Path("."), repo.root, Path("./")):
        config, _ = parse_config(BASE_TOML, root)
        posts, _ = load_posts(config, use_cache=False)
        assert [p.path for p in posts] == ["content/posts/2026/12/a.md"]
