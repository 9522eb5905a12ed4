"""Progress of long stages: what the work reports, and what a person at a terminal sees of it."""

import pytest
from click.testing import CliRunner

import socialgit.commands.site  # noqa: F401  registers build on the group until cli.py imports it
from socialgit import cli as cli_module
from socialgit import derived, progress
from socialgit.cli import cli
from socialgit.site import build_site

from .conftest import at
from .site_helpers import feedback


def test_the_innermost_stage_reports_to_the_process_that_asked(monkeypatch):
    heard = []
    progress.advance(1, 2)  # no report installed: nothing to tell
    with progress.reporting(lambda *seen: heard.append(seen)):
        progress.advance(1, 2)  # no stage: nothing to name
        with progress.stage("Reading posts"):
            progress.advance(1, 4)
            with progress.stage("Deriving"):
                progress.advance(2, 3)
            progress.advance(4, 4)
            monkeypatch.setattr(progress.os, "getpid", lambda: -1)  # a forked worker stays quiet
            progress.advance(9, 9)
    monkeypatch.undo()
    progress.advance(3, 3)
    assert heard == [("Reading posts", 1, 4), ("Deriving", 2, 3), ("Reading posts", 4, 4)]


def test_quiet_in_ci_and_when_stderr_is_not_a_terminal(monkeypatch):
    monkeypatch.setattr(progress.sys.stderr, "isatty", lambda: True, raising=False)
    monkeypatch.setenv("CI", "true")
    assert progress.quiet()
    monkeypatch.setenv("CI", "")
    assert not progress.quiet()
    monkeypatch.setattr(progress.sys.stderr, "isatty", lambda: False, raising=False)
    assert progress.quiet()


def test_a_stage_shows_a_bar_only_once_it_has_run_a_while(capsys):
    now = [0.0]
    bars = cli_module._Bars(clock=lambda: now[0])
    bars("Reading posts", 0, 10)
    bars("Reading posts", 10, 10)  # done at once: no bar
    bars("Rendering pages", 0, 100)
    now[0] = cli_module.BAR_AFTER + 0.1
    bars("Rendering pages", 40, 100)
    bars("Rendering pages", 100, 100)
    bars.close()
    shown = capsys.readouterr().err
    assert "Rendering pages" in shown and "Reading posts" not in shown


def test_a_build_reports_each_long_stage_to_its_end(repo, monkeypatch, tmp_path):
    # every stage reports however small the calendar; the bars leave out the quick ones
    for day in range(1, 6):
        repo.post(f"p{day}", f"title: P{day}\npublish_at: 2026-12-0{day} 09:00\nchannels: [mastodon]")
        feedback(repo, f"p{day}", f"mastodon-{day}", "Lovely!")
    derived.forget()  # texts another test derived in this process are not derived again
    heard = []
    with progress.reporting(lambda *seen: heard.append(seen)):
        build_site(repo.root, tmp_path / "site", at("2026-11-16 10:00"))
    stages = list(dict.fromkeys(name for name, _, _ in heard))
    assert stages == ["Reading posts", "Deriving the posts' texts", "Reading feedback files", "Modelling pages",
                      "Making calendar.ics", "Rendering pages", "Rendering the feedback log"]
    for name in stages:
        done, total = [(d, t) for n, d, t in heard if n == name][-1]
        assert done == total > 0, name


@pytest.mark.parametrize("command", [["build", "--out", "{out}"], ["check"]])
def test_build_and_check_show_their_stages_on_a_terminal_only(repo, monkeypatch, tmp_path, command):
    repo.post("p1", "title: P\npublish_at: 2026-12-01 09:00\nchannels: [mastodon]")
    args = [a.replace("{out}", str(tmp_path / "site")) for a in command] + ["--root", str(repo.root)]
    monkeypatch.setattr(cli_module, "BAR_AFTER", 0.0)
    monkeypatch.setattr(progress, "quiet", lambda: False)
    shown = CliRunner().invoke(cli, args + ["--now", "2026-11-16T10:00:00-05:00"])
    assert "Reading posts" in shown.stderr and "Traceback" not in shown.stderr
    monkeypatch.setattr(progress, "quiet", lambda: True)
    (repo.root / ".socialgit").rename(tmp_path / "gone")  # the same work again, without its caches
    quiet = CliRunner().invoke(cli, args + ["--now", "2026-11-16T10:00:00-05:00"])
    assert "Reading posts" not in quiet.stderr and quiet.exit_code == shown.exit_code
