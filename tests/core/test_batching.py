"""Group commit: callers at the same time share one batch call; a failed batch fails only
its own callers; a caller that gives up does not disturb the rest."""

from __future__ import annotations

import asyncio

import pytest

from bot.core.batching import Batch


class Recorder:
    """A batch function that remembers every batch it was given."""

    def __init__(self, fail_on: object = None) -> None:
        self.batches: list[list[int]] = []
        self.fail_on = fail_on
        self.gate = asyncio.Event()
        self.gate.set()

    async def __call__(self, items: list[int]) -> list[int]:
        self.batches.append(items)
        await self.gate.wait()
        if self.fail_on in items:
            raise ValueError(f"batch with {self.fail_on}")
        return [item * 10 for item in items]


async def test_callers_in_the_same_turn_share_one_batch_and_get_their_own_result() -> None:
    run = Recorder()
    batch = Batch(run, max_size=100)
    results = await asyncio.gather(*(batch.submit(n) for n in range(50)))
    assert results == [n * 10 for n in range(50)]
    assert run.batches == [list(range(50))]


async def test_a_lone_caller_is_its_own_batch_at_once() -> None:
    run = Recorder()
    batch = Batch(run)
    assert await batch.submit(7) == 70
    assert await batch.submit(8) == 80
    assert run.batches == [[7], [8]]


async def test_batches_are_cut_at_max_size_and_callers_arriving_meanwhile_join_the_next() -> None:
    run = Recorder()
    run.gate.clear()
    batch = Batch(run, max_size=3)
    first = [asyncio.ensure_future(batch.submit(n)) for n in range(5)]
    while not run.batches:  # until the first batch is being carried out
        await asyncio.sleep(0)
    late = [asyncio.ensure_future(batch.submit(n)) for n in (5, 6)]
    run.gate.set()
    assert await asyncio.gather(*first, *late) == [0, 10, 20, 30, 40, 50, 60]
    assert run.batches == [[0, 1, 2], [3, 4, 5], [6]]


async def test_a_failed_batch_is_tried_again_item_by_item_so_only_the_bad_item_fails() -> None:
    run = Recorder(fail_on=1)
    batch = Batch(run, max_size=2)
    results = await asyncio.gather(*(batch.submit(n) for n in range(4)), return_exceptions=True)
    assert results[0] == 0 and isinstance(results[1], ValueError) and results[2:] == [20, 30]
    assert run.batches == [[0, 1], [0], [1], [2, 3]]


async def test_a_caller_that_stops_waiting_leaves_the_others_their_results() -> None:
    run = Recorder()
    run.gate.clear()
    batch = Batch(run)
    waiting = [asyncio.ensure_future(batch.submit(n)) for n in range(3)]
    await asyncio.sleep(0)
    waiting[1].cancel()
    run.gate.set()
    assert await waiting[0] == 0 and await waiting[2] == 20
    with pytest.raises(asyncio.CancelledError):
        await waiting[1]


async def test_a_batch_function_answering_the_wrong_number_of_results_is_an_error() -> None:
    async def short(items: list[int]) -> list[int]:
        return items[:-1]

    batch = Batch(short)
    with pytest.raises(RuntimeError, match="batch of 1 answered with 0"):
        await asyncio.gather(batch.submit(1), batch.submit(2))
