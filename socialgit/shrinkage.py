"""Normal–normal empirical Bayes for a few levels of relative scores (pure statistics).

Each level j (a weekday, a time block) has n_j scores r. Around the grand mean μ,
θ_j = Σ(r−μ)/(n_j+k) and sd_j = σ/√(n_j+k), with k = σ²/τ²: σ² is the pooled
within-level variance and τ² the between-level variance by the method of moments
(the ANOVA estimator for unequal n). A level with few posts is pulled to "as
usual", which is what makes a small team's numbers safe to show.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Mapping, Sequence

# τ² is floored at a ±10 % spread so that a sample showing no spread still gets
# honest, non-zero intervals instead of a confident "exactly as usual"
TAU2_FLOOR = 0.01
# log-noise of engagement per post is about 0.8 (reference §5); with a handful of
# posts the pooled variance is itself noise and would inflate every z
PRIOR_SIGMA2, PRIOR_DF = 0.64, 8
Z80 = 1.2815515655446004  # the 90th percentile of the normal: an 80 % interval


@dataclass(frozen=True)
class Level:
    key: int
    label: str
    n: int
    theta: float  # shrunk log multiplier against the account's usual
    sd: float

    @property
    def z(self) -> float:
        return self.theta / self.sd if self.sd > 0 else 0.0

    @property
    def multiplier(self) -> float:
        return math.exp(self.theta)

    @property
    def low(self) -> float:
        return math.exp(self.theta - Z80 * self.sd)

    @property
    def high(self) -> float:
        return math.exp(self.theta + Z80 * self.sd)


@dataclass(frozen=True)
class Profile:
    dimension: str  # "weekday" | "block"
    levels: tuple[Level, ...]  # in display order
    sigma2: float
    tau2: float

    @property
    def k(self) -> float:
        return self.sigma2 / self.tau2

    def level(self, key: int) -> Level:
        return next(level for level in self.levels if level.key == key)


def _variances(groups: Mapping[int, Sequence[float]], mu: float) -> tuple[float, float]:
    """σ² pooled within levels, τ² between levels by the method of moments (ANOVA, unequal n)."""
    sizes = {key: len(values) for key, values in groups.items() if values}
    total = sum(sizes.values())
    means = {key: sum(groups[key]) / n for key, n in sizes.items()}
    within = sum((r - means[key]) ** 2 for key in sizes for r in groups[key])
    df = max(total - len(sizes), 0)
    # a few posts say little about their own noise: σ² starts from a prior worth PRIOR_DF posts
    sigma2 = (within + PRIOR_DF * PRIOR_SIGMA2) / (df + PRIOR_DF)
    spread = total - sum(n * n for n in sizes.values()) / total if total else 0.0
    between = sum(n * (means[key] - mu) ** 2 for key, n in sizes.items()) - (len(sizes) - 1) * sigma2
    tau2 = between / spread if spread > 0 else 0.0
    return sigma2, max(tau2, TAU2_FLOOR)


def eb_profile(dimension: str, keys: Sequence[int], labels: Sequence[str],
               groups: Mapping[int, Sequence[float]]) -> Profile:
    """Shrunk level effects around the grand mean of ``groups`` (key → relative scores)."""
    values = [r for key in keys for r in groups.get(key, ())]
    mu = sum(values) / len(values) if values else 0.0
    sigma2, tau2 = _variances({key: groups.get(key, ()) for key in keys}, mu) if values else (0.64, TAU2_FLOOR)
    k = sigma2 / tau2
    levels = []
    for key, label in zip(keys, labels):
        mine = groups.get(key, ())
        n = len(mine)
        levels.append(Level(key, label, n, sum(r - mu for r in mine) / (n + k), math.sqrt(sigma2 / (n + k))))
    return Profile(dimension, tuple(levels), sigma2, tau2)


@dataclass(frozen=True)
class Cell:
    weekday: int
    block: int
    n: int
    theta: float  # shown, never ranked

    @property
    def multiplier(self) -> float:
        return math.exp(self.theta)


def cells(points: Sequence[tuple[int, int, float]], weekdays: Profile, blocks: Profile) -> tuple[Cell, ...]:
    """Weekday × block: an additive fit (backfitted, so habitual slots are not counted twice) plus a shrunk residual."""
    if not points:
        return tuple(Cell(w.key, b.key, 0, 0.0) for w in weekdays.levels for b in blocks.levels)
    mu = sum(r for _, _, r in points) / len(points)
    a = {level.key: 0.0 for level in weekdays.levels}
    b = {level.key: 0.0 for level in blocks.levels}
    sums: dict[tuple[int, int], float] = defaultdict(float)
    counts: Counter = Counter()
    for w, bl, r in points:  # the fit only needs each cell's sum and count
        sums[(w, bl)] += r - mu
        counts[(w, bl)] += 1
    for _ in range(50):
        moved = 0.0
        for effects, other, index, k in ((a, b, 0, weekdays.k), (b, a, 1, blocks.k)):
            for key in effects:
                mine = [cell for cell in sums if cell[index] == key]
                total = sum(sums[c] - counts[c] * other[c[1 - index]] for c in mine)
                new = total / (sum(counts[c] for c in mine) + k)
                moved, effects[key] = max(moved, abs(new - effects[key])), new
        if moved < 1e-9:
            break
    residuals: dict[tuple[int, int], list[float]] = defaultdict(list)
    for w, bl, r in points:
        residuals[(w, bl)].append(r - mu - a[w] - b[bl])
    _, tau2 = _variances(residuals, 0.0)
    k_cell = weekdays.sigma2 / tau2
    return tuple(Cell(w.key, bl.key, len(residuals.get((w.key, bl.key), ())),
                      a[w.key] + b[bl.key] + sum(residuals.get((w.key, bl.key), ())) /
                      (len(residuals.get((w.key, bl.key), ())) + k_cell))
                 for w in weekdays.levels for bl in blocks.levels)


