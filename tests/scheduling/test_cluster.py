"""Instances as one cluster, in one process with a fake clock: a schedule saved through one
instance is learned by another's sweep; when an instance dies (it just stops: no goodbye),
another carries on its reveals, its posts still in the grace window, its post claims once
their lease runs out, and its study sessions. Each runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest

from bot.core.leases import ClaimLost
from bot.core.models import RoundStatus
from bot.core.service import ClaimedRound, RoundRequest

UTC = timezone.utc
MONDAY_0800 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
QUESTION = "Question of the day"
REVEAL = "Reference answer"
POSTED = "[ Reveal now ]"  # under every question the bot posts


async def two_instances(make_session, clock, database_url):  # type: ignore[no-untyped-def]
    """Two instances on one database, started at 08:00 on a Monday."""
    clock.set(MONDAY_0800)
    first = await make_session(INTERVIEW_BOT_STORAGE__URL=database_url)
    second = await make_session(INTERVIEW_BOT_STORAGE__URL=database_url)
    return first, second


async def one_claims_a_post(make_session, clock, database_url):  # type: ignore[no-untyped-def]
    """Two instances at 08:00; the first has claimed a post and not made it yet."""
    one, two = await two_instances(make_session, clock, database_url)
    [claimed] = await one.core.claim_rounds([RoundRequest(one.app.console.channel, None)])
    assert claimed is not None
    return one, two, claimed


def trigger_of(session, channel) -> str:  # type: ignore[no-untyped-def]
    return str(session.app.scheduler.scheduler.get_job(f"post:{channel.key}").trigger)


async def test_a_schedule_saved_through_one_instance_is_posted_by_another_after_the_first_dies(
    make_session, clock, database_url
) -> None:
    one, two = await two_instances(make_session, clock, database_url)
    channel = one.app.console.channel
    assert "hour='9', minute='30'" in trigger_of(two, channel)

    assert "08:10" in await one.say("/interview schedule set 08:10 UTC daily")
    assert "hour='9', minute='30'" in trigger_of(two, channel)  # not yet heard of
    await two.app.scheduler.sweep()
    assert "hour='8', minute='10'" in trigger_of(two, channel)

    await one.close()  # dies: its job for 08:10 never fires
    clock.set(MONDAY_0800 + timedelta(minutes=10, seconds=20))  # the next sweep after 08:10
    swept = await two.tick_sweep()
    assert swept.count(QUESTION) == 1
    assert QUESTION not in one.out.getvalue()
    assert QUESTION not in await two.tick_sweep()  # settled: no second post, no second look


async def test_a_dead_instances_reveal_is_made_by_another_within_a_sweep(make_session, clock, database_url) -> None:
    one, two = await two_instances(make_session, clock, database_url)
    await one.say("/interview question")  # two started before: it has no job for this reveal
    await one.close()
    clock.advance(timedelta(hours=6, seconds=20))
    assert (await two.tick_sweep()).count(REVEAL) == 1
    assert REVEAL not in await two.tick_sweep()
    assert (await two.core.repo.get_round(1)).status is RoundStatus.REVEALED


async def test_a_post_claim_is_kept_while_renewed_and_taken_over_once_its_owner_stops(
    make_session, clock, database_url
) -> None:
    # One claims a post and is slow to make it (a fan-out queued behind a rate limit).
    one, two, claimed = await one_claims_a_post(make_session, clock, database_url)
    for _ in range(4):  # four lease-thirds: longer than a lease in all
        clock.advance(one.core.leases.renew_every)
        assert await one.core.leases.renew() == 1
        assert POSTED not in await two.tick_sweep()
    assert (await two.core.repo.get_round(claimed.round.id)).status is RoundStatus.POSTING

    # One dies: nobody renews. Within a lease and a sweep, two posts it, once.
    clock.advance(one.core.leases.lease + timedelta(seconds=1))
    assert (await two.tick_sweep()).count(POSTED) == 1
    assert (await two.core.repo.get_round(claimed.round.id)).status is RoundStatus.OPEN
    assert POSTED not in await two.tick_sweep()


async def test_a_study_session_left_by_a_dead_instance_goes_on_on_another(make_session, clock, database_url) -> None:
    one, two = await two_instances(make_session, clock, database_url)
    await one.say("/interview study start count=2 answer_minutes=3")
    await one.close()
    clock.advance(timedelta(minutes=3, seconds=20))
    swept = await two.tick_sweep()
    assert swept.count(REVEAL) == 1 and "Question 2 of 2" in swept
    clock.advance(timedelta(minutes=3, seconds=20))
    swept = await two.tick_sweep()
    assert swept.count(REVEAL) == 1 and "Scoreboard" in swept
    assert (await two.core.repo.get_study(1)).status.value == "finished"


async def test_two_instances_moving_a_study_session_on_at_once_post_one_question(
    make_session, clock, database_url
) -> None:
    one, two = await two_instances(make_session, clock, database_url)
    await one.say("/interview study start count=3 answer_minutes=3")
    [first] = await one.core.repo.study_rounds(1)
    await one.core.repo.finish_reveals([first.id], clock.now())  # revealed; the next not yet posted
    posted = await asyncio.gather(one.core.study.post_next(1), two.core.study.post_next(1))
    assert sum(r is not None for r in posted) == 1
    assert len(await one.core.repo.study_rounds(1)) == 2


async def test_instances_started_together_on_a_new_postgresql_database_all_come_up(postgres_url, make_session) -> None:
    sessions = await asyncio.gather(*(make_session(INTERVIEW_BOT_STORAGE__URL=postgres_url) for _ in range(4)))
    assert all(s.app is not None for s in sessions)
    assert len(await sessions[0].core.repo.list_subscriptions()) == 1


async def test_an_instance_that_stalled_past_its_lease_leaves_the_post_to_the_one_that_took_it_over(
    make_session, clock, database_url
) -> None:
    one, two, claimed = await one_claims_a_post(make_session, clock, database_url)
    clock.advance(one.core.leases.lease + timedelta(seconds=1))  # one stalls: no renewal in time
    assert (await two.tick_sweep()).count(POSTED) == 1  # two takes the post over and makes it
    assert await one.core.leases.renew() == 0  # one wakes up: its claim is gone
    with pytest.raises(ClaimLost):
        await one.core.post_claimed(claimed)
    assert POSTED not in one.out.getvalue()


async def test_a_post_that_fails_after_a_sweep_saw_it_in_progress_is_made_by_a_later_sweep(
    make_session, clock, database_url
) -> None:
    one, two = await two_instances(make_session, clock, database_url)
    channel = one.app.console.channel
    await one.say("/interview schedule set 08:00 UTC daily")
    await two.app.scheduler.refresh_schedules()
    # One claims the day's post; while it is queued, two's sweep sees it in progress.
    [plan] = await one.app.scheduler._plan([(channel, await one.core.repo.get_subscription(channel))])
    assert isinstance(plan, ClaimedRound)
    assert [o.outcome for o in await two.app.scheduler.post_due()] == ["in-progress"]
    # One dies before posting; once its lease runs out a sweep makes the post.
    clock.advance(one.core.leases.lease + timedelta(seconds=1))
    assert (await two.tick_sweep()).count(QUESTION) == 1
