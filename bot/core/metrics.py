"""What the core and adapters report for operations: counts and timings by name.

A narrow port; ``bot.ops`` implements it with Prometheus. The names in use:
``posts``, ``reveals``, ``replies`` (counts, label ``platform``), ``command_seconds``
(timing, label ``command``), ``rate_limit_wait_seconds`` (count of seconds, label
``platform``), ``errors`` (label ``where``).
"""

from __future__ import annotations

from typing import Protocol


class Metrics(Protocol):
    def count(self, name: str, amount: float = 1.0, **labels: str) -> None: ...

    def observe(self, name: str, value: float, **labels: str) -> None: ...


class NullMetrics:
    def count(self, name: str, amount: float = 1.0, **labels: str) -> None:
        pass

    def observe(self, name: str, value: float, **labels: str) -> None:
        pass
