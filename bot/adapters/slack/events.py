"""Slack payloads -> what the core understands: thread replies, commands, buttons, modals.

Pure translation with dispatch tables keyed on the payload's type/subtype; who the actor
is (name, admin) is resolved by the caller. Imports no slack library and does no I/O.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from bot.adapters.slack.blocks import unescape
from bot.core.models import Actor, ChannelRef, ThreadRef
from bot.core.ports import ThreadReplyCreated, ThreadReplyDeleted, ThreadReplyEdited

PLATFORM = "slack"

Payload = dict[str, Any]


@dataclass(frozen=True)
class BotIdentity:
    """Who the bot itself is (from auth.test), so its own messages are never answers."""

    user_id: str | None = None
    bot_id: str | None = None


@dataclass(frozen=True)
class ReplyChange:
    """A message event about a reply in some thread, before the author is looked up."""

    change: Literal["created", "edited", "deleted"]
    thread: ThreadRef
    message_id: str
    user_id: str | None = None
    text: str = ""

    def to_event(self, actor: Actor | None) -> ThreadReplyCreated | ThreadReplyEdited | ThreadReplyDeleted:
        if self.change == "deleted":
            return ThreadReplyDeleted(self.thread, self.message_id)
        assert actor is not None, "a created or edited reply needs its author"
        if self.change == "edited":
            return ThreadReplyEdited(self.thread, actor, self.message_id, self.text)
        return ThreadReplyCreated(self.thread, actor, self.message_id, self.text)


def channel_ref(team_id: str, channel_id: str) -> ChannelRef:
    return ChannelRef(PLATFORM, team_id, channel_id)


def team_of(body: Payload) -> str:
    """The workspace a payload belongs to: events and commands carry ``team_id``,
    interactive payloads ``team.id`` (or the user's ``team_id``)."""
    team = body.get("team")
    for candidate in (
        body.get("team_id"),
        team.get("id") if isinstance(team, dict) else None,
        (body.get("user") or {}).get("team_id") if isinstance(body.get("user"), dict) else None,
        (body.get("view") or {}).get("team_id") if isinstance(body.get("view"), dict) else None,
    ):
        if isinstance(candidate, str) and candidate:
            return candidate
    return ""


# --- message events -------------------------------------------------------------------------


def reply_change(body: Payload, me: BotIdentity) -> ReplyChange | None:
    """The reply a ``message`` event is about, or None when it is not a human's reply in a
    thread (a top-level message, a thread's parent, a bot, the bot itself)."""
    event = body.get("event")
    if not isinstance(event, dict) or event.get("type") != "message":
        return None
    handler = _MESSAGE_SUBTYPES.get(event.get("subtype"))
    if handler is None:
        return None
    channel_id = event.get("channel")
    if not isinstance(channel_id, str) or not channel_id:
        return None
    return handler(event, channel_ref(team_of(body), channel_id), me)


def _created(event: Payload, channel: ChannelRef, me: BotIdentity) -> ReplyChange | None:
    message = _human_reply(event, me)
    if message is None:
        return None
    return ReplyChange("created", ThreadRef(channel, message["thread_ts"]), message["ts"],
                       message["user"], unescape(message.get("text") or ""))


def _changed(event: Payload, channel: ChannelRef, me: BotIdentity) -> ReplyChange | None:
    message = _human_reply(event.get("message"), me)
    if message is None:
        return None
    return ReplyChange("edited", ThreadRef(channel, message["thread_ts"]), message["ts"],
                       message["user"], unescape(message.get("text") or ""))


def _deleted(event: Payload, channel: ChannelRef, me: BotIdentity) -> ReplyChange | None:
    previous = event.get("previous_message") or {}
    deleted_ts = event.get("deleted_ts") or previous.get("ts")
    thread_ts = previous.get("thread_ts")
    if not isinstance(deleted_ts, str) or not isinstance(thread_ts, str) or thread_ts == deleted_ts:
        return None
    if _is_bot(previous, me):
        return None
    return ReplyChange("deleted", ThreadRef(channel, thread_ts), deleted_ts, previous.get("user"))


_MESSAGE_SUBTYPES: dict[str | None, Callable[[Payload, ChannelRef, BotIdentity], ReplyChange | None]] = {
    None: _created,
    "thread_broadcast": _created,  # a reply also sent to the channel
    "file_share": _created,
    "message_changed": _changed,
    "message_deleted": _deleted,
}


# Subtypes of a person's message in thread history; joins, bots and tombstones are not answers.
_HISTORIC_SUBTYPES = frozenset({None, "thread_broadcast", "file_share"})


def historic_reply(message: Payload, me: BotIdentity) -> tuple[str, str, str] | None:
    """(ts, user id, text) of a person's reply as ``conversations.replies`` lists it; None for
    the thread's parent, bots, the bot itself and system messages."""
    if message.get("subtype") not in _HISTORIC_SUBTYPES:
        return None
    reply = _human_reply(message, me)
    if reply is None:
        return None
    return reply["ts"], reply["user"], unescape(reply.get("text") or "")


def _human_reply(message: object, me: BotIdentity) -> Payload | None:
    if not isinstance(message, dict) or _is_bot(message, me):
        return None
    ts, thread_ts, user = message.get("ts"), message.get("thread_ts"), message.get("user")
    if not (isinstance(ts, str) and isinstance(thread_ts, str) and isinstance(user, str)):
        return None
    if ts == thread_ts:  # the thread's parent (e.g. its reply count changed), not a reply
        return None
    return message


def _is_bot(message: Payload, me: BotIdentity) -> bool:
    return bool(
        message.get("bot_id")
        or message.get("subtype") == "bot_message"
        or (me.user_id is not None and message.get("user") == me.user_id)
    )


# --- repeated deliveries --------------------------------------------------------------------


class SeenEvents:
    """The last ``limit`` event ids, so a redelivered event is handled once. The ledger's
    unique reply per message ts is the lasting guard; this one also spares the work."""

    def __init__(self, limit: int = 4096) -> None:
        self._limit = limit
        self._ids: OrderedDict[str, None] = OrderedDict()

    def first_time(self, event_id: str | None) -> bool:
        """True the first time ``event_id`` is seen (and for events without an id)."""
        if not event_id:
            return True
        if event_id in self._ids:
            self._ids.move_to_end(event_id)
            return False
        self._ids[event_id] = None
        if len(self._ids) > self._limit:
            self._ids.popitem(last=False)
        return True


# --- commands ---------------------------------------------------------------------------


def command_text(body: Payload) -> str:
    """The text after ``/interview``; Slack escapes &, < and > in it."""
    return unescape(str(body.get("text") or "")).strip()
