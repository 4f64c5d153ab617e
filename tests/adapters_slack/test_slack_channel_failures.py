"""One channel's failure is that channel's problem, on Slack: a channel the bot was removed
from does not stop a start, is backed off, and after repeated permanent errors has its
schedule paused, its open rounds closed and its admins told; `schedule resume` starts it
again. Time comes from the fake clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.channel_health import BACKOFF, PAUSE_AFTER
from bot.core.models import ChannelRef, RoundStatus, Subscription

MONDAY_0930 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
ADMIN_ENV = {"INTERVIEW_BOT_BOT__ADMINS": "slack:U0BOSS"}


async def test_a_start_goes_on_past_a_reveal_that_fails_and_the_channel_is_paused_after_repeated_errors(
    make_slack_bot, clock
) -> None:
    bot = await make_slack_bot(**ADMIN_ENV)
    gone = ChannelRef("slack", bot.team, "C0GONE")
    bot.fake.add_channel(gone.channel)
    await bot.core.save_subscription(Subscription(gone, bot.app.settings.schedule.to_schedule()))
    doomed = await bot.core.start_round(gone)
    kept = await bot.post_round()
    await bot.adapter.stop()
    await bot.app.close()

    # While the bot is down, it is removed from one channel; both reveals fall due.
    bot.fake.remove_channel(gone.channel, "not_in_channel")
    clock.advance(timedelta(hours=7))
    bot = await make_slack_bot(**ADMIN_ENV)  # starting must not raise

    assert (await bot.core.repo.get_round(kept.id)).status is RoundStatus.REVEALED
    assert (await bot.core.repo.get_round(doomed.id)).status is RoundStatus.OPEN  # given up for now
    assert await bot.core.repo.channels_held_off(clock.now()) == {gone}
    tries = len(bot.fake.calls_to("chat.postMessage"))
    await bot.app.scheduler.sweep()  # backing off: not tried again yet
    assert len(bot.fake.calls_to("chat.postMessage")) == tries

    for failure in range(2, PAUSE_AFTER + 1):
        clock.advance(BACKOFF[failure - 2] + timedelta(seconds=1))
        await bot.app.scheduler.sweep()
        assert len(bot.fake.calls_to("chat.postMessage")) > tries, f"failure {failure} was not tried"
        tries = len(bot.fake.calls_to("chat.postMessage"))

    subscription = await bot.core.repo.get_subscription(gone)
    assert subscription.paused and subscription.paused_reason == "not_in_channel"
    assert (await bot.core.repo.get_round(doomed.id)).status is RoundStatus.SKIPPED
    assert f"post:{gone.key}" not in {job.id for job in bot.app.scheduler.scheduler.get_jobs()}
    # The configured admin got a direct message saying what happened and what to do.
    [dm] = [c for c in bot.fake.calls_to("chat.postMessage") if c["channel"].startswith("D")]
    assert "not_in_channel" in str(dm.args) and "schedule resume" in str(dm.args)
    clock.advance(timedelta(hours=1))
    await bot.app.scheduler.sweep()
    assert len(bot.fake.calls_to("chat.postMessage")) == tries  # paused: nothing more tried

    # Back in the channel, an admin resumes it: it gets its posts again.
    bot.fake.restore_channel(gone.channel)
    await bot.command("schedule show", user=bot.ADMIN, channel=gone.channel)
    assert "the bot cannot post here, not_in_channel" in bot.fake.calls_to("response_url:cmd")[-1]["text"]
    await bot.command("schedule resume", user=bot.ADMIN, channel=gone.channel)
    assert not (await bot.core.repo.get_subscription(gone)).paused
    assert await bot.core.repo.channels_held_off(clock.now()) == set()
    again = await bot.core.start_round(gone)
    assert again is not None and again.is_open


async def test_a_scheduled_post_in_a_removed_channel_is_retried_by_the_sweep_once_it_can_post(
    make_slack_bot, clock
) -> None:
    bot = await make_slack_bot()
    gone = ChannelRef("slack", bot.team, "C0LATER")
    bot.fake.add_channel(gone.channel)
    await bot.core.save_subscription(Subscription(gone, bot.app.settings.schedule.to_schedule()))
    bot.fake.remove_channel(gone.channel, "is_archived")
    clock.set(MONDAY_0930 + timedelta(seconds=5))
    await bot.app.scheduler.sweep()  # due: tried, fails, held off
    assert await bot.core.repo.round_for_day(gone, MONDAY_0930.date()) is None
    bot.fake.restore_channel(gone.channel)  # unarchived
    clock.advance(BACKOFF[0] + timedelta(seconds=1))
    await bot.app.scheduler.sweep()
    round_ = await bot.core.repo.round_for_day(gone, MONDAY_0930.date())
    assert round_ is not None and round_.is_open
    assert len(bot.fake.with_metadata(gone.channel, "interview_round")) == 1


async def test_a_reveal_whose_summary_fails_after_the_answer_went_out_is_not_posted_twice(
    make_slack_bot, clock
) -> None:
    import asyncio

    bot = await make_slack_bot()
    round_ = await bot.post_round()
    clock.advance(timedelta(hours=7))
    gate = bot.fake.hold_after("chat.postMessage")
    revealing = asyncio.ensure_future(bot.app.scheduler.reveal_due())
    await bot.fake.wait_until(lambda: bot.fake.held >= 1, timeout=5, what="the answer posted")
    bot.fake.remove_channel(bot.CHANNEL, "not_in_channel")  # then the bot loses the channel
    gate.set()
    await revealing
    assert (await bot.core.repo.get_round(round_.id)).status is RoundStatus.REVEALED
    bot.fake.restore_channel(bot.CHANNEL)
    clock.advance(timedelta(hours=1))
    await bot.app.scheduler.sweep()
    assert len(bot.fake.with_metadata(bot.CHANNEL, "interview_reveal")) == 1


async def test_several_rounds_failing_in_one_sweep_count_once_against_their_channel(make_slack_bot, clock) -> None:
    bot = await make_slack_bot()
    await bot.core.save_subscription(Subscription(bot.channel, bot.app.settings.schedule.to_schedule()))
    rounds = [await bot.post_round() for _ in range(3)]
    bot.fake.remove_channel(bot.CHANNEL, "is_archived")
    clock.advance(timedelta(hours=7))
    await bot.app.scheduler.sweep()
    assert not (await bot.core.repo.get_subscription(bot.channel)).paused
    assert [(await bot.core.repo.get_round(r.id)).status for r in rounds] == [RoundStatus.OPEN] * 3
    assert await bot.core.repo.channels_held_off(clock.now()) == {bot.channel}
