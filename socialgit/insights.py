"""When does this audience engage, and does each channel keep its rhythm? Pure functions of ``now``.

The method (reference/feedback-and-timing.md §5), for one account on one channel:

1. engagement of each published post at a fixed age: the first snapshot 48 h or
   more after publishing, so an old post does not win by having had longer;
2. a relative score r = ln((e+1)/(m+1)), m the median of the same account's other
   posts within ±30 days (follower growth cancels; a sparse account's window
   widens until it holds 3 posts), winsorised to ±2;
3. buckets in the audience's time zone and the locale's week: 7 weekdays and
   6 four-hour blocks, each a *marginal* profile estimated with normal–normal
   empirical Bayes (θ = Σ(r−μ)/(n+k), k = σ²/τ², sd = σ/√(n+k));
4. a slot is "better" only when θ/sd ≥ 2 with at least 5 posts; otherwise the
   verdict says so and suggests under-sampled slots. The 42 weekday × block
   cells are drawn (shrunk toward the additive fit) but never ranked.

Imported history (history_import.py) is another account: its rows are scored
against their own rolling median and analysed in their own panel, labelled with
where they came from. The team's own posts are always analysed alone first; a
*combined* analysis (each row still scored within its own account) is computed
for when it is asked for, and is what slots.py falls back on only when the
team's own data claims nothing, saying so.

The sentences made here (verdicts, claim names) are English, for the
terminal (`socialgit insights`, `check`, `new --at next-best`); insights_words.py says the
same facts in a site's language.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right, insort
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Iterable, Mapping, Sequence
from zoneinfo import ZoneInfo

from .cadence import WEEKDAY_INDEX, CadenceReport, cadence_report
from .check import Calendar
from .config import Config
from .content import Post
from .feedback import FeedbackItem, sentiment_label
from .history_import import ImportedPost
from .ledger import Receipt
from .metrics import FIXED_AGE, Snapshot, at_age, latest
from .shrinkage import Cell, Level, Profile, cells, eb_profile
from .timing import DUE, PUBLISHED, SCHEDULED, channel_state

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WEEKDAYS_PLURAL = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")
BLOCK_HOURS = 4
BLOCKS = tuple(range(24 // BLOCK_HOURS))
BLOCK_NAMES = ("nights", "early mornings", "mornings", "afternoons", "evenings", "late evenings")
NIGHT = 0  # 00–04 is never suggested: nobody should be told to post at 3 a.m. to learn something
WINDOW = timedelta(days=30)
MIN_BASELINE = 3  # other posts within ±30 days needed for a median worth dividing by
WINSOR = 2.0
MIN_N, MIN_Z = 5, 2.0


def weekday_order(week_start: str) -> tuple[int, ...]:
    """Python weekday numbers (0 = Monday) in the order the locale's week runs."""
    first = WEEKDAY_INDEX[week_start]
    return tuple((first + i) % 7 for i in range(7))


def block_label(block: int) -> str:
    return f"{block * BLOCK_HOURS:02d}–{block * BLOCK_HOURS + BLOCK_HOURS:02d}"


def bucket(moment: datetime, zone: ZoneInfo) -> tuple[int, int]:
    """(weekday, block) of an aware time on the audience's wall clock, whatever its offset."""
    local = moment.astimezone(zone)
    return local.weekday(), local.hour // BLOCK_HOURS


@dataclass(frozen=True)
class Observation:
    at: datetime
    engagement: int
    account: str  # "own" or "imported:<label>": scores compare only within one account
    ref: str = ""


def own_observations(posts: Iterable[Post], receipts: Mapping[str, Mapping[str, Receipt]],
                     metrics: Mapping[str, Mapping[str, Sequence[Snapshot]]], channel: str,
                     now: datetime) -> tuple[list[Observation], Counter]:
    """The channel's published posts measured at 48 h, and why the others are not counted."""
    found, skipped = [], Counter()
    for post in posts:
        receipt = receipts.get(post.id, {}).get(channel)
        if receipt is None or receipt.state != "published":
            continue
        published = receipt.published_at or post.publish_at
        if published is None:
            continue
        if now - published < FIXED_AGE:
            skipped["younger than 48 h"] += 1
            continue
        seen = [s for s in metrics.get(post.id, {}).get(channel, ()) if s.at <= now]
        snapshot = at_age(published, seen)
        if snapshot is None:
            skipped["no snapshot between 48 h and 14 days"] += 1
            continue
        found.append(Observation(published, snapshot.engagement, "own", post.id))
    return found, skipped


def imported_observations(rows: Iterable[ImportedPost], channel: str) -> dict[str, list[Observation]]:
    """label → that source's rows for ``channel``."""
    found: dict[str, list[Observation]] = defaultdict(list)
    for row in rows:
        if row.channel == channel:
            found[row.label].append(Observation(row.posted_at, row.engagement, f"imported:{row.label}",
                                                row.ref or row.origin))
    return dict(found)


def _median_without(ordered: list[int], value: int) -> float:
    """The median of the sorted list ``ordered`` with one ``value`` taken out, without copying it."""
    skip = bisect_left(ordered, value)
    size = len(ordered) - 1

    def at(k: int) -> int:
        return ordered[k] if k < skip else ordered[k + 1]

    half = size // 2
    return float(at(half)) if size % 2 else (at(half - 1) + at(half)) / 2


def relative_scores(observations: Iterable[Observation]) -> tuple[list[tuple[Observation, float]], int]:
    """Each observation with r = ln((e+1)/(m+1)) against its account's rolling median; and how many had no baseline."""
    by_account: dict[str, list[Observation]] = defaultdict(list)
    for obs in observations:
        by_account[obs.account].append(obs)
    scored, unscored = [], 0
    for group in by_account.values():
        group.sort(key=lambda o: o.at)
        times = [o.at for o in group]
        # the ±30-day window slides forward; its values are kept sorted so each median is a lookup
        window: list[int] = []
        lo = hi = 0
        for obs in group:
            while hi < len(group) and times[hi] <= obs.at + WINDOW:
                insort(window, group[hi].engagement)
                hi += 1
            while times[lo] < obs.at - WINDOW:
                del window[bisect_left(window, group[lo].engagement)]
                lo += 1
            if len(window) > MIN_BASELINE:
                m = _median_without(window, obs.engagement)
            else:  # a sparse account widens the window until it has a baseline
                m = _wider_median(group, times, obs)
            if m is None:
                unscored += 1
                continue
            r = math.log((obs.engagement + 1) / (m + 1))
            scored.append((obs, max(-WINSOR, min(WINSOR, r))))
    return scored, unscored


def _wider_median(group: list[Observation], times: list[datetime], obs: Observation) -> float | None:
    span = WINDOW
    while True:
        lo, hi = bisect_left(times, obs.at - span), bisect_right(times, obs.at + span)
        if hi - lo > MIN_BASELINE or (lo == 0 and hi == len(group)):
            break
        span *= 2
    if hi - lo <= MIN_BASELINE:
        return None
    return _median_without(sorted(o.engagement for o in group[lo:hi]), obs.engagement)


@dataclass(frozen=True)
class Claim:
    dimension: str
    level: Level

    @property
    def name(self) -> str:
        if self.dimension == "weekday":
            return WEEKDAYS_PLURAL[self.level.key]
        return f"{BLOCK_NAMES[self.level.key]} ({self.level.label})"

    @property
    def figures(self) -> str:
        lv = self.level
        return f"×{lv.multiplier:.2f} (80%: ×{lv.low:.2f}–×{lv.high:.2f}, {lv.n} posts)"


@dataclass(frozen=True)
class Analysis:
    channel: str
    channel_label: str
    source: str  # "own" | "imported" | "combined"
    labels: tuple[str, ...]  # the imported sources in it
    zone: ZoneInfo
    week_start: str
    posts: int  # scored posts behind the profiles
    weekdays: Profile
    blocks: Profile
    cells: tuple[Cell, ...]
    best: tuple[Claim, ...]
    weak: tuple[Claim, ...]
    suggestions: tuple[Claim, ...]  # under-sampled levels worth a few posts
    verdict: str
    skipped: Mapping[str, int] = field(default_factory=dict)
    own_posts: int = 0  # the team's own among ``posts`` (all of them in "own", none in "imported")

    @property
    def heading(self) -> str:
        return {"own": "Your posts", "imported": f"Imported: {', '.join(self.labels)} (not your posts)",
                "combined": f"Combined: your posts + imported from {', '.join(self.labels)}"}[self.source]

    def claims_for(self, moment: datetime) -> tuple[list[Claim], list[Claim]]:
        """The best and the weak claims that a post at ``moment`` falls in."""
        weekday, block = bucket(moment, self.zone)
        keys = {"weekday": weekday, "block": block}
        return ([c for c in self.best if keys[c.dimension] == c.level.key],
                [c for c in self.weak if keys[c.dimension] == c.level.key])


def _suggestions(weekdays: Profile, blocks: Profile, total: int) -> tuple[Claim, ...]:
    found = []
    for profile, count in ((weekdays, 7), (blocks, len(BLOCKS) - 1)):
        candidates = [lv for lv in profile.levels if not (profile.dimension == "block" and lv.key == NIGHT)]
        thin = [lv for lv in candidates if lv.n < max(MIN_N, total / count / 2)]
        found += [Claim(profile.dimension, lv) for lv in sorted(thin, key=lambda lv: lv.n)[:2]]
    return tuple(found)


def _verdict(source: str, label: str, posts: int, labels: Sequence[str], own: int,
             best: Sequence[Claim]) -> str:
    measure = {"own": "at 48 h", "imported": "as exported", "combined": "at 48 h and as exported"}[source]
    where = {"own": "", "imported": f" imported from {', '.join(labels)}",
             "combined": f" ({own} yours + {posts - own} imported from {', '.join(labels)})"}[source]
    if posts == 0:
        return f"No {label} posts{where} with engagement {measure} yet: nothing to learn from."
    head = f"{posts} {label} posts{where}, engagement {measure}"
    if not best:
        return f"{head}: no time is reliably better yet."
    return f"{head}: " + "; ".join(f"{c.name} do better than usual, {c.figures}" for c in best) + "."


def analyse(observations: Sequence[Observation], channel: str, channel_label: str, source: str,
            zone: ZoneInfo, week_start: str, labels: Sequence[str] = (),
            skipped: Mapping[str, int] | None = None) -> Analysis:
    """Profiles, cells, claims and the one-line verdict for one set of observations."""
    scored, unscored = relative_scores(observations)
    skipped = Counter(skipped or {})
    if unscored:
        skipped["fewer than 3 other posts to compare with"] += unscored
    points = [(*bucket(obs.at, zone), r) for obs, r in scored]
    by_weekday, by_block = defaultdict(list), defaultdict(list)
    for w, b, r in points:
        by_weekday[w].append(r)
        by_block[b].append(r)
    order = weekday_order(week_start)
    weekdays = eb_profile("weekday", order, [WEEKDAYS[w] for w in order], by_weekday)
    blocks = eb_profile("block", BLOCKS, [block_label(b) for b in BLOCKS], by_block)
    levels = [(p.dimension, lv) for p in (weekdays, blocks) for lv in p.levels if lv.n >= MIN_N]
    best = tuple(Claim(d, lv) for d, lv in sorted(levels, key=lambda x: -x[1].z) if lv.z >= MIN_Z)
    weak = tuple(Claim(d, lv) for d, lv in sorted(levels, key=lambda x: x[1].z) if lv.z <= -MIN_Z)
    own = sum(1 for obs, _ in scored if obs.account == "own")
    return Analysis(channel, channel_label, source, tuple(labels), zone, week_start, len(scored), weekdays,
                    blocks, cells(points, weekdays, blocks), best, weak,
                    () if best or not scored else _suggestions(weekdays, blocks, len(scored)),
                    _verdict(source, channel_label, len(scored), labels, own, best), dict(skipped), own)


def suggestion_text(analysis: Analysis) -> str | None:
    """'Try about 1 in 5 posts in a slot you seldom use: Sundays, late evenings (20–24); …', or None."""
    if not analysis.suggestions:
        return None
    return ("Try about 1 in 5 posts in a slot you seldom use: " + ", ".join(c.name for c in analysis.suggestions)
            + "; there are too few posts there to tell, and a slot never tried can never win.")


# ---- campaigns

@dataclass(frozen=True)
class CampaignChannel:
    channel: str
    planned: int  # not published yet (scheduled or due)
    published: int
    engagement: int  # latest snapshot of each published post, summed


@dataclass(frozen=True)
class CampaignSummary:
    name: str
    posts: int
    channels: tuple[CampaignChannel, ...]
    feedback: Mapping[str, int]  # sentiment → items ("unclassified" when none was given)

    @property
    def engagement(self) -> int:
        return sum(c.engagement for c in self.channels)


def sentiment_tally(feedback: Iterable[FeedbackItem]) -> dict[str, dict[str, int]]:
    """Per post, its comments per sentiment ("unclassified" when none was given): all campaigns read of them."""
    return tally_sentiments((item.post, sentiment_label(item)) for item in feedback)


def tally_sentiments(pairs: Iterable[tuple[str | None, str]]) -> dict[str, dict[str, int]]:
    """sentiment_tally of the items' (post, feedback.sentiment_label) pairs."""
    found: dict[str, Counter] = defaultdict(Counter)
    for post, label in pairs:
        if post:
            found[post][label] += 1
    return {post: dict(counts) for post, counts in found.items()}


def campaign_summaries(posts: Iterable[Post], receipts: Mapping[str, Mapping[str, Receipt]],
                       metrics: Mapping[str, Mapping[str, Sequence[Snapshot]]],
                       sentiments: Mapping[str, Mapping[str, int]], config: Config,
                       now: datetime) -> tuple[CampaignSummary, ...]:
    by_campaign: dict[str, list[Post]] = defaultdict(list)
    for post in posts:
        if post.campaign and not post.is_draft:
            by_campaign[post.campaign].append(post)
    summaries = []
    for name, mine in sorted(by_campaign.items()):
        rows = []
        for channel in [c for c in config.channels if any(c in p.channels for p in mine)]:
            states = [(p, channel_state(p, receipts.get(p.id, {}).get(channel), now, config.grace, config.late))
                      for p in mine if channel in p.channels]
            done = [p for p, s in states if s == PUBLISHED]
            engagement = sum(s.engagement for p in done
                             if (s := latest(x for x in metrics.get(p.id, {}).get(channel, ()) if x.at <= now)))
            rows.append(CampaignChannel(channel, sum(s in (SCHEDULED, DUE) for _, s in states), len(done),
                                        engagement))
        tally: Counter = Counter()
        for post in mine:
            tally.update(sentiments.get(post.id, {}))
        summaries.append(CampaignSummary(name, len(mine), tuple(rows), dict(tally)))
    return tuple(summaries)


# ---- everything for one calendar

@dataclass(frozen=True)
class ChannelInsights:
    channel: str
    label: str
    own: Analysis
    imported: tuple[Analysis, ...]  # one per source, never mixed with ``own``
    combined: Analysis | None  # own + every imported source; shown only when asked
    cadence: CadenceReport

    @property
    def guidance(self) -> Analysis | None:
        """What slots.py may act on: the team's own claims first, else the combined ones (labelled as such)."""
        for analysis in (self.own, self.combined):
            if analysis is not None and (analysis.best or analysis.weak):
                return analysis
        return None


@dataclass(frozen=True)
class Insights:
    now: datetime
    zone: ZoneInfo
    week_start: str
    channels: Mapping[str, ChannelInsights]
    campaigns: tuple[CampaignSummary, ...]


def build_insights(calendar: Calendar, metrics: Mapping[str, Mapping[str, Sequence[Snapshot]]],
                   imported: Iterable[ImportedPost], sentiments: Mapping[str, Mapping[str, int]],
                   now: datetime) -> Insights:
    """``sentiments``: sentiment_tally of the feedback."""
    config, posts = calendar.config, calendar.posts
    imported = list(imported)
    zone, week_start = config.timezone, config.week_start
    channels = {}
    for name, channel in config.channels.items():
        own, skipped = own_observations(posts, calendar.receipts, metrics, name, now)
        others = imported_observations(imported, name)
        own_analysis = analyse(own, name, channel.label, "own", zone, week_start, skipped=skipped)
        panels = tuple(analyse(rows, name, channel.label, "imported", zone, week_start, (label,))
                       for label, rows in sorted(others.items()))
        combined = (analyse(own + [o for rows in others.values() for o in rows], name, channel.label, "combined",
                            zone, week_start, tuple(sorted(others))) if others else None)
        channels[name] = ChannelInsights(name, channel.label, own_analysis, panels, combined,
                                         cadence_report(posts, calendar.receipts, channel, config, now))
    campaigns = campaign_summaries(posts, calendar.receipts, metrics, sentiments, config, now)
    return Insights(now, zone, week_start, channels, campaigns)
