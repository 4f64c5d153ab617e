"""Who a Slack user is for the core: display name and admin status, from ``users.info``.

Admins are workspace admins and owners, plus ``slack:<id>`` entries of ``bot.admins``;
answers are cached for ``admin_cache_seconds`` of the core's clock, and events from one
person arriving together share one call. Fails closed.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.events import PLATFORM
from bot.core.clock import Clock
from bot.core.models import Actor, UserRef

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Known:
    name: str
    workspace_admin: bool
    expires: datetime


class UserDirectory:
    def __init__(self, client: AsyncWebClient, clock: Clock, ttl: timedelta, config_admins: frozenset[str]) -> None:
        self.client = client
        self.clock = clock
        self.ttl = ttl
        self.config_admins = config_admins
        self._cache: dict[str, _Known] = {}
        self._asking: dict[str, asyncio.Future[_Known | None]] = {}

    async def actor(self, team_id: str, user_id: str, fallback_name: str | None = None) -> Actor:
        known = await self._lookup(user_id)
        user = UserRef(PLATFORM, team_id, user_id)
        if known is None:
            return Actor(user, fallback_name or user_id, is_admin=user.key in self.config_admins)
        return Actor(user, known.name, is_admin=known.workspace_admin or user.key in self.config_admins)

    async def _lookup(self, user_id: str) -> _Known | None:
        cached = self._cache.get(user_id)
        if cached is not None and cached.expires > self.clock.now():
            return cached
        asking = self._asking.get(user_id)
        if asking is None:
            asking = self._asking[user_id] = asyncio.ensure_future(self._ask(user_id))
            asking.add_done_callback(lambda _: self._asking.pop(user_id, None))
        return await asyncio.shield(asking)  # one caller giving up does not cancel the others' call

    async def _ask(self, user_id: str) -> _Known | None:
        now = self.clock.now()
        try:
            response = await self.client.users_info(user=user_id)
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
            # Not knowing is not being an admin; the next event asks again.
            reason = exc.response.get("error") if isinstance(exc, SlackApiError) else type(exc).__name__
            log.warning("users.info failed for %s: %s", user_id, reason)
            return None
        profile: dict[str, Any] = response.get("user") or {}
        known = _Known(
            name=_display_name(profile) or user_id,
            workspace_admin=bool(profile.get("is_admin") or profile.get("is_owner")
                                 or profile.get("is_primary_owner")),
            expires=now + self.ttl,
        )
        self._cache[user_id] = known
        return known


def _display_name(user: dict[str, Any]) -> str:
    profile = user.get("profile") or {}
    for name in (profile.get("display_name"), profile.get("real_name"), user.get("real_name"), user.get("name")):
        if isinstance(name, str) and name.strip():
            return name.strip()
    return ""
