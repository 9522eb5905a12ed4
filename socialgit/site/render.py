"""The render stage: page views → HTML with Jinja2, post bodies → sanitized HTML.

Autoescape is on for every template: titles, feedback comments and author names
come from people and networks and are never trusted. Post bodies are the team's
Markdown, rendered with one reused Markdown instance and then cleaned with nh3,
because Markdown passes raw HTML through.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import jinja2
import markdown
import nh3
from markupsafe import Markup

from .. import __version__, plaintext
from .views import SiteInfo, state_class

PACKAGE = Path(__file__).resolve().parent.parent
THEME_DIR = PACKAGE / "templates"
STATIC_DIR = PACKAGE / "static"
REPO_TEMPLATES = "templates"

# the body shows media separately (with alt text); a remote <img> would also load from the network
_TAGS = set(nh3.ALLOWED_TAGS) - {"img"}
_HEADING = re.compile(r"<(/?)h([1-6])\b")
STATE_WORDS = {"partly published": "partly published"}


class BodyRenderer:
    """Markdown → safe HTML with one Markdown instance, reset between posts (Python-Markdown is costly to build)."""

    def __init__(self) -> None:
        self.md = markdown.Markdown(extensions=["fenced_code", "sane_lists", "tables",
                                                plaintext._SocialTextExtension()])

    def html(self, body: str) -> Markup:
        parts = plaintext.split_thread(body) or [""]
        rendered = []
        for part in parts:
            self.md.reset()
            rendered.append(self.md.convert(part))
        html = '\n<hr class="thread-break" aria-label="Next post in the thread">\n'.join(rendered)
        clean = nh3.clean(html, tags=_TAGS, link_rel="noopener noreferrer nofollow")
        # the body sits under the page's h1 and the "Post" h2
        clean = _HEADING.sub(lambda m: f"<{m.group(1)}h{min(6, int(m.group(2)) + 2)}", clean)
        return Markup(clean)


def environment(root: Path) -> jinja2.Environment:
    """The calendar's own templates/ first, then the theme shipped in the package."""
    loaders = []
    own = Path(root) / REPO_TEMPLATES
    if own.is_dir():
        loaders.append(jinja2.FileSystemLoader(str(own)))
    loaders.append(jinja2.FileSystemLoader(str(THEME_DIR)))
    env = jinja2.Environment(loader=jinja2.ChoiceLoader(loaders), autoescape=True, trim_blocks=True,
                             lstrip_blocks=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters["state_class"] = state_class
    env.globals["version"] = __version__
    return env


def template_files(root: Path) -> list[tuple[str, Path]]:
    """Every file that can change how a page looks: (name, path), the calendar's overrides included."""
    found = []
    # the builder's own code too, so a changed socialgit (even unreleased) never serves stale pages
    for label, base in (("theme", THEME_DIR), ("static", STATIC_DIR), ("own", Path(root) / REPO_TEMPLATES),
                        ("code", Path(__file__).resolve().parent)):
        if base.is_dir():
            found += [(f"{label}/{p.relative_to(base).as_posix()}", p) for p in sorted(base.rglob("*"))
                      if p.is_file() and "__pycache__" not in p.parts]
    return found


def templates_hash(root: Path) -> str:
    digest = hashlib.sha256()
    for name, path in template_files(root):
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def relative_root(page_path: str) -> str:
    """'../' once per folder, so every link works from any sub-path and from file://."""
    return "../" * page_path.count("/")


class Renderer:
    """Renders pages; one per process (holds the Jinja environment and the Markdown instance)."""

    def __init__(self, root: Path) -> None:
        self.env = environment(root)
        self.body = BodyRenderer()

    def page(self, page, info: SiteInfo) -> str:
        template = self.env.get_template(page.template)
        return template.render(page=page, info=info, root=relative_root(page.path), body_html=self.body.html)
