"""Schedule values and their text forms: weekdays, time of day, timezone, durations.

Pure parsing and formatting shared by the command parser and the config loader.
Imports nothing from the rest of the bot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time, timedelta
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
_DURATION_RE = re.compile(r"(\d+)\s*([dhms])")
_DURATION_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}


class ScheduleValueError(ValueError):
    """A schedule value could not be read; the message says what was expected."""


def parse_days(text: str) -> frozenset[int]:
    """Read weekdays such as ``mon-fri``, ``mon,wed,fri``, ``weekdays`` or ``daily`` (0 is Monday)."""
    spec = text.strip().lower()
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
        raise ScheduleValueError(f"expected weekdays like mon-fri or mon,wed,fri, got {text!r}")
    return frozenset(days)


def _day(token: str) -> int:
    try:
        return _DAY_ALIASES[token.strip()]
    except KeyError:
        raise ScheduleValueError(
            f"unknown weekday {token!r}; use {', '.join(DAY_NAMES)}, weekdays or daily"
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
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", text.strip())
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ScheduleValueError(f"expected a time of day like 09:30, got {text!r}")
    return time(int(match[1]), int(match[2]))


def parse_timezone(text: str) -> str:
    """Return the IANA name if the timezone exists (``UTC``, ``Asia/Shanghai``...)."""
    name = text.strip()
    if name in ("", ".") or name.startswith("/") or ".." in name:
        raise ScheduleValueError(f"expected an IANA timezone like Asia/Shanghai, got {text!r}")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleValueError(
            f"unknown timezone {text!r}; expected an IANA name like Europe/Berlin or Asia/Shanghai"
        ) from None
    return name


def timezone_names() -> list[str]:
    return sorted(available_timezones())


def parse_duration(text: str) -> timedelta:
    """Read ``6h``, ``90m``, ``1h30m``, ``2d`` or a bare number of minutes."""
    spec = text.strip().lower().replace(" ", "")
    if spec.isdigit():
        return timedelta(minutes=int(spec))
    pos, total = 0, 0
    for match in _DURATION_RE.finditer(spec):
        if match.start() != pos:
            break
        total += int(match[1]) * _DURATION_UNITS[match[2]]
        pos = match.end()
    if not spec or pos != len(spec):
        raise ScheduleValueError(f"expected a duration like 6h, 90m or 1h30m, got {text!r}")
    return timedelta(seconds=total)


def format_duration(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
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
