"""Fan-out of one daily post to many Slack channels against the fake Slack with injected
latency and a rate limit: the adapter's dispatcher, the same day through the scheduler and
the database (and its reveals), a plain sequential loop, and a plain unpaced ``gather``,
side by side.

Run from the repository root: `python bench/slack_fanout.py` (1,000 channels, 50 ms, 200/s,
3 runs). Loopback only; every scenario is bounded (the slowest, the sequential loop, by
channels x latency).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from datetime import time as clock_time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import database
from bot.adapters.slack import SlackAdapter
from bot.adapters.slack.app import build_web_client, open_session
from bot.app import build_app
from bot.config import Secrets, Settings, load_settings
from bot.core import views
from bot.core.models import ChannelRef, Round, RoundStatus, Subscription
from bot.core.schedule import Schedule
from tests.fakes.slack_server import FakeSlack

SIGNING_SECRET = "bench-signing-secret"


@dataclass
class Result:
    wall: float
    rate_limited: int
    posted: int
    failed: int = 0
    requests_per_channel: int = 1  # the bound is channels x this / limit


def settings_for(fake: FakeSlack, database_url: str, rate: float, concurrency: int) -> Settings:
    return load_settings(env={
        "INTERVIEW_BOT_STORAGE__URL": database_url,
        "INTERVIEW_BOT_SLACK__MODE": "http",
        "INTERVIEW_BOT_SLACK__HTTP_HOST": "127.0.0.1",
        "INTERVIEW_BOT_SLACK__HTTP_PORT": "0",
        "INTERVIEW_BOT_SLACK__API_BASE_URL": fake.base_url,
        "INTERVIEW_BOT_SLACK__REQUESTS_PER_SECOND": str(rate),
        "INTERVIEW_BOT_SLACK__MAX_CONCURRENCY": str(concurrency),
        "INTERVIEW_BOT_LOGGING__LEVEL": "WARNING",
    })


def add_channels(fake: FakeSlack, prefix: str, count: int) -> list[ChannelRef]:
    ids = [f"{prefix}{n:05d}" for n in range(count)]
    for channel_id in ids:
        fake.add_channel(channel_id)
    return [ChannelRef("slack", fake.team_id, c) for c in ids]


def posted(fake: FakeSlack, channels: list[ChannelRef]) -> int:
    return sum(len(fake.posted(c.channel)) for c in channels)


async def with_dispatcher(fake: FakeSlack, args: argparse.Namespace, database_url: str) -> list[Result]:
    """The adapter's platform posting a rendered question to every channel at once; then
    the same through ``RoundScheduler.run_post`` (claim, post, confirm in the database),
    every channel's job firing in the same minute; then those rounds' reveals, all due at
    once (the reference answer and the summary: two posts a channel)."""
    settings = settings_for(fake, database_url, args.limit, args.concurrency)
    app = await build_app(settings)
    adapter = SlackAdapter(app.core, settings, Secrets(slack_bot_token=fake.bot_token,
                                                       slack_signing_secret=SIGNING_SECRET))
    await adapter.start()
    try:
        question = next(iter(app.bank))
        channels = add_channels(fake, "D", args.channels)
        now = datetime.now(UTC)
        messages = [views.question_message(Round(n, c, question.id, 0, RoundStatus.POSTING, now, now),
                                           question, "en", "UTC") for n, c in enumerate(channels, 1)]
        fake.limit_rate(args.limit, burst=args.fake_burst)
        before = fake.rate_limited
        started = time.perf_counter()
        await asyncio.gather(*(adapter.platform.post_message(c, m) for c, m in zip(channels, messages, strict=True)))
        platform = Result(time.perf_counter() - started, fake.rate_limited - before, posted(fake, channels))

        channels = add_channels(fake, "E", args.channels)
        schedule = Schedule(clock_time(now.hour, now.minute), "UTC", frozenset(range(7)))
        for channel in channels:
            await app.core.repo.save_subscription(Subscription(channel, schedule), now)
        await asyncio.sleep(1.0)  # let the rate limit's bucket refill between scenarios
        before = fake.rate_limited
        started = time.perf_counter()
        outcomes = await asyncio.gather(*(app.scheduler.run_post(c) for c in channels))
        scheduled = Result(time.perf_counter() - started, fake.rate_limited - before, posted(fake, channels),
                           sum(o.outcome != "posted" for o in outcomes))

        await asyncio.sleep(1.0)
        before, made = fake.rate_limited, posted(fake, channels)
        started = time.perf_counter()
        revealed = await asyncio.gather(*(app.scheduler.run_reveal(o.round_id) for o in outcomes if o.round_id))
        reveals = Result(time.perf_counter() - started, fake.rate_limited - before, posted(fake, channels) - made,
                         sum(not r for r in revealed), requests_per_channel=2)
        return [platform, scheduled, reveals]
    finally:
        await adapter.stop()
        await app.close()


async def plain_client(fake: FakeSlack, args: argparse.Namespace, prefix: str, concurrent: bool) -> Result:
    """The same client (retries on, Retry-After honoured per request) without the
    dispatcher: one post after the other, or all at once."""
    settings = settings_for(fake, "sqlite+aiosqlite:///unused.db", args.limit, args.concurrency)
    client = build_web_client(settings, fake.bot_token)
    client.session = open_session(settings)
    channels = add_channels(fake, prefix, args.channels)
    failed = 0

    async def post(channel: ChannelRef) -> None:
        nonlocal failed
        try:
            await client.chat_postMessage(channel=channel.channel, text="Question of the day")
        except Exception:  # noqa: BLE001 - counted: a post that never made it
            failed += 1

    await asyncio.sleep(1.0)
    before = fake.rate_limited
    started = time.perf_counter()
    try:
        if concurrent:
            await asyncio.gather(*(post(c) for c in channels))
        else:
            for channel in channels:
                await post(channel)
    finally:
        await client.session.close()
    return Result(time.perf_counter() - started, fake.rate_limited - before, posted(fake, channels), failed)


async def one_run(args: argparse.Namespace) -> dict[str, Result]:
    async with FakeSlack() as fake:
        fake.latency = args.latency
        with tempfile.TemporaryDirectory() as workdir:
            async with database(Path(workdir), args.postgres) as database_url:
                platform, scheduled, reveals = await with_dispatcher(fake, args, database_url)
        results = {"dispatcher": platform, "scheduler + dispatcher": scheduled, "reveals (scheduler)": reveals}
        if not args.skip_sequential:
            results["sequential loop"] = await plain_client(fake, args, "S", concurrent=False)
        results["unpaced gather"] = await plain_client(fake, args, "G", concurrent=True)
        return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds the fake takes per call")
    parser.add_argument("--limit", type=float, default=200.0, help="requests/s the fake allows (and the bot's rate)")
    parser.add_argument("--fake-burst", type=float, default=10.0, help="requests the fake allows back to back")
    parser.add_argument("--concurrency", type=int, default=50, help="[slack] max_concurrency")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-sequential", action="store_true", help="skip the slow sequential loop")
    parser.add_argument("--postgres", metavar="ADMIN_URL", help="run the scheduler scenario on a fresh database "
                        "on this server (postgresql://postgres@127.0.0.1:5432/test) instead of SQLite")
    args = parser.parse_args()

    bound = args.channels / args.limit
    runs = []
    for n in range(args.runs):
        results = asyncio.run(one_run(args))
        runs.append(results)
        line = ", ".join(f"{name} {r.wall:.2f}s/{r.rate_limited}x429/{r.posted}ok/{r.failed}fail"
                         for name, r in results.items())
        print(f"run {n + 1}: {line}", flush=True)

    print(f"\n{args.channels} channels, {args.latency * 1000:.0f} ms latency, limit {args.limit:.0f}/s "
          f"(burst {args.fake_burst:.0f}); bound {bound:.2f} s; scheduler on "
          f"{'PostgreSQL' if args.postgres else 'SQLite'}; medians of {args.runs} runs\n")
    print("| scenario | wall time (s) | × bound | 429s | posted | failed |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in runs[0]:
        wall = statistics.median(r[name].wall for r in runs)
        own_bound = bound * runs[0][name].requests_per_channel
        print(f"| {name} | {wall:.2f} | {wall / own_bound:.2f} | {statistics.median(r[name].rate_limited for r in runs):.0f}"
              f" | {statistics.median(r[name].posted for r in runs):.0f}"
              f" | {statistics.median(r[name].failed for r in runs):.0f} |")
    if "sequential loop" in runs[0]:
        ratios = [r["sequential loop"].wall / r["dispatcher"].wall for r in runs]
        print(f"\nsequential / dispatcher, per run: {', '.join(f'{x:.1f}x' for x in ratios)}; "
              f"median {statistics.median(ratios):.1f}x")


if __name__ == "__main__":
    main()
