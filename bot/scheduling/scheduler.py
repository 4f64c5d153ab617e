"""APScheduler wiring: turns stored schedules into jobs and calls the core when they fire.

Every instance runs its own AsyncIOScheduler; the database ledger decides whether a job
really posts, so a job firing twice (or on two instances) posts once. A periodic sweep on
every instance learns of schedules saved elsewhere and takes over what a dead instance
left: posts still due, reveals due, claims whose lease ran out, study sessions stopped
half-way. Decisions use the injected clock, never APScheduler's own idea of now.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.core.clock import Clock
from bot.core.models import ChannelRef, Round, RoundStatus, Subscription
from bot.core.schedule import DAY_NAMES, Schedule
from bot.core.batching import Batch
from bot.core.service import ClaimedRound, Core, RoundRequest

log = logging.getLogger(__name__)

# How far back a restart looks for the last scheduled post it may have missed.
LOOKBACK = timedelta(days=8)
# A due time this old is news of an outage, not work: no post, no warning, no query.
STALE = timedelta(days=1)
# Channels planned together at start-up, and at most together when jobs fire at once.
CATCH_UP_BATCH = 500
FIRED_BATCH = 100
# How often every instance sweeps for work nobody did (a dead instance's): well inside the
# minute in which another instance should carry on.
DEFAULT_SWEEP = timedelta(seconds=20)
# Reveals taken on by one sweep at most; the next sweep takes the rest.
SWEEP_REVEALS = 500


@lru_cache(maxsize=4096)
def cron_trigger(schedule: Schedule) -> CronTrigger:
    """A trigger firing at the schedule's local time on its weekdays, in its own timezone
    (APScheduler handles the daylight-saving shifts). A trigger keeps no state of its own,
    so channels with the same schedule share one (building one is most of a job's cost)."""
    return CronTrigger(
        day_of_week=",".join(DAY_NAMES[d] for d in sorted(schedule.days)),
        hour=schedule.time_of_day.hour,
        minute=schedule.time_of_day.minute,
        timezone=ZoneInfo(schedule.timezone),
    )


def occurrences(schedule: Schedule, start: datetime, end: datetime) -> Iterator[datetime]:
    """Scheduled post times in [start, end], as aware datetimes in the schedule's zone."""
    trigger = cron_trigger(schedule)
    previous: datetime | None = None
    moment = trigger.get_next_fire_time(None, start)
    while moment is not None and moment <= end:
        yield moment
        previous = moment
        moment = trigger.get_next_fire_time(previous, moment + timedelta(seconds=1))


def latest_occurrence(schedule: Schedule, now: datetime) -> datetime | None:
    """The schedule's latest post time at or before ``now`` within the look-back."""
    latest = None
    for latest in occurrences(schedule, now - LOOKBACK, now):
        pass
    return latest


# Outcomes after which a channel's post for that day needs no more looks. "in-progress" (a
# claim still being posted, here or elsewhere) is not one: the post may yet fail.
_SETTLED = frozenset({"posted", "already-posted", "missed", "no-question"})


def _taken(round_: Round) -> str:
    return "in-progress" if round_.status is RoundStatus.POSTING else "already-posted"


@dataclass(frozen=True)
class PostOutcome:
    channel: ChannelRef
    day: date | None
    outcome: str  # posted | already-posted | in-progress | missed | none-due | paused | no-question | elsewhere | failed
    round_id: int | None = None


class RoundScheduler:
    """Implements the core's ``Timers`` port with APScheduler jobs."""

    def __init__(self, core: Core, clock: Clock, grace: timedelta, scheduler: AsyncIOScheduler | None = None,
                 *, sweep_every: timedelta = DEFAULT_SWEEP) -> None:
        self.core = core
        self.clock = clock
        self.grace = grace
        self.sweep_every = sweep_every
        self.scheduler = scheduler or AsyncIOScheduler(timezone="UTC")
        self._in_flight: set[asyncio.Task[object]] = set()
        # The schedules as this instance knows them, up to revision ``_revision``; and for
        # each channel the day whose post is known to be settled (made, or not to make), so
        # a sweep asks the ledger only about posts that may still be due.
        self._revision = 0
        self._subscriptions: dict[ChannelRef, Subscription] = {}
        self._settled: dict[ChannelRef, date] = {}
        # Small batches: the first posts of a fan-out leave while later ones are claimed.
        self._due: Batch[ChannelRef, PostOutcome | ClaimedRound] = Batch(self._plan_channels, max_size=FIRED_BATCH)
        core.timers = self

    async def start(self, *, paused: bool = False) -> list[PostOutcome]:
        """Start firing jobs, rebuild them from the ledger, then make up for downtime:
        a missed post within the grace window, and every reveal that fell due. Tests start
        paused and drive time through the clock instead."""
        if not self.scheduler.running:
            self.scheduler.start(paused=paused)
        # The revision first: a schedule saved while the list is read is read again later.
        revision = await self.core.repo.subscription_revision()
        subscriptions = await self.core.repo.list_subscriptions()
        self._revision = max(self._revision, revision)
        for subscription in subscriptions:
            self.subscription_changed(subscription)
        # Each step goes on past any one channel's failure (and past its own: the sweep
        # tries everything again), so one bad channel never stops the start.
        await self._step("stale posts", self.core.recovery.recover_posts)
        outcomes = await self._step("catch-up", lambda: self.catch_up(subscriptions)) or []
        await self._step("overdue reveals", self.reveal_overdue)
        await self._step("study sessions", self.core.study.resume)
        self.scheduler.add_job(self.sweep, IntervalTrigger(seconds=self.sweep_every.total_seconds()), id="sweep",
                               name="sweep for work nobody did", replace_existing=True, coalesce=True,
                               max_instances=1, misfire_grace_time=None)
        self.scheduler.add_job(self.renew_leases, IntervalTrigger(seconds=self.core.leases.renew_every.total_seconds()),
                               id="renew-leases", name="keep this instance's claims alive", replace_existing=True,
                               coalesce=True, max_instances=1, misfire_grace_time=None)
        return outcomes

    async def _step(self, what: str, step: Callable[[], Awaitable[object]]) -> object:
        try:
            return await step()
        except Exception:  # noqa: BLE001 - a step that failed is tried again by the next sweep
            log.exception("%s failed; the next sweep tries again", what)
            return None

    async def sweep(self) -> None:
        """What every instance does every ``sweep_every``: learn of schedules saved on other
        instances, then take on whatever is due and nobody did (because the instance that
        would have died): posts whose claim ran out, reveals due, posts still inside the
        grace window, study sessions between two questions."""
        with self._tracked():
            await self._step("schedule refresh", self.refresh_schedules)
            await self._step("stale posts", self.core.recovery.recover_posts)
            await self._step("due reveals", self.reveal_due)
            await self._step("due posts", self.post_due)
            await self._step("study sessions", self.core.study.resume)

    async def renew_leases(self) -> None:
        try:
            await self.core.leases.renew()
        except Exception:  # noqa: BLE001 - the next renewal is a third of a lease away
            log.warning("could not renew this instance's claims", exc_info=True)

    async def refresh_schedules(self) -> int:
        """Apply the schedules saved since the last look (on any instance); how many."""
        changed, self._revision = await self.core.repo.subscriptions_changed_since(self._revision)
        for subscription in changed:
            self.subscription_changed(subscription)
        if changed:
            log.info("picked up %s schedule change(s) saved on this or another instance", len(changed))
        return len(changed)

    async def post_due(self) -> list[PostOutcome]:
        """The posts that may still be due: a channel whose latest scheduled time is inside
        the grace window and whose post for that day is not known to be settled. Channels
        backing off after a failure wait for their time."""
        now = self.clock.now()
        latest_of: dict[Schedule, datetime | None] = {}
        wanted = []
        for channel, subscription in self._subscriptions.items():
            if subscription.paused or channel.platform not in self.core.platforms:
                continue
            schedule = subscription.schedule
            if schedule not in latest_of:
                latest_of[schedule] = latest_occurrence(schedule, now)
            latest = latest_of[schedule]
            if latest is None or now - latest > self.grace or self._settled.get(channel) == latest.date():
                continue
            wanted.append(subscription)
        if not wanted:
            return []
        held = await self.core.repo.channels_held_off(now)
        return await self.catch_up([s for s in wanted if s.channel not in held], quiet=True)

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    async def drain(self, timeout: float) -> bool:
        """Stop starting jobs and wait for the ones running (a post or reveal half done).
        True when all finished in time."""
        if self.scheduler.running:
            self.scheduler.pause()
        pending = {task for task in self._in_flight if not task.done() and task is not asyncio.current_task()}
        if not pending:
            return True
        _done, still = await asyncio.wait(pending, timeout=timeout)
        return not still

    @contextmanager
    def _tracked(self) -> Iterator[None]:
        task = asyncio.current_task()
        if task is not None:
            self._in_flight.add(task)
        try:
            yield
        finally:
            if task is not None:
                self._in_flight.discard(task)

    # --- the Timers port ------------------------------------------------------------------

    def subscription_changed(self, subscription: Subscription) -> None:
        self._subscriptions[subscription.channel] = subscription
        self._settled.pop(subscription.channel, None)
        job_id = f"post:{subscription.channel.key}"
        # No job for a platform not connected here: an instance that runs it posts.
        if subscription.paused or subscription.channel.platform not in self.core.platforms:
            if self.scheduler.get_job(job_id):
                self.scheduler.remove_job(job_id)
            return
        self.scheduler.add_job(
            self.run_post,
            cron_trigger(subscription.schedule),
            args=[subscription.channel],
            id=job_id,
            name=f"daily question for {subscription.channel.key}",
            replace_existing=True,
            coalesce=True,
            misfire_grace_time=int(self.grace.total_seconds()),
        )

    def reveal_scheduled(self, round_: Round) -> None:
        self.scheduler.add_job(
            self.run_reveal,
            DateTrigger(run_date=round_.reveal_at),
            args=[round_.id],
            id=f"reveal:{round_.id}",
            replace_existing=True,
            misfire_grace_time=None,  # a late reveal is better than none
        )

    def next_post_time(self, subscription: Subscription) -> datetime | None:
        if subscription.paused:
            return None
        now = self.clock.now()
        return next(occurrences(subscription.schedule, now, now + LOOKBACK), None)

    # --- jobs --------------------------------------------------------------------------------

    async def run_post(self, channel: ChannelRef) -> PostOutcome:
        """Post the channel's question for its latest scheduled time if that is at most
        ``grace`` ago. Safe to run any number of times: the ledger posts once a day. Jobs
        firing together (every channel at 09:00) are planned and claimed as one batch."""
        with self._tracked():
            return await self._carry_out(await self._due.submit(channel))

    async def _carry_out(self, planned: PostOutcome | ClaimedRound) -> PostOutcome:
        if isinstance(planned, PostOutcome):
            return planned
        round_ = await self.core.post_daily(planned)
        return PostOutcome(round_.channel, round_.scheduled_day, "posted", round_.id)

    async def _plan_channels(self, channels: list[ChannelRef]) -> list[PostOutcome | ClaimedRound]:
        subscriptions = await self.core.repo.subscriptions_for(channels)
        return await self._plan([(channel, subscriptions.get(channel)) for channel in channels])

    async def _plan(
        self, wanted: list[tuple[ChannelRef, Subscription | None]]
    ) -> list[PostOutcome | ClaimedRound]:
        """For each channel, what its latest scheduled post needs: nothing (with why), or
        a round claimed for this instance to post. One read of the ledger for the whole
        batch, one claim transaction."""
        now = self.clock.now()
        planned: dict[int, PostOutcome | ClaimedRound] = {}
        due: dict[int, tuple[ChannelRef, Subscription, date, datetime]] = {}
        first: dict[ChannelRef, int] = {}
        latest_of: dict[Schedule, datetime | None] = {}
        for index, (channel, subscription) in enumerate(wanted):
            if first.setdefault(channel, index) != index:
                continue  # the same job twice in one batch: answered like the first, below
            if subscription is None or subscription.paused:
                planned[index] = PostOutcome(channel, None, "paused")
                continue
            if channel.platform not in self.core.platforms:
                # Not claimed here: an instance that runs this platform posts it.
                planned[index] = PostOutcome(channel, None, "elsewhere")
                continue
            if subscription.schedule not in latest_of:  # teams share schedules: work each out once
                latest_of[subscription.schedule] = latest_occurrence(subscription.schedule, now)
            latest = latest_of[subscription.schedule]
            if latest is None:
                planned[index] = PostOutcome(channel, None, "none-due")
            elif now - latest >= STALE:  # posted or not, nothing to do: skip the query
                planned[index] = PostOutcome(channel, latest.date(), "missed")
            else:
                due[index] = (channel, subscription, latest.date(), latest)
        if due:
            planned.update(await self._claim_due(due, now))
        for index, (channel, _) in enumerate(wanted):
            if index not in planned:
                original = planned[first[channel]]
                planned[index] = (PostOutcome(channel, original.round.scheduled_day, "already-posted",
                                              original.round.id)
                                  if isinstance(original, ClaimedRound) else original)
        return [planned[index] for index in range(len(wanted))]

    async def _claim_due(
        self, due: dict[int, tuple[ChannelRef, Subscription, date, datetime]], now: datetime
    ) -> dict[int, PostOutcome | ClaimedRound]:
        repo = self.core.repo
        keys = [(channel, day) for channel, _, day, _ in due.values()]
        existing = await repo.rounds_for_days(keys)
        if any(r.status is RoundStatus.POSTING for r in existing.values()):
            await self.core.recovery.recover_posts()  # a claim that may have died with its instance
            existing = await repo.rounds_for_days(keys)
        planned: dict[int, PostOutcome | ClaimedRound] = {}
        requests: dict[int, RoundRequest] = {}
        for index, (channel, subscription, day, latest) in due.items():
            found = existing.get((channel, day))
            if found is not None:
                planned[index] = PostOutcome(channel, day, _taken(found), found.id)
            elif now - latest > self.grace:
                log.warning("skipping the %s post for %s: it was due at %s, more than %s ago",
                            day, channel.key, latest.isoformat(), self.grace)
                planned[index] = PostOutcome(channel, day, "missed")
            else:
                requests[index] = RoundRequest(channel, subscription, day)
        claimed = await self.core.claim_rounds(list(requests.values())) if requests else []
        refused = [index for index, claim in zip(requests, claimed, strict=True) if claim is None]
        # Refused: another instance claimed the day first, or no question fits the tags.
        taken = await repo.rounds_for_days([(due[i][0], due[i][2]) for i in refused]) if refused else {}
        for index, claim in zip(requests, claimed, strict=True):
            channel, _, day, _ = due[index]
            if claim is not None:
                planned[index] = claim
            elif (channel, day) in taken:
                planned[index] = PostOutcome(channel, day, _taken(taken[(channel, day)]), taken[(channel, day)].id)
            else:
                planned[index] = PostOutcome(channel, day, "no-question")
        return planned

    async def run_reveal(self, round_id: int) -> bool:
        with self._tracked():
            try:
                return await self.core.reveal_round(round_id)
            except Exception as exc:  # noqa: BLE001 - counted against its channel; the sweep tries again
                log.warning("could not reveal round %s: %s; the sweep tries again", round_id, exc)
                return False

    async def catch_up(self, subscriptions: list[Subscription] | None = None, *, quiet: bool = False) -> list[PostOutcome]:
        """Every subscribed channel's latest post, made if it was missed within the grace
        window: planned a batch at a time, the posts of a batch made together. Reads the
        subscriptions unless given them. ``quiet`` logs a tally only when posts were made."""
        if subscriptions is None:
            subscriptions = await self.core.repo.list_subscriptions()
        subscriptions = [s for s in subscriptions if not s.paused]
        outcomes: list[PostOutcome] = []
        with self._tracked():
            for start in range(0, len(subscriptions), CATCH_UP_BATCH):
                batch = subscriptions[start:start + CATCH_UP_BATCH]
                planned = await self._plan([(s.channel, s) for s in batch])
                claims = [p for p in planned if isinstance(p, ClaimedRound)]
                made = iter(await asyncio.gather(*(self._carry_out(c) for c in claims), return_exceptions=True))
                for item in planned:
                    outcomes.append(item if isinstance(item, PostOutcome) else self._made(item, next(made)))
        for outcome in outcomes:
            if outcome.day is not None and outcome.outcome in _SETTLED:
                self._settled[outcome.channel] = outcome.day
        tally = Counter(o.outcome for o in outcomes)
        if outcomes and (not quiet or tally["posted"] or tally["failed"]):
            log.info("catch-up over %s channel(s): %s", len(outcomes),
                     ", ".join(f"{n} {what}" for what, n in sorted(tally.items())))
        return outcomes

    @staticmethod
    def _made(claimed: ClaimedRound, result: PostOutcome | BaseException) -> PostOutcome:
        """A catch-up post's outcome: one channel's failure (the bot removed from it, say)
        is logged and does not stop the others or the start."""
        if isinstance(result, PostOutcome):
            return result
        if not isinstance(result, Exception):
            raise result
        round_ = claimed.round
        log.error("could not make the %s post in %s", round_.scheduled_day, round_.channel.key, exc_info=result)
        return PostOutcome(round_.channel, round_.scheduled_day, "failed", round_.id)

    async def reveal_overdue(self) -> list[int]:
        """At start: reveal every open round whose time has come; schedule the others."""
        now = self.clock.now()
        due = []
        held = await self.core.repo.channels_held_off(now)  # failed in this start already
        for round_ in await self.core.repo.open_rounds():
            if round_.channel.platform not in self.core.platforms:
                continue  # revealed by an instance that runs its platform
            if round_.reveal_at <= now and round_.channel in held:
                continue  # the sweep tries it once the channel's back-off has passed
            if round_.reveal_at <= now:
                due.append(round_)
            else:
                self.reveal_scheduled(round_)
        return await self._reveal(due)

    async def reveal_due(self) -> list[int]:
        """Reveals due and held by no live claim: their instance died, or failed and gave
        them up. Rounds of channels backing off are left for a later sweep."""
        due = await self.core.repo.due_reveals(self.clock.now(), self.core.platforms, limit=SWEEP_REVEALS)
        return await self._reveal(due)

    async def _reveal(self, rounds: list[Round]) -> list[int]:
        """Reveal these rounds together (their claims share transactions); one round's
        failure is logged, counted against its channel and tried again later."""
        results = await asyncio.gather(*(self.core.reveal_round(r.id) for r in rounds), return_exceptions=True)
        revealed = []
        for round_, result in zip(rounds, results, strict=True):
            if isinstance(result, BaseException):
                if not isinstance(result, Exception):
                    raise result
                log.warning("could not reveal round %s in %s: %s; tried again later", round_.id,
                            round_.channel.key, result)
            elif result:
                revealed.append(round_.id)
        return revealed
