"""Start-up catch-up on Slack: one channel the bot can no longer post in (removed from it)
is logged and given up for now; the other channels get their posts and the start goes on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.models import ChannelRef, Subscription

MONDAY_0930 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


async def test_a_channel_the_bot_was_removed_from_does_not_stop_the_others(make_slack_bot, clock) -> None:
    bot = await make_slack_bot()
    schedule = bot.app.settings.schedule.to_schedule()
    gone = ChannelRef("slack", bot.team, "C0GONE")  # unknown to Slack: channel_not_found
    others = [ChannelRef("slack", bot.team, f"C0OK{n}") for n in range(3)]
    for channel in others:
        bot.fake.add_channel(channel.channel)
    for channel in [*others, gone]:
        await bot.core.save_subscription(Subscription(channel, schedule))
    clock.set(MONDAY_0930 + timedelta(minutes=10))

    outcomes = {o.channel: o.outcome for o in await bot.app.scheduler.catch_up()}

    assert outcomes[gone] == "failed"
    assert [outcomes[c] for c in others] == ["posted"] * 3
    assert all(len(bot.fake.with_metadata(c.channel, "interview_round")) == 1 for c in others)
    # The claim was given up, so the post is made once the bot is back in the channel.
    assert await bot.core.repo.round_for_day(gone, MONDAY_0930.date()) is None
    bot.fake.add_channel(gone.channel)
    assert (await bot.app.scheduler.run_post(gone)).outcome == "posted"
    assert len(bot.fake.with_metadata(gone.channel, "interview_round")) == 1
