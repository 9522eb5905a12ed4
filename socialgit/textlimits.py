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
        _url_re()
    elif network == "x":
        _twitter_modules()
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
        urls = _extract_urls(normalized)
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


# --- Mastodon --------------------------------------------------------------
# Mirrors app/validators/status_length_validator.rb: entities come from
# Extractor.extract_urls_with_indices(extract_url_without_protocol: false) and
# Extractor.extract_mentions_or_lists_with_indices, overlapping ones removed,
# URLs replaced by 23 'x', mentions by '@username', then grapheme clusters.
# The URL regex is twitter-text's with Mastodon's overrides from
# config/initializers/twitter_regex.rb (looser path, more schemes).

# Ruby's [[:word:]]: Letter, Mark, Decimal_Number, Connector_Punctuation.
_WORD = r"[\p{L}\p{M}\p{Nd}\p{Pc}]"
# Account::USERNAME_RE (case-insensitive) and Account::MENTION_RE.
_MENTION_RE = regex.compile(
    rf"(?<![=/]|{_WORD})@((?i:[a-z0-9_]+(?:[.-]+[a-z0-9_]+)*)(?:@{_WORD}+(?:[.-]+{_WORD}+)*)?)"
)
_MAX_MENTION_DOMAIN = 253  # Extractor::MAX_DOMAIN_LENGTH
_LATIN_ACCENTS = (
    "\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff\u0100-\u024f\u0253-\u0254\u0256-\u0257"
    "\u0259\u025b\u0263\u0268\u026f\u0272\u0289\u028b\u02bb\u0300-\u036f\u1e00-\u1eff"
)
# twitter-text's end_mention_match: a mention followed by these is not one.
_END_MENTION = regex.compile(rf"@|\uff20|[{_LATIN_ACCENTS}]|://")

# twitter-text's own path characters, still used by Mastodon's path-ending
# rule because the initializer interpolates them before overriding them.
_TT_PATH_CHAR = rf"[a-z\p{{Cyrillic}}0-9!*';:=+,.$/%#\[\]\p{{Pd}}_~&|@{_LATIN_ACCENTS}]"
_TT_BALANCED = rf"\((?:{_TT_PATH_CHAR}+|(?:{_TT_PATH_CHAR}*\({_TT_PATH_CHAR}+\){_TT_PATH_CHAR}*))\)"
_PATH_CHAR = r"[^\p{White_Space}<>()?]"
_BALANCED = rf"\((?:{_PATH_CHAR}+|(?:{_PATH_CHAR}*\({_PATH_CHAR}+\){_PATH_CHAR}*))\)"
_PATH_END = rf"(?:[^\p{{White_Space}}()?!*\"'「」<>;:=,.$%\[\]~&|@]|{_TT_BALANCED})"
_PATH = rf"(?:(?:{_PATH_CHAR}*(?:{_BALANCED}{_PATH_CHAR}*)*{_PATH_END})|(?:{_PATH_CHAR}+/))"
_UCHARS = (
    "\u00a0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef\U00010000-\U0001fffd\U00020000-\U0002fffd"
    "\U00030000-\U0003fffd\U00040000-\U0004fffd\U00050000-\U0005fffd\U00060000-\U0006fffd"
    "\U00070000-\U0007fffd\U00080000-\U0008fffd\U00090000-\U0009fffd\U000a0000-\U000afffd"
    "\U000b0000-\U000bfffd\U000c0000-\U000cfffd\U000d0000-\U000dfffd\U000e1000-\U000efffd"
    "\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd"
)
_QUERY_CHAR = rf"[a-z0-9!?*'();:&=+$/%#\[\]\-_.,~|@^{_UCHARS}]"
_QUERY_END = rf"[a-z0-9_&=#/\-{_UCHARS}]"


@functools.cache
def _twitter_modules() -> tuple:
    """twitter-text's URL extraction and the two domain patterns Mastodon's URL rule uses, without the rest.

    Its package __init__ imports parse_tweet, whose emoji tables (and pkg_resources)
    cost ~0.3 s; these modules alone cost ~0.05 s. While they load, a bare package
    object stands in for twitter_text, so its __init__ does not run; then the modules
    loaded under it are forgotten (the ones returned keep working), so a later
    `import twitter_text` (X's lengths of texts with emoji or CJK) loads the whole
    package as usual.
    """
    import importlib
    import importlib.util
    import sys
    import types

    names = ("twitter_text.extract_urls", "twitter_text.regexp.valid_domain",
             "twitter_text.regexp.valid_url_preceding_chars")
    spec = importlib.util.find_spec("twitter_text") if "twitter_text" not in sys.modules else None
    if spec is None or not spec.submodule_search_locations:
        return tuple(importlib.import_module(name) for name in names)
    bare = types.ModuleType("twitter_text")
    bare.__path__, bare.__spec__ = list(spec.submodule_search_locations), spec
    sys.modules["twitter_text"] = bare
    try:
        return tuple(importlib.import_module(name) for name in names)
    finally:
        for name in [n for n in sys.modules if n == "twitter_text" or n.startswith("twitter_text.")]:
            del sys.modules[name]


def _extract_urls(text: str) -> list[dict]:
    return _twitter_modules()[0].extract_urls_with_indices(text)


@functools.cache
def _url_re() -> regex.Pattern:
    _, domain, preceding = _twitter_modules()
    valid_domain, valid_url_preceding_chars = domain.valid_domain.pattern, preceding.valid_url_preceding_chars.pattern
    return regex.compile(
        rf"({valid_url_preceding_chars})"
        rf"("
        rf"((?:https?|dat|dweb|ipfs|ipns|ssb|gopher|gemini)://)?"
        rf"({valid_domain})"
        rf"(?::[0-9]+)?"
        rf"(?:/{_PATH}*)?"
        rf"(?:\?{_QUERY_CHAR}*{_QUERY_END})?"
        rf")",
        regex.IGNORECASE | regex.VERSION0,
    )

_TCO_RE = regex.compile(r"^https?://t\.co/([a-z0-9]+)", regex.IGNORECASE)
_MAX_URL_LENGTH = 4096
_MAX_TCO_SLUG = 40


def mastodon_length(text: str, url_length: int = DEFAULT_URL_LENGTH, spoiler_text: str = "") -> int:
    """Mastodon's countable length of a status (text plus content warning)."""
    return graphemes(spoiler_text + _mastodon_countable_text(text, url_length))


def _mastodon_countable_text(text: str, url_length: int) -> str:
    # Ruby's String#blank?: an all-whitespace status counts as empty.
    if not text or text.isspace():
        return ""
    entities = _remove_overlapping(_mastodon_urls(text) + _mastodon_mentions(text))
    out, index = [], 0
    for start, end, replacement in entities:
        out.append(text[index:start])
        out.append(replacement if replacement is not None else "x" * url_length)
        index = end
    out.append(text[index:])
    return "".join(out)


# No part of a URL match (scheme, domain, port, path, query) holds ASCII
# whitespace, and the character before it is one character. So the matches of the
# whole text are those of each whitespace-free run scanned on its own, from the
# whitespace before it to the one after it (the TLD's lookahead reads one
# character). Mastodon counts only URLs with a scheme, so only runs holding "://"
# can count: scanning just those gives the same URLs a hundred times faster than
# running the long pattern over a whole post.
_ASCII_SPACE = regex.compile(r"[\t\n\x0b\x0c\r ]")


def _url_runs(text: str) -> list[tuple[int, int]]:
    """(pos, endpos) to scan for each whitespace-free run that holds '://'."""
    runs, index = [], text.find("://")
    while index != -1:
        start = max(text.rfind(c, 0, index) for c in "\t\n\x0b\x0c\r ")  # -1: the run starts the text
        after = _ASCII_SPACE.search(text, index)
        end = after.start() if after else len(text)
        runs.append((max(start, 0), min(end + 1, len(text))))
        index = text.find("://", end)
    return runs


def _mastodon_urls(text: str) -> list[tuple[int, int, str | None]]:
    if "://" not in text:
        return []
    pattern = _url_re()
    matches = (match for pos, endpos in _url_runs(text) for match in pattern.finditer(text, pos, endpos))
    return counted_urls(matches)


def counted_urls(matches) -> list[tuple[int, int, str | None]]:
    """(start, end, None) of each URL pattern match Mastodon counts as 23 characters."""
    found = []
    for match in matches:
        url, protocol, domain = match.group(2), match.group(3), match.group(4)
        if not protocol:
            continue  # Mastodon counts only URLs written with a scheme
        start, end = match.start(2), match.end(2)
        tco = _TCO_RE.match(url)
        if tco:
            if len(tco.group(1)) > _MAX_TCO_SLUG:
                continue
            url = tco.group(0)
            end = start + len(url)
        if not _valid_domain(len(url), domain):
            continue
        found.append((start, end, None))
    return found


def _valid_domain(url_length: int, domain: str) -> bool:
    # twitter-text's is_valid_domain: the punycoded URL must stay within 4096.
    try:
        encoded = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    return url_length + max(0, len(encoded) - len(domain)) <= _MAX_URL_LENGTH


def _mastodon_mentions(text: str) -> list[tuple[int, int, str | None]]:
    if "@" not in text and "\uff20" not in text:
        return []
    found = []
    for match in _MENTION_RE.finditer(text):
        if _END_MENTION.match(text, match.end()):
            continue
        username, _, domain = match.group(1).partition("@")
        if domain and len(domain) > _MAX_MENTION_DOMAIN:
            continue
        found.append((match.start(), match.end(), "@" + username))
    return found


def _remove_overlapping(entities):
    kept = []
    for entity in sorted(entities, key=lambda e: e[0]):
        if kept and kept[-1][1] > entity[0]:
            continue
        kept.append(entity)
    return kept
