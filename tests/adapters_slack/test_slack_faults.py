"""A Slack that fails one request in ten (429 with Retry-After, 500, timeouts before or after
the request took effect): every channel still gets its question, reveal and summary, and
none of them twice."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.core.models import ChannelRef, RoundStatus, Subscription

MONDAY_0930 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
CHANNELS = 40


async def test_with_one_request_in_ten_failing_every_post_and_reveal_happens_once(make_slack_bot, clock) -> None:
    bot = await make_slack_bot(INTERVIEW_BOT_SLACK__REQUEST_TIMEOUT="0.3", INTERVIEW_BOT_SLACK__REQUESTS_PER_SECOND="200")
    fake = bot.fake
    fake.stall = 0.6
    schedule = bot.app.settings.schedule.to_schedule()
    channels = []
    for n in range(CHANNELS):
        fake.add_channel(f"C{n:04d}")
        channels.append(ChannelRef("slack", bot.team, f"C{n:04d}"))
        await bot.core.save_subscription(Subscription(channels[-1], schedule))
    clock.set(MONDAY_0930)
    fake.fail_randomly(0.1, kinds=("429", "500", "timeout"), seed=6)

    # All due at the same minute: the scheduler's jobs fire together.
    outcomes = await asyncio.gather(*(bot.app.scheduler.run_post(c) for c in channels))
    clock.advance(timedelta(hours=6))
    revealed = await asyncio.gather(*(bot.app.scheduler.run_reveal(o.round_id) for o in outcomes))

    assert set(fake.faults) == {"429", "500", "timeout, answer lost", "timeout, request lost"}
    assert [o.outcome for o in outcomes] == ["posted"] * CHANNELS and all(revealed)
    for channel, outcome in zip(channels, outcomes, strict=True):
        [question] = fake.with_metadata(channel.channel, "interview_round")
        [reveal] = fake.with_metadata(channel.channel, "interview_reveal")
        [summary] = fake.with_metadata(channel.channel, "interview_summary")
        round_ = await bot.core.repo.get_round(outcome.round_id)
        assert round_.message.message_id == question["ts"] and round_.status is RoundStatus.REVEALED
        assert reveal["thread_ts"] == summary["thread_ts"] == question["ts"]
        assert len(fake.posted(channel.channel)) == 3
