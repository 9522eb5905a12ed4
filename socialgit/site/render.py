"""The render stage: page views → HTML with Jinja2, post bodies → sanitized HTML.

Autoescape is on for every template: titles, feedback comments and author names
come from people and networks and are never trusted. Post bodies are the team's
Markdown, rendered with one reused Markdown instance and then cleaned with nh3,
because Markdown passes raw HTML through.
"""

from __future__ import annotations

import functools
import hashlib
import re
import traceback
from pathlib import Path

import jinja2
import markdown
import markupsafe
import nh3
from jinja2.compiler import CodeGenerator
from markupsafe import Markup, escape

from .. import __version__, derived, i18n, plaintext
from ..state import state_dir
from .cache import CACHE_DIR
from .feedback_entries import FACETS
from .theme import REPO_TEMPLATES, THEME_DIR
from .views import SiteInfo, state_class


# the body shows media separately (with alt text); a remote <img> would also load from the network
_TAGS = set(nh3.ALLOWED_TAGS) - {"img"}
_HEADING = re.compile(r"<(/?)h([1-6])\b")
# a URL, #hashtag or @handle: in text of the other direction each must be isolated, or the
# bidi algorithm moves its "#" or a trailing slash to the wrong end ("BookTok#")
_TOKEN = re.compile(r"https?://[^\s<>\"]*[^\s<>\".,;:!?)\]»،؛]|(?<![&\w])[#@][\w\u200c]+(?:@[\w.-]*\w)?")  # not "&#39;"
_TAG_OR_TEXT = re.compile(r"(<[^>]*>)")
_VERBATIM = {"code", "pre"}


# the same links, hashtags and handles come back on page after page
_token_direction = functools.lru_cache(maxsize=1 << 16)(i18n.text_direction)


def _isolated(text: str, direction: str) -> str:
    """``text`` (already HTML) with each token of the other direction wrapped in <bdi>."""
    return _TOKEN.sub(lambda m: f"<bdi>{m.group(0)}</bdi>" if _token_direction(m.group(0)) != direction
                      else m.group(0), text)


def isolate_html(html: str, direction: str) -> str:
    """Isolate the tokens in the text of ``html`` (a post body), leaving tags and code alone."""
    out, verbatim = [], 0
    for piece in _TAG_OR_TEXT.split(html):
        if piece.startswith("<"):
            name = piece.strip("</>").split()[0].lower() if piece.strip("</>") else ""
            if name in _VERBATIM:
                verbatim += -1 if piece.startswith("</") else 1
            out.append(piece)
        else:
            out.append(piece if verbatim else _isolated(piece, direction))
    return "".join(out)


def _isolate_text(text: str, direction: str) -> Markup:
    return Markup(_isolated(str(escape(text)), direction))


# a post page previews the same text for each channel that sends it (3 KB, up to four times)
_isolate_remembered = functools.lru_cache(maxsize=256)(_isolate_text)


def isolate_text(text: str, direction: str) -> Markup:
    """Plain text from a person or a network, escaped, its other-direction tokens in <bdi>."""
    # Markup is equal to the plain text it holds, so only plain text may be remembered
    return (_isolate_remembered if type(text) is str else _isolate_text)(text, direction)


_text_direction = functools.lru_cache(maxsize=256)(i18n.text_direction)


class BodyRenderer:
    """Markdown → safe HTML with one Markdown instance, reset between posts (Python-Markdown is costly to build).

    A build derives every body's HTML up front (socialgit.derived, on every core and
    remembered between builds); ``html`` renders only a body it did not see.
    """

    # what shapes the HTML besides the libraries: this module's rules
    salt = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()

    def __init__(self) -> None:
        self.md = markdown.Markdown(extensions=["fenced_code", "sane_lists", "tables",
                                                plaintext._SocialTextExtension()])

    def render_parts(self, parts: list[str]) -> list[str]:
        """Each thread part's HTML as Markdown makes it, before sanitizing."""
        rendered = []
        for part in parts:
            self.md.reset()
            rendered.append(self.md.convert(part))
        return rendered

    def finish(self, rendered: list[str]) -> str:
        """The parts' HTML joined, sanitized, headings moved under the page's."""
        html = '\n<hr class="thread-break" aria-label="Next post in the thread">\n'.join(rendered)
        clean = nh3.clean(html, tags=_TAGS, link_rel="noopener noreferrer nofollow")
        # the body sits under the page's h1 and the "Post" h2
        return _HEADING.sub(lambda m: f"<{m.group(1)}h{min(6, int(m.group(2)) + 2)}", clean)

    def html(self, body: str, direction: str | None = None) -> Markup:
        """The body as safe HTML; with the post's ``direction``, URLs and tags of the other one isolated."""
        clean = derived.page_html(body)
        if clean is None:
            clean = self.finish(self.render_parts(plaintext.split_thread(body) or [""]))
        return Markup(isolate_html(clean, direction) if direction else clean)


class _CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """The templates compiled to Python, kept under .socialgit/: compiling the theme costs more than a page.

    Jinja finds a template's code by its name, file and a checksum of its source; the
    folder is named by what else shapes the code: Jinja's version and this module (the
    environment's options). A cache is a shortcut: a folder that cannot be written only
    means compiling again.
    """

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


_escape_text = markupsafe._escape_inner  # str → escaped str, in C; escape() wraps each result in Markup


def printed(value) -> str:
    """What ``{{ value }}`` prints in a template: escaped text, or the value itself when it is markup.

    The same text as markupsafe's escape, which Jinja calls for every printed value,
    without making a Markup of each result (the page joins them anyway): a page of
    feedback prints 30 values a row, and that wrapping was a third of its cost.
    """
    if type(value) is str:
        return _escape_text(value)
    if type(value) is Markup:
        return value
    html = getattr(value, "__html__", None)
    return html() if html is not None else _escape_text(str(value))


class _Compiler(CodeGenerator):
    """Jinja's code generator, printing through `printed` where a template escapes its output."""

    def _output_child_pre(self, node, frame, finalize) -> None:
        if frame.eval_ctx.volatile or not frame.eval_ctx.autoescape:
            super()._output_child_pre(node, frame, finalize)
            return
        self.write("environment.printed(")
        if finalize.src is not None:
            self.write(finalize.src)


def _remembered(gettext):
    """Jinja's gettext, each message without values translated once: a post page asks for 70, the same ones."""
    memo: dict[tuple[str, bool], str] = {}

    @jinja2.pass_context
    def remembered(context, message: str, **values) -> str:
        if values:
            return gettext(context, message, **values)
        key = (message, context.eval_ctx.autoescape)  # Markup, or plain text in an {% autoescape false %} block
        found = memo.get(key)
        if found is None:
            found = memo[key] = gettext(context, message)
        return found

    return remembered


class _Environment(jinja2.Environment):
    code_generator_class = _Compiler
    printed = staticmethod(printed)


def _compiled(root: Path) -> jinja2.BytecodeCache | None:
    try:
        folder = state_dir(root) / CACHE_DIR / f"templates-{jinja2.__version__}-{BodyRenderer.salt[:16]}"
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return _CompiledTemplates(str(folder))


def environment(root: Path, locale: i18n.Locale = i18n.ENGLISH) -> jinja2.Environment:
    """The calendar's own templates/ first, then the theme shipped in the package, speaking ``locale``.

    Every word a template prints comes from the locale's catalogue (``_()`` and ``{% trans %}``);
    dates go through the filters below, which know the site's calendar system and digits.
    """
    loaders = []
    own = Path(root) / REPO_TEMPLATES
    if own.is_dir():
        loaders.append(jinja2.FileSystemLoader(str(own)))
    loaders.append(jinja2.FileSystemLoader(str(THEME_DIR)))
    # auto_reload off: a build never sees a template change (a changed theme is a new setup, a new Renderer),
    # and checking every template's mtime on every page cost more than rendering some of them
    env = _Environment(loader=jinja2.ChoiceLoader(loaders), autoescape=True, trim_blocks=True,
                         lstrip_blocks=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                         extensions=["jinja2.ext.i18n"], auto_reload=False, bytecode_cache=_compiled(root))
    env.install_gettext_translations(locale.translations, newstyle=True)
    # _() straight to the remembered gettext, not through Jinja's alias, which looks it up on every call
    env.globals["gettext"] = env.globals["_"] = _remembered(env.globals["gettext"])
    env.filters["state_class"] = state_class
    env.filters["digits"] = locale.digits
    for kind in ("state", "kind", "sentiment", "status", "level", "network", "skipped", "priority", "judged"):
        env.filters[f"{kind}_word"] = lambda value, kind=kind: locale.word(kind, value)
    for name in ("date_short", "date_long", "day_number", "month_short_of", "month_title_of", "other_date",
                 "weekday", "zone_name"):
        env.filters[name] = getattr(locale, name)
    env.filters["weekday_short"] = lambda day: locale.weekday(day, short=True)
    env.filters["join_words"] = locale.join
    env.filters["isolate"] = isolate_text
    env.filters["text_dir"] = _text_direction
    env.globals["sep"] = locale.separator
    # attributes for text that socialgit only has in English, so a Persian page still reads it left to right
    env.globals["untranslated"] = Markup(' lang="en" dir="ltr"') if locale.language != "en" else ""
    env.globals["log_facets"] = FACETS
    env.globals["version"] = __version__
    env.globals["site_lang"] = locale.language
    env.globals["site_dir"] = locale.direction
    return env


def template_error(exc: jinja2.TemplateError) -> str:
    name, line = getattr(exc, "filename", None) or getattr(exc, "name", None), getattr(exc, "lineno", None)
    if not name:
        # errors while rendering carry no file: Jinja puts the template's lines in the traceback
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith((".html", ".xml"))]
        if frames:
            name, line = frames[-1].filename, frames[-1].lineno
    name = _short(name) if name else "a template"
    where = f"{name}:{line}" if line else name
    return (f"{where}: {exc.message or exc.__class__.__name__}; fix the template "
            "(or delete your copy in templates/ to use the default theme)")


def _short(name: str) -> str:
    try:
        return Path(name).resolve().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return name


def relative_root(page_path: str) -> str:
    """'../' once per folder, so every link works from any sub-path and from file://."""
    return "../" * page_path.count("/")


class Renderer:
    """Renders pages; one per process (holds the Jinja environments and the Markdown instance)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.envs: dict[tuple[str, str], jinja2.Environment] = {}
        self.body = BodyRenderer()

    def env(self, info: SiteInfo) -> jinja2.Environment:
        """The environment of the site's language and calendar (one per pair, made on first use)."""
        key = (info.locale, info.calendar)
        if key not in self.envs:
            self.envs[key] = environment(self.root, i18n.site_locale(*key))
        return self.envs[key]

    def page(self, page, info: SiteInfo) -> str:
        template = self.env(info).get_template(page.template)
        return template.render(page=page, info=info, root=relative_root(page.path), body_html=self.body.html)
