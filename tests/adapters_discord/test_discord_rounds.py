"""The daily round on Discord end to end: the scheduled post and its thread, replies in the
thread (create, edit, delete), and the reveal in the thread — against the fake Discord."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.messages import Message, MessageKind
from bot.core.models import RoundStatus
from tests.adapters_discord.conftest import DiscordBot, eventually
from tests.fakes.discord_server import FakeUser

POSTS = r"/channels/\d+/messages"


async def test_scheduled_post_creates_the_embed_with_buttons_and_its_thread(bot: DiscordBot) -> None:
    fake = bot.fake
    await bot.subscribe()
    bot.clock.set(datetime(2026, 3, 2, 9, 30, tzinfo=UTC))  # Monday, the scheduled minute
    assert bot.app is not None

    outcome = await bot.app.scheduler.run_post(bot.channel())

    assert outcome.outcome == "posted"
    [post] = fake.channel_messages(bot.channel_id)
    assert post["author"]["id"] == str(fake.bot.id)
    [embed] = post["embeds"]
    assert embed["title"] == "Question of the day"
    fields = {field["name"]: field["value"] for field in embed["fields"]}
    assert fields["Tags"] and fields["Difficulty"].startswith("★")
    buttons = [c for row in post["components"] for c in row["components"]]
    assert [b["custom_id"] for b in buttons] == [
        f"interview:answer_privately:{outcome.round_id}", f"interview:reveal_now:{outcome.round_id}"]
    [create] = fake.rest("POST", POSTS)
    assert create.body["enforce_nonce"] is True and 0 < len(create.body["nonce"]) <= 25
    assert create.body["allowed_mentions"]["parse"] == []

    [thread] = fake.threads()
    assert thread["id"] == post["id"] and thread["parent_id"] == str(bot.channel_id)
    assert thread["thread_metadata"]["auto_archive_duration"] == 1440
    assert thread["name"].startswith("Answers: ")
    round_ = await bot.core.repo.get_round(outcome.round_id)
    assert round_.status == RoundStatus.OPEN
    assert round_.message.message_id == post["id"] and round_.thread.thread_id == thread["id"]


async def test_the_thread_archive_duration_comes_from_config(make_bot) -> None:  # type: ignore[no-untyped-def]
    bot = await make_bot(INTERVIEW_BOT_DISCORD__THREAD_AUTO_ARCHIVE_MINUTES="60")
    await bot.post_round()
    [thread] = bot.fake.threads()
    assert thread["thread_metadata"]["auto_archive_duration"] == 60


async def test_reply_in_the_thread_is_recorded_and_edit_and_delete_are_applied(
    bot: DiscordBot, member: FakeUser
) -> None:
    round_ = await bot.post_round()
    thread_id = int(round_.thread.thread_id)

    reply = await bot.fake.user_message(thread_id, member, "I would use early stopping")

    async def recorded() -> bool:
        return [r.text for r in await bot.replies(round_.id)] == ["I would use early stopping"]

    await eventually(recorded)
    [stored] = await bot.replies(round_.id)
    assert stored.user.user == str(member.id) and stored.user_name == "Ann" and not stored.private
    assert stored.message_id == reply["id"]

    await bot.fake.edit_user_message(int(reply["id"]), "early stopping and dropout")

    async def edited() -> bool:
        return [r.text for r in await bot.replies(round_.id)] == ["early stopping and dropout"]

    await eventually(edited)

    await bot.fake.delete_user_message(int(reply["id"]))

    async def deleted() -> bool:
        return await bot.replies(round_.id) == []

    await eventually(deleted)


async def test_messages_outside_round_threads_and_from_bots_are_ignored(bot: DiscordBot, member: FakeUser) -> None:
    round_ = await bot.post_round()
    fake = bot.fake
    other_bot = FakeUser(fake.snowflake(), "OtherBot", bot=True)
    fake.members[bot.guild_id][other_bot.id] = other_bot

    await fake.user_message(bot.channel_id, member, "chatting in the channel, not the thread")
    await fake.user_message(int(round_.thread.thread_id), other_bot, "a bot's message in the thread")
    marker = await fake.user_message(int(round_.thread.thread_id), member, "the only real answer")

    async def answered() -> bool:
        return len(await bot.replies(round_.id)) > 0

    await eventually(answered)
    assert [(r.message_id, r.text) for r in await bot.replies(round_.id)] == [(marker["id"], "the only real answer")]


async def test_the_reveal_and_the_summary_land_in_the_thread(bot: DiscordBot, member: FakeUser) -> None:
    round_ = await bot.post_round()
    thread_id = int(round_.thread.thread_id)
    await bot.fake.user_message(thread_id, member, "早停 and @everyone dropout")

    async def recorded() -> bool:
        return len(await bot.replies(round_.id)) == 1

    await eventually(recorded)

    assert await bot.core.reveal_round(round_.id)

    answer, reveal, summary = bot.fake.channel_messages(thread_id)
    assert answer["author"]["id"] == str(member.id)
    assert reveal["embeds"][0]["title"].startswith("Reference answer: ")
    assert summary["embeds"][0]["title"] == "Who answered"
    assert "Ann" in summary["embeds"][0]["description"]
    rate_buttons = [c["custom_id"] for row in summary["components"] for c in row["components"]]
    assert rate_buttons == [f"interview:rate:{round_.id}:{n}" for n in (1, 2, 3, 4)]
    assert bot.fake.channel_messages(bot.channel_id) == [bot.fake.messages[int(round_.message.message_id)]]
    for create in bot.fake.rest("POST", POSTS):
        assert create.body["allowed_mentions"]["parse"] == []


async def test_editing_a_post_replaces_its_embed_and_its_buttons(bot: DiscordBot) -> None:
    round_ = await bot.post_round()
    assert bot.adapter is not None

    await bot.adapter.edit_message(round_.message, Message(text="This question was skipped.", title="Skipped",
                                                           kind=MessageKind.QUESTION))

    [edit] = bot.fake.rest("PATCH", r"/channels/\d+/messages/\d+")
    assert edit.path == f"/channels/{bot.channel_id}/messages/{round_.message.message_id}"
    post = bot.fake.messages[int(round_.message.message_id)]
    assert post["embeds"][0]["title"] == "Skipped" and post["components"] == []
    assert edit.body["allowed_mentions"]["parse"] == []
