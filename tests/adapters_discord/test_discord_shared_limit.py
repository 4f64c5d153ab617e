"""Two instances of the bot on one PostgreSQL database and one bot token: fanning out
together to a Discord whose global rate limit is the configured rate, they share it and
earn no 429 (each pacing only itself, together they would send nearly twice the limit)."""

from __future__ import annotations

import asyncio

from bot.core.messages import Message, MessageKind
from bot.core.models import ChannelRef, ThreadRef
from tests.adapters_discord.conftest import DiscordBot
from tests.fakes.discord_server import FakeDiscord

RATE = 100
CHANNELS = 80  # 160 requests: the post and its thread, in each channel
QUESTION = Message(text="**How do you handle overfitting?**", title="Question of the day", kind=MessageKind.QUESTION)


async def test_two_instances_fanning_out_together_share_the_global_limit_and_get_no_429(
    make_bot, fake_discord: FakeDiscord, postgres_url: str,  # type: ignore[no-untyped-def]
) -> None:
    guild_id = next(iter(fake_discord.guilds))
    for index in range(CHANNELS - 1):
        fake_discord.add_channel(guild_id, f"study-{index}")
    env = {"INTERVIEW_BOT_STORAGE__URL": postgres_url, "INTERVIEW_BOT_DISCORD__REQUESTS_PER_SECOND": str(RATE)}
    instances: list[DiscordBot] = [await make_bot(**env), await make_bot(**env)]
    assert all(bot.app is not None and bot.app.limiter is not None for bot in instances)  # PostgreSQL: shared
    fake_discord.limit_rate(RATE, burst=5)
    first = len(fake_discord.requests)

    async def daily_post(bot: DiscordBot, channel: ChannelRef) -> ThreadRef:
        assert bot.adapter is not None
        posted = await bot.adapter.post_message(channel, QUESTION)
        return await bot.adapter.open_thread(posted, "Answers: overfitting")

    # Every channel's post falls due at once; each instance has claimed half of them.
    channel_ids = fake_discord.channel_ids(guild_id)
    threads = await asyncio.gather(*(daily_post(instances[n % 2], instances[n % 2].channel(cid))
                                     for n, cid in enumerate(channel_ids)))

    assert fake_discord.rate_limited == 0
    assert len(fake_discord.requests) - first == 2 * CHANNELS
    assert len({t.thread_id for t in threads}) == CHANNELS == len(fake_discord.threads())
    for bot in instances:
        assert bot.app is not None and bot.app.limiter is not None
        # Both drew from the budget, in grants of several requests each.
        assert 0 < bot.app.limiter.grants < CHANNELS
