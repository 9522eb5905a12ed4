"""Best times and cadence: synthetic histories with a known truth, DST and zones, the verdicts."""

from __future__ import annotations

import json
import math
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from click.testing import CliRunner

from socialgit.check import Calendar
from socialgit.cli import cli
from socialgit.commands import learn  # noqa: F401  (registers `insights` and `import-history`)
from socialgit.config import parse_config
from socialgit.content import Post
from socialgit.feedback import FeedbackItem, Judgement
from socialgit.history_import import ImportedPost
from socialgit.cadence import cadence_report, effective_cadence
from socialgit.insights import (Observation, analyse, bucket, build_insights, campaign_summaries, imported_observations,
                                own_observations, relative_scores, sentiment_tally, suggestion_text, weekday_order)
from socialgit.ledger import Receipt
from socialgit.metrics import Snapshot
from socialgit.shrinkage import TAU2_FLOOR, eb_profile

TORONTO = ZoneInfo("America/Toronto")
TEHRAN = ZoneInfo("Asia/Tehran")
UTC = timezone.utc

TOML = """\
[site]
title = "T"
timezone = "America/Toronto"

[channels.mastodon]
type = "outbox"
network = "mastodon"
label = "Mastodon"
max_per_day = 2
max_per_week = 5
min_gap = "3h"
min_per_week = 2

[channels.bluesky]
type = "outbox"
network = "bluesky"
label = "Bluesky"
"""


def config(text: str = TOML):
    parsed, problems = parse_config(text, Path("/nowhere"))
    assert not [p for p in problems if p.level == "error"], problems
    return parsed


# habits of a small team: most posts on weekday mornings and early afternoons
HABITS = [(9, 0.35), (10, 0.2), (13, 0.2), (17, 0.1), (19, 0.1), (21, 0.05)]


def synthetic(n: int, effect: dict[int, float], seed: int, sigma: float = 0.8, zone=TORONTO,
              start: datetime = datetime(2025, 1, 6, tzinfo=TORONTO), account: str = "own") -> list[Observation]:
    """n posts over about a year with a true log effect per time block, follower growth and noise."""
    rnd = random.Random(seed)
    found = []
    for i in range(n):
        day = (start + timedelta(days=int(i * 365 / n) + rnd.randint(0, 2))).date()
        hour = rnd.choices([h for h, _ in HABITS], [w for _, w in HABITS])[0]
        if rnd.random() < 0.25:  # some posts off-habit, so every block gets a few
            hour = rnd.randint(5, 22)
        at = datetime(day.year, day.month, day.day, hour, rnd.choice([0, 15, 30, 45]), tzinfo=zone)
        growth = 10 * math.exp(1.2 * i / n)  # followers triple over the year
        value = growth * math.exp(effect.get(hour // 4, 0.0) + rnd.gauss(0, sigma))
        found.append(Observation(at, round(value), account, f"p{i}"))
    return found


def claimed_blocks(analysis) -> set[int]:
    return {c.level.key for c in analysis.best if c.dimension == "block"}


def test_a_post_at_0830_local_stays_in_the_morning_block_across_dst():
    winter = datetime(2026, 1, 14, 8, 30, tzinfo=TORONTO)  # EST, 13:30 UTC
    summer = datetime(2026, 7, 15, 8, 30, tzinfo=TORONTO)  # EDT, 12:30 UTC
    change_day = datetime(2026, 3, 8, 8, 30, tzinfo=TORONTO)  # hours after the clocks jumped
    for moment in (winter, summer, change_day):
        assert bucket(moment.astimezone(UTC), TORONTO)[1] == 2
    # read in UTC instead, the same habit would straddle two blocks
    assert {winter.astimezone(UTC).hour // 4, summer.astimezone(UTC).hour // 4} == {3}
    assert bucket(datetime(2026, 11, 1, 1, 30, tzinfo=TORONTO, fold=1), TORONTO) == (6, 0)


def test_buckets_follow_the_audience_zone_and_the_locale_week():
    moment = datetime(2026, 1, 3, 5, 0, tzinfo=UTC)  # 08:30 on Saturday in Tehran (UTC+03:30)
    assert bucket(moment, TEHRAN) == (5, 2)
    assert bucket(moment, TORONTO) == (5, 0)  # midnight in Toronto
    assert weekday_order("saturday") == (5, 6, 0, 1, 2, 3, 4)
    assert weekday_order("sunday")[0] == 6
    obs = synthetic(40, {}, seed=1, zone=TEHRAN)
    analysis = analyse(obs, "mastodon", "Mastodon", "own", TEHRAN, "saturday")
    assert [lv.label for lv in analysis.weekdays.levels][:2] == ["Sat", "Sun"]


def test_relative_scores_cancel_follower_growth():
    rnd = random.Random(3)
    start = datetime(2025, 1, 1, 9, tzinfo=TORONTO)
    # engagement grows tenfold over the year, with no timing effect at all
    obs = [Observation(start + timedelta(days=2 * i), round(5 * 10 ** (i / 180) * math.exp(rnd.gauss(0, 0.3))),
                       "own") for i in range(180)]
    scored, unscored = relative_scores(obs)
    assert unscored == 0
    early = [r for o, r in scored if o.at < start + timedelta(days=120)]
    late = [r for o, r in scored if o.at > start + timedelta(days=240)]
    assert abs(sum(early) / len(early)) < 0.15 and abs(sum(late) / len(late)) < 0.15
    raw_ratio = sum(o.engagement for o, _ in scored[-30:]) / sum(o.engagement for o, _ in scored[:30])
    assert raw_ratio > 5  # what a raw comparison would have "learned"


def test_scores_are_winsorised_and_need_a_baseline():
    start = datetime(2025, 5, 1, 9, tzinfo=TORONTO)
    obs = [Observation(start + timedelta(days=i), 10, "own") for i in range(5)]
    obs.append(Observation(start + timedelta(days=5), 100_000, "own"))
    obs.append(Observation(start + timedelta(days=200), 10, "own"))  # alone in its month: the window widens
    scored, unscored = relative_scores(obs)
    assert unscored == 0 and len(scored) == 7
    assert max(r for _, r in scored) == 2.0
    assert relative_scores(obs[:3]) == ([], 3)  # three posts in all: nothing to compare with


def test_accounts_are_scored_against_their_own_median():
    start = datetime(2025, 5, 1, 9, tzinfo=TORONTO)
    small = [Observation(start + timedelta(days=i), 5, "own") for i in range(10)]
    big = [Observation(start + timedelta(days=i), 500, "competitor") for i in range(10)]
    scored, _ = relative_scores(small + big)
    assert all(r == 0 for _, r in scored)


def test_shrinkage_pulls_thin_levels_harder():
    groups = {0: [0.6] * 40, 1: [0.6], 2: [-0.3] * 40, 3: [0.0] * 40}
    profile = eb_profile("block", [0, 1, 2, 3], ["a", "b", "c", "d"], {k: [r + 0.0 for r in v] for k, v in groups.items()})
    many, one = profile.level(0), profile.level(1)
    assert many.theta > one.theta > 0
    assert one.sd > many.sd
    assert profile.tau2 >= TAU2_FLOOR
    assert many.low < many.multiplier < many.high


def test_finds_a_known_best_block_with_enough_posts():
    found = sum(claimed_blocks(analyse(synthetic(250, {2: 0.5}, seed), "m", "Mastodon", "own", TORONTO,
                                       "monday")) == {2} for seed in range(20))
    assert found >= 16


def test_declines_to_claim_with_few_posts():
    analyses = [analyse(synthetic(20, {2: 0.5}, seed), "m", "Mastodon", "own", TORONTO, "monday") for seed in range(20)]
    assert sum(bool(a.best) for a in analyses) <= 2
    quiet = next(a for a in analyses if not a.best)
    assert quiet.verdict == "20 Mastodon posts, engagement at 48 h: no time is reliably better yet."
    assert "1 in 5" in suggestion_text(quiet)


def test_rarely_claims_anything_when_no_time_is_better():
    analyses = [analyse(synthetic(250, {}, seed), "m", "Mastodon", "own", TORONTO, "monday") for seed in range(30)]
    assert sum(bool(a.best) for a in analyses) <= 3


def test_a_lucky_cell_is_drawn_but_never_claimed():
    obs = synthetic(120, {}, seed=5)
    sunday_night = datetime(2025, 6, 1, 22, 0, tzinfo=TORONTO)  # a Sunday, late block
    obs += [Observation(sunday_night + timedelta(weeks=w), 2000, "own") for w in range(3)]
    analysis = analyse(obs, "m", "Mastodon", "own", TORONTO, "monday")
    cell = next(c for c in analysis.cells if (c.weekday, c.block) == (6, 5))
    assert cell.n >= 3
    assert cell.multiplier < math.exp(2.0)  # shrunk, far below the winsorised raw mean
    assert all(c.dimension in ("weekday", "block") for c in analysis.best)
    assert len(analysis.cells) == 42


def test_claim_wording_gives_the_figures():
    analysis = analyse(synthetic(300, {2: 0.7}, seed=2), "m", "Mastodon", "own", TORONTO, "monday")
    assert analysis.verdict.startswith("300 Mastodon posts, engagement at 48 h: mornings (08–12) do better than usual")
    assert "80%:" in analysis.verdict and "posts)" in analysis.verdict
    assert analysis.suggestions == ()


# ---- from files to observations

def post(pid: str, at: datetime, channels=("mastodon",), **kw) -> Post:
    return Post(id=pid, path=f"content/posts/{pid}.md", title=pid, publish_at=at, channels=tuple(channels), **kw)


def receipt(pid: str, channel: str, at: datetime, state: str = "published") -> Receipt:
    return Receipt(pid, channel, state, {"published_at": at.astimezone(UTC).isoformat()}, f"content/ledger/{pid}/x")


def test_engagement_is_read_at_a_fixed_age():
    now = datetime(2026, 11, 16, 10, tzinfo=TORONTO)
    old, young, stale = now - timedelta(days=10), now - timedelta(hours=20), now - timedelta(days=40)
    posts = [post("old", old), post("young", young), post("stale", stale)]
    receipts = {p.id: {"mastodon": receipt(p.id, "mastodon", p.publish_at)} for p in posts}
    metrics = {
        "old": {"mastodon": [Snapshot(old + timedelta(hours=24), {"likes": 5}),
                             Snapshot(old + timedelta(hours=50), {"likes": 9, "reposts": 2}),
                             Snapshot(old + timedelta(days=8), {"likes": 40})]},
        "young": {"mastodon": [Snapshot(young + timedelta(hours=1), {"likes": 1})]},
        "stale": {"mastodon": [Snapshot(stale + timedelta(days=30), {"likes": 90})]},
    }
    found, skipped = own_observations(posts, receipts, metrics, "mastodon", now)
    assert [(o.ref, o.engagement) for o in found] == [("old", 11)]
    assert skipped == {"younger than 48 h": 1, "no snapshot between 48 h and 14 days": 1}


def test_snapshots_after_now_are_not_seen():
    now = datetime(2026, 11, 16, 10, tzinfo=TORONTO)
    at = now - timedelta(days=3)
    posts = [post("a", at)]
    metrics = {"a": {"mastodon": [Snapshot(now + timedelta(hours=1), {"likes": 9})]}}
    found, _ = own_observations(posts, {"a": {"mastodon": receipt("a", "mastodon", at)}}, metrics, "mastodon", now)
    assert found == []


def calendar_with_history(n: int, effect: dict[int, float], seed: int, cfg=None):
    """A calendar whose mastodon posts were published and measured at 50 h."""
    cfg = cfg or config()
    posts, receipts, metrics = [], {}, {}
    for obs in synthetic(n, effect, seed, start=datetime(2025, 10, 1, tzinfo=TORONTO)):
        posts.append(post(obs.ref, obs.at))
        receipts[obs.ref] = {"mastodon": receipt(obs.ref, "mastodon", obs.at)}
        metrics[obs.ref] = {"mastodon": [Snapshot(obs.at + timedelta(hours=50), {"likes": obs.engagement})]}
    return Calendar(cfg, posts, receipts), metrics


def imported_rows(n: int, effect: dict[int, float], seed: int, label: str = "old-account") -> list[ImportedPost]:
    return [ImportedPost(label, "mastodon", o.at, o.engagement, ref=o.ref)
            for o in synthetic(n, effect, seed, start=datetime(2024, 1, 1, tzinfo=TORONTO))]


def test_imported_history_is_its_own_panel_and_combined_only_on_request():
    calendar, metrics = calendar_with_history(12, {}, seed=1)
    now = datetime(2026, 11, 16, 10, tzinfo=TORONTO)
    result = build_insights(calendar, metrics, imported_rows(250, {2: 0.6}, seed=9), {}, now)
    mastodon = result.channels["mastodon"]
    assert mastodon.own.posts == 12 and mastodon.own.source == "own"
    assert [a.labels for a in mastodon.imported] == [("old-account",)]
    assert mastodon.imported[0].posts == 250 and "imported from old-account" in mastodon.imported[0].verdict
    assert mastodon.combined.posts == 262 and "(12 yours + 250 imported from old-account)" in mastodon.combined.verdict
    assert not mastodon.own.best
    assert mastodon.guidance is mastodon.combined  # the team's own data says nothing yet
    assert result.channels["bluesky"].imported == () and result.channels["bluesky"].combined is None


def test_own_evidence_comes_before_imported():
    calendar, metrics = calendar_with_history(300, {4: 0.8}, seed=4)
    now = datetime(2026, 11, 16, 10, tzinfo=TORONTO)
    result = build_insights(calendar, metrics, imported_rows(250, {2: 0.8}, seed=9), {}, now)
    assert result.channels["mastodon"].guidance.source == "own"
    assert 4 in claimed_blocks(result.channels["mastodon"].guidance)


# ---- cadence

def test_cadence_flags_floor_crowding_and_silence_from_the_first_post_on():
    cfg = config()
    now = datetime(2026, 11, 18, 12, tzinfo=TORONTO)  # a Wednesday
    monday = datetime(2026, 10, 26, 9, tzinfo=TORONTO)
    times = [monday, monday + timedelta(days=2), monday + timedelta(days=7),  # week 2 has 1 post
             monday + timedelta(days=7 + 28, hours=0), monday + timedelta(days=7 + 28, hours=4),
             monday + timedelta(days=7 + 28, hours=8)]  # three on one day, after a 4-week silence
    posts = [post(f"p{i}", t) for i, t in enumerate(times)]
    receipts = {p.id: {"mastodon": receipt(p.id, "mastodon", p.publish_at)} for p in posts if p.publish_at < now}
    report = cadence_report(posts, receipts, cfg.channels["mastodon"], cfg, now, weeks_back=6, weeks_ahead=2)
    kinds = [i.kind for i in report.issues]
    assert "day" in kinds and "silence" in kinds
    floors = [w.start.isoformat() for w in report.weeks if w.below_floor]
    assert floors[0] == "2026-11-02"  # weeks before the first post are not counted as gaps
    assert not any(w.below_floor for w in report.weeks if w.start < monday.date())
    crowded_week = next(w for w in report.weeks if w.crowded)
    assert crowded_week.published + crowded_week.planned == 3 and crowded_week.planned == 3
    silence = next(i for i in report.issues if i.kind == "silence")
    assert "28 days" in silence.message


def test_network_defaults_fill_only_what_the_team_left_unset():
    cfg = config()
    targets, defaults = effective_cadence(cfg.channels["bluesky"])
    assert targets.max_per_day == 5 and targets.min_gap == timedelta(hours=1)
    assert defaults == {"max_per_day", "min_gap"}
    targets, defaults = effective_cadence(cfg.channels["mastodon"])
    assert targets.max_per_day == 2 and defaults == frozenset()


def test_missed_posts_do_not_count_as_posting():
    cfg = config()
    now = datetime(2026, 11, 18, 12, tzinfo=TORONTO)
    missed = post("gone", now - timedelta(days=1))
    report = cadence_report([missed], {}, cfg.channels["mastodon"], cfg, now)
    assert sum(w.posts for w in report.weeks) == 0


def test_campaign_summaries_count_posts_engagement_and_sentiment():
    cfg = config()
    now = datetime(2026, 11, 16, 10, tzinfo=TORONTO)
    done = post("done", now - timedelta(days=5), ("mastodon", "bluesky"), campaign="sale")
    later = post("later", now + timedelta(days=2), ("mastodon",), campaign="sale")
    draft = post("idea", now + timedelta(days=9), ("mastodon",), campaign="sale", status="draft")
    receipts = {"done": {"mastodon": receipt("done", "mastodon", done.publish_at),
                         "bluesky": receipt("done", "bluesky", done.publish_at)}}
    metrics = {"done": {"mastodon": [Snapshot(now - timedelta(days=4), {"likes": 3}),
                                     Snapshot(now - timedelta(days=1), {"likes": 7, "replies": 1})]}}
    feedback = [FeedbackItem("mastodon-1", "f", "mastodon", "reply", "done", sentiment=Judgement("positive")),
                FeedbackItem("mastodon-2", "f", "mastodon", "reply", "done", sentiment=Judgement("negative")),
                FeedbackItem("mastodon-3", "f", "mastodon", "reply", "done")]
    assert sentiment_tally(feedback) == {"done": {"positive": 1, "negative": 1, "unclassified": 1}}
    (summary,) = campaign_summaries([done, later, draft], receipts, metrics, sentiment_tally(feedback), cfg, now)
    assert summary.name == "sale" and summary.posts == 2
    rows = {c.channel: c for c in summary.channels}
    assert (rows["mastodon"].published, rows["mastodon"].planned, rows["mastodon"].engagement) == (1, 1, 8)
    assert (rows["bluesky"].published, rows["bluesky"].planned) == (1, 0)
    assert summary.feedback == {"positive": 1, "negative": 1, "unclassified": 1}


# ---- the command

def write_repo(root: Path) -> None:
    (root / "socialgit.toml").write_text(TOML, encoding="utf-8")
    folder = root / "content" / "posts" / "2026" / "11"
    folder.mkdir(parents=True)
    (folder / "hello.md").write_text("---\ntitle: Hello\npublish_at: 2026-11-10 09:00\nchannels: [mastodon]\n"
                                     "campaign: launch\n---\nHello.\n", encoding="utf-8")
    ledger = root / "content" / "ledger"
    (ledger / "hello").mkdir(parents=True)
    (ledger / "hello" / "mastodon.json").write_text(json.dumps(
        {"state": "published", "published_at": "2026-11-10T14:00:05Z"}), encoding="utf-8")
    (ledger / "metrics" / "hello").mkdir(parents=True)
    (ledger / "metrics" / "hello" / "mastodon.jsonl").write_text(
        '{"at": "2026-11-12T15:00:00Z", "likes": 4, "reposts": 1}\nnot json\n', encoding="utf-8")


def test_insights_command_text_and_json(tmp_path):
    write_repo(tmp_path)
    runner = CliRunner()
    result = runner.invoke(cli, ["insights", "--root", str(tmp_path), "--now", "2026-11-16T10:00"])
    assert result.exit_code == 0, result.output
    assert "No Mastodon posts with engagement at 48 h yet" in result.output
    assert "not counted: 1 fewer than 3 other posts to compare with" in result.output
    assert "content/ledger/metrics/hello/mastodon.jsonl:2: warning:" in result.output
    assert "launch: 1 post (mastodon 1 published); engagement 5" in result.output
    result = runner.invoke(cli, ["insights", "--root", str(tmp_path), "--now", "2026-11-16T10:00",
                                 "--format", "json", "--channel", "mastodon"])
    data = json.loads(result.output)
    assert list(data["channels"]) == ["mastodon"]
    assert data["channels"]["mastodon"]["own"]["not_counted"] == {"fewer than 3 other posts to compare with": 1}
    assert len(data["channels"]["mastodon"]["own"]["cells"]) == 42
    assert data["timezone"] == "America/Toronto"


def test_insights_command_refuses_an_unknown_channel_in_one_line(tmp_path):
    write_repo(tmp_path)
    result = CliRunner().invoke(cli, ["insights", "--root", str(tmp_path), "--channel", "mastodn"])
    assert result.exit_code == 2
    assert "unknown channel mastodn" in result.output and "Traceback" not in result.output


def test_imported_history_is_shown_as_such_and_combined_only_when_asked(tmp_path):
    from socialgit.history_import import imported_path, write_imported
    write_repo(tmp_path)
    write_imported(imported_path(tmp_path, "old-account", "mastodon"), imported_rows(200, {2: 0.8}, seed=9))
    write_imported(imported_path(tmp_path, "old-account", "threads"), imported_rows(5, {}, seed=9))
    runner = CliRunner()
    args = ["insights", "--root", str(tmp_path), "--now", "2026-11-16T10:00", "--channel", "mastodon"]
    result = runner.invoke(cli, args)
    assert "Imported: old-account (not your posts): 200 Mastodon posts imported from old-account" in result.output
    assert "Combined:" not in result.output
    assert 'content/ledger/_imported/old-account/threads.jsonl: warning: channel "threads" is not in ' \
           "socialgit.toml" in result.output
    result = runner.invoke(cli, args + ["--combine"])
    assert "Combined: your posts + imported from old-account: 200 Mastodon posts (0 yours + 200 imported" \
           in result.output
    data = json.loads(runner.invoke(cli, args + ["--format", "json"]).output)
    assert "combined" not in data["channels"]["mastodon"]
    assert data["channels"]["mastodon"]["imported"][0]["labels"] == ["old-account"]


def test_an_imported_label_can_never_pass_for_the_team():
    rows = [ImportedPost("own", "mastodon", datetime(2025, 5, 1 + i, 9, tzinfo=TORONTO), 1000) for i in range(6)]
    observations = imported_observations(rows, "mastodon")["own"]
    mine = [Observation(datetime(2025, 5, 1 + i, 9, tzinfo=TORONTO), 10, "own") for i in range(6)]
    scored, _ = relative_scores(observations + mine)
    assert all(r == 0 for _, r in scored)  # each against its own median, not one pooled median
