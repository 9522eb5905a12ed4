"""Rebuilds after posts' words were edited: their pages and calendar.ics patched, the site equal to a clean build."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from socialgit import calendar
from socialgit.calendar import load_calendar
from socialgit.cli import cli
from socialgit.site import build_site

from .site_helpers import feedback, receipt
from .test_site_build import NOW, clean_build, snapshot

FEED = 50  # feed.xml shows the 50 last published posts, p02 to p51: an edit of one of them changes it too


def published(repo, count: int = FEED + 2) -> None:
    """``count`` posts published in November, with receipts as the runner writes them (payload hashes)."""
    for number in range(count):
        day, hour = 1 + number // 6, 8 + number % 6
        repo.post(f"p{number:02d}", f"title: Post {number}\npublish_at: 2026-11-{day:02d} {hour:02d}:00\n"
                  "channels: [mastodon]", body=f"Post number {number}.", month="2026/11")
    calendar, _ = load_calendar(repo.root)
    for post in calendar.posts:
        receipt(repo, post.id, "mastodon", payload_hash=post.payload_hash("mastodon"),
                published_at=f"{post.publish_at.isoformat()}")
    repo.post("next", "title: Next\npublish_at: 2026-12-03 09:30\nchannels: [mastodon, bluesky]",
              body="Coming **soon**: https://example.org/soon")
    feedback(repo, "p00", "mastodon-1", "Nice one", sentiment="positive")
    repo.commit("Add posts")


def edit(repo, slug: str, body: str, front: str | None = None, month: str = "2026/11") -> None:
    number = int(slug[1:]) if slug.startswith("p") else 0
    day, hour = 1 + number // 6, 8 + number % 6
    repo.post(slug, front or f"title: Post {number}\npublish_at: 2026-11-{day:02d} {hour:02d}:00\n"
              "channels: [mastodon]", body=body, month=month)


def test_an_edited_published_post_is_patched_and_the_home_page_warns(repo, tmp_path):
    published(repo)
    assert not build_site(repo.root, None, NOW).patched
    site = repo.root / "site"
    edit(repo, "p00", "Post number 0, edited after it went out.")
    result = build_site(repo.root, None, NOW)
    assert result.patched and result.partial
    assert result.rendered == 2  # its page and the home page, which lists check's new warning
    assert "its text has been edited since" in (site / "index.html").read_text()
    assert "edited after it went out" in (site / "posts/p00/index.html").read_text()
    assert snapshot(site) == clean_build(repo, tmp_path)

    edit(repo, "p00", "Post number 0.")  # put back: the warning goes, calendar.ics is as before
    assert build_site(repo.root, None, NOW).patched
    assert "its text has been edited since" not in (site / "index.html").read_text()
    assert snapshot(site) == clean_build(repo, tmp_path)

    edit(repo, "p00", "Post number 0, edited again.")
    assert build_site(repo.root, None, NOW).patched
    # put back with an editor's swap file beside it: the other paths take over, with calendar.ics as it was
    # before the edits; its key says it was patched since, so they make it again
    edit(repo, "p00", "Post number 0.")
    repo.write("content/posts/2026/11/.p00.md.swp", "x")
    result = build_site(repo.root, None, NOW)
    assert result.partial and not result.patched
    assert snapshot(site) == clean_build(repo, tmp_path)


def test_an_edited_post_feed_xml_shows_is_patched_with_the_feed(repo, tmp_path):
    published(repo)
    build_site(repo.root, None, NOW)
    site = repo.root / "site"
    edit(repo, "p51", "Post number 51, *edited* after it went out.")
    result = build_site(repo.root, None, NOW)
    assert result.patched and result.written == 4  # its page, the home page, calendar.ics and feed.xml
    assert "&lt;em&gt;edited&lt;/em&gt; after it went out" in (site / "feed.xml").read_text()
    assert snapshot(site) == clean_build(repo, tmp_path)
    # put back beside a swap file: the other paths make feed.xml again, as its key says
    edit(repo, "p51", "Post number 51.")
    repo.write("content/posts/2026/11/.p51.md.swp", "x")
    assert not build_site(repo.root, None, NOW).patched
    assert snapshot(site) == clean_build(repo, tmp_path)


def test_the_patch_reads_no_other_post_receipt_or_comment(repo, monkeypatch, tmp_path):
    published(repo)
    build_site(repo.root, None, NOW)

    def refuse(*args, **kwargs):
        raise AssertionError("read the whole calendar")

    # where the full read looks them up (calendar.load_calendar)
    monkeypatch.setattr(calendar, "load_posts", refuse)
    monkeypatch.setattr(calendar, "load_receipts", refuse)
    repo.post("next", "title: Next\npublish_at: 2026-12-03 09:30\nchannels: [mastodon, bluesky]",
              body="Coming **very** soon: https://example.org/soon")
    result = build_site(repo.root, None, NOW)
    assert result.patched and result.rendered == 1 and result.written == 2  # its page and calendar.ics
    assert "Coming <strong>very</strong> soon" in (repo.root / "site/posts/next/index.html").read_text()
    assert "Coming very soon" in (repo.root / "site/calendar.ics").read_text().replace("\r\n ", "")
    monkeypatch.undo()
    assert snapshot(repo.root / "site") == clean_build(repo, tmp_path)


DECLINED = [
    ("a new title: the grids show it", lambda r: edit(r, "p01", "Post number 1.", "title: Renamed\npublish_at: "
                                                      "2026-11-01 09:00\nchannels: [mastodon]")),
    ("new tags: posts.json lists them", lambda r: edit(r, "p01", "Post number 1.", "title: Post 1\npublish_at: "
                                                       "2026-11-01 09:00\nchannels: [mastodon]\ntags: [sale]")),
    ("a field socialgit does not know: check warns while reading",
     lambda r: edit(r, "p01", "Post number 1.", "title: Post 1\npublish_at: 2026-11-01 09:00\n"
                    "channels: [mastodon]\ncolour: red")),
    ("more files than a text fix touches", lambda r: [edit(r, f"p{n:02d}", f"Post {n}, edited.") for n in range(6)]),
    ("a reply post answering a comment a page shows",
     lambda r: r.post("thanks", "title: Thanks\npublish_at: 2026-12-05 09:30\nchannels: [mastodon]\n"
                      "in_reply_to: mastodon-1")),
]


@pytest.mark.parametrize("what, change", DECLINED, ids=[name for name, _ in DECLINED])
def test_edits_that_may_change_other_pages_are_not_patched(repo, tmp_path, what, change):
    published(repo)
    build_site(repo.root, None, NOW)
    change(repo)
    assert not build_site(repo.root, None, NOW).patched
    assert snapshot(repo.root / "site") == clean_build(repo, tmp_path)


def test_a_comment_answered_by_a_reply_post_keeps_its_page_off_the_patch(repo, tmp_path):
    published(repo)
    repo.post("thanks", "title: Thanks\npublish_at: 2026-12-05 09:30\nchannels: [mastodon]\nin_reply_to: mastodon-1")
    build_site(repo.root, None, NOW)
    edit(repo, "p00", "Post number 0, edited.")  # its page shows mastodon-1 with the reply post's chip
    assert not build_site(repo.root, None, NOW).patched
    edit(repo, "p01", "Post number 1, edited.")  # no comment
    assert build_site(repo.root, None, NOW).patched
    assert snapshot(repo.root / "site") == clean_build(repo, tmp_path)


def test_a_calendar_ics_changed_since_the_last_build_is_made_again(repo, tmp_path):
    published(repo)
    build_site(repo.root, None, NOW)
    ics = repo.root / "site/calendar.ics"
    before = ics.read_bytes()
    ics.write_bytes(before.replace(b"SUMMARY:Post 1\r\n", b"SUMMARY:Post one\r\n"))
    assert ics.read_bytes() != before
    edit(repo, "p01", "Post number 1, edited.")
    assert not build_site(repo.root, None, NOW).patched
    assert snapshot(repo.root / "site") == clean_build(repo, tmp_path)


def test_build_says_what_it_patched(repo):
    published(repo)
    runner = CliRunner()
    now = ["--root", str(repo.root), "--now", NOW.isoformat()]
    assert runner.invoke(cli, ["build", *now]).exit_code == 0
    edit(repo, "p01", "Post number 1, edited.")
    done = runner.invoke(cli, ["build", *now])
    assert done.exit_code == 0, done.output
    # its page, the home page (check: a published post edited) and calendar.ics
    assert "rendered 2, wrote 3, removed 0; only posts' words changed: their pages and the feeds patched" in done.output


def test_an_edit_committed_before_the_build_lists_its_commit(repo, tmp_path):
    published(repo)
    build_site(repo.root, None, NOW)
    edit(repo, "p01", "Post number 1, edited.")
    repo.commit("Fix the first posts' words")
    assert not build_site(repo.root, None, NOW).patched  # its page lists the commit: the other paths
    assert "Fix the first posts" in (repo.root / "site/posts/p01/index.html").read_text()
    assert snapshot(repo.root / "site") == clean_build(repo, tmp_path)
