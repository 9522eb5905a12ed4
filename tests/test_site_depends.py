"""Rebuilds after edited posts: only the pages an edit can change are made, and the site equals a clean build."""

from __future__ import annotations

import marshal
import os
from pathlib import Path

import pytest

from socialgit.feedback import load_feedback

from socialgit.site import build_site
from socialgit.site import cache as cachelib
from socialgit.site import depends

from .test_site_build import NOW, clean_build, snapshot
from .site_helpers import feedback, receipt


def calendar(repo) -> None:
    repo.post("done", "title: Done\npublish_at: 2026-11-10 09:30\nchannels: [mastodon]", month="2026/11")
    repo.post("quiet", "title: Quiet\npublish_at: 2026-11-12 09:30\nchannels: [bluesky]", month="2026/11")
    repo.post("sale", "title: Winter sale\npublish_at: 2026-11-18 09:30\nchannels: [mastodon, bluesky]\n"
              "campaign: winter", body="Sale **starts** now", month="2026/11")
    repo.post("later", "title: Later\npublish_at: 2026-11-25 09:30\nchannels: [mastodon]", month="2026/11")
    repo.post("yalda", "title: شب یلدا\npublish_at: 2026-12-20 18:00\nchannels: [mastodon]\nlang: fa",
              body="شب یلدا مبارک!")
    # check's findings on the home page: for unchanged files they come from the record
    repo.post("long", "title: Long\npublish_at: 2026-12-22 18:00\nchannels: [bluesky]", body="word " * 70)
    receipt(repo, "done", "mastodon")
    receipt(repo, "quiet", "bluesky")
    feedback(repo, "done", "mastodon-1", "Great!", sentiment="positive")
    feedback(repo, "done", "mastodon-2", "Why?", in_reply_to="mastodon-1")
    repo.write("content/outbox/done.txt", "sent")
    repo.commit("Add posts")


EDITS = [
    # (what the team does, whether the pages it cannot change are kept unread: "patched" when only
    # the post's page, its event and maybe the home page are made (site/patch.py), "kept" when the
    # other post pages and the log are kept (site/depends.py), "" when all is modelled)
    ("edit the body of a post with comments",
     lambda r: r.post("done", "title: Done\npublish_at: 2026-11-10 09:30\nchannels: [mastodon]", "Edited.",
                      month="2026/11"), "patched"),
    ("retitle a post without comments: its neighbours show its chip",
     lambda r: r.post("quiet", "title: Quieter\npublish_at: 2026-11-12 09:30\nchannels: [bluesky]",
                      month="2026/11"), "kept"),
    ("add a post between two others",
     lambda r: r.post("new", "title: New\npublish_at: 2026-11-20 08:00\nchannels: [mastodon]\ncampaign: winter",
                      month="2026/11"), "kept"),
    ("move a post to another month", lambda r: r.post("later", "title: Later\npublish_at: 2026-12-01 09:30\n"
                                                      "channels: [mastodon]", month="2026/11"), "kept"),
    ("delete a post", lambda r: (r.root / "content/posts/2026/11/new.md").unlink(), "kept"),
    ("retitle a post the feedback log names",
     lambda r: r.post("done", "title: Done!\npublish_at: 2026-11-10 09:30\nchannels: [mastodon]", "Edited.",
                      month="2026/11"), ""),
    ("start a campaign", lambda r: r.post("yalda", "title: شب یلدا\npublish_at: 2026-12-20 18:00\n"
                                                   "channels: [mastodon]\nlang: fa\ncampaign: yalda"), ""),
    ("write a reply post", lambda r: r.post("thanks", "title: Thanks\npublish_at: 2026-11-21 08:00\n"
                                                      "channels: [mastodon]\nin_reply_to: mastodon-1",
                                            month="2026/11"), ""),
    ("an editor's swap file beside the posts", lambda r: r.write("content/posts/2026/11/.done.md.swp", "x"), "kept"),
    ("name an image that is not there yet", lambda r: r.post("quiet", "title: Quieter\npublish_at: 2026-11-12 09:30\n"
                                                                   "channels: [bluesky]\nmedia:\n  - path: quiet.png\n"
                                                                   "    alt: A quiet street", month="2026/11"), "kept"),
    ("put the image beside the post", lambda r: r.write("content/posts/2026/11/quiet.png", "png"), ""),
    ("shorten a post check found too long", lambda r: r.post("long", "title: Long\npublish_at: 2026-12-22 18:00\n"
                                                                    "channels: [bluesky]", body="word " * 50), "patched"),
    ("edit a post again", lambda r: r.post("sale", "title: Winter sale\npublish_at: 2026-11-18 09:30\n"
                                                  "channels: [mastodon, bluesky]\ncampaign: winter",
                                           "Sale ends soon", month="2026/11"), "patched"),
    ("add a comment", lambda r: feedback(r, "sale", "mastodon-3", "Nice"), ""),
]


def test_after_each_edit_the_site_equals_a_clean_build(repo, tmp_path):
    calendar(repo)
    clean_dir = tmp_path / "clean"
    clean_dir.mkdir()
    first = build_site(repo.root, None, NOW)
    assert not first.partial
    site = repo.root / "site"
    assert "content/posts/2026/12/long.md" in (site / "index.html").read_text()
    for name, edit, way in EDITS:
        edit(repo)
        result = build_site(repo.root, None, NOW)
        assert (result.partial, result.patched) == (way != "", way == "patched"), name
        assert snapshot(site) == clean_build(repo, clean_dir), f"after: {name}"
        assert result.pages == len(list(site.rglob("*.html"))), name


def test_an_edited_body_remakes_its_page_alone_and_reads_no_other_comments(repo, monkeypatch):
    calendar(repo)
    feedback(repo, "sale", "mastodon-3", "Nice")
    repo.commit("comment")
    build_site(repo.root, None, NOW)
    read = []
    real = depends.feedback_files
    monkeypatch.setattr(depends, "feedback_files", lambda record, ids: read.extend(real(record, ids)) or read)
    repo.post("sale", "title: Winter sale\npublish_at: 2026-11-18 09:30\nchannels: [mastodon, bluesky]\n"
              "campaign: winter", body="Sale starts **today**", month="2026/11")
    result = build_site(repo.root, None, NOW)
    assert result.partial and read == ["content/feedback/sale/mastodon-3.md"]
    assert result.rendered == 1  # its page; the grids show only its title and time


def test_a_kept_page_deleted_from_the_site_is_made_again(repo):
    calendar(repo)
    build_site(repo.root, None, NOW)
    (repo.root / "site/posts/yalda/index.html").unlink()
    repo.post("sale", "title: Winter sale\npublish_at: 2026-11-18 09:30\nchannels: [mastodon]\ncampaign: winter",
              month="2026/11")
    result = build_site(repo.root, None, NOW)
    assert not result.partial and (repo.root / "site/posts/yalda/index.html").is_file()


def test_a_commit_remakes_the_pages_of_the_posts_it_touched(repo, tmp_path):
    calendar(repo)
    build_site(repo.root, None, NOW)
    repo.post("quiet", "title: Quiet\npublish_at: 2026-11-12 09:30\nchannels: [bluesky]", "Edited.", month="2026/11")
    assert build_site(repo.root, None, NOW).partial
    repo.commit("Edit quiet")  # the file is as the last build read it; its page now lists the commit
    result = build_site(repo.root, None, NOW)
    assert result.partial and result.rendered == 1
    assert "Edit quiet" in (repo.root / "site/posts/quiet/index.html").read_text()
    assert snapshot(repo.root / "site") == clean_build(repo, tmp_path)


def test_another_day_models_everything(repo):
    calendar(repo)
    build_site(repo.root, None, NOW)
    repo.post("quiet", "title: Quiet\npublish_at: 2026-11-12 09:30\nchannels: [bluesky]", "Edited.", month="2026/11")
    assert not build_site(repo.root, None, NOW.replace(day=19)).partial  # states and "today" move


def test_many_changed_post_files_take_the_full_path_with_its_caches(repo, tmp_path):
    for day in range(1, 29):
        repo.post(f"p{day}", f"title: P{day}\npublish_at: 2026-11-{day:02d} 09:30\nchannels: [mastodon]",
                  month="2026/11")
    repo.commit("Add posts")
    build_site(repo.root, None, NOW)
    for path in (repo.root / "content/posts").rglob("*.md"):  # as a checkout or a fresh clone leaves them
        os.utime(path, ns=(path.stat().st_mtime_ns + 10**9,) * 2)
    assert not build_site(repo.root, None, NOW).partial
    assert snapshot(repo.root / "site") == clean_build(repo, tmp_path)


@pytest.mark.parametrize("drafts", [True, False])
def test_drafts_hidden_or_shown_the_partial_site_equals_a_clean_one(repo, tmp_path, drafts):
    calendar(repo)
    repo.post("idea", "title: Idea\nstatus: draft\npublish_at: 2026-11-22 09:30\nchannels: [mastodon]",
              month="2026/11")
    build_site(repo.root, None, NOW, drafts=drafts)
    repo.post("idea", "title: Idea\npublish_at: 2026-11-22 09:30\nchannels: [mastodon]", month="2026/11")
    result = build_site(repo.root, None, NOW, drafts=drafts)
    assert result.partial
    out = tmp_path / "clean"
    build_site(repo.root, out, NOW, drafts=drafts, use_cache=False)
    assert snapshot(repo.root / "site") == snapshot(out)


def test_the_record_is_not_used_with_another_build_cache(repo):
    calendar(repo)
    build_site(repo.root, None, NOW)
    record = depends.load(repo.root, repo.root / "site")
    assert record is not None and record.posts["done"].feedback == ("content/feedback/done/mastodon-1.md",
                                                                   "content/feedback/done/mastodon-2.md")
    assert record.log_posts == {"done"} and record.sentiments == {"done": {"positive": 1, "unclassified": 1}}
    record.inputs = "another build"
    depends.save(repo.root, repo.root / "site", record)
    repo.post("sale", "title: Winter sale\npublish_at: 2026-11-18 09:30\nchannels: [mastodon]", month="2026/11")
    assert not build_site(repo.root, None, NOW).partial


def test_the_default_root_dot_names_files_from_the_repository(repo, monkeypatch, tmp_path):
    calendar(repo)
    monkeypatch.chdir(repo.root)
    root = Path(".")  # what --root defaults to: Path(".") / "content" drops the "./"
    assert "content/posts/2026/11/done.md" in cachelib.fingerprint(root).kept
    assert {i.path for i in load_feedback(root)[0]} == {"content/feedback/done/mastodon-1.md",
                                                         "content/feedback/done/mastodon-2.md"}
    build_site(root, None, NOW)
    repo.post("done", "title: Done\npublish_at: 2026-11-10 09:30\nchannels: [mastodon]", "Edited.", month="2026/11")
    assert build_site(root, None, NOW).partial
    assert snapshot(repo.root / "site") == clean_build(repo, tmp_path)


def test_the_record_keeps_each_page_as_it_was_made():
    rows = depends.PostRows()
    row = depends.PostRecord("content/posts/a.md", ("a",), (None, "b"), None,
                             ("content/feedback/a/x-1.md", "content/feedback/a/deeper/x-2.md",
                              "content/feedback/b/x-3.md"), False, (), "h", ())
    rows.put("a", row)
    assert len(rows.rows["a"]) < len(marshal.dumps(tuple(row)))  # its own folder's names kept short
    assert depends.PostRows(dict(rows.rows))["a"] == row
