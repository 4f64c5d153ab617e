"""Discord objects translated into the core's identities: channels, actors and threads.

Admin rights are read from permissions Discord computed server-side for the member (the
interaction's ``permissions``), never from anything the user typed.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import discord

from bot.core.models import Actor, ChannelRef, ThreadRef, UserRef

PLATFORM = "discord"


def channel_ref(guild_id: int | None, channel_id: int) -> ChannelRef:
    return ChannelRef(PLATFORM, str(guild_id or 0), str(channel_id))


def is_admin(permissions: discord.Permissions) -> bool:
    return permissions.manage_guild or permissions.administrator


def interaction_actor(interaction: discord.Interaction[Any]) -> Actor:
    user = interaction.user
    return Actor(
        UserRef(PLATFORM, str(interaction.guild_id or 0), str(user.id)),
        user.display_name,
        is_admin=interaction.guild_id is not None and is_admin(interaction.permissions),
    )


def message_actor(author: discord.abc.User, guild_id: int) -> Actor:
    admin = isinstance(author, discord.Member) and is_admin(author.guild_permissions)
    return Actor(UserRef(PLATFORM, str(guild_id), str(author.id)), author.display_name, is_admin=admin)


def payload_actor(author: dict[str, Any], member: dict[str, Any] | None, guild_id: int) -> Actor:
    """The author of a raw MESSAGE_UPDATE, which may reference an uncached message."""
    name = (member or {}).get("nick") or author.get("global_name") or author.get("username") or author["id"]
    return Actor(UserRef(PLATFORM, str(guild_id), str(author["id"])), str(name))


class ThreadResolver:
    """Which of the bot's own threads a channel id is, as the core's ``ThreadRef``.

    Gateway message events name only the thread's id; the core keys rounds by the parent
    channel too. Cached threads answer at once, others are fetched once and remembered.
    """

    def __init__(self, client: discord.Client, capacity: int = 4096) -> None:
        self.client = client
        self.capacity = capacity
        self._known: OrderedDict[int, ThreadRef | None] = OrderedDict()

    def remember(self, thread: ThreadRef) -> None:
        self._store(int(thread.thread_id), thread)

    async def resolve(self, channel_id: int, guild_id: int) -> ThreadRef | None:
        if channel_id in self._known:
            self._known.move_to_end(channel_id)
            return self._known[channel_id]
        channel: Any = self.client.get_channel(channel_id)
        if channel is None:
            try:
                channel = await self.client.fetch_channel(channel_id)
            except (discord.NotFound, discord.Forbidden):
                channel = None
        thread = self._own_thread(channel, guild_id)
        self._store(channel_id, thread)
        return thread

    def _own_thread(self, channel: Any, guild_id: int) -> ThreadRef | None:
        me = self.client.user
        if not isinstance(channel, discord.Thread) or channel.parent_id is None:
            return None
        if me is not None and channel.owner_id not in (None, me.id):
            return None  # a thread someone else started: not a question's thread
        return ThreadRef(channel_ref(guild_id, channel.parent_id), str(channel.id))

    def _store(self, channel_id: int, thread: ThreadRef | None) -> None:
        self._known[channel_id] = thread
        self._known.move_to_end(channel_id)
        while len(self._known) > self.capacity:
            self._known.popitem(last=False)
