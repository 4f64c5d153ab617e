"""Claims this instance holds in the ledger, kept alive while it works on them.

A claim (a post, a reveal) belongs to its instance for a short lease. While the work goes
on (a fan-out queued behind the platform's rate limit, a reveal being posted) the lease is
renewed; when the instance dies, renewals stop and another instance takes the work over
within a lease. Part of the core: it needs only the ledger's ``renew_claims`` and a clock.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Protocol

from bot.core.clock import Clock

log = logging.getLogger(__name__)


class ClaimLedger(Protocol):
    async def renew_claims(self, posts: Sequence[int], reveals: Sequence[int], until: datetime) -> None: ...


class Leases:
    def __init__(self, ledger: ClaimLedger, clock: Clock, lease: timedelta) -> None:
        self.ledger = ledger
        self.clock = clock
        self.lease = lease
        self._posts: set[int] = set()
        self._reveals: set[int] = set()

    @property
    def renew_every(self) -> timedelta:
        """How often ``renew`` must run: three tries inside one lease, so one slow or
        failed renewal does not let the claim lapse."""
        return self.lease / 3

    def until(self) -> datetime:
        return self.clock.now() + self.lease

    @contextmanager
    def posting(self, round_ids: Sequence[int]) -> Iterator[None]:
        """Hold these post claims while the block runs."""
        self._posts.update(round_ids)
        try:
            yield
        finally:
            self._posts.difference_update(round_ids)

    def hold_posts(self, round_ids: Sequence[int]) -> None:
        """Hold post claims made now and given up by ``let_go_post`` (a fan-out's claims
        are made in one place and posted in another)."""
        self._posts.update(round_ids)

    def let_go_post(self, round_id: int) -> None:
        self._posts.discard(round_id)

    @contextmanager
    def revealing(self, round_id: int) -> Iterator[None]:
        self._reveals.add(round_id)
        try:
            yield
        finally:
            self._reveals.discard(round_id)

    @property
    def held(self) -> tuple[frozenset[int], frozenset[int]]:
        return frozenset(self._posts), frozenset(self._reveals)

    async def renew(self) -> int:
        """Extend every claim held here by one lease from now; returns how many."""
        posts, reveals = sorted(self._posts), sorted(self._reveals)
        if not posts and not reveals:
            return 0
        await self.ledger.renew_claims(posts, reveals, self.until())
        return len(posts) + len(reveals)
