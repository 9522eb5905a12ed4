"""What post texts turn into, derived once: network parts, lengths, payload hashes, page HTML.

Deriving is most of what `check` and `build` cost: Markdown, a walk back to
plain text, then each network's length rules, a few milliseconds a post. Each
result is a pure function of a text, so it is remembered twice:

- in this process, in the memo tables of content (parts), textlimits (lengths)
  and plaintext (payload hashes), and here (page HTML), which their callers
  consult anyway;
- between runs, in ``.socialgit/derived.pieces`` (state.write_pieces), keyed by a digest of each text
  and salted with the code and library versions that shape the results.

`prepare` fills the tables for a whole calendar and derives what is missing on
every core. The file is only a shortcut: without it everything is derived again,
never differently.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import zlib
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Protocol

from . import __version__, content, mastodon_count, plaintext, progress, textlimits
from .config import Config
from .filecache import installed_versions
from .state import read_pieces, state_dir, write_pieces

FORMAT = 1
POOL_MIN = 96  # texts to derive before starting processes pays off (a fork costs ~30 ms, a post ~3 ms)
CHUNK = 32
# module: its distribution, whose version shapes the results
LIBRARIES = {"markdown": "markdown", "regex": "regex", "twitter_text": "twitter_text_parser", "nh3": "nh3"}

# body → sanitized page HTML (site builds only), as zlib-packed UTF-8: 10,000 posts' HTML is 51 MB
# as text and 14 MB packed, and a page unpacks only its own (~20 µs)
_PAGE_HTML: dict[str, bytes] = {}
_PAGE_HTML_MAX = 50_000  # `serve` adds a body an edit: start afresh past this many


class PageHtml(Protocol):
    """How the site renders a body, so one Markdown pass serves the page and the networks."""

    salt: str

    def render_parts(self, parts: list[str]) -> list[str]:
        """Each thread part's HTML, as the page's Markdown renders it."""

    def finish(self, rendered: list[str]) -> str:
        """The parts' HTML joined and sanitized: the page's body."""


@dataclass
class _Job:
    variant: bool  # the text is a variant (plain text already), else a Markdown body
    text: str
    specs: set = field(default_factory=set)
    medias: set = field(default_factory=set)
    html: bool = False


def forget() -> None:
    """Drop everything this process derived (the memo tables), as a fresh process starts."""
    content.forget_parts()
    textlimits.forget_measures()
    plaintext.forget_payload_hashes()
    _PAGE_HTML.clear()


def page_html(body: str) -> str | None:
    """The body's page HTML when `prepare` derived it in this process, else None."""
    packed = _PAGE_HTML.get(body)
    return None if packed is None else zlib.decompress(packed).decode("utf-8", "surrogatepass")


def _key(variant: bool, text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16,
                           person=b"variant" if variant else b"body").digest()


def _salt() -> str:
    """The code and library versions every derived value depends on."""
    digest = hashlib.sha256(f"{FORMAT}|{__version__}".encode())
    for module in (plaintext, textlimits, mastodon_count):
        digest.update(Path(module.__file__).read_bytes())
    digest.update(Path(__file__).read_bytes())
    digest.update(installed_versions(LIBRARIES).encode())
    return digest.hexdigest()


def _store_path(root: Path, html: bool) -> Path:
    return state_dir(root) / ("derived-html.pieces" if html else "derived.pieces")


def _load(path: Path | None, salt: str) -> dict:
    found = read_pieces(path) if path is not None else None
    if found is not None and found[0] == salt:
        return found[1]
    return {}  # no file, or one from another version: derive again


# --- deriving ---------------------------------------------------------------

_JOBS: list[_Job] = []  # the work of one prepare(), inherited by forked workers
_HTML: PageHtml | None = None


def _derive(job: _Job, html: PageHtml | None) -> tuple:
    """(parts, {spec: measures as tuples}, {media: payload hash}, packed page HTML or None) of one text."""
    page = None
    if job.variant:
        parts = plaintext.network_parts("", job.text)
    elif job.html and html is not None:
        split = plaintext.split_thread(job.text)
        rendered = html.render_parts(split or [""])
        # the page's Markdown adds only tables to the networks' one: without a '|' both
        # give the same HTML, so one pass serves both
        texts = (plaintext.text_from_html(raw) if "|" not in part else plaintext.to_network_text(part)
                 for part, raw in zip(split, rendered))
        parts = [text for text in texts if text]
        page = zlib.compress(html.finish(rendered).encode("utf-8", "surrogatepass"), 1)
    else:
        parts = plaintext.network_parts(job.text)
    measures = {spec: tuple((m.length, m.limit, m.unit, m.problem) for m in textlimits.measure_parts(parts, *spec))
                for spec in job.specs}
    hashes = {media: plaintext.payload_hash(parts, list(media)) for media in job.medias}
    return tuple(parts), measures, hashes, page


def _derive_some(indexes: list[int]) -> list[tuple[int, tuple]]:
    return [(i, _derive(_JOBS[i], _HTML)) for i in indexes]


def _derive_all(jobs: list[_Job], html: PageHtml | None, meanwhile: Callable[[], None]) -> list[tuple]:
    """Each job's result, in order; ``meanwhile`` is called while workers derive (if any start)."""
    global _JOBS, _HTML
    if len(jobs) < POOL_MIN or (os.cpu_count() or 1) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        found = []
        for job in jobs:
            found.append(_derive(job, html))
            progress.advance(len(found), len(jobs))
        return found
    # what every worker would otherwise build for itself (~1 s for Mastodon's URL pattern)
    if any(spec[0] == "mastodon" for job in jobs for spec in job.specs):
        textlimits.warm_up("mastodon")
    if any(spec[0] == "x" for job in jobs for spec in job.specs):
        textlimits.warm_up("x")
    _JOBS, _HTML = jobs, html
    results: list = [None] * len(jobs)
    try:
        indexes = list(range(len(jobs)))
        chunks = [indexes[i:i + CHUNK] for i in range(0, len(indexes), CHUNK)]
        with ProcessPoolExecutor(min(os.cpu_count() or 1, 4), mp_context=multiprocessing.get_context("fork")) as pool:
            derived_chunks = pool.map(_derive_some, chunks)  # every chunk submitted
            meanwhile()
            count = 0
            for done in derived_chunks:
                for index, result in done:
                    results[index] = result
                count += len(done)
                progress.advance(count, len(jobs))
    finally:
        _JOBS, _HTML = [], None
    return results


# --- the calendar -----------------------------------------------------------

@dataclass
class Prepared:
    texts: int  # distinct texts (bodies and variants) the calendar needs
    derived: int  # of those, derived in this run rather than remembered


def _jobs(posts: Iterable[content.Post], config: Config, html: bool) -> dict[tuple[bool, str], _Job]:
    """What the calendar needs, per distinct text: (is a variant, text) → job."""
    jobs: dict[tuple[bool, str], _Job] = {}
    specs = {name: (channel.network, channel.max_length) for name, channel in config.channels.items()}
    for post in posts:
        media = tuple((m.path, m.alt) for m in post.media)
        for name in post.channels:
            variant = post.variants.get(name)
            text = (variant is not None, post.body if variant is None else variant)
            job = jobs.get(text) or jobs.setdefault(text, _Job(*text))
            job.medias.add(media)
            if name in specs:
                job.specs.add(specs[name])
        if html:
            text = (False, post.body)
            (jobs.get(text) or jobs.setdefault(text, _Job(*text))).html = True
    return jobs


def _known(job: _Job) -> bool:
    """Whether this process's memo tables already hold everything ``job`` asks for."""
    parts = content.known_parts(job.text if not job.variant else "", job.text if job.variant else None)
    if parts is None:
        return False
    return (all(textlimits.known_measures(parts, *spec) for spec in job.specs)
            and all(plaintext.known_payload_hash(parts, list(media)) for media in job.medias)
            and (not job.html or job.text in _PAGE_HTML))


def prepare(posts: list[content.Post], config: Config, root: Path | None = None,
            html: PageHtml | None = None, meanwhile: Callable[[], None] | None = None) -> Prepared:
    """Derive (or recall) the parts, lengths and payload hashes of every post, and with ``html`` their page HTML.

    ``root`` is the calendar whose .socialgit/ remembers them between runs; None keeps
    them for this process only. ``meanwhile`` is called once: while the workers derive
    (the parent only waits for them), or at the end when there are none.
    """
    pending = [meanwhile] if meanwhile is not None else []

    def once() -> None:
        while pending:
            pending.pop()()

    prepared = _prepare(posts, config, root, html, once)
    once()
    return prepared


def _prepare(posts: list[content.Post], config: Config, root: Path | None, html: PageHtml | None,
             meanwhile: Callable[[], None]) -> Prepared:
    needed = _jobs(posts, config, html is not None)
    if all(_known(job) for job in needed.values()):
        return Prepared(len(needed), 0)
    jobs = {_key(*text): job for text, job in needed.items()}
    salt = _salt()
    # the page HTML also depends on the site's rules; the texts serve `check` alone too
    html_salt = hashlib.sha256(f"{salt}|{html.salt}".encode()).hexdigest() if html is not None else ""
    paths = (_store_path(root, False), _store_path(root, True)) if root is not None else (None, None)
    texts, pages = _load(paths[0], salt), (_load(paths[1], html_salt) if html is not None else {})
    missing = []
    for key, job in jobs.items():
        entry = texts.get(key)
        if (entry is None or not job.specs <= entry[1].keys() or not job.medias <= entry[2].keys()
                or (job.html and key not in pages)):
            missing.append(key)
    with progress.stage("Deriving the posts' texts"):  # the feedback read meanwhile names its own stage
        results = _derive_all([jobs[k] for k in missing], html, meanwhile)
    for key, result in zip(missing, results):
        parts, measures, hashes, page = result
        old = texts.get(key)
        if old is not None and old[0] == parts:  # keep what other channels' settings needed before
            measures, hashes = {**old[1], **measures}, {**old[2], **hashes}
        texts[key] = (parts, measures, hashes)
        if page is not None:
            pages[key] = page
    for key, job in jobs.items():
        parts, measures, hashes = texts[key]
        _remember(job, parts, measures, hashes, pages.get(key))
    if root is not None:
        used = {key: texts[key] for key in jobs}
        if missing or len(used) != len(texts):
            write_pieces(paths[0], salt, used)
        if html is not None:
            used_pages = {key: pages[key] for key, job in jobs.items() if job.html}
            if missing or len(used_pages) != len(pages):
                write_pieces(paths[1], html_salt, used_pages)
    return Prepared(len(jobs), len(missing))


def _remember(job: _Job, parts: tuple, measures: dict, hashes: dict, page: bytes | None) -> None:
    parts = list(parts)
    if job.variant:
        content.remember_parts("", job.text, parts)
    else:
        content.remember_parts(job.text, None, parts)
    for spec, found in measures.items():
        textlimits.remember_measures(parts, *spec, [textlimits.Measure(*m) for m in found])
    for media, digest in hashes.items():
        plaintext.remember_payload_hash(parts, list(media), digest)
    if page is not None:
        if len(_PAGE_HTML) >= _PAGE_HTML_MAX:
            _PAGE_HTML.clear()
        _PAGE_HTML[job.text] = page
