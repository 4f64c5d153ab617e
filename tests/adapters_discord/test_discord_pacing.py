"""Pacing and retries: a fan-out to 300 channels stays under the configured request rate at
the server, and a message create whose answer was lost is retried without a duplicate."""

from __future__ import annotations

import asyncio
from bisect import bisect_left
from itertools import pairwise

import pytest

from bot.adapters.discord.transport import RequestPacer
from bot.core.messages import Button, Message, MessageKind
from bot.core.models import ChannelRef, ThreadRef
from tests.adapters_discord.conftest import DiscordBot
from tests.fakes.discord_server import FakeDiscord

POSTS = r"/channels/\d+/messages"
FAN_OUT = 300
RATE = 100
QUESTION = Message(text="**How do you handle overfitting?**", title="Question of the day", kind=MessageKind.QUESTION,
                   buttons=(Button("answer_privately", "Answer privately", "1", "primary"),))


def busiest_second(times: list[float]) -> int:
    """The most requests that arrived within any one-second window [t, t + 1)."""
    times = sorted(times)
    return max((bisect_left(times, t + 1.0) - i for i, t in enumerate(times)), default=0)


async def test_a_fan_out_to_300_channels_never_exceeds_the_configured_rate(make_bot) -> None:  # type: ignore[no-untyped-def]
    fake: FakeDiscord = (await make_bot(start=False)).fake
    guild_id = next(iter(fake.guilds))
    for index in range(FAN_OUT - 1):
        fake.add_channel(guild_id, f"study-{index}")
    bot: DiscordBot = await make_bot(INTERVIEW_BOT_DISCORD__REQUESTS_PER_SECOND=str(RATE))
    platform = bot.adapter
    assert platform is not None
    first = len(fake.requests)

    async def daily_post(channel: ChannelRef) -> ThreadRef:
        # What the core asks of the platform for each round: the post, then its thread.
        # The ledger is left out (SQLite takes one writer at a time): this measures requests.
        posted = await platform.post_message(channel, QUESTION)
        return await platform.open_thread(posted, "Answers: overfitting")

    # Every channel's 09:30 post falls due at once, as when hundreds of servers share a time.
    threads = await asyncio.gather(*(daily_post(bot.channel(cid)) for cid in fake.channel_ids(guild_id)))

    assert len({t.thread_id for t in threads}) == FAN_OUT
    assert len(fake.rest("POST", POSTS)) == FAN_OUT and len(fake.threads()) == FAN_OUT
    fan_out = [r.at for r in fake.requests[first:]]
    assert len(fan_out) == 2 * FAN_OUT
    assert busiest_second(fan_out) <= RATE


async def test_a_create_whose_answer_was_lost_is_retried_with_the_same_nonce_and_posts_once(
    bot: DiscordBot,
) -> None:
    bot.fake.lose_response_next("POST", POSTS)

    round_ = await bot.post_round()

    first, retry = bot.fake.rest("POST", POSTS)
    assert first.body["nonce"] == retry.body["nonce"] and retry.body["enforce_nonce"] is True
    [post] = bot.fake.channel_messages(bot.channel_id)
    assert round_.message.message_id == post["id"]
    assert len(bot.fake.threads()) == 1


async def test_a_rate_limited_create_waits_and_posts_once(bot: DiscordBot) -> None:
    bot.fake.rate_limit_next("POST", POSTS, retry_after=0.3)

    await bot.post_round()

    first, retry = bot.fake.rest("POST", POSTS)
    assert retry.at - first.at >= 0.3
    assert len(bot.fake.channel_messages(bot.channel_id)) == 1


async def test_the_pacer_keeps_its_pace_and_its_cap_when_wake_ups_are_late() -> None:
    now = [100.0]

    async def late_sleep(seconds: float) -> None:
        now[0] += seconds + 0.03  # every wake-up is 30 ms late, as on a busy event loop

    pacer = RequestPacer(10.0, monotonic=lambda: now[0], sleep=late_sleep)
    assert pacer.interval == pytest.approx(0.11)  # 10 per second with a 10% margin

    departures = []
    for _ in range(40):
        await pacer.wait()
        departures.append(now[0])

    gaps = [b - a for a, b in pairwise(departures)]
    assert min(gaps) >= 0.11 - 1e-9
    # Late wake-ups do not slow the pace down: 40 requests take 39 intervals (+ one delay)...
    assert departures[-1] - departures[0] == pytest.approx(39 * 0.11 + 0.03)
    # ...and never more than 10 leave within the cap's window.
    assert all(sum(1 for t in departures if start <= t < start + 1.05) <= 10 for start in departures)

    now[0] += 60.0  # idle for a minute: no burst is saved up
    await pacer.wait()
    start = now[0]
    await pacer.wait()
    assert now[0] - start >= 0.11 - 1e-9  # a full interval after the first


async def test_the_pacer_cap_holds_when_the_loop_stalls() -> None:
    now = [0.0]

    async def stalled_sleep(seconds: float) -> None:
        now[0] += max(seconds, 0.5)  # nothing wakes for half a second

    pacer = RequestPacer(10.0, monotonic=lambda: now[0], sleep=stalled_sleep)
    departures = []
    for _ in range(30):
        await pacer.wait()
        departures.append(now[0])

    assert all(sum(1 for t in departures if start <= t < start + 1.05) <= 10 for start in departures)


async def test_a_thread_start_whose_answer_was_lost_is_retried_and_finds_the_thread(bot: DiscordBot) -> None:
    starts = r"/channels/\d+/messages/\d+/threads"
    bot.fake.lose_response_next("POST", starts)

    round_ = await bot.post_round()

    assert len(bot.fake.rest("POST", starts)) == 2  # the retry was told the thread exists
    [thread] = bot.fake.threads()
    assert round_.thread.thread_id == thread["id"] == round_.message.message_id
