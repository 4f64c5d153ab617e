"""Reading Discord's history to make good after a crash or downtime: the bot's own post for
a round (so a post claimed before a crash is confirmed, not made twice), a thread's replies
(for replies made while the bot was away), and the background backfill runs.

The core drives both through its optional ports (``PostLookup``, ``ThreadHistory``; see
bot.core.recovery). Only this package imports discord.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import discord

from bot.adapters.discord.render import custom_id
from bot.adapters.discord.translate import message_actor
from bot.core.messages import ACTION_ANSWER_PRIVATELY, ACTION_REVEAL_NOW
from bot.core.models import ChannelRef, MessageRef, ThreadRef
from bot.core.ports import HistoricReply

if TYPE_CHECKING:
    from bot.adapters.discord.client import InterviewBotBase

log = logging.getLogger(__name__)

#: How far before the claim to look, for a clock that runs ahead of Discord's.
CLOCK_SKEW = timedelta(minutes=1)
#: Most channel messages read while looking for a round's post (Discord pages by 100).
POST_SEARCH_LIMIT = 500
_REPLY_TYPES = (discord.MessageType.default, discord.MessageType.reply)


class RoundHistory:
    """The two optional ports, answered from the REST API's message history."""

    def __init__(self, bot: InterviewBotBase) -> None:
        self.bot = bot
        # Who an author is in a server (for the admin flag), looked up once per backfill run.
        self._members: dict[tuple[int, int], discord.Member | None] = {}

    def forget_members(self) -> None:
        self._members.clear()

    async def find_round_post(
        self, channel: ChannelRef, round_id: int, since: datetime
    ) -> tuple[MessageRef, ThreadRef | None] | None:
        """The bot's message in ``channel`` after ``since`` whose buttons name ``round_id``,
        and the thread started from it if there is one. A long question is split into
        several messages; the one found is the last, which carries the buttons."""
        me = self.bot.user
        wanted = {custom_id(ACTION_ANSWER_PRIVATELY, str(round_id)), custom_id(ACTION_REVEAL_NOW, str(round_id))}
        target = self.bot.get_partial_messageable(int(channel.channel), guild_id=int(channel.workspace) or None)
        async for message in target.history(limit=POST_SEARCH_LIMIT, after=since - CLOCK_SKEW, oldest_first=True):
            if me is None or message.author.id != me.id or not wanted & _custom_ids(message):
                continue
            return MessageRef(channel, str(message.id)), await self._thread_from(channel, message.id)
        return None

    async def _thread_from(self, channel: ChannelRef, message_id: int) -> ThreadRef | None:
        """A thread started from a message has the message's id; None if there is none."""
        try:
            found = await self.bot.fetch_channel(message_id)
        except discord.NotFound:
            return None
        if not isinstance(found, discord.Thread) or found.parent_id != int(channel.channel):
            return None
        thread = ThreadRef(channel, str(found.id))
        self.bot.resolver.remember(thread)
        return thread

    async def thread_replies(self, thread: ThreadRef) -> list[HistoricReply]:
        """Every reply in the thread, oldest first, as the live events would have told it:
        people's plain messages with text; bots (this one included) and system messages
        left out. Needs the Message Content intent, or every text is empty."""
        guild_id = int(thread.channel.workspace)
        target = self.bot.get_partial_messageable(int(thread.thread_id), guild_id=guild_id or None)
        replies = []
        async for message in target.history(limit=None, oldest_first=True):
            if message.author.bot or message.webhook_id or message.type not in _REPLY_TYPES:
                continue
            if not message.content.strip():
                continue
            author = await self._member(guild_id, message.author)
            # The snowflake id carries the time of posting; an edit has its own time.
            replies.append(HistoricReply(message_actor(author, guild_id), str(message.id), message.content,
                                         message.edited_at or message.created_at))
        return replies

    async def _member(self, guild_id: int, user: discord.abc.User) -> discord.abc.User:
        """The author as a member of the server, so the admin flag comes from their Manage
        Server permission as in live events (history messages carry only the user). Someone
        who left, or a server this process does not see, stays a plain user: not an admin."""
        if isinstance(user, discord.Member):
            return user
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            return user
        key = (guild_id, user.id)
        if key not in self._members:
            member = guild.get_member(user.id)
            if member is None:
                try:
                    member = await guild.fetch_member(user.id)
                except discord.NotFound:
                    member = None
            self._members[key] = member
        return self._members[key] or user


def _custom_ids(message: discord.Message) -> set[str]:
    ids: set[str] = set()
    for row in message.components:
        for child in getattr(row, "children", ()):
            if isinstance(getattr(child, "custom_id", None), str):
                ids.add(child.custom_id)
    return ids


class BackfillRuns:
    """Runs a backfill in the background, one at a time: asked again while one runs, it
    runs once more afterwards (a reconnect in the middle may have missed replies)."""

    def __init__(self, backfill: Callable[[], Coroutine[Any, Any, object]]) -> None:
        self._backfill = backfill
        self._task: asyncio.Task[None] | None = None
        self._again = False
        self._done = 0
        self._changed = asyncio.Condition()

    @property
    def done(self) -> int:
        """How many runs have finished (failed ones included)."""
        return self._done

    def request(self) -> None:
        if self._task is not None and not self._task.done():
            self._again = True
            return
        self._task = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        again = True
        while again:
            self._again = False
            try:
                await self._backfill()
            except Exception:
                log.exception("backfilling Discord threads failed; the next reconnect tries again")
            async with self._changed:
                self._done += 1
                self._changed.notify_all()
            again = self._again

    async def wait(self, runs: int, timeout: float = 10.0) -> None:
        """Wait until at least ``runs`` runs have finished since this object was made."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: self._done >= runs), timeout)

    async def cancel(self, grace: float = 2.0) -> None:
        """Stop: a run in progress gets ``grace`` seconds to finish (cancelled in the middle
        of a database call, a connection may be left behind unclosed), then is cancelled."""
        task, self._task = self._task, None
        if task is not None:
            self._again = False
            await asyncio.wait({task}, timeout=grace)
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
