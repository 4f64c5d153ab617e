"""The rate-aware fan-out: the token bucket's arithmetic (on a hand-driven clock), and the
Slack dispatcher against a rate-limited fake: no 429 at the configured rate, a 429 pausing
every queued post for its Retry-After, bounded concurrency, and answers to a person first."""

from __future__ import annotations

import asyncio

import pytest

from bot.adapters.pacing import TokenBucket
from bot.core.messages import Message
from bot.core.models import ChannelRef, UserRef


class HandClock:
    """A monotonic clock moved by hand; its sleep moves it and lets other tasks run."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds
        await asyncio.sleep(0)


def test_a_bucket_grants_its_burst_at_once_then_one_per_interval() -> None:
    clock = HandClock()
    bucket = TokenBucket(10, burst=3, monotonic=clock)

    assert [bucket.wait_time() for _ in range(2)] == [0, 0]  # asking changes nothing
    for _ in range(3):
        bucket.take()
    assert bucket.wait_time() == pytest.approx(0.1)
    clock.now += 0.1
    bucket.take()
    assert bucket.wait_time() == pytest.approx(0.1)
    clock.now += 10  # idle: the burst is back, and no more than the burst
    for _ in range(3):
        assert bucket.wait_time() == 0
        bucket.take()
    assert bucket.wait_time() == pytest.approx(0.1)


def test_hold_grants_nothing_until_retry_after_and_then_no_burst() -> None:
    clock = HandClock()
    bucket = TokenBucket(10, burst=5, monotonic=clock)

    bucket.hold(2.0)
    assert bucket.wait_time() == pytest.approx(2.0)
    bucket.hold(0.5)  # a shorter pause never shortens a longer one
    assert bucket.wait_time() == pytest.approx(2.0)
    clock.now += 2.0
    bucket.take()
    assert bucket.wait_time() == pytest.approx(0.1)


async def test_waiters_are_served_in_turn_at_the_rate() -> None:
    clock = HandClock()
    bucket = TokenBucket(4, monotonic=clock, sleep=clock.sleep)
    served: list[tuple[int, float]] = []

    async def ask(n: int) -> None:
        await bucket.acquire()
        served.append((n, clock.now))

    await asyncio.gather(*(ask(n) for n in range(4)))

    assert served == [(0, 100.0), (1, 100.25), (2, 100.5), (3, 100.75)]
    assert bucket.waiting == 0
    with pytest.raises(ValueError):
        TokenBucket(0)


async def test_a_hold_delays_the_waiters_already_queued_in_their_order() -> None:
    clock = HandClock()
    bucket = TokenBucket(10, monotonic=clock, sleep=clock.sleep)
    served: list[tuple[int, float]] = []

    async def ask(n: int) -> None:
        await bucket.acquire()
        served.append((n, round(clock.now, 6)))
        if n == 0:
            bucket.hold(3.0)  # the first request came back 429, Retry-After: 3

    await asyncio.gather(*(ask(n) for n in range(3)))

    assert served == [(0, 100.0), (1, 103.0), (2, 103.1)]


async def test_a_cancelled_waiter_leaves_its_turn_to_the_next() -> None:
    clock = HandClock()
    bucket = TokenBucket(1, monotonic=clock, sleep=clock.sleep)
    bucket.take()
    first = asyncio.ensure_future(bucket.acquire())
    second = asyncio.ensure_future(bucket.acquire())
    await asyncio.sleep(0)
    first.cancel()

    await second
    assert bucket.waiting == 0
    assert bucket.wait_time() == pytest.approx(1.0)  # one grant taken, not two


def test_taking_ahead_of_the_queue_pushes_later_grants_back() -> None:
    clock = HandClock()
    bucket = TokenBucket(10, monotonic=clock)
    bucket.take()

    bucket.take()  # an answer to a person, not waiting its turn

    assert bucket.wait_time() == pytest.approx(0.2)


def channels(bot, count: int) -> list[ChannelRef]:  # type: ignore[no-untyped-def]
    refs = []
    for n in range(count):
        bot.fake.add_channel(f"C{n:04d}")
        refs.append(ChannelRef("slack", bot.team, f"C{n:04d}"))
    return refs


async def test_a_fan_out_at_the_configured_rate_earns_no_429_and_takes_the_time_the_rate_sets(
    make_slack_bot,
) -> None:
    bot = await make_slack_bot(INTERVIEW_BOT_SLACK__REQUESTS_PER_SECOND="100")
    bot.fake.limit_rate(100, burst=5)
    targets = channels(bot, 60)

    await asyncio.gather(*(bot.adapter.platform.post_message(c, Message(text="hi")) for c in targets))

    calls = bot.fake.calls_to("chat.postMessage")
    assert bot.fake.rate_limited == 0 and len(calls) == 60
    assert all(len(bot.fake.posted(c.channel)) == 1 for c in targets)
    assert calls[-1].at - calls[0].at >= 59 / 100 * 0.95  # paced, not a burst


async def test_a_429_pauses_every_queued_post_until_its_retry_after(make_slack_bot) -> None:
    bot = await make_slack_bot(INTERVIEW_BOT_SLACK__REQUESTS_PER_SECOND="10")
    bot.fake.fail_next("chat.postMessage", status=429, retry_after=1)
    targets = channels(bot, 5)

    await asyncio.gather(*(bot.adapter.platform.post_message(c, Message(text="hi")) for c in targets))

    times = sorted(c.at for c in bot.fake.calls_to("chat.postMessage"))
    assert len(times) == 6  # five posts and the retry of the first
    # The first two went out together (the burst of 2); after the 429 nobody went ahead
    # until Retry-After had passed.
    assert times[2] - times[0] >= 0.95
    assert all(len(bot.fake.posted(c.channel)) == 1 for c in targets)


async def test_posts_refused_with_429_go_again_in_turn_at_the_rate_not_all_at_once(make_slack_bot) -> None:
    bot = await make_slack_bot(INTERVIEW_BOT_SLACK__REQUESTS_PER_SECOND="10")
    bot.fake.fail_next("chat.postMessage", status=429, retry_after=1, times=2)  # the burst of 2
    targets = channels(bot, 5)

    await asyncio.gather(*(bot.adapter.platform.post_message(c, Message(text="hi")) for c in targets))

    times = sorted(c.at for c in bot.fake.calls_to("chat.postMessage"))
    assert len(times) == 7  # five posts and the retries of the first two
    # After Retry-After the two retries queue with the three posts still waiting: one every
    # tenth of a second, where retries sent as soon as their wait ended would go together.
    after = times[2:]
    assert after[0] - times[0] >= 0.95
    assert all(b - a >= 0.09 for a, b in zip(after, after[1:])), after
    assert all(len(bot.fake.posted(c.channel)) == 1 for c in targets)


async def test_no_more_requests_are_in_flight_than_max_concurrency(make_slack_bot) -> None:
    bot = await make_slack_bot(INTERVIEW_BOT_SLACK__MAX_CONCURRENCY="3")
    bot.fake.latency = 0.05
    targets = channels(bot, 12)

    await asyncio.gather(*(bot.adapter.platform.post_message(c, Message(text="hi")) for c in targets))

    assert bot.fake.max_in_flight == 3
    assert len(bot.fake.calls_to("chat.postMessage")) == 12


async def test_an_answer_to_a_person_does_not_queue_behind_a_fan_out(make_slack_bot) -> None:
    bot = await make_slack_bot(INTERVIEW_BOT_SLACK__REQUESTS_PER_SECOND="20")
    platform = bot.adapter.platform
    targets = channels(bot, 20)

    fan_out = asyncio.gather(*(platform.post_message(c, Message(text="hi")) for c in targets))
    await bot.fake.wait_for("chat.postMessage", 2)
    await platform.send_private(bot.channel, UserRef("slack", bot.team, bot.MEMBER), Message(text="your stats"))
    await fan_out

    [answer] = bot.fake.calls_to("chat.postEphemeral")
    posts = bot.fake.calls_to("chat.postMessage")
    assert sum(p.at < answer.at for p in posts) <= 4  # not after the 18 still queued
