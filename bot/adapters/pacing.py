"""Platform-neutral request pacing: a token bucket whose waiters are served in arrival order,
and the rate budgets that several instances share (``RateLimiter``, ``SharedLimiter``).

Imports no platform library and no storage: where a shared budget lives is a ``BudgetStore``
handed in by the app. Time comes from an injectable monotonic function and waiting from an
injectable sleep, so the arithmetic is tested without sleeping.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

log = logging.getLogger(__name__)


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


# --- budgets shared between instances ------------------------------------------------------


class RateLimiter(Protocol):
    """A rate budget that every instance naming the same key draws from, wherever its state
    lives. What the Slack dispatcher and the Discord pacer consume for their global budget;
    per-channel pacing stays in the process (one instance posts to a channel at a time).

    A key is first ``configure``d with its rate (``burst`` grants at most back to back). The
    calls never raise for a busy budget: ``acquire`` waits its turn, ``take`` goes at once
    and is paid for later, ``hold`` pauses the budget for every instance (Retry-After).
    """

    def configure(self, key: str, rate: float, burst: int = 1) -> None: ...

    async def acquire(self, key: str, cost: int = 1) -> float: ...

    def take(self, key: str, cost: int = 1) -> None: ...

    def hold(self, key: str, seconds: float) -> None: ...


class BudgetStore(Protocol):
    """Where shared budgets live (a database row, a Redis key), as one number per key: the
    time from which the budget is free again, on the store's own clock.

    ``reserve`` is one atomic round trip: it reserves ``count`` consecutive slots,
    ``interval`` apart, starting at the later of that time and the store's now less
    ``tolerance`` (the burst) or, given a ``hold``, plus ``hold``; it moves the time past
    them and answers (first slot, the store's now). ``count`` 0 only records a hold.
    """

    async def reserve(self, key: str, count: int, interval: float, tolerance: float,
                      hold: float = 0.0) -> tuple[float, float]: ...

    async def close(self) -> None: ...


#: How many seconds of a budget's rate one round trip to the store may reserve: the bound
#: on round trips (a fan-out of 1,000 requests at 200/s makes about 50) and on what an
#: instance may hold unused when its demand stops (a tenth of a second of the budget).
GRANT_SECONDS = 0.1
#: How fast a clock estimate from a short round trip gives way to one from a longer round
#: trip (seconds of round trip per second of age): clocks drift by far less.
CLOCK_AGING = 0.001
#: How many intervals after its slot a request may still go (more: it asks again), and how
#: many slots it may give up that way before it goes however late.
LATE_SLOTS = 2
LATE_ATTEMPTS = 10
#: Seconds a grant may take before the store counts as unreachable (a request must not hang
#: on a Redis or a database that does not answer), and for how long it is then left alone.
STORE_TIMEOUT = 2.0
STORE_RETRY_AFTER = 10.0
#: Seconds between two warnings that the store does not answer.
STORE_WARNING_EVERY = 60.0


@dataclass(eq=False)
class _Budget:
    interval: float
    tolerance: float
    cap: int  # slots one grant may reserve
    slots: deque[float] = field(default_factory=deque)  # granted, not yet given out (monotonic)
    debt: int = 0  # slots used by ``take`` without a grant, paid out of the next ones
    held_until: float = -math.inf  # monotonic; not yet passed on to the store when > now
    waiting: int = 0
    recent: deque[float] = field(default_factory=deque)  # when requests asked, within a grant
    turn: asyncio.Lock = field(default_factory=asyncio.Lock)


class SharedLimiter:
    """``RateLimiter`` over a ``BudgetStore``: slots are reserved a few at a time and given
    out here in the order asked for, each request then waiting for its slot's time.

    The slots that different instances reserve never overlap (the store hands out each time
    once), so however the instances interleave, requests leave at most at the budget's rate
    and ``burst``; a grant's size follows the demand (requests queued, and asked for within
    the last grant's time), so a quiet instance reserves one slot at a time and a fan-out up
    to ``grant_seconds`` of the rate per round trip. The store's clock is used only as a
    difference from its own now, so the instances' clocks need not agree.
    """

    def __init__(
        self,
        store: BudgetStore,
        *,
        grant_seconds: float = GRANT_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.store = store
        self.grant_seconds = grant_seconds
        self._monotonic = monotonic
        self._sleep = sleep
        self._budgets: dict[str, _Budget] = {}
        self.grants = 0  # round trips to the store
        self.failures = 0  # round trips that failed: those requests went on local pacing alone
        self.late = 0  # slots given up because their request woke too late for them
        self._warned_at = -math.inf
        self._down_until = -math.inf
        # The store's clock less this process's monotonic one, as best known: (offset,
        # the round trip it was measured in, when).
        self._clock: tuple[float, float, float] | None = None

    def configure(self, key: str, rate: float, burst: int = 1) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError(f"a shared budget needs rate > 0 and burst >= 1, got {rate} and {burst}")
        interval = 1.0 / rate
        self._budgets[key] = _Budget(interval, (burst - 1) * interval, max(1, math.ceil(rate * self.grant_seconds)))

    def _budget(self, key: str) -> _Budget:
        try:
            return self._budgets[key]
        except KeyError:
            raise ValueError(f"shared budget {key!r} was not configured") from None

    async def acquire(self, key: str, cost: int = 1) -> float:
        """Wait for ``cost`` slots of ``key``'s budget, in turn; the seconds that took."""
        budget = self._budget(key)
        started = self._monotonic()
        for attempt in range(1, LATE_ATTEMPTS + 1):
            budget.waiting += 1
            try:
                async with budget.turn:
                    due = await self._assign(key, budget, cost)
            finally:
                budget.waiting -= 1
            wait = due - self._monotonic()
            if wait > 0:
                await self._sleep(wait)
            # Woken well after its slot (the event loop was busy): going now would spend a
            # slot that is past, on top of the current ones, and after a stall every late
            # request of every instance would go at once. Such a slot is given up for a new
            # one (a new stall while catching up makes them late again, so more than once),
            # but not without end: a loop that is always late must not keep a request from
            # ever going.
            if attempt == LATE_ATTEMPTS or self._monotonic() - due <= budget.tolerance + LATE_SLOTS * budget.interval:
                break
            self.late += 1
        return self._monotonic() - started

    def take(self, key: str, cost: int = 1) -> None:
        """Use ``cost`` slots now, without waiting (an answer a person is waiting for): the
        next slots granted here are given up for them, so the budget is kept over any time
        longer than a grant."""
        self._budget(key).debt += cost

    def hold(self, key: str, seconds: float) -> None:
        """Nothing more from ``key`` for ``seconds``: here at once, and for the other
        instances from this one's next grant on, which the slots granted so far are given up
        for (the server said the budget was overdrawn)."""
        budget = self._budget(key)
        if seconds > 0:
            budget.held_until = max(budget.held_until, self._monotonic() + seconds)
            budget.slots.clear()

    async def _assign(self, key: str, budget: _Budget, cost: int) -> float:
        """The time of the last of ``cost`` slots given to this request (after the debt)."""
        now = self._monotonic()
        budget.recent.append(now)
        while budget.recent[0] < now - self.grant_seconds:
            budget.recent.popleft()
        # A slot nobody took in time is gone: used late it could meet another instance's.
        stale = max(now - max(budget.interval, budget.tolerance), budget.held_until)
        while budget.slots and budget.slots[0] < stale:
            budget.slots.popleft()
        need = budget.debt + cost
        if len(budget.slots) < need and now < self._down_until:
            return now
        while len(budget.slots) < need:
            short = need - len(budget.slots)
            count = max(short, min(budget.cap, max(short + budget.waiting - 1, len(budget.recent))))
            sent = self._monotonic()
            hold = max(0.0, budget.held_until - sent)
            try:
                async with asyncio.timeout(STORE_TIMEOUT):
                    start, store_now = await self.store.reserve(key, count, budget.interval, budget.tolerance,
                                                                hold)
            except Exception as exc:  # noqa: BLE001 - the store is down: pace locally, do not fail the post
                self._store_failed(key, exc)
                return now
            self.grants += 1
            first = start - self._store_clock(store_now, sent, self._monotonic())
            budget.slots.extend(first + n * budget.interval for n in range(count))
        for _ in range(budget.debt):
            budget.slots.popleft()
        budget.debt = 0
        due = now
        for _ in range(cost):
            due = budget.slots.popleft()
        return due

    def _store_clock(self, store_now: float, sent: float, received: float) -> float:
        """How far the store's clock is ahead of this process's. The store read its now
        somewhere between ``sent`` and ``received``; taken as halfway, that is off by at most
        half the round trip, and a grant placed that far off may overlap its neighbours by
        as much. A busy event loop stretches what looks like a round trip, so the estimate
        from the shortest one is kept (as NTP does), giving way to a longer one as it ages."""
        rtt = received - sent
        offset = store_now - (sent + received) / 2
        if self._clock is not None:
            best, best_rtt, measured = self._clock
            if rtt > best_rtt + (sent - measured) * CLOCK_AGING:
                return best
        self._clock = (offset, rtt, sent)
        return offset

    def _store_failed(self, key: str, exc: Exception) -> None:
        """A request whose grant failed or timed out goes on with the adapter's own pacing
        only, and so do the requests of the next ``STORE_RETRY_AFTER`` seconds without asking
        the store (the instances may then overdraw the budget together, and a 429 pauses
        them): better than failing or stalling a daily post because Redis or the database
        does not answer."""
        self.failures += 1
        self._down_until = self._monotonic() + STORE_RETRY_AFTER
        if self._monotonic() - self._warned_at >= STORE_WARNING_EVERY:
            self._warned_at = self._monotonic()
            log.warning("the shared rate budget %s cannot be reached (%s); pacing this instance alone",
                        key, type(exc).__name__)
