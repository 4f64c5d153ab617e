"""What a click, a modal or a post's text may do on Discord, and no more: buttons and modals
act only on a round of the channel they came from, and what people wrote cannot become a
link, a heading or a mention inside the bot's own embeds."""

from __future__ import annotations

from bot.core.models import RoundStatus
from tests.adapters_discord.conftest import DiscordBot
from tests.fakes.discord_server import FakeUser

EPHEMERAL = 64


async def forged_post(bot: DiscordBot, channel_id: int, author: FakeUser, custom_id: str) -> int:
    """A message in ``channel_id`` with a button carrying ``custom_id`` (another channel's
    round id): what a tampered client could click."""
    message = await bot.fake.add_message(channel_id, author, "look", components=[
        {"type": 1, "components": [{"type": 2, "style": 4, "label": "Reveal now", "custom_id": custom_id}]}])
    return int(message["id"])


async def test_reveal_now_pressed_in_another_channel_leaves_that_channels_round_alone(
    bot: DiscordBot, admin: FakeUser
) -> None:
    round_ = await bot.post_round()  # channel A's round
    other = bot.fake.add_channel(bot.guild_id, "elsewhere")  # channel B

    pressed = await bot.fake.press_button(
        await forged_post(bot, other, admin, f"interview:reveal_now:{round_.id}"),
        f"interview:reveal_now:{round_.id}", admin)
    callback = await bot.callback(pressed)

    assert callback["data"]["flags"] & EPHEMERAL
    assert "no open question" in callback["data"]["content"]
    assert (await bot.core.repo.get_round(round_.id)).status == RoundStatus.OPEN
    assert bot.fake.channel_messages(int(round_.thread.thread_id)) == []


async def test_a_rating_for_another_channels_round_rates_nothing(bot: DiscordBot, member: FakeUser) -> None:
    round_ = await bot.post_round()
    modal = await bot.callback(await bot.fake.press_button(
        int(round_.message.message_id), f"interview:answer_privately:{round_.id}", member))
    await bot.callback(await bot.fake.submit_modal(bot.channel_id, member, modal["data"]["custom_id"],
                                                   answer="early stopping"))
    assert await bot.core.reveal_round(round_.id)
    other = bot.fake.add_channel(bot.guild_id, "elsewhere")
    custom_id = f"interview:rate:{round_.id}:3"

    callback = await bot.callback(await bot.fake.press_button(
        await forged_post(bot, other, member, custom_id), custom_id, member))

    assert callback["data"]["flags"] & EPHEMERAL and "did not answer round" in callback["data"]["content"]
    assert await bot.core.repo.get_review_card((await bot.replies(round_.id))[0].user, round_.question_id) is None


async def test_a_private_answer_modal_from_another_channel_is_not_stored(bot: DiscordBot, member: FakeUser) -> None:
    round_ = await bot.post_round()
    other = bot.fake.add_channel(bot.guild_id, "elsewhere")

    callback = await bot.callback(await bot.fake.submit_modal(
        other, member, f"interview:answer_modal:{round_.id}", answer="early stopping"))

    assert callback["data"]["flags"] & EPHEMERAL and "no open question" in callback["data"]["content"]
    assert await bot.replies(round_.id) == []
