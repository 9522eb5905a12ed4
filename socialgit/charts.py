"""Inline SVG charts for the insights page, drawn at build time: no JavaScript.

* ``heatmap_svg``: weekday × time block, coloured by the shrunk multiplier on a
  colour-blind-safe diverging scale (ColorBrewer PuOr: orange worse, purple
  better) centred on "as usual"; each cell shows its post count, thin cells are
  hatched, every cell has a ``<title>`` tooltip. ``heatmap_table_html`` is the
  accessible alternative to put beside it.
* ``profile_svg``: the marginal profile (weekday or block) with 80 % intervals.
* ``cadence_svg``: posts per week, past and planned, against the targets.

Text uses ``currentColor`` and the site's CSS variables, so the charts read in
light and dark themes; the cell fills are fixed and carry their own ink colour.
Every string that reaches the markup is escaped.
"""

from __future__ import annotations

import math
import re
from datetime import timedelta
from html import escape

from .insights import WEEKDAYS, Analysis, CadenceReport, block_label
from .shrinkage import Cell, Profile

THIN = 3  # cells with fewer posts are hatched
# ColorBrewer PuOr-7: safe for the common colour-vision deficiencies and in greyscale
PALETTE = ("#b35806", "#f1a340", "#fee0b6", "#f7f7f7", "#d8daeb", "#998ec3", "#542788")
INK = ("#ffffff", "#1b1f24", "#1b1f24", "#1b1f24", "#1b1f24", "#1b1f24", "#ffffff")
EDGES = (-0.3, -0.15, -0.05, 0.05, 0.15, 0.3)  # log multiplier: ×0.74 ×0.86 ×0.95 | ×1.05 ×1.16 ×1.35
WARN = "var(--s-missed, #b34700)"
# the charts' rules; each SVG carries them unless the page puts CSS in its stylesheet (e.g. under a strict CSP)
CSS = (".sg-chart text{font-family:system-ui,sans-serif;font-size:12px}"
       ".sg-chart .sg-muted{fill:var(--muted,#57606a)}"
       + "".join(f".sg-chart .sg-h{i}{{fill:var(--sg-heat-{i},{c})}}" for i, c in enumerate(PALETTE))
       + "".join(f".sg-chart .sg-i{i}{{fill:{c}}}" for i, c in enumerate(INK)))


def _id(text: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-") or "chart"


def shade(theta: float) -> int:
    """The palette index of a log multiplier: 3 is "as usual"."""
    return sum(theta >= edge for edge in EDGES)


def _times(multiplier: float) -> str:
    return f"×{multiplier:.2f}"


def _svg(width: float, height: float, label: str, body: list[str], desc: str = "", style: bool = True) -> str:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="sg-chart" role="img" width="{width:.0f}" '
            f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" aria-label="{escape(label)}">'
            f"<title>{escape(label)}</title>" + (f"<desc>{escape(desc)}</desc>" if desc else "")
            + (f"<style>{CSS}</style>" if style else ""))
    return head + "".join(body) + "</svg>"


def _hatch(pattern_id: str) -> str:
    return (f'<defs><pattern id="{pattern_id}" width="6" height="6" patternUnits="userSpaceOnUse" '
            'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="#6e7781" '
            'stroke-width="2" stroke-opacity="0.6"/></pattern></defs>')


def _cell_title(cell: Cell) -> str:
    where = f"{WEEKDAYS[cell.weekday]} {block_label(cell.block)}"
    if cell.n == 0:
        return f"{where}: no posts yet"
    return f"{where}: {_times(cell.multiplier)} against usual, {cell.n} post{'s' if cell.n != 1 else ''}" + (
        " (too few to tell)" if cell.n < THIN else "")


def heatmap_svg(analysis: Analysis, style: bool = True) -> str:
    """The weekday × block heatmap of one analysis (own, imported or combined)."""
    uid = _id(f"sg-hm-{analysis.channel}-{analysis.source}-{'-'.join(analysis.labels)}")
    left, top, cw, ch = 48, 22, 58, 26
    blocks = [lv.key for lv in analysis.blocks.levels]
    days = [lv.key for lv in analysis.weekdays.levels]
    by_key = {(c.weekday, c.block): c for c in analysis.cells}
    body = [_hatch(f"{uid}-hatch")]
    for col, block in enumerate(blocks):
        body.append(f'<text x="{left + col * cw + cw / 2:.0f}" y="{top - 7}" text-anchor="middle" '
                    f'fill="currentColor">{block_label(block)}</text>')
    for row, day in enumerate(days):
        y = top + row * ch
        body.append(f'<text x="{left - 8}" y="{y + ch / 2 + 4:.0f}" text-anchor="end" '
                    f'fill="currentColor">{WEEKDAYS[day]}</text>')
        for col, block in enumerate(blocks):
            cell = by_key.get((day, block), Cell(day, block, 0, 0.0))
            index = shade(cell.theta) if cell.n else 3
            x = left + col * cw
            body.append(f"<g><title>{escape(_cell_title(cell))}</title>"
                        f'<rect class="sg-h{index}" x="{x}" y="{y}" width="{cw - 2}" height="{ch - 2}" rx="2"/>')
            if cell.n < THIN:
                body.append(f'<rect x="{x}" y="{y}" width="{cw - 2}" height="{ch - 2}" rx="2" '
                            f'fill="url(#{uid}-hatch)"/>')
            body.append(f'<text class="sg-i{index}" x="{x + (cw - 2) / 2:.0f}" y="{y + ch / 2 + 3:.0f}" '
                        f'text-anchor="middle">{cell.n}</text></g>')
    legend_y = top + len(days) * ch + 14
    body.append(f'<text x="{left}" y="{legend_y + 10}" fill="currentColor">worse</text>')
    for i, colour in enumerate(PALETTE):
        x = left + 44 + i * 26
        body.append(f'<rect class="sg-h{i}" x="{x}" y="{legend_y}" width="24" height="12" stroke="#6e7781" '
                    'stroke-width="0.5"/>')
    body.append(f'<text x="{left + 44 + 7 * 26 + 6}" y="{legend_y + 10}" fill="currentColor">better</text>')
    body.append(f'<text class="sg-muted" x="{left + 44 + 3 * 26 + 12}" y="{legend_y + 26}" '
                'text-anchor="middle">as usual</text>')
    hx = left + 44 + 7 * 26 + 62
    body.append(f'<rect x="{hx}" y="{legend_y}" width="24" height="12" fill="url(#{uid}-hatch)" stroke="#6e7781" '
                f'stroke-width="0.5"/><text x="{hx + 30}" y="{legend_y + 10}" fill="currentColor">'
                f"fewer than {THIN} posts</text>")
    width = max(left + len(blocks) * cw + 4, hx + 150)
    label = (f"{analysis.channel_label}, {analysis.heading}: engagement by weekday and time of day "
             f"({analysis.zone.key}); numbers are posts per cell. {analysis.verdict}")
    return _svg(width, legend_y + 34, label, body, analysis.verdict, style)


def heatmap_table_html(analysis: Analysis) -> str:
    """The heatmap as an HTML table: the accessible alternative to put beside the SVG."""
    blocks = [lv.key for lv in analysis.blocks.levels]
    by_key = {(c.weekday, c.block): c for c in analysis.cells}
    rows = ["<table class=\"sg-heatmap-table\"><caption>" + escape(f"{analysis.channel_label}, {analysis.heading}: "
            f"engagement against usual by weekday and time ({analysis.zone.key}), with the number of posts")
            + "</caption><thead><tr><th scope=\"col\">Day</th>"
            + "".join(f'<th scope="col">{block_label(b)}</th>' for b in blocks) + "</tr></thead><tbody>"]
    for level in analysis.weekdays.levels:
        cells = []
        for block in blocks:
            cell = by_key.get((level.key, block), Cell(level.key, block, 0, 0.0))
            cells.append("<td>–</td>" if cell.n == 0 else f"<td>{_times(cell.multiplier)} ({cell.n})</td>")
        rows.append(f'<tr><th scope="row">{WEEKDAYS[level.key]}</th>{"".join(cells)}</tr>')
    return "".join(rows) + "</tbody></table>"


def profile_svg(profile: Profile, title: str, style: bool = True) -> str:
    """One row per level: the shrunk multiplier as a dot with its 80 % interval, on a log scale."""
    left, top, row, width = 56, 20, 20, 300
    span = max(0.4, *(max(abs(math.log(lv.low)), abs(math.log(lv.high))) for lv in profile.levels))

    def x(multiplier: float) -> float:
        return left + width / 2 + math.log(multiplier) / span * (width / 2 - 10)

    body = [f'<line x1="{x(1):.1f}" y1="{top - 6}" x2="{x(1):.1f}" y2="{top + len(profile.levels) * row}" '
            'stroke="currentColor" stroke-dasharray="3 3" stroke-opacity="0.6"/>',
            f'<text class="sg-muted" x="{x(1):.1f}" y="{top - 8}" text-anchor="middle">as usual</text>']
    for i, lv in enumerate(profile.levels):
        y = top + i * row + row / 2
        tip = f"{lv.label}: {_times(lv.multiplier)} (80%: {_times(lv.low)}–{_times(lv.high)}), {lv.n} posts"
        body.append(f"<g><title>{escape(tip)}</title>"
                    f'<text x="{left - 8}" y="{y + 4:.0f}" text-anchor="end" fill="currentColor">'
                    f"{escape(lv.label)}</text>"
                    f'<line x1="{x(lv.low):.1f}" y1="{y:.0f}" x2="{x(lv.high):.1f}" y2="{y:.0f}" '
                    'stroke="currentColor" stroke-width="2"/>'
                    f'<circle class="sg-h{shade(lv.theta)}" cx="{x(lv.multiplier):.1f}" cy="{y:.0f}" r="5" '
                    'stroke="currentColor"/>'
                    f'<text class="sg-muted" x="{left + width + 8}" y="{y + 4:.0f}">{lv.n}</text></g>')
    return _svg(left + width + 40, top + len(profile.levels) * row + 6, title, body, style=style)


def cadence_svg(report: CadenceReport, style: bool = True) -> str:
    """Posts per week (solid: published, outlined: planned) against max_per_week and min_per_week."""
    targets, weeks = report.targets, report.weeks
    left, top, bw, gap, height = 28, 16, 20, 8, 90
    peak = max([w.posts for w in weeks] + [targets.max_per_week or 0, targets.min_per_week or 0, 1]) + 1

    def y(count: float) -> float:
        return top + height - count / peak * height

    body = [f'<line x1="{left}" y1="{y(0):.1f}" x2="{left + len(weeks) * (bw + gap)}" y2="{y(0):.1f}" '
            'stroke="currentColor" stroke-opacity="0.5"/>']
    for name, value, dash in (("max", targets.max_per_week, "6 3"), ("min", targets.min_per_week, "2 3")):
        if value is not None:
            soft = " (network default)" if f"{name}_per_week" in report.defaults else ""
            body.append(f'<g><title>{name}_per_week = {value}{soft}</title><line x1="{left}" y1="{y(value):.1f}" '
                        f'x2="{left + len(weeks) * (bw + gap)}" y2="{y(value):.1f}" stroke="currentColor" '
                        f'stroke-dasharray="{dash}"/><text x="{left - 4}" y="{y(value) + 4:.1f}" '
                        f'text-anchor="end" fill="currentColor">{value}</text></g>')
    silences = [i for i in report.issues if i.kind == "silence"]
    for i, week in enumerate(weeks):
        x = left + i * (bw + gap) + gap / 2
        end = week.start + timedelta(days=7)
        notes = [f"week of {week.start:%Y-%m-%d}: {week.published} published, {week.planned} planned"]
        if week.start == report.this_week:
            body.append(f'<line x1="{x - gap / 2:.1f}" y1="{top - 8}" x2="{x - gap / 2:.1f}" y2="{y(0) + 4:.1f}" '
                        'stroke="currentColor" stroke-dasharray="1 2"/>'
                        f'<text x="{x - gap / 2 + 2:.1f}" y="{top - 2}" fill="currentColor">now</text>')
        if week.published:
            body.append(f'<rect x="{x:.1f}" y="{y(week.published):.1f}" width="{bw}" '
                        f'height="{y(0) - y(week.published):.1f}" fill="currentColor" fill-opacity="0.7"/>')
        if week.planned:
            body.append(f'<rect x="{x + 1:.1f}" y="{y(week.posts) + 1:.1f}" width="{bw - 2}" '
                        f'height="{y(week.published) - y(week.posts) - 2:.1f}" fill="none" stroke="currentColor" '
                        'stroke-width="1.5" stroke-dasharray="3 2"/>')
        marks = []
        if week.below_floor:
            notes.append(f"below min_per_week = {targets.min_per_week}")
            marks.append("▼")
        if targets.max_per_week is not None and week.posts > targets.max_per_week:
            notes.append(f"over max_per_week = {targets.max_per_week}")
            marks.append("▲")
        for day in week.crowded:
            notes.append(f"{day:%a %Y-%m-%d}: over max_per_day = {targets.max_per_day}")
            marks.append("●")
        if any(i.span and i.span[0] < end and i.span[1] > week.start for i in silences):
            notes.append("part of a long silence")
            marks.append("…")
        body.append(f"<g><title>{escape('; '.join(notes))}</title>"
                    f'<rect x="{x - gap / 2:.1f}" y="{top - 8}" width="{bw + gap}" height="{height + 34}" '
                    'fill="transparent"/>')
        if marks:
            body.append(f'<text x="{x + bw / 2:.1f}" y="{y(week.posts) - 4:.1f}" text-anchor="middle" '
                        f'fill="{WARN}">{"".join(marks)}</text>')
        if i % 2 == 0:
            body.append(f'<text class="sg-muted" x="{x + bw / 2:.1f}" y="{y(0) + 16:.1f}" text-anchor="middle">'
                        f"{week.start:%b %d}</text>")
        body.append("</g>")
    width = left + len(weeks) * (bw + gap) + 8
    floor = sum(w.below_floor for w in weeks)
    crowded = sum(len(w.crowded) for w in weeks)
    label = (f"{report.label}: posts per week from {weeks[0].start:%Y-%m-%d}, solid published and outlined "
             f"planned, against at most {targets.max_per_week if targets.max_per_week is not None else 'any'} "
             f"and at least {targets.min_per_week or 0} a week; {floor} week(s) below the floor, "
             f"{crowded} crowded day(s), {len(silences)} long silence(s).")
    return _svg(width, top + height + 26, label, body, style=style)
