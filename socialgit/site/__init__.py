"""The static calendar website: `socialgit build` and `socialgit serve`.

A module a job, in the order a build runs them (DESIGN.md's layout names the package only):

- build.py: the stages, read → model → render → write, and what a build writes;
- uptodate.py: whether the built site is still what a build would write (stat calls only);
- patch.py: a rebuild after posts' words were edited, without reading the rest;
- read.py: the read stage: posts, receipts, derived texts, feedback, metrics, git history;
- model.py, pages.py, post_page.py, views.py: the model stage (pure): what each page shows, as plain values;
  calendar_math.py for the grids and weeks, feedback_entries.py and feedback_log.py for
  the feedback, insights_page.py for the insights;
- render.py, theme.py: Jinja2 and the theme's files; feeds.py: calendar.ics, feed.xml, posts.json;
- write.py: the outputs that are not pages (the feeds, in a process of their own while the
  pages are modelled; static files, media);
- cache.py, depends.py, memo.py: what `.socialgit/` keeps between builds: page keys and
  digests, the record a partial rebuild plans by, costly fragments;
- serve.py: `socialgit serve`.
"""

from __future__ import annotations

__all__ = ["BuildResult", "build_site"]


def __getattr__(name: str):
    # the builder loads Jinja, Markdown and the page model: only when a build has work to do
    if name in __all__:
        from . import build
        return getattr(build, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
