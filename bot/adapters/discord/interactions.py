"""Interactions (slash commands, buttons, modal submissions) handed to the core, and the
core's answers delivered back: private ones as ephemeral responses or followups.

Discord wants a callback within 3 seconds. A fast answer is sent as the callback itself; a
slow one (a post waiting for the pacer, a reveal) is deferred first and followed up.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

import discord

from bot.adapters.discord.components import (
    ANSWER_MODAL,
    PRACTICE_MODAL,
    parse_modal_id,
    send_kwargs,
    submitted_value,
)
from bot.adapters.discord.render import Part, language_of, render
from bot.adapters.discord.translate import (
    ThreadResolver,
    channel_ref,
    interaction_actor,
)
from bot.core.i18n import t
from bot.core.messages import Response
from bot.core.models import ChannelRef
from bot.core.ports import (
    ButtonPressed,
    CommandInvoked,
    InboundEvent,
    PracticeAnswerSubmitted,
    PrivateAnswerSubmitted,
)
from bot.core.service import Core

if TYPE_CHECKING:
    from bot.adapters.discord.adapter import DiscordAdapter

log = logging.getLogger(__name__)

#: How long the core may take before the interaction is deferred; leaves over a second of
#: the 3-second window for the callback's round trip.
DEFER_AFTER = 1.5


class InteractionHandler:
    """Turns each kind of interaction into a core event and answers the person."""

    def __init__(self, core: Core, platform: DiscordAdapter, resolver: ThreadResolver,
                 defer_after: float = DEFER_AFTER) -> None:
        self.core = core
        self.platform = platform
        self.resolver = resolver
        self.defer_after = defer_after

    async def command(self, interaction: discord.Interaction[Any], text: str) -> None:
        event = CommandInvoked(await self.channel(interaction), interaction_actor(interaction), text)
        await self.answer(interaction, event)

    async def button_pressed(self, interaction: discord.Interaction[Any], action: str, value: str) -> None:
        event = ButtonPressed(await self.channel(interaction), interaction_actor(interaction), action, value)
        await self.answer(interaction, event)

    async def modal_submitted(self, interaction: discord.Interaction[Any]) -> bool:
        """Handle one of our answer modals; False when the submission is not one."""
        data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
        parsed = parse_modal_id(str(data.get("custom_id", "")))
        if parsed is None or parsed[0] not in (ANSWER_MODAL, PRACTICE_MODAL):
            return False
        kind, target = parsed
        text = submitted_value(list(data.get("components", ())))
        channel, actor = await self.channel(interaction), interaction_actor(interaction)
        event: InboundEvent
        if kind == ANSWER_MODAL and target.isdigit():
            event = PrivateAnswerSubmitted(channel, actor, text, round_id=int(target))
        else:
            event = PracticeAnswerSubmitted(channel, actor, text)
        await self.answer(interaction, event)
        return True

    async def channel(self, interaction: discord.Interaction[Any]) -> ChannelRef:
        """The channel an interaction belongs to. Inside a question's thread that is the
        thread's parent, where the round lives."""
        guild_id, channel_id = interaction.guild_id, interaction.channel_id or 0
        channel = interaction.channel
        if isinstance(channel, discord.Thread) and channel.parent_id:
            return channel_ref(guild_id, channel.parent_id)
        if guild_id is not None and not isinstance(channel, discord.abc.GuildChannel):
            thread = await self.resolver.resolve(channel_id, guild_id)  # not cached: ask once
            if thread is not None:
                return thread.channel
        return channel_ref(guild_id, channel_id)

    async def language(self, interaction: discord.Interaction[Any]) -> str:
        """The language of what only this person sees, chosen as the core chooses it: their
        own setting (``/interview me lang``), else the channel's, else their Discord client's."""
        prefs = await self.core.repo.get_prefs(interaction_actor(interaction).user)
        if prefs is not None and prefs.language:
            return prefs.language
        subscription = await self.core.repo.get_subscription(await self.channel(interaction))
        if subscription is not None and subscription.language:
            return subscription.language
        return language_of(interaction.locale)

    async def answer(self, interaction: discord.Interaction[Any], event: InboundEvent) -> None:
        await self.respond(interaction, self.core.handle(event), type(event).__name__)

    async def respond(self, interaction: discord.Interaction[Any], answer: Awaitable[list[Response]],
                      what: str) -> None:
        """Deliver ``answer`` (the core's responses) within Discord's 3 seconds: as the
        callback when it is quick, else after a deferral."""
        work = asyncio.ensure_future(answer)
        deferred = False
        try:
            try:
                responses = await asyncio.wait_for(asyncio.shield(work), self.defer_after)
            except TimeoutError:
                await interaction.response.defer(ephemeral=True, thinking=True)
                deferred = True
                responses = await work
        except Exception:
            log.exception("the core failed on %s from interaction %s", what, interaction.id)
            await self.say(interaction, t("discord.failed", language_of(interaction.locale)))
            return
        await self.deliver(interaction, responses, deferred=deferred)

    async def deliver(self, interaction: discord.Interaction[Any], responses: list[Response], *, deferred: bool) -> None:
        """The first answer is the callback; later ones are followups. After an ephemeral
        deferral, public answers are posted to the channel instead (a followup would inherit
        the deferral's privacy)."""
        private_sent = False
        for response in responses:
            if deferred and not response.private:
                await self.platform.post_message(await self.channel(interaction), response.message)
                continue
            for part in render(response.message):
                await self._send(interaction, part, ephemeral=response.private)
            private_sent = private_sent or response.private
        if deferred and not private_sent:
            await interaction.delete_original_response()
        elif not interaction.response.is_done():
            await self._acknowledge(interaction)

    async def _send(self, interaction: discord.Interaction[Any], part: Part, *, ephemeral: bool) -> None:
        kwargs = send_kwargs(part)
        kwargs["ephemeral"] = ephemeral
        if interaction.response.is_done():
            await interaction.followup.send(**kwargs)
        else:
            await interaction.response.send_message(**kwargs)

    async def say(self, interaction: discord.Interaction[Any], text: str) -> None:
        """One private line to the person (the callback, or a followup once answered)."""
        await self._send(interaction, Part(content=text), ephemeral=True)

    async def _acknowledge(self, interaction: discord.Interaction[Any]) -> None:
        """Nothing to say: a click is acknowledged silently, a command with a short note."""
        if interaction.type is discord.InteractionType.application_command:
            await self.say(interaction, t("discord.done", await self.language(interaction)))
        else:
            await interaction.response.defer()

