"""Backfill: replies made, edited or deleted in a round's thread while the bot was not
listening are read back from ``conversations.replies`` when it comes back (at start over
HTTP, on every Socket Mode connection) and counted once."""

from __future__ import annotations

import pytest

BOTH = pytest.mark.parametrize("transport", ["socket", "http"])


async def live_reply(bot, parent: str, text: str, user: str | None = None) -> str:  # type: ignore[no-untyped-def]
    """A reply that exists in Slack and whose event reached the bot."""
    user = user or bot.MEMBER
    ts = bot.fake.add_reply(bot.CHANNEL, parent, user, text)
    await bot.reply(parent, ts, text, user=user)
    return ts


async def shut_down(bot) -> None:  # type: ignore[no-untyped-def]
    await bot.adapter.stop()
    await bot.app.close()


@BOTH
async def test_replies_made_while_the_bot_was_down_are_counted_after_it_restarts(make_slack_bot, transport) -> None:
    first = await make_slack_bot(transport)
    round_ = await first.post_round()
    parent = round_.thread.thread_id
    question = first.core.bank.get(round_.question_id)
    kept = await live_reply(first, parent, "first thoughts")
    dropped = await live_reply(first, parent, "a reply its author deletes")
    await shut_down(first)

    fake = first.fake
    fake.edit_message(first.CHANNEL, kept, f"better: {question.key_points[0].aliases[0]}")
    fake.delete_message(first.CHANNEL, dropped)
    new = fake.add_reply(first.CHANNEL, parent, first.ADMIN, f"I say {question.key_points[1].aliases[0]}")
    fake.add_reply(first.CHANNEL, parent, "U0OTHERBOT", "another app", bot_id="B0OTHER")
    fake.add_reply(first.CHANNEL, parent, "U0ANN", "joined", subtype="channel_join")
    fake.max_page = 2  # Slack pages thread history; the bot must follow the cursor

    second = await make_slack_bot(transport)
    await second.adapter.wait_backfilled()

    replies = {r.message_id: r for r in await second.core.repo.replies_for_round(round_.id)}
    assert set(replies) == {kept, new}
    assert replies[kept].text.startswith("better:") and replies[kept].covered == (question.key_points[0].name,)
    assert (replies[new].user.user, replies[new].user_name) == (second.ADMIN, "Boss")  # named via users.info
    assert replies[new].covered == (question.key_points[1].name,)
    assert len(second.fake.calls_to("conversations.replies")) > 1

    # A second pass (the next reconnect) changes nothing.
    assert await second.core.recovery.backfill("slack") == 0


async def test_a_socket_mode_reconnect_backfills_replies_whose_events_were_lost(make_slack_bot) -> None:
    bot = await make_slack_bot("socket")
    await bot.adapter.wait_backfilled()  # the one after the first connection
    round_ = await bot.post_round()
    missed = bot.fake.add_reply(bot.CHANNEL, round_.thread.thread_id, bot.MEMBER, "sent while the socket was down")

    await bot.fake.request_reconnect()
    await bot.adapter.wait_backfilled(runs=2)

    assert len(bot.fake.calls_to("apps.connections.open")) == 2
    assert [r.message_id for r in await bot.core.repo.replies_for_round(round_.id)] == [missed]
