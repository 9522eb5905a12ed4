"""The runner's first look: receipt states, the clean-ledger record and payload hashes agree with a full read."""

from __future__ import annotations

import json
import os
import shutil
import time

import pytest

from socialgit import gitrepo, leftovers, quicklook
from socialgit.config import load_config
from socialgit.ledger import load_receipts
from socialgit.publish import Runner
from tests.conftest import CalendarRepo, at
from tests.test_publish import FakeNetwork

NOW = "2026-12-01T10:00"
REAL_TIME_NS = time.time_ns


@pytest.fixture
def later(monkeypatch):
    """The clock 10 s ahead: every file written so far is past the 2 s racy window (ctime cannot be set back)."""
    monkeypatch.setattr(time, "time_ns", lambda: REAL_TIME_NS() + 10_000_000_000)


def full_read(root) -> dict:
    receipts, _ = load_receipts(root, use_cache=False)
    return {post: {channel: r.state for channel, r in channels.items()} for post, channels in receipts.items()}


def write_receipt(repo, post, channel, state, **extra) -> str:
    rel = f"content/ledger/{post}/{channel}.json"
    repo.write(rel, json.dumps({"post": post, "channel": channel, "state": state, "parts": [], **extra}))
    return rel


def forbid_reads(monkeypatch):
    monkeypatch.setattr(quicklook, "read_receipt", lambda *a: (_ for _ in ()).throw(AssertionError("read again")))


# --- receipt states ----------------------------------------------------------------------------

def test_states_agree_with_a_full_read_after_edits_additions_and_deletions(repo, later, monkeypatch):
    write_receipt(repo, "p1", "mastodon", "published")
    write_receipt(repo, "p1", "bluesky", "failed", retryable=True)
    write_receipt(repo, "p2", "mastodon", "missed")
    write_receipt(repo, "p3", "x", "pending")
    repo.write("content/ledger/bad/x.json", "{not json")
    repo.write("content/ledger/metrics/p1/mastodon.jsonl", '{"at": "2026-11-10T10:00:00Z", "likes": 3}\n')
    repo.write("content/ledger/_heartbeat.json", '{"last_run": "2026-11-10T10:00:00Z"}')
    cold = quicklook.scan_ledger(repo.root)
    assert cold.states == full_read(repo.root) == {
        "p1": {"mastodon": "published", "bluesky": "failed"}, "p2": {"mastodon": "missed"}, "p3": {"x": "pending"}}
    with monkeypatch.context() as patched:
        forbid_reads(patched)
        assert quicklook.scan_ledger(repo.root).states == cold.states  # every state from the cache
    write_receipt(repo, "p1", "bluesky", "published", published_at="2026-12-01T15:00:00Z")
    write_receipt(repo, "p4", "mastodon", "uncertain")
    (repo.root / "content/ledger/p2/mastodon.json").unlink()
    write_receipt(repo, "bad", "x", "published")
    reads = count_reads(monkeypatch)
    warm = quicklook.scan_ledger(repo.root)
    assert sorted(path.relative_to(repo.root).as_posix() for path, _ in reads) == [
        "content/ledger/bad/x.json", "content/ledger/p1/bluesky.json", "content/ledger/p4/mastodon.json"]
    assert warm.states == full_read(repo.root)
    assert warm.states == {"p1": {"mastodon": "published", "bluesky": "published"}, "p3": {"x": "pending"},
                           "p4": {"mastodon": "uncertain"}, "bad": {"x": "published"}}
    assert quicklook.scan_ledger(repo.root, use_cache=False).states == warm.states


def test_an_edit_that_keeps_size_and_mtime_is_still_seen(repo, later):
    # "published" and "uncertain" have the same length: only the change time tells the files apart
    path = repo.root / write_receipt(repo, "p", "mastodon", "published")
    before = path.stat()
    assert quicklook.scan_ledger(repo.root).states == {"p": {"mastodon": "published"}}
    write_receipt(repo, "p", "mastodon", "uncertain")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # as cp -p, tar or rsync -t would put it back
    assert path.stat().st_size == before.st_size and path.stat().st_mtime_ns == before.st_mtime_ns
    assert quicklook.scan_ledger(repo.root).states == {"p": {"mastodon": "uncertain"}}


def count_reads(monkeypatch) -> list:
    reads = []
    real = quicklook.read_receipt
    monkeypatch.setattr(quicklook, "read_receipt", lambda *a: reads.append(a) or real(*a))
    return reads


def test_a_receipt_changed_within_two_seconds_is_never_served_from_the_cache(repo, monkeypatch):
    write_receipt(repo, "p", "mastodon", "pending")
    assert quicklook.scan_ledger(repo.root).states == {"p": {"mastodon": "pending"}}
    write_receipt(repo, "p", "mastodon", "failed")  # same size, maybe the same time tick
    reads = count_reads(monkeypatch)
    assert quicklook.scan_ledger(repo.root).states == {"p": {"mastodon": "failed"}}
    assert len(reads) == 1


def test_a_linked_receipt_follows_its_target(repo, later, tmp_path_factory):
    target = tmp_path_factory.mktemp("elsewhere") / "mastodon.json"
    target.write_text(json.dumps({"state": "published", "x": "ab"}))
    (repo.root / "content/ledger/p").mkdir(parents=True)
    (repo.root / "content/ledger/p/mastodon.json").symlink_to(target)
    assert quicklook.scan_ledger(repo.root).states == {"p": {"mastodon": "published"}}
    target.write_text(json.dumps({"state": "uncertain", "x": "ab"}))  # the link itself is unchanged
    assert quicklook.scan_ledger(repo.root).states == {"p": {"mastodon": "uncertain"}} == full_read(repo.root)


def test_a_file_removed_between_the_walk_and_its_read_counts_as_absent(repo, later, monkeypatch):
    write_receipt(repo, "p", "mastodon", "published")
    real = quicklook.read_receipt

    def vanish(path, root):
        path.unlink()
        return real(path, root)

    monkeypatch.setattr(quicklook, "read_receipt", vanish)
    assert quicklook.scan_ledger(repo.root).states == {}


# --- the clean-ledger record: git is asked whenever anything could have changed ----------------

@pytest.fixture
def published(repo):
    repo.post("done", "title: Done\npublish_at: 2026-12-01 09:30\nchannels: [mastodon]")
    write_receipt(repo, "done", "mastodon", "published", published_at="2026-12-01T14:30:00Z")
    repo.commit("plan")
    return repo


def run(repo, **kw):
    config, _ = load_config(repo.root)
    return Runner(config, at(NOW), env={}, make=FakeNetwork().make, **kw).run()


def git_questions(monkeypatch) -> tuple[list, list]:
    """(each time the runner asked git whether the ledger holds leftovers, the paths of each commit)."""
    asked, commits = [], []
    ask, commit = leftovers.uncommitted, gitrepo.commit_paths
    monkeypatch.setattr(leftovers, "uncommitted", lambda root: asked.append(root) or ask(root))
    monkeypatch.setattr(gitrepo, "commit_paths", lambda root, paths, *a, **k: commits.append(
        [p.name for p in paths]) or commit(root, paths, *a, **k))
    return asked, commits


def test_git_is_asked_only_until_it_found_the_ledger_clean_and_again_after_any_change(published, later,
                                                                                        monkeypatch):
    asked, commits = git_questions(monkeypatch)
    for _ in range(3):  # the first run commits its heartbeat, which changes the index; then git finds it clean
        assert run(published).rows == []
    assert 2 <= len(asked) <= 3
    before = len(asked), len(commits)
    assert run(published).rows == [] and (len(asked), len(commits)) == before  # nothing changed: git is not asked
    path = published.root / "content/ledger/done/mastodon.json"
    path.write_text(path.read_text().replace("published", "uncertain"))  # an uncommitted hand edit
    run(published)
    assert len(asked) == before[0] + 1 and commits[before[1]:] == [["ledger"]]
    assert "publish: receipts left uncommitted by an interrupted run" in published.git("log", "-1", "--format=%s")
    assert published.git("status", "--porcelain") == ""


def test_without_the_cache_git_is_asked_every_run(published, monkeypatch):
    asked, _ = git_questions(monkeypatch)
    for _ in range(3):
        run(published, use_cache=False)
    assert len(asked) == 3


def test_an_index_change_alone_sends_the_runner_to_git(published, later):
    for _ in range(3):
        run(published)
    published.git("rm", "-q", "--cached", "content/ledger/done/mastodon.json")
    run(published)
    # git add put the file back in the index; had the runner trusted its record it would still be untracked
    assert published.git("status", "--porcelain") == ""


def test_a_record_taken_over_by_another_clone_is_not_trusted(published, later, tmp_path_factory):
    for _ in range(3):
        run(published)
    other = CalendarRepo(tmp_path_factory.mktemp("other"))
    shutil.rmtree(other.root)
    shutil.copytree(published.root, other.root)  # the .socialgit/ folder comes along
    scan = quicklook.scan_ledger(other.root)
    assert not leftovers.still_clean(other.root, scan, leftovers.git_state(other.root))
    scan = quicklook.scan_ledger(published.root)
    assert leftovers.still_clean(published.root, scan, leftovers.git_state(published.root))


def test_nothing_is_recorded_while_a_file_is_inside_the_racy_window(published):
    scan = quicklook.scan_ledger(published.root)  # the files were written just now
    assert not scan.settled
    assert not leftovers.remember_clean(published.root, scan, leftovers.git_state(published.root))
    assert not leftovers.still_clean(published.root, scan, leftovers.git_state(published.root))


# --- the runner decides the same with and without its caches ----------------------------------

def calendar_of_cases(repo) -> None:
    repo.post("due", "title: Due\npublish_at: 2026-12-01 09:30\nchannels: [mastodon, bluesky]", "Hello!")
    repo.post("refused", "title: Refused\npublish_at: 2026-12-01 08:00\nchannels: [mastodon, bluesky]", "Too long")
    repo.post("retry", "title: Retry\npublish_at: 2026-12-01 08:30\nchannels: [mastodon]", "Try again")
    repo.post("waiting", "title: Waiting\npublish_at: 2026-12-01 08:40\nchannels: [mastodon]", "Later")
    repo.post("old", "title: Old\npublish_at: 2026-11-20 09:00\nchannels: [mastodon]", month="2026/11")
    repo.post("crashed", "title: Crashed\npublish_at: 2026-12-01 09:00\nchannels: [bluesky]", "Mid-call")
    repo.post("done", "title: Done\npublish_at: 2026-12-01 07:00\nchannels: [mastodon, x]")
    repo.post("later", "title: Later\npublish_at: 2026-12-02 09:30\nchannels: [mastodon]")
    config, _ = load_config(repo.root)
    from socialgit.content import read_post

    def payload(slug, channel):
        post, _ = read_post(config, f"content/posts/2026/{'11' if slug == 'old' else '12'}/{slug}.md")
        return post.payload_hash(channel)

    write_receipt(repo, "refused", "mastodon", "failed", retryable=False, error="422 too long",
                  payload_hash=payload("refused", "mastodon"))
    write_receipt(repo, "refused", "bluesky", "failed", retryable=False, error="422 too long",
                  payload_hash=payload("refused", "bluesky"))
    write_receipt(repo, "retry", "mastodon", "failed", retryable=True, attempts=1, next_try="2026-12-01T14:50:00Z",
                  payload_hash=payload("retry", "mastodon"))
    write_receipt(repo, "waiting", "mastodon", "failed", retryable=True, attempts=1,
                  next_try="2026-12-01T16:00:00Z", payload_hash=payload("waiting", "mastodon"))
    write_receipt(repo, "old", "mastodon", "missed", publish_at="2026-11-20T09:00:00-05:00",
                  payload_hash=payload("old", "mastodon"))
    write_receipt(repo, "done", "mastodon", "published")
    write_receipt(repo, "done", "x", "uncertain")
    repo.commit("plan")


def decisions(report) -> list:
    return sorted((r.post, r.channel, r.state) for r in report.rows)


def test_the_runner_decides_the_same_with_and_without_its_caches(repo, later, tmp_path_factory):
    calendar_of_cases(repo)
    run(repo, dry_run=True)  # fills every cache, writes nothing else
    assert run(repo, dry_run=True).rows  # and the warm caches change nothing
    # then people edit: the refused post is shortened, the missed one retimed, a run dies mid-call
    repo.post("refused", "title: Refused\npublish_at: 2026-12-01 08:00\nchannels: [mastodon, bluesky]", "Short")
    repo.post("old", "title: Old\npublish_at: 2026-12-01 09:50\nchannels: [mastodon]", month="2026/11")
    write_receipt(repo, "crashed", "bluesky", "pending", key="sg-1", payload_hash="sha256:x")
    repo.commit("edits")
    twin = CalendarRepo(tmp_path_factory.mktemp("twin"))
    shutil.rmtree(twin.root)
    shutil.copytree(repo.root, twin.root, ignore=shutil.ignore_patterns(".socialgit"))
    cached, uncached = run(repo), run(twin, use_cache=False)
    assert decisions(cached) == decisions(uncached) == [
        ("crashed", "bluesky", "failed"), ("crashed", "bluesky", "published"),  # reconciled: not sent, so sent now
        ("due", "bluesky", "published"), ("due", "mastodon", "published"),
        ("old", "mastodon", "published"),  # retimed after it was missed
        ("refused", "bluesky", "published"), ("refused", "mastodon", "published"),  # edited after a refusal
        ("retry", "mastodon", "published")]
    assert full_read(repo.root) == full_read(twin.root)
    assert run(repo).rows == [] and run(twin, use_cache=False).rows == []


def test_a_corrupt_or_stale_cache_is_ignored_and_rebuilt(repo, later, monkeypatch):
    calendar_of_cases(repo)
    expected = decisions(run(repo, dry_run=True, use_cache=False))
    assert ("due", "mastodon", "would publish") in expected
    assert ("refused", "mastodon", "would publish") not in expected  # refused and not edited since
    run(repo, dry_run=True)
    state = repo.root / ".socialgit"
    kept = sorted(path.name for path in (*state.glob("*.marshal"), *state.glob("*.pieces")))
    assert {"receipt-states.pieces", "receipt-states-snapshot.marshal", "payload-hashes.pieces",
            "slots.pieces"} <= set(kept)
    breakages = [lambda data: b"\x00garbage", lambda data: data[:len(data) // 2],  # garbage, cut short
                 lambda data: b"\xe9\x00\x00\x00"]  # valid marshal of another shape
    for damage in breakages:
        for name in kept:
            (state / name).write_bytes(damage((state / name).read_bytes()))
        assert decisions(run(repo, dry_run=True)) == expected
        with monkeypatch.context() as patched:  # rebuilt: the next look takes every state from the cache
            forbid_reads(patched)
            assert quicklook.scan_ledger(repo.root).states == full_read(repo.root)


# --- HEAD and the index read from .git, as git itself would tell them --------------------------

def test_head_ref_agrees_with_git_and_declines_what_is_not_plain(published):
    assert leftovers.head_ref(published.root) == "refs/heads/main" == "refs/heads/" + gitrepo.current_branch(
        published.root)
    published.git("checkout", "-q", "--detach")
    assert leftovers.head_ref(published.root) is None and gitrepo.current_branch(published.root) is None


def test_git_state_changes_with_every_commit_reset_pack_and_add(published, later):
    states = [leftovers.git_state(published.root)]

    def changed() -> bool:
        states.append(leftovers.git_state(published.root))
        return states[-1].key != states[-2].key

    assert not changed()  # nothing happened
    published.git("-c", "user.name=T", "-c", "user.email=t@x", "commit", "-q", "--allow-empty", "-m", "empty")
    assert changed()
    published.git("pack-refs", "--all")  # the branch moves from its own file into packed-refs
    assert changed() and states[-1].key[2] == b""
    published.git("reset", "-q", "--soft", "HEAD~1")  # HEAD moves, the index stays
    assert changed()
    published.write("content/ledger/done/bluesky.json", '{"state": "published"}')
    assert not changed()  # the working tree is the scan's business, not git_state's
    published.git("add", "content/ledger/done/bluesky.json")
    assert changed()


def test_a_worktree_is_read_through_gitpython_and_publishes(published, later, tmp_path_factory):
    published.git("checkout", "-q", "-b", "elsewhere")
    tree = tmp_path_factory.mktemp("wt") / "main"
    published.git("worktree", "add", "-q", str(tree), "main")
    assert leftovers.plain_git_dir(tree) is None and leftovers.head_ref(tree) is None
    before = leftovers.git_state(tree)
    assert before is not None and before.key[0] == "asked"
    worktree = CalendarRepo(tree)
    worktree.post("due", "title: Due\npublish_at: 2026-12-01 09:30\nchannels: [bluesky]", "Hi")
    worktree.commit("due")
    assert leftovers.git_state(tree).key != before.key
    assert decisions(run(worktree)) == [("due", "bluesky", "published")]  # the branch check went through git
    assert worktree.git("status", "--porcelain") == ""


# --- what the runner cannot read, it does not act on --------------------------------------------

@pytest.mark.parametrize("use_cache", [True, False])
def test_an_unreadable_receipt_blocks_its_channel_and_fails_the_run(repo, use_cache):
    repo.post("due", "title: Due\npublish_at: 2026-12-01 09:30\nchannels: [mastodon, bluesky]", "Hello!")
    # a merge left conflict markers in the receipt: what it said is unknown, so nothing may be sent
    repo.write("content/ledger/due/mastodon.json", '<<<<<<< HEAD\n{"state": "published"}\n=======\n')
    repo.commit("plan")
    net = FakeNetwork()
    config, _ = load_config(repo.root)
    report = Runner(config, at(NOW), env={}, make=net.make, use_cache=use_cache).run()
    rows = {(r.channel, r.state): r.detail for r in report.rows}
    assert set(rows) == {("mastodon", "failed"), ("bluesky", "published")} and not report.ok
    assert "content/ledger/due/mastodon.json" in rows[("mastodon", "failed")]
    assert "restore it from git history" in rows[("mastodon", "failed")]
    assert list(net.posts.values()) == ["Hello!"]  # bluesky only
    assert (repo.root / "content/ledger/due/mastodon.json").read_text().startswith("<<<<<<<")


def test_a_pending_receipt_edited_into_another_shape_blocks_its_channel(repo):
    repo.post("due", "title: Due\npublish_at: 2026-12-01 09:30\nchannels: [mastodon]", "Hello!")
    write_receipt(repo, "due", "mastodon", "pending", key="sg-1", payload_hash="sha256:x", parts="one part")
    repo.commit("plan")
    net = FakeNetwork()
    config, _ = load_config(repo.root)
    report = Runner(config, at(NOW), env={}, make=net.make).run()
    (row,) = report.rows
    assert (row.channel, row.state) == ("mastodon", "failed") and "parts is not a list" in row.detail
    assert net.posts == {} and not report.ok


def test_a_pending_receipt_on_a_channel_since_removed_is_left_for_a_person(repo):
    repo.post("due", "title: Due\npublish_at: 2026-12-01 09:30\nchannels: [bluesky]", "Hello!")
    write_receipt(repo, "due", "gone", "pending", key="sg-1", payload_hash="sha256:x")
    repo.commit("plan")
    report = run(repo)
    assert decisions(report) == [("due", "bluesky", "published")]
    assert full_read(repo.root)["due"]["gone"] == "pending"
