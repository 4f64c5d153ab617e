"""``DatabaseBudgets``: the shared rate budgets (``bot.adapters.pacing.BudgetStore``) as rows
of ``rate_budgets`` in the ledger's database, so that every instance on one database draws
from one budget per key.

A grant is one statement, an upsert that moves the row's time past the slots it reserves and
returns where they start: the row lock serialises instances, and nothing else is read or
written. On PostgreSQL the database's clock is used (instances on several machines need
not agree on the time) and the statement runs outside a transaction block (one round trip);
on SQLite, a single machine's, SQLite's. Imports nothing from the adapters.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

# "span" is count x interval: how far the reserved slots move the budget's time; "offset"
# is where an idle budget starts from now: back by the burst's tolerance, or on by a hold.
# A new row starts where an idle one would.
_POSTGRES = text("""
WITH clock AS (SELECT extract(epoch FROM clock_timestamp())::float8 AS now)
INSERT INTO rate_budgets (key, available_at)
SELECT :key, clock.now + :offset + :span FROM clock
ON CONFLICT (key) DO UPDATE
    SET available_at = greatest(rate_budgets.available_at, excluded.available_at - :span) + :span
RETURNING available_at - :span AS start, (SELECT now FROM clock) AS now
""")

# SQLite's 'now' (to the millisecond) is read once the write lock is held, so a grant that
# waited for the lock is not placed by the time before it waited.
_SQLITE_NOW = "((julianday('now') - 2440587.5) * 86400.0)"
_SQLITE = text(f"""
INSERT INTO rate_budgets (key, available_at)
VALUES (:key, {_SQLITE_NOW} + :offset + :span)
ON CONFLICT (key) DO UPDATE
    SET available_at = max(rate_budgets.available_at, excluded.available_at - :span) + :span
RETURNING available_at - :span AS start, {_SQLITE_NOW} AS now
""")


class DatabaseBudgets:
    """``BudgetStore`` on the ledger's engine (its pool: one connection per grant, briefly)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._postgres = engine.dialect.name == "postgresql"
        # No BEGIN/COMMIT around the one statement on PostgreSQL: it is atomic by itself.
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT") if self._postgres else engine

    async def reserve(self, key: str, count: int, interval: float, tolerance: float,
                      hold: float = 0.0) -> tuple[float, float]:
        values: dict[str, object] = {"key": key, "span": count * interval,
                                     "offset": hold if hold > 0 else -tolerance}
        if self._postgres:
            async with self._engine.connect() as connection:
                row = (await connection.execute(_POSTGRES, values)).one()
        else:
            async with self._engine.begin() as connection:
                row = (await connection.execute(_SQLITE, values)).one()
        return float(row.start), float(row.now)

    async def close(self) -> None:
        """Nothing of its own to close: the engine is the app's."""
