"""``RedisBudgets``: the shared rate budgets (``bot.adapters.pacing.BudgetStore``) as Redis
keys, for deployments that have Redis (``[limits] backend = "redis"``, ``REDIS_URL``).

A grant is one Lua script, atomic in Redis, on Redis's own clock; a budget's key expires a
minute after its last reserved slot, so idle budgets leave nothing behind. Imports nothing
from the adapters.
"""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis

#: Redis keys are prefixed, so a shared Redis can tell the bot's apart.
PREFIX = "interview-bot:rate:"
#: Seconds a budget's key outlives its last reserved slot.
IDLE_EXPIRY = 60

# Numbers go back as strings: Redis would cut a Lua number to an integer.
_RESERVE = """
local count = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local offset = tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local start = now + offset
local stored = redis.call('GET', KEYS[1])
if stored then start = math.max(start, tonumber(stored)) end
local free_from = start + count * interval
local expiry = math.ceil(free_from - now) + tonumber(ARGV[4])
redis.call('SET', KEYS[1], string.format('%.6f', free_from), 'EX', expiry)
return {string.format('%.6f', start), string.format('%.6f', now)}
"""


class RedisBudgets:
    """``BudgetStore`` on one Redis server; ``close`` closes its connections."""

    def __init__(self, url: str) -> None:
        self._redis: Redis = Redis.from_url(url)
        self._script: Any = self._redis.register_script(_RESERVE)

    async def reserve(self, key: str, count: int, interval: float, tolerance: float,
                      hold: float = 0.0) -> tuple[float, float]:
        # An idle budget starts back by the burst's tolerance, or on by a hold.
        offset = hold if hold > 0 else -tolerance
        start, now = await self._script(keys=[PREFIX + key], args=[count, repr(interval), repr(offset), IDLE_EXPIRY])
        return float(start), float(now)

    async def close(self) -> None:
        await self._redis.aclose()
