"""The site in its locale: complete catalogues, no hard-coded words in the theme, Persian words,
digits and Jalali dates on a Persian site, ISO dates and ASCII digits where machines read them."""

from __future__ import annotations

import json
import re
import tomllib
from datetime import date, datetime, timezone
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2
import pytest
from babel.messages.pofile import read_po

from socialgit import i18n
from socialgit.site import build_site
from socialgit.site import calendar_math as cm
from socialgit.site.render import isolate_html, isolate_text
from socialgit.site.theme import THEME_DIR

PROJECT = Path(__file__).resolve().parents[1]
DEMO_FA = PROJECT / "demo" / "fa"
TEHRAN = ZoneInfo("Asia/Tehran")
FA = i18n.Locale("fa", "jalali")
EN = i18n.ENGLISH


def ids(catalog) -> set[tuple[str | None, str]]:
    return {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalog if m.id}


def load(language: str):
    path = i18n.LOCALE_DIR / language / "LC_MESSAGES" / "socialgit.po"
    with path.open("rb") as source:
        return read_po(source, locale=language)


# --- the catalogues ------------------------------------------------------------

@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_each_catalogue_has_exactly_the_messages_the_theme_and_pages_use(language):
    used, catalog = ids(i18n.extract_messages()), load(language)
    assert used - ids(catalog) == set(), f"run scripts/update_catalogues.py, then translate"
    assert ids(catalog) - used == set(), f"unused messages: run scripts/update_catalogues.py"


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_every_message_is_translated_with_the_same_placeholders(language):
    catalog = load(language)
    untranslated = [m.id for m in catalog if m.id and (m.fuzzy or not all(
        m.string if isinstance(m.string, tuple) else [m.string]))]
    assert untranslated == []
    assert [(m.id, errors) for m, errors in catalog.check()] == []
    for message in catalog:
        if message.id:
            wanted = set(re.findall(r"%\((\w+)\)s", str(message.id)))
            for text in message.string if isinstance(message.string, tuple) else [message.string]:
                # a translation may leave a value out (Persian drops a bare "+0330"), never invent one
                assert set(re.findall(r"%\((\w+)\)s", text)) <= wanted, message.id


def test_the_persian_catalogue_uses_persian_words_for_the_states():
    words = {state: FA.word("state", state) for state in ("draft", "scheduled", "published", "missed")}
    assert words == {"draft": "پیش‌نویس", "scheduled": "زمان‌بندی‌شده", "published": "منتشرشده",
                     "missed": "ازدست‌رفته"}
    assert FA.word("state", "some-new-state") == "some-new-state"  # an unknown value shows as it is


def test_the_pot_file_is_up_to_date():
    with (i18n.LOCALE_DIR / "socialgit.pot").open("rb") as source:
        assert ids(read_po(source)) == ids(i18n.extract_messages())


def test_the_wheel_ships_the_catalogues_and_nothing_needs_compiling():
    data = tomllib.loads((PROJECT / "pyproject.toml").read_text())
    patterns = data["tool"]["setuptools"]["package-data"]["socialgit"]
    shipped = {path for pattern in patterns for path in (PROJECT / "socialgit").glob(pattern)}
    catalogues = sorted(i18n.LOCALE_DIR.rglob("*.po"))
    assert len(catalogues) == len(i18n.LANGUAGES) and set(catalogues) <= shipped
    assert not list(i18n.LOCALE_DIR.rglob("*.mo"))  # compiled in memory when loaded: never stale
    assert i18n.translations("fa").gettext("Agenda") == "برنامه"
    dependencies = " ".join(data["project"]["dependencies"])
    assert "babel" in dependencies and "jdatetime" in dependencies


# --- no words hard-coded in the theme ---------------------------------------------

TRANSLATED_ATTRIBUTES = ("aria-label", "title", "alt", "placeholder")
NOT_WORDS = {"posts.json"}  # a file name
GETTEXT = {"_", "gettext", "ngettext", "pgettext"}


class TextNodes(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.found += [value for name, value in attrs if name in TRANSLATED_ATTRIBUTES and value]

    def handle_data(self, data):
        self.found.append(data)


def hard_coded(source: str) -> list[str]:
    """Words in a template that no catalogue sees: text outside {% trans %} and _(), or a sentence in a string."""
    env = jinja2.Environment(extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
    markup, found, in_trans, block, calls = [], [], False, [], []
    for _, kind, value in env.lex(source):
        if kind == "block_begin":
            block = []
        elif kind == "name" and block == [] and value in ("trans", "endtrans"):
            in_trans = value == "trans"
        if kind == "data" and not in_trans:
            markup.append(value)
        elif kind != "data":
            markup.append(" ")  # an expression: never a word, and harmless inside a tag
        if kind in ("name", "operator", "string"):
            block.append(value)
        if kind == "string":
            # keys like "partly published" are lower case; a sentence is capitalised or ends with a stop
            inside_gettext = len(calls) >= 2 and calls[-1] == "(" and calls[-2] in GETTEXT
            text = value[1:-1]  # the lexer gives the string as written, quotes included
            if re.match(r"[A-Z][a-z]|.*[a-z]\.$", text) and not inside_gettext:
                found.append(f"string {text!r}")
        if kind in ("name", "operator"):
            calls.append(value)
    parser = TextNodes()
    parser.feed("".join(markup))
    for text in parser.found:
        words = [w for w in re.findall(r"[^\W\d_][\w.]*", text) if w not in NOT_WORDS]
        if words:
            found.append(" ".join(text.split()))
    return found


@pytest.mark.parametrize("name", sorted(p.name for p in THEME_DIR.glob("*.html")))
def test_no_template_has_words_outside_the_catalogue(name):
    assert hard_coded((THEME_DIR / name).read_text(encoding="utf-8")) == []


def test_the_template_check_finds_hard_coded_words():
    found = hard_coded('<p title="Next week">{% trans %}Fine{% endtrans %} Oops {{ x or "Nothing here." }}'
                       '{{ _("Also fine.") }} {{ "draft" }}</p>')
    assert found == ["string 'Nothing here.'", "Next week", "Oops"]


# --- words, digits and dates ---------------------------------------------------------

def test_english_dates_read_as_before():
    toronto = ZoneInfo("America/Toronto")
    moment = datetime(2026, 11, 16, 14, 30, tzinfo=timezone.utc)
    assert EN.moment(moment, toronto) == "Mon 16 Nov 2026, 09:30 EST"
    assert EN.short_moment(moment, toronto) == "Mon 16 Nov 09:30"
    assert EN.day_title(date(2026, 11, 17), date(2026, 11, 16)) == "Tomorrow · Tuesday 17 November 2026"
    assert EN.utc_text(moment) == "2026-11-16 14:30 UTC"
    assert EN.week_title(2026, 48, cm.week_dates(2026, 48, "monday")) == "Week 48, 2026 · 23–29 November 2026"
    assert EN.duration(65) == "1 h 05 min" and EN.duration(45) == "45 min"


def test_persian_dates_are_jalali_with_persian_words_and_digits():
    moment = datetime(2026, 11, 16, 6, 0, tzinfo=timezone.utc)  # 09:30 in Tehran
    assert FA.moment(moment, TEHRAN) == "دوشنبه ۲۵ آبان ۱۴۰۵، ساعت ۰۹:۳۰"  # the bare +0330 is left to the footer
    assert FA.moment(moment, ZoneInfo("Europe/Berlin")) == "دوشنبه ۲۵ آبان ۱۴۰۵، ساعت ۰۷:۰۰ CET"
    assert FA.day_title(date(2026, 11, 16), date(2026, 11, 16)) == "امروز، دوشنبه ۲۵ آبان ۱۴۰۵"
    assert FA.month_title(1405, 9) == "آذر ۱۴۰۵" and FA.month_title_of(date(2026, 12, 21)) == "آذر ۱۴۰۵"
    assert FA.utc_text(moment) == "۱۶ نوامبر ۲۰۲۶، ساعت ۰۶:۰۰ به وقت UTC"  # the Gregorian date beside
    assert FA.week_title(2026, 47, cm.week_dates(2026, 47, "saturday")) == "هفتهٔ ۳۵: ۲۳ تا ۲۹ آبان ۱۴۰۵"
    assert FA.span(date(2026, 11, 20), date(2026, 11, 26)) == "۲۹ آبان تا ۵ آذر ۱۴۰۵"
    assert FA.other_date(date(2026, 11, 16)) == "۱۶ نوامبر" and EN.other_date(date(2026, 11, 16)) == ""
    assert FA.join(["ماستودون", "بلواسکای"]) == "ماستودون، بلواسکای"
    assert FA.digits("09:30 W47 2026-11-16") == "۰۹:۳۰ W۴۷ ۱۴۰۵-۱۱-۱۶".replace("۱۴۰۵", "۲۰۲۶")


def test_numbers_have_the_languages_digits_decimal_mark_and_grouping():
    assert EN.number(1234.5, 2) == "1,234.50" and EN.number(1234) == "1,234"
    # a Persian full stop would read as the digit zero, and a comma as the Persian comma
    assert FA.number(1234.5, 2) == "۱٬۲۳۴٫۵۰" and FA.number(0.876, 2) == "۰٫۸۸"


def test_english_words_on_a_jalali_calendar():
    english_jalali = i18n.Locale("en", "jalali")
    assert english_jalali.month_title(1405, 1) == "Farvardin 1405"
    assert english_jalali.date_text(date(2026, 3, 21), weekday="long") == "Saturday 1 Farvardin 1405"
    assert english_jalali.other_date(date(2026, 3, 21)) == "21 Mar"


def test_text_direction_is_the_majority_of_letters_not_the_first_one():
    assert i18n.text_direction("@naroon سلام، جمعه‌ها هم باز هستید؟") == "rtl"
    assert i18n.text_direction("Lovely idea! Can I bring German books too?") == "ltr"


def test_urls_and_hashtags_of_the_other_direction_are_isolated():
    html = isolate_html("<p>فهرست کامل: https://naroon.example/new. #کتاب_تازه #BookTok</p><pre>#x</pre>", "rtl")
    assert html == ("<p>فهرست کامل: <bdi>https://naroon.example/new</bdi>. #کتاب_تازه <bdi>#BookTok</bdi></p>"
                    "<pre>#x</pre>")
    assert isolate_text("Toronto #تورنتو & it's", "ltr") == "Toronto <bdi>#تورنتو</bdi> &amp; it&#39;s"


# --- the Persian demo, built ------------------------------------------------------------

@pytest.fixture(scope="module")
def fa_site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("fa") / "site"
    build_site(DEMO_FA, out, datetime(2026, 11, 16, 10, 0, tzinfo=TEHRAN), use_cache=False)
    return out


class Page(HTMLParser):
    """Text a person reads (outside user content), and the attributes machines read."""

    # code, names and titles from people (the insights charts are looked at: their words are the site's too)
    USER = ("code", "bdi", "time")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.html_attrs: dict[str, str] = {}
        self.texts: list[str] = []
        self.machine: list[str] = []  # href, src, id, datetime values
        self.links: list[str] = []
        self.stack: list[bool] = []  # per open element: is it (inside) user content
        self.svg = 0  # open <svg> elements: a <title> in one is a chart's tooltip, not the page's title

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "html":
            self.html_attrs = values
        self.svg += tag == "svg"
        self.machine += [values[k] for k in ("href", "src", "id", "datetime") if values.get(k)]
        self.links += [values[k] for k in ("href", "src") if values.get(k)]
        # a lang attribute marks text in another language, except on <html>, where it is the page's own
        user = (tag in self.USER or ("lang" in values and tag != "html") or values.get("dir") in ("auto", "ltr")
                or any(c in values.get("class", "") for c in ("post-title", "chip-title", "part-text"))
                or "ch" == values.get("class") or tag in ("script", "style")
                or (tag == "title" and not self.svg))
        if tag not in ("br", "hr", "img", "meta", "link", "input", "use", "circle", "line", "polyline", "path"):
            self.stack.append(user or (bool(self.stack) and self.stack[-1]))

    def handle_startendtag(self, tag, attrs):  # <line/>: opens nothing
        self.machine += [v for k, v in attrs if k in ("href", "src", "id", "datetime") and v]
        self.links += [v for k, v in attrs if k in ("href", "src") and v]

    def handle_endtag(self, tag):
        self.svg -= tag == "svg"
        if self.stack and tag not in ("br", "hr", "img", "meta", "link", "input"):
            self.stack.pop()

    def handle_data(self, data):
        if not (self.stack and self.stack[-1]) and data.strip():
            self.texts.append(data.strip())


def parsed(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def test_every_persian_page_is_right_to_left_and_persian(fa_site):
    pages = sorted(fa_site.rglob("*.html"))
    assert len(pages) > 40
    for path in pages:
        assert parsed(path).html_attrs == {"lang": "fa", "dir": "rtl"}, path


def test_the_persian_pages_show_no_english_word_of_the_interface(fa_site):
    # Latin words a Persian page may show: names of things (feeds, formats, the tool), channels' English
    # networks in user text are inside <bdi>/lang/dir="auto" and not looked at
    allowed = {"iCalendar", "Atom", "posts.json", "socialgit", "UTC"}
    found = {}
    for path in sorted(fa_site.rglob("*.html")):
        for text in parsed(path).texts:
            words = set(re.findall(r"[A-Za-z][A-Za-z.]*", text)) - allowed
            if words:
                found.setdefault(text, path.relative_to(fa_site).as_posix())
    assert found == {}


def test_numbers_people_read_are_persian_and_those_machines_read_are_ascii(fa_site):
    for path in sorted(fa_site.rglob("*.html")):
        page = parsed(path)
        assert not [t for t in page.texts if re.search(r"[0-9]", t) and "socialgit" not in t], path
        assert not [v for v in page.machine if re.search(r"[۰-۹]", v)], path
    month = (fa_site / "calendar/1405/08/index.html").read_text(encoding="utf-8")
    assert '<time datetime="2026-11-16T09:30">۰۹:۳۰</time>' in month
    assert 'id="d-2026-11-16"' in (fa_site / "calendar/2026/W47/index.html").read_text(encoding="utf-8")


def test_the_feeds_keep_iso_dates_and_ascii_digits(fa_site):
    posts = json.loads((fa_site / "posts.json").read_text(encoding="utf-8"))
    swap = next(p for p in posts["posts"] if p["id"] == "english-book-swap")
    assert swap["publish_at"].startswith("2026-11-03T") and not re.search(r"[۰-۹]", json.dumps(posts))
    ics = (fa_site / "calendar.ics").read_text(encoding="utf-8")
    assert "DTSTART:20261103T083000Z" in ics.replace("\r\n ", "")
    assert "<updated>2026-" in (fa_site / "feed.xml").read_text(encoding="utf-8")


def test_jalali_months_are_the_month_pages_and_every_link_between_pages_resolves(fa_site):
    months = sorted(p.parent.relative_to(fa_site).as_posix() for p in (fa_site / "calendar").glob("*/*/index.html")
                    if not p.parent.name.startswith("W"))
    assert months == ["calendar/1405/07", "calendar/1405/08", "calendar/1405/09"]  # Mehr, Aban, Azar
    aban = (fa_site / "calendar/1405/08/index.html").read_text(encoding="utf-8")
    assert "<h1>آبان ۱۴۰۵</h1>" in aban and 'href="../../../calendar/1405/09/index.html">آذر ۱۴۰۵' in aban
    assert '<abbr title="شنبه">شنبه</abbr>' in aban.split("<tbody>")[0].split("</th>")[1]  # Saturday first
    broken = []
    for path in sorted(fa_site.rglob("*.html")):
        for link in parsed(path).links:
            target = link.split("#")[0]
            if link.startswith(("http://", "https://", "#")) or not target or "://" in link:
                continue
            if not (path.parent / target).resolve().is_file():
                broken.append(f"{path.relative_to(fa_site)} → {link}")
    assert broken == []


def test_a_persian_post_with_an_english_url_and_hashtag_isolates_them(fa_site):
    html = (fa_site / "posts/tazeha-aban/index.html").read_text(encoding="utf-8")
    assert '<div class="body" dir="rtl" lang="fa">' in html
    assert "<bdi>https://naroon.example/new</bdi>" in html and "<bdi>#BookTok</bdi>" in html
    english = (fa_site / "posts/english-book-swap/index.html").read_text(encoding="utf-8")
    assert '<h1 id="post-title" dir="ltr" lang="en">English book swap on Thursday</h1>' in english
