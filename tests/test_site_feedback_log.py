"""The feedback log: its pages as models, its HTML, hostile items, and a public build without handles."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

from click.testing import CliRunner

import socialgit.commands.site  # noqa: F401  registers build on the group
from socialgit.cli import cli
from socialgit.feedback import FeedbackItem, Judgement
from socialgit.site import build_site
from socialgit.site.read import read_site
from socialgit.site.feedback_entries import HIDDEN, PER_PAGE, anchor, duration, line, paging
from socialgit.site.feedback_log import sparkline, week_stats
from socialgit.site.model import build_model

from .conftest import TORONTO, at
from .site_helpers import feedback, model, page, receipt

NOW = at("2026-11-16 10:00")
RLO = "\u202e"


def calendar(repo) -> None:
    """Two posts with replies in every state; one reply answers another; one item has a reply post."""
    repo.post("sale", "title: Winter sale\npublish_at: 2026-11-10 09:30\nchannels: [mastodon, bluesky]",
              month="2026/11")
    repo.post("beans", "title: New beans\npublish_at: 2026-11-02 09:30\nchannels: [mastodon]", month="2026/11")
    repo.post("answer", "title: Sorry about the box\npublish_at: 2026-11-16 12:00\nchannels: [mastodon]\n"
              "in_reply_to: mastodon-3", month="2026/11")
    receipt(repo, "sale", "mastodon")
    receipt(repo, "beans", "mastodon", published_at="2026-11-02T14:30:00Z")
    feedback(repo, "sale", "mastodon-1", "Lovely!", created_at="2026-11-10T15:00:00Z", status="done",
             sentiment={"value": "positive", "score": 0.7, "source": "vader"},
             first_response_at="2026-11-10T16:00:00Z", assignee="sara", labels=["amplify"])
    feedback(repo, "sale", "mastodon-2", "Do you ship to Montreal?", created_at="2026-11-11T15:00:00Z",
             intent={"value": "question", "source": "rule"}, sentiment={"value": "neutral", "source": "vader"})
    feedback(repo, "sale", "mastodon-3", "My box arrived crushed.", created_at="2026-11-12T15:00:00Z",
             status="triaged", priority="high", sentiment={"value": "negative", "score": -0.6, "source": "vader"},
             assignee="team:support")
    feedback(repo, "sale", "mastodon-4", "@ann@social.example same here", created_at="2026-11-12T16:00:00Z",
             in_reply_to="mastodon-3", author={"name": "Bo", "handle": "@bo@social.example", "url": ""},
             sentiment={"value": "negative", "source": "human"}, status="waiting",
             first_response_at="2026-11-12T18:00:00Z")
    feedback(repo, "beans", "bluesky-5", "Meh.", created_at="2026-11-03T15:00:00Z", network="bluesky",
             sentiment={"value": "negative", "source": "vader"}, status="ignored")
    repo.write("content/feedback/_mentions/mastodon-6.md", "---\nid: mastodon-6\nnetwork: mastodon\nkind: mention\n"
               "created_at: 2026-11-13T15:00:00Z\nsentiment: positive\n---\n@juniper you rock\n")


def by_path(site) -> dict:
    return {p.path: p for p in site.pages}


def test_the_log_lists_every_item_newest_first_with_counts_per_state_and_sentiment(repo):
    calendar(repo)
    log = page(model(repo), "feedback/index.html")
    assert [e.id for e in log.items] == ["mastodon-6", "mastodon-4", "mastodon-3", "mastodon-2", "mastodon-1",
                                         "bluesky-5"]
    s = log.summary
    assert [(name, n) for name, n, _ in s.statuses] == [("new", 2), ("triaged", 1), ("waiting", 1), ("done", 1),
                                                        ("ignored", 1)]
    # mastodon-2 is a question by intent, neutral in tone: no "question 0" beside it
    assert [(name, n) for name, n, _ in s.sentiments] == [("positive", 2), ("negative", 3), ("neutral", 1)]
    assert dict((name, path) for name, _, path in s.statuses)["new"] == "feedback/status/new/index.html"
    assert s.share == "40 %"  # 2 positive of 2 + 3
    assert "feedback/sentiment/question/index.html" not in by_path(model(repo))


def test_a_question_a_person_wrote_as_the_sentiment_is_counted_and_filtered(repo):
    calendar(repo)
    repo.write("content/feedback/_mentions/mastodon-7.md", "---\nid: mastodon-7\nnetwork: mastodon\nkind: mention\n"
               "created_at: 2026-11-14T15:00:00Z\nsentiment: question\n---\n@juniper open on Sunday\n")
    site = model(repo)
    s = page(site, "feedback/index.html").summary
    assert [(name, n) for name, n, _ in s.sentiments] == [("positive", 2), ("negative", 3), ("question", 1),
                                                          ("neutral", 1)]
    assert [e.id for e in by_path(site)["feedback/sentiment/question/index.html"].items] == ["mastodon-7"]


def test_needs_attention_holds_open_negative_items_and_questions_nobody_answered_worst_first(repo):
    calendar(repo)
    s = page(model(repo), "feedback/index.html").summary
    # mastodon-4 is negative but answered (waiting), bluesky-5 ignored, mastodon-1 positive
    assert [e.id for e in s.attention] == ["mastodon-3", "mastodon-2"] and s.attention_total == 2
    assert all(e.attention for e in s.attention)


def test_one_static_page_per_status_sentiment_network_and_assignee_filters_without_javascript(repo):
    calendar(repo)
    pages = by_path(model(repo))
    assert [e.id for e in pages["feedback/status/new/index.html"].items] == ["mastodon-6", "mastodon-2"]
    assert [e.id for e in pages["feedback/sentiment/negative/index.html"].items] == ["mastodon-4", "mastodon-3",
                                                                                      "bluesky-5"]
    assert [e.id for e in pages["feedback/network/bluesky/index.html"].items] == ["bluesky-5"]
    assert [e.id for e in pages["feedback/assignee/team-support/index.html"].items] == ["mastodon-3"]
    assert [e.id for e in pages["feedback/assignee/_none/index.html"].items] == ["mastodon-6", "mastodon-4",
                                                                                 "mastodon-2", "bluesky-5"]
    assert pages["feedback/status/done/index.html"].scope == "Status: done"
    # every status page exists, even an empty one, so the links never break
    assert {f"feedback/status/{s}/index.html" for s in ("new", "triaged", "waiting", "done", "ignored")} <= set(pages)
    groups = {g.name: g for g in pages["feedback/sentiment/negative/index.html"].filters}
    current = [(link.label, link.path) for g in groups.values() for link in g.links if link.current]
    assert current == [("negative", "feedback/sentiment/negative/index.html")]
    assert [(link.label, link.count) for link in groups["Network"].links] == [("bluesky", 1), ("mastodon", 5)]
    # the post filter leads to each post's page, which lists its feedback
    assert [(chip.id, n) for chip, n in pages["feedback/index.html"].posts] == [("sale", 4), ("beans", 1)]


def test_each_item_shows_its_thread_our_reply_triage_fields_and_who_judged_it(repo):
    calendar(repo)
    entries = {e.id: e for e in page(model(repo), "feedback/index.html").items}
    reply = entries["mastodon-4"]
    assert reply.parent.author == "Ann" and reply.parent.excerpt == "My box arrived crushed."
    assert reply.parent.href == "posts/sale/index.html" and reply.parent.anchor == "fb-mastodon-3"
    assert reply.sentiment_by.human and reply.sentiment_by.by == "a person"
    assert reply.response == "2 h" and reply.post.id == "sale"
    crushed = entries["mastodon-3"]
    assert [c.id for c in crushed.replies] == ["answer"]  # the post with in_reply_to: mastodon-3
    assert (crushed.assignee, crushed.priority, crushed.sentiment_by.by) == ("team:support", "high", "vader -0.60")
    assert entries["mastodon-1"].labels == ("amplify",) and entries["mastodon-1"].response == "1 h"
    assert entries["mastodon-1"].url == "https://social.example/mastodon-1"
    mention = entries["mastodon-6"]
    assert mention.post is None and mention.post_path is None and mention.sentiment == "positive"


def test_a_score_of_minus_zero_reads_as_zero_whichever_item_comes_first(repo):
    # -0.0 == 0.0: the judgements' caches gave every such item the text of whichever was read first
    calendar(repo)
    for n, score in ((7, "-0.0"), (8, "0.0"), (9, "-0.0")):
        repo.write(f"content/feedback/sale/mastodon-{n}.md", f"---\nid: mastodon-{n}\nnetwork: mastodon\n"
                   f"created_at: 2026-11-13T1{n}:00:00Z\nsentiment: {{value: neutral, score: {score}, source: vader}}\n"
                   "---\nOk\n")
    entries = {e.id: e for e in page(model(repo), "feedback/index.html").items}
    assert {entries[f"mastodon-{n}"].sentiment_by.by for n in (7, 8, 9)} == {"vader 0.00"}


def test_reply_post_links_our_reply_or_names_it_when_it_is_not_in_the_build(repo):
    calendar(repo)
    feedback(repo, "sale", "mastodon-7", "Thanks", reply_post="answer", created_at="2026-11-13T10:00:00Z")
    feedback(repo, "sale", "mastodon-8", "Hm", reply_post="gone-post", created_at="2026-11-13T11:00:00Z")
    entries = {e.id: e for e in page(model(repo), "feedback/index.html").items}
    assert [c.path for c in entries["mastodon-7"].replies] == ["posts/answer/index.html"]
    assert entries["mastodon-8"].replies == () and entries["mastodon-8"].reply_id == "gone-post"


def test_post_pages_show_the_same_entries_with_their_thread(repo):
    calendar(repo)
    site = model(repo)
    post = page(site, "posts/sale/index.html")
    assert [f.id for f in post.feedback] == ["mastodon-1", "mastodon-2", "mastodon-3", "mastodon-4"]
    assert post.feedback[3].parent.anchor == post.feedback[2].anchor
    answer = page(site, "posts/answer/index.html")
    assert answer.reply_to.id == "mastodon-3" and [c.id for c in answer.reply_to.replies] == ["answer"]


def test_median_time_to_first_response_and_share_positive_per_week(repo):
    calendar(repo)
    s = page(model(repo), "feedback/index.html").summary
    weeks = {w.start: w for w in s.weeks}
    assert s.weeks[-1].start == date(2026, 11, 16) and s.weeks[0].start == date(2026, 11, 2)  # from the first item
    nov9 = weeks[date(2026, 11, 9)]
    assert (nov9.items, nov9.answered, nov9.median, nov9.positive, nov9.negative, nov9.share) == (
        5, 2, "1 h 30 min", 2, 2, "50 %")
    nov2 = weeks[date(2026, 11, 2)]
    assert (nov2.items, nov2.answered, nov2.median, nov2.share) == (1, 0, "", "0 %")
    assert s.median == "1 h 30 min" and s.answered == 2
    assert s.response_spark is None  # one week with answers is not a line
    assert s.share_spark is not None and len(s.share_spark.dots) == 2


def test_week_stats_count_in_the_local_week_and_skip_a_response_before_the_comment():
    def item(n, created, responded=None, sentiment="positive"):
        return FeedbackItem(f"m-{n}", f"p/m-{n}.md", "mastodon", "reply", "p", created_at=created,
                            first_response_at=responded, sentiment=Judgement(sentiment))

    sunday_night = datetime(2026, 11, 16, 3, 0, tzinfo=timezone.utc)  # Sunday 22:00 in Toronto
    items = [item(1, sunday_night, sunday_night + timedelta(minutes=30)),
             item(2, sunday_night, sunday_night - timedelta(minutes=5), "negative")]
    weeks = week_stats(items, date(2026, 11, 16), "monday", TORONTO, weeks=2)
    assert [w.start for w in weeks] == [date(2026, 11, 9), date(2026, 11, 16)]
    assert (weeks[0].items, weeks[0].answered, weeks[0].median, weeks[0].share) == (2, 1, "30 min", "50 %")
    sunday_weeks = week_stats(items, date(2026, 11, 16), "sunday", TORONTO, weeks=1)
    assert sunday_weeks[0].start == date(2026, 11, 15) and sunday_weeks[0].items == 2


def test_paging_keeps_archive_pages_counted_from_the_oldest():
    assert paging(0) == (0, []) and paging(100) == (100, []) and paging(101) == (101, [])
    assert paging(150) == (50, [(1, 50, 150)])  # a first page of half a page or more stands alone
    assert paging(205) == (105, [(1, 105, 205)])  # else it keeps the newest full page with it
    assert paging(250) == (50, [(2, 50, 150), (1, 150, 250)])


def mention(repo, n: int, when: datetime, **fields) -> None:
    front = {"id": f"mastodon-{n}", "network": "mastodon", "kind": "mention", "created_at": when.isoformat(), **fields}
    repo.write(f"content/feedback/_mentions/mastodon-{n}.md",
               "---\n" + "".join(f"{k}: {v}\n" for k, v in front.items()) + f"---\nm{n}\n")


def test_the_log_is_paged_and_an_archive_page_does_not_change_when_new_items_arrive(repo):
    start = datetime(2026, 11, 1, tzinfo=timezone.utc)
    total = PER_PAGE * 2 + 5
    for n in range(total):
        mention(repo, n, start + timedelta(minutes=n), **({"in_reply_to": "mastodon-0"} if n == total - 1 else {}))
    pages = by_path(model(repo))
    first, oldest = pages["feedback/index.html"], pages["feedback/page/1/index.html"]
    assert len(first.items) == total - PER_PAGE and [e.id for e in oldest.items][-1] == "mastodon-0"
    assert first.next_path == "feedback/page/1/index.html" and first.prev_path is None
    assert oldest.prev_path == "feedback/index.html" and oldest.next_path is None
    assert first.summary is not None and oldest.summary is None and oldest.total is None
    assert {link.count for g in oldest.filters for link in g.links} == {-1}  # counts would change every page
    newest = first.items[0]
    assert newest.id == f"mastodon-{total - 1}" and newest.parent.href == "feedback/page/1/index.html"
    mention(repo, total, start + timedelta(days=1))
    again = by_path(model(repo))
    assert again["feedback/page/1/index.html"] == oldest and again["feedback/index.html"] != first


def test_hide_handles_shows_a_commenter_on_every_page_and_drops_links_that_name_them(repo):
    calendar(repo)
    source = read_site(repo.root, NOW, True, hide_handles=True)
    site = build_model(source)
    entries = [e for p in site.pages for e in getattr(p, "items", ())]
    entries += [f for p in site.pages for f in getattr(p, "feedback", ())]
    assert entries and {e.author_name for e in entries} == {HIDDEN}
    assert {(e.author_handle, e.author_url, e.url) for e in entries} == {("", "", "")}
    reply = next(e for e in entries if e.id == "mastodon-4")
    assert reply.body == "@… same here" and reply.parent.author == HIDDEN
    assert all(p.hidden for p in site.pages if p.path.startswith("feedback/"))
    # the same from socialgit.toml
    repo.write("socialgit.toml", (repo.root / "socialgit.toml").read_text() + "\n[feedback]\nhide_handles = true\n")
    assert {e.author_name for e in page(model(repo), "posts/sale/index.html").feedback} == {HIDDEN}


def test_one_line_fields_lose_control_and_direction_override_characters():
    assert line(f"Eve{RLO}lin\u2066k\x00\n  x") == "Eve lin k x"
    assert line("a" * 200, 10) == "a" * 9 + "…"
    # a text that is one line already comes back as it is, other spaces and invisible characters never
    for odd in ("\u00a0", "\u2028", "\u3000", "\u200b", "\ufeff", "\x85", "\t", " ", "  "):
        assert line(f"a{odd}b") == "a b"
        assert line(f"{odd}ab{odd}") == "ab"
    plain = "Merci ! Ça marche 👍🏽 — خیلی خوب"
    assert line(plain) is plain and line(plain, 5) == plain[:4] + "…"
    assert duration(timedelta(minutes=45)) == "45 min" and duration(timedelta(hours=3, minutes=5)) == "3 h 05 min"
    assert duration(timedelta(days=2, hours=4)) == "2 d 4 h" and duration(timedelta(days=1)) == "1 d"


def test_anchors_are_tame_and_distinct_for_hostile_ids():
    assert anchor("mastodon-123") == "fb-mastodon-123"
    hostile = [anchor('x"><script>'), anchor("x/../y"), anchor("x/./y"), anchor("")]
    assert all(re.fullmatch(r"fb-[A-Za-z0-9_-]+", a) for a in hostile)
    assert len(set(hostile)) == len(hostile)


def test_a_sparkline_breaks_at_weeks_without_data_and_needs_two_points():
    assert sparkline([None, 1.0, None], ["a", "b", "c"], "t") is None
    spark = sparkline([1.0, None, 2.0, 4.0], ["a", "b", "c", "d"], "t")
    assert len(spark.segments) == 2 and [tip for *_, tip in spark.dots] == ["a", "c", "d"]
    ys = [float(y) for _, y, _ in spark.dots]
    assert ys[2] < ys[1] < ys[0]  # higher values draw higher


# --- HTML --------------------------------------------------------------------

def hostile(repo) -> None:
    repo.post("x", 'title: "<script>alert(1)</script>"\npublish_at: 2026-11-10 09:30\nchannels: [mastodon]',
              month="2026/11")
    receipt(repo, "x", "mastodon")
    feedback(repo, "x", "mastodon-66", "<script>alert(2)</script> <img src=x onerror=alert(3)> " + RLO + "gnp.exe",
             author={"name": f"<script>alert(4)</script>{RLO}evil", "handle": "@h<b>x</b>",
                     "url": "javascript:alert(5)"},
             url="javascript:alert(6)", labels=["<i>l</i>"], assignee="<b>who</b>", priority="<u>p</u>",
             sentiment={"value": "negative", "source": "<script>alert(7)</script>"}, network="mastodon")
    feedback(repo, "x", 'mastodon-"><svg onload=alert(8)>', "reply", in_reply_to="mastodon-66",
             lang='en" onmouseover="alert(9)', created_at="2026-11-10T16:00:00Z")
    feedback(repo, "x", "mastodon-big", "long " * 20_000, created_at="2026-11-10T17:00:00Z")


def test_hostile_items_are_escaped_on_every_page(repo):
    hostile(repo)
    build_site(repo.root, None, NOW)
    site = repo.root / "site"
    pages = {p.relative_to(site).as_posix(): p.read_text(encoding="utf-8") for p in site.rglob("*.html")}
    assert "feedback/index.html" in pages and "posts/x/index.html" in pages
    for rel, html in pages.items():
        assert not re.search(r"<script>alert|<img src=x|<svg onload|<b>x</b>|<i>l</i>|<b>who</b>", html), rel
        assert not re.search(r'(href|src)="\s*javascript:', html, re.I), rel
        assert 'onmouseover="alert' not in html and "onerror=alert(3)>" not in html, rel
        # a name can never carry a direction override; a comment keeps it, isolated in its own paragraph
        # (dir set from its letters, see i18n.text_direction)
        for match in re.finditer(RLO, html):
            opened = html.rfind("<p class=\"fb-body\" dir=\"", 0, match.start())
            assert opened != -1 and html.find("</p>", opened) > match.start(), rel
    log = pages["feedback/index.html"]
    assert "&lt;script&gt;alert(4)&lt;/script&gt; evil" in log and "&lt;b&gt;who&lt;/b&gt;" in log
    assert len(log) < 60_000  # the 100 KB comment is cut in the log ...
    assert pages["posts/x/index.html"].count("long ") >= 20_000  # ... and whole on its post page


def test_the_log_links_filters_pages_and_both_new_pages_are_in_the_navigation(repo):
    calendar(repo)
    build_site(repo.root, None, NOW)
    site = repo.root / "site"
    html = (site / "feedback/status/new/index.html").read_text(encoding="utf-8")
    assert '<a href="../../../feedback/status/new/index.html" aria-current="page">new' in html
    assert 'href="../../../feedback/sentiment/negative/index.html"' in html
    assert 'href="../../../feedback/index.html" aria-current="page">Feedback</a>' in html
    home = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="feedback/index.html">Feedback</a>' in home and 'href="insights/index.html">Insights</a>' in home
    post = (site / "posts/sale/index.html").read_text(encoding="utf-8")
    assert 'id="fb-mastodon-3"' in post and 'in reply to <a href="#fb-mastodon-3"><bdi>Ann</bdi></a>' in post
    assert 'Our reply: <a href="../../posts/answer/index.html">' in post
    assert '<span class="tag tag-negative tag-human"' in post


def test_the_hide_handles_option_leaves_no_name_or_handle_in_the_site(repo):
    calendar(repo)
    out = repo.root / "public"
    result = CliRunner().invoke(cli, ["build", "--root", str(repo.root), "--out", str(out), "--now",
                                      "2026-11-16T10:00", "--hide-handles"])
    assert result.exit_code == 0, result.output
    text = "".join(p.read_text(encoding="utf-8") for p in out.rglob("*.html"))
    assert "a commenter" in text
    for secret in ("Ann", "@ann@social.example", "social.example/@ann", "Bo<", "@bo@social.example",
                   "https://social.example/mastodon-1"):
        assert secret not in text, secret
    # without the option the same folder shows them again: the option is part of the build's setup
    CliRunner().invoke(cli, ["build", "--root", str(repo.root), "--out", str(out), "--now", "2026-11-16T10:00"])
    assert "@ann@social.example" in (out / "feedback/index.html").read_text(encoding="utf-8")


def test_a_filter_page_lists_rows_that_each_lead_to_the_items_one_card(repo):
    """Cards are on the log and the post pages; a filter page's rows link there, to an element that exists."""
    import re

    calendar(repo)
    build_site(repo.root, None, NOW)
    site = repo.root / "site"
    html = (site / "feedback/sentiment/negative/index.html").read_text(encoding="utf-8")
    assert '<article class="fb' not in html  # no cards on a filter page
    links = re.findall(r'<a class="fb-gist" href="([^"#]*)#([^"]+)"', html)
    assert len(links) == 3  # mastodon-4, mastodon-3, bluesky-5
    for href, anchor in links:
        target = (site / "feedback/sentiment/negative" / href).resolve()
        assert f'id="{anchor}"' in target.read_text(encoding="utf-8"), (href, anchor)
    # an item on a post of this build leads to that post's page, where the whole comment is
    assert '../../../posts/sale/index.html#fb-mastodon-3' in html
    # the rows carry what the script filters on, as the log's cards do
    assert html.count('data-sentiment="negative"') == 3
