"""The insights in a site's language: headings, verdicts, advice and cadence findings.

socialgit.insights works out the facts (and words them in English for the terminal). This
module says the same facts on a page through an i18n.Locale: message ids from the catalogue,
plural forms wherever a number counts something, the site's digits and decimal marks, dates
in its calendar. The charts (charts.py) use the same words. Pure: facts and a Locale in,
text out; ``scripts/update_catalogues.py`` extracts the ids from here.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from .i18n import C_, ENGLISH, Locale
from .cadence import CadenceIssue, CadenceReport
from .insights import BLOCK_HOURS, Analysis, Claim
from .shrinkage import Level

# a claim's slot as the verdict names it; indexed like insights.WEEKDAYS_PLURAL and BLOCK_NAMES
WEEKDAYS_PLURAL = (C_("weekdays", "Mondays"), C_("weekdays", "Tuesdays"), C_("weekdays", "Wednesdays"),
                   C_("weekdays", "Thursdays"), C_("weekdays", "Fridays"), C_("weekdays", "Saturdays"),
                   C_("weekdays", "Sundays"))
TIMES_OF_DAY = (C_("time of day", "nights"), C_("time of day", "early mornings"), C_("time of day", "mornings"),
                C_("time of day", "afternoons"), C_("time of day", "evenings"), C_("time of day", "late evenings"))


def times(multiplier: float, loc: Locale = ENGLISH) -> str:
    """'×1.25' ('×۱٫۲۵'): engagement against the account's usual."""
    return "×" + loc.number(multiplier, 2)


def hours(block: int, loc: Locale = ENGLISH) -> str:
    """'08–12' ('۰۸ تا ۱۲'): a four-hour block of the day."""
    start = block * BLOCK_HOURS
    return loc.pgettext("hours", "%(start)s–%(end)s", start=loc.digits(f"{start:02d}"),
                        end=loc.digits(f"{start + BLOCK_HOURS:02d}"))


def level_label(dimension: str, key: int, loc: Locale = ENGLISH) -> str:
    """The short label of a profile's level: a weekday ('Mon') or a block of hours ('08–12')."""
    return loc.weekday(key, short=True) if dimension == "weekday" else hours(key, loc)


def figures(level: Level, loc: Locale = ENGLISH) -> str:
    """'×1.25 (80%: ×1.05–×1.48, 24 posts)': a level's multiplier, its interval and what it rests on."""
    return loc.ngettext("%(value)s (80%%: %(low)s–%(high)s, %(n)s post)",
                        "%(value)s (80%%: %(low)s–%(high)s, %(n)s posts)", level.n,
                        value=times(level.multiplier, loc), low=times(level.low, loc), high=times(level.high, loc),
                        n=loc.digits(level.n))


def claim_name(claim: Claim, loc: Locale = ENGLISH) -> str:
    """'Mondays', 'mornings (08–12)': the slot a claim is about."""
    key = claim.level.key
    if claim.dimension == "weekday":
        return loc.pgettext(*WEEKDAYS_PLURAL[key])
    return loc.gettext("%(name)s (%(hours)s)", name=loc.pgettext(*TIMES_OF_DAY[key]), hours=hours(key, loc))


def heading(analysis: Analysis, loc: Locale = ENGLISH) -> str:
    """Whose posts an analysis rests on: the team's own, an imported source's, or both."""
    sources = loc.join(analysis.labels)
    if analysis.source == "imported":
        return loc.gettext("Imported: %(sources)s (not your posts)", sources=sources)
    if analysis.source == "combined":
        return loc.gettext("Combined: your posts + imported from %(sources)s", sources=sources)
    return loc.gettext("Your posts")


def verdict(analysis: Analysis, loc: Locale = ENGLISH) -> str:
    """The one-line answer: how many posts it rests on, and which times do better, if any reliably does."""
    n, channel, sources = analysis.posts, analysis.channel_label, loc.join(analysis.labels)
    if n == 0:
        if analysis.source == "imported":
            return loc.gettext("No %(channel)s posts imported from %(sources)s with engagement as exported yet: "
                               "nothing to learn from.", channel=channel, sources=sources)
        if analysis.source == "combined":
            return loc.gettext("No %(channel)s posts, yours or imported from %(sources)s, with engagement yet: "
                               "nothing to learn from.", channel=channel, sources=sources)
        return loc.gettext("No %(channel)s posts with engagement at 48 h yet: nothing to learn from.",
                           channel=channel)
    count = loc.digits(n)
    if analysis.source == "imported":
        head = loc.ngettext("%(n)s %(channel)s post imported from %(sources)s, engagement as exported",
                            "%(n)s %(channel)s posts imported from %(sources)s, engagement as exported", n,
                            n=count, channel=channel, sources=sources)
    elif analysis.source == "combined":
        own = analysis.own_posts
        head = loc.ngettext("%(n)s %(channel)s post (%(own)s yours + %(imported)s imported from %(sources)s), "
                            "engagement at 48 h and as exported",
                            "%(n)s %(channel)s posts (%(own)s yours + %(imported)s imported from %(sources)s), "
                            "engagement at 48 h and as exported", n, n=count, channel=channel,
                            own=loc.digits(own), imported=loc.digits(n - own), sources=sources)
    else:
        head = loc.ngettext("%(n)s %(channel)s post, engagement at 48 h", "%(n)s %(channel)s posts, engagement at 48 h",
                            n, n=count, channel=channel)
    if not analysis.best:
        return loc.gettext("%(head)s: no time is reliably better yet.", head=head)
    claims = [loc.gettext("%(slot)s do better than usual, %(figures)s", slot=claim_name(c, loc),
                          figures=figures(c.level, loc)) for c in analysis.best]
    return loc.gettext("%(head)s: %(claims)s.", head=head, claims=loc.pgettext("note separator", "; ").join(claims))


def suggestion(analysis: Analysis, loc: Locale = ENGLISH) -> str:
    """Advice to try slots seldom used, when nothing is better yet; '' when there is none."""
    if not analysis.suggestions:
        return ""
    return loc.gettext("Try about 1 in 5 posts in a slot you seldom use: %(slots)s; there are too few posts there "
                       "to tell, and a slot never tried can never win.",
                       slots=loc.join(claim_name(c, loc) for c in analysis.suggestions))


def _day(day: date, loc: Locale) -> str:
    return loc.date_text(day, weekday="short", month="short")


def _week(start: date, loc: Locale) -> str:
    return loc.date_text(start, month="short")


def _at(first: datetime, then: datetime, zone: ZoneInfo, loc: Locale) -> tuple[str, str]:
    """Two moments, the second as a bare time when it falls on the same local day."""
    same = first.astimezone(zone).date() == then.astimezone(zone).date()
    return (loc.short_moment(first, zone),
            loc.time(then.astimezone(zone)) if same else loc.short_moment(then, zone))


def cadence_issue(issue: CadenceIssue, report: CadenceReport, zone: ZoneInfo, loc: Locale = ENGLISH) -> str:
    """One cadence finding, for the channel's own section of the page (which names the channel)."""
    if issue.span is None:  # an issue made without its facts: only its English message can say it
        return issue.message
    first, last = issue.span
    targets, n = report.targets, len(issue.posts)
    if issue.kind == "day":
        return loc.ngettext("%(n)s post on %(day)s, more than max_per_day = %(limit)s",
                            "%(n)s posts on %(day)s, more than max_per_day = %(limit)s", n, n=loc.digits(n),
                            day=_day(first, loc), limit=loc.digits(targets.max_per_day))
    if issue.kind == "week":
        return loc.ngettext("%(n)s post in the week of %(day)s, more than max_per_week = %(limit)s",
                            "%(n)s posts in the week of %(day)s, more than max_per_week = %(limit)s", n,
                            n=loc.digits(n), day=_week(first, loc), limit=loc.digits(targets.max_per_week))
    if issue.kind == "gap" and issue.length is not None and targets.min_gap is not None:
        before, after = _at(issue.posts[0].publish_at, issue.posts[-1].publish_at, zone, loc)
        return loc.gettext("Only %(gap)s between the posts at %(first)s and %(second)s, less than "
                           "min_gap = %(least)s", gap=loc.duration(_minutes(issue.length)), first=before,
                           second=after, least=loc.duration(_minutes(targets.min_gap)))
    if issue.kind == "floor":
        values = {"n": loc.digits(n), "day": _week(first, loc), "floor": loc.digits(targets.min_per_week)}
        if first + timedelta(days=7) <= report.this_week:
            return loc.ngettext("The week of %(day)s had %(n)s post, below min_per_week = %(floor)s",
                                "The week of %(day)s had %(n)s posts, below min_per_week = %(floor)s", n, **values)
        return loc.ngettext("The week of %(day)s has %(n)s post planned, below min_per_week = %(floor)s",
                            "The week of %(day)s has %(n)s posts planned, below min_per_week = %(floor)s", n,
                            **values)
    if issue.kind == "silence":
        days = issue.length.days if issue.length is not None else (last - first).days
        return loc.ngettext("No post from %(first)s to %(last)s (%(n)s day)",
                            "No post from %(first)s to %(last)s (%(n)s days)", days, first=_day(first, loc),
                            last=_day(last, loc), n=loc.digits(days))
    return issue.message


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)
