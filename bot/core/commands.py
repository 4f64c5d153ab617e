"""Parsing ``/interview ...`` text into commands, the same on every platform.

A bad argument raises ``UsageError`` carrying the usage line and the reason, which the
core turns into one short private reply. Every value has an upper bound (the ``MAX_*``
constants here and in bot.core.schedule, listed in the README), checked before it is
used, so what parses is safe to store and to compute with. Pure: no I/O, no storage.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from datetime import time, timedelta

from bot.core.i18n import LANGUAGES
from bot.core.schedule import (
    MAX_SHOWN,
    ScheduleValueError,
    is_ascii_digits,
    parse_days,
    parse_reveal_after,
    parse_time_of_day,
    parse_timezone,
    shown,
)

USAGE = {
    "question": "/interview question",
    "answer": "/interview answer TEXT",
    "reveal": "/interview reveal",
    "skip": "/interview skip",
    "schedule": "/interview schedule set|show|pause|resume",
    "schedule set": "/interview schedule set HH:MM [TIMEZONE] [DAYS] [reveal=6h] [tags=a,b] [lang=en|zh]",
    "stats": "/interview stats",
    "hint": "/interview hint",
    "help": "/interview help",
    "study": "/interview study start|next|stop",
    "study start": "/interview study start [tags=a,b] [count=5] [answer_minutes=3]",
    "practice": "/interview practice [answer TEXT]",
    "rate": "/interview rate again|hard|good|easy [ROUND]",
    "me": "/interview me timezone ZONE | me lang en|zh",
    "leaderboard": "/interview leaderboard [week|month|all]",
    "packs": "/interview packs list | packs enable PACK | packs disable PACK",
}
_COMMAND_WORDS = frozenset(key.split()[0] for key in USAGE)
ADMIN_COMMANDS = frozenset(
    {"reveal", "skip", "schedule set", "schedule pause", "schedule resume", "packs enable", "packs disable"}
)
RATINGS = ("again", "hard", "good", "easy")
LEADERBOARD_WINDOWS = ("week", "month", "all")
MAX_STUDY_COUNT = 20
MAX_ANSWER_MINUTES = 60
# An answer longer than this is refused (not cut): Discord's answer option and the answer
# forms stop at the same length, so every platform behaves alike.
MAX_ANSWER_LENGTH = 4_000
MAX_COMMAND_LENGTH = MAX_ANSWER_LENGTH + 100  # the whole text after /interview
MAX_TAGS = 10
MAX_TAG_LENGTH = 40
MAX_PACK_ID_LENGTH = 64
MAX_ROUND_ID = 2**31 - 1  # a PostgreSQL integer
# Tags and pack ids have the shape the pack loader requires of them.
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*", re.ASCII)
# Text the ledger cannot store (NUL, unpaired surrogates) or a terminal would act on.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


class UsageError(ValueError):
    def __init__(self, command: str, reason: str | None = None) -> None:
        super().__init__(reason or command)
        self.command = command
        self.reason = reason

    @property
    def usage(self) -> str:
        return USAGE.get(self.command, USAGE["help"])


class UnknownCommand(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


@dataclass(frozen=True)
class Command:
    name: str  # "question", "answer", "schedule set", ...
    text: str = ""


@dataclass(frozen=True)
class ScheduleChange:
    """The parts of a schedule an admin gave; None keeps the current value."""

    time_of_day: time | None = None
    timezone: str | None = None
    days: frozenset[int] | None = None
    reveal_after: timedelta | None = None
    tags: tuple[str, ...] | None = None
    language: str | None = None


@dataclass(frozen=True)
class ScheduleSet(Command):
    change: ScheduleChange = field(default_factory=ScheduleChange)


@dataclass(frozen=True)
class StudyStart(Command):
    tags: tuple[str, ...] = ()
    count: int | None = None
    answer_minutes: int | None = None


@dataclass(frozen=True)
class Rate(Command):
    rating: int = 3  # 1 again, 2 hard, 3 good, 4 easy (FSRS's scale)
    round_id: int | None = None


def command_name(text: str) -> str:
    """The command word of ``text`` if it is a known command, else ``"unknown"``: a
    metrics label, so that people typing cannot add label values."""
    stripped = text.strip()
    if stripped.startswith("/interview"):
        stripped = stripped[len("/interview"):].lstrip()
    name = _first_word(stripped[:32])[0].lower() or "help"
    return name if name in _COMMAND_WORDS else "unknown"


def _first_word(text: str) -> tuple[str, str]:
    """The first word and the rest, split at any whitespace (a newline after ``answer``,
    an ideographic space typed with a Chinese keyboard)."""
    parts = text.split(maxsplit=1)
    return (parts[0], parts[1].strip() if len(parts) > 1 else "") if parts else ("", "")


def parse_command(text: str) -> Command:
    """Read the text after ``/interview``. An empty text means help."""
    stripped = text.strip()
    if stripped.startswith("/interview"):
        stripped = stripped[len("/interview"):].strip()
    head, rest = _first_word(stripped)
    name = head.lower()
    _check_text(name, stripped, rest)
    if name in ("", "help"):
        return Command("help")
    if name in ("question", "reveal", "skip", "stats", "hint"):
        if rest:
            raise UsageError(name, f"`{name}` takes no arguments")
        return Command(name)
    if name == "answer":
        if not rest:
            raise UsageError("answer", "write your answer after `answer`")
        return Command("answer", _answer_text("answer", rest))
    if name == "schedule":
        return _parse_schedule(rest)
    if name == "study":
        return _parse_study(rest)
    if name == "practice":
        sub, _, text = rest.partition(" ")
        if not sub:
            return Command("practice")
        if sub.lower() == "answer" and text.strip():
            return Command("practice answer", _answer_text("practice", text.strip()))
        raise UsageError("practice", "write your answer after `practice answer`")
    if name == "rate":
        return _parse_rate(rest)
    if name == "me":
        return _parse_me(rest)
    if name == "packs":
        sub, _, pack_id = rest.partition(" ")
        sub, pack_id = sub.lower() or "list", pack_id.strip()
        if sub == "list" and not pack_id:
            return Command("packs list")
        if sub in ("enable", "disable") and pack_id and " " not in pack_id:
            if len(pack_id) > MAX_PACK_ID_LENGTH or not SLUG.fullmatch(pack_id):
                raise UsageError("packs", f"expected a pack id like ml-basics, got {shown(pack_id)}")
            return Command(f"packs {sub}", pack_id)
        raise UsageError("packs", f"unknown packs action {shown(sub)}" if sub not in ("enable", "disable") else
                         "name one pack id")
    if name == "leaderboard":
        window = rest.lower() or "week"
        if window not in LEADERBOARD_WINDOWS:
            raise UsageError("leaderboard", f"unknown window {shown(rest)}")
        return Command("leaderboard", window)
    raise UnknownCommand(head if len(head) <= MAX_SHOWN else head[:MAX_SHOWN] + "…")


def _check_text(name: str, stripped: str, rest: str) -> None:
    """The whole text's bounds, before any part of it is read."""
    usage = name if name in USAGE else "help"
    if len(stripped) > MAX_COMMAND_LENGTH:
        if name in ("answer", "practice"):
            _answer_text(name, rest)
        raise UsageError(usage, f"the command is {len(stripped):,} characters long; at most "
                                f"{MAX_COMMAND_LENGTH:,} are read")
    if _CONTROL.search(stripped):
        raise UsageError(usage, "the text holds control characters; type it again as plain text")


def id_from(text: str) -> int | None:
    """A round id carried by a button or form (only the bot wrote it, but a forged request
    may carry anything): ASCII digits in range, else None."""
    if not is_ascii_digits(text, len(str(MAX_ROUND_ID))):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ROUND_ID else None


def clean_answer(text: str) -> str:
    """An answer that reached the bot without the command parser (a thread reply, a form):
    control characters a database may refuse (PostgreSQL takes no NUL) become spaces, and a
    text over ``MAX_ANSWER_LENGTH`` is cut there. Grading and storing read the same text."""
    return _CONTROL.sub(" ", text[:MAX_ANSWER_LENGTH])


def _answer_text(command: str, text: str) -> str:
    if len(text) > MAX_ANSWER_LENGTH:
        raise UsageError(command, f"your answer is {len(text):,} characters long; at most "
                                  f"{MAX_ANSWER_LENGTH:,} are kept, so shorten it and send it again")
    return text


def _tags(command: str, value: str) -> tuple[str, ...]:
    tags = tuple(dict.fromkeys(t.strip().lower() for t in value.split(",") if t.strip()))
    if len(tags) > MAX_TAGS:
        raise UsageError(command, f"at most {MAX_TAGS} tags, got {len(tags)}")
    for tag in tags:
        if len(tag) > MAX_TAG_LENGTH or not SLUG.fullmatch(tag):
            raise UsageError(command, f"tags are words like rag or transfer-learning (at most "
                                      f"{MAX_TAG_LENGTH} characters), got {shown(tag)}")
    return tags


def _parse_study(rest: str) -> Command:
    sub, _, args = rest.partition(" ")
    sub = sub.lower()
    if sub in ("next", "stop"):
        if args.strip():
            raise UsageError("study", f"`study {sub}` takes no arguments")
        return Command(f"study {sub}")
    if sub != "start":
        raise UsageError("study", f"unknown study action {shown(sub)}" if sub else None)
    values: dict[str, object] = {}
    for token in args.split():
        key, sep, value = token.partition("=")
        key = key.lower()
        if not sep:
            raise UsageError("study start", f"expected key=value, got {shown(token)}")
        if key in ("tags", "tag"):
            values["tags"] = _tags("study start", value)
        elif key == "count":
            values["count"] = _bounded_int("study start", key, value, 1, MAX_STUDY_COUNT)
        elif key in ("answer_minutes", "minutes"):
            values["answer_minutes"] = _bounded_int("study start", "answer_minutes", value, 1, MAX_ANSWER_MINUTES)
        else:
            raise UsageError("study start", f"unknown option {shown(key)}")
    return StudyStart("study start", **values)  # type: ignore[arg-type]


def _bounded_int(command: str, key: str, value: str, low: int, high: int) -> int:
    if not is_ascii_digits(value, len(str(high))) or not low <= int(value) <= high:
        raise UsageError(command, f"{key} must be a whole number from {low} to {high}, got {shown(value)}")
    return int(value)


def _parse_rate(rest: str) -> Command:
    words = rest.lower().split()
    if not words or words[0] not in RATINGS or len(words) > 2:
        raise UsageError("rate", "rate yourself with again, hard, good or easy" if not words else None)
    round_id = None
    if len(words) == 2:
        round_id = _bounded_int("rate", "ROUND", words[1], 1, MAX_ROUND_ID)
    return Rate("rate", rating=RATINGS.index(words[0]) + 1, round_id=round_id)


def _parse_me(rest: str) -> Command:
    key, _, value = rest.partition(" ")
    key, value = key.lower(), value.strip()
    if key in ("timezone", "tz"):
        try:
            return Command("me timezone", parse_timezone(value))
        except ScheduleValueError as exc:
            raise UsageError("me", str(exc)) from None
    if key in ("lang", "language"):
        if value not in LANGUAGES:
            raise UsageError("me", f"unknown language {shown(value)}; use {' or '.join(LANGUAGES)}")
        return Command("me lang", value)
    raise UsageError("me", f"unknown setting {shown(key)}" if key else None)


def _parse_schedule(rest: str) -> Command:
    sub, _, args = rest.partition(" ")
    sub = sub.lower()
    if sub in ("", "show"):
        return Command("schedule show")
    if sub in ("pause", "resume"):
        if args.strip():
            raise UsageError("schedule", f"`schedule {sub}` takes no arguments")
        return Command(f"schedule {sub}")
    if sub != "set":
        raise UsageError("schedule", f"unknown schedule action {shown(sub)}")
    try:
        tokens = shlex.split(args)
    except ValueError as exc:
        raise UsageError("schedule set", str(exc)) from None
    if not tokens:
        raise UsageError("schedule set", "give at least a time, e.g. 09:30")
    values: dict[str, object] = {}
    try:
        for token in tokens:
            _read_schedule_token(token, values)
    except (ScheduleValueError, UsageError) as exc:
        raise UsageError("schedule set", str(exc)) from None
    return ScheduleSet("schedule set", change=ScheduleChange(**values))  # type: ignore[arg-type]


def _read_schedule_token(token: str, values: dict[str, object]) -> None:
    key, sep, value = token.partition("=")
    key = key.lower()
    if sep:
        if key in ("reveal", "reveal_after"):
            _put(values, "reveal_after", parse_reveal_after(value), token)
        elif key in ("tags", "tag"):
            _put(values, "tags", _tags("schedule set", value), token)
        elif key in ("lang", "language"):
            if value not in LANGUAGES:
                raise ScheduleValueError(f"unknown language {shown(value)}; use {' or '.join(LANGUAGES)}")
            _put(values, "language", value, token)
        elif key in ("tz", "timezone"):
            _put(values, "timezone", parse_timezone(value), token)
        elif key in ("days", "day"):
            _put(values, "days", parse_days(value), token)
        elif key == "time":
            _put(values, "time_of_day", parse_time_of_day(value), token)
        else:
            raise ScheduleValueError(f"unknown option {shown(key)}")
    elif ":" in token and token.replace(":", "").isascii() and token.replace(":", "").isdigit():
        _put(values, "time_of_day", parse_time_of_day(token), token)
    elif "/" in token or token.upper() in ("UTC", "GMT"):
        _put(values, "timezone", parse_timezone(token), token)
    else:
        try:
            _put(values, "days", parse_days(token), token)
        except ScheduleValueError:
            raise ScheduleValueError(
                f"don't know what {shown(token)} is: expected a time (09:30), a timezone "
                "(Asia/Shanghai), days (mon-fri) or key=value"
            ) from None


def _put(values: dict[str, object], key: str, value: object, token: str) -> None:
    if key in values:
        raise ScheduleValueError(f"{key.replace('_', ' ')} given twice ({shown(token)})")
    values[key] = value
