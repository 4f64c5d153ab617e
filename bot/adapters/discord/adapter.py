"""``DiscordAdapter``: the core's ``ChatPlatform`` on Discord (with the optional
``PostLookup``, ``ThreadHistory`` and ``AdminNotice`` ports), and the one object the app wires in
(construct, ``await start()``, ``await stop()``).

Every message is created with a fresh ``nonce`` and ``enforce_nonce`` (discord.py sets the
latter whenever a nonce is given), and a create whose answer was lost is retried with the
same nonce, so Discord returns the first message instead of posting a second one. After
READY and every RESUMED the threads of open rounds are read again (backfill), for replies
made while the bot was not listening. At most half a second's worth of posts (at the
configured request rate) are prepared at once; the rest wait their turn before rendering.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import math
from datetime import datetime
from secrets import token_hex

import aiohttp
import discord
from discord.webhook.async_ import async_context

from bot.adapters import AdapterSetupError
from bot.adapters.discord.client import DiscordSetupError, InterviewBotBase, build_bot
from bot.adapters.discord.components import send_kwargs, view_for
from bot.adapters.discord.errors import CANNOT_DM_USER, channel_trouble
from bot.adapters.discord.history import BackfillRuns, RoundHistory
from bot.adapters.discord.render import Part, render
from bot.adapters.discord.transport import RebasedWebhookAdapter, global_budget_key
from bot.adapters.pacing import RateLimiter
from bot.config import Secrets, Settings
from bot.core.i18n import t
from bot.core.messages import Message, MessageKind
from bot.core.models import ChannelRef, MessageRef, ThreadRef, UserRef
from bot.core.ports import HistoricReply
from bot.core.service import Core

log = logging.getLogger(__name__)

CREATE_ATTEMPTS = 3
RETRY_BACKOFF = 0.5
THREAD_ALREADY_EXISTS = 160004  # Discord's error code: a thread was already started from this message
#: How many seconds of requests, at the configured rate, may be rendered and queued at the
#: pacer at once: enough to keep it busy while Discord takes up to that long to answer.
QUEUED_SECONDS = 0.5
# The request may have reached Discord; 5xx answers are already retried by discord.py itself.
_TRANSIENT = (aiohttp.ClientConnectionError, asyncio.TimeoutError)


__all__ = ["AdapterSetupError", "DiscordAdapter", "DiscordSetupError"]


class DiscordAdapter:
    """Posts, threads and private answers on Discord; events come in through the bot's cogs."""

    name = "discord"

    def __init__(
        self,
        core: Core,
        settings: Settings,
        secrets: Secrets,
        *,
        guild_ready_timeout: float = 2.0,
        ready_timeout: float | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        """``guild_ready_timeout``: how long discord.py waits for more GUILD_CREATE events
        after READY before it reports ready (tests lower it). ``ready_timeout``: how long
        ``start`` waits for that; by default a minute plus 10 s per shard this process
        runs (discord.py identifies shards 5 s apart). ``limiter``: the rate budgets shared
        with other instances (else this process paces only itself)."""
        if not secrets.discord_token:
            raise DiscordSetupError("DISCORD_TOKEN is not set")
        self.core = core
        self.settings = settings
        self._token = secrets.discord_token
        shards = len(settings.discord.shard_ids) or settings.discord.shard_count or 1
        self.ready_timeout = ready_timeout if ready_timeout is not None else 60.0 + 10.0 * shards
        self.bot: InterviewBotBase = build_bot(core, settings, self, guild_ready_timeout=guild_ready_timeout)
        if limiter is not None:
            self.bot.pacer.share(limiter, global_budget_key(secrets.discord_token))
        self.history = RoundHistory(self.bot)
        self.backfills = BackfillRuns(self._backfill)
        self._runner: asyncio.Task[None] | None = None
        # When every channel's post falls due in the same minute, each would render its
        # message and build discord.py's request before queueing at the pacer: for 1,000
        # channels a third of a second of CPU in one go, before even the first request
        # leaves. Admitting a few at a time lets the others wait cheaply and the first go out.
        self._admitted = asyncio.Semaphore(max(8, math.ceil(settings.discord.requests_per_second * QUEUED_SECONDS)))
        # Interaction callbacks use discord.py's webhook adapter, picked from a context
        # variable; set it only in a context copied for this bot's tasks.
        self._context = contextvars.copy_context()
        self._context.run(async_context.set, RebasedWebhookAdapter(settings.discord.api_base_url))

    # --- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        """Attach to the core, log in (which syncs the commands), connect the gateway in the
        background and return once Discord reports READY."""
        self.core.attach(self)
        api = self.settings.discord.api_base_url
        try:
            await asyncio.create_task(self.bot.login(self._token), context=self._context.copy())
        except BaseException as exc:
            await self.bot.close()
            if isinstance(exc, discord.LoginFailure):
                raise DiscordSetupError(f"Discord at {api} refused DISCORD_TOKEN") from None
            if isinstance(exc, (discord.HTTPException, aiohttp.ClientError, OSError)):
                raise DiscordSetupError(f"could not log in to Discord at {api}: {exc}") from exc
            raise
        self._runner = asyncio.create_task(
            self.bot.connect(reconnect=True), name="discord-gateway", context=self._context.copy()
        )
        ready = asyncio.ensure_future(self.bot.wait_until_ready())
        done, _ = await asyncio.wait({self._runner, ready}, timeout=self.ready_timeout,
                                     return_when=asyncio.FIRST_COMPLETED)
        if ready in done:
            self._runner.add_done_callback(_log_gateway_end)
            log.info("Discord ready as %s in %d guild(s)", self.bot.user, len(self.bot.guilds))
            return
        ready.cancel()
        failure = self._runner.exception() if self._runner in done else None
        await self.stop()
        if isinstance(failure, discord.PrivilegedIntentsRequired):
            raise DiscordSetupError(
                "Discord refused the Message Content intent: enable it for the bot in the developer "
                "portal (Bot → Privileged Gateway Intents), or set discord.message_content_intent = false"
            ) from failure
        if failure is not None:
            raise DiscordSetupError(f"the Discord gateway connection failed: {failure}") from failure
        raise DiscordSetupError(f"Discord did not report READY within {self.ready_timeout:.0f}s")

    async def wait_closed(self) -> None:
        """Wait until the gateway connection ends for good (after ``stop``, or when Discord
        refuses the bot); re-raises what ended it. For a run loop that should exit then."""
        if self._runner is not None:
            await asyncio.shield(self._runner)

    async def stop(self) -> None:
        await self.backfills.cancel()
        await self.bot.close()
        runner, self._runner = self._runner, None
        if runner is not None:
            done, _ = await asyncio.wait({runner}, timeout=10)
            if not done:
                runner.cancel()
            elif not runner.cancelled():
                runner.exception()  # reported already (by start or the done callback)

    # --- ChatPlatform ----------------------------------------------------------------------

    async def post_message(self, channel: ChannelRef, message: Message) -> MessageRef:
        note = await self._note(channel, message)
        async with self._admitted:
            with channel_trouble(channel):
                sent = await self._create_all(int(channel.channel), int(channel.workspace),
                                              render(message, note=note))
        return MessageRef(channel, str(sent.id))

    async def open_thread(self, message: MessageRef, name: str) -> ThreadRef:
        async with self._admitted:
            with channel_trouble(message.channel, thread=True):
                thread = ThreadRef(message.channel, await self._start_thread(message, name[:100]))
        self.bot.resolver.remember(thread)
        return thread

    async def reply_in_thread(self, thread: ThreadRef, message: Message) -> MessageRef:
        note = await self._note(thread.channel, message)
        async with self._admitted:
            with channel_trouble(thread.channel, thread=True):
                sent = await self._create_all(int(thread.thread_id), int(thread.channel.workspace),
                                              render(message, note=note))
        return MessageRef(thread.channel, str(sent.id), thread_id=thread.thread_id)

    async def send_private(self, channel: ChannelRef, user: UserRef, message: Message) -> None:
        """Outside an interaction, a private message is a DM (interactions answer ephemerally).
        A DM refused is the person's setting, not the channel's trouble: it is only logged."""
        try:
            await self._direct(int(user.user), message)
        except discord.Forbidden as exc:
            if exc.code != CANNOT_DM_USER:
                raise
            log.info("user %s does not accept DMs from this bot; private message dropped", user.user)

    async def _direct(self, user_id: int, message: Message) -> None:
        """``message`` in a direct message to ``user_id``."""
        async with self._admitted:
            dm = await self.bot.create_dm(discord.Object(id=user_id))
            for part in render(message):
                await self._create(dm, part)

    async def edit_message(self, ref: MessageRef, message: Message) -> None:
        channel_id = int(ref.thread_id or ref.channel.channel)
        parts = render(message, note=await self._note(ref.channel, message))
        part = parts[0]
        target = self.bot.get_partial_messageable(channel_id).get_partial_message(int(ref.message_id))
        with channel_trouble(ref.channel):
            await target.edit(
                content=part.content, embeds=part.embeds, view=view_for(parts[-1]),
                allowed_mentions=discord.AllowedMentions.none(),
            )

    async def tell_admins(self, channel: ChannelRef, message: Message) -> bool:
        """A direct message to the server's owner and to each admin configured for Discord
        in ``[bot] admins``; True if one of them got it (people may refuse DMs)."""
        people = [int(user) for user in self.settings.bot.admin_ids("discord") if user.isdigit()]
        owner = await self._owner_of(int(channel.workspace))
        if owner is not None and owner not in people:
            people.insert(0, owner)
        told = False
        for person in people:
            try:
                await self._direct(person, message)
            except (discord.HTTPException, *_TRANSIENT) as exc:
                log.warning("could not tell admin %s about %s: %s", person, channel.key, exc)
                continue
            told = True
        return told

    async def _owner_of(self, guild_id: int) -> int | None:
        guild = self.bot.get_guild(guild_id)
        if guild is not None and guild.owner_id:
            return guild.owner_id
        try:
            fetched = await self.bot.fetch_guild(guild_id, with_counts=False)
        except discord.HTTPException as exc:
            log.warning("could not find the owner of server %s: %s", guild_id, exc)
            return None
        return fetched.owner_id

    # --- PostLookup, ThreadHistory and backfill ---------------------------------------------

    async def find_round_post(
        self, channel: ChannelRef, round_id: int, since: datetime
    ) -> tuple[MessageRef, ThreadRef | None] | None:
        with channel_trouble(channel):
            return await self.history.find_round_post(channel, round_id, since)

    async def thread_replies(self, thread: ThreadRef) -> list[HistoricReply]:
        with channel_trouble(thread.channel, thread=True):
            return await self.history.thread_replies(thread)

    def backfill(self) -> None:
        """Read the open rounds' threads again in the background (called on READY and
        RESUMED). Without the Message Content intent history has no text to go by, so
        nothing is read: an empty text must not pass for a deleted reply."""
        if self.settings.discord.message_content_intent:
            self.backfills.request()

    async def _backfill(self) -> None:
        self.history.forget_members()
        await self.core.recovery.backfill(self.name)

    # --- sending ---------------------------------------------------------------------------

    async def _create_all(self, channel_id: int, guild_id: int, parts: list[Part]) -> discord.Message:
        target = self.bot.get_partial_messageable(channel_id, guild_id=guild_id or None)
        first = await self._create(target, parts[0])
        for part in parts[1:]:
            await self._create(target, part)
        return first

    async def _create(self, target: discord.abc.Messageable, part: Part) -> discord.Message:
        """Create one message, retrying lost answers with the same nonce."""
        nonce = token_hex(12)  # Discord allows 25 characters
        for attempt in range(1, CREATE_ATTEMPTS + 1):
            try:
                return await target.send(**send_kwargs(part), nonce=nonce)
            except _TRANSIENT as exc:
                await _before_retry(attempt, "creating a message", exc)
        raise AssertionError("unreachable")

    async def _start_thread(self, message: MessageRef, name: str) -> str:
        """Start the public thread on ``message``; the new thread's id. A retry told that
        the thread already exists has it: a thread started from a message has its id."""
        minutes = self.settings.discord.thread_auto_archive_minutes
        for attempt in range(1, CREATE_ATTEMPTS + 1):
            try:
                data = await self.bot.http.start_thread_with_message(
                    int(message.channel.channel), int(message.message_id), name=name,
                    auto_archive_duration=minutes,  # type: ignore[arg-type]
                )
                return str(data["id"])
            except discord.HTTPException as exc:
                if exc.code == THREAD_ALREADY_EXISTS:
                    return message.message_id
                raise
            except _TRANSIENT as exc:
                await _before_retry(attempt, "starting a thread", exc)
        raise AssertionError("unreachable")

    async def _note(self, channel: ChannelRef, message: Message) -> str | None:
        """Without the Message Content intent a question says how to answer instead."""
        if message.kind != MessageKind.QUESTION or self.settings.discord.message_content_intent:
            return None
        subscription = await self.core.repo.get_subscription(channel)
        language = self.core.language_of(subscription)
        return t("discord.intent_note", language)


async def _before_retry(attempt: int, what: str, exc: BaseException) -> None:
    """Re-raise after the last attempt, else log and back off."""
    if attempt >= CREATE_ATTEMPTS:
        raise exc
    log.warning("%s failed (%s); retrying", what, type(exc).__name__)
    await asyncio.sleep(RETRY_BACKOFF * 2 ** (attempt - 1))


def _log_gateway_end(task: asyncio.Task[None]) -> None:
    if task.cancelled():
        return
    exc = task.exception()
    if exc is not None:
        log.error("the Discord gateway connection ended: %s", exc, exc_info=exc)
