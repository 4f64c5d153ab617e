"""Start-up time and resident memory with many subscribed Slack channels: a fresh process
builds the app on a SQLite database holding the subscriptions, starts the Slack adapter
(HTTP mode, against the fake Slack) and the scheduler (one job per channel, the catch-up
over every channel), as `interview-bot run` does.

Run from the repository root: `python bench/slack_startup.py` (10,000 channels, 3 runs).
Loopback only. Nothing is due while it runs: every channel's day was two days ago.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

STARTED = time.perf_counter()
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SIGNING_SECRET = "bench-signing-secret"


def memory() -> dict[str, float]:
    """Resident and peak resident memory of this process in MB (Linux /proc)."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024
    return fields


async def child(database: Path, api_base_url: str, bot_token: str) -> dict[str, float]:
    """Runs in the measured process."""
    imported = time.perf_counter()
    from bot.adapters.slack import SlackAdapter
    from bot.app import build_app
    from bot.config import Secrets, load_settings

    imported = time.perf_counter() - imported
    settings = load_settings(env={
        "INTERVIEW_BOT_STORAGE__URL": f"sqlite+aiosqlite:///{database}",
        "INTERVIEW_BOT_SLACK__MODE": "http",
        "INTERVIEW_BOT_SLACK__HTTP_HOST": "127.0.0.1",
        "INTERVIEW_BOT_SLACK__HTTP_PORT": "0",
        "INTERVIEW_BOT_SLACK__API_BASE_URL": api_base_url,
    })
    begun = time.perf_counter()
    app = await build_app(settings)
    built = time.perf_counter()
    adapter = SlackAdapter(app.core, settings, Secrets(slack_bot_token=bot_token, slack_signing_secret=SIGNING_SECRET))
    await adapter.start()
    connected = time.perf_counter()
    await app.start()
    started = time.perf_counter()
    jobs = len(app.scheduler.scheduler.get_jobs())
    figures = {"imports": imported, "build_app": built - begun, "adapter_start": connected - built,
               "app_start": started - connected, "total": started - STARTED, "jobs": jobs, **memory()}
    await adapter.stop()
    await app.close()
    return figures


async def seed(database: Path, count: int) -> None:
    from sqlalchemy import insert

    from bot.storage.db import migrate, open_engine
    from bot.storage.tables import ChannelRow, SubscriptionRow

    now = datetime.now(UTC)
    weekday = (now - timedelta(days=2)).weekday()
    engine = open_engine(f"sqlite+aiosqlite:///{database}")
    try:
        await migrate(engine)
        async with engine.begin() as connection:
            await connection.execute(insert(ChannelRow), [
                {"id": n, "platform": "slack", "workspace": "T0TEAM", "channel": f"C{n:06d}", "created_at": now}
                for n in range(1, count + 1)])
            await connection.execute(insert(SubscriptionRow), [
                {"channel_id": n, "time_of_day": "09:30", "timezone": "UTC", "days": str(weekday),
                 "reveal_after_seconds": 6 * 3600, "tags": "", "paused": False, "language": None,
                 "updated_at": now} for n in range(1, count + 1)])
    finally:
        await engine.dispose()


async def parent(args: argparse.Namespace) -> list[dict[str, float]]:
    from tests.fakes.slack_server import FakeSlack

    runs = []
    with tempfile.TemporaryDirectory() as workdir:
        database = Path(workdir) / "bot.db"
        await seed(database, args.channels)
        async with FakeSlack() as fake:
            for _ in range(args.runs):
                process = await asyncio.create_subprocess_exec(
                    sys.executable, __file__, "--child", str(database), fake.base_url, fake.bot_token,
                    stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL, cwd=ROOT,
                    env={k: v for k, v in os.environ.items() if not k.startswith(("INTERVIEW_BOT_", "SLACK_"))},
                )
                out, _ = await asyncio.wait_for(process.communicate(), 600)
                runs.append(json.loads(out.decode().strip().splitlines()[-1]))
                print(json.dumps(runs[-1]), flush=True)
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", nargs=3, metavar=("DATABASE", "API_BASE_URL", "BOT_TOKEN"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        database, api_base_url, bot_token = args.child
        print(json.dumps(asyncio.run(child(Path(database), api_base_url, bot_token))))
        return

    runs = asyncio.run(parent(args))
    print(f"\n{args.channels} subscribed channels in SQLite; medians of {args.runs} fresh processes\n")
    print("| measure | median |")
    print("|---|---:|")
    for key, unit in (("imports", "s"), ("build_app", "s"), ("adapter_start", "s"), ("app_start", "s"),
                      ("total", "s"), ("jobs", ""), ("VmRSS", "MB"), ("VmHWM", "MB")):
        value = statistics.median(r[key] for r in runs)
        print(f"| {key} | {value:.2f} {unit} |" if unit else f"| {key} | {value:.0f} |")


if __name__ == "__main__":
    main()
