"""``SlackPlatform``: the core's ``ChatPlatform`` port on the Slack Web API.

Threads are Slack's ``thread_ts``; private answers are ephemeral messages. Posts to one
channel are paced (Slack allows about one a second). Nothing here reads inbound payloads.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.blocks import render
from bot.core.messages import Message, MessageKind
from bot.core.models import ChannelRef, MessageRef, ThreadRef, UserRef

log = logging.getLogger(__name__)


class ChannelPacer:
    """At least ``pace`` seconds between the end of one post to a channel and the start of
    the next; posts to a channel go out in the order they were asked for. Real (monotonic)
    time: this is about Slack's rate limit, not about the bot's schedule."""

    def __init__(self, pace: float) -> None:
        self.pace = pace
        self._locks: dict[str, asyncio.Lock] = {}
        self._ready_at: dict[str, float] = {}

    @asynccontextmanager
    async def slot(self, channel_id: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(channel_id, asyncio.Lock())
        async with lock:
            loop = asyncio.get_running_loop()
            wait = self._ready_at.get(channel_id, 0.0) - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                yield
            finally:
                self._ready_at[channel_id] = loop.time() + self.pace


class SlackPlatform:
    """Implements ``bot.core.ports.ChatPlatform`` for one Slack workspace's bot token."""

    name = "slack"

    def __init__(self, client: AsyncWebClient, *, pace: float, reveal_broadcast: bool) -> None:
        self.client = client
        self.pacer = ChannelPacer(pace)
        self.reveal_broadcast = reveal_broadcast

    async def post_message(self, channel: ChannelRef, message: Message) -> MessageRef:
        ts = await self._post(channel.channel, message)
        return MessageRef(channel, ts)

    async def open_thread(self, message: MessageRef, name: str) -> ThreadRef:
        # A Slack thread is the parent message's ts; it exists as soon as someone replies.
        return ThreadRef(message.channel, message.message_id)

    async def reply_in_thread(self, thread: ThreadRef, message: Message) -> MessageRef:
        broadcast = self.reveal_broadcast and message.kind == MessageKind.REVEAL
        ts = await self._post(thread.channel.channel, message, thread_ts=thread.thread_id, broadcast=broadcast)
        return MessageRef(thread.channel, ts, thread.thread_id)

    async def send_private(self, channel: ChannelRef, user: UserRef, message: Message) -> None:
        rendered = render(message)
        await self.client.chat_postEphemeral(
            channel=channel.channel, user=user.user, text=rendered.text, blocks=rendered.blocks
        )

    async def edit_message(self, ref: MessageRef, message: Message) -> None:
        rendered = render(message)
        await self.client.chat_update(
            channel=ref.channel.channel, ts=ref.message_id, text=rendered.text, blocks=rendered.blocks
        )

    async def _post(self, channel_id: str, message: Message, *, thread_ts: str | None = None,
                    broadcast: bool = False) -> str:
        rendered = render(message)
        args: dict[str, Any] = {
            "channel": channel_id,
            "text": rendered.text,
            "blocks": rendered.blocks,
            "unfurl_links": False,
            "unfurl_media": False,
        }
        if thread_ts is not None:
            args["thread_ts"] = thread_ts
            if broadcast:
                args["reply_broadcast"] = True
        async with self.pacer.slot(channel_id):
            response = await self.client.chat_postMessage(**args)
        return str(response["ts"])
