"""Spaced repetition, private practice, streaks and leaderboards, through the console
and on the pure streak rule, with time from the fake clock."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from bot.core.learning import person_day, streak_length

UTC = timezone.utc
ROLLOVER = time(4, 0)


async def answer_and_reveal(bot, text_for) -> str:  # type: ignore[no-untyped-def]
    """Post a question, answer it as the console user, reveal; returns the question id."""
    await bot.say("/interview question")
    round_ = await bot.core.repo.current_round(bot.app.console.channel)
    question = bot.core.bank.get(round_.question_id)
    await bot.say(text_for(question))
    await bot.say("/interview reveal")
    return question.id


async def test_ratings_order_what_practice_offers(make_session, clock, database_url) -> None:
    bot = await make_session(INTERVIEW_BOT_STORAGE__URL=database_url)
    ids = [await answer_and_reveal(bot, lambda q: q.key_points[0].name) for _ in range(3)]
    again = await bot.say("/interview rate again 1")
    good = await bot.say("/interview rate good 2")
    easy = await bot.say("/interview rate easy 3")
    assert all("Next review of" in out for out in (again, good, easy))
    cards = {c.question_id: c.due for c in await bot.core.repo.review_cards(bot.app.console.actor.user)}
    assert cards[ids[0]] < cards[ids[1]] < cards[ids[2]]  # Again comes back first, Easy last

    # FSRS's learning steps: Again is due in a minute, Good in ten, Easy in days.
    clock.advance(timedelta(minutes=5))  # only the "again" card is due
    offered = await bot.say("/interview practice")
    first = bot.core.bank.get(ids[0])
    assert first.title in offered and "Due for review since" in offered
    result = await bot.say(f"/interview practice answer {first.key_points[0].name} {first.key_points[1].name}")
    assert f"You covered 2 of {len(first.key_points)} key points." in result
    assert f"Reference answer: {first.title}" in result
    assert "[ Again ]  [ Hard ]  [ Good ]  [ Easy ]" in result
    assert "Next review of" in await bot.say("/interview rate easy")
    # The practice answer was rated; the fallback, the newest revealed round, was rated too.
    assert "You already rated round 3." in await bot.say("/interview rate easy")

    # Nothing is due and every question of the small pack has a card: the soonest comes up.
    ahead = await bot.say("/interview practice")
    assert "Nothing is due; this one comes up next" in ahead
    assert bot.core.bank.get(ids[1]).title in ahead

    clock.advance(timedelta(days=400))  # everything is due: the most overdue comes first
    cards = sorted((c.due, c.question_id) for c in await bot.core.repo.review_cards(bot.app.console.actor.user))
    assert bot.core.bank.get(cards[0][1]).title in await bot.say("/interview practice")
    assert "Reviews due: 3" in await bot.say("/interview stats")


async def test_only_people_who_answered_a_revealed_round_can_rate_it(make_session, clock) -> None:
    bot = await make_session()
    await bot.say("/interview question")
    assert "did not answer round 1" in await bot.say("/interview rate good 1")  # not revealed yet
    await bot.say("早停")
    await bot.say("/interview reveal")
    assert "did not answer round 1" in await bot.say("/as alice /interview rate good 1")
    assert "Next review of" in await bot.say("/interview rate good 1")
    assert "Nothing to rate" in await bot.say("/as alice /interview rate good")


def test_streak_survives_the_weekend_and_counts_by_the_persons_day() -> None:
    weekdays = frozenset(range(5))
    # Fri 2026-03-06 and Mon 2026-03-09 in Shanghai (UTC+8); the weekend has no question.
    friday = datetime(2026, 3, 6, 1, 0, tzinfo=UTC)  # 09:00 local
    monday = datetime(2026, 3, 9, 1, 0, tzinfo=UTC)
    assert streak_length([friday, monday], weekdays, "Asia/Shanghai", ROLLOVER, monday) == 2
    # Tuesday before the person has answered: the streak is not broken yet.
    assert streak_length([friday, monday], weekdays, "Asia/Shanghai", ROLLOVER,
                         monday + timedelta(days=1)) == 2
    # Wednesday: Tuesday was missed.
    assert streak_length([friday, monday], weekdays, "Asia/Shanghai", ROLLOVER,
                         monday + timedelta(days=2)) == 0


def test_roll_over_hour_in_two_timezones() -> None:
    weekdays = frozenset(range(7))
    # 01:30 local counts for the day before with a 04:00 roll-over.
    late_berlin = datetime(2026, 3, 3, 0, 30, tzinfo=UTC)  # Tue 01:30 in Berlin (UTC+1)
    assert person_day(late_berlin, "Europe/Berlin", ROLLOVER).isoformat() == "2026-03-02"
    late_ny = datetime(2026, 3, 3, 6, 30, tzinfo=UTC)  # Tue 01:30 in New York (UTC-5)
    assert person_day(late_ny, "America/New_York", ROLLOVER).isoformat() == "2026-03-02"
    # Monday 20:00 then "Tuesday" 01:30 is one day, not two, in each zone...
    monday_berlin = datetime(2026, 3, 2, 19, 0, tzinfo=UTC)
    assert streak_length([monday_berlin, late_berlin], weekdays, "Europe/Berlin", ROLLOVER, late_berlin) == 1
    monday_ny = datetime(2026, 3, 3, 1, 0, tzinfo=UTC)  # Mon 20:00 in New York
    assert streak_length([monday_ny, late_ny], weekdays, "America/New_York", ROLLOVER, late_ny) == 1
    # Monday 10:00 and 20:00 in New York: one day there, two days in Shanghai (23:00, 09:00).
    morning_ny = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
    assert streak_length([morning_ny, monday_ny], weekdays, "America/New_York", ROLLOVER, monday_ny) == 1
    assert streak_length([morning_ny, monday_ny], weekdays, "Asia/Shanghai", ROLLOVER, monday_ny) == 2


async def test_streak_through_the_console_uses_the_persons_timezone(make_session, clock) -> None:
    bot = await make_session()
    assert "Your timezone is now Asia/Shanghai" in await bot.say("/interview me timezone Asia/Shanghai")
    assert "unknown timezone" in await bot.say("/interview me timezone Nowhere/Land")
    clock.set(datetime(2026, 3, 6, 1, 0, tzinfo=UTC))  # Friday 09:00 in Shanghai
    await bot.say("/interview question")
    await bot.say("早停")
    clock.set(datetime(2026, 3, 8, 19, 30, tzinfo=UTC))  # Monday 03:30 in Shanghai: still Sunday
    await bot.say("/interview question")
    await bot.say("早停")
    assert "Streak: 1 day(s)" in await bot.say("/interview stats")  # a weekend answer adds nothing
    clock.set(datetime(2026, 3, 9, 1, 0, tzinfo=UTC))  # Monday 09:00
    await bot.say("早停")
    assert "Streak: 2 day(s)" in await bot.say("/interview stats")


async def test_leaderboard_windows(make_session, clock, database_url) -> None:
    bot = await make_session(INTERVIEW_BOT_STORAGE__URL=database_url)
    full = lambda q: " ".join(kp.name for kp in q.key_points)  # noqa: E731

    await answer_and_reveal(bot, full)  # you, 40 days before the end
    clock.advance(timedelta(days=30))
    await bot.say("/interview question")
    round_ = await bot.core.repo.current_round(bot.app.console.channel)
    await bot.say(f"/as alice {full(bot.core.bank.get(round_.question_id))}")  # alice, 10 days before
    await bot.say("/interview reveal")
    clock.advance(timedelta(days=8))
    await bot.say("/interview question")
    await bot.say("/as bob 不知道")  # bob, 2 days before: answered, no points
    clock.advance(timedelta(days=2))

    week = await bot.say("/interview leaderboard")
    assert "Leaderboard (last 7 days)" in week
    assert "1. bob: 0.0 points, 1 question(s), 1 answer(s)" in week
    assert "alice" not in week and "you:" not in week
    month = await bot.say("/interview leaderboard month")
    assert month.index("1. alice: 1.0 points") < month.index("2. bob: 0.0 points")
    assert "you:" not in month
    everything = await bot.say("/interview leaderboard all")
    assert "you: 1.0 points" in everything and "alice: 1.0 points" in everything
    assert "unknown window 'year'" in await bot.say("/interview leaderboard year")


async def test_weekly_summary_before_the_first_question_of_the_week(make_session, clock) -> None:
    bot = await make_session(INTERVIEW_BOT_PRACTICE__WEEKLY_SUMMARY="true")
    await bot.say("/interview question")
    await bot.say("早停")
    clock.set(datetime(2026, 3, 9, 9, 30, tzinfo=UTC))  # the next Monday, 09:30 UTC
    monday = await bot.tick()
    assert monday.count("Last week in this channel") == 1 and "Question of the day" in monday
    assert "1. you:" in monday
    assert "Last week in this channel" not in await bot.tick()  # the job firing again posts nothing
    clock.set(datetime(2026, 3, 10, 9, 30, tzinfo=UTC))
    assert "Last week in this channel" not in await bot.tick()


async def test_practice_offers_an_unreviewed_question_when_nothing_is_due(make_session) -> None:
    bot = await make_session()
    assert "Start with `/interview practice`" in await bot.say("/interview practice answer 早停")
    offered = await bot.say("/interview practice")
    assert "A question you have not reviewed yet." in offered
    practice = await bot.core.repo.get_practice(bot.app.console.actor.user)
    question = bot.core.bank.get(practice.question_id)
    result = await bot.say(f"/interview practice answer {question.key_points[0].aliases[0]}")
    assert f"You covered 1 of {len(question.key_points)} key points." in result
    assert "Missed: " + ", ".join(kp.name for kp in question.key_points[1:]) in result
    assert "Next review of" in await bot.say("/interview rate hard")
    assert await bot.core.repo.get_review_card(bot.app.console.actor.user, question.id) is not None
