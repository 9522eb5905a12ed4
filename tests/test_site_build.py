"""`socialgit build` end to end: files, escaping, relative links, and incremental == clean."""

from __future__ import annotations

import os
import re
import shutil
from datetime import timedelta
from pathlib import Path

import jinja2
import pytest
from click.testing import CliRunner
from markupsafe import Markup, escape

import socialgit.commands.site  # noqa: F401  registers build/serve on the group until cli.py imports it
from socialgit import derived
from socialgit.cli import cli
from socialgit.site import build_site
from socialgit.site.cache import cache_path

from .conftest import at
from .site_helpers import feedback, receipt

NOW = at("2026-11-16 10:00")


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def mtimes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def small_calendar(repo) -> None:
    repo.post("sale", "title: Winter sale\npublish_at: 2026-11-18 09:30\nchannels: [mastodon, bluesky]\n"
              "campaign: winter", body="Sale **starts** now https://example.org", month="2026/11")
    repo.post("done", "title: Done\npublish_at: 2026-11-10 09:30\nchannels: [mastodon]", month="2026/11")
    repo.post("yalda", "title: شب یلدا\npublish_at: 2026-12-20 18:00\nchannels: [mastodon]\nlang: fa",
              body="شب یلدا مبارک! Juniper & Ash")
    receipt(repo, "done", "mastodon")
    feedback(repo, "done", "mastodon-1", "Great!")
    repo.commit("Add posts")


def clean_build(repo, tmp_path: Path, now=NOW) -> dict[str, bytes]:
    """A build from nothing: a fresh output folder and no cache."""
    out = tmp_path / f"clean-{len(list(tmp_path.glob('clean-*')))}"
    build_site(repo.root, out, now, use_cache=False)
    return snapshot(out)


def test_build_writes_every_page_kind_and_the_feeds(repo):
    small_calendar(repo)
    result = build_site(repo.root, None, NOW)
    site = repo.root / "site"
    for rel in ("index.html", "calendar/2026/11/index.html", "calendar/2026/12/index.html",
                "calendar/2026/W47/index.html", "posts/sale/index.html", "channels/index.html",
                "channels/mastodon/index.html", "channels/mastodon/2026/11/index.html", "campaigns/index.html",
                "campaigns/winter/index.html", "calendar.ics", "feed.xml", "posts.json", "static/site.css"):
        assert (site / rel).is_file(), rel
    assert result.pages == len(list(site.rglob("*.html")))
    assert result.written == result.files and result.removed == 0


def test_every_link_is_relative_and_points_at_a_file_of_the_site(repo):
    small_calendar(repo)
    build_site(repo.root, None, NOW)
    site = repo.root / "site"
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        for link in re.findall(r'(?:href|src)="([^"]+)"', html):
            if link.startswith(("https://", "http://", "#")):
                continue
            assert not link.startswith("/"), f"{page}: absolute link {link}"
            target = (page.parent / link.split("#")[0]).resolve()
            assert target.is_file(), f"{page.relative_to(site)} links to missing {link}"


def test_hostile_text_is_escaped_and_raw_html_in_bodies_is_sanitized(repo):
    repo.post("x", 'title: "<img src=x onerror=alert(1)>"\npublish_at: 2026-11-18 09:30\nchannels: [mastodon]',
              body='Hi <script>alert(1)</script><a href="javascript:alert(2)" onclick="x()">link</a> **bold**',
              month="2026/11")
    feedback(repo, "x", "mastodon-5", "<b onmouseover=alert(3)>hover</b>",
             author={"name": "<script>alert(4)</script>", "handle": "@e", "url": "javascript:alert(5)"})
    build_site(repo.root, None, NOW)
    html = (repo.root / "site/posts/x/index.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html and "onerror=alert" not in html.replace("&lt;img src=x onerror=alert", "")
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert not re.search(r'(href|src)="\s*javascript:', html) and "onclick" not in html
    assert "<b onmouseover" not in html
    assert "&lt;b onmouseover=alert(3)&gt;hover&lt;/b&gt;" in html
    assert "&lt;script&gt;alert(4)&lt;/script&gt;" in html
    assert "<strong>bold</strong>" in html


def test_rtl_posts_are_marked_right_to_left(repo):
    small_calendar(repo)
    build_site(repo.root, None, NOW)
    html = (repo.root / "site/posts/yalda/index.html").read_text(encoding="utf-8")
    assert '<h1 id="post-title" dir="rtl" lang="fa">شب یلدا</h1>' in html
    assert '<div class="body" dir="rtl" lang="fa">' in html
    month = (repo.root / "site/calendar/2026/12/index.html").read_text(encoding="utf-8")
    assert '<span class="chip-title" dir="rtl" lang="fa">شب یلدا</span>' in month


def test_a_rebuild_with_nothing_changed_writes_nothing(repo):
    small_calendar(repo)
    build_site(repo.root, None, NOW)
    before = mtimes(repo.root / "site")
    again = build_site(repo.root, None, NOW + timedelta(minutes=5))
    assert again.unchanged and again.written == 0
    assert mtimes(repo.root / "site") == before


def test_a_changed_socialgit_module_makes_the_next_build_a_full_one(repo, tmp_path, monkeypatch):
    """Not the site's code alone: the insights charts, check's findings and the states come from the whole package."""
    from socialgit.site import theme

    assert {"code/charts.py", "code/insights.py", "code/timing.py", "code/site/views.py"} <= {
        name for name, _ in theme.template_files(repo.root)}
    package = tmp_path / "package"
    shutil.copytree(theme.PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(theme, "PACKAGE", package)
    small_calendar(repo)
    build_site(repo.root, None, NOW)
    assert build_site(repo.root, None, NOW).unchanged
    (package / "charts.py").write_text((package / "charts.py").read_text() + "\n# changed\n")
    again = build_site(repo.root, None, NOW)
    assert not again.unchanged and not again.partial and again.rendered == again.pages


def test_when_now_crosses_a_publish_time_the_states_change(repo):
    small_calendar(repo)
    build_site(repo.root, None, NOW)
    later = build_site(repo.root, None, at("2026-11-18 09:31"))
    assert not later.unchanged and later.written > 0
    assert snapshot(repo.root / "site") == clean_build(repo, repo.root.parent / "clean", at("2026-11-18 09:31"))


def _change_steps(repo):
    """Edits a team makes; after each, the incremental site must equal a clean build."""
    yield "edit a post", lambda: repo.post("sale", "title: Winter sale!\npublish_at: 2026-11-18 10:30\n"
                                           "channels: [mastodon]\ncampaign: winter", month="2026/11")
    yield "rename a post", lambda: os.rename(repo.root / "content/posts/2026/11/sale.md",
                                             repo.root / "content/posts/2026/11/big-sale.md")
    yield "delete a post", lambda: (repo.root / "content/posts/2026/12/yalda.md").unlink()
    yield "add feedback", lambda: feedback(repo, "done", "mastodon-2", "Thanks")
    yield "add a receipt", lambda: receipt(repo, "big-sale", "mastodon", state="failed", error="boom")
    yield "override a template", lambda: repo.write("templates/post.html",
                                                    '{% extends "base.html" %}{% block main %}<h1>{{ page.chip.title }}'
                                                    '</h1>{% endblock %}{% block title %}x{% endblock %}')
    yield "change the config", lambda: repo.write("socialgit.toml", (repo.root / "socialgit.toml").read_text()
                                                  .replace("Test calendar", "Renamed calendar"))
    yield "remove the override", lambda: (repo.root / "templates/post.html").unlink()
    yield "commit", lambda: repo.commit("More")


def test_incremental_builds_equal_clean_builds_after_every_change(repo, tmp_path):
    small_calendar(repo)
    clean_dir = tmp_path / "clean"
    clean_dir.mkdir()
    build_site(repo.root, None, NOW)
    site = repo.root / "site"
    for name, change in _change_steps(repo):
        change()
        result = build_site(repo.root, None, NOW)
        assert snapshot(site) == clean_build(repo, clean_dir), f"after: {name}"
        assert not result.unchanged, name
    assert not (site / "posts/sale").exists() and not (site / "posts/yalda").exists()
    assert (site / "posts/big-sale/index.html").is_file()


def test_one_changed_post_renders_few_pages(repo):
    small_calendar(repo)
    first = build_site(repo.root, None, NOW)
    repo.post("yalda", "title: شب یلدا\npublish_at: 2026-12-20 18:00\nchannels: [mastodon]\nlang: fa",
              body="شب یلدا مبارک! Edited.")
    second = build_site(repo.root, None, NOW)
    # its own page and calendar.ics (which holds the text) change; grids show only its title and time,
    # the Atom feed only published posts and posts.json no text
    assert second.rendered == 1 and second.written == 2 < first.written


def test_a_rebuild_from_the_parse_caches_renders_only_what_changed(repo):
    # files older than the racy window come back from .socialgit/ as marshalled tuples, not parsed:
    # the page keys must not tell the two apart, or every page would render again
    small_calendar(repo)
    for path in repo.root.rglob("*"):
        if path.is_file() and ".git" not in path.parts:
            os.utime(path, ns=(path.stat().st_mtime_ns - 10**10,) * 2)
    first = build_site(repo.root, None, NOW)
    same = build_site(repo.root, None, at("2026-11-16 10:05"), use_cache=True)
    assert same.unchanged
    (repo.root / "content/ledger/done/mastodon.json").touch()  # the fingerprint changes, the content does not
    again = build_site(repo.root, None, NOW)
    assert not again.unchanged and again.rendered == 0 and again.written == 0 < first.written


def test_stale_outputs_are_removed_but_never_files_the_builder_did_not_write(repo):
    small_calendar(repo)
    build_site(repo.root, None, NOW)
    mine = repo.root / "site/posts/yalda/notes.txt"
    mine.write_text("mine")
    (repo.root / "content/posts/2026/12/yalda.md").unlink()
    result = build_site(repo.root, None, NOW)
    assert result.removed >= 1
    assert not (repo.root / "site/posts/yalda/index.html").exists() and mine.read_text() == "mine"


def test_deleting_the_cache_gives_a_full_build_with_the_same_bytes(repo):
    small_calendar(repo)
    build_site(repo.root, None, NOW)
    before = snapshot(repo.root / "site")
    cache_path(repo.root, repo.root / "site").unlink()
    result = build_site(repo.root, None, NOW)
    assert not result.unchanged and snapshot(repo.root / "site") == before


def test_drafts_flag_changes_the_output(repo):
    small_calendar(repo)
    repo.post("d", "title: Draft\nstatus: draft\npublish_at: 2026-11-19 09:00\nchannels: [slack]", month="2026/11")
    build_site(repo.root, None, NOW, drafts=False)
    assert not (repo.root / "site/posts/d").exists()
    build_site(repo.root, None, NOW, drafts=True)
    assert (repo.root / "site/posts/d/index.html").is_file()


def test_outbox_files_linked_from_receipts_are_copied(repo):
    repo.post("o", "title: O\npublish_at: 2026-11-10 09:30\nchannels: [mastodon]", month="2026/11")
    receipt(repo, "o", "mastodon", url="outbox/mastodon/o.json")
    repo.write("outbox/mastodon/o.json", '{"parts": ["O"]}')
    build_site(repo.root, None, NOW)
    assert (repo.root / "site/receipts/outbox/mastodon/o.json").read_text() == '{"parts": ["O"]}'
    html = (repo.root / "site/posts/o/index.html").read_text()
    assert 'href="../../receipts/outbox/mastodon/o.json"' in html


@pytest.mark.parametrize("template, forked", [("week.html", False), ("feedback.html", False),
                                              ("feedback.html", True)])
def test_a_broken_template_override_is_one_line_naming_the_file(repo, monkeypatch, template, forked):
    """The feedback log's pages too, whether the build's process renders them or the feedback side's."""
    import multiprocessing

    small_calendar(repo)
    if forked:
        monkeypatch.setattr("socialgit.site.feedback_side.FORK_MIN_POSTS", 1)
    repo.write(f"templates/{template}", "{% extends 'base.html' %}\n{% block main %}{{ page.nope }}{% endblock %}")
    result = CliRunner().invoke(cli, ["build", "--root", str(repo.root), "--now", "2026-11-16T10:00"])
    assert result.exit_code == 2
    assert "'nope'" in result.output and template in result.output and "Traceback" not in result.output
    assert multiprocessing.active_children() == []


def test_the_output_may_not_be_the_calendar_itself(repo):
    small_calendar(repo)
    result = CliRunner().invoke(cli, ["build", "--root", str(repo.root), "--out", str(repo.root / "content")])
    assert result.exit_code == 2 and "would write the site over the calendar" in result.output


def test_build_command_prints_where_and_how_many(repo, monkeypatch):
    small_calendar(repo)
    monkeypatch.setenv("CI", "true")
    runner = CliRunner()
    first = runner.invoke(cli, ["build", "--root", str(repo.root), "--now", "2026-11-16T10:00"])
    assert first.exit_code == 0, first.output
    assert re.fullmatch(r".*site/: \d+ pages, \d+ files; rendered \d+, wrote \d+, removed 0 \(\d+\.\d\d s\)\n",
                        first.output), first.output
    second = runner.invoke(cli, ["build", "--root", str(repo.root), "--now", "2026-11-16T10:00"])
    assert "up to date" in second.output and "Rendering" not in second.output
    repo.post("done", "title: Done\npublish_at: 2026-11-10 09:30\nchannels: [mastodon]", body="Edited.", month="2026/11")
    third = runner.invoke(cli, ["build", "--root", str(repo.root), "--now", "2026-11-16T10:00"])
    # its page, calendar.ics and feed.xml (the post is published)
    assert "rendered 1, wrote 3, removed 0; only posts' words changed: their pages and the feeds patched" in third.output
    repo.post("yalda", "title: یلدا\npublish_at: 2026-12-20 18:00\nchannels: [mastodon]\nlang: fa",
              body="شب یلدا مبارک! Juniper & Ash")
    fourth = runner.invoke(cli, ["build", "--root", str(repo.root), "--now", "2026-11-16T10:00"])
    assert "; only posts changed, pages they cannot change kept (" in fourth.output  # its chip: the grids


@pytest.mark.parametrize("jobs_threshold", [1])
def test_the_process_pool_renders_the_same_bytes(repo, tmp_path, monkeypatch, jobs_threshold):
    small_calendar(repo)
    serial = clean_build(repo, tmp_path)
    monkeypatch.setattr("socialgit.site.build.POOL_THRESHOLD", jobs_threshold)
    monkeypatch.setattr("socialgit.derived.POOL_MIN", jobs_threshold)  # texts derived by workers too
    monkeypatch.setattr("socialgit.filecache.POOL_MIN", jobs_threshold)  # files parsed, events made by workers
    monkeypatch.setattr("socialgit.site.write.FORK_MIN", jobs_threshold)  # the feeds made in a process of their own
    monkeypatch.setattr("socialgit.site.feedback_side.FORK_MIN_POSTS", jobs_threshold)  # the feedback in another
    derived.forget()
    pooled = clean_build(repo, tmp_path)
    assert pooled == serial


def test_feeds_whose_process_fails_are_made_by_the_build_itself(repo, tmp_path, monkeypatch):
    from socialgit.site import write

    small_calendar(repo)
    expected = clean_build(repo, tmp_path)
    builder, real = os.getpid(), write.write_feeds

    def fails_in_a_child(*args):
        if os.getpid() != builder:
            os._exit(3)  # as a process killed would: no answer at all
        return real(*args)

    monkeypatch.setattr(write, "FORK_MIN", 1)
    monkeypatch.setattr("socialgit.site.build.write_feeds", fails_in_a_child)
    assert clean_build(repo, tmp_path) == expected


def test_a_build_that_fails_waits_for_its_feeds_process(repo, tmp_path, monkeypatch):
    """The process is not killed mid-file: the build waits for it, so nothing half written stays behind."""
    import multiprocessing

    from socialgit.problems import UserError
    from socialgit.site import write

    small_calendar(repo)
    monkeypatch.setattr(write, "FORK_MIN", 1)
    builder, real = os.getpid(), write.write_feeds
    gate, opened = os.pipe()

    def after_the_model_failed(*args):  # the feeds' process starts its work only when the build has failed
        if os.getpid() != builder:
            os.read(gate, 1)
        return real(*args)

    def broken(*args, **kwargs):
        os.write(opened, b".")
        raise UserError("broken model")

    monkeypatch.setattr("socialgit.site.build.write_feeds", after_the_model_failed)
    monkeypatch.setattr("socialgit.site.build.build_model", broken)
    out = tmp_path / "site"
    with pytest.raises(UserError, match="broken model"):
        build_site(repo.root, out, NOW)
    assert multiprocessing.active_children() == []
    assert sorted(p.name for p in out.iterdir()) == ["calendar.ics", "feed.xml", "posts.json"]  # whole, no .tmp
    os.close(gate)
    os.close(opened)


def _feedback_read_where(monkeypatch, tmp_path: Path) -> Path:
    """The feedback side forked for any calendar; each process that reads the feedback writes its pid to the file."""
    from socialgit.site import feedback_side

    monkeypatch.setattr(feedback_side, "FORK_MIN_POSTS", 1)
    readers, real = tmp_path / "readers", feedback_side.load_feedback

    def load(*args, **kwargs):
        with open(readers, "a") as handle:
            handle.write(f"{os.getpid()}\n")
        return real(*args, **kwargs)

    monkeypatch.setattr(feedback_side, "load_feedback", load)
    return readers


def test_the_feedback_read_in_a_process_of_its_own_makes_the_same_site_and_record(repo, tmp_path, monkeypatch):
    import tempfile

    from socialgit.site import depends
    from socialgit.state import state_dir

    small_calendar(repo)
    feedback(repo, "sale", "mastodon-2", "When?", in_reply_to="mastodon-1")
    out = tmp_path / "site"
    build_site(repo.root, out, NOW)
    expected, serial = snapshot(out), depends.load(repo.root, out)
    shutil.rmtree(out)  # and its cache: the same folder, since the folder is part of every key
    shutil.rmtree(state_dir(repo.root))
    readers = _feedback_read_where(monkeypatch, tmp_path)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "temp"))
    (tmp_path / "temp").mkdir()
    build_site(repo.root, out, NOW)
    assert snapshot(out) == expected
    assert int(readers.read_text()) != os.getpid()  # read there, not here
    forked = depends.load(repo.root, out)
    assert serial.posts["sale"].feedback == ("content/feedback/done/mastodon-1.md",
                                             "content/feedback/sale/mastodon-2.md")
    assert (forked.posts, forked.log_paths, forked.log_posts, forked.sentiments, forked.problems) == (
        serial.posts, serial.log_paths, serial.log_posts, serial.sentiments, serial.problems)
    assert list((tmp_path / "temp").iterdir()) == []  # the file of each post's entries is gone


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts this process's open files in /proc")
@pytest.mark.parametrize("forked", [False, True])
def test_a_build_leaves_no_file_open_for_serve_to_build_again(repo, tmp_path, monkeypatch, forked):
    small_calendar(repo)
    if forked:
        _feedback_read_where(monkeypatch, tmp_path)
    clean_build(repo, tmp_path)
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(3):
        clean_build(repo, tmp_path)
    assert len(os.listdir("/proc/self/fd")) == before


@pytest.mark.parametrize("step", ["read", "entries", "log"])
def test_a_feedback_process_that_fails_at_any_step_leaves_the_build_to_do_it(repo, tmp_path, monkeypatch, step):
    import multiprocessing

    from socialgit.site import feedback_side

    small_calendar(repo)
    expected = clean_build(repo, tmp_path)
    readers = _feedback_read_where(monkeypatch, tmp_path)
    builder, real = os.getpid(), getattr(feedback_side._Work, step)

    def fails_in_the_child(self, *args):
        if os.getpid() != builder:
            os._exit(3)  # as a process killed would: no answer at all
        return real(self, *args)

    monkeypatch.setattr(feedback_side._Work, step, fails_in_the_child)
    assert clean_build(repo, tmp_path) == expected
    assert str(builder) in readers.read_text().split()  # read again here
    assert multiprocessing.active_children() == []


def test_a_build_that_fails_ends_its_feedback_process(repo, tmp_path, monkeypatch):
    import multiprocessing

    from socialgit.problems import UserError

    small_calendar(repo)
    _feedback_read_where(monkeypatch, tmp_path)

    def broken(*args, **kwargs):
        raise UserError("broken model")

    monkeypatch.setattr("socialgit.site.build.build_model", broken)
    with pytest.raises(UserError, match="broken model"):
        build_site(repo.root, tmp_path / "site", NOW)
    assert multiprocessing.active_children() == []


def test_post_pages_made_by_workers_leave_the_record_and_keys_a_serial_build_leaves(repo, tmp_path, monkeypatch):
    """The render stage's workers make the post pages: what each was made from must come back, in the posts' order."""
    from socialgit.site import cache as cachelib, depends
    from socialgit.state import state_dir

    small_calendar(repo)
    out = tmp_path / "site"
    build_site(repo.root, out, NOW)
    serial, serial_keys = depends.load(repo.root, out), cachelib.load(repo.root, out).keys
    shutil.rmtree(out)  # and its cache: the same folder, since the folder is part of every key
    shutil.rmtree(state_dir(repo.root))
    monkeypatch.setattr("socialgit.site.build.POOL_THRESHOLD", 1)
    monkeypatch.setattr("socialgit.site.write.FORK_MIN", 1)
    monkeypatch.setattr("socialgit.site.feedback_side.FORK_MIN_POSTS", 1)
    build_site(repo.root, out, NOW)
    pooled = depends.load(repo.root, out)
    # marshal's bytes differ with string interning; what they hold must not
    assert list(pooled.posts) == list(serial.posts) and len(serial.posts) == 3
    assert all(pooled.posts[post_id] == serial.posts[post_id] for post_id in serial.posts)
    assert cachelib.load(repo.root, out).keys == serial_keys
    assert pooled.atom == serial.atom == {"done"}  # from the feeds' own process
    # and a rebuild after an edit, which reads that record, still equals a clean build
    repo.post("sale", "title: Winter sale\npublish_at: 2026-11-18 09:30\nchannels: [mastodon, bluesky]\n"
              "campaign: winter", body="Sale starts **today**", month="2026/11")
    assert build_site(repo.root, out, NOW).partial
    assert snapshot(out) == clean_build(repo, tmp_path)


def test_the_same_now_is_up_to_date_even_exactly_at_a_publish_time(repo):
    small_calendar(repo)
    exactly = at("2026-11-18 09:30")  # the sale's publish time: a step of the state function
    build_site(repo.root, None, exactly)
    assert build_site(repo.root, None, exactly).unchanged


class _Html:
    def __html__(self):
        return "<b>safe</b>"


@pytest.mark.parametrize("value", ['<script>alert("x")</script> & \'y\'', Markup("<i>kept</i>"), 5, 2.5, None, _Html(),
                                   "plain", "شب یلدا <مبارک>"])
def test_a_printed_value_reads_as_markupsafe_escapes_it(value):
    from socialgit.site.render import printed

    assert printed(value) == str(escape(value))


def test_templates_escape_what_they_print_in_blocks_macros_and_set_blocks(tmp_path):
    from socialgit.site.render import environment

    template = environment(tmp_path).from_string(
        "{% macro m(x) %}<p>{{ x }}</p>{% endmacro %}{% set kept %}<q>{{ text }}</q>{% endset %}"
        "{{ text }}|{{ m(text) }}|{{ kept }}|{{ safe }}|{{ n }}|{{ text ~ '!' }}|{{ _('Feedback') }}")
    html = template.render(text='<a href="x">&', safe=Markup("<em>ok</em>"), n=3)
    esc = '&lt;a href=&#34;x&#34;&gt;&amp;'
    assert html == f"{esc}|<p>{esc}</p>|<q>{esc}</q>|<em>ok</em>|3|{esc}!|Feedback"
    with pytest.raises(jinja2.UndefinedError):  # a missing value is still an error, not an empty string
        template.render(safe="", n=1)


def test_each_language_remembers_its_own_translations(tmp_path):
    from socialgit import i18n
    from socialgit.site.render import environment

    text = "{{ _('Feedback') }}/{{ _('Feedback') }}/{% autoescape false %}{{ _('Feedback') }}{% endautoescape %}"
    english, persian = (environment(tmp_path, i18n.site_locale(lang, "gregorian")).from_string(text)
                        for lang in ("en", "fa"))
    assert english.render() == "Feedback/Feedback/Feedback"
    assert persian.render() == "بازخوردها/بازخوردها/بازخوردها"
    assert english.render() == "Feedback/Feedback/Feedback"  # after the other language, still its own


def test_isolated_text_escapes_plain_text_even_after_markup_with_the_same_characters():
    from socialgit.site.render import isolate_text

    assert isolate_text(Markup("<b>x</b>"), "ltr") == "<b>x</b>"
    assert isolate_text("<b>x</b>", "ltr") == "&lt;b&gt;x&lt;/b&gt;"  # not the markup remembered for equal text
    assert isolate_text("<b>x</b>", "ltr") == "&lt;b&gt;x&lt;/b&gt;"
