"""The static calendar website: `socialgit build` and `socialgit serve`."""

from .build import BuildResult, build_site

__all__ = ["BuildResult", "build_site"]
