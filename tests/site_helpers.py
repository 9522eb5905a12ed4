"""Helpers for the site tests: receipts, feedback files and the model of a small calendar."""

from __future__ import annotations

import json
from datetime import datetime

from socialgit.site.read import read_site
from socialgit.site.model import build_model

from .conftest import at


def receipt(repo, post_id: str, channel: str, state: str = "published", url: str | None = None,
            published_at: str = "2026-11-10T14:30:00Z", **extra) -> None:
    data = {"post": post_id, "channel": channel, "state": state, "parts": [], **extra}
    if state == "published":
        data["published_at"] = published_at
        data["parts"] = [{"id": "1", "url": url or f"https://social.example/{channel}/{post_id}"}]
    repo.write(f"content/ledger/{post_id}/{channel}.json", json.dumps(data))


def feedback(repo, post_id: str, name: str, body: str, **fields) -> str:
    front = {"id": name, "network": name.split("-")[0], "kind": "reply", "post": post_id,
             "url": f"https://social.example/{name}", "created_at": "2026-11-10T15:00:00Z",
             "author": {"name": "Ann", "handle": "@ann@social.example", "url": "https://social.example/@ann"},
             "status": "new", **fields}
    text = "---\n" + "\n".join(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in front.items()) + "\n---\n"
    return str(repo.write(f"content/feedback/{post_id}/{name}.md", text + body + "\n"))


def model(repo, now: str | datetime = "2026-11-16 10:00", drafts: bool = True):
    moment = at(now) if isinstance(now, str) else now
    return build_model(read_site(repo.root, moment, drafts))


def page(site, path: str):
    found = [p for p in site.pages if p.path == path]
    assert found, f"no page {path}; pages: {sorted(p.path for p in site.pages)[:40]}"
    return found[0]


def cell(month_page, day: str):
    return next(c for week in month_page.weeks for c in week if c.day.isoformat() == day)
