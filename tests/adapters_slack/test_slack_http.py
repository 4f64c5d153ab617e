"""Acknowledging Slack in time and proving requests come from Slack: slash commands are
acknowledged before the slow work, over signed HTTP and Socket Mode; a bad or stale
signature gets 401 and does nothing."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import pytest

BOTH = pytest.mark.parametrize("transport", ["socket", "http"])


@BOTH
async def test_slash_command_is_acknowledged_within_3s_while_the_post_is_still_pending(
    make_slack_bot, transport
) -> None:
    bot = await make_slack_bot(transport)
    gate = bot.fake.hold("chat.postMessage")  # Slack is slow to take the post

    delivery = await bot.command("question", drain=False)

    assert delivery.acked_after < 3.0
    await bot.fake.wait_for("chat.postMessage")  # the post was asked for only after the ack...
    assert not bot.fake.calls_to("response_url:cmd")  # ...and is not done yet
    gate.set()
    await bot.adapter.drain(timeout=10)
    [answer] = bot.fake.calls_to("response_url:cmd")
    assert answer["response_type"] == "ephemeral" and answer["replace_original"] is False
    assert answer["text"].startswith("Posted round 1")
    assert len(bot.fake.posted(bot.CHANNEL)) == 1


def command_form(bot, text: str) -> bytes:
    return urlencode({
        "token": "legacy", "team_id": bot.team, "channel_id": bot.CHANNEL, "user_id": bot.MEMBER,
        "user_name": "ann", "command": "/interview", "text": text,
        "response_url": bot.fake.response_url("cmd"), "trigger_id": "trig-1",
    }).encode()


async def test_a_validly_signed_command_gets_200(make_slack_bot) -> None:
    bot = await make_slack_bot("http")
    status, _ = await bot.http_post(command_form(bot, "help"), "application/x-www-form-urlencoded",
                                    timestamp=int(time.time()) - 60)
    assert status == 200
    await bot.adapter.drain(timeout=10)
    [answer] = bot.fake.calls_to("response_url:cmd")
    assert "/interview question" in answer["text"]


@pytest.mark.parametrize("how", ["wrong secret", "older than 5 minutes", "tampered body"])
async def test_bad_or_expired_signature_gets_401_and_does_nothing(make_slack_bot, how) -> None:
    bot = await make_slack_bot("http")
    form = command_form(bot, "question")
    if how == "wrong secret":
        status, _ = await bot.http_post(form, "application/x-www-form-urlencoded", secret="not-the-secret")
    elif how == "older than 5 minutes":
        status, _ = await bot.http_post(form, "application/x-www-form-urlencoded",
                                        timestamp=int(time.time()) - 5 * 60 - 30)
    else:
        status, _ = await bot.http_post(form, "application/x-www-form-urlencoded",
                                        signed_body=command_form(bot, "help"))
    assert status == 401
    await bot.adapter.drain(timeout=10)
    assert [c.method for c in bot.fake.calls if c.method != "auth.test"] == []
    assert await bot.core.repo.current_round(bot.channel) is None


async def test_slack_url_verification_is_answered_with_the_challenge(make_slack_bot) -> None:
    bot = await make_slack_bot("http")
    body = b'{"token": "legacy", "challenge": "c-123", "type": "url_verification"}'
    status, text = await bot.http_post(body, "application/json")
    assert status == 200 and json.loads(text) == {"challenge": "c-123"}
