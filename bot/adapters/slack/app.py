"""Building the Slack pieces: the Web API client (retries on, and safe to repeat), its
shared HTTP session, and the bolt ``AsyncApp``.

Only this package imports slack_sdk/slack_bolt; the client is injectable so tests and
proxies can point it anywhere (``[slack] api_base_url``).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Mapping

import aiohttp
from aiohttp import (
    ClientConnectorError,
    ClientOSError,
    ServerConnectionError,
    ServerDisconnectedError,
)
from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings

# Each handler retries its kind of failure this many times: 429 after Retry-After, 5xx and
# dropped connections with exponential back-off and jitter.
RETRIES = 3

# Methods that create something: sent twice, they make two. A timeout or a dropped
# connection leaves open whether the first went through, so they are not repeated blindly
# (a round's post is looked up by its metadata instead, see ``SlackPlatform``).
UNSAFE_TO_REPEAT = frozenset({
    "chat.postMessage", "chat.postEphemeral", "chat.meMessage", "files.completeUploadExternal", "views.open",
})

WaitReport = Callable[[float], None]
RateLimitReport = Callable[[str, float], None]
RetryTurn = Callable[[str], Awaitable[object]]


def api_method(url: str) -> str:
    """``chat.postMessage`` from ``https://slack.com/api/chat.postMessage``."""
    return url.rstrip("/").rsplit("/", 1)[-1]


class _RateLimitRetryHandler(AsyncRetryHandler):
    """429: wait for Retry-After (read whole; slack_sdk's own handler reads only its first
    digit), first telling the dispatcher so that nothing else is sent meanwhile, then for a
    turn at the dispatcher's rate (``retry_turn``): retries that all went at once when
    Retry-After ended would earn 429s of their own, round after round."""

    def __init__(self, max_retry_count: int, on_wait: WaitReport | None,
                 on_rate_limited: RateLimitReport | None, retry_turn: RetryTurn | None = None) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self._on_wait = on_wait
        self._on_rate_limited = on_rate_limited
        self._retry_turn = retry_turn

    async def _can_retry_async(self, *, state: RetryState, request: HttpRequest,
                               response: HttpResponse | None = None, error: Exception | None = None) -> bool:
        return response is not None and response.status_code == 429

    async def prepare_for_next_attempt_async(self, *, state: RetryState, request: HttpRequest,
                                             response: HttpResponse | None = None,
                                             error: Exception | None = None) -> None:
        seconds = retry_after(response.headers if response is not None else {})
        if self._on_rate_limited is not None:
            self._on_rate_limited(api_method(request.url), seconds)
        # A little jitter so that clients told the same Retry-After do not return as one.
        waited = seconds + random.uniform(0.0, 0.05 + seconds / 10)
        await asyncio.sleep(waited)
        if self._retry_turn is not None:
            await self._retry_turn(api_method(request.url))
        if self._on_wait is not None:
            self._on_wait(waited)
        state.increment_current_attempt()
        state.next_attempt_requested = True


def retry_after(headers: Mapping[str, str | list[str]]) -> float:
    """Seconds from a Retry-After header (Slack sends whole seconds); 1 when it is missing."""
    for name, value in headers.items():
        if name.lower() == "retry-after":
            text = value[0] if isinstance(value, list) else value
            try:
                return max(0.0, float(text))
            except ValueError:
                break
    return 1.0


class _ConnectionRetryHandler(AsyncConnectionErrorRetryHandler):
    """A dropped connection or a timeout is retried when repeating the request is harmless;
    a request that creates something only when it surely never reached Slack."""

    def __init__(self, max_retry_count: int) -> None:
        super().__init__(max_retry_count=max_retry_count,
                         error_types=[ServerConnectionError, ServerDisconnectedError, ClientOSError, TimeoutError])

    async def _can_retry_async(self, *, state: RetryState, request: HttpRequest,
                               response: HttpResponse | None = None, error: Exception | None = None) -> bool:
        if not await super()._can_retry_async(state=state, request=request, response=response, error=error):
            return False
        never_sent = isinstance(error, ClientConnectorError)  # refused or unresolved: nothing was sent
        return never_sent or api_method(request.url) not in UNSAFE_TO_REPEAT


def retry_handlers(on_rate_limit_wait: WaitReport | None = None,
                   on_rate_limited: RateLimitReport | None = None,
                   retry_turn: RetryTurn | None = None) -> list[AsyncRetryHandler]:
    return [
        _RateLimitRetryHandler(RETRIES, on_rate_limit_wait, on_rate_limited, retry_turn),
        AsyncServerErrorRetryHandler(max_retry_count=RETRIES),
        _ConnectionRetryHandler(RETRIES),
    ]


def build_web_client(settings: Settings, token: str, on_rate_limit_wait: WaitReport | None = None,
                     on_rate_limited: RateLimitReport | None = None,
                     retry_turn: RetryTurn | None = None) -> AsyncWebClient:
    """slack_sdk's retry handlers are off by default (only connection errors): turn them on."""
    return AsyncWebClient(
        token=token,
        base_url=settings.slack.api_base_url,
        timeout=max(1, round(settings.slack.request_timeout)),
        retry_handlers=retry_handlers(on_rate_limit_wait, on_rate_limited, retry_turn),
        logger=logging.getLogger("bot.adapters.slack.web"),
    )


def open_session(settings: Settings) -> aiohttp.ClientSession:
    """One HTTP session for every Web API call, so connections (and their TLS handshakes)
    are reused; without one slack_sdk opens a new connection per call. Needs a running loop."""
    slack = settings.slack
    return aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=slack.request_timeout),
        # The dispatcher bounds what it sends; the rest (users.info, views.open) is small.
        connector=aiohttp.TCPConnector(limit=slack.max_concurrency + 16),
    )


class _TokenFromClientFilter(logging.Filter):
    """bolt reads SLACK_BOT_TOKEN from the environment even when given a client that holds
    it, then warns that the token is unused. It is the same token: drop that warning."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def build_bolt_app(client: AsyncWebClient, signing_secret: str | None) -> AsyncApp:
    """A single-workspace bolt app over ``client``. Request signatures are verified in HTTP
    mode (bolt answers 401 to a bad or over-5-minutes-old one); Socket Mode needs none."""
    bolt_logger = logging.getLogger("bot.adapters.slack.bolt")
    if not any(isinstance(f, _TokenFromClientFilter) for f in bolt_logger.filters):
        bolt_logger.addFilter(_TokenFromClientFilter())
    app = AsyncApp(
        name="interview-bot",
        client=client,
        # "" rather than None: bolt would otherwise read SLACK_SIGNING_SECRET itself.
        signing_secret=signing_secret or "",
        logger=bolt_logger,
        # Slack gets its ack first; listeners keep working after it (the default, said aloud).
        process_before_response=False,
    )
    # bolt logs a refused request's whole body at INFO; a stale real one carries Slack's
    # verification token and people's text. Only warnings from there (set after the app
    # exists: bolt copies our logger's level onto its own when it builds the middleware).
    logging.getLogger("slack_bolt.RequestVerification").setLevel(logging.WARNING)
    return app
