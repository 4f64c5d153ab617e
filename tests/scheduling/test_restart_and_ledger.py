"""Restarts and repeats: a missed post inside and outside the grace window, a reveal due
during downtime, a post job run twice. Each runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta, timezone

UTC = timezone.utc
MONDAY_0930 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


async def test_missed_post_inside_grace_is_made_on_start(make_session, clock, database_url) -> None:
    bot = await make_session(INTERVIEW_BOT_STORAGE__URL=database_url)
    await bot.close()  # down over 09:30
    clock.set(MONDAY_0930 + timedelta(minutes=90))
    await bot.start()
    assert [o.outcome for o in bot.app.started] == ["posted"]
    round_ = await bot.core.repo.round_for_day(bot.app.console.channel, MONDAY_0930.date())
    assert round_ is not None and round_.is_open
    assert "Question of the day" in bot.out.getvalue()
    # A third start on the same day posts nothing more.
    again = await bot.restart()
    assert [o.outcome for o in bot.app.started] == ["already-posted"]
    assert "Question of the day" not in again


async def test_missed_post_outside_grace_is_skipped_and_logged(
    make_session, clock, database_url, caplog
) -> None:
    bot = await make_session(INTERVIEW_BOT_STORAGE__URL=database_url)
    await bot.close()
    clock.set(MONDAY_0930 + timedelta(hours=2, minutes=1))
    with caplog.at_level(logging.WARNING, logger="bot.scheduling.scheduler"):
        started = await bot.start()
    assert [o.outcome for o in bot.app.started] == ["missed"]
    assert "Question of the day" not in started
    assert await bot.core.repo.round_for_day(bot.app.console.channel, MONDAY_0930.date()) is None
    assert any("skipping the 2026-03-02 post" in r.getMessage() for r in caplog.records)
    # The next scheduled day posts as usual.
    clock.set(MONDAY_0930 + timedelta(days=1))
    assert "Question of the day" in await bot.tick()


async def test_reveal_due_during_downtime_is_made_once_after_restart(make_session, clock, database_url) -> None:
    bot = await make_session(INTERVIEW_BOT_STORAGE__URL=database_url)
    clock.set(MONDAY_0930)
    assert "Question of the day" in await bot.tick()
    await bot.say("早停 and dropout")
    await bot.close()

    clock.advance(timedelta(hours=7))  # the 6h reveal fell due while down
    after_restart = await bot.start()
    assert after_restart.count("Reference answer") == 1
    assert "you: " in after_restart

    assert "Reference answer" not in await bot.restart()
    assert "Reference answer" not in await bot.tick()


async def test_reveal_not_yet_due_waits_for_its_time(make_session, clock, database_url) -> None:
    bot = await make_session(INTERVIEW_BOT_STORAGE__URL=database_url)
    clock.set(MONDAY_0930)
    await bot.tick()
    clock.advance(timedelta(hours=5, minutes=59))
    assert "Reference answer" not in await bot.restart()
    job = bot.app.scheduler.scheduler.get_job("reveal:1")
    assert job is not None and job.trigger.run_date == MONDAY_0930 + timedelta(hours=6)
    clock.advance(timedelta(minutes=1))
    assert "Reference answer" in await bot.tick()


async def test_post_job_run_twice_for_the_same_day_posts_once(make_session, clock, database_url) -> None:
    bot = await make_session(INTERVIEW_BOT_STORAGE__URL=database_url)
    clock.set(MONDAY_0930)
    channel = bot.app.console.channel
    first = await bot.app.scheduler.run_post(channel)
    second = await bot.app.scheduler.run_post(channel)
    assert (first.outcome, second.outcome) == ("posted", "already-posted")
    assert first.round_id == second.round_id
    assert bot.out.getvalue().count("Question of the day") == 1


async def test_two_instances_racing_for_the_same_post_post_once(make_session, clock, database_url) -> None:
    one = await make_session(INTERVIEW_BOT_STORAGE__URL=database_url)
    two = await make_session(INTERVIEW_BOT_STORAGE__URL=database_url)
    clock.set(MONDAY_0930)
    channel = one.app.console.channel
    # Both pass the "already posted?" look-up before either claims: only the ledger's
    # unique (channel, day) key can stop the second post.
    results = await asyncio.gather(
        one.core.start_round(channel, scheduled_day=MONDAY_0930.date()),
        two.core.start_round(channel, scheduled_day=MONDAY_0930.date()),
    )
    assert sum(r is not None for r in results) == 1
    total = one.out.getvalue().count("Question of the day") + two.out.getvalue().count("Question of the day")
    assert total == 1


async def test_reveal_claimed_by_a_crashed_instance_is_taken_over_after_the_lease(
    make_session, clock, database_url
) -> None:
    bot = await make_session(INTERVIEW_BOT_STORAGE__URL=database_url)
    await bot.say("/interview question")
    # Another instance claimed the reveal and died before posting it.
    assert await bot.core.repo.claim_reveal(1, clock.now(), timedelta(minutes=10)) is not None
    assert await bot.core.reveal_round(1) is False
    clock.advance(timedelta(minutes=11))
    assert await bot.core.reveal_round(1) is True
    assert await bot.core.reveal_round(1) is False
    assert bot.out.getvalue().count("Reference answer") == 1


async def test_a_claim_whose_post_never_happened_is_neither_answered_nor_revealed(
    make_session, clock, database_url
) -> None:
    bot = await make_session(INTERVIEW_BOT_STORAGE__URL=database_url)
    channel = bot.app.console.channel
    # A crash between claiming the day and the platform's answer leaves a POSTING round.
    await bot.core.repo.claim_round(channel, "overfitting", 0, MONDAY_0930.date(), clock.now(),
                                    clock.now() + timedelta(hours=6))
    clock.advance(timedelta(hours=7))
    assert "Reference answer" not in await bot.restart()
    assert "no open question" in await bot.say("/interview answer 早停")
    assert await bot.core.repo.open_rounds() == []


async def test_a_post_claimed_by_an_instance_that_died_is_made_once_after_its_lease(
    make_session, clock, database_url
) -> None:
    bot = await make_session(INTERVIEW_BOT_STORAGE__URL=database_url)
    channel = bot.app.console.channel
    clock.set(MONDAY_0930)
    # An instance claimed today's post and died before the platform answered.
    claimed = await bot.core.repo.claim_round(channel, "overfitting", 0, MONDAY_0930.date(), clock.now(),
                                              clock.now() + timedelta(hours=6), lease=timedelta(minutes=2))
    clock.advance(timedelta(minutes=1))
    assert "Question of the day" not in await bot.restart()  # its lease still runs: hands off
    assert (await bot.core.repo.get_round(claimed.id)).status.value == "posting"
    clock.advance(timedelta(minutes=2))
    recovered = await bot.restart()
    assert recovered.count("Question of the day") == 1 and "如何处理过拟合？" in recovered
    round_ = await bot.core.repo.get_round(claimed.id)
    assert round_.is_open and round_.message is not None and round_.thread is not None
    assert "Question of the day" not in await bot.tick()
    assert "Question of the day" not in await bot.restart()


async def test_forty_channels_posting_at_the_same_minute_on_one_sqlite_file(make_session, clock) -> None:
    """The whole post path (rotation, claim, post, confirm) for many channels at once on
    SQLite: none fails with "database is locked", each channel gets its one post."""
    bot = await make_session(INTERVIEW_BOT_CONSOLE__SUBSCRIBE="false")
    from bot.core.models import ChannelRef

    channels = [ChannelRef("console", "local", f"c{i}") for i in range(40)]
    day = MONDAY_0930.date()
    results = await asyncio.gather(*(bot.core.start_round(c, scheduled_day=day) for c in channels for _ in range(2)))
    assert sum(r is not None for r in results) == 40
    assert {r.channel for r in results if r is not None} == set(channels)
    assert all(r.is_open for r in results if r is not None)
