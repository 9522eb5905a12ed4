"""socialgit: a social-media content calendar that lives in git."""

__version__ = "0.1.0"
