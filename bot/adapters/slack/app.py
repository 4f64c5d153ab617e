"""Building the Slack pieces: the Web API client (retries on) and the bolt ``AsyncApp``.

Only this package imports slack_sdk/slack_bolt; the client is injectable so tests and
proxies can point it anywhere (``[slack] api_base_url``).
"""

from __future__ import annotations

import logging

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


def retry_handlers() -> list[AsyncRetryHandler]:
    return [
        AsyncRateLimitErrorRetryHandler(max_retry_count=RETRIES),
        AsyncServerErrorRetryHandler(max_retry_count=RETRIES),
        AsyncConnectionErrorRetryHandler(max_retry_count=RETRIES),
    ]


def build_web_client(settings: Settings, token: str) -> AsyncWebClient:
    """slack_sdk's retry handlers are off by default (only connection errors): turn them on."""
    return AsyncWebClient(
        token=token,
        base_url=settings.slack.api_base_url,
        retry_handlers=retry_handlers(),
        logger=logging.getLogger("bot.adapters.slack.web"),
    )


def build_bolt_app(client: AsyncWebClient, signing_secret: str | None) -> AsyncApp:
    """A single-workspace bolt app over ``client``. Request signatures are verified in HTTP
    mode (bolt answers 401 to a bad or over-5-minutes-old one); Socket Mode needs none."""
    return AsyncApp(
        name="interview-bot",
        client=client,
        # "" rather than None: bolt would otherwise read SLACK_SIGNING_SECRET itself.
        signing_secret=signing_secret or "",
        logger=logging.getLogger("bot.adapters.slack.bolt"),
        # Slack gets its ack first; listeners keep working after it (the default, said aloud).
        process_before_response=False,
    )
