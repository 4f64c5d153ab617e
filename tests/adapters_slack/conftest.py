"""Fixtures for the Slack adapter: the fake Slack, and ``SlackBot`` — the real app with the
real bolt app, talking to the fake over Socket Mode or signed HTTP requests."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest

from bot.adapters.slack import SlackAdapter
from bot.app import App, build_app
from bot.config import Secrets, load_settings
from bot.core.clock import FakeClock
from bot.core.models import ChannelRef, Round
from tests.fakes.slack_server import FakeSlack

SIGNING_SECRET = "test-signing-secret"
CHANNEL = "C0ROUNDS"
MEMBER = "U0ANN"
ADMIN = "U0BOSS"


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        fake.add_channel(CHANNEL)
        fake.add_user(MEMBER, "Ann")
        fake.add_user(ADMIN, "Boss", admin=True)
        yield fake


def sign(body: bytes, timestamp: int | None = None, secret: str = SIGNING_SECRET) -> dict[str, str]:
    """Slack's request signature: v0=HMAC-SHA256(secret, "v0:{timestamp}:{body}")."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


@dataclass(frozen=True)
class Delivery:
    """How Slack's request went: seconds until acknowledged, and what the ack carried
    (the HTTP response body or the Socket Mode ack's payload)."""

    acked_after: float
    answer: dict[str, Any] | None


class SlackBot:
    """The app plus its Slack adapter, and a person's hands on Slack: events, commands,
    clicks and modal submissions arrive over the chosen transport, like Slack sends them."""

    CHANNEL = CHANNEL
    MEMBER = MEMBER
    ADMIN = ADMIN

    def __init__(self, app: App, adapter: SlackAdapter, fake: FakeSlack, transport: str) -> None:
        self.app = app
        self.adapter = adapter
        self.fake = fake
        self.transport = transport
        self.team = fake.team_id
        self.channel = ChannelRef("slack", fake.team_id, CHANNEL)
        self._events = 0

    @property
    def core(self):  # type: ignore[no-untyped-def]
        return self.app.core

    async def post_round(self) -> Round:
        round_ = await self.core.start_round(self.channel)
        assert round_ is not None and round_.message is not None
        return round_

    # --- what Slack sends ---------------------------------------------------------------------

    async def event(self, event: dict[str, Any], *, event_id: str | None = None,
                    retry: int | None = None, drain: bool = True) -> None:
        self._events += 1
        body = {
            "token": "legacy", "team_id": self.team, "api_app_id": "A0APP", "type": "event_callback",
            "event": {"channel": CHANNEL, "event_ts": event.get("ts", "1.0"), **event},
            "event_id": event_id or f"Ev{self._events:08d}", "event_time": 1_700_000_000,
            "authorizations": [{"team_id": self.team, "user_id": self.fake.bot_user_id, "is_bot": True}],
        }
        if self.transport == "socket":
            await self.fake.send("events_api", body, retry_attempt=retry)
        else:
            headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else {}
            status, _ = await self.http_post(json.dumps(body).encode(), "application/json", headers)
            assert status == 200
        if drain:
            await self.adapter.drain(timeout=10)

    async def reply(self, thread_ts: str, ts: str, text: str, user: str = MEMBER, *, drain: bool = True,
                    **extra: Any) -> None:
        await self.event({"type": "message", "user": user, "text": text, "ts": ts, "thread_ts": thread_ts,
                          "channel_type": "channel", **extra}, drain=drain)

    async def command(self, text: str, user: str = MEMBER, *, channel: str = CHANNEL, drain: bool = True) -> Delivery:
        """Run ``/interview text``; 
        With ``drain``, also waits until the bot finished handling it."""
        body = {
            "token": "legacy", "team_id": self.team, "team_domain": "fake", "channel_id": channel,
            "channel_name": "rounds", "user_id": user, "user_name": user.lower(), "command": "/interview",
            "text": text, "api_app_id": "A0APP", "response_url": self.fake.response_url("cmd"),
            "trigger_id": f"trig-{uuid.uuid4()}",
        }
        return await self._deliver("slash_commands", body, urlencode(body).encode(), drain=drain)

    async def click(self, action_id: str, value: str, user: str = MEMBER, *, channel: str = CHANNEL) -> Delivery:
        body = {
            "type": "block_actions", "team": {"id": self.team, "domain": "fake"},
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": self.team},
            "api_app_id": "A0APP", "token": "legacy", "trigger_id": f"trig-{uuid.uuid4()}",
            "container": {"type": "message", "channel_id": channel, "message_ts": "1.0"},
            "channel": {"id": channel, "name": "rounds"}, "response_url": self.fake.response_url("action"),
            "actions": [{"type": "button", "action_id": action_id, "block_id": "round", "value": value,
                         "action_ts": "1.0", "text": {"type": "plain_text", "text": action_id}}],
        }
        return await self._deliver("interactive", body, urlencode({"payload": json.dumps(body)}).encode())

    async def submit(self, view: dict[str, Any], answer: str, user: str = MEMBER) -> Delivery:
        """Submit the modal ``view`` (as views.open got it) with ``answer`` typed in."""
        submitted = {
            **view, "id": "V0MODAL", "team_id": self.team,
            "state": {"values": {"answer": {"text": {"type": "plain_text_input", "value": answer}}}},
        }
        body = {
            "type": "view_submission", "team": {"id": self.team, "domain": "fake"},
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": self.team},
            "api_app_id": "A0APP", "token": "legacy", "trigger_id": f"trig-{uuid.uuid4()}", "view": submitted,
        }
        return await self._deliver("interactive", body, urlencode({"payload": json.dumps(body)}).encode())

    async def _deliver(self, envelope_type: str, payload: dict[str, Any], form: bytes,
                       drain: bool = True) -> Delivery:
        started = time.monotonic()
        if self.transport == "socket":
            ack = await self.fake.send(envelope_type, payload)
            answer = ack.get("payload")
        else:
            status, text = await self.http_post(form, "application/x-www-form-urlencoded")
            assert status == 200, text
            answer = json.loads(text) if text.startswith("{") else None
        delivery = Delivery(time.monotonic() - started, answer)
        if drain:
            await self.adapter.drain(timeout=10)
        return delivery

    async def http_post(self, body: bytes, content_type: str, headers: dict[str, str] | None = None,
                        *, timestamp: int | None = None, secret: str = SIGNING_SECRET,
                        signed_body: bytes | None = None) -> tuple[int, str]:
        """POST to the adapter's endpoint, signed like Slack signs (over ``signed_body``
        instead of ``body`` to fake tampering)."""
        assert self.adapter.port, "the adapter is not serving HTTP"
        url = f"http://127.0.0.1:{self.adapter.port}/slack/events"
        signature = sign(body if signed_body is None else signed_body, timestamp, secret)
        all_headers = {"Content-Type": content_type, **signature, **(headers or {})}
        # Slack gives up after 3 s; a test waiting much longer would only hide a missing ack.
        timeout = aiohttp.ClientTimeout(total=5)
        async with aiohttp.ClientSession(timeout=timeout) as session, \
                session.post(url, data=body, headers=all_headers) as resp:
            return resp.status, await resp.text()


MakeBot = Callable[..., Awaitable[SlackBot]]


@pytest.fixture
async def make_slack_bot(
    fake_slack: FakeSlack, clock: FakeClock, settings_env: dict[str, str]
) -> AsyncIterator[MakeBot]:
    started: list[SlackBot] = []

    async def make(transport: str = "socket", **env: str) -> SlackBot:
        settings = load_settings(env={
            **settings_env,
            "INTERVIEW_BOT_SLACK__MODE": transport,
            "INTERVIEW_BOT_SLACK__API_BASE_URL": fake_slack.base_url,
            "INTERVIEW_BOT_SLACK__HTTP_HOST": "127.0.0.1",
            "INTERVIEW_BOT_SLACK__HTTP_PORT": "0",
            "INTERVIEW_BOT_SLACK__CHANNEL_PACE": "0.01",
            # Limits far above what a test sends, unless the test is about them.
            "INTERVIEW_BOT_SLACK__REQUESTS_PER_SECOND": "1000",
            "INTERVIEW_BOT_SLACK__HISTORY_REQUESTS_PER_MINUTE": "60000",
            **env,
        })
        secrets = Secrets(slack_bot_token=fake_slack.bot_token, slack_app_token=fake_slack.app_token,
                          slack_signing_secret=SIGNING_SECRET)
        app = await build_app(settings, clock=clock)
        adapter = SlackAdapter(app.core, settings, secrets, limiter=app.limiter)
        bot = SlackBot(app, adapter, fake_slack, transport)
        started.append(bot)
        await adapter.start()
        await app.start(paused_jobs=True)
        await adapter.wait_backfilled()  # the one after connecting: the test starts from quiet
        return bot

    yield make
    for bot in started:
        await bot.adapter.stop()
        await bot.app.close()
