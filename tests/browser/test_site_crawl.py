"""A crawler over the whole built demo site: every internal link, asset and #anchor resolves."""

from __future__ import annotations

import urllib.error
import urllib.request
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest

pytestmark = pytest.mark.slow


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if "id" in values:
            self.ids.add(values["id"])
        for name in ("href", "src"):
            if values.get(name) and not (tag == "use" and values[name].startswith("#")):
                self.links.append(values[name])
        if tag == "use" and values.get("href", "").startswith("#"):
            self.links.append(values["href"])


def fetch(url: str) -> tuple[int, bytes, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        return exc.code, b"", ""


def test_every_internal_link_and_asset_resolves(demo_site, demo_url):
    base = urlsplit(demo_url)
    pages = {demo_url + p.relative_to(demo_site).as_posix() for p in demo_site.rglob("*.html")}
    seen: dict[str, tuple[int, set[str]]] = {}
    broken: list[str] = []
    queue = sorted(pages)
    checked_links = 0

    def load(url: str) -> tuple[int, set[str]]:
        if url not in seen:
            status, body, kind = fetch(url)
            ids: set[str] = set()
            if status == 200 and kind.startswith("text/html"):
                parser = Links()
                parser.feed(body.decode("utf-8"))
                ids = parser.ids
                for link in parser.links:
                    queue.append((url, link))
            seen[url] = (status, ids)
        return seen[url]

    while queue:
        item = queue.pop()
        if isinstance(item, str):
            load(item)
            continue
        source, link = item
        target = urljoin(source, link)
        parts = urlsplit(target)
        if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
            assert parts.scheme in ("https", "http", "mailto"), f"{source}: odd link {link}"
            continue
        checked_links += 1
        assert not link.startswith("/"), f"{source}: absolute path {link} breaks sub-paths and file://"
        address, fragment = urldefrag(target)
        status, ids = load(address)
        if status != 200:
            broken.append(f"{source} → {link} ({status})")
        elif fragment and fragment not in ids:
            broken.append(f"{source} → {link} (no element with id {fragment})")
    assert broken == []
    assert len(pages) > 50 and checked_links > 1000
