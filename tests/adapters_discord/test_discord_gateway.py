"""Logging in and staying connected: REST and the gateway both come from the configured
API base, commands are synced, intents match the config, and a dropped connection resumes."""

from __future__ import annotations

import pytest

from bot.adapters import AdapterSetupError
from bot.adapters.discord import DiscordAdapter
from bot.app import build_app
from bot.config import Secrets, load_settings
from tests.adapters_discord.conftest import DiscordBot, eventually
from tests.fakes.discord_server import MESSAGE_CONTENT_INTENT, FakeDiscord, FakeUser

GUILDS, GUILD_MESSAGES = 1 << 0, 1 << 9


async def test_login_uses_the_configured_api_and_its_gateway_and_syncs_interview(bot: DiscordBot) -> None:
    fake = bot.fake
    assert [r.path for r in fake.rest("GET")][:3] == ["/users/@me", "/oauth2/applications/@me", "/gateway/bot"]
    [sync] = fake.rest("PUT", r"/applications/\d+/commands")
    [interview] = sync.body
    assert interview["name"] == "interview" and interview["contexts"] == [0]  # servers only
    names = {option["name"] for option in interview["options"]}
    assert {"question", "answer", "reveal", "skip", "schedule", "stats", "help"} <= names
    schedule = next(o for o in interview["options"] if o["name"] == "schedule")
    assert [o["name"] for o in schedule["options"]] == ["set", "show", "pause", "resume"]
    set_options = {o["name"]: o for o in schedule["options"][0]["options"]}
    assert set_options["timezone"]["autocomplete"] and set_options["tags"]["autocomplete"]
    assert all(o["description"] for o in set_options.values())

    [identify] = fake.identifies
    assert identify["intents"] & (GUILDS | GUILD_MESSAGES | MESSAGE_CONTENT_INTENT) == (
        GUILDS | GUILD_MESSAGES | MESSAGE_CONTENT_INTENT)
    assert bot.adapter is not None and bot.adapter.bot.get_guild(bot.guild_id) is not None


async def test_commands_sync_to_the_listed_guilds_at_once(make_bot) -> None:  # type: ignore[no-untyped-def]
    fake: FakeDiscord = (await make_bot(start=False)).fake
    guild_id = next(iter(fake.guilds))
    await make_bot(INTERVIEW_BOT_DISCORD__SYNC_GUILD_IDS=str(guild_id))

    assert fake.rest("PUT", r"/applications/\d+/commands") == []
    [sync] = fake.rest("PUT", rf"/applications/\d+/guilds/{guild_id}/commands")
    assert [c["name"] for c in sync.body] == ["interview"]


async def test_after_a_dropped_connection_the_bot_resumes_and_records_replies(
    bot: DiscordBot, member: FakeUser
) -> None:
    fake = bot.fake
    round_ = await bot.post_round()
    thread_id = int(round_.thread.thread_id)
    [session] = fake.sessions.values()

    await fake.drop_gateway()
    while_down = await fake.user_message(thread_id, member, "sent while the bot was reconnecting")
    await fake.wait_for(lambda: len(fake.resumes) == 1 and session.ws is not None)
    after = await fake.user_message(thread_id, member, "sent after the resume")

    async def both_recorded() -> bool:
        return {r.message_id for r in await bot.replies(round_.id)} == {while_down["id"], after["id"]}

    await eventually(both_recorded)
    assert fake.resumes[0]["session_id"] == session.id
    assert len(fake.identifies) == 1  # resumed, not a new session


async def test_without_the_message_content_intent_the_post_points_to_the_modal(make_bot) -> None:  # type: ignore[no-untyped-def]
    first: DiscordBot = await make_bot(start=False)
    first.fake.allow_message_content = False  # as when the portal switch is off
    bot = await make_bot(INTERVIEW_BOT_DISCORD__MESSAGE_CONTENT_INTENT="false")

    round_ = await bot.post_round()

    [identify] = bot.fake.identifies
    assert not identify["intents"] & MESSAGE_CONTENT_INTENT
    post = bot.fake.messages[int(round_.message.message_id)]
    assert post["embeds"][0]["description"].endswith(
        "answer with **Answer privately** or `/interview answer`.")
    first_button = post["components"][0]["components"][0]
    assert first_button["custom_id"] == f"interview:answer_privately:{round_.id}"


async def test_a_refused_message_content_intent_is_a_clear_setup_error(
    fake_discord: FakeDiscord, clock, settings_env: dict[str, str]  # type: ignore[no-untyped-def]
) -> None:
    fake_discord.allow_message_content = False
    settings = load_settings(env={**settings_env, "INTERVIEW_BOT_DISCORD__API_BASE_URL": fake_discord.api_url})
    app = await build_app(settings, clock=clock)
    adapter = DiscordAdapter(app.core, settings, Secrets(discord_token=fake_discord.token), guild_ready_timeout=0.05)
    try:
        with pytest.raises(AdapterSetupError, match="Message Content"):
            await adapter.start()
    finally:
        await app.close()


async def test_a_sharded_deployment_identifies_only_its_own_shards(make_bot) -> None:  # type: ignore[no-untyped-def]
    bot: DiscordBot = await make_bot(INTERVIEW_BOT_DISCORD__SHARD_COUNT="2", INTERVIEW_BOT_DISCORD__SHARD_IDS="1")

    assert [identify["shard"] for identify in bot.fake.identifies] == [[1, 2]]
    assert bot.fake.rest("GET", "/gateway/bot")  # the gateway URL still came from the API


async def test_shard_ids_without_a_shard_count_are_refused(
    fake_discord: FakeDiscord, clock, settings_env: dict[str, str]  # type: ignore[no-untyped-def]
) -> None:
    settings = load_settings(env={**settings_env, "INTERVIEW_BOT_DISCORD__SHARD_IDS": "1"})
    app = await build_app(settings, clock=clock)
    try:
        with pytest.raises(AdapterSetupError, match="shard_count"):
            DiscordAdapter(app.core, settings, Secrets(discord_token="x"))
    finally:
        await app.close()


async def test_a_refused_token_is_a_setup_error_that_never_shows_the_token(
    fake_discord: FakeDiscord, clock, settings_env: dict[str, str]  # type: ignore[no-untyped-def]
) -> None:
    settings = load_settings(env={**settings_env, "INTERVIEW_BOT_DISCORD__API_BASE_URL": fake_discord.api_url})
    app = await build_app(settings, clock=clock)
    adapter = DiscordAdapter(app.core, settings, Secrets(discord_token="not-the-token"))
    try:
        with pytest.raises(AdapterSetupError, match="refused DISCORD_TOKEN") as refused:
            await adapter.start()
        assert "not-the-token" not in str(refused.value)
        assert fake_discord.sessions == {}  # never got as far as the gateway
    finally:
        await app.close()
