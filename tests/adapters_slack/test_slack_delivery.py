"""Delivery guarantees both ways: a redelivered event counts once; a 429 or 5xx from Slack
is retried and still makes exactly one message; posts to one channel are paced; a command
in a channel the bot is not in says how to invite it; start-up fails clearly."""

from __future__ import annotations

import asyncio

import pytest

from bot.adapters.slack import SlackAdapter, SlackSetupError, slack_mode
from bot.config import Secrets, load_settings
from bot.core.messages import Message
from bot.core.models import ChannelRef

BOTH = pytest.mark.parametrize("transport", ["socket", "http"])


@BOTH
async def test_the_same_event_delivered_twice_counts_once(make_slack_bot, transport) -> None:
    bot = await make_slack_bot(transport)
    round_ = await bot.post_round()
    parent = round_.thread.thread_id
    question = bot.core.bank.get(round_.question_id)
    event = {"type": "message", "user": bot.MEMBER, "text": question.key_points[0].aliases[0],
             "ts": "1800000000.000001", "thread_ts": parent}

    await bot.event(event, event_id="Ev0DUP")
    await bot.event(event, event_id="Ev0DUP", retry=1)  # Slack's retry: x-slack-retry-num / retry_attempt
    # The same message under a new event id (e.g. after a restart forgot the ids seen).
    await bot.event(event, event_id="Ev0OTHER")

    replies = await bot.core.repo.replies_for_round(round_.id)
    assert [(r.message_id, r.user.user) for r in replies] == [("1800000000.000001", bot.MEMBER)]
    if transport == "socket":
        assert len([a for a in bot.fake.acks if "envelope_id" in a]) == 3  # every delivery acknowledged


async def test_a_late_retry_of_an_old_edit_does_not_undo_a_newer_edit(make_slack_bot) -> None:
    bot = await make_slack_bot()
    round_ = await bot.post_round()
    parent = round_.thread.thread_id
    await bot.reply(parent, "1800000000.000001", "first")

    def edit(text: str) -> dict:
        return {"type": "message", "subtype": "message_changed", "ts": "1800000001.000001",
                "message": {"type": "message", "user": bot.MEMBER, "text": text,
                            "ts": "1800000000.000001", "thread_ts": parent}}

    await bot.event(edit("second"), event_id="Ev0EDIT1")
    await bot.event(edit("third"), event_id="Ev0EDIT2")
    await bot.event(edit("second"), event_id="Ev0EDIT1", retry=2)  # Slack retrying the first edit late

    [reply] = await bot.core.repo.replies_for_round(round_.id)
    assert reply.text == "third"


async def test_a_429_on_a_post_is_retried_after_retry_after_and_one_message_results(make_slack_bot) -> None:
    bot = await make_slack_bot()
    bot.fake.fail_next("chat.postMessage", status=429, retry_after=1)

    round_ = await bot.post_round()

    first, second = bot.fake.calls_to("chat.postMessage")
    assert second.at - first.at >= 1.0  # waited for Retry-After
    assert second.args == first.args
    [posted] = bot.fake.posted(bot.CHANNEL)
    assert round_.message.message_id == posted["ts"]
    metrics = bot.app.metrics.render().decode()
    [waited] = [line for line in metrics.splitlines()
                if line.startswith('interview_bot_rate_limit_wait_seconds_total{platform="slack"}')]
    assert float(waited.split()[-1]) >= 1.0


async def test_a_5xx_on_a_post_is_retried_with_back_off_and_one_message_results(make_slack_bot) -> None:
    bot = await make_slack_bot()
    bot.fake.fail_next("chat.postMessage", status=503)

    round_ = await bot.post_round()

    assert len(bot.fake.calls_to("chat.postMessage")) == 2
    [posted] = bot.fake.posted(bot.CHANNEL)
    assert round_.message.message_id == posted["ts"]


async def test_posts_to_one_channel_are_paced_and_other_channels_are_not_held_up(make_slack_bot) -> None:
    bot = await make_slack_bot(INTERVIEW_BOT_SLACK__CHANNEL_PACE="0.3")
    bot.fake.add_channel("C0OTHER")
    platform = bot.adapter.platform
    other = ChannelRef("slack", bot.team, "C0OTHER")

    await asyncio.gather(
        platform.post_message(bot.channel, Message(text="one")),
        platform.post_message(bot.channel, Message(text="two")),
        platform.post_message(other, Message(text="elsewhere")),
    )

    calls = {c["text"]: c.at for c in bot.fake.calls_to("chat.postMessage")}
    assert calls["two"] - calls["one"] >= 0.3
    assert calls["elsewhere"] - calls["one"] < 0.3
    assert [m["text"] for m in bot.fake.posted(bot.CHANNEL)] == ["one", "two"]  # in the order asked


async def test_a_command_where_the_bot_is_not_invited_says_how_to_invite_it(make_slack_bot) -> None:
    bot = await make_slack_bot()

    await bot.command("question", channel="C0NOTIN")

    [answer] = bot.fake.calls_to("response_url:cmd")
    assert "/invite @interview-bot" in answer["text"]
    # The failed post released its claim: once invited, the question can be posted.
    bot.fake.add_channel("C0NOTIN")
    await bot.command("question", channel="C0NOTIN")
    assert bot.fake.calls_to("response_url:cmd")[-1]["text"].startswith("Posted round")


async def test_start_up_fails_clearly_without_secrets_or_with_a_refused_token(
    make_slack_bot, fake_slack, settings_env
) -> None:
    bot = await make_slack_bot()
    settings = load_settings(env={**settings_env, "INTERVIEW_BOT_SLACK__API_BASE_URL": fake_slack.base_url})

    with pytest.raises(SlackSetupError, match="SLACK_APP_TOKEN"):
        SlackAdapter(bot.core, settings, Secrets(slack_bot_token="xoxb-1"))
    # Socket Mode is the default, but a signing secret alone means HTTP.
    assert slack_mode(settings, Secrets(slack_bot_token="xoxb-1", slack_signing_secret="s")) == "http"
    assert slack_mode(settings, Secrets(slack_bot_token="xoxb-1", slack_app_token="xapp-1")) == "socket"

    refused = SlackAdapter(bot.core, settings, Secrets(slack_bot_token="xoxb-wrong", slack_app_token="xapp-1"))
    with pytest.raises(SlackSetupError, match="bot token: invalid_auth") as error:
        await refused.start()
    assert "xoxb-wrong" not in str(error.value)
    # A wrong app token would make slack_sdk retry forever: start() says so instead.
    wrong_app = SlackAdapter(bot.core, settings, Secrets(slack_bot_token=fake_slack.bot_token,
                                                         slack_app_token="xapp-wrong"))
    with pytest.raises(SlackSetupError, match="app token: invalid_auth") as error:
        await wrong_app.start()
    assert "xapp-wrong" not in str(error.value)
    await wrong_app.stop()
    assert bot.core.platforms["slack"] is bot.adapter.platform  # the failed adapters never attached
