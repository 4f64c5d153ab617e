"""Rate budgets shared between instances: two stores (or two limiters) on one database or
one Redis, as two instances would have, reserve slots that never overlap; a fan-out takes few
round trips; a hold and requests sent without waiting are seen by the other instance; an
unreachable store leaves the instance to its own pacing. Waits are recorded, not slept."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from bisect import bisect_left
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.adapters import pacing
from bot.adapters.pacing import BudgetStore, SharedLimiter
from bot.storage.db import migrate, open_engine
from bot.storage.limiter import DatabaseBudgets
from bot.storage.redis_limiter import RedisBudgets
from tests.conftest import fresh_postgres

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture(params=["sqlite", "postgresql", "redis"])
async def two_stores(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[tuple[BudgetStore, BudgetStore]]:
    """Two stores on one database (each with its own engine) or one Redis (each with its own
    client): what two instances of the bot hold."""
    if request.param == "redis":
        stores = (RedisBudgets(REDIS_URL), RedisBudgets(REDIS_URL))
        try:
            await stores[0].reserve(f"test:{uuid.uuid4().hex}", 0, 1.0, 0.0)
        except Exception:  # noqa: BLE001 - whatever redis-py raises for a refused connection
            for store in stores:
                await store.close()
            if os.environ.get("CI"):  # .ci/run starts Redis: there its absence is a failure
                pytest.fail(f"Redis is required in CI but {REDIS_URL} does not answer")
            pytest.skip("no Redis answers on 127.0.0.1:6379")
        yield stores
        for store in stores:
            await store.close()
        return
    if request.param == "sqlite":
        async with _two_engines(f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}") as stores:
            yield stores
        return
    async with fresh_postgres(required=False) as url, _two_engines(url) as stores:
        yield stores


class _two_engines:
    def __init__(self, url: str) -> None:
        self.engines = [open_engine(url), open_engine(url)]

    async def __aenter__(self) -> tuple[BudgetStore, BudgetStore]:
        await migrate(self.engines[0])
        return DatabaseBudgets(self.engines[0]), DatabaseBudgets(self.engines[1])

    async def __aexit__(self, *exc: object) -> None:
        for engine in self.engines:
            await engine.dispose()


def a_key() -> str:
    return f"test:{uuid.uuid4().hex[:12]}:global"


class RecordedSleep:
    """A sleep that only records how long it was asked to wait, and by which task."""

    def __init__(self) -> None:
        self.waits: list[float] = []
        self.until: dict[asyncio.Task[object] | None, float] = {}

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.until[asyncio.current_task()] = time.monotonic() + seconds
        await asyncio.sleep(0)


async def test_reservations_of_two_instances_never_overlap(two_stores: tuple[BudgetStore, BudgetStore]) -> None:
    key, interval = a_key(), 0.01

    async def reserve(store: BudgetStore, count: int) -> tuple[float, float]:
        start, _now = await store.reserve(key, count, interval, 0.0)
        return start, start + count * interval

    # Both instances ask at once, in grants of different sizes.
    spans = await asyncio.gather(*(reserve(two_stores[n % 2], 1 + n % 7) for n in range(60)))

    spans.sort()
    assert all(end <= following + 1e-6 for (_, end), (following, _) in zip(spans, spans[1:]))
    assert sum(round((end - start) / interval) for start, end in spans) == sum(1 + n % 7 for n in range(60))


async def test_a_burst_is_granted_from_now_only_after_idling(two_stores: tuple[BudgetStore, BudgetStore]) -> None:
    key = a_key()
    first, now = await two_stores[0].reserve(key, 1, 1.0, 2.0)  # burst 3: two intervals of tolerance
    assert first == pytest.approx(now - 2.0, abs=1e-3)
    second, _ = await two_stores[1].reserve(key, 1, 1.0, 2.0)
    assert second == pytest.approx(first + 1.0, abs=1e-6)  # the next slot, not a second burst


async def test_a_hold_moves_the_other_instance_past_retry_after(two_stores: tuple[BudgetStore, BudgetStore]) -> None:
    key = a_key()
    _, held_at = await two_stores[0].reserve(key, 0, 0.01, 0.0, hold=2.0)
    start, _ = await two_stores[1].reserve(key, 1, 0.01, 0.0)
    assert start >= held_at + 2.0 - 1e-6


async def test_two_limiters_fanning_out_1000_requests_keep_the_rate_in_few_round_trips(
    two_stores: tuple[BudgetStore, BudgetStore],
) -> None:
    key, rate = a_key(), 200.0
    sleep = RecordedSleep()
    limiters = [SharedLimiter(store, sleep=sleep) for store in two_stores]
    for limiter in limiters:
        limiter.configure(key, rate)
    due: list[float] = []  # when each request would have left

    async def request(limiter: SharedLimiter) -> None:
        await limiter.acquire(key)
        due.append(sleep.until.pop(asyncio.current_task(), time.monotonic()))

    # As two instances' dispatchers ask: at most 50 requests waiting at a time in each.
    async def instance(limiter: SharedLimiter) -> None:
        slots = asyncio.Semaphore(50)

        async def one() -> None:
            async with slots:
                await request(limiter)

        await asyncio.gather(*(one() for _ in range(500)))

    await asyncio.gather(*(instance(limiter) for limiter in limiters))

    grants = sum(limiter.grants for limiter in limiters)
    # A grant is at most a tenth of a second of the rate (20 slots): a few more than 50 in all.
    assert 50 <= grants <= 120, grants
    assert all(limiter.failures == 0 for limiter in limiters)
    # 1,000 slots at 200/s span five seconds; no second holds more than 200 of them, give or
    # take what the two instances' clock mappings disagree by (each is read off a round trip
    # to the store, a few milliseconds on a busy machine: a few slots). Without the shared
    # store the two would put about 400 in a second.
    due.sort()
    assert due[-1] - due[0] >= (1000 - 1) / rate - 0.05
    busiest = max(bisect_left(due, t + 1.0) - i for i, t in enumerate(due))
    assert busiest <= rate * 1.03, busiest


async def test_requests_sent_without_waiting_are_paid_for_by_the_next_grant(
    two_stores: tuple[BudgetStore, BudgetStore],
) -> None:
    key = a_key()
    sleep_a, sleep_b = RecordedSleep(), RecordedSleep()
    a, b = SharedLimiter(two_stores[0], sleep=sleep_a), SharedLimiter(two_stores[1], sleep=sleep_b)
    for limiter in (a, b):
        limiter.configure(key, 1.0)  # one a second: round trips are small against it

    a.take(key, 2)  # two answers a person was waiting for went out at once
    await a.acquire(key)
    await b.acquire(key)

    assert sleep_a.waits == [pytest.approx(2.0, abs=0.1)]  # after the two it paid for
    assert sleep_b.waits == [pytest.approx(3.0, abs=0.1)]


async def test_a_hold_here_holds_the_other_instance(two_stores: tuple[BudgetStore, BudgetStore]) -> None:
    key = a_key()
    sleep_a, sleep_b = RecordedSleep(), RecordedSleep()
    a, b = SharedLimiter(two_stores[0], sleep=sleep_a), SharedLimiter(two_stores[1], sleep=sleep_b)
    for limiter in (a, b):
        limiter.configure(key, 100.0)
    await a.acquire(key)

    a.hold(key, 3.0)  # Retry-After: 3
    await a.acquire(key)  # its next grant tells the store
    await b.acquire(key)

    assert sleep_a.waits[-1] >= 3.0 - 0.1
    assert sleep_b.waits[-1] >= 3.0 - 0.1


async def test_an_unreachable_store_leaves_the_instance_to_its_own_pacing(caplog: pytest.LogCaptureFixture) -> None:
    store = RedisBudgets("redis://127.0.0.1:1/0")  # nothing listens there
    sleep = RecordedSleep()
    limiter = SharedLimiter(store, sleep=sleep)
    limiter.configure("discord:1:global", 50.0)
    try:
        for _ in range(3):
            await limiter.acquire("discord:1:global")
    finally:
        await store.close()

    # The first request found the store down; the next ones did not ask it again.
    assert limiter.failures == 1 and limiter.grants == 0 and sleep.waits == []
    assert len([r for r in caplog.records if "cannot be reached" in r.getMessage()]) == 1


async def test_a_store_that_never_answers_does_not_hold_requests_up(monkeypatch: pytest.MonkeyPatch) -> None:
    done, closed = asyncio.Event(), asyncio.Event()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1 << 16)  # takes the request, never answers
        await done.wait()
        writer.close()
        await writer.wait_closed()
        closed.set()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    monkeypatch.setattr(pacing, "STORE_TIMEOUT", 0.2)
    store = RedisBudgets(f"redis://127.0.0.1:{port}/0")
    limiter = SharedLimiter(store)
    limiter.configure("slack:T1:writes", 10.0)
    try:
        waited = await limiter.acquire("slack:T1:writes")
    finally:
        await store.close()
        done.set()
        await asyncio.wait_for(closed.wait(), 5)
        server.close()
        await server.wait_closed()

    assert limiter.failures == 1 and waited < 1.0


async def test_a_budget_must_be_configured_before_use() -> None:
    limiter = SharedLimiter(RedisBudgets(REDIS_URL))
    try:
        with pytest.raises(ValueError, match="not configured"):
            limiter.take("slack:T1:writes")
        with pytest.raises(ValueError):
            limiter.configure("slack:T1:writes", 0)
    finally:
        await limiter.store.close()


async def test_a_request_woken_well_after_its_slot_asks_again_instead_of_going_late(
    two_stores: tuple[BudgetStore, BudgetStore],
) -> None:
    key = a_key()
    now = [1000.0]
    late = [0.5]  # the first wake-up comes half a second late, as after a stalled event loop

    async def sleep(seconds: float) -> None:
        now[0] += seconds + late.pop() if late else seconds
        await asyncio.sleep(0)

    limiter = SharedLimiter(two_stores[0], monotonic=lambda: now[0], sleep=sleep)
    limiter.configure(key, 10.0)
    limiter.take(key)  # so that the first request's slot is the second one: it has to sleep

    await limiter.acquire(key)

    assert limiter.late == 1 and limiter.grants == 2  # the late slot given up, a new one granted


async def test_a_loop_that_is_always_late_cannot_keep_a_request_from_going(
    two_stores: tuple[BudgetStore, BudgetStore],
) -> None:
    key = a_key()
    now = [1000.0]

    async def always_late(seconds: float) -> None:
        now[0] += seconds + 1.0
        await asyncio.sleep(0)

    limiter = SharedLimiter(two_stores[0], monotonic=lambda: now[0], sleep=always_late)
    limiter.configure(key, 10.0)
    limiter.take(key)

    await limiter.acquire(key)

    assert limiter.late == pacing.LATE_ATTEMPTS - 1
