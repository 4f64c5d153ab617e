"""``SlackPlatform``: the core's ``ChatPlatform`` port on the Slack Web API, plus finding a
round's post again (message metadata) and reading a thread's replies back.

Threads are Slack's ``thread_ts``; private answers are ephemeral messages (their files go
to the person's DMs). Posts to one channel are paced (Slack allows about one a second);
every request goes through the adapter's ``Dispatcher``. Nothing here reads inbound payloads.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import datetime, timezone
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.blocks import render, render_posts
from bot.adapters.slack.dispatch import Dispatcher
from bot.adapters.slack.events import BotIdentity, historic_reply
from bot.adapters.slack.history import QUESTION_EVENT, History, round_metadata
from bot.adapters.slack.users import UserDirectory
from bot.core.messages import Attachment, Message, MessageKind
from bot.core.models import Actor, ChannelRef, MessageRef, ThreadRef, UserRef
from bot.core.ports import ChannelUnavailable, HistoricReply

log = logging.getLogger(__name__)

# A round's post whose answer got lost is looked up and sent again at most this many times.
POST_ATTEMPTS = 3
# Seconds a search for a post reaches back before the moment it was sent (or claimed):
# Slack's clock and ours need not agree to the second.
CLOCK_SKEW = 60.0
# Slack's answers that concern the channel itself: nothing goes there until a person acts
# (invites the bot again, unarchives the channel). Raised as ``ChannelUnavailable``.
CHANNEL_GONE = frozenset({"channel_not_found", "not_in_channel", "is_archived"})
# ... and those that concern a thread of it (the parent message was deleted).
THREAD_GONE = frozenset({"thread_not_found", "message_not_found"})


@contextmanager
def channel_trouble(channel: ChannelRef, *, thread: bool = False) -> Iterator[None]:
    """Slack's "this channel (or thread) is gone" as ``ChannelUnavailable``, the original
    error as its cause; every other error (rate limits, 5xx, bad blocks) passes unchanged."""
    try:
        yield
    except SlackApiError as exc:
        error = str(exc.response.get("error") or "")
        if error in CHANNEL_GONE or (thread and error in THREAD_GONE):
            raise ChannelUnavailable(channel.key, error, permanent=True) from exc
        raise


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
    """Implements ``bot.core.ports.ChatPlatform`` for one Slack workspace's bot token, and
    the optional ``PostLookup``, ``ThreadHistory`` and ``AdminNotice`` ports."""

    name = "slack"

    def __init__(self, client: AsyncWebClient, *, pace: float, reveal_broadcast: bool, dispatcher: Dispatcher,
                 on_pace_wait: Callable[[float], None] | None = None, admins: tuple[str, ...] = ()) -> None:
        """``admins``: the user ids of the ``slack:`` entries of ``[bot] admins``, whom
        ``tell_admins`` writes to."""
        self.client = client
        self.admins = admins
        self.pacer = ChannelPacer(pace, on_pace_wait)
        self.dispatcher = dispatcher
        self.history = History(client, dispatcher)
        self.reveal_broadcast = reveal_broadcast
        self.users: UserDirectory | None = None

    def identify(self, me: BotIdentity, users: UserDirectory) -> None:
        """Who the bot is (to know its own posts) and how to name people (for backfill)."""
        self.history.me = me
        self.users = users

    async def post_message(self, channel: ChannelRef, message: Message) -> MessageRef:
        with channel_trouble(channel):
            ts = await self._post(channel.channel, message)
            await self._upload(channel.channel, message.attachments)
        return MessageRef(channel, ts)

    async def open_thread(self, message: MessageRef, name: str) -> ThreadRef:
        # A Slack thread is the parent message's ts; it exists as soon as someone replies.
        return ThreadRef(message.channel, message.message_id)

    async def reply_in_thread(self, thread: ThreadRef, message: Message) -> MessageRef:
        broadcast = self.reveal_broadcast and message.kind == MessageKind.REVEAL
        with channel_trouble(thread.channel, thread=True):
            ts = await self._post(thread.channel.channel, message, thread_ts=thread.thread_id, broadcast=broadcast)
            await self._upload(thread.channel.channel, message.attachments, thread_ts=thread.thread_id)
        return MessageRef(thread.channel, ts, thread.thread_id)

    async def send_private(self, channel: ChannelRef, user: UserRef, message: Message) -> None:
        rendered = render(message)
        # Someone is waiting for this one: it does not queue behind a fan-out.
        with channel_trouble(channel):
            await self.dispatcher.send("chat.postEphemeral", self.client.chat_postEphemeral, urgent=True,
                                       channel=channel.channel, user=user.user, text=rendered.text,
                                       blocks=rendered.blocks)
        if message.attachments:
            # An ephemeral message cannot carry files: they go to the person's direct messages.
            opened = await self.dispatcher.send("conversations.open", self.client.conversations_open,
                                                urgent=True, users=user.user)
            await self._upload(str(opened["channel"]["id"]), message.attachments)

    async def edit_message(self, ref: MessageRef, message: Message) -> None:
        rendered = render(message)
        with channel_trouble(ref.channel):
            await self.dispatcher.send("chat.update", self.client.chat_update, channel=ref.channel.channel,
                                       ts=ref.message_id, text=rendered.text, blocks=rendered.blocks)

    # --- the optional ports: recovery and backfill ---------------------------------------

    async def find_round_post(self, channel: ChannelRef, round_id: int,
                              since: datetime) -> tuple[MessageRef, ThreadRef] | None:
        """The round's question as the bot posted it (found by its metadata) after ``since``,
        the time the post was claimed."""
        metadata = {"event_type": QUESTION_EVENT, "event_payload": {"round_id": round_id}}
        with channel_trouble(channel):
            ts = await self.history.find_own(channel.channel, metadata, oldest=since.timestamp() - CLOCK_SKEW)
        if ts is None:
            return None
        return MessageRef(channel, ts), ThreadRef(channel, ts)

    async def thread_replies(self, thread: ThreadRef) -> list[HistoricReply]:
        """People's replies in a round's thread, with names and admin status looked up like
        those of live events."""
        team = thread.channel.workspace
        found = []
        with channel_trouble(thread.channel, thread=True):
            messages = await self.history.thread(thread.channel.channel, thread.thread_id)
        for message in messages:
            reply = historic_reply(message, self.history.me)
            if reply is None:
                continue
            ts, user_id, text = reply
            actor = (await self.users.actor(team, user_id) if self.users is not None
                     else Actor(UserRef(self.name, team, user_id), user_id))
            found.append(HistoricReply(actor, ts, text, _written_at(message, ts)))
        return found

    async def tell_admins(self, channel: ChannelRef, message: Message) -> bool:
        """A direct message to each admin configured for Slack in ``[bot] admins``. Slack's
        own workspace admins are not listed: finding them would mean reading every member
        (``users.list``), and they may not be the people who run this bot."""
        told = False
        for user_id in self.admins:
            try:
                opened = await self.dispatcher.send("conversations.open", self.client.conversations_open,
                                                    users=user_id)
                await self._post(str(opened["channel"]["id"]), message)
            except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
                reason = exc.response.get("error") if isinstance(exc, SlackApiError) else type(exc).__name__
                log.warning("could not tell admin %s about %s: %s", user_id, channel.key, reason)
                continue
            told = True
        return told

    # --- sending ---------------------------------------------------------------------------

    async def _post(self, channel_id: str, message: Message, *, thread_ts: str | None = None,
                    broadcast: bool = False) -> str:
        """Post ``message``, as several posts in order when it is too long for one; the ts
        of the first (which carries the round's metadata, if any)."""
        first: str | None = None
        for rendered in render_posts(message):
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
            metadata = round_metadata(message) if first is None else None
            async with self.pacer.slot(channel_id):
                if metadata is None:
                    response = await self.dispatcher.send("chat.postMessage", self.client.chat_postMessage, **args)
                    ts = str(response["ts"])
                else:
                    ts = await self._post_once(channel_id, {**args, "metadata": metadata}, thread_ts)
            first = first or ts
        assert first is not None
        return first

    async def _post_once(self, channel_id: str, args: dict[str, Any], thread_ts: str | None) -> str:
        """Post a round's message so that it appears once: when the answer is lost (a
        timeout, a dropped connection, Slack failing even after the retries), the channel or
        thread is searched for it by its metadata before it is sent again."""
        started = time.time()  # Slack's ts is wall-clock time
        failure: Exception | None = None
        for _attempt in range(POST_ATTEMPTS):
            try:
                response = await self.dispatcher.send("chat.postMessage", self.client.chat_postMessage, **args)
                return str(response["ts"])
            except SlackApiError as exc:
                status = exc.response.status_code
                if status != 429 and status < 500:
                    raise  # Slack said no (not_in_channel, invalid_blocks): nothing was posted
                failure = exc
            except (TimeoutError, aiohttp.ClientError) as exc:
                failure = exc
            log.warning("round post in %s failed (%s); looking for it before sending again",
                        channel_id, type(failure).__name__)
            found = await self.history.find_own(channel_id, args["metadata"], oldest=started - CLOCK_SKEW,
                                                thread_ts=thread_ts)
            if found is not None:
                return found
        assert failure is not None
        raise failure

    async def _upload(self, channel_id: str, attachments: tuple[Attachment, ...], *,
                      thread_ts: str | None = None) -> None:
        for attachment in attachments:
            async with self.pacer.slot(channel_id):
                await self.dispatcher.send(
                    "files.completeUploadExternal", self.client.files_upload_v2,
                    channel=channel_id, content=attachment.data, filename=attachment.filename,
                    title=attachment.filename, thread_ts=thread_ts, request_file_info=False,
                )


def _written_at(message: dict[str, Any], ts: str) -> datetime | None:
    """When a reply's current text was written: its last edit's ``ts``, else its own. A
    Slack ``ts`` is the Unix time of the message (seconds, then a per-second counter)."""
    edited = message.get("edited")
    stamp = edited.get("ts") if isinstance(edited, dict) and isinstance(edited.get("ts"), str) else ts
    try:
        return datetime.fromtimestamp(float(stamp), timezone.utc)
    except (ValueError, OverflowError, OSError):
        return None
