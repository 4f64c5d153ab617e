"""`interview-bot run` as a real process on Slack: connects Socket Mode to the fake,
posts what is due, stops cleanly on SIGTERM, and refuses a bad token without printing it."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.fakes.slack_server import FakeSlack

REPO = Path(__file__).resolve().parents[2]
BOT_TOKEN = FakeSlack.bot_token
APP_TOKEN = FakeSlack.app_token


async def start_bot(fake: FakeSlack, tmp_path: Path, **env: str) -> asyncio.subprocess.Process:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("INTERVIEW_BOT_", "SLACK_", "DISCORD_"))}
    base.update({
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_APP_TOKEN": APP_TOKEN,
        "INTERVIEW_BOT_SLACK__API_BASE_URL": fake.base_url,
        "INTERVIEW_BOT_STORAGE__URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        **env,
    })
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run", cwd=REPO, env=base,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )


async def test_run_connects_socket_mode_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    async with FakeSlack() as fake:
        process = await start_bot(fake, tmp_path)
        try:
            await fake.wait_connected(timeout=30)
            assert [c.token for c in fake.calls_to("apps.connections.open")] == [APP_TOKEN]
            process.send_signal(signal.SIGTERM)
            out, err = await asyncio.wait_for(process.communicate(), timeout=30)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    log = err.decode()
    assert process.returncode == 0, log
    assert "interview-bot running on slack" in log
    assert "stopping: no new work" in log
    assert BOT_TOKEN not in log + out.decode() and APP_TOKEN not in log


async def test_a_refused_token_stops_the_start_with_a_clear_line_and_no_secret(tmp_path: Path) -> None:
    async with FakeSlack() as fake:
        fake.fail_next("auth.test", status=200, error="invalid_auth")
        process = await start_bot(fake, tmp_path)
        out, err = await asyncio.wait_for(process.communicate(), timeout=30)
    log = err.decode()
    assert process.returncode == 2
    assert "invalid_auth" in log
    assert BOT_TOKEN not in log + out.decode()
