"""``Dispatcher``: how the Slack adapter sends the Web API requests that count against its
limits. One per adapter: a token bucket for writes (``[slack] requests_per_second``), one for
history reads (``history_requests_per_minute``), at most ``max_concurrency`` requests in
flight, and a 429's Retry-After pausing the whole bucket. Per-channel pacing is ``ChannelPacer``'s.

With a shared ``RateLimiter`` (several instances on one workspace's token) each request
first takes its turn in the workspace's shared budget, then in the local bucket, which then
only smooths what this process sends.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from bot.adapters.pacing import RateLimiter, TokenBucket

# Slack's Tier 3 methods the adapter reads threads and channels with. Everything else sent
# through the dispatcher counts as a write.
READ_METHODS = frozenset({"conversations.history", "conversations.replies"})
# Two writes may go back to back: a grant that comes a little late (timers overshoot) is
# then made up for instead of slowing every later one. Slack tolerates short bursts.
WRITE_BURST = 2
# Tier 3 "welcomes sporadic bursts": a backfill may start a few reads at once.
READ_BURST = 3

WaitReport = Callable[[float], None]


class Dispatcher:
    def __init__(
        self,
        *,
        requests_per_second: float,
        history_requests_per_minute: float,
        max_concurrency: int,
        on_wait: WaitReport | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.writes = TokenBucket(requests_per_second, WRITE_BURST, monotonic=monotonic)
        self.reads = TokenBucket(history_requests_per_minute / 60.0, READ_BURST, monotonic=monotonic)
        self.max_concurrency = max_concurrency
        self._slots = asyncio.Semaphore(max_concurrency)
        self._on_wait = on_wait
        self._methods: set[str] = set()
        self._paced: set[str] = set()  # methods sent in turn (not only ``urgent``)
        self._shared: RateLimiter | None = None
        self._keys: dict[TokenBucket, str] = {}
        self.in_flight = 0

    def share(self, limiter: RateLimiter, team_id: str) -> None:
        """Draw writes and history reads from ``team_id``'s budgets in ``limiter`` too, at
        the same rates: what every instance on this workspace's token sends together."""
        self._shared = limiter
        self._keys = {self.writes: f"slack:{team_id}:writes", self.reads: f"slack:{team_id}:reads"}
        for bucket, key in self._keys.items():
            limiter.configure(key, bucket.rate, bucket.burst)

    def bucket_for(self, method: str) -> TokenBucket:
        return self.reads if method in READ_METHODS else self.writes

    async def send(self, method: str, call: Callable[..., Awaitable[Any]], /, *, urgent: bool = False,
                   **kwargs: Any) -> Any:
        """``await call(**kwargs)`` once a concurrency slot and ``method``'s token are free.

        ``urgent`` (an answer a person is waiting for) goes past both queues but still uses
        up a token, so a fan-out queued before it slows down by one request instead."""
        self._methods.add(method)
        bucket = self.bucket_for(method)
        if urgent:
            self._take(bucket)
            return await self._call(call, kwargs)
        self._paced.add(method)
        async with self._slots:
            waited = await self._turn(bucket)
            if waited and self._on_wait is not None:
                self._on_wait(waited)
            return await self._call(call, kwargs)

    async def _call(self, call: Callable[..., Awaitable[Any]], kwargs: dict[str, Any]) -> Any:
        self.in_flight += 1
        try:
            return await call(**kwargs)
        finally:
            self.in_flight -= 1

    async def retry_turn(self, method: str) -> float:
        """A turn for sending ``method`` again after a 429 (in the slot the first attempt
        holds): the request takes its place in the budgets as a new one would. Methods only
        sent ``urgent`` (someone is waiting) go again at once, as they went the first time."""
        if method not in self._paced:
            return 0.0
        return await self._turn(self.bucket_for(method))

    def rate_limited(self, method: str, retry_after: float) -> None:
        """Slack answered ``method`` with 429: nothing more goes to its bucket until
        Retry-After has passed, instead of every queued request earning a 429 of its own.
        Methods the dispatcher does not send (users.info, views.open) have limits of their own."""
        if method in self._methods:
            bucket = self.bucket_for(method)
            bucket.hold(retry_after)
            if self._shared is not None:
                self._shared.hold(self._keys[bucket], retry_after)

    async def _turn(self, bucket: TokenBucket) -> float:
        """Wait for a turn in the shared budget, then in this process's bucket; the seconds
        waited. The shared turn first: there the requests queued in this process ask together,
        so a grant covers many of them."""
        waited = await self._shared.acquire(self._keys[bucket]) if self._shared is not None else 0.0
        return waited + await bucket.acquire()

    def _take(self, bucket: TokenBucket) -> None:
        """Spend a token without waiting, here and in the shared budget."""
        bucket.take()
        if self._shared is not None:
            self._shared.take(self._keys[bucket])
