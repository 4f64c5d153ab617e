"""A local fake of the Slack Web API and of Socket Mode, for the real slack_sdk clients.

``FakeSlack`` is an aiohttp server on 127.0.0.1 (port 0). It records every Web API call,
answers in Slack's shapes (``ok``, ``ts``, ``channel``, ``error``), keeps messages with their
metadata and threads (``conversations.history``/``replies``, paginated), and can be made
slow (``latency``), rate limited (``limit_rate``), faulty (``fail_next``, ``fail_randomly``:
429, 5xx, timeouts) or to hold a method until released. ``apps.connections.open`` hands out a
``ws://`` URL on the same server, where tests push Socket Mode envelopes and get the client's
acknowledgement back. ``host_file`` serves a file people shared at its ``url_private_download``,
to the bot token only (anyone else is redirected to a login page, like Slack does), and
``downloads`` records every fetch. Imports nothing from the bot.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Self

from aiohttp import WSMsgType, web

from tests.fakes.limits import TokenBucket

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
    status: int  # 0: a timeout (no answer within ``stall`` seconds)
    retry_after: int | None
    error: str | None
    processed: bool = False  # a timeout after the request took effect (only the answer is lost)


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
    clock: Callable[[], float] = time.time  # message ts are Unix times, like Slack's
    latency: float = 0.0  # seconds every Web API answer takes
    stall: float = 2.0  # how long a "timeout" keeps the client waiting
    rate_limited: int = 0  # 429s sent because of ``limit_rate``
    in_flight: int = 0
    max_in_flight: int = 0
    held: int = 0  # answers waiting at a ``hold_after`` gate
    faults: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # injected by fail_randomly
    metadata_posts: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # event type -> posts
    max_page: int = 1000  # Slack serves at most 15 to apps distributed outside the Marketplace
    hosted: dict[str, bytes] = field(default_factory=dict)  # file id -> content at url_private_download
    downloads: list[tuple[str, bool]] = field(default_factory=list)  # (file id, authorized) per fetch
    # channel -> the error every call naming it gets: the bot was removed (not_in_channel),
    # the channel archived (is_archived) or deleted (channel_not_found)
    removed: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._failures: dict[str, deque[_Failure]] = defaultdict(deque)
        self._holds: dict[str, asyncio.Event] = {}
        self._holds_after: dict[str, asyncio.Event] = {}
        self._bucket: TokenBucket | None = None
        self._random: tuple[float, tuple[str, ...], random.Random, frozenset[str] | None] | None = None
        self._closing = asyncio.Event()
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
            "conversations.history": self._history,
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
        app.router.add_get("/files-pri/{file_id}/{name}", self._download)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = self._runner.addresses[0][1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._closing.set()  # stalled answers end now
        for gate in (*self._holds.values(), *self._holds_after.values()):
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

    def remove_channel(self, channel_id: str, error: str = "not_in_channel") -> None:
        """From now on every call naming ``channel_id`` fails with ``error``, as Slack answers
        once the bot was removed from a channel (or it was archived or deleted)."""
        self.removed[channel_id] = error

    def restore_channel(self, channel_id: str) -> None:
        """The bot is back in ``channel_id`` (invited again, the channel unarchived)."""
        self.removed.pop(channel_id, None)

    def add_user(self, user_id: str, name: str, *, admin: bool = False, owner: bool = False) -> None:
        self.users[user_id] = {
            "id": user_id, "team_id": self.team_id, "name": name.lower(), "real_name": name,
            "is_admin": admin, "is_owner": owner, "is_primary_owner": False, "is_bot": False,
            "profile": {"display_name": name, "real_name": name},
        }

    def host_file(self, name: str, content: bytes | str, *, user: str, size: int | None = None) -> Json:
        """A file ``user`` shared, served at its ``url_private_download``; returns the file
        object as a ``file_share`` message event lists it (``size`` may be made to lie)."""
        data = content.encode() if isinstance(content, str) else content
        file_id = f"F{next(self._ts):08d}"
        self.hosted[file_id] = data
        filetype = name.rpartition(".")[2] if "." in name else "binary"
        return {
            "id": file_id, "created": int(self.clock()), "timestamp": int(self.clock()), "name": name,
            "title": name, "mimetype": "text/plain", "filetype": filetype, "user": user,
            "size": len(data) if size is None else size, "mode": "hosted", "is_external": False,
            "url_private": f"{self.url}/files-pri/{file_id}/{name}",
            "url_private_download": f"{self.url}/files-pri/{file_id}/{name}?download=1",
        }

    def fail_next(self, method: str, *, status: int = 429, retry_after: int | None = 1, times: int = 1,
                  error: str | None = None) -> None:
        """The next ``times`` calls to ``method`` fail: 429 (with Retry-After), a 5xx, or with
        ``error`` an HTTP 200 ``{"ok": false, "error": error}``."""
        for _ in range(times):
            self._failures[method].append(_Failure(status, retry_after, error))

    def time_out_next(self, method: str, *, processed: bool, times: int = 1) -> None:
        """The next ``times`` calls to ``method`` get no answer for ``stall`` seconds; with
        ``processed`` they took effect all the same (only the answer is lost)."""
        for _ in range(times):
            self._failures[method].append(_Failure(0, None, None, processed=processed))

    def hold(self, method: str) -> asyncio.Event:
        """Calls to ``method`` wait until the returned event is set."""
        gate = asyncio.Event()
        self._holds[method] = gate
        return gate

    def hold_after(self, method: str) -> asyncio.Event:
        """Calls to ``method`` take effect, then their answer waits until the returned event
        is set (a client killed meanwhile never learns that its post went out)."""
        gate = asyncio.Event()
        self._holds_after[method] = gate
        return gate

    def limit_rate(self, per_second: float, burst: float = 1.0) -> None:
        """Answer 429 (Retry-After: 1) to Web API calls beyond ``per_second`` on average and
        ``burst`` at once, like Slack's per-method limits; ``rate_limited`` counts them."""
        self._bucket = TokenBucket.full(per_second, burst, asyncio.get_running_loop().time())

    def fail_randomly(self, fraction: float, *, kinds: tuple[str, ...] = ("429", "500", "timeout"),
                      seed: int = 6, methods: frozenset[str] | None = None) -> None:
        """Fail ``fraction`` of the calls (to ``methods``, default all) with one of ``kinds``:
        429 with Retry-After 1, 500, or a timeout: no answer for ``stall`` seconds, the call
        having taken effect or not (half each). Seeded, so a run can be repeated."""
        self._random = (fraction, kinds, random.Random(seed), methods)

    def stop_failing(self) -> None:
        self._random = None
        self._failures.clear()

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

    def with_metadata(self, channel: str, event_type: str) -> list[Json]:
        """The messages in ``channel`` whose metadata has ``event_type``."""
        return [m for m in self.messages[channel] if (m.get("metadata") or {}).get("event_type") == event_type]

    async def wait_until(self, condition: Callable[[], bool], timeout: float = 5.0, what: str = "condition") -> None:
        """Wait (at most ``timeout``) until ``condition()`` holds; checked after every call."""
        async def holds() -> None:
            async with self._changed:
                await self._changed.wait_for(condition)

        try:
            await asyncio.wait_for(holds(), timeout)
        except TimeoutError:
            raise AssertionError(f"{what} did not hold within {timeout}s") from None

    # --- people acting while the bot is not listening (no events are sent) ----------------

    def add_reply(self, channel: str, thread_ts: str, user: str, text: str, **extra: Any) -> str:
        """A reply in a thread (``extra``: e.g. ``bot_id`` for another app's); returns its ts."""
        ts = self._next_ts()
        self.messages[channel].append({"type": "message", "user": user, "text": text, "ts": ts,
                                       "thread_ts": thread_ts, "team": self.team_id, **extra})
        return ts

    def edit_message(self, channel: str, ts: str, text: str) -> None:
        message = next(m for m in self.messages[channel] if m["ts"] == ts)
        message["text"] = text
        message["edited"] = {"user": message.get("user"), "ts": self._next_ts()}

    def delete_message(self, channel: str, ts: str) -> None:
        self.messages[channel] = [m for m in self.messages[channel] if m["ts"] != ts]

    async def request_reconnect(self) -> None:
        """Tell every connected client to reconnect, as Slack does before it rotates a
        Socket Mode connection."""
        for ws in list(self._sockets):
            await ws.send_str(json.dumps({"type": "disconnect", "reason": "refresh_requested",
                                          "debug_info": {"host": "fake-slack"}}))

    # --- Socket Mode ---------------------------------------------------------------------------

    async def wait_connected(self, timeout: float = 5.0) -> None:
        await asyncio.wait_for(self._connected.wait(), timeout)

    @property
    def connections(self) -> int:
        """Socket Mode connections open now (one per running instance)."""
        return len(self._sockets)

    async def send(self, type_: str, payload: Json, *, retry_attempt: int | None = None,
                   retry_reason: str | None = None, deadline: float = ACK_DEADLINE, connection: int = -1) -> Json:
        """Push an envelope to a connected client (the newest, unless ``connection`` picks
        another by the order they connected: Slack picks one at random); returns its ack,
        or raises AckTimeout if none comes within Slack's 3 seconds."""
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
        await self._sockets[connection].send_str(json.dumps(envelope))
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
        async with self._changed:  # ``wait_until`` may be waiting for a connection
            self._changed.notify_all()
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
            async with self._changed:
                self._changed.notify_all()
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
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return await self._answer(method, args, token)
        finally:
            self.in_flight -= 1
            async with self._changed:
                self._changed.notify_all()

    async def _answer(self, method: str, args: Json, token: str | None) -> web.StreamResponse:
        failure = self._failure_for(method)  # decided on arrival, like a server's limiter
        if self.latency:
            await asyncio.sleep(self.latency)
        gate = self._holds.get(method)
        if gate is not None:
            await gate.wait()
        if failure is not None and not failure.processed:
            if failure.status == 0:
                await self._stall()
                return web.Response(status=504, text="gateway timeout", content_type="text/plain")
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
        channel = args.get("channel") or args.get("channel_id")
        if isinstance(channel, str) and channel in self.removed:
            return web.json_response({"ok": False, "error": self.removed[channel]})
        answer = handler(args)
        if asyncio.iscoroutine(answer):
            answer = await answer
        async with self._changed:
            self._changed.notify_all()  # state changed: wake wait_until
        gate = self._holds_after.get(method)
        if gate is not None:
            self.held += 1
            async with self._changed:
                self._changed.notify_all()
            await gate.wait()
        if failure is not None:  # processed, and now the answer is lost
            await self._stall()
        return web.json_response(answer)

    def _failure_for(self, method: str) -> _Failure | None:
        if self._failures[method]:
            return self._failures[method].popleft()
        if self._bucket is not None and self._bucket.take(asyncio.get_running_loop().time()):
            self.rate_limited += 1
            return _Failure(429, 1, None)
        if self._random is not None:
            fraction, kinds, rng, methods = self._random
            if (methods is None or method in methods) and rng.random() < fraction:
                kind = rng.choice(kinds)
                if kind == "timeout":
                    processed = rng.random() < 0.5
                    self.faults["timeout, answer lost" if processed else "timeout, request lost"] += 1
                    return _Failure(0, None, None, processed=processed)
                self.faults[kind] += 1
                return _Failure(int(kind), 1 if kind == "429" else None, None)
        return None

    async def _stall(self) -> None:
        try:
            await asyncio.wait_for(self._closing.wait(), self.stall)
        except TimeoutError:
            pass

    async def _response_url(self, request: web.Request) -> web.Response:
        body = await request.json()
        call = ApiCall(f"response_url:{request.match_info['key']}", body, None, asyncio.get_running_loop().time())
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()
        return web.Response(text="ok", content_type="text/plain")

    async def _download(self, request: web.Request) -> web.StreamResponse:
        file_id = request.match_info["file_id"]
        authorized = request.headers.get("Authorization") == f"Bearer {self.bot_token}"
        async with self._changed:
            self.downloads.append((file_id, authorized))
            self._changed.notify_all()
        if not authorized:  # Slack answers a request without the token with its login page
            raise web.HTTPFound(f"{self.url}/signin")
        data = self.hosted.get(file_id)
        if data is None:
            return web.Response(status=404, text="file not found", content_type="text/plain")
        return web.Response(body=data, content_type="application/octet-stream")

    def _next_ts(self) -> str:
        # Unique and increasing like Slack's: the clock's second, then a counter.
        n = next(self._ts)
        return f"{int(self.clock())}.{n:06d}"

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
        refused = _refusal(args)
        if refused:
            return refused
        ts = self._next_ts()
        message = {"type": "message", "user": self.bot_user_id, "bot_id": self.bot_id, "ts": ts,
                   "text": args.get("text", ""), "blocks": args.get("blocks", [])}
        if args.get("thread_ts"):
            message["thread_ts"] = args["thread_ts"]
            if args.get("reply_broadcast"):
                message["subtype"] = "thread_broadcast"
        metadata = args.get("metadata")
        if metadata:
            message["metadata"] = metadata
            self.metadata_posts[str(metadata.get("event_type"))] += 1
        self.messages[channel].append(message)
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _post_ephemeral(self, args: Json) -> Json:
        if args.get("channel") not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        if args.get("user") not in self.users:
            return {"ok": False, "error": "user_not_in_channel"}
        refused = _refusal(args)
        if refused:
            return refused
        return {"ok": True, "message_ts": self._next_ts()}

    def _update(self, args: Json) -> Json:
        channel, ts = str(args.get("channel")), args.get("ts")
        refused = _refusal(args)
        if refused:
            return refused
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
        return _page(_after(thread, args), args, self.max_page)

    def _history(self, args: Json) -> Json:
        """The channel's messages, newest first: top-level ones, thread parents and replies
        also sent to the channel."""
        channel = args.get("channel")
        if channel not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        top = [m for m in self.messages[channel]
               if m.get("thread_ts") in (None, m["ts"]) or m.get("subtype") == "thread_broadcast"]
        return _page(list(reversed(_after(top, args))), args, self.max_page)


def _after(messages: list[Json], args: Json) -> list[Json]:
    """``oldest`` (exclusive unless ``inclusive``), and metadata only when asked for."""
    oldest = float(args.get("oldest") or 0)
    inclusive = str(args.get("inclusive", "0")).lower() in ("1", "true")
    chosen = [m for m in messages if float(m["ts"]) > oldest or (inclusive and float(m["ts"]) == oldest)]
    if str(args.get("include_all_metadata", "0")).lower() not in ("1", "true"):
        chosen = [{k: v for k, v in m.items() if k != "metadata"} for m in chosen]
    return chosen


def _page(messages: list[Json], args: Json, max_page: int) -> Json:
    start = int(args.get("cursor") or 0)
    limit = min(int(args.get("limit") or 100), max_page)
    more = start + limit < len(messages)
    return {"ok": True, "messages": [dict(m) for m in messages[start:start + limit]], "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""}}


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
                if key in ("blocks", "view", "attachments", "files", "metadata") and isinstance(value, str):
                    args[key] = json.loads(value)
    return args


#: Slack refuses a message whose blocks carry more text than about this (msg_blocks_too_long);
#: not documented, found by people who hit it (13,000 to 13,300 depending on the blocks).
MAX_BLOCKS_TEXT = 13_000
MAX_TEXT = 40_000  # the top-level text; longer is msg_too_long


def _refusal(args: Json) -> Json | None:
    """Slack's answer to a message it will not take (too long, or blocks that break a
    rule), else None."""
    if len(str(args.get("text") or "")) > MAX_TEXT:
        return {"ok": False, "error": "msg_too_long"}
    problem = _check_blocks(args.get("blocks"))
    if problem:
        return {"ok": False, "error": "invalid_blocks", "errors": [problem]}
    if isinstance(args.get("blocks"), list) and _blocks_text(args["blocks"]) > MAX_BLOCKS_TEXT:
        return {"ok": False, "error": "msg_blocks_too_long"}
    return None


def _blocks_text(value: object) -> int:
    """Characters of text in every text object in ``value`` (blocks, fields, buttons)."""
    if isinstance(value, list):
        return sum(_blocks_text(item) for item in value)
    if not isinstance(value, dict):
        return 0
    if value.get("type") in ("plain_text", "mrkdwn") and isinstance(value.get("text"), str):
        return len(value["text"])
    return sum(_blocks_text(item) for item in value.values())


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
            if any(len(f["text"]) > 2000 for f in block.get("fields", [])):
                return f"blocks[{index}]: a field over 2000 characters"
        if kind == "actions":
            ids = [element.get("action_id") for element in block.get("elements", [])]
            if len(ids) != len(set(ids)):
                return f"blocks[{index}]: duplicate action_id"
            for element in block.get("elements", []):
                if len(element["text"]["text"]) > 75 or element.get("style") not in (None, "primary", "danger"):
                    return f"blocks[{index}]: bad button"
    return None
