"""A round on Slack end to end, through the real bolt app over Socket Mode and over signed
HTTP: the scheduled post in Block Kit, thread replies (new, edited, deleted), the private
answer modal hidden until the reveal, the reveal in the thread, and escaping on the way out."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.messages import ACTION_ANSWER_PRIVATELY, ACTION_REVEAL_NOW
from bot.core.models import Subscription

CHANNEL, MEMBER, ADMIN = "C0ROUNDS", "U0ANN", "U0BOSS"  # as the fake_slack fixture sets them up

MONDAY_0930 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
BOTH = pytest.mark.parametrize("transport", ["socket", "http"])


def all_text(blocks: list[dict]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


async def test_scheduled_post_becomes_chat_post_message_with_blocks(make_slack_bot, clock) -> None:
    bot = await make_slack_bot()
    await bot.core.save_subscription(Subscription(bot.channel, bot.app.settings.schedule.to_schedule()))
    clock.set(MONDAY_0930)

    outcome = await bot.app.scheduler.run_post(bot.channel)

    assert outcome.outcome == "posted"
    [call] = bot.fake.calls_to("chat.postMessage")
    assert call["channel"] == CHANNEL and "thread_ts" not in call.args
    blocks = call["blocks"]
    assert blocks[0] == {"type": "header", "text": {"type": "plain_text", "text": "Question of the day", "emoji": True}}
    round_ = await bot.core.repo.get_round(outcome.round_id)
    question = bot.core.bank.get(round_.question_id)
    body = blocks[1]["text"]
    assert body["type"] == "mrkdwn" and body["verbatim"] is True
    assert body["text"].startswith(f"*{question.title}*\n\n{question.prompt}")  # **bold** became *bold*
    assert "Answer in the thread" in body["text"]
    fields = all_text([b for b in blocks if "fields" in b])
    assert "*Tags*" in fields and "*Difficulty*" in fields and "★" * question.difficulty in fields
    [actions] = [b for b in blocks if b["type"] == "actions"]
    assert [(e["action_id"], e["value"], e["style"]) for e in actions["elements"]] == [
        (ACTION_ANSWER_PRIVATELY, str(round_.id), "primary"),
        (ACTION_REVEAL_NOW, str(round_.id), "danger"),
    ]
    assert question.title in call["text"]  # notification fallback
    # The round's thread is the post's ts, as Slack answered it.
    [posted] = bot.fake.posted(CHANNEL)
    assert round_.message.message_id == posted["ts"] and round_.thread.thread_id == posted["ts"]
    # Running the job again the same day posts nothing more.
    assert (await bot.app.scheduler.run_post(bot.channel)).outcome == "already-posted"
    assert len(bot.fake.calls_to("chat.postMessage")) == 1


@BOTH
async def test_thread_reply_is_recorded_edit_replaces_it_and_delete_removes_it(make_slack_bot, transport) -> None:
    bot = await make_slack_bot(transport)
    round_ = await bot.post_round()
    parent = round_.thread.thread_id
    question = bot.core.bank.get(round_.question_id)
    first, second = question.key_points[0], question.key_points[1]

    await bot.reply(parent, "1800000000.000001", f"I would use {first.aliases[0]} &amp; more")
    [reply] = await bot.core.repo.replies_for_round(round_.id)
    assert (reply.user.user, reply.user_name, reply.private) == (MEMBER, "Ann", False)
    assert reply.message_id == "1800000000.000001"
    assert reply.text == f"I would use {first.aliases[0]} & more"  # Slack's escaping undone
    assert reply.covered == (first.name,)

    await bot.event({"type": "message", "subtype": "message_changed", "hidden": True, "ts": "1800000009.000001",
                     "message": {"type": "message", "user": MEMBER, "text": f"now {second.aliases[0]}",
                                 "ts": "1800000000.000001", "thread_ts": parent,
                                 "edited": {"user": MEMBER, "ts": "1800000009.000000"}},
                     "previous_message": {"type": "message", "user": MEMBER, "text": "old",
                                          "ts": "1800000000.000001", "thread_ts": parent}})
    [edited] = await bot.core.repo.replies_for_round(round_.id)
    assert edited.id == reply.id and edited.text == f"now {second.aliases[0]}"
    assert edited.covered == (second.name,)

    await bot.event({"type": "message", "subtype": "message_deleted", "hidden": True, "ts": "1800000010.000001",
                     "deleted_ts": "1800000000.000001",
                     "previous_message": {"type": "message", "user": MEMBER, "text": "now",
                                          "ts": "1800000000.000001", "thread_ts": parent}})
    assert await bot.core.repo.replies_for_round(round_.id) == []


async def test_bots_own_and_non_thread_messages_are_not_answers(make_slack_bot) -> None:
    bot = await make_slack_bot()
    round_ = await bot.post_round()
    parent = round_.thread.thread_id
    await bot.reply(parent, "1800000000.000001", "from another bot", user="U0OTHER", bot_id="B0OTHER")
    await bot.reply(parent, "1800000000.000002", "legacy bot", subtype="bot_message")
    await bot.reply(parent, "1800000000.000003", "the bot itself", user=bot.fake.bot_user_id)
    await bot.event({"type": "message", "user": MEMBER, "text": "top level", "ts": "1800000000.000004"})
    await bot.reply("1111111111.000001", "1800000000.000005", "a thread that is no round")
    # The parent changing (its reply count) is no reply either.
    await bot.event({"type": "message", "subtype": "message_changed", "ts": "1800000000.000006",
                     "message": {"type": "message", "user": MEMBER, "text": "x", "ts": parent, "thread_ts": parent}})
    assert await bot.core.repo.replies_for_round(round_.id) == []
    assert bot.fake.calls_to("users.info") == []  # nothing worth looking anyone up for

    await bot.reply(parent, "1800000000.000007", "a person")
    assert [r.text for r in await bot.core.repo.replies_for_round(round_.id)] == ["a person"]


@BOTH
async def test_private_answer_modal_is_stored_hidden_and_shown_escaped_at_the_reveal(
    make_slack_bot, transport
) -> None:
    bot = await make_slack_bot(transport)
    round_ = await bot.post_round()
    question = bot.core.bank.get(round_.question_id)
    answer = f"<!channel> <@U0BOSS> look: {question.key_points[0].aliases[0]} & a<b"

    await bot.click(ACTION_ANSWER_PRIVATELY, str(round_.id))
    [opened] = bot.fake.calls_to("views.open")
    assert opened["trigger_id"].startswith("trig-")
    view = opened["view"]
    assert view["callback_id"] == "private_answer" and view["title"]["text"] == "Answer privately"
    assert json.loads(view["private_metadata"]) == {"round": round_.id, "channel": CHANNEL}

    await bot.submit(view, answer)
    [stored] = await bot.core.repo.replies_for_round(round_.id)
    assert (stored.private, stored.text, stored.user.user) == (True, answer, MEMBER)
    [saved] = bot.fake.calls_to("chat.postEphemeral")
    assert saved["user"] == MEMBER and saved["channel"] == CHANNEL
    assert "stays hidden until the reveal" in saved["text"]
    # Hidden: nothing the channel can see carries the answer before the reveal.
    assert len(bot.fake.posted(CHANNEL)) == 1
    assert "look:" not in json.dumps(bot.fake.posted(CHANNEL))

    assert await bot.core.reveal_round(round_.id)
    reveal, summary = bot.fake.calls_to("chat.postMessage")[1:]
    for call in (reveal, summary):
        assert call["thread_ts"] == round_.thread.thread_id and call["channel"] == CHANNEL
        assert "reply_broadcast" not in call.args
    assert f"Reference answer: {question.title}" in all_text(reveal["blocks"])
    shown = all_text(summary["blocks"]) + summary["text"]
    assert "look:" in shown and "Ann" in shown
    # Slack would turn <!channel> or <@U..> into a ping: they must arrive as text only.
    assert "<!channel>" not in shown and "<@U0BOSS>" not in shown and "<" not in shown
    assert "&lt;\u200b!channel&gt;" in shown and "&lt;\u200b@U0BOSS&gt;" in shown
    assert "&amp; a&lt;b" in shown


@BOTH
async def test_an_empty_modal_answer_is_refused_inside_the_modal(make_slack_bot, transport) -> None:
    bot = await make_slack_bot(transport)
    round_ = await bot.post_round()
    await bot.click(ACTION_ANSWER_PRIVATELY, str(round_.id))
    [opened] = bot.fake.calls_to("views.open")

    delivery = await bot.submit(opened["view"], "   \n ")

    assert delivery.answer == {"response_action": "errors", "errors": {"answer": "Write an answer first."}}
    assert await bot.core.repo.replies_for_round(round_.id) == []


async def test_reveal_now_is_refused_to_members_and_done_for_workspace_admins(make_slack_bot) -> None:
    bot = await make_slack_bot(INTERVIEW_BOT_SLACK__REVEAL_BROADCAST="true")
    round_ = await bot.post_round()

    await bot.click(ACTION_REVEAL_NOW, str(round_.id), user=MEMBER)
    [refused] = bot.fake.calls_to("chat.postEphemeral")
    assert refused["user"] == MEMBER and "Only admins" in refused["text"]
    assert len(bot.fake.calls_to("chat.postMessage")) == 1
    assert (await bot.core.repo.get_round(round_.id)).is_open

    await bot.click(ACTION_REVEAL_NOW, str(round_.id), user=ADMIN)
    reveal, summary = bot.fake.calls_to("chat.postMessage")[1:]
    assert reveal["thread_ts"] == summary["thread_ts"] == round_.thread.thread_id
    assert reveal["reply_broadcast"] is True  # [slack] reveal_broadcast: the reveal also goes to the channel
    assert "reply_broadcast" not in summary.args
    assert "Revealed round" in bot.fake.calls_to("chat.postEphemeral")[-1]["text"]
    assert not (await bot.core.repo.get_round(round_.id)).is_open


async def test_admins_from_config_and_the_users_info_cache(make_slack_bot, clock) -> None:
    bot = await make_slack_bot(INTERVIEW_BOT_BOT__ADMINS=f"slack:{MEMBER}",
                               INTERVIEW_BOT_SLACK__ADMIN_CACHE_SECONDS="600")
    first = await bot.post_round()
    await bot.click(ACTION_REVEAL_NOW, str(first.id), user=MEMBER)
    assert not (await bot.core.repo.get_round(first.id)).is_open  # listed in bot.admins

    def lookups() -> int:
        return len([c for c in bot.fake.calls_to("users.info") if c["user"] == ADMIN])

    # A workspace admin demoted in Slack keeps the cached status until the cache expires.
    second = await bot.post_round()
    await bot.command("help", user=ADMIN)
    bot.fake.users[ADMIN]["is_admin"] = False
    await bot.command("skip", user=ADMIN)
    assert lookups() == 1
    assert (await bot.core.repo.get_round(second.id)).status.value == "skipped"

    clock.advance(timedelta(seconds=601))
    third = await bot.core.repo.current_round(bot.channel)
    await bot.click(ACTION_REVEAL_NOW, str(third.id), user=ADMIN)
    assert lookups() == 2
    assert (await bot.core.repo.get_round(third.id)).is_open
    assert "Only admins" in bot.fake.calls_to("chat.postEphemeral")[-1]["text"]


async def test_replies_from_one_person_arriving_together_look_them_up_once(make_slack_bot) -> None:
    bot = await make_slack_bot()
    round_ = await bot.post_round()
    bot.fake.latency = 0.05  # the lookups overlap
    for n in range(5):
        await bot.reply(round_.thread.thread_id, f"1700000100.00000{n}", f"早停 {n}", drain=False)
    await bot.adapter.drain(timeout=10)
    assert [c["user"] for c in bot.fake.calls_to("users.info")] == [MEMBER]
    replies = await bot.core.repo.replies_for_round(round_.id)
    assert sorted(r.text for r in replies) == [f"早停 {n}" for n in range(5)]
    assert {r.user_name for r in replies} == {"Ann"}


async def test_reveal_now_clicked_in_another_channel_leaves_that_channels_round_alone(make_slack_bot) -> None:
    bot = await make_slack_bot()
    round_ = await bot.post_round()
    bot.fake.add_channel("C0OTHER")

    await bot.click(ACTION_REVEAL_NOW, str(round_.id), user=ADMIN, channel="C0OTHER")

    [answer] = bot.fake.calls_to("chat.postEphemeral")
    assert answer["channel"] == "C0OTHER" and answer["user"] == ADMIN
    assert "no open question" in answer["text"]
    assert len(bot.fake.calls_to("chat.postMessage")) == 1  # no reveal, no summary
    assert (await bot.core.repo.get_round(round_.id)).is_open


async def test_a_private_answer_modal_opened_in_another_channel_is_not_stored(make_slack_bot) -> None:
    bot = await make_slack_bot()
    round_ = await bot.post_round()
    bot.fake.add_channel("C0OTHER")

    await bot.click(ACTION_ANSWER_PRIVATELY, str(round_.id), channel="C0OTHER")
    [opened] = bot.fake.calls_to("views.open")
    await bot.submit(opened["view"], "early stopping")

    assert await bot.core.repo.replies_for_round(round_.id) == []
    assert "no open question" in bot.fake.calls_to("chat.postEphemeral")[-1]["text"]
