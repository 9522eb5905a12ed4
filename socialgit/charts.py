"""Inline SVG charts for the insights page, drawn at build time: no JavaScript.

* ``heatmap_svg``: weekday × time block, coloured by the shrunk multiplier on a
  colour-blind-safe diverging scale (ColorBrewer PuOr: orange worse, purple
  better) centred on "as usual"; each cell shows its post count, thin cells are
  hatched, every cell has a ``<title>`` tooltip. ``heatmap_table_html`` is the
  accessible alternative to put beside it.
* ``profile_svg``: the marginal profile (weekday or block) with 80 % intervals.
* ``cadence_svg``: posts per week, past and planned, against the targets.

Every word is the site's: each chart takes the page's i18n.Locale (``loc``) for its
labels, tooltips and numbers, and insights_words for the insights' own terms; dates
are in the site's calendar. In a right-to-left language a chart is mirrored like the
page around it and the table beside it: labels on the right, the hours of the day,
the weeks and the scales running right to left.

Text uses ``currentColor`` and the site's CSS variables, so the charts read in
light and dark themes; the cell fills are fixed and carry their own ink colour.
Every string that reaches the markup is escaped.
"""

from __future__ import annotations

import math
import re
from datetime import timedelta
from html import escape

from . import insights_words as words
from .i18n import ENGLISH, Locale
from .cadence import CadenceReport
from .insights import Analysis
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


def _text_width(text: str) -> float:
    """A generous guess at the width of 12 px text: room for a label without measuring fonts at build time."""
    return 6.5 * len(text)


class _Frame:
    """x positions in a chart ``width`` wide: as laid out left to right, or mirrored for a right-to-left language.

    A mirrored chart's ``<svg>`` carries direction="rtl", so a text's anchor ("start", "end") mirrors with it.
    """

    def __init__(self, width: float, loc: Locale) -> None:
        self.width, self.rtl = width, loc.direction == "rtl"

    def x(self, value: float) -> float:
        return self.width - value if self.rtl else value

    def box(self, left: float, size: float) -> float:
        """The x attribute of a box laid out from ``left``, ``size`` wide."""
        return self.width - left - size if self.rtl else left


def _svg(width: float, height: float, label: str, body: list[str], desc: str = "", style: bool = True,
         rtl: bool = False) -> str:
    head = ('<svg xmlns="http://www.w3.org/2000/svg" class="sg-chart" role="img"'
            + (' direction="rtl"' if rtl else "") + f' width="{width:.0f}" '
            f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" aria-label="{escape(label)}">'
            f"<title>{escape(label)}</title>" + (f"<desc>{escape(desc)}</desc>" if desc else "")
            + (f"<style>{CSS}</style>" if style else ""))
    return head + "".join(body) + "</svg>"


def _hatch(pattern_id: str) -> str:
    # a dark stripe and a light one: one grey stripe vanished on the darkest shades, whose cells then
    # looked as sure as any other although the hatch is what says "too few to tell"
    return (f'<defs><pattern id="{pattern_id}" width="6" height="6" patternUnits="userSpaceOnUse" '
            'patternTransform="rotate(45)"><line x1="0.75" y1="0" x2="0.75" y2="6" stroke="#1b1f24" '
            'stroke-width="1.2" stroke-opacity="0.3"/><line x1="3.75" y1="0" x2="3.75" y2="6" stroke="#ffffff" '
            'stroke-width="1.2" stroke-opacity="0.45"/></pattern></defs>')


def _as_usual(loc: Locale) -> str:
    """Where a chart's scale is centred: the account's usual engagement."""
    return loc.pgettext("chart", "as usual")


def _cell_title(cell: Cell, loc: Locale) -> str:
    where = loc.gettext("%(weekday)s %(hours)s", weekday=loc.weekday(cell.weekday, short=True),
                        hours=words.hours(cell.block, loc))
    if cell.n == 0:
        return loc.gettext("%(where)s: no posts yet", where=where)
    text = loc.ngettext("%(where)s: %(value)s against usual, %(n)s post",
                        "%(where)s: %(value)s against usual, %(n)s posts", cell.n, where=where,
                        value=words.times(cell.multiplier, loc), n=loc.digits(cell.n))
    return loc.gettext("%(text)s (too few to tell)", text=text) if cell.n < THIN else text


def heatmap_svg(analysis: Analysis, style: bool = True, loc: Locale = ENGLISH) -> str:
    """The weekday × block heatmap of one analysis (own, imported or combined), rows in the week's order."""
    uid = _id(f"sg-hm-{analysis.channel}-{analysis.source}-{'-'.join(analysis.labels)}")
    blocks = [lv.key for lv in analysis.blocks.levels]
    days = [lv.key for lv in analysis.weekdays.levels]
    names = {day: loc.weekday(day, short=True) for day in days}
    top, cw, ch = 22, 58, 26
    left = max(48, math.ceil(16 + max(_text_width(name) for name in names.values())))
    worse, better, usual = loc.pgettext("chart", "worse"), loc.pgettext("chart", "better"), _as_usual(loc)
    thin = loc.ngettext("fewer than %(n)s post", "fewer than %(n)s posts", THIN, n=loc.digits(THIN))
    swatches = left + max(44, math.ceil(_text_width(worse) + 8))
    hx = swatches + 7 * 26 + max(62, math.ceil(_text_width(better) + 20))
    width = math.ceil(max(left + len(blocks) * cw + 4, hx + max(150, 32 + _text_width(thin))))
    f = _Frame(width, loc)
    by_key = {(c.weekday, c.block): c for c in analysis.cells}
    body = [_hatch(f"{uid}-hatch")]
    for col, block in enumerate(blocks):
        body.append(f'<text x="{f.x(left + col * cw + cw / 2):.0f}" y="{top - 7}" text-anchor="middle" '
                    f'fill="currentColor">{escape(words.hours(block, loc))}</text>')
    for row, day in enumerate(days):
        y = top + row * ch
        body.append(f'<text x="{f.x(left - 8):.0f}" y="{y + ch / 2 + 4:.0f}" text-anchor="end" '
                    f'fill="currentColor">{escape(names[day])}</text>')
        for col, block in enumerate(blocks):
            cell = by_key.get((day, block), Cell(day, block, 0, 0.0))
            index = shade(cell.theta) if cell.n else 3
            x = f.box(left + col * cw, cw - 2)
            body.append(f"<g><title>{escape(_cell_title(cell, loc))}</title>"
                        f'<rect class="sg-h{index}" x="{x:.0f}" y="{y}" width="{cw - 2}" height="{ch - 2}" rx="2"/>')
            if cell.n < THIN:
                body.append(f'<rect x="{x:.0f}" y="{y}" width="{cw - 2}" height="{ch - 2}" rx="2" '
                            f'fill="url(#{uid}-hatch)"/>')
            body.append(f'<text class="sg-i{index}" x="{x + (cw - 2) / 2:.0f}" y="{y + ch / 2 + 3:.0f}" '
                        f'text-anchor="middle">{loc.digits(cell.n)}</text></g>')
    legend_y = top + len(days) * ch + 14
    body.append(f'<text x="{f.x(left):.0f}" y="{legend_y + 10}" fill="currentColor">{escape(worse)}</text>')
    for i in range(len(PALETTE)):
        body.append(f'<rect class="sg-h{i}" x="{f.box(swatches + i * 26, 24):.0f}" y="{legend_y}" width="24" '
                    'height="12" stroke="#6e7781" stroke-width="0.5"/>')
    body.append(f'<text x="{f.x(swatches + 7 * 26 + 6):.0f}" y="{legend_y + 10}" fill="currentColor">'
                f"{escape(better)}</text>")
    body.append(f'<text class="sg-muted" x="{f.x(swatches + 3 * 26 + 12):.0f}" y="{legend_y + 26}" '
                f'text-anchor="middle">{escape(usual)}</text>')
    body.append(f'<rect x="{f.box(hx, 24):.0f}" y="{legend_y}" width="24" height="12" fill="url(#{uid}-hatch)" '
                f'stroke="#6e7781" stroke-width="0.5"/><text x="{f.x(hx + 30):.0f}" y="{legend_y + 10}" '
                f'fill="currentColor">{escape(thin)}</text>')
    verdict = words.verdict(analysis, loc)
    label = loc.gettext("%(channel)s, %(heading)s: engagement by weekday and time of day (%(zone)s); numbers are "
                        "posts per cell. %(verdict)s", channel=analysis.channel_label,
                        heading=words.heading(analysis, loc), zone=loc.zone_name(analysis.zone.key), verdict=verdict)
    return _svg(width, legend_y + 34, label, body, verdict, style, f.rtl)


def heatmap_table_html(analysis: Analysis, loc: Locale = ENGLISH) -> str:
    """The heatmap as an HTML table: the accessible alternative to put beside the SVG."""
    blocks = [lv.key for lv in analysis.blocks.levels]
    by_key = {(c.weekday, c.block): c for c in analysis.cells}
    caption = loc.gettext("%(channel)s, %(heading)s: engagement against usual by weekday and time (%(zone)s), with "
                          "the number of posts", channel=analysis.channel_label,
                          heading=words.heading(analysis, loc), zone=loc.zone_name(analysis.zone.key))
    day = loc.pgettext("heatmap", "Day")
    rows = [f'<table class="sg-heatmap-table"><caption>{escape(caption)}</caption><thead><tr>'
            f'<th scope="col">{escape(day)}</th>'
            + "".join(f'<th scope="col">{escape(words.hours(b, loc))}</th>' for b in blocks) + "</tr></thead><tbody>"]
    for level in analysis.weekdays.levels:
        cells = []
        for block in blocks:
            cell = by_key.get((level.key, block), Cell(level.key, block, 0, 0.0))
            cells.append("<td>–</td>" if cell.n == 0 else
                         f"<td>{escape(words.times(cell.multiplier, loc))} ({loc.digits(cell.n)})</td>")
        rows.append(f'<tr><th scope="row">{escape(loc.weekday(level.key, short=True))}</th>{"".join(cells)}</tr>')
    return "".join(rows) + "</tbody></table>"


def profile_svg(profile: Profile, title: str, style: bool = True, loc: Locale = ENGLISH) -> str:
    """One row per level: the shrunk multiplier as a dot with its 80 % interval, on a log scale."""
    labels = {lv.key: words.level_label(profile.dimension, lv.key, loc) for lv in profile.levels}
    left = max(56, math.ceil(16 + max((_text_width(t) for t in labels.values()), default=0)))
    top, row, width = 20, 20, 300
    span = max(0.4, *(max(abs(math.log(lv.low)), abs(math.log(lv.high))) for lv in profile.levels))
    f = _Frame(left + width + 40, loc)

    def x(multiplier: float) -> float:
        return f.x(left + width / 2 + math.log(multiplier) / span * (width / 2 - 10))

    body = [f'<line x1="{x(1):.1f}" y1="{top - 6}" x2="{x(1):.1f}" y2="{top + len(profile.levels) * row}" '
            'stroke="currentColor" stroke-dasharray="3 3" stroke-opacity="0.6"/>',
            f'<text class="sg-muted" x="{x(1):.1f}" y="{top - 8}" text-anchor="middle">'
            f'{escape(_as_usual(loc))}</text>']
    for i, lv in enumerate(profile.levels):
        y = top + i * row + row / 2
        tip = loc.gettext("%(label)s: %(figures)s", label=labels[lv.key], figures=words.figures(lv, loc))
        body.append(f"<g><title>{escape(tip)}</title>"
                    f'<text x="{f.x(left - 8):.0f}" y="{y + 4:.0f}" text-anchor="end" fill="currentColor">'
                    f"{escape(labels[lv.key])}</text>"
                    f'<line x1="{x(lv.low):.1f}" y1="{y:.0f}" x2="{x(lv.high):.1f}" y2="{y:.0f}" '
                    'stroke="currentColor" stroke-width="2"/>'
                    f'<circle class="sg-h{shade(lv.theta)}" cx="{x(lv.multiplier):.1f}" cy="{y:.0f}" r="5" '
                    'stroke="currentColor"/>'
                    f'<text class="sg-muted" x="{f.x(left + width + 8):.0f}" y="{y + 4:.0f}">{loc.digits(lv.n)}</text>'
                    "</g>")
    return _svg(f.width, top + len(profile.levels) * row + 6, title, body, style=style, rtl=f.rtl)


def _month_labels(report: CadenceReport, loc: Locale, step: float) -> dict[int, str]:
    """Week index → the month's name, under the first week of each month (and the first week, when there is room)."""
    months = [loc.system.parts(w.start)[:2] for w in report.weeks]
    changes = [i for i in range(1, len(months)) if months[i] != months[i - 1]]
    found = {i: loc.month_name(months[i][1], short=True) for i in changes}
    first = loc.month_name(months[0][1], short=True) if months else ""
    if months and (not changes or changes[0] * step >= _text_width(first) + 6):
        found[0] = first
    return found


def cadence_svg(report: CadenceReport, style: bool = True, loc: Locale = ENGLISH) -> str:
    """Posts per week (solid: published, outlined: planned) against max_per_week and min_per_week."""
    targets, weeks, n = report.targets, report.weeks, loc.digits
    left, top, bw, gap, height = 28, 16, 20, 8, 90
    f = _Frame(left + len(weeks) * (bw + gap) + 8, loc)
    peak = max([w.posts for w in weeks] + [targets.max_per_week or 0, targets.min_per_week or 0, 1]) + 1

    def y(count: float) -> float:
        return top + height - count / peak * height

    end_x = left + len(weeks) * (bw + gap)
    body = [f'<line x1="{f.x(left):.0f}" y1="{y(0):.1f}" x2="{f.x(end_x):.0f}" y2="{y(0):.1f}" '
            'stroke="currentColor" stroke-opacity="0.5"/>']
    for key, value, dash in (("max_per_week", targets.max_per_week, "6 3"),
                             ("min_per_week", targets.min_per_week, "2 3")):
        if value is not None:
            tip = (loc.gettext("max_per_week = %(n)s", n=n(value)) if key == "max_per_week"
                   else loc.gettext("min_per_week = %(n)s", n=n(value)))
            if key in report.defaults:
                tip = loc.gettext("%(target)s (network default)", target=tip)
            body.append(f'<g><title>{escape(tip)}</title><line x1="{f.x(left):.0f}" y1="{y(value):.1f}" '
                        f'x2="{f.x(end_x):.0f}" y2="{y(value):.1f}" stroke="currentColor" '
                        f'stroke-dasharray="{dash}"/><text x="{f.x(left - 4):.0f}" y="{y(value) + 4:.1f}" '
                        f'text-anchor="end" fill="currentColor">{n(value)}</text></g>')
    silences = [i for i in report.issues if i.kind == "silence"]
    months = _month_labels(report, loc, bw + gap)
    now, separator = loc.pgettext("chart", "now"), loc.pgettext("note separator", "; ")
    for i, week in enumerate(weeks):
        x = left + i * (bw + gap) + gap / 2
        end = week.start + timedelta(days=7)
        notes = [loc.gettext("week of %(day)s: %(published)s published, %(planned)s planned",
                             day=loc.date_text(week.start, month="short"), published=n(week.published),
                             planned=n(week.planned))]
        if week.start == report.this_week:
            body.append(f'<line x1="{f.x(x - gap / 2):.1f}" y1="{top - 8}" x2="{f.x(x - gap / 2):.1f}" '
                        f'y2="{y(0) + 4:.1f}" stroke="currentColor" stroke-dasharray="1 2"/>'
                        f'<text x="{f.x(x - gap / 2 + 2):.1f}" y="{top - 2}" fill="currentColor">'
                        f'{escape(now)}</text>')
        if week.published:
            body.append(f'<rect x="{f.box(x, bw):.1f}" y="{y(week.published):.1f}" width="{bw}" '
                        f'height="{y(0) - y(week.published):.1f}" fill="currentColor" fill-opacity="0.7"/>')
        if week.planned:
            body.append(f'<rect x="{f.box(x + 1, bw - 2):.1f}" y="{y(week.posts) + 1:.1f}" width="{bw - 2}" '
                        f'height="{y(week.published) - y(week.posts) - 2:.1f}" fill="none" stroke="currentColor" '
                        'stroke-width="1.5" stroke-dasharray="3 2"/>')
        marks = []
        if week.below_floor:
            notes.append(loc.gettext("below min_per_week = %(n)s", n=n(targets.min_per_week)))
            marks.append("▼")
        if targets.max_per_week is not None and week.posts > targets.max_per_week:
            notes.append(loc.gettext("over max_per_week = %(n)s", n=n(targets.max_per_week)))
            marks.append("▲")
        for day in week.crowded:
            notes.append(loc.gettext("%(day)s: over max_per_day = %(n)s", day=loc.date_short(day),
                                     n=n(targets.max_per_day)))
            marks.append("●")
        if any(i.span and i.span[0] < end and i.span[1] > week.start for i in silences):
            notes.append(loc.gettext("part of a long silence"))
            marks.append("…")
        body.append(f"<g><title>{escape(separator.join(notes))}</title>"
                    f'<rect x="{f.box(x - gap / 2, bw + gap):.1f}" y="{top - 8}" width="{bw + gap}" '
                    f'height="{height + 46}" fill="transparent"/>')
        if marks:
            body.append(f'<text x="{f.x(x + bw / 2):.1f}" y="{y(week.posts) - 4:.1f}" text-anchor="middle" '
                        f'fill="{WARN}">{"".join(marks)}</text>')
        body.append(f'<text class="sg-muted" x="{f.x(x + bw / 2):.1f}" y="{y(0) + 15:.1f}" text-anchor="middle">'
                    f"{loc.day_number(week.start)}</text>")
        if i in months and f.width - (x - gap / 2) >= _text_width(months[i]):
            body.append(f'<text class="sg-muted" x="{f.x(x - gap / 2):.1f}" y="{y(0) + 30:.1f}">'
                        f"{escape(months[i])}</text>")
        body.append("</g>")
    floor = sum(w.below_floor for w in weeks)
    crowded = sum(len(w.crowded) for w in weeks)
    counts = loc.join([loc.ngettext("%(n)s week below the floor", "%(n)s weeks below the floor", floor, n=n(floor)),
                       loc.ngettext("%(n)s crowded day", "%(n)s crowded days", crowded, n=n(crowded)),
                       loc.ngettext("%(n)s long silence", "%(n)s long silences", len(silences),
                                    n=n(len(silences)))])
    head = loc.gettext("%(channel)s: posts per week from %(day)s, solid published and outlined planned",
                       channel=report.label, day=loc.date_text(weeks[0].start, month="short"))
    most, least = targets.max_per_week, targets.min_per_week
    if most is not None and least is not None:
        limits = loc.gettext("at most %(most)s and at least %(least)s a week", most=n(most), least=n(least))
    elif most is not None or least:
        limits = (loc.gettext("at most %(n)s a week", n=n(most)) if most is not None
                  else loc.gettext("at least %(n)s a week", n=n(least)))
    else:
        limits = ""
    label = (loc.gettext("%(head)s, against %(limits)s; %(counts)s.", head=head, limits=limits, counts=counts)
             if limits else loc.gettext("%(head)s; %(counts)s.", head=head, counts=counts))
    return _svg(f.width, top + height + 40, label, body, style=style, rtl=f.rtl)
