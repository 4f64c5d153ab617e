"""What Slack's answers about a channel become, and what people's text may do in the bot's
posts: a channel the bot was removed from (or that was archived or deleted) raises the
core's ``ChannelUnavailable``; user text never becomes a link or a mention."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError

from bot.core.messages import Message
from bot.core.models import UserRef
from bot.core.ports import AdminNotice, ChannelUnavailable

CHANNEL = "C0ROUNDS"


@pytest.mark.parametrize("error", ["not_in_channel", "is_archived", "channel_not_found"])
async def test_a_post_to_a_channel_the_bot_was_removed_from_raises_channel_unavailable(
    make_slack_bot, error: str
) -> None:
    bot = await make_slack_bot()
    bot.fake.remove_channel(CHANNEL, error)

    with pytest.raises(ChannelUnavailable) as raised:
        await bot.adapter.platform.post_message(bot.channel, Message(text="hello"))

    assert raised.value.channel_key == bot.channel.key and raised.value.reason == error
    assert raised.value.permanent and isinstance(raised.value.__cause__, SlackApiError)


async def test_every_channel_call_says_the_same(make_slack_bot) -> None:
    bot = await make_slack_bot()
    round_ = await bot.post_round()
    platform = bot.adapter.platform
    bot.fake.remove_channel(CHANNEL, "not_in_channel")

    calls = [
        platform.reply_in_thread(round_.thread, Message(text="x")),
        platform.send_private(bot.channel, UserRef("slack", bot.team, "U0ANN"), Message(text="x")),
        platform.edit_message(round_.message, Message(text="x")),
        platform.thread_replies(round_.thread),
        platform.find_round_post(bot.channel, round_.id, round_.created_at),
    ]
    for call in calls:
        with pytest.raises(ChannelUnavailable) as raised:
            await call
        assert raised.value.reason == "not_in_channel"


async def test_a_thread_whose_parent_is_gone_is_unavailable(make_slack_bot) -> None:
    bot = await make_slack_bot()
    round_ = await bot.post_round()
    bot.fake.delete_message(CHANNEL, round_.thread.thread_id)

    with pytest.raises(ChannelUnavailable) as raised:
        await bot.adapter.platform.thread_replies(round_.thread)

    assert raised.value.reason == "thread_not_found" and raised.value.permanent


async def test_other_refusals_stay_slacks_own_errors(make_slack_bot) -> None:
    bot = await make_slack_bot()
    bot.fake.fail_next("chat.postMessage", error="invalid_blocks")

    with pytest.raises(SlackApiError):
        await bot.adapter.platform.post_message(bot.channel, Message(text="hello"))


# --- telling the admins ------------------------------------------------------------------


async def test_tell_admins_writes_to_each_configured_slack_admin(make_slack_bot) -> None:
    bot = await make_slack_bot(INTERVIEW_BOT_BOT__ADMINS="slack:U0BOSS,slack:U0GONE,discord:42")
    platform = bot.adapter.platform
    assert isinstance(platform, AdminNotice)

    told = await platform.tell_admins(bot.channel, Message(text="The schedule of #rounds was paused."))

    assert told
    assert [c["users"] for c in bot.fake.calls_to("conversations.open")] == ["U0BOSS", "U0GONE"]
    [dm] = bot.fake.posted("DU0BOSS")  # U0GONE is no user of the workspace: skipped
    assert "paused" in dm["text"]


async def test_tell_admins_with_no_slack_admin_configured_tells_nobody(make_slack_bot) -> None:
    bot = await make_slack_bot(INTERVIEW_BOT_BOT__ADMINS="discord:42")

    assert not await bot.adapter.platform.tell_admins(bot.channel, Message(text="paused"))
    assert bot.fake.calls_to("conversations.open") == []
