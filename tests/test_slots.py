"""next-best slots: cadence first, better times only where the evidence allows; weak-slot notes."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from socialgit.calendar import load_calendar
from socialgit.check import Calendar
from socialgit.commands.learn import next_best_for, weak_slot_infos
from socialgit.history_import import imported_path, write_imported
from socialgit.config import Cadence
from socialgit.insights import build_insights
from socialgit.problems import UserError
from socialgit.slots import (candidate_times, explain_slot, next_best_slot, weak_slot_note, weak_slot_problems)

from .test_insights import TORONTO, calendar_with_history, config, imported_rows, post, write_repo

NOW = datetime(2026, 11, 16, 10, 0, tzinfo=TORONTO)  # a Monday


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TORONTO)


def no_evidence(cfg=None):
    cfg = cfg or config()
    return build_insights(Calendar(cfg, [], {}), {}, [], {}, NOW)


def test_without_evidence_the_first_time_that_keeps_cadence():
    cfg = config()
    mastodon = cfg.channels["mastodon"]  # max 2 a day, 5 a week, 3 h apart
    insights = no_evidence(cfg)
    assert next_best_slot([], [mastodon], insights, NOW) == local("2026-11-16 11:00")  # an hour to review it
    planned = [post("a", local("2026-11-16 12:00"))]
    assert next_best_slot(planned, [mastodon], insights, NOW) == local("2026-11-16 15:00")  # 3 h after
    full_day = planned + [post("b", local("2026-11-16 17:00"))]
    assert next_best_slot(full_day, [mastodon], insights, NOW) == local("2026-11-17 07:00")
    drafts_do_not_count = [replace(p, status="draft") for p in full_day]
    assert next_best_slot(drafts_do_not_count, [mastodon], insights, NOW) == local("2026-11-16 11:00")
    assert "no time is reliably better yet" in explain_slot(local("2026-11-16 11:00"), [mastodon], insights)


def test_a_full_week_moves_the_post_to_the_next_week_in_the_locale_order():
    cfg = config()
    week = [post(f"w{d}", local(f"2026-11-{17 + d} 09:00")) for d in range(4)] + [post("mon", local("2026-11-16 08:00"))]
    assert next_best_slot(week, [cfg.channels["mastodon"]], no_evidence(cfg), NOW) == local("2026-11-23 07:00")
    sunday_weeks = config(cfg_text_with("week_start = \"sunday\""))
    assert next_best_slot(week, [sunday_weeks.channels["mastodon"]], no_evidence(sunday_weeks), NOW) == \
        local("2026-11-22 07:00")


def cfg_text_with(line: str) -> str:
    from .test_insights import TOML
    return TOML.replace('timezone = "America/Toronto"', f'timezone = "America/Toronto"\n{line}')


def test_every_channel_of_the_post_must_have_room():
    cfg = config()
    busy_bluesky = [post("b", local("2026-11-16 11:30"), ("bluesky",))]  # bluesky: network default, 1 h apart
    slot = next_best_slot(busy_bluesky, [cfg.channels["mastodon"], cfg.channels["bluesky"]], no_evidence(cfg), NOW)
    assert slot == local("2026-11-16 12:30")


def test_with_evidence_it_waits_for_the_better_block():
    calendar, metrics = calendar_with_history(300, {2: 0.8}, seed=4)
    insights = build_insights(calendar, metrics, [], {}, NOW)
    assert {c.level.key for c in insights.channels["mastodon"].own.best if c.dimension == "block"} == {2}
    afternoon = NOW.replace(hour=13)
    mastodon = calendar.config.channels["mastodon"]
    assert next_best_slot(calendar.posts, [mastodon], no_evidence(), afternoon) == local("2026-11-16 14:00")
    slot = next_best_slot(calendar.posts, [mastodon], insights, afternoon)
    assert slot == local("2026-11-17 08:00")
    assert "mornings (08–12) do better on Mastodon (your posts" in explain_slot(slot, [mastodon], insights)


def test_weak_slots_get_an_info_note_for_future_posts_only():
    calendar, metrics = calendar_with_history(300, {4: -0.9}, seed=4)
    insights = build_insights(calendar, metrics, [], {}, NOW)
    evening = post("evening", local("2026-11-18 18:00"))
    morning = post("morning", local("2026-11-18 09:00"))
    past = post("past", local("2026-11-10 18:00"))
    note = weak_slot_note(evening, insights)
    assert note.startswith("this time sits in a weak slot: on Mastodon, evenings (16–20) have done worse than usual")
    assert "--at next-best" in note
    assert weak_slot_note(morning, insights) is None
    assert weak_slot_note(post("elsewhere", local("2026-11-18 18:00"), ("bluesky",)), insights) is None
    problems = weak_slot_problems([evening, morning, past], insights, NOW)
    assert [(p.path, p.level) for p in problems] == [("content/posts/evening.md", "info")]
    assert weak_slot_note(evening, no_evidence()) is None  # no evidence, no note


def test_imported_history_guides_only_when_the_team_has_no_claim_and_says_so():
    calendar, metrics = calendar_with_history(12, {}, seed=1)
    insights = build_insights(calendar, metrics, imported_rows(300, {2: 0.8}, seed=9), {}, NOW)
    mastodon = calendar.config.channels["mastodon"]
    slot = next_best_slot(calendar.posts, [mastodon], insights, NOW.replace(hour=13))
    assert slot.astimezone(TORONTO).hour in (8, 9, 10, 11)
    assert "your posts with history imported from old-account" in explain_slot(slot, [mastodon], insights)


def test_no_room_at_all_is_a_one_line_error():
    cfg = config()
    closed = replace(cfg.channels["mastodon"], cadence=Cadence(max_per_week=0))
    with pytest.raises(UserError, match="no time in the next 28 days keeps the cadence of mastodon"):
        next_best_slot([], [closed], no_evidence(cfg), NOW)


def test_candidates_keep_the_wall_clock_across_dst():
    before = datetime(2026, 3, 7, 6, 0, tzinfo=TORONTO)
    times = list(candidate_times(before, TORONTO, timedelta(days=3)))
    local_times = [t.astimezone(TORONTO) for t in times]
    assert all(7 <= t.hour <= 21 and t.minute in (0, 30) for t in local_times)
    assert {t.date().day for t in local_times if t.hour == 7 and t.minute == 0} == {7, 8, 9}
    assert local_times[0] == datetime(2026, 3, 7, 7, 0, tzinfo=TORONTO)
    assert {t.utcoffset() for t in local_times} == {timedelta(hours=-5), timedelta(hours=-4)}


def test_the_helpers_for_new_and_check_read_the_repository(tmp_path):
    write_repo(tmp_path)
    write_imported(imported_path(tmp_path, "old-account", "mastodon"), imported_rows(300, {2: 0.8, 4: -0.9}, seed=9))
    evening = tmp_path / "content" / "posts" / "2026" / "11" / "evening.md"
    evening.write_text("---\ntitle: Evening\npublish_at: 2026-11-18 18:00\nchannels: [mastodon]\n---\nHi.\n")
    calendar, _ = load_calendar(tmp_path)
    notes = weak_slot_infos(tmp_path, calendar, NOW)
    assert [(p.path, p.line, p.level) for p in notes] == [("content/posts/2026/11/evening.md", 3, "info")]
    assert "history imported from old-account" in notes[0].message
    at, why = next_best_for(tmp_path, ["mastodon"], NOW.replace(hour=13))
    assert at == local("2026-11-17 08:00")
    assert why.startswith("Tue 2026-11-17 08:00: mornings (08–12) do better on Mastodon")
