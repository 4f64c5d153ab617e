"""Parsing of `/interview` text: every platform hands the core the same words."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from bot.core.commands import ScheduleSet, UnknownCommand, UsageError, parse_command
from bot.core.messages import defuse_mentions
from bot.core.schedule import Schedule, format_days, parse_days, parse_duration


def test_schedule_set_reads_tokens_in_any_order() -> None:
    command = parse_command("schedule set mon-fri reveal=6h 09:30 Asia/Shanghai tags=training,rag lang=zh")
    assert isinstance(command, ScheduleSet)
    change = command.change
    assert change.time_of_day == time(9, 30)
    assert change.timezone == "Asia/Shanghai"
    assert change.days == frozenset(range(5))
    assert change.reveal_after == timedelta(hours=6)
    assert change.tags == ("training", "rag")
    assert change.language == "zh"


def test_schedule_set_keeps_unspecified_parts_unset() -> None:
    change = parse_command("/interview schedule set 18:00").change  # type: ignore[attr-defined]
    assert change.time_of_day == time(18, 0)
    assert change.timezone is None and change.days is None and change.reveal_after is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("schedule set", "give at least a time"),
        ("schedule set 09:30 10:30", "time of day given twice"),
        ("schedule set 09:30 lang=fr", "unknown language 'fr'"),
        ("schedule set 09:30 color=red", "unknown option 'color'"),
        ("schedule set 09:30 mon-fry", "don't know what 'mon-fry' is"),
        ("schedule explode", "unknown schedule action 'explode'"),
        ("stats please", "`stats` takes no arguments"),
    ],
)
def test_bad_arguments_say_what_was_expected(text: str, reason: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_command(text)
    assert reason in str(caught.value)
    assert caught.value.usage.startswith("/interview")


def test_unknown_command() -> None:
    with pytest.raises(UnknownCommand):
        parse_command("dance")


def test_empty_text_is_help_and_answer_keeps_its_text_verbatim() -> None:
    assert parse_command("").name == "help"
    answer = parse_command("answer  早停法，Dropout; L2 正则化 ")
    assert (answer.name, answer.text) == ("answer", "早停法，Dropout; L2 正则化")


@pytest.mark.parametrize(
    ("spec", "days"),
    [("mon-fri", {0, 1, 2, 3, 4}), ("sat-mon", {5, 6, 0}), ("mon,wed,fri", {0, 2, 4}),
     ("daily", set(range(7))), ("weekends", {5, 6}), ("Tuesday", {1})],
)
def test_weekday_specs(spec: str, days: set[int]) -> None:
    assert parse_days(spec) == frozenset(days)


def test_durations_and_description_round_trip() -> None:
    assert parse_duration("1h30m") == timedelta(minutes=90)
    assert parse_duration("45") == timedelta(minutes=45)
    assert parse_duration("2d") == timedelta(days=2)
    with pytest.raises(ValueError):
        parse_duration("6 hours")
    schedule = Schedule(time(9, 5), "Europe/Berlin", parse_days("mon-fri"), timedelta(minutes=90))
    assert schedule.describe() == "09:05 Europe/Berlin mon-fri reveal=1h30m"
    assert format_days(frozenset({0, 2})) == "mon,wed"


def test_defuse_mentions_breaks_broadcasts_and_user_tokens() -> None:
    text = defuse_mentions("hi @everyone @HERE @channel <@U123> <!channel> <#C1> email a@b.c")
    for token in ("@everyone", "@HERE", "@channel", "<@U123>", "<!channel>", "<#C1>"):
        assert token not in text
    assert "a@b.c" in text
