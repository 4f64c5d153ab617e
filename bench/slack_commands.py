"""Time to acknowledge slash commands: ``interview-bot run`` as a process serving Slack over
HTTP, hit by bursts of concurrent, signed ``/interview`` requests (each from another person);
the time from sending a request to its HTTP answer, which is the acknowledgement Slack
waits for (3 s at most).

Run from the repository root: `python bench/slack_commands.py` (200 at once, 5 bursts).
Loopback only: the fake Slack (users.info, response_url) runs in this process. The same
client first measures a trivial aiohttp server, the floor this machine and client set.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import os
import signal
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakes.slack_server import FakeSlack

SIGNING_SECRET = "bench-signing-secret"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def signed(body: bytes) -> dict[str, str]:
    stamp = str(int(time.time()))
    digest = hmac.new(SIGNING_SECRET.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}",
            "Content-Type": "application/x-www-form-urlencoded"}


# `interview-bot run` with the objects made by importing it moved out of the collector's
# reach (gc.freeze), so that a full collection does not scan them: an experiment, not what
# the bot does today.
FROZEN_RUN = ("import gc, runpy, sys; import bot.cli, bot.app, bot.adapters.slack; gc.freeze(); "
              "sys.argv = ['interview-bot', 'run']; runpy.run_module('bot.cli', run_name='__main__')")


async def start_bot(fake: FakeSlack, workdir: Path, port: int, freeze: bool) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INTERVIEW_BOT_", "SLACK_", "DISCORD_"))}
    env.update({
        "SLACK_BOT_TOKEN": fake.bot_token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "INTERVIEW_BOT_SLACK__MODE": "http",
        "INTERVIEW_BOT_SLACK__HTTP_HOST": "127.0.0.1",
        "INTERVIEW_BOT_SLACK__HTTP_PORT": str(port),
        "INTERVIEW_BOT_SLACK__API_BASE_URL": fake.base_url,
        "INTERVIEW_BOT_STORAGE__URL": f"sqlite+aiosqlite:///{workdir / 'bot.db'}",
        "INTERVIEW_BOT_LOGGING__LEVEL": "WARNING",
    })
    with (workdir / "bot.log").open("wb") as log:
        command = ("-c", FROZEN_RUN) if freeze else ("-m", "bot.cli", "run")
        return await asyncio.create_subprocess_exec(sys.executable, *command, cwd=ROOT, env=env,
                                                    stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log)


async def wait_listening(port: int, process: asyncio.subprocess.Process, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.returncode is not None:
            raise RuntimeError("the bot exited during start-up")
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            await writer.wait_closed()
            return
        except OSError:
            await asyncio.sleep(0.1)
    raise TimeoutError(f"nothing listens on {port} after {timeout}s")


class Connection:
    """One kept-alive HTTP/1.1 connection speaking just enough of the protocol: a light
    client, so that the figures are the bot's and not the load generator's."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        return cls(*await asyncio.open_connection("127.0.0.1", port))

    async def post(self, request: bytes) -> tuple[int, float]:
        started = time.perf_counter()
        self.writer.write(request)
        status = int((await self.reader.readline()).split()[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
        await self.reader.readexactly(length)
        return status, time.perf_counter() - started

    def close(self) -> None:
        self.writer.close()


def command_request(port: int, fake: FakeSlack, user: str, text: str, key: str) -> bytes:
    body = urlencode({
        "token": "legacy", "team_id": fake.team_id, "team_domain": "bench", "channel_id": "C0BENCH",
        "channel_name": "bench", "user_id": user, "user_name": user.lower(), "command": "/interview",
        "text": text, "api_app_id": "A0BENCH", "response_url": fake.response_url(key), "trigger_id": f"trig-{key}",
    }).encode()
    headers = {"Host": f"127.0.0.1:{port}", "Content-Length": str(len(body)), **signed(body)}
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    return f"POST /slack/events HTTP/1.1\r\n{head}\r\n".encode() + body


async def burst(connections: list[Connection], requests: list[bytes]) -> list[float]:
    """Every request at once, each on its own connection; seconds until each was answered."""
    answers = await asyncio.gather(*(c.post(r) for c, r in zip(connections, requests, strict=True)))
    if any(status != 200 for status, _ in answers):
        raise RuntimeError(f"answers other than 200: {sorted({s for s, _ in answers})}")
    return [seconds for _, seconds in answers]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def answered(fake: FakeSlack, prefix: str, count: int) -> None:
    """Wait until ``count`` answers went to response URLs starting with ``prefix``."""
    await fake.wait_until(lambda: sum(c.method.startswith(prefix) for c in fake.calls) >= count, timeout=60)


async def measure(port: int, fake: FakeSlack, args: argparse.Namespace, wait_answers: bool) -> list[list[float]]:
    connections = [await Connection.open(port) for _ in range(args.concurrent)]
    try:
        bursts = []
        for n in range(args.bursts + 1):  # the first warms up (caches, lazy imports): not counted
            keys = [f"r{n}-{k}" for k in range(args.concurrent)]
            requests = [command_request(port, fake, f"U{k:06d}", args.text, key) for k, key in enumerate(keys)]
            times = await burst(connections, requests)
            if wait_answers:  # the work after each ack is done before the next burst
                await answered(fake, f"response_url:r{n}-", args.concurrent)
            if n:
                bursts.append(times)
            await asyncio.sleep(args.pause)
        return bursts
    finally:
        for connection in connections:
            connection.close()


async def run(args: argparse.Namespace) -> tuple[list[list[float]], list[list[float]]]:
    """Bursts against a trivial aiohttp server (the floor this client and machine set), then
    against the bot, in the same run."""
    async with FakeSlack() as fake:
        fake.add_channel("C0BENCH")
        for n in range(args.concurrent):
            fake.add_user(f"U{n:06d}", f"Person {n}")
        port = free_port()
        trivial = await asyncio.create_subprocess_exec(sys.executable, "-c", TRIVIAL_SERVER, str(port))
        try:
            await wait_listening(port, trivial)
            floor = await measure(port, fake, args, wait_answers=False)
        finally:
            trivial.send_signal(signal.SIGTERM)
            await trivial.wait()
        with tempfile.TemporaryDirectory() as workdir:
            port = free_port()
            process = await start_bot(fake, Path(workdir), port, args.gc_freeze)
            try:
                await wait_listening(port, process)
                bot = await measure(port, fake, args, wait_answers=True)
            finally:
                process.send_signal(signal.SIGTERM)
                await asyncio.wait_for(process.wait(), 60)
    return floor, bot


# An aiohttp server answering 200 at once: what the same client measures without the bot.
TRIVIAL_SERVER = """
import sys
from aiohttp import web

async def ack(request):
    await request.read()
    return web.Response()

app = web.Application()
app.router.add_post("/slack/events", ack)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrent", type=int, default=200)
    parser.add_argument("--bursts", type=int, default=5)
    parser.add_argument("--pause", type=float, default=1.0, help="seconds between bursts, after all answers")
    parser.add_argument("--text", default="stats", help="what follows /interview")
    parser.add_argument("--gc-freeze", action="store_true", help="experiment: gc.freeze() in the bot after its imports")
    args = parser.parse_args()

    floor, bot = asyncio.run(run(args))
    print(f"{args.bursts} bursts of {args.concurrent} concurrent `/interview {args.text}` over HTTP "
          f"(kept-alive connections, one per request){'; bot with gc.freeze()' if args.gc_freeze else ''}\n")
    print("| burst | bot p50 (ms) | bot p99 (ms) | bot max (ms) | trivial server p99 (ms) | bot p99 / trivial |")
    print("|---|---:|---:|---:|---:|---:|")
    for n, (times, base) in enumerate(zip(bot, floor, strict=True), 1):
        p99, base99 = percentile(times, 0.99), percentile(base, 0.99)
        print(f"| {n} | {percentile(times, 0.5) * 1000:.0f} | {p99 * 1000:.0f} | {max(times) * 1000:.0f} "
              f"| {base99 * 1000:.0f} | {p99 / base99:.1f} |")
    print(f"\nmedian p99: bot {statistics.median(percentile(t, 0.99) for t in bot) * 1000:.0f} ms, "
          f"trivial server {statistics.median(percentile(t, 0.99) for t in floor) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
