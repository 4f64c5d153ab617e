"""Every channel's job firing in the same minute: one post per channel, planned, claimed
and confirmed a batch at a time instead of a handful of transactions per channel. Runs on
SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import datetime, time, timedelta, timezone

from sqlalchemy import event

from bot.core.models import ChannelRef, MessageRef, Subscription, ThreadRef
from bot.core.schedule import Schedule

MONDAY_0930 = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)
WEEKDAYS = frozenset(range(5))


async def subscribe(bot, count: int) -> list[ChannelRef]:  # type: ignore[no-untyped-def]
    channels = [ChannelRef("console", "local", f"team-{n:03d}") for n in range(count)]
    schedule = Schedule(time(9, 30), "UTC", WEEKDAYS, timedelta(hours=6))
    for channel in channels:
        await bot.core.save_subscription(Subscription(channel, schedule))
    return channels


def count_transactions(bot) -> list[int]:  # type: ignore[no-untyped-def]
    begun = [0]

    @event.listens_for(bot.app.engine.sync_engine, "begin")
    def _begin(_connection) -> None:  # type: ignore[no-untyped-def]
        begun[0] += 1

    return begun


async def test_two_hundred_jobs_firing_together_post_once_each_in_few_transactions(
    make_session, clock, database_url
) -> None:
    bot = await make_session(INTERVIEW_BOT_STORAGE__URL=database_url, INTERVIEW_BOT_CONSOLE__SUBSCRIBE="false")
    channels = await subscribe(bot, 200)
    clock.set(MONDAY_0930)
    begun = count_transactions(bot)
    # Ten jobs fire twice (two schedulers, or a coalesced misfire), in the same batch as
    # their first run and in a later one: still one post each.
    fired = [c for c in channels[:10] for _ in (1, 2)] + channels[10:] + channels[:10]
    outcomes = await asyncio.gather(*(bot.app.scheduler.run_post(c) for c in fired))

    posted = [o for o in outcomes if o.outcome == "posted"]
    assert sorted(o.channel.channel for o in posted) == sorted(c.channel for c in channels)
    first_ids = {o.channel: o.round_id for o in posted}
    again = outcomes[1:20:2] + outcomes[210:]
    assert [(o.outcome, o.round_id) for o in again] == [("already-posted", first_ids[c]) for c in channels[:10] * 2]
    assert bot.out.getvalue().count("Question of the day") == 200
    stored = await bot.core.repo.rounds_for_days([(c, MONDAY_0930.date()) for c in channels])
    assert len(stored) == 200 and all(r.is_open and r.message is not None for r in stored.values())
    # One post per channel used to take seven transactions (1,400 here).
    assert begun[0] <= 40, begun[0]


async def test_a_restart_inside_the_grace_window_makes_every_missed_post_once(
    make_session, clock, database_url
) -> None:
    bot = await make_session(INTERVIEW_BOT_STORAGE__URL=database_url, INTERVIEW_BOT_CONSOLE__SUBSCRIBE="false")
    channels = await subscribe(bot, 120)
    await bot.close()
    clock.set(MONDAY_0930 + timedelta(minutes=20))  # down over 09:30
    await bot.start()
    assert sorted(o.outcome for o in bot.app.started) == ["posted"] * 120
    assert bot.out.getvalue().count("Question of the day") == 120
    await bot.restart()
    assert {o.outcome for o in bot.app.started} == {"already-posted"}
    assert bot.out.getvalue().count("Question of the day") == 120
    # Each channel goes on with its own rotation the next day.
    clock.set(MONDAY_0930 + timedelta(days=1))
    await bot.tick()
    asked = await bot.core.repo.asked_in_cycles(channels)
    assert all(len(questions) == 2 for _, questions in asked.values())


async def test_a_channel_on_a_platform_this_instance_does_not_run_is_left_to_one_that_does(
    make_session, clock
) -> None:
    """A console-only instance on the database of a Discord bot claims nothing of Discord's:
    no post, no reveal, so the instance that runs Discord does both."""
    bot = await make_session(INTERVIEW_BOT_CONSOLE__SUBSCRIBE="false")
    discord = ChannelRef("discord", "1001", "2002")
    await bot.core.save_subscription(Subscription(discord, Schedule(time(9, 30), "UTC", WEEKDAYS, timedelta(hours=1))))
    claimed = await bot.core.repo.claim_round(discord, "overfitting", 0, None, clock.now(), clock.now())
    await bot.core.repo.mark_posted(claimed.id, MessageRef(discord, "3003"), ThreadRef(discord, "3003"))
    clock.set(MONDAY_0930 + timedelta(hours=2))

    assert [(o.channel, o.outcome) for o in await bot.app.scheduler.catch_up()] == [(discord, "elsewhere")]
    assert await bot.core.repo.round_for_day(discord, MONDAY_0930.date()) is None
    assert await bot.app.scheduler.reveal_overdue() == []
    assert await bot.core.reveal_round(claimed.id) is False
    assert (await bot.core.repo.get_round(claimed.id)).is_open
    # Nothing was claimed on the way: the Discord instance reveals it now.
    assert await bot.core.repo.claim_reveal(claimed.id, clock.now(), timedelta(minutes=10)) is not None
    # Nor is a Discord post whose claim ran out taken over here.
    stale = await bot.core.repo.claim_round(discord, "evaluation", 0, None, clock.now(), clock.now(),
                                            lease=timedelta(minutes=1))
    clock.advance(timedelta(minutes=2))
    assert await bot.core.recovery.recover_posts() == []
    assert await bot.core.repo.take_over_post(stale.id, clock.now(), timedelta(minutes=10)) is not None
