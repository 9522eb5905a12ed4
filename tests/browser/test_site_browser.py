"""The built demo site in a real browser: navigation, receipts, feedback, no console errors,
no JavaScript needed, file:// works, nothing overflows a phone, and screenshots for review."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from socialgit.site import build_site

from ..conftest import at
from ..site_helpers import receipt
from .conftest import PROJECT

pytestmark = pytest.mark.slow

# every address but this machine's: answered by the test itself, so no traffic leaves 127.0.0.1
OUTSIDE = re.compile(r"^https?://(?!127\.0\.0\.1[:/])")


def new_page(browser, page_errors, width=1280, scheme="light", javascript=True):
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme,
                                  java_script_enabled=javascript)
    context.route(OUTSIDE, lambda route: route.fulfill(status=200, content_type="text/html",
                                                      body="<!doctype html><title>elsewhere</title>"))
    return page_errors(context.new_page())


def test_home_to_month_to_post_to_receipt_and_feedback(browser, demo_url, page_errors):
    page = new_page(browser, page_errors)
    page.goto(demo_url + "index.html")
    assert page.locator("h1").inner_text() == "Agenda"
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Month").click()
    assert page.locator("h1").inner_text() == "November 2026"
    assert page.locator("td[aria-current=date]").count() == 1
    chips = page.locator("td.day:not(.out) a.chip.s-published")
    assert chips.count() > 0
    opened = None
    for index in range(chips.count()):
        chip = chips.nth(index)
        title = chip.locator(".chip-title").inner_text()
        chip.click()
        assert page.locator("h1").inner_text() == title
        if page.locator("a[href='#feedback']").count():
            opened = page.url
            break
        page.go_back()
    assert opened, "no published post in November has feedback in the demo"
    post_id = opened.rstrip("/").split("/")[-2]
    ledger = sorted((PROJECT / "content/ledger" / post_id).glob("*.json"))
    urls = {part["url"] for f in ledger for part in json.loads(f.read_text()).get("parts") or [] if part.get("url")}
    link = page.locator("a.receipt-link").first
    href = link.get_attribute("href")
    assert href in urls
    link.click()
    page.wait_for_url(href)
    page.go_back()
    page.locator("a[href='#feedback']").click()
    assert page.url.endswith("#feedback")
    feedback = page.locator("#feedback-section")
    assert feedback.locator("article.fb").count() >= 1
    assert feedback.is_visible()
    assert page_errors.errors == []


def test_an_outbox_receipt_link_opens_the_copied_file(browser, repo, serve_folder, page_errors):
    repo.post("o", "title: Out\npublish_at: 2026-11-10 09:30\nchannels: [mastodon]", month="2026/11")
    receipt(repo, "o", "mastodon", url="outbox/mastodon/o.json")
    repo.write("outbox/mastodon/o.json", '{"parts": ["Out"]}')
    build_site(repo.root, None, at("2026-11-16 10:00"))
    base = serve_folder(repo.root / "site")
    page = new_page(browser, page_errors)
    page.goto(base + "posts/o/index.html")
    page.locator("a.receipt-link").click()
    assert page.url == base + "receipts/outbox/mastodon/o.json"
    assert '"Out"' in page.content()


def test_every_page_kind_loads_without_console_errors(browser, demo_url, demo_site, page_errors):
    page = new_page(browser, page_errors)
    for rel in ("index.html", "calendar/2026/11/index.html", "calendar/2026/W47/index.html",
                "channels/index.html", "channels/mastodon/index.html", "campaigns/index.html",
                next(str(p.relative_to(demo_site)) for p in sorted((demo_site / "posts").glob("*/index.html")))):
        page.goto(demo_url + rel)
        assert page.locator("main h1").count() == 1, rel
    page.keyboard.press("j")  # the optional script's keyboard paging runs without errors
    assert page_errors.errors == []


def test_the_site_works_without_javascript(browser, demo_url, page_errors):
    page = new_page(browser, page_errors, javascript=False)
    page.goto(demo_url + "index.html")
    page.get_by_role("link", name="Month", exact=True).click()
    page.locator("a[rel=next]").first.click()
    assert page.locator("h1").inner_text() == "December 2026"
    page.locator("a.chip").first.click()
    assert page.locator("#previews").is_visible()


def test_the_site_works_from_file_urls(browser, demo_site, page_errors):
    page = new_page(browser, page_errors)
    page.goto((demo_site / "index.html").as_uri())
    page.get_by_role("link", name="Week", exact=True).click()
    page.wait_for_url("**/calendar/2026/W47/**")
    page.wait_for_load_state("load")  # the stylesheet is applied by then, not when the URL changes
    assert page.url.startswith("file://") and "/calendar/2026/W47/" in page.url
    # the stylesheet loaded: the header has its background colour, not the browser default
    background = page.evaluate("getComputedStyle(document.querySelector('.site-header')).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_nothing_overflows_a_360_px_phone(browser, demo_url, demo_site, page_errors, scheme):
    page = new_page(browser, page_errors, width=360, scheme=scheme)
    posts = sorted((demo_site / "posts").glob("*/index.html"))
    for rel in ["index.html", "calendar/2026/11/index.html", "calendar/2026/W47/index.html",
                "channels/mastodon/index.html"] + [str(p.relative_to(demo_site)) for p in posts]:
        page.goto(demo_url + rel)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{rel} is {width} px wide at 360 px"


def test_keyboard_users_get_a_skip_link_and_a_visible_focus(browser, demo_url, page_errors):
    page = new_page(browser, page_errors)
    page.goto(demo_url + "calendar/2026/11/index.html")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Skip to content"
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"


def test_rtl_posts_read_right_to_left(browser, demo_url, demo_site, page_errors):
    page = new_page(browser, page_errors)
    for post in sorted((demo_site / "posts").glob("*/index.html")):
        html = post.read_text(encoding="utf-8")
        if 'id="post-title" dir="rtl"' in html:
            page.goto(demo_url + str(post.relative_to(demo_site)))
            assert page.evaluate("getComputedStyle(document.querySelector('.body')).direction") == "rtl"
            assert page.evaluate("getComputedStyle(document.querySelector('main')).direction") == "ltr"
            return
    pytest.fail("the demo has no right-to-left post")


@pytest.mark.parametrize("width, scheme", [(1280, "light"), (360, "light"), (1280, "dark"), (360, "dark")])
def test_screenshots_of_the_month_view(browser, demo_url, page_errors, screenshots, width, scheme):
    page = new_page(browser, page_errors, width=width, scheme=scheme)
    page.goto(demo_url + "calendar/2026/11/index.html")
    path = screenshots / f"month-{width}-{scheme}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
    assert page_errors.errors == []


def test_screenshots_of_the_other_pages(browser, demo_url, page_errors, screenshots):
    for width in (1280, 360):
        page = new_page(browser, page_errors, width=width)
        for name, rel in (("home", "index.html"), ("week", "calendar/2026/W47/index.html"),
                          ("post", "posts/roast-day-guatemala/index.html"),
                          ("post-rtl", "posts/yalda-at-the-cafe/index.html")):
            response = page.goto(demo_url + rel)
            if response.status == 200:
                page.screenshot(path=str(screenshots / f"{name}-{width}.png"), full_page=True)
    assert page_errors.errors == []


def test_chromium_is_debians(browser):
    # Playwright's bundled browsers cannot be downloaded here; make sure the one in use is the system one
    assert browser.version
    version = subprocess.run([browser_path(), "--version"], capture_output=True, text=True).stdout
    assert "Chromium" in version and browser.version.split(".")[0] in version


def browser_path() -> str:
    from .conftest import CHROMIUM

    return CHROMIUM
