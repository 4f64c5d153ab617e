"""Private practice on Slack: the practice question's "Answer" button opens a modal, the
answer comes back with rating buttons that reach the core, and a private chart is sent as
a file to the person's direct messages (an ephemeral message cannot carry files)."""

from __future__ import annotations

import json

from bot.core.models import UserRef


def buttons(blocks: list[dict]) -> list[dict]:
    return [element for block in blocks if block["type"] == "actions" for element in block["elements"]]


async def test_practice_answer_opens_a_modal_and_its_rating_buttons_reach_the_core(make_slack_bot) -> None:
    bot = await make_slack_bot()

    await bot.command("practice")
    [practice] = bot.fake.calls_to("response_url:cmd")
    [answer_button] = buttons(practice["blocks"])
    assert answer_button["action_id"] == "practice_answer"
    question_id = answer_button["value"]
    question = bot.core.bank.get(question_id)

    await bot.click(answer_button["action_id"], question_id)
    [opened] = bot.fake.calls_to("views.open")
    assert opened["view"]["callback_id"] == "practice_answer"
    assert json.loads(opened["view"]["private_metadata"]) == {"channel": bot.CHANNEL, "question": question_id}

    await bot.submit(opened["view"], f"{question.key_points[0].aliases[0]} <!here>")
    [result] = bot.fake.calls_to("chat.postEphemeral")
    assert result["user"] == bot.MEMBER
    ratings = buttons(result["blocks"])
    # Four "rate" buttons in one block: Block Kit needs distinct action_ids.
    assert [b["action_id"] for b in ratings] == ["rate#1", "rate#2", "rate#3", "rate#4"]
    assert [b["value"] for b in ratings] == [f"q:{question_id}:{n}" for n in range(1, 5)]
    practice_row = await bot.core.repo.get_practice(_user(bot))
    assert practice_row is not None and practice_row.answered_at is not None

    await bot.click(ratings[2]["action_id"], ratings[2]["value"])
    card = await bot.core.repo.get_review_card(_user(bot), question_id)
    assert card is not None and card.last_rating == 3
    assert bot.fake.calls_to("chat.postEphemeral")[-1]["user"] == bot.MEMBER


async def test_a_private_chart_is_sent_to_the_persons_direct_messages(make_slack_bot) -> None:
    bot = await make_slack_bot()
    await bot.post_round()

    await bot.command("stats", user=bot.ADMIN)  # admins also get the channel's participation chart

    assert bot.fake.calls_to("response_url:cmd")  # the text answer, ephemeral as usual
    [chart_note] = bot.fake.calls_to("chat.postEphemeral")
    assert chart_note["user"] == bot.ADMIN
    [opened] = bot.fake.calls_to("conversations.open")
    assert opened["users"] == bot.ADMIN
    [shared] = bot.fake.files[f"D{bot.ADMIN}"]
    assert shared["name"].endswith(".png") and shared["data"].startswith(b"\x89PNG")
    assert bot.fake.files[bot.CHANNEL] == []  # nothing in the channel


def _user(bot) -> UserRef:  # type: ignore[no-untyped-def]
    return UserRef("slack", bot.team, bot.MEMBER)
