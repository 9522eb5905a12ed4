"""The plain text a network receives, derived from a post's Markdown body.

Networks do not render Markdown, so the body is rendered to HTML and walked
back to text: emphasis dropped, a link becomes "text URL", list items and
paragraphs become lines, images are dropped (media travel separately). That
text is what the preview, the length check and the receipt's payload hash use,
so every rule here is deterministic; changing one changes payload hashes.

Choices a reader might not expect:
- A single line break in the source is kept (social text is line-oriented and
  what the author typed is what gets posted); runs of spaces collapse to one.
- A line starting with `#tag` stays a hashtag: a heading needs `# ` with a space.
- Bare URLs, @mentions and #hashtags are taken literally, so an underscore or
  asterisk inside them never turns into emphasis.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from html.parser import HTMLParser

import markdown
from markdown.blockprocessors import HashHeaderProcessor
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.util import AtomicString

THREAD_SEPARATOR = "---8<---"
_SPLIT_RE = re.compile(r"^[ \t]*---8<---[ \t]*$", re.MULTILINE)


def _normalise_newlines(text: str) -> str:
    # A checkout with CRLF line endings must not change the payload hash.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_thread(body: str) -> list[str]:
    """Split on lines that are `---8<---`; parts are stripped, empty ones dropped."""
    parts = _SPLIT_RE.split(_normalise_newlines(body))
    return [part.strip() for part in parts if part.strip()]


# --- Markdown with social-text rules -----------------------------------------


class _SpacedHashHeaderProcessor(HashHeaderProcessor):
    # Python-Markdown reads "#sale" at a line start as a heading; here the hashes
    # must be followed by a space or the end of the line, as in CommonMark.
    RE = re.compile(
        r"(?:^|\n)(?P<level>#{1,6})(?=[ \t]|\n|$)"
        r"(?P<header>(?:\\.|[^\\#]|#+(?=[^#\n]))*?)#*(?:\n|$)"
    )


class _LiteralInline(InlineProcessor):
    """Keep a match as literal text: later patterns (emphasis) never see it."""

    ANCESTOR_EXCLUDES = ("a",)

    def handleMatch(self, m, data):  # noqa: N802 - Python-Markdown's API
        return AtomicString(m.group(0)), m.start(0), m.end(0)


class _BareUrlInline(_LiteralInline):
    def handleMatch(self, m, data):  # noqa: N802
        url = _trim_url(m.group(0))
        return AtomicString(url), m.start(0), m.start(0) + len(url)


# Not after a quote or '=' so raw HTML attributes (href="...") are left alone;
# \x02/\x03 delimit Python-Markdown's placeholders and never belong to a URL.
_BARE_URL = r"(?<![\w\"'=/<])https?://[^\s<>\"\x02\x03]+"
_MENTION = r"(?<![\w@/])@[A-Za-z0-9_]+(?:[.-][A-Za-z0-9_]+)*(?:@[\w-]+(?:\.[\w-]+)+)?"
_HASHTAG = r"(?<![\w&#])#[\w\u200c\u200d]+"
_TRAILING_PUNCT = ".,;:!?'\"*_"


def _trim_url(url: str) -> str:
    # As linkifiers do: sentence punctuation and an unbalanced ')' end the URL.
    while url:
        if url[-1] in _TRAILING_PUNCT:
            url = url[:-1]
        elif url[-1] == ")" and url.count("(") < url.count(")"):
            url = url[:-1]
        else:
            break
    return url


class _SocialTextExtension(Extension):
    def extendMarkdown(self, md):  # noqa: N802
        md.parser.blockprocessors.register(_SpacedHashHeaderProcessor(md.parser), "hashheader", 70)
        # Between autolink (120) and automail (110): after [text](url) links,
        # before inline HTML (90) and emphasis (60).
        md.inlinePatterns.register(_BareUrlInline(_BARE_URL, md), "socialgit_url", 115)
        md.inlinePatterns.register(_LiteralInline(_MENTION, md), "socialgit_mention", 114)
        md.inlinePatterns.register(_LiteralInline(_HASHTAG, md), "socialgit_hashtag", 113)


_MD = markdown.Markdown(extensions=["fenced_code", "sane_lists", _SocialTextExtension()])
_MD_LOCK = threading.Lock()  # one shared instance; Markdown objects are not thread-safe


def _render_html(markdown_text: str) -> str:
    with _MD_LOCK:
        _MD.reset()
        return _MD.convert(markdown_text)


# --- HTML back to text --------------------------------------------------------

_BLOCK = "\x1e"  # separate by a blank line
_LINE = "\x1f"  # separate by a line break
_BLOCK_TAGS = {
    "p", "div", "blockquote", "pre", "hr", "table", "tr", "section", "article",
    "h1", "h2", "h3", "h4", "h5", "h6", "dl", "dt", "dd", "figure", "details",
}  # fmt: skip
_SKIP_CONTENT = {"script", "style", "template", "head", "title"}
_SPACES = re.compile(r"[ \t\f\r]+")


class _TextWriter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.at_line_start = True
        self.pending_bullet: str | None = None
        self.lists: list[list] = []  # [tag, next number] per open list
        self.items = 0  # open <li> depth
        self.pre = 0
        self.skip = 0
        self.links: list[tuple[str, int]] = []  # (href, index in out)

    # structure

    def _separate(self, marker: str) -> None:
        self.out.append(marker)
        self.at_line_start = True

    def _start_line(self) -> None:
        if not self.at_line_start:
            return
        if self.pending_bullet is not None:
            self.out.append(self.pending_bullet)
            self.pending_bullet = None
        elif self.items:
            self.out.append("  " * self.items)  # continuation of a list item
        self.at_line_start = False

    def _inside_item(self) -> bool:
        return self.items > 0

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP_CONTENT:
            self.skip += 1
        elif tag in ("ul", "ol"):
            start = dict(attrs).get("start") or "1"
            self.lists.append([tag, int(start) if start.isdigit() else 1])
            self._separate(_LINE if self._inside_item() else _BLOCK)
        elif tag == "li":
            kind, number = self.lists[-1] if self.lists else ("ul", 1)
            bullet = "- " if kind == "ul" else f"{number}. "
            if self.lists and kind == "ol":
                self.lists[-1][1] += 1
            self._separate(_LINE)
            self.pending_bullet = "  " * max(0, len(self.lists) - 1) + bullet
            self.items += 1
        elif tag == "br":
            self._newline()
        elif tag in _BLOCK_TAGS:
            self._separate(_LINE if self._inside_item() else _BLOCK)
            if tag == "pre":
                self.pre += 1
        elif tag == "a":
            self._start_line()
            self.links.append((dict(attrs).get("href") or "", len(self.out)))

    def handle_startendtag(self, tag, attrs):
        if tag == "br":
            self._newline()
        elif tag == "hr":
            self._separate(_BLOCK)
        # <img> and other void elements carry no text

    def handle_endtag(self, tag):
        if tag in _SKIP_CONTENT:
            self.skip = max(0, self.skip - 1)
        elif tag in ("ul", "ol"):
            if self.lists:
                self.lists.pop()
            self._separate(_LINE if self._inside_item() else _BLOCK)
        elif tag == "li":
            self.items = max(0, self.items - 1)
            self.pending_bullet = None
            self._separate(_LINE)
        elif tag in _BLOCK_TAGS:
            if tag == "pre":
                self.pre = max(0, self.pre - 1)
            self._separate(_LINE if self._inside_item() else _BLOCK)
        elif tag == "a" and self.links:
            self._close_link()

    def _close_link(self) -> None:
        href, index = self.links.pop()
        text = "".join(self.out[index:]).strip()
        del self.out[index:]
        self.out.append(_link_text(text, href.strip()))

    # text

    def _newline(self) -> None:
        self._start_line()
        self.out.append("\n")
        self.at_line_start = True

    def handle_data(self, data):
        if self.skip:
            return
        data = data.replace(_BLOCK, "").replace(_LINE, "")  # control codes used as markers
        if self.pre:
            for i, line in enumerate(data.split("\n")):
                if i:
                    self.out.append("\n")
                    self.at_line_start = True
                if line:
                    self._start_line()
                    self.out.append(line)
            return
        for i, line in enumerate(data.split("\n")):
            if i and not self.at_line_start:
                # A newline right after a block boundary or <br> is markup
                # layout; anywhere else it is the author's line break.
                self._newline()
            line = _SPACES.sub(" ", line)
            if self.at_line_start or (self.out and self.out[-1].endswith(" ")):
                line = line.lstrip(" ")  # e.g. the gap a dropped image leaves
            if line:
                self._start_line()
                self.out.append(line)

    def text(self) -> str:
        while self.links:
            self._close_link()
        raw = "".join(self.out)
        raw = re.sub(
            f"[{_BLOCK}{_LINE}\n]*[{_BLOCK}{_LINE}][{_BLOCK}{_LINE}\n]*",
            lambda m: "\n\n" if _BLOCK in m.group(0) or m.group(0).count("\n") > 1 else "\n",
            raw,
        )
        lines = [line.rstrip() for line in raw.split("\n")]
        return "\n".join(lines).strip("\n")


def _link_text(text: str, href: str) -> str:
    if not href or href.startswith(("#", "/", "./", "../")):
        return text  # anchors and site-relative paths mean nothing on a network
    target = href[len("mailto:"):] if href.lower().startswith("mailto:") else href
    if not text or text == href or text == target:
        return target
    return f"{text} {target}"


def to_network_text(markdown_text: str) -> str:
    """Render one part's Markdown to the plain text a network receives."""
    return text_from_html(_render_html(_normalise_newlines(markdown_text)))


def text_from_html(html: str) -> str:
    """The plain text a network receives, from the HTML this module's Markdown made of one part."""
    writer = _TextWriter()
    writer.feed(html)
    writer.close()
    return writer.text()


def network_parts(body: str, variant: str | None = None) -> list[str]:
    """The parts to send: the variant's (plain text, already) or the body's rendered.

    May be empty when there is no text at all; the caller decides whether media
    alone is a valid post.
    """
    if variant is not None:
        return [
            "\n".join(line.rstrip() for line in part.split("\n"))
            for part in split_thread(variant)
        ]
    rendered = (to_network_text(part) for part in split_thread(body))
    return [text for text in rendered if text]


_HASHES: dict[tuple, str] = {}
_HASHES_MAX = 200_000


def _hash_key(parts: list[str], media) -> tuple:
    return tuple(parts), tuple((path, alt) for path, alt in media)


def payload_hash(parts: list[str], media: list[tuple[str, str]] = ()) -> str:
    """Stable hash of what is sent: stored in receipts, so never change its encoding."""
    key = _hash_key(parts, media)
    found = _HASHES.get(key)
    if found is None:
        canonical = json.dumps(
            {"parts": list(parts), "media": [[path, alt] for path, alt in media]},
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
        )
        found = "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()
        remember_payload_hash(parts, media, found)
    return found


def known_payload_hash(parts: list[str], media: list[tuple[str, str]] = ()) -> bool:
    return _hash_key(parts, media) in _HASHES


def forget_payload_hashes() -> None:
    _HASHES.clear()


def remember_payload_hash(parts: list[str], media: list[tuple[str, str]], digest: str) -> None:
    """Record what payload_hash(parts, media) returns (socialgit.derived recalls it between runs)."""
    if len(_HASHES) >= _HASHES_MAX:
        _HASHES.clear()
    _HASHES[_hash_key(parts, media)] = digest
