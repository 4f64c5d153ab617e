"""``interview-bot run`` as a real process against a FakeSlack, for the process tests: its
environment, start and stop, and subscriptions written into its database beforehand."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from bot.core.models import ChannelRef, Subscription
from bot.core.schedule import Schedule
from bot.storage.db import migrate, open_engine, session_factory
from bot.storage.repository import SqlRepository
from tests.fakes.slack_server import FakeSlack

REPO = Path(__file__).resolve().parents[2]
EVERY_DAY = frozenset(range(7))


def process_env(fake: FakeSlack, database_url: str, **env: str) -> dict[str, str]:
    """This environment without any bot settings of its own, pointed at ``fake``."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("INTERVIEW_BOT_", "SLACK_", "DISCORD_"))}
    base.update({
        "SLACK_BOT_TOKEN": fake.bot_token,
        "SLACK_APP_TOKEN": fake.app_token,
        "INTERVIEW_BOT_SLACK__API_BASE_URL": fake.base_url,
        "INTERVIEW_BOT_STORAGE__URL": database_url,
        **env,
    })
    return base


async def start_bot(env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    """Start the bot, its output going to ``log`` (a pipe nobody reads would fill up and
    stop it mid-run)."""
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "run", cwd=REPO, env=env,
            stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=out,
        )


async def stop_bot(process: asyncio.subprocess.Process, timeout: float = 30.0) -> int:
    """SIGTERM, then wait for the exit code (SIGKILL if it hangs)."""
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    try:
        return await asyncio.wait_for(process.wait(), timeout)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise


def fast_env(pack_dir: Path) -> dict[str, str]:
    """Settings for a process test: the test pack, and Slack limits far above what it sends."""
    return {
        "INTERVIEW_BOT_CONTENT__PATHS": str(pack_dir),
        "INTERVIEW_BOT_SLACK__CHANNEL_PACE": "0.01",
        "INTERVIEW_BOT_SLACK__REQUESTS_PER_SECOND": "500",
        "INTERVIEW_BOT_SLACK__HISTORY_REQUESTS_PER_MINUTE": "60000",
    }


async def subscribe_due_now(database_url: str, team: str, channel_ids: Iterable[str], *,
                            reveal_after: timedelta, at: time | None = None) -> None:
    """Subscribe every channel for the current UTC minute (or ``at``), every day: a bot
    started within the grace window afterwards makes the day's post at once (its start-up
    catch-up), as a scheduler firing at that minute would."""
    now = datetime.now(UTC)
    schedule = Schedule(at or time(now.hour, now.minute), "UTC", EVERY_DAY, reveal_after)
    engine = open_engine(database_url)
    try:
        await migrate(engine)  # before the bots start, so they do not race to create tables
        repo = SqlRepository(session_factory(engine))
        for channel_id in channel_ids:
            await repo.save_subscription(Subscription(ChannelRef("slack", team, channel_id), schedule), now)
    finally:
        await engine.dispose()
