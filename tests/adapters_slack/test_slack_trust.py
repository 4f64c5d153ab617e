"""What Slack's answers about a channel become, and what people's text may do in the bot's
posts: a channel the bot was removed from (or that was archived or deleted) raises the
core's ``ChannelUnavailable``; user text never becomes a link or a mention."""

from __future__ import annotations

import re

import pytest
from slack_sdk.errors import SlackApiError

from bot.core.messages import ACTION_ANSWER_PRIVATELY, Message
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


# --- what people wrote, shown in the bot's posts -----------------------------------------

LINK_ANSWER = "See [Official answer key](https://evil.example/key) or https://evil.example/raw <!here> now"


def sections(call) -> list[dict]:
    return [b["text"] for b in call["blocks"] if b["type"] == "section" and "text" in b]


async def private_answers(bot, round_id: int, texts: list[str]) -> None:
    """Each text answered privately by another member, through the button and the form."""
    for n, text in enumerate(texts):
        user = f"U{n:04d}"
        bot.fake.add_user(user, f"Person {n}")
        await bot.click(ACTION_ANSWER_PRIVATELY, str(round_id), user=user)
        await bot.submit(bot.fake.calls_to("views.open")[-1]["view"], text, user=user)


async def test_links_and_mentions_in_answers_do_not_render_on_slack(make_slack_bot) -> None:
    bot = await make_slack_bot()
    round_ = await bot.post_round()
    await private_answers(bot, round_.id, [LINK_ANSWER])

    assert await bot.core.reveal_round(round_.id)

    summary = bot.fake.calls_to("chat.postMessage")[-1]
    [body] = [s for s in sections(summary) if "Person 0" in s["text"]]
    shown = body["text"]
    assert body["verbatim"] is True  # Slack links no bare URL or #channel by itself
    assert "<" not in shown  # so no <url|label> link, no <!here> or <@U..> mention
    assert "`https://evil.example/raw`" in shown and "`https://evil.example/key)`" in shown
    assert "[Official answer key](" in shown  # plain text on Slack: mrkdwn has no such links
    assert "<" not in summary["text"]


async def test_a_long_summary_is_split_into_thread_posts_slack_accepts(make_slack_bot) -> None:
    bot = await make_slack_bot()
    round_ = await bot.post_round()
    await private_answers(bot, round_.id, [f"answer {n}: " + "word&more " * 50 for n in range(60)])

    assert await bot.core.reveal_round(round_.id)  # the fake refuses msg_blocks_too_long like Slack

    posts = bot.fake.calls_to("chat.postMessage")[2:]  # after the question and the reveal
    assert len(posts) > 1
    assert all(p["thread_ts"] == round_.thread.thread_id for p in posts)
    texts = [s["text"] for p in posts for s in sections(p)]
    assert all(t.startswith("• ") for t in texts[:-1])  # each section starts at an entry
    entries = [line for t in texts for line in t.split("\n") if line.startswith("• ")]
    assert [int(re.search(r"Person (\d+)", line).group(1)) for line in entries] == list(range(60))
    assert [any(b["type"] == "actions" for b in p["blocks"]) for p in posts] == [False] * (len(posts) - 1) + [True]


async def test_the_fake_refuses_what_slack_refuses(make_slack_bot) -> None:
    bot = await make_slack_bot()
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 2900}} for _ in range(5)]

    with pytest.raises(SlackApiError) as refused:
        await bot.adapter.client.chat_postMessage(channel=CHANNEL, text="long", blocks=blocks)

    assert refused.value.response["error"] == "msg_blocks_too_long"
