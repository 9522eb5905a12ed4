"""How often does `socialgit insights` find a truly better time, and how often does it claim one that is not?

Synthetic histories go through the real pipeline (socialgit.insights.analyse:
rolling-median scores, empirical-Bayes profiles, the z ≥ 2 and n ≥ 5 rule),
with a known truth:

* known best: mornings (08–12) are truly ×1.5 better, nothing else differs;
* null: no time differs at all;
* reference: each block gets a true effect drawn with SD 0.2 (the setting of
  reference/feedback-and-timing.md §5, for comparison with its table).

Every history: posts spread over a year, followers tripling, log-noise σ = 0.8,
about 75 % of posts in the team's habitual slots (weekday 09:00, 10:00, 13:00,
17:00) and the rest anywhere from 07:00 to 22:00.

    .venv/bin/python bench/insights_reliability.py [--runs 2000] [--seed 1]
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from socialgit.insights import Observation, analyse

ZONE = ZoneInfo("America/Toronto")
SIZES = (30, 60, 120, 250)
SIGMA = 0.8
HABITUAL = ((9, 0.4), (10, 0.25), (13, 0.25), (17, 0.1))
MORNING = 2
BEST_EFFECT = math.log(1.5)


def history(n: int, block_effects: dict[int, float], rnd: random.Random) -> list[Observation]:
    start = datetime(2025, 1, 6, tzinfo=ZONE)
    found = []
    for i in range(n):
        day = (start + timedelta(days=int(i * 364 / n))).date()
        if rnd.random() < 0.75:
            hour = rnd.choices([h for h, _ in HABITUAL], [w for _, w in HABITUAL])[0]
            while day.weekday() >= 5:  # habits are weekday habits
                day += timedelta(days=1)
        else:
            hour = rnd.randint(7, 21)
            day += timedelta(days=rnd.randint(0, 6))
        at = datetime(day.year, day.month, day.day, hour, rnd.choice((0, 15, 30, 45)), tzinfo=ZONE)
        growth = 20 * math.exp(math.log(3) * i / n)
        value = growth * math.exp(block_effects.get(hour // 4, 0.0) + rnd.gauss(0, SIGMA))
        found.append(Observation(at, round(value), "own"))
    return found


def run(n: int, effects: dict[int, float], rnd: random.Random):
    return analyse(history(n, effects, rnd), "bench", "Bench", "own", ZONE, "monday")


def known_best(n: int, runs: int, rnd: random.Random) -> tuple[float, float]:
    """(rate a claim names mornings, rate any claim names something not truly better)."""
    found = false = 0
    for _ in range(runs):
        best = run(n, {MORNING: BEST_EFFECT}, rnd).best
        found += any(c.dimension == "block" and c.level.key == MORNING for c in best)
        false += any(not (c.dimension == "block" and c.level.key == MORNING) for c in best)
    return found / runs, false / runs


def null(n: int, runs: int, rnd: random.Random) -> float:
    return sum(bool(run(n, {}, rnd).best) for _ in range(runs)) / runs


def reference(n: int, runs: int, rnd: random.Random) -> tuple[float, float, float]:
    """(top block in the true top 2, a block claim raised, the claimed block in the true top 2 when raised)."""
    top_ok = raised = correct = 0
    for _ in range(runs):
        effects = {b: rnd.gauss(0, 0.2) for b in range(1, 6)}
        top2 = sorted(effects, key=effects.get)[-2:]
        analysis = run(n, effects, rnd)
        sampled = [lv for lv in analysis.blocks.levels if lv.n]
        chosen = max(sampled, key=lambda lv: lv.theta).key
        top_ok += chosen in top2
        claims = [c for c in analysis.best if c.dimension == "block"]
        if claims:
            raised += 1
            correct += claims[0].level.key in top2
    return top_ok / runs, raised / runs, (correct / raised if raised else float("nan"))


def pct(value: float) -> str:
    return "  n/a" if math.isnan(value) else f"{value * 100:4.0f}%"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000, help="histories per cell (default 2000)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    rnd = random.Random(args.seed)
    started = time.perf_counter()
    rows = {n: (known_best(n, args.runs, rnd), null(n, args.runs, rnd), reference(n, args.runs, rnd)) for n in SIZES}
    header = "| Posts per channel | " + " | ".join(str(n) for n in SIZES) + " |"
    print(f"insights reliability: {args.runs} histories per cell, seed {args.seed}, σ = {SIGMA}, "
          f"75% of posts in habitual slots\n")
    print(header)
    print("|---|" + "---|" * len(SIZES))
    lines = [
        ("Known best (mornings ×1.5): claims mornings", lambda r: pct(r[0][0])),
        ("Known best: claims a time that is not better", lambda r: pct(r[0][1])),
        ("No time better: claims one anyway", lambda r: pct(r[1])),
        ("Effects SD 0.2: top block in true top 2 (chance 33%)", lambda r: pct(r[2][0])),
        ("Effects SD 0.2: a best block claimed", lambda r: pct(r[2][1])),
        ("Effects SD 0.2: claimed block in true top 2", lambda r: pct(r[2][2])),
    ]
    for name, cell in lines:
        print(f"| {name} | " + " | ".join(cell(rows[n]) for n in SIZES) + " |")
    print(f"\n{time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
