"""Settings in layers, later wins: defaults, config/default.toml, a user TOML file, INTERVIEW_BOT_* vars.

Secrets (platform tokens) come only from the environment, ``*_FILE`` or /run/secrets, never from TOML.
Imports only the standard library and bot.core.schedule; every problem is one ConfigError line.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import time, timedelta
from pathlib import Path
from typing import Any

from bot.core.schedule import (
    MAX_GRACE,
    MAX_REVEAL_AFTER,
    MIN_REVEAL_AFTER,
    Schedule,
    is_ascii_digits,
    parse_days,
    parse_duration,
    parse_time_of_day,
    parse_timezone,
)

DEFAULT_CONFIG_FILE = Path(__file__).resolve().parent.parent / "config" / "default.toml"
ENV_PREFIX = "INTERVIEW_BOT_"
SECRET_ENV_VARS = ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "REDIS_URL")
DEFAULT_SECRETS_DIR = Path("/run/secrets")
PLATFORMS = ("console", "slack", "discord")
# The same bounds as the chat commands' (bot.core.commands MAX_STUDY_COUNT and
# MAX_ANSWER_MINUTES; a test holds them equal): this module imports no more of the bot.
STUDY_COUNT_RANGE = (1, 20)
STUDY_ANSWER_MINUTES_RANGE = (1, 60)


class ConfigError(Exception):
    """A setting or secret cannot be used; the message is one line naming the key and its source."""


# --- settings ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BotSettings:
    language: str = "en"
    admins: tuple[str, ...] = ()

    def admin_ids(self, platform: str) -> tuple[str, ...]:
        """The user ids of ``admins`` on one platform (``slack:U0123`` -> ``U0123``)."""
        return tuple(user for entry in self.admins
                     for name, _, user in [entry.partition(":")] if name == platform and user)


@dataclass(frozen=True)
class StorageSettings:
    url: str = "sqlite+aiosqlite:///data/interview-bot.db"
    echo: bool = False

    def sqlite_path(self) -> Path | None:
        """The database file of a sqlite URL (relative ones are relative to the working directory)."""
        scheme, _, rest = self.url.partition("://")
        if scheme.split("+", 1)[0].lower() != "sqlite" or not rest.startswith("/"):
            return None  # not sqlite, or ``sqlite://`` (in memory)
        path = rest[1:].split("?", 1)[0]
        if path in ("", ":memory:") or path.startswith("file:"):
            return None
        return Path(path)

    def ensure_sqlite_dir(self) -> Path | None:
        """Create the directory of a sqlite database file; return the file, or None if not sqlite."""
        path = self.sqlite_path()
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        return path


@dataclass(frozen=True)
class ContentSettings:
    # Kept as given; relative paths are read against the current working directory.
    paths: tuple[Path, ...] = (Path("content/packs"),)


@dataclass(frozen=True)
class ScheduleDefaults:
    time_of_day: time = time(9, 30)
    timezone: str = "UTC"
    days: frozenset[int] = frozenset(range(5))
    reveal_after: timedelta = timedelta(hours=6)
    grace: timedelta = timedelta(hours=2)

    def to_schedule(self) -> Schedule:
        return Schedule(
            time_of_day=self.time_of_day,
            timezone=self.timezone,
            days=self.days,
            reveal_after=self.reveal_after,
        )


@dataclass(frozen=True)
class PracticeSettings:
    day_rollover: time = time(4, 0)
    weekly_summary: bool = False
    study_count: int = 5
    study_answer_minutes: int = 3
    charts_dir: Path = Path("data/charts")


@dataclass(frozen=True)
class ClusterSettings:
    """How instances sharing one database take over each other's work."""

    sweep_seconds: float = 20.0
    lease_seconds: float = 30.0


@dataclass(frozen=True)
class OpsSettings:
    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = 9108


@dataclass(frozen=True)
class ConsoleSettings:
    channel: str = "console"
    user: str = "you"
    subscribe: bool = True


@dataclass(frozen=True)
class LoggingSettings:
    level: str = "INFO"
    format: str = "text"


@dataclass(frozen=True)
class SlackSettings:
    mode: str = "socket"
    api_base_url: str = "https://slack.com/api/"
    http_host: str = "0.0.0.0"
    http_port: int = 3000
    http_path: str = "/slack/events"
    reveal_broadcast: bool = False
    channel_pace: float = 1.0
    admin_cache_seconds: float = 600.0
    requests_per_second: float = 10.0
    max_concurrency: int = 50
    history_requests_per_minute: float = 50.0
    request_timeout: float = 30.0


@dataclass(frozen=True)
class DiscordSettings:
    api_base_url: str = "https://discord.com/api/v10"
    sync_guild_ids: tuple[int, ...] = ()
    message_content_intent: bool = True
    thread_auto_archive_minutes: int = 1440
    requests_per_second: float = 40.0
    shard_count: int | None = None
    shard_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class LimitsSettings:
    """Where the platforms' global rate budgets live: ``local`` (each process its own),
    ``database`` (a row per budget in the ledger's database, shared by every instance on
    it) or ``redis`` (REDIS_URL). ``auto``: ``database`` on PostgreSQL, else ``local``."""

    backend: str = "auto"

    def backend_for(self, storage_url: str) -> str:
        if self.backend != "auto":
            return self.backend
        scheme = storage_url.partition("://")[0].split("+", 1)[0].lower()
        return "database" if scheme in ("postgresql", "postgres") else "local"


@dataclass(frozen=True)
class Settings:
    bot: BotSettings = field(default_factory=BotSettings)
    storage: StorageSettings = field(default_factory=StorageSettings)
    content: ContentSettings = field(default_factory=ContentSettings)
    schedule: ScheduleDefaults = field(default_factory=ScheduleDefaults)
    console: ConsoleSettings = field(default_factory=ConsoleSettings)
    practice: PracticeSettings = field(default_factory=PracticeSettings)
    cluster: ClusterSettings = field(default_factory=ClusterSettings)
    ops: OpsSettings = field(default_factory=OpsSettings)
    logging: LoggingSettings = field(default_factory=LoggingSettings)
    slack: SlackSettings = field(default_factory=SlackSettings)
    discord: DiscordSettings = field(default_factory=DiscordSettings)
    limits: LimitsSettings = field(default_factory=LimitsSettings)


# --- value parsers: take a TOML value or an environment string, raise ValueError -----------

_Parser = Callable[[object], Any]
MAX_REQUESTS_PER_SECOND = 10_000.0
MAX_SHARDS = 100_000
_TRUE = ("true", "1", "yes", "on")
_FALSE = ("false", "0", "no", "off")
_URL_SCHEME_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://\S*")
_HTTP_URL_RE = re.compile(r"https?://[^/\s]+(/\S*)?")


def _text(value: object) -> str:
    if isinstance(value, str):
        return value.strip()
    raise ValueError(f"expected a string, got {value!r}")


def _nonempty(value: object) -> str:
    text = _text(value)
    if not text:
        raise ValueError("expected a non-empty string")
    return text


def _choice(*allowed: str, upper: bool = False) -> _Parser:
    def parse(value: object) -> str:
        text = _text(value)
        normal = text.upper() if upper else text.lower()
        if normal not in allowed:
            raise ValueError(f"expected one of {', '.join(allowed)}, got {value!r}")
        return normal

    return parse


def _bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
        return value.strip().lower() in _TRUE
    raise ValueError(f"expected true or false (or 1/0, yes/no), got {value!r}")


def _items(value: object) -> list[str | int]:
    """A TOML array, or a comma-separated string as environment variables give it."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list) and all(
        isinstance(item, (str, int)) and not isinstance(item, bool) for item in value
    ):
        return [item.strip() if isinstance(item, str) else item for item in value]
    raise ValueError(f"expected a list or a comma-separated string, got {value!r}")


def _admins(value: object) -> tuple[str, ...]:
    entries: list[str] = []
    for item in _items(value):
        platform, sep, user_id = str(item).partition(":")
        if not sep or platform not in PLATFORMS or not user_id.strip():
            raise ValueError(
                f"expected entries like console:you or slack:U123 "
                f"(platform one of {', '.join(PLATFORMS)}), got {item!r}"
            )
        entry = f"{platform}:{user_id.strip()}"
        if entry not in entries:
            entries.append(entry)
    return tuple(entries)


def _paths(value: object) -> tuple[Path, ...]:
    paths = tuple(Path(str(item)) for item in _items(value))
    if not paths:
        raise ValueError("expected at least one directory of question packs")
    return paths


def _whole(value: object, max_digits: int = 9) -> object:
    """A string of ASCII digits as its number (no more than ``max_digits``, so no huge
    ``int``); anything else as it is, for the caller to refuse."""
    if isinstance(value, str) and is_ascii_digits(value.strip(), max_digits):
        return int(value.strip())
    return value


def _guild_ids(value: object) -> tuple[int, ...]:
    ids: list[int] = []
    for item in _items(value):
        item = _whole(item, max_digits=20)
        if not isinstance(item, int) or isinstance(item, bool) or not 0 < item < 2**64:
            raise ValueError(f"expected numeric Discord guild ids like 123456789012345678, got {item!r}")
        ids.append(item)
    return tuple(ids)


def _port(value: object) -> int:
    value = _whole(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 65535:
        return value
    raise ValueError(f"expected a port number from 0 to 65535, got {value!r}")


def _positive_float(maximum: float) -> _Parser:
    def parse(value: object) -> float:
        try:
            number = float(value) if isinstance(value, (int, float, str)) and not isinstance(value, bool) else None
        except (ValueError, OverflowError):
            number = None
        if number is None or not math.isfinite(number) or not 0 < number <= maximum:
            raise ValueError(f"expected a number greater than 0 and at most {maximum:g}, got {value!r}")
        return number

    return parse


def _float_between(low: float, high: float) -> _Parser:
    def parse(value: object) -> float:
        number = _positive_float(high)(value)
        if not low <= number:
            raise ValueError(f"expected a number from {low:g} to {high:g}, got {value!r}")
        return number

    return parse


def _archive_minutes(value: object) -> int:
    value = _whole(value)
    if value in (60, 1440, 4320, 10080) and not isinstance(value, bool):
        return int(value)  # type: ignore[call-overload]
    raise ValueError(f"expected one of 60, 1440, 4320, 10080 (minutes), got {value!r}")


def _shard_count(value: object) -> int | None:
    if value in ("", 0, "0"):
        return None
    value = _whole(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_SHARDS:
        return value
    raise ValueError(f"expected a whole number of shards up to {MAX_SHARDS} (0 for automatic), got {value!r}")


def _shard_ids(value: object) -> tuple[int, ...]:
    ids: list[int] = []
    for item in _items(value):
        item = _whole(item)
        if not isinstance(item, int) or isinstance(item, bool) or not 0 <= item < MAX_SHARDS:
            raise ValueError(f"expected shard numbers from 0 to {MAX_SHARDS - 1}, like 0,1, got {item!r}")
        ids.append(item)
    return tuple(ids)


def _int_between(low: int, high: int) -> _Parser:
    def parse(value: object) -> int:
        value = _whole(value)
        if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
            return value
        raise ValueError(f"expected a whole number from {low} to {high}, got {value!r}")

    return parse


def _path(value: object) -> Path:
    text = _nonempty(value)
    return Path(text)


def _http_path(value: object) -> str:
    text = _text(value)
    if not text.startswith("/") or any(ch.isspace() for ch in text):
        raise ValueError(f"expected a URL path starting with /, like /slack/events, got {value!r}")
    return text


def _database_url(value: object) -> str:
    text = _text(value)
    if not _URL_SCHEME_RE.fullmatch(text):
        raise ValueError(
            "expected a database URL with a scheme, like sqlite+aiosqlite:///data/interview-bot.db "
            f"or postgresql+asyncpg://user:password@host/db, got {value!r}"
        )
    return text


def _http_url(trailing_slash: bool) -> _Parser:
    # slack_sdk appends method names to its base URL, discord.py appends "/route": normalise for each.
    def parse(value: object) -> str:
        text = _text(value)
        if not _HTTP_URL_RE.fullmatch(text):
            raise ValueError(f"expected an http:// or https:// URL, got {value!r}")
        return text.rstrip("/") + ("/" if trailing_slash else "")

    return parse


def _time_of_day(value: object) -> time:
    if isinstance(value, time) and not value.second and not value.microsecond:
        return time(value.hour, value.minute)  # a TOML local time, 09:30:00
    return parse_time_of_day(_text(value))


def _timezone(value: object) -> str:
    return parse_timezone(_text(value))


def _days(value: object) -> frozenset[int]:
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        value = ",".join(value)
    return parse_days(_text(value))


def _duration(minimum: timedelta, maximum: timedelta, what: str) -> _Parser:
    def parse(value: object) -> timedelta:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)  # a bare number means minutes, as in chat commands
        return parse_duration(_text(value), minimum=minimum, maximum=maximum, what=what)

    return parse


# --- the schema: TOML section -> TOML key -> (dataclass attribute, parser) -------------------


@dataclass(frozen=True)
class _Key:
    attr: str
    parse: _Parser


_SCHEMA: dict[str, dict[str, _Key]] = {
    "bot": {
        "language": _Key("language", _choice("en", "zh")),
        "admins": _Key("admins", _admins),
    },
    "storage": {
        "url": _Key("url", _database_url),
        "echo": _Key("echo", _bool),
    },
    "content": {
        "paths": _Key("paths", _paths),
    },
    "schedule": {
        "time": _Key("time_of_day", _time_of_day),
        "timezone": _Key("timezone", _timezone),
        "days": _Key("days", _days),
        "reveal_after": _Key("reveal_after", _duration(MIN_REVEAL_AFTER, MAX_REVEAL_AFTER, "reveal delay")),
        "grace": _Key("grace", _duration(timedelta(0), MAX_GRACE, "grace")),
    },
    "console": {
        "channel": _Key("channel", _nonempty),
        "user": _Key("user", _nonempty),
        "subscribe": _Key("subscribe", _bool),
    },
    "practice": {
        "day_rollover": _Key("day_rollover", _time_of_day),
        "weekly_summary": _Key("weekly_summary", _bool),
        "study_count": _Key("study_count", _int_between(*STUDY_COUNT_RANGE)),
        "study_answer_minutes": _Key("study_answer_minutes", _int_between(*STUDY_ANSWER_MINUTES_RANGE)),
        "charts_dir": _Key("charts_dir", _path),
    },
    "cluster": {
        "sweep_seconds": _Key("sweep_seconds", _float_between(0.5, 300)),
        "lease_seconds": _Key("lease_seconds", _float_between(1, 600)),
    },
    "ops": {
        "enabled": _Key("enabled", _bool),
        "host": _Key("host", _nonempty),
        "port": _Key("port", _port),
    },
    "logging": {
        "level": _Key("level", _choice("DEBUG", "INFO", "WARNING", "ERROR", upper=True)),
        "format": _Key("format", _choice("text", "json")),
    },
    "slack": {
        "mode": _Key("mode", _choice("socket", "http")),
        "api_base_url": _Key("api_base_url", _http_url(trailing_slash=True)),
        "http_host": _Key("http_host", _nonempty),
        "http_port": _Key("http_port", _port),
        "http_path": _Key("http_path", _http_path),
        "reveal_broadcast": _Key("reveal_broadcast", _bool),
        "channel_pace": _Key("channel_pace", _positive_float(60)),
        "admin_cache_seconds": _Key("admin_cache_seconds", _positive_float(86_400)),
        "requests_per_second": _Key("requests_per_second", _positive_float(MAX_REQUESTS_PER_SECOND)),
        "max_concurrency": _Key("max_concurrency", _int_between(1, 1000)),
        "history_requests_per_minute": _Key("history_requests_per_minute",
                                            _positive_float(60 * MAX_REQUESTS_PER_SECOND)),
        "request_timeout": _Key("request_timeout", _positive_float(600)),
    },
    "discord": {
        "api_base_url": _Key("api_base_url", _http_url(trailing_slash=False)),
        "sync_guild_ids": _Key("sync_guild_ids", _guild_ids),
        "message_content_intent": _Key("message_content_intent", _bool),
        "thread_auto_archive_minutes": _Key("thread_auto_archive_minutes", _archive_minutes),
        "requests_per_second": _Key("requests_per_second", _positive_float(MAX_REQUESTS_PER_SECOND)),
        "shard_count": _Key("shard_count", _shard_count),
        "shard_ids": _Key("shard_ids", _shard_ids),
    },
    "limits": {
        "backend": _Key("backend", _choice("auto", "local", "database", "redis")),
    },
}

#: The TOML keys of every section, e.g. ``SETTING_KEYS["schedule"] == ("time", "timezone", ...)``.
SETTING_KEYS: Mapping[str, tuple[str, ...]] = {name: tuple(keys) for name, keys in _SCHEMA.items()}


def setting_env_var(section: str, key: str) -> str:
    """The environment variable that overrides ``section.key``."""
    return f"{ENV_PREFIX}{section.upper()}__{key.upper()}"


# --- loading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Raw:
    section: str
    key: str
    value: object
    source: str  # a file path or an environment variable name
    from_file: bool


def load_settings(config_file: Path | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Read config/default.toml (if shipped), then ``config_file``, then ``INTERVIEW_BOT_*`` from ``env``."""
    env = os.environ if env is None else env
    values: dict[str, dict[str, Any]] = {section: {} for section in _SCHEMA}
    layers: list[Iterator[_Raw]] = []
    if DEFAULT_CONFIG_FILE.is_file():
        layers.append(_file_values(DEFAULT_CONFIG_FILE))
    if config_file is not None:
        path = Path(config_file)
        if not path.is_file():
            raise ConfigError(
                f"--config: no such file {str(path)!r}; expected a TOML file like config/default.toml"
            )
        layers.append(_file_values(path))
    layers.append(_env_values(env))
    for layer in layers:
        for raw in layer:
            attr, value = _parse(raw)
            values[raw.section][attr] = value  # every layer is validated; later ones win
    defaults = Settings()
    return Settings(
        **{section: replace(getattr(defaults, section), **overrides) for section, overrides in values.items()}
    )


def _parse(raw: _Raw) -> tuple[str, Any]:
    where = f"{raw.section}.{raw.key}"
    if _is_secret_name(raw.key):
        raise _secret_error(raw.section, raw.key, raw.source, raw.from_file)
    spec = _SCHEMA[raw.section].get(raw.key)
    if spec is None:
        known = ", ".join(_SCHEMA[raw.section])
        raise ConfigError(f"{where}: unknown key; known keys: {known} (from {raw.source})")
    try:
        return spec.attr, spec.parse(raw.value)
    except ValueError as exc:  # ScheduleValueError is a ValueError
        raise ConfigError(f"{where}: {exc} (from {raw.source})") from None


def _file_values(path: Path) -> Iterator[_Raw]:
    source = str(path)
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: invalid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{source}: cannot read the file: {exc.strerror}") from None
    for section, table in data.items():
        if _is_secret_name(section):
            raise _secret_error(None, section, source, from_file=True)
        if section not in _SCHEMA:
            raise ConfigError(
                f"{section}: unknown section; known sections: {', '.join(_SCHEMA)} (from {source})"
            )
        if not isinstance(table, dict):
            raise ConfigError(f"{section}: expected a table [{section}], got {table!r} (from {source})")
        for key, value in table.items():
            yield _Raw(section, key, value, source, from_file=True)


def _env_values(env: Mapping[str, str]) -> Iterator[_Raw]:
    for name in sorted(env):
        if not name.startswith(ENV_PREFIX):
            continue
        section, sep, key = name[len(ENV_PREFIX) :].lower().partition("__")
        if not sep or not section or not key or "__" in key:
            raise ConfigError(
                f"{name}: not a setting; expected {ENV_PREFIX}<SECTION>__<KEY>, "
                f"like {setting_env_var('storage', 'url')}"
            )
        if section not in _SCHEMA:
            if _is_secret_name(section):
                raise _secret_error(None, section, name, from_file=False)
            raise ConfigError(
                f"{section}: unknown section; known sections: {', '.join(_SCHEMA)} (from {name})"
            )
        yield _Raw(section, key, env[name], name, from_file=False)


def _is_secret_name(name: str) -> bool:
    name = name.lower()
    return name in ("secrets", "secret", "tokens") or name.endswith(("token", "_secret"))


def _secret_error(section: str | None, key: str, source: str, from_file: bool) -> ConfigError:
    guess = f"{section}_{key}".upper() if section else key.upper()
    if guess in SECRET_ENV_VARS:
        names = [guess]
    else:
        prefix = f"{(section or key).upper()}_"
        names = [n for n in SECRET_ENV_VARS if n.startswith(prefix)] or list(SECRET_ENV_VARS)
    where = f"{section}.{key}" if section else key
    kind = "config files" if from_file else f"{ENV_PREFIX}* variables"
    return ConfigError(
        f"{where}: secrets are never read from {kind}; set {', '.join(names)} in the environment "
        f"(or <NAME>_FILE, or a file in {DEFAULT_SECRETS_DIR}) (from {source})"
    )


# --- secrets ---------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class Secrets:
    """Platform credentials. Never printed: repr shows ``'***'`` for a set value."""

    discord_token: str | None = None
    slack_bot_token: str | None = None
    slack_app_token: str | None = None
    slack_signing_secret: str | None = None
    redis_url: str | None = None  # for [limits] backend = "redis"; may hold a password

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{name.lower()}={'***' if getattr(self, name.lower()) else None!r}" for name in SECRET_ENV_VARS
        )
        return f"Secrets({shown})"

    @property
    def has_discord(self) -> bool:
        return bool(self.discord_token)

    @property
    def has_slack(self) -> bool:
        """A bot token is set; see ``missing_for_slack`` for what the chosen mode also needs."""
        return bool(self.slack_bot_token)

    def missing_for_slack(self, mode: str) -> tuple[str, ...]:
        """Names of the variables Slack still needs: socket mode wants an app token, http a signing secret."""
        needed = {"SLACK_BOT_TOKEN": self.slack_bot_token}
        if mode == "socket":
            needed["SLACK_APP_TOKEN"] = self.slack_app_token
        else:
            needed["SLACK_SIGNING_SECRET"] = self.slack_signing_secret
        return tuple(name for name, value in needed.items() if not value)


def load_secrets(env: Mapping[str, str] | None = None, secrets_dir: Path = DEFAULT_SECRETS_DIR) -> Secrets:
    """Each secret from ``NAME``, else the file named by ``NAME_FILE``, else ``secrets_dir/name``."""
    env = os.environ if env is None else env
    return Secrets(**{name.lower(): _read_secret(name, env, secrets_dir) for name in SECRET_ENV_VARS})


def _read_secret(name: str, env: Mapping[str, str], secrets_dir: Path) -> str | None:
    value = env.get(name, "").strip()
    if value:  # an empty NAME= (as in .env.example) means "not set here"
        return value
    file_var = f"{name}_FILE"
    file_name = env.get(file_var, "").strip()
    if file_name:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip() or None
        except OSError as exc:
            raise ConfigError(
                f"{file_var}: cannot read {file_name!r}: {exc.strerror}; expected a file holding {name}"
            ) from None
    path = secrets_dir / name.lower()
    if path.is_file():
        try:
            return path.read_text(encoding="utf-8").strip() or None
        except OSError as exc:
            raise ConfigError(f"{name}: cannot read {str(path)!r}: {exc.strerror}") from None
    return None
