"""A post's page (pure): its previews per channel with their lengths, media, receipts, history and feedback."""

from __future__ import annotations

from pathlib import PurePosixPath

from .. import textlimits
from ..content import Post
from . import calendar_math as cm
from . import depends, feedback_entries, feedback_side
from . import model as m
from .views import ChannelRow, HistoryEntry, Link, MediaView, PostPage, PreviewPart, ReceiptView


def _receipt_link(ctx: "m.Context", channel: str, url: str) -> Link | None:
    if url.startswith(("https://", "http://")):
        return Link(url, url, True)
    settings = ctx.config.channels.get(channel)
    if settings is None or settings.type != "outbox":
        return None
    folder = str(settings.options.get("path") or "outbox").strip("/")
    path = PurePosixPath(url)
    # only files the outbox wrote, and never a path that climbs out of its folder
    if path.is_absolute() or ".." in path.parts or not url.startswith(folder + "/"):
        return None
    target = f"receipts/{path.as_posix()}"
    ctx.use_asset(target, path.as_posix())
    return Link(path.as_posix(), target, False)


def _media(ctx: "m.Context", post: Post) -> tuple[MediaView, ...]:
    found = []
    post_dir = PurePosixPath(post.path).parent
    for media in post.media:
        rel = PurePosixPath(media.path)
        href = None
        if not rel.is_absolute() and ".." not in rel.parts:
            for base in (PurePosixPath("content"), post_dir):
                candidate = (base / rel).as_posix()
                if (ctx.config.root / candidate).is_file():
                    href = "media/" + PurePosixPath(candidate).relative_to("content").as_posix()
                    ctx.use_asset(href, candidate)
                    break
        found.append(MediaView(media.path, href, media.alt))
    return tuple(found)


def _rows(ctx: "m.Context", post: Post) -> tuple[ChannelRow, ...]:
    rows = []
    receipts = ctx.receipts(post.id)
    for name in post.channels:
        view = ctx.channels.get(name)
        if view is None:
            continue
        parts = post.parts_for(name)
        previews = ctx.remember(("preview", ctx.loc.language, tuple(parts), view.network, view.limit),
                                lambda: _previews(parts, view.network, view.limit, ctx.loc))
        receipt = receipts.get(name)
        receipt_view = None
        if receipt is not None:
            links = tuple(link for link in (_receipt_link(ctx, name, str(p.get("url") or "")) for p in receipt.parts)
                          if link)
            attempts = receipt.data.get("attempts")
            receipt_view = ReceiptView(receipt.state, m.local_text(receipt.published_at, ctx.zone, loc=ctx.loc), links,
                                       receipt.error or "", attempts if isinstance(attempts, int) else None,
                                       receipt.path)
        rows.append(ChannelRow(view, ctx.channel_states[post.id][name], name in post.variants, previews,
                               receipt_view))
    return tuple(rows)


def _previews(parts: list[str], network: str, limit: int | None, loc) -> tuple[PreviewPart, ...]:
    measures = textlimits.measure_parts(parts, network, limit)
    return tuple(PreviewPart(text, _length_text(measure, loc), bool(measure.over), measure.fits)
                 for text, measure in zip(parts, measures))


def _length_text(measure: textlimits.Measure, loc) -> str:
    """'512/500 characters (12 over)' in the site's language (Measure.describe, translated)."""
    unit, length = loc.word("unit", measure.unit), loc.digits(measure.length)
    if measure.limit is None:
        text = loc.gettext("%(length)s %(unit)s", length=length, unit=unit)
    else:
        text = loc.gettext("%(length)s/%(limit)s %(unit)s", length=length, limit=loc.digits(measure.limit),
                           unit=unit)
        if measure.over:
            text = loc.gettext("%(text)s (%(over)s over)", text=text, over=loc.digits(measure.over))
    return f"{text}; {measure.problem}" if measure.problem else text


class PostIndex:
    """What every post page looks up: the feedback by post and by id, each post's neighbours (once per build)."""

    def __init__(self, ctx: "m.Context") -> None:
        self.feedback, self.by_feedback_id = feedback_side.by_post(ctx.source.feedback)
        self.around = ctx.around if ctx.around is not None else depends.neighbours(ctx.posts)

    def feedback_of(self, ctx: "m.Context", post: Post) -> feedback_side.PostFeedback:
        """What the post's page shows of the feedback read into ``ctx`` (the log's entries: threads, triage, names)."""
        return feedback_side.post_feedback(post, self.feedback, self.by_feedback_id,
                                           feedback_entries.threads(ctx).entries, ctx.chips)


def post_index(ctx: "m.Context") -> PostIndex:
    """The build's PostIndex, made on first use (a build that models post pages in workers makes it before)."""
    found = getattr(ctx, "_post_index", None)
    if found is None:
        found = ctx._post_index = PostIndex(ctx)  # Context is per build; this is its memo
    return found


def post_pages(ctx: "m.Context", only: frozenset[str] | None = None) -> list[PostPage]:
    """The page of every post shown, or of the posts in ``only``."""
    return [post_page(ctx, post) for post in ctx.posts if only is None or post.id in only]


def post_page(ctx: "m.Context", post: Post) -> PostPage:
    """One post's page; what it was made from goes to ctx.made_from, the files it links to ctx.page_assets."""
    zone, history, loc, chips = ctx.zone, ctx.source.history, ctx.loc, ctx.chips
    index = post_index(ctx)
    ctx.page_assets = {}
    chip = chips[post.id]
    local = post.publish_at.astimezone(zone) if post.publish_at else None
    changes = tuple(HistoryEntry(c.commit[:8], c.author, m.local_text(c.when, zone, loc=loc), c.subject)
                    for c in history.get(post.path, ()))
    before, after = index.around.get(post.id, (None, None))
    feedback = ctx.post_feedback(post) if ctx.post_feedback is not None else index.feedback_of(ctx, post)
    page = PostPage(
        f"posts/{post.id}/index.html", chip, post.path, m.local_text(post.publish_at, zone, loc=loc),
        loc.utc_text(post.publish_at) if post.publish_at else "",
        (post.campaign, f"campaigns/{ctx.campaign_folders[post.campaign]}/index.html") if post.campaign else None,
        post.tags, post.author or "", post.body, _rows(ctx, post), _media(ctx, post), changes,
        feedback.entries, feedback.reply_to,
        m.month_path("calendar/", *loc.system.month_of(local.date())) if local else None,
        m.week_path(cm.week_key(local.date(), ctx.config.week_start)) if local else None,
        chips[before] if before else None, chips[after] if after else None)
    ctx.made_from[post.id] = _made_from(ctx, post, (before, after), feedback, history.get(post.path, ()))
    return page


def _made_from(ctx: "m.Context", post: Post, around: tuple, feedback: feedback_side.PostFeedback,
               changes) -> depends.PostRecord:
    """What the post's page shows besides the post: see site/depends.py.

    The chips in its comments' entries (the posts they are on, our replies) are not
    listed: the feedback log shows every entry too, and the record's log_posts has them.
    """
    return depends.PostRecord(
        post.path, depends.chip_row(ctx.chips[post.id]), around, post.in_reply_to, feedback.paths, feedback.loose,
        tuple(sorted(ctx.page_assets.items())), depends.history_digest(changes),
        depends.outline(post, ctx.channel_states[post.id]))


