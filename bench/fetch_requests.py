"""How many requests `socialgit fetch` makes for 1,000 published posts, and how the budget spreads them.

    .venv/bin/python bench/fetch_requests.py [--posts 1000] [--days 30] [--every 15]

Mastodon is measured: a calendar with --posts published receipts spread evenly
over the last --days days, against the project's Mastodon server
(tests/fakes/mastodon_server.py), counting the requests the server receives.
Activity: a customer replies to every third post (a mention notification), a
second customer answers every tenth reply (seen only in the thread), 50 loose
mentions, and the team has answered 30 replies.

Bluesky is computed from the same plan and its batching rules: getPosts takes
25 URIs (Mastodon's GET /api/v1/statuses takes 20), listNotifications and
getAuthorFeed pages hold 50 (Mastodon's notifications 80, statuses 40), and the
account's DID comes from the stored session (Mastodon asks verify_credentials).
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from socialgit.config import load_config  # noqa: E402
from socialgit.fetch import Settings, fetch  # noqa: E402
from socialgit.atomic import write_json_atomic
from socialgit.ledger import receipt_path  # noqa: E402
from tests.fakes import FakeClock  # noqa: E402
from tests.fakes.mastodon_server import FakeMastodon  # noqa: E402

NOW = datetime(2026, 11, 16, 10, 0, tzinfo=timezone.utc)
UNLIMITED = 1_000_000
KINDS = {"/api/v1/accounts/verify_credentials": "whoami", "/api/v1/notifications": "notifications",
         "/api/v1/statuses": "counts"}


def kind(path: str) -> str:
    if path.endswith("/context"):
        return "threads"
    if path.startswith("/api/v1/accounts/") and path.endswith("/statuses"):
        return "own replies"
    return KINDS.get(path, path)


def calendar(root: Path, server: FakeMastodon, clock: FakeClock, posts: int, days: int) -> None:
    (root / "socialgit.toml").write_text(
        f'[site]\ntimezone = "UTC"\n\n[channels.masto]\ntype = "mastodon"\ninstance = "{server.base_url}"\n'
        'token_env = "MASTO_TOKEN"\n\n[feedback]\nrules = []\n', encoding="utf-8")
    fan, friend = server.add_account("fan", domain="elsewhere.example"), server.add_account("friend")
    answered = 0
    for n in range(posts):
        at = clock() - timedelta(days=days) * (n + 0.5) / posts
        status = server.post(server.me, f"Post {n}", created_at=at)
        write_json_atomic(receipt_path(root, f"post-{n:04}", "masto"), {
            "post": f"post-{n:04}", "channel": "masto", "state": "published", "key": f"sg-{n}",
            "parts": [{"id": status["id"], "url": ""}], "published_at": at.strftime("%Y-%m-%dT%H:%M:%SZ")})
        if n % 3 == 0:
            reply = server.post(fan, "When?", in_reply_to_id=status["id"], created_at=at + timedelta(hours=1))
            if n % 30 == 0:
                server.post(friend, "@fan soon", in_reply_to_id=reply["id"], created_at=at + timedelta(hours=2))
            if answered < 30:
                server.post(server.me, "@fan Monday", in_reply_to_id=reply["id"], created_at=at + timedelta(hours=3))
                answered += 1
    for n in range(50):
        server.post(fan, f"@socialgit hello {n}", created_at=clock() - timedelta(days=days) * (n + 0.5) / 50)


def run(root: Path, server: FakeMastodon, clock: FakeClock, budget: int) -> tuple[Counter, object]:
    """One fetch; the requests by kind, plus ``posts counted`` and ``own seen`` for the Bluesky estimate."""
    server.requests.clear()
    config, _ = load_config(root)
    report = fetch(config, clock(), env={"MASTO_TOKEN": "test-token"}, commit=False,
                   settings=replace(Settings(), budget=budget), annotate=lambda fields, body: {})
    counts = Counter(kind(r.path) for r in server.requests)
    counts["posts counted"] = sum(len(r.query.get("id[]", [])) for r in server.requests if kind(r.path) == "counts")
    return counts, report.channels[0]


REQUESTS = ("whoami", "notifications", "own replies", "counts", "threads")


def show(label: str, counts: Counter, extra: str = "") -> None:
    parts = ", ".join(f"{name} {counts[name]}" for name in REQUESTS if counts[name])
    print(f"  {label:<34} {sum(counts[name] for name in REQUESTS):>5} requests  ({parts}){extra}")


def bluesky(counts: Counter, notes: int, own_statuses: int) -> Counter:
    """The same run on Bluesky: whoami is free (stored session), pages of 50, getPosts batches of 25.

    ``own_statuses``: what the walk of the account's own feed pages through (a
    first walk goes back over every post and reply in the window).
    """
    return Counter({"notifications": max(1, math.ceil(notes / 50)) if counts["notifications"] else 0,
                    "own replies": max(1, math.ceil(own_statuses / 50)) if counts["own replies"] else 0,
                    "counts": math.ceil(counts["posts counted"] / 25),
                    "threads": counts["threads"]})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--every", type=int, default=15, help="minutes between cron runs")
    args = parser.parse_args()
    clock = FakeClock(NOW)
    with tempfile.TemporaryDirectory() as work, FakeMastodon(clock=clock, rate_limit=UNLIMITED) as server:
        root = Path(work)
        calendar(root, server, clock, args.posts, args.days)
        notes = sum(1 for n in server.notifications if n["recipient_id"] == server.me["id"])
        own = sum(1 for s in server.statuses_of(server.me) if s["in_reply_to_id"])
        print(f"fetch requests for {args.posts} published posts over {args.days} days "
              f"({notes} mention notifications, {own} team replies), no budget:")
        cold, report = run(root, server, clock, UNLIMITED)
        show("Mastodon, first run (fresh clone)", cold, f"; {report.new} items")
        clock.advance(minutes=args.every)
        quiet, _ = run(root, server, clock, UNLIMITED)
        show(f"Mastodon, {args.every} min later, nothing new", quiet)
        day, bluesky_day = Counter(), Counter()
        runs = 24 * 60 // args.every
        for _ in range(runs):
            clock.advance(minutes=args.every)
            counts = run(root, server, clock, UNLIMITED)[0]
            day += counts
            bluesky_day += bluesky(counts, 0, 0)
        total = sum(day[name] for name in REQUESTS)
        print(f"  {'Mastodon, a quiet day of cron runs':<34} {total:>5} requests in {runs} runs, {total / runs:.1f} "
              f"a run (counts {day['counts']}, threads {day['threads']}: each read again after a day)")
        show("Bluesky, first run (computed)", bluesky(cold, notes, args.posts + own), " + 1 createSession once")
        show(f"Bluesky, {args.every} min later (computed)", bluesky(quiet, 0, 0))
        total = sum(bluesky_day[name] for name in REQUESTS)
        print(f"  {'Bluesky, a quiet day (computed)':<34} {total:>5} requests in {runs} runs, {total / runs:.1f} a run "
              "+ a refreshSession every 2 hours")

    print(f"\nwith the default budget ({Settings.budget} a run) and Mastodon's real limit (300 per 5 min), "
          f"cron every {args.every} min:")
    clock = FakeClock(NOW)
    with tempfile.TemporaryDirectory() as work, FakeMastodon(clock=clock) as server:
        root = Path(work)
        calendar(root, server, clock, args.posts, args.days)
        for number in range(1, 6):
            counts, report = run(root, server, clock, Settings.budget)
            show(f"run {number}", counts, f"; {report.new} new items" + ("; stopped: budget" if report.stopped
                                                                          else "; caught up"))
            if not report.stopped:
                break
            clock.advance(minutes=args.every)


if __name__ == "__main__":
    main()
