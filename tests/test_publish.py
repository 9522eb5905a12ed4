"""The runner's promises: once per channel, receipts before calls, reconcile before retry."""

from __future__ import annotations

import json
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from socialgit.channels.base import Outcome, RateLimited, Rejected, TokenRefused, UnknownOutcome
from socialgit.cli import cli
from socialgit.config import load_config
from socialgit.publish import Runner
from socialgit.state import AlreadyRunning, run_lock
from tests.conftest import at

NOW = "2026-12-01T10:00"


class FakeNetwork:
    """A network that, like Mastodon with Idempotency-Key, never creates two posts for one key."""

    def __init__(self):
        self.posts: dict[str, list[str]] = {}  # key+index → text
        self.calls = 0
        self.script: list = []  # exceptions to raise on the next publish calls, in order
        self.fail_after_parts: int | None = None  # raise UnknownOutcome after creating this many parts
        self.reconcile_blind = False

    def make(self, config, env, root, transport=None):
        return FakeChannel(config.name, self)


class FakeChannel:
    def __init__(self, name, network):
        self.name, self.net = name, network

    def publish(self, out, done, on_part):
        self.net.calls += 1
        if self.net.script:
            raise self.net.script.pop(0)
        parts = list(done)
        for index in range(len(done), len(out.parts)):
            key = f"{out.key}-{index}"
            self.net.posts.setdefault(key, out.parts[index])
            if self.net.fail_after_parts is not None and index + 1 > self.net.fail_after_parts:
                self.net.fail_after_parts = None
                raise UnknownOutcome("connection reset")
            part = {"id": key, "url": f"https://net.example/{key}"}
            on_part(index, part)
            parts.append(part)
        return Outcome("published", parts)

    def reconcile(self, out, receipt):
        if self.net.reconcile_blind:
            return None
        parts = [{"id": f"{out.key}-{i}", "url": f"https://net.example/{out.key}-{i}"}
                 for i in range(len(out.parts)) if f"{out.key}-{i}" in self.net.posts]
        if len(parts) == len(out.parts):
            return Outcome("published", parts)
        return Outcome("failed", parts, "not found")


def committed(repo) -> list[str]:
    return repo.git("log", "--format=%an|%s").splitlines()


def receipt(repo, post, channel):
    return json.loads((repo.root / f"content/ledger/{post}/{channel}.json").read_text())


def runner(repo, net=None, now=NOW, **kw):
    config, _ = load_config(repo.root)
    kw.setdefault("make", (net or FakeNetwork()).make)
    return Runner(config, at(now), env={}, **kw)


@pytest.fixture
def calendar(repo):
    repo.post("due", "title: Due\npublish_at: 2026-12-01 09:30\nchannels: [mastodon, bluesky]", "Hello!")
    repo.post("later", "title: Later\npublish_at: 2026-12-02 09:30\nchannels: [mastodon]")
    repo.post("idea", "title: Idea\nstatus: draft\npublish_at: 2026-12-01 08:00\nchannels: [mastodon]")
    repo.commit("plan")
    return repo


def test_due_posts_go_out_once_per_channel_with_committed_receipts(calendar):
    net = FakeNetwork()
    report = runner(calendar, net).run()
    assert sorted((r.post, r.channel, r.state) for r in report.rows) == [
        ("due", "bluesky", "published"), ("due", "mastodon", "published")]
    assert report.ok
    mastodon = receipt(calendar, "due", "mastodon")
    assert mastodon["state"] == "published" and mastodon["source"] == "content/posts/2026/12/due.md"
    assert mastodon["parts"][0]["url"].startswith("https://net.example/sg-")
    log = committed(calendar)
    assert "socialgit bot|publish: pending due on mastodon" in log
    assert "socialgit bot|publish: due on mastodon published" in log
    # the pending receipt was committed before the call: it is in the history
    assert log.index("socialgit bot|publish: pending due on mastodon") > log.index(
        "socialgit bot|publish: due on mastodon published")
    assert calendar.git("status", "--porcelain") == ""
    again = runner(calendar, net).run()
    assert again.rows == [] and net.calls == 2


def test_outbox_end_to_end_through_the_cli(calendar):
    result = CliRunner().invoke(cli, ["publish", "--root", str(calendar.root), "--now", NOW])
    assert result.exit_code == 0, result.output
    assert "due   mastodon  published  outbox/mastodon/due.json" in result.output
    sent = json.loads((calendar.root / "outbox/mastodon/due.json").read_text())
    assert sent["parts"] == ["Hello!"]
    second = CliRunner().invoke(cli, ["publish", "--root", str(calendar.root), "--now", NOW])
    assert second.output.strip() == "Nothing to publish."


def test_dry_run_writes_and_sends_nothing(calendar):
    net = FakeNetwork()
    report = runner(calendar, net, dry_run=True).run()
    assert {(r.channel, r.state) for r in report.rows} == {("mastodon", "would publish"), ("bluesky", "would publish")}
    assert net.calls == 0 and not (calendar.root / "content/ledger").exists()


def test_refuses_any_branch_but_main(calendar):
    calendar.git("checkout", "-qb", "feature")
    result = CliRunner().invoke(cli, ["publish", "--root", str(calendar.root), "--now", NOW])
    assert result.exit_code == 2
    assert "publish runs only on branch main" in result.output and "on feature" in result.output


def test_a_second_runner_stops_at_once(calendar):
    with run_lock(calendar.root):
        with pytest.raises(AlreadyRunning):
            with run_lock(calendar.root):
                pass
        result = CliRunner().invoke(cli, ["publish", "--root", str(calendar.root), "--now", NOW])
    assert result.exit_code == 0 and "Another socialgit publish is running" in result.output


def test_past_grace_skip_records_missed_and_hold_waits(calendar):
    calendar.post("old", "title: Old\npublish_at: 2026-11-30 09:00\nchannels: [mastodon]")
    calendar.post("held", "title: Held\npublish_at: 2026-11-30 09:00\nchannels: [mastodon]\nlate: hold")
    calendar.post("anyway", "title: Anyway\npublish_at: 2026-11-30 09:00\nchannels: [mastodon]\nlate: post")
    calendar.commit("more")
    report = runner(calendar).run()
    states = {(r.post, r.state) for r in report.rows}
    assert ("old", "missed") in states and ("anyway", "published") in states
    assert not any(r.post == "held" for r in report.rows)
    assert receipt(calendar, "old", "mastodon")["state"] == "missed"
    assert "socialgit bot|publish: old on mastodon missed" in committed(calendar)


def test_missed_posts_are_recorded_in_one_commit_and_not_by_a_dry_run(calendar):
    for day in range(1, 31):
        calendar.post(f"past-{day}", f"title: Past {day}\npublish_at: 2026-11-{day:02} 09:00\nchannels: [mastodon]",
                      month="2026/11")
    calendar.commit("a month of past posts")
    before = committed(calendar)
    dry = runner(calendar, dry_run=True).run()
    assert sum(r.state == "would record missed" for r in dry.rows) == 30
    assert committed(calendar) == before and not (calendar.root / "content/ledger").exists()
    report = runner(calendar).run()
    assert sum(r.state == "missed" for r in report.rows) == 30
    added = committed(calendar)[:len(committed(calendar)) - len(before)]
    assert "socialgit bot|publish: 30 missed past their grace window" in added
    assert not any(line.endswith(" missed") and "past-" in line for line in added)
    assert calendar.git("status", "--porcelain") == ""


def test_unknown_outcome_is_reconciled_not_retried(calendar):
    net = FakeNetwork()
    net.fail_after_parts = 0  # the post is created, then the connection breaks
    report = runner(calendar, net, only_channel="mastodon").run()
    assert [(r.post, r.state) for r in report.rows] == [("due", "published")]
    assert len(net.posts) == 1


def test_unknown_outcome_the_network_cannot_settle_becomes_uncertain_and_a_person_resolves_it(calendar):
    net = FakeNetwork()
    net.script = [UnknownOutcome("timed out")]
    net.reconcile_blind = True
    report = runner(calendar, net, only_channel="mastodon").run()
    assert [(r.post, r.state) for r in report.rows] == [("due", "uncertain")] and not report.ok
    assert "could not confirm" in receipt(calendar, "due", "mastodon")["error"]
    assert runner(calendar, net, only_channel="mastodon").run().rows == []  # never retried blindly
    result = CliRunner().invoke(cli, ["resolve", "due", "mastodon", "--published", "https://net.example/x",
                                      "--root", str(calendar.root), "--now", NOW])
    assert result.exit_code == 0, result.output
    assert receipt(calendar, "due", "mastodon")["state"] == "published"


def test_resolve_refuses_a_receipt_it_cannot_trust_in_one_line(calendar):
    path = calendar.root / "content/ledger/due/mastodon.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    for text, said in (('["uncertain"]', "receipt has no valid state"),
                       ('{"state": "uncertain", "attempts": "many"}', "receipt field attempts is not a whole number"),
                       ("{broken", "receipt is not valid JSON")):
        path.write_text(text, encoding="utf-8")
        result = CliRunner().invoke(cli, ["resolve", "due", "mastodon", "--not-published", "--root", str(calendar.root),
                                          "--now", NOW])
        assert result.exit_code == 2, result.output
        assert result.output.count("\n") == 1 and said in result.output, result.output
        assert "content/ledger/due/mastodon.json" in result.output
        assert path.read_text(encoding="utf-8") == text  # left as it was


def test_a_pending_receipt_left_by_a_crash_is_reconciled_first(calendar):
    net = FakeNetwork()
    net.script = [KeyboardInterrupt()]  # the process dies during the call
    with pytest.raises(KeyboardInterrupt):
        runner(calendar, net, only_channel="mastodon").run()
    assert receipt(calendar, "due", "mastodon")["state"] == "pending"
    report = runner(calendar, net, only_channel="mastodon").run()
    # nothing reached the network before the crash: reconcile says not posted, so it goes out now, once
    assert [(r.post, r.state) for r in report.rows] == [("due", "failed"), ("due", "published")]
    assert len(net.posts) == 1


def test_a_thread_broken_half_way_continues_without_repeating_its_first_part(calendar):
    calendar.post("thread", "title: T\npublish_at: 2026-12-01 09:45\nchannels: [mastodon]",
                  "One\n---8<---\nTwo\n---8<---\nThree")
    calendar.commit("thread")
    net = FakeNetwork()
    net.fail_after_parts = 1
    first = runner(calendar, net, only_channel="mastodon").run()
    assert ("thread", "failed") in {(r.post, r.state) for r in first.rows}
    assert len(receipt(calendar, "thread", "mastodon")["parts"]) == 2  # the network confirmed two parts
    runner(calendar, net, only_channel="mastodon", now="2026-12-01T10:01").run()
    thread = receipt(calendar, "thread", "mastodon")
    assert thread["state"] == "published" and len(thread["parts"]) == 3
    assert sorted(net.posts.values()) == ["Hello!", "One", "Three", "Two"]


def test_rate_limit_with_a_long_wait_stops_the_channel_until_the_next_run(calendar):
    calendar.post("also", "title: Also\npublish_at: 2026-12-01 09:40\nchannels: [mastodon]")
    calendar.commit("also")
    net = FakeNetwork()
    net.script = [RateLimited("429", 3600)]
    report = runner(calendar, net, only_channel="mastodon").run()
    assert [(r.post, r.state) for r in report.rows] == [("due", "failed"), ("also", "failed")]
    first = receipt(calendar, "due", "mastodon")
    assert first["retryable"] and first["next_try"] == "2026-12-01T16:00:00Z"
    assert not (calendar.root / "content/ledger/also").exists()  # never attempted
    # before the reset nothing is tried again; after it, both go out
    assert [r.post for r in runner(calendar, net, only_channel="mastodon", now="2026-12-01T10:30").run().rows] == [
        "also"]
    later = runner(calendar, net, only_channel="mastodon", now="2026-12-01T11:01").run()
    assert [(r.post, r.state) for r in later.rows] == [("due", "published")]


def test_token_refused_is_reported_in_the_heartbeat(calendar):
    net = FakeNetwork()
    net.script = [TokenRefused("the token for channel mastodon was refused (401)")]
    report = runner(calendar, net, only_channel="mastodon").run()
    assert report.refused == {"mastodon"}
    beat = json.loads((calendar.root / "content/ledger/_heartbeat.json").read_text())
    assert beat["refused"] == ["mastodon"]
    later = runner(calendar, net, only_channel="mastodon", now="2026-12-01T10:20").run()
    assert [(r.post, r.state) for r in later.rows] == [("due", "published")]
    beat = json.loads((calendar.root / "content/ledger/_heartbeat.json").read_text())
    assert beat["refused"] == []


def test_a_rejected_post_waits_for_an_edit(calendar):
    net = FakeNetwork()
    net.script = [Rejected("422 too long", 422)]
    runner(calendar, net, only_channel="mastodon").run()
    assert receipt(calendar, "due", "mastodon")["retryable"] is False
    assert runner(calendar, net, only_channel="mastodon", now="2026-12-01T11:00").run().rows == []
    calendar.post("due", "title: Due\npublish_at: 2026-12-01 09:30\nchannels: [mastodon, bluesky]", "Shorter")
    calendar.commit("edit")
    report = runner(calendar, net, only_channel="mastodon", now="2026-12-01T11:00").run()
    assert [(r.post, r.state) for r in report.rows] == [("due", "published")]


def test_a_published_post_renamed_is_not_sent_again(calendar):
    net = FakeNetwork()
    runner(calendar, net).run()
    assert net.calls == 2
    # the slug is the id: renaming the file makes "due" a new post, "due-renamed"
    calendar.git("mv", "content/posts/2026/12/due.md", "content/posts/2026/12/due-renamed.md")
    calendar.commit("rename")
    dry = runner(calendar, net, dry_run=True).run()
    assert {(r.post, r.channel, r.state) for r in dry.rows} == {
        ("due-renamed", "mastodon", "would refuse"), ("due-renamed", "bluesky", "would refuse")}
    report = runner(calendar, net).run()
    assert net.calls == 2 and not report.ok
    assert {(r.post, r.state) for r in report.rows} == {("due-renamed", "failed")}
    refused = receipt(calendar, "due-renamed", "mastodon")
    assert refused["state"] == "failed" and refused["retryable"] is False
    assert "as post due, whose file is gone" in refused["error"] and "'id: due'" in refused["error"]
    assert runner(calendar, net, now="2026-12-01T10:05").run().rows == []  # not retried every minute
    assert calendar.git("status", "--porcelain") == ""
    # kept under its old id, it is the published post it always was
    calendar.post("due-renamed", "id: due\ntitle: Due\npublish_at: 2026-12-01 09:30\nchannels: [mastodon, bluesky]",
                  "Hello!")
    calendar.commit("keep the id")
    assert runner(calendar, net, now="2026-12-01T10:06").run().rows == [] and net.calls == 2


def test_a_channel_renamed_in_the_config_does_not_send_its_posts_again(calendar):
    net = FakeNetwork()
    calendar.post("old", "title: Old\npublish_at: 2026-11-20 09:00\nchannels: [mastodon]", month="2026/11")
    calendar.commit("an older post")
    runner(calendar, net, now="2026-11-20T09:05").run()
    runner(calendar, net).run()
    assert net.calls == 3  # old, then due on both channels
    # [channels.mastodon] becomes [channels.masto], and every post says so
    toml = calendar.root / "socialgit.toml"
    toml.write_text(toml.read_text().replace("[channels.mastodon]", "[channels.masto]"))
    for rel in ("2026/12/due.md", "2026/12/later.md", "2026/12/idea.md", "2026/11/old.md"):
        path = calendar.root / "content/posts" / rel
        path.write_text(path.read_text().replace("mastodon", "masto"))
    calendar.commit("rename the channel")
    dry = runner(calendar, net, now="2026-12-01T10:05", dry_run=True).run()
    assert [(r.post, r.channel, r.state) for r in dry.rows] == [("due", "masto", "would hold")]
    report = runner(calendar, net, now="2026-12-01T10:05").run()
    assert net.calls == 3 and not report.ok
    assert [(r.post, r.channel, r.state) for r in report.rows] == [("due", "masto", "held")]
    assert "git mv content/ledger/due/mastodon.json content/ledger/due/masto.json" in report.rows[0].detail
    # nothing recorded: neither for the post in its window nor as missed for the older one
    assert not (calendar.root / "content/ledger/due/masto.json").exists()
    assert not (calendar.root / "content/ledger/old/masto.json").exists()
    for post in ("due", "old"):
        calendar.git("mv", f"content/ledger/{post}/mastodon.json", f"content/ledger/{post}/masto.json")
    calendar.commit("move the receipts")
    assert runner(calendar, net, now="2026-12-01T10:06").run().rows == [] and net.calls == 3


def test_a_post_renamed_in_the_same_change_as_its_channel_is_held(calendar):
    net = FakeNetwork()
    runner(calendar, net, only_channel="mastodon").run()
    toml = calendar.root / "socialgit.toml"
    toml.write_text(toml.read_text().replace("[channels.mastodon]", "[channels.masto]"))
    (calendar.root / "content/posts/2026/12/due.md").unlink()
    calendar.post("due-again", "title: Due\npublish_at: 2026-12-01 09:30\nchannels: [masto]", "Hello!")
    calendar.post("later", "title: Later\npublish_at: 2026-12-02 09:30\nchannels: [masto]")
    calendar.post("idea", "title: Idea\nstatus: draft\npublish_at: 2026-12-01 08:00\nchannels: [masto]")
    calendar.commit("rename the post and the channel")
    report = runner(calendar, net, now="2026-12-01T10:05").run()
    assert net.calls == 1 and [(r.post, r.state) for r in report.rows] == [("due-again", "held")]
    assert ("add 'id: due' to its front matter and move the receipt: git mv content/ledger/due/mastodon.json "
            "content/ledger/due/masto.json") in report.rows[0].detail
    result = CliRunner().invoke(cli, ["check", "--root", str(calendar.root), "--now", "2026-12-01T10:05"])
    assert result.exit_code == 1 and "due-again.md:1: error: this text went out on mastodon before" in result.output
    status = CliRunner().invoke(cli, ["status", "--root", str(calendar.root), "--now", "2026-12-01T10:05"])
    assert "masto  Due  (held: sent before under an old name; see `socialgit check`)" in status.output


def test_a_post_moved_to_another_channel_with_new_text_goes_out_there(calendar):
    net = FakeNetwork()
    runner(calendar, net, only_channel="mastodon").run()
    toml = calendar.root / "socialgit.toml"
    toml.write_text(toml.read_text().replace("[channels.mastodon]", "[channels.masto]"))
    calendar.post("due", "title: Due\npublish_at: 2026-12-01 09:30\nchannels: [masto]", "Hello, new account!")
    calendar.post("later", "title: Later\npublish_at: 2026-12-02 09:30\nchannels: [masto]")
    calendar.post("idea", "title: Idea\nstatus: draft\npublish_at: 2026-12-01 08:00\nchannels: [masto]")
    calendar.commit("another account, and the post says something else there")
    report = runner(calendar, net, now="2026-12-01T10:05").run()
    assert [(r.post, r.channel, r.state) for r in report.rows] == [("due", "masto", "published")]


def test_two_channels_that_are_one_account_send_a_post_once(calendar):
    toml = calendar.root / "socialgit.toml"
    toml.write_text(toml.read_text() + "".join(f"""
[channels.{name}]
type = "mastodon"
instance = "https://social.example"
token_env = "MASTODON_TOKEN"
""" for name in ("news", "news-copy")))
    calendar.post("twice", "title: T\npublish_at: 2026-12-01 09:40\nchannels: [news, news-copy]")
    calendar.commit("a table copied without its token changed")
    net = FakeNetwork()
    report = runner(calendar, net, only_channel=None).run()
    mine = sorted((r.channel, r.state) for r in report.rows if r.post == "twice")
    assert mine == [("news", "published"), ("news-copy", "failed")] and not report.ok
    assert net.calls == 3  # due on its two channels, and this post once
    assert receipt(calendar, "twice", "news-copy")["error"].startswith(
        "this post went out on news already, and news posts as the same account as news-copy")


def test_a_due_post_with_errors_is_said_every_run_without_a_commit(calendar):
    calendar.post("broken", "title: B\npublish_at: 2026-12-01 09:45\nchannels: [mastodon, myspace]")
    calendar.post("old-broken", "title: O\npublish_at: 2026-11-20 09:45\nchannels: [myspace]", month="2026/11")
    calendar.commit("merged although check failed")
    net = FakeNetwork()
    report = runner(calendar, net).run()
    held = [(r.post, r.channel, r.state) for r in report.rows if r.post != "due"]
    assert held == [("broken", "mastodon, myspace", "held")] and not report.ok  # the old one is past its window
    assert "content/posts/2026/12/broken.md has errors, so it is not sent" in report.rows[0].detail
    commits = len(committed(calendar))
    again = runner(calendar, net, now="2026-12-01T10:01").run()
    assert [(r.post, r.state) for r in again.rows] == [("broken", "held")]
    assert len(committed(calendar)) == commits  # said again, recorded nothing: no heartbeat commit a minute
    status = CliRunner().invoke(cli, ["status", "--root", str(calendar.root), "--now", "2026-12-01T10:01"])
    assert "B  (held: the file has errors; see `socialgit check`)" in status.output
    assert runner(calendar, net, now="2026-12-01T10:02", only_channel="bluesky").run().rows == []


def test_a_deleted_post_does_not_stop_a_new_one_with_other_text(calendar):
    net = FakeNetwork()
    runner(calendar, net, only_channel="mastodon").run()
    (calendar.root / "content/posts/2026/12/due.md").unlink()
    calendar.post("fresh", "title: Fresh\npublish_at: 2026-12-01 09:40\nchannels: [mastodon]", "Something new")
    calendar.commit("replace")
    report = runner(calendar, net, only_channel="mastodon").run()
    assert [(r.post, r.state) for r in report.rows] == [("fresh", "published")]


def test_push_rebases_when_the_remote_moved_and_never_reposts(calendar, tmp_path):
    remote = tmp_path.parent / (tmp_path.name + "-remote.git")
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    calendar.git("remote", "add", "origin", str(remote))
    calendar.git("push", "-q", "origin", "main")
    other = tmp_path.parent / (tmp_path.name + "-other")
    subprocess.run(["git", "clone", "-q", str(remote), str(other)], check=True)
    (other / "NOTE.md").write_text("a teammate's change\n")
    subprocess.run(["git", "-C", str(other), "add", "NOTE.md"], check=True)
    subprocess.run(["git", "-C", str(other), "-c", "user.name=T", "-c", "user.email=t@x", "commit", "-qm", "note"],
                   check=True)
    subprocess.run(["git", "-C", str(other), "push", "-q", "origin", "main"], check=True)
    net = FakeNetwork()
    report = runner(calendar, net, push=True).run()
    assert report.push_error is None and report.ok
    log = subprocess.run(["git", "-C", str(remote), "log", "--format=%s", "main"], capture_output=True,
                         text=True).stdout
    assert "note" in log and "publish: due on mastodon published" in log
    assert len(net.posts) == 2


def test_a_missed_post_retimed_or_set_to_go_late_goes_out(calendar):
    calendar.post("old", "title: Old\npublish_at: 2026-11-30 09:00\nchannels: [mastodon]")
    calendar.commit("old")
    runner(calendar).run()
    assert receipt(calendar, "old", "mastodon")["state"] == "missed"
    assert [r.post for r in runner(calendar).run().rows] == []  # stays missed
    calendar.post("old", "title: Old\npublish_at: 2026-12-01 09:50\nchannels: [mastodon]")
    calendar.commit("retimed")
    report = runner(calendar).run()
    assert [(r.post, r.state) for r in report.rows] == [("old", "published")]


def test_a_missed_post_set_to_late_post_goes_out(calendar):
    calendar.post("old", "title: Old\npublish_at: 2026-11-30 09:00\nchannels: [mastodon]")
    calendar.commit("old")
    runner(calendar).run()
    calendar.post("old", "title: Old\npublish_at: 2026-11-30 09:00\nchannels: [mastodon]\nlate: post")
    calendar.commit("late")
    assert [(r.post, r.state) for r in runner(calendar).run().rows] == [("old", "published")]
