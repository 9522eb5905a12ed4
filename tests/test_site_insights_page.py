"""The insights page: per channel heatmap, profiles, verdict and cadence; imported sources apart;
campaigns; and a build cache that knows when the page changes with time alone."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

from socialgit.site import build_site
from socialgit.site.read import read_site
from socialgit.site.insights_page import steps
from socialgit.site.model import build_context, build_model
from socialgit.site.theme import THEME_DIR

from .conftest import at
from .site_helpers import feedback, model, page, receipt

NOW = at("2026-11-16 10:00")
UTC = timezone.utc


def snapshot(repo, post_id: str, channel: str, when: datetime, likes: int) -> None:
    path = repo.root / f"content/ledger/metrics/{post_id}/{channel}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"at": when.astimezone(UTC).isoformat().replace("+00:00", "Z"), "likes": likes})
                     + "\n")


def published(repo, slug: str, when: datetime, likes: int, channels=("mastodon",), campaign: str = "") -> None:
    """A post that went out at ``when`` with a snapshot 49 h later."""
    front = (f"title: {slug}\npublish_at: {when:%Y-%m-%d %H:%M}\nchannels: [{', '.join(channels)}]"
             + (f"\ncampaign: {campaign}" if campaign else ""))
    repo.post(slug, front, month=f"{when:%Y/%m}")
    for channel in channels:
        receipt(repo, slug, channel, published_at=when.astimezone(UTC).isoformat().replace("+00:00", "Z"))
        snapshot(repo, slug, channel, when + timedelta(hours=49), likes)


def history(repo, count: int = 10) -> None:
    first = at("2026-09-01 09:30")
    for n in range(count):
        published(repo, f"p{n}", first + timedelta(days=7 * n + (n % 3)), 10 + 3 * (n % 4), campaign="autumn")


def test_each_channel_shows_its_heatmap_table_profiles_verdict_and_cadence(repo):
    history(repo)
    insights = page(model(repo), "insights/index.html")
    mastodon = next(c for c in insights.channels if c.channel.name == "mastodon")
    own = mastodon.own
    assert own.posts == 10 and not own.imported and own.heading == "Your posts"
    assert own.verdict.startswith("10 mastodon posts, engagement at 48 h")
    assert own.heatmap_svg.startswith("<svg") and own.heatmap_svg.count('class="sg-h') >= 42
    assert own.heatmap_html.startswith("<table") and own.weekday_svg.startswith("<svg")
    assert own.block_svg.startswith("<svg") and own.suggestion.startswith("Try about 1 in 5 posts")
    targets = [(t.text, t.default) for t in mastodon.cadence.targets]
    assert targets == [("at most 2 a day", False), ("at least 3 h apart", False)]
    assert mastodon.cadence.chart_svg.startswith("<svg") and len(mastodon.cadence.weeks) == 13
    # a channel without engagement data says so in one line and draws nothing
    slack = next(c for c in insights.channels if c.channel.name == "slack")
    assert slack.own.posts == 0 and slack.own.heatmap_svg == "" and "nothing to learn from" in slack.own.verdict
    bluesky = next(c for c in insights.channels if c.channel.name == "bluesky")
    assert [(t.text, t.default) for t in bluesky.cadence.targets] == [("at most 5 a day", True),
                                                                       ("at least 1 h apart", True)]


def test_imported_history_is_its_own_labelled_panel_and_never_changes_the_teams_figures(repo):
    history(repo)
    before = page(model(repo), "insights/index.html").channels[0].own
    rows = [{"posted_at": (datetime(2025, 3, 3, 14, 30, tzinfo=UTC) + timedelta(days=2 * n)).isoformat(),
             "engagement": 5 + n % 7} for n in range(40)]
    repo.write("content/ledger/_imported/old-account/mastodon.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    repo.write("content/ledger/_imported/old-account/nowhere.jsonl", json.dumps(rows[0]) + "\n")
    insights = page(model(repo), "insights/index.html")
    mastodon = insights.channels[0]
    assert mastodon.own == before
    (imported,) = mastodon.imported
    assert imported.imported and imported.heading == "Imported: old-account (not your posts)"
    assert imported.posts == 40 and imported.heatmap_svg.startswith("<svg")
    assert [(p.where, p.level) for p in insights.problems] == [
        ("content/ledger/_imported/old-account/nowhere.jsonl", "warning")]


def test_campaigns_show_planned_and_published_per_channel_engagement_and_feedback(repo):
    history(repo, 4)
    repo.post("next", "title: Next\npublish_at: 2026-11-20 09:30\nchannels: [mastodon, bluesky]\ncampaign: autumn",
              month="2026/11")
    feedback(repo, "p1", "mastodon-1", "Nice", sentiment={"value": "positive"})
    feedback(repo, "p1", "mastodon-2", "Bad", sentiment={"value": "negative"})
    feedback(repo, "p2", "mastodon-3", "Hm")
    (row,) = page(model(repo), "insights/index.html").campaigns
    assert (row.name, row.path, row.posts) == ("autumn", "campaigns/autumn/index.html", 5)
    assert [(c.name, c.published, c.planned) for c in row.channels] == [("mastodon", 4, 1), ("bluesky", 0, 1)]
    assert row.engagement == 10 + 13 + 16 + 19
    assert dict(row.feedback) == {"positive": 1, "negative": 1, "question": 0, "neutral": 0, "unclassified": 1}
    assert row.said == 3


def test_the_page_changes_when_a_post_turns_48_hours_old(repo):
    history(repo, 6)
    last = at("2026-11-14 09:30")
    published(repo, "fresh", last, 40)
    early, late = last + timedelta(hours=47), last + timedelta(hours=49)
    site = build_model(read_site(repo.root, early, True))
    assert site.valid_until <= last + timedelta(hours=48)
    build_site(repo.root, None, early)
    html = (repo.root / "site/insights/index.html").read_text(encoding="utf-8")
    assert "6 mastodon posts" in html and "1 younger than 48 h" in html
    result = build_site(repo.root, None, late)
    assert not result.unchanged
    html = (repo.root / "site/insights/index.html").read_text(encoding="utf-8")
    assert "7 mastodon posts" in html and "younger than 48 h" not in html
    clean = repo.root.parent / "clean"
    build_site(repo.root, clean, late, use_cache=False)
    assert (clean / "insights/index.html").read_bytes() == (repo.root / "site/insights/index.html").read_bytes()


def test_new_metrics_change_the_page_and_a_snapshot_counts_once_its_time_has_passed(repo):
    history(repo, 6)
    build_site(repo.root, None, NOW)
    before = (repo.root / "site/insights/index.html").read_text(encoding="utf-8")
    snapshot(repo, "p0", "mastodon", at("2026-11-16 11:00"), 500)  # written ahead of its time
    assert not build_site(repo.root, None, NOW).unchanged  # a new line in a metrics file is a new input
    source = read_site(repo.root, NOW, True)
    assert at("2026-11-16 11:00") in steps(build_context(source))
    assert build_model(source).valid_until <= at("2026-11-16 11:00")
    assert before  # the rest of the page is compared in the 48 h test


def test_steps_cover_48_hours_snapshots_silences_and_week_starts(repo):
    published(repo, "a", at("2026-11-10 09:30"), 5)
    found = steps(build_context(read_site(repo.root, NOW, True)))
    assert at("2026-11-12 09:30") in found  # turns 48 h old
    assert at("2026-11-12 10:30") in found  # its snapshot
    assert at("2026-11-24 09:30") in found  # 14 days of silence after it
    assert at("2026-11-16 00:00") in found and at("2026-11-23 00:00") in found  # this week and the next


def test_team_text_on_the_page_is_escaped_and_only_chart_markup_is_marked_safe(repo):
    repo.write("socialgit.toml", (repo.root / "socialgit.toml").read_text().replace(
        '[channels.mastodon]\ntype = "outbox"', '[channels.mastodon]\ntype = "outbox"\nlabel = "<script>alert(1)</script>"'))
    history(repo, 4)
    repo.post("c", 'title: C\npublish_at: 2026-11-20 09:30\nchannels: [mastodon]\ncampaign: "<img src=x onerror=alert(2)>"',
              month="2026/11")
    build_site(repo.root, None, NOW)
    html = (repo.root / "site/insights/index.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;img src=x onerror=alert(2)&gt;" in html
    for template in Path(THEME_DIR).glob("*.html"):
        for match in re.finditer(r"\{\{\s*([^}|]+?)\s*\|\s*safe\s*\}\}", template.read_text(encoding="utf-8")):
            assert re.fullmatch(r"[\w.]+_(svg|html)", match.group(1)), f"{template.name}: {match.group(0)}"


def test_an_empty_calendar_still_has_an_insights_page(repo):
    insights = page(model(repo), "insights/index.html")
    assert insights.campaigns == () and all(c.own.heatmap_svg == "" for c in insights.channels)
    assert insights.this_week == "Monday 16 November 2026" and insights.week_start == "Monday"
