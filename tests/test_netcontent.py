"""Network HTML and strangers' text → safe plain text; ids → safe file names."""

from __future__ import annotations

import pytest

from socialgit.netcontent import (MAX_BODY, clean_line, clean_text, expand_links, html_to_text, limit_body, safe_id,
                                  safe_lang, safe_url)

# What Mastodon itself renders (see tests/fakes/mastodon_server.py and the API docs' examples)
MASTODON = ('<p>Thanks <span class="h-card" translate="no"><a href="https://mastodon.example/@cafe" '
            'class="u-url mention">@<span>cafe</span></a></span>! Menu: '
            '<a href="https://example.org/menu/winter-2026/drinks-and-pastries" target="_blank" '
            'rel="nofollow noopener" translate="no"><span class="invisible">https://</span>'
            '<span class="ellipsis">example.org/menu/winter-2026/dr</span><span class="invisible">'
            'inks-and-pastries</span></a> <a href="https://mastodon.example/tags/coffee" '
            'class="mention hashtag" rel="tag">#<span>coffee</span></a></p><p>Line one<br />line two &amp; '
            '&lt;three&gt;</p>')


def test_mastodon_html_becomes_paragraphs_with_full_links_mentions_and_tags():
    assert html_to_text(MASTODON) == (
        "Thanks @cafe! Menu: https://example.org/menu/winter-2026/drinks-and-pastries #coffee\n\n"
        "Line one\nline two & <three>")


@pytest.mark.parametrize("html, text", [
    ('<p>hi<script>alert("x")</script> there</p>', "hi there"),
    ("<style>p{color:red}</style><p>styled</p>", "styled"),
    ('<a href="javascript:alert(1)">click me</a>', "click me"),
    ('<a href="data:text/html,boom">data</a>', "data"),
    ('<a href="https://evil.example/x">https://bank.example</a>', "https://bank.example (https://evil.example/x)"),
    ('<a href="https://example.org/a">read more</a>', "read more (https://example.org/a)"),
    ('<a href="https://example.org/long/path">example.org/long/pa…</a>', "https://example.org/long/path"),
    ('<p>unclosed <a href="https://example.org">link', "unclosed link (https://example.org)"),
    ("<ul><li>one</li><li>two</li></ul>", "- one\n- two"),
    ("<p>a</p>\n\n\n<p></p><p>b</p>", "a\n\nb"),
    ("<img src=x onerror=alert(1)>only text", "only text"),
    ("plain &#x202E;text&#8206; <b>bold</b>", "plain text\u200e bold"),
    ("", ""),
    (None, ""),
])
def test_html_never_keeps_markup_or_non_web_links(html, text):
    assert html_to_text(html) == text


def test_clean_text_drops_bidi_overrides_controls_and_surrogates_but_keeps_persian_joiners():
    persian = "می\u200cخواهم"  # ZWNJ is part of Persian spelling
    assert clean_text(f"a\u202eb\u2066c\u2069\x00d\x1be\ud800f\r\ng {persian}") == f"abcdef\ng {persian}"
    assert clean_text("👩\u200d💻") == "👩\u200d💻"
    assert clean_text(42) == ""


def test_clean_line_is_one_line_and_short():
    assert clean_line("Ali\n\u202eRezaei  \t ☕") == "Ali Rezaei ☕"
    assert len(clean_line("x" * 500)) == 200


@pytest.mark.parametrize("raw, expected", [
    ("113512345678901234", "113512345678901234"),
    (113512345678901234, "113512345678901234"),
    ("3mzojgz3em2ag", "3mzojgz3em2ag"),
    ("01HX3Z6V2ABCDEF", "01HX3Z6V2ABCDEF"),
    ("../../etc/passwd", None),
    ("a/b", None),
    ("a\\b", None),
    ("..", None),
    (".hidden", None),
    ("-rf", None),
    ("", None),
    ("a\nb", None),
    ("a\x00", None),
    ("c:evil", None),
    ("x" * 129, None),
    (None, None),
    (True, None),
])
def test_safe_id_allows_only_plain_file_names(raw, expected):
    assert safe_id(raw) == expected


@pytest.mark.parametrize("url, expected", [
    ("https://example.org/@ali", "https://example.org/@ali"),
    ("http://127.0.0.1:8080/x", "http://127.0.0.1:8080/x"),
    ("javascript:alert(1)", ""),
    ("JAVASCRIPT:alert(1)", ""),
    ("data:text/html,x", ""),
    ("//example.org/x", ""),
    ("https://exa mple.org", ""),
    ("https://example.org/\u202e", ""),
    ("https://" + "a" * 3000, ""),
    (None, ""),
])
def test_safe_url_keeps_only_web_links(url, expected):
    assert safe_url(url) == expected


def test_safe_lang():
    assert safe_lang("fa") == "fa" and safe_lang("pt-BR") == "pt-BR"
    assert safe_lang("en; drop") is None and safe_lang(None) is None


def test_a_very_long_comment_is_cut_and_says_so():
    text = "word " * 30_000
    cut = limit_body(text)
    assert len(cut) < MAX_BODY + 200
    assert cut.endswith("[cut by socialgit: the comment has 150,000 characters; the whole text is at the item's url]")
    assert limit_body("short") == "short"


def test_bluesky_link_facets_are_expanded_by_utf8_byte_offsets():
    text = "☕ see example.org/menu/wi... and more"
    start = len("☕ see ".encode())
    end = start + len("example.org/menu/wi...".encode())
    facets = [{"index": {"byteStart": start, "byteEnd": end},
               "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://example.org/menu/winter"}]}]
    assert expand_links(text, facets) == "☕ see https://example.org/menu/winter and more"


def test_bluesky_facets_that_lie_are_ignored_or_shown():
    text = "click here please"
    hidden = [{"index": {"byteStart": 6, "byteEnd": 10},
               "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "javascript:alert(1)"}]}]
    outside = [{"index": {"byteStart": 6, "byteEnd": 99},
                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://evil.example"}]}]
    words = [{"index": {"byteStart": 6, "byteEnd": 10},
              "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://evil.example"}]}]
    assert expand_links(text, hidden) == text
    assert expand_links(text, outside) == text
    assert expand_links(text, "nonsense") == text
    assert expand_links(text, words) == "click here (https://evil.example) please"
