"""Intent and sentiment of a comment, offline: a question rule, VADER for English, a lexicon for Persian.

``classify(text, lang)`` returns an intent and a sentiment, each a Judgement
(value, score, source) with value positive | negative | question | neutral:

1. the question rule (source ``rule``): ``?``/``؟`` outside links, or question
   words and patterns in English (socialgit/lexicons/en.yaml) and Persian
   (fa.yaml), so "do you ship to Montreal" is a question without its mark;
2. the sentiment: English with VADER 3.3.2 (source ``vader-<version>``) plus a
   small override lexicon for what VADER misses (en.yaml: café complaints,
   phrases, sarcasm markers); Persian with the shipped lexicon (source
   ``lexicon-fa``, see sentiment_fa.py). Emoji use our own table (emoji.yaml),
   because VADER reads emoji as English descriptions and gets ❤️ 🔥 💔 wrong.
   Labels use VADER's thresholds: compound ≥ 0.05 positive, ≤ -0.05 negative.

The intent is the question when the rule fires, else the sentiment's label.
``apply`` turns a Classification into front-matter changes and never replaces
what a person wrote (``source: human``, or a bare value typed by hand).
Nothing is downloaded: the lexicons ship in the wheel.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata, resources
from typing import Any, Iterable, Mapping

import yaml
from vaderSentiment.vaderSentiment import BOOSTER_DICT, NEGATE, SentimentIntensityAnalyzer

from . import sentiment_fa
from .feedback import Judgement
from .vocabulary import LABELS

THRESHOLD = 0.05
HUMAN = "human"
RULE = "rule"
LEXICON_FA = "lexicon-fa"
MACHINE_PREFIXES = ("rule", "vader", "lexicon")  # sources a re-run may replace
_VADER_ALPHA = 15  # VADER's normalisation constant: compound = x / sqrt(x² + 15)
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
_MENTION = re.compile(r"(?<![\w@])@[\w.\-]+(?:@[\w.\-]+)?")
_SENTENCE = re.compile(r"[.!?\n…]+")
_CLAUSE = re.compile(r"[,;:]+")
_GREETING = re.compile(r"^(?:(?:hi|hey|hello|hiya|yo|good (?:morning|afternoon|evening)|guys|folks|team|all)"
                       r"\b[\s,!]*)+")


@dataclass(frozen=True)
class Classification:
    intent: Judgement
    sentiment: Judgement
    lang: str  # the language the text was scored as: en | fa


@dataclass(frozen=True)
class _English:
    analyzer: SentimentIntensityAnalyzer
    phrases: tuple[tuple[re.Pattern, float], ...]
    sarcasm: tuple[re.Pattern, ...]
    question_starts: tuple[re.Pattern, ...]
    sentence_starts: tuple[re.Pattern, ...]
    question_anywhere: tuple[re.Pattern, ...]
    rhetorical: tuple[re.Pattern, ...]
    source: str


@dataclass(frozen=True)
class _Models:
    english: _English
    persian: sentiment_fa.Lexicon
    emoji: Mapping[str, float]
    sarcasm_emoji: frozenset[str]


def _read(name: str) -> str:
    return resources.files("socialgit").joinpath("lexicons", name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def models() -> _Models:
    """Load the lexicons once (about 20 ms); they are package data, never fetched."""
    emoji_data = yaml.safe_load(_read("emoji.yaml"))
    emoji = {str(k): float(v) for k, v in emoji_data["valence"].items()}
    sarcasm_emoji = frozenset(emoji_data.get("sarcasm", ()))
    en = yaml.safe_load(_read("en.yaml"))
    analyzer = SentimentIntensityAnalyzer()
    analyzer.lexicon.update({str(k).lower(): float(v) for k, v in en["words"].items()})
    phrases = tuple((re.compile(r"(?<!\w)" + re.escape(str(p).lower()) + r"(?!\w)", re.IGNORECASE), float(w))
                    for p, w in sorted(en["phrases"].items(), key=lambda kv: -len(str(kv[0]))))
    questions = en["questions"]
    english = _English(
        analyzer=analyzer, phrases=phrases,
        sarcasm=tuple(re.compile(p, re.IGNORECASE) for p in en["sarcasm"]),
        question_starts=tuple(re.compile(p, re.IGNORECASE) for p in questions["starts"]),
        sentence_starts=tuple(re.compile(p, re.IGNORECASE) for p in questions["sentence_starts"]),
        question_anywhere=tuple(re.compile(p, re.IGNORECASE) for p in questions["anywhere"]),
        rhetorical=tuple(re.compile(p, re.IGNORECASE) for p in questions.get("rhetorical", ())),
        source=f"vader-{metadata.version('vaderSentiment')}",
    )
    persian = sentiment_fa.load_lexicon(
        _read("fa.yaml"), latin_words=analyzer.lexicon, latin_boosters=BOOSTER_DICT, latin_negators=NEGATE,
        emoji=emoji, sarcasm=sarcasm_emoji)
    return _Models(english, persian, emoji, sarcasm_emoji)


def _clean(text: str) -> str:
    """Links and @handles say nothing about tone, and a link's "?" is not a question."""
    return _MENTION.sub(" ", _URL.sub(" ", text)).replace("’", "'")


def _is_arabic_letter(char: str) -> bool:
    return char.isalpha() and ("\u0600" <= char <= "\u06ff" or "\u0750" <= char <= "\u077f"
                               or "\ufb50" <= char <= "\ufdff" or "\ufe70" <= char <= "\ufefc")


def detect_language(text: str, lang: str | None = None) -> str:
    """fa or en. ``lang`` (the network's tag) is used when the text has letters of that script.

    The script decides otherwise, because a network's tag is the poster's default
    language, not the comment's: a Persian comment tagged ``en`` is still Persian.
    A comment at least one third Arabic-script letters is Persian.
    """
    letters = [c for c in _clean(text) if c.isalpha()]
    arabic = sum(map(_is_arabic_letter, letters))
    wanted = (lang or "").lower().replace("_", "-").split("-")[0]
    if wanted == "fa" and arabic:
        return "fa"
    if wanted == "en" and len(letters) > arabic:
        return "en"
    if not letters and wanted in ("fa", "en"):
        return wanted
    return "fa" if arabic and arabic * 3 >= len(letters) else "en"


def is_question(text: str, lang: str) -> bool:
    """The question rule: a question mark outside links, or a question word or pattern."""
    english = models().english
    lowered = _clean(text).lower()
    for pattern in english.rhetorical:
        lowered = pattern.sub(" ", lowered)
    if "?" in lowered or "؟" in lowered:
        return True
    if lang == "fa" and sentiment_fa.is_question(lowered, models().persian):
        return True
    if any(p.search(lowered) for p in english.question_anywhere):
        return True
    for sentence in _SENTENCE.split(lowered):
        for number, clause in enumerate(_CLAUSE.split(sentence)):
            clause = _GREETING.sub("", clause.strip())
            patterns = english.question_starts + (english.sentence_starts if number == 0 else ())
            if clause and any(p.match(clause) for p in patterns):
                return True
    return False


def _compound(total: float) -> float:
    return max(-1.0, min(1.0, total / math.sqrt(total * total + _VADER_ALPHA)))


def _raw(compound: float) -> float:
    """VADER's summed valence back from its compound score (the inverse of its normalisation)."""
    compound = max(-0.9999, min(0.9999, compound))
    return compound * math.sqrt(_VADER_ALPHA / (1 - compound * compound))


def _english_valence(text: str, m: _Models) -> tuple[float, bool]:
    english = m.english
    lowered = text.lower()
    sarcastic = any(p.search(lowered) for p in english.sarcasm)
    extra = 0.0
    for pattern, weight in english.phrases:
        text, count = pattern.subn(" ", text)
        extra += weight * count
    kept = []
    for char in text:
        if char in m.emoji or char in english.analyzer.emojis or char in sentiment_fa._IGNORED:
            extra += m.emoji.get(char, 0.0)
            sarcastic = sarcastic or char in m.sarcasm_emoji
            kept.append(" ")
        else:
            kept.append(char)
    compound = english.analyzer.polarity_scores("".join(kept))["compound"] if "".join(kept).strip() else 0.0
    return _raw(compound) + extra, sarcastic


def _label(score: float) -> str:
    return "positive" if score >= THRESHOLD else "negative" if score <= -THRESHOLD else "neutral"


def classify(text: str, lang: str | None = None) -> Classification:
    """Intent and sentiment of one comment (plain text), offline."""
    m = models()
    language = detect_language(text, lang)
    cleaned = _clean(text)
    if language == "fa":
        total, sarcastic = sentiment_fa.raw_valence(cleaned, m.persian)
        source = LEXICON_FA
    else:
        total, sarcastic = _english_valence(cleaned, m)
        source = m.english.source
    if sarcastic:  # praise next to a sarcasm marker is a complaint, and a bare marker is a mild one
        total = min(-abs(total), -1.0)
    score = round(_compound(total), 4)
    sentiment = Judgement(_label(score), score, source)
    intent = Judgement("question", 1.0, RULE) if is_question(text, language) else sentiment
    return Classification(intent, sentiment, language)


def judgement_fields(judgement: Judgement) -> dict[str, Any]:
    """A Judgement as front matter: {value, score, source} (score left out when there is none)."""
    fields: dict[str, Any] = {"value": judgement.value}
    if judgement.score is not None:
        fields["score"] = round(float(judgement.score), 4)
    fields["source"] = judgement.source
    return fields


def set_by_machine(value: Any) -> bool:
    """True when a field was written by a classifier or rule; a bare value typed by hand is a person's."""
    if not isinstance(value, Mapping):
        return False
    source = str(value.get("source") or "")
    return source.startswith(MACHINE_PREFIXES)


def apply(item_fields: Mapping[str, Any], classification: Classification, refresh: bool = False) -> dict[str, Any]:
    """Front-matter changes that record a classification on an item.

    Empty intent/sentiment fields are filled; with ``refresh`` a field a classifier
    or rule wrote is replaced too. A person's value (``source: human``, or any value
    without a machine source, like ``sentiment: negative`` typed in a pull request)
    is never touched. ``lang`` is filled when empty.
    """
    changes: dict[str, Any] = {}
    for key in ("intent", "sentiment"):
        current = item_fields.get(key)
        empty = current in (None, "", {})
        if empty or (refresh and set_by_machine(current)):
            new = judgement_fields(getattr(classification, key))
            if new != current:
                changes[key] = new
    if not item_fields.get("lang"):
        changes["lang"] = classification.lang
    return changes


@dataclass(frozen=True)
class Scores:
    total: int
    correct: int
    labels: tuple[str, ...]
    confusion: dict[tuple[str, str], int]  # (gold, predicted) → count

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def precision(self, label: str) -> float | None:
        predicted = sum(n for (_, p), n in self.confusion.items() if p == label)
        return self.confusion.get((label, label), 0) / predicted if predicted else None

    def recall(self, label: str) -> float | None:
        gold = sum(n for (g, _), n in self.confusion.items() if g == label)
        return self.confusion.get((label, label), 0) / gold if gold else None


def score_labels(pairs: Iterable[tuple[str, str]], labels: Iterable[str] = LABELS) -> Scores:
    """Accuracy and a confusion table from (gold, predicted) pairs."""
    confusion: dict[tuple[str, str], int] = {}
    total = correct = 0
    for gold, predicted in pairs:
        confusion[(gold, predicted)] = confusion.get((gold, predicted), 0) + 1
        total += 1
        correct += gold == predicted
    seen = tuple(labels) + tuple(sorted({x for pair in confusion for x in pair} - set(labels)))
    return Scores(total, correct, seen, confusion)


def confusion_table(scores: Scores) -> str:
    """A plain-text confusion table: gold labels down, predicted across, with recall and precision."""
    labels = [label for label in scores.labels
              if any(label in pair for pair, n in scores.confusion.items() if n)]
    width = max([len(label) for label in labels] + [9]) + 2
    corner = "gold \\ predicted"
    first = max(len(corner), width) + 1
    lines = [corner.ljust(first) + "".join(label.rjust(width) for label in labels) + "   recall"]
    for gold in labels:
        cells = "".join(str(scores.confusion.get((gold, p), 0)).rjust(width) for p in labels)
        recall = scores.recall(gold)
        lines.append(gold.ljust(first) + cells + ("   " + f"{recall:.0%}" if recall is not None else "   -"))
    precision = "".join((f"{p:.0%}" if (p := scores.precision(label)) is not None else "-").rjust(width)
                        for label in labels)
    lines.append("precision".ljust(first) + precision)
    return "\n".join(lines)
