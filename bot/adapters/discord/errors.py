"""Discord's answers that concern one channel, as the core's ``ChannelUnavailable``.

A 403 (the bot lost access or a permission there), a 404 for the channel or a thread (it was
deleted) and an archived thread's refusal are the channel's own trouble; rate limits, 5xx
and everything else stay discord.py's errors, which the core treats as passing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import discord

from bot.core.models import ChannelRef
from bot.core.ports import ChannelUnavailable

MISSING_ACCESS = 50001
MISSING_PERMISSIONS = 50013
UNKNOWN_CHANNEL = 10003
UNKNOWN_MESSAGE = 10008
THREAD_ARCHIVED = 50083
CANNOT_DM_USER = 50007

REASONS = {
    MISSING_ACCESS: "missing_access",
    MISSING_PERMISSIONS: "missing_permissions",
    UNKNOWN_CHANNEL: "unknown_channel",
    UNKNOWN_MESSAGE: "unknown_message",
    THREAD_ARCHIVED: "thread_archived",
}


@contextmanager
def channel_trouble(channel: ChannelRef, *, thread: bool = False) -> Iterator[None]:
    """Re-raise a channel's own trouble as ``ChannelUnavailable`` (the original as its
    cause). ``thread``: the call was about a round's thread (or the message it starts from),
    so an unknown message means that thread's post is gone.

    An archived (locked) thread is not permanent for the channel: the channel itself still
    takes posts, and every round has a thread of its own, so the next round is unaffected."""
    try:
        yield
    except discord.HTTPException as exc:
        code = exc.code
        if isinstance(exc, discord.Forbidden) and code != CANNOT_DM_USER:
            raise ChannelUnavailable(channel.key, REASONS.get(code, f"forbidden_{code}")) from exc
        if isinstance(exc, discord.NotFound) and (code == UNKNOWN_CHANNEL or (thread and code == UNKNOWN_MESSAGE)):
            raise ChannelUnavailable(channel.key, REASONS[code]) from exc
        if code == THREAD_ARCHIVED:
            raise ChannelUnavailable(channel.key, REASONS[code], permanent=False) from exc
        raise
