"""Group study sessions through the console: timed questions in one thread, every
participant's coverage at each reveal, a scoreboard, and a restart in the middle."""

from __future__ import annotations

from datetime import timedelta

from bot.core.models import StudyStatus


async def current_question(bot):  # type: ignore[no-untyped-def]
    round_ = await bot.core.repo.current_round(bot.app.console.channel)
    return round_, bot.core.bank.get(round_.question_id)


async def test_three_questions_three_people_with_a_restart_in_the_middle(make_session, clock, database_url) -> None:
    bot = await make_session(INTERVIEW_BOT_STORAGE__URL=database_url)
    started = await bot.say("/interview study start count=3 answer_minutes=2")
    assert "Study session" in started and "3 question(s), 2 minute(s) each" in started
    assert "Question 1 of 3" in started and "Study session 1 started." in started
    assert "A study session is already running" in await bot.say("/as alice /interview study start")

    first, q1 = await current_question(bot)
    names1 = [kp.name for kp in q1.key_points]
    await bot.say(" ".join(names1))  # you: everything
    await bot.say(f"/as alice {names1[0]}")
    await bot.say("/as bob 我不确定")
    clock.advance(timedelta(minutes=2))
    moved_on = await bot.tick()
    assert f"Reference answer: {q1.title}" in moved_on
    assert f"alice: 1 of {len(names1)} key points" in moved_on
    assert f"bob: 0 of {len(names1)} key points" in moved_on
    assert "Question 2 of 3" in moved_on

    second, q2 = await current_question(bot)
    assert second.thread == first.thread  # the whole session lives in one thread
    names2 = [kp.name for kp in q2.key_points]
    await bot.say(f"/as alice {' '.join(names2)}")
    await bot.restart()  # the bot goes down mid-question and comes back
    await bot.say(f"/as bob {names2[0]}")
    assert "Only the person who started the session" in await bot.say("/as bob /interview study next")
    advanced = await bot.say("/interview study next")
    assert f"Reference answer: {q2.title}" in advanced and "Question 3 of 3" in advanced

    third, q3 = await current_question(bot)
    assert len({first.question_id, second.question_id, third.question_id}) == 3
    await bot.say(f"/as bob {q3.key_points[0].name}")
    clock.advance(timedelta(minutes=2))
    ended = await bot.tick()
    assert "Scoreboard" in ended
    board = ended.split("Scoreboard", 1)[1]
    alice_points = 1 / len(names1) + 1.0
    bob_points = 1 / len(names2) + 1 / len(q3.key_points)
    ranking = sorted([("you", 1.0), ("alice", alice_points), ("bob", bob_points)], key=lambda p: -p[1])
    positions = [board.index(f"{name}: {points:.1f} points") for name, points in ranking]
    assert positions == sorted(positions)
    assert "bob: " + f"{bob_points:.1f} points over 3 of 3 question(s)" in board
    study = await bot.core.repo.get_study(1)
    assert study.status is StudyStatus.FINISHED
    assert await bot.core.repo.current_round(bot.app.console.channel) is None
    assert "Scoreboard" not in await bot.tick()  # finished once


async def test_stop_reveals_the_open_question_and_posts_the_scoreboard(make_session, clock) -> None:
    bot = await make_session()
    await bot.say("/interview study start count=5")
    _, question = await current_question(bot)
    await bot.say(question.key_points[0].name)
    stopped = await bot.say("/interview study stop")
    assert f"Reference answer: {question.title}" in stopped
    assert "Scoreboard" in stopped and "over 1 of 5 question(s)" in stopped
    assert "Study session stopped." in stopped
    assert "Question 2 of 5" not in stopped
    assert "No study session is running here." in await bot.say("/interview study next")


async def test_a_session_whose_next_question_was_never_posted_resumes_on_start(make_session, clock) -> None:
    bot = await make_session()
    await bot.say("/interview study start count=2 answer_minutes=3")
    round_, _ = await current_question(bot)
    # The bot revealed question 1 and died before posting question 2.
    await bot.core.repo.claim_reveal(round_.id, clock.now(), timedelta(minutes=10))
    await bot.core.repo.finish_reveal(round_.id, clock.now())
    assert "Question 2 of 2" in await bot.restart()


async def test_study_arguments_are_checked(make_session) -> None:
    bot = await make_session()
    assert "count must be a whole number from 1 to 20" in await bot.say("/interview study start count=50")
    assert "No question matches the tags (nothing)" in await bot.say("/interview study start tags=nothing")
    assert await bot.core.repo.running_study(bot.app.console.channel) is None
