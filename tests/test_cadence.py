from pathlib import Path

from socialgit.cadence import breaches, week_start_of
from socialgit.config import parse_config
from socialgit.content import Post
from tests.conftest import BASE_TOML, TORONTO, at

CONFIG, _ = parse_config(BASE_TOML, Path("."))


def post(pid: str, when: str, channels=("mastodon",)) -> Post:
    return Post(id=pid, path=f"content/posts/{pid}.md", title=pid, publish_at=at(when), channels=channels, body="x")


def test_more_than_max_per_day_on_a_local_day():
    # 23:30 Toronto is already the next day in UTC: the local day counts
    posts = [post("a", "2026-12-01T08:00"), post("b", "2026-12-01T13:00"), post("c", "2026-12-01T23:30")]
    [breach] = breaches(posts, CONFIG.channels["mastodon"], TORONTO, "monday")
    assert breach.kind == "day"
    assert breach.message == "channel mastodon has 3 posts on Tue 2026-12-01, more than max_per_day = 2"


def test_min_gap_names_the_earlier_post():
    posts = [post("a", "2026-12-01T08:00"), post("b", "2026-12-01T09:15")]
    [breach] = breaches(posts, CONFIG.channels["mastodon"], TORONTO, "monday")
    assert breach.message == ("channel mastodon: only 1 h 15 min after content/posts/a.md, "
                              "less than min_gap = 3 h 00 min")


def test_drafts_and_other_channels_do_not_count():
    posts = [post("a", "2026-12-01T08:00"), post("b", "2026-12-01T09:00", channels=("bluesky",)),
             Post(id="d", path="d.md", title="d", publish_at=at("2026-12-01T09:00"), channels=("mastodon",),
                  status="draft")]
    assert breaches(posts, CONFIG.channels["mastodon"], TORONTO, "monday") == []


def test_week_start():
    wednesday = at("2026-12-02T00:00").date()
    assert week_start_of(wednesday, "monday").isoformat() == "2026-11-30"
    assert week_start_of(wednesday, "sunday").isoformat() == "2026-11-29"
    assert week_start_of(wednesday, "saturday").isoformat() == "2026-11-28"


def test_replies_do_not_count_toward_cadence():
    posts = [post("a", "2026-12-01T08:00"),
             Post(id="r", path="r.md", title="r", publish_at=at("2026-12-01T08:30"), channels=("mastodon",),
                  body="x", in_reply_to="mastodon-1")]
    assert breaches(posts, CONFIG.channels["mastodon"], TORONTO, "monday") == []
