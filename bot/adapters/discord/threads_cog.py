"""Replies in a question's thread: message create, edit and delete events become the core's
thread reply events. Messages from bots (this one included) are ignored. Every (re)connect
(READY, a shard's READY, RESUMED) starts a backfill of what may have been missed.

Reading reply text needs the privileged Message Content intent; without it Discord sends
empty content and only the private-answer modal works (deletes are still applied).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord.ext import commands

from bot.adapters.discord.translate import ThreadResolver, message_actor, payload_actor
from bot.core.models import Actor
from bot.core.ports import ThreadReplyCreated, ThreadReplyDeleted, ThreadReplyEdited

if TYPE_CHECKING:
    from bot.adapters.discord.client import InterviewBotBase

ThreadEvent = ThreadReplyCreated | ThreadReplyEdited | ThreadReplyDeleted
_REPLY_TYPES = (discord.MessageType.default, discord.MessageType.reply)


class ThreadReplies(commands.Cog):
    def __init__(self, bot: InterviewBotBase, resolver: ThreadResolver) -> None:
        self.bot = bot
        self.resolver = resolver

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        self.bot.platform.backfill()

    @commands.Cog.listener()
    async def on_shard_ready(self, shard_id: int) -> None:
        # A shard that had to identify again (its session was lost) reports only this.
        self.bot.platform.backfill()

    @commands.Cog.listener()
    async def on_resumed(self) -> None:
        self.bot.platform.backfill()

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or message.webhook_id or message.guild is None:
            return
        if message.type not in _REPLY_TYPES or not message.content.strip():
            return
        thread = await self.resolver.resolve(message.channel.id, message.guild.id)
        if thread is None:
            return
        actor = message_actor(message.author, message.guild.id)
        await self._handle(ThreadReplyCreated(thread, actor, str(message.id), message.content), actor)

    @commands.Cog.listener()
    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        data: dict[str, Any] = payload.data  # type: ignore[assignment]
        author = data.get("author") or {}
        content = data.get("content")
        if payload.guild_id is None or not author or author.get("bot") or data.get("webhook_id"):
            return
        if not content or not content.strip():
            # No text: an embed unfurl, or the Message Content intent is off. Nothing to apply.
            return
        thread = await self.resolver.resolve(payload.channel_id, payload.guild_id)
        if thread is None:
            return
        actor = payload_actor(author, data.get("member"), payload.guild_id)
        await self._handle(ThreadReplyEdited(thread, actor, str(payload.message_id), content), actor)

    @commands.Cog.listener()
    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        await self._deleted(payload.guild_id, payload.channel_id, [payload.message_id])

    @commands.Cog.listener()
    async def on_raw_bulk_message_delete(self, payload: discord.RawBulkMessageDeleteEvent) -> None:
        await self._deleted(payload.guild_id, payload.channel_id, sorted(payload.message_ids))

    async def _deleted(self, guild_id: int | None, channel_id: int, message_ids: list[int]) -> None:
        if guild_id is None:
            return
        thread = await self.resolver.resolve(channel_id, guild_id)
        if thread is None:
            return
        for message_id in message_ids:
            await self._handle(ThreadReplyDeleted(thread, str(message_id)), None)

    async def _handle(self, event: ThreadEvent, actor: Actor | None) -> None:
        """Give the event to the core; anything it answers goes to the author by DM."""
        for response in await self.bot.core.handle(event):
            if actor is not None:
                await self.bot.platform.send_private(event.thread.channel, actor.user, response.message)
