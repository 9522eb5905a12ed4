"""import-history: CSV in, a labelled store apart from the team's own ledger, never duplicated."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from socialgit.cli import cli
from socialgit.commands import learn  # noqa: F401  (registers the commands)
from socialgit.history_import import (ImportedPost, import_history, imported_path, load_imported, merge_rows,
                                      parse_history_csv)
from socialgit.ledger import load_receipts
from socialgit.problems import UserError

TORONTO = ZoneInfo("America/Toronto")
UTC = timezone.utc
NOW = datetime(2026, 11, 16, 10, tzinfo=TORONTO)

CSV = """\
posted_at,favourites,boosts,replies,url
2025-03-04 09:30,10,3,1,https://m.example/@old/1
2025-07-04T09:30,4,0,0,https://m.example/@old/2
2025-07-05T13:30:00Z,"1,204",0,2,https://m.example/@old/3
yesterday,1,1,1,https://m.example/@old/4
2025-07-06 10:00,many,1,1,https://m.example/@old/5
2027-01-01 10:00,1,1,1,https://m.example/@old/6
,,,,
"""


def parse(text: str = CSV, **kw):
    return parse_history_csv("old.csv", text, kw.get("label", "old"), "mastodon", kw.get("zone", TORONTO), NOW)


def test_rows_are_read_in_the_given_zone_with_counts_summed():
    rows, problems = parse()
    assert [r.ref[-1] for r in rows] == ["1", "2", "3"]
    first, second, third = rows
    assert first.posted_at == datetime(2025, 3, 4, 14, 30, tzinfo=UTC)  # EST in March
    assert second.posted_at == datetime(2025, 7, 4, 13, 30, tzinfo=UTC)  # EDT in July: same wall clock
    assert third.posted_at == datetime(2025, 7, 5, 13, 30, tzinfo=UTC)  # an explicit zone wins
    assert dict(first.counts) == {"likes": 10, "reposts": 3, "replies": 1} and first.engagement == 14
    assert third.engagement == 1206
    assert first.origin == "old.csv:2" and first.label == "old" and first.channel == "mastodon"


def test_bad_rows_are_skipped_with_file_and_line():
    _, problems = parse()
    assert [(p.path, p.line) for p in problems] == [("old.csv", 5), ("old.csv", 6), ("old.csv", 7)]
    assert "not a time" in problems[0].message and "2025-03-04 09:30" in problems[0].message
    assert "whole numbers" in problems[1].message
    assert "future" in problems[2].message


def test_an_engagement_column_and_split_date_and_time_columns():
    rows, problems = parse("Date,Time,Engagement,Post ID\n2025-05-01,08:15,17,abc\n")
    assert problems == []
    assert rows[0].engagement == 17 and rows[0].ref == "abc"
    assert rows[0].posted_at.astimezone(TORONTO).hour == 8


def test_headers_that_make_the_file_unusable_stop_with_one_line():
    with pytest.raises(UserError, match=r"^old.csv:1: no time column"):
        parse("when,likes\n2025-05-01,3\n")
    with pytest.raises(UserError, match=r"^old.csv:1: no engagement column"):
        parse("posted_at,text\n2025-05-01 09:00,hi\n")
    with pytest.raises(UserError, match=r"^old.csv:1: the file is empty"):
        parse("")


def test_merging_skips_rows_already_stored():
    a = ImportedPost("old", "mastodon", NOW, 3, ref="x")
    b = ImportedPost("old", "mastodon", NOW, 5, ref="y")
    merged, added = merge_rows([a], [a, b])
    assert added == 1 and [r.ref for r in merged] == ["x", "y"]
    no_ref = ImportedPost("old", "mastodon", NOW, 3)
    assert merge_rows([no_ref], [no_ref])[1] == 0  # keyed by time when there is no ref


def test_import_stores_apart_and_reimport_adds_nothing(tmp_path):
    source = tmp_path / "export.csv"
    source.write_text(CSV, encoding="utf-8")
    result = import_history(tmp_path, source, "mastodon", "old-account", TORONTO, NOW)
    path = imported_path(tmp_path, "old-account", "mastodon")
    assert result.path == path and path.relative_to(tmp_path).as_posix() == \
        "content/ledger/_imported/old-account/mastodon.jsonl"
    assert (result.read, result.added, result.total, len(result.problems)) == (3, 3, 3, 3)
    before = path.read_text(encoding="utf-8")
    assert before.count("\n") == 3 and '"from": "export.csv:2"' in before
    again = import_history(tmp_path, source, "mastodon", "old-account", TORONTO, NOW)
    assert (again.added, again.total) == (0, 3) and path.read_text(encoding="utf-8") == before
    rows, problems = load_imported(tmp_path)
    assert problems == [] and len(rows) == 3
    assert {(r.label, r.channel) for r in rows} == {("old-account", "mastodon")}
    assert rows[0].engagement == 14 and rows[0].posted_at == datetime(2025, 3, 4, 14, 30, tzinfo=UTC)
    assert load_receipts(tmp_path) == ({}, [])  # never mistaken for the team's receipts


def test_a_damaged_store_is_reported_and_not_overwritten(tmp_path):
    path = imported_path(tmp_path, "old", "mastodon")
    path.parent.mkdir(parents=True)
    path.write_text('{"posted_at": "2025-01-01T10:00:00Z", "engagement": 3}\n{"posted_at": "soon"}\n')
    rows, problems = load_imported(tmp_path)
    assert len(rows) == 1 and str(problems[0]).startswith("content/ledger/_imported/old/mastodon.jsonl:2: warning:")
    source = tmp_path / "a.csv"
    source.write_text("posted_at,likes\n2025-05-01 09:00,3\n")
    with pytest.raises(UserError, match="mastodon.jsonl:2"):
        import_history(tmp_path, source, "mastodon", "old", TORONTO, NOW)
    assert "soon" in path.read_text()


def test_labels_and_missing_files_are_one_line_errors(tmp_path):
    with pytest.raises(UserError, match="--label"):
        import_history(tmp_path, tmp_path / "a.csv", "mastodon", "Old Account", TORONTO, NOW)
    with pytest.raises(UserError, match="a.csv: not found"):
        import_history(tmp_path, tmp_path / "a.csv", "mastodon", "old", TORONTO, NOW)
    bad = tmp_path / "bad.csv"
    bad.write_text("posted_at,likes\nnever,3\n")
    with pytest.raises(UserError, match="no usable rows"):
        import_history(tmp_path, bad, "mastodon", "old", TORONTO, NOW)


TOML = """\
[site]
timezone = "America/Toronto"

[channels.mastodon]
type = "outbox"
network = "mastodon"
"""


def test_the_command(tmp_path: Path):
    (tmp_path / "socialgit.toml").write_text(TOML)
    source = tmp_path / "export.csv"
    source.write_text(CSV, encoding="utf-8")
    runner = CliRunner()
    args = ["import-history", str(source), "--channel", "mastodon", "--label", "competitor",
            "--root", str(tmp_path), "--now", "2026-11-16T10:00"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 1  # rows were skipped: problems found
    assert "export.csv:5: warning:" in result.output
    assert "3 new of 3 rows imported into" in result.output and "3 rows skipped" in result.output
    assert imported_path(tmp_path, "competitor", "mastodon").exists()
    result = runner.invoke(cli, args[:3] + ["bluesky", "--root", str(tmp_path)])
    assert result.exit_code == 2 and "unknown channel bluesky" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(cli, args + ["--timezone", "Mars/Olympus"])
    assert result.exit_code == 2 and "--timezone" in result.output
