"""Real ``interview-bot run`` processes against one FakeSlack: two instances on one PostgreSQL
post and reveal each of 200 channels once; an instance killed with SIGKILL in the middle of
a fan-out and started again leaves exactly one post per channel."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import update

from bot.core.models import RoundStatus
from bot.storage.db import open_engine
from bot.storage.tables import RoundRow
from tests.adapters_slack.bot_process import fast_env, process_env, start_bot, stop_bot, subscribe_due_now
from tests.fakes.slack_server import FakeSlack

QUESTION, REVEAL, SUMMARY = "interview_round", "interview_reveal", "interview_summary"


def count(fake: FakeSlack, channel_ids: list[str], event_type: str) -> dict[str, int]:
    return {c: len(fake.with_metadata(c, event_type)) for c in channel_ids}


async def test_two_instances_on_one_postgresql_post_and_reveal_each_of_200_channels_once(
    postgres_url: str, pack_dir: Path, tmp_path: Path
) -> None:
    channel_ids = [f"C{n:04d}" for n in range(200)]
    async with FakeSlack() as fake:
        fake.latency = 0.01  # enough work for both instances even if one starts a little late
        for channel_id in channel_ids:
            fake.add_channel(channel_id)
        # Due this minute, revealed a second after posting: both instances find every
        # post due as they start and race for it.
        await subscribe_due_now(postgres_url, fake.team_id, channel_ids, reveal_after=timedelta(seconds=1))
        env = process_env(fake, postgres_url, **fast_env(pack_dir))
        bots = [await start_bot(env, tmp_path / f"bot-{n}.log") for n in (1, 2)]
        try:
            await fake.wait_until(lambda: fake.metadata_posts[SUMMARY] >= len(channel_ids), timeout=60,
                                  what="200 summaries")
        finally:
            codes = [await stop_bot(bot) for bot in bots]

        logs = [(tmp_path / f"bot-{n}.log").read_text() for n in (1, 2)]
        assert codes == [0, 0], logs
        for event_type in (QUESTION, REVEAL, SUMMARY):
            counts = count(fake, channel_ids, event_type)
            assert set(counts.values()) == {1}, {c: n for c, n in counts.items() if n != 1}
        # Both instances planned the same 200 posts as they started; whichever claimed a
        # channel's day first posted it, the other found it taken.
        assert sum(posted_at_catch_up(log, len(channel_ids)) for log in logs) == len(channel_ids), logs


def posted_at_catch_up(log: str, channels: int) -> int:
    """How many posts an instance's start-up catch-up says it made."""
    tally = re.search(rf"catch-up over {channels} channel\(s\): ([^\n]*)", log)
    assert tally, log
    made = re.search(r"(\d+) posted", tally.group(1))
    return int(made.group(1)) if made else 0


async def expire_post_claims(database_url: str) -> None:
    """A claim's lease is two minutes of real time (a process has no fake clock): end the
    killed instance's leases now, as waiting them out would."""
    engine = open_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(update(RoundRow).where(RoundRow.status == RoundStatus.POSTING.value)
                                     .values(post_claimed_until=datetime(2000, 1, 1, tzinfo=UTC)))
    finally:
        await engine.dispose()


async def test_a_bot_killed_in_the_middle_of_a_fan_out_posts_each_channel_once_after_restart(
    default_database_url: str, pack_dir: Path, tmp_path: Path
) -> None:
    database_url = default_database_url  # SQLite, or PostgreSQL in the suite's second pass
    channel_ids = [f"C{n:04d}" for n in range(40)]
    async with FakeSlack() as fake:
        fake.latency = 0.02  # so that the fan-out takes a while
        for channel_id in channel_ids:
            fake.add_channel(channel_id)
        await subscribe_due_now(database_url, fake.team_id, channel_ids, reveal_after=timedelta(hours=6))
        # 20 posts a second: the fan-out lasts two seconds, time enough to kill it half-way
        # on a busy machine.
        env = process_env(fake, database_url, **{**fast_env(pack_dir), "INTERVIEW_BOT_SLACK__REQUESTS_PER_SECOND": "20"})

        first = await start_bot(env, tmp_path / "first.log")
        try:
            await fake.wait_until(lambda: fake.metadata_posts[QUESTION] >= 12, timeout=30, what="a dozen posts")
            # The next post reaches Slack, but its answer never reaches the bot: killed first.
            answer = fake.hold_after("chat.postMessage")
            await fake.wait_until(lambda: fake.held >= 1, timeout=10, what="a post held at Slack")
            first.kill()
            await first.wait()
        finally:
            if first.returncode is None:
                first.kill()
                await first.wait()
        answer.set()
        unconfirmed = fake.calls_to("chat.postMessage")[-1]["channel"]
        posted_before = sum(count(fake, channel_ids, QUESTION).values())
        assert 12 < posted_before < len(channel_ids)
        await expire_post_claims(database_url)

        second = await start_bot(env, tmp_path / "second.log")
        try:
            await fake.wait_until(lambda: fake.metadata_posts[QUESTION] >= len(channel_ids), timeout=30,
                                  what="40 posts")
        finally:
            code = await stop_bot(second)

        log = (tmp_path / "second.log").read_text()
        assert code == 0, log
        counts = count(fake, channel_ids, QUESTION)
        assert set(counts.values()) == {1}, {c: n for c, n in counts.items() if n != 1}
        # The post Slack had but the ledger did not was found by its metadata, not made again.
        assert unconfirmed in {c["channel"] for c in fake.calls_to("conversations.history")}
        assert "was posted before the crash" in log
        assert len(fake.calls_to("chat.postMessage")) == len(channel_ids)
