"""Write a deterministic calendar repository of N posts for the benchmarks.

    python bench/generate.py OUT_DIR --posts 10000 [--years 3] [--feedback-per-post 10]
                                     [--post-bytes 3000] [--seed 1] [--commits 1]

The corpus is a pure function of the options: posts over ``--years`` in Europe/Berlin
(DST included, times kept between 07:00 and 22:00 so none falls in a clock gap),
the last 30 days of it still ahead of "now"; receipts, feedback and metrics for
every past post; one git commit (or ``--commits`` slices of history, via
git fast-import). "Now" and the options are written to ``bench.json`` so the
benchmark scripts pass the same ``--now``.

Run it with the project's venv (it uses socialgit's own parser for payload hashes,
so ``socialgit check`` does not flag the receipts as edited).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import shutil
import struct
import subprocess
import sys
import time
import zlib
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
import lorem  # noqa: E402

ZONE = ZoneInfo("Europe/Berlin")
START = datetime(2024, 1, 1)  # naive local time of the first slot
AHEAD = timedelta(days=30)  # how much of the calendar lies after "now"
DAY_START, DAY_MINUTES = 7 * 60, 15 * 60  # 07:00-22:00 local: never in a DST gap or overlap
NETWORKS = {"mastodon": "mastodon", "bluesky": "bluesky", "x": "x", "team-slack": "none"}
MEDIA_COUNT = 24
TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"


@dataclass
class Plan:
    index: int
    slug: str
    title: str
    local: datetime | None  # naive, site time zone; None for an undated draft
    persian: bool
    thread: bool
    channels: list[str]
    status: str
    fate: str  # draft | future | published | failed | missed
    failed_channel: str | None = None
    media: list[tuple[str, str]] = field(default_factory=list)
    campaign: str | None = None
    tags: list[str] = field(default_factory=list)
    author: str = "sara"
    in_reply_to: str | None = None
    feedback: list[str] = field(default_factory=list)  # ids: <network>-<remote id>

    @property
    def path(self) -> str:
        when = self.local or START
        return f"content/posts/{when:%Y}/{when:%m}/{self.slug}.md"


def remote_id(network: str, number: int) -> str:
    if network == "bluesky":  # a TID-shaped record key
        digits = []
        value = 0x3_0000_0000_0000 + number
        for _ in range(13):
            value, rest = divmod(value, 32)
            digits.append(TID_ALPHABET[rest])
        return "".join(reversed(digits))
    base = 110_000_000_000_000_000 if network == "mastodon" else 1_700_000_000_000_000_000
    return str(base + number)


def timeline(posts: int, years: int) -> tuple[int, datetime]:
    days = round(365.25 * years)
    now = (START + timedelta(days=days) - AHEAD).replace(hour=12, tzinfo=ZONE)
    return days, now


def plan_posts(posts: int, years: int, seed: int, feedback_per_post: int) -> list[Plan]:
    days, now = timeline(posts, years)
    spacing = days * DAY_MINUTES / posts
    plans: list[Plan] = []
    used: set[str] = set()
    for i in range(posts):
        rng = random.Random(f"{seed}:plan:{i}")
        offset = (i + 0.5 + rng.uniform(-0.2, 0.2)) * spacing
        if i and rng.random() < 0.002:  # someone scheduled two posts at once: a cadence warning
            offset = i * spacing
        day, minute = divmod(int(offset), DAY_MINUTES)
        minute -= minute % 5
        local = START + timedelta(days=day, minutes=DAY_START + minute)
        persian = rng.random() < 0.08
        title = lorem.title(rng, persian)
        slug = f"fa-{local:%Y-%m-%d}-{i}" if persian else lorem.slugify(title)
        while slug in used:
            slug += f"-{rng.randint(2, 99)}"
        used.add(slug)
        channels = [c for c, p in (("mastodon", .85), ("bluesky", .45), ("x", .25), ("team-slack", .35))
                    if rng.random() < p]
        if not any(c in channels for c in ("mastodon", "bluesky", "x")):
            channels.insert(0, "bluesky")
        status, fate, failed = "ready", "future", None
        if rng.random() < 0.03:
            status = fate = "draft"
            if rng.random() < 0.3:
                local = None
        elif local.replace(tzinfo=ZONE) <= now:
            roll = rng.random()
            fate = "missed" if roll < 0.01 else "failed" if roll < 0.016 else "published"
            if fate == "failed":
                failed = rng.choice(channels)
        plan = Plan(i, slug, title, local, persian, rng.random() < 0.25, channels, status, fate, failed,
                    campaign=rng.choice(lorem.CAMPAIGNS), tags=sorted(set(rng.sample(lorem.TAGS, rng.randint(0, 3)))),
                    author=rng.choice(lorem.TEAM))
        if rng.random() < 0.15:
            plan.media = [(f"media/bench-{rng.randrange(MEDIA_COUNT):02d}.png", lorem.title(rng, False))
                          for _ in range(rng.randint(1, 2))]
        if i > 50 and fate != "draft" and rng.random() < 0.01:
            earlier = [p for p in plans[-50:] if p.feedback]
            if earlier:
                plan.in_reply_to = rng.choice(rng.choice(earlier).feedback)
        if fate in ("published", "failed"):
            social = [NETWORKS[c] for c in channels if NETWORKS[c] != "none" and c != failed]
            if social:
                plan.feedback = [f"{n}-{remote_id(n, i * 1000 + k)}"
                                 for k, n in zip(range(feedback_per_post), _cycle(social))]
        plans.append(plan)
    return plans


def _cycle(items: list[str]):
    while True:
        yield from items


def config_text(posts: int, years: int, post_bytes: int) -> str:
    days, _ = timeline(posts, years)
    per_day = posts / days
    spacing = DAY_MINUTES / per_day
    gap = int(spacing * 0.5 - 5)
    lines = ['[site]', f'title = "Bench calendar: {posts} posts"', 'base_url = "https://example.org/bench/"',
             'timezone = "Europe/Berlin"', 'locale = "en"', 'week_start = "monday"', '',
             '[publish]', 'grace = "6h"', 'late = "skip"', '']
    for name, share, extra in (("mastodon", .85, [f"max_length = {max(5000, 2 * post_bytes)}"]),
                               ("bluesky", .45, []), ("x", .25, []), ("team-slack", .35, [])):
        lines += [f"[channels.{name}]", 'type = "outbox"', f'network = "{NETWORKS[name]}"', *extra]
        if NETWORKS[name] != "none":
            mean = per_day * share
            lines += [f"max_per_day = {math.ceil(mean * 1.5) + 1}", f"max_per_week = {math.ceil(mean * 7 * 1.3) + 1}"]
            if gap >= 1:
                lines.append(f'min_gap = "{gap}m"')
        lines.append("")
    return "\n".join(lines)


def png(rgb: tuple[int, int, int], size: int = 16) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + bytes(rgb) * size for _ in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


# --- writing, in worker processes ---------------------------------------------

_STATE: dict = {}


def _init_worker(root: str, toml: str, now: str, post_bytes: int, seed: int) -> None:
    from socialgit.config import parse_config

    _STATE.update(root=Path(root), config=parse_config(toml, Path(root))[0], now=datetime.fromisoformat(now),
                  post_bytes=post_bytes, seed=seed)


def _write(rel: str, text: str, written: list[str]) -> None:
    path = _STATE["root"] / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    written.append(rel)


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _post_text(plan: Plan, rng: random.Random) -> str:
    target = int(_STATE["post_bytes"] * rng.uniform(0.7, 1.3))
    q = lambda s: json.dumps(s, ensure_ascii=False)  # noqa: E731 - a JSON string is a YAML string
    front = [f"title: {q(plan.title)}"]
    if plan.local:
        front.append(f"publish_at: {plan.local:%Y-%m-%d %H:%M}")
    front += [f"channels: [{', '.join(plan.channels)}]", f"status: {plan.status}"]
    if plan.campaign:
        front.append(f"campaign: {plan.campaign}")
    if plan.tags:
        front.append(f"tags: [{', '.join(plan.tags)}]")
    front.append(f"author: {plan.author}")
    if plan.persian:
        front.append("lang: fa")
    if plan.media:
        front.append("media:")
        front += [f"  - {{path: {path}, alt: {q(alt)}}}" for path, alt in plan.media]
    short = [c for c in plan.channels if c in ("bluesky", "x")]
    if short:
        front.append("variants:")
        link = f"https://example.org/p/{plan.index}"
        front += [f"  {c}: {q(lorem.short_text(rng, plan.persian, link))}" for c in short]
    if plan.in_reply_to:
        front.append(f"in_reply_to: {plan.in_reply_to}")
    return "---\n" + "\n".join(front) + "\n---\n" + lorem.body(rng, target, plan.persian, plan.thread) + "\n"


def _receipts(plan: Plan, post, published_at: datetime, written: list[str]) -> None:
    for channel in plan.channels:
        payload = post.payload_hash(channel)
        parts = post.parts_for(channel)
        key = hashlib.sha256(f"{plan.slug}\n{channel}\n{payload}".encode()).hexdigest()[:32]
        receipt = {"post": plan.slug, "channel": channel, "source": plan.path, "key": key, "payload_hash": payload,
                   "attempts": 1, "error": None, "next_try": None, "updated_at": _iso(published_at)}
        if channel == plan.failed_channel:
            receipt.update(state="failed", parts=[], published_at=None, attempts=3,
                           error=f"channel {channel}: the server answered 503 three times; the next run retries",
                           next_try=_iso(published_at + timedelta(hours=2)))
        else:
            url = f"outbox/{channel}/{plan.slug}.json"
            receipt.update(state="published", published_at=_iso(published_at),
                           parts=[{"id": f"outbox:{plan.slug}:{n}", "url": url} for n in range(len(parts))])
        text = json.dumps(receipt, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        _write(f"content/ledger/{plan.slug}/{channel}.json", text, written)


def _feedback(plan: Plan, rng: random.Random, published_at: datetime, written: list[str]) -> None:
    now = _STATE["now"]
    window = max(60.0, min(3 * 86400.0, (now - published_at).total_seconds()))
    for k, item in enumerate(plan.feedback):
        network, remote = item.split("-", 1)
        persian = plan.persian and rng.random() < 0.7
        intent, sentiment, text = lorem.comment(rng, persian)
        created = published_at + timedelta(seconds=rng.uniform(30, window))
        created = min(created, now - timedelta(minutes=1))
        age = now - created
        if age > timedelta(days=14):
            status = rng.choices(["done", "ignored", "triaged"], [70, 20, 10])[0]
        else:
            status = rng.choices(["new", "triaged", "waiting"], [60, 20, 20])[0]
        handle = rng.choice(["ali", "mina", "jo", "sam", "nika", "lee"]) + str(rng.randint(1, 400))
        kind = rng.choices(["reply", "quote", "mention"], [70, 10, 20])[0]
        parent = plan.feedback[rng.randrange(k)] if k and kind == "reply" and rng.random() < 0.2 else None
        responded = _iso(created + timedelta(minutes=rng.randint(5, 600))) if status in ("done", "waiting") else None
        front = {
            "id": item, "network": network, "kind": kind, "post": plan.slug,
            "url": f"https://{network}.example/@{handle}/{remote}",
            "author": {"name": handle.title(), "handle": f"@{handle}@{network}.example",
                       "url": f"https://{network}.example/@{handle}"},
            "created_at": _iso(created), "fetched_at": _iso(created + timedelta(minutes=rng.randint(1, 15))),
            "lang": "fa" if persian else "en", "in_reply_to": parent,
            "intent": {"value": intent, "score": round(rng.uniform(0.5, 1), 2), "source": "rule"},
            "sentiment": {"value": sentiment, "score": round(rng.uniform(-1, 1), 2), "source": "vader"},
            "status": status, "assignee": rng.choice([None, "team:support", "team:social"]),
            "labels": ["amplify"] if sentiment == "positive" and rng.random() < 0.3 else [],
            "priority": "high" if sentiment == "negative" else "normal",
            "first_response_at": responded,
            "resolved_at": responded if status == "done" else None, "reply_post": None,
        }
        lines = [f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in front.items()]
        _write(f"content/feedback/{plan.slug}/{item}.md", "---\n" + "\n".join(lines) + "\n---\n" + text + "\n", written)


def _metrics(plan: Plan, rng: random.Random, published_at: datetime, written: list[str]) -> None:
    for channel in plan.channels:
        if NETWORKS[channel] == "none" or channel == plan.failed_channel:
            continue
        lines, likes = [], 0
        for age in (timedelta(hours=1), timedelta(hours=24), timedelta(hours=48), timedelta(days=7)):
            if published_at + age > _STATE["now"]:
                break
            likes += rng.randint(0, 30)
            lines.append(json.dumps({"at": _iso(published_at + age), "likes": likes, "reposts": likes // 4,
                                     "replies": rng.randint(0, 10), "quotes": rng.randint(0, 2)}))
        if lines:
            _write(f"content/ledger/metrics/{plan.slug}/{channel}.jsonl", "\n".join(lines) + "\n", written)


def write_chunk(plans: list[Plan]) -> tuple[list[tuple[int, list[str]]], list[str]]:
    from socialgit.content import parse_post

    done, problems = [], []
    for plan in plans:
        rng = random.Random(f"{_STATE['seed']}:text:{plan.index}")
        written: list[str] = []
        text = _post_text(plan, rng)
        _write(plan.path, text, written)
        if plan.fate in ("published", "failed"):
            post, found = parse_post(plan.path, text.encode("utf-8"), _STATE["config"])
            problems += [str(p) for p in found]
            published_at = plan.local.replace(tzinfo=ZONE) + timedelta(seconds=rng.randint(20, 90))
            _receipts(plan, post, published_at, written)
            _feedback(plan, rng, published_at, written)
            _metrics(plan, rng, published_at, written)
        done.append((plan.index, written))
    return done, problems


# --- the repository around the posts ------------------------------------------


def write_static(root: Path, toml: str, meta: dict, plans: list[Plan], now: datetime) -> list[str]:
    files = {"socialgit.toml": toml.encode(), ".gitignore": b"site/\n.socialgit/\noutbox/\n",
             "bench.json": (json.dumps(meta, indent=2) + "\n").encode()}
    rng = random.Random(f"{meta['seed']}:static")
    for n in range(MEDIA_COUNT):
        files[f"content/media/bench-{n:02d}.png"] = png((rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    last = _iso(now - timedelta(minutes=2))
    channels = [c for c in NETWORKS]
    files["content/ledger/_heartbeat.json"] = json.dumps(
        {"last_run": last, "last_success": {c: last for c in channels}, "refused": []}, indent=2).encode()
    files["content/ledger/_cursors.json"] = json.dumps(
        {c: {"since_id": remote_id(NETWORKS[c], len(plans) * 1000), "fetched_at": last}
         for c in channels if NETWORKS[c] != "none"}, indent=2, sort_keys=True).encode()
    for n in range(max(1, len(plans) // 100)):
        network = ("mastodon", "bluesky", "x")[n % 3]
        item = f"{network}-{remote_id(network, 900_000_000 + n)}"
        intent, sentiment, text = lorem.comment(rng, False)
        created = _iso(now - timedelta(hours=rng.randint(1, 2000)))
        front = {"id": item, "network": network, "kind": "mention", "post": None,
                 "url": f"https://{network}.example/@fan{n}/{item}", "author": {"name": f"Fan {n}",
                 "handle": f"@fan{n}@{network}.example", "url": f"https://{network}.example/@fan{n}"},
                 "created_at": created, "fetched_at": created, "lang": "en", "in_reply_to": None,
                 "intent": {"value": intent, "score": 0.8, "source": "rule"},
                 "sentiment": {"value": sentiment, "score": 0.1, "source": "vader"}, "status": "new",
                 "assignee": None, "labels": [], "priority": "normal", "first_response_at": None,
                 "resolved_at": None, "reply_post": None}
        lines = [f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in front.items()]
        files[f"content/feedback/_mentions/{item}.md"] = ("---\n" + "\n".join(lines) + "\n---\n" + text + "\n").encode()
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return sorted(files)


def commit(root: Path, groups: list[tuple[str, datetime, str, list[str]]]) -> None:
    """Write ``groups`` (author, date, message, files) as commits with git fast-import, then fill the index."""
    git = ["git", "-C", str(root)]
    subprocess.run(git + ["init", "-q", "-b", "main"], check=True)
    subprocess.run(git + ["config", "user.name", "bench"], check=True)
    subprocess.run(git + ["config", "user.email", "bench@example.org"], check=True)
    importer = subprocess.Popen(git + ["fast-import", "--quiet"], stdin=subprocess.PIPE)
    out = importer.stdin
    for mark, (author, when, message, files) in enumerate(groups, 1):
        stamp = f"{int(when.timestamp())} +0000"
        email = f"{author.replace(' ', '-')}@example.org"
        msg = message.encode()
        out.write(f"commit refs/heads/main\nmark :{mark}\nauthor {author} <{email}> {stamp}\n"
                  f"committer {author} <{email}> {stamp}\ndata {len(msg)}\n".encode() + msg + b"\n")
        if mark > 1:
            out.write(f"from :{mark - 1}\n".encode())
        for rel in files:
            data = (root / rel).read_bytes()
            out.write(f"M 100644 inline {rel}\ndata {len(data)}\n".encode() + data + b"\n")
    out.close()
    if importer.wait():
        raise SystemExit("git fast-import failed")
    subprocess.run(git + ["read-tree", "HEAD"], check=True)
    subprocess.run(git + ["update-index", "-q", "--refresh"], check=False)


def history(plans: list[Plan], written: dict[int, list[str]], static: list[str], commits: int,
            now: datetime) -> list[tuple[str, datetime, str, list[str]]]:
    if commits <= 1:
        files = static + [rel for plan in plans for rel in written[plan.index]]
        return [("bench", now, f"Bench corpus: {len(plans)} posts", files)]
    groups = [("bench", START.replace(tzinfo=ZONE) - timedelta(days=30), "Start the calendar", static)]
    size = math.ceil(len(plans) / commits)
    for start in range(0, len(plans), size):
        chunk = plans[start:start + size]
        dated = [p.local for p in chunk if p.local] or [START]
        when = min(dated[0].replace(tzinfo=ZONE) - timedelta(days=7), now)
        author = lorem.TEAM[(start // size) % len(lorem.TEAM)]
        posts = [p.path for p in chunk]
        groups.append((author, when, f"Plan {len(chunk)} posts from {dated[0]:%Y-%m-%d}", posts))
        rest = [rel for p in chunk for rel in written[p.index] if rel != p.path]
        if rest:
            bot_when = min(dated[-1].replace(tzinfo=ZONE) + timedelta(days=1), now)
            groups.append(("socialgit bot", max(bot_when, when), f"publish: receipts and feedback to {dated[-1]:%Y-%m-%d}",
                           rest))
    return groups


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--posts", type=int, required=True)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--feedback-per-post", type=int, default=10)
    parser.add_argument("--post-bytes", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--commits", type=int, default=1, help="slices of history (default: one commit)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    started = time.monotonic()
    if args.out.exists():
        shutil.rmtree(args.out)
    args.out.mkdir(parents=True)
    _, now = timeline(args.posts, args.years)
    meta = {"posts": args.posts, "years": args.years, "feedback_per_post": args.feedback_per_post,
            "post_bytes": args.post_bytes, "seed": args.seed, "commits": args.commits,
            "now": now.isoformat(timespec="minutes")}
    plans = plan_posts(args.posts, args.years, args.seed, args.feedback_per_post)
    toml = config_text(args.posts, args.years, args.post_bytes)
    static = write_static(args.out, toml, meta, plans, now)
    chunks = [plans[i:i + 250] for i in range(0, len(plans), 250)]
    written: dict[int, list[str]] = {}
    problems: list[str] = []
    init = (str(args.out), toml, now.isoformat(), args.post_bytes, args.seed)
    with ProcessPoolExecutor(args.jobs, initializer=_init_worker, initargs=init) as pool:
        for done, found in pool.map(write_chunk, chunks):
            written.update(done)
            problems += found
    wrote = time.monotonic()
    commit(args.out, history(plans, written, static, args.commits, now))
    feedback = sum(len(p.feedback) for p in plans)
    print(f"{args.out}: {len(plans)} posts, {feedback + max(1, len(plans) // 100)} feedback files, "
          f"now {meta['now']}; files {wrote - started:.1f} s, git {time.monotonic() - wrote:.1f} s")
    if problems:
        print(f"{len(problems)} parse problems in published posts, e.g. {problems[0]}", file=sys.stderr)
        raise SystemExit(1)


if __name__ == "__main__":
    main()
