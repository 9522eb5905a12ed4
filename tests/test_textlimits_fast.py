"""The fast paths of textlimits give exactly what the plain algorithms give.

Mastodon's URL pattern is scanned only over the whitespace-free runs that hold
"://", and grapheme clusters are counted without the \\X pattern in text with no
character a cluster rule joins (all of it below U+0300, or Persian, emoji, ...).
Both are shortcuts, so each is compared with the plain algorithm over texts
built to stress the edges: URLs glued to punctuation, brackets, Unicode spaces
(which a query may hold), several schemes in one run, bare domains before a
scheme, mentions, t.co links, and text right up to each end.
"""

from __future__ import annotations

import random
import subprocess
import sys

import regex

from socialgit import mastodon_count, textlimits
from socialgit.mastodon_count import url_re
from socialgit.textlimits import graphemes

TOKENS = [
    "https://", "http://", "gemini://", "HTTPS://", "ftp://", "://", "example.com", "exa_mple.org", "t.co/",
    "t.co/abc123", "xn--p1ai", "a.b", "sub.example.co.uk", "/path", "/p(a)th", "(", ")", "((", "?", "?q=1",
    "&x=2", "#frag", "!", ".", ",", ";", ":", "'", '"', "*", "@", "@user", "@user@example.social", "#tag",
    "x", "word", "é", "ñ", "日本", "سلام", "\u00a0", "\u2003", "\u3000", "\u200b", "\u202e", "\ufeff", " ", "  ",
    "\n", "\n\n", "\t", "\r\n", "/", ":8080", "www.", "[", "]", "<", ">", "$", "%20", "-", "_", "~", "|",
    "\U0001F600", "1", "2026",
]


def reference_urls(text: str) -> list[tuple[int, int, None]]:
    """The plain algorithm: the pattern over the whole text, as Mastodon runs it (the same filter after it)."""
    return mastodon_count.counted_urls(url_re().finditer(text))


def texts(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(TOKENS) for _ in range(rng.randint(1, 30))) for _ in range(count)]


FIXED = [
    "", "://", "https://example.com", " https://example.com ", "see https://example.com/x.",
    "(https://example.com/a_(b))", "foo.com/https://bar.com", "https://a.co?x=1\u00a0y https://b.co",
    "@alice https://mastodon.social/@alice and @bob@example.social", "https://t.co/" + "a" * 41,
    "x\nhttps://example.com\n", "https://example.com\thttps://example.org\rhttps://example.net",
    "text https://example.com/" + "p" * 5000, "https://example.com" * 3, "gemini://example.com/a b",
]


def test_mastodon_urls_match_the_whole_text_scan():
    for text in FIXED + texts(4000, seed=3):
        assert mastodon_count.urls(text) == reference_urls(text), repr(text)


def test_mastodon_length_of_real_looking_posts():
    rng = random.Random(7)
    words = ["coffee", "https://example.org/p/474", "(https://example.org/a)", "@team@example.social",
             "#قهوه", "**bold**", "www.example.com", "http://example.com/q?x=1&y=2.", "\n", "\n\n", "-"]
    for _ in range(300):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(20, 200)))
        entities = mastodon_count.remove_overlapping(reference_urls(text) + mastodon_count.mentions(text))
        out, index = [], 0
        for start, end, replacement in entities:
            out += [text[index:start], replacement if replacement is not None else "x" * 23]
            index = end
        expected = len(regex.findall(r"\X", "".join(out) + text[index:]))
        assert textlimits.mastodon_length(text) == expected


def test_graphemes_match_the_cluster_pattern():
    rng = random.Random(11)
    low = [chr(c) for c in range(0x300)] + ["\r\n"] * 20
    high = ["e\u0301", "\u0301", "\u200d", "\u200c", "\U0001F1EE\U0001F1F7", "\U0001F44B\U0001F3FD", "\u0915\u094d",
            "\u2764\ufe0f", "سلام", "\u1100\u1161"]
    samples = ["", "\r\n", "\r\r\n\n", "a\r\n\u0301"]
    samples += ["".join(rng.choice(low) for _ in range(rng.randint(1, 60))) for _ in range(2000)]
    samples += ["".join(rng.choice(low + high) for _ in range(rng.randint(1, 60))) for _ in range(2000)]
    for text in samples:
        assert graphemes(text) == len(regex.findall(r"\X", text)), repr(text)


def test_graphemes_of_text_with_no_joining_character_match_the_cluster_pattern():
    """Above U+0300, text without marks, ZWJ, jamo or regional indicators is counted by its length."""
    rng = random.Random(12)
    alone = list("سلام قهوه €—“”…→✓") + ["\U0001F389", "\u2764", "\uac00", "\uac01", "\u00a9", "\r\n", "\u0661", "a"]
    joining = ["\u0301", "\u200d", "\u200c", "\u064e", "\U0001F3FB", "\U0001F1E9", "\u1100", "\u1161", "\u11a8",
               "\u094d", "\u093f", "\u0600", "\u0e33", "\ufe0f", "\U000E0067"]
    counted = 0
    for _ in range(4000):
        text = "".join(rng.choice(alone) for _ in range(rng.randint(1, 40)))
        if rng.random() < 0.5:  # and one character that joins, anywhere
            at = rng.randint(0, len(text))
            text = text[:at] + rng.choice(joining) + text[at:]
        counted += not textlimits._JOINING.search(text)
        assert graphemes(text) == len(regex.findall(r"\X", text)), repr(text)
    assert counted > 1000  # the shortcut was taken


def test_links_are_measured_without_loading_all_of_twitter_text():
    # parse_tweet's emoji tables cost ~0.3 s at import; a Latin text with links needs only the URL rules,
    # and the whole package still loads as usual afterwards, with the same answers
    script = """
import sys
from socialgit import textlimits
light = [textlimits.measure("see https://example.org/x and example.com", n).length for n in ("x", "mastodon")]
assert "twitter_text.parse_tweet" not in sys.modules, sorted(m for m in sys.modules if m.startswith("twitter_text"))
import twitter_text
from twitter_text.config import config
whole = twitter_text.parse_tweet("see https://example.org/x and example.com", config["defaults"]).weightedLength
print(*light, whole, textlimits.measure("see https://example.org/x 😀", "x").length)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    # X: 4 + 23 + 5 + 23 (a bare domain is a link); Mastodon counts links with a scheme only; an emoji weighs 2
    assert done.stdout.split() == ["55", "43", "55", "30"], done.stdout
