"""socialgit.derived: parts, lengths, payload hashes and page HTML, derived once and remembered.

Whatever path a value takes (worker processes, the one-Markdown-pass shortcut for
the page and the networks, the file in .socialgit/), it must equal what the plain
functions give in a fresh process.
"""

from __future__ import annotations


import pytest

from socialgit import content, derived, plaintext, textlimits
from socialgit.config import load_config
from socialgit.post_files import load_posts
from socialgit.site.render import BodyRenderer
from socialgit.state import read_pieces

BODIES = {
    "plain": "Fresh beans are in. Come by the shop!",
    "table": "Prices:\n\n| size | price |\n|---|---|\n| small | 3 |\n\nSee you.",
    "pipe-not-table": "Either this | or that, your choice.",
    "thread": "First part with a [link](https://example.com/a).\n\n---8<---\n\n- one\n- two\n\n---8<---\n\n#sale starts",
    "code": "```\ncode *stays*\n```\n\n> a quote\n\n1. first\n2. second",
    "heading": "# Big news\n\nWe open at **nine** with @team@example.social and https://example.org/x_y_z.",
    "persian": "قهوهٔ تازه رسید! https://example.com/fa #قهوه",
    "raw-html": "<script>alert(1)</script> and <b>bold</b> and ![img](media/a.png)",
    "long": ("word " * 120 + "\n\n") * 3,
}


def write_calendar(repo, bodies=BODIES):
    for slug, body in bodies.items():
        repo.post(slug, "title: T\npublish_at: 2026-12-01 09:30\nchannels: [mastodon, bluesky, x, slack]\n"
                  "media:\n  - {path: media/a.png, alt: A cup}", body)
    repo.post("variant", "title: V\npublish_at: 2026-12-02 09:30\nchannels: [mastodon, x]\n"
              "variants:\n  x: Short for X https://example.com", "A body for Mastodon.")
    repo.post("only-variant", "title: O\npublish_at: 2026-12-03 09:30\nchannels: [bluesky]\n"
              "variants:\n  bluesky: ''", "")
    config, _ = load_config(repo.root)
    posts, _ = load_posts(config, use_cache=False)
    return config, posts


def snapshot(posts, config):
    """Every derived value the check, the pages and the feeds ask for."""
    found = {}
    for post in posts:
        for name in post.channels:
            channel = config.channels[name]
            parts = post.parts_for(name)
            found[post.id, name] = (parts, textlimits.measure_parts(parts, channel.network, channel.max_length),
                                    post.payload_hash(name))
        found[post.id] = str(BodyRenderer().html(post.body))
    return found


@pytest.fixture(autouse=True)
def fresh_process():
    derived.forget()
    yield
    derived.forget()


def test_workers_and_the_shared_markdown_pass_give_what_the_plain_functions_give(repo, monkeypatch):
    config, posts = write_calendar(repo)
    monkeypatch.setattr(derived, "POOL_MIN", 1)  # worker processes even for a few posts
    done = derived.prepare(posts, config, None, html=BodyRenderer())
    assert done.derived == done.texts == len(BODIES) + 4  # two more bodies (one empty) and two variants
    assert all(derived.page_html(p.body) is not None for p in posts)
    prepared = snapshot(posts, config)
    derived.forget()
    assert derived.page_html(posts[0].body) is None
    assert snapshot(posts, config) == prepared


@pytest.mark.parametrize("pool_min", [1, 10_000])
def test_what_to_do_meanwhile_is_done_once_while_workers_derive_or_after(repo, monkeypatch, pool_min):
    """The site build reads the feedback while the workers derive: the parent would only wait for them."""
    config, posts = write_calendar(repo)
    monkeypatch.setattr(derived, "POOL_MIN", pool_min)
    seen = []
    done = derived.prepare(posts, config, None, html=BodyRenderer(),
                           meanwhile=lambda: seen.append(derived.page_html(posts[0].body)))
    assert done.derived == done.texts and len(seen) == 1
    # with workers, it ran before their results were taken in; without, after everything was derived
    assert (seen[0] is None) == (pool_min == 1)
    derived.prepare(posts, config, None, html=BodyRenderer(), meanwhile=lambda: seen.append("known"))
    assert seen[1:] == ["known"]  # everything known already: still called, once


def test_prepared_values_are_what_a_fresh_process_derives(repo):
    config, posts = write_calendar(repo)
    fresh = snapshot(posts, config)
    derived.forget()
    derived.prepare(posts, config, None, html=BodyRenderer())
    assert snapshot(posts, config) == fresh


def test_remembered_between_runs_and_only_new_texts_derived(repo):
    config, posts = write_calendar(repo)
    first = derived.prepare(posts, config, repo.root)
    assert first.derived == first.texts
    values = snapshot(posts, config)
    derived.forget()
    again = derived.prepare(posts, config, repo.root)
    assert (again.texts, again.derived) == (first.texts, 0)
    assert snapshot(posts, config) == values
    repo.post("plain", "title: T\npublish_at: 2026-12-01 09:30\nchannels: [mastodon]", "Edited text.")
    posts, _ = load_posts(config, use_cache=False)
    derived.forget()
    assert derived.prepare(posts, config, repo.root).derived == 1


def test_a_broken_or_foreign_store_means_deriving_again(repo, monkeypatch):
    config, posts = write_calendar(repo)
    texts = derived.prepare(posts, config, repo.root).texts
    store = repo.root / ".socialgit" / "derived.pieces"
    store.write_bytes(b"\x00not marshal")
    derived.forget()
    assert derived.prepare(posts, config, repo.root).derived == texts
    monkeypatch.setattr(derived, "FORMAT", derived.FORMAT + 1)  # as another socialgit version would
    derived.forget()
    assert derived.prepare(posts, config, repo.root).derived == texts


def test_texts_no_longer_used_are_dropped_from_the_store(repo):
    config, posts = write_calendar(repo)
    derived.prepare(posts, config, repo.root)
    derived.forget()
    derived.prepare([p for p in posts if p.id == "plain"], config, repo.root)
    _, entries = read_pieces(repo.root / ".socialgit" / "derived.pieces")
    assert len(entries) == 1


def test_the_page_html_of_a_body_is_remembered_in_its_own_file(repo):
    config, posts = write_calendar(repo)
    derived.prepare(posts, config, repo.root, html=BodyRenderer())
    pages = repo.root / ".socialgit" / "derived-html.pieces"
    assert pages.is_file()
    derived.forget()
    assert derived.prepare(posts, config, repo.root, html=BodyRenderer()).derived == 0
    # check alone never needs the HTML: the text file serves it
    derived.forget()
    assert derived.prepare(posts, config, repo.root).derived == 0


def test_memo_tables_forget_and_refill(repo):
    config, posts = write_calendar(repo)
    derived.prepare(posts, config, None)
    post = posts[0]
    assert content.known_parts(post.body, None) == plaintext.network_parts(post.body)
    derived.forget()
    assert content.known_parts(post.body, None) is None
