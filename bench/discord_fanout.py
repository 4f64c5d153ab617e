"""Fan-out of one daily post to many Discord channels against the fake Discord with injected
latency and a global rate limit: the adapter's platform, the same day through the scheduler
and the database, a plain sequential loop, and a plain unpaced ``gather``, side by side.

A daily post on Discord is two requests per channel: the message, then the thread started
from it. The bound set by the limit is therefore 2 x channels / limit.

Run from the repository root: `python bench/discord_fanout.py` (1,000 channels, 50 ms,
200/s, 3 runs). Loopback only; every scenario is bounded (the slowest, the sequential loop,
by 2 x channels x latency) and cut off after --timeout seconds in any case.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from datetime import time as clock_time
from pathlib import Path
from secrets import token_hex

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import discord
from discord.http import handle_message_parameters

from bench._common import database
from bot.adapters.discord import DiscordAdapter
from bot.adapters.discord.components import send_kwargs
from bot.adapters.discord.render import render
from bot.adapters.discord.transport import RebasedHTTPClient
from bot.app import App, build_app
from bot.config import Secrets, Settings, load_settings
from bot.core import views
from bot.core.messages import Message
from bot.core.models import ChannelRef, Round, RoundStatus, Subscription
from bot.core.schedule import Schedule
from tests.fakes.discord_server import FakeDiscord

REQUESTS_PER_POST = 2  # the message and its thread
THREAD_NAME = "Answers"


@dataclass
class Result:
    wall: float
    cpu: float  # this process's CPU time (bot, fake and load generator together)
    rate_limited: int
    requests: int  # answered requests, 429s not included
    posted: int  # channels with their post
    threads: int  # channels whose post has its thread
    failed: int = 0
    why: Counter[str] = field(default_factory=Counter)  # what the failed ones ended with


class Fanout:
    """One fake Discord with one guild; each scenario gets channels of its own."""

    def __init__(self, fake: FakeDiscord, args: argparse.Namespace) -> None:
        self.fake = fake
        self.args = args
        self.guild_id = int(fake.add_guild("Bench", channels=0)["id"])

    def add_channels(self, prefix: str) -> list[ChannelRef]:
        ids = [self.fake.add_channel(self.guild_id, f"{prefix}-{n:05d}") for n in range(self.args.channels)]
        return [ChannelRef("discord", str(self.guild_id), str(c)) for c in ids]

    async def measure(self, channels: list[ChannelRef], work: Iterable[Awaitable[object]]) -> Result:
        """Run ``work`` (all at once) against a fresh bucket at the fake; what the fake saw."""
        await asyncio.sleep(1.0)  # let the previous scenario's gateway events settle
        self.fake.limit_rate(self.args.limit, burst=self.args.fake_burst)
        limited, arrived = self.fake.rate_limited, len(self.fake.requests)
        started, cpu = time.perf_counter(), time.process_time()
        timed_out = False
        outcomes: list[object] = []  # per channel: None when done, else what went wrong
        try:
            async with asyncio.timeout(self.args.timeout):
                outcomes = await asyncio.gather(*work, return_exceptions=True)
        except TimeoutError:
            timed_out = True
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        limited = self.fake.rate_limited - limited
        why = Counter(type(o).__name__ if isinstance(o, BaseException) else str(o)
                      for o in outcomes if o is not None)
        posted, threads = self.landed(channels)
        if timed_out:
            why = Counter({"unfinished at the timeout": len(channels) - threads})
        return Result(wall, cpu, limited, len(self.fake.requests) - arrived - limited, posted, threads,
                      sum(why.values()), why)

    def landed(self, channels: list[ChannelRef]) -> tuple[int, int]:
        wanted = {c.channel for c in channels}
        posted = {m["channel_id"] for m in self.fake.messages.values() if m["channel_id"] in wanted}
        threads = {t["parent_id"] for t in self.fake.threads() if t["parent_id"] in wanted}
        return len(posted), len(threads)


def settings_for(fake: FakeDiscord, database_url: str, rate: float) -> Settings:
    return load_settings(env={
        "INTERVIEW_BOT_STORAGE__URL": database_url,
        "INTERVIEW_BOT_DISCORD__API_BASE_URL": fake.api_url,
        "INTERVIEW_BOT_DISCORD__REQUESTS_PER_SECOND": str(rate),
        "INTERVIEW_BOT_LOGGING__LEVEL": "WARNING",
    })


def question_messages(app: App, channels: list[ChannelRef]) -> list[Message]:
    """The day's question as the core renders it for each channel (its own round id)."""
    question = next(iter(app.bank))
    now = datetime.now(UTC)
    return [views.question_message(Round(n, c, question.id, 0, RoundStatus.POSTING, now, now), question, "en", "UTC")
            for n, c in enumerate(channels, 1)]


async def with_adapter(bench: Fanout, database_url: str) -> tuple[Result, Result, list[Message]]:
    """The adapter's platform posting a rendered question and opening its thread in every
    channel at once; then the same day through ``RoundScheduler.run_post`` (claim, post,
    thread, confirm in the database), every channel's job firing in the same minute."""
    fake, args = bench.fake, bench.args
    settings = settings_for(fake, database_url, args.limit)
    app = await build_app(settings)
    adapter = DiscordAdapter(app.core, settings, Secrets(discord_token=fake.token), guild_ready_timeout=0.05)
    await adapter.start()
    # As `interview-bot run` does once started: what start-up built is kept out of the
    # collector, so that a full collection does not land in the middle of the fan-out
    # (the previous run's garbage is collected first rather than kept).
    gc.collect()
    gc.freeze()
    try:
        channels = bench.add_channels("platform")
        messages = question_messages(app, channels)

        async def daily_post(channel: ChannelRef, message: Message) -> None:
            # What the core asks of the platform for a round: the post, then its thread.
            posted = await adapter.post_message(channel, message)
            await adapter.open_thread(posted, THREAD_NAME)

        platform = await bench.measure(
            channels, (daily_post(c, m) for c, m in zip(channels, messages, strict=True)))

        channels = bench.add_channels("scheduled")
        now = datetime.now(UTC)
        schedule = Schedule(clock_time(now.hour, now.minute), "UTC", frozenset(range(7)))
        for channel in channels:
            await app.core.repo.save_subscription(Subscription(channel, schedule), now)

        async def scheduled_post(channel: ChannelRef) -> str | None:
            outcome = (await app.scheduler.run_post(channel)).outcome
            return None if outcome == "posted" else outcome

        scheduled = await bench.measure(channels, (scheduled_post(c) for c in channels))
        return platform, scheduled, messages
    finally:
        await adapter.stop()
        await app.close()


async def plain_client(bench: Fanout, app_messages: list[Message], prefix: str, concurrent: bool) -> Result:
    """The bot's discord.py HTTP client without the adapter's pacer (discord.py's own
    per-route buckets and 429 handling still on: it waits each 429's retry_after, holds new
    requests during a global one, and gives up after 5 tries): the same message and thread
    per channel, one channel after the other, or all at once."""
    fake = bench.fake
    http = RebasedHTTPClient(asyncio.get_running_loop(), api_base_url=fake.api_url)
    await http.static_login(fake.token)
    channels = bench.add_channels(prefix)

    async def daily_post(channel: ChannelRef, message: Message) -> None:
        parts = render(message)
        with handle_message_parameters(**send_kwargs(parts[0]), nonce=token_hex(12)) as params:
            sent = await http.send_message(int(channel.channel), params=params)
        await http.start_thread_with_message(int(channel.channel), int(sent["id"]), name=THREAD_NAME,
                                             auto_archive_duration=1440)

    failures: Counter[str] = Counter()

    async def one_after_the_other() -> None:
        for channel, message in zip(channels, app_messages, strict=True):
            try:
                await daily_post(channel, message)
            except discord.HTTPException as exc:
                failures[type(exc).__name__] += 1

    try:
        if concurrent:
            return await bench.measure(
                channels, (daily_post(c, m) for c, m in zip(channels, app_messages, strict=True)))
        result = await bench.measure(channels, [one_after_the_other()])
        if not result.why:  # else cut off at the timeout, and counted as such
            result.why, result.failed = failures, sum(failures.values())
        return result
    finally:
        await http.close()


async def one_run(args: argparse.Namespace) -> dict[str, Result]:
    fake = FakeDiscord()
    bench = Fanout(fake, args)
    await fake.start()
    try:
        # Latency from the start, so login and command sync pay it too, as they would.
        fake.latency = args.latency
        with tempfile.TemporaryDirectory() as workdir:
            async with database(Path(workdir), args.postgres) as database_url:
                platform, scheduled, messages = await with_adapter(bench, database_url)
        results = {"adapter platform": platform, "scheduler + adapter": scheduled}
        # The plain clients post the same rendered questions as the adapter's platform did.
        if not args.skip_sequential:
            results["sequential loop"] = await plain_client(bench, messages, "sequential", concurrent=False)
        if not args.skip_gather:
            results["unpaced gather"] = await plain_client(bench, messages, "gather", concurrent=True)
        return results
    finally:
        await fake.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds the fake takes per REST call")
    parser.add_argument("--limit", type=float, default=200.0,
                        help="requests/s the fake allows globally (and [discord] requests_per_second)")
    parser.add_argument("--fake-burst", type=float, default=10.0, help="requests the fake allows back to back")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds after which a scenario is cut off")
    parser.add_argument("--skip-sequential", action="store_true", help="skip the slow sequential loop")
    parser.add_argument("--skip-gather", action="store_true", help="skip the unpaced gather")
    parser.add_argument("--postgres", metavar="ADMIN_URL", help="run the scheduler scenario on a fresh database "
                        "on this server (postgresql://postgres@127.0.0.1:5432/test) instead of SQLite")
    args = parser.parse_args()
    # discord.py logs a warning per 429; the fake counts them, and the tables report them.
    logging.getLogger("discord.http").setLevel(logging.ERROR)

    needed = REQUESTS_PER_POST * args.channels
    bound = needed / args.limit
    runs = []
    for n in range(args.runs):
        results = asyncio.run(one_run(args))
        runs.append(results)
        line = ", ".join(f"{name} {r.wall:.2f}s (cpu {r.cpu:.1f}s)/{r.requests}req/{r.rate_limited}x429/"
                         f"{r.threads}ok/{r.failed}fail" + (f" {dict(r.why)}" if r.why else "")
                         for name, r in results.items())
        # The machine's load: other processes on the same cores show up in the wall times.
        print(f"run {n + 1} (load average {os.getloadavg()[0]:.2f}): {line}", flush=True)

    print(f"\n{args.channels} channels x {REQUESTS_PER_POST} requests (message + thread), "
          f"{args.latency * 1000:.0f} ms latency, global limit {args.limit:.0f}/s (burst {args.fake_burst:.0f}); "
          f"bound {needed} / {args.limit:.0f} = {bound:.2f} s; scheduler on "
          f"{'PostgreSQL' if args.postgres else 'SQLite'}; medians of {args.runs} runs\n")
    print("| scenario | wall time (s) | × bound | requests | 429s | posted | with thread | failed |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name in runs[0]:
        def median(attribute: str, name: str = name) -> float:
            return statistics.median(getattr(r[name], attribute) for r in runs)
        wall = median("wall")
        print(f"| {name} | {wall:.2f} | {wall / bound:.2f} | {median('requests'):.0f} | {median('rate_limited'):.0f}"
              f" | {median('posted'):.0f} | {median('threads'):.0f} | {median('failed'):.0f} |")

    print("\n| scenario | per run: wall time (s) / × bound / 429s |")
    print("|---|---|")
    for name in runs[0]:
        cells = "; ".join(f"{r[name].wall:.2f} / {r[name].wall / bound:.2f} / {r[name].rate_limited}" for r in runs)
        print(f"| {name} | {cells} |")

    if "sequential loop" in runs[0]:
        ratios = [r["sequential loop"].wall / r["adapter platform"].wall for r in runs]
        print(f"\nsequential loop / adapter platform, per run: {', '.join(f'{x:.1f}x' for x in ratios)}; "
              f"median {statistics.median(ratios):.1f}x")


if __name__ == "__main__":
    main()
