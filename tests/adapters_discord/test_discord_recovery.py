"""Recovery on Discord: replies made while the bot was away are read back from thread
history (after a restart and after a resume), and a post claimed before a crash is found
by its buttons and confirmed instead of being posted twice — against the fake Discord."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from bot.core.models import Round, RoundStatus, UserRef
from bot.storage.tables import RoundRow
from tests.adapters_discord.conftest import DiscordBot, eventually
from tests.fakes.discord_server import FakeUser

POSTS = r"/channels/\d+/messages"
THREAD_STARTS = r"/channels/\d+/messages/\d+/threads"


def question_components(round_id: int) -> list[dict[str, Any]]:
    """The buttons under a round's question post, as the bot sends them."""
    return [{"type": 1, "components": [
        {"type": 2, "style": 1, "label": "Answer privately", "custom_id": f"interview:answer_privately:{round_id}"},
        {"type": 2, "style": 4, "label": "Reveal now", "custom_id": f"interview:reveal_now:{round_id}"},
    ]}]


async def claim_and_abandon(bot: DiscordBot) -> Round:
    """A round claimed for posting by an instance that then died before confirming it."""
    repo, now = bot.core.repo, bot.clock.now()
    cycle, _ = await repo.asked_in_cycle(bot.channel())
    claimed = await repo.claim_round(bot.channel(), "overfitting", cycle, now.date(), now, now + timedelta(hours=6))
    assert claimed is not None and claimed.status is RoundStatus.POSTING
    # Recovery takes over only a claim whose lease ran out. Expire it in the ledger rather
    # than move the shared clock, which would also move the schedule and the reveal time.
    assert bot.app is not None
    async with bot.app.engine.begin() as connection:
        await connection.execute(update(RoundRow).where(RoundRow.id == claimed.id)
                                 .values(post_claimed_until=now - timedelta(seconds=1)))
    return claimed


async def test_replies_made_while_the_bot_was_stopped_are_counted_after_it_starts_again(
    make_bot, member: FakeUser, admin: FakeUser  # type: ignore[no-untyped-def]
) -> None:
    first: DiscordBot = await make_bot()
    fake = first.fake
    round_ = await first.post_round()
    thread_id = int(round_.thread.thread_id)
    kept = await fake.user_message(thread_id, member, "early stopping")
    dropped = await fake.user_message(thread_id, member, "dropout")

    async def both_recorded() -> bool:
        return len(await first.replies(round_.id)) == 2

    await eventually(both_recorded)
    await first.close()

    await fake.edit_user_message(int(kept["id"]), "early stopping and L2")
    await fake.delete_user_message(int(dropped["id"]))
    late = await fake.user_message(thread_id, admin, "正则化 and 早停")

    second: DiscordBot = await make_bot()
    assert second.adapter is not None
    await second.adapter.backfills.wait(1)  # the run started by READY

    replies = {r.message_id: r for r in await second.replies(round_.id)}
    assert {key: r.text for key, r in replies.items()} == {
        kept["id"]: "early stopping and L2", late["id"]: "正则化 and 早停"}
    assert replies[late["id"]].user == UserRef("discord", str(second.guild_id), str(admin.id))
    assert replies[late["id"]].user_name == "Boss" and not replies[late["id"]].private


async def test_a_reply_whose_event_was_lost_during_a_reconnect_is_read_back_after_the_resume(
    bot: DiscordBot, member: FakeUser
) -> None:
    fake = bot.fake
    assert bot.adapter is not None
    round_ = await bot.post_round()
    await bot.adapter.backfills.wait(1)

    await fake.drop_gateway()
    lost = await fake.add_message(int(round_.thread.thread_id), member, "early stopping")  # no gateway event
    await fake.wait_for(lambda: len(fake.resumes) == 1)
    await bot.adapter.backfills.wait(2)  # the run started by RESUMED

    assert [(r.message_id, r.text) for r in await bot.replies(round_.id)] == [(lost["id"], "early stopping")]
    assert len(fake.identifies) == 1  # it was a resume, which Discord replays; the read is a safety net


async def test_thread_history_is_read_page_by_page_with_people_only_and_admins_known(
    bot: DiscordBot, member: FakeUser, admin: FakeUser
) -> None:
    fake = bot.fake
    assert bot.adapter is not None
    await bot.adapter.backfills.wait(1)
    round_ = await bot.post_round()
    thread_id = int(round_.thread.thread_id)
    other_bot = FakeUser(fake.snowflake(), "OtherBot", bot=True)
    fake.members[bot.guild_id][other_bot.id] = other_bot
    for number in range(120):
        await fake.add_message(thread_id, member, f"reply {number}")
    await fake.add_message(thread_id, other_bot, "a bot's message")
    await fake.add_message(thread_id, fake.bot, "the bot's own message")
    await fake.add_message(thread_id, member, "")  # no text, e.g. only an image
    await fake.add_message(thread_id, admin, "an admin's answer")

    replies = await bot.adapter.thread_replies(round_.thread)

    assert [r.text for r in replies] == [f"reply {n}" for n in range(120)] + ["an admin's answer"]
    first, last = replies[0], replies[-1]
    assert first.actor.user == UserRef("discord", str(bot.guild_id), str(member.id)) and first.actor.name == "Ann"
    assert not first.actor.is_admin and last.actor.is_admin  # Manage Server, through the admin's role
    pages = fake.rest("GET", rf"/channels/{thread_id}/messages")
    assert len(pages) == 2 and all(int(p.query["limit"]) == 100 for p in pages)
    assert len(fake.rest("GET", r"/guilds/\d+/members/\d+")) == 2  # each person looked up once


@pytest.mark.parametrize("thread_started", [False, True], ids=["crash-before-thread", "crash-after-thread"])
async def test_a_post_made_before_a_crash_is_confirmed_on_restart_not_posted_again(
    make_bot, member: FakeUser, thread_started: bool  # type: ignore[no-untyped-def]
) -> None:
    first: DiscordBot = await make_bot()
    fake, channel_id = first.fake, first.channel_id
    claimed = await claim_and_abandon(first)
    await first.close()
    # What reached Discord before the crash, among what others wrote meanwhile.
    await fake.add_message(channel_id, member, "good morning")
    copycat = FakeUser(fake.snowflake(), "OtherBot", bot=True)
    await fake.add_message(channel_id, copycat, components=question_components(claimed.id))
    await fake.add_message(channel_id, fake.bot, embeds=[{"title": "Question of the day"}],
                           components=question_components(claimed.id + 1))
    posted = await fake.add_message(channel_id, fake.bot, embeds=[{"title": "Question of the day"}],
                                    components=question_components(claimed.id))
    if thread_started:
        await fake.start_thread(channel_id, int(posted["id"]), "Answers: overfitting")

    second: DiscordBot = await make_bot()  # its start recovers claims that ran out

    round_ = await second.core.repo.get_round(claimed.id)
    assert round_.status is RoundStatus.OPEN
    assert round_.message.message_id == posted["id"] and round_.thread.thread_id == posted["id"]
    assert fake.rest("POST", POSTS) == []  # nothing posted again
    assert len(fake.rest("POST", THREAD_STARTS)) == (0 if thread_started else 1)
    [thread] = fake.threads()
    assert thread["id"] == posted["id"] and thread["parent_id"] == str(channel_id)
    [lookup] = fake.rest("GET", rf"/channels/{channel_id}/messages")
    assert int(lookup.query["after"]) < int(posted["id"])  # read from the claim on, oldest first


async def test_a_claimed_post_that_never_went_out_is_posted_once(bot: DiscordBot) -> None:
    fake = bot.fake
    claimed = await claim_and_abandon(bot)

    assert await bot.core.recovery.recover_posts() == [claimed.id]
    assert await bot.core.recovery.recover_posts() == []

    [create] = fake.rest("POST", POSTS)
    [post] = fake.channel_messages(bot.channel_id)
    buttons = [c["custom_id"] for row in post["components"] for c in row["components"]]
    assert f"interview:answer_privately:{claimed.id}" in buttons
    round_ = await bot.core.repo.get_round(claimed.id)
    assert round_.status is RoundStatus.OPEN
    assert round_.message.message_id == post["id"] and round_.thread.thread_id == post["id"]
    assert create.body["enforce_nonce"] is True
