"""The ``app.bsky.feed.post`` record one thread part becomes: facets, createdAt, fields.

Pure: nothing here touches the network. Mentions are resolved to DIDs through
the function the caller passes, so the publishing side decides how (and how
often) a handle is looked up.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any, Callable

import regex

POST = "app.bsky.feed.post"

# --- rich text facets (ported from @atproto/api's detectFacets; bsky-docs post-richtext)

# JavaScript's \s, so that what counts as a word boundary matches the official client
_WS = "\t\n\x0b\x0c\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_ZERO_WIDTH = "\u00ad\u2060\u200a\u200b\u200c\u200d\u20e2"
_MENTION = re.compile(rf"(^|[{_WS}]|\()@([a-zA-Z0-9.-]+)(?a:\b)")
_HANDLE = re.compile(r"([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?")
_LINK = re.compile(rf"(^|[{_WS}]|\()(https?://[^{_WS}]+)")  # lower-case scheme only, as the app
_TAG = regex.compile(
    rf"(^|[{_WS}])[#＃]((?!\ufe0f)[^{_WS}{_ZERO_WIDTH}]*"
    rf"[^0-9{_WS}\p{{P}}{_ZERO_WIDTH}]+[^{_WS}{_ZERO_WIDTH}]*)?"
)
_TRAILING_PUNCTUATION = regex.compile(r"\p{P}+$")
MAX_TAG_GRAPHEMES = 64


def _facet(text: str, start: int, end: int, feature: dict[str, str]) -> dict[str, Any]:
    """A facet over code points [start, end), indexed in UTF-8 bytes as the lexicon wants."""
    byte_start = len(text[:start].encode("utf-8"))
    byte_end = byte_start + len(text[start:end].encode("utf-8"))
    return {"index": {"byteStart": byte_start, "byteEnd": byte_end}, "features": [feature]}


def detect_facets(text: str) -> list[dict[str, Any]]:
    """Links, @mentions and #hashtags in ``text``, sorted, without overlaps.

    A mention's ``did`` still holds the handle: run ``resolve_mentions`` before
    sending (unresolvable handles are then dropped and stay plain text).
    """
    facets = []
    for match in _MENTION.finditer(text):
        handle = match.group(2)
        if len(handle) <= 253 and _HANDLE.fullmatch(handle):
            facets.append(_facet(text, match.start(2) - 1, match.end(2),
                                 {"$type": "app.bsky.richtext.facet#mention", "did": handle}))
    for match in _LINK.finditer(text):
        uri, start = match.group(2), match.start(2)
        if uri[-1] in ".,;:!?":
            uri = uri[:-1]
        if uri.endswith(")") and "(" not in uri:
            uri = uri[:-1]
        facets.append(_facet(text, start, start + len(uri), {"$type": "app.bsky.richtext.facet#link", "uri": uri}))
    for match in _TAG.finditer(text):
        tag = _TRAILING_PUNCTUATION.sub("", (match.group(2) or "").strip())
        if not tag or len(regex.findall(r"\X", tag)) > MAX_TAG_GRAPHEMES:
            continue
        start = match.start() + len(match.group(1))
        facets.append(_facet(text, start, start + 1 + len(tag), {"$type": "app.bsky.richtext.facet#tag", "tag": tag}))
    facets.sort(key=lambda f: (f["index"]["byteStart"], f["index"]["byteEnd"]))
    kept: list[dict[str, Any]] = []
    for facet in facets:  # facets must not overlap (a "(@x.y" inside a URL, say)
        if not kept or facet["index"]["byteStart"] >= kept[-1]["index"]["byteEnd"]:
            kept.append(facet)
    return kept


def resolve_mentions(facets: list[dict[str, Any]], resolve: Callable[[str], str | None]) -> list[dict[str, Any]]:
    """Replace each mention's handle by the DID ``resolve`` gives; drop it when None."""
    resolved = []
    for facet in facets:
        feature = facet["features"][0]
        if feature["$type"] == "app.bsky.richtext.facet#mention":
            did = resolve(feature["did"])
            if did is None:
                continue
            facet = {"index": facet["index"], "features": [{**feature, "did": did}]}
        resolved.append(facet)
    return resolved


# --- the record


def format_created_at(moment: datetime) -> str:
    """UTC with milliseconds and Z: the same string on every retry of the same post."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("createdAt needs an aware datetime (with a time zone)")
    utc = moment.astimezone(timezone.utc)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


def post_record(text: str, created_at: str, *, lang: str | None = None, facets: list | None = None,
                reply: dict | None = None, embed: dict | None = None) -> dict[str, Any]:
    """The record as createRecord takes it; an empty optional field is left out, not sent empty."""
    record: dict[str, Any] = {"$type": POST, "text": text, "createdAt": created_at}
    if lang:
        record["langs"] = [lang]
    if facets:
        record["facets"] = facets
    if reply:
        record["reply"] = reply
    if embed:
        record["embed"] = embed
    return record
