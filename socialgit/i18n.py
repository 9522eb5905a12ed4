"""The site's language: UI strings from gettext catalogues, Persian digits, dates in words.

Catalogues are gettext ``.po`` files, ``socialgit/locale/<lang>/LC_MESSAGES/socialgit.po``,
shipped in the wheel. Babel compiles one in memory the first time its language is used,
so neither an editable install nor a wheel needs a compile step and no ``.mo`` can go
stale. Message ids are the English strings; the English catalogue maps each to itself
and is where a team can reword the interface without touching a template.
``scripts/update_catalogues.py`` extracts the ids from the templates and the page code.

Dates are written in the configured calendar system (jalali.py). In a Persian
site every number a person reads uses Persian digits (۰۱۲۳۴۵۶۷۸۹); URLs, ids,
``datetime`` attributes and the feeds keep ASCII digits and ISO dates.
"""

from __future__ import annotations

import functools
import gettext
import io
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from . import jalali

PACKAGE = Path(__file__).resolve().parent
LOCALE_DIR = PACKAGE / "locale"
DOMAIN = "socialgit"
LANGUAGES = ("en", "fa")
RIGHT_TO_LEFT = frozenset({"fa"})
_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def N_(message: str) -> str:
    """Marks a message id for extraction where it is translated later, by a lookup."""
    return message


def C_(context: str, message: str) -> tuple[str, str]:
    """Marks a message id with a context (pgettext) for extraction, translated later."""
    return context, message


WEEKDAYS = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday"),
            N_("Sunday"))
WEEKDAYS_SHORT = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))
MONTHS = {
    jalali.GREGORIAN: (N_("January"), N_("February"), N_("March"), N_("April"), N_("May"), N_("June"),
                       N_("July"), N_("August"), N_("September"), N_("October"), N_("November"),
                       N_("December")),
    jalali.JALALI: (N_("Farvardin"), N_("Ordibehesht"), N_("Khordad"), N_("Tir"), N_("Mordad"), N_("Shahrivar"),
                    N_("Mehr"), N_("Aban"), N_("Azar"), N_("Dey"), N_("Bahman"), N_("Esfand")),
}
MONTHS_SHORT = {
    jalali.GREGORIAN: (N_("Jan"), N_("Feb"), N_("Mar"), N_("Apr"), N_("May"), N_("Jun"), N_("Jul"), N_("Aug"),
                       N_("Sep"), N_("Oct"), N_("Nov"), N_("Dec")),
    jalali.JALALI: MONTHS[jalali.JALALI],  # Jalali month names have no customary abbreviations
}
# words the site shows for values it reads from files (a state, a kind of feedback…): looked up by
# Locale.word(kind, value) with the kind as the message context; listed here so extraction finds them
WORDS = (
    C_("state", "draft"), C_("state", "scheduled"), C_("state", "due"), C_("state", "published"),
    C_("state", "partly published"), C_("state", "failed"), C_("state", "uncertain"), C_("state", "missed"),
    C_("kind", "reply"), C_("kind", "mention"), C_("kind", "quote"),
    C_("sentiment", "positive"), C_("sentiment", "negative"), C_("sentiment", "question"),
    C_("sentiment", "neutral"), C_("sentiment", "unclassified"),
    C_("status", "new"), C_("status", "triaged"), C_("status", "waiting"), C_("status", "done"),
    C_("status", "ignored"),
    C_("level", "error"), C_("level", "warning"),
    C_("network", "mastodon"), C_("network", "bluesky"), C_("network", "x"), C_("network", "none"),
    C_("unit", "characters"), C_("unit", "graphemes"), C_("unit", "weighted characters"),
    C_("time zone", "Asia/Tehran"),
    # why insights left a post out (socialgit.insights)
    C_("skipped", "younger than 48 h"), C_("skipped", "no snapshot between 48 h and 14 days"),
    C_("skipped", "fewer than 3 other posts to compare with"),
    C_("priority", "low"), C_("priority", "normal"), C_("priority", "high"), C_("priority", "urgent"),
    C_("judged", "sentiment"), C_("judged", "intent"),
    C_("channel type", "outbox"), C_("channel type", "mastodon"), C_("channel type", "bluesky"),
    C_("channel type", "webhook"),
    # who judged a comment's sentiment or intent (socialgit.classify)
    C_("source", "rule"), C_("source", "lexicon"), C_("source", "model"),
)


@functools.cache
def translations(language: str) -> gettext.GNUTranslations:
    """The compiled catalogue of ``language`` (compiled in memory once per process)."""
    if language not in LANGUAGES:
        raise ValueError(f"locale {language!r}: use one of {', '.join(LANGUAGES)}")
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as source:
        catalog = read_po(source, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


@functools.lru_cache(maxsize=1 << 12)
def _translated(language: str, context: str | None, message: str) -> str:
    # a feedback log asks for the same few messages 300,000 times; a catalogue never changes in a process
    catalogue = translations(language)
    return catalogue.gettext(message) if context is None else catalogue.pgettext(context, message)


@dataclass(frozen=True)
class Locale:
    """A language and a calendar system: how the site says every word, number and date."""

    language: str = "en"
    calendar: str = jalali.GREGORIAN

    # --- words ---------------------------------------------------------------

    @property
    def translations(self) -> gettext.GNUTranslations:
        return translations(self.language)

    @property
    def system(self) -> jalali.CalendarSystem:
        return jalali.system(self.calendar)

    @property
    def direction(self) -> str:
        return "rtl" if self.language in RIGHT_TO_LEFT else "ltr"

    def gettext(self, message: str, **values) -> str:
        text = _translated(self.language, None, message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, count: int, **values) -> str:
        text = self.translations.ngettext(singular, plural, count)
        return text % values if values else text

    def pgettext(self, context: str, message: str, **values) -> str:
        text = _translated(self.language, context, message)
        return text % values if values else text

    def word(self, kind: str, value: str) -> str:
        """A value read from a file (a state, a network…) in the site's language; unknown ones as they are."""
        return self.pgettext(kind, value) if value else value

    def digits(self, value) -> str:
        """``value`` as text, with Persian digits in a Persian site."""
        text = str(value)
        return text.translate(_PERSIAN_DIGITS) if self.language == "fa" else text

    def number(self, value: float, places: int = 0) -> str:
        """``value`` rounded to ``places`` decimals, thousands grouped: '1,234.50'; '۱٬۲۳۴٫۵۰' in a Persian site.

        The marks come from the catalogue: a Persian full stop would read as the digit zero.
        """
        marks = {",": self.pgettext("thousands separator", ","), ".": self.pgettext("decimal separator", ".")}
        return self.digits("".join(marks.get(c, c) for c in f"{value:,.{places}f}"))

    def join(self, items) -> str:
        return self.pgettext("list separator", ", ").join(items)

    @property
    def separator(self) -> str:
        """What stands between two facts on a line ('·'; Persian uses a bar: a dot reads as the digit zero)."""
        return self.pgettext("separator", "·")

    # --- dates -----------------------------------------------------------------

    def weekday(self, day: date | int, short: bool = False) -> str:
        index = day if isinstance(day, int) else day.weekday()
        return self.gettext((WEEKDAYS_SHORT if short else WEEKDAYS)[index])

    def month_name(self, month: int, short: bool = False, system: str | None = None) -> str:
        names = (MONTHS_SHORT if short else MONTHS)[system or self.calendar]
        return self.gettext(names[month - 1])

    def month_title(self, year: int, month: int) -> str:
        """'November 2026', 'آذر ۱۴۰۵': a month of the site's calendar system."""
        return self.gettext("%(month)s %(year)s", month=self.month_name(month), year=self.digits(year))

    def month_title_of(self, day: date) -> str:
        return self.month_title(*self.system.month_of(day))

    def day_number(self, day: date) -> str:
        return self.digits(self.system.parts(day)[2])

    def month_short_of(self, day: date) -> str:
        return self.month_name(self.system.parts(day)[1], short=True)

    def date_text(self, day: date, weekday: str | None = None, month: str = "long", year: bool = True,
                  system: str | None = None) -> str:
        """'Monday 16 November 2026'; ``weekday`` and ``month`` are None, 'short' or 'long'."""
        chosen = jalali.system(system) if system else self.system
        y, m, d = chosen.parts(day)
        words = [self.weekday(day, short=weekday == "short")] if weekday else []
        words += [self.digits(d), self.month_name(m, short=month == "short", system=chosen.name)]
        if year:
            words.append(self.digits(y))
        return " ".join(words)

    def date_short(self, day: date) -> str:
        """'Mon 16 Nov': a day in a list whose year is plain."""
        return self.date_text(day, weekday="short", month="short", year=False)

    def date_long(self, day: date) -> str:
        """'Monday 16 November'."""
        return self.date_text(day, weekday="long", year=False)

    def other_date(self, day: date, year: bool = False) -> str:
        """The Gregorian day beside a day of another calendar ('16 Nov'); '' on a Gregorian site."""
        if self.calendar == jalali.GREGORIAN:
            return ""
        return self.date_text(day, month="long" if year else "short", year=year, system=jalali.GREGORIAN)

    def time(self, moment: datetime | str) -> str:
        return self.digits(moment if isinstance(moment, str) else f"{moment.hour:02d}:{moment.minute:02d}")

    def moment(self, moment: datetime | None, zone, with_zone: bool = True) -> str:
        """'Mon 16 Nov 2026, 09:30 EST' in the site's time zone; '' for None."""
        if moment is None:
            return ""
        local = moment.astimezone(zone)
        text = self.gettext("%(date)s, %(time)s", date=self._short_date(local.date()), time=self.time(local))
        if not with_zone:
            return text
        name = local.tzname() or ""
        if name[:1] in "+-":  # a bare offset, like Tehran's +0330: a language may leave it to the footer
            return self.pgettext("numeric zone", "%(moment)s %(zone)s", moment=text, zone=self.digits(name))
        return self.gettext("%(moment)s %(zone)s", moment=text, zone=name)

    # a log of 100,000 comments has a few hundred days: each day's words are made once
    @functools.lru_cache(maxsize=1 << 14)
    def _short_date(self, day: date) -> str:
        return self.date_text(day, weekday="short", month="short")

    def short_moment(self, moment: datetime, zone) -> str:
        """'Mon 16 Nov 09:30': for lists where the year and the zone are plain from the page."""
        local = moment.astimezone(zone)
        return self.gettext("%(date)s %(time)s", date=self.date_short(local.date()), time=self.time(local))

    def utc_text(self, moment: datetime) -> str:
        """The instant in UTC: ISO-like on a Gregorian site, the Gregorian date in words beside another calendar."""
        utc = moment.astimezone(timezone.utc)
        if self.calendar == jalali.GREGORIAN:
            return self.gettext("%(when)s UTC", when=self.digits(f"{utc:%Y-%m-%d %H:%M}"))
        when = self.gettext("%(date)s, %(time)s", date=self.date_text(utc.date(), system=jalali.GREGORIAN),
                            time=self.time(utc))
        return self.gettext("%(when)s UTC", when=when)

    def day_title(self, day: date, today: date) -> str:
        """'Today · Monday 16 November 2026'."""
        text = self.date_text(day, weekday="long")
        if day == today:
            return self.gettext("Today · %(date)s", date=text)
        if day == today + timedelta(days=1):
            return self.gettext("Tomorrow · %(date)s", date=text)
        if day == today - timedelta(days=1):
            return self.gettext("Yesterday · %(date)s", date=text)
        return text

    def span(self, first: date, last: date) -> str:
        """'16–22 November 2026', '30 Nov – 6 Dec 2026', '28 Dec 2026 – 3 Jan 2027'."""
        (y1, m1, d1), (y2, m2, d2) = self.system.parts(first), self.system.parts(last)
        if (y1, m1) == (y2, m2):
            return self.gettext("%(first)s–%(last)s %(month)s %(year)s", first=self.digits(d1), last=self.digits(d2),
                                month=self.month_name(m2), year=self.digits(y2))
        start = self.date_text(first, month="short", year=y1 != y2)
        return self.gettext("%(first)s – %(last)s", first=start, last=self.date_text(last, month="short"))

    def week_number(self, iso_year: int, iso_week: int, days: list[date]) -> int:
        """The number a week row shows: the ISO week, or the week of the Jalali year."""
        if self.calendar == jalali.GREGORIAN:
            return iso_week
        return self.system.week_number(days)[1]

    def week_title(self, iso_year: int, iso_week: int, days: list[date]) -> str:
        """'Week 47, 2026 · 16–22 November 2026'; 'هفتهٔ ۳۵ · ۲۴–۳۰ آبان ۱۴۰۵' in the Jalali calendar."""
        span = self.span(days[0], days[-1])
        if self.calendar == jalali.GREGORIAN:
            return self.gettext("Week %(week)s, %(year)s · %(span)s", week=self.digits(iso_week),
                                year=self.digits(iso_year), span=span)
        return self.gettext("Week %(week)s · %(span)s", week=self.digits(self.week_number(iso_year, iso_week, days)),
                            span=span)

    def duration(self, minutes: int) -> str:
        """'3 h', '45 min', '1 h 30 min'."""
        hours, rest = divmod(minutes, 60)
        if hours and rest:
            return self.gettext("%(hours)s h %(minutes)s min", hours=self.digits(hours),
                                minutes=self.digits(f"{rest:02d}"))
        if hours:
            return self.gettext("%(hours)s h", hours=self.digits(hours))
        return self.gettext("%(minutes)s min", minutes=self.digits(rest))

    def zone_name(self, key: str) -> str:
        return self.word("time zone", key)


ENGLISH = Locale()
_RTL_LETTER = re.compile(r"[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")
_LETTER = re.compile(r"[^\W\d_]")


def text_direction(text: str) -> str:
    """'rtl' when most letters of ``text`` are right-to-left (the rule posts use), else 'ltr'.

    Used instead of dir="auto" for text from strangers: a Persian reply that starts with an
    @handle would otherwise be laid out left to right.
    """
    rtl = len(_RTL_LETTER.findall(text))
    return "rtl" if rtl and rtl * 2 >= len(_LETTER.findall(text)) else "ltr"


@functools.cache
def site_locale(language: str, calendar: str) -> Locale:
    """The Locale of a site, from ``[site] locale`` and ``calendar`` in socialgit.toml."""
    translations(language)  # a missing catalogue fails here, once, not in the middle of a page
    jalali.system(calendar)
    return Locale(language, calendar)


# --- extraction (scripts/update_catalogues.py and the tests) ---------------------

KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2), "N_": None,
            "C_": ((1, "c"), 2)}
TEMPLATE_OPTIONS = {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true",
                    "newstyle_gettext": "true", "silent": "false"}


def source_files() -> list[tuple[str, Path]]:
    """(method, path) of every file whose strings the site shows: the theme's templates and the page code."""
    found = [("python", PACKAGE / "i18n.py")]
    # the insights' sentences and charts are worded for the page here (the terminal keeps its own English)
    found += [("python", PACKAGE / name) for name in ("insights_words.py", "charts.py")]
    found += [("python", p) for p in sorted((PACKAGE / "site").glob("*.py"))]
    found += [("jinja2", p) for p in sorted((PACKAGE / "templates").glob("*.html"))]
    return found


def extract_messages() -> Catalog:
    """Every message id the templates and the page code use, as a catalogue template (.pot)."""
    from jinja2.ext import babel_extract

    catalog = Catalog(domain=DOMAIN, project="socialgit", charset="utf-8", fuzzy=False)
    for method, path in source_files():
        with path.open("rb") as source:
            found = extract(babel_extract if method == "jinja2" else "python", source, KEYWORDS,
                            options=TEMPLATE_OPTIONS if method == "jinja2" else {})
            for line, message, comments, context in found:
                catalog.add(message, None, [(path.relative_to(PACKAGE).as_posix(), line)], auto_comments=comments,
                            context=context)
    return catalog
