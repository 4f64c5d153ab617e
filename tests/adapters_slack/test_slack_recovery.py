"""Exactly once at the Slack edge: a round's messages carry its id in message metadata, so a
post whose answer was lost (a timeout, a crash before it was recorded) is found in the
channel or thread instead of being posted a second time."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.models import RoundStatus, Subscription
from bot.core.service import DEFAULT_LEASE as POST_LEASE

MONDAY_0930 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def questions(bot) -> list[dict]:  # type: ignore[no-untyped-def]
    return bot.fake.with_metadata(bot.CHANNEL, "interview_round")


async def subscribe(bot, clock) -> None:  # type: ignore[no-untyped-def]
    await bot.core.save_subscription(Subscription(bot.channel, bot.app.settings.schedule.to_schedule()))
    clock.set(MONDAY_0930)


async def test_a_question_post_carries_its_round_id_in_message_metadata(make_slack_bot) -> None:
    bot = await make_slack_bot()

    round_ = await bot.post_round()

    [call] = bot.fake.calls_to("chat.postMessage")
    assert call["metadata"] == {"event_type": "interview_round", "event_payload": {"round_id": round_.id}}
    found = await bot.adapter.platform.find_round_post(bot.channel, round_.id, round_.created_at)
    assert found is not None
    message, thread = found
    assert message == round_.message and thread == round_.thread
    [lookup] = bot.fake.calls_to("conversations.history")
    assert lookup["include_all_metadata"] in ("1", "true")
    assert float(lookup["oldest"]) <= round_.created_at.timestamp()
    assert await bot.adapter.platform.find_round_post(bot.channel, round_.id + 1, round_.created_at) is None


@pytest.mark.parametrize("processed", [True, False], ids=["answer-lost", "request-lost"])
async def test_a_post_that_timed_out_is_looked_up_and_made_once(make_slack_bot, clock, processed) -> None:
    bot = await make_slack_bot(INTERVIEW_BOT_SLACK__REQUEST_TIMEOUT="0.3")
    bot.fake.stall = 1.0
    await subscribe(bot, clock)
    bot.fake.time_out_next("chat.postMessage", processed=processed)

    outcome = await bot.app.scheduler.run_post(bot.channel)

    assert outcome.outcome == "posted"
    [posted] = questions(bot)
    round_ = await bot.core.repo.get_round(outcome.round_id)
    assert round_.message.message_id == posted["ts"] and round_.status is RoundStatus.OPEN
    assert len(bot.fake.calls_to("conversations.history")) == 1  # looked before sending again
    assert len(bot.fake.calls_to("chat.postMessage")) == (1 if processed else 2)


async def test_a_reveal_that_timed_out_after_it_was_made_is_not_made_again(make_slack_bot, clock) -> None:
    bot = await make_slack_bot(INTERVIEW_BOT_SLACK__REQUEST_TIMEOUT="0.3")
    bot.fake.stall = 1.0
    await subscribe(bot, clock)
    posted = await bot.app.scheduler.run_post(bot.channel)
    bot.fake.time_out_next("chat.postMessage", processed=True)

    assert await bot.core.reveal_round(posted.round_id)

    assert len(bot.fake.with_metadata(bot.CHANNEL, "interview_reveal")) == 1
    assert len(bot.fake.with_metadata(bot.CHANNEL, "interview_summary")) == 1
    [lookup] = bot.fake.calls_to("conversations.replies")
    round_ = await bot.core.repo.get_round(posted.round_id)
    assert lookup["ts"] == round_.thread.thread_id


async def test_a_post_made_just_before_a_crash_is_confirmed_on_restart_not_posted_again(
    make_slack_bot, clock
) -> None:
    first = await make_slack_bot()
    await subscribe(first, clock)
    answer = first.fake.hold_after("chat.postMessage")
    posting = asyncio.ensure_future(first.app.scheduler.run_post(first.channel))
    await first.fake.wait_until(lambda: first.fake.held == 1, what="the post reached Slack")
    # The instance dies here: Slack has the post, the ledger only the claim.
    posting.cancel()
    await asyncio.gather(posting, return_exceptions=True)
    await first.adapter.stop()
    await first.app.close()
    answer.set()
    [claimed] = await first.core.repo.stale_posts(clock.now() + timedelta(days=1))
    assert claimed.status is RoundStatus.POSTING

    clock.advance(POST_LEASE + timedelta(minutes=1))  # past the claim's lease
    second = await make_slack_bot()  # starting recovers posts, then catches up

    [posted] = questions(second)
    round_ = await second.core.repo.get_round(claimed.id)
    assert round_.status is RoundStatus.OPEN and round_.message.message_id == posted["ts"]
    assert len(second.fake.calls_to("chat.postMessage")) == 1
    assert (await second.app.scheduler.run_post(second.channel)).outcome == "already-posted"
