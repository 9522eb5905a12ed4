"""What a reply post answers: the feedback item named by ``in_reply_to``, as a network reference."""

from __future__ import annotations

from pathlib import Path

import frontmatter
import yaml

from .channels.base import Rejected, ReplyTarget
from .filecache import FEEDBACK_DIR


def find_item(root: Path, item_id: str) -> Path | None:
    """The feedback file whose name is ``item_id`` (the file name is the item's identity)."""
    if "/" in item_id or "\\" in item_id or item_id.startswith("."):
        return None
    matches = sorted((root / FEEDBACK_DIR).glob(f"*/{item_id}.md"))
    return matches[0] if matches else None


def reply_target(root: Path, item_id: str, network: str) -> ReplyTarget:
    """The network reference to answer; Rejected (a definite failure) when it cannot be answered here."""
    path = find_item(root, item_id)
    if path is None:
        raise Rejected(f'in_reply_to "{item_id}": no feedback item with that id under {FEEDBACK_DIR}/')
    try:
        meta = frontmatter.load(path).metadata
    except (yaml.YAMLError, UnicodeDecodeError, ValueError):
        raise Rejected(f"{path.relative_to(root)}: the feedback item cannot be read; fix its front matter") from None
    item_network = meta.get("network")
    if item_network != network:
        raise Rejected(f'in_reply_to "{item_id}" is a {item_network} item; a reply can only go out on '
                       f"{item_network}, not on a {network} channel")
    if network == "bluesky":
        uri, cid = meta.get("uri"), meta.get("cid")
        if not uri or not cid:
            raise Rejected(f"{path.relative_to(root)}: a Bluesky reply needs the item's uri and cid; "
                           "run `socialgit fetch` to refresh it")
        return ReplyTarget(uri, cid, meta.get("root_uri") or uri, meta.get("root_cid") or cid)
    prefix = f"{network}-"
    remote = item_id[len(prefix):] if item_id.startswith(prefix) else item_id
    return ReplyTarget(remote)
