"""Parsing of `/interview` text: every platform hands the core the same words."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from bot.core.commands import ScheduleSet, UnknownCommand, UsageError, command_name, parse_command
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


# --- bounds: every value is checked before it is used, and a bad one is a UsageError ------


@pytest.mark.parametrize(
    ("text", "command", "reason"),
    [
        ("schedule set 09:30 reveal=9999999d", "schedule set", "reveal delay must be from 1m to 7d"),
        ("schedule set 09:30 reveal=8d", "schedule set", "reveal delay must be from 1m to 7d"),
        ("schedule set 09:30 reveal=30s", "schedule set", "reveal delay must be from 1m to 7d"),
        ("schedule set 09:30 reveal=" + "9" * 4000, "schedule set", "expected a duration like 6h"),
        ("schedule set 09:30 reveal=9999999", "schedule set", "reveal delay must be from 1m to 7d"),
        ("schedule set 09:30 reveal=²h", "schedule set", "expected a duration like 6h"),
        ("schedule set ٠٩:٣٠", "schedule set", "don't know what '٠٩:٣٠' is"),
        ("schedule set time=٠٩:٣٠", "schedule set", "expected a time of day like 09:30"),
        ("schedule set 09:30 " + "Europe/" + "x" * 300, "schedule set", "unknown timezone"),
        ("schedule set 09:30 tz=" + "A" * 300, "schedule set", "unknown timezone"),
        ("schedule set 09:30 tz=../../etc/passwd", "schedule set", "unknown timezone"),
        ("schedule set 09:30 tags=" + ",".join(f"t{n}" for n in range(11)), "schedule set", "at most 10 tags"),
        ("schedule set 09:30 tags=" + "a" * 41, "schedule set", "at most 40 characters"),
        ("schedule set 09:30 tags=rag,Über", "schedule set", "tags are words like rag"),
        ("schedule set 09:30 days=" + "mon," * 40, "schedule set", "expected weekdays like mon-fri"),
        ("schedule set 09:30 lang=" + "x" * 500, "schedule set", "unknown language"),
        ("study start count=²", "study start", "count must be a whole number from 1 to 20"),
        ("study start count=٣", "study start", "count must be a whole number from 1 to 20"),
        ("study start count=" + "9" * 4000, "study start", "count must be a whole number from 1 to 20"),
        ("study start count=0", "study start", "count must be a whole number from 1 to 20"),
        ("study start answer_minutes=61", "study start", "answer_minutes must be a whole number from 1 to 60"),
        ("study start tags=a_b", "study start", "tags are words like rag"),
        ("rate good ²", "rate", "ROUND must be a whole number from 1 to 2147483647"),
        ("rate good 2147483648", "rate", "ROUND must be a whole number"),
        ("rate good 0", "rate", "ROUND must be a whole number"),
        ("me timezone " + "a" * 300, "me", "unknown timezone"),
        ("me tz Mars/Base", "me", "unknown timezone 'Mars/Base'"),
        ("packs enable " + "p" * 65, "packs", "expected a pack id like ml-basics"),
        ("packs enable ../secrets", "packs", "expected a pack id like ml-basics"),
        ("answer " + "x" * 4001, "answer", "your answer is 4,001 characters long; at most 4,000"),
        ("practice answer " + "x" * 4001, "practice", "your answer is 4,001 characters long"),
        ("answer " + "x" * 100_000, "answer", "your answer is 100,000 characters long"),
        ("answer a\x00b", "answer", "control characters"),
        ("answer a\ud800b", "answer", "control characters"),
        ("stats " + "x" * 5000, "stats", "at most 4,100 are read"),
        ("x" * 5000, "help", "at most 4,100 are read"),
    ],
)
def test_values_out_of_bounds_are_usage_errors(text: str, command: str, reason: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_command(text)
    assert caught.value.command == command
    assert reason in str(caught.value)
    assert len(str(caught.value)) < 200  # a huge value is never repeated whole


def test_values_at_their_bounds_are_taken() -> None:
    change = parse_command("schedule set 09:30 reveal=7d tags=" + ",".join(f"t{n}" for n in range(10))).change
    assert change.reveal_after == timedelta(days=7) and len(change.tags) == 10  # type: ignore[attr-defined]
    assert parse_command("schedule set 09:30 reveal=1m").change.reveal_after == timedelta(minutes=1)  # type: ignore[attr-defined]
    assert parse_command("rate good 2147483647").round_id == 2**31 - 1  # type: ignore[attr-defined]
    assert parse_command("study start count=20 answer_minutes=60").count == 20  # type: ignore[attr-defined]
    assert parse_command("answer " + "x" * 4000).text == "x" * 4000
    assert parse_command("schedule set 09:30 tz=America/Argentina/ComodRivadavia").change.timezone  # type: ignore[attr-defined]


def test_an_answer_may_start_on_a_new_line_or_after_an_ideographic_space() -> None:
    assert parse_command("answer\n第一点\n第二点").text == "第一点\n第二点"
    assert parse_command("answer\u3000早停法").text == "早停法"


def test_an_unknown_word_is_repeated_back_short() -> None:
    with pytest.raises(UnknownCommand) as caught:
        parse_command("z" * 3000)
    assert len(caught.value.name) <= 41


@pytest.mark.parametrize(
    ("text", "label"),
    [("question", "question"), ("/interview schedule set 09:30", "schedule"), ("ANSWER foo", "answer"),
     ("", "help"), ("   ", "help"), ("dance", "unknown"), ("/interview frobnicate now", "unknown"),
     ("answerx", "unknown"), ("x" * 10_000, "unknown"), ("²", "unknown")],
)
def test_the_metrics_label_is_a_known_command_or_unknown(text: str, label: str) -> None:
    assert command_name(text) == label
