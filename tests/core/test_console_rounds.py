"""The round lifecycle end to end through the console adapter: post, thread replies,
private answers, edits and deletes, reveal with key-point coverage, admin checks."""

from __future__ import annotations

import re

from bot.core.models import Actor, ChannelRef, UserRef
from bot.core.ports import ButtonPressed, CommandInvoked, ThreadReplyCreated


def round_id(output: str) -> int:
    match = re.search(r"Round: (\d+)", output)
    assert match, output
    return int(match[1])


async def test_question_reply_private_answer_and_reveal(make_session) -> None:
    bot = await make_session()
    posted = await bot.say("/interview question")
    assert "Practice question" in posted
    assert "[ Answer privately ]" in posted and "[ Reveal now ]" in posted
    assert "thread opened on m1" in posted
    assert "Posted round 1." in posted
    rid = round_id(posted)
    question = bot.core.bank.get((await bot.core.repo.get_round(rid)).question_id)
    names = [kp.name for kp in question.key_points]

    public = await bot.say(f"我会提到 {question.key_points[0].aliases[0]}")
    assert "[thread m1] you (m2)" in public

    private = await bot.say(f"/interview answer {names[1]} 是关键")
    assert "(only you can see this)" in private
    assert f"covers 1 of {len(names)} key points" in private

    revealed = await bot.say("/interview reveal")
    assert f"Reference answer: {question.title}" in revealed
    assert "Who answered" in revealed
    # Both answers are by the same person: their coverage is combined.
    assert f"you: 2 of {len(names)} key points" in revealed
    assert f"covered: {names[0]}, {names[1]}" in revealed
    assert f"(private answer) {names[1]} 是关键" in revealed
    assert "Revealed round 1." in revealed

    again = await bot.say("/interview reveal")
    assert "no open question" in again
    assert "Reference answer" not in again


async def test_edit_replaces_and_delete_removes_a_thread_reply(make_session) -> None:
    bot = await make_session()
    posted = await bot.say("/interview question")
    question = bot.core.bank.get((await bot.core.repo.get_round(round_id(posted))).question_id)
    first, second = question.key_points[0].name, question.key_points[1].name

    await bot.say(f"just {first}")  # m2
    await bot.say(f"/edit m2 only {second}")
    await bot.say("another reply")  # m3
    await bot.say("/delete m3")
    replies = await bot.core.repo.replies_for_round(1)
    assert [r.text for r in replies] == [f"only {second}"]
    assert replies[0].covered == (second,)

    revealed = await bot.say("/interview reveal")
    assert f"covered: {second}" in revealed
    assert f"missed: {first}" in revealed


async def test_reveal_with_no_answers_says_so(make_session) -> None:
    bot = await make_session()
    await bot.say("/interview question")
    assert "Nobody answered this time." in await bot.say("/interview reveal")


async def test_private_answer_without_a_round_gets_a_short_private_hint(make_session) -> None:
    bot = await make_session()
    answer = await bot.say("/interview answer 早停")
    assert answer.startswith("(only you can see this)")
    assert "no open question" in answer
    assert await bot.say("just typing") == "(no open question to answer; type `/interview question` to get one)\n"


async def test_admin_commands_are_refused_for_non_admins(make_session) -> None:
    bot = await make_session()
    await bot.say("/interview question")
    channel = ChannelRef("console", "local", "console")
    guest = Actor(UserRef("console", "local", "guest"), "guest", is_admin=False)
    for text in ("reveal", "skip", "schedule set 10:00", "schedule pause"):
        responses = await bot.core.handle(CommandInvoked(channel, guest, text))
        assert [r.private for r in responses] == [True]
        assert "Only admins" in responses[0].message.text
    pressed = await bot.core.handle(ButtonPressed(channel, guest, "reveal_now", "1"))
    assert "Only admins" in pressed[0].message.text
    assert (await bot.core.repo.get_round(1)).is_open
    # An admin listed in config is an admin whatever the platform says.
    listed = await make_session(INTERVIEW_BOT_BOT__ADMINS="console:guest")
    responses = await listed.core.handle(CommandInvoked(channel, guest, "reveal"))
    assert "Revealed round 1." in responses[0].message.text


async def test_a_repeated_reply_event_is_stored_once(make_session) -> None:
    bot = await make_session()
    await bot.say("/interview question")
    round_ = await bot.core.repo.current_round(bot.app.console.channel)
    actor = bot.app.console.actor
    event = ThreadReplyCreated(round_.thread, actor, "platform-msg-1", "早停")
    await bot.core.handle(event)
    await bot.core.handle(event)
    assert len(await bot.core.repo.replies_for_round(round_.id)) == 1


async def test_user_text_cannot_ping_the_channel_through_the_reveal(make_session) -> None:
    bot = await make_session()
    await bot.say("/interview question")
    await bot.say("/interview answer @everyone look <!channel>")
    revealed = await bot.say("/interview reveal")
    assert "@everyone" not in revealed and "<!channel>" not in revealed
    assert "@\u200beveryone" in revealed


async def test_bad_arguments_get_one_short_private_line(make_session) -> None:
    bot = await make_session()
    cases = {
        "/interview schedule set 25:00": "expected a time of day like 09:30",
        "/interview schedule set 09:30 Mars/Base": "unknown timezone 'Mars/Base'",
        "/interview schedule set 09:30 someday": "don't know what 'someday' is",
        "/interview schedule set 09:30 reveal=soon": "expected a duration like 6h",
        "/interview answer": "write your answer after `answer`",
        "/interview question now": "`question` takes no arguments",
        "/interview frobnicate": "Unknown command `frobnicate`",
    }
    for line, expected in cases.items():
        out = await bot.say(line)
        assert out.startswith("(only you can see this)\n"), line
        body = out.split("\n", 1)[1].strip()
        assert "\n" not in body, (line, body)
        assert expected in body, (line, body)


async def test_skip_closes_the_round_without_reveal_and_posts_another(make_session) -> None:
    bot = await make_session()
    first = await bot.say("/interview question")
    skipped = await bot.say("/interview skip")
    assert "Skipped round 1" in skipped
    assert "Reference answer" not in skipped
    assert round_id(skipped) == 2
    old = await bot.core.repo.get_round(1)
    new = await bot.core.repo.get_round(2)
    assert old.status.value == "skipped" and new.is_open
    assert old.question_id != new.question_id, first


async def test_help_and_stats(make_session) -> None:
    bot = await make_session()
    assert "/interview schedule set HH:MM" in await bot.say("/interview help")
    assert "You answered 0 question(s) with 0 answer(s)" in await bot.say("/interview stats")
    await bot.say("/interview question")
    question = bot.core.bank.get((await bot.core.repo.get_round(1)).question_id)
    await bot.say(question.key_points[0].name)
    stats = await bot.say("/interview stats")
    coverage = round(100 / len(question.key_points))
    assert f"You answered 1 question(s) with 1 answer(s); average key-point coverage {coverage}%." in stats
    assert "Streak: 1 day(s). Reviews due: 0." in stats
    # Admins also get the channel's participation chart; the console saves it as a PNG.
    saved = stats.split("(attachment saved to ")[1].split(")")[0]
    with open(saved, "rb") as chart:
        assert chart.read(8) == b"\x89PNG\r\n\x1a\n"


async def test_chinese_channel_gets_chinese_interface(make_session) -> None:
    bot = await make_session()
    saved = await bot.say("/interview schedule set 09:30 Asia/Shanghai mon-fri reveal=6h lang=zh")
    assert "每日一题" in saved
    posted = await bot.say("/interview question")
    assert "练习题" in posted and "私下作答" in posted


async def test_hints_reveal_one_key_point_at_a_time_and_show_in_the_summary(make_session) -> None:
    bot = await make_session()
    assert "no open question" in await bot.say("/interview hint")
    await bot.say("/interview question")
    question = bot.core.bank.get((await bot.core.repo.get_round(1)).question_id)
    total = len(question.key_points)
    first = await bot.say("/interview hint")
    assert first.startswith("(only you can see this)")
    assert f"Hint 1 of {total}: {question.key_points[0].name}" in first
    assert f"Hint 2 of {total}: {question.key_points[1].name}" in await bot.say("/interview hint")
    for _ in range(total - 2):
        await bot.say("/interview hint")
    assert f"No hints left: all {total} key points were shown." in await bot.say("/interview hint")
    await bot.say("/as alice /interview hint")
    await bot.say(question.key_points[0].name)
    await bot.say(f"/as alice {question.key_points[0].name}")
    revealed = await bot.say("/interview reveal")
    assert f"you: 1 of {total} key points ({total} hint(s) used)" in revealed
    assert f"alice: 1 of {total} key points (1 hint(s) used)" in revealed


async def test_rotation_asks_every_question_once_per_cycle(make_session) -> None:
    bot = await make_session()
    for _ in range(6):
        await bot.say("/interview question")
        await bot.say("/interview reveal")
    rounds = [await bot.core.repo.get_round(n) for n in range(1, 7)]
    first, second = [r.question_id for r in rounds[:3]], [r.question_id for r in rounds[3:]]
    assert sorted(first) == sorted(second) == ["deployment", "evaluation", "overfitting"]
    assert [r.cycle for r in rounds] == [0, 0, 0, 1, 1, 1]
