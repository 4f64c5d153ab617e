"""Pacing and retries: a fan-out to 300 channels stays under the configured request rate at
the server, a message create whose answer was lost is retried without a duplicate, a global
429 holds the request for its retry_after, and discord.py's per-route buckets are swept at
constant cost per new bucket."""

from __future__ import annotations

import asyncio
from bisect import bisect_left
from itertools import pairwise

import pytest

from bot.adapters.discord.transport import RebasedHTTPClient, RequestPacer
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


async def test_a_global_rate_limit_holds_the_request_for_its_retry_after_and_posts_once(bot: DiscordBot) -> None:
    # Two requests a second, one at a time: the thread start right after the post is refused.
    bot.fake.limit_rate(2.0, burst=1.0)

    round_ = await bot.post_round()

    starts = bot.fake.rest("POST", r"/channels/\d+/messages/\d+/threads")
    assert bot.fake.rate_limited == 1 and len(starts) == 2
    assert starts[1].at - starts[0].at >= 0.4  # discord.py waited the global retry_after
    assert len(bot.fake.channel_messages(bot.channel_id)) == 1
    [thread] = bot.fake.threads()
    assert round_.thread is not None and round_.thread.thread_id == thread["id"]


async def test_idle_rate_limit_buckets_are_still_dropped_in_sweeps_at_doubling_counts() -> None:
    http = RebasedHTTPClient(asyncio.get_running_loop(), api_base_url="http://127.0.0.1:9/api/v10")

    def idle_for_five_minutes() -> None:
        for bucket in http._buckets.values():
            bucket._last_request -= 301

    for n in range(255):
        http.get_ratelimit(f"route:{n}")
    idle_for_five_minutes()
    http.get_ratelimit("route:255")  # the 256th bucket sweeps, as in discord.py
    assert list(http._buckets) == ["route:255"]

    for n in range(256, 511):
        http.get_ratelimit(f"route:{n}")  # 256 buckets, all active: a sweep that drops none
    assert len(http._buckets) == 256
    idle_for_five_minutes()
    for n in range(511, 766):
        http.get_ratelimit(f"route:{n}")
    assert len(http._buckets) == 511  # no sweep before the count doubles...
    http.get_ratelimit("route:766")
    assert len(http._buckets) == 256  # ...then the idle ones go
