"""Per-network length rules. Every expected number is worked out by hand from the
network's rule (the comment on each row says how), never by calling the code."""

from __future__ import annotations

import pytest

from socialgit.textlimits import (
    DEFAULT_LIMITS,
    NETWORKS,
    Measure,
    bluesky_bytes_ok,
    measure,
    measure_parts,
)

FAMILY = "\U0001F468\u200d\U0001F469\u200d\U0001F467\u200d\U0001F466"  # 4 people + 3 ZWJ = 7 code points
HEART = "\u2764\ufe0f"  # red heart + emoji presentation selector: 2 code points
FLAG_IR = "\U0001F1EE\U0001F1F7"  # two regional indicators
WAVE_TONE = "\U0001F44B\U0001F3FD"  # waving hand + medium skin tone
E_ACUTE = "e\u0301"  # e + combining acute accent
PERSIAN = "سلام دنیا"  # 4 letters, space, 4 letters
PERSIAN_ZWNJ = "می\u200cخواهم"  # mi + ZWNJ + khaham: 7 letters and one ZWNJ
CJK = "日本語のテキスト"  # 8 characters, all above U+10FF
LONG_URL = "https://example.com/p?q=" + "x" * 76  # 24 + 76 = 100 characters
TWO_URLS = "see https://example.com and https://example.org/x?y=1"

# (id, text, network, limit override, expected length, expected fits)
ROWS = [
    # plain ASCII: one character each, everywhere
    ("ascii-m", "Hello, world!", "mastodon", None, 13, True),
    ("ascii-b", "Hello, world!", "bluesky", None, 13, True),
    ("ascii-x", "Hello, world!", "x", None, 13, True),
    ("ascii-n", "Hello, world!", "none", None, 13, True),
    # a 2-code-point emoji is one grapheme; X weighs any emoji sequence 2
    ("heart-m", HEART, "mastodon", None, 1, True),
    ("heart-b", HEART, "bluesky", None, 1, True),
    ("heart-x", HEART, "x", None, 2, True),
    # the ZWJ family is one grapheme cluster; X: one emoji entity, weight 2
    ("family-m", FAMILY, "mastodon", None, 1, True),
    ("family-b", FAMILY, "bluesky", None, 1, True),
    ("family-x", FAMILY, "x", None, 2, True),
    # a regional-indicator pair is one grapheme; X: one emoji, weight 2
    ("flag-b", FLAG_IR, "bluesky", None, 1, True),
    ("flag-x", FLAG_IR, "x", None, 2, True),
    # a skin-tone modifier extends the emoji before it
    ("tone-m", WAVE_TONE, "mastodon", None, 1, True),
    ("tone-x", WAVE_TONE, "x", None, 2, True),
    # e + U+0301 is one grapheme; X normalises to NFC U+00E9 (weight 1)
    ("acute-b", E_ACUTE, "bluesky", None, 1, True),
    ("acute-x", E_ACUTE, "x", None, 1, True),
    ("cafe-m", "caf" + E_ACUTE, "mastodon", None, 4, True),
    # Persian: 9 code points, no combining marks; Arabic block is in X's weight-1 range
    ("fa-m", PERSIAN, "mastodon", None, 9, True),
    ("fa-b", PERSIAN, "bluesky", None, 9, True),
    ("fa-x", PERSIAN, "x", None, 9, True),
    # ZWNJ is Grapheme_Extend, so it joins the letter before it: 7 graphemes;
    # X weighs code points and U+200C is in its weight-1 range 8192-8205: 8
    ("zwnj-m", PERSIAN_ZWNJ, "mastodon", None, 7, True),
    ("zwnj-b", PERSIAN_ZWNJ, "bluesky", None, 7, True),
    ("zwnj-x", PERSIAN_ZWNJ, "x", None, 8, True),
    # CJK: one grapheme each; X weighs code points above U+10FF as 2
    ("cjk-m", CJK, "mastodon", None, 8, True),
    ("cjk-x", CJK, "x", None, 16, True),
    # a long URL with a query string costs 23 on Mastodon and X, all 100 on Bluesky
    ("longurl-m", LONG_URL, "mastodon", None, 23, True),
    ("longurl-x", LONG_URL, "x", None, 23, True),
    ("longurl-b", LONG_URL, "bluesky", None, 100, True),
    # a short URL also costs 23 on Mastodon and X (more than its 11 characters)
    ("shorturl-m", "http://a.co", "mastodon", None, 23, True),
    ("shorturl-x", "http://a.co", "x", None, 23, True),
    ("shorturl-b", "http://a.co", "bluesky", None, 11, True),
    # "see " 4 + 23 + " and " 5 + 23 = 55; Bluesky: 4 + 19 + 5 + 25 = 53
    ("twourls-m", TWO_URLS, "mastodon", None, 55, True),
    ("twourls-x", TWO_URLS, "x", None, 55, True),
    ("twourls-b", TWO_URLS, "bluesky", None, 53, True),
    # a final period is not part of the URL: "Read " 5 + 23 + "." 1
    ("urlperiod-m", "Read https://example.com/post.", "mastodon", None, 29, True),
    # Mastodon only shortens URLs written with a scheme; X also counts a bare domain as 23
    ("baredomain-m", "example.com", "mastodon", None, 11, True),
    ("baredomain-x", "example.com", "x", None, 23, True),
    # @user@domain counts as @user on Mastodon only
    ("mention-m", "@user@domain.social", "mastodon", None, 5, True),
    ("mention-b", "@user@domain.social", "bluesky", None, 19, True),
    ("mention-x", "@user@domain.social", "x", None, 19, True),
    ("localmention-m", "hi @user", "mastodon", None, 8, True),
    # an address is not a mention (a word character before the @): 17 as written
    ("email-m", "alice@example.com", "mastodon", None, 17, True),
    # '@' inside a URL path is part of the URL: the whole thing costs 23
    ("profileurl-m", "https://mastodon.social/@alice", "mastodon", None, 23, True),
    # hashtags are ordinary text everywhere: 13 characters
    ("tags-m", "#sale #winter", "mastodon", None, 13, True),
    ("tags-x", "#sale #winter", "x", None, 13, True),
    # exactly at the default limit fits; one more is 1 over
    ("at-m", "a" * 500, "mastodon", None, 500, True),
    ("over-m", "a" * 501, "mastodon", None, 501, False),
    ("at-b", "a" * 300, "bluesky", None, 300, True),
    ("over-b", "a" * 301, "bluesky", None, 301, False),
    ("at-x", "a" * 280, "x", None, 280, True),
    ("over-x", "a" * 281, "x", None, 281, False),
    # 140 CJK weigh 280 (at the limit); 141 weigh 282
    ("cjkat-x", "日" * 140, "x", None, 280, True),
    ("cjkover-x", "日" * 141, "x", None, 282, False),
    # 476 letters + space + a URL (23) = 500: at Mastodon's limit
    ("urlat-m", "a" * 476 + " https://example.com/" + "p" * 200, "mastodon", None, 500, True),
    # limit overrides: an instance allowing 1000; an X account allowing 25000
    ("override-m", "a" * 501, "mastodon", 1000, 501, True),
    ("override-x", "a" * 1000, "x", 25000, 1000, True),
    ("override-b", "a" * 100, "bluesky", 50, 100, False),
    # no network: no limit at all, length in graphemes
    ("none-long", "a" * 5000 + FAMILY, "none", None, 5001, True),
]


@pytest.mark.parametrize(
    "text, network, limit, expected_length, expected_fits",
    [row[1:] for row in ROWS],
    ids=[row[0] for row in ROWS],
)
def test_length_table(text, network, limit, expected_length, expected_fits):
    result = measure(text, network, limit)
    assert result.length == expected_length
    assert result.fits is expected_fits


def test_default_limits_and_units():
    assert NETWORKS == ("mastodon", "bluesky", "x", "none")
    assert DEFAULT_LIMITS == {"mastodon": 500, "bluesky": 300, "x": 280, "none": None}
    assert measure("a", "mastodon").unit == "characters"
    assert measure("a", "bluesky").unit == "graphemes"
    assert measure("a", "x").unit == "weighted characters"
    assert measure("a", "none") == Measure(length=1, limit=None, unit="graphemes")


def test_bluesky_byte_limit_within_graphemes():
    # each family emoji is 4 x 4-byte people + 3 x 3-byte ZWJ = 25 UTF-8 bytes
    at_bytes = FAMILY * 120  # 120 graphemes, 3000 bytes: fits exactly
    over_bytes = FAMILY * 121  # 121 graphemes, 3025 bytes: within 300 graphemes, over 3000 bytes
    assert measure(at_bytes, "bluesky").fits
    assert bluesky_bytes_ok(at_bytes)
    result = measure(over_bytes, "bluesky")
    assert result.length == 121 and result.over == 0
    assert not result.fits
    assert "3025" in result.problem and "3000" in result.problem
    assert not bluesky_bytes_ok(over_bytes)


def test_over_is_zero_without_limit_or_within_it():
    assert Measure(10, None, "graphemes").over == 0
    assert Measure(10, 10, "characters").over == 0
    assert Measure(13, 10, "characters").over == 3


def test_mastodon_url_length_follows_the_instance():
    # an instance reserving 30 characters per URL
    assert measure("https://a.co", "mastodon", url_length=30).length == 30


def test_mastodon_counts_the_content_warning():
    # 490 letters + "Spoilers ahead" (14) = 504: 4 over
    result = measure("a" * 490, "mastodon", spoiler_text="Spoilers ahead")
    assert (result.length, result.over, result.fits) == (504, 4, False)


def test_mastodon_mention_followed_by_accent_is_not_shortened():
    # twitter-text's end-of-mention rule: "@josé" is not a mention of "jos"
    assert measure("@josé@example.social", "mastodon").length == 20


def test_x_refuses_invalid_characters():
    result = measure("hello\ufeff", "x")
    assert not result.fits
    assert "U+FEFF" in result.problem


def test_measure_parts_checks_each_part_alone():
    parts = ["a" * 300, "b" * 301]
    results = measure_parts(parts, "bluesky")
    assert [r.fits for r in results] == [True, False]
    assert results[1].over == 1
    assert [r.fits for r in measure_parts(parts, "bluesky", limit=400)] == [True, True]


def test_describe_is_one_readable_line():
    assert measure("a" * 501, "mastodon").describe() == "501/500 characters (1 over)"
    assert measure("abc", "none").describe() == "3 graphemes"


def test_unknown_network_names_the_allowed_ones():
    with pytest.raises(ValueError, match="mastodon, bluesky, x, none"):
        measure("hi", "myspace")


def test_nonpositive_limit_is_rejected():
    with pytest.raises(ValueError, match="positive"):
        measure("hi", "mastodon", 0)


# Rows from twitter-text conformance/tests/validate.yml,
# WeightedTweetsWithDiscountedEmojiCounterTest (v3 config), expected values as published.
_K = "あいうえおかきくけこ"
CONFORMANCE = [
    ("Hi http://test.co", 26),
    ("285 chars-" + "xxxxxxxxxx-" * 25, 285),
    ("285 chars- http://www.twitter.com/jack " + "xxxxxxxxxx-" * 24, 299),
    ("https://www.twitter.com/aloha " * 10, 240),
    ("the" + "故" * 160, 323),
    ("\U0001F637" * 160, 320),
    ("H\U0001F431\u263a" + FAMILY, 7),
    ("\U0001F64B\U0001F3FD\U0001F468\u200d\U0001F3A4", 4),
    (FAMILY * 140, 280),
    ("randomurl" * 7 + "s.com", 68),  # a 64-character label is no domain
    (_K * 12 + " http://" + _K * 5 + "あいう.com", 358),  # host too long once punycoded
    (_K * 12 + " http://" + _K * 5 + "あい.com", 264),
    ("ABC\u202a\uffffABC\ufffe", 12),
]


@pytest.mark.parametrize("text, expected", CONFORMANCE)
def test_x_matches_twitter_text_conformance(text, expected):
    assert measure(text, "x", limit=100000).length == expected


@pytest.mark.parametrize("text", [
    "Plain sentence. Another one! And a third?", "Café crème, naïve résumé", "e\u0301 combining",
    "Tabs\tand\nnewlines", "A price: 4.50 and 12.5%", "end.Start", "a.b", "see example.com now",
    "https://x.co", "© 2026 Juniper", "® mark", "#hashtag @mention", "x" * 300, "",
    "Two links https://example.com/a?b=c and www.juniper.coffee/menu.", "line\r\nbreak",
    "Read more: https://example.org/a_b/(c) — thanks", "mail me at a@b.io",
    "شب شعر فارسی در کافه، جمعه ساعت ۱۹", "کلاس لاته آرت https://juniper.example/class #LatteArt",
    "日本語のテキスト", "Coffee ☕ time 🎉", "‼ loud", "1️⃣ first", "Привет, мир. example.рф",
])
def test_the_fast_x_path_agrees_with_twitter_text(text):
    from twitter_text import parse_tweet
    from twitter_text.config import config
    from socialgit.textlimits import _x_weighted_length

    expected = parse_tweet(text, dict(config["defaults"], transformed_url_length=23)).weightedLength
    assert _x_weighted_length(text, 23) == expected
