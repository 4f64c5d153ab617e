"""Building the Slack pieces: the Web API client (retries on) and the bolt ``AsyncApp``.

Only this package imports slack_sdk/slack_bolt; the client is injectable so tests and
proxies can point it anywhere (``[slack] api_base_url``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings

# Each handler retries its kind of failure this many times: 429 after Retry-After, 5xx and
# dropped connections with exponential back-off and jitter.
RETRIES = 3


WaitReport = Callable[[float], None]


class _TimedRateLimitRetryHandler(AsyncRateLimitErrorRetryHandler):
    """slack_sdk's 429 handler (sleeps for Retry-After), telling how long it waited."""

    def __init__(self, max_retry_count: int, on_wait: WaitReport | None) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self._on_wait = on_wait

    async def prepare_for_next_attempt_async(self, **kwargs: Any) -> None:
        started = asyncio.get_running_loop().time()
        await super().prepare_for_next_attempt_async(**kwargs)
        if self._on_wait is not None:
            self._on_wait(asyncio.get_running_loop().time() - started)


def retry_handlers(on_rate_limit_wait: WaitReport | None = None) -> list[AsyncRetryHandler]:
    return [
        _TimedRateLimitRetryHandler(RETRIES, on_rate_limit_wait),
        AsyncServerErrorRetryHandler(max_retry_count=RETRIES),
        AsyncConnectionErrorRetryHandler(max_retry_count=RETRIES),
    ]


def build_web_client(settings: Settings, token: str, on_rate_limit_wait: WaitReport | None = None) -> AsyncWebClient:
    """slack_sdk's retry handlers are off by default (only connection errors): turn them on."""
    return AsyncWebClient(
        token=token,
        base_url=settings.slack.api_base_url,
        retry_handlers=retry_handlers(on_rate_limit_wait),
        logger=logging.getLogger("bot.adapters.slack.web"),
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
