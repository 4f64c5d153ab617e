"""Bounds end to end: a bad value is one private usage line and changes nothing; a value
stored before the bounds existed does not stop the channel; people typing cannot grow
/metrics."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from sqlalchemy import update

from bot.core.models import Actor
from bot.core.ports import CommandInvoked
from bot.core.schedule import MAX_REVEAL_AFTER
from bot.ops import PrometheusMetrics
from bot.storage.tables import SubscriptionRow

UTC = timezone.utc
MONDAY_0930 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def private_line(out: str) -> str:
    assert out.startswith("(only you can see this)\n"), out
    body = out.split("\n", 1)[1].strip()
    assert "\n" not in body, body
    return body


async def test_a_reveal_delay_out_of_bounds_is_refused_and_the_channel_keeps_posting(make_session, clock) -> None:
    bot = await make_session()
    channel = bot.app.console.channel
    before = await bot.core.repo.get_subscription(channel)

    line = private_line(await bot.say("/interview schedule set 09:30 reveal=9999999d"))

    assert "reveal delay must be from 1m to 7d, got '9999999d'" in line
    assert "Usage: /interview schedule set HH:MM" in line
    assert await bot.core.repo.get_subscription(channel) == before
    clock.set(MONDAY_0930)
    assert "Question of the day" in await bot.tick()
    assert "Posted round" in await bot.say("/interview question")


async def test_bad_values_get_the_usage_line_and_store_nothing(make_session) -> None:
    bot = await make_session()
    channel = bot.app.console.channel
    before = await bot.core.repo.get_subscription(channel)
    cases = {
        "/interview study start count=²": "count must be a whole number from 1 to 20",
        "/interview rate good ²": "ROUND must be a whole number",
        "/interview rate good 99999999999": "ROUND must be a whole number",
        "/interview schedule set 09:30 reveal=" + "9" * 4000: "expected a duration like 6h",
        "/interview schedule set 09:30 tz=" + "A" * 300: "unknown timezone",
        "/interview me timezone " + "Europe/" + "x" * 300: "unknown timezone",
        "/interview schedule set 09:30 tags=" + ",".join(f"t{n}" for n in range(11)): "at most 10 tags",
        "/interview answer " + "x" * 4001: "at most 4,000 are kept",
        "/interview practice answer " + "x" * 4001: "at most 4,000 are kept",
        "/interview " + "x" * 10_000: "at most 4,100 are read",
    }
    for text, reason in cases.items():
        line = private_line(await bot.say(text))
        assert reason in line, (text[:60], line)
        assert len(line) < 400, line
    assert await bot.core.repo.get_subscription(channel) == before
    assert await bot.core.repo.get_prefs(bot.app.console.actor.user) is None


async def test_a_stored_reveal_delay_out_of_bounds_is_read_as_seven_days(
    make_session, clock, database_url, caplog
) -> None:
    bot = await make_session(INTERVIEW_BOT_STORAGE__URL=database_url)
    # As saved before the bounds: SQLite kept 9999999d; PostgreSQL's integer column holds
    # at most 2**31 - 1 seconds (68 years).
    huge = 9_999_999 * 86_400 if database_url.startswith("sqlite") else 2**31 - 1
    async with bot.app.engine.begin() as connection:
        result = await connection.execute(update(SubscriptionRow).values(reveal_after_seconds=huge))
        assert result.rowcount == 1
    await bot.close()
    clock.set(MONDAY_0930 + timedelta(minutes=5))

    with caplog.at_level(logging.WARNING, logger="bot.storage.rows"):
        started = await bot.start()  # the start-up catch-up posts the day's question

    assert [o.outcome for o in bot.app.started] == ["posted"], started
    assert any(f"reveal delay of {huge} seconds" in r.getMessage() for r in caplog.records)
    daily = await bot.core.repo.round_for_day(bot.app.console.channel, MONDAY_0930.date())
    assert daily.reveal_at == clock.now() + MAX_REVEAL_AFTER
    posted = await bot.say("/interview question")
    assert "Posted round" in posted
    assert "reveal=7d" in await bot.say("/interview schedule show")
    clock.set(MONDAY_0930 + timedelta(days=1))
    assert "Question of the day" in await bot.tick()
    # Setting the schedule again stores a bounded value.
    await bot.say("/interview schedule set reveal=6h")
    assert (await bot.core.repo.get_subscription(bot.app.console.channel)).schedule.reveal_after == timedelta(hours=6)


async def test_unknown_command_words_do_not_grow_metrics(make_session) -> None:
    bot = await make_session()
    metrics: PrometheusMetrics = bot.app.metrics
    actor = Actor(bot.app.console.actor.user, "you")
    channel = bot.app.console.channel
    await bot.core.handle(CommandInvoked(channel, actor, "help"))
    await bot.core.handle(CommandInvoked(channel, actor, "dance"))
    size = len(metrics.render())

    for n in range(2000):  # distinct words of letters only, as a person would type them
        word = "".join(chr(ord("a") + int(digit)) for digit in str(n)) + "z" * (n % 50)
        await bot.core.handle(CommandInvoked(channel, actor, f"{word} now"))

    after = metrics.render()
    assert len(after) - size < 100, len(after) - size  # only the counts' digits grew
    labels = {line.split('command="', 1)[1].split('"', 1)[0]
              for line in after.decode().splitlines() if line.startswith("interview_bot_command_seconds_count")}
    assert labels == {"help", "unknown"}


async def test_answers_from_threads_and_forms_are_bounded_and_stored_on_every_database(
    make_session, database_url
) -> None:
    from bot.core.commands import MAX_ANSWER_LENGTH
    from bot.core.ports import PrivateAnswerSubmitted, ThreadReplyCreated

    bot = await make_session(INTERVIEW_BOT_STORAGE__URL=database_url)
    await bot.say("/interview question")
    round_ = await bot.core.repo.current_round(bot.app.console.channel)
    actor = bot.app.console.actor
    # A NUL (PostgreSQL stores none) and far more text than any answer needs.
    await bot.core.handle(ThreadReplyCreated(round_.thread, actor, "m900", "早停\x00" + "x" * 50_000))
    await bot.core.handle(PrivateAnswerSubmitted(bot.app.console.channel, actor, "正则化\x00" + "y" * 9_000))
    replies = await bot.core.repo.replies_for_round(round_.id)
    assert sorted(len(r.text) for r in replies) == [MAX_ANSWER_LENGTH, MAX_ANSWER_LENGTH]
    assert all("\x00" not in r.text for r in replies)
    assert {tuple(r.covered) for r in replies} == {("早停法",), ("正则化",)}


async def test_buttons_carrying_odd_ids_are_ignored(make_session) -> None:
    from bot.core.messages import ACTION_RATE, ACTION_REVEAL_NOW
    from bot.core.ports import ButtonPressed

    bot = await make_session()
    await bot.say("/interview question")
    channel, actor = bot.app.console.channel, bot.app.console.actor
    for action, value in [(ACTION_REVEAL_NOW, "²"), (ACTION_REVEAL_NOW, "9" * 30), (ACTION_REVEAL_NOW, "0"),
                          (ACTION_RATE, "1:²"), (ACTION_RATE, "²:3"), (ACTION_RATE, "9" * 30 + ":3")]:
        assert await bot.core.handle(ButtonPressed(channel, actor, action, value)) == [], (action, value)
    assert (await bot.core.repo.current_round(channel)).is_open
