"""Helpers shared by the bench scripts."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path


@asynccontextmanager
async def database(workdir: Path, postgres: str | None) -> AsyncIterator[str]:
    """A fresh SQLite file, or a fresh database on the PostgreSQL server ``postgres``
    (an admin URL) dropped afterwards."""
    if postgres is None:
        yield f"sqlite+aiosqlite:///{workdir / 'bot.db'}"
        return
    import asyncpg
    from sqlalchemy.engine import make_url

    admin = make_url(postgres)
    name = f"bench_{uuid.uuid4().hex[:12]}"
    kwargs = {"host": admin.host, "port": admin.port, "user": admin.username, "password": admin.password,
              "database": admin.database}
    connection = await asyncpg.connect(**kwargs)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
        yield admin.set(drivername="postgresql+asyncpg", database=name).render_as_string(hide_password=False)
    finally:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.close()
