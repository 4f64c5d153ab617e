"""``[limits]``: where the platforms' rate budgets live. Shared in the database by default on
PostgreSQL, local on SQLite, in Redis when asked (REDIS_URL being a secret like the tokens),
and the app builds the store its settings name."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import build_app
from bot.config import ConfigError, Secrets, load_secrets, load_settings
from bot.storage.limiter import DatabaseBudgets
from bot.storage.redis_limiter import RedisBudgets

POSTGRES = "postgresql+asyncpg://bot:secret@db:5432/bot"
SQLITE = "sqlite+aiosqlite:///data/interview-bot.db"


def backend(**env: str) -> str:
    settings = load_settings(env={f"INTERVIEW_BOT_{k.upper()}": v for k, v in env.items()})
    return settings.limits.backend_for(settings.storage.url)


def test_the_budget_is_shared_in_the_database_on_postgresql_and_local_on_sqlite() -> None:
    assert backend(storage__url=POSTGRES) == "database"
    assert backend(storage__url=SQLITE) == "local"
    assert backend(storage__url=POSTGRES, limits__backend="local") == "local"
    assert backend(storage__url=SQLITE, limits__backend="Redis") == "redis"


def test_an_unknown_backend_is_a_one_line_error_naming_the_choices() -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(env={"INTERVIEW_BOT_LIMITS__BACKEND": "memcached"})
    message = str(info.value)
    assert "limits.backend" in message and "local, database, redis" in message and "\n" not in message


def test_redis_url_is_a_secret_read_like_the_tokens_and_never_shown(tmp_path: Path) -> None:
    secret_file = tmp_path / "redis_url"
    secret_file.write_text("redis://:hunter2@cache:6379/0\n", encoding="utf-8")

    secrets = load_secrets({"REDIS_URL_FILE": str(secret_file)}, secrets_dir=tmp_path / "none")

    assert secrets.redis_url == "redis://:hunter2@cache:6379/0"
    assert "hunter2" not in repr(secrets) and "redis_url='***'" in repr(secrets)


async def test_the_app_builds_the_store_its_settings_name(settings_env: dict[str, str]) -> None:
    def settings(chosen: str):  # type: ignore[no-untyped-def]
        return load_settings(env={**settings_env, "INTERVIEW_BOT_LIMITS__BACKEND": chosen})

    with pytest.raises(ConfigError, match="REDIS_URL"):
        await build_app(settings("redis"))  # refused before the database is touched

    for chosen, store in (("database", DatabaseBudgets), ("redis", RedisBudgets)):
        app = await build_app(settings(chosen), secrets=Secrets(redis_url="redis://127.0.0.1:6379/0"))
        try:
            assert app.limiter is not None and isinstance(app.limiter.store, store)
        finally:
            await app.close()
    app = await build_app(settings("local"))
    try:
        assert app.limiter is None
    finally:
        await app.close()
