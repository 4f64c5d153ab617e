"""Claims this instance holds in the ledger, kept alive while it works on them.

A claim (a post, a reveal) belongs to its instance for a short lease. While the work goes
on (a fan-out queued behind the platform's rate limit, a reveal being posted) the lease is
renewed; when the instance dies, renewals stop and another instance takes the work over
within a lease. A renewal that finds a claim gone (this instance stalled past its lease and
another took the work over) marks it lost, and the work is dropped before it is sent.
Part of the core: it needs only the ledger's ``renew_claims`` and a clock.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Protocol

from bot.core.clock import Clock

log = logging.getLogger(__name__)


class ClaimLost(Exception):
    """This instance's claim on a round ran out and another instance holds it now: the
    work is left to that one."""


class ClaimLedger(Protocol):
    async def renew_claims(self, posts: Sequence[int], reveals: Sequence[int], until: datetime,
                           owner: str | None = None) -> set[int]: ...


class Leases:
    def __init__(self, ledger: ClaimLedger, clock: Clock, lease: timedelta, *,
                 max_hold: timedelta = timedelta(hours=2), owner: str | None = None) -> None:
        self.ledger = ledger
        self.clock = clock
        self.lease = lease
        # A post held longer than this is not worth making any more (past the grace window):
        # renewals stop and the claim runs out, so that no claim is held forever.
        self.max_hold = max_hold
        self.owner = owner or uuid.uuid4().hex[:16]
        self._posts: dict[int, datetime] = {}
        self._reveals: set[int] = set()
        self._lost: set[int] = set()

    @property
    def renew_every(self) -> timedelta:
        """How often ``renew`` must run: three tries inside one lease, so one slow or
        failed renewal does not let the claim lapse."""
        return self.lease / 3

    def until(self) -> datetime:
        return self.clock.now() + self.lease

    def hold_posts(self, round_ids: Sequence[int]) -> None:
        """Hold post claims made now, until ``let_go_post`` (a fan-out's claims are made in
        one place and posted in another)."""
        now = self.clock.now()
        for round_id in round_ids:
            self._posts.setdefault(round_id, now)
            self._lost.discard(round_id)

    def let_go_post(self, round_id: int) -> None:
        self._posts.pop(round_id, None)
        self._lost.discard(round_id)

    @contextmanager
    def posting(self, round_ids: Sequence[int]) -> Iterator[None]:
        """Hold these post claims while the block runs."""
        self.hold_posts(round_ids)
        try:
            yield
        finally:
            for round_id in round_ids:
                self.let_go_post(round_id)

    @contextmanager
    def revealing(self, round_id: int) -> Iterator[None]:
        self._reveals.add(round_id)
        self._lost.discard(round_id)
        try:
            yield
        finally:
            self._reveals.discard(round_id)
            self._lost.discard(round_id)

    def check(self, round_id: int) -> None:
        """Raise ``ClaimLost`` when a renewal found this round's claim taken over."""
        if round_id in self._lost:
            raise ClaimLost(f"the claim on round {round_id} ran out and another instance took it over")

    async def renew(self) -> int:
        """Extend every claim held here by one lease from now; returns how many are still
        held. Claims found taken over are marked lost."""
        now = self.clock.now()
        for round_id, since in list(self._posts.items()):
            if now - since > self.max_hold:
                log.warning("stopped renewing the post claim of round %s, held since %s", round_id, since)
                del self._posts[round_id]
        posts, reveals = sorted(self._posts), sorted(self._reveals)
        if not posts and not reveals:
            return 0
        kept = await self.ledger.renew_claims(posts, reveals, self.until(), self.owner)
        lost = (set(posts) | set(reveals)) - kept
        if lost - self._lost:
            log.warning("claims on round(s) %s ran out and were taken over elsewhere; leaving them",
                        ", ".join(map(str, sorted(lost - self._lost))))
        self._lost |= lost
        return len(kept)
