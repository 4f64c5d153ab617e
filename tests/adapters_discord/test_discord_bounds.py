"""Bounds on Discord: every typed option of ``/interview`` carries its limit to Discord, and
what the bot builds from the options is parsed by the core with the same bounds, so a bad
value gets the usage line and nothing is stored."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from bot.core.commands import MAX_ANSWER_LENGTH, MAX_PACK_ID_LENGTH, MAX_ROUND_ID, MAX_STUDY_COUNT
from bot.core.schedule import MAX_DURATION_TEXT, MAX_TIMEZONE_LENGTH
from tests.adapters_discord.conftest import DiscordBot
from tests.fakes.discord_server import FakeUser

STRING, INTEGER = 3, 4
EPHEMERAL = 64


def leaves(options: list[dict[str, Any]], path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    for option in options:
        name = f"{path} {option['name']}".strip()
        yield name, option
        yield from leaves(option.get("options", []), name)


async def test_every_typed_option_has_an_upper_bound(bot: DiscordBot) -> None:
    [sync] = bot.fake.rest("PUT", r"/applications/\d+/commands")
    [interview] = sync.body
    options = dict(leaves(interview["options"]))

    for name, option in options.items():
        if option["type"] == STRING and not option.get("choices"):
            assert 0 < option["max_length"] <= 6000, name
        if option["type"] == INTEGER and not option.get("choices"):
            assert option["min_value"] >= 1 and option["max_value"] is not None, name
    assert options["answer text"]["max_length"] == MAX_ANSWER_LENGTH
    assert options["practice answer"]["max_length"] == MAX_ANSWER_LENGTH
    assert options["rate round"]["max_value"] == MAX_ROUND_ID
    assert options["study start count"]["max_value"] == MAX_STUDY_COUNT
    assert options["schedule set reveal"]["max_length"] == MAX_DURATION_TEXT
    assert options["schedule set timezone"]["max_length"] == MAX_TIMEZONE_LENGTH
    assert options["me timezone zone"]["max_length"] == MAX_TIMEZONE_LENGTH
    assert options["packs enable pack"]["max_length"] == MAX_PACK_ID_LENGTH


async def test_a_reveal_delay_out_of_bounds_gets_the_usage_line_and_saves_nothing(
    bot: DiscordBot, admin: FakeUser
) -> None:
    interaction = await bot.fake.slash_command(bot.channel_id, admin, "schedule set", time="09:30",
                                               reveal="9999999d")

    callback = await bot.callback(interaction)

    assert callback["data"]["flags"] & EPHEMERAL
    content = callback["data"]["content"]
    assert "reveal delay must be from 1m to 7d" in content and "Usage: /interview schedule set" in content
    assert await bot.core.repo.get_subscription(bot.channel()) is None


async def test_tags_and_timezones_out_of_bounds_get_the_usage_line(bot: DiscordBot, admin: FakeUser) -> None:
    for options, reason in [({"tags": ",".join(f"t{n}" for n in range(11))}, "at most 10 tags"),
                            ({"timezone": "Europe/" + "x" * 50}, "unknown timezone"),
                            ({"tags": "Über"}, "tags are words like rag")]:
        interaction = await bot.fake.slash_command(bot.channel_id, admin, "schedule set", time="09:30", **options)
        content = (await bot.callback(interaction))["data"]["content"]
        assert reason in content, content
    assert await bot.core.repo.get_subscription(bot.channel()) is None
