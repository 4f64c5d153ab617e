"""Two instances of the bot on one PostgreSQL database and one workspace's token: fanning
out together to a Slack whose rate limit is the configured rate, they share it and earn no
429 (each pacing only itself, together they would send twice the limit)."""

from __future__ import annotations

import asyncio

from bot.core.messages import Message, MessageKind
from bot.core.models import ChannelRef
from tests.adapters_slack.conftest import MakeBot
from tests.fakes.slack_server import FakeSlack

RATE = 100
CHANNELS = 100
QUESTION = Message(text="*How do you handle overfitting?*", title="Question of the day", kind=MessageKind.QUESTION)


async def test_two_instances_fanning_out_together_share_the_rate_limit_and_get_no_429(
    make_slack_bot: MakeBot, fake_slack: FakeSlack, postgres_url: str,
) -> None:
    env = {"INTERVIEW_BOT_STORAGE__URL": postgres_url, "INTERVIEW_BOT_SLACK__REQUESTS_PER_SECOND": str(RATE)}
    instances = [await make_slack_bot("http", **env), await make_slack_bot("http", **env)]
    assert all(bot.app.limiter is not None for bot in instances)  # PostgreSQL: shared by default
    channels = [f"C{n:05d}" for n in range(CHANNELS)]
    for channel in channels:
        fake_slack.add_channel(channel)
    fake_slack.limit_rate(RATE, burst=5)

    # Every channel's post falls due at once; each instance has claimed half of them.
    await asyncio.gather(*(instances[n % 2].adapter.platform.post_message(
        ChannelRef("slack", fake_slack.team_id, channel), QUESTION) for n, channel in enumerate(channels)))

    assert fake_slack.rate_limited == 0
    assert all(len(fake_slack.posted(channel)) == 1 for channel in channels)
    for bot in instances:
        assert bot.app.limiter is not None
        assert 0 < bot.app.limiter.grants < CHANNELS // 2  # in grants of several posts each
