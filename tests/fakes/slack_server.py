"""A local fake of the Slack Web API and of Socket Mode, for the real slack_sdk clients.

``FakeSlack`` is an aiohttp server on 127.0.0.1 (port 0). It records every Web API call,
answers in Slack's shapes (``ok``, ``ts``, ``channel``, ``error``), can be told to answer
429 with ``Retry-After`` or 5xx, or to hold a method until released. ``apps.connections.open``
hands out a ``ws://`` URL on the same server, where tests push Socket Mode envelopes and
get the client's acknowledgement back. Imports nothing from the bot.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import uuid
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Self

from aiohttp import WSMsgType, web

Json = dict[str, Any]

ACK_DEADLINE = 3.0  # Slack's: an envelope not acknowledged in 3 s counts as failed


@dataclass
class ApiCall:
    method: str
    args: Json  # query, form and JSON body merged; JSON-encoded form values decoded
    token: str | None
    at: float  # loop time when the call arrived

    def __getitem__(self, key: str) -> Any:
        return self.args[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.args.get(key, default)


@dataclass
class _Failure:
    status: int
    retry_after: int | None
    error: str | None


class AckTimeout(AssertionError):
    pass


@dataclass
class FakeSlack:
    bot_token: str = "xoxb-fake-bot-token"
    app_token: str = "xapp-fake-app-token"
    team_id: str = "T0TEAM"
    bot_user_id: str = "U0BOT"
    bot_id: str = "B0BOT"
    calls: list[ApiCall] = field(default_factory=list)
    messages: dict[str, list[Json]] = field(default_factory=lambda: defaultdict(list))
    channels: set[str] = field(default_factory=set)
    users: dict[str, Json] = field(default_factory=dict)
    acks: list[Json] = field(default_factory=list)
    files: dict[str, list[Json]] = field(default_factory=lambda: defaultdict(list))  # channel -> shared files

    def __post_init__(self) -> None:
        self._failures: dict[str, deque[_Failure]] = defaultdict(deque)
        self._holds: dict[str, asyncio.Event] = {}
        self._ts = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._sockets: list[web.WebSocketResponse] = []
        self._acked: dict[str, asyncio.Future[Json]] = {}
        self._connected = asyncio.Event()
        self._changed = asyncio.Condition()
        self._methods: dict[str, Callable[[Json], Awaitable[Json] | Json]] = {
            "auth.test": self._auth_test,
            "apps.connections.open": self._connections_open,
            "chat.postMessage": self._post_message,
            "chat.postEphemeral": self._post_ephemeral,
            "chat.update": self._update,
            "views.open": self._views_open,
            "users.info": self._users_info,
            "conversations.replies": self._replies,
            "conversations.open": self._open_dm,
            "files.getUploadURLExternal": self._upload_url,
            "files.completeUploadExternal": self._complete_upload,
        }
        self._pending_files: dict[str, Json] = {}

    # --- lifecycle ------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{key}", self._response_url)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = self._runner.addresses[0][1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        for gate in self._holds.values():
            gate.set()  # never leave a held call hanging over the shutdown
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    @property
    def base_url(self) -> str:
        """What to give ``AsyncWebClient(base_url=...)``."""
        return f"{self.url}/api/"

    def response_url(self, key: str = "cmd") -> str:
        return f"{self.url}/response/{key}"

    # --- set-up and control ------------------------------------------------------------------

    def add_channel(self, channel_id: str) -> None:
        self.channels.add(channel_id)

    def add_user(self, user_id: str, name: str, *, admin: bool = False, owner: bool = False) -> None:
        self.users[user_id] = {
            "id": user_id, "team_id": self.team_id, "name": name.lower(), "real_name": name,
            "is_admin": admin, "is_owner": owner, "is_primary_owner": False, "is_bot": False,
            "profile": {"display_name": name, "real_name": name},
        }

    def fail_next(self, method: str, *, status: int = 429, retry_after: int | None = 1, times: int = 1,
                  error: str | None = None) -> None:
        """The next ``times`` calls to ``method`` fail: 429 (with Retry-After), a 5xx, or with
        ``error`` an HTTP 200 ``{"ok": false, "error": error}``."""
        for _ in range(times):
            self._failures[method].append(_Failure(status, retry_after, error))

    def hold(self, method: str) -> asyncio.Event:
        """Calls to ``method`` wait until the returned event is set."""
        gate = asyncio.Event()
        self._holds[method] = gate
        return gate

    def calls_to(self, method: str) -> list[ApiCall]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[ApiCall]:
        """Wait until ``method`` was called at least ``count`` times."""
        async def enough() -> list[ApiCall]:
            async with self._changed:
                await self._changed.wait_for(lambda: len(self.calls_to(method)) >= count)
            return self.calls_to(method)

        try:
            return await asyncio.wait_for(enough(), timeout)
        except TimeoutError:
            raise AssertionError(
                f"{method} called {len(self.calls_to(method))} times in {timeout}s, expected {count}: "
                f"{[c.method for c in self.calls]}"
            ) from None

    def posted(self, channel: str) -> list[Json]:
        """Messages that exist in ``channel`` (posted and not failed), oldest first."""
        return list(self.messages[channel])

    # --- Socket Mode ---------------------------------------------------------------------------

    async def wait_connected(self, timeout: float = 5.0) -> None:
        await asyncio.wait_for(self._connected.wait(), timeout)

    async def send(self, type_: str, payload: Json, *, retry_attempt: int | None = None,
                   retry_reason: str | None = None, deadline: float = ACK_DEADLINE) -> Json:
        """Push an envelope to the connected client; returns its ack, or raises AckTimeout
        if none comes within Slack's 3 seconds."""
        await self.wait_connected()
        envelope_id = str(uuid.uuid4())
        envelope: Json = {
            "envelope_id": envelope_id,
            "type": type_,
            "payload": payload,
            "accepts_response_payload": type_ != "events_api",
        }
        if retry_attempt is not None:
            envelope["retry_attempt"] = retry_attempt
            envelope["retry_reason"] = retry_reason or "timeout"
        acked = asyncio.get_running_loop().create_future()
        self._acked[envelope_id] = acked
        await self._sockets[-1].send_str(json.dumps(envelope))
        try:
            return await asyncio.wait_for(acked, deadline)
        except TimeoutError:
            raise AckTimeout(f"{type_} envelope {envelope_id} not acknowledged within {deadline}s") from None
        finally:
            self._acked.pop(envelope_id, None)

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        if request.query.get("ticket") is None:
            await ws.close()
            return ws
        self._sockets.append(ws)
        await ws.send_str(json.dumps({"type": "hello", "num_connections": 1,
                                      "connection_info": {"app_id": "A0APP"},
                                      "debug_info": {"host": "fake-slack"}}))
        self._connected.set()
        try:
            async for message in ws:
                if message.type != WSMsgType.TEXT:
                    continue
                ack = json.loads(message.data)
                self.acks.append(ack)
                future = self._acked.get(ack.get("envelope_id", ""))
                if future is not None and not future.done():
                    future.set_result(ack)
        finally:
            self._sockets.remove(ws)
            if not self._sockets:
                self._connected.clear()
        return ws

    # --- the Web API ------------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        args = await _arguments(request)
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else args.pop("token", None)
        call = ApiCall(method, args, token, asyncio.get_running_loop().time())
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()
        gate = self._holds.get(method)
        if gate is not None:
            await gate.wait()
        if self._failures[method]:
            failure = self._failures[method].popleft()
            if failure.error is not None:
                return web.json_response({"ok": False, "error": failure.error})
            if failure.status == 429:
                headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
                return web.json_response({"ok": False, "error": "ratelimited"}, status=429, headers=headers)
            return web.Response(status=failure.status, text="upstream trouble", content_type="text/plain")
        expected = self.app_token if method == "apps.connections.open" else self.bot_token
        if token is None:
            return web.json_response({"ok": False, "error": "not_authed"})
        if token != expected:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        handler = self._methods.get(method)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        answer = handler(args)
        if asyncio.iscoroutine(answer):
            answer = await answer
        return web.json_response(answer)

    async def _response_url(self, request: web.Request) -> web.Response:
        body = await request.json()
        call = ApiCall(f"response_url:{request.match_info['key']}", body, None, asyncio.get_running_loop().time())
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()
        return web.Response(text="ok", content_type="text/plain")

    def _next_ts(self) -> str:
        n = next(self._ts)
        return f"{1_700_000_000 + n}.{n:06d}"

    def _auth_test(self, args: Json) -> Json:
        return {"ok": True, "url": "https://fake.slack.test/", "team": "Fake Team", "user": "interview-bot",
                "team_id": self.team_id, "user_id": self.bot_user_id, "bot_id": self.bot_id,
                "is_enterprise_install": False}

    def _connections_open(self, args: Json) -> Json:
        return {"ok": True, "url": f"ws://127.0.0.1:{self._port}/socket?ticket={uuid.uuid4()}"}

    def _post_message(self, args: Json) -> Json:
        channel = args.get("channel")
        if channel not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("text") and not args.get("blocks"):
            return {"ok": False, "error": "no_text"}
        problem = _check_blocks(args.get("blocks"))
        if problem:
            return {"ok": False, "error": "invalid_blocks", "errors": [problem]}
        ts = self._next_ts()
        message = {"type": "message", "user": self.bot_user_id, "bot_id": self.bot_id, "ts": ts,
                   "text": args.get("text", ""), "blocks": args.get("blocks", [])}
        if args.get("thread_ts"):
            message["thread_ts"] = args["thread_ts"]
        self.messages[channel].append(message)
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _post_ephemeral(self, args: Json) -> Json:
        if args.get("channel") not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        if args.get("user") not in self.users:
            return {"ok": False, "error": "user_not_in_channel"}
        problem = _check_blocks(args.get("blocks"))
        if problem:
            return {"ok": False, "error": "invalid_blocks", "errors": [problem]}
        return {"ok": True, "message_ts": self._next_ts()}

    def _update(self, args: Json) -> Json:
        channel, ts = str(args.get("channel")), args.get("ts")
        for message in self.messages.get(channel, []):
            if message["ts"] == ts:
                message.update(text=args.get("text", ""), blocks=args.get("blocks", []))
                return {"ok": True, "channel": channel, "ts": ts, "text": message["text"]}
        return {"ok": False, "error": "message_not_found"}

    def _views_open(self, args: Json) -> Json:
        view = args.get("view")
        if isinstance(view, str):
            view = json.loads(view)
        if not args.get("trigger_id") or not isinstance(view, dict):
            return {"ok": False, "error": "invalid_arguments"}
        title = view.get("title", {}).get("text", "")
        if view.get("type") != "modal" or not title or len(title) > 24:
            return {"ok": False, "error": "invalid_arguments"}
        return {"ok": True, "view": {**view, "id": f"V{next(self._ts):08d}", "team_id": self.team_id}}

    def _users_info(self, args: Json) -> Json:
        user = self.users.get(args.get("user", ""))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": user}

    def _open_dm(self, args: Json) -> Json:
        user = args.get("users", "")
        if user not in self.users:
            return {"ok": False, "error": "user_not_found"}
        channel = f"D{user}"
        self.channels.add(channel)
        return {"ok": True, "channel": {"id": channel}}

    def _upload_url(self, args: Json) -> Json:
        if not args.get("filename") or not str(args.get("length", "")).isdigit():
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{next(self._ts):08d}"
        self._pending_files[file_id] = {"id": file_id, "name": args["filename"], "length": int(args["length"])}
        return {"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    async def _upload(self, request: web.Request) -> web.Response:
        pending = self._pending_files.get(request.match_info["file_id"])
        data = await request.read()
        if pending is None or len(data) != pending["length"]:
            return web.Response(status=400, text="bad upload", content_type="text/plain")
        pending["data"] = data
        return web.Response(text=f"OK - {len(data)}", content_type="text/plain")

    def _complete_upload(self, args: Json) -> Json:
        channel = args.get("channel_id")
        if channel not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        shared = []
        for item in args.get("files", []):
            pending = self._pending_files.pop(item.get("id"), None)
            if pending is None or "data" not in pending:
                return {"ok": False, "error": "file_not_found"}
            shared.append({**pending, "title": item.get("title"), "thread_ts": args.get("thread_ts")})
        self.files[channel].extend(shared)
        return {"ok": True, "files": [{"id": f["id"], "title": f["title"]} for f in shared]}

    def _replies(self, args: Json) -> Json:
        channel, ts = args.get("channel"), args.get("ts")
        if channel not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        thread = [m for m in self.messages[channel] if m["ts"] == ts or m.get("thread_ts") == ts]
        if not thread:
            return {"ok": False, "error": "thread_not_found"}
        return {"ok": True, "messages": thread, "has_more": False}


async def _arguments(request: web.Request) -> Json:
    args: Json = dict(request.query)
    for key in ("files",):
        if isinstance(args.get(key), str):
            args[key] = json.loads(args[key])
    if request.can_read_body:
        if request.content_type == "application/json":
            args.update(await request.json())
        else:
            for key, value in (await request.post()).items():
                args[key] = value
                if key in ("blocks", "view", "attachments", "files") and isinstance(value, str):
                    args[key] = json.loads(value)
    return args


def _check_blocks(blocks: object) -> str | None:
    """The few Block Kit rules a wrong renderer would break."""
    if blocks is None:
        return None
    if not isinstance(blocks, list) or len(blocks) > 50:
        return "blocks must be a list of at most 50"
    for index, block in enumerate(blocks):
        kind = block.get("type")
        if kind == "header" and len(block["text"]["text"]) > 150:
            return f"blocks[{index}]: header text over 150 characters"
        if kind == "section":
            if "text" not in block and "fields" not in block:
                return f"blocks[{index}]: section without text or fields"
            if "text" in block and not 0 < len(block["text"]["text"]) <= 3000:
                return f"blocks[{index}]: section text must be 1-3000 characters"
            if len(block.get("fields", [])) > 10:
                return f"blocks[{index}]: more than 10 fields"
        if kind == "actions":
            ids = [element.get("action_id") for element in block.get("elements", [])]
            if len(ids) != len(set(ids)):
                return f"blocks[{index}]: duplicate action_id"
            for element in block.get("elements", []):
                if len(element["text"]["text"]) > 75 or element.get("style") not in (None, "primary", "danger"):
                    return f"blocks[{index}]: bad button"
    return None
