"""Settings layers (defaults, default.toml, user file, environment), their errors, and secrets.

Every error must be one line naming the key and where the bad value came from.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from datetime import time, timedelta
from pathlib import Path

import pytest

from bot import config
from bot.config import (
    ConfigError,
    Secrets,
    Settings,
    load_secrets,
    load_settings,
)
from bot.core.schedule import Schedule

DEFAULT_TOML = Path(__file__).resolve().parent.parent / "config" / "default.toml"


def write_toml(tmp_path: Path, text: str, name: str = "bot.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def config_error(**kwargs: object) -> str:
    with pytest.raises(ConfigError) as info:
        load_settings(**kwargs)  # type: ignore[arg-type]
    message = str(info.value)
    assert "\n" not in message
    return message


# --- defaults ------------------------------------------------------------------------------


def test_shipped_default_toml_is_where_the_loader_looks() -> None:
    assert config.DEFAULT_CONFIG_FILE == DEFAULT_TOML
    assert DEFAULT_TOML.is_file()


def test_default_toml_lists_exactly_the_known_keys() -> None:
    data = tomllib.loads(DEFAULT_TOML.read_text(encoding="utf-8"))
    assert {section: tuple(table) for section, table in data.items()} == dict(config.SETTING_KEYS)


def test_every_key_in_default_toml_is_documented_with_its_env_var() -> None:
    lines = DEFAULT_TOML.read_text(encoding="utf-8").splitlines()
    section = ""
    for number, line in enumerate(lines):
        if header := re.fullmatch(r"\[(\w+)\]", line):
            section = header[1]
        elif assignment := re.match(r"(\w+) = ", line):
            comments = []
            for previous in reversed(lines[:number]):
                if not previous.startswith("#"):
                    break
                comments.append(previous)
            env_var = config.setting_env_var(section, assignment[1])
            assert any(env_var in comment for comment in comments), f"{section}.{assignment[1]}"


def test_default_toml_values_equal_the_builtin_defaults() -> None:
    assert load_settings(env={}) == Settings()


def test_builtin_defaults_are_used_when_default_toml_is_missing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(config, "DEFAULT_CONFIG_FILE", tmp_path / "missing.toml")
    settings = load_settings(env={})
    assert settings == Settings()
    assert settings.bot.language == "en"
    assert settings.bot.admins == ()
    assert settings.storage.url == "sqlite+aiosqlite:///data/interview-bot.db"
    assert settings.storage.echo is False
    assert settings.content.paths == (Path("content/packs"),)
    assert settings.schedule.time_of_day == time(9, 30)
    assert settings.schedule.timezone == "UTC"
    assert settings.schedule.days == frozenset({0, 1, 2, 3, 4})
    assert settings.schedule.reveal_after == timedelta(hours=6)
    assert settings.schedule.grace == timedelta(hours=2)
    assert (settings.console.channel, settings.console.user, settings.console.subscribe) == (
        "console",
        "you",
        True,
    )
    assert (settings.logging.level, settings.logging.format) == ("INFO", "text")
    assert settings.slack == config.SlackSettings(
        "socket", "https://slack.com/api/", "0.0.0.0", 3000, "/slack/events"
    )
    assert settings.discord == config.DiscordSettings("https://discord.com/api/v10", (), True)


def test_the_shipped_default_file_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    shipped = write_toml(tmp_path, '[bot]\nlanguage = "zh"\n', name="default.toml")
    monkeypatch.setattr(config, "DEFAULT_CONFIG_FILE", shipped)
    assert load_settings(env={}).bot.language == "zh"


def test_settings_are_frozen() -> None:
    settings = load_settings(env={})
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.bot.language = "zh"  # type: ignore[misc]


# --- layers --------------------------------------------------------------------------------


def test_user_file_overrides_defaults_and_keeps_the_rest(tmp_path: Path) -> None:
    user = write_toml(
        tmp_path,
        """
        [schedule]
        time = "07:05"
        timezone = "Asia/Shanghai"
        days = ["mon", "wed", "fri"]
        reveal_after = "1h30m"
        [bot]
        language = "zh"
        admins = ["console:you", "discord:42"]
        [discord]
        sync_guild_ids = [123456789012345678]
        """,
    )
    settings = load_settings(user, env={})
    assert settings.schedule.time_of_day == time(7, 5)
    assert settings.schedule.timezone == "Asia/Shanghai"
    assert settings.schedule.days == frozenset({0, 2, 4})
    assert settings.schedule.reveal_after == timedelta(hours=1, minutes=30)
    assert settings.schedule.grace == timedelta(hours=2)
    assert settings.bot == config.BotSettings("zh", ("console:you", "discord:42"))
    assert settings.discord.sync_guild_ids == (123456789012345678,)
    assert settings.storage == Settings().storage


def test_toml_local_time_is_accepted(tmp_path: Path) -> None:
    user = write_toml(tmp_path, "[schedule]\ntime = 18:45:00\n")
    assert load_settings(user, env={}).schedule.time_of_day == time(18, 45)


def test_env_overrides_user_file(tmp_path: Path) -> None:
    user = write_toml(
        tmp_path, '[storage]\nurl = "sqlite+aiosqlite:///file.db"\n[logging]\nlevel = "DEBUG"\n'
    )
    settings = load_settings(user, env={"INTERVIEW_BOT_STORAGE__URL": "postgresql+asyncpg://u:p@h/db"})
    assert settings.storage.url == "postgresql+asyncpg://u:p@h/db"
    assert settings.logging.level == "DEBUG"


def test_nested_env_keys_reach_their_section() -> None:
    settings = load_settings(
        env={
            "INTERVIEW_BOT_SCHEDULE__TIMEZONE": "Europe/Berlin",
            "INTERVIEW_BOT_SCHEDULE__REVEAL_AFTER": "90",
            "INTERVIEW_BOT_SLACK__HTTP_PORT": "8080",
            "INTERVIEW_BOT_LOGGING__LEVEL": "warning",
            "INTERVIEW_BOT_SLACK__API_BASE_URL": "http://127.0.0.1:9000/api",
            "INTERVIEW_BOT_DISCORD__API_BASE_URL": "http://127.0.0.1:9001/api/v10/",
            "PATH": "/usr/bin",
            "interview_bot_ignored": "lower-case names are not ours",
        }
    )
    assert settings.schedule.timezone == "Europe/Berlin"
    assert settings.schedule.reveal_after == timedelta(minutes=90)
    assert settings.slack.http_port == 8080
    assert settings.logging.level == "WARNING"
    assert settings.slack.api_base_url == "http://127.0.0.1:9000/api/"
    assert settings.discord.api_base_url == "http://127.0.0.1:9001/api/v10"


def test_env_lists_are_comma_separated() -> None:
    settings = load_settings(
        env={
            "INTERVIEW_BOT_BOT__ADMINS": "console:you, slack:U123,,console:you",
            "INTERVIEW_BOT_CONTENT__PATHS": "content/packs,/srv/packs",
            "INTERVIEW_BOT_DISCORD__SYNC_GUILD_IDS": "111,222",
        }
    )
    assert settings.bot.admins == ("console:you", "slack:U123")
    assert settings.content.paths == (Path("content/packs"), Path("/srv/packs"))
    assert settings.discord.sync_guild_ids == (111, 222)


def test_empty_env_list_clears_the_list(tmp_path: Path) -> None:
    user = write_toml(tmp_path, '[bot]\nadmins = ["console:you"]\n')
    assert load_settings(user, env={"INTERVIEW_BOT_BOT__ADMINS": ""}).bot.admins == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("true", True),
        ("1", True),
        ("yes", True),
        ("YES", True),
        ("false", False),
        ("0", False),
        ("no", False),
        ("False", False),
    ],
)
def test_env_booleans(text: str, expected: bool) -> None:
    settings = load_settings(
        env={
            "INTERVIEW_BOT_STORAGE__ECHO": text,
            "INTERVIEW_BOT_CONSOLE__SUBSCRIBE": text,
        }
    )
    assert settings.storage.echo is expected
    assert settings.console.subscribe is expected


# --- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("var", "value", "key", "problem"),
    [
        (
            "INTERVIEW_BOT_SCHEDULE__TIMEZONE",
            "Mars/Base",
            "schedule.timezone",
            "unknown timezone 'Mars/Base'; expected an IANA name like Europe/Berlin",
        ),
        ("INTERVIEW_BOT_SCHEDULE__TIME", "25:00", "schedule.time", "expected a time of day like 09:30"),
        ("INTERVIEW_BOT_SCHEDULE__DAYS", "mon-funday", "schedule.days", "unknown weekday 'funday'"),
        (
            "INTERVIEW_BOT_SCHEDULE__REVEAL_AFTER",
            "soon",
            "schedule.reveal_after",
            "expected a duration like 6h",
        ),
        ("INTERVIEW_BOT_SCHEDULE__REVEAL_AFTER", "0m", "schedule.reveal_after", "must be from 1m to 7d"),
        ("INTERVIEW_BOT_SCHEDULE__GRACE", "2 hours", "schedule.grace", "expected a duration like 6h"),
        ("INTERVIEW_BOT_BOT__LANGUAGE", "fr", "bot.language", "expected one of en, zh, got 'fr'"),
        ("INTERVIEW_BOT_BOT__ADMINS", "you", "bot.admins", "expected entries like console:you"),
        ("INTERVIEW_BOT_BOT__ADMINS", "teams:U1", "bot.admins", "platform one of console, slack, discord"),
        (
            "INTERVIEW_BOT_LOGGING__LEVEL",
            "LOUD",
            "logging.level",
            "expected one of DEBUG, INFO, WARNING, ERROR, got 'LOUD'",
        ),
        ("INTERVIEW_BOT_LOGGING__FORMAT", "xml", "logging.format", "expected one of text, json"),
        (
            "INTERVIEW_BOT_SLACK__HTTP_PORT",
            "http",
            "slack.http_port",
            "expected a port number from 0 to 65535",
        ),
        ("INTERVIEW_BOT_SLACK__HTTP_PORT", "70000", "slack.http_port", "expected a port number"),
        ("INTERVIEW_BOT_SLACK__MODE", "rtm", "slack.mode", "expected one of socket, http"),
        ("INTERVIEW_BOT_SLACK__HTTP_PATH", "slack/events", "slack.http_path", "starting with /"),
        ("INTERVIEW_BOT_SLACK__API_BASE_URL", "slack.com/api", "slack.api_base_url", "http:// or https://"),
        ("INTERVIEW_BOT_SLACK__REQUESTS_PER_SECOND", "0", "slack.requests_per_second", "greater than 0"),
        ("INTERVIEW_BOT_SLACK__MAX_CONCURRENCY", "0", "slack.max_concurrency", "from 1 to 1000"),
        ("INTERVIEW_BOT_SLACK__HISTORY_REQUESTS_PER_MINUTE", "-5", "slack.history_requests_per_minute",
         "greater than 0"),
        ("INTERVIEW_BOT_SLACK__REQUEST_TIMEOUT", "soon", "slack.request_timeout", "greater than 0"),
        (
            "INTERVIEW_BOT_DISCORD__SYNC_GUILD_IDS",
            "12,abc",
            "discord.sync_guild_ids",
            "numeric Discord guild ids",
        ),
        (
            "INTERVIEW_BOT_DISCORD__MESSAGE_CONTENT_INTENT",
            "maybe",
            "discord.message_content_intent",
            "expected true or false",
        ),
        ("INTERVIEW_BOT_STORAGE__URL", "data/bot.db", "storage.url", "expected a database URL with a scheme"),
        ("INTERVIEW_BOT_STORAGE__ECHO", "loud", "storage.echo", "expected true or false"),
        ("INTERVIEW_BOT_CONSOLE__USER", " ", "console.user", "expected a non-empty string"),
        ("INTERVIEW_BOT_CONTENT__PATHS", "", "content.paths", "at least one directory"),
    ],
)
def test_invalid_env_value_names_key_and_variable(var: str, value: str, key: str, problem: str) -> None:
    message = config_error(env={var: value})
    assert message.startswith(f"{key}: ")
    assert problem in message
    assert message.endswith(f"(from {var})")


def test_bad_timezone_message_is_the_documented_one() -> None:
    assert config_error(env={"INTERVIEW_BOT_SCHEDULE__TIMEZONE": "Mars/Base"}) == (
        "schedule.timezone: unknown timezone 'Mars/Base'; expected an IANA name like Europe/Berlin "
        "or Asia/Shanghai (from INTERVIEW_BOT_SCHEDULE__TIMEZONE)"
    )


@pytest.mark.parametrize(
    ("toml", "key", "problem"),
    [
        ('[schedule]\ntime = "9h30"\n', "schedule.time", "expected a time of day like 09:30"),
        ('[schedule]\ndays = ["mon", "someday"]\n', "schedule.days", "unknown weekday 'someday'"),
        ('[slack]\nhttp_port = "three thousand"\n', "slack.http_port", "expected a port number"),
        ("[slack]\nhttp_port = true\n", "slack.http_port", "expected a port number"),
        ('[storage]\necho = "sometimes"\n', "storage.echo", "expected true or false"),
        ("[bot]\nlanguage = 5\n", "bot.language", "expected a string, got 5"),
        ('[content]\npaths = [{dir = "x"}]\n', "content.paths", "expected a list"),
    ],
)
def test_invalid_file_value_names_key_and_file(tmp_path: Path, toml: str, key: str, problem: str) -> None:
    user = write_toml(tmp_path, toml)
    message = config_error(config_file=user, env={})
    assert message.startswith(f"{key}: ")
    assert problem in message
    assert message.endswith(f"(from {user})")


def test_bad_value_in_file_is_reported_even_if_env_overrides_it(tmp_path: Path) -> None:
    user = write_toml(tmp_path, '[schedule]\ntimezone = "Nowhere/Land"\n')
    message = config_error(config_file=user, env={"INTERVIEW_BOT_SCHEDULE__TIMEZONE": "UTC"})
    assert message.startswith("schedule.timezone: unknown timezone 'Nowhere/Land'")


def test_unknown_key_in_file_lists_known_keys(tmp_path: Path) -> None:
    user = write_toml(tmp_path, '[storage]\nulr = "sqlite+aiosqlite:///x.db"\n')
    assert config_error(config_file=user, env={}) == (
        f"storage.ulr: unknown key; known keys: url, echo (from {user})"
    )


def test_unknown_section_in_file(tmp_path: Path) -> None:
    user = write_toml(tmp_path, '[scheduler]\ntime = "09:30"\n')
    message = config_error(config_file=user, env={})
    assert message.startswith("scheduler: unknown section; known sections: bot, storage, content, schedule")
    assert message.endswith(f"(from {user})")


def test_value_outside_a_table_in_file(tmp_path: Path) -> None:
    user = write_toml(tmp_path, 'bot = "zh"\n')
    assert config_error(config_file=user, env={}) == f"bot: expected a table [bot], got 'zh' (from {user})"


def test_invalid_toml_syntax_names_the_file(tmp_path: Path) -> None:
    user = write_toml(tmp_path, "[bot\nlanguage = en\n")
    message = config_error(config_file=user, env={})
    assert message.startswith(f"{user}: invalid TOML: ")


@pytest.mark.parametrize(
    ("var", "expected_start"),
    [
        ("INTERVIEW_BOT_STORAGE__ULR", "storage.ulr: unknown key; known keys: url, echo"),
        ("INTERVIEW_BOT_STORAGES__URL", "storages: unknown section; known sections: bot, storage"),
        (
            "INTERVIEW_BOT_STORAGE_URL",
            "INTERVIEW_BOT_STORAGE_URL: not a setting; expected INTERVIEW_BOT_<SECTION>__<KEY>",
        ),
        ("INTERVIEW_BOT_A__B__C", "INTERVIEW_BOT_A__B__C: not a setting"),
    ],
)
def test_unknown_env_variable_under_the_prefix_is_an_error(var: str, expected_start: str) -> None:
    message = config_error(env={var: "x"})
    assert message.startswith(expected_start)
    assert var in message


def test_missing_config_file_is_an_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    message = config_error(config_file=missing, env={})
    assert message.startswith("--config: no such file")
    assert str(missing) in message


def test_config_file_that_is_a_directory_is_an_error(tmp_path: Path) -> None:
    assert config_error(config_file=tmp_path, env={}).startswith("--config: no such file")


# --- secrets stay out of settings ------------------------------------------------------------


@pytest.mark.parametrize(
    ("toml", "key", "env_name"),
    [
        ('[discord]\ntoken = "abc"\n', "discord.token", "DISCORD_TOKEN"),
        ('[slack]\nbot_token = "xoxb-1"\n', "slack.bot_token", "SLACK_BOT_TOKEN"),
        ('[slack]\nsigning_secret = "s"\n', "slack.signing_secret", "SLACK_SIGNING_SECRET"),
        ('[secrets]\ndiscord_token = "abc"\n', "secrets", "DISCORD_TOKEN"),
        ('discord_token = "abc"\n', "discord_token", "DISCORD_TOKEN"),
    ],
)
def test_token_in_toml_is_rejected_with_env_hint(tmp_path: Path, toml: str, key: str, env_name: str) -> None:
    user = write_toml(tmp_path, toml)
    message = config_error(config_file=user, env={})
    assert message.startswith(f"{key}: secrets are never read from config files; set ")
    assert env_name in message
    assert "abc" not in message and "xoxb" not in message
    assert message.endswith(f"(from {user})")


def test_token_in_prefixed_env_var_points_to_the_real_variable() -> None:
    message = config_error(env={"INTERVIEW_BOT_DISCORD__TOKEN": "abc"})
    assert message.startswith(
        "discord.token: secrets are never read from INTERVIEW_BOT_* variables; set DISCORD_TOKEN"
    )


# --- helpers on settings ---------------------------------------------------------------------


def test_schedule_defaults_become_a_core_schedule() -> None:
    settings = load_settings(
        env={
            "INTERVIEW_BOT_SCHEDULE__TIME": "08:00",
            "INTERVIEW_BOT_SCHEDULE__DAYS": "daily",
            "INTERVIEW_BOT_SCHEDULE__TIMEZONE": "Asia/Shanghai",
        }
    )
    assert settings.schedule.to_schedule() == Schedule(
        time_of_day=time(8, 0),
        timezone="Asia/Shanghai",
        days=frozenset(range(7)),
        reveal_after=timedelta(hours=6),
    )


def test_ensure_sqlite_dir_creates_the_relative_parent(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    storage = load_settings(env={"INTERVIEW_BOT_STORAGE__URL": "sqlite+aiosqlite:///var/db/bot.db"}).storage
    assert storage.ensure_sqlite_dir() == Path("var/db/bot.db")
    assert (tmp_path / "var" / "db").is_dir()


@pytest.mark.parametrize(
    "url", ["postgresql+asyncpg://u:p@h/db", "sqlite+aiosqlite://", "sqlite+aiosqlite:///:memory:"]
)
def test_ensure_sqlite_dir_ignores_non_file_databases(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, url: str
) -> None:
    monkeypatch.chdir(tmp_path)
    assert config.StorageSettings(url=url).ensure_sqlite_dir() is None
    assert list(tmp_path.iterdir()) == []


def test_absolute_sqlite_path_is_kept_absolute(tmp_path: Path) -> None:
    storage = config.StorageSettings(url=f"sqlite+aiosqlite:///{tmp_path}/a/bot.db?timeout=5")
    assert storage.ensure_sqlite_dir() == tmp_path / "a" / "bot.db"
    assert (tmp_path / "a").is_dir()


# --- secrets -------------------------------------------------------------------------------


def test_secrets_from_env_are_stripped(tmp_path: Path) -> None:
    secrets = load_secrets(
        env={"DISCORD_TOKEN": " disc \n", "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"},
        secrets_dir=tmp_path,
    )
    assert secrets == Secrets(discord_token="disc", slack_bot_token="xoxb-1", slack_app_token="xapp-1")
    assert secrets.has_discord and secrets.has_slack
    assert secrets.missing_for_slack("socket") == ()
    assert secrets.missing_for_slack("http") == ("SLACK_SIGNING_SECRET",)


def test_secret_from_file_named_by_file_variable(tmp_path: Path) -> None:
    token_file = tmp_path / "token.txt"
    token_file.write_text("from-file\n", encoding="utf-8")
    secrets = load_secrets(env={"SLACK_SIGNING_SECRET_FILE": str(token_file)}, secrets_dir=tmp_path / "none")
    assert secrets.slack_signing_secret == "from-file"
    assert not secrets.has_slack
    assert secrets.missing_for_slack("http") == ("SLACK_BOT_TOKEN",)


def test_secret_from_secrets_dir(tmp_path: Path) -> None:
    (tmp_path / "discord_token").write_text("  mounted  \n", encoding="utf-8")
    secrets = load_secrets(env={}, secrets_dir=tmp_path)
    assert secrets.discord_token == "mounted"
    assert secrets.slack_bot_token is None


def test_env_beats_file_variable_beats_secrets_dir(tmp_path: Path) -> None:
    (tmp_path / "discord_token").write_text("dir", encoding="utf-8")
    (tmp_path / "slack_bot_token").write_text("dir", encoding="utf-8")
    named = tmp_path / "named"
    named.write_text("named", encoding="utf-8")
    secrets = load_secrets(
        env={"DISCORD_TOKEN": "env", "DISCORD_TOKEN_FILE": str(named), "SLACK_BOT_TOKEN_FILE": str(named)},
        secrets_dir=tmp_path,
    )
    assert (secrets.discord_token, secrets.slack_bot_token) == ("env", "named")


def test_empty_env_secret_falls_through_to_secrets_dir(tmp_path: Path) -> None:
    (tmp_path / "slack_app_token").write_text("xapp-dir", encoding="utf-8")
    assert load_secrets(env={"SLACK_APP_TOKEN": ""}, secrets_dir=tmp_path).slack_app_token == "xapp-dir"


def test_no_secrets_anywhere(tmp_path: Path) -> None:
    secrets = load_secrets(env={}, secrets_dir=tmp_path)
    assert secrets == Secrets()
    assert not secrets.has_discord and not secrets.has_slack


def test_unreadable_secret_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_secrets(env={"DISCORD_TOKEN_FILE": str(tmp_path / "missing")}, secrets_dir=tmp_path)
    assert str(info.value).startswith("DISCORD_TOKEN_FILE: cannot read ")
    assert "\n" not in str(info.value)


def test_secrets_never_appear_in_repr_or_str() -> None:
    secrets = Secrets(discord_token="very-secret-discord", slack_bot_token="xoxb-very-secret")
    for text in (repr(secrets), str(secrets), f"{secrets}", repr([secrets])):
        assert "very-secret" not in text
        assert "discord_token='***'" in text
        assert "slack_app_token=None" in text


def test_shard_zero_is_a_valid_shard_id() -> None:
    settings = load_settings(env={"INTERVIEW_BOT_DISCORD__SHARD_IDS": "0,1", "INTERVIEW_BOT_DISCORD__SHARD_COUNT": "2"})
    assert settings.discord.shard_ids == (0, 1) and settings.discord.shard_count == 2
    with pytest.raises(ConfigError, match="shard numbers from 0"):
        load_settings(env={"INTERVIEW_BOT_DISCORD__SHARD_IDS": "-1"})


@pytest.mark.parametrize(
    ("var", "value", "problem"),
    [
        ("INTERVIEW_BOT_SCHEDULE__REVEAL_AFTER", "9999999d", "reveal delay must be from 1m to 7d"),
        ("INTERVIEW_BOT_SCHEDULE__REVEAL_AFTER", "8d", "reveal delay must be from 1m to 7d"),
        ("INTERVIEW_BOT_SCHEDULE__REVEAL_AFTER", "30s", "reveal delay must be from 1m to 7d"),
        ("INTERVIEW_BOT_SCHEDULE__REVEAL_AFTER", "9" * 5000, "expected a duration like 6h"),
        ("INTERVIEW_BOT_SCHEDULE__REVEAL_AFTER", "²h", "expected a duration like 6h"),
        ("INTERVIEW_BOT_SCHEDULE__GRACE", "2d", "grace must be from 0m to 1d"),
        ("INTERVIEW_BOT_SCHEDULE__TIMEZONE", "A" * 300, "unknown timezone 'AAAA"),
        ("INTERVIEW_BOT_PRACTICE__STUDY_COUNT", "²", "expected a whole number from 1 to 20"),
        ("INTERVIEW_BOT_PRACTICE__STUDY_COUNT", "21", "expected a whole number from 1 to 20"),
        ("INTERVIEW_BOT_PRACTICE__STUDY_ANSWER_MINUTES", "٣", "expected a whole number from 1 to 60"),
        ("INTERVIEW_BOT_OPS__PORT", "٨٠", "expected a port number"),
        ("INTERVIEW_BOT_SLACK__REQUEST_TIMEOUT", "nan", "greater than 0 and at most 600"),
        ("INTERVIEW_BOT_SLACK__REQUEST_TIMEOUT", "1e999", "greater than 0 and at most 600"),
        ("INTERVIEW_BOT_SLACK__CHANNEL_PACE", "inf", "greater than 0 and at most 60"),
        ("INTERVIEW_BOT_DISCORD__REQUESTS_PER_SECOND", "1e6", "at most 10000"),
        ("INTERVIEW_BOT_DISCORD__SHARD_COUNT", "9" * 30, "shards up to 100000"),
        ("INTERVIEW_BOT_DISCORD__SYNC_GUILD_IDS", "1" * 30, "expected numeric Discord guild ids"),
    ],
)
def test_values_out_of_bounds_are_one_config_error(var: str, value: str, problem: str) -> None:
    message = config_error(env={var: value})
    assert problem in message
    assert len(message) < 300  # a huge value is not repeated whole


def test_schedule_bounds_take_the_ends_of_their_ranges(tmp_path: Path) -> None:
    path = write_toml(tmp_path, '[schedule]\nreveal_after = "7d"\ngrace = "0m"\n')
    assert load_settings(path, env={}).schedule.reveal_after == timedelta(days=7)
    settings = load_settings(env={"INTERVIEW_BOT_SCHEDULE__REVEAL_AFTER": "1m",
                                  "INTERVIEW_BOT_SCHEDULE__GRACE": "1d"})
    assert settings.schedule.reveal_after == timedelta(minutes=1)
    assert settings.schedule.grace == timedelta(days=1)
    # A TOML integer is minutes, bounded the same way.
    assert "reveal delay must be" in config_error(config_file=write_toml(tmp_path, "[schedule]\nreveal_after = 99999\n"))


def test_study_bounds_are_the_commands_bounds() -> None:
    from bot.core.commands import MAX_ANSWER_MINUTES, MAX_STUDY_COUNT

    assert config.STUDY_COUNT_RANGE == (1, MAX_STUDY_COUNT)
    assert config.STUDY_ANSWER_MINUTES_RANGE == (1, MAX_ANSWER_MINUTES)
