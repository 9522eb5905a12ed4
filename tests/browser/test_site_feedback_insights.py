"""The feedback log and the insights page in a real browser: screenshots, the SVG heatmap, filters with and
without JavaScript, and hostile feedback that must never run a script on any page."""

from __future__ import annotations

import pytest

from socialgit.site import build_site

from ..conftest import at
from ..site_helpers import feedback, receipt
from .test_site_browser import new_page

pytestmark = pytest.mark.slow

RLO = "\u202e"


@pytest.mark.parametrize("width, scheme", [(1280, "light"), (360, "light"), (1280, "dark"), (360, "dark")])
def test_screenshots_of_the_feedback_log_and_the_insights_page(browser, demo_url, page_errors, screenshots,
                                                              width, scheme):
    page = new_page(browser, page_errors, width=width, scheme=scheme)
    for name, rel in (("feedback", "feedback/index.html"), ("insights", "insights/index.html")):
        page.goto(demo_url + rel)
        assert page.locator("main h1").count() == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{rel} overflows at {width} px"
        path = screenshots / f"{name}-{width}-{scheme}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 10_000
    assert page_errors.errors == []


def test_the_insights_heatmap_renders_as_svg_beside_its_table(browser, demo_url, page_errors):
    page = new_page(browser, page_errors)
    page.goto(demo_url + "insights/index.html")
    heatmap = page.locator(".ins-heat svg.sg-chart").first
    box = heatmap.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 150
    assert heatmap.locator("rect[class^='sg-h']").count() >= 42
    # the cells are painted with the diverging palette, not left black or transparent
    fill = heatmap.locator("rect.sg-h3").first.evaluate("e => getComputedStyle(e).fill")
    assert fill == "rgb(247, 247, 247)"
    table = page.locator(".ins-heat table.sg-heatmap-table").first
    assert table.is_visible() and table.locator("tbody tr").count() == 7
    table_box = table.bounding_box()
    assert table_box["x"] > box["x"] + box["width"] - 1  # beside the chart on a wide screen
    assert page.get_by_role("heading", name="Imported: juniper-old-account (not your posts)").count() >= 1
    assert page.locator(".ins-cadence svg.sg-chart").count() >= 1
    assert page_errors.errors == []


def test_the_feedback_filters_work_without_javascript(browser, demo_url, page_errors):
    page = new_page(browser, page_errors, javascript=False)
    page.goto(demo_url + "feedback/index.html")
    assert not page.locator("form.fb-live").is_visible()
    filters = page.get_by_role("navigation", name="Filter feedback")
    link = filters.get_by_role("link", name="negative")
    expected = int(link.locator(".n").inner_text())
    link.click()
    assert page.url.endswith("feedback/sentiment/negative/index.html")
    rows = page.locator("table.fb-rows > tbody > tr")  # a filter page: one row per item, each linking to its card
    assert rows.count() == expected > 0
    assert set(rows.evaluate_all("els => els.map(e => e.dataset.sentiment)")) == {"negative"}
    assert page.locator("nav.fb-filters a[aria-current=page]").inner_text().startswith("negative")
    page.get_by_role("navigation", name="Filter feedback").get_by_role("link", name="new").click()
    assert page.url.endswith("feedback/status/new/index.html")
    rows = page.locator("table.fb-rows > tbody > tr")
    assert set(rows.evaluate_all("els => els.map(e => e.dataset.status)")) == {"new"}
    gist = rows.first.locator("a.fb-gist")
    anchor = gist.get_attribute("href").split("#")[1]
    gist.click()
    assert page.url.endswith("#" + anchor)
    assert page.locator(f"article#{anchor}").is_visible()
    page.go_back()
    page.get_by_role("link", name="Show all feedback").click()
    page.locator("details.fb-posts summary").click()
    page.locator("details.fb-posts a").first.click()
    assert "/posts/" in page.url and page.url.endswith("#feedback")
    assert page.locator("#feedback-section article.fb").count() >= 1


def test_the_optional_script_filters_in_place(browser, demo_url, page_errors):
    page = new_page(browser, page_errors)
    page.goto(demo_url + "feedback/index.html")
    form = page.locator("form.fb-live")
    assert form.is_visible()
    everything = page.locator("ol.fb-log > li").count()
    form.locator("select[name=sentiment]").select_option("negative")
    form.locator("select[name=status]").select_option("triaged")
    visible = page.locator("ol.fb-log > li:visible")
    wanted = page.locator("ol.fb-log > li[data-sentiment=negative][data-status=triaged]").count()
    assert visible.count() == wanted > 0
    assert page.locator(".fb-showing").inner_text() == f"Showing {wanted} of {everything} on this page."
    form.get_by_role("button", name="Clear").click()
    page.wait_for_function("document.querySelectorAll('ol.fb-log > li:not([hidden])').length === %d" % everything)
    # a filter page's rows filter the same way
    page.goto(demo_url + "feedback/status/new/index.html")
    rows = page.locator("table.fb-rows > tbody > tr")
    networks = set(rows.evaluate_all("els => els.map(e => e.dataset.network)"))
    assert len(networks) > 1
    network = sorted(networks)[0]
    page.locator("form.fb-live select[name=network]").select_option(network)
    assert page.locator("table.fb-rows > tbody > tr:visible").count() == \
        page.locator(f"table.fb-rows > tbody > tr[data-network={network}]").count() < rows.count()
    assert page_errors.errors == []


@pytest.fixture
def hostile_site(repo, serve_folder):
    repo.post("x", "title: Hostile replies\npublish_at: 2026-11-10 09:30\nchannels: [mastodon]\ncampaign: c",
              month="2026/11")
    receipt(repo, "x", "mastodon")
    feedback(repo, "x", "mastodon-1",
             '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2"> ' + RLO + "gnp.exe "
             + "w" * 3000,
             author={"name": f"<script>window.pwned = 3</script>{RLO}evil", "handle": "@<b>h</b>",
                     "url": "javascript:window.pwned = 4"},
             url="javascript:window.pwned = 5", sentiment={"value": "negative", "source": "vader"},
             labels=['"><script>window.pwned = 6</script>'])
    feedback(repo, "x", "mastodon-2", "<svg onload='window.pwned = 7'></svg>", in_reply_to="mastodon-1",
             created_at="2026-11-10T16:00:00Z", lang='"><script>window.pwned = 8</script>')
    feedback(repo, "x", "mastodon-3", "long " * 20_000, created_at="2026-11-10T17:00:00Z")
    build_site(repo.root, None, at("2026-11-16 10:00"))
    return serve_folder(repo.root / "site")


HOSTILE_PAGES = ("feedback/index.html", "feedback/sentiment/negative/index.html", "feedback/status/new/index.html",
                 "posts/x/index.html", "insights/index.html", "index.html")


@pytest.mark.parametrize("width", [1280, 360])
def test_hostile_feedback_runs_no_script_and_breaks_no_layout(browser, hostile_site, page_errors, width):
    page = new_page(browser, page_errors, width=width)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    for rel in HOSTILE_PAGES:
        page.goto(hostile_site + rel)
        assert page.evaluate("typeof window.pwned") == "undefined", rel
        assert page.locator("a[href^='javascript:' i], [onerror], [onload]").count() == 0, rel
        sources = page.evaluate("[...document.scripts].map(s => s.getAttribute('src') || 'inline')")
        assert all(src.endswith(("static/site.js", "static/feedback.js")) for src in sources), (rel, sources)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{rel} overflows at {width} px"
        for author in page.locator(".fb-author").all_inner_texts():
            assert RLO not in author
    page.goto(hostile_site + "posts/x/index.html")
    assert "<script>window.pwned = 1</script>" in page.locator("#fb-mastodon-1 .fb-body").inner_text()
    # the comment keeps its override, but only inside its own paragraph, whose direction is its letters' majority
    assert page.locator("#fb-mastodon-1 .fb-body").get_attribute("dir") in ("ltr", "rtl")
    page.goto(hostile_site + "feedback/index.html")
    assert page.get_by_role("link", name="Read all of it (99,400 more characters)").count() == 1
    assert dialogs == [] and page_errors.errors == []
