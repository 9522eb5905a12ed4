"""Routing rules: parsing them from socialgit.toml and applying them to a new item."""

from __future__ import annotations

import tomllib

import pytest

from socialgit.routing import DEFAULT_RULES, Rule, annotator, describe, matching, parse_rules, route


def item(**overrides):
    fields = {"id": "mastodon-1", "network": "mastodon", "kind": "reply", "lang": "en",
              "intent": {"value": "neutral", "score": 0.0, "source": "vader-3.3.2"},
              "sentiment": {"value": "neutral", "score": 0.0, "source": "vader-3.3.2"},
              "status": "new", "assignee": None, "labels": [], "priority": "normal",
              "author": {"name": "Ali", "handle": "@ali@toot.example", "url": "https://toot.example/@ali"}}
    fields.update(overrides)
    return fields


def judged(value, sentiment=None):
    return {"intent": {"value": value, "source": "rule"},
            "sentiment": {"value": sentiment or ("neutral" if value == "question" else value), "source": "vader"}}


def test_defaults_send_complaints_to_support_at_high_priority():
    assert route(DEFAULT_RULES, item(**judged("negative"))) == {
        "assignee": "team:support", "priority": "high", "status": "triaged"}


def test_defaults_label_praise_amplify_and_questions_question():
    assert route(DEFAULT_RULES, item(**judged("positive"))) == {"labels": ["amplify"]}
    assert route(DEFAULT_RULES, item(**judged("question"))) == {"labels": ["question"]}
    assert route(DEFAULT_RULES, item(**judged("neutral"))) == {}


def test_an_angry_question_goes_to_support_and_is_labelled_a_question():
    changes = route(DEFAULT_RULES, item(**judged("question", "negative")))
    assert changes == {"labels": ["question"], "assignee": "team:support", "priority": "high", "status": "triaged"}


def test_a_friendly_question_is_not_amplified():
    assert route(DEFAULT_RULES, item(**judged("question", "positive"))) == {"labels": ["question"]}


def test_the_first_matching_rule_wins_each_field_and_labels_add_up():
    rules = (Rule(name="vip", author=("vip@toot.example",), assignee="sara", labels=("vip",)),
             Rule(name="complaints", sentiment=("negative",), assignee="team:support", priority="high",
                  labels=("complaint",)))
    changes = route(rules, item(author={"handle": "@VIP@toot.example"}, **judged("negative")))
    assert changes == {"labels": ["vip", "complaint"], "assignee": "sara", "priority": "high"}


def test_stop_ends_the_list():
    rules = (Rule(keywords=("refund",), labels=("billing",), stop=True), Rule(labels=("everything",)))
    assert route(rules, item(), "Where is my refund") == {"labels": ["billing"]}
    assert route(rules, item(), "Lovely beans") == {"labels": ["everything"]}


def test_spam_is_ignored_whatever_an_earlier_rule_decided():
    rules = (Rule(sentiment=("negative",), assignee="team:support", priority="high"),
             Rule(keywords=("crypto", "followers*"), labels=("spam",), ignore=True),
             Rule(labels=("never",)))
    changes = route(rules, item(**judged("negative")), "Get 10k FOLLOWERS fast, awful deal")
    assert changes == {"labels": ["spam"], "status": "ignored"}


def test_keywords_are_whole_words_case_insensitive_with_stems_and_persian_spellings():
    rule = (Rule(keywords=("refund*", "قهوه", "می‌خوام"), labels=("hit",)),)
    assert route(rule, item(), "REFUNDS please") == {"labels": ["hit"]}
    assert route(rule, item(), "nonrefundable") == {}
    assert route(rule, item(), "قهوه\u200cتون سرد بود") == {"labels": ["hit"]}  # before a suffix
    assert route(rule, item(), "میخوام سفارش بدم") == {"labels": ["hit"]}  # typed without ZWNJ
    assert route(rule, item(), "قهوهخونه") == {}
    assert route(rule, item(), "قهوه عالی بود".replace("ه", "ة", 1)) == {"labels": ["hit"]}  # Arabic keyboard


def test_conditions_on_language_network_kind_and_author():
    rule = (Rule(lang=("fa",), network=("mastodon",), kind=("mention",), labels=("fa-mention",)),)
    assert route(rule, item(lang="fa-IR", kind="mention")) == {"labels": ["fa-mention"]}
    assert route(rule, item(lang="fa", kind="reply")) == {}
    assert route(rule, item(lang="fr", kind="mention")) == {}
    assert route(rule, item(lang="fa", kind="mention", network="bluesky")) == {}


def test_rules_never_override_a_person():
    triaged = item(assignee="leila", priority="low", status="waiting", labels=["vip"], **judged("negative"))
    assert route(DEFAULT_RULES, triaged) == {}
    keeps = route((Rule(labels=("complaint",)),), triaged)
    assert keeps == {"labels": ["vip", "complaint"]}


def test_a_hand_typed_judgement_is_read_as_its_value():
    assert route(DEFAULT_RULES, item(intent="positive", sentiment="positive")) == {"labels": ["amplify"]}


def test_matching_and_describe_explain_a_decision():
    found = matching(DEFAULT_RULES, item(**judged("negative")))
    assert [r.name for r in found] == ["complaints to support"]
    assert describe(found[0]) == ("complaints to support: sentiment negative → assignee team:support, "
                                  "priority high, status triaged")


def test_annotator_classifies_then_routes_a_new_item():
    annotate = annotator(DEFAULT_RULES)
    fresh = item(intent=None, sentiment=None)
    changes = annotate(fresh, "Your app keeps crashing and ate my stamps")
    assert changes["sentiment"]["value"] == "negative" and changes["sentiment"]["source"] == "vader-3.3.2"
    assert changes["assignee"] == "team:support" and changes["status"] == "triaged"
    persian = annotate(item(intent=None, sentiment=None, lang="fa"), "آیا به مونترال ارسال دارید")
    assert persian["intent"]["value"] == "question" and persian["labels"] == ["question"]


TOML = """\
[feedback]

[[feedback.rules]]
name = "spam"
keywords = ["crypto", "followers*"]
ignore = true

[[feedback.rules]]
name = "complaints"
sentiment = "negative"
assignee = "team:support"
priority = "high"
status = "triaged"
"""


def test_parse_rules_reads_the_toml_shape():
    text = TOML
    rules, problems = parse_rules(tomllib.loads(text)["feedback"]["rules"], text=text)
    assert problems == []
    assert rules == (Rule(name="spam", keywords=("crypto", "followers*"), ignore=True),
                     Rule(name="complaints", sentiment=("negative",), assignee="team:support", priority="high",
                          status="triaged"))


def test_no_table_means_the_defaults_and_an_empty_list_means_none():
    assert parse_rules(None) == (DEFAULT_RULES, [])
    assert parse_rules([]) == ((), [])


@pytest.mark.parametrize("line, message", [
    ('sentiment = "angry"', 'feedback.rules[2].sentiment: "angry" is not allowed; use one of: positive, negative, '
                            'neutral'),
    ('priority = "asap"', 'feedback.rules[2].priority: "asap" is not allowed; use one of: low, normal, high, urgent'),
    ('status = "closed"', 'feedback.rules[2].status: "closed" is not allowed; use one of: new, triaged, waiting, '
                          'done, ignored'),
    ("keywords = 3", 'feedback.rules[2].keywords must be text or a list of texts, like ["a", "b"]'),
    ('ignore = "yes"', "feedback.rules[2].ignore must be true or false"),
    ('intent = ["question", "angry"]', 'feedback.rules[2].intent: "angry" is not allowed; use one of: positive, '
                                       'negative, question, neutral'),
])
def test_a_bad_value_is_an_error_naming_the_key_its_line_and_what_is_allowed(line, message):
    spam_only = TOML.split("[[feedback.rules]]\nname = \"complaints\"")[0]
    text = spam_only + '[[feedback.rules]]\nlabels = ["x"]\n' + line + "\n"
    rules, problems = parse_rules(tomllib.loads(text)["feedback"]["rules"], text=text)
    assert [str(p) for p in problems] == [f"socialgit.toml:{text.count(chr(10))}: error: {message}"]
    assert [r.name for r in rules] == ["spam"]  # the broken rule is left out, the others kept


def test_an_unknown_key_is_a_warning_with_a_suggestion_and_a_rule_without_action_is_flagged():
    text = '[[feedback.rules]]\nsentimnet = "negative"\n'
    rules, problems = parse_rules(tomllib.loads(text)["feedback"]["rules"], text=text)
    assert [str(p) for p in problems] == [
        'socialgit.toml:2: warning: feedback.rules[1].sentimnet is not a known option (did you mean "sentiment"?); '
        "conditions: keywords, lang, intent, sentiment, network, kind, author; "
        "actions: labels, assignee, priority, status, ignore, stop",
        "socialgit.toml:1: warning: feedback.rules[1] has no action, so it changes nothing; give it one of: "
        "labels, assignee, priority, status, ignore",
    ]
    assert rules == (Rule(),)


def test_rules_must_be_an_array_of_tables():
    assert parse_rules({"sentiment": "negative"})[1][0].message.startswith("feedback.rules must be an array")
    assert "must be a table" in parse_rules(["negative"])[1][0].message
