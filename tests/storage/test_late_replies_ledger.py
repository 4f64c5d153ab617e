"""The ledger's rule for late replies, on SQLite and PostgreSQL: a reply, edit or deletion
after the round closed (its announced reveal time, or the reveal if earlier) is kept and
changes no score, judged against the round as stored; the platform's time of writing,
when given, decides over the time of arrival but never makes a reply later."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa
from alembic import command
from hypothesis import given
from hypothesis import strategies as st

from bot.core.models import (
    Actor,
    ChannelRef,
    MessageRef,
    ReplyDraft,
    Round,
    RoundStatus,
    ThreadRef,
    UserRef,
    after_close,
)
from bot.storage.db import alembic_config, migrate, open_engine, session_factory
from bot.storage.repository import SqlRepository

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)
REVEAL_AT = NOW + timedelta(hours=6)
CHANNEL = ChannelRef("slack", "T1", "C1")
ALICE = Actor(UserRef("slack", "T1", "U1"), "alice")
BOB = Actor(UserRef("slack", "T1", "U2"), "bob")


async def _posted_round(url: str):  # type: ignore[no-untyped-def]
    engine = open_engine(url)
    await migrate(engine)
    repo = SqlRepository(session_factory(engine))
    claimed = await repo.claim_round(CHANNEL, "q1", 0, date(2026, 3, 2), NOW, REVEAL_AT)
    posted = await repo.mark_posted(claimed.id, MessageRef(CHANNEL, "1700.1"), ThreadRef(CHANNEL, "1700.1"))
    return engine, repo, posted


def draft(round_id: int, actor: Actor, message_id: str, score: float, at: datetime,
          sent_at: datetime | None = None) -> ReplyDraft:
    return ReplyDraft(round_id, actor, f"answer {message_id}", False, ("p",) if score else (), score, at,
                      message_id, sent_at)


async def test_replies_after_the_announced_reveal_time_are_kept_late_and_never_scored(database_url: str) -> None:
    engine, repo, round_ = await _posted_round(database_url)
    try:
        on_time, late, written_in_time, ahead = await repo.add_replies([
            draft(round_.id, ALICE, "m1", 0.5, NOW + timedelta(hours=1)),
            draft(round_.id, BOB, "m2", 1.0, REVEAL_AT + timedelta(seconds=1)),
            # Read back after downtime: written before the reveal time, arrived after it.
            draft(round_.id, ALICE, "m3", 1.0, REVEAL_AT + timedelta(hours=1), sent_at=REVEAL_AT - timedelta(hours=1)),
            # A platform clock ahead of ours cannot make an answer late.
            draft(round_.id, BOB, "m4", 0.25, NOW + timedelta(hours=2), sent_at=REVEAL_AT + timedelta(days=1)),
        ])
        assert [r.late for r in (on_time, late, written_in_time, ahead)] == [False, True, False, False]
        assert written_in_time.created_at == REVEAL_AT - timedelta(hours=1)
        assert ahead.created_at == NOW + timedelta(hours=2)

        stored = {r.message_id: r for r in await repo.replies_for_round(round_.id)}
        assert {m: r.late for m, r in stored.items()} == {"m1": False, "m2": True, "m3": False, "m4": False}
        standings = {s.name: (s.rounds, s.answers, s.points) for s in await repo.standings(CHANNEL, None)}
        assert standings == {"alice": (1, 2, 1.0), "bob": (1, 1, 0.25)}
        assert await repo.user_stats(CHANNEL, BOB.user) == (1, 1, 0.25)
        assert await repo.answer_times(CHANNEL, BOB.user) == [NOW + timedelta(hours=2)]
        assert [user for _, user in await repo.answers_since(CHANNEL, NOW)] == ["slack:U1", "slack:U2", "slack:U1"]
        # The round stays the thread's round for late replies.
        assert (await repo.round_by_thread(round_.thread)).id == round_.id
    finally:
        await engine.dispose()


async def test_the_ledger_judges_by_the_stored_round_not_the_callers_copy(database_url: str) -> None:
    """A reveal (or skip) the caller's copy of the round does not know of still closes it:
    another instance revealed early, or the core remembered the round from before."""
    engine, repo, round_ = await _posted_round(database_url)
    try:
        revealed_at = NOW + timedelta(hours=1)
        await repo.finish_reveal(round_.id, revealed_at)
        [after, before] = await repo.add_replies([
            draft(round_.id, BOB, "m1", 1.0, revealed_at + timedelta(minutes=1)),
            draft(round_.id, ALICE, "m2", 0.5, revealed_at + timedelta(minutes=1),
                  sent_at=revealed_at - timedelta(minutes=1)),
        ])
        assert after.late and not before.late
        assert await repo.user_stats(CHANNEL, BOB.user) == (0, 0, 0.0)
        assert await repo.answered_round(CHANNEL, BOB.user, None) is None
        assert (await repo.answered_round(CHANNEL, ALICE.user, None)).id == round_.id
    finally:
        await engine.dispose()


async def test_edits_and_deletions_after_the_close_keep_the_scored_version(database_url: str) -> None:
    engine, repo, round_ = await _posted_round(database_url)
    try:
        await repo.add_replies([draft(round_.id, ALICE, "m1", 0.5, NOW),
                                draft(round_.id, BOB, "m2", 0.5, NOW),
                                draft(round_.id, BOB, "m3", 0.0, REVEAL_AT + timedelta(minutes=1))])
        before = await repo.standings(CHANNEL, None)
        after = REVEAL_AT + timedelta(minutes=2)

        assert await repo.edit_reply(round_.id, "m1", "everything", ("p", "q"), 1.0, after)
        assert await repo.delete_reply(round_.id, "m2", after)
        assert await repo.delete_reply(round_.id, "m2", after) is False  # recorded once
        # A late reply simply follows its edits: it never counts anyway.
        assert await repo.edit_reply(round_.id, "m3", "now right", ("p",), 1.0, after)

        stored = {r.message_id: r for r in await repo.replies_for_round(round_.id)}
        assert (stored["m1"].text, stored["m1"].score, stored["m1"].late_text) == ("answer m1", 0.5, "everything")
        assert stored["m1"].current_text == "everything"
        assert stored["m2"].late_deleted_at == after
        assert (stored["m3"].text, stored["m3"].late) == ("now right", True)
        assert await repo.standings(CHANNEL, None) == before
        assert await repo.user_stats(CHANNEL, BOB.user) == (1, 1, 0.5)

        # An edit written before the close (read back later) still counts.
        assert await repo.edit_reply(round_.id, "m1", "both", ("p", "q"), 1.0, after,
                                     sent_at=REVEAL_AT - timedelta(minutes=1))
        assert await repo.user_stats(CHANNEL, ALICE.user) == (1, 1, 1.0)
    finally:
        await engine.dispose()


async def test_an_edit_or_deletion_before_the_close_changes_the_score_as_before(database_url: str) -> None:
    engine, repo, round_ = await _posted_round(database_url)
    try:
        await repo.add_replies([draft(round_.id, ALICE, "m1", 0.5, NOW), draft(round_.id, BOB, "m2", 0.5, NOW)])
        assert await repo.edit_reply(round_.id, "m1", "all", ("p", "q"), 1.0, NOW + timedelta(hours=1))
        assert await repo.delete_reply(round_.id, "m2", NOW + timedelta(hours=1))
        [reply] = await repo.replies_for_round(round_.id)
        assert (reply.text, reply.score, reply.late_text) == ("all", 1.0, None)
        assert [s.name for s in await repo.standings(CHANNEL, None)] == ["alice"]
    finally:
        await engine.dispose()


async def test_replies_stored_before_the_migration_stay_on_time(database_url: str) -> None:
    engine = open_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(lambda c: command.upgrade(alembic_config(c), "0007"))
        async with engine.begin() as conn:
            await conn.execute(sa.text(
                "INSERT INTO channels (id, platform, workspace, channel, created_at) "
                "VALUES (1, 'slack', 'T1', 'C1', :now)"), {"now": NOW.replace(tzinfo=None)})
            await conn.execute(sa.text(
                "INSERT INTO rounds (id, channel_id, question_id, cycle, status, created_at, reveal_at) "
                "VALUES (1, 1, 'q1', 0, 'revealed', :now, :now)"), {"now": NOW.replace(tzinfo=None)})
            await conn.execute(sa.text(
                "INSERT INTO replies (id, round_id, platform, workspace, user_id, user_name, text, private, "
                "covered, score, created_at, updated_at) VALUES (1, 1, 'slack', 'T1', 'U1', 'alice', 'x', "
                ":no, 'p', 0.5, :now, :now)"), {"now": NOW.replace(tzinfo=None), "no": False})
        await migrate(engine)
        repo = SqlRepository(session_factory(engine))
        [reply] = await repo.replies_for_round(1)
        assert (reply.late, reply.late_text, reply.late_deleted_at) == (False, None, None)
        assert await repo.user_stats(CHANNEL, ALICE.user) == (1, 1, 0.5)
    finally:
        await engine.dispose()


times = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 1, 1), timezones=st.just(timezone.utc))


@given(reveal_at=times, revealed_at=st.none() | times, arrived=times, sent_at=st.none() | times)
def test_a_platform_time_can_only_make_an_answer_earlier(reveal_at, revealed_at, arrived, sent_at) -> None:  # type: ignore[no-untyped-def]
    status = RoundStatus.OPEN if revealed_at is None else RoundStatus.REVEALED
    round_ = Round(1, CHANNEL, "q1", 0, status, reveal_at, reveal_at, revealed_at=revealed_at)
    closes = reveal_at if revealed_at is None else min(reveal_at, revealed_at)
    if sent_at is not None:
        assert after_close(round_, arrived, sent_at) == (min(arrived, sent_at) > closes)
        assert after_close(round_, arrived, sent_at) <= after_close(round_, arrived)
    else:
        assert after_close(round_, arrived) == (status is RoundStatus.REVEALED or arrived > closes)
