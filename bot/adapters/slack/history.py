"""Reading Slack back: the bot's own message for a round (found by its message metadata) and
a thread's replies, for recovery after a crash and backfill after downtime.

Pages through ``conversations.history`` and ``conversations.replies`` on the dispatcher's
read bucket (Slack's Tier 3). Reads no inbound event payloads.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.dispatch import Dispatcher
from bot.adapters.slack.events import BotIdentity, Payload
from bot.core.messages import Message, MessageKind

log = logging.getLogger(__name__)

# The metadata event type each kind of round message carries; the payload is the round id.
ROUND_EVENTS = {
    MessageKind.QUESTION: "interview_round",
    MessageKind.REVEAL: "interview_reveal",
    MessageKind.SUMMARY: "interview_summary",
}
QUESTION_EVENT = ROUND_EVENTS[MessageKind.QUESTION]
# Slack caps a page at 15 messages for apps distributed outside the Marketplace; the cursor
# takes care of that. MAX_PAGES bounds a search in a very busy channel.
PAGE_SIZE = 200
MAX_PAGES = 50


def round_metadata(message: Message) -> dict[str, Any] | None:
    """The message metadata for a round's question, reveal or summary; None for others."""
    event_type = ROUND_EVENTS.get(message.kind)
    if event_type is None or message.round_id is None:
        return None
    return {"event_type": event_type, "event_payload": {"round_id": message.round_id}}


class History:
    def __init__(self, client: AsyncWebClient, dispatcher: Dispatcher) -> None:
        self.client = client
        self.dispatcher = dispatcher
        self.me = BotIdentity()  # known once the adapter has called auth.test

    async def find_own(self, channel_id: str, metadata: dict[str, Any], *, oldest: float,
                       thread_ts: str | None = None) -> str | None:
        """The ts of the bot's message carrying ``metadata``, posted after ``oldest`` (a
        Unix time) in the channel or, with ``thread_ts``, in that thread; else None."""
        args: dict[str, Any] = {"channel": channel_id, "oldest": f"{max(oldest, 0.0):.6f}",
                                "include_all_metadata": True}
        if thread_ts is None:
            pages = self._pages("conversations.history", self.client.conversations_history, args)
        else:
            pages = self._pages("conversations.replies", self.client.conversations_replies,
                                {**args, "ts": thread_ts})
        async for page in pages:
            for message in page:
                if self._is_mine(message) and _same_metadata(message.get("metadata"), metadata):
                    return str(message["ts"])
        return None

    async def thread(self, channel_id: str, thread_ts: str) -> list[Payload]:
        """Every message of a thread, its parent first."""
        messages: list[Payload] = []
        async for page in self._pages("conversations.replies", self.client.conversations_replies,
                                      {"channel": channel_id, "ts": thread_ts}):
            messages.extend(page)
        return messages

    async def _pages(self, method: str, call: Any, args: dict[str, Any]) -> AsyncIterator[list[Payload]]:
        cursor = None
        for _ in range(MAX_PAGES):
            response = await self.dispatcher.send(method, call, limit=PAGE_SIZE, cursor=cursor, **args)
            yield [m for m in response.get("messages") or [] if isinstance(m, dict)]
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor or not response.get("has_more", True):
                return
        log.warning("%s in %s: stopped after %s pages", method, args.get("channel"), MAX_PAGES)

    def _is_mine(self, message: Payload) -> bool:
        me = self.me
        if me.bot_id is None and me.user_id is None:
            return bool(message.get("bot_id"))
        return bool((me.bot_id and message.get("bot_id") == me.bot_id)
                    or (me.user_id and message.get("user") == me.user_id))


def _same_metadata(found: object, wanted: dict[str, Any]) -> bool:
    if not isinstance(found, dict) or found.get("event_type") != wanted["event_type"]:
        return False
    payload = found.get("event_payload")
    if not isinstance(payload, dict):
        return False
    return str(payload.get("round_id")) == str(wanted["event_payload"]["round_id"])
