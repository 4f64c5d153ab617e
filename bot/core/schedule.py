"""Schedule values and their text forms: weekdays, time of day, timezone, durations.

Pure parsing and formatting shared by the command parser and the config loader.
Imports nothing from the rest of the bot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_ALIASES = {
    **{name: i for i, name in enumerate(DAY_NAMES)},
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3,
    "friday": 4, "saturday": 5, "sunday": 6,
}
_DAY_GROUPS = {
    "daily": frozenset(range(7)),
    "everyday": frozenset(range(7)),
    "weekdays": frozenset(range(5)),
    "weekends": frozenset({5, 6}),
}
_DURATION_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}

# Upper bounds of what people may type, so that nothing later (a timedelta added to now,
# a file looked up by a timezone's name) meets a value it cannot take.
MAX_DURATION_TEXT = 24  # characters of a duration such as "1d12h30m"
MAX_DURATION_DIGITS = 6  # digits of one number in it
MAX_DURATION = timedelta(days=366)  # the most any duration may be, whatever it is for
MIN_REVEAL_AFTER = timedelta(minutes=1)
MAX_REVEAL_AFTER = timedelta(days=7)
# A scheduled post later than this is not made at all (the scheduler's STALE), so a longer
# grace would mean nothing.
MAX_GRACE = timedelta(days=1)
MAX_TIMEZONE_LENGTH = 64  # the longest IANA name is 32 characters
MAX_DAYS_TEXT = 64
MAX_SHOWN = 40  # characters of a bad value repeated back in an error

_DURATION_RE = re.compile(r"([0-9]+)\s*([dhms])", re.ASCII)
_TIME_RE = re.compile(r"([0-9]{1,2}):([0-9]{2})", re.ASCII)


class ScheduleValueError(ValueError):
    """A schedule value could not be read; the message says what was expected."""


def shown(value: str) -> str:
    """``value`` quoted for an error message, cut so that a huge value makes a short line."""
    return repr(value if len(value) <= MAX_SHOWN else value[:MAX_SHOWN] + "…")


def is_ascii_digits(text: str, max_digits: int) -> bool:
    """Only 0-9 (``str.isdigit`` also takes ``²`` and other scripts' digits, which ``int``
    may refuse) and at most ``max_digits`` of them, so ``int`` never meets a huge number."""
    return 0 < len(text) <= max_digits and text.isascii() and text.isdigit()


def parse_days(text: str) -> frozenset[int]:
    """Read weekdays such as ``mon-fri``, ``mon,wed,fri``, ``weekdays`` or ``daily`` (0 is Monday)."""
    spec = text.strip().lower()
    if len(spec) > MAX_DAYS_TEXT:
        raise ScheduleValueError(f"expected weekdays like mon-fri or mon,wed,fri, got {shown(text)}")
    if spec in _DAY_GROUPS:
        return _DAY_GROUPS[spec]
    days: set[int] = set()
    for part in filter(None, (p.strip() for p in spec.split(","))):
        if "-" in part:
            start, _, end = part.partition("-")
            a, b = _day(start), _day(end)
            days.update((a + i) % 7 for i in range(((b - a) % 7) + 1))
        else:
            days.add(_day(part))
    if not days:
        raise ScheduleValueError(f"expected weekdays like mon-fri or mon,wed,fri, got {shown(text)}")
    return frozenset(days)


def _day(token: str) -> int:
    try:
        return _DAY_ALIASES[token.strip()]
    except KeyError:
        raise ScheduleValueError(
            f"unknown weekday {shown(token)}; use {', '.join(DAY_NAMES)}, weekdays or daily"
        ) from None


def format_days(days: frozenset[int]) -> str:
    """The shortest readable form: ``daily``, ``mon-fri`` or a comma list."""
    ordered = sorted(days)
    if len(ordered) == 7:
        return "daily"
    if ordered and ordered == list(range(ordered[0], ordered[-1] + 1)) and len(ordered) > 2:
        return f"{DAY_NAMES[ordered[0]]}-{DAY_NAMES[ordered[-1]]}"
    return ",".join(DAY_NAMES[d] for d in ordered)


def parse_time_of_day(text: str) -> time:
    match = _TIME_RE.fullmatch(text.strip())
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ScheduleValueError(f"expected a time of day like 09:30, got {shown(text)}")
    return time(int(match[1]), int(match[2]))


def parse_timezone(text: str) -> str:
    """Return the IANA name if the timezone exists (``UTC``, ``Asia/Shanghai``...). Only a
    name of the known list is looked up, so no user text ever becomes a file path."""
    name = text.strip()
    if not name or len(name) > MAX_TIMEZONE_LENGTH or name not in _known_timezones():
        raise ScheduleValueError(
            f"unknown timezone {shown(text)}; expected an IANA name like Europe/Berlin or Asia/Shanghai"
        )
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ScheduleValueError(f"timezone {shown(text)} cannot be loaded here") from None
    return name


@cache
def _known_timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def timezone_names() -> list[str]:
    return sorted(_known_timezones())


def parse_duration(text: str, *, minimum: timedelta = timedelta(0), maximum: timedelta = MAX_DURATION,
                   what: str = "duration") -> timedelta:
    """Read ``6h``, ``90m``, ``1h30m``, ``2d`` or a bare number of minutes, from ``minimum``
    to ``maximum`` (both at most ``MAX_DURATION``). The bounds are checked on whole
    seconds before any ``timedelta`` is built, so no number is too big."""
    expected = f"expected a duration like 6h, 90m or 1h30m, got {shown(text)}"
    spec = text.strip().lower().replace(" ", "")
    if not spec or len(spec) > MAX_DURATION_TEXT:
        raise ScheduleValueError(expected)
    if spec.isascii() and spec.isdigit():
        numbers = [(spec, "m")]
    else:
        numbers, pos = [], 0
        for match in _DURATION_RE.finditer(spec):
            if match.start() != pos:
                break
            numbers.append((match[1], match[2]))
            pos = match.end()
        if pos != len(spec):
            raise ScheduleValueError(expected)
    if any(len(number) > MAX_DURATION_DIGITS for number, _ in numbers):
        raise _out_of_range(what, text, minimum, maximum)
    seconds = sum(int(number) * _DURATION_UNITS[unit] for number, unit in numbers)
    maximum = min(maximum, MAX_DURATION)
    if not minimum.total_seconds() <= seconds <= maximum.total_seconds():
        raise _out_of_range(what, text, minimum, maximum)
    return timedelta(seconds=seconds)


def _out_of_range(what: str, text: str, minimum: timedelta, maximum: timedelta) -> ScheduleValueError:
    return ScheduleValueError(
        f"{what} must be from {format_duration(minimum)} to {format_duration(maximum)}, got {shown(text)}"
    )


def parse_reveal_after(text: str) -> timedelta:
    """How long a question stays open: ``MIN_REVEAL_AFTER`` to ``MAX_REVEAL_AFTER``."""
    return parse_duration(text, minimum=MIN_REVEAL_AFTER, maximum=MAX_REVEAL_AFTER, what="reveal delay")


def format_duration(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    parts = []
    for unit, size in _DURATION_UNITS.items():
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts) or "0m"


@dataclass(frozen=True)
class Schedule:
    """When a channel gets its daily question and how long until the answer is revealed."""

    time_of_day: time
    timezone: str
    days: frozenset[int] = field(default_factory=lambda: frozenset(range(5)))
    reveal_after: timedelta = timedelta(hours=6)

    def describe(self) -> str:
        return (
            f"{self.time_of_day:%H:%M} {self.timezone} {format_days(self.days)} "
            f"reveal={format_duration(self.reveal_after)}"
        )
