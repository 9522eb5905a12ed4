"""Picking a time: ``socialgit new … --at next-best`` and the weak-slot note in ``check``.

The next free slot keeps every chosen channel's cadence (max_per_day,
max_per_week, min_gap, with the network defaults where the team set none) and,
only where the insights claim something (θ/sd ≥ 2 with 5 posts or more), leans
toward the better weekdays and blocks and away from the weak ones. With no
claim it is simply the first time that fits: the data has not earned a say.
Pure: ``now`` comes in, nothing is read.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Iterable, Sequence

from .cadence import week_start_of
from .config import ChannelConfig
from .content import Post, localize
from .cadence import effective_cadence
from .insights import Analysis, Insights
from .problems import Problem, UserError, info

STEP = timedelta(minutes=30)
FIRST, LAST = time(7, 0), time(21, 0)  # the hours a person would want a post to go out
LEAD = timedelta(hours=1)  # time to write the post and get it reviewed
PREFER_WITHIN = timedelta(days=7)  # a better slot is worth waiting for, up to a week
HORIZON = timedelta(days=28)


def candidate_times(now: datetime, zone, horizon: timedelta = HORIZON) -> Iterable[datetime]:
    """Every half hour between 07:00 and 21:00 local, from ``now`` + 1 h; wall times a DST jump skips are left out."""
    earliest = now + LEAD
    day = earliest.astimezone(zone).date()
    while True:
        moment = datetime.combine(day, FIRST)
        while moment.time() <= LAST:
            aware, problem = localize(moment, zone)
            if aware > now + horizon:
                return
            if aware >= earliest and not (problem and "does not exist" in problem):
                yield aware
            moment += STEP
        day += timedelta(days=1)


def fits(moment: datetime, channel: ChannelConfig, taken: Sequence[datetime], zone, week_start: str) -> bool:
    """Whether one more post at ``moment`` keeps ``channel``'s cadence, given the times already taken."""
    rules, _ = effective_cadence(channel)
    day = moment.astimezone(zone).date()
    if rules.max_per_day is not None:
        if sum(t.astimezone(zone).date() == day for t in taken) + 1 > rules.max_per_day:
            return False
    if rules.max_per_week is not None:
        week = week_start_of(day, week_start)
        if sum(week_start_of(t.astimezone(zone).date(), week_start) == week for t in taken) + 1 > rules.max_per_week:
            return False
    if rules.min_gap is not None and any(abs(t - moment) < rules.min_gap for t in taken):
        return False
    return True


def _score(moment: datetime, channels: Sequence[ChannelConfig], insights: Insights) -> int:
    score = 0
    for channel in channels:
        guide = _guide(insights, channel.name)
        if guide is not None:
            best, weak = guide.claims_for(moment)
            score += len(best) - len(weak)
    return score


def _guide(insights: Insights, channel: str) -> Analysis | None:
    found = insights.channels.get(channel)
    return found.guidance if found else None


def next_best_slot(posts: Iterable[Post], channels: Sequence[ChannelConfig], insights: Insights,
                   now: datetime) -> datetime:
    """The first free time for a post on ``channels``; within a week, the best-scoring such time."""
    zone, week_start = insights.zone, insights.week_start
    posts = [p for p in posts if not p.is_draft and p.publish_at]
    taken = {c.name: [p.publish_at for p in posts if c.name in p.channels] for c in channels}
    first_free = None
    best: tuple[int, datetime] | None = None
    for moment in candidate_times(now, zone):
        if not all(fits(moment, c, taken[c.name], zone, week_start) for c in channels):
            continue
        first_free = first_free or moment
        if moment - now > PREFER_WITHIN:
            break
        score = _score(moment, channels, insights)
        if best is None or score > best[0]:
            best = (score, moment)
    if best is not None:
        return best[1]
    if first_free is not None:
        return first_free
    names = ", ".join(c.name for c in channels)
    raise UserError(f"--at next-best: no time in the next {HORIZON.days} days keeps the cadence of {names} "
                    "(max_per_day, max_per_week, min_gap in socialgit.toml); pass --at with a time instead")


def _basis(guide: Analysis) -> str:
    return "your posts" if guide.source == "own" else f"your posts with history imported from {', '.join(guide.labels)}"


def explain_slot(moment: datetime, channels: Sequence[ChannelConfig], insights: Insights) -> str:
    """One line saying why ``next_best_slot`` chose ``moment``."""
    when = moment.astimezone(insights.zone).strftime("%a %Y-%m-%d %H:%M")
    reasons = []
    for channel in channels:
        guide = _guide(insights, channel.name)
        if guide is not None:
            best, _ = guide.claims_for(moment)
            reasons += [f"{c.name} do better on {channel.label} ({_basis(guide)}, {c.figures})" for c in best]
    if reasons:
        return f"{when}: " + "; ".join(reasons)
    return f"{when}: the first time that keeps each channel's cadence (no time is reliably better yet)"


def weak_slot_note(post: Post, insights: Insights) -> str | None:
    """'On Mastodon, evenings (16–20) have done worse than usual …' when the data says so, else None."""
    if post.publish_at is None or post.is_draft:
        return None
    notes = []
    for name in post.channels:
        guide = _guide(insights, name)
        if guide is None:
            continue
        _, weak = guide.claims_for(post.publish_at)
        if weak:
            better = [c.name for c in guide.best]
            hint = f"; {' and '.join(better)} do better" if better else ""
            notes.append(f"on {guide.channel_label}, {' and '.join(c.name for c in weak)} have done worse than "
                         f"usual ({_basis(guide)}: " + "; ".join(c.figures for c in weak) + f"){hint}")
    if not notes:
        return None
    return "this time sits in a weak slot: " + "; ".join(notes) + " (`socialgit new --at next-best` picks a better one)"


def weak_slot_problems(posts: Iterable[Post], insights: Insights, now: datetime) -> list[Problem]:
    """An info note for each future post in a slot the data says is weak (for ``check``)."""
    found = []
    for post in posts:
        if post.publish_at is not None and post.publish_at > now:
            note = weak_slot_note(post, insights)
            if note:
                found.append(info(post.path, post.line("publish_at"), note))
    return found
