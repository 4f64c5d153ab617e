"""The ledger on SQLite and PostgreSQL: migrations match the tables, unique keys hold,
times come back timezone-aware."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bot.core.models import Actor, ChannelRef, MessageRef, RoundStatus, ThreadRef, UserRef
from bot.storage.db import migrate, open_engine, session_factory
from bot.storage.repository import SqlRepository
from bot.storage.tables import Base

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)
CHANNEL = ChannelRef("slack", "T1", "C1")
ALICE = Actor(UserRef("slack", "T1", "U1"), "alice")


async def _repo(url: str):  # type: ignore[no-untyped-def]
    engine = open_engine(url)
    await migrate(engine)
    return engine, SqlRepository(session_factory(engine))


async def test_migrations_create_exactly_the_declared_tables(database_url: str) -> None:
    engine, _ = await _repo(database_url)
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata))
        assert diff == []
        await migrate(engine)  # a second start applies nothing and fails nothing
    finally:
        await engine.dispose()


async def test_one_scheduled_round_per_channel_and_day(database_url: str) -> None:
    engine, repo = await _repo(database_url)
    try:
        day = date(2026, 3, 2)
        first = await repo.claim_round(CHANNEL, "q1", 0, day, NOW, NOW + timedelta(hours=6))
        assert first is not None and first.status is RoundStatus.POSTING
        assert await repo.claim_round(CHANNEL, "q2", 0, day, NOW, NOW) is None
        # Ad-hoc rounds (no day) never collide, and another channel has its own day.
        assert await repo.claim_round(CHANNEL, "q2", 0, None, NOW, NOW) is not None
        assert await repo.claim_round(CHANNEL, "q3", 0, None, NOW, NOW) is not None
        assert await repo.claim_round(ChannelRef("slack", "T1", "C2"), "q1", 0, day, NOW, NOW) is not None
        # A failed post releases its claim so that it can be retried.
        await repo.release_round(first.id)
        assert await repo.claim_round(CHANNEL, "q1", 0, day, NOW, NOW) is not None
    finally:
        await engine.dispose()


async def test_round_times_threads_and_replies_round_trip(database_url: str) -> None:
    engine, repo = await _repo(database_url)
    try:
        claimed = await repo.claim_round(CHANNEL, "q1", 3, date(2026, 3, 2), NOW, NOW + timedelta(hours=6))
        posted = await repo.mark_posted(claimed.id, MessageRef(CHANNEL, "1700.1"), ThreadRef(CHANNEL, "1700.1"))
        assert posted.status is RoundStatus.OPEN
        assert posted.reveal_at == NOW + timedelta(hours=6) and posted.reveal_at.tzinfo is not None
        assert await repo.round_by_thread(ThreadRef(CHANNEL, "1700.1")) == posted
        assert await repo.round_by_thread(ThreadRef(ChannelRef("slack", "T1", "C9"), "1700.1")) is None
        assert await repo.asked_in_cycle(CHANNEL) == (3, {"q1"})

        reply = await repo.add_reply(posted.id, ALICE, "早停", False, ("早停法",), 0.5, NOW, message_id="1700.2")
        assert reply is not None and reply.covered == ("早停法",)
        assert await repo.add_reply(posted.id, ALICE, "again", False, (), 0.0, NOW, message_id="1700.2") is None
        assert await repo.edit_reply(posted.id, "1700.2", "早停 and L2", ("早停法", "正则化"), 1.0, NOW)
        assert await repo.delete_reply(posted.id, "missing", NOW) is False
        assert await repo.user_stats(CHANNEL, ALICE.user) == (1, 1, 1.0)
        assert await repo.delete_reply(posted.id, "1700.2", NOW)
        assert await repo.replies_for_round(posted.id) == []
    finally:
        await engine.dispose()


async def test_many_concurrent_claims_on_sqlite_neither_fail_nor_double(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Dozens of channels claiming their 09:00 post at once: no "database is locked", and
    racing claims for the same channel and day still give exactly one round."""
    import asyncio

    engine, repo = await _repo(f"sqlite+aiosqlite:///{tmp_path / 'busy.db'}")
    try:
        day = date(2026, 3, 2)
        channels = [ChannelRef("slack", "T1", f"C{i}") for i in range(40)]
        claims = [repo.claim_round(c, "q1", 0, day, NOW, NOW) for c in channels for _ in range(2)]
        results = await asyncio.gather(*claims)
        assert sum(r is not None for r in results) == 40
        claimed = {r.channel for r in results if r is not None}
        assert claimed == set(channels)
    finally:
        await engine.dispose()
