"""The ops endpoint: health and Prometheus metrics, fed by real rounds through the console."""

from __future__ import annotations

import aiohttp


async def test_healthz_and_metrics_count_posts_reveals_replies_and_commands(make_session) -> None:
    bot = await make_session(INTERVIEW_BOT_OPS__ENABLED="true", INTERVIEW_BOT_OPS__PORT="0")
    port = bot.app.ops.port
    assert port != 0
    await bot.say("/interview question")
    await bot.say("早停")
    await bot.say("/interview answer dropout")
    await bot.say("/interview reveal")
    async with aiohttp.ClientSession() as http:
        async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
            assert response.status == 200
            assert await response.json() == {"ok": True}
        async with http.get(f"http://127.0.0.1:{port}/metrics") as response:
            assert response.status == 200
            body = await response.text()
    assert 'interview_bot_posts_total{platform="console"} 1.0' in body
    assert 'interview_bot_reveals_total{platform="console"} 1.0' in body
    assert 'interview_bot_replies_total{kind="public",platform="console"} 1.0' in body
    assert 'interview_bot_replies_total{kind="private",platform="console"} 1.0' in body
    assert 'interview_bot_command_seconds_count{command="question"} 1.0' in body


async def test_healthz_fails_when_the_scheduler_has_stopped(make_session) -> None:
    bot = await make_session(INTERVIEW_BOT_OPS__ENABLED="true", INTERVIEW_BOT_OPS__PORT="0")
    bot.app.scheduler.shutdown()  # the scheduler stopped: not healthy
    async with aiohttp.ClientSession() as http:
        async with http.get(f"http://127.0.0.1:{bot.app.ops.port}/healthz") as response:
            assert response.status == 503
            assert await response.json() == {"ok": False}
