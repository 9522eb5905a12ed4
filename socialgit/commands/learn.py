"""Learn: `insights` (best times, cadence, campaigns) and `import-history`."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from ..calendar import load_calendar
from ..check import Calendar
from ..config import load_config_or_fail
from ..feedback import feedback_sentiments
from ..history_import import IMPORTED_DIR, import_history, load_imported
from ..cadence import CadenceReport
from ..insights import Analysis, Insights, build_insights, suggestion_text, tally_sentiments
from ..metrics import load_metrics
from ..post_files import load_posts
from ..problems import Problem, UserError, warning
from ..slots import explain_slot, next_best_slot, weak_slot_problems
from ..cli import EXIT_CODES, cli, now_option, parse_now, root_option, user_errors


def load_insights(root: Path, now: datetime, calendar: Calendar | None = None,
                  with_feedback: bool = True) -> tuple[Insights, list[Problem]]:
    """Read the calendar (unless given), metrics, imported history and feedback, and analyse them (the I/O edge)."""
    problems: list[Problem] = []
    if calendar is None:
        calendar, problems = load_calendar(root)
    metrics, found = load_metrics(root)
    problems += found
    imported, found = load_imported(root)
    problems += found
    known = calendar.config.channels
    for label, channel in sorted({(r.label, r.channel) for r in imported if r.channel not in known}):
        problems.append(warning(f"{IMPORTED_DIR}/{label}/{channel}.jsonl", None,
                                f'channel "{channel}" is not in socialgit.toml; these imported rows are not used'))
    sentiments: list = []
    if with_feedback:  # only the campaign totals need it: each item's post and sentiment, not the items
        sentiments, found = feedback_sentiments(root)
        problems += found
    return build_insights(calendar, metrics, imported, tally_sentiments(sentiments), now), problems


def next_best_for(root: Path, channel_names: list[str], now: datetime) -> tuple[datetime, str]:
    """`socialgit new --at next-best`: the time and one line saying why."""
    insights, _ = load_insights(root, now, with_feedback=False)
    config = load_config_or_fail(root)[0]
    channels = [config.channels[name] for name in channel_names]
    posts, _ = load_posts(config)
    at = next_best_slot(posts, channels, insights, now)
    return at, explain_slot(at, channels, insights)


def weak_slot_infos(root: Path, calendar: Calendar, now: datetime) -> list[Problem]:
    """`check`'s info notes for future posts in a slot the data says is weak."""
    insights, _ = load_insights(root, now, calendar, with_feedback=False)
    return weak_slot_problems(calendar.posts, insights, now)


def _analysis_json(a: Analysis) -> dict:
    def profile(p):
        return [{"key": lv.key, "label": lv.label, "posts": lv.n, "multiplier": round(lv.multiplier, 3),
                 "low80": round(lv.low, 3), "high80": round(lv.high, 3), "z": round(lv.z, 2)} for lv in p.levels]

    def claims(items):
        return [{"dimension": c.dimension, "level": c.level.label, "name": c.name,
                 "multiplier": round(c.level.multiplier, 3), "posts": c.level.n} for c in items]

    return {"source": a.source, "labels": list(a.labels), "heading": a.heading, "posts": a.posts,
            "verdict": a.verdict, "suggestion": suggestion_text(a), "not_counted": dict(a.skipped),
            "weekdays": profile(a.weekdays), "blocks": profile(a.blocks), "best": claims(a.best),
            "weak": claims(a.weak),
            "cells": [{"weekday": c.weekday, "block": c.block, "posts": c.n, "multiplier": round(c.multiplier, 3)}
                      for c in a.cells]}


def _cadence_json(report: CadenceReport) -> dict:
    t = report.targets
    return {"targets": {"max_per_day": t.max_per_day, "max_per_week": t.max_per_week,
                        "min_gap_minutes": int(t.min_gap.total_seconds() // 60) if t.min_gap else None,
                        "min_per_week": t.min_per_week},
            "network_defaults": sorted(report.defaults),
            "weeks": [{"start": w.start.isoformat(), "published": w.published, "planned": w.planned,
                       "crowded_days": [d.isoformat() for d in w.crowded], "below_floor": w.below_floor}
                      for w in report.weeks],
            "issues": [{"kind": i.kind, "message": i.message, "soft": i.soft} for i in report.issues]}


def insights_json(insights: Insights, names: list[str], combine: bool, problems: list[Problem]) -> dict:
    channels = {}
    for name in names:
        ci = insights.channels[name]
        entry = {"label": ci.label, "own": _analysis_json(ci.own),
                 "imported": [_analysis_json(a) for a in ci.imported], "cadence": _cadence_json(ci.cadence)}
        if combine and ci.combined is not None:
            entry["combined"] = _analysis_json(ci.combined)
        channels[name] = entry
    return {"now": insights.now.isoformat(), "timezone": insights.zone.key, "week_start": insights.week_start,
            "channels": channels,
            "campaigns": [{"name": c.name, "posts": c.posts, "engagement": c.engagement, "feedback": dict(c.feedback),
                           "channels": [c2.__dict__ for c2 in c.channels]} for c in insights.campaigns],
            "problems": [str(p) for p in problems]}


def _analysis_lines(a: Analysis) -> list[str]:
    lines = [f"  {a.heading}: {a.verdict}"]
    if a.posts:
        for profile in (a.weekdays, a.blocks):
            lines.append("    " + " " * 8 + "".join(f"{lv.label:>7}" for lv in profile.levels))
            lines.append("    " + f"{'×usual':<8}" + "".join(f"{lv.multiplier:>7.2f}" for lv in profile.levels))
            lines.append("    " + f"{'posts':<8}" + "".join(f"{lv.n:>7}" for lv in profile.levels))
    hint = suggestion_text(a)
    if hint:
        lines.append(f"    {hint}")
    if a.skipped:
        lines.append("    not counted: " + ", ".join(f"{n} {why}" for why, n in sorted(a.skipped.items())))
    return lines


def _duration(delta) -> str:
    hours, minutes = divmod(int(delta.total_seconds() // 60), 60)
    return " ".join(part for part in (f"{hours} h" if hours else "", f"{minutes} min" if minutes else "") if part)


def _cadence_lines(report: CadenceReport) -> list[str]:
    t, soft = report.targets, report.defaults
    parts = [(f"at most {t.max_per_day} a day", "max_per_day"), (f"at most {t.max_per_week} a week", "max_per_week"),
             (f"{_duration(t.min_gap)} apart" if t.min_gap else "", "min_gap"), (f"at least {t.min_per_week} a week", "min_per_week")]
    shown = [text + ("*" if key in soft else "") for text, key in parts if getattr(t, key) is not None]
    lines = ["  Cadence: " + (", ".join(shown) if shown else "no targets set")
             + (" (* network default: set your own in socialgit.toml)" if soft else "")]
    weeks = " · ".join(f"{w.start:%b %d} {w.published}" + (f"+{w.planned} planned" if w.planned else "")
                       for w in report.weeks)
    lines.append(f"    posts per week: {weeks}")
    lines += [f"    {'warning (default)' if i.soft else 'warning'}: {i.message}" for i in report.issues]
    return lines


@cli.command(epilog=EXIT_CODES)
@click.option("--channel", "channel_names", multiple=True, metavar="NAME", help="Only this channel (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="json prints every figure (profiles, intervals, cells, cadence weeks) for other tools.")
@click.option("--combine", is_flag=True, help="Also analyse your posts and imported history together "
              "(each scored against its own account).")
@root_option
@now_option
@user_errors
def insights(channel_names, fmt, combine, root, now_text):
    """When your audience engages, per channel, and whether each channel keeps its cadence.

    Engagement is read 48 h after publishing and compared with the account's
    own median of the surrounding month; a time is called better only with
    strong evidence (two standard errors, five posts). Imported history is
    shown in its own panel, never mixed into yours unless you pass --combine.
    """
    config, _ = load_config_or_fail(root)
    now = parse_now(now_text, config.timezone)
    unknown = [n for n in channel_names if n not in config.channels]
    if unknown:
        raise UserError(f"--channel: unknown channel {', '.join(unknown)}; channels in socialgit.toml: "
                        f"{', '.join(config.channels)}")
    result, problems = load_insights(root, now)
    names = list(channel_names) or list(config.channels)
    if fmt == "json":
        click.echo(json.dumps(insights_json(result, names, combine, problems), indent=2, ensure_ascii=False))
        return
    for problem in problems:
        click.echo(str(problem), err=True)
    local = now.astimezone(config.timezone)
    click.echo(f"{config.title} · insights at {local:%a %Y-%m-%d %H:%M} · times in {config.timezone.key}, "
               f"weeks start on {config.week_start.capitalize()}")
    for name in names:
        ci = result.channels[name]
        click.echo(f"\n{ci.label} ({name})")
        shown = [ci.own, *ci.imported] + ([ci.combined] if combine and ci.combined else [])
        for analysis in shown:
            for line in _analysis_lines(analysis):
                click.echo(line)
        for line in _cadence_lines(ci.cadence):
            click.echo(line)
    if result.campaigns and not channel_names:
        click.echo("\nCampaigns")
        for c in result.campaigns:
            per = ", ".join(f"{x.channel} {x.published} published" + (f" + {x.planned} planned" if x.planned else "")
                            for x in c.channels)
            said = ", ".join(f"{n} {s}" for s, n in sorted(c.feedback.items(), key=lambda kv: -kv[1])) or "none"
            click.echo(f"  {c.name}: {c.posts} post{'' if c.posts == 1 else 's'} ({per}); engagement {c.engagement}; feedback: {said}")


@cli.command("import-history", epilog=EXIT_CODES)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--channel", required=True, metavar="NAME", help="The channel of yours these posts inform.")
@click.option("--label", default="history", show_default=True,
              help="Where the rows came from, e.g. old-account or competitor; they are always shown under it.")
@click.option("--timezone", "zone_name", metavar="ZONE", help="Time zone of times written without an offset "
              "(default: the site's).")
@root_option
@now_option
@user_errors
def import_history_command(file, channel, label, zone_name, root, now_text):
    """Import past posts (time and engagement) from a CSV file, kept apart from your own.

    The CSV needs a header with a time column (posted_at, published_at or
    created_at; ISO 8601) and either an engagement column or likes, reposts,
    replies and quotes; a url or id column lets a re-import skip rows it already
    has. The rows are stored in content/ledger/_imported/LABEL/CHANNEL.jsonl:
    commit that file.
    """
    config, _ = load_config_or_fail(root)
    now = parse_now(now_text, config.timezone)
    if channel not in config.channels:
        raise UserError(f"--channel: unknown channel {channel}; channels in socialgit.toml: "
                        f"{', '.join(config.channels)}")
    try:
        zone = ZoneInfo(zone_name) if zone_name else config.timezone
    except (ZoneInfoNotFoundError, ValueError):
        raise UserError(f'--timezone "{zone_name}" is not an IANA time zone name (like Europe/Berlin)') from None
    result = import_history(root, file, channel, label, zone, now)
    for problem in result.problems:
        click.echo(str(problem), err=True)
    where = result.path.relative_to(root).as_posix() if not Path(root).is_absolute() else str(result.path)
    click.echo(f"{result.added} new of {result.read} rows imported into {where} ({result.total} in all)"
               + (f"; {len(result.problems)} rows skipped" if result.problems else ""))
    raise SystemExit(1 if result.problems else 0)
