"""What a click, a modal or a post's text may do on Discord, and no more: buttons and modals
act only on a round of the channel they came from, and what people wrote cannot become a
link, a heading or a mention inside the bot's own embeds."""

from __future__ import annotations

import re

import discord
import pytest

from bot.core.messages import Message
from bot.core.models import Round, RoundStatus
from bot.core.ports import AdminNotice, ChannelUnavailable
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
    await bot.answer_privately(round_, member, "early stopping")
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


# --- a channel's own trouble ---------------------------------------------------------------


@pytest.mark.parametrize(("trouble", "reason"), [("missing_access", "missing_access"),
                                                   ("missing_permissions", "missing_permissions"),
                                                   ("unknown_channel", "unknown_channel")])
async def test_a_post_to_a_channel_the_bot_lost_raises_channel_unavailable(
    bot: DiscordBot, trouble: str, reason: str
) -> None:
    bot.fake.remove_channel(bot.channel_id, trouble)
    assert bot.adapter is not None

    with pytest.raises(ChannelUnavailable) as raised:
        await bot.adapter.post_message(bot.channel(), Message(text="hello"))

    assert raised.value.channel_key == bot.channel().key and raised.value.reason == reason
    assert raised.value.permanent
    assert isinstance(raised.value.__cause__, discord.HTTPException)


async def test_a_deleted_thread_and_an_archived_one(bot: DiscordBot) -> None:
    round_ = await bot.post_round()
    assert bot.adapter is not None and round_.thread is not None
    thread_id = int(round_.thread.thread_id)

    bot.fake.remove_channel(thread_id, "archived")
    with pytest.raises(ChannelUnavailable) as archived:
        await bot.adapter.reply_in_thread(round_.thread, Message(text="late"))
    assert archived.value.reason == "thread_archived" and not archived.value.permanent

    del bot.fake.removed[thread_id]
    del bot.fake.channels[thread_id]  # the thread was deleted
    with pytest.raises(ChannelUnavailable) as deleted:
        await bot.adapter.reply_in_thread(round_.thread, Message(text="late"))
    assert deleted.value.reason == "unknown_channel" and deleted.value.permanent
    assert deleted.value.channel_key == bot.channel().key
    with pytest.raises(ChannelUnavailable):
        await bot.adapter.thread_replies(round_.thread)


async def test_a_rate_limit_is_waited_out_not_taken_for_the_channels_trouble(bot: DiscordBot) -> None:
    bot.fake.rate_limit_next("POST", rf"/channels/{bot.channel_id}/messages", retry_after=0.05)
    assert bot.adapter is not None

    sent = await bot.adapter.post_message(bot.channel(), Message(text="hello"))

    assert int(sent.message_id) in bot.fake.messages
    assert bot.fake.rate_limited == 1  # the 429 was served, and the post went again after it
    assert len(bot.fake.rest("POST", rf"/channels/{bot.channel_id}/messages")) == 2


# --- telling the admins ------------------------------------------------------------------


async def test_tell_admins_writes_to_the_server_owner_and_the_configured_admins(
    fake_discord, make_bot, member: FakeUser, admin: FakeUser
) -> None:
    guild_id = next(iter(fake_discord.guilds))
    fake_discord.guilds[guild_id]["owner_id"] = str(member.id)
    shy = fake_discord.add_member(guild_id, "Shy", admin=True)
    fake_discord.closed_dms.add(shy.id)
    bot = await make_bot(INTERVIEW_BOT_BOT__ADMINS=f"discord:{admin.id},discord:{shy.id},slack:U0BOSS")
    assert isinstance(bot.adapter, AdminNotice)

    told = await bot.adapter.tell_admins(bot.channel(), Message(text="The schedule of #interview-0 was paused."))

    assert told
    for person in (member, admin):
        [dm] = fake_discord.dms_to(person.id)
        assert "paused" in dm["content"]
    assert fake_discord.dms_to(shy.id) == []


async def test_tell_admins_is_false_when_nobody_could_be_told(fake_discord, make_bot) -> None:
    fake_discord.closed_dms.add(1)  # the fake server's owner
    bot = await make_bot()
    assert bot.adapter is not None

    assert not await bot.adapter.tell_admins(bot.channel(), Message(text="paused"))
    assert bot.fake.rest("POST", "/users/@me/channels")  # the owner's DM was tried, and refused


# --- what people wrote, shown in the bot's embeds -----------------------------------------

LINK_ANSWER = "See [Official answer key](https://evil.example/key) or https://evil.example/raw now"
MASKED_LINK = re.compile(r"(?<!\\)\[[^\]\n]*(?<!\\)\]\(")
CODE_SPAN = re.compile(r"`[^`\n]*`")


def links_in(markdown: str) -> list[str]:
    """What Discord would show as a link in ``markdown``: masked links, and URLs outside
    inline code (Discord links neither inside code nor escaped)."""
    outside_code = CODE_SPAN.sub("", markdown)
    return MASKED_LINK.findall(markdown) + re.findall(r"https?://\S+", outside_code)


async def private_answers(bot: DiscordBot, round_: Round, texts: list[str]) -> None:
    for n, text in enumerate(texts):
        await bot.answer_privately(round_, bot.fake.add_member(bot.guild_id, f"Person {n}"), text)


async def test_links_in_answers_and_names_do_not_render_as_links_in_the_summary(
    bot: DiscordBot, fake_discord
) -> None:
    round_ = await bot.post_round()
    sneaky = fake_discord.add_member(bot.guild_id, "[Support](https://evil.example/name) # Boss")
    await bot.answer_privately(round_, sneaky, LINK_ANSWER)

    assert await bot.core.reveal_round(round_.id)

    summary = fake_discord.channel_messages(int(round_.thread.thread_id))[-1]
    [embed] = summary["embeds"]
    assert embed["title"] == "Who answered"  # the bot's own formatting is untouched
    shown = embed["description"]
    assert "evil.example/key" in shown and "evil.example/raw" in shown and "evil.example/name" in shown
    assert links_in(shown) == []
    assert "`https://evil.example/raw`" in shown and "\\[Official answer key\\]" in shown


async def test_a_long_summary_is_split_into_posts_that_each_fit_and_keep_entries_whole(
    bot: DiscordBot, fake_discord
) -> None:
    round_ = await bot.post_round()
    await private_answers(bot, round_, [f"answer {n}: " + "word " * 100 for n in range(60)])

    assert await bot.core.reveal_round(round_.id)  # the fake refuses a post over Discord's limits

    posts = fake_discord.channel_messages(int(round_.thread.thread_id))[1:]  # after the reveal
    assert len(posts) > 1
    descriptions = [post["embeds"][0]["description"] for post in posts]
    assert all(d.startswith("• ") for d in descriptions)  # every post starts at an entry
    entries = [line for d in descriptions for line in d.split("\n") if line.startswith("• ")]
    assert [int(re.search(r"Person (\d+)", line).group(1)) for line in entries] == list(range(60))
    assert posts[0]["embeds"][0]["title"] == "Who answered"
    assert [bool(p["components"]) for p in posts] == [False] * (len(posts) - 1) + [True]  # ratings last


async def test_the_fake_refuses_what_discord_refuses(bot: DiscordBot) -> None:
    """So that a renderer going over a limit fails these tests as it would fail on Discord."""
    assert bot.adapter is not None
    target = bot.adapter.bot.get_partial_messageable(bot.channel_id)
    too_long = [discord.Embed(description="x" * 4097), discord.Embed(title="t", description="x" * 4000)
                .add_field(name="n", value="v" * 1024).add_field(name="m", value="v" * 1000)]
    for embed in too_long:
        with pytest.raises(discord.HTTPException) as refused:
            await target.send(embed=embed)
        assert refused.value.status == 400 and refused.value.code == 50035
    with pytest.raises(discord.HTTPException):
        await target.send(content="x" * 2001)
