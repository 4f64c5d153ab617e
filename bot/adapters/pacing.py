"""Platform-neutral request pacing: a token bucket whose waiters are served in arrival order.

Imports no platform library. Time comes from an injectable monotonic function and waiting
from an injectable sleep, so the arithmetic is tested without sleeping.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable


class TokenBucket:
    """On average ``rate`` grants a second, at most ``burst`` of them back to back.

    The arithmetic is the generic cell rate algorithm: one "next grant due" time instead of
    a token count. Waiters queue; only the first one sleeps, so grants go out in the order
    they were asked for, and a ``hold`` (Retry-After) delays everyone queued, not only those
    who ask later.
    """

    def __init__(
        self,
        rate: float,
        burst: int = 1,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError(f"a token bucket needs rate > 0 and burst >= 1, got {rate} and {burst}")
        self.rate = rate
        self.burst = burst
        self._monotonic = monotonic
        self._sleep = sleep
        self._interval = 1.0 / rate
        # A grant is free while "due" is at most this far ahead of now: the burst.
        self._tolerance = (burst - 1) * self._interval
        self._due = -math.inf
        self._queue: deque[asyncio.Future[None]] = deque()

    @property
    def waiting(self) -> int:
        return len(self._queue)

    def wait_time(self) -> float:
        """Seconds until a grant is free (0: now). Changes nothing."""
        return max(0.0, self._due - self._tolerance - self._monotonic())

    def take(self) -> None:
        """Take a grant now, free or not: ahead of the queue, pushing later grants back by
        one interval (for the rare request a person is waiting on)."""
        self._due = max(self._due, self._monotonic()) + self._interval

    def hold(self, seconds: float) -> None:
        """Grant nothing for ``seconds`` from now (the server said Retry-After); after the
        pause grants resume one interval apart, without a burst."""
        if seconds > 0:
            self._due = max(self._due, self._monotonic() + seconds + self._tolerance)

    async def acquire(self) -> float:
        """Wait for a grant, in turn; returns how many seconds that took."""
        started = self._monotonic()
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append(turn)
        if len(self._queue) == 1:
            turn.set_result(None)
        try:
            await turn
            while (wait := self.wait_time()) > 0:
                await self._sleep(wait)  # and look again: a hold may have come meanwhile
            self.take()
        finally:
            first = self._queue[0] is turn
            self._queue.remove(turn)
            if first and self._queue:
                self._queue[0].set_result(None)  # the next in line may go
        return self._monotonic() - started
