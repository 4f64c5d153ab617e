"""A local fake of Discord's REST API and gateway for the real discord.py client.

``FakeDiscord`` is an aiohttp server on 127.0.0.1 (port 0): REST under ``/api/v10`` answers
in Discord's shapes with ``Content-Type: application/json`` and ``X-RateLimit-*`` headers,
honours ``nonce`` + ``enforce_nonce``, serves message history (``before``/``after``/``limit``,
newest first as Discord does) and members, and can be told to answer 429 (JSON ``retry_after``
and a ``Via`` header), to answer late, or to drop a request after doing it. For benchmarks it
adds a ``latency`` to every REST answer and, with ``limit_rate``, a global rate limit
(counted in ``rate_limited``). ``/attachments``
is its CDN for files given to slash commands. ``/gateway`` speaks the gateway protocol
(HELLO, IDENTIFY -> READY + GUILD_CREATE, heartbeat ACK, RESUME -> replay + RESUMED).
Tests dispatch events, press buttons, submit modals and upload files through it, and read
every request with the monotonic time it arrived. Imports nothing from the bot.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import math
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes.limits import TokenBucket

Json = dict[str, Any]

API_PREFIX = "/api/v10"
DISCORD_EPOCH_MS = 1420070400000
ADMINISTRATOR, MANAGE_GUILD, MESSAGE_CONTENT_INTENT = 1 << 3, 1 << 5, 1 << 15
#: View, send, embed, history, create public threads, send in threads, use app commands.
MEMBER_PERMISSIONS = (1 << 10) | (1 << 11) | (1 << 14) | (1 << 16) | (1 << 35) | (1 << 38) | (1 << 31)
NONCE_WINDOW = 300.0  # seconds within which an enforced nonce returns the first message
INTERACTION_TYPES = {"command": 2, "component": 3, "autocomplete": 4, "modal": 5}
#: Interaction callbacks and followups: authorized by the interaction's token, not the bot's,
#: and not bound to the global rate limit (as Discord documents).
INTERACTION_PREFIXES = ("/interactions/", "/webhooks/")
HISTORY_PAGE_DEFAULT, HISTORY_PAGE_MAX = 50, 100
#: What ``remove_channel`` makes Discord answer for a channel: (status, JSON code, message).
CHANNEL_TROUBLE = {
    "missing_access": (403, 50001, "Missing Access"),
    "missing_permissions": (403, 50013, "Missing Permissions"),
    "unknown_channel": (404, 10003, "Unknown Channel"),
    "archived": (400, 50083, "Thread is archived"),
}


@dataclass
class Recorded:
    """One REST request as it arrived."""

    at: float  # time.monotonic()
    method: str
    path: str  # without the /api/v10 prefix
    body: Any
    files: list[str] = field(default_factory=list)
    query: dict[str, str] = field(default_factory=dict)


@dataclass
class FakeUser:
    id: int
    name: str
    permissions: int = MEMBER_PERMISSIONS
    bot: bool = False
    roles: list[int] = field(default_factory=list)

    def user(self) -> Json:
        return {"id": str(self.id), "username": self.name, "global_name": self.name, "discriminator": "0",
                "avatar": None, "bot": self.bot, "public_flags": 0}

    def member(self) -> Json:
        return {"user": self.user(), "roles": [str(r) for r in self.roles], "nick": None, "avatar": None,
                "joined_at": _now(),
                "deaf": False, "mute": False, "flags": 0, "pending": False, "premium_since": None}


@dataclass
class FakeAttachment:
    """A file a person gave a slash command, held at the fake's CDN."""

    id: int
    filename: str
    size: int
    url: str
    content_type: str

    def payload(self) -> Json:
        return {"id": str(self.id), "filename": self.filename, "size": self.size, "url": self.url,
                "proxy_url": self.url, "content_type": self.content_type, "ephemeral": True}


@dataclass
class Fault:
    method: str
    path: re.Pattern[str]
    kind: str  # "rate_limit" | "lose_response" | "delay"
    seconds: float = 0.0


@dataclass
class Session:
    id: str
    shard: tuple[int, int] | None
    intents: int
    seq: int = 0
    frames: list[Json] = field(default_factory=list)
    ws: web.WebSocketResponse | None = None

    def covers(self, guild_id: int | None) -> bool:
        return guild_id is None or self.shard is None or (guild_id >> 22) % self.shard[1] == self.shard[0]


class FakeDiscord:
    def __init__(self, token: str = "fake-token", *, allow_message_content: bool = True) -> None:
        self.token = token
        self.allow_message_content = allow_message_content
        self._ids = itertools.count(1)
        self._last_id = 0
        self.application_id = self.snowflake()
        self.bot = FakeUser(self.application_id, "InterviewBot", bot=True)
        self.guilds: dict[int, Json] = {}
        self.members: dict[int, dict[int, FakeUser]] = {}
        self.channels: dict[int, Json] = {}  # text channels and threads
        self.messages: dict[int, Json] = {}
        self.commands: dict[str, list[Json]] = {}  # "global" or a guild id
        self.interactions: dict[int, Json] = {}
        self.callbacks: dict[int, list[Json]] = {}  # interaction id -> callbacks (with "at")
        self.followups: dict[int, list[Json]] = {}  # interaction id -> followup messages
        self.interaction_messages: dict[int, Json] = {}  # responses and followups, by message id
        self.cdn: dict[int, bytes] = {}  # attachment id -> file content
        self.dms: dict[int, int] = {}  # DM channel id -> the person it is with
        self.removed: dict[int, str] = {}  # channel id -> a CHANNEL_TROUBLE key
        self.closed_dms: set[int] = set()  # people who accept no DM from the bot (50007)
        self.downloads: list[str] = []  # CDN paths fetched
        self.requests: list[Recorded] = []
        self.identifies: list[Json] = []
        self.resumes: list[Json] = []
        self.sessions: dict[str, Session] = {}
        self._nonces: dict[tuple[int, str], tuple[Json, float]] = {}
        self._faults: list[Fault] = []
        self._bucket: TokenBucket | None = None
        self.latency = 0.0  # seconds every REST answer takes, as a network round trip would
        self.rate_limited = 0  # 429s served, by a fault or the global limit
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- server ----------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/attachments/{channel}/{id}/{filename}", self._cdn_file)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def close(self) -> None:
        for session in self.sessions.values():
            if session.ws is not None and not session.ws.closed:
                await session.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def snowflake(self) -> int:
        value = ((int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22) | (next(self._ids) % 4096)
        self._last_id = max(value, self._last_id + 1)
        return self._last_id

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), timeout)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # --- world set-up -------------------------------------------------------------------------

    def add_guild(self, name: str = "Study group", channels: int = 1) -> Json:
        guild_id = self.snowflake()
        # A "Moderators" role with Manage Server: what makes add_member(admin=True) an admin
        # in events and member lookups, as a role does on a real server.
        guild = {"id": str(guild_id), "name": name, "owner_id": "1", "channel_ids": [],
                 "admin_role": self.snowflake()}
        self.guilds[guild_id] = guild
        self.members[guild_id] = {self.bot.id: self.bot}
        for index in range(channels):
            self.add_channel(guild_id, f"interview-{index}")
        return guild

    def add_channel(self, guild_id: int, name: str) -> int:
        channel_id = self.snowflake()
        self.channels[channel_id] = {
            "id": str(channel_id), "guild_id": str(guild_id), "type": 0, "name": name, "position": 0,
            "permission_overwrites": [], "parent_id": None, "nsfw": False, "topic": None,
            "last_message_id": None, "rate_limit_per_user": 0,
        }
        self.guilds[guild_id]["channel_ids"].append(channel_id)
        return channel_id

    def add_member(self, guild_id: int, name: str, *, admin: bool = False) -> FakeUser:
        user = FakeUser(self.snowflake(), name, MEMBER_PERMISSIONS | (MANAGE_GUILD if admin else 0),
                        roles=[self.guilds[guild_id]["admin_role"]] if admin else [])
        self.members[guild_id][user.id] = user
        return user

    def remove_channel(self, channel_id: int, trouble: str = "missing_access") -> None:
        """From now on every request about ``channel_id`` (a channel or a thread) gets one of
        ``CHANNEL_TROUBLE``'s answers: the bot lost access or a permission there, the
        channel was deleted, or the thread was archived and locked."""
        assert trouble in CHANNEL_TROUBLE, trouble
        self.removed[channel_id] = trouble

    def dms_to(self, user_id: int) -> list[Json]:
        """The messages the bot sent to ``user_id`` in a direct message."""
        return [m for m in self.messages.values() if self.dms.get(int(m["channel_id"])) == user_id]

    def channel_ids(self, guild_id: int) -> list[int]:
        return list(self.guilds[guild_id]["channel_ids"])

    # --- faults -------------------------------------------------------------------------------

    def rate_limit_next(self, method: str, path: str, *, retry_after: float = 0.2) -> None:
        self._faults.append(Fault(method, re.compile(path), "rate_limit", seconds=retry_after))

    def delay_next(self, method: str, path: str, *, seconds: float) -> None:
        """Answer the next matching request only after ``seconds``."""
        self._faults.append(Fault(method, re.compile(path), "delay", seconds=seconds))

    def lose_response_next(self, method: str, path: str) -> None:
        """Do the next matching request, then close the connection without answering."""
        self._faults.append(Fault(method, re.compile(path), "lose_response"))

    def limit_rate(self, per_second: float, burst: float = 1.0) -> None:
        """From now on (with a full bucket) answer REST calls beyond ``per_second`` on average
        and ``burst`` back to back with Discord's global 429; interaction callbacks and
        followups are exempt, as on Discord."""
        self._bucket = TokenBucket.full(per_second, burst, time.monotonic())

    def _take_fault(self, method: str, path: str) -> Fault | None:
        for fault in self._faults:
            if fault.method == method and fault.path.fullmatch(path):
                self._faults.remove(fault)
                return fault
        return None

    # --- what tests read -----------------------------------------------------------------------

    def rest(self, method: str | None = None, path: str | None = None) -> list[Recorded]:
        pattern = re.compile(path) if path else None
        return [r for r in self.requests if (method is None or r.method == method)
                and (pattern is None or pattern.fullmatch(r.path))]

    def channel_messages(self, channel_id: int) -> list[Json]:
        return [m for m in self.messages.values() if int(m["channel_id"]) == channel_id]

    def threads(self) -> list[Json]:
        return [c for c in self.channels.values() if c["type"] == 11]

    # --- REST ----------------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        body, files = await _read_body(request)
        query = dict(request.query)
        self.requests.append(Recorded(time.monotonic(), request.method, path, body, files, query))
        await self._notify()
        if request.headers.get("Authorization") != f"Bot {self.token}" and not path.startswith(
                INTERACTION_PREFIXES):
            return _json({"message": "401: Unauthorized", "code": 0}, 401)
        # Counted on arrival, like a server's limiter; the answer, 429 or not, takes the latency.
        wait = 0.0
        if self._bucket is not None and not path.startswith(INTERACTION_PREFIXES):
            wait = self._bucket.take(time.monotonic())
        fault = None if wait else self._take_fault(request.method, path)  # kept for the retry
        if self.latency:
            await asyncio.sleep(self.latency)
        if fault is not None and fault.kind == "rate_limit":
            self.rate_limited += 1
            return _json({"message": "You are being rate limited.", "retry_after": fault.seconds,
                          "global": False}, 429, {"Via": "1.1 google", "X-RateLimit-Scope": "user"})
        if wait:
            self.rate_limited += 1
            # Discord's global 429; discord.py takes a 429 without ``Via`` for a Cloudflare ban.
            return _json({"message": "You are being rate limited.", "retry_after": max(round(wait, 3), 0.001),
                          "global": True}, 429,
                         {"Retry-After": str(math.ceil(wait)), "X-RateLimit-Global": "true",
                          "X-RateLimit-Scope": "global", "Via": "1.1 google"})
        if fault is not None and fault.kind == "delay":
            await asyncio.sleep(fault.seconds)
        status, payload = await self._route(request.method, path, body, query)
        if fault is not None and fault.kind == "lose_response":
            assert request.transport is not None
            request.transport.close()
        response = _json(payload, status) if status != 204 else web.Response(status=204)
        response.headers.update(_rate_limit_headers(request.method, path))
        return response

    async def _route(self, method: str, path: str, body: Any, query: dict[str, str]) -> tuple[int, Any]:
        parts = path.strip("/").split("/")
        if parts[0] == "channels" and len(parts) > 1 and parts[1].isdigit() and int(parts[1]) in self.removed:
            status, code, message = CHANNEL_TROUBLE[self.removed[int(parts[1])]]
            return status, {"message": message, "code": code}
        match (method, parts):
            case ("GET", ["users", "@me"]):
                return 200, self.bot.user() | {"verified": True, "mfa_enabled": False, "flags": 0}
            case ("GET", ["oauth2", "applications", "@me"]):
                return 200, self._application()
            case ("GET", ["gateway", "bot"]):
                return 200, {"url": self.gateway_url, "shards": 1, "session_start_limit": {
                    "total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}}
            case ("PUT", ["applications", _, "commands"]):
                return 200, self._sync("global", body)
            case ("PUT", ["applications", _, "guilds", guild_id, "commands"]):
                return 200, self._sync(guild_id, body)
            case ("GET", ["channels", channel_id]):
                found = self.channels.get(int(channel_id))
                return (200, found) if found else (404, {"message": "Unknown Channel", "code": 10003})
            case ("POST", ["channels", channel_id, "messages"]):
                if int(channel_id) not in self.channels and int(channel_id) not in self.dms:
                    return 404, {"message": "Unknown Channel", "code": 10003}
                if self.dms.get(int(channel_id)) in self.closed_dms:
                    return 403, {"message": "Cannot send messages to this user", "code": 50007}
                if (invalid := _invalid_form(body)) is not None:
                    return 400, invalid
                return 200, await self._create_message(int(channel_id), body, self.bot)
            case ("GET", ["channels", channel_id, "messages"]):
                return self._history(int(channel_id), query)
            case ("GET", ["guilds", guild_id]) if int(guild_id) in self.guilds:
                return 200, self._guild_payload(int(guild_id))
            case ("GET", ["guilds", guild_id, "members", user_id]):
                found_member = self.members.get(int(guild_id), {}).get(int(user_id))
                if found_member is None:
                    return 404, {"message": "Unknown Member", "code": 10007}
                return 200, found_member.member()
            case ("PATCH", ["channels", channel_id, "messages", message_id]):
                if (invalid := _invalid_form(body)) is not None:
                    return 400, invalid
                return self._edit_message(int(message_id), body)
            case ("POST", ["channels", channel_id, "messages", message_id, "threads"]):
                return await self._start_thread(int(channel_id), int(message_id), body)
            case ("POST", ["users", "@me", "channels"]):
                recipient = int(body["recipient_id"])
                dm_id = next((c for c, u in self.dms.items() if u == recipient), None) or self.snowflake()
                self.dms[dm_id] = recipient
                return 200, {"id": str(dm_id), "type": 1, "last_message_id": None,
                             "recipients": [FakeUser(recipient, "someone").user()]}
            case ("POST", ["interactions", interaction_id, _token, "callback"]):
                if (invalid := _invalid_form((body or {}).get("data"))) is not None:
                    return 400, invalid
                return self._callback(int(interaction_id), body)
            case ("POST", ["webhooks", _, token]):
                if (invalid := _invalid_form(body)) is not None:
                    return 400, invalid
                return 200, self._followup(token, body)
            case ("DELETE", ["webhooks", _, token, "messages", "@original"]):
                self._for_token(token)["original_deleted"] = True
                return 204, None
        return 404, {"message": "404: Not Found", "code": 0}

    def _application(self) -> Json:
        return {"id": str(self.application_id), "name": "Interview bot", "icon": None, "description": "",
                "bot_public": True, "bot_require_code_grant": False, "owner": FakeUser(1, "owner").user(),
                "verify_key": "0" * 64, "team": None, "flags": 0, "summary": "", "rpc_origins": [],
                "interactions_endpoint_url": None}

    def _sync(self, scope: str, body: list[Json]) -> list[Json]:
        synced = [{**command, "id": str(self.snowflake()), "application_id": str(self.application_id),
                   "version": "1"} for command in body]
        self.commands[scope] = synced
        return synced

    async def _create_message(self, channel_id: int, body: Json, author: FakeUser) -> Json:
        if body.get("enforce_nonce") and body.get("nonce"):
            earlier = self._nonces.get((channel_id, str(body["nonce"])))
            if earlier and time.monotonic() - earlier[1] < NONCE_WINDOW:
                return earlier[0]
        channel = self.channels.get(channel_id, {})
        message = {
            "id": str(self.snowflake()), "channel_id": str(channel_id), "guild_id": channel.get("guild_id"),
            "author": author.user(), "content": body.get("content") or "", "timestamp": _now(),
            "edited_timestamp": None, "tts": False, "mention_everyone": False, "mentions": [],
            "mention_roles": [], "attachments": [], "embeds": body.get("embeds") or [],
            "components": body.get("components") or [], "pinned": False, "type": 0,
            "flags": body.get("flags", 0), "nonce": body.get("nonce"),
            "allowed_mentions": body.get("allowed_mentions"),
        }
        self.messages[int(message["id"])] = message
        if body.get("nonce"):
            self._nonces[(channel_id, str(body["nonce"]))] = (message, time.monotonic())
        return message

    def _history(self, channel_id: int, query: dict[str, str]) -> tuple[int, Any]:
        """Discord's paging: up to ``limit`` messages next to ``before`` or ``after`` (the
        newest without either), always answered newest first."""
        if channel_id not in self.channels:
            return 404, {"message": "Unknown Channel", "code": 10003}
        limit = min(int(query.get("limit", HISTORY_PAGE_DEFAULT)), HISTORY_PAGE_MAX)
        ids = sorted(int(m["id"]) for m in self.channel_messages(channel_id))
        if "after" in query:
            page = [i for i in ids if i > int(query["after"])][:limit]
        else:
            older = [i for i in ids if "before" not in query or i < int(query["before"])]
            page = older[-limit:]
        return 200, [self.messages[i] for i in reversed(page)]

    def _edit_message(self, message_id: int, body: Json) -> tuple[int, Json]:
        message = self.messages.get(message_id)
        if message is None:
            return 404, {"message": "Unknown Message", "code": 10008}
        for key in ("content", "embeds", "components"):
            if key in body:
                message[key] = body[key] if body[key] is not None else ([] if key != "content" else "")
        message["edited_timestamp"] = _now()
        return 200, message

    async def start_thread(self, channel_id: int, message_id: int, name: str) -> Json:
        """A thread started from a message, as if the bot had done it before a crash."""
        status, thread = await self._start_thread(channel_id, message_id, {"name": name})
        assert status == 201, thread
        return thread

    async def _start_thread(self, channel_id: int, message_id: int, body: Json) -> tuple[int, Json]:
        if message_id in self.channels:
            return 400, {"message": "A thread has already been created for this message", "code": 160004}
        if message_id not in self.messages:
            return 404, {"message": "Unknown Message", "code": 10008}
        guild_id = self.channels[channel_id]["guild_id"]
        thread = {
            "id": str(message_id), "guild_id": guild_id, "parent_id": str(channel_id), "type": 11,
            "owner_id": str(self.bot.id), "name": body["name"], "last_message_id": None, "flags": 0,
            "message_count": 0, "member_count": 1, "rate_limit_per_user": 0, "total_message_sent": 0,
            "thread_metadata": {"archived": False, "locked": False, "archive_timestamp": _now(),
                                "auto_archive_duration": body.get("auto_archive_duration", 4320)},
        }
        self.channels[message_id] = thread
        await self.dispatch("THREAD_CREATE", {**thread, "newly_created": True}, guild_id=int(guild_id))
        return 201, thread

    def _callback(self, interaction_id: int, body: Json) -> tuple[int, Any]:
        interaction = self.interactions.get(interaction_id)
        if interaction is None:
            return 404, {"message": "Unknown interaction", "code": 10062}
        if interaction_id in self.callbacks:
            return 400, {"message": "Interaction has already been acknowledged.", "code": 40060}
        self.callbacks[interaction_id] = [{**body, "at": time.monotonic()}]
        data = body.get("data") or {}
        response: Json = {"interaction": {
            "id": str(interaction_id), "type": interaction["type"],
            "response_message_loading": body["type"] == 5,
            "response_message_ephemeral": bool(data.get("flags", 0) & 64)}}
        resource: Json = {"type": body["type"]}
        if body["type"] == 4:
            message = {**self._interaction_message(interaction, data), "interaction_id": str(interaction_id)}
            response["interaction"]["response_message_id"] = message["id"]
            resource["message"] = message
        response["resource"] = resource
        return 200, response

    def _for_token(self, token: str) -> Json:
        return next(i for i in self.interactions.values() if i["token"] == token)

    def _followup(self, token: str, body: Json) -> Json:
        interaction = self._for_token(token)
        message = self._interaction_message(interaction, body)
        self.followups.setdefault(int(interaction["id"]), []).append({**message, "at": time.monotonic()})
        return message

    def _interaction_message(self, interaction: Json, data: Json) -> Json:
        message = {"id": str(self.snowflake()), "channel_id": interaction["channel_id"], "type": 20,
                "author": self.bot.user(), "content": data.get("content") or "", "timestamp": _now(),
                "edited_timestamp": None, "tts": False, "mention_everyone": False, "mentions": [],
                "mention_roles": [], "attachments": [], "embeds": data.get("embeds") or [],
                "components": data.get("components") or [], "pinned": False, "flags": data.get("flags", 0),
                "webhook_id": str(self.application_id)}
        self.interaction_messages[int(message["id"])] = message
        return message

    # --- gateway -------------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}, "s": None, "t": None}))
        session: Session | None = None
        try:
            async for frame in ws:
                if frame.type != WSMsgType.TEXT:
                    continue
                payload = json.loads(frame.data)
                op, data = payload.get("op"), payload.get("d")
                if op == 1:
                    await ws.send_str(json.dumps({"op": 11, "d": None, "s": None, "t": None}))
                elif op == 2:
                    session = await self._identify(ws, data)
                elif op == 6:
                    session = await self._resume(ws, data)
                await self._notify()
        finally:
            if session is not None and session.ws is ws:
                session.ws = None
            await self._notify()
        return ws

    async def _identify(self, ws: web.WebSocketResponse, data: Json) -> Session | None:
        if data.get("token") != self.token:
            await ws.close(code=4004, message=b"Authentication failed.")
            return None
        intents = int(data.get("intents", 0))
        if intents & MESSAGE_CONTENT_INTENT and not self.allow_message_content:
            await ws.close(code=4014, message=b"Disallowed intent(s).")
            return None
        shard = tuple(data["shard"]) if data.get("shard") else None
        session = Session(uuid.uuid4().hex, shard, intents, ws=ws)  # type: ignore[arg-type]
        self.sessions[session.id] = session
        self.identifies.append({key: value for key, value in data.items() if key != "token"})
        guild_ids = [gid for gid in self.guilds if session.covers(gid)]
        await self._emit(session, "READY", {
            "v": 10, "user": self.bot.user(), "session_id": session.id, "resume_gateway_url": self.gateway_url,
            "guilds": [{"id": str(gid), "unavailable": True} for gid in guild_ids],
            "application": {"id": str(self.application_id), "flags": 0}, "private_channels": [],
            **({"shard": list(shard)} if shard else {}),
        })
        for guild_id in guild_ids:
            await self._emit(session, "GUILD_CREATE", self._guild_payload(guild_id))
        return session

    async def _resume(self, ws: web.WebSocketResponse, data: Json) -> Session | None:
        session = self.sessions.get(str(data.get("session_id")))
        if session is None or data.get("token") != self.token:
            await ws.send_str(json.dumps({"op": 9, "d": False, "s": None, "t": None}))
            return None
        session.ws = ws
        self.resumes.append({"session_id": session.id, "seq": data.get("seq")})
        for frame in session.frames:
            if frame["s"] > (data.get("seq") or 0):
                await ws.send_str(json.dumps(frame))
        await self._emit(session, "RESUMED", {})
        return session

    async def _emit(self, session: Session, event: str, data: Json) -> None:
        session.seq += 1
        frame = {"op": 0, "t": event, "s": session.seq, "d": data}
        session.frames.append(frame)
        if session.ws is not None and not session.ws.closed:
            await session.ws.send_str(json.dumps(frame))

    async def dispatch(self, event: str, data: Json, *, guild_id: int | None = None) -> None:
        """Send a gateway event to every session that covers ``guild_id``; a session whose
        connection is down gets it when it resumes."""
        for session in self.sessions.values():
            if session.covers(guild_id):
                await self._emit(session, event, data)

    async def drop_gateway(self, code: int = 4000) -> None:
        """Close every gateway connection as Discord does on a server-side hiccup."""
        for session in self.sessions.values():
            if session.ws is not None:
                ws, session.ws = session.ws, None
                await ws.close(code=code, message=b"dropped by the test")

    def _guild_payload(self, guild_id: int) -> Json:
        guild = self.guilds[guild_id]
        channels = [self.channels[cid] for cid in guild["channel_ids"]]
        everyone = {"id": str(guild_id), "name": "@everyone", "permissions": str(MEMBER_PERMISSIONS),
                    "position": 0, "color": 0, "hoist": False, "managed": False, "mentionable": False, "flags": 0}
        moderators = {**everyone, "id": str(guild["admin_role"]), "name": "Moderators", "position": 1,
                      "permissions": str(MEMBER_PERMISSIONS | MANAGE_GUILD)}
        return {
            "id": str(guild_id), "name": guild["name"], "icon": None, "owner_id": guild["owner_id"],
            "roles": [everyone, moderators], "channels": channels, "threads": [], "members": [self.bot.member()],
            "member_count": len(self.members[guild_id]), "large": False, "unavailable": False,
            "features": [], "emojis": [], "stickers": [], "voice_states": [], "presences": [],
            "stage_instances": [], "guild_scheduled_events": [], "soundboard_sounds": [],
            "joined_at": _now(), "verification_level": 0, "default_message_notifications": 0,
            "explicit_content_filter": 0, "mfa_level": 0, "premium_tier": 0, "system_channel_flags": 0,
            "preferred_locale": "en-US", "nsfw_level": 0, "afk_timeout": 300,
        }

    # --- people doing things -----------------------------------------------------------------

    async def add_message(self, channel_id: int, author: FakeUser, content: str = "", *,
                          embeds: list[Json] | None = None, components: list[Json] | None = None) -> Json:
        """A message that exists at Discord without the bot having heard of it: made while
        it was down, or whose gateway event was lost."""
        return await self._create_message(
            channel_id, {"content": content, "embeds": embeds, "components": components}, author)

    def attachment(self, filename: str, data: bytes, content_type: str = "application/x-yaml") -> FakeAttachment:
        """A file uploaded to the CDN, to give a slash command as an option value."""
        attachment_id = self.snowflake()
        self.cdn[attachment_id] = data
        url = f"http://127.0.0.1:{self.port}/attachments/0/{attachment_id}/{filename}"
        return FakeAttachment(attachment_id, filename, len(data), url, content_type)

    async def _cdn_file(self, request: web.Request) -> web.Response:
        self.downloads.append(request.path)
        data = self.cdn.get(int(request.match_info["id"]))
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data, content_type="application/octet-stream")

    async def user_message(self, channel_id: int, user: FakeUser, content: str) -> Json:
        message = await self._create_message(channel_id, {"content": content}, user)
        guild_id = int(message["guild_id"])
        await self.dispatch("MESSAGE_CREATE", {**message, "member": _partial_member(user)}, guild_id=guild_id)
        return message

    async def edit_user_message(self, message_id: int, content: str) -> Json:
        message = self.messages[message_id]
        message.update(content=content, edited_timestamp=_now())
        author = self.members[int(message["guild_id"])][int(message["author"]["id"])]
        await self.dispatch("MESSAGE_UPDATE", {**message, "member": _partial_member(author)},
                            guild_id=int(message["guild_id"]))
        return message

    async def delete_user_message(self, message_id: int) -> None:
        message = self.messages.pop(message_id)
        await self.dispatch("MESSAGE_DELETE", {"id": message["id"], "channel_id": message["channel_id"],
                                               "guild_id": message["guild_id"]}, guild_id=int(message["guild_id"]))

    async def slash_command(self, channel_id: int, user: FakeUser, path: str, *, focused: str | None = None,
                            **options: Any) -> int:
        """``/interview <path> option=value...``; returns the interaction id. With
        ``focused``, an autocomplete request for that option instead. A ``FakeAttachment``
        value is an attachment option, resolved in the payload as Discord does."""
        leaf = [{"type": _option_type(value), "name": name,
                 "value": str(value.id) if isinstance(value, FakeAttachment) else value,
                 **({"focused": True} if name == focused else {})} for name, value in options.items()]
        files = {str(v.id): v.payload() for v in options.values() if isinstance(v, FakeAttachment)}
        *groups, command = path.split()
        tree: list[Json] = [{"type": 1, "name": command, "options": leaf}]
        for group in reversed(groups):
            tree = [{"type": 2, "name": group, "options": tree}]
        guild_id = int(self.channels[channel_id]["guild_id"])
        synced = self.commands.get(str(guild_id)) or self.commands.get("global") or []
        command_id = next((c["id"] for c in synced if c["name"] == "interview"), "0")
        data = {"id": command_id, "name": "interview", "type": 1, "options": tree,
                **({"resolved": {"attachments": files}} if files else {})}
        return await self._interact("autocomplete" if focused else "command", channel_id, user, data)

    async def press_button(self, message_id: int, custom_id: str, user: FakeUser) -> int:
        message = self.messages.get(message_id) or self.interaction_messages[message_id]
        data = {"custom_id": custom_id, "component_type": 2}
        return await self._interact("component", int(message["channel_id"]), user, data, message=message)

    async def submit_modal(self, channel_id: int, user: FakeUser, custom_id: str, **values: str) -> int:
        rows = [{"type": 1, "components": [{"type": 4, "custom_id": key, "value": value}]}
                for key, value in values.items()]
        return await self._interact("modal", channel_id, user, {"custom_id": custom_id, "components": rows})

    async def _interact(self, kind: str, channel_id: int, user: FakeUser, data: Json,
                        message: Json | None = None) -> int:
        channel = self.channels[channel_id]
        guild_id = int(channel["guild_id"])
        interaction_id = self.snowflake()
        payload = {
            "id": str(interaction_id), "application_id": str(self.application_id),
            "type": INTERACTION_TYPES[kind], "data": data, "guild_id": str(guild_id),
            "channel_id": str(channel_id), "channel": channel, "token": uuid.uuid4().hex, "version": 1,
            "member": {**user.member(), "permissions": str(user.permissions)},
            "app_permissions": str(MEMBER_PERMISSIONS), "locale": "en-US", "guild_locale": "en-US",
            "entitlements": [], "authorizing_integration_owners": {"0": str(guild_id)}, "context": 0,
            "attachment_size_limit": 10 * 1024 * 1024,
            **({"message": message} if message is not None else {}),
        }
        self.interactions[interaction_id] = {**payload, "dispatched_at": time.monotonic()}
        await self.dispatch("INTERACTION_CREATE", payload, guild_id=guild_id)
        return interaction_id


#: Discord's limits on a message, and the 400 it answers when one is broken.
CONTENT_MAX, EMBEDS_MAX, EMBED_TOTAL_MAX = 2000, 10, 6000
EMBED_LIMITS = {"title": 256, "description": 4096}
FIELDS_MAX, FIELD_NAME_MAX, FIELD_VALUE_MAX = 25, 256, 1024


def _invalid_form(body: Any) -> Json | None:
    """Discord's "Invalid Form Body" (50035) for a message over its limits, else None."""
    if not isinstance(body, dict):
        return None
    errors: Json = {}
    if len(body.get("content") or "") > CONTENT_MAX:
        errors["content"] = f"Must be {CONTENT_MAX} or fewer in length."
    embeds = body.get("embeds") or []
    if len(embeds) > EMBEDS_MAX:
        errors["embeds"] = f"Must be {EMBEDS_MAX} or fewer in length."
    total = 0
    for index, embed in enumerate(embeds):
        for key, limit in EMBED_LIMITS.items():
            size = len(embed.get(key) or "")
            total += size
            if size > limit:
                errors[f"embeds.{index}.{key}"] = f"Must be {limit} or fewer in length."
        fields = embed.get("fields") or []
        if len(fields) > FIELDS_MAX:
            errors[f"embeds.{index}.fields"] = f"Must be {FIELDS_MAX} or fewer in length."
        for number, item in enumerate(fields):
            name, value = item.get("name") or "", item.get("value") or ""
            total += len(name) + len(value)
            if len(name) > FIELD_NAME_MAX or len(value) > FIELD_VALUE_MAX or not name or not value:
                errors[f"embeds.{index}.fields.{number}"] = "Invalid field."
        total += len((embed.get("footer") or {}).get("text") or "") + len((embed.get("author") or {}).get("name") or "")
    if total > EMBED_TOTAL_MAX:
        errors["embeds"] = f"Embed size exceeds maximum size of {EMBED_TOTAL_MAX}"
    if not errors:
        return None
    return {"message": "Invalid Form Body", "code": 50035,
            "errors": {key: {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": text}]}
                       for key, text in errors.items()}}


def _option_type(value: Any) -> int:
    if isinstance(value, FakeAttachment):
        return 11
    return {bool: 5, int: 4}.get(type(value), 3)


def _partial_member(user: FakeUser) -> Json:
    member = user.member()
    member.pop("user")
    return member


async def _read_body(request: web.Request) -> tuple[Any, list[str]]:
    if request.content_type.startswith("multipart/"):
        body: Any = None
        files: list[str] = []
        reader = await request.multipart()
        async for part in reader:
            if part.name == "payload_json":  # type: ignore[union-attr]
                body = json.loads(await part.text())  # type: ignore[union-attr]
            else:
                await part.read()  # type: ignore[union-attr]
                files.append(part.filename or "")  # type: ignore[union-attr]
        return body, files
    raw = await request.read()
    return (json.loads(raw) if raw else None), []


def _json(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # Exactly "application/json": discord.py parses no other content type (no charset).
    return web.Response(body=json.dumps(payload).encode(), status=status,
                        headers={"Content-Type": "application/json", **(headers or {})})


def _rate_limit_headers(method: str, path: str) -> dict[str, str]:
    template = re.sub(r"\d{5,}", "{id}", path)
    return {
        "X-RateLimit-Limit": "50", "X-RateLimit-Remaining": "49", "X-RateLimit-Reset-After": "1.000",
        "X-RateLimit-Reset": f"{time.time() + 1:.3f}",
        "X-RateLimit-Bucket": hashlib.sha1(f"{method} {template}".encode()).hexdigest()[:16],
    }


def _now() -> str:
    return datetime.now(UTC).isoformat()
