"""Persian comments: normalisation, whole-word tokens, and sentiment from a shipped lexicon.

The lexicon is ``socialgit/lexicons/fa.yaml``; its header explains the rules this
module applies (phrases first, suffixes, verb-final negation, "but"). Everything
here is pure and offline: ``load_lexicon`` reads YAML shipped in the wheel, and
``score`` and ``is_question`` take the text and the lexicon.

Tokens are whole words, split on spaces and punctuation, with ZWNJ (U+200C) kept
inside a word: it separates a word from its suffix (قهوه‌تون → قهوه + تون) or a
verb from its prefix (می‌شه). Matching whole tokens, never substrings, is what
keeps نه ("no") from being found inside نکنه or خونه.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Iterable, Mapping


ZWNJ = "\u200c"
NEGATION_SCALAR = -0.74  # VADER's N_SCALAR: a negated opinion is weaker than its opposite
BOOST_DECAY = (1.0, 0.95, 0.9)  # VADER's: an intensifier further away counts less
EXCLAMATION = 0.292  # VADER's per "!" (at most four)
# tried longest first when a word is not in the lexicon as written
SUFFIXES = sorted(["هایی", "هاشون", "هامون", "هاتون", "ترین", "های", "ها", "تون", "مون", "شون", "ست", "اس",
                   "ای", "ام", "اش", "ات", "تر", "یم", "ید", "ین", "ه", "ی", "م", "ت", "ش", "ن"], key=len, reverse=True)

_PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
_ARABIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
_CHARS = str.maketrans({
    "ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه", "ۀ": "ه", "أ": "ا", "إ": "ا", "ٱ": "ا",
    "\u200b": " ", "\u00a0": " ", "\u202f": " ", "’": "'", "‘": "'",
    **{d: str(i) for i, d in enumerate(_PERSIAN_DIGITS)}, **{d: str(i) for i, d in enumerate(_ARABIC_DIGITS)},
})
# diacritics, tatweel, joiners and direction marks carry no meaning for a lexicon
_DROP = re.compile("[\u064b-\u065f\u0670\u0640\u200d\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_LOOSE_ZWNJ = re.compile(r"\u200c+(?=\s|$)|(?<=\s)\u200c+|^\u200c+")
_REPEAT = re.compile(r"([^\W\d_])\1{2,}")  # عااالی, خیییلی → one letter; Persian has no tripled letters
_TOKEN = re.compile(r"[^\W_]+(?:[\u200c'][^\W_]+)*|[!?؟.,،;؛:…\n]+|\S")
_PUNCT = set("!?؟.,،;؛:…\n")
_IGNORED = {"\ufe0f", "\u20e3"} | {chr(c) for c in range(0x1F3FB, 0x1F400)}  # emoji presentation, skin tones


def normalise(text: str) -> str:
    """One spelling for the many ways Persian is typed (keyboards, digits, elongation)."""
    text = _DROP.sub("", text.translate(_CHARS)).lower()
    text = _LOOSE_ZWNJ.sub("", re.sub("\u200c+", ZWNJ, text))  # a ZWNJ only means something inside a word
    return _REPEAT.sub(r"\1", text)


@dataclass(frozen=True)
class Token:
    text: str  # normalised, ZWNJ kept
    form: str  # the lookup key: ZWNJ removed, a verb prefix joined
    parts: tuple[str, ...]  # the ZWNJ-separated parts, prefix joined
    kind: str  # word | punct | emoji


def tokenize(text: str, prefixes: Iterable[str] = ("می", "نمی", "بی")) -> list[Token]:
    """Whole-word tokens of normalised text; a prefix written apart (می شه) joins its word."""
    prefixes = set(prefixes)
    tokens: list[Token] = []
    pending = ""
    for raw in _TOKEN.findall(text):
        if raw in _IGNORED:
            continue
        if raw[0] in _PUNCT:
            kind = "punct"
        elif raw[0].isalnum():
            kind = "word"
        else:
            kind = "emoji"
        if kind != "word":
            if pending:
                tokens.append(Token(pending, pending, (pending,), "word"))
                pending = ""
            tokens.append(Token(raw, raw, (raw,), kind))
            continue
        parts = raw.split(ZWNJ)
        if pending:
            parts[0] = pending + parts[0]
            pending = ""
        elif len(parts) > 1 and parts[0] in prefixes:
            parts = [parts[0] + parts[1]] + parts[2:]
        if len(parts) == 1 and parts[0] in prefixes:
            pending = parts[0]
            continue
        tokens.append(Token(raw, "".join(parts), tuple(parts), "word"))
    if pending:
        tokens.append(Token(pending, pending, (pending,), "word"))
    return tokens


@dataclass(frozen=True)
class Lexicon:
    words: Mapping[str, float]
    phrases: Mapping[tuple[str, ...], float]
    intensifiers: Mapping[str, float]
    negators: frozenset[str]
    negated_verbs: frozenset[str]
    contrast: frozenset[str]
    prefixes: tuple[str, ...]
    not_anymore: frozenset[str]
    boosting_suffixes: frozenset[str]
    emoji: Mapping[str, float] = field(default_factory=dict)
    sarcasm: frozenset[str] = frozenset()
    question_words: frozenset[str] = frozenset()
    question_starts: frozenset[str] = frozenset()
    question_phrases: frozenset[tuple[str, ...]] = frozenset()
    question_not_after: frozenset[str] = frozenset()
    greetings: frozenset[str] = frozenset()


def _forms(text: str, prefixes: Iterable[str]) -> tuple[str, ...]:
    return tuple(t.form for t in tokenize(normalise(str(text)), prefixes) if t.kind == "word")


def load_lexicon(text: str, *, latin_words: Mapping[str, float] = {}, latin_boosters: Mapping[str, float] = {},
                 latin_negators: Iterable[str] = (), emoji: Mapping[str, float] = {},
                 sarcasm: Iterable[str] = ()) -> Lexicon:
    """Build the lexicon from fa.yaml's text; English words mixed into Persian comments use the Latin tables."""
    import yaml  # only the classifier needs it: reading feedback rules (every command) uses normalise alone

    data = yaml.safe_load(text)
    prefixes = tuple(normalise(p) for p in data.get("verb_prefixes", ()))

    def forms(values: Iterable[str]) -> frozenset[str]:
        return frozenset(f for v in values for f in _forms(v, prefixes)[:1])

    words: dict[str, float] = {k.lower(): float(v) for k, v in latin_words.items()}
    phrases: dict[tuple[str, ...], float] = {}
    for section in ("positive", "negative", "phrases"):
        for key, weight in (data.get(section) or {}).items():
            key_forms = _forms(key, prefixes)
            if len(key_forms) == 1:
                words[key_forms[0]] = float(weight)
            elif key_forms:
                phrases[key_forms] = float(weight)
    intensifiers = {k.lower(): float(v) for k, v in latin_boosters.items()}
    intensifiers.update({_forms(k, prefixes)[0]: float(v) for k, v in (data.get("intensifiers") or {}).items()})
    questions = data.get("questions") or {}
    return Lexicon(
        words=words, phrases=phrases, intensifiers=intensifiers,
        negators=forms(data.get("negators", ())) | {n.lower() for n in latin_negators},
        negated_verbs=forms(data.get("negated_verbs", ())), contrast=forms(data.get("contrast", ())) | {"but"},
        prefixes=prefixes, not_anymore=forms(data.get("not_anymore", ())),
        boosting_suffixes=frozenset(data.get("boosting_suffixes", ())),
        emoji=dict(emoji), sarcasm=frozenset(sarcasm),
        question_words=forms(questions.get("words", ())), question_starts=forms(questions.get("starts", ())),
        question_phrases=frozenset(_forms(p, prefixes) for p in questions.get("phrases", ())),
        question_not_after=forms(questions.get("not_after", ())), greetings=forms(questions.get("greetings", ())),
    )


def _word_valence(token: Token, lex: Lexicon) -> float | None:
    """The word's weight: as written, else its stem (before a ZWNJ, or without a suffix)."""
    if token.form in lex.words:
        return lex.words[token.form]
    stem, suffix = None, ""
    if len(token.parts) > 1 and token.parts[0] in lex.words:
        stem, suffix = token.parts[0], "".join(token.parts[1:])
    else:
        for ending in SUFFIXES:
            candidate = token.form[: -len(ending)]
            if token.form.endswith(ending) and len(candidate) >= 2 and candidate in lex.words:
                stem, suffix = candidate, ending
                break
    if stem is None:
        return None
    value = lex.words[stem]
    if suffix in lex.boosting_suffixes:
        value += math.copysign(0.293, value)
    return value


def _is_negated_verb(form: str, lex: Lexicon) -> bool:
    return form in lex.negated_verbs or (form.startswith("نمی") and len(form) > 4)


def _phrase_at(words: list[Token], i: int, lex: Lexicon) -> tuple[int, float] | None:
    for length in range(min(5, len(words) - i), 1, -1):
        key = tuple(t.form for t in words[i:i + length])
        if key in lex.phrases:
            return length, lex.phrases[key]
    return None


def _clause_valence(words: list[Token], lex: Lexicon) -> float:
    used = [False] * len(words)
    opinions: list[tuple[int, float]] = []
    i = 0
    while i < len(words):
        phrase = _phrase_at(words, i, lex)
        if phrase:
            length, value = phrase
            opinions.append((i + length - 1, value))
            used[i:i + length] = [True] * length
            i += length
            continue
        value = _word_valence(words[i], lex)
        if value is not None:
            opinions.append((i, value))
            used[i] = True
        i += 1
    negated = [j for j, t in enumerate(words) if not used[j] and _is_negated_verb(t.form, lex)]
    negators = [j for j, t in enumerate(words) if not used[j] and t.form in lex.negators]
    # "نه خوب نه بد" (neither good nor bad): the same negator twice cancels what it negates
    neither_nor = len(negators) >= 2 and len({words[j].form for j in negators}) < len(negators)
    total = 0.0
    for i, value in opinions:
        for distance, j in enumerate(range(i - 1, max(-1, i - 4), -1)):
            boost = lex.intensifiers.get(words[j].form)
            if boost and not used[j]:
                value += math.copysign(boost * BOOST_DECAY[distance], value)
        if any(i - 2 <= j < i for j in negators):
            value = 0.0 if neither_nor else value * NEGATION_SCALAR
        elif any(i < j <= i + 3 for j in negated):
            value *= NEGATION_SCALAR
        total += value
    if negated and any(t.form in lex.not_anymore for t in words):
        total -= 1.5
    return total


def _clauses(tokens: list[Token], lex: Lexicon) -> list[tuple[float, list[Token]]]:
    """Clauses with their "but" weight: 0.5 before the first ولی/اما/but, 1.5 after it."""
    clauses: list[tuple[bool, list[Token]]] = [(False, [])]
    after_contrast = False
    for token in tokens:
        if token.kind == "word" and token.form in lex.contrast:
            after_contrast = True
            clauses.append((True, []))
        elif token.kind != "word":
            clauses.append((after_contrast, []))
        else:
            clauses[-1][1].append(token)
    weights = (0.5, 1.5) if after_contrast else (1.0, 1.0)
    return [(weights[after], words) for after, words in clauses if words]


def raw_valence(text: str, lex: Lexicon) -> tuple[float, bool]:
    """The summed valence of a Persian comment and whether it carries a sarcasm marker."""
    tokens = tokenize(normalise(text), lex.prefixes)
    total = sum(weight * _clause_valence(words, lex) for weight, words in _clauses(tokens, lex))
    sarcastic = bool(re.search(r"(^|\s)/s\b", text))
    for token in tokens:
        if token.kind == "emoji":
            total += lex.emoji.get(token.text, 0.0)
            sarcastic = sarcastic or token.text in lex.sarcasm
    if total:
        total += math.copysign(min(text.count("!"), 4) * EXCLAMATION, total)
    return total, sarcastic


def is_question(text: str, lex: Lexicon) -> bool:
    """A Persian question: ؟/?, a question word, a clause starting مگه/میشه…, or a pair like ساعت چند."""
    tokens = tokenize(normalise(text), lex.prefixes)
    clause: list[Token] = []
    for token in tokens + [Token("\n", "\n", ("\n",), "punct")]:
        if token.kind == "word":
            clause.append(token)
            continue
        if "?" in token.text or "؟" in token.text:
            return True
        if _clause_asks(clause, lex):
            return True
        clause = []
    return False


def _clause_asks(words: list[Token], lex: Lexicon) -> bool:
    forms = [t.form for t in words]
    while forms and forms[0] in lex.greetings:
        forms = forms[1:]
    if forms and forms[0] in lex.question_starts:
        return True
    for k, form in enumerate(forms):
        if form in lex.question_words and not (k and forms[k - 1] in lex.question_not_after):
            return True
        if k + 1 < len(forms) and (form, forms[k + 1]) in lex.question_phrases:
            return True
    return False
