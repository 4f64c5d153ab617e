"""Two instances of the bot on one PostgreSQL database fanning out one daily post to 1,000
channels together, against one rate limit at the fake Slack (or Discord): with the shared
rate budget (``[limits] backend = "database"``) and, in the same run, with each instance
pacing only itself (``backend = "local"``), side by side.

Both instances' schedulers fire ``RoundScheduler.run_post`` for every channel in the same
minute, as in production (the second in the other order, so that each claims about half);
the ledger gives each channel to one of them. The bound is the
requests a day's post takes (one a channel on Slack, the message and its thread on Discord)
over the rate limit. Settings as in bench/slack_fanout.py and bench/discord_fanout.py.

Run from the repository root: `python bench/two_instance_fanout.py --postgres
postgresql://postgres@127.0.0.1:5432/test` (Slack, 1,000 channels, 50 ms, 200/s, 3 runs);
`--redis redis://127.0.0.1:6379/0` adds the budget shared in Redis as a third scenario.
Loopback only; each scenario is cut off after --timeout seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from datetime import time as clock_time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import discord_fanout, slack_fanout
from bench._common import database
from bot.app import App, build_app
from bot.config import Secrets, Settings, load_settings
from bot.core.models import ChannelRef, Subscription
from bot.core.schedule import Schedule
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.slack_server import FakeSlack



@dataclass
class Result:
    wall: float
    rate_limited: int
    posted: int  # channels with their post (on Discord: with its thread)
    failed: int
    by_instance: list[int]  # posts each instance made
    grants: int  # round trips to the shared budget, both instances
    why: Counter[str] = field(default_factory=Counter)


class Platform:
    """What differs between Slack and Discord: the fake, the settings, an adapter."""

    requests_per_post: int
    fake: Any

    def settings(self, database_url: str, backend: str) -> Settings:
        raise NotImplementedError

    def adapter(self, app: App, settings: Settings) -> Any:
        raise NotImplementedError

    @property
    def secrets(self) -> Secrets:
        return Secrets(redis_url=self.args.redis)

    def add_channels(self, prefix: str) -> list[ChannelRef]:
        raise NotImplementedError

    def landed(self, channels: list[ChannelRef]) -> int:
        raise NotImplementedError


class Slack(Platform):
    requests_per_post = 1

    def __init__(self, fake: FakeSlack, args: argparse.Namespace) -> None:
        self.fake, self.args = fake, args

    def settings(self, database_url: str, backend: str) -> Settings:
        settings = slack_fanout.settings_for(self.fake, database_url, self.args.limit, self.args.concurrency)
        return with_backend(settings, backend)

    def adapter(self, app: App, settings: Settings) -> Any:
        from bot.adapters.slack import SlackAdapter

        secrets = Secrets(slack_bot_token=self.fake.bot_token, slack_signing_secret=slack_fanout.SIGNING_SECRET)
        return SlackAdapter(app.core, settings, secrets, limiter=app.limiter)

    def add_channels(self, prefix: str) -> list[ChannelRef]:
        return slack_fanout.add_channels(self.fake, prefix, self.args.channels)

    def landed(self, channels: list[ChannelRef]) -> int:
        return slack_fanout.posted(self.fake, channels)


class Discord(Platform):
    requests_per_post = discord_fanout.REQUESTS_PER_POST

    def __init__(self, fake: FakeDiscord, args: argparse.Namespace) -> None:
        self.fake, self.args = fake, args
        self.fanout = discord_fanout.Fanout(fake, args)

    def settings(self, database_url: str, backend: str) -> Settings:
        return with_backend(discord_fanout.settings_for(self.fake, database_url, self.args.limit), backend)

    def adapter(self, app: App, settings: Settings) -> Any:
        from bot.adapters.discord import DiscordAdapter

        return DiscordAdapter(app.core, settings, Secrets(discord_token=self.fake.token), guild_ready_timeout=0.05,
                              limiter=app.limiter)

    def add_channels(self, prefix: str) -> list[ChannelRef]:
        return self.fanout.add_channels(prefix)

    def landed(self, channels: list[ChannelRef]) -> int:
        return self.fanout.landed(channels)[1]


def with_backend(settings: Settings, backend: str) -> Settings:
    return replace(settings, limits=replace(settings.limits, backend=backend))


@asynccontextmanager
async def instance(platform: Platform, database_url: str, backend: str) -> AsyncIterator[App]:
    """One bot: the app and its adapter, started, as `interview-bot run` starts them."""
    settings = platform.settings(database_url, backend)
    app = await build_app(settings, secrets=platform.secrets)
    adapter = platform.adapter(app, settings)
    try:
        await adapter.start()
        yield app
    finally:
        await adapter.stop()
        await app.close()


async def two_instances(platform: Platform, args: argparse.Namespace, backend: str) -> Result:
    with tempfile.TemporaryDirectory() as workdir:
        async with database(Path(workdir), args.postgres) as database_url, AsyncExitStack() as stack:
            apps = [await stack.enter_async_context(instance(platform, database_url, backend)) for _ in range(2)]
            channels = platform.add_channels(backend[:2].upper())
            now = datetime.now(UTC)
            schedule = Schedule(clock_time(now.hour, now.minute), "UTC", frozenset(range(7)))
            for channel in channels:
                await apps[0].core.repo.save_subscription(Subscription(channel, schedule), now)
            await asyncio.sleep(1.0)  # start-up's requests out of the rate limit's window
            platform.fake.limit_rate(args.limit, burst=args.fake_burst)
            before = platform.fake.rate_limited
            started = time.perf_counter()

            async def fire(app: App, order: list[ChannelRef]) -> list[object]:
                # Every channel's job fires in this instance too; the ledger decides who posts.
                return await asyncio.gather(*(app.scheduler.run_post(c) for c in order), return_exceptions=True)

            try:
                async with asyncio.timeout(args.timeout):
                    # In the same order, whichever instance claims first would take every batch
                    # (the other waits on its claims, then finds them taken): the second fires
                    # its jobs the other way round, so that both fan out, meeting in the middle.
                    outcomes = await asyncio.gather(fire(apps[0], channels), fire(apps[1], channels[::-1]))
            except TimeoutError:
                outcomes = [[], []]
            wall = time.perf_counter() - started
            why: Counter[str] = Counter()
            for mine in outcomes:
                for outcome in mine:
                    name = type(outcome).__name__ if isinstance(outcome, BaseException) else outcome.outcome
                    if name not in ("posted", "already-posted", "elsewhere"):
                        why[name] += 1
            by_instance = [sum(not isinstance(o, BaseException) and o.outcome == "posted" for o in mine)
                           for mine in outcomes]
            landed = platform.landed(channels)
            grants = sum(app.limiter.grants for app in apps if app.limiter is not None)
            return Result(wall, platform.fake.rate_limited - before, landed, len(channels) - landed, by_instance,
                          grants, why)


async def one_run(args: argparse.Namespace) -> dict[str, Result]:
    async with AsyncExitStack() as stack:
        platform: Platform
        if args.platform == "slack":
            platform = Slack(await stack.enter_async_context(FakeSlack()), args)
        else:
            fake = FakeDiscord()
            platform = Discord(fake, args)  # its guild first: the gateway's READY lists it
            await fake.start()
            stack.push_async_callback(fake.close)
        # Latency from the start, so start-up pays it too, as it would.
        platform.fake.latency = args.latency
        return {backend: await two_instances(platform, args, backend) for backend in backends(args)}


def backends(args: argparse.Namespace) -> tuple[str, ...]:
    return ("database", "redis", "local") if args.redis else ("database", "local")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--platform", choices=("slack", "discord"), default="slack")
    parser.add_argument("--channels", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds the fake takes per call")
    parser.add_argument("--limit", type=float, default=200.0,
                        help="requests/s the fake allows (and each instance's configured rate)")
    parser.add_argument("--fake-burst", type=float, default=10.0, help="requests the fake allows back to back")
    parser.add_argument("--concurrency", type=int, default=50, help="[slack] max_concurrency")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds after which a scenario is cut off")
    parser.add_argument("--postgres", metavar="ADMIN_URL", required=True,
                        help="the PostgreSQL server both instances share (postgresql://postgres@127.0.0.1:5432/test)")
    parser.add_argument("--redis", metavar="URL", help="also share the budget in this Redis "
                        "(redis://127.0.0.1:6379/0), as a third scenario")
    args = parser.parse_args()
    logging.getLogger("discord.http").setLevel(logging.ERROR)  # a warning per 429: counted instead

    needed = args.channels * (1 if args.platform == "slack" else discord_fanout.REQUESTS_PER_POST)
    bound = needed / args.limit
    runs = []
    for n in range(args.runs):
        results = asyncio.run(one_run(args))
        runs.append(results)
        line = ", ".join(f"{backend} {r.wall:.2f}s/{r.rate_limited}x429/{r.posted}ok/{r.failed}fail/"
                         f"split {r.by_instance}/{r.grants} grants" + (f" {dict(r.why)}" if r.why else "")
                         for backend, r in results.items())
        print(f"run {n + 1} (load average {os.getloadavg()[0]:.2f}): {line}", flush=True)

    print(f"\n{args.platform}: two instances, {args.channels} channels, {needed} requests, "
          f"{args.latency * 1000:.0f} ms latency, limit {args.limit:.0f}/s (burst {args.fake_burst:.0f}); "
          f"bound {needed} / {args.limit:.0f} = {bound:.2f} s; PostgreSQL; medians of {args.runs} runs\n")
    print("| rate budget | wall time (s) | × bound | 429s | posted | failed | posts per instance | grants |")
    print("|---|---:|---:|---:|---:|---:|---|---:|")
    for backend in backends(args):
        def median(attribute: str, backend: str = backend) -> float:
            return statistics.median(getattr(r[backend], attribute) for r in runs)
        wall = median("wall")
        split = " / ".join(f"{statistics.median(r[backend].by_instance[i] for r in runs):.0f}" for i in range(2))
        print(f"| {backend} | {wall:.2f} | {wall / bound:.2f} | {median('rate_limited'):.0f} | {median('posted'):.0f}"
              f" | {median('failed'):.0f} | {split} | {median('grants'):.0f} |")
    print("\n| rate budget | per run: wall time (s) / × bound / 429s |")
    print("|---|---|")
    for backend in backends(args):
        cells = "; ".join(f"{r[backend].wall:.2f} / {r[backend].wall / bound:.2f} / {r[backend].rate_limited}"
                          for r in runs)
        print(f"| {backend} | {cells} |")


if __name__ == "__main__":
    main()
