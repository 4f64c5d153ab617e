"""Bounds on Slack: the command text goes through the core's parser, so a bad value gets
the one usage line, privately, and nothing is stored."""

from __future__ import annotations

ADMIN = "U0BOSS"  # as the fake_slack fixture sets it up


async def test_bad_values_get_the_usage_line_and_save_nothing(make_slack_bot) -> None:
    bot = await make_slack_bot()
    cases = {
        "schedule set 09:30 reveal=9999999d": "reveal delay must be from 1m to 7d",
        "study start count=²": "count must be a whole number from 1 to 20",
        "rate good ²": "ROUND must be a whole number",
        "me timezone " + "a" * 300: "unknown timezone",
        "answer " + "x" * 4001: "at most 4,000 are kept",
    }
    for text, reason in cases.items():
        await bot.command(text, user=ADMIN)
        answer = bot.fake.calls_to("response_url:cmd")[-1]
        assert reason in answer["text"] and "Usage: /interview" in answer["text"], (text[:40], answer["text"])
        assert answer["response_type"] == "ephemeral"
    assert await bot.core.repo.get_subscription(bot.channel) is None
