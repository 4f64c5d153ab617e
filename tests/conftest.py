"""Shared fixtures: a fake clock, databases on SQLite and PostgreSQL, a small question
pack, and ``ConsoleSession`` — the real app driven through the console adapter."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from io import StringIO
from pathlib import Path

import pytest

from bot.app import App, build_app
from bot.config import Settings, load_settings
from bot.core.clock import FakeClock

# A Monday, before 09:30 UTC.
START = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)

PG_ADMIN_URL = os.environ.get(
    "INTERVIEW_BOT_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)

SMALL_PACK = """\
id: small
title: Small test pack
languages: [zh]  # the bot requires zh and en of a pack that declares none
questions:
  - id: overfitting
    title: 如何处理过拟合？
    prompt: 请说明常用方法。
    answer: |
      - **早停法**：验证集不再提升时停止。
      - **Dropout**：随机丢弃神经元。
      - **正则化**：L1/L2。
    key_points:
      - name: 早停法
        aliases: [早停, early stopping]
        detail: 验证集性能不再提升时停止训练。
      - name: Dropout
        aliases: [随机失活]
        detail: 训练时随机丢弃神经元。
      - name: 正则化
        aliases: [regularization, L2]
        detail: 惩罚大的权重。
    tags: [training]
    difficulty: 2
    language: zh
    source: test
  - id: evaluation
    title: 如何评估模型？
    prompt: 请说明常用指标。
    answer: 准确率、召回率、F1。
    key_points:
      - name: 准确率
        aliases: [accuracy]
      - name: 召回率
        aliases: [recall]
      - name: F1
        aliases: [F1 score]
    tags: [evaluation]
    difficulty: 1
    language: zh
    source: test
  - id: deployment
    title: 如何部署大模型？
    prompt: 请说明常用方法。
    answer: 量化、容器化。
    key_points:
      - name: 量化
        aliases: [quantization]
      - name: 容器化
        aliases: [docker, container]
    tags: [deployment]
    difficulty: 3
    language: zh
    source: test
"""


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def pack_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "packs"
    directory.mkdir()
    (directory / "small.yaml").write_text(SMALL_PACK, encoding="utf-8")
    return directory


async def _create_pg_database() -> str | None:
    """A fresh database on the test server, or None when no server answers."""
    import asyncpg
    from sqlalchemy.engine import make_url

    admin = make_url(PG_ADMIN_URL)
    name = f"ib_test_{uuid.uuid4().hex[:12]}"
    try:
        conn = await asyncpg.connect(
            host=admin.host, port=admin.port, user=admin.username, database=admin.database,
            password=admin.password, timeout=5,
        )
    except (OSError, asyncpg.PostgresError):
        return None
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return admin.set(database=name).render_as_string(hide_password=False)


async def _drop_pg_database(url: str) -> None:
    import asyncpg
    from sqlalchemy.engine import make_url

    admin, target = make_url(PG_ADMIN_URL), make_url(url)
    conn = await asyncpg.connect(host=admin.host, port=admin.port, user=admin.username,
                                 database=admin.database, password=admin.password)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
    finally:
        await conn.close()


@asynccontextmanager
async def fresh_postgres(required: bool) -> AsyncIterator[str]:
    """A fresh PostgreSQL database, dropped afterwards. With no server answering: a failure
    when ``required`` or in CI, else the test is skipped."""
    url = await _create_pg_database()
    if url is None:
        if required or os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required here but {PG_ADMIN_URL} does not answer")
        pytest.skip("no PostgreSQL server answers on 127.0.0.1:5432")
    try:
        yield url
    finally:
        await _drop_pg_database(url)


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """Each test that takes this runs once on SQLite and once on PostgreSQL. PostgreSQL is
    skipped only outside CI when no server answers; in CI its absence fails the test."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
        return
    async with fresh_postgres(required=False) as url:
        yield url


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """A fresh PostgreSQL database, by the ``database_url`` rule."""
    async with fresh_postgres(required=False) as url:
        yield url


@pytest.fixture
async def default_database_url(tmp_path: Path) -> AsyncIterator[str]:
    """The database every app in a test uses unless the test picks one: SQLite, or with
    INTERVIEW_BOT_TEST_DATABASE=postgresql (the second pass of ``make test``) a fresh
    PostgreSQL database, so the whole suite runs on both."""
    if os.environ.get("INTERVIEW_BOT_TEST_DATABASE") != "postgresql":
        yield f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
        return
    async with fresh_postgres(required=True) as url:
        yield url


@pytest.fixture
def settings_env(pack_dir: Path, tmp_path: Path, default_database_url: str) -> dict[str, str]:
    return {
        "INTERVIEW_BOT_STORAGE__URL": default_database_url,
        "INTERVIEW_BOT_CONTENT__PATHS": str(pack_dir),
        "INTERVIEW_BOT_SCHEDULE__TIMEZONE": "UTC",
        "INTERVIEW_BOT_SCHEDULE__TIME": "09:30",
        "INTERVIEW_BOT_SCHEDULE__DAYS": "mon-fri",
        "INTERVIEW_BOT_SCHEDULE__REVEAL_AFTER": "6h",
        "INTERVIEW_BOT_SCHEDULE__GRACE": "2h",
        "INTERVIEW_BOT_PRACTICE__CHARTS_DIR": str(tmp_path / "charts"),
    }


class ConsoleSession:
    """The real app (storage, core, scheduler, console adapter) with a fake clock.
    ``say`` types a line and returns what the bot printed in answer."""

    def __init__(self, settings: Settings, clock: FakeClock) -> None:
        self.settings = settings
        self.clock = clock
        self.out = StringIO()
        self.app: App | None = None

    async def start(self) -> str:
        mark = len(self.out.getvalue())
        self.app = await build_app(self.settings, clock=self.clock, console_out=self.out)
        await self.app.start(paused_jobs=True)
        return self.out.getvalue()[mark:]

    @property
    def core(self):  # type: ignore[no-untyped-def]
        assert self.app is not None
        return self.app.core

    async def say(self, line: str) -> str:
        assert self.app is not None and self.app.console is not None
        mark = len(self.out.getvalue())
        await self.app.console.handle_line(line)
        return self.out.getvalue()[mark:]

    async def tick(self) -> str:
        """Run what the scheduler would run at the clock's current time."""
        assert self.app is not None
        mark = len(self.out.getvalue())
        await self.app.scheduler.catch_up()
        await self.app.scheduler.reveal_overdue()
        return self.out.getvalue()[mark:]

    async def tick_sweep(self) -> str:
        """Run one sweep, as the scheduler's interval job would at the clock's time."""
        assert self.app is not None
        mark = len(self.out.getvalue())
        await self.app.scheduler.sweep()
        return self.out.getvalue()[mark:]

    async def restart(self) -> str:
        await self.close()
        return await self.start()

    async def close(self) -> None:
        if self.app is not None:
            await self.app.close()
            self.app = None


@pytest.fixture
async def make_session(clock: FakeClock, settings_env: dict[str, str]):  # type: ignore[no-untyped-def]
    sessions: list[ConsoleSession] = []

    async def make(**overrides: str) -> ConsoleSession:
        env = {**settings_env, **overrides}
        session = ConsoleSession(load_settings(env=env), clock)
        sessions.append(session)
        await session.start()
        return session

    yield make
    for session in sessions:
        await session.close()
