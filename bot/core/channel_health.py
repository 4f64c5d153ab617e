"""One channel's failure is that channel's problem.

When a post or reveal fails, the channel is held off for a while (in the ledger, so every
instance holds off alike) and tried again by the next sweep. Failures the platform calls
permanent (the bot removed from the channel, the channel archived or deleted) count; after
``PAUSE_AFTER`` of them in a row the channel's schedule is paused, its open rounds closed,
and its admins told where the platform can reach them. Any success starts the count over.
Part of the core: it needs the ledger's failure methods, a clock and a callback.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from bot.core.clock import Clock
from bot.core.models import ChannelRef, Subscription
from bot.core.ports import ChannelUnavailable

log = logging.getLogger(__name__)

# Permanent failures in a row before the bot pauses a channel's schedule by itself.
PAUSE_AFTER = 3
# How long a channel is left alone after its n-th permanent failure in a row (the last
# entry repeats). Spread over minutes, so a channel briefly locked by an admin who then
# fixes it is not paused by three sweeps in a row.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15))
# After a failure that may pass by itself (a timeout, the platform's 5xx): one short wait.
TRANSIENT_BACKOFF = timedelta(seconds=30)


class FailureLedger(Protocol):
    async def record_channel_failure(
        self, channel: ChannelRef, reason: str, now: datetime, backoff: Sequence[timedelta], *, permanent: bool
    ) -> int: ...

    async def pause_failing_channel(self, channel: ChannelRef, reason: str, now: datetime) -> Subscription | None: ...


class ChannelHealth:
    def __init__(self, ledger: FailureLedger, clock: Clock,
                 on_paused: Callable[[Subscription], Awaitable[None]]) -> None:
        self.ledger = ledger
        self.clock = clock
        self.on_paused = on_paused

    async def failed(self, channel: ChannelRef, error: BaseException, what: str) -> None:
        """Record that ``what`` (a post, a reveal) failed in ``channel``. Never raises: a
        ledger that cannot record it either is logged, and the sweep tries again."""
        try:
            await self._record(channel, error, what)
        except Exception:  # noqa: BLE001 - bookkeeping must not hide the first failure
            log.exception("could not record the failure of %s in %s", what, channel.key)

    async def _record(self, channel: ChannelRef, error: BaseException, what: str) -> None:
        now = self.clock.now()
        if not (isinstance(error, ChannelUnavailable) and error.permanent):
            log.warning("%s in %s failed (%s); trying again in %s", what, channel.key, _describe(error),
                        TRANSIENT_BACKOFF)
            await self.ledger.record_channel_failure(channel, _describe(error), now, (TRANSIENT_BACKOFF,),
                                                     permanent=False)
            return
        failures = await self.ledger.record_channel_failure(channel, error.reason, now, BACKOFF, permanent=True)
        if failures < PAUSE_AFTER:
            log.warning("%s in %s failed: %s (%s of %s in a row before its schedule is paused); "
                        "trying again in %s", what, channel.key, error.reason, failures, PAUSE_AFTER,
                        backoff_after(failures))
            return
        paused = await self.ledger.pause_failing_channel(channel, error.reason, now)
        log.error("paused the schedule of %s: the bot cannot post there (%s, %s times in a row); "
                  "an admin's `schedule resume` starts it again", channel.key, error.reason, failures)
        if paused is not None:
            await self.on_paused(paused)


def backoff_after(failures: int, backoff: Sequence[timedelta] = BACKOFF) -> timedelta:
    """The wait after the ``failures``-th failure in a row (the last step repeats)."""
    return backoff[max(0, min(failures, len(backoff)) - 1)]


def _describe(error: BaseException) -> str:
    if isinstance(error, ChannelUnavailable):
        return error.reason
    return type(error).__name__
