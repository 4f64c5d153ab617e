"""The console adapter: the bot's embedded default and the core's conversation-style test double.

One local channel. Lines starting with ``/interview`` are commands; any other line is a
reply in the current question's thread (``>N text`` picks round N). ``/edit mK text`` and
``/delete mK`` change an earlier reply. Works interactively and with piped stdin.
"""

from __future__ import annotations

import asyncio
import io
import os
import secrets
import stat
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TextIO

from bot.core.messages import Message, Response
from bot.core.models import Actor, ChannelRef, MessageRef, ThreadRef, UserRef
from bot.core.ports import CommandInvoked, PackUploaded, ThreadReplyCreated, ThreadReplyDeleted, ThreadReplyEdited
from bot.core.service import Core

PLATFORM = "console"
WORKSPACE = "local"

CONSOLE_HELP = (
    "Console: `/interview help` lists the commands. Any other line answers in the current "
    "question's thread (`>N text` answers round N). `/edit mK text` and `/delete mK` change "
    "your reply mK. `/as NAME line` speaks as someone else. `/upload FILE` shares a question "
    "pack with the bot. `/quit` leaves."
)


class ConsoleAdapter:
    """Implements ``ChatPlatform`` by printing, and turns typed lines into core events."""

    name = PLATFORM

    def __init__(
        self,
        core: Core,
        out: TextIO,
        *,
        channel: str = "console",
        user: str = "you",
        session: str | None = None,
        charts_dir: Path = Path("data/charts"),
    ) -> None:
        self.core = core
        self.out = out
        self.charts_dir = charts_dir
        self.channel = ChannelRef(PLATFORM, WORKSPACE, channel)
        self.actor = Actor(UserRef(PLATFORM, WORKSPACE, user), user, is_admin=True)
        # Message ids must stay unique across restarts (threads are stored by id), but people
        # type the short form: "m5" on screen is "<session>-5" in the ledger.
        self._session = session or secrets.token_hex(3)
        self._next_id = 0
        self._reply_threads: dict[str, ThreadRef] = {}
        self.closed = False
        core.attach(self)

    # --- ChatPlatform ------------------------------------------------------------------

    async def post_message(self, channel: ChannelRef, message: Message) -> MessageRef:
        ref = MessageRef(channel, self._new_id())
        self._print(f"[#{channel.channel}] bot ({_short(ref.message_id)}):", message, indent="  ")
        return ref

    async def open_thread(self, message: MessageRef, name: str) -> ThreadRef:
        thread = ThreadRef(message.channel, message.message_id)
        self._write(f"  ↳ thread opened on {_short(message.message_id)}: {name}")
        return thread

    async def reply_in_thread(self, thread: ThreadRef, message: Message) -> MessageRef:
        ref = MessageRef(thread.channel, self._new_id(), thread.thread_id)
        self._print(f"  [thread {_short(thread.thread_id)}] bot ({_short(ref.message_id)}):", message, indent="  │ ")
        return ref

    async def send_private(self, channel: ChannelRef, user: UserRef, message: Message) -> None:
        self._print(f"(only {user.user} can see this)", message, indent="  ")

    async def edit_message(self, ref: MessageRef, message: Message) -> None:
        self._print(f"(bot edited {_short(ref.message_id)})", message, indent="  ")

    # --- input -------------------------------------------------------------------------

    async def handle_line(self, line: str) -> None:
        text = line.strip()
        actor = self.actor
        if text.startswith("/as "):
            # Speak as someone else (not an admin): a study group on one keyboard.
            _, name, text = (text.split(maxsplit=2) + ["", ""])[:3]
            actor = Actor(UserRef(PLATFORM, WORKSPACE, name), name, is_admin=False)
        if not text:
            return
        if text in ("/quit", "/exit"):
            self.closed = True
            return
        if text.startswith("/interview"):
            event = CommandInvoked(self.channel, actor, text[len("/interview"):].strip())
            await self._deliver(actor, await self.core.handle(event))
        elif text.startswith("/edit ") or text.startswith("/delete "):
            await self._change_reply(actor, text)
        elif text.startswith("/upload "):
            await self._upload(actor, Path(text.split(maxsplit=1)[1]).expanduser())
        elif text.startswith("/"):
            self._write(CONSOLE_HELP)
        else:
            await self._reply(actor, text)

    async def _reply(self, actor: Actor, text: str) -> None:
        round_id = None
        if text.startswith(">"):
            number, _, rest = text[1:].partition(" ")
            if number.isdigit():
                round_id, text = int(number), rest.strip()
            else:
                text = text[1:].strip()
        round_ = (await self.core.repo.get_round(round_id) if round_id is not None
                  else await self.core.repo.current_round(self.channel))
        if round_ is None or round_.thread is None or round_.channel != self.channel:
            self._write("(no open question to answer; type `/interview question` to get one)")
            return
        message_id = self._new_id()
        self._reply_threads[_short(message_id)] = round_.thread
        self._write(f"  [thread {_short(round_.thread.thread_id)}] {actor.name} ({_short(message_id)}): {text}")
        await self._deliver(actor, await self.core.handle(
            ThreadReplyCreated(round_.thread, actor, message_id, text)))

    async def _change_reply(self, actor: Actor, text: str) -> None:
        verb, _, rest = text.partition(" ")
        short_id, _, new_text = rest.strip().partition(" ")
        thread = self._reply_threads.get(short_id)
        if thread is None:
            self._write(f"(no reply {short_id!r} of yours to change)")
            return
        message_id = f"{self._session}-{short_id.removeprefix('m')}"
        if verb == "/delete":
            event: ThreadReplyDeleted | ThreadReplyEdited = ThreadReplyDeleted(thread, message_id)
            self._write(f"  ({actor.name} deleted {short_id})")
        elif new_text.strip():
            event = ThreadReplyEdited(thread, actor, message_id, new_text.strip())
            self._write(f"  ({actor.name} edited {short_id}): {new_text.strip()}")
        else:
            self._write("(usage: /edit mK new text)")
            return
        await self._deliver(actor, await self.core.handle(event))

    async def _upload(self, actor: Actor, path: Path) -> None:
        """Share a pack file with the bot, as an attachment would on a platform."""
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self._write(f"(cannot read {path}: {exc})")
            return
        await self._deliver(actor, await self.core.handle(PackUploaded(self.channel, actor, path.name, text)))

    async def _deliver(self, actor: Actor, responses: list[Response]) -> None:
        for response in responses:
            if response.private:
                await self.send_private(self.channel, actor.user, response.message)
            else:
                await self.post_message(self.channel, response.message)

    async def run(self, stdin: TextIO, prompt: bool = False) -> None:
        """Read lines until end of input or ``/quit``."""
        async for line in _lines(stdin, prompt=prompt, out=self.out):
            await self.handle_line(line)
            if self.closed:
                break

    # --- output ------------------------------------------------------------------------

    def _new_id(self) -> str:
        self._next_id += 1
        return f"{self._session}-{self._next_id}"

    def _print(self, header: str, message: Message, indent: str) -> None:
        lines = [header]
        if message.title:
            lines.append(f"{indent}{message.title}")
        if message.fields:
            lines.append(indent + " | ".join(f"{name}: {value}" for name, value in message.fields))
        lines.extend(f"{indent}{line}" if line else indent.rstrip() for line in message.text.splitlines())
        if message.buttons:
            lines.append(indent + "  ".join(f"[ {b.label} ]" for b in message.buttons))
        for attachment in message.attachments:
            self.charts_dir.mkdir(parents=True, exist_ok=True)
            path = self.charts_dir / attachment.filename
            path.write_bytes(attachment.data)
            lines.append(f"{indent}(attachment saved to {path})")
        self._write("\n".join(lines))

    def _write(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()


async def _lines(stdin: TextIO, *, prompt: bool, out: TextIO) -> AsyncIterator[str]:
    """Yield input lines without blocking the event loop (the scheduler keeps running
    while the console waits for typing). Files and StringIO are read directly."""
    if isinstance(stdin, io.StringIO) or not _is_stream(stdin):
        for line in stdin:
            yield line
        return
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    transport, _ = await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), stdin)
    try:
        while True:
            if prompt:
                out.write("> ")
                out.flush()
            raw = await reader.readline()
            if not raw:
                return
            yield raw.decode("utf-8", errors="replace")
    finally:
        transport.close()


def _is_stream(stdin: TextIO) -> bool:
    """Pipes and terminals can be watched by the event loop; regular files cannot."""
    try:
        mode = os.fstat(stdin.fileno()).st_mode
    except (OSError, ValueError, io.UnsupportedOperation):
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or stat.S_ISSOCK(mode)


def _short(message_id: str) -> str:
    return "m" + message_id.rpartition("-")[2]
