"""`check` end to end on small calendars: each problem with its exact `path:line: level: message`."""

import json

from click.testing import CliRunner

from socialgit.cli import cli

NOW = "2026-11-20T10:00"


def run_check(repo, *args):
    result = CliRunner().invoke(cli, ["check", "--root", str(repo.root), "--now", NOW, *args])
    return result.exit_code, [line for line in result.output.splitlines() if ": " in line and " checked: " not in line]


def test_a_clean_calendar_exits_0(repo):
    repo.post("ok", "title: OK\npublish_at: 2026-12-01 09:30\nchannels: [mastodon, bluesky]")
    code, lines = run_check(repo)
    assert (code, lines) == (0, [])


def test_a_file_whose_front_matter_cannot_be_read_is_counted_as_checked(repo):
    repo.post("ok", "title: OK\npublish_at: 2026-12-01 09:30\nchannels: [mastodon]")
    repo.write("content/posts/2026/12/broken.md", "---\ntitle: [unclosed\n---\nbody\n")
    result = CliRunner().invoke(cli, ["check", "--root", str(repo.root), "--now", NOW])
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == "2 posts checked: 1 error(s), 0 warning(s)"
    result = CliRunner().invoke(cli, ["check", "--root", str(repo.root), "--now", NOW, "--format", "json"])
    assert json.loads(result.output)["posts"] == 2


def test_text_over_a_limit_names_the_part_and_by_how_much(repo):
    body = "a" * 290 + "\n---8<---\n" + "b" * 310
    path = repo.post("long", "title: Long\npublish_at: 2026-12-01 09:30\nchannels: [bluesky]", body)
    code, lines = run_check(repo)
    assert code == 1
    assert lines == [f"{path}:8: error: part 2 of 2 for channel bluesky is 310 graphemes, 10 over the limit of 300; "
                     "shorten it, split it with a '---8<---' line, or add a shorter variant for bluesky"]


def test_a_variant_is_checked_at_its_own_line(repo):
    path = repo.post("v", "title: V\npublish_at: 2026-12-01 09:30\nchannels: [x]\nvariants:\n  x: " + "é" * 281)
    code, lines = run_check(repo)
    assert code == 1 and lines[0].startswith(f"{path}:5: error: the text for channel x is 281 ")


def test_two_channels_that_are_one_account_on_one_post_are_an_error(repo):
    toml = repo.root / "socialgit.toml"
    toml.write_text(toml.read_text() + """
[channels.news]
type = "mastodon"
instance = "https://social.example/"
token_env = "MASTODON_TOKEN"

[channels.news-quiet]
type = "mastodon"
instance = "https://Social.example"
token_env = "MASTODON_TOKEN"
visibility = "unlisted"

[channels.other]
type = "mastodon"
instance = "https://social.example"
token_env = "OTHER_TOKEN"
""")
    path = repo.post("twice", "title: T\npublish_at: 2026-12-01 09:30\nchannels: [news, news-quiet, other]")
    repo.post("once", "title: O\npublish_at: 2026-12-03 09:30\nchannels: [news-quiet, other]")
    code, lines = run_check(repo)
    assert code == 1
    assert lines == [f"{path}:4: error: channels news and news-quiet post as the same account (instance = "
                     "https://social.example, token_env = MASTODON_TOKEN): this post would go out there 2 times; "
                     "keep one of them"]


def test_media_missing_or_without_alt(repo):
    repo.write("content/media/a.png", "png")
    path = repo.post("m", "title: M\npublish_at: 2026-12-01 09:30\nchannels: [mastodon]\n"
                     "media:\n  - {path: media/a.png}\n  - {path: media/gone.png, alt: Gone}")
    code, lines = run_check(repo)
    assert code == 1
    assert lines == [
        f'{path}:5: error: media "media/a.png" has no alt text; add alt: "…" describing the image for people who '
        "cannot see it",
        f'{path}:5: error: media "media/gone.png" not found; paths are relative to content/ (or to the post\'s folder)',
    ]


def test_cadence_is_a_warning_so_exit_0_unless_strict(repo):
    repo.post("a", "title: A\npublish_at: 2026-12-01 09:00\nchannels: [mastodon]")
    path = repo.post("b", "title: B\npublish_at: 2026-12-01 10:00\nchannels: [mastodon]")
    code, lines = run_check(repo)
    assert code == 0
    assert lines == [f"{path}:3: warning: channel mastodon: only 1 h 00 min after content/posts/2026/12/a.md, "
                     "less than min_gap = 3 h 00 min"]
    assert run_check(repo, "--strict")[0] == 1


def test_a_ready_post_whose_time_passed_unpublished_is_reported_missed(repo):
    path = repo.post("old", "title: Old\npublish_at: 2026-11-01 09:00\nchannels: [mastodon]", month="2026/11")
    code, lines = run_check(repo)
    assert lines == [f"{path}:3: warning: was due 2026-11-01 09:00 and never published on mastodon; move "
                     "publish_at to a future time or set 'late: post' to send it anyway"]


def write_receipt(repo, post_id, channel, source, payload_hash):
    repo.write(f"content/ledger/{post_id}/{channel}.json", json.dumps({
        "post": post_id, "channel": channel, "state": "published", "source": source,
        "payload_hash": payload_hash, "parts": [{"id": "1", "url": "https://m.example/1"}],
        "published_at": "2026-11-10T14:00:00Z"}))


def test_a_published_post_edited_or_renamed_since_is_reported(repo):
    from socialgit.plaintext import payload_hash
    path = repo.post("pub", "title: P\npublish_at: 2026-11-10 09:00\nchannels: [mastodon]", "New text", month="2026/11")
    write_receipt(repo, "pub", "mastodon", "content/posts/2026/11/old-name.md", payload_hash(["Old text"]))
    code, lines = run_check(repo)
    assert code == 0
    assert lines == [
        f"{path}:1: warning: post pub was published on mastodon from content/posts/2026/11/old-name.md, with another "
        "text, so this one will not be published; if it is a new post, give it an id of its own (rename the file or "
        "set id:)"]
    write_receipt(repo, "pub", "mastodon", "content/posts/2026/11/old-name.md", payload_hash(["New text"]))
    assert run_check(repo)[1] == [
        f"{path}:1: warning: this post was published on mastodon as content/posts/2026/11/old-name.md and has been "
        "renamed since; it will not be published again"]
    write_receipt(repo, "pub", "mastodon", path, payload_hash(["Old text"]))
    assert run_check(repo)[1] == [
        f"{path}:6: warning: this post was published on mastodon and its text has been edited since; the edit will "
        "not be published"]


def test_a_published_post_whose_file_was_renamed_is_an_error_until_it_keeps_its_id(repo):
    from socialgit.plaintext import payload_hash
    write_receipt(repo, "gone", "mastodon", "content/posts/2026/11/gone.md", payload_hash(["Same text"]))
    write_receipt(repo, "other", "mastodon", "content/posts/2026/11/other.md", payload_hash(["Other text"]))
    path = repo.post("renamed", "title: R\npublish_at: 2026-11-20 09:30\nchannels: [mastodon]", "Same text",
                     month="2026/11")
    code, lines = run_check(repo)
    assert code == 1
    assert lines == [
        "content/ledger/other/mastodon.json: warning: post other was published on mastodon but its file is gone "
        "(renamed or deleted); if it was renamed, add 'id: other' to its front matter, or it may go out again",
        f"{path}:1: error: this text went out on mastodon before, as post gone, whose file is gone; it is not sent "
        "again on mastodon. If it was renamed, add 'id: gone' to its front matter; if it is a new post, change the "
        "text",
    ]
    repo.post("renamed", "id: gone\ntitle: R\npublish_at: 2026-11-20 09:30\nchannels: [mastodon]", "Same text",
              month="2026/11")
    code, lines = run_check(repo)
    assert code == 0 and "renamed since; it will not be published again" in lines[-1]


def test_posts_sent_on_a_channel_since_renamed_are_an_error_until_their_receipts_move(repo):
    from socialgit.plaintext import payload_hash
    for day, post in enumerate(("a", "b", "c", "d"), start=10):
        repo.post(post, f"title: P\npublish_at: 2026-11-{day} 09:00\nchannels: [mastodon, bluesky]", month="2026/11")
        for channel in ("oldmasto", "bluesky"):
            write_receipt(repo, post, channel, f"content/posts/2026/11/{post}.md", payload_hash(["Hello world."]))
    code, lines = run_check(repo)
    assert code == 1
    assert lines == ["socialgit.toml: error: 4 post(s) went out on channel oldmasto, which socialgit.toml no longer "
                     "has, with the text they would now send on mastodon, where they are not sent (they would go out "
                     "twice). If "
                     "oldmasto was renamed mastodon, move their receipts: git mv content/ledger/POST/oldmasto.json "
                     "content/ledger/POST/mastodon.json for a, b, c and 1 more"]
    for post in ("a", "b", "c", "d"):
        (repo.root / f"content/ledger/{post}/oldmasto.json").rename(repo.root / f"content/ledger/{post}/mastodon.json")
    assert run_check(repo) == (0, [])


def test_an_unchanged_published_post_is_quiet(repo):
    from socialgit.plaintext import payload_hash
    path = repo.post("pub", "title: P\npublish_at: 2026-11-10 09:00\nchannels: [mastodon]", "Same", month="2026/11")
    write_receipt(repo, "pub", "mastodon", path, payload_hash(["Same"]))
    assert run_check(repo) == (0, [])


def test_a_broken_receipt_is_an_error_naming_it(repo):
    repo.write("content/ledger/p/mastodon.json", "{not json")
    code, lines = run_check(repo)
    assert code == 1
    assert lines[0].startswith("content/ledger/p/mastodon.json:1: error: receipt is not valid JSON")


def test_a_receipt_field_of_the_wrong_type_is_an_error_naming_it(repo):
    fields = {"state": "published", "parts": [{"id": "1", "url": -5}], "published_at": "2026-11-10T09:00:00Z"}
    repo.write("content/ledger/p/mastodon.json", json.dumps(fields))
    code, lines = run_check(repo)
    assert code == 1
    assert lines[0] == ("content/ledger/p/mastodon.json: error: receipt field parts is not a list of objects of text, "
                        "not as the runner writes it; restore it from git history "
                        "(`git log -p -- content/ledger/p/mastodon.json`)")
    for wrong, said in (({"attempts": "2"}, "attempts is not a whole number"), ({"published_at": 5}, "published_at is "
                        "not text"), ({"retryable": 1}, "retryable is not true"), ({"parts": "x"}, "parts is not")):
        repo.write("content/ledger/p/mastodon.json", json.dumps({**fields, "parts": [], **wrong}))
        assert said in run_check(repo)[1][0]


def test_stale_runner_and_refused_token(repo):
    repo.write("content/ledger/_heartbeat.json", json.dumps({"last_run": "2026-11-20T10:00:00Z",
                                                             "refused": ["bluesky"]}))
    code, lines = run_check(repo)
    assert code == 1
    assert lines == [
        "content/ledger/_heartbeat.json: error: the token for channel bluesky was refused at the last run; renew it "
        "and update the secret named in socialgit.toml",
        "content/ledger/_heartbeat.json: warning: the runner has not run for 5 hours; check the cron job or CI "
        "schedule that runs `socialgit publish`",
    ]


def test_github_annotations(repo):
    path = repo.post("bad", "title: Bad\npublish_at: 2026-12-01 09:30\nchannels: [nope]")
    result = CliRunner().invoke(cli, ["check", "--root", str(repo.root), "--now", NOW, "--format", "github"])
    assert result.exit_code == 1
    assert f"::error file={path},line=4,title=socialgit::unknown channel \"nope\"" in result.output


def test_json_format(repo):
    repo.post("bad", "title: Bad\npublish_at: 2026-12-01 09:30\nchannels: [nope]")
    result = CliRunner().invoke(cli, ["check", "--root", str(repo.root), "--now", NOW, "--format", "json"])
    data = json.loads(result.output)
    assert data["errors"] == 1 and data["problems"][0]["line"] == 4


def test_changed_reports_only_files_changed_since_base(repo):
    repo.post("old", "title: Old\npublish_at: 2026-12-01 09:30\nchannels: [nope]")
    repo.commit("base")
    repo.git("checkout", "-qb", "feature")
    new = repo.post("new", "title: New\npublish_at: 2026-12-05 09:30\nchannels: [gone]")
    code, lines = run_check(repo, "--changed", "main")
    assert code == 1 and len(lines) == 1 and lines[0].startswith(f"{new}:4: error: unknown channel \"gone\"")


def test_paths_limit_the_report(repo):
    repo.post("a", "title: A\npublish_at: 2026-12-01 09:30\nchannels: [nope]")
    b = repo.post("b", "title: B\npublish_at: 2026-12-03 09:30\nchannels: [nope]")
    code, lines = run_check(repo, str(repo.root / b))
    assert len(lines) == 1 and lines[0].startswith(b)


def test_a_broken_config_stops_with_exit_2(repo):
    repo.write("socialgit.toml", '[site]\ntimezone = "Mars/Olympus"\n')
    result = CliRunner().invoke(cli, ["check", "--root", str(repo.root)])
    assert result.exit_code == 2
    assert 'socialgit.toml:2: error: site.timezone: "Mars/Olympus" is not an IANA time zone name' in result.output
    assert "Traceback" not in result.output


def test_feedback_files_are_checked_too(repo):
    repo.write("content/feedback/p/mastodon-1.md", "---\nid: mastodon-1\nnetwork: mastodon\nkind: reply\n"
               "post: p\nstatus: finished\n---\nNice!\n")
    repo.write("content/feedback/p/mastodon-2.md", "no front matter\n")
    code, lines = run_check(repo)
    assert code == 1
    assert any(line.startswith("content/feedback/p/mastodon-1.md:6: warning: status \"finished\"") for line in lines)
    assert any(line.startswith("content/feedback/p/mastodon-2.md:1: error: no front matter") for line in lines)


def test_a_reply_post_must_answer_a_feedback_item_that_exists(repo):
    repo.write("content/feedback/ok/mastodon-1.md", "---\nid: mastodon-1\nnetwork: mastodon\nkind: reply\n---\nHi\n")
    repo.post("ok", "title: OK\npublish_at: 2026-12-01 09:30\nchannels: [mastodon]")
    repo.post("thanks", "title: Thanks\npublish_at: 2026-12-01 10:30\nchannels: [mastodon]\nin_reply_to: mastodon-1")
    assert run_check(repo) == (0, [])
    path = repo.post("thanks", "title: Thanks\npublish_at: 2026-12-01 10:30\nchannels: [mastodon]\n"
                     "in_reply_to: mastodon-9")
    code, lines = run_check(repo)
    assert code == 1 and lines == [f'{path}:5: error: in_reply_to "mastodon-9" is not a feedback item under '
                                   "content/feedback/; use the id of the comment it answers"]
