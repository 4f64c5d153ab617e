"""Late replies on Slack, through the real bolt app: a thread reply or an edit after the
reveal is kept but changes no score; replies made while the bot was down are judged by
their Slack ``ts`` (the time Slack gave them), not by when the bot read them back."""

from __future__ import annotations

import json
from datetime import timedelta


def aliases(question) -> str:  # type: ignore[no-untyped-def]
    return " ".join(kp.aliases[0] for kp in question.key_points)


async def test_a_thread_reply_and_an_edit_after_the_reveal_change_no_score(make_slack_bot) -> None:
    bot = await make_slack_bot()
    round_ = await bot.post_round()
    parent = round_.thread.thread_id
    question = bot.core.bank.get(round_.question_id)
    await bot.reply(parent, "1800000000.000001", f"I would use {question.key_points[0].aliases[0]}")
    assert await bot.core.reveal_round(round_.id)
    before = await bot.core.repo.standings(bot.channel, None)
    assert [(s.name, s.rounds) for s in before] == [("Ann", 1)]

    await bot.reply(parent, "1800000100.000001", f"late: {aliases(question)}", user=bot.ADMIN)
    await bot.event({"type": "message", "subtype": "message_changed", "hidden": True, "ts": "1800000200.000001",
                     "message": {"type": "message", "user": bot.MEMBER, "text": f"all of {aliases(question)}",
                                 "ts": "1800000000.000001", "thread_ts": parent,
                                 "edited": {"user": bot.MEMBER, "ts": "1800000200.000000"}}})

    ann, boss = await bot.core.repo.replies_for_round(round_.id)
    assert (ann.late, ann.covered, ann.late_text) == (False, (question.key_points[0].name,),
                                                      f"all of {aliases(question)}")
    assert (boss.user_name, boss.late, len(boss.covered)) == ("Boss", True, len(question.key_points))
    assert await bot.core.repo.standings(bot.channel, None) == before


async def test_replies_made_while_the_bot_was_down_are_judged_by_their_slack_time(make_slack_bot, clock) -> None:
    first = await make_slack_bot()
    fake = first.fake
    fake.clock = lambda: clock.now().timestamp()  # Slack's ts: the time of writing
    round_ = await first.post_round()
    parent = round_.thread.thread_id
    question = first.core.bank.get(round_.question_id)
    await first.adapter.stop()
    await first.app.close()

    # While the bot is down: Ann answers before the announced reveal time, Boss after it.
    clock.set(round_.reveal_at - timedelta(hours=1))
    fake.add_reply(first.CHANNEL, parent, first.MEMBER, f"I say {question.key_points[0].aliases[0]}")
    clock.set(round_.reveal_at + timedelta(minutes=30))
    fake.add_reply(first.CHANNEL, parent, first.ADMIN, f"too late: {aliases(question)}")

    # The bot comes back two hours after the reveal was due and makes it now, once.
    clock.set(round_.reveal_at + timedelta(hours=2))
    second = await make_slack_bot()

    assert (await second.core.repo.get_round(round_.id)).revealed_at == clock.now()
    ann, boss = await second.core.repo.replies_for_round(round_.id)
    assert (ann.user_name, ann.late) == ("Ann", False)
    assert ann.created_at.replace(microsecond=0) == round_.reveal_at - timedelta(hours=1)  # its ts, not arrival
    assert (boss.user_name, boss.late) == ("Boss", True)
    summary = json.dumps(fake.calls_to("chat.postMessage")[-1].args, ensure_ascii=False)
    assert f"Ann: 1 of {len(question.key_points)} key points" in summary
    assert "Boss: " not in summary
    assert "1 late reply(s), after the announced reveal time, not scored: Boss" in summary
    assert [(s.name, s.rounds) for s in await second.core.repo.standings(second.channel, None)] == [("Ann", 1)]
    assert await second.core.recovery.backfill("slack") == 0


async def test_an_edit_made_while_the_bot_was_down_counts_only_if_slack_dates_it_before_the_close(
    make_slack_bot, clock
) -> None:
    first = await make_slack_bot()
    fake = first.fake
    fake.clock = lambda: clock.now().timestamp()
    round_ = await first.post_round()
    parent = round_.thread.thread_id
    question = first.core.bank.get(round_.question_id)
    early = question.key_points[0].aliases[0]
    ann = fake.add_reply(first.CHANNEL, parent, first.MEMBER, early)
    boss = fake.add_reply(first.CHANNEL, parent, first.ADMIN, early)
    await first.reply(parent, ann, early)
    await first.reply(parent, boss, early, user=first.ADMIN)
    await first.adapter.stop()
    await first.app.close()

    clock.set(round_.reveal_at - timedelta(minutes=10))
    fake.edit_message(first.CHANNEL, boss, f"in time: {aliases(question)}")
    clock.set(round_.reveal_at + timedelta(minutes=10))
    fake.edit_message(first.CHANNEL, ann, f"after the close: {aliases(question)}")
    clock.set(round_.reveal_at + timedelta(hours=1))
    second = await make_slack_bot()

    stored = {r.message_id: r for r in await second.core.repo.replies_for_round(round_.id)}
    assert len(stored[boss].covered) == len(question.key_points) and stored[boss].late_text is None
    assert stored[ann].covered == (question.key_points[0].name,)
    assert stored[ann].late_text == f"after the close: {aliases(question)}"
    points = {s.name: s.points for s in await second.core.repo.standings(second.channel, None)}
    assert points == {"Boss": 1.0, "Ann": 1 / len(question.key_points)}
