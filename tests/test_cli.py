"""The CLI's contract: help everywhere, exit codes, and the review commands end to end."""

import re

import click
import pytest
from click.testing import CliRunner

from socialgit import __version__
from socialgit.cli import cli


def all_commands(group: click.Group, prefix=()):
    for name, command in group.commands.items():
        yield prefix + (name,), command
        if isinstance(command, click.Group):
            yield from all_commands(command, prefix + (name,))


COMMANDS = list(all_commands(cli))


@pytest.mark.parametrize("path,command", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_every_command_has_help_and_documents_its_options(path, command):
    assert command.help and len(command.help.strip()) > 20, f"{' '.join(path)} needs a docstring"
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"option {param.opts} of {' '.join(path)} needs help text"
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0
    assert "Exit codes" in result.output or isinstance(command, click.Group)


def test_top_level_help_lists_the_commands_and_exit_codes():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name, _ in COMMANDS:
        assert name[0] in result.output
    assert "Exit codes: 0 ok · 1 problems found · 2 usage or config error." in result.output


def test_version():
    result = CliRunner().invoke(cli, ["--version"])
    assert result.output.strip() == f"socialgit, version {__version__}"


def test_usage_error_exits_2():
    assert CliRunner().invoke(cli, ["check", "--format", "yaml"]).exit_code == 2


def test_new_writes_a_unique_post_and_prints_its_path(repo):
    runner = CliRunner()
    args = ["new", "Winter sale opens!", "--at", "2026-12-01T09:30", "--channels", "mastodon,bluesky",
            "--root", str(repo.root)]
    first = runner.invoke(cli, args)
    second = runner.invoke(cli, args)
    assert first.exit_code == 0 and second.exit_code == 0
    assert first.output.strip().endswith("content/posts/2026/12/winter-sale-opens.md")
    assert second.output.strip().endswith("content/posts/2026/12/winter-sale-opens-2.md")
    text = (repo.root / "content/posts/2026/12/winter-sale-opens.md").read_text()
    assert 'title: "Winter sale opens!"' in text and "publish_at: 2026-12-01 09:30" in text
    assert "channels: [mastodon, bluesky]" in text and "status: ready" in text
    check = runner.invoke(cli, ["check", "--root", str(repo.root), "--now", "2026-11-20T10:00"])
    assert check.exit_code == 0, check.output


def test_new_with_a_persian_title_gets_a_dated_slug_and_drafts(repo):
    result = CliRunner().invoke(cli, ["new", "حراج زمستانی", "--at", "2026-12-01T09:30", "--draft",
                                      "--root", str(repo.root)])
    assert result.output.strip().endswith("content/posts/2026/12/post-2026-12-01-0930.md")
    text = (repo.root / "content/posts/2026/12/post-2026-12-01-0930.md").read_text(encoding="utf-8")
    assert 'title: "حراج زمستانی"' in text and "status: draft" in text


def test_new_refuses_an_unknown_channel(repo):
    result = CliRunner().invoke(cli, ["new", "Hello", "--channels", "myspace", "--root", str(repo.root)])
    assert result.exit_code == 2
    assert "--channels: unknown channel myspace" in result.output


def test_tables_fit_names_of_any_length():
    from socialgit.cli import columns
    lines = columns([("channel", "new", "detail"), ("mastodon-support-fr", 12, "x"), ("x", 3, "a longer detail")],
                    numbers=frozenset({1}))
    assert lines == ["channel              new  detail",
                     "mastodon-support-fr   12  x",
                     "x                      3  a longer detail"]
    assert columns([]) == []


def test_new_never_takes_the_id_of_a_post_whose_file_is_gone(repo):
    # "sale" went out and its file was deleted: its receipts would make a new "sale" look sent
    repo.write("content/ledger/sale/mastodon.json", "{}")
    repo.write("content/ledger/metrics/promo/mastodon.jsonl", "")
    repo.write("content/feedback/launch/mastodon-1.md", "")
    for title, slug in (("Sale", "sale-2"), ("Promo", "promo-2"), ("Launch", "launch-2"), ("Fresh", "fresh")):
        result = CliRunner().invoke(cli, ["new", title, "--at", "2026-12-05T10:00", "--root", str(repo.root)])
        assert result.exit_code == 0, result.output
        assert result.output.strip().endswith(f"content/posts/2026/12/{slug}.md")


def test_a_bad_time_names_the_option_it_came_from(repo):
    result = CliRunner().invoke(cli, ["new", "Hello", "--at", "tomorrow", "--root", str(repo.root)])
    assert result.exit_code == 2
    assert '--at "tomorrow" is not a time' in result.output and "next-best" in result.output
    result = CliRunner().invoke(cli, ["new", "Hello", "--now", "today", "--root", str(repo.root)])
    assert result.exit_code == 2 and '--now "today" is not a time' in result.output


def test_status_shows_due_next_and_attention(repo):
    import json
    repo.post("due-now", "title: Due now\npublish_at: 2026-11-20 09:45\nchannels: [mastodon]", month="2026/11")
    repo.post("later", "title: Later\npublish_at: 2026-11-21 09:00\nchannels: [bluesky]", month="2026/11")
    repo.post("broken", "title: Broken\npublish_at: 2026-11-19 09:00\nchannels: [x]", month="2026/11")
    repo.write("content/ledger/broken/x.json", json.dumps({"state": "failed", "error": "channel x: refused (403)"}))
    result = CliRunner().invoke(cli, ["status", "--root", str(repo.root), "--now", "2026-11-20T10:00"])
    assert result.exit_code == 0
    out = result.output
    assert re.search(r"Due now \(1\):\n  Fri 2026-11-20 09:45  mastodon +Due now", out)
    assert re.search(r"Next 1:\n  Sat 2026-11-21 09:00  bluesky +Later", out)
    assert "failed  x  Broken (content/posts/2026/11/broken.md)\n          channel x: refused (403)" in out


def test_status_lines_up_titles_however_long_the_channel_lists(repo):
    repo.post("four", "title: Four\npublish_at: 2026-11-21 09:00\nchannels: [mastodon, bluesky, x, team-slack]",
              month="2026/11")
    repo.post("one", "title: One\npublish_at: 2026-11-22 09:00\nchannels: [x]", month="2026/11")
    out = CliRunner().invoke(cli, ["status", "--root", str(repo.root), "--now", "2026-11-20T10:00"]).output
    lines = out.split("Next 2:\n")[1].splitlines()[:2]
    assert lines[0].index("Four") == lines[1].index("One") and "team-slack  Four" in lines[0]


def test_status_lists_uncertain_first_then_the_newest_failed_and_missed(repo, monkeypatch):
    import json
    from socialgit.commands import review
    monkeypatch.setattr(review, "ATTENTION_LISTED", 2)
    for day in ("2025-03-02", "2026-11-10", "2026-01-05", "2026-11-12"):
        repo.post(f"p{day}", f"title: P{day}\npublish_at: {day} 09:00\nchannels: [x]", month=day[:7].replace("-", "/"))
        repo.write(f"content/ledger/p{day}/x.json", json.dumps({"state": "failed", "error": "refused (403)"}))
    repo.write("content/ledger/p2025-03-02/x.json", json.dumps({"state": "uncertain"}))
    args = ["status", "--root", str(repo.root), "--now", "2026-11-20T10:00"]
    out = CliRunner().invoke(cli, args).output
    listed = re.findall(r"^  (\w+) +x +(P[\d-]+)", out, re.M)
    assert listed == [("uncertain", "P2025-03-02"), ("failed", "P2026-11-12"), ("failed", "P2026-11-10")]
    assert "  … and 1 older failed or missed (`socialgit status --all` lists them)" in out
    every = CliRunner().invoke(cli, args + ["--all"]).output
    assert [p for _, p in re.findall(r"^  (\w+) +x +(P[\d-]+)", every, re.M)][-1] == "P2026-01-05"
    assert "older failed or missed" not in every


def test_summary_times_say_utc_once():
    from datetime import datetime
    from types import SimpleNamespace
    from zoneinfo import ZoneInfo

    from socialgit.summary import _when
    moment = datetime(2026, 12, 5, 14, 30, tzinfo=ZoneInfo("UTC"))
    assert _when(moment, SimpleNamespace(timezone=ZoneInfo("Etc/UTC"))) == "Sat 2026-12-05 14:30 UTC"
    assert _when(moment, SimpleNamespace(timezone=ZoneInfo("Asia/Tehran"))) == "Sat 2026-12-05 18:00 +0330 (14:30 UTC)"


def test_summary_of_a_pull_request(repo):
    repo.post("moved", "title: Moved\npublish_at: 2026-12-01 09:30\nchannels: [mastodon]")
    repo.post("gone", "title: Gone\npublish_at: 2026-12-02 09:30\nchannels: [mastodon]")
    repo.post("same", "title: Same\npublish_at: 2026-12-03 09:30\nchannels: [mastodon]")
    repo.commit("base")
    repo.git("checkout", "-qb", "feature")
    repo.post("moved", "title: Moved\npublish_at: 2026-12-04 18:00\nchannels: [mastodon, bluesky]")
    (repo.root / "content/posts/2026/12/gone.md").unlink()
    repo.post("fresh", "title: Fresh | news\npublish_at: 2026-12-05 09:30\nchannels: [bluesky]", "b" * 301)
    repo.commit("feature")
    result = CliRunner().invoke(cli, ["summary", "main", "feature", "--root", str(repo.root),
                                      "--now", "2026-11-20T10:00"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith("<!-- socialgit-summary -->\n### 📅 Calendar changes in this pull request")
    assert "**1** added, **1** changed, **1** removed." in out
    assert ("| 🆕 | **Fresh \\| news**<br>`content/posts/2026/12/fresh.md` | Sat 2026-12-05 09:30 EST (14:30 UTC) | "
            "bluesky: 301/300 ❌ 1 over | added |") in out
    assert ("| ✏️ | **Moved**<br>`content/posts/2026/12/moved.md` | Fri 2026-12-04 18:00 EST (23:00 UTC) | "
            "mastodon: 12/500 ✅<br>bluesky: 12/300 ✅ | retimed from Tue 2026-12-01 09:30 EST (14:30 UTC); "
            "now also on bluesky |") in out
    assert "| 🗑️ | **Gone**" in out
    assert "Same" not in out
    assert "#### ⚠️ 1 error(s), 0 warning(s) in the changed files" in out
    assert "- `content/posts/2026/12/fresh.md:6` **error**: the text for channel bluesky is 301 graphemes" in out
