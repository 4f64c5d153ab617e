"""Ingestion of thread replies on Slack: many people answering open rounds at once, their
``message`` events delivered to the bot over Socket Mode, each reply graded and stored;
beside it, the plain insert rate of the same database through the same engine.

Run from the repository root: `python bench/replies_ingest.py` (10,000 replies over 100
rounds, 20 events in flight, 3 runs; SQLite) or with `--postgres ADMIN_URL` on a fresh
PostgreSQL database. Loopback only, every wait bounded (``--deadline`` per run).
``--profile PATH`` adds one run sampled by py-spy (``pip install py-spy``).

Two processes, so that the load generator does not share the bot's event loop (Slack is
not on the bot's machine either):

- this one runs the fake Slack (Web API and Socket Mode), sends the events and watches the
  database from a connection of its own;
- the bot's process is this script with ``--bot``: ``build_app`` on real settings, the
  real Slack adapter in Socket Mode against the fake, ``App.start`` and ``gc.freeze()`` as
  ``interview-bot run`` does; it opens one round per channel (``Core.start_round``: the
  question posted through the adapter) and, after the load, measures the plain insert
  rate through ``app.engine``.

What the latency measures: from just before the envelope is handed to the Socket Mode
connection until this process first sees the reply's row, committed, from its own
database connection (polled every ``--poll`` seconds: a reading is late by at most one
interval). The bot's acknowledgement is no sign of storage: bolt acknowledges an Events
API envelope before the listener runs, and the adapter then grades and stores the reply
(at most 10 at a time); the ack latency is shown apart.

``--concurrency`` events are in flight at once: sent and not yet seen stored (a closed
loop). Slack sends events as they happen and waits for nothing but the acks, and it
publishes no window; 20 is twice the adapter's 10 handlers, so the bot always has work
waiting and never waits for the generator, while the latency stays the bot's and not that
of a queue the generator let grow. (Slack itself delivers at most 30,000 events an hour
per workspace, about 8 a second: the rates here are capacity, not a day's traffic.)
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import os
import signal
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bench._common import database
from bot.adapters.slack import SlackAdapter
from bot.app import build_app
from bot.config import Secrets, load_settings
from bot.core.models import ChannelRef
from bot.storage.tables import ReplyRow
from tests.fakes.slack_server import FakeSlack

PROTOCOL = "@@bench "  # prefix of the bot process's lines meant for the bench (its stdout)
STEP_TIMEOUT = 120.0  # any exchange with the bot process ends by then


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class Failed(Exception):
    """A reply lost, doubled or unexpected: the run's figures would mean nothing."""


# --- the bot's process ------------------------------------------------------------------------


def _say(message: dict[str, Any]) -> None:
    sys.stdout.write(PROTOCOL + json.dumps(message) + "\n")
    sys.stdout.flush()


def _cpu() -> dict[str, float]:
    """CPU seconds (user + system) used so far by the whole process and by its main thread
    (the event loop), from /proc. The rest is other threads': the SQLite driver runs every
    connection's queries in a thread of its own (those of connections already closed
    included, which a per-thread reading would lose)."""
    tick = os.sysconf("SC_CLK_TCK")

    def used(stat: Path) -> float:
        fields = stat.read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / tick  # utime, stime

    return {"process": used(Path("/proc/self/stat")),
            "event loop (main thread)": used(Path(f"/proc/self/task/{threading.main_thread().native_id}/stat"))}


async def bot_process(config: dict[str, Any]) -> None:
    """Build and start the bot as ``interview-bot run`` does, open the rounds, then obey
    the bench's commands on stdin: go, done, plain, quit."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    settings = load_settings(env={
        "INTERVIEW_BOT_STORAGE__URL": config["database_url"],
        "INTERVIEW_BOT_SLACK__MODE": "socket",
        "INTERVIEW_BOT_SLACK__API_BASE_URL": config["api_base_url"],
        # Only the set-up's posts (one per round) go through the dispatcher; not paced to
        # Slack's real limit so that opening the rounds takes no time out of the budget.
        "INTERVIEW_BOT_SLACK__REQUESTS_PER_SECOND": "1000",
        "INTERVIEW_BOT_LOGGING__LEVEL": "WARNING",
    })
    secrets = Secrets(slack_bot_token=config["bot_token"], slack_app_token=config["app_token"])
    app = await build_app(settings)
    adapter = SlackAdapter(app.core, settings, secrets)
    commands = asyncio.StreamReader()
    loop = asyncio.get_running_loop()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(commands), sys.stdin)
    try:
        await adapter.start()
        await app.start(paused_jobs=True)  # the scheduler runs; nothing of ours is due
        await adapter.wait_backfilled()  # the one after connecting: no rounds yet, so no history read later
        gc.freeze()  # what `interview-bot run` does after start-up

        channels = [ChannelRef("slack", config["team_id"], c) for c in config["channels"]]
        rounds = await asyncio.gather(*(app.core.start_round(c) for c in channels))
        if any(r is None or r.thread is None for r in rounds):
            raise RuntimeError("a round did not open")
        described = []
        for r in rounds:
            question = app.bank.get(r.question_id)
            described.append({"round_id": r.id, "channel": r.channel.channel, "thread_ts": r.thread.thread_id,
                              "terms": [point.terms[0] for point in question.key_points]})
        _say({"rounds": described})

        while line := (await commands.readline()).decode().strip():
            if line == "go":
                before = _cpu()
                _say({"going": True})
            elif line == "done":
                # Every event was acknowledged and every reply seen stored: wait for the
                # handlers to end too, so that the count after this is final.
                await adapter.drain(timeout=30)
                after = _cpu()
                _say({"cpu": {k: after[k] - before[k] for k in after}})
            elif line == "plain":
                _say({"plain": await plain_inserts(app.engine, described, config)})
            elif line == "quit":
                break
    finally:
        await adapter.stop()
        await app.close()


async def plain_inserts(engine: AsyncEngine, rounds: list[dict[str, Any]], config: dict[str, Any]) -> dict[str, float]:
    """The same number of rows as the bot stored, into the same table through the same
    engine (its pool, its connection set-up and BEGIN on SQLite), with SQLAlchemy Core and
    nothing of the ledger's on top: one row per transaction one after the other, then 10
    at a time (as many as the adapter handles at once), then all in one transaction."""
    count = config["replies"]
    now = datetime.now(UTC)

    def rows(prefix: str) -> list[dict[str, Any]]:
        return [{"round_id": rounds[n % len(rounds)]["round_id"], "platform": "slack", "workspace": config["team_id"],
                 "user_id": f"U{n:06d}", "user_name": f"Person {n}", "text": f"plain insert {n}", "private": False,
                 "message_id": f"{prefix}-{n}", "covered": "", "score": 0.0, "created_at": now, "updated_at": now}
                for n in range(count)]

    table = ReplyRow.__table__
    statement = insert(table)

    async def one(row: dict[str, Any]) -> float:
        started = time.perf_counter()
        async with engine.begin() as connection:
            await connection.execute(statement, row)
        return time.perf_counter() - started

    results: dict[str, float] = {}
    started = time.perf_counter()
    latencies = [await one(row) for row in rows("plain-seq")]
    results["sequential"] = time.perf_counter() - started
    results["sequential_p50"], results["sequential_p99"] = percentile(latencies, 0.5), percentile(latencies, 0.99)

    pending = iter(rows("plain-ten"))
    latencies = []

    async def worker() -> None:
        for row in pending:
            latencies.append(await one(row))

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(10)))
    results["ten"] = time.perf_counter() - started
    results["ten_p50"], results["ten_p99"] = percentile(latencies, 0.5), percentile(latencies, 0.99)

    batch = rows("plain-batch")
    started = time.perf_counter()
    async with engine.begin() as connection:
        await connection.execute(statement, batch)
    results["batch"] = time.perf_counter() - started

    async with engine.connect() as connection:
        stored = await connection.scalar(select(func.count()).select_from(table)
                                         .where(table.c.message_id.like("plain-%")))
    if stored != 3 * count:
        raise RuntimeError(f"plain inserts: {stored} rows stored, expected {3 * count}")
    return results


# --- the bench's side: fake Slack, load, observation -------------------------------------------


@dataclass
class Run:
    wall: float
    latencies: list[float]
    acks: list[float]
    users_info: int
    cpu: dict[str, float]
    plain: dict[str, float]
    graded: int


@dataclass
class BotHandle:
    """The bot's process: commands to its stdin, its answers from the protocol lines of
    its stdout (its log goes to a file)."""

    process: asyncio.subprocess.Process
    log: Path
    lines: asyncio.Queue[dict[str, Any] | None] = field(default_factory=asyncio.Queue)
    pump: asyncio.Future[None] | None = None

    async def read(self) -> dict[str, Any]:
        try:
            line = await asyncio.wait_for(self.lines.get(), STEP_TIMEOUT)
        except TimeoutError:
            raise RuntimeError(f"the bot process said nothing for {STEP_TIMEOUT}s") from None
        if line is None:
            raise RuntimeError("the bot process exited")
        return line

    async def ask(self, command: str) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(command.encode() + b"\n")
        await self.process.stdin.drain()
        return await self.read()


async def start_bot(fake: FakeSlack, database_url: str, channels: list[str], args: argparse.Namespace,
                    workdir: Path) -> BotHandle:
    config = {"database_url": database_url, "api_base_url": fake.base_url, "bot_token": fake.bot_token,
              "app_token": fake.app_token, "team_id": fake.team_id, "channels": channels,
              "replies": args.replies}
    log = workdir / "bot.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INTERVIEW_BOT_", "SLACK_", "DISCORD_"))}
    with log.open("wb") as err:
        process = await asyncio.create_subprocess_exec(
            sys.executable, str(Path(__file__).resolve()), "--bot", json.dumps(config), cwd=ROOT, env=env,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=err, limit=2**22)
    handle = BotHandle(process, log)

    async def pump() -> None:
        # Reads to the end whatever happens: a pipe left unread would block the bot's
        # writes, and asyncio's wait() for its exit would wait for the pipe to close.
        assert process.stdout is not None
        try:
            while line := await process.stdout.readline():
                text = line.decode()
                if text.startswith(PROTOCOL):
                    await handle.lines.put(json.loads(text[len(PROTOCOL):]))
        finally:
            await handle.lines.put(None)

    handle.pump = asyncio.ensure_future(pump())
    return handle


def escape(text: str) -> str:
    """Slack escapes &, < and > in message text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plan(rounds: list[dict[str, Any]], args: argparse.Namespace) -> list[tuple[dict[str, Any], str, str]]:
    """(round, user, text) per reply, the rounds interleaved as replies to many channels
    arrive. Within a round every reply is by another person; the texts name one or two of
    the question's key points (by their first term) so that grading finds something."""
    replies = []
    per_round = -(-args.replies // len(rounds))
    for n in range(args.replies):
        index, k = n % len(rounds), n // len(rounds)
        round_ = rounds[index]
        user = f"U{(index * per_round + k) % args.people:06d}"
        terms = round_["terms"]
        text = f"Answer {n}: I would start from {terms[k % len(terms)]}"
        if k % 3:
            text += f", and then {terms[(k + 1) % len(terms)]} & what follows"
        replies.append((round_, user, escape(text)))
    return replies


class StoredWatcher:
    """Polls the replies table from a connection of its own (autocommit: every read sees
    the latest commits) and resolves the future of each reply the first time its row is
    there. Reads ids above the highest id below which every row has been seen, so that a
    row committed out of id order (PostgreSQL, concurrent writers) is not skipped."""

    def __init__(self, database_url: str, interval: float) -> None:
        self.engine = create_async_engine(database_url, isolation_level="AUTOCOMMIT")
        self.interval = interval
        self.waiting: dict[str, asyncio.Future[float]] = {}
        self.unexpected: list[str] = []
        self.polls = 0

    async def run(self, stop: asyncio.Event) -> None:
        query = text("SELECT id, message_id FROM replies WHERE id > :floor")
        floor, seen = 0, set()
        async with self.engine.connect() as connection:
            while not stop.is_set():
                rows = (await connection.execute(query, {"floor": floor})).all()
                now = time.perf_counter()
                self.polls += 1
                for row_id, message_id in rows:
                    if row_id in seen:
                        continue
                    seen.add(row_id)
                    future = self.waiting.pop(message_id, None)
                    if future is None:
                        self.unexpected.append(message_id)
                    elif not future.done():
                        future.set_result(now)
                while floor + 1 in seen:
                    floor += 1
                    seen.discard(floor)
                try:
                    await asyncio.wait_for(stop.wait(), self.interval)
                except TimeoutError:
                    pass

    async def close(self) -> None:
        await self.engine.dispose()


def event_body(fake: FakeSlack, n: int, channel: str, thread_ts: str, ts: str, user: str, text: str) -> dict[str, Any]:
    """An Events API ``message`` callback for a reply in a thread, as Slack sends it."""
    return {
        "token": "legacy", "team_id": fake.team_id, "api_app_id": "A0APP", "type": "event_callback",
        "event": {"type": "message", "channel": channel, "user": user, "text": text, "ts": ts,
                  "thread_ts": thread_ts, "channel_type": "channel", "event_ts": ts, "team": fake.team_id},
        "event_id": f"Ev{n:08d}", "event_time": int(float(ts)),
        "authorizations": [{"team_id": fake.team_id, "user_id": fake.bot_user_id, "is_bot": True}],
    }


async def load(fake: FakeSlack, watcher: StoredWatcher, replies: list[tuple[dict[str, Any], str, str]],
               concurrency: int, deadline: float) -> tuple[float, list[float], list[float], set[str]]:
    """Every reply as a Socket Mode event, ``concurrency`` in flight (sent, not yet seen
    stored); returns the wall time, send-to-stored and send-to-ack seconds, and the ts sent."""
    loop = asyncio.get_running_loop()
    latencies: list[float] = []
    acks: list[float] = []
    sent: set[str] = set()
    todo = iter(enumerate(replies))

    async def worker() -> None:
        for n, (round_, user, text) in todo:
            # The reply exists in Slack before its event is sent, as it does on Slack.
            ts = fake.add_reply(round_["channel"], round_["thread_ts"], user, text)
            stored = watcher.waiting[ts] = loop.create_future()
            body = event_body(fake, n, round_["channel"], round_["thread_ts"], ts, user, text)
            started = time.perf_counter()
            await fake.send("events_api", body)  # raises AckTimeout after Slack's 3 s
            acks.append(time.perf_counter() - started)
            sent.add(ts)
            try:
                seen_at = await asyncio.wait_for(stored, 30.0)
            except TimeoutError:
                raise Failed(f"reply {ts} (event {n}) not stored 30 s after its event") from None
            latencies.append(seen_at - started)

    started = time.perf_counter()
    try:
        # A task group: the first worker to fail stops the others, so nothing keeps sending.
        async with asyncio.timeout(deadline), asyncio.TaskGroup() as group:
            for _ in range(concurrency):
                group.create_task(worker())
    except TimeoutError:
        raise Failed(f"{len(latencies)} of {len(replies)} replies stored by the {deadline:.0f} s deadline") from None
    except BaseExceptionGroup as group_error:
        raise Failed(f"after {len(latencies)} replies stored: {group_error.exceptions[0]!r}") from group_error
    return time.perf_counter() - started, latencies, acks, sent


async def count_replies(database_url: str) -> tuple[int, set[str], int, dict[int, int]]:
    """Rows in the replies table: total, distinct message ids, graded (some key point
    covered), and rows per round."""
    engine = create_async_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            rows = (await connection.execute(text("SELECT round_id, message_id, covered FROM replies"))).all()
    finally:
        await engine.dispose()
    per_round: dict[int, int] = {}
    for round_id, _, _ in rows:
        per_round[round_id] = per_round.get(round_id, 0) + 1
    return len(rows), {m for _, m, _ in rows}, sum(1 for *_, covered in rows if covered), per_round


async def one_run(args: argparse.Namespace, profile: str | None = None) -> Run:
    async with FakeSlack() as fake:
        fake.latency = args.latency
        channels = [f"C{n:05d}" for n in range(args.rounds)]
        for channel in channels:
            fake.add_channel(channel)
        for n in range(args.people):
            fake.add_user(f"U{n:06d}", f"Person {n}")
        with tempfile.TemporaryDirectory() as workdir:
            async with database(Path(workdir), args.postgres) as database_url:
                bot = await start_bot(fake, database_url, channels, args, Path(workdir))
                try:
                    return await drive(fake, bot, database_url, args, profile)
                except BaseException as exc:
                    sys.stderr.write(f"run failed: {exc!r}\n--- the bot's log ---\n{bot.log.read_text()[-4000:]}\n")
                    sys.stderr.flush()
                    raise
                finally:
                    if bot.process.returncode is None:
                        bot.process.kill()
                    await asyncio.wait_for(bot.process.wait(), STEP_TIMEOUT)


async def drive(fake: FakeSlack, bot: BotHandle, database_url: str, args: argparse.Namespace,
                profile: str | None) -> Run:
    rounds = (await bot.read())["rounds"]
    replies = plan(rounds, args)
    users_before = len(fake.calls_to("users.info"))
    watcher = StoredWatcher(database_url, args.poll)
    stop = asyncio.Event()
    watching = asyncio.ensure_future(watcher.run(stop))
    sampler = await start_sampler(bot.process.pid, profile) if profile else None
    try:
        await bot.ask("go")
        wall, latencies, acks, sent = await load(fake, watcher, replies, args.concurrency, args.deadline)
    finally:
        stop.set()
        await watching
        await watcher.close()
        if sampler is not None:
            await stop_sampler(sampler)
    cpu = (await bot.ask("done"))["cpu"]

    # Exactly one row per reply sent: none lost, none doubled, none the bench did not send.
    total, message_ids, graded, per_round = await count_replies(database_url)
    expected = {r["round_id"]: 0 for r in rounds}
    for round_, _, _ in replies:
        expected[round_["round_id"]] += 1
    problems = []
    if len(sent) != args.replies or len(latencies) != args.replies:
        problems.append(f"{len(sent)} events acknowledged and {len(latencies)} seen stored of {args.replies}")
    if total != args.replies:
        problems.append(f"{total} rows in replies, expected {args.replies}")
    if total != len(message_ids):
        problems.append(f"{total - len(message_ids)} replies stored twice")
    if message_ids != sent:
        problems.append(f"{len(sent - message_ids)} replies missing, {len(message_ids - sent)} unexpected")
    if per_round != expected:
        problems.append("replies per round differ from what was sent")
    if watcher.unexpected:
        problems.append(f"{len(watcher.unexpected)} rows appeared that the bench did not send")
    if problems:
        raise Failed("; ".join(problems))

    plain = (await bot.ask("plain"))["plain"]
    assert bot.process.stdin is not None
    bot.process.stdin.write(b"quit\n")  # no answer: the process stops the adapter and exits
    await bot.process.stdin.drain()
    code = await asyncio.wait_for(bot.process.wait(), STEP_TIMEOUT)
    if code != 0:
        raise RuntimeError(f"the bot process exited with {code}; see {bot.log}")
    return Run(wall, latencies, acks, len(fake.calls_to("users.info")) - users_before, cpu, plain, graded)


# --- the report ----------------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def report(runs: list[Run], args: argparse.Namespace) -> None:
    n = args.replies
    med = statistics.median
    backend = "PostgreSQL" if args.postgres else "SQLite"
    bot_rate = [n / r.wall for r in runs]
    lines = {
        "plain insert, one row per transaction, one after the other": ("sequential", True),
        "plain insert, one row per transaction, 10 at once": ("ten", True),
        "plain insert, all rows in one transaction (executemany)": ("batch", False),
    }
    print(f"\n{n} thread replies over {args.rounds} rounds, {args.people} people, {args.concurrency} events in "
          f"flight, fake Slack latency {args.latency * 1000:.0f} ms; {backend}; medians of {len(runs)} runs\n")
    print("| path | rows | wall time (s) | rows/s | p50 (ms) | p99 (ms) | bot ÷ this |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    print(f"| bot: Socket Mode event → reply stored | {n} | {med(r.wall for r in runs):.2f} | {med(bot_rate):.0f} "
          f"| {med(percentile(r.latencies, 0.5) for r in runs) * 1000:.1f} "
          f"| {med(percentile(r.latencies, 0.99) for r in runs) * 1000:.1f} | 1.00 |")
    for name, (key, per_row) in lines.items():
        wall = med(r.plain[key] for r in runs)
        p50 = ms(med(r.plain[f"{key}_p50"] for r in runs)) if per_row else "–"
        p99 = ms(med(r.plain[f"{key}_p99"] for r in runs)) if per_row else "–"
        ratio = med(n / r.wall / (n / r.plain[key]) for r in runs)
        digits = 2 if ratio >= 0.1 else 3
        print(f"| {name} | {n} | {wall:.2f} | {n / wall:.0f} | {p50} | {p99} | {ratio:.{digits}f} |")

    print("\nPer run (bot ÷ plain: the bot's rate over the plain one-row-per-transaction rate of the same run):\n")
    print("| run | bot replies/s | p50 (ms) | p99 (ms) | max (ms) | ack p50 (ms) | ack p99 (ms) | plain rows/s "
          "| bot ÷ plain | users.info calls | graded replies |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for k, r in enumerate(runs, 1):
        plain_rate = n / r.plain["sequential"]
        print(f"| {k} | {n / r.wall:.0f} | {ms(percentile(r.latencies, 0.5))} | {ms(percentile(r.latencies, 0.99))} "
              f"| {ms(max(r.latencies))} | {ms(percentile(r.acks, 0.5))} | {ms(percentile(r.acks, 0.99))} "
              f"| {plain_rate:.0f} | {n / r.wall / plain_rate:.2f} | {r.users_info} | {r.graded} |")

    wall = med(r.wall for r in runs)
    print(f"\nCPU of the bot's process while the replies came in (medians; wall time {wall:.2f} s):\n")
    print("| thread | CPU (s) | share of wall time | CPU per reply (ms) |")
    print("|---|---:|---:|---:|")
    for name, seconds in (
        ("event loop (main thread)", med(r.cpu["event loop (main thread)"] for r in runs)),
        ("other threads (SQLite driver, ...)", med(r.cpu["process"] - r.cpu["event loop (main thread)"] for r in runs)),
        ("whole process", med(r.cpu["process"] for r in runs)),
    ):
        print(f"| {name} | {seconds:.2f} | {seconds / wall:.0%} | {seconds / n * 1000:.2f} |")
    print(f"\ntarget ≥ 1,000 replies/s: {'met' if med(bot_rate) >= 1000 else 'missed'} "
          f"({med(bot_rate):.0f}/s on {backend})")


async def start_sampler(pid: int, path: str) -> asyncio.subprocess.Process:
    """py-spy sampling every thread of the bot's process, keeping only samples of a thread
    holding the GIL: where the interpreter's CPU goes (the SQLite library's own work, done
    with the GIL released, is in the CPU table instead). A sampler from outside, because
    cProfile counts every resumption of a coroutine as a call and loses its way in
    SQLAlchemy's greenlet switches."""
    import shutil

    binary = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(binary).exists():
        raise SystemExit("--profile needs py-spy (pip install py-spy)")
    process = await asyncio.create_subprocess_exec(
        binary, "record", "--pid", str(pid), "--rate", str(SAMPLES_PER_SECOND), "--format", "raw", "--gil",
        "--function", "--nonblocking", "--output", path,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    await asyncio.sleep(1.0)  # attached before the first event
    return process


async def stop_sampler(process: asyncio.subprocess.Process) -> None:
    process.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
    await asyncio.wait_for(process.wait(), STEP_TIMEOUT)


SAMPLES_PER_SECOND = 250
GROUPS = (("(bot/", "bot (this project)"), ("(slack_bolt/", "slack_bolt"), ("(slack_sdk/", "slack_sdk"),
          ("(sqlalchemy/", "SQLAlchemy"), ("<sqlalchemy", "SQLAlchemy"), ("(aiosqlite/", "aiosqlite"),
          ("(asyncpg/", "asyncpg"), ("(aiohttp/", "aiohttp"), ("(asyncio/", "asyncio"), ("(json/", "json"),
          ("(logging/", "logging"))
# Frames under which everything runs (the event loop, a thread's start): on every stack.
OUTER = ("<module> (", "main (replies_ingest", "run (asyncio/runners", "Runner.run (", "BaseEventLoop.run_",
         "BaseEventLoop._run_once (", "Handle._run (", "Thread.run (", "Thread._bootstrap", "bot_process (")


def print_profile(path: str, top: int) -> None:
    """Own and cumulative samples per function from py-spy's collapsed stacks, one line
    per distinct stack: "outer (file:line);...;inner (file:line) count"."""
    own: dict[str, int] = {}
    cumulative: dict[str, int] = {}
    groups: dict[str, int] = {}
    threads = {"event loop (main thread)": 0, "SQLite driver threads": 0}
    total = 0
    for line in Path(path).read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        # An empty stack: the GIL held where py-spy found no Python frame.
        count, frames = int(count_text), stack.split(";") if stack else ["(no Python frame)"]
        total += count
        sqlite_thread = "_connection_worker_thread" in stack
        threads["SQLite driver threads" if sqlite_thread else "event loop (main thread)"] += count
        own[frames[-1]] = own.get(frames[-1], 0) + count
        group = next((name for marker, name in GROUPS if marker in frames[-1]), "other (stdlib, C)")
        groups[group] = groups.get(group, 0) + count
        for frame in set(frames):  # once per stack, however deep the recursion
            cumulative[frame] = cumulative.get(frame, 0) + count
    if not total:
        print("\n(no samples)")
        return

    def table(title: str, rows: dict[str, int]) -> None:
        print(f"\n| {title} | samples | seconds | share |")
        print("|---|---:|---:|---:|")
        for name, count in sorted(rows.items(), key=lambda item: -item[1]):
            if count:
                print(f"| {name} | {count} | {count / SAMPLES_PER_SECOND:.2f} | {count / total:.0%} |")

    print(f"\nProfile of the bot's process while the replies came in: py-spy, {SAMPLES_PER_SECOND} samples/s "
          f"of the threads holding the GIL, {total} samples ({path})")
    table("thread", threads)
    table("innermost frame in", groups)
    print(f"\nTop {top} functions by cumulative samples (the function on the stack; the event loop's "
          "and threads' outermost frames left out):\n")
    print("| function | cumulative | share | own |")
    print("|---|---:|---:|---:|")
    ranked = [(f, c) for f, c in sorted(cumulative.items(), key=lambda item: -item[1])
              if not any(marker in f for marker in OUTER)]
    for frame, count in ranked[:top]:
        print(f"| `{frame}` | {count} | {count / total:.0%} | {own.get(frame, 0)} |")
    print("\nTop 15 functions by own samples:\n")
    print("| function | own | share |")
    print("|---|---:|---:|")
    for frame, count in sorted(own.items(), key=lambda item: -item[1])[:15]:
        print(f"| `{frame}` | {count} | {count / total:.0%} |")


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--bot":
        asyncio.run(bot_process(json.loads(sys.argv[2])))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replies", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=100,
                        help="open rounds (one channel each) the replies spread over")
    parser.add_argument("--people", type=int, default=1000,
                        help="distinct people replying (each round's replies are by different people)")
    parser.add_argument("--concurrency", type=int, default=20, help="events in flight: sent, not yet stored")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds the fake's Web API takes per call")
    parser.add_argument("--poll", type=float, default=0.005, help="seconds between reads of the replies table")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--deadline", type=float, default=600.0, help="seconds the load of one run may take")
    parser.add_argument("--postgres", metavar="ADMIN_URL", help="run on a fresh database on this server "
                        "(postgresql://postgres@127.0.0.1:5432/test) instead of SQLite")
    parser.add_argument("--profile", metavar="PATH", help="after the runs, one more sampled by py-spy (not "
                        "counted), its collapsed stacks written to PATH and summed up")
    parser.add_argument("--top", type=int, default=25, help="functions listed from the profile")
    args = parser.parse_args()
    if -(-args.replies // args.rounds) > args.people:
        parser.error("more replies per round than people: someone would answer twice")

    runs = []
    for k in range(args.runs):
        try:
            run = asyncio.run(one_run(args))
        except Failed as exc:
            raise SystemExit(f"FAILED in run {k + 1}: {exc}") from None
        runs.append(run)
        print(f"run {k + 1}: {args.replies / run.wall:.0f} replies/s, p50 {ms(percentile(run.latencies, 0.5))} ms, "
              f"p99 {ms(percentile(run.latencies, 0.99))} ms; plain {args.replies / run.plain['sequential']:.0f} "
              f"rows/s", flush=True)
    report(runs, args)
    if args.profile:
        profiled = asyncio.run(one_run(args, profile=str(Path(args.profile).resolve())))
        print(f"\n(profiled run: {args.replies / profiled.wall:.0f} replies/s)")
        print_profile(str(Path(args.profile).resolve()), args.top)


if __name__ == "__main__":
    main()
