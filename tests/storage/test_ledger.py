"""The ledger on SQLite and PostgreSQL: migrations match the tables, unique keys hold,
times come back timezone-aware."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bot.core.models import (
    Actor,
    ChannelRef,
    MessageRef,
    ReplyDraft,
    RoundClaim,
    RoundStatus,
    StoredPack,
    ThreadRef,
    UserRef,
)
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


async def test_a_batch_of_claims_is_one_transaction_that_leaves_out_days_already_taken(database_url: str) -> None:
    engine, repo = await _repo(database_url)
    try:
        day = date(2026, 3, 2)
        first = await repo.claim_round(CHANNEL, "q1", 0, day, NOW, NOW)
        others = [ChannelRef("slack", "T1", f"C{i}") for i in range(2, 6)]
        claims = [RoundClaim(CHANNEL, "q2", 0, day, NOW + timedelta(hours=6))]  # the day is taken
        claims += [RoundClaim(c, "q2", 1, day, NOW + timedelta(hours=6)) for c in others]
        claims.append(RoundClaim(others[0], "q3", 1, day, NOW))  # twice in one batch: once
        claims.append(RoundClaim(CHANNEL, "q3", 0, None, NOW))  # ad hoc: never collides
        results = await repo.claim_rounds(claims, NOW, timedelta(minutes=10))
        assert results[0] is None and results[-2] is None
        made = [r for r in results if r is not None]
        assert [(r.channel, r.question_id, r.cycle) for r in made] == [
            *((c, "q2", 1) for c in others), (CHANNEL, "q3", 0)]
        assert all(r.status is RoundStatus.POSTING for r in made)
        assert len({r.id for r in made} | {first.id}) == 6
        stored = await repo.rounds_for_days([(c, day) for c in [CHANNEL, *others]])
        assert stored[(CHANNEL, day)].id == first.id
        assert {stored[(c, day)].id for c in others} == {r.id for r in made[:-1]}
        assert await repo.asked_in_cycles([CHANNEL, others[0], ChannelRef("slack", "T1", "C99")]) == {
            CHANNEL: (0, {"q1", "q3"}), others[0]: (1, {"q2"}), ChannelRef("slack", "T1", "C99"): (0, set())}
    finally:
        await engine.dispose()


async def test_confirming_a_batch_of_posts_opens_each_round_and_skips_one_that_is_gone(database_url: str) -> None:
    engine, repo = await _repo(database_url)
    try:
        channels = [ChannelRef("slack", "T1", f"C{i}") for i in range(3)]
        claimed = await repo.claim_rounds([RoundClaim(c, "q1", 0, None, NOW) for c in channels], NOW,
                                          timedelta(minutes=10))
        assert await repo.skip_round(claimed[1].id, NOW)
        await repo.release_round(claimed[2].id)  # gone: its post failed
        posts = [(r.id, MessageRef(r.channel, f"m{n}"), ThreadRef(r.channel, f"m{n}")) for n, r in enumerate(claimed)]
        confirmed = await repo.mark_posted_many(posts)
        assert confirmed[0].status is RoundStatus.OPEN and confirmed[0].thread == ThreadRef(channels[0], "m0")
        assert confirmed[1].status is RoundStatus.SKIPPED and confirmed[1].message == MessageRef(channels[1], "m1")
        assert confirmed[2] is None
    finally:
        await engine.dispose()


async def test_subscriptions_and_disabled_packs_for_many_channels_in_one_read(database_url: str) -> None:
    from bot.core.models import Subscription
    from bot.core.schedule import Schedule

    engine, repo = await _repo(database_url)
    try:
        channels = [ChannelRef("slack", "T1", f"C{i}") for i in range(4)]
        schedule = Schedule(datetime(2026, 1, 1, 9, 30).time(), "Asia/Shanghai", frozenset({0, 2}))
        for channel in channels[:3]:
            await repo.save_subscription(Subscription(channel, schedule, tags=("rag",)), NOW)
        await repo.set_pack_enabled(channels[1], "extras", False, NOW)
        found = await repo.subscriptions_for(channels)
        assert set(found) == set(channels[:3])
        assert found[channels[2]] == Subscription(channels[2], schedule, tags=("rag",))
        assert await repo.disabled_packs_for(channels) == {
            channels[0]: set(), channels[1]: {"extras"}, channels[2]: set(), channels[3]: set()}
    finally:
        await engine.dispose()


async def test_a_batch_of_replies_is_stored_once_per_platform_message(database_url: str) -> None:
    engine, repo = await _repo(database_url)
    try:
        claimed = await repo.claim_round(CHANNEL, "q1", 0, None, NOW, NOW)
        bob = Actor(UserRef("slack", "T1", "U2"), "bob")
        assert await repo.add_reply(claimed.id, ALICE, "first", False, (), 0.0, NOW, message_id="m1") is not None
        drafts = [
            ReplyDraft(claimed.id, ALICE, "redelivered", False, (), 0.0, NOW, "m1"),  # stored already
            ReplyDraft(claimed.id, bob, "早停", False, ("早停法",), 0.5, NOW, "m2"),
            ReplyDraft(claimed.id, bob, "早停 again", False, ("早停法",), 0.5, NOW, "m2"),  # the same event twice
            ReplyDraft(claimed.id, bob, "private one", True, (), 0.0, NOW),
            ReplyDraft(claimed.id, ALICE, "private two", True, (), 0.0, NOW),
        ]
        stored = await repo.add_replies(drafts)
        assert [r is not None for r in stored] == [False, True, False, True, True]
        assert stored[1].covered == ("早停法",) and stored[1].user == bob.user
        texts = sorted(r.text for r in await repo.replies_for_round(claimed.id))
        assert texts == ["first", "private one", "private two", "早停"]
    finally:
        await engine.dispose()


async def test_packs_saved_at_the_same_moment_get_distinct_revisions(database_url: str) -> None:
    import asyncio

    from sqlalchemy import select

    from bot.storage.tables import PackRow

    engine, repo = await _repo(database_url)
    try:
        def pack(pack_id: str):  # type: ignore[no-untyped-def]
            async def write(_stored: list[StoredPack]) -> StoredPack:
                return StoredPack(pack_id, "t", "questions: []", "p.yaml", "U1", NOW)
            return write

        await asyncio.gather(*(repo.save_pack("slack", "T1", pack(f"pack-{n}")) for n in range(6)))
        async with engine.connect() as connection:
            revisions = list(await connection.scalars(select(PackRow.revision)))
        assert sorted(revisions) == [1, 2, 3, 4, 5, 6]
        before = await repo.packs_version()
        await repo.save_pack("slack", "T1", pack("pack-5"))  # replaces the newest
        assert await repo.packs_version() != before
    finally:
        await engine.dispose()


async def test_reveals_are_claimed_a_batch_at_a_time_and_each_once(database_url: str) -> None:
    engine, repo = await _repo(database_url)
    try:
        channels = [ChannelRef("slack", "T1", f"C{i}") for i in range(4)]
        rounds = await repo.claim_rounds([RoundClaim(c, "q1", 0, None, NOW) for c in channels], NOW,
                                         timedelta(minutes=10))
        for r in rounds[:3]:  # the fourth was never confirmed: not revealed
            await repo.mark_posted(r.id, MessageRef(r.channel, "m"), None)
        lease = timedelta(minutes=10)
        assert await repo.claim_reveal(rounds[0].id, NOW, lease) is not None  # another instance has it
        ids = [r.id for r in rounds] + [rounds[1].id]  # the second named twice
        claimed = await repo.claim_reveals(ids, NOW + timedelta(minutes=1), lease)
        assert [c.id if c else None for c in claimed] == [None, rounds[1].id, rounds[2].id, None, None]
        await repo.finish_reveals([rounds[1].id, rounds[2].id], NOW)
        assert {(await repo.get_round(r.id)).status for r in rounds[1:3]} == {RoundStatus.REVEALED}
        # A claim whose holder died expires; then the reveal can be claimed again.
        assert (await repo.claim_reveals([rounds[0].id], NOW + lease + timedelta(seconds=1), lease))[0] is not None
    finally:
        await engine.dispose()
