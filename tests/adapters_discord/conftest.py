"""Fixtures for the Discord adapter: the fake Discord, and ``DiscordBot`` — the real app
(storage, core, scheduler) with the real discord.py client logged in to the fake."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from bot.adapters.discord import DiscordAdapter
from bot.app import App, build_app
from bot.config import Secrets, load_settings
from bot.core.clock import FakeClock
from bot.core.models import ChannelRef, Round, Subscription
from tests.fakes.discord_server import FakeDiscord, FakeUser


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 5.0) -> None:
    """Wait, bounded, until ``check`` holds (for effects of gateway events, which arrive
    asynchronously)."""
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout:.1f}s")
        await asyncio.sleep(0.02)


class DiscordBot:
    """The app plus its Discord adapter; ``guild``, ``channel``, ``member`` and ``admin``
    are the fake server's people and places."""

    def __init__(self, fake: FakeDiscord, env: dict[str, str], clock: FakeClock) -> None:
        self.fake = fake
        self.settings = load_settings(env=env)
        self.clock = clock
        self.app: App | None = None
        self.adapter: DiscordAdapter | None = None
        self.guild_id = next(iter(fake.guilds))
        self.channel_id = fake.channel_ids(self.guild_id)[0]

    async def start(self) -> None:
        self.app = await build_app(self.settings, clock=self.clock)
        self.adapter = DiscordAdapter(self.app.core, self.settings, Secrets(discord_token=self.fake.token),
                                      guild_ready_timeout=0.05, limiter=self.app.limiter)
        await self.adapter.start()
        await self.app.start(paused_jobs=True)

    async def close(self) -> None:
        if self.adapter is not None:
            await self.adapter.stop()
            self.adapter = None
        if self.app is not None:
            await self.app.close()
            self.app = None

    @property
    def core(self) -> Any:
        assert self.app is not None
        return self.app.core

    def channel(self, channel_id: int | None = None) -> ChannelRef:
        return ChannelRef("discord", str(self.guild_id), str(channel_id or self.channel_id))

    async def subscribe(self, channel: ChannelRef | None = None) -> Subscription:
        assert self.app is not None
        subscription = Subscription(channel or self.channel(), self.settings.schedule.to_schedule())
        await self.core.save_subscription(subscription)
        return subscription

    async def post_round(self) -> Round:
        round_ = await self.core.start_round(self.channel())
        assert round_ is not None and round_.thread is not None
        return round_

    async def answer_privately(self, round_: Round, person: FakeUser, text: str) -> None:
        """``person`` answers ``round_`` through the post's button and its form."""
        modal = await self.callback(await self.fake.press_button(
            int(round_.message.message_id), f"interview:answer_privately:{round_.id}", person))
        await self.callback(await self.fake.submit_modal(self.channel_id, person, modal["data"]["custom_id"],
                                                         answer=text))

    async def callback(self, interaction_id: int, timeout: float = 5.0) -> dict[str, Any]:
        await self.fake.wait_for(lambda: interaction_id in self.fake.callbacks, timeout)
        return self.fake.callbacks[interaction_id][0]

    def answered_after(self, interaction_id: int) -> float:
        callback = self.fake.callbacks[interaction_id][0]
        return float(callback["at"] - self.fake.interactions[interaction_id]["dispatched_at"])

    async def replies(self, round_id: int) -> list[Any]:
        return list(await self.core.repo.replies_for_round(round_id))


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord()
    fake.add_guild("Study group", channels=1)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.close()


@pytest.fixture
def member(fake_discord: FakeDiscord) -> FakeUser:
    return fake_discord.add_member(next(iter(fake_discord.guilds)), "Ann")


@pytest.fixture
def admin(fake_discord: FakeDiscord) -> FakeUser:
    return fake_discord.add_member(next(iter(fake_discord.guilds)), "Boss", admin=True)


@pytest.fixture
async def make_bot(fake_discord: FakeDiscord, clock: FakeClock,
                   settings_env: dict[str, str]) -> AsyncIterator[Callable[..., Awaitable[DiscordBot]]]:
    bots: list[DiscordBot] = []

    async def make(start: bool = True, **overrides: str) -> DiscordBot:
        env = {**settings_env, "INTERVIEW_BOT_DISCORD__API_BASE_URL": fake_discord.api_url, **overrides}
        bot = DiscordBot(fake_discord, env, clock)
        bots.append(bot)
        if start:
            await bot.start()
        return bot

    yield make
    for bot in bots:
        await bot.close()


@pytest.fixture
async def bot(make_bot: Callable[..., Awaitable[DiscordBot]]) -> DiscordBot:
    return await make_bot()
