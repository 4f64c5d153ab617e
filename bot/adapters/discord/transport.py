"""Where the Discord client's requests go and how fast: a per-client API base URL and one
request pacer shared by every channel. Imports discord.py and aiohttp, never the core.

discord.py keeps its API base in the class attribute ``discord.http.Route.BASE`` and its
gateway in ``DiscordWebSocket.DEFAULT_GATEWAY``; changing those would move every client in
the process. Instead each bot gets its own ``HTTPClient`` subclass that rewrites the URL of
each route it sends and asks ``GET /gateway/bot`` where the gateway is, plus a webhook
adapter (used for interaction callbacks and followups) installed only in the bot's tasks.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import logging
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from types import SimpleNamespace
from typing import Any

import aiohttp
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import HTTPClient, Route
from discord.webhook.async_ import AsyncWebhookAdapter

from bot.adapters.pacing import RateLimiter

log = logging.getLogger(__name__)

#: discord.py's own base URL, captured once; routes are built against it and rebased here.
LIBRARY_API_BASE = Route.BASE

# Interaction callbacks and followups are not bound to the bot's global rate limit, and
# they must answer within 3 seconds, so they never wait behind a fan-out.
_UNPACED_PREFIXES = ("/interactions/", "/webhooks/")


def rebase(url: str, api_base_url: str) -> str:
    """``url`` built on discord.py's base, moved onto ``api_base_url``."""
    if url.startswith(LIBRARY_API_BASE):
        return api_base_url + url[len(LIBRARY_API_BASE):]
    return url


class RequestPacer:
    """Lets requests go one at a time, first come first served, under two rules:

    * even spacing: one every ``(1 + MARGIN) / rate`` seconds, on a schedule that a wake-up
      up to half an interval late does not push back (so a busy event loop keeps the pace);
    * a hard cap: never more than ``rate`` requests leave within any ``1 + MARGIN / 2``
      seconds, counted on when they really left, so a stalled loop cannot release its
      backlog as a burst.

    Together they keep the server's count within ``rate`` in every second as long as
    transport delays vary by less than ``MARGIN / 2`` (50 ms).

    ``share`` adds a turn in a budget shared with the other instances on the same token,
    before these two rules: the budget is spaced like this pacer, so every instance
    together keeps the same pace as one alone.
    """

    MARGIN = 0.1

    def __init__(
        self,
        rate: float,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.interval = (1.0 + self.MARGIN) / rate
        self.cap_window = 1.0 + self.MARGIN / 2
        self.cap = max(1, int(rate))
        self._monotonic = monotonic
        self._sleep = sleep
        self._turn = asyncio.Lock()  # FIFO: waiters leave in the order they came
        self._recent: deque[float] = deque()  # departure times within the cap window
        self._slot = -math.inf  # when the next request may leave by the schedule
        self._shared: tuple[RateLimiter, str] | None = None

    def share(self, limiter: RateLimiter, key: str) -> None:
        limiter.configure(key, 1.0 / self.interval)
        self._shared = (limiter, key)

    async def wait(self) -> None:
        if self._shared is not None:
            # Before the local turn: requests queued in this process ask for the shared
            # budget together, so one grant covers many of them.
            limiter, key = self._shared
            await limiter.acquire(key)
        async with self._turn:
            waited = False
            while True:
                now = self._monotonic()
                while self._recent and self._recent[0] <= now - self.cap_window:
                    self._recent.popleft()
                due = self._slot
                if len(self._recent) >= self.cap:
                    due = max(due, self._recent[0] + self.cap_window)
                if due <= now:
                    break
                waited = True
                await self._sleep(due - now)
            self._recent.append(now)
            # After idling the schedule starts again from now; a request that waited keeps
            # its slot unless it left more than half an interval late.
            start = max(self._slot, now - self.interval / 2) if waited else now
            self._slot = start + self.interval


def global_budget_key(token: str) -> str:
    """``discord:<bot id>:global``, the key of the budget every process using ``token``
    shares (Discord's global limit is per bot). A bot token starts with the bot's id in
    base64; a token that does not is named by a short hash instead (never by itself)."""
    head = token.split(".", 1)[0]
    try:
        bot_id = base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        bot_id = ""
    if not bot_id.isdigit():
        bot_id = "sha256-" + hashlib.sha256(token.encode()).hexdigest()[:16]
    return f"discord:{bot_id}:global"


def pacing_trace(pacer: RequestPacer, api_base_url: str) -> aiohttp.TraceConfig:
    """An aiohttp trace whose request-start hook waits for the pacer.

    The hook runs for every attempt right before it is sent (after discord.py's per-route
    bucket lock, and again for each of its retries), which is the moment Discord counts.
    """
    api_path = yarl.URL(api_base_url).path.rstrip("/")

    async def on_request_start(
        session: aiohttp.ClientSession, context: SimpleNamespace, params: aiohttp.TraceRequestStartParams
    ) -> None:
        url = str(params.url)
        if not url.startswith(api_base_url):
            return  # the gateway, or anything else that is not the REST API
        path = params.url.path[len(api_path):]
        if path.startswith(_UNPACED_PREFIXES):
            return
        await pacer.wait()

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_request_start)
    return trace


class RebasedHTTPClient(HTTPClient):
    """discord.py's HTTP client, sending REST calls to ``api_base_url`` and connecting the
    gateway at the URL that API's ``GET /gateway/bot`` names."""

    def __init__(self, loop: asyncio.AbstractEventLoop, *, api_base_url: str, **options: Any) -> None:
        super().__init__(loop, **options)
        self.api_base_url = api_base_url.rstrip("/")
        self._gateway: yarl.URL | None = None
        self._next_sweep = self.SWEEP_FROM

    async def request(self, route: Route, **kwargs: Any) -> Any:
        route.url = rebase(route.url, self.api_base_url)
        return await super().request(route, **kwargs)

    #: discord.py's own threshold for dropping idle per-route buckets.
    SWEEP_FROM = 256

    def _try_clear_expired_ratelimits(self) -> None:
        """discord.py keeps a rate-limit bucket per route and channel, and from 256 buckets on
        it checks every one of them each time it makes a new one. A fan-out to 1,000 channels
        makes 2,000 new buckets (message and thread), so that is quadratic: some 2 million
        checks, seconds of CPU on the event loop the pacer runs on. Sweep only when the
        count has doubled since the last sweep instead: the same buckets are dropped (idle
        for 5 minutes), a little later, at constant cost per new bucket."""
        if len(self._buckets) < self._next_sweep:
            return
        super()._try_clear_expired_ratelimits()
        self._next_sweep = max(self.SWEEP_FROM, 2 * len(self._buckets))

    async def ws_connect(self, url: str, *, compress: int = 0) -> aiohttp.ClientWebSocketResponse:
        return await super().ws_connect(await self.gateway_url(url), compress=compress)

    async def gateway_url(self, url: str) -> str:
        """discord.py connects to its built-in default gateway (and falls back to it after an
        invalidated session); send those connections where ``/gateway/bot`` says instead.
        Resume URLs from READY are used as they are."""
        wanted = yarl.URL(url)
        if wanted.host != DiscordWebSocket.DEFAULT_GATEWAY.host:
            return url
        if self._gateway is None:
            _shards, gateway, _limits = await self.get_bot_gateway()
            self._gateway = yarl.URL(gateway)
            log.info("Discord gateway for this client: %s", self._gateway)
        return str(self._gateway.with_query(wanted.query))


class RebasedWebhookAdapter(AsyncWebhookAdapter):
    """Interaction callbacks and followups go through discord.py's webhook adapter, which
    builds its own routes; rebase those too. Installed via ``async_context`` in the bot's
    tasks only (see ``DiscordAdapter.start``)."""

    def __init__(self, api_base_url: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.api_base_url = api_base_url.rstrip("/")

    async def request(self, route: Route, *args: Any, **kwargs: Any) -> Any:
        route.url = rebase(route.url, self.api_base_url)
        return await super().request(route, *args, **kwargs)
