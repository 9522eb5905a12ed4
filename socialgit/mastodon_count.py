"""How Mastodon counts a status, ported: URLs and mentions as its StatusLengthValidator sees them (pure).

Mirrors app/validators/status_length_validator.rb: entities come from
Extractor.extract_urls_with_indices(extract_url_without_protocol: false) and
Extractor.extract_mentions_or_lists_with_indices, overlapping ones removed,
URLs replaced by 23 'x', mentions by '@username', then grapheme clusters.
The URL regex is twitter-text's with Mastodon's overrides from
config/initializers/twitter_regex.rb (looser path, more schemes).

textlimits counts the grapheme clusters of what ``countable_text`` leaves; X's lengths use
twitter-text's URL extraction from here too.
"""

from __future__ import annotations

import functools

import regex

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
def twitter_modules() -> tuple:
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


def extract_urls(text: str) -> list[dict]:
    return twitter_modules()[0].extract_urls_with_indices(text)


@functools.cache
def url_re() -> regex.Pattern:
    _, domain, preceding = twitter_modules()
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


def countable_text(text: str, url_length: int) -> str:
    """The text as Mastodon counts it: each URL with a scheme as ``url_length`` x's, each mention as @username."""
    # Ruby's String#blank?: an all-whitespace status counts as empty.
    if not text or text.isspace():
        return ""
    entities = remove_overlapping(urls(text) + mentions(text))
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


def urls(text: str) -> list[tuple[int, int, str | None]]:
    if "://" not in text:
        return []
    pattern = url_re()
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


def mentions(text: str) -> list[tuple[int, int, str | None]]:
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


def remove_overlapping(entities):
    kept = []
    for entity in sorted(entities, key=lambda e: e[0]):
        if kept and kept[-1][1] > entity[0]:
            continue
        kept.append(entity)
    return kept
