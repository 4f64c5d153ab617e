"""Group commit: calls made at about the same time share one call of a batch function.

A fan-out at 09:00 makes a thousand claims and confirmations at once; one transaction for
each is a convoy on the database. ``Batch.submit`` queues its item and waits; one worker
takes everything queued (up to ``max_size``) and hands it to the batch function in one call.
With one caller the batch is that caller alone, at once: nothing waits for a timer. Part of
the core; imports nothing else.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Batch(Generic[T, R]):
    """Feeds queued items to ``run`` a batch at a time, one batch after the other.

    ``run`` returns one result per item, in order. When it raises for a batch of several,
    each item is tried again alone (the batch is one transaction: none of it happened), so
    that one bad item fails only its own caller. A caller that stops waiting does not stop
    its item: it may still be carried out.
    """

    def __init__(self, run: Callable[[list[T]], Awaitable[Sequence[R]]], *, max_size: int = 100) -> None:
        if max_size < 1:
            raise ValueError("max_size must be at least 1")
        self._run = run
        self.max_size = max_size
        self._queue: list[tuple[T, asyncio.Future[R]]] = []
        self._worker: asyncio.Task[None] | None = None
        self.batches = 0  # how many calls of ``run`` so far (for tests and metrics)

    async def submit(self, item: T) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._queue.append((item, future))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        # One turn of the loop first, so that callers started in the same turn (jobs the
        # scheduler fired together) join the first batch instead of making their own.
        await asyncio.sleep(0)
        while self._queue:
            taken, self._queue = self._queue[:self.max_size], self._queue[self.max_size:]
            await self._carry_out(taken)

    async def _carry_out(self, taken: list[tuple[T, asyncio.Future[R]]]) -> None:
        try:
            results = await self._run([item for item, _ in taken])
            if len(results) != len(taken):
                raise RuntimeError(f"batch of {len(taken)} answered with {len(results)} results")
        except asyncio.CancelledError:
            for _, future in taken + self._queue:
                future.cancel()
            self._queue = []
            raise
        except Exception as exc:  # noqa: BLE001 - handed to the caller it concerns
            if len(taken) > 1:
                for pair in taken:
                    await self._carry_out([pair])
                return
            if not taken[0][1].done():
                taken[0][1].set_exception(exc)
            return
        finally:
            self.batches += 1
        for (_, future), result in zip(taken, results, strict=True):
            if not future.done():
                future.set_result(result)
