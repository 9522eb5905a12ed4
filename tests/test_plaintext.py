"""Markdown body -> the exact plain text a network receives, and its hash."""

from __future__ import annotations

import hashlib

import pytest

from socialgit.plaintext import network_parts, payload_hash, split_thread, to_network_text

CASES = [
    # emphasis, strong and code keep only their text
    ("emphasis", "**Big** news, *really* and _truly_: `v2.0`", "Big news, really and truly: v2.0"),
    # an inline link becomes "text URL"
    ("inline-link", "Read [the post](https://example.com/post) now", "Read the post https://example.com/post now"),
    # an autolink, and a link whose text is its URL, become just the URL
    ("autolink", "See <https://example.com/a>", "See https://example.com/a"),
    ("url-as-text", "[https://example.com](https://example.com)", "https://example.com"),
    # a reference link resolves to its definition, which itself disappears
    ("reference", "Read [the docs][d].\n\n[d]: https://docs.example/x_y_z", "Read the docs https://docs.example/x_y_z."),
    # an email autolink is the address, not mailto:
    ("mail", "Write <team@example.com>", "Write team@example.com"),
    # links to site-relative paths keep only their text
    ("relative", "[our archive](/archive) has more", "our archive has more"),
    # an image inside a link leaves only the link's URL
    ("image-link", "[![logo](logo.png)](https://example.com)", "https://example.com"),
    # images are dropped: media travel separately
    ("image", "Look ![a snowy street](media/winter.png) here", "Look here"),
    # unordered items become "- " lines, ordered ones keep their numbers
    ("list", "Deals:\n\n* coats\n* boots\n\n1. first\n2. second", "Deals:\n\n- coats\n- boots\n\n1. first\n2. second"),
    ("ordered-start", "3. three\n4. four", "3. three\n4. four"),
    ("nested", "- a\n    - b", "- a\n  - b"),
    # a heading is its own paragraph
    ("heading", "## Winter sale\n\nStarts now.", "Winter sale\n\nStarts now."),
    # a code block keeps its text and its line breaks
    ("fenced", "```\nx = *1*\n\ny = 2\n```", "x = *1*\n\ny = 2"),
    # entities are unescaped; raw HTML tags go, their text stays; scripts go entirely
    ("entities", "Tom &amp; Jerry &copy; 5 < 6", "Tom & Jerry © 5 < 6"),
    ("raw-html", "<span class='x'>kept</span> <script>gone()</script>text", "kept text"),
    # paragraphs are separated by one blank line however many the source has
    ("paragraphs", "One.\n\n\n\nTwo.", "One.\n\nTwo."),
    # the author's line breaks stay; a hard break too; trailing spaces go
    ("line-breaks", "Line one\nLine two  \nLine three", "Line one\nLine two\nLine three"),
    # Persian (RTL, with a ZWNJ) and emoji pass through untouched
    ("persian", "سلام **دنیا** 🎉 می\u200cخواهم 👨\u200d👩\u200d👧", "سلام دنیا 🎉 می\u200cخواهم 👨\u200d👩\u200d👧"),
    # bare URLs, mentions and hashtags are literal: no emphasis from _ or * inside them
    ("bare-url", "Get https://example.com/__init__?a_b=*c* now.", "Get https://example.com/__init__?a_b=*c* now."),
    ("mentions", "Thanks @_jane_ and @bob@example.social!", "Thanks @_jane_ and @bob@example.social!"),
    # a hashtag at the start of a line is not a heading
    ("hashtag-line", "Sale today\n#sale #winter_deals", "Sale today\n#sale #winter_deals"),
]


@pytest.mark.parametrize("markdown_text, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_to_network_text(markdown_text, expected):
    assert to_network_text(markdown_text) == expected


def test_rendering_is_the_same_on_every_call():
    # one shared Markdown instance: state from one post (references, footnotes)
    # must not leak into the next
    first = to_network_text("[a][r]\n\n[r]: https://r.example")
    assert to_network_text("[a][r]") == "[a][r]"
    assert to_network_text("[a][r]\n\n[r]: https://r.example") == first


def test_crlf_source_gives_the_same_text():
    assert to_network_text("One\r\ntwo\r\n\r\nThree") == to_network_text("One\ntwo\n\nThree")


def test_split_thread_into_three_parts():
    body = "First part.\n---8<---\n  Second part.  \n\n   ---8<---   \nThird part.\n"
    assert split_thread(body) == ["First part.", "Second part.", "Third part."]


def test_split_thread_drops_empty_parts_and_ignores_inline_marks():
    body = "---8<---\nOnly ---8<--- inline\n---8<---\n\n---8<---"
    assert split_thread(body) == ["Only ---8<--- inline"]


def test_network_parts_renders_each_part_of_the_body():
    body = "**One** [link](https://a.example)\n---8<---\n- two\n- items\n---8<---\n#three"
    assert network_parts(body) == ["One link https://a.example", "- two\n- items", "#three"]


def test_variant_replaces_the_body_and_is_not_rendered():
    body = "**Body** text"
    variant = "Plain *stars* stay\n---8<---\n  second  \n"
    assert network_parts(body, variant) == ["Plain *stars* stay", "second"]


def test_variant_single_part():
    assert network_parts("ignored", "Shorter text for Bluesky.") == ["Shorter text for Bluesky."]


def test_empty_body_has_no_parts():
    assert network_parts("   \n") == []
    assert network_parts("![only an image](a.png)") == []


PARTS = ["Winter sale opens 🎉", "حراج زمستانی"]
MEDIA = [("media/winter.png", "Snowy storefront")]


def test_payload_hash_is_pinned():
    # sha256 of the canonical JSON, written out by hand:
    # {"media":[["media/winter.png","Snowy storefront"]],"parts":["Winter sale opens 🎉","حراج زمستانی"]}
    expected = "sha256:e8c83541c96df97f37de940613a47f12c42e825c4621387957514f0b781736d8"
    assert payload_hash(PARTS, MEDIA) == expected
    canonical = '{"media":[["media/winter.png","Snowy storefront"]],"parts":["Winter sale opens 🎉","حراج زمستانی"]}'
    assert expected == "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def test_payload_hash_changes_with_text_alt_or_order():
    base = payload_hash(PARTS, MEDIA)
    assert payload_hash(["Winter sale opens 🎉!", PARTS[1]], MEDIA) != base
    assert payload_hash(PARTS, [("media/winter.png", "Snowy shop front")]) != base
    assert payload_hash(list(reversed(PARTS)), MEDIA) != base
    assert payload_hash(PARTS) != base
    assert payload_hash(PARTS, tuple(MEDIA)) == base  # the container type does not matter
