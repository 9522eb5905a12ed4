"""What each page shows, from small calendars: the model stage, before any HTML."""

from datetime import date, datetime, timezone

from socialgit.feedback import load_feedback
from socialgit.site import build_site
from socialgit.site.model import short_names, slug, validity
from socialgit.site.read import read_site

from .conftest import at
from .site_helpers import cell, feedback, model, page, receipt


def test_month_grid_places_each_post_on_its_local_day_with_time_state_and_channels(repo):
    repo.post("sale", "title: Sale\npublish_at: 2026-11-18 09:30\nchannels: [mastodon, bluesky]", month="2026/11")
    site = model(repo)
    month = page(site, "calendar/2026/11/index.html")
    assert month.title == "November 2026" and month.weekdays[0] == "Monday"
    wednesday = cell(month, "2026-11-18")
    (chip,) = wednesday.chips
    assert (chip.title, chip.time, chip.state, chip.channels) == ("Sale", "09:30", "scheduled", ("mastodon", "bluesky"))
    assert cell(month, "2026-11-16").today and not wednesday.today
    assert not cell(month, "2026-10-26").in_month and cell(month, "2026-11-01").in_month
    assert month.prev_path == "calendar/2026/10/index.html" or month.prev_path is None
    assert month.count == 1


def test_a_crowded_day_shows_two_chips_and_plus_n_more_linking_to_the_week(repo):
    for hour in (8, 10, 12, 14, 16):
        repo.post(f"p{hour}", f"title: P{hour}\npublish_at: 2026-11-19 {hour:02d}:00\nchannels: [slack]", month="2026/11")
    site = model(repo)
    thursday = cell(page(site, "calendar/2026/11/index.html"), "2026-11-19")
    assert [c.title for c in thursday.chips] == ["P8", "P10"] and thursday.more == 3
    assert thursday.more_path == "calendar/2026/W47/index.html#d-2026-11-19"
    week = page(site, "calendar/2026/W47/index.html")
    assert [c.title for c in week.days[3].chips] == ["P8", "P10", "P12", "P14", "P16"]


def test_week_start_sunday_orders_columns_and_names_weeks(repo):
    repo.write("socialgit.toml", (repo.root / "socialgit.toml").read_text().replace(
        'timezone = "America/Toronto"', 'timezone = "America/Toronto"\nweek_start = "sunday"'))
    repo.post("a", "title: A\npublish_at: 2026-11-15 09:00\nchannels: [slack]", month="2026/11")
    site = model(repo)
    month = page(site, "calendar/2026/11/index.html")
    assert month.weekdays == ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
    assert month.weeks[0][0].day == date(2026, 11, 1)
    # Sunday 15 November opens the week that holds Monday 16: ISO week 47
    week = page(site, "calendar/2026/W47/index.html")
    assert week.days[0].day == date(2026, 11, 15) and [c.title for c in week.days[0].chips] == ["A"]


def test_a_zone_far_east_of_utc_moves_a_post_to_the_next_local_day(repo):
    repo.write("socialgit.toml", (repo.root / "socialgit.toml").read_text().replace(
        "America/Toronto", "Pacific/Kiritimati"))
    repo.post("ny", "title: New year\npublish_at: 2026-12-31T20:00:00Z\nchannels: [slack]")
    site = model(repo, datetime(2026, 12, 20, tzinfo=timezone.utc))
    january = page(site, "calendar/2027/01/index.html")
    (chip,) = cell(january, "2027-01-01").chips
    assert chip.time == "10:00"
    assert page(site, "calendar/2026/W53/index.html").days[4].chips == (chip,)


def test_week_page_rows_are_hours_and_dst_days_say_so(repo):
    repo.post("early", "title: Early\npublish_at: 2026-11-01 06:15\nchannels: [slack]", month="2026/11")
    repo.post("late", "title: Late\npublish_at: 2026-11-02 21:45\nchannels: [slack]", month="2026/11")
    site = model(repo, "2026-10-30 10:00")
    week = page(site, "calendar/2026/W44/index.html")  # Mon 26 Oct – Sun 1 Nov
    assert week.days[-1].clocks == "Clocks go back 1 h"
    assert [r.hour for r in week.hours] == list(range(6, 19))
    six = week.hours[0]
    assert [len(c) for c in six.cells] == [0, 0, 0, 0, 0, 0, 1]
    one_am_is_shown_twice = [s for s in week.hours if s.hour == 1]
    assert one_am_is_shown_twice == []  # outside the shown hours
    next_week = page(site, "calendar/2026/W45/index.html")
    assert next_week.hours[-1].hour == 21 and next_week.hours[-1].cells[0][0].title == "Late"


def test_agenda_lists_due_next_this_week_recent_and_attention(repo):
    repo.post("due", "title: Due\npublish_at: 2026-11-16 09:00\nchannels: [mastodon]", month="2026/11")
    repo.post("next", "title: Next\npublish_at: 2026-11-17 09:00\nchannels: [mastodon]", month="2026/11")
    repo.post("gone", "title: Gone\npublish_at: 2026-11-10 09:00\nchannels: [mastodon, x]", month="2026/11")
    repo.post("lost", "title: Lost\npublish_at: 2026-11-12 09:00\nchannels: [bluesky, x]", month="2026/11")
    repo.post("idea", "title: Idea\nstatus: draft", month="2026/11")
    receipt(repo, "gone", "mastodon")
    receipt(repo, "gone", "x", state="failed", error="the network refused the request (403)")
    site = model(repo)
    agenda = page(site, "index.html")
    assert [c.title for c in agenda.due] == ["Due"]
    assert [c.title for c in agenda.upcoming] == ["Next"]
    assert [(d.day.isoformat(), [c.title for c in d.chips]) for d in agenda.week][:2] == [
        ("2026-11-16", ["Due"]), ("2026-11-17", ["Next"])]
    assert [(r.chip.title, r.links) for r in agenda.recent] == [
        ("Gone", (("mastodon", "https://social.example/mastodon/gone"),))]
    assert [(a.chip.title, a.state, a.channels, a.why) for a in agenda.attention] == [  # newest first
        ("Lost", "missed", ("bluesky", "x"), ""),
        ("Gone", "failed", ("x",), "the network refused the request (403)")]
    assert agenda.attention_older == ()
    assert [c.title for c in agenda.undated] == ["Idea"]
    assert dict(agenda.counts) == {"draft": 1, "due": 1, "scheduled": 1, "partly published": 1, "missed": 1}
    assert agenda.today_title == "Today · Monday 16 November 2026"


def test_years_of_trouble_show_the_newest_and_fold_the_older_ones(repo, monkeypatch, tmp_path):
    monkeypatch.setattr("socialgit.site.pages.ATTENTION_SHOWN", 2)
    for day in ("2025-01-10", "2026-11-10", "2026-03-02", "2026-11-12", "2024-05-05"):
        repo.post(f"p{day}", f"title: P{day}\npublish_at: {day} 09:00\nchannels: [mastodon]",
                  month=day[:7].replace("-", "/"))
    receipt(repo, "p2024-05-05", "mastodon", state="uncertain")  # waits for a person: first, never folded
    agenda = page(model(repo), "index.html")
    assert [a.chip.title for a in agenda.attention] == ["P2024-05-05", "P2026-11-12", "P2026-11-10"]
    assert [a.chip.title for a in agenda.attention_older] == ["P2026-03-02", "P2025-01-10"]
    html = (build_site(repo.root, tmp_path / "site", at("2026-11-16 10:00")).out / "index.html").read_text("utf-8")
    folded = html[html.index('<details class="older">'):html.index("</details>")]
    assert "<summary>2 older items</summary>" in folded and "P2025-01-10" in folded and "P2026-11-12" not in folded


def test_agenda_shows_check_warnings_but_not_missed_twice(repo):
    repo.post("a", "title: A\npublish_at: 2026-11-20 09:00\nchannels: [mastodon]", month="2026/11")
    repo.post("b", "title: B\npublish_at: 2026-11-20 10:00\nchannels: [mastodon]", month="2026/11")
    repo.post("old", "title: Old\npublish_at: 2026-11-01 10:00\nchannels: [slack]", month="2026/11")
    agenda = page(model(repo), "index.html")
    messages = [(p.level, p.where, p.post_path) for p in agenda.problems]
    assert messages == [("warning", "content/posts/2026/11/b.md:3", "posts/b/index.html")]
    assert "min_gap" in agenda.problems[0].message
    assert [a.state for a in agenda.attention] == ["missed"]


def test_post_page_previews_exact_text_with_lengths_receipts_history_and_feedback(repo):
    body = "Hello **world** https://example.org/a-very-long-path\n---8<---\nSecond part"
    repo.post("hi", "title: Hi\npublish_at: 2026-11-10 09:30\nchannels: [mastodon, bluesky]\n"
              "variants:\n  bluesky: " + "b" * 301, body=body, month="2026/11")
    repo.commit("Add hi")
    receipt(repo, "hi", "mastodon")
    feedback(repo, "hi", "mastodon-9", "<script>alert(1)</script> nice", sentiment={"value": "positive"})
    site = model(repo)
    post = page(site, "posts/hi/index.html")
    mastodon, bluesky = post.rows
    assert [p.text for p in mastodon.parts] == ["Hello world https://example.org/a-very-long-path", "Second part"]
    assert mastodon.parts[0].length == "35/500 characters" and mastodon.parts[0].fits
    assert bluesky.variant and bluesky.parts[0].length == "301/300 graphemes (1 over)" and bluesky.parts[0].over
    assert mastodon.state == "published" and bluesky.state == "missed"
    assert [(l.href, l.external) for l in mastodon.receipt.links] == [("https://social.example/mastodon/hi", True)]
    assert bluesky.receipt is None
    assert [(h.author, h.subject) for h in post.history] == [("Test", "Add hi")]
    (item,) = post.feedback
    assert (item.author_name, item.body, item.sentiment) == ("Ann", "<script>alert(1)</script> nice", "positive")
    assert post.when == "Tue 10 Nov 2026, 09:30 EST" and post.when_utc == "2026-11-10 14:30 UTC"
    assert post.month_path == "calendar/2026/11/index.html" and post.week_path == "calendar/2026/W46/index.html"


def test_outbox_receipt_links_are_copied_into_the_site_and_never_escape(repo):
    repo.post("o", "title: O\npublish_at: 2026-11-10 09:30\nchannels: [mastodon, bluesky]", month="2026/11")
    receipt(repo, "o", "mastodon", url="outbox/mastodon/o.json")
    receipt(repo, "o", "bluesky", url="outbox/../../etc/passwd")
    repo.write("outbox/mastodon/o.json", "{}")
    site = model(repo)
    mastodon, bluesky = page(site, "posts/o/index.html").rows
    assert [(l.href, l.external) for l in mastodon.receipt.links] == [("receipts/outbox/mastodon/o.json", False)]
    assert bluesky.receipt.links == ()
    assert site.assets == {"receipts/outbox/mastodon/o.json": "outbox/mastodon/o.json"}


def test_media_is_found_next_to_content_or_the_post_and_keeps_its_alt(repo):
    repo.write("content/media/a.png", "png")
    repo.write("content/posts/2026/11/b.png", "png")
    repo.post("m", "title: M\npublish_at: 2026-11-10 09:30\nchannels: [slack]\nmedia:\n"
              "  - {path: media/a.png, alt: A cup}\n  - {path: b.png, alt: B}\n  - {path: ../../x.png, alt: X}",
              month="2026/11")
    site = model(repo)
    media = page(site, "posts/m/index.html").media
    assert [(m.href, m.alt) for m in media] == [("media/media/a.png", "A cup"), ("media/posts/2026/11/b.png", "B"),
                                                (None, "X")]


def test_drafts_can_be_left_out(repo):
    repo.post("d", "title: D\nstatus: draft\npublish_at: 2026-11-18 09:00\nchannels: [slack]", month="2026/11")
    assert any(p.path == "posts/d/index.html" for p in model(repo).pages)
    without = model(repo, drafts=False)
    assert not any(p.path == "posts/d/index.html" for p in without.pages)
    assert cell(page(without, "calendar/2026/11/index.html"), "2026-11-18").chips == ()


def test_channel_and_campaign_pages_are_the_calendar_filtered(repo):
    repo.post("a", "title: A\npublish_at: 2026-11-18 09:00\nchannels: [mastodon]\ncampaign: Winter Sale", month="2026/11")
    repo.post("b", "title: B\npublish_at: 2026-12-02 09:00\nchannels: [bluesky]\ncampaign: Winter Sale")
    repo.post("c", "title: C\npublish_at: 2026-12-03 09:00\nchannels: [bluesky]")
    site = model(repo)
    bluesky = page(site, "channels/bluesky/index.html")
    assert [[c.title for d in g.days for c in d.chips] for g in bluesky.months] == [["B", "C"]]
    assert bluesky.months[0].path == "channels/bluesky/2026/12/index.html"
    grid = page(site, "channels/bluesky/2026/12/index.html")
    assert grid.prev_path is None and grid.scope_title == "Channel bluesky"
    assert cell(grid, "2026-12-02").chips[0].title == "B"
    campaign = page(site, "campaigns/winter-sale/index.html")
    assert [c.title for g in campaign.months for d in g.days for c in d.chips] == ["A", "B"]
    assert page(site, "campaigns/winter-sale/2026/12/index.html").prev_path == "campaigns/winter-sale/2026/11/index.html"
    index = page(site, "campaigns/index.html")
    assert [(e.title, e.count) for e in index.entries] == [("Winter Sale", 2)]


def test_a_busy_channel_lists_the_months_nearest_today_and_links_every_months_grid(repo, monkeypatch, tmp_path):
    monkeypatch.setattr("socialgit.site.pages.SCOPE_LIST_POSTS", 5)
    for month, day in (("2026/10", 14), ("2026/11", 18)):
        for hour in (8, 10, 12, 14):
            when = f"{month.replace('/', '-')}-{day} {hour:02d}:00"
            repo.post(f"p{day}-{hour}", f"title: P{day}-{hour}\npublish_at: {when}\nchannels: [mastodon]\ncampaign: Busy",
                      month=month)
    repo.post("dec", "title: Dec\npublish_at: 2026-12-02 09:00\nchannels: [mastodon]")
    site = model(repo)  # today: 16 November
    channel = page(site, "channels/mastodon/index.html")
    # November and December hold five posts: October (as near as December, but past) is left to its grid
    assert [(g.title, g.listed) for g in channel.months] == [
        ("October 2026", False), ("November 2026", True), ("December 2026", True)]
    assert [len(g.days) for g in channel.months] == [0, 1, 1]
    assert channel.span == ("November 2026", "December 2026")
    # a full day links to its list: on the channel's page when it lists the month, else in its week
    assert cell(page(site, "channels/mastodon/2026/11/index.html"), "2026-11-18").more_path == (
        "channels/mastodon/index.html#d-2026-11-18")
    assert cell(page(site, "channels/mastodon/2026/10/index.html"), "2026-10-14").more_path == (
        "calendar/2026/W42/index.html#d-2026-10-14")
    campaign = page(site, "campaigns/busy/index.html")
    assert [g.title for g in campaign.months if g.listed] == ["November 2026"]
    assert campaign.span == ("November 2026", "November 2026")
    html = (build_site(repo.root, tmp_path / "site", at("2026-11-16 10:00")).out
            / "channels/mastodon/index.html").read_text(encoding="utf-8")
    assert "Listed below: November 2026 to December 2026, the months nearest today." in html
    assert 'id="d-2026-11-18"' in html and 'id="d-2026-10-14"' not in html
    assert 'href="../../channels/mastodon/2026/10/index.html">October 2026</a>' in html
    monkeypatch.setattr("socialgit.site.pages.SCOPE_LIST_POSTS", 9)
    assert page(model(repo), "channels/mastodon/index.html").span is None  # every month fits: all listed


def test_every_month_of_the_span_and_the_current_one_has_a_page(repo):
    repo.post("a", "title: A\npublish_at: 2027-02-01 09:00\nchannels: [slack]", month="2027/02")
    paths = {p.path for p in model(repo).pages}
    assert {"calendar/2026/11/index.html", "calendar/2026/12/index.html", "calendar/2027/01/index.html",
            "calendar/2027/02/index.html"} <= paths
    assert "calendar/2026/10/index.html" not in paths


def test_validity_is_the_interval_between_the_steps_around_now(repo):
    repo.post("a", "title: A\npublish_at: 2026-11-16 12:00\nchannels: [slack]", month="2026/11")
    repo.post("b", "title: B\npublish_at: 2026-11-16 06:00\nchannels: [slack]", month="2026/11")
    source = read_site(repo.root, at("2026-11-16 10:00"), True)
    before, after = validity(source)
    assert before == at("2026-11-16 06:00") and after == at("2026-11-16 12:00")
    source = read_site(repo.root, at("2026-11-16 13:00"), True)
    assert validity(source) == (at("2026-11-16 12:00"), at("2026-11-16 18:00"))  # A's grace window ends
    source = read_site(repo.root, at("2026-11-16 19:00"), True)
    assert validity(source) == (at("2026-11-16 18:00"), at("2026-11-17 00:00"))  # then local midnight


def test_short_names_are_unique_and_slugs_are_safe():
    assert short_names({"m": "Mastodon", "m2": "Mastodon EU", "b": "Bluesky", "x": "X"}) == {
        "m": "M", "m2": "Ma", "b": "B", "x": "X"}
    assert slug("Winter Sale / 2026!") == "winter-sale-2026"
    assert slug("یلدا") == "campaign"


def test_load_feedback_reads_fields_and_reports_bad_files_with_path_and_line(repo):
    path = feedback(repo, "hi", "mastodon-1", "Is it good as espresso?",
                    intent={"value": "question", "score": 1.0, "source": "rule"}, labels=["faq"])
    repo.write("content/feedback/hi/x-2.md", "---\nnetwork: x\nkind: reply: oops\n---\nbody\n")
    repo.write("content/feedback/_mentions/bluesky-3.md", "---\nnetwork: bluesky\nkind: mention\n---\nhello\n")
    items, problems = load_feedback(repo.root)
    assert [(i.id, i.post, i.kind) for i in items] == [("bluesky-3", None, "mention"), ("mastodon-1", "hi", "reply")]
    item = items[1]
    assert item.intent.value == "question" and item.intent.score == 1.0 and item.labels == ("faq",)
    assert item.author.handle == "@ann@social.example" and item.body == "Is it good as espresso?"
    assert item.created_at == datetime(2026, 11, 10, 15, 0, tzinfo=timezone.utc)
    assert path.endswith("mastodon-1.md")
    assert [(p.path, p.line, p.level) for p in problems] == [("content/feedback/hi/x-2.md", 3, "error")]
