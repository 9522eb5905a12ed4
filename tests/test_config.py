from datetime import timedelta
from pathlib import Path

import pytest

from socialgit.config import parse_config, parse_duration
from socialgit.problems import UserError
from socialgit.config import load_config


def problems_of(text: str) -> list[str]:
    return [str(p) for p in parse_config(text, Path("."))[1]]


def test_defaults_for_everything_optional():
    config, problems = parse_config("[channels.local]\ntype = \"outbox\"\n", Path("."))
    assert problems == []
    assert config.timezone.key == "UTC"
    assert config.week_start == "monday"
    assert config.grace == timedelta(hours=6)
    assert config.channels["local"].network == "none"
    assert config.channels["local"].options == {"path": "outbox"}
    assert config.channels["local"].label == "local"


def test_every_problem_is_reported_at_once_with_its_line():
    text = (
        '[site]\n'
        'timezone = "Europe/Berln"\n'
        'weekstart = "monday"\n'
        '[channels.m]\n'
        'type = "mastodon"\n'
        'instance = "https://m.example"\n'
        '[channels.t]\n'
        'type = "telegram"\n'
    )
    assert problems_of(text) == [
        'socialgit.toml:2: error: site.timezone: "Europe/Berln" is not an IANA time zone name '
        '(like Europe/Berlin or Asia/Tehran)',
        'socialgit.toml:3: warning: site.weekstart is not a known option (did you mean "week_start"?); '
        'known options: base_url, calendar, locale, timezone, title, week_start',
        'socialgit.toml:4: error: channels.m.token_env is required for a mastodon channel',
        'socialgit.toml:8: error: channels.t.type: "telegram" is not allowed; use one of: outbox, mastodon, '
        'bluesky, webhook',
    ]


def test_wrong_types_name_the_key_and_what_is_allowed():
    text = '[channels.m]\ntype = "outbox"\nmax_per_day = "two"\nmin_gap = "soon"\ncolor = "blue"\n'
    assert problems_of(text) == [
        "socialgit.toml:3: error: channels.m.max_per_day: must be a whole number, 0 or more",
        'socialgit.toml:4: error: channels.m.min_gap: "soon" is not a duration; write it like 45m, 6h, 2d or 1h30m',
        'socialgit.toml:5: error: channels.m.color: "blue" is not a colour like #1185fe',
    ]


def test_a_secret_pasted_instead_of_a_variable_name_is_refused_without_echoing_it_elsewhere():
    text = '[channels.m]\ntype = "mastodon"\ninstance = "https://m.example"\ntoken_env = "abc-123 secret"\n'
    [problem] = problems_of(text)
    assert "is not an environment variable name" in problem and "never the secret itself" in problem


def test_invalid_toml_is_one_line_with_its_line_number():
    [problem] = problems_of('[site]\ntitle = "unclosed\n')
    assert problem.startswith("socialgit.toml:2: error: not valid TOML")


def test_unknown_section_gets_a_did_you_mean():
    [problem] = problems_of('[chanels.m]\ntype = "outbox"\n[channels.n]\ntype = "outbox"\n')
    assert problem.startswith('socialgit.toml:1: warning: [chanels] is not a known section (did you mean "channels"?)')


@pytest.mark.parametrize("text,expected", [
    ("90s", timedelta(seconds=90)), ("45m", timedelta(minutes=45)), ("6h", timedelta(hours=6)),
    ("2d", timedelta(days=2)), ("1w", timedelta(weeks=1)), ("1h30m", timedelta(minutes=90)),
])
def test_durations(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "6", "six hours", "6x", "h6"])
def test_bad_durations(text):
    with pytest.raises(ValueError):
        parse_duration(text)


def test_missing_config_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="socialgit.toml: not found"):
        load_config(tmp_path)


def test_feedback_rules_default_and_their_problems_point_at_lines():
    from socialgit import routing

    config, problems = parse_config('[channels.o]\ntype = "outbox"\n', Path("."))
    assert config.feedback_rules == routing.DEFAULT_RULES and not config.hide_handles
    text = ('[channels.o]\ntype = "outbox"\n[feedback]\nhide_handles = true\n'
            '[[feedback.rules]]\nsentiment = "angry"\nassignee = "team:support"\n')
    config, problems = parse_config(text, Path("."))
    assert config.hide_handles is True
    assert [p.line for p in problems] == [6] and "sentiment" in problems[0].message
    config, problems = parse_config('[channels.o]\ntype = "outbox"\n[feedback]\nrules = []\n', Path("."))
    assert problems == [] and config.feedback_rules == ()
