"""The installed `interview-bot` command: the console with piped stdin, the refusal to
start on a broken pack, config errors, and the real APScheduler firing a job."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger

REPO = Path(__file__).resolve().parent.parent


def run_cli(args: list[str], tmp_path: Path, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("INTERVIEW_BOT_")}
    for secret in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET"):
        base.pop(secret, None)
    base["INTERVIEW_BOT_STORAGE__URL"] = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    base.update(env)
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], input=stdin, capture_output=True, text=True,
        cwd=REPO, env=base, timeout=60,
    )


def test_console_with_piped_stdin_runs_a_round_and_exits_at_end_of_input(tmp_path: Path) -> None:
    script = "/interview question\n早停法和 dropout\n/interview answer 正则化\n/interview reveal\n"
    result = run_cli(["run"], tmp_path, stdin=script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert re.search(r"interview-bot console: \d{3} questions", out), out
    assert "Practice question" in out
    assert "Reference answer:" in out
    assert "you: " in out and "key points" in out
    # The ledger outlives the process: a second run sees round 1 revealed.
    again = run_cli(["console"], tmp_path, stdin="/interview reveal\n")
    assert "no open question" in again.stdout


def test_refuses_to_start_on_a_broken_pack_and_names_file_line_and_field(tmp_path: Path) -> None:
    packs = tmp_path / "packs"
    packs.mkdir()
    (packs / "bad.yaml").write_text(
        "id: bad\ntitle: Bad\nquestions:\n  - id: q1\n    title: T\n    prompt: P\n"
        "    answer: A\n    key_points: []\n    difficulty: 9\n",
        encoding="utf-8",
    )
    result = run_cli(["run"], tmp_path, stdin="/interview question\n",
                     INTERVIEW_BOT_CONTENT__PATHS=str(packs))
    assert result.returncode == 2
    assert "refusing to start" in result.stderr
    assert f"{packs / 'bad.yaml'}:9: " in result.stderr and "difficulty" in result.stderr
    assert "Practice question" not in result.stdout
    assert not (tmp_path / "cli.db").exists()


def test_an_invalid_setting_is_one_clear_line(tmp_path: Path) -> None:
    result = run_cli(["run"], tmp_path, INTERVIEW_BOT_SCHEDULE__TIMEZONE="Mars/Base")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "schedule.timezone" in lines[0] and "INTERVIEW_BOT_SCHEDULE__TIMEZONE" in lines[0]


def test_platform_tokens_are_never_printed(tmp_path: Path) -> None:
    token = "xoxb-secret-value-123"
    result = run_cli(["run"], tmp_path, SLACK_BOT_TOKEN=token)
    assert token not in result.stdout + result.stderr


async def test_apscheduler_runs_a_coroutine_job_on_the_bots_loop() -> None:
    """The wiring the bot relies on: AsyncIOScheduler awaiting our coroutine job in the
    running loop. Waits on an event (bounded), not on a schedule."""
    fired = asyncio.Event()

    async def job(value: str) -> None:
        assert value == "round-1"
        fired.set()

    scheduler = AsyncIOScheduler(timezone="UTC")
    scheduler.start()
    try:
        scheduler.add_job(job, DateTrigger(run_date=datetime.now(timezone.utc) + timedelta(milliseconds=50)),
                          args=["round-1"])
        await asyncio.wait_for(fired.wait(), timeout=10)
    finally:
        scheduler.shutdown(wait=False)
