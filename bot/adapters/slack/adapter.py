"""``SlackAdapter``: the one entry point the app wires in. Connects Socket Mode or serves
HTTP, attaches ``SlackPlatform`` to the core, backfills thread replies missed while away
(after every Socket Mode connection, once at start over HTTP), and stops cleanly.

Shares the caller's asyncio loop with the core, the scheduler and other adapters (no
blocking start). Never logs a token or the signing secret.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters import AdapterSetupError
from bot.adapters.pacing import RateLimiter
from bot.adapters.slack.app import build_bolt_app, build_web_client, open_session, retry_handlers
from bot.adapters.slack.dispatch import Dispatcher
from bot.adapters.slack.events import BotIdentity
from bot.adapters.slack.listeners import Listeners
from bot.adapters.slack.platform import SlackPlatform
from bot.adapters.slack.users import UserDirectory
from bot.config import Secrets, Settings
from bot.core.service import Core

log = logging.getLogger(__name__)

SOCKET = "socket"
HTTP = "http"
STOP_TIMEOUT = 10.0


class SlackSetupError(AdapterSetupError):
    """Slack cannot start: a missing secret, or Slack refused the token."""


def slack_mode(settings: Settings, secrets: Secrets) -> str:
    """``[slack] mode``, except that the default Socket Mode falls back to HTTP when only a
    signing secret (no app token) is set."""
    mode = settings.slack.mode
    if mode == SOCKET and not secrets.slack_app_token and secrets.slack_signing_secret:
        return HTTP
    return mode


class SlackAdapter:
    name = "slack"

    def __init__(self, core: Core, settings: Settings, secrets: Secrets, *,
                 client: AsyncWebClient | None = None, limiter: RateLimiter | None = None) -> None:
        """``limiter``: the rate budgets shared with other instances (else this process
        paces only itself)."""
        self.core = core
        self._limiter = limiter
        self.settings = settings
        self.mode = slack_mode(settings, secrets)
        missing = secrets.missing_for_slack(self.mode)
        if missing:
            raise SlackSetupError(f"Slack {self.mode} mode needs {', '.join(missing)} in the environment")
        self._secrets = secrets
        slack = settings.slack
        self.dispatcher = Dispatcher(requests_per_second=slack.requests_per_second,
                                     history_requests_per_minute=slack.history_requests_per_minute,
                                     max_concurrency=slack.max_concurrency, on_wait=self._waited)
        self._owns_client = client is None
        self.client = client or build_web_client(settings, secrets.slack_bot_token or "", self._waited,
                                                 self.dispatcher.rate_limited, self.dispatcher.retry_turn)
        self.platform = SlackPlatform(self.client, pace=slack.channel_pace, reveal_broadcast=slack.reveal_broadcast,
                                      dispatcher=self.dispatcher, on_pace_wait=self._waited,
                                      admins=settings.bot.admin_ids("slack"))
        self.bolt: AsyncApp | None = None
        self.listeners: Listeners | None = None
        self._socket: AsyncSocketModeHandler | None = None
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._session: aiohttp.ClientSession | None = None
        self._backfill: asyncio.Task[None] | None = None
        self._backfill_again = False
        self._backfills_done = 0
        self._backfilled = asyncio.Condition()

    def _waited(self, seconds: float) -> None:
        self.core.metrics.count("rate_limit_wait_seconds", seconds, platform=self.name)

    @property
    def port(self) -> int | None:
        """The port the HTTP endpoint listens on (http mode, once started)."""
        return self._port

    async def start(self) -> None:
        """Check the tokens, attach to the core, then connect; returns once listening."""
        if self._owns_client and self._session is None:
            self._session = open_session(self.settings)
            self.client.session = self._session
        try:
            identity = await self._auth_test()
            socket_url = await self._open_socket_url() if self.mode == SOCKET else None
        except BaseException as exc:
            await self._close_session()
            if isinstance(exc, aiohttp.ClientError):
                raise SlackSetupError(f"cannot reach Slack at {self.settings.slack.api_base_url}: {exc}") from None
            raise
        me = BotIdentity(user_id=identity.get("user_id"), bot_id=identity.get("bot_id"))
        if self._limiter is not None:
            # Slack's limits are per workspace and app: the team names the shared budgets.
            self.dispatcher.share(self._limiter, str(identity.get("team_id") or "unknown"))
        users = UserDirectory(
            self.client, self.core.clock, timedelta(seconds=self.settings.slack.admin_cache_seconds),
            frozenset(self.settings.bot.admins),
        )
        self.listeners = Listeners(self.core, self.platform, users, me,
                                   bot_name=str(identity.get("user") or "interview-bot"),
                                   webhook_retry_handlers=retry_handlers(self._waited))
        self.bolt = build_bolt_app(self.client, self._secrets.slack_signing_secret)
        self.listeners.register(self.bolt)
        self.platform.identify(me, users)
        self.core.attach(self.platform)
        if socket_url is not None:
            await self._connect_socket(self.bolt, socket_url)  # backfills on Slack's hello
        else:
            await self._serve_http(self.bolt)
            self.backfill()
        log.info("Slack connected to team %s as %s (%s mode)", identity.get("team_id"), me.user_id, self.mode)

    async def drain(self, timeout: float | None = None) -> None:
        """Wait until every Slack request received so far has been handled."""
        if self.listeners is not None:
            await self.listeners.drain(timeout)

    # --- backfill ------------------------------------------------------------------------------

    def backfill(self) -> None:
        """Catch up on thread replies made while the bot was not listening, in the
        background (Slack's history reads are slow: Tier 3). One at a time; a request during
        a run makes one more run after it."""
        if self._backfill is not None and not self._backfill.done():
            self._backfill_again = True
            return
        self._backfill = asyncio.ensure_future(self._run_backfills())

    async def _run_backfills(self) -> None:
        again = True
        while again:
            self._backfill_again = False
            try:
                await self.core.recovery.backfill(self.name)
            except Exception:  # the next connection tries again
                log.exception("backfilling Slack threads failed")
                self.core.metrics.count("errors", where="slack_backfill")
            async with self._backfilled:
                self._backfills_done += 1
                self._backfilled.notify_all()
            again = self._backfill_again

    async def wait_backfilled(self, runs: int = 1, timeout: float = 10.0) -> None:
        """Wait until at least ``runs`` backfills have finished since the adapter was made."""
        async def enough() -> None:
            async with self._backfilled:
                await self._backfilled.wait_for(lambda: self._backfills_done >= runs)

        await asyncio.wait_for(enough(), timeout)

    async def _on_socket_message(self, _client: object, message: dict[str, Any], _raw: str | None) -> None:
        # Slack greets every new Socket Mode connection with "hello": after the first
        # connection and after every reconnect, events sent meanwhile may be lost.
        if message.get("type") == "hello":
            self.backfill()

    async def stop(self) -> None:
        """Stop taking requests, let the ones in hand finish, then close connections."""
        if self._socket is not None:
            # Envelopes not yet acknowledged are redelivered by Slack to the next connection.
            await self._close_socket(self._socket)
            self._socket = None
        if self._backfill is not None:  # after the socket: no "hello" can start another
            self._backfill.cancel()
            await asyncio.gather(self._backfill, return_exceptions=True)
            self._backfill = None
        if self.listeners is not None:
            try:
                await self.listeners.drain(STOP_TIMEOUT)
            except TimeoutError:
                log.warning("stopping Slack with requests still in hand")
                self.listeners.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
            self._port = None
        await self._close_session()

    async def _close_session(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    # --- transports ----------------------------------------------------------------------------

    async def _auth_test(self) -> dict[str, Any]:
        try:
            return dict((await self.client.auth_test()).data)  # type: ignore[arg-type]
        except SlackApiError as exc:
            raise SlackSetupError(f"Slack refused the bot token: {exc.response.get('error')}") from None

    async def _open_socket_url(self) -> str:
        """A Socket Mode URL. Asked for here because slack_sdk would retry a refused app
        token forever instead of failing."""
        try:
            opened = await self.client.apps_connections_open(app_token=self._secrets.slack_app_token or "")
        except SlackApiError as exc:
            raise SlackSetupError(f"Slack refused the app token: {exc.response.get('error')}") from None
        return str(opened["url"])

    async def _connect_socket(self, bolt: AsyncApp, url: str) -> None:
        self._socket = AsyncSocketModeHandler(bolt, self._secrets.slack_app_token, web_client=self.client)
        self._socket.client.message_listeners.append(self._on_socket_message)
        self._socket.client.wss_uri = url
        await self._socket.connect_async()  # type: ignore[no-untyped-call]

    @staticmethod
    async def _close_socket(handler: AsyncSocketModeHandler) -> None:
        client = handler.client
        await handler.close_async()  # type: ignore[no-untyped-call]
        # close() cancels the client's loops; let them finish so none is left pending.
        loops = [f for f in (client.message_processor, client.message_receiver, client.current_session_monitor)
                 if f is not None]
        await asyncio.gather(*loops, return_exceptions=True)

    async def _serve_http(self, bolt: AsyncApp) -> None:
        slack = self.settings.slack

        async def handle(request: web.Request) -> web.Response:
            bolt_response = await bolt.async_dispatch(await to_bolt_request(request))
            return await to_aiohttp_response(bolt_response)

        web_app = web.Application()
        web_app.router.add_post(slack.http_path, handle)
        self._runner = web.AppRunner(web_app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, slack.http_host, slack.http_port)
        await site.start()
        self._port = _bound_port(self._runner, slack.http_port)
        log.info("Slack endpoint listening on %s:%s%s", slack.http_host, self._port, slack.http_path)


def _bound_port(runner: web.AppRunner, configured: int) -> int:
    for address in runner.addresses:
        if isinstance(address, tuple) and len(address) >= 2:
            return int(address[1])
    return configured
