"""Deterministic, realistic-looking text for the bench corpus: titles, Markdown bodies, comments.

Every function takes a ``random.Random`` so the corpus is a pure function of the seed.
English and Persian vocabularies keep the Markdown renderer, the grapheme counter
and the right-to-left detection honest.
"""

from __future__ import annotations

import random
import re

EN_WORDS = """
coffee roast beans espresso latte cortado filter brew morning harvest origin farm cup
barista grinder kettle crema aroma sweet bright chocolate berry citrus caramel nutty floral
washed natural honey process altitude cherry season blend single friday weekend tasting
cupping class workshop neighbourhood community market bakery pastry croissant oat milk
menu winter spring summer autumn holiday gift box voucher recipe pour over chemex
aeropress cold brew iced tonic shop counter team schedule delivery order subscription
local bike bag sustainable compost reusable deposit fresh slow careful small batch roastery
guest friend regular music vinyl evening open late early hours sunday news story photo
""".split()
EN_VERBS = "try taste join visit meet bring share order grab sip love celebrate welcome".split()
FA_WORDS = """
قهوه دانه برشته صبح فنجان شیر کیک شیرینی دوست خانواده کارگاه کلاس پاییز زمستان
بهار تابستان هدیه جعبه تازه طعم عطر شکلات توت مزرعه محله بازار شنبه جمعه عصر شب
یلدا انار هندوانه چای دارچین زعفران گلاب مهمان تیم باریستا دمی سرد گرم نوروز
""".split()
HASHTAGS = ["#coffee", "#specialtycoffee", "#latteart", "#roastery", "#smallbusiness", "#قهوه", "#yalda"]
MENTIONS = ["@juniperash@mastodon.example", "@beanfarm.bsky.social", "@localbakery"]
TEAM = ["sara", "reza", "maya", "tom", "leila"]
CAMPAIGNS = ["winter-sale", "latte-art-class", "new-origins", "yalda-night", "spring-menu", "subscriptions", None]
TAGS = ["sale", "class", "origin", "event", "menu", "team", "community", "holiday"]


def _sentence(rng: random.Random, words: list[str], lo: int = 6, hi: int = 16, markup: bool = True) -> str:
    picked = [rng.choice(words) for _ in range(rng.randint(lo, hi))]
    if markup and rng.random() < 0.25:
        i = rng.randrange(len(picked))
        picked[i] = f"**{picked[i]}**" if rng.random() < 0.5 else f"*{picked[i]}*"
    if markup and rng.random() < 0.15:
        i = rng.randrange(len(picked))
        picked[i] = f"[{picked[i]}](https://example.org/{rng.choice(EN_WORDS)}/{rng.randint(1, 999)})"
    if markup and rng.random() < 0.08:
        picked.append(rng.choice(HASHTAGS))
    if markup and rng.random() < 0.04:
        picked.insert(0, rng.choice(MENTIONS))
    text = " ".join(picked)
    end = rng.choice([".", ".", ".", "!", "?" if words is EN_WORDS else "؟"])
    return text[0].upper() + text[1:] + end


def _paragraph(rng: random.Random, words: list[str]) -> str:
    return " ".join(_sentence(rng, words) for _ in range(rng.randint(2, 5)))


def _block(rng: random.Random, words: list[str]) -> str:
    roll = rng.random()
    if roll < 0.15:
        marker = "-" if rng.random() < 0.6 else None
        items = [_sentence(rng, words, 3, 9) for _ in range(rng.randint(3, 5))]
        return "\n".join(f"{marker} {t}" if marker else f"{n}. {t}" for n, t in enumerate(items, 1))
    if roll < 0.22:
        return "## " + _sentence(rng, words, 2, 5, markup=False).rstrip(".!?؟")
    if roll < 0.27:
        return "> " + _sentence(rng, words)
    return _paragraph(rng, words)


def body(rng: random.Random, target_bytes: int, persian: bool, thread: bool) -> str:
    """Markdown of about ``target_bytes`` UTF-8 bytes; a thread splits into 2-4 parts."""
    words = FA_WORDS if persian else EN_WORDS
    blocks: list[str] = []
    size = 0
    while size < target_bytes:
        block = _block(rng, words)
        blocks.append(block)
        size += len(block.encode("utf-8")) + 2
    if thread and len(blocks) >= 2:
        cuts = sorted(rng.sample(range(1, len(blocks)), min(len(blocks) - 1, rng.randint(1, 3))))
        for offset, cut in enumerate(cuts):
            blocks.insert(cut + offset, "---8<---")
    # a link on its own line, as people paste them
    blocks.append(f"More: https://example.org/p/{rng.randint(1000, 9999)}")
    return "\n\n".join(blocks)


def short_text(rng: random.Random, persian: bool, link: str) -> str:
    """A variant for a short-form network: well under Bluesky's 300 and X's 280 weighted."""
    words = FA_WORDS if persian else EN_WORDS
    budget = 100 if persian else 190
    text = _sentence(rng, words, 4, 12, markup=False)
    while len(text) > budget:
        text = text[: text.rfind(" ")] + "."
    return f"{text} {link}"


def title(rng: random.Random, persian: bool) -> str:
    if persian:
        return " ".join(rng.choice(FA_WORDS) for _ in range(rng.randint(2, 5)))
    text = " ".join(rng.choice(EN_WORDS) for _ in range(rng.randint(3, 7)))
    return text[0].upper() + text[1:]


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


COMMENTS_EN = [
    ("question", "neutral", "What time do you open on {w}? Is the {w} still on the menu"),
    ("positive", "positive", "Loved the {w} yesterday, the {w} was perfect"),
    ("negative", "negative", "My {w} order arrived late and the {w} was cold, not what I paid for"),
    ("neutral", "neutral", "Shared this with a friend who runs a {w} shop"),
    ("positive", "positive", "Best {w} in the neighbourhood, thank you team"),
    ("question", "neutral", "Do you ship the {w} box outside the city"),
]
COMMENTS_FA = [
    ("question", "neutral", "ساعت کاری {w} چیه؟"),
    ("positive", "positive", "{w} دیروز عالی بود، ممنون"),
    ("negative", "negative", "سفارش {w} دیر رسید و {w} سرد بود"),
]


def comment(rng: random.Random, persian: bool) -> tuple[str, str, str]:
    """(intent, sentiment, text) of one reply or mention."""
    words = FA_WORDS if persian else EN_WORDS
    intent, sentiment, pattern = rng.choice(COMMENTS_FA if persian else COMMENTS_EN)
    text = pattern.format_map(_Words(rng, words))
    if intent == "question" and not persian:
        text += "?"
    elif not persian:
        text += rng.choice([".", "!", " ☕", " 🙌🏽"])
    return intent, sentiment, text


class _Words(dict):
    def __init__(self, rng: random.Random, words: list[str]):
        super().__init__()
        self.rng, self.words = rng, words

    def __missing__(self, key: str) -> str:
        return self.rng.choice(self.words)
