"""The static calendar website: `socialgit build` and `socialgit serve`."""

from __future__ import annotations

__all__ = ["BuildResult", "build_site"]


def __getattr__(name: str):
    # the builder loads Jinja, Markdown and the page model: only when a build has work to do
    if name in __all__:
        from . import build
        return getattr(build, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
