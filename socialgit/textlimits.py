"""How long a text is, counted the way each network counts it.

Pure functions, no I/O. The text measured must be the exact text sent (see
`plaintext.network_parts`); a thread is measured part by part.

- mastodon: Mastodon's StatusLengthValidator. http(s) URLs (and the few other
  schemes Mastodon links, e.g. gemini://) count as `characters_reserved_per_url`
  (23 unless the instance says otherwise), `@user@domain` counts as `@user`,
  the rest counts extended grapheme clusters; a content warning counts too.
- bluesky: 300 grapheme clusters, and the lexicon's 3000 UTF-8 bytes besides.
- x: twitter-text v3 weighted length (twitter-text-parser).
- none: no limit; the length is reported in graphemes for information.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass

import regex

from . import mastodon_count

# twitter-text compiles its large regexes at import (~0.5 s): it is imported on
# first use, so commands that measure no text (publish with nothing due) skip it.

NETWORKS = ("mastodon", "bluesky", "x", "none")
DEFAULT_LIMITS: dict[str, int | None] = {"mastodon": 500, "bluesky": 300, "x": 280, "none": None}
DEFAULT_URL_LENGTH = 23
BLUESKY_MAX_BYTES = 3000  # app.bsky.feed.post#text maxLength (UTF-8 bytes)

_UNITS = {
    "mastodon": "characters",
    "bluesky": "graphemes",
    "x": "weighted characters",
    "none": "graphemes",
}


@dataclass(frozen=True)
class Measure:
    """A text's length in the network's unit against its limit.

    `problem` names a second rule the text breaks even when `length` is within
    `limit` (Bluesky's byte cap, a character X refuses); `fits` accounts for it.
    """

    length: int
    limit: int | None
    unit: str
    problem: str | None = None

    @property
    def over(self) -> int:
        if self.limit is None:
            return 0
        return max(0, self.length - self.limit)

    @property
    def fits(self) -> bool:
        return self.over == 0 and self.problem is None

    def describe(self) -> str:
        """One line for check output and previews, e.g. '512/500 characters (12 over)'."""
        if self.limit is None:
            text = f"{self.length} {self.unit}"
        else:
            text = f"{self.length}/{self.limit} {self.unit}"
            if self.over:
                text += f" ({self.over} over)"
        if self.problem:
            text += f"; {self.problem}"
        return text


# Below U+0300 no character extends the one before it (combining marks, ZWJ,
# emoji modifiers and regional indicators all sit higher), so every character is
# its own grapheme cluster but for CR LF, which is one.
_ONE_CHAR_CLUSTERS = regex.compile(r"[\u0000-\u02ff]*")
_CLUSTER = regex.compile(r"\X")
# The characters a cluster rule (UAX #29 GB6-GB13) joins to a neighbour: extending marks and
# ZWJ (emoji sequences, Indic conjuncts), spacing marks, prepended marks, Hangul jamo and
# regional indicators. A precomposed Hangul syllable (LV, LVT) joins only with jamo.
_JOINING = regex.compile(r"[\p{GCB=Extend}\p{GCB=ZWJ}\p{GCB=SpacingMark}\p{GCB=Prepend}"
                         r"\p{GCB=L}\p{GCB=V}\p{GCB=T}\p{GCB=Regional_Indicator}]")


@functools.cache
def _joins(char: str) -> bool:
    return _JOINING.match(char) is not None


def graphemes(text: str) -> int:
    """Extended grapheme clusters: a flag, a ZWJ family or e + U+0301 count 1."""
    # without a character any rule joins, every character is a cluster of its own (CR LF
    # excepted): a text in Persian or with an emoji is counted in a tenth of \X's time
    if _ONE_CHAR_CLUSTERS.fullmatch(text) or not any(_joins(char) for char in set(text) if char >= "\u0300"):
        return len(text) - text.count("\r\n")
    return len(_CLUSTER.findall(text))


def bluesky_bytes_ok(text: str) -> bool:
    return len(text.encode("utf-8")) <= BLUESKY_MAX_BYTES


def measure(
    text: str,
    network: str,
    limit: int | None = None,
    *,
    url_length: int = DEFAULT_URL_LENGTH,
    spoiler_text: str = "",
) -> Measure:
    """Measure `text` for `network`.

    `limit` overrides the network's default (an instance's `max_characters`, a
    channel's setting). `url_length` is what a link costs on Mastodon and X.
    `spoiler_text` (Mastodon's content warning) is counted with the text, as
    Mastodon does.
    """
    if network not in NETWORKS:
        raise ValueError(f"unknown network {network!r}: expected one of {', '.join(NETWORKS)}")
    if limit is not None and limit < 1:
        raise ValueError(f"limit must be a positive number of {_UNITS[network]}, got {limit}")
    if limit is None:
        limit = DEFAULT_LIMITS[network]
    unit = _UNITS[network]

    if network == "mastodon":
        return Measure(mastodon_length(text, url_length, spoiler_text), limit, unit)
    if network == "bluesky":
        problem = None
        size = len(text.encode("utf-8"))
        if size > BLUESKY_MAX_BYTES:
            problem = f"{size} UTF-8 bytes, Bluesky allows {BLUESKY_MAX_BYTES}"
        return Measure(graphemes(text), limit, unit, problem)
    if network == "x":
        return _measure_x(text, limit, url_length)
    return Measure(graphemes(text), limit, unit)


_MEASURED: dict[tuple, tuple[Measure, ...]] = {}
_MEASURED_MAX = 200_000


def measure_parts(
    parts: list[str], network: str, limit: int | None = None, **options
) -> list[Measure]:
    """Measure each part of a thread on its own, as each is its own post.

    Remembered for the process: check, the site's previews and the runner ask
    for the same texts (socialgit.derived recalls them between runs).
    """
    key = (tuple(parts), network, limit, tuple(sorted(options.items())))
    found = _MEASURED.get(key)
    if found is None:
        found = tuple(measure(part, network, limit, **options) for part in parts)
        if len(_MEASURED) >= _MEASURED_MAX:
            _MEASURED.clear()
        _MEASURED[key] = found
    return list(found)


def known_measures(parts: list[str], network: str, limit: int | None = None) -> bool:
    return (tuple(parts), network, limit, ()) in _MEASURED


def forget_measures() -> None:
    _MEASURED.clear()


def remember_measures(parts: list[str], network: str, limit: int | None, measures: list[Measure]) -> None:
    """Record what measure_parts(parts, network, limit) returns."""
    if len(_MEASURED) >= _MEASURED_MAX:
        _MEASURED.clear()
    _MEASURED[(tuple(parts), network, limit, ())] = tuple(measures)


def warm_up(network: str) -> None:
    """Build what measuring for ``network`` needs once, before worker processes fork."""
    if network == "mastodon":
        mastodon_count.url_re()
    elif network == "x":
        mastodon_count.twitter_modules()
        import twitter_text  # noqa: F401 - parse_tweet, for texts with emoji or CJK: compiles its patterns on import


# --- X ---------------------------------------------------------------------

_X_INVALID = {"\ufffe": "U+FFFE", "\ufeff": "U+FEFF", "\uffff": "U+FFFF"}


# parse_tweet costs ~2 ms, mostly in its emoji scan. Below U+1100 (Latin, Greek,
# Cyrillic, Arabic, Persian…) every character weighs 1 and, but for the
# emoji-capable © and ®, no emoji can start, so the same sum needs only
# twitter-text's URL extraction.
_X_LIGHT = regex.compile(r"[\u0000-\u00a8\u00aa-\u00ad\u00af-\u10ff]*")
_X_MAYBE_URL = regex.compile(r"[\w-]\.[\p{L}\d]|://")


def _x_weighted_length(text: str, url_length: int) -> int:
    normalized = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    if _X_LIGHT.fullmatch(normalized):
        if not _X_MAYBE_URL.search(normalized):
            return len(normalized)
        urls = mastodon_count.extract_urls(normalized)
        return len(normalized) - sum(len(u["url"]) for u in urls) + url_length * len(urls)
    from twitter_text import parse_tweet
    from twitter_text.config import config

    options = dict(config["defaults"], transformed_url_length=url_length)
    return parse_tweet(text, options).weightedLength


def _measure_x(text: str, limit: int | None, url_length: int) -> Measure:
    length = _x_weighted_length(text, url_length)
    found = sorted({name for char, name in _X_INVALID.items() if char in text})
    problem = f"X refuses the character {', '.join(found)}" if found else None
    return Measure(length, limit, "weighted characters", problem)


# --- Mastodon (its rules for URLs and mentions: mastodon_count.py) ----------

def mastodon_length(text: str, url_length: int = DEFAULT_URL_LENGTH, spoiler_text: str = "") -> int:
    """Mastodon's countable length of a status (text plus content warning)."""
    return graphemes(spoiler_text + mastodon_count.countable_text(text, url_length))
