"""What strangers send us, made safe to store: network HTML and text → plain text, ids → file names.

Everything a network returns about a reply is data written by someone we do not
know: the HTML of a Mastodon status (remote servers send their own), display
names, handles, URLs and ids. This module turns each into plain text that can be
stored in a file and escaped wherever it is shown. It never keeps markup, never
keeps a link that is not http(s), and drops the invisible characters that can
make text display as something else (bidi overrides, control characters).
"""

from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

MAX_BODY = 20_000  # characters; a longer comment is cut, with a note saying so
MAX_LINE = 200  # characters of a display name or handle
MAX_URL = 2_000
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~-]{0,127}")
_LANG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")
# Explicit embeddings, overrides and isolates reorder what a reader sees ("‮gnp.exe");
# LRM/RLM and ZWJ/ZWNJ stay: Persian text and emoji need them.
_BIDI_CONTROLS = set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A))
_LINE_BREAKS = {"\u2028": "\n", "\u2029": "\n\n", "\r\n": "\n", "\r": "\n", "\x85": "\n"}
_BLOCKS = {"p", "div", "blockquote", "pre", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table"}
_SKIPPED = {"script", "style", "template", "noscript", "iframe", "object", "svg", "math", "head", "title"}


def clean_text(text: Any) -> str:
    """Text without control, bidi-override or surrogate characters; newlines and tabs kept."""
    if not isinstance(text, str):
        return ""
    for old, new in _LINE_BREAKS.items():
        text = text.replace(old, new)
    kept = []
    for char in unicodedata.normalize("NFC", text):
        code = ord(char)
        if char in "\n\t":
            kept.append(char)
        elif code in _BIDI_CONTROLS or unicodedata.category(char) in ("Cc", "Cs", "Co", "Cn"):
            continue
        else:
            kept.append(char)
    return "".join(kept)


def clean_line(text: Any, limit: int = MAX_LINE) -> str:
    """A display name or handle: clean text on one line, spaces collapsed, at most ``limit`` characters."""
    line = " ".join(clean_text(text).split())
    return line[:limit]


def safe_url(url: Any) -> str:
    """An http(s) URL as it was given, or "" for anything else (javascript:, data:, relative, odd characters)."""
    if not isinstance(url, str) or len(url) > MAX_URL:
        return ""
    url = url.strip()
    if any(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in url):
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return ""
    return url


def safe_id(raw: Any) -> str | None:
    """``raw`` when it can be part of a file name on any system, else None.

    Only letters, digits and ``. _ ~ -`` are allowed, starting with a letter or
    digit: that rules out ``..``, slashes, backslashes, colons, control
    characters and hidden files, whatever a hostile server sends.
    """
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    if not isinstance(raw, str) or not _SAFE_ID.fullmatch(raw):
        return None
    return raw


def safe_lang(raw: Any) -> str | None:
    """A BCP 47-looking language tag (``en``, ``fa``, ``pt-BR``), else None."""
    if isinstance(raw, str) and _LANG.fullmatch(raw.strip()):
        return raw.strip()
    return None


def limit_body(text: str, limit: int = MAX_BODY) -> str:
    """Cut a very long comment, saying so: the whole text stays on the network, behind the item's url."""
    if len(text) <= limit:
        return text
    return (text[:limit].rstrip() + f"\n\n[cut by socialgit: the comment has {len(text):,} characters; "
            "the whole text is at the item's url]")


def tidy(text: str) -> str:
    """Trailing spaces off every line, at most one blank line in a row, no blank start or end."""
    lines = [line.rstrip() for line in text.split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip("\n")


class _PlainText(HTMLParser):
    """Collects the text of an HTML fragment; links become their text or their http(s) URL."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skipping = 0
        self.link: dict[str, Any] | None = None  # the <a> being read: href, class, text so far

    def _write(self, text: str) -> None:
        if self.link is not None:
            self.link["text"].append(text)
        else:
            self.out.append(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self.skipping += 1
        elif self.skipping:
            return
        elif tag == "br":
            self._write("\n")
        elif tag in _BLOCKS:
            self._write("\n\n" if tag in ("p", "blockquote", "pre") else "\n")
            if tag == "li":
                self._write("- ")
        elif tag == "a" and self.link is None:
            values = dict(attrs)
            self.link = {"href": values.get("href") or "", "class": values.get("class") or "", "text": []}

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _SKIPPED:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif self.skipping:
            return
        elif tag == "a" and self.link is not None:
            link, self.link = self.link, None
            self.out.append(_link_text("".join(link["text"]), link["href"], link["class"]))
        elif tag in _BLOCKS and tag != "li":
            self._write("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self._write(data)

    def close(self) -> None:
        super().close()
        if self.link is not None:  # an <a> never closed
            link, self.link = self.link, None
            self.out.append(_link_text("".join(link["text"]), link["href"], link["class"]))


def _link_text(text: str, href: str, classes: str) -> str:
    """A link as plain text: mentions and hashtags as shown, other links as their full URL.

    Mastodon shortens a link only visually (the rest of the URL sits in invisible
    spans), so the text holds the URL anyway; another server may show words
    instead, and then the URL follows in brackets. A link that is not http(s)
    keeps its words and loses its target.
    """
    shown = " ".join(text.split())
    names = classes.split()
    url = safe_url(href)
    if "mention" in names or "hashtag" in names or shown.startswith(("@", "#")) or not url:
        return shown
    bare = shown.rstrip("…").rstrip(".")
    if not shown or bare in url or shown == url:
        return url
    return f"{shown} ({url})"


def html_to_text(content: Any) -> str:
    """A status's HTML as plain text: paragraphs and line breaks kept, links as text, no markup."""
    if not isinstance(content, str) or not content:
        return ""
    parser = _PlainText()
    parser.feed(content)
    parser.close()
    return tidy(clean_text("".join(parser.out)))


def expand_links(text: str, facets: Any) -> str:
    """Bluesky text with each link facet's shortened text replaced by its full http(s) URL.

    Facets index UTF-8 bytes; a facet that does not fit the text, overlaps
    another or points anywhere but http(s) is ignored (the text stays as written).
    """
    if not isinstance(facets, list):
        return text
    data = text.encode("utf-8")
    spans = []
    for facet in facets:
        try:
            start, end = int(facet["index"]["byteStart"]), int(facet["index"]["byteEnd"])
            features = facet["features"]
        except (KeyError, TypeError, ValueError):
            continue
        for feature in features if isinstance(features, list) else []:
            if isinstance(feature, dict) and feature.get("$type") == "app.bsky.richtext.facet#link":
                url = safe_url(feature.get("uri"))
                if url and 0 <= start < end <= len(data):
                    spans.append((start, end, url))
    out, position = [], 0
    for start, end, url in sorted(spans):
        if start < position:
            continue
        try:
            shown = data[start:end].decode("utf-8")
        except UnicodeDecodeError:
            continue
        bare = shown.rstrip("…").rstrip(".")
        out.append(data[position:start].decode("utf-8", "replace"))
        out.append(url if (bare and bare in url) or shown == url else f"{shown} ({url})")
        position = end
    out.append(data[position:].decode("utf-8", "replace"))
    return "".join(out)
