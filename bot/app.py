"""Wiring only: config -> question bank -> storage -> core -> adapters -> scheduler.

Nothing here decides behaviour; it builds the parts and starts and stops them in order.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field
from typing import TextIO

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.adapters.console.adapter import CONSOLE_HELP, ConsoleAdapter
from bot.config import Secrets, Settings
from bot.content.loader import Bank, load_bank
from bot.content.matching import KeywordGrader
from bot.core.clock import Clock, SystemClock
from bot.core.models import Subscription
from bot.core.service import Core, CoreSettings
from bot.ops import OpsServer, PrometheusMetrics
from bot.scheduling.scheduler import PostOutcome, RoundScheduler
from bot.storage.db import migrate, open_engine, session_factory
from bot.storage.repository import SqlRepository

log = logging.getLogger(__name__)


@dataclass
class App:
    settings: Settings
    bank: Bank
    engine: AsyncEngine
    core: Core
    scheduler: RoundScheduler
    metrics: PrometheusMetrics
    console: ConsoleAdapter | None = None
    ops: OpsServer | None = None
    started: list[PostOutcome] = field(default_factory=list)

    async def start(self, *, paused_jobs: bool = False) -> None:
        """Subscribe the console channel on first start, then rebuild jobs and catch up."""
        if self.console is not None and self.settings.console.subscribe:
            channel = self.console.channel
            if await self.core.repo.get_subscription(channel) is None:
                await self.core.save_subscription(
                    Subscription(channel=channel, schedule=self.settings.schedule.to_schedule())
                )
        self.started = await self.scheduler.start(paused=paused_jobs)
        if self.settings.ops.enabled:
            self.ops = OpsServer(self.metrics, self.healthy, self.settings.ops.host, self.settings.ops.port)
            await self.ops.start()

    async def healthy(self) -> bool:
        """Up when the scheduler runs and the database answers."""
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        return self.scheduler.scheduler.running

    async def close(self) -> None:
        if self.ops is not None:
            await self.ops.stop()
        self.scheduler.shutdown()
        await self.engine.dispose()


async def build_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    console_out: TextIO | None = None,
    bank: Bank | None = None,
) -> App:
    """Build every part; raises ``ContentErrors`` before touching the database when a
    pack is broken, so the bot never runs on a half-loaded bank."""
    bank = bank if bank is not None else load_bank(list(settings.content.paths))
    clock = clock or SystemClock()
    engine = open_engine(settings.storage.url, echo=settings.storage.echo)
    await migrate(engine)
    metrics = PrometheusMetrics()
    core = Core(
        repository=SqlRepository(session_factory(engine)),
        metrics=metrics,
        bank=bank,
        clock=clock,
        grader=KeywordGrader(),
        settings=CoreSettings(
            default_schedule=settings.schedule.to_schedule(),
            language=settings.bot.language,
            admins=frozenset(settings.bot.admins),
            day_rollover=settings.practice.day_rollover,
            weekly_summary=settings.practice.weekly_summary,
            study_count=settings.practice.study_count,
            study_answer_minutes=settings.practice.study_answer_minutes,
        ),
    )
    scheduler = RoundScheduler(core, clock, settings.schedule.grace)
    console = None
    if console_out is not None:
        console = ConsoleAdapter(core, console_out, channel=settings.console.channel, user=settings.console.user,
                                 charts_dir=settings.practice.charts_dir)
    return App(settings=settings, bank=bank, engine=engine, core=core, scheduler=scheduler, metrics=metrics,
               console=console)


async def run_console(settings: Settings, stdin: TextIO, stdout: TextIO, *, clock: Clock | None = None) -> int:
    app = await build_app(settings, clock=clock, console_out=stdout)
    assert app.console is not None
    try:
        await app.start()
        interactive = stdin.isatty()
        subscription = await app.core.repo.get_subscription(app.console.channel)
        schedule = subscription.schedule.describe() if subscription else "none"
        stdout.write(
            f"interview-bot console: {len(app.bank)} questions, storage {_safe_url(settings.storage.url)}, "
            f"daily question {schedule}.\n{CONSOLE_HELP}\n"
        )
        stdout.flush()
        await app.console.run(stdin, prompt=interactive)
    finally:
        await app.close()
    return 0


async def run(settings: Settings, secrets: Secrets, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> int:
    """``interview-bot run``: the platforms whose credentials are present, else the console."""
    missing = [name for name, present in (("Slack", secrets.has_slack), ("Discord", secrets.has_discord)) if present]
    if missing:
        log.error("%s credentials are set, but this build has no %s adapter yet; "
                  "unset them to use the console", " and ".join(missing), " or ".join(missing))
        return 2
    return await run_console(settings, stdin, stdout)


def _safe_url(url: str) -> str:
    """The storage URL without its password, for logs and banners."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
