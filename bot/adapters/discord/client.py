"""The discord.py bot: receives the core and settings in its constructor, adds the cogs and
persistent buttons in ``setup_hook`` and syncs ``/interview`` with its Chinese localizations.
Sharded when configured.

Only this package imports discord; the core sees the events built in the cogs.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord
from discord.ext import commands

from bot.adapters import AdapterSetupError
from bot.adapters.discord.commands_cog import InterviewCommands
from bot.adapters.discord.components import CoreButton
from bot.adapters.discord.interactions import InteractionHandler
from bot.adapters.discord.localization import CatalogTranslator
from bot.adapters.discord.pack_admin import PackAdmin
from bot.adapters.discord.threads_cog import ThreadReplies
from bot.adapters.discord.translate import ThreadResolver, channel_ref
from bot.adapters.discord.transport import RebasedHTTPClient, RequestPacer, pacing_trace
from bot.config import Settings
from bot.core.service import Core

if TYPE_CHECKING:
    from discord.state import ConnectionState

    from bot.adapters.discord.adapter import DiscordAdapter

log = logging.getLogger(__name__)


class DiscordSetupError(AdapterSetupError):
    """Discord cannot start: a missing token or shard setting, a refused token or intent, an
    unreachable API. The message never contains the token."""


def gateway_intents(message_content: bool) -> discord.Intents:
    """Guild and message events only; Message Content is privileged and optional."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.message_content = message_content
    return intents


class InterviewBotBase(commands.Bot):
    """What the plain and the sharded bot share. ``platform`` is the adapter, used to post
    answers that cannot go back through an interaction."""

    def __init__(self, core: Core, settings: Settings, platform: DiscordAdapter, **options: Any) -> None:
        self.core = core
        self.settings = settings
        self.platform = platform
        self.pacer = RequestPacer(settings.discord.requests_per_second)
        self.resolver = ThreadResolver(self)
        self.interactions = InteractionHandler(core, platform, self.resolver)
        self.pack_admin = PackAdmin(core, self.interactions)
        # This bot has no voice: skip discord.py's start-up warnings about voice libraries.
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=gateway_intents(settings.discord.message_content_intent),
            allowed_mentions=discord.AllowedMentions.none(),
            chunk_guilds_at_startup=False,
            max_messages=None,
            **options,
        )

    def _get_state(self, **options: Any) -> ConnectionState[Any]:
        # discord.py builds its HTTPClient in Client.__init__ and offers no factory for it.
        # This hook runs right after that and before the connection state and the command
        # tree keep a reference, so swapping it here gives them all the rebased, paced one.
        base = self.settings.discord.api_base_url
        self.http = RebasedHTTPClient(self.loop, api_base_url=base, http_trace=pacing_trace(self.pacer, base))
        return super()._get_state(**options)

    async def setup_hook(self) -> None:
        await self.add_cog(InterviewCommands(self))
        await self.add_cog(ThreadReplies(self, self.resolver))
        self.add_dynamic_items(CoreButton)
        await self.tree.set_translator(CatalogTranslator())
        await self.sync_commands()

    async def sync_commands(self) -> None:
        """Globally (can take up to an hour to show), or at once in the listed guilds."""
        guild_ids = self.settings.discord.sync_guild_ids
        if not guild_ids:
            synced = await self.tree.sync()
            log.info("synced %d global slash command(s)", len(synced))
            return
        for guild_id in guild_ids:
            guild = discord.Object(id=guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d slash command(s) to guild %s", len(synced), guild_id)

    def known_tags(self, interaction: discord.Interaction[Any]) -> list[str]:
        """The tags of the questions the interaction's server sees."""
        return self.core.packs.tags(channel_ref(interaction.guild_id, interaction.channel_id or 0))


class InterviewBot(InterviewBotBase):
    """One gateway connection for every guild (fine below ~2,500 guilds)."""


class ShardedInterviewBot(InterviewBotBase, commands.AutoShardedBot):  # type: ignore[misc]
    """Several gateway connections; ``shard_ids`` lets a deployment split them across
    processes."""


def build_bot(core: Core, settings: Settings, platform: DiscordAdapter, **options: Any) -> InterviewBotBase:
    discord_settings = settings.discord
    count, ids = discord_settings.shard_count, discord_settings.shard_ids
    if count is None and not ids:
        return InterviewBot(core, settings, platform, **options)
    if count is None:
        raise DiscordSetupError("discord.shard_ids needs discord.shard_count (the total number of shards)")
    outside = [shard for shard in ids if shard >= count]
    if outside:
        raise DiscordSetupError(f"discord.shard_ids {outside} are not below discord.shard_count {count}")
    return ShardedInterviewBot(core, settings, platform, shard_count=count, shard_ids=list(ids) or None, **options)
