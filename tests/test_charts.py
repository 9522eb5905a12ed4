"""The insights charts: valid SVG, labelled cells, hatched thin cells, theme-safe text, an accessible table."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, timedelta

from socialgit.charts import CSS, PALETTE, cadence_svg, heatmap_svg, heatmap_table_html, profile_svg, shade
from socialgit.config import Cadence
from socialgit.cadence import CadenceIssue, CadenceReport, Week
from socialgit.insights import analyse

from .test_insights import TORONTO, synthetic

SVG = "{http://www.w3.org/2000/svg}"


def parsed(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # raises on anything that is not well-formed XML
    assert root.tag == f"{SVG}svg"
    assert "<script" not in svg
    return root


def luminance(colour: str) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def cell_groups(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if g.find(f"{SVG}rect") is not None and g.find(f"{SVG}text") is not None]


def test_heatmap_is_valid_svg_with_a_labelled_cell_for_each_weekday_and_block():
    analysis = analyse(synthetic(120, {2: 0.6}, seed=3), "mastodon", "Mastodon", "own", TORONTO, "monday")
    root = parsed(heatmap_svg(analysis))
    assert root.get("role") == "img"
    assert "Mastodon" in root.get("aria-label") and analysis.verdict in root.get("aria-label")
    cells = cell_groups(root)
    assert len(cells) == 42
    by_key = {(c.weekday, c.block): c for c in analysis.cells}
    for group, (weekday, block) in zip(cells, [(w, b) for w in range(7) for b in range(6)]):
        assert group.find(f"{SVG}text").text == str(by_key[(weekday, block)].n)
        assert group.find(f"{SVG}title").text.startswith(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"))
    assert sum(c.n for c in analysis.cells) == 120


def test_thin_cells_are_hatched_and_empty_cells_are_neutral():
    analysis = analyse(synthetic(120, {}, seed=4), "mastodon", "Mastodon", "own", TORONTO, "monday")
    root = parsed(heatmap_svg(analysis))
    ns = {(c.weekday, c.block): c.n for c in analysis.cells}
    for group, key in zip(cell_groups(root), [(w, b) for w in range(7) for b in range(6)]):
        fills = [r.get("fill") or "" for r in group.findall(f"{SVG}rect")]
        hatched = any(f.startswith("url(#") for f in fills)
        assert hatched == (ns[key] < 3), key
        if ns[key] == 0:
            assert group.find(f"{SVG}rect").get("class") == "sg-h3"
            assert "no posts yet" in group.find(f"{SVG}title").text
    pattern = root.find(f".//{SVG}pattern")
    assert pattern is not None and pattern.get("id").startswith("sg-hm-mastodon-own")


def test_the_scale_diverges_from_as_usual_and_stays_readable_in_greyscale():
    assert shade(0.0) == 3 and shade(-0.04) == 3 and shade(0.05) == 4
    assert shade(-1.0) == 0 and shade(1.0) == 6
    assert [shade(t / 10) for t in range(-5, 6)] == sorted(shade(t / 10) for t in range(-5, 6))
    lum = [luminance(c) for c in PALETTE]
    assert lum[0] < lum[1] < lum[2] < lum[3] and lum[3] > lum[4] > lum[5] > lum[6]  # lightest at "as usual"
    assert PALETTE[0][1:3] > PALETTE[0][5:7] and PALETTE[6][5:7] > PALETTE[6][3:5]  # orange one side, purple the other


def test_text_follows_the_theme():
    analysis = analyse(synthetic(60, {}, seed=5), "mastodon", "Mastodon", "own", TORONTO, "monday")
    for svg in (heatmap_svg(analysis), profile_svg(analysis.blocks, "Mastodon by time of day")):
        for text in parsed(svg).iter(f"{SVG}text"):
            # axis text follows the page (currentColor / CSS variables); cell ink is set per fixed fill
            assert text.get("fill") == "currentColor" or (text.get("class") or "").startswith(("sg-muted", "sg-i"))
    assert "var(--muted" in heatmap_svg(analysis)
    bare = heatmap_svg(analysis, style=False)  # for a page that puts charts.CSS in its stylesheet
    assert "<style>" not in bare and parsed(bare).find(f"{SVG}style") is None
    assert CSS in heatmap_svg(analysis)


def test_labels_are_escaped():
    obs = synthetic(40, {}, seed=6)
    analysis = analyse(obs, "x", 'Team <b>&"news"', "own", TORONTO, "monday")
    root = parsed(heatmap_svg(analysis))
    assert 'Team <b>&"news"' in root.get("aria-label")
    table = ET.fromstring(heatmap_table_html(analysis))
    assert 'Team <b>&"news"' in table.find("caption").text


def test_the_table_alternative_has_a_row_per_weekday_in_locale_order():
    analysis = analyse(synthetic(80, {}, seed=7), "m", "Mastodon", "own", TORONTO, "sunday")
    table = ET.fromstring(heatmap_table_html(analysis))
    heads = [th.text for th in table.iter("th")]
    assert heads[:7] == ["Day", "00–04", "04–08", "08–12", "12–16", "16–20", "20–24"]
    rows = table.find("tbody").findall("tr")
    assert [r.find("th").text for r in rows] == ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    assert all(len(r.findall("td")) == 6 for r in rows)


def test_profile_chart_shows_each_level_with_its_interval():
    analysis = analyse(synthetic(100, {2: 0.5}, seed=8), "m", "Mastodon", "own", TORONTO, "monday")
    root = parsed(profile_svg(analysis.weekdays, "Mastodon by weekday"))
    titles = [g.find(f"{SVG}title").text for g in root.iter(f"{SVG}g")]
    assert len(titles) == 7 and all("80%" in t for t in titles)


def report() -> CadenceReport:
    start = date(2026, 10, 5)
    weeks = (Week(start, 3, 0, ()), Week(start + timedelta(weeks=1), 1, 0, (), True),
             Week(start + timedelta(weeks=2), 4, 0, (date(2026, 10, 21),)),
             Week(start + timedelta(weeks=3), 1, 2, ()), Week(start + timedelta(weeks=4), 0, 0, (), True))
    issues = (CadenceIssue("floor", "week of 2026-10-12 has 1 post(s)", False),
              CadenceIssue("silence", "no post for 15 days", False, span=(date(2026, 10, 30), date(2026, 11, 14))))
    return CadenceReport("mastodon", "Mastodon", Cadence(2, 3, timedelta(hours=3), 2), frozenset({"max_per_day"}),
                         weeks, start + timedelta(weeks=3), issues)


def test_cadence_chart_marks_targets_gaps_crowding_and_now():
    svg = cadence_svg(report())
    root = parsed(svg)
    assert root.get("role") == "img"
    label = root.get("aria-label")
    assert label == ("Mastodon: posts per week from 5 Oct 2026, solid published and outlined planned, against at "
                     "most 3 and at least 2 a week; 2 weeks below the floor, 1 crowded day, 1 long silence.")
    titles = [t.text for t in root.iter(f"{SVG}title")]
    assert "max_per_week = 3" in titles and "min_per_week = 2" in titles
    crowded = next(t for t in titles if t.startswith("week of 19 Oct 2026"))
    assert "Wed 21 Oct: over max_per_day = 2" in crowded and "over max_per_week = 3" in crowded
    assert "below min_per_week = 2" in next(t for t in titles if t.startswith("week of 12 Oct 2026"))
    assert "part of a long silence" in next(t for t in titles if t.startswith("week of 2 Nov 2026"))
    assert "1 published, 2 planned" in next(t for t in titles if t.startswith("week of 26 Oct 2026"))
    assert any(t.text == "now" for t in root.iter(f"{SVG}text"))
    # each week's first day under its bar, the month's name under the first week that starts in it
    assert [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "sg-muted"] == [
        "5", "Oct", "12", "19", "26", "2", "Nov"]
    assert 'stroke-dasharray="3 2"' in svg  # planned posts are outlined, not solid


def test_cadence_chart_without_targets():
    empty = CadenceReport("slack", "Slack", Cadence(), frozenset(), (Week(date(2026, 10, 5), 0, 0, ()),),
                          date(2026, 10, 5), ())
    root = parsed(cadence_svg(empty))
    assert root.get("aria-label") == ("Slack: posts per week from 5 Oct 2026, solid published and outlined planned; "
                                      "0 weeks below the floor, 0 crowded days, 0 long silences.")


def test_an_empty_analysis_still_draws():
    analysis = analyse([], "m", "Mastodon", "own", TORONTO, "monday")
    root = parsed(heatmap_svg(analysis))
    assert len(cell_groups(root)) == 42
    root = parsed(profile_svg(analysis.blocks, "Mastodon by time"))
    assert [t.text for t in root.iter(f"{SVG}title")][1:] == [f"{h:02d}–{h + 4:02d}: ×1.00 (80%: ×0.88–×1.14, 0 posts)"
                                                             for h in range(0, 24, 4)]
