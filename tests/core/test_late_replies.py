"""Answers after a round closed (its announced reveal time, or the reveal when that came
first) through the console: kept as history, never scored. Leaderboards, stats, streaks,
ratings, the reveal summary and study scoreboards all read them the same way."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.core.i18n import t


async def posted_question(bot):  # type: ignore[no-untyped-def]
    posted = await bot.say("/interview question")
    round_ = await bot.core.repo.current_round(bot.app.console.channel)
    assert round_ is not None, posted
    return round_, bot.core.bank.get(round_.question_id)


def board(output: str) -> list[str]:
    """A leaderboard's lines, without the console's message ids."""
    return [line.strip() for line in output.splitlines() if " points" in line]


def message_id(output: str) -> str:
    match = re.search(r"\((m\d+)\): ", output)
    assert match, output
    return match[1]


async def test_a_reply_after_the_reveal_is_kept_but_changes_no_leaderboard_stats_or_streak(make_session) -> None:
    bot = await make_session()
    round_, question = await posted_question(bot)
    names = [kp.name for kp in question.key_points]
    await bot.say(f"/as alice {names[0]}")
    await bot.say("/interview reveal")
    before = board(await bot.say("/interview leaderboard all"))
    alice_before = await bot.say("/as alice /interview stats")
    assert before and "alice: 0.3 points, 1 question(s), 1 answer(s)" in before[0]

    # After the reveal the round's thread still takes replies (``>N`` answers round N).
    await bot.say(f">{round_.id} {' '.join(names)}")
    await bot.say(f"/as alice >{round_.id} {' '.join(names)}")

    replies = await bot.core.repo.replies_for_round(round_.id)
    assert [(r.user_name, r.late) for r in replies] == [("alice", False), ("you", True), ("alice", True)]
    assert replies[1].covered == tuple(names)  # graded and kept as history
    assert board(await bot.say("/interview leaderboard all")) == before
    assert await bot.say("/as alice /interview stats") == alice_before
    mine = await bot.say("/interview stats")
    assert "You answered 0 question(s) with 0 answer(s)" in mine and "Streak: 0 day(s)" in mine
    # Written with the reference answer in view: there is no recall to rate.
    rated = await bot.say(f"/interview rate good {round_.id}")
    assert t("rate.not_answered", "en", round_id=round_.id) in rated


async def test_an_edit_after_the_reveal_that_adds_every_key_point_changes_no_score(make_session) -> None:
    bot = await make_session()
    round_, question = await posted_question(bot)
    names = [kp.name for kp in question.key_points]
    reply = message_id(await bot.say(f"just {names[0]}"))
    await bot.say(f"/edit {reply} {names[0]} {names[1]}")  # before the reveal: counts
    revealed = await bot.say("/interview reveal")
    assert f"you: 2 of {len(names)} key points" in revealed
    before = board(await bot.say("/interview leaderboard all"))
    stats = await bot.say("/interview stats")

    await bot.say(f"/edit {reply} {' '.join(names)}")

    [stored] = await bot.core.repo.replies_for_round(round_.id)
    assert (stored.text, stored.covered) == (f"{names[0]} {names[1]}", (names[0], names[1]))
    assert stored.late_text == " ".join(names) and not stored.late
    assert board(await bot.say("/interview leaderboard all")) == before
    assert (await bot.say("/interview stats")).split("(attachment")[0] == stats.split("(attachment")[0]

    # Deleting the answer after the reveal does not take it back either.
    await bot.say(f"/delete {reply}")
    [kept] = await bot.core.repo.replies_for_round(round_.id)
    assert kept.late_deleted_at is not None
    assert board(await bot.say("/interview leaderboard all")) == before


async def test_a_reply_deleted_before_the_reveal_still_leaves_the_scores(make_session) -> None:
    bot = await make_session()
    _, question = await posted_question(bot)
    reply = message_id(await bot.say(question.key_points[0].name))
    await bot.say(f"/delete {reply}")
    await bot.say("/interview reveal")
    assert board(await bot.say("/interview leaderboard all")) == []


async def test_a_reveal_delayed_past_its_time_counts_the_late_replies_and_scores_the_rest(
    make_session, clock
) -> None:
    bot = await make_session()
    round_, question = await posted_question(bot)
    names = [kp.name for kp in question.key_points]
    await bot.say(f"/as alice {names[0]}")
    # The announced reveal time passes, and the reveal has not gone out yet (the bot's
    # scheduler is held, as when the bot was down or its platform failing).
    clock.set(round_.reveal_at + timedelta(minutes=5))
    await bot.say(f"/as bob {' '.join(names)}")
    await bot.say(f"/interview answer {' '.join(names)}")

    revealed = await bot.tick()

    assert f"Reference answer: {question.title}" in revealed
    assert f"alice: 1 of {len(names)} key points" in revealed
    assert "bob: " not in revealed and "you: " not in revealed
    assert "2 late reply(s), after the announced reveal time, not scored: bob, you" in revealed
    assert [s.strip() for s in board(await bot.say("/interview leaderboard all"))] == [
        "1. alice: 0.3 points, 1 question(s), 1 answer(s)"]


async def test_only_late_replies_means_nobody_answered_and_says_how_many_were_late(make_session, clock) -> None:
    bot = await make_session(INTERVIEW_BOT_BOT__LANGUAGE="zh")
    round_, question = await posted_question(bot)
    clock.set(round_.reveal_at + timedelta(seconds=1))
    await bot.say(f"/as bob {question.key_points[0].name}")
    revealed = await bot.tick()
    assert t("summary.nobody", "zh") in revealed
    assert t("summary.late", "zh", count=1, names="bob") in revealed


async def test_a_reply_after_a_skip_is_late(make_session) -> None:
    bot = await make_session()
    round_, question = await posted_question(bot)
    await bot.say("/interview skip")
    await bot.say(f">{round_.id} {question.key_points[0].name}")
    [reply] = await bot.core.repo.replies_for_round(round_.id)
    assert reply.late
    assert board(await bot.say("/interview leaderboard all")) == []


async def test_a_study_scoreboard_leaves_out_answers_made_after_their_question_closed(make_session, clock) -> None:
    bot = await make_session()
    await bot.say("/interview study start count=1 answer_minutes=2")
    round_ = await bot.core.repo.current_round(bot.app.console.channel)
    question = bot.core.bank.get(round_.question_id)
    names = [kp.name for kp in question.key_points]
    await bot.say(f"/as alice {names[0]}")
    clock.advance(timedelta(minutes=3))  # past the answer window; the reveal is not out yet
    await bot.say(f"/as bob {' '.join(names)}")

    ended = await bot.tick()

    scoreboard = ended.split("Scoreboard", 1)[1]
    assert "alice: 0.3 points over 1 of 1 question(s)" in scoreboard
    assert "bob" not in scoreboard.split("late")[0]
    assert "1 late reply(s), after their question's answer time, not scored." in scoreboard
    # A reply in the session's thread after the end is stored with its last question, late.
    await bot.say(f"/as carol >{round_.id} {names[0]}")
    assert [r.late for r in await bot.core.repo.replies_for_round(round_.id)] == [False, True, True]


async def test_a_private_answer_after_the_answer_time_is_told_it_is_late(make_session, clock) -> None:
    bot = await make_session()
    round_, question = await posted_question(bot)
    clock.advance(round_.reveal_at - clock.now() + timedelta(seconds=5))  # due, not yet revealed
    said = await bot.say(f"/interview answer {question.key_points[0].name}")
    assert "came after its answer time" in said and "covers" not in said
    [reply] = await bot.core.repo.replies_for_round(round_.id)
    assert reply.late
