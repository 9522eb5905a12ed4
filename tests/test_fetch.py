"""`socialgit fetch` against the project's Mastodon server: items, counts, cursors, budgets, triage safety."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import socialgit.commands.listen  # noqa: F401  (registers `socialgit fetch` until cli.py imports it)
from socialgit.cli import cli
from socialgit.config import load_config
from socialgit.feedback_store import FIELDS, read, update_fields
from socialgit.fetch import CURSORS, RATE_RESERVE, Settings, fetch
from socialgit.atomic import write_json_atomic
from socialgit.ledger import receipt_path
from tests.fakes import FakeClock
from tests.fakes.mastodon_server import FakeMastodon

TOKEN = "test-token"
ENV = {"MASTO_TOKEN": TOKEN}


class Calendar:
    """A calendar repository whose one channel, ``masto``, is the fake Mastodon server."""

    def __init__(self, root: Path, server: FakeMastodon, clock: FakeClock):
        self.root, self.server, self.clock = root, server, clock
        (root / "socialgit.toml").write_text(
            '[site]\ntimezone = "UTC"\n\n[publish]\nbot_name = "fetch bot"\nbot_email = "bot@example.org"\n\n'
            f'[channels.masto]\ntype = "mastodon"\ninstance = "{server.base_url}"\ntoken_env = "MASTO_TOKEN"\n',
            encoding="utf-8")
        self.git("init", "-q", "-b", "main")
        self.commit_all("start")

    def git(self, *args: str) -> str:
        return subprocess.run(["git", *args], cwd=self.root, check=True, capture_output=True, text=True).stdout

    def commit_all(self, message: str) -> None:
        self.git("add", "-A")
        self.git("-c", "user.name=Person", "-c", "user.email=person@example.org", "commit", "-qm", message,
                 "--allow-empty")

    def publish(self, post: str, text: str = "Our news", *, days_ago: float = 1) -> dict[str, Any]:
        """A status of ours, as the runner would have published it, with its receipt."""
        at = self.clock() - timedelta(days=days_ago)
        status = self.server.post(self.server.me, text, created_at=at)
        write_json_atomic(receipt_path(self.root, post, "masto"), {
            "post": post, "channel": "masto", "state": "published", "key": f"sg-{post}",
            "parts": [{"id": status["id"], "url": f"https://mastodon.example/@socialgit/{status['id']}"}],
            "published_at": at.strftime("%Y-%m-%dT%H:%M:%SZ"), "attempts": 1})
        return status

    def fetch(self, **options: Any):
        config, _ = load_config(self.root)
        options.setdefault("env", ENV)
        return fetch(config, self.clock(), **options)

    def item(self, post: str | None, status: dict[str, Any]) -> Path:
        return self.root / "content" / "feedback" / (post or "_mentions") / f"mastodon-{status['id']}.md"

    def files(self) -> list[str]:
        base = self.root / "content" / "feedback"
        return sorted(p.relative_to(base).as_posix() for p in base.rglob("*.md")) if base.exists() else []

    def commits(self) -> list[str]:
        return self.git("log", "--format=%an|%s").splitlines()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime.fromisoformat("2026-11-16T10:00:00+00:00"))


@pytest.fixture
def server(clock: FakeClock):
    with FakeMastodon(clock=clock) as fake:
        yield fake


@pytest.fixture
def cal(tmp_path: Path, server: FakeMastodon, clock: FakeClock) -> Calendar:
    return Calendar(tmp_path, server, clock)


def later(clock: FakeClock, minutes: float = 5) -> None:
    clock.advance(minutes=minutes)


def test_replies_mentions_quotes_and_counts_become_files_and_a_metrics_line(cal, server, clock):
    ours = cal.publish("winter-sale")
    ali = server.add_account("ali", display_name="Ali Rezaei", domain="social.example")
    bob = server.add_account("bob")
    later(clock)
    reply = server.post(ali, "When does it open?", in_reply_to_id=ours["id"], language="en")
    mention = server.post(bob, "Good coffee at @socialgit today")
    quote = server.post(bob, "Look at this sale", quote_of=ours["id"])
    server.favourite(ours["id"], bob)
    server.reblog(ours["id"], ali)
    cal.commit_all("receipt")
    later(clock)

    report = cal.fetch()

    assert report.ok and report.channels[0].new == 3
    assert cal.files() == sorted([f"winter-sale/mastodon-{reply['id']}.md", f"winter-sale/mastodon-{quote['id']}.md",
                                  f"_mentions/mastodon-{mention['id']}.md"])
    fields, body = read(cal.item("winter-sale", reply))
    assert list(fields) == [k for k in FIELDS if k in fields]  # DESIGN.md order
    assert fields == {
        "id": f"mastodon-{reply['id']}", "network": "mastodon", "kind": "reply", "post": "winter-sale",
        "url": f"https://social.example/@ali/{reply['id']}",
        "author": {"name": "Ali Rezaei", "handle": "@ali@social.example", "url": "https://social.example/@ali"},
        "created_at": datetime.fromisoformat("2026-11-16T10:05:00+00:00"),
        "fetched_at": datetime.fromisoformat("2026-11-16T10:10:00+00:00"), "lang": "en", "in_reply_to": None,
        "intent": {"value": "question", "score": 1.0, "source": "rule"},
        "sentiment": {"value": "neutral", "score": 0.0, "source": "vader-3.3.2"},
        "status": "new", "assignee": None, "labels": ["question"], "priority": "normal",
        "first_response_at": None, "resolved_at": None, "reply_post": None}
    assert body == "When does it open?\n"
    assert read(cal.item(None, mention))[0]["kind"] == "mention"
    assert read(cal.item(None, mention))[0]["post"] is None
    assert read(cal.item("winter-sale", quote))[0]["kind"] == "quote"
    metrics = (cal.root / "content/ledger/metrics/winter-sale/masto.jsonl").read_text().splitlines()
    assert [json.loads(line) for line in metrics] == [
        {"at": "2026-11-16T10:10:00Z", "likes": 1, "reposts": 1, "replies": 1, "quotes": 1}]
    assert cal.commits()[0] == "fetch bot|fetch: 3 new feedback items (masto 3), counts for 1 post"
    assert cal.git("status", "--porcelain") == ""


def test_two_fetches_in_a_row_create_no_duplicates_and_no_commit(cal, server, clock):
    ours = cal.publish("winter-sale")
    fan = server.add_account("fan")
    for n in range(3):
        server.post(fan, f"Reply {n}", in_reply_to_id=ours["id"])
    later(clock)
    cal.fetch()
    before, commits = cal.files(), cal.commits()
    later(clock, 1)

    again = cal.fetch()

    assert again.channels[0].new == 0 and cal.files() == before and len(before) == 3
    assert cal.commits() == commits  # same counts, nothing new: nothing to commit


def test_a_refetch_never_touches_what_people_triaged(cal, server, clock):
    ours = cal.publish("winter-sale")
    fan = server.add_account("fan")
    first = server.post(fan, "This is broken", in_reply_to_id=ours["id"])
    later(clock)
    cal.fetch()
    path = cal.item("winter-sale", first)
    text = path.read_text(encoding="utf-8")
    triaged = (text.replace("status: new", "status: triaged  # refund offered")
               .replace("assignee: null", "assignee: team:support")
               .replace("labels: []", "labels: [refund]").replace("priority: normal", "priority: high")
               .replace("sentiment: null", "sentiment: {value: negative, score: -0.8, source: human}"))
    path.write_text(triaged, encoding="utf-8")
    cal.commit_all("triage")
    server.post(fan, "Still waiting", in_reply_to_id=ours["id"])  # someone else's new message, same post
    server.favourite(ours["id"], fan)
    clock.advance(hours=7)

    report = cal.fetch()

    assert report.channels[0].new == 1 and report.channels[0].counts == 1
    assert path.read_text(encoding="utf-8") == triaged


def test_a_team_reply_moves_the_item_to_waiting_and_a_new_message_reopens_it(cal, server, clock):
    ours = cal.publish("winter-sale")
    fan = server.add_account("fan", domain="elsewhere.example")
    question = server.post(fan, "Is it gluten free?", in_reply_to_id=ours["id"])
    later(clock)
    cal.fetch()
    later(clock)
    answer = server.post(server.me, "@fan@elsewhere.example yes, all of it", in_reply_to_id=question["id"])
    later(clock)

    cal.fetch()

    fields, _ = read(cal.item("winter-sale", question))
    assert fields["status"] == "waiting"
    assert fields["first_response_at"] == answer["created_at"].replace(microsecond=0)
    assert not cal.item("winter-sale", answer).exists()  # our own reply is not feedback
    # a person changes their mind; seeing the same team reply again changes nothing
    update_fields(cal.item("winter-sale", question), {"status": "triaged"})
    later(clock)
    cal.fetch()
    assert read(cal.item("winter-sale", question))[0]["status"] == "triaged"
    update_fields(cal.item("winter-sale", question), {"status": "waiting"})
    later(clock)
    follow_up = server.post(fan, "Thanks! And vegan?", in_reply_to_id=answer["id"])
    later(clock)

    cal.fetch()

    assert read(cal.item("winter-sale", question))[0]["status"] == "new"
    new, _ = read(cal.item("winter-sale", follow_up))
    assert new["status"] == "new" and new["post"] == "winter-sale"


def test_new_items_are_classified_and_routed_by_the_rules_in_socialgit_toml(cal, server, clock):
    ours = cal.publish("winter-sale")
    fan = server.add_account("fan")
    angry = server.post(fan, "This is broken and I want a refund", in_reply_to_id=ours["id"])
    happy = server.post(fan, "Love this, best coffee in town!", in_reply_to_id=ours["id"])
    spam = server.post(fan, "Buy cheap followers now", in_reply_to_id=ours["id"])
    with open(cal.root / "socialgit.toml", "a", encoding="utf-8") as config:
        config.write('\n[[feedback.rules]]\nkeywords = ["followers"]\nignore = true\n\n'
                     '[[feedback.rules]]\nsentiment = "negative"\nassignee = "team:support"\npriority = "high"\n'
                     'status = "triaged"\n')
    later(clock)

    cal.fetch()

    negative = read(cal.item("winter-sale", angry))[0]
    assert negative["sentiment"]["value"] == "negative" and negative["sentiment"]["source"].startswith("vader")
    assert (negative["assignee"], negative["priority"], negative["status"]) == ("team:support", "high", "triaged")
    positive = read(cal.item("winter-sale", happy))[0]
    assert positive["sentiment"]["value"] == "positive" and positive["status"] == "new"
    assert read(cal.item("winter-sale", spam))[0]["status"] == "ignored"


def test_a_reply_in_a_thread_names_the_item_it_answers(cal, server, clock):
    ours = cal.publish("winter-sale")
    ana, ben = server.add_account("ana"), server.add_account("ben")
    first = server.post(ana, "Love it", in_reply_to_id=ours["id"])
    second = server.post(ben, "@ana me too", in_reply_to_id=first["id"])
    later(clock)
    cal.fetch()
    assert read(cal.item("winter-sale", second))[0]["in_reply_to"] == f"mastodon-{first['id']}"
    assert read(cal.item("winter-sale", second))[0]["kind"] == "reply"


def test_mentions_follow_link_pagination_and_the_cursor_continues_from_a_fresh_clone(cal, server, clock):
    fan = server.add_account("fan")
    old = server.post(fan, "@socialgit long ago", created_at=clock() - timedelta(days=60))
    for n in range(90):
        server.post(fan, f"@socialgit hello {n}")
    later(clock)

    cal.fetch()

    assert len(cal.files()) == 90 and f"_mentions/mastodon-{old['id']}.md" not in cal.files()  # before look-back
    pages = [r for r in server.requests if r.path == "/api/v1/notifications"]
    assert len(pages) == 2 and "max_id" in pages[1].query  # the first walk goes back with Link rel=next
    cursor = json.loads((cal.root / CURSORS).read_text())["masto"]["mentions"]
    assert cursor == {"min_id": max((n["id"] for n in server.notifications), key=int)}
    clone = cal.root.parent / "clone"
    subprocess.run(["git", "clone", "-q", str(cal.root), str(clone)], check=True)
    for n in range(100):
        server.post(fan, f"@socialgit again {n}")
    later(clock)
    server.requests.clear()

    fresh = Calendar.__new__(Calendar)
    fresh.root, fresh.server, fresh.clock = clone, server, clock
    fresh.fetch()

    assert len(fresh.files()) == 190
    pages = [r for r in server.requests if r.path == "/api/v1/notifications"]
    assert [p.query["min_id"][0] for p in pages][0] == cursor["min_id"]
    assert len(pages) == 2  # 80 oldest-first, then the remaining 20 via Link rel=prev


def test_counts_go_in_batches_of_twenty_and_threads_only_for_recent_posts(cal, server, clock):
    for n in range(45):
        cal.publish(f"post-{n:02}", days_ago=1 + n * 0.5)  # the last ones are older than a week
    later(clock)

    report = cal.fetch()

    batches = [r for r in server.requests if r.path == "/api/v1/statuses" and r.method == "GET"]
    assert [len(r.query["id[]"]) for r in batches] == [20, 20, 5]
    contexts = [r for r in server.requests if r.path.endswith("/context")]
    assert len(contexts) == 12 == report.channels[0].threads  # published within 7 days
    assert report.channels[0].counts == 45
    server.requests.clear()
    later(clock, 30)

    quiet = cal.fetch()

    assert quiet.channels[0].threads == 0  # no reply count moved, every thread read today
    assert quiet.channels[0].counts == 0  # counts unchanged and recent: no new line
    assert quiet.channels[0].requests == 1 + 1 + 1 + 1  # whoami, notifications, own replies, recent counts
    batches = [r for r in server.requests if r.path == "/api/v1/statuses" and r.method == "GET"]
    assert len(batches[0].query["id[]"]) == 12  # older posts wait until their last line is 6 hours old
    clock.advance(hours=6)
    server.requests.clear()

    stale = cal.fetch()

    assert stale.channels[0].counts == 45  # a fresh line for every post, even unchanged
    batches = [r for r in server.requests if r.path == "/api/v1/statuses" and r.method == "GET"]
    assert [len(r.query["id[]"]) for r in batches] == [20, 20, 5]


def test_a_spent_budget_stops_cleanly_and_the_next_run_continues(cal, server, clock):
    fan, friend = server.add_account("fan"), server.add_account("friend")
    for n in range(6):
        first = server.post(fan, "nice", in_reply_to_id=cal.publish(f"post-{n}")["id"])
        server.post(friend, "agreed", in_reply_to_id=first["id"])  # not a mention of us: only the thread shows it
    later(clock)

    first = cal.fetch(settings=Settings(budget=6))

    assert first.ok and "budget (6) is spent" in first.channels[0].stopped
    assert first.channels[0].requests == 6 and first.channels[0].threads == 2
    assert len(cal.files()) == 6 + 2
    runs = [first]
    while len(cal.files()) < 12 and len(runs) < 5:
        later(clock)
        runs.append(cal.fetch(settings=Settings(budget=6)))
    assert len(cal.files()) == 12 and len(runs) == 3  # two threads a run, never the same one twice


def test_a_429_stops_the_channel_and_keeps_what_was_read(cal, server, clock):
    ours = cal.publish("winter-sale")
    fan = server.add_account("fan")
    reply = server.post(fan, "hello", in_reply_to_id=ours["id"])
    later(clock)
    server.fail_next(429, path="/api/v1/statuses", headers={"Retry-After": "120"})

    report = cal.fetch()

    assert report.ok and "rate limited" in report.channels[0].stopped
    assert cal.item("winter-sale", reply).exists()  # the notifications page came before the 429


def test_the_budget_leaves_the_networks_remaining_requests_for_publishing(cal, server, clock):
    for n in range(3):
        cal.publish(f"post-{n}")
    used = RATE_RESERVE + 2  # the window has 2 requests left above the reserve
    server.budget[("test-token", int(clock().timestamp()) // 300)] = server.rate_limit - used

    report = cal.fetch()

    assert report.channels[0].requests <= 3 and report.channels[0].stopped


def test_the_command_prints_a_summary_commits_as_the_bot_and_pushes(cal, server, clock, tmp_path):
    ours = cal.publish("winter-sale")
    server.post(server.add_account("fan"), "yay", in_reply_to_id=ours["id"])
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    cal.git("remote", "add", "origin", str(remote))
    cal.commit_all("receipt")
    later(clock)

    result = CliRunner().invoke(cli, ["fetch", "--root", str(cal.root), "--now", clock().isoformat(), "--push"],
                                env=ENV)

    assert result.exit_code == 0, result.output
    assert "masto" in result.output and "Committed 3 file(s)." in result.output
    log = subprocess.run(["git", "log", "--format=%an <%ae>|%s", "main"], cwd=remote, check=True,
                         capture_output=True, text=True).stdout.splitlines()
    assert log[0] == "fetch bot <bot@example.org>|fetch: 1 new feedback item (masto 1), counts for 1 post"


def test_a_refused_token_exits_1_with_one_clear_line(cal, server, clock):
    cal.publish("winter-sale")

    result = CliRunner().invoke(cli, ["fetch", "--root", str(cal.root), "--now", clock().isoformat()],
                                env={"MASTO_TOKEN": "wrong"})

    assert result.exit_code == 1
    assert "The token for channel masto was refused" in result.output
    assert "Traceback" not in result.output and "wrong" not in result.output
    assert not (cal.root / "content" / "feedback").exists()


def test_fetch_refuses_a_channel_without_replies_and_an_unknown_one(cal):
    (cal.root / "socialgit.toml").write_text(
        (cal.root / "socialgit.toml").read_text() + '\n[channels.box]\ntype = "outbox"\n', encoding="utf-8")
    runner = CliRunner()
    outbox = runner.invoke(cli, ["fetch", "--root", str(cal.root), "--channel", "box"], env=ENV)
    unknown = runner.invoke(cli, ["fetch", "--root", str(cal.root), "--channel", "nope"], env=ENV)
    assert outbox.exit_code == 2 and "only mastodon and bluesky channels" in outbox.output
    assert unknown.exit_code == 2 and "unknown channel nope" in unknown.output


def test_the_front_matter_reads_back_with_the_sites_model(cal, server, clock):
    from socialgit.feedback import load_feedback

    ours = cal.publish("winter-sale")
    server.post(server.add_account("fan", display_name="yes: no"), "ok", in_reply_to_id=ours["id"])
    later(clock)
    cal.fetch()
    items, problems = load_feedback(cal.root)
    assert problems == [] and len(items) == 1
    assert items[0].author.name == "yes: no" and items[0].post == "winter-sale" and items[0].status == "new"


def test_since_narrows_the_posts_whose_counts_are_read(cal, server, clock):
    cal.publish("old-post", days_ago=20)
    cal.publish("new-post", days_ago=2)
    later(clock)

    cal.fetch(since=timedelta(days=10))

    metrics = cal.root / "content/ledger/metrics"
    assert sorted(p.name for p in metrics.iterdir()) == ["new-post"]


def test_a_second_run_stops_at_once_while_one_holds_the_lock(cal, clock):
    from socialgit.state import run_lock

    with run_lock(cal.root):
        result = CliRunner().invoke(cli, ["fetch", "--root", str(cal.root), "--now", clock().isoformat()], env=ENV)
    assert result.exit_code == 0 and "Another socialgit run is working" in result.output


def test_push_only_from_the_publishing_branch(cal, clock):
    cal.git("checkout", "-q", "-b", "feature")
    result = CliRunner().invoke(cli, ["fetch", "--root", str(cal.root), "--push"], env=ENV)
    assert result.exit_code == 2 and "this checkout is on feature" in result.output


def test_a_missing_token_variable_names_the_variable_and_exits_1(cal, clock):
    cal.publish("winter-sale")
    result = CliRunner().invoke(cli, ["fetch", "--root", str(cal.root), "--now", clock().isoformat()],
                                env={"MASTO_TOKEN": ""})
    assert result.exit_code == 1
    assert "the environment variable MASTO_TOKEN is not set" in result.output and "Traceback" not in result.output
