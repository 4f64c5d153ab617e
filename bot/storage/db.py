"""Opening the database and bringing its schema up to date with Alembic on start.

SQLite (aiosqlite) by default, any SQLAlchemy async URL by config (PostgreSQL via asyncpg).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def open_engine(url: str, *, echo: bool = False, connect_args: dict[str, object] | None = None) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, echo=echo, connect_args=connect_args or {})
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_connect)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_connection: object, _record: object) -> None:
    """SQLite the way a ledger needs it: foreign keys on, WAL so that readers do not block
    the writer, and a wait instead of an instant "database is locked" when busy. The driver's
    own transaction handling is switched off; ``_sqlite_begin`` starts every transaction."""
    dbapi_connection.isolation_level = None  # type: ignore[attr-defined]
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


_READ_ONLY = "interview_bot_read_only"


def _sqlite_begin(connection: Connection) -> None:
    # A write takes the lock up front (IMMEDIATE): a deferred transaction that reads, then
    # writes, fails at once with "database is locked" when another writer got in between
    # (busy_timeout cannot help there). A read-only transaction stays deferred: in WAL it
    # reads a snapshot and never waits for the writer.
    if connection.get_execution_options().get(_READ_ONLY):
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class Sessions:
    """How the ledger opens sessions: ``sessions()`` for a read, ``sessions.begin()`` for
    a write transaction.

    On SQLite reads run side by side on snapshots, and this process's writers take turns
    on an asyncio lock: SQLite lets one writer in at a time anyway, and a writer waiting
    in its busy handler sleeps in steps of up to 100 ms, so at 09:00 queued writers
    would mostly sleep. Handed over in the event loop, the lock passes at once. PostgreSQL
    needs neither."""

    def __init__(self, engine: AsyncEngine) -> None:
        sqlite = engine.dialect.name == "sqlite"
        self._writes = async_sessionmaker(engine, expire_on_commit=False)
        self._reads = async_sessionmaker(engine.execution_options(**{_READ_ONLY: True}) if sqlite else engine,
                                         expire_on_commit=False)
        self._write_turn = asyncio.Lock() if sqlite else None

    def __call__(self) -> AsyncSession:
        return self._reads()

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncSession]:
        if self._write_turn is None:
            async with self._writes.begin() as session:
                yield session
            return
        async with self._write_turn, self._writes.begin() as session:
            yield session


def session_factory(engine: AsyncEngine) -> Sessions:
    return Sessions(engine)


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


# The key of the PostgreSQL advisory lock that migrations run under (any fixed number that
# nothing else on the server uses; this one is "intervie" in ASCII, a positive bigint).
MIGRATION_LOCK = 0x696E746572766965


async def migrate(engine: AsyncEngine) -> None:
    """Apply every pending migration; one transaction. On PostgreSQL under an advisory
    lock, so instances starting at the same moment on a new database take turns: the first
    creates the schema, the others find it current. (SQLite's write lock does the same.)"""

    def upgrade(connection: Connection) -> None:
        command.upgrade(alembic_config(connection), "head")

    async with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                     {"key": MIGRATION_LOCK})
        await connection.run_sync(upgrade)
