"""The Persian demo calendar (demo/fa) in a real browser: right to left, Persian words and digits,
Jalali months, mirrored layout and paging, nothing wider than a phone, and screenshots for review."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from socialgit.site import build_site

from .conftest import PROJECT
from .test_site_browser import new_page

pytestmark = pytest.mark.slow

FA_NOW = datetime(2026, 11, 16, 10, 0, tzinfo=ZoneInfo("Asia/Tehran"))  # 25 Aban 1405
PAGES = {"agenda": "index.html", "month": "calendar/1405/08/index.html", "week": "calendar/2026/W47/index.html",
         "post": "posts/tazeha-aban/index.html", "post-failed": "posts/emza-ketab/index.html",
         "post-english": "posts/english-book-swap/index.html", "channel": "channels/mastodon/index.html",
         "campaign": "campaigns/index.html", "feedback": "feedback/index.html", "insights": "insights/index.html"}
LATIN_DIGIT = re.compile(r"[0-9]")


@pytest.fixture(scope="module")
def fa_site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("fa") / "site"
    build_site(PROJECT / "demo" / "fa", out, FA_NOW, use_cache=False)
    return out


@pytest.fixture(scope="module")
def fa_url(fa_site, serve_folder) -> str:
    return serve_folder(fa_site)


def test_every_page_kind_is_persian_right_to_left_and_loads_without_errors(browser, fa_url, page_errors):
    page = new_page(browser, page_errors)
    for name, rel in PAGES.items():
        page.goto(fa_url + rel)
        assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == ["fa", "rtl"], name
        assert page.evaluate("getComputedStyle(document.querySelector('main')).direction") == "rtl", name
        assert page.locator("main h1").count() == 1, name
    assert page_errors.errors == []


def test_the_month_is_a_jalali_month_with_persian_digits_from_saturday(browser, fa_url, page_errors):
    page = new_page(browser, page_errors)
    page.goto(fa_url + PAGES["month"])
    assert page.locator("h1").inner_text() == "آبان ۱۴۰۵"
    headers = page.locator("table.month thead th abbr").all_inner_texts()
    assert headers == ["شنبه", "یکشنبه", "دوشنبه", "سه‌شنبه", "چهارشنبه", "پنجشنبه", "جمعه"]
    today = page.locator("td[aria-current=date]")
    assert today.locator(".dn").inner_text() == "۲۵" and today.locator(".other-date").inner_text() == "۱۶ نوامبر"
    assert today.locator("time").first.inner_text() == "۰۹:۳۰"
    assert today.locator("time").first.get_attribute("datetime") == "2026-11-16T09:30"
    grid = page.locator("table.month tbody").inner_text()
    assert not LATIN_DIGIT.search(grid.replace("English book swap on Thursday", ""))
    # Saturday, the first column, is on the right and Friday on the left
    saturday = page.locator("table.month tbody tr").first.locator("td").first.bounding_box()
    friday = page.locator("table.month tbody tr").first.locator("td").last.bounding_box()
    assert saturday["x"] > friday["x"]


def test_paging_is_mirrored_links_arrows_and_keys(browser, fa_url, page_errors):
    page = new_page(browser, page_errors)
    page.goto(fa_url + PAGES["month"])
    previous, following = page.locator(".pager a[rel=prev]"), page.locator(".pager a[rel=next]")
    assert previous.inner_text().endswith("مهر ۱۴۰۵") and following.inner_text().startswith("آذر ۱۴۰۵")
    assert previous.bounding_box()["x"] > following.bounding_box()["x"]  # the past is on the right
    arrow = previous.locator("span[aria-hidden=true]")
    assert "matrix(-1" in page.evaluate("(e) => getComputedStyle(e).transform", arrow.element_handle())
    page.keyboard.press("Alt+ArrowLeft")  # left is forward on a right-to-left page
    page.wait_for_url("**/calendar/1405/09/index.html")
    assert page.locator("h1").inner_text() == "آذر ۱۴۰۵"
    page.keyboard.press("Alt+ArrowRight")
    page.wait_for_url("**/calendar/1405/08/index.html")
    assert page_errors.errors == []


def test_mixed_direction_text_reads_right(browser, fa_url, page_errors):
    page = new_page(browser, page_errors)
    page.goto(fa_url + PAGES["post"])
    assert page.evaluate("getComputedStyle(document.querySelector('.body')).direction") == "rtl"
    hashtag = page.locator(".body bdi", has_text="#BookTok")
    assert page.evaluate("(e) => getComputedStyle(e).direction", hashtag.element_handle()) == "ltr"
    page.goto(fa_url + PAGES["post-english"])
    assert page.evaluate("getComputedStyle(document.querySelector('.body')).direction") == "ltr"
    assert page.evaluate("getComputedStyle(document.querySelector('main')).direction") == "rtl"
    assert page.locator(".post-state").inner_text().startswith("منتشرشده")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_nothing_overflows_a_360_px_phone(browser, fa_url, fa_site, page_errors, scheme):
    page = new_page(browser, page_errors, width=360, scheme=scheme)
    rels = list(PAGES.values()) + [p.relative_to(fa_site).as_posix() for p in sorted(fa_site.glob("posts/*/index.html"))]
    for rel in rels:
        page.goto(fa_url + rel)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{rel} is {width} px wide at 360 px"
    assert page_errors.errors == []


@pytest.mark.parametrize("width, scheme", [(1280, "light"), (360, "light"), (1280, "dark"), (360, "dark")])
def test_screenshots_of_the_persian_calendar(browser, fa_url, page_errors, screenshots, width, scheme):
    page = new_page(browser, page_errors, width=width, scheme=scheme)
    for name in ("month", "week", "agenda", "post", "feedback"):
        page.goto(fa_url + PAGES[name])
        path = screenshots / f"fa-{name}-{width}-{scheme}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 10_000
    assert page_errors.errors == []
