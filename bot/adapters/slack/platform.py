"""``SlackPlatform``: the core's ``ChatPlatform`` port on the Slack Web API.

Threads are Slack's ``thread_ts``; private answers are ephemeral messages (their files go
to the person's DMs). Posts to one channel are paced (Slack allows about one a second).
Nothing here reads inbound payloads.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.blocks import render
from bot.core.messages import Attachment, Message, MessageKind
from bot.core.models import ChannelRef, MessageRef, ThreadRef, UserRef

log = logging.getLogger(__name__)


class ChannelPacer:
    """At least ``pace`` seconds between the end of one post to a channel and the start of
    the next; posts to a channel go out in the order they were asked for. Real (monotonic)
    time: this is about Slack's rate limit, not about the bot's schedule."""

    def __init__(self, pace: float, on_wait: Callable[[float], None] | None = None) -> None:
        self.pace = pace
        self._on_wait = on_wait
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
                if self._on_wait is not None:
                    self._on_wait(wait)
            try:
                yield
            finally:
                self._ready_at[channel_id] = loop.time() + self.pace


class SlackPlatform:
    """Implements ``bot.core.ports.ChatPlatform`` for one Slack workspace's bot token."""

    name = "slack"

    def __init__(self, client: AsyncWebClient, *, pace: float, reveal_broadcast: bool,
                 on_pace_wait: Callable[[float], None] | None = None) -> None:
        self.client = client
        self.pacer = ChannelPacer(pace, on_pace_wait)
        self.reveal_broadcast = reveal_broadcast

    async def post_message(self, channel: ChannelRef, message: Message) -> MessageRef:
        ts = await self._post(channel.channel, message)
        await self._upload(channel.channel, message.attachments)
        return MessageRef(channel, ts)

    async def open_thread(self, message: MessageRef, name: str) -> ThreadRef:
        # A Slack thread is the parent message's ts; it exists as soon as someone replies.
        return ThreadRef(message.channel, message.message_id)

    async def reply_in_thread(self, thread: ThreadRef, message: Message) -> MessageRef:
        broadcast = self.reveal_broadcast and message.kind == MessageKind.REVEAL
        ts = await self._post(thread.channel.channel, message, thread_ts=thread.thread_id, broadcast=broadcast)
        await self._upload(thread.channel.channel, message.attachments, thread_ts=thread.thread_id)
        return MessageRef(thread.channel, ts, thread.thread_id)

    async def send_private(self, channel: ChannelRef, user: UserRef, message: Message) -> None:
        rendered = render(message)
        await self.client.chat_postEphemeral(
            channel=channel.channel, user=user.user, text=rendered.text, blocks=rendered.blocks
        )
        if message.attachments:
            # An ephemeral message cannot carry files: they go to the person's direct messages.
            opened = await self.client.conversations_open(users=user.user)
            await self._upload(str(opened["channel"]["id"]), message.attachments)

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

    async def _upload(self, channel_id: str, attachments: tuple[Attachment, ...], *,
                      thread_ts: str | None = None) -> None:
        for attachment in attachments:
            async with self.pacer.slot(channel_id):
                await self.client.files_upload_v2(
                    channel=channel_id, content=attachment.data, filename=attachment.filename,
                    title=attachment.filename, thread_ts=thread_ts, request_file_info=False,
                )
