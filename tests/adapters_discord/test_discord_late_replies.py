"""Discord's side of late replies: a reply read back from thread history carries the time
Discord gave it (its snowflake id, or its last edit), so the core can tell a reply written
before a reveal made during downtime from one written after it."""

from __future__ import annotations

from datetime import datetime

import discord

from tests.adapters_discord.conftest import DiscordBot
from tests.fakes.discord_server import FakeUser


async def test_history_replies_carry_discords_time_of_writing(bot: DiscordBot, member: FakeUser) -> None:
    assert bot.adapter is not None
    await bot.adapter.backfills.wait(1)
    round_ = await bot.post_round()
    thread_id = int(round_.thread.thread_id)
    plain = await bot.fake.add_message(thread_id, member, "early stopping")
    edited = await bot.fake.add_message(thread_id, member, "dropout")
    changed = await bot.fake.edit_user_message(int(edited["id"]), "dropout and L2")

    first, second = await bot.adapter.thread_replies(round_.thread)

    assert first.sent_at == discord.utils.snowflake_time(int(plain["id"]))
    assert second.text == "dropout and L2"
    assert second.sent_at == datetime.fromisoformat(changed["edited_timestamp"])  # the edit's time
