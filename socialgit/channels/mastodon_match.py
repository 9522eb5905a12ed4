"""Recognising our own thread parts among the account's statuses, by their text.

Reconcile's witness once the idempotency key has expired: the server renders a
status to HTML, so both sides are reduced to what survives that rendering before
they are compared. Pure: the caller fetches the statuses.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from html.parser import HTMLParser
from typing import Any, Iterable

from .base import Outgoing
from .listening import parse_time


class _TextOf(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "br":
            self.chunks.append("\n")
        elif tag == "p" and self.chunks:
            self.chunks.append("\n\n")

    def handle_startendtag(self, tag: str, attrs: Any) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)


def html_to_text(content: str) -> str:
    """A status's sanitised HTML as plain text: paragraphs, line breaks, full link URLs.

    Mastodon shortens links only visually (``invisible`` spans keep the rest of
    the URL), so dropping the tags gives back the URL that was posted.
    """
    parser = _TextOf()
    parser.feed(content or "")
    parser.close()
    return "".join(parser.chunks).strip()


_REMOTE_MENTION = re.compile(r"(?<![\w@])@(\w+)@[\w-]+(?:\.[\w-]+)+")


def normalise_text(text: str) -> str:
    """Text reduced to what survives Mastodon's rendering: NFC, ``@user``, single spaces."""
    text = unicodedata.normalize("NFC", text)
    text = _REMOTE_MENTION.sub(r"@\1", text)
    return " ".join(text.split())


def _oldest_first(status: dict[str, Any]) -> tuple[int, str]:
    # ids grow with time (snowflakes): a shorter id is older, equal lengths compare as text
    ident = str(status.get("id", ""))
    return (len(ident), ident)


def match_posted(out: Outgoing, done: list[dict[str, Any]], statuses: Iterable[dict[str, Any]],
                 since: datetime | None) -> list[dict[str, Any]]:
    """The thread parts of ``out`` found among ``statuses``, continuing from ``done``.

    A part matches a status with the same normalised text that answers the part
    before it (or the post's reply target) and is not older than ``since``. If a
    retry already duplicated a part, the oldest copy is the one the thread uses.
    """
    pool = sorted((s for s in statuses if isinstance(s, dict) and not s.get("reblog") and s.get("id")),
                  key=_oldest_first)
    parts = [dict(p) for p in done]
    used = {str(p.get("id")) for p in parts}
    for index in range(len(parts), len(out.parts)):
        parent = parts[-1]["id"] if parts else (out.reply_to.remote_id if out.reply_to else None)
        wanted = normalise_text(out.parts[index])
        found = None
        for status in pool:
            created = parse_time(status.get("created_at"))
            if (str(status["id"]) not in used and status.get("in_reply_to_id") == parent
                    and (since is None or created is None or created >= since)
                    and normalise_text(html_to_text(status.get("content") or "")) == wanted):
                found = status
                break
        if found is None:
            break
        used.add(str(found["id"]))
        parts.append({"id": str(found["id"]), "url": found.get("url") or found.get("uri")})
    return parts
