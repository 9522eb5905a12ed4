"""What the runner must not send although no receipt of the post's own says so: it went out already.

Receipts are filed by post id and channel name. A post file renamed, a channel
renamed in socialgit.toml, or two channels that post as one account each leave a
post without a receipt where it has in fact been sent. The runner asks here before
every call; ``check`` tells the same cases as errors in the pull request that makes
them (receipts.py holds the rules both use).
"""

from __future__ import annotations

from functools import cached_property
from typing import Iterable

from . import receipts as rc
from .config import Config
from .content import Post
from .ledger import Receipt
from .post_files import Slot
from .quicklook import LedgerScan


class Twice:
    """One run's view of the ledger, for the few posts about to go out (worked out for the first of them)."""

    def __init__(self, config: Config, scan: LedgerScan, slots: Iterable[Slot]) -> None:
        self.config, self.scan, self.root, self.slots = config, scan, config.root, slots

    @cached_property
    def post_ids(self) -> set[str]:
        return {slot.id for slot in self.slots}

    @cached_property
    def orphans(self) -> dict[str, list[str]]:
        return rc.orphans(self.scan.states, self.post_ids, self.config.channels)

    def why_not(self, post: Post, name: str) -> tuple[str, bool] | None:
        """(why it must not be sent on ``name``, whether a receipt may say so), or None to send it.

        No receipt for a renamed channel: one at the new name would stand in the way of
        moving the old receipt there.
        """
        twin = self.same_account(post, name)
        if twin:
            return rc.same_account_error(twin, name), True
        earlier = self.sent_before(post, name)
        if earlier:
            return rc.renamed_error(post, name, earlier), earlier.channel == name
        return None

    def sent_before(self, post: Post, name: str) -> Receipt | None:
        """An orphaned receipt that sent this very text, as ``name`` under an old name (read only then)."""
        read = [self.scan.receipt(self.root, owner, channel)[0] for owner, channel
                in rc.could_have_sent(self.orphans, post.id, name, self.config.channels, self.post_ids)]
        return rc.sent_before(post, name, [receipt for receipt in read if receipt])

    def same_account(self, post: Post, name: str) -> str | None:
        """Another of the post's channels that posts as ``name``'s account and has sent it (check calls it an error)."""
        twins = [other for group in self.config.one_account(post.channels) if name in group
                 for other in group if other != name]
        for other in twins:  # read now: the other may have gone out earlier in this very run
            receipt, _ = self.scan.receipt(self.root, post.id, other)
            if receipt is not None and receipt.state in rc.SENT:
                return other
        return None
