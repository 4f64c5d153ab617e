"""Property tests of everything people type: any text gives a result within the documented
bounds or the one expected error, quickly, and never another exception."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.commands import (
    LEADERBOARD_WINDOWS,
    MAX_ANSWER_LENGTH,
    MAX_ANSWER_MINUTES,
    MAX_PACK_ID_LENGTH,
    MAX_ROUND_ID,
    MAX_STUDY_COUNT,
    MAX_TAG_LENGTH,
    MAX_TAGS,
    SLUG,
    Command,
    Rate,
    ScheduleSet,
    StudyStart,
    UnknownCommand,
    UsageError,
    parse_command,
)
from bot.core.i18n import LANGUAGES
from bot.core.schedule import (
    MAX_DURATION,
    MAX_REVEAL_AFTER,
    MAX_TIMEZONE_LENGTH,
    MIN_REVEAL_AFTER,
    Schedule,
    ScheduleValueError,
    parse_days,
    parse_duration,
    parse_reveal_after,
    parse_time_of_day,
    parse_timezone,
    timezone_names,
)
from bot.scheduling.scheduler import LOOKBACK, occurrences

# 100 ms for any one input, as the brief of the parser; no example database in the tree.
FAST = settings(deadline=timedelta(milliseconds=100), database=None, max_examples=300)
ZONES = timezone_names()
ALL_ZONES = frozenset(ZONES)

# Digits str.isdigit takes besides 0-9: other scripts' (which int reads) and superscripts,
# circled digits and the like (which int refuses).
other_digits = st.characters(categories=["Nd", "No"]).filter(lambda c: c.isdigit() and not c.isascii())
huge_numbers = st.text(alphabet="0123456789", min_size=7, max_size=6000)
controls = st.characters(categories=["Cc", "Cs"])
numbers = st.one_of(
    st.integers(min_value=-5, max_value=10**30).map(str),
    huge_numbers,
    st.text(alphabet=other_digits, min_size=1, max_size=4),
    st.builds(lambda n, unit: f"{n}{unit}", st.one_of(st.integers(0, 10**30).map(str), huge_numbers,
                                                       st.text(alphabet=other_digits, min_size=1, max_size=3)),
              st.sampled_from("dhms")),
)
values = st.one_of(
    numbers,
    st.text(max_size=30),
    st.text(min_size=60, max_size=5000),
    st.text(alphabet=controls, min_size=1, max_size=3),
    st.sampled_from(ZONES),
    st.sampled_from(["09:30", "٠٩:٣٠", "mon-fri", "daily", "UTC", "6h", "9999999d", "rag,training", "zh",
                     "good", "week", "Europe/Berlin", "mon,wed", "23:59", "answer", "ml-basics"]),
)
options = st.builds(lambda key, value: f"{key}={value}",
                    st.sampled_from(["reveal", "count", "answer_minutes", "minutes", "tags", "lang", "tz", "days",
                                     "time", "reveal_after"]), values)
words = st.one_of(values, options)
ratings = st.sampled_from(["again", "hard", "good", "easy", "GOOD", "fine"])
separators = st.sampled_from([" ", "  ", "\t", "\n", "\u3000"])


def joined(*parts: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(*parts, separators).map(lambda t: t[-1].join(t[:-1]))


command_texts = st.one_of(
    st.text(max_size=300),
    joined(st.sampled_from(["schedule set", "/interview schedule set"]),
           st.lists(words, min_size=1, max_size=5).map(" ".join)),
    joined(st.just("study start"), st.lists(options, min_size=1, max_size=4).map(" ".join)),
    joined(st.just("rate"), ratings, numbers),
    joined(st.sampled_from(["me timezone", "me tz", "me lang", "packs enable", "packs disable", "answer",
                            "practice answer", "leaderboard", "study", "schedule", "question", "help"]), values),
    joined(st.sampled_from(["", "/interview", "dance", "ANSWER", "²"]), st.lists(words, max_size=3).map(" ".join)),
)


def assert_within_bounds(command: Command) -> None:
    assert isinstance(command, Command)
    if isinstance(command, ScheduleSet):
        change = command.change
        assert change.reveal_after is None or MIN_REVEAL_AFTER <= change.reveal_after <= MAX_REVEAL_AFTER
        assert change.timezone is None or (change.timezone in ALL_ZONES
                                           and len(change.timezone) <= MAX_TIMEZONE_LENGTH)
        assert change.days is None or (change.days and change.days <= frozenset(range(7)))
        assert change.language is None or change.language in LANGUAGES
        assert_tags(change.tags or ())
    elif isinstance(command, StudyStart):
        assert command.count is None or 1 <= command.count <= MAX_STUDY_COUNT
        assert command.answer_minutes is None or 1 <= command.answer_minutes <= MAX_ANSWER_MINUTES
        assert_tags(command.tags)
    elif isinstance(command, Rate):
        assert 1 <= command.rating <= 4
        assert command.round_id is None or 1 <= command.round_id <= MAX_ROUND_ID
    elif command.name in ("answer", "practice answer"):
        assert 0 < len(command.text) <= MAX_ANSWER_LENGTH
        assert not any(ch < " " and ch not in "\t\n\r" for ch in command.text)
    elif command.name == "me timezone":
        assert command.text in ALL_ZONES
    elif command.name == "me lang":
        assert command.text in LANGUAGES
    elif command.name in ("packs enable", "packs disable"):
        assert len(command.text) <= MAX_PACK_ID_LENGTH and SLUG.fullmatch(command.text)
    elif command.name == "leaderboard":
        assert command.text in LEADERBOARD_WINDOWS
    else:
        assert command.text == ""


def assert_tags(tags: tuple[str, ...]) -> None:
    assert len(tags) <= MAX_TAGS
    assert all(len(tag) <= MAX_TAG_LENGTH and SLUG.fullmatch(tag) for tag in tags)


@FAST
@given(command_texts)
def test_any_command_text_parses_within_bounds_or_is_a_usage_error(text: str) -> None:
    try:
        command = parse_command(text)
    except (UsageError, UnknownCommand) as exc:
        assert len(str(exc)) < 300  # one short line, whatever was typed
        return
    assert_within_bounds(command)


durations = st.one_of(
    st.text(max_size=40),
    st.builds(lambda n, unit: f"{n}{unit}", st.integers(min_value=0, max_value=10**12),
              st.sampled_from(["", "d", "h", "m", "s", " h", "D"])),
    st.builds("".join, st.lists(st.builds(lambda n, u: f"{n}{u}", st.integers(0, 10**7), st.sampled_from("dhms")),
                                max_size=6)),
    huge_numbers,
    st.builds(lambda digits, unit: digits + unit, huge_numbers, st.sampled_from(["d", "h", "m", "s"])),
    st.text(alphabet=st.one_of(other_digits, st.sampled_from("dhms")), max_size=10),
)


@FAST
@given(durations)
def test_any_duration_is_bounded_or_a_schedule_value_error(text: str) -> None:
    try:
        value = parse_duration(text)
    except ScheduleValueError:
        pass
    else:
        assert timedelta(0) <= value <= MAX_DURATION
    try:
        reveal = parse_reveal_after(text)
    except ScheduleValueError:
        pass
    else:
        assert MIN_REVEAL_AFTER <= reveal <= MAX_REVEAL_AFTER


@FAST
@given(st.one_of(st.text(max_size=100), st.lists(st.sampled_from(
    ["mon", "tue", "wed", "thu", "fri", "sat", "sun", "-", ",", "daily", "weekdays", "Monday", " "]),
    max_size=40).map("".join), st.text(min_size=60, max_size=3000)))
def test_any_days_text_is_some_weekdays_or_a_schedule_value_error(text: str) -> None:
    try:
        days = parse_days(text)
    except ScheduleValueError:
        return
    assert days and days <= frozenset(range(7))


@FAST
@given(st.one_of(st.text(max_size=20),
                 st.builds(lambda h, m: f"{h}:{m}", st.integers(-5, 10**6), st.integers(-5, 10**6)),
                 st.builds(lambda h, m: f"{h}:{m}", st.text(other_digits, min_size=1, max_size=2),
                           st.text(other_digits, min_size=2, max_size=2))))
def test_any_time_text_is_a_time_of_day_or_a_schedule_value_error(text: str) -> None:
    try:
        value = parse_time_of_day(text)
    except ScheduleValueError:
        return
    assert isinstance(value, time) and not value.second


@FAST
@given(st.one_of(st.text(max_size=80), st.text(min_size=65, max_size=5000), st.sampled_from(ZONES),
                 st.sampled_from(ZONES).map(lambda z: "../" + z), st.sampled_from(ZONES).map(str.lower),
                 st.sampled_from(["/etc/passwd", "..", ".", "", "Europe/../Europe/Berlin", "UTC\x00"])))
def test_any_timezone_text_is_a_known_zone_or_a_schedule_value_error(text: str) -> None:
    try:
        name = parse_timezone(text)
    except ScheduleValueError:
        return
    assert name in ALL_ZONES and len(name) <= MAX_TIMEZONE_LENGTH


@FAST
@given(
    time_text=st.one_of(st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.integers(0, 59)),
                        st.text(max_size=8)),
    zone=st.one_of(st.sampled_from(ZONES), st.text(max_size=70)),
    days_text=st.one_of(st.sampled_from(["mon-fri", "daily", "weekends", "sun", "sat-mon", "wed,fri"]),
                        st.text(max_size=20)),
    reveal_text=durations,
    now=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)),
)
def test_a_schedule_from_parsed_values_gives_its_next_post_and_reveal_time(
    time_text: str, zone: str, days_text: str, reveal_text: str, now: datetime
) -> None:
    try:
        schedule = Schedule(parse_time_of_day(time_text), parse_timezone(zone), parse_days(days_text),
                            parse_reveal_after(reveal_text))
    except ScheduleValueError:
        return
    upcoming = next(occurrences(schedule, now, now + LOOKBACK), None)
    assert upcoming is None or now <= upcoming <= now + LOOKBACK
    assert now < now + schedule.reveal_after <= now + MAX_REVEAL_AFTER
    assert schedule.describe()
