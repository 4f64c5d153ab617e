"""Real ``interview-bot run`` processes on one PostgreSQL database against one FakeSlack:
instances started at the same moment on a new database all come up; an instance killed
with SIGKILL after it posted leaves its reveals, and a schedule saved through it, to the
instance still running, which carries them out within a minute.

Processes run on real time, so the cluster's own intervals are short here (a sweep every
second, three-second leases) and the waits are for events at the fake, never a sleep."""

from __future__ import annotations

import asyncio
import os
import time as time_module
import uuid
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from tests.adapters_slack.bot_process import fast_env, process_env, start_bot, stop_bot, subscribe_due_now
from tests.fakes.slack_server import FakeSlack

QUESTION, REVEAL, SUMMARY = "interview_round", "interview_reveal", "interview_summary"
ADMIN = "U0BOSS"
CLUSTER_ENV = {"INTERVIEW_BOT_CLUSTER__SWEEP_SECONDS": "1", "INTERVIEW_BOT_CLUSTER__LEASE_SECONDS": "3"}

pytestmark = pytest.mark.skipif(
    os.environ.get("INTERVIEW_BOT_TEST_DATABASE") == "postgresql",
    reason="runs on PostgreSQL in the suite's first pass already",
)


async def slash(fake: FakeSlack, channel: str, text: str, *, connection: int) -> None:
    """``/interview text`` from the admin, delivered over one instance's Socket Mode connection."""
    await fake.send("slash_commands", {
        "token": "legacy", "team_id": fake.team_id, "team_domain": "fake", "channel_id": channel,
        "channel_name": channel.lower(), "user_id": ADMIN, "user_name": "boss", "command": "/interview",
        "text": text, "api_app_id": "A0APP", "response_url": fake.response_url("cmd"),
        "trigger_id": f"trig-{uuid.uuid4()}",
    }, connection=connection)


def next_minute(after: datetime, margin: timedelta) -> datetime:
    """The first whole minute at least ``margin`` after ``after``."""
    moment = (after + margin).replace(second=0, microsecond=0)
    return moment + timedelta(minutes=1)


async def test_instances_started_at_the_same_moment_on_a_new_database_all_run(
    postgres_url: str, pack_dir: Path, tmp_path: Path
) -> None:
    async with FakeSlack() as fake:
        env = process_env(fake, postgres_url, **fast_env(pack_dir), **CLUSTER_ENV)
        bots = await asyncio.gather(*(start_bot(env, tmp_path / f"bot-{n}.log") for n in range(3)))
        try:
            await fake.wait_until(lambda: fake.connections >= 3, timeout=60, what="three instances connected")
        finally:
            codes = [await stop_bot(bot) for bot in bots]
    logs = [(tmp_path / f"bot-{n}.log").read_text() for n in range(3)]
    assert codes == [0, 0, 0], logs
    assert all("interview-bot running on slack" in log and "Traceback" not in log for log in logs), logs


async def test_when_an_instance_is_killed_the_other_makes_its_reveals_and_its_schedules_within_a_minute(
    postgres_url: str, pack_dir: Path, tmp_path: Path
) -> None:
    channel_ids = [f"C{n:04d}" for n in range(10)]
    later = "C0LATER"
    async with FakeSlack() as fake:
        for channel_id in [*channel_ids, later]:
            fake.add_channel(channel_id)
        fake.add_user(ADMIN, "Boss", admin=True)
        # Subscribed, but not due while the test runs; questions asked now are revealed 20 s later.
        quiet = (datetime.now(UTC) + timedelta(hours=3)).time().replace(second=0, microsecond=0)
        await subscribe_due_now(postgres_url, fake.team_id, [*channel_ids, later], at=quiet,
                                reveal_after=timedelta(seconds=20))
        env = process_env(fake, postgres_url, **fast_env(pack_dir), **CLUSTER_ENV)

        doomed = await start_bot(env, tmp_path / "doomed.log")
        survivor = None
        try:
            await fake.wait_until(lambda: fake.connections == 1, timeout=30, what="the first instance")
            survivor = await start_bot(env, tmp_path / "survivor.log")
            await fake.wait_until(lambda: fake.connections == 2, timeout=30, what="the second instance")

            # Everything below goes to the first instance's connection (the first to connect).
            for channel_id in channel_ids:
                await slash(fake, channel_id, "question", connection=0)
            await fake.wait_until(lambda: fake.metadata_posts[QUESTION] >= len(channel_ids), timeout=30,
                                  what="the first instance's posts")
            post_at = next_minute(datetime.now(UTC), margin=timedelta(seconds=10))
            await slash(fake, later, f"schedule set {post_at:%H:%M} UTC daily", connection=0)
            await fake.wait_until(lambda: f"Daily question: {post_at:%H:%M}" in str(fake.calls[-8:]),
                                  timeout=10, what="the schedule saved")
            doomed.kill()  # SIGKILL: no drain, no goodbye
            await doomed.wait()
            killed_at = time_module.monotonic()
            reveals_due = max(c.at for c in fake.calls_to("chat.postMessage")) + 20

            await fake.wait_until(lambda: fake.metadata_posts[SUMMARY] >= len(channel_ids),
                                  timeout=reveals_due - time_module.monotonic() + 60,
                                  what="every reveal, within a minute of its time")
            revealed_at = time_module.monotonic()
            await fake.wait_until(lambda: len(fake.with_metadata(later, QUESTION)) >= 1,
                                  timeout=(post_at - datetime.now(UTC)).total_seconds() + 60,
                                  what="the schedule saved through the dead instance, posted within a minute")
        finally:
            if doomed.returncode is None:
                doomed.kill()
                await doomed.wait()
            code = await stop_bot(survivor) if survivor is not None else None

    log = (tmp_path / "survivor.log").read_text()
    assert code == 0, log
    assert revealed_at - killed_at < 20 + 60
    for channel_id in channel_ids:
        assert len(fake.with_metadata(channel_id, QUESTION)) == 1
        assert len(fake.with_metadata(channel_id, REVEAL)) == 1, channel_id
        assert len(fake.with_metadata(channel_id, SUMMARY)) == 1, channel_id
    assert len(fake.with_metadata(later, QUESTION)) == 1
    assert "picked up 1 schedule change(s)" in log
