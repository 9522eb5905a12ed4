"""The insights in the site's language: Persian sentences, digits, decimal marks, Jalali dates and mirrored
charts on a Persian site; the English site's sentences the same as the terminal's."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from socialgit import i18n
from socialgit import insights_words as words
from socialgit.charts import cadence_svg, heatmap_svg, heatmap_table_html, profile_svg
from socialgit.cadence import cadence_report
from socialgit.insights import analyse, suggestion_text
from socialgit.site import build_site
from socialgit.shrinkage import Level
from socialgit.site.insights_page import panel

from .test_charts import report
from .test_insights import TEHRAN, TORONTO, config, post, receipt, synthetic
from .test_site_insights_page import history

FA = i18n.Locale("fa", "jalali")
EN = i18n.ENGLISH
SVG = "{http://www.w3.org/2000/svg}"
DEMO_FA = Path(__file__).resolve().parents[1] / "demo" / "fa"
LATIN_OR_ASCII_DIGIT = re.compile(r"[A-Za-z0-9]")


def quiet_analysis(label: str = "ماستودون"):
    found = (analyse(synthetic(20, {2: 0.5}, seed), "m", label, "own", TORONTO, "saturday") for seed in range(20))
    return next(a for a in found if not a.best)


def claiming_analysis(label: str = "ماستودون", zone: ZoneInfo = TEHRAN):
    history = synthetic(300, {2: 0.7}, seed=2, zone=zone, start=datetime(2025, 1, 6, tzinfo=zone))
    return analyse(history, "m", label, "own", zone, "saturday")


def chart_words(svg: str) -> list[str]:
    """Every word a person reads in a chart: its texts, tooltips, description and accessible name."""
    root = ET.fromstring(svg)
    found = [root.get("aria-label")]
    found += [e.text for e in root.iter() if e.tag in (f"{SVG}text", f"{SVG}title", f"{SVG}desc") and e.text]
    return found


# --- the sentences ------------------------------------------------------------------------------

def test_a_verdict_with_no_reliable_time_is_persian_with_persian_digits():
    assert words.verdict(quiet_analysis(), FA) == ("۲۰ پست در ماستودون، با تعامل ۴۸ ساعت پس از انتشار: هنوز هیچ زمانی "
                                                   "با اطمینان بهتر از بقیه نیست.")


def test_a_claim_names_the_slot_in_persian_with_a_persian_decimal_mark():
    text = words.verdict(claiming_analysis(), FA)
    assert text.startswith("۳۰۰ پست در ماستودون، با تعامل ۴۸ ساعت پس از انتشار: صبح‌ها (۰۸ تا ۱۲) بهتر از معمول "
                           "جواب می‌دهند، ×۱٫")
    assert "(بازهٔ ۸۰٪: ×" in text and text.endswith(" پست).")
    assert not LATIN_OR_ASCII_DIGIT.search(text) and "." not in text[:-1]  # a full stop would read as a zero


def test_the_advice_and_the_headings_are_persian():
    advice = words.suggestion(quiet_analysis(), FA)
    assert advice.startswith("از هر پنج پست حدود یکی را در زمانی بگذارید که کمتر سراغش می‌روید: ")
    assert "صبح‌های زود (۰۴ تا ۰۸)" in advice and not LATIN_OR_ASCII_DIGIT.search(advice)
    imported = analyse(synthetic(40, {}, seed=3, account="imported:old"), "m", "ماستودون", "imported", TEHRAN,
                       "saturday", ("old-account",))
    assert words.heading(imported, FA) == "واردشده از old-account (پست‌های شما نیستند)"
    assert words.heading(quiet_analysis(), FA) == "پست‌های شما"
    assert words.verdict(analyse([], "m", "ماستودون", "own", TEHRAN, "saturday"), FA) == (
        "هنوز تعامل هیچ پستی در ماستودون ۴۸ ساعت پس از انتشار سنجیده نشده است؛ چیزی برای آموختن در دست نیست.")


def test_the_english_page_says_what_the_terminal_says():
    imported = analyse(synthetic(40, {}, seed=3, account="imported:old"), "m", "Mastodon", "imported", TORONTO,
                       "monday", ("old-account",))
    combined = analyse(synthetic(30, {}, seed=4) + synthetic(40, {}, seed=3, account="imported:old"), "m",
                       "Mastodon", "combined", TORONTO, "monday", ("old-account",))
    for analysis in (quiet_analysis("Mastodon"), claiming_analysis("Mastodon"), imported, combined,
                     analyse([], "m", "Mastodon", "own", TORONTO, "monday")):
        shown = panel(analysis, EN)
        assert (shown.heading, shown.verdict) == (analysis.heading, analysis.verdict)
        assert shown.suggestion == (suggestion_text(analysis) or "")


def test_one_post_is_counted_in_the_singular():
    one = replace(quiet_analysis("Mastodon"), posts=1)
    assert words.verdict(one, EN) == "1 Mastodon post, engagement at 48 h: no time is reliably better yet."
    assert words.figures(Level(2, "08–12", 1, 0.0, 0.1), EN) == "×1.00 (80%: ×0.88–×1.14, 1 post)"
    assert words.figures(Level(2, "08–12", 1, 0.0, 0.1), FA) == "×۱٫۰۰ (بازهٔ ۸۰٪: ×۰٫۸۸ تا ×۱٫۱۴، ۱ پست)"


# --- the charts -----------------------------------------------------------------------------------

def test_the_persian_heatmap_is_mirrored_starts_on_saturday_and_has_no_english():
    analysis = claiming_analysis()
    svg = heatmap_svg(analysis, loc=FA)
    root = ET.fromstring(svg)
    assert root.get("direction") == "rtl"
    assert not [w for w in chart_words(svg) if LATIN_OR_ASCII_DIGIT.search(w)]
    texts = [t for t in root.iter(f"{SVG}text")]
    rows = [t for t in texts if t.get("text-anchor") == "end"]
    assert [t.text for t in rows] == ["شنبه", "یکشنبه", "دوشنبه", "سه‌شنبه", "چهارشنبه", "پنجشنبه", "جمعه"]
    heads = [t for t in texts if (t.text or "").endswith(("۰۴", "۰۸", "۱۲", "۱۶", "۲۰", "۲۴")) and " تا " in t.text]
    assert [t.text for t in heads] == ["۰۰ تا ۰۴", "۰۴ تا ۰۸", "۰۸ تا ۱۲", "۱۲ تا ۱۶", "۱۶ تا ۲۰", "۲۰ تا ۲۴"]
    # the day runs right to left, and the weekday names stand right of the cells
    xs = [float(t.get("x")) for t in heads]
    assert xs == sorted(xs, reverse=True)
    cells = [float(r.get("x")) for r in root.iter(f"{SVG}rect") if (r.get("class") or "").startswith("sg-h")]
    assert min(float(t.get("x")) for t in rows) > max(cells) + 50
    legend = [t.text for t in texts]
    assert {"بدتر", "بهتر", "در حد معمول", "کمتر از ۳ پست"} <= set(legend)
    tips = [t.text for t in root.iter(f"{SVG}title")]
    assert any(re.fullmatch(r"شنبه، ۰۸ تا ۱۲: ×[۰-۹]٫[۰-۹]{2} نسبت به معمول، [۰-۹]+ پست", t) for t in tips)


def test_the_english_heatmap_is_drawn_left_to_right_as_before():
    root = ET.fromstring(heatmap_svg(claiming_analysis("Mastodon")))
    assert root.get("direction") is None and root.get("width") == "486"
    texts = list(root.iter(f"{SVG}text"))
    assert [t.text for t in texts if t.get("text-anchor") == "end"] == ["Sat", "Sun", "Mon", "Tue", "Wed", "Thu", "Fri"]
    heads = [t for t in texts if "–" in (t.text or "")]
    assert [t.text for t in heads] == ["00–04", "04–08", "08–12", "12–16", "16–20", "20–24"]
    assert [float(t.get("x")) for t in heads] == [77, 135, 193, 251, 309, 367]


def test_the_persian_table_beside_the_heatmap():
    table = ET.fromstring(heatmap_table_html(claiming_analysis(), FA))
    assert table.find("caption").text == ("ماستودون، پست‌های شما: تعامل در مقایسه با معمول بر حسب روز هفته و ساعت "
                                          "(تهران)، با تعداد پست‌ها")
    assert [th.text for th in table.find("thead").iter("th")][:3] == ["روز", "۰۰ تا ۰۴", "۰۴ تا ۰۸"]
    first = table.find("tbody").find("tr")
    assert first.find("th").text == "شنبه"
    assert all(re.fullmatch(r"–|×[۰-۹]٫[۰-۹]{2} \([۰-۹]+\)", td.text) for td in first.findall("td"))


def test_the_persian_profile_gives_its_figures_in_persian():
    empty = analyse([], "m", "ماستودون", "own", TEHRAN, "saturday")
    svg = profile_svg(empty.blocks, "عنوان", loc=FA)
    assert ET.fromstring(svg).get("direction") == "rtl"
    tips = [t.text for t in ET.fromstring(svg).iter(f"{SVG}title")][1:]
    assert tips[0] == "۰۰ تا ۰۴: ×۱٫۰۰ (بازهٔ ۸۰٪: ×۰٫۸۸ تا ×۱٫۱۴، ۰ پست)"
    assert not [w for w in chart_words(svg) if LATIN_OR_ASCII_DIGIT.search(w)]


def test_the_persian_cadence_chart_has_jalali_weeks_running_right_to_left():
    svg = cadence_svg(report(), loc=FA)
    root = ET.fromstring(svg)
    assert root.get("aria-label") == (
        "Mastodon: پست‌ها در هر هفته از ۱۳ مهر ۱۴۰۵؛ ستون پر منتشرشده و ستون توخالی برنامه‌ریزی‌شده، در برابر هدف "
        "حداکثر ۳ و دست‌کم ۲ در هفته؛ ۲ هفته کمتر از حداقل، ۱ روز شلوغ، ۱ سکوت طولانی.")
    titles = [t.text for t in root.iter(f"{SVG}title")]
    assert "حداکثر هفتگی: ۳" in titles and "حداقل هفتگی: ۲" in titles
    assert ("هفتهٔ ۲۷ مهر ۱۴۰۵: ۴ منتشرشده، ۰ برنامه‌ریزی‌شده؛ بیش از حداکثر هفتگی (۳)؛ چهارشنبه ۲۹ مهر: بیش از "
            "حداکثر روزانه (۲)") in titles
    axis = [t for t in root.iter(f"{SVG}text") if t.get("class") == "sg-muted"]
    assert [t.text for t in axis] == ["۱۳", "مهر", "۲۰", "۲۷", "۴", "آبان", "۱۱"]
    days = [float(t.get("x")) for t in axis if t.text.isdigit()]
    assert days == sorted(days, reverse=True)  # the past on the right
    assert "اکنون" in [t.text for t in root.iter(f"{SVG}text")]
    assert not [w for w in chart_words(svg) if LATIN_OR_ASCII_DIGIT.search(w.replace("Mastodon", ""))]


# --- the cadence findings ----------------------------------------------------------------------------

def test_cadence_findings_in_persian_and_english():
    cfg = config()  # mastodon: at most 2 a day and 5 a week, 3 h apart, at least 2 a week
    now = datetime(2026, 11, 16, 10, tzinfo=TORONTO)
    times = [datetime(2026, 11, 3, h, tzinfo=TORONTO) for h in (9, 10, 15)] + [datetime(2026, 11, 20, 9, tzinfo=TORONTO)]
    posts = [post(f"p{i}", at) for i, at in enumerate(times)]
    receipts = {p.id: {"mastodon": receipt(p.id, "mastodon", p.publish_at)} for p in posts[:3]}
    found = cadence_report(posts, receipts, cfg.channels["mastodon"], cfg, now)
    english = [(i.kind, words.cadence_issue(i, found, TORONTO, EN)) for i in found.issues]
    persian = [(i.kind, words.cadence_issue(i, found, TORONTO, FA)) for i in found.issues]
    assert english[:4] == [
        ("day", "3 posts on Tue 3 Nov 2026, more than max_per_day = 2"),
        ("gap", "Only 1 h between the posts at Tue 3 Nov 09:00 and 10:00, less than min_gap = 3 h"),
        ("floor", "The week of 9 Nov 2026 had 0 posts, below min_per_week = 2"),  # none before the first post
        ("floor", "The week of 16 Nov 2026 has 1 post planned, below min_per_week = 2")]  # this week: planned
    assert english[-1] == ("silence", "No post from Tue 3 Nov 2026 to Fri 20 Nov 2026 (16 days)")
    assert persian[:4] == [
        ("day", "۳ پست در سه‌شنبه ۱۲ آبان ۱۴۰۵؛ بیش از حداکثر روزانه (۲)"),
        ("gap", "میان پست‌های سه‌شنبه ۱۲ آبان، ۰۹:۰۰ و ۱۰:۰۰ فقط ۱ ساعت فاصله است؛ کمتر از حداقل فاصله (۳ ساعت)"),
        ("floor", "پست‌های منتشرشده در هفتهٔ ۱۸ آبان ۱۴۰۵: ۰؛ کمتر از حداقل هفتگی (۲)"),
        ("floor", "پست‌های برنامه‌ریزی‌شده برای هفتهٔ ۲۵ آبان ۱۴۰۵: ۱؛ کمتر از حداقل هفتگی (۲)")]
    assert persian[-1] == ("silence", "از سه‌شنبه ۱۲ آبان ۱۴۰۵ تا جمعه ۲۹ آبان ۱۴۰۵ هیچ پستی نیست (۱۶ روز)")
    # the terminal keeps its own English
    assert found.issues[0].message == "channel mastodon has 3 posts on Tue 2026-11-03, more than max_per_day = 2"


# --- the pages -----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def fa_insights(tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("fa-insights") / "site"
    build_site(DEMO_FA, out, datetime(2026, 11, 16, 10, 0, tzinfo=TEHRAN), use_cache=False)
    return (out / "insights/index.html").read_text(encoding="utf-8")


def test_the_persian_demo_insights_page_speaks_persian(fa_insights):
    assert 'lang="en"' not in fa_insights  # nothing left marked as English-only
    assert ('<p class="ins-verdict">هنوز تعامل هیچ پستی در ماستودون ۴۸ ساعت پس از انتشار سنجیده نشده است؛ چیزی '
            "برای آموختن در دست نیست.</p>") in fa_insights
    assert "پست‌های برنامه‌ریزی‌شده برای هفتهٔ ۷ آذر ۱۴۰۵: ۰؛ کمتر از حداقل هفتگی (۱)" in fa_insights
    assert "از سه‌شنبه ۱۲ آبان ۱۴۰۵ تا پنجشنبه ۲۸ آبان ۱۴۰۵ هیچ پستی نیست (۱۶ روز)" in fa_insights
    assert fa_insights.count('direction="rtl"') == 3  # a mirrored cadence chart per channel
    for english in (" posts", "engagement", "reliably", "week of", ">now<", "max_per_", "min_gap", "silence"):
        assert english not in fa_insights, english


def test_a_persian_calendar_with_history_draws_its_charts_in_persian(repo):
    repo.write("socialgit.toml", (repo.root / "socialgit.toml").read_text().replace(
        'timezone = "America/Toronto"',
        'timezone = "Asia/Tehran"\nlocale = "fa"\ncalendar = "jalali"\nweek_start = "saturday"'))
    history(repo)
    repo.write("content/ledger/_imported/old-account/nowhere.jsonl",
               '{"posted_at": "2025-03-03T14:30:00Z", "engagement": 5}\n')
    repo.write("content/ledger/metrics/p0/bluesky.jsonl", "not json\n")
    build_site(repo.root, None, datetime(2026, 11, 16, 10, 0, tzinfo=TEHRAN))
    html = (repo.root / "site/insights/index.html").read_text(encoding="utf-8")
    assert '<p class="ins-verdict">۱۰ پست در mastodon، با تعامل ۴۸ ساعت پس از انتشار: ' in html
    heatmap = re.search(r'<svg[^>]*direction="rtl"[^>]*aria-label="mastodon، پست‌های شما[^"]*".*?</svg>', html)
    assert heatmap and "<title>شنبه، ۰۰ تا ۰۴: هنوز پستی نیست</title>" in heatmap.group(0)
    assert '<th scope="col">روز</th><th scope="col">۰۰ تا ۰۴</th>' in html
    # the page's own finding is Persian; a loader's, which only speaks English, stays marked as English
    assert '<br>کانال «nowhere» در socialgit.toml نیست؛ این ردیف‌های واردشده به کار نمی‌روند</li>' in html
    assert re.search(r'<br><span lang="en" dir="ltr">[^<]+</span></li>', html)
