"""Wiring only: config -> question bank -> storage -> core -> adapters -> scheduler.

Nothing here decides behaviour; it builds the parts and starts and stops them in order.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol, TextIO

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.adapters import AdapterSetupError
from bot.adapters.console.adapter import CONSOLE_HELP, ConsoleAdapter
from bot.adapters.pacing import BudgetStore, SharedLimiter
from bot.config import ConfigError, Secrets, Settings
from bot.content.loader import SHIPPED_LANGUAGES, Bank, OwnedPack, load_bank, load_pack_text
from bot.content.matching import KeywordGrader
from bot.core.clock import Clock, SystemClock
from bot.core.models import Subscription
from bot.core.packs import stored_owner
from bot.core.service import Core, CoreSettings
from bot.ops import OpsServer, PrometheusMetrics
from bot.scheduling.scheduler import PostOutcome, RoundScheduler
from bot.storage.db import migrate, open_engine, session_factory
from bot.storage.limiter import DatabaseBudgets
from bot.storage.repository import SqlRepository

log = logging.getLogger(__name__)

# How long a stop waits for a post or reveal in flight before leaving it to the next start.
DRAIN_SECONDS = 30.0


@dataclass
class App:
    settings: Settings
    bank: Bank
    engine: AsyncEngine
    core: Core
    scheduler: RoundScheduler
    metrics: PrometheusMetrics
    console: ConsoleAdapter | None = None
    #: The platforms' global rate budgets when shared between instances; None: each
    #: adapter paces only its own process.
    limiter: SharedLimiter | None = None
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
        # Jobs still running hold database connections: let them finish (briefly) before
        # the engine goes, so none is left to the garbage collector half-open.
        await self.scheduler.drain(5.0)
        self.scheduler.shutdown()
        if self.limiter is not None:
            await self.limiter.store.close()
        await self.engine.dispose()


async def build_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    console_out: TextIO | None = None,
    bank: Bank | None = None,
    secrets: Secrets | None = None,
) -> App:
    """Build every part; raises ``ContentErrors`` before touching the database when a
    pack is broken, so the bot never runs on a half-loaded bank (and ``ConfigError`` when
    the Redis rate limit has no REDIS_URL)."""
    bank = bank if bank is not None else load_bank(list(settings.content.paths), SHIPPED_LANGUAGES)
    backend = settings.limits.backend_for(settings.storage.url)
    if backend == "redis" and not (secrets and secrets.redis_url):
        raise ConfigError("limits.backend = redis needs REDIS_URL in the environment "
                          "(or REDIS_URL_FILE, or /run/secrets/redis_url)")
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
            post_grace=settings.schedule.grace,
            lease=timedelta(seconds=settings.cluster.lease_seconds),
        ),
    )
    scheduler = RoundScheduler(core, clock, settings.schedule.grace,
                               sweep_every=timedelta(seconds=settings.cluster.sweep_seconds))
    console = None
    if console_out is not None:
        console = ConsoleAdapter(core, console_out, channel=settings.console.channel, user=settings.console.user,
                                 charts_dir=settings.practice.charts_dir)
    return App(settings=settings, bank=bank, engine=engine, core=core, scheduler=scheduler, metrics=metrics,
               console=console, limiter=_limiter(backend, engine, secrets))


def _limiter(backend: str, engine: AsyncEngine, secrets: Secrets | None) -> SharedLimiter | None:
    store: BudgetStore
    if backend == "database":
        store = DatabaseBudgets(engine)
    elif backend == "redis":
        from bot.storage.redis_limiter import RedisBudgets

        assert secrets is not None and secrets.redis_url
        store = RedisBudgets(secrets.redis_url)
    else:
        return None
    return SharedLimiter(store)


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
        reading = asyncio.ensure_future(app.console.run(stdin, prompt=interactive))
        with _stop_on_signals(reading.cancel):
            try:
                await reading
            except asyncio.CancelledError:
                if not reading.cancelled():
                    raise
        await app.scheduler.drain(DRAIN_SECONDS)
    finally:
        await app.close()
    return 0


async def run(settings: Settings, secrets: Secrets, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> int:
    """``interview-bot run``: every platform whose credentials are set, else the console.
    On SIGTERM or SIGINT it stops taking work, finishes what is in flight, and exits."""
    if not (secrets.has_slack or secrets.has_discord):
        return await run_console(settings, stdin, stdout)
    stop = asyncio.Event()
    with _stop_on_signals(stop.set):  # from the first moment: a stop during start-up is kept
        try:
            app = await build_app(settings, secrets=secrets)
        except ConfigError as exc:
            log.error("%s", exc)
            return 2
        adapters: list[PlatformAdapter] = []
        try:
            if secrets.has_slack:
                from bot.adapters.slack import SlackAdapter

                adapters.append(SlackAdapter(app.core, settings, secrets, limiter=app.limiter))
            if secrets.has_discord:
                from bot.adapters.discord import DiscordAdapter

                adapters.append(DiscordAdapter(app.core, settings, secrets, limiter=app.limiter))
            for adapter in adapters:  # before the scheduler, so catch-up posts find their platform
                await adapter.start()
            await app.start()
            # What start-up built lives as long as the process: keep the collector off it, so
            # a full collection does not land in the middle of a burst of commands.
            gc.freeze()
            log.info("interview-bot running on %s", ", ".join(a.name for a in adapters))
            await stop.wait()
            log.info("stopping: no new work; finishing posts and reveals in flight")
            if not await app.scheduler.drain(DRAIN_SECONDS):
                log.warning("some jobs were still running after %ss; the ledger resumes them on the next start",
                            DRAIN_SECONDS)
            return 0
        except AdapterSetupError as exc:
            log.error("%s", exc)
            return 2
        finally:
            for adapter in reversed(adapters):
                await adapter.stop()
            await app.close()


async def uploaded_packs(settings: Settings) -> list[OwnedPack]:
    """The packs uploaded from chat and their owners, read from the configured database
    (for export)."""
    engine = open_engine(settings.storage.url)
    try:
        await migrate(engine)
        stored = await SqlRepository(session_factory(engine)).stored_packs()
    finally:
        await engine.dispose()
    return [OwnedPack(stored_owner(p), load_pack_text(p.source, p.filename)) for p in stored]


class PlatformAdapter(Protocol):
    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@contextmanager
def _stop_on_signals(callback: Callable[[], object]) -> Iterator[None]:
    loop = asyncio.get_running_loop()
    signals = (signal.SIGTERM, signal.SIGINT)
    for sig in signals:
        loop.add_signal_handler(sig, callback)
    try:
        yield
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)


def _safe_url(url: str) -> str:
    """The storage URL without its password, for logs and banners."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
