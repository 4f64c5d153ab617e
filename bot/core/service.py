"""The core: turns inbound events into ledger changes and platform calls.

``Core`` owns rounds (post, replies, reveal), rotation and the ``/interview`` commands.
It talks to platforms only through ``ChatPlatform`` and to storage through ``Repository``.
"""

from __future__ import annotations

import hashlib
import logging
import time as time_module
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

from bot.content.loader import Bank
from bot.content.model import Question
from bot.core import views
from bot.core.batching import Batch
from bot.core.channel_health import ChannelHealth
from bot.core.leases import ClaimLost, Leases
from bot.core.clock import Clock
from bot.core.command_handlers import run_command
from bot.core.commands import (
    ADMIN_COMMANDS,
    UnknownCommand,
    UsageError,
    clean_answer,
    command_name,
    id_from,
    parse_command,
)
from bot.core.i18n import t
from bot.core.messages import ACTION_RATE, ACTION_REVEAL_NOW, Message, Response, private_reply
from bot.core.learning import Learning
from bot.core.metrics import Metrics, NullMetrics
from bot.core.packs import PackManager, owner_of
from bot.core.recovery import DELAYED_REVEAL, Recovery
from bot.core.models import (
    Actor,
    ChannelRef,
    MessageRef,
    Reply,
    ReplyDraft,
    Round,
    RoundClaim,
    Subscription,
    ThreadRef,
)
from bot.core.study import StudySessions
from bot.core.ports import (
    AdminNotice,
    ButtonPressed,
    ChannelUnavailable,
    ChatPlatform,
    CommandInvoked,
    InboundEvent,
    PackUploaded,
    PracticeAnswerSubmitted,
    PrivateAnswerSubmitted,
    Repository,
    ThreadReplyCreated,
    ThreadReplyDeleted,
    ThreadReplyEdited,
    Timers,
)
from bot.core.schedule import Schedule

if TYPE_CHECKING:
    from bot.content.matching import Coverage

log = logging.getLogger(__name__)

# How long a claim (a post, a reveal) belongs to the instance that made it unless renewed:
# when an instance dies, another takes its work over within about this long.
DEFAULT_LEASE = timedelta(seconds=30)

# Threads whose round is kept in memory (least recently answered first out): a few days of
# rounds for thousands of channels, a few MB.
THREADS_REMEMBERED = 20_000


class Grader(Protocol):
    def grade(self, question: Question, text: str) -> Coverage: ...


@dataclass(frozen=True)
class CoreSettings:
    default_schedule: Schedule
    language: str = "en"
    admins: frozenset[str] = frozenset()  # "platform:user_id"
    day_rollover: time = time(4, 0)
    weekly_summary: bool = False
    study_count: int = 5
    study_answer_minutes: int = 3
    post_grace: timedelta = timedelta(hours=2)
    lease: timedelta = DEFAULT_LEASE


@dataclass(frozen=True)
class RoundRequest:
    """A round wanted in a channel; its question is chosen when it is claimed. Tags and
    the answer window default to the channel's subscription (or the default schedule)."""

    channel: ChannelRef
    subscription: Subscription | None
    scheduled_day: date | None = None
    tags: tuple[str, ...] | None = None
    reveal_after: timedelta | None = None
    study_id: int | None = None


@dataclass(frozen=True)
class ClaimedRound:
    """A round the ledger gave to this instance to post: POSTING until confirmed."""

    round: Round
    question: Question
    subscription: Subscription | None


# Events carrying an answer typed by a person, bounded in ``Core.handle``.
_ANSWERS = (ThreadReplyCreated, ThreadReplyEdited, PrivateAnswerSubmitted, PracticeAnswerSubmitted)


class _NoTimers:
    def subscription_changed(self, subscription: Subscription) -> None:
        pass

    def reveal_scheduled(self, round_: Round) -> None:
        pass

    def next_post_time(self, subscription: Subscription) -> None:
        return None


class Core:
    def __init__(
        self,
        *,
        repository: Repository,
        bank: Bank,
        clock: Clock,
        grader: Grader,
        settings: CoreSettings,
        metrics: Metrics | None = None,
    ) -> None:
        self.repo = repository
        self.metrics: Metrics = metrics or NullMetrics()
        self.bank = bank
        self.clock = clock
        self.grader = grader
        self.settings = settings
        self.timers: Timers = _NoTimers()
        self.platforms: dict[str, ChatPlatform] = {}
        self.learning = Learning(self, settings.day_rollover)
        self.study = StudySessions(self)
        self.packs = PackManager(self, bank.packs)
        self.recovery = Recovery(self, settings.post_grace)
        self.leases = Leases(repository, clock, settings.lease, max_hold=settings.post_grace)
        self.health = ChannelHealth(repository, clock, on_paused=self._channel_paused)
        # Writes that come in bursts (a fan-out's confirmations, a busy thread's replies)
        # share transactions: group commit.
        self._confirmations: Batch[tuple[int, MessageRef, ThreadRef | None], Round | None] = Batch(
            repository.mark_posted_many)
        self._replies: Batch[ReplyDraft, Reply | None] = Batch(repository.add_replies)
        self._thread_rounds: OrderedDict[ThreadRef, Round] = OrderedDict()  # see ``round_in_thread``
        self._reveal_claims: Batch[int, Round | None] = Batch(self._claim_reveals)
        self._reveals_done: Batch[int, None] = Batch(self._finish_reveals)
        self._handlers: dict[type, Callable[..., Awaitable[list[Response]]]] = {
            CommandInvoked: self._on_command,
            ThreadReplyCreated: self._on_thread_reply,
            ThreadReplyEdited: self._on_thread_edit,
            ThreadReplyDeleted: self._on_thread_delete,
            PrivateAnswerSubmitted: self._on_private_answer,
            PracticeAnswerSubmitted: self._on_practice_answer,
            PackUploaded: self._on_pack_uploaded,
            ButtonPressed: self._on_button,
        }

    async def question(self, question_id: str) -> Question | None:
        """The bank's question, reloading uploaded packs first when this instance has not
        seen it yet (another instance may have posted a question from a fresh upload)."""
        found = self.bank.get(question_id)
        if found is None:
            await self.packs.refresh()
            found = self.bank.get(question_id)
        return found

    def attach(self, platform: ChatPlatform) -> None:
        self.platforms[platform.name] = platform

    async def handle(self, event: InboundEvent) -> list[Response]:
        """The one entry point for adapters: returns what to tell the event's author."""
        started = time_module.perf_counter()
        try:
            # A pack uploaded on another instance shows up within a second; a round's own
            # question is looked for at once when missing (``question``).
            await self.packs.refresh(max_age=1.0)
            if isinstance(event, _ANSWERS):  # free text that no command parser bounded
                event = replace(event, text=clean_answer(event.text))
            return await self._handlers[type(event)](event)
        except Exception:
            self.metrics.count("errors", where=type(event).__name__)
            raise
        finally:
            if isinstance(event, CommandInvoked):
                self.metrics.observe("command_seconds", time_module.perf_counter() - started,
                                     command=command_name(event.text))

    # --- rounds ------------------------------------------------------------------------

    async def start_round(self, channel: ChannelRef, scheduled_day: date | None = None) -> Round | None:
        """Post the channel's next question and open its thread. With ``scheduled_day``,
        at most once per channel and day, whoever calls; returns None when already done
        (or when no question matches the channel's tags)."""
        subscription = await self.repo.get_subscription(channel)
        claimed = (await self.claim_rounds([RoundRequest(channel, subscription, scheduled_day)]))[0]
        return await self.post_daily(claimed) if claimed else None

    async def post_daily(self, claimed: ClaimedRound) -> Round:
        """Post a channel round claimed by ``claim_rounds``; with the first scheduled
        question of the week, the weekly summary (tied to the day's claim, so once)."""
        round_ = await self.post_claimed(claimed)
        day, subscription = round_.scheduled_day, claimed.subscription
        schedule = self.schedule_of(subscription)
        if day is not None and self._starts_week(schedule, day):
            week_start = datetime.combine(day - timedelta(days=7), time(0, 0), ZoneInfo(schedule.timezone))
            await self._post_weekly_summary(round_.channel, self.language_of(subscription), week_start)
        return round_

    async def open_round(
        self,
        channel: ChannelRef,
        tags: tuple[str, ...],
        *,
        reveal_after: timedelta,
        thread: ThreadRef | None = None,
        study_id: int | None = None,
        title: str | None = None,
        subscription: Subscription | None,
    ) -> Round | None:
        """Claim the next question, post it (in ``thread`` if given, else as a new message
        with its own thread) and schedule its reveal. ``subscription`` is the channel's
        (None when it has none), read by the caller."""
        request = RoundRequest(channel, subscription, tags=tags, reveal_after=reveal_after, study_id=study_id)
        claimed = (await self.claim_rounds([request]))[0]
        return await self.post_claimed(claimed, thread=thread, title=title) if claimed else None

    async def claim_rounds(self, requests: Sequence[RoundRequest]) -> list[ClaimedRound | None]:
        """Choose each channel's next question and claim the rounds in the ledger, a whole
        batch in a handful of queries; None where no question fits the channel's tags or
        the channel already has its round for the day."""
        # Many channels post in the same minute: look for new packs at most once a second.
        await self.packs.refresh(max_age=1.0)
        channels = [r.channel for r in requests]
        disabled = await self.repo.disabled_packs_for(channels)
        cycles = await self.repo.asked_in_cycles(channels)
        now = self.clock.now()
        chosen: list[tuple[int, Question]] = []
        claims: list[RoundClaim] = []
        for index, request in enumerate(requests):
            schedule = self.schedule_of(request.subscription)
            tags = request.tags if request.tags is not None else (
                request.subscription.tags if request.subscription else ())
            picked = self._next_question(request.channel, tags, disabled[request.channel], *cycles[request.channel])
            if picked is None:
                continue
            question, cycle = picked
            reveal_after = request.reveal_after if request.reveal_after is not None else schedule.reveal_after
            chosen.append((index, question))
            claims.append(RoundClaim(request.channel, question.id, cycle, request.scheduled_day,
                                     now + reveal_after, request.study_id))
        claimed = await self.repo.claim_rounds(claims, now, self.leases.lease, self.leases.owner) if claims else []
        # Held (and renewed) until posted or given up in ``post_claimed``.
        self.leases.hold_posts([r.id for r in claimed if r is not None])
        results: list[ClaimedRound | None] = [None] * len(requests)
        for (index, question), round_ in zip(chosen, claimed, strict=True):
            request = requests[index]
            if round_ is None:
                log.info("round for %s on %s already claimed; not posting again",
                         request.channel.key, request.scheduled_day)
                continue
            results[index] = ClaimedRound(round_, question, request.subscription)
        return results

    async def post_claimed(self, claimed: ClaimedRound, *, thread: ThreadRef | None = None,
                           title: str | None = None) -> Round:
        """Make the claimed round's post and confirm it; a failure counts against the channel.
        When the platform said the post cannot be made (``ChannelUnavailable``) the claim is
        given up at once, so the round can be tried again. Any other failure (a timeout, a
        5xx) may have left a post behind: the claim is left to run out, and the instance that
        takes it over asks the platform for the post before making it again."""
        round_, question = claimed.round, claimed.question
        channel = round_.channel
        sending = False
        try:
            language = self.language_of(claimed.subscription)
            schedule = self.schedule_of(claimed.subscription)
            message = views.question_message(round_, question, language, schedule.timezone, title=title)
            platform = self.platforms[channel.platform]
            self.leases.check(round_.id)  # taken over while queued: the other instance posts
            sending = True
            if thread is not None:
                posted = await platform.reply_in_thread(thread, message)
            else:
                posted = await platform.post_message(channel, message)
        except Exception as exc:
            self.leases.let_go_post(round_.id)
            if isinstance(exc, ClaimLost):
                raise
            if isinstance(exc, ChannelUnavailable) or not sending:
                await self.repo.release_round(round_.id)
            await self.health.failed(channel, exc, f"the post of round {round_.id}")
            raise
        try:
            if thread is None:
                try:
                    thread = await platform.open_thread(posted, views.thread_name(question, language))
                except Exception:
                    log.exception("could not open a thread for round %s; replies go to the channel", round_.id)
            round_ = await self.confirm_post(round_.id, posted, thread)
        finally:
            self.leases.let_go_post(round_.id)
        self.metrics.count("posts", platform=channel.platform)
        log.info("posted round %s (%s) in %s", round_.id, question.id, channel.key)
        self.timers.reveal_scheduled(round_)
        return round_

    async def confirm_post(self, round_id: int, posted: MessageRef, thread: ThreadRef | None) -> Round:
        """Record a post that went out; confirmations made at the same time share one
        transaction."""
        confirmed = await self._confirmations.submit((round_id, posted, thread))
        if confirmed is None:
            raise KeyError(f"no round {round_id}")
        return confirmed

    @staticmethod
    def _starts_week(schedule: Schedule, day: date) -> bool:
        return bool(schedule.days) and day.weekday() == min(schedule.days)

    async def _post_weekly_summary(self, channel: ChannelRef, language: str, since: datetime) -> None:
        if not self.settings.weekly_summary:
            return
        standings = await self.repo.standings(channel, since)
        if standings:
            await self.platforms[channel.platform].post_message(
                channel, views.leaderboard_message(standings, "week", language, t("weekly.title", language))
            )

    async def _claim_reveals(self, round_ids: list[int]) -> list[Round | None]:
        # Only rounds of platforms connected here: another instance reveals the others.
        return await self.repo.claim_reveals(round_ids, self.clock.now(), self.leases.lease,
                                             platforms=self.platforms, owner=self.leases.owner)

    async def _finish_reveals(self, round_ids: list[int]) -> list[None]:
        await self.repo.finish_reveals(round_ids, self.clock.now())
        return [None] * len(round_ids)

    async def reveal_round(self, round_id: int) -> bool:
        """Post the reference answer and the summary in the round's thread, once. A reveal
        that fails gives its claim up and counts against the channel; it raises, and the
        next sweep tries again once the channel's back-off has passed."""
        round_ = await self._reveal_claims.submit(round_id)
        if round_ is None:
            return False
        with self.leases.revealing(round_id):
            sent: list[MessageRef] = []
            try:
                posted = await self._post_reveal(round_, sent)
            except Exception as exc:
                await self.health.failed(round_.channel, exc, f"the reveal of round {round_id}")
                if not sent:
                    await self.repo.release_reveal(round_id)
                    raise
                # The answer is out, the summary is not: posting both again would show the
                # answer twice. The round is revealed; the summary is lost (logged).
                log.error("the summary of round %s in %s could not be posted; the reveal stands",
                          round_id, round_.channel.key, exc_info=exc)
                posted = True
            await self._reveals_done.submit(round_id)
        if not posted:
            return False
        self.metrics.count("reveals", platform=round_.channel.platform)
        log.info("revealed round %s in %s", round_id, round_.channel.key)
        await self.study.after_reveal(round_)
        return True

    async def _post_reveal(self, round_: Round, sent: list[MessageRef]) -> bool:
        """The reveal's two messages (each one made goes into ``sent``); False when the
        round's question is gone (nothing to post: the reveal is closed all the same)."""
        platform = self.platforms[round_.channel.platform]  # claimed only when connected here
        question = await self.question(round_.question_id)
        if question is None:
            log.error("cannot reveal round %s: its question %s is gone", round_.id, round_.question_id)
            return False
        await self._read_back_missed_replies(round_)
        subscription = await self.repo.get_subscription(round_.channel)
        language = self.language_of(subscription)
        # Late replies included: the summary counts those written after the announced
        # reveal time, which a delayed reveal (downtime, a failing platform) finds here.
        replies = await self.repo.replies_for_round(round_.id)
        hints = await self.repo.hints_for_round(round_.id)
        thread = round_.thread
        for message in (
            views.reveal_message(round_, question, language),
            views.summary_message(round_, question, replies, language, hints),
        ):
            self.leases.check(round_.id)
            if thread is not None:
                try:
                    sent.append(await platform.reply_in_thread(thread, message))
                    continue
                except ChannelUnavailable as exc:
                    # The thread is gone (deleted, locked) but the channel may not be:
                    # the answer goes to the channel instead.
                    log.warning("the thread of round %s is unavailable (%s); revealing in the channel",
                                round_.id, exc.reason)
                    thread = None
            sent.append(await platform.post_message(round_.channel, message))
        return True

    async def _read_back_missed_replies(self, round_: Round) -> None:
        """Before a reveal the bot makes well after its announced time (it was down or
        disconnected when the round closed), read the round's thread back: replies written
        in time are then scored by the platform's time of writing, and those written after
        it are counted late in the summary. Only a thread the round owns: a study thread
        holds earlier questions' replies too."""
        if not round_.owns_thread or self.clock.now() - round_.reveal_at <= DELAYED_REVEAL:
            return
        try:
            await self.recovery.backfill_round(round_)
        except Exception:  # noqa: BLE001 - the reveal goes out with what the ledger holds
            log.exception("could not read back the thread of round %s before its delayed reveal", round_.id)

    def _next_question(
        self, channel: ChannelRef, tags: tuple[str, ...], disabled: set[str], cycle: int, asked: set[str]
    ) -> tuple[Question, int] | None:
        """No question repeats in a channel until every eligible one was asked; then a new
        cycle starts. The order inside a cycle is a stable shuffle per channel and cycle."""
        eligible = self.bank.filter(tags, disabled, owner_of(channel))
        if not eligible:
            return None
        remaining = [q for q in eligible if q.id not in asked]
        if not remaining:
            cycle, remaining = cycle + 1, list(eligible)

        def order(q: Question) -> str:
            return hashlib.sha256(f"{channel.key}|{cycle}|{q.id}".encode()).hexdigest()

        return min(remaining, key=order), cycle

    def schedule_of(self, subscription: Subscription | None) -> Schedule:
        """The channel's schedule: its own, or the default one for a channel without."""
        return subscription.schedule if subscription else self.settings.default_schedule

    def language_of(self, subscription: Subscription | None) -> str:
        """The channel's interface language."""
        return (subscription.language if subscription else None) or self.settings.language

    def is_admin(self, actor: Actor) -> bool:
        return actor.is_admin or actor.user.key in self.settings.admins

    async def round_in_thread(self, thread: ThreadRef) -> Round | None:
        """The round whose answers go in ``thread``. A round that opened its own thread
        (every daily question) keeps it for good, so it is remembered after the first
        look; a study thread moves on to the session's next round and is looked up each
        time."""
        known = self._thread_rounds.get(thread)
        if known is not None:
            self._thread_rounds.move_to_end(thread)
            return known
        round_ = await self.repo.round_by_thread(thread)
        if round_ is not None and round_.owns_thread:
            self._thread_rounds[thread] = round_
            if len(self._thread_rounds) > THREADS_REMEMBERED:
                self._thread_rounds.popitem(last=False)
        return round_

    # --- inbound events ------------------------------------------------------------------

    async def _on_thread_reply(self, event: ThreadReplyCreated) -> list[Response]:
        round_ = await self.round_in_thread(event.thread)
        question = await self.question(round_.question_id) if round_ else None
        if round_ is None or question is None or not event.text.strip():
            return []
        # Graded and stored even after the round closed: the ledger flags it late (kept as
        # history, never scored), judging by the round as stored, since this copy of it
        # may be from before a reveal.
        result = self.grader.grade(question, event.text)
        stored = await self._replies.submit(ReplyDraft(round_.id, event.actor, event.text, False, result.covered,
                                                      result.score, self.clock.now(), event.message_id,
                                                      event.sent_at))
        if stored is not None:
            self.metrics.count("replies", platform=event.thread.channel.platform,
                               kind="late" if stored.late else "public")
        return []

    async def _on_thread_edit(self, event: ThreadReplyEdited) -> list[Response]:
        round_ = await self.round_in_thread(event.thread)
        question = await self.question(round_.question_id) if round_ else None
        if round_ is None or question is None:
            return []
        result = self.grader.grade(question, event.text)
        # After the close, the ledger keeps the scored version and records this text beside it.
        edited = await self.repo.edit_reply(round_.id, event.message_id, event.text, result.covered,
                                            result.score, self.clock.now(), event.sent_at)
        if not edited:  # an edit of a reply we never saw counts as the reply itself
            await self._replies.submit(ReplyDraft(round_.id, event.actor, event.text, False, result.covered,
                                                  result.score, self.clock.now(), event.message_id, event.sent_at))
        return []

    async def _on_thread_delete(self, event: ThreadReplyDeleted) -> list[Response]:
        round_ = await self.round_in_thread(event.thread)
        if round_ is not None:
            # Deleted after the close, an answer made in time keeps its score (see the ledger).
            await self.repo.delete_reply(round_.id, event.message_id, self.clock.now())
        return []

    async def _on_private_answer(self, event: PrivateAnswerSubmitted) -> list[Response]:
        subscription = await self.repo.get_subscription(event.channel)
        language = await self._language_for(event.actor, subscription)
        if event.round_id is not None:
            round_ = await self.repo.get_round(event.round_id)
        else:
            round_ = await self.repo.current_round(event.channel)
        if round_ is None or round_.channel != event.channel:
            return [private_reply(t("round.none_open", language))]
        if not round_.is_open:
            return [private_reply(t("round.already_revealed", language, round_id=round_.id))]
        question = await self.question(round_.question_id)
        if question is None:
            return [private_reply(t("round.none_open", language))]
        result = self.grader.grade(question, event.text)
        stored = await self._replies.submit(ReplyDraft(round_.id, event.actor, event.text, True, result.covered,
                                                       result.score, self.clock.now()))
        if stored is not None and stored.late:  # after the answer time, before a delayed reveal
            self.metrics.count("replies", platform=event.channel.platform, kind="late")
            return [private_reply(t("answer.saved_late", language, round_id=round_.id))]
        self.metrics.count("replies", platform=event.channel.platform, kind="private")
        text = t("answer.saved", language, round_id=round_.id, covered=len(result.covered),
                 total=len(question.key_points))
        if result.missed:
            text += " " + t("answer.missed", language, missed=", ".join(views.point_names(question, result.missed, language)))
        return [private_reply(text)]

    async def _on_pack_uploaded(self, event: PackUploaded) -> list[Response]:
        language = await self._language_for(event.actor, await self.repo.get_subscription(event.channel))
        if not self.is_admin(event.actor):
            return [private_reply(t("admin.only", language, command="packs upload"))]
        return [private_reply(await self.packs.upload(event.channel, event.actor, event.filename, event.text, language))]

    async def _on_practice_answer(self, event: PracticeAnswerSubmitted) -> list[Response]:
        language = await self._language_for(event.actor, await self.repo.get_subscription(event.channel))
        practice = await self.repo.get_practice(event.actor.user)
        question = await self.question(practice.question_id) if practice else None
        if practice is None or question is None:
            return [private_reply(t("practice.none", language))]
        result = self.grader.grade(question, event.text)
        await self.repo.finish_practice(event.actor.user, result.score, self.clock.now())
        return [Response(views.practice_result_message(question, result.covered, language), private=True)]

    async def rate(
        self, channel: ChannelRef, actor: Actor, rating: int, round_id: int | None, question_id: str | None,
        language: str,
    ) -> list[Response]:
        """A self-rating after a reveal or a practice answer, fed to the person's FSRS card."""
        user = actor.user
        practice = await self.repo.get_practice(user)
        practised = practice.question_id if practice and practice.answered_at else None
        target: str | None = None
        if question_id is not None or (round_id is None and practised):
            # A practice rating: only for the question just answered, and only once.
            if practised and question_id in (None, practised):
                target = practised
                await self.repo.end_practice(user)
        else:
            answered = await self.repo.answered_round(channel, user, round_id)
            if answered is None and round_id is not None:
                return [private_reply(t("rate.not_answered", language, round_id=round_id))]
            if answered is not None and await self.learning.rated_since(user, answered.question_id,
                                                                        answered.revealed_at):
                return [private_reply(t("rate.already", language, round_id=answered.id))]
            target = answered.question_id if answered else None
        question = await self.question(target) if target else None
        if question is None:
            return [private_reply(t("rate.nothing", language))]
        due = await self.learning.rate(user, question.id, rating)
        timezone = await self._timezone_for(actor, channel)
        return [private_reply(t("rate.saved", language, title=views.question_title(question, language),
                                due=views.local_time(due, timezone)))]

    async def _timezone_for(self, actor: Actor, channel: ChannelRef) -> str:
        prefs = await self.repo.get_prefs(actor.user)
        if prefs and prefs.timezone:
            return prefs.timezone
        subscription = await self.repo.get_subscription(channel)
        return self.schedule_of(subscription).timezone

    async def _language_for(self, actor: Actor, subscription: Subscription | None) -> str:
        """A person's own language for what only they see, else the channel's."""
        prefs = await self.repo.get_prefs(actor.user)
        return (prefs.language if prefs else None) or self.language_of(subscription)

    async def _on_button(self, event: ButtonPressed) -> list[Response]:
        language = await self._language_for(event.actor, await self.repo.get_subscription(event.channel))
        # A button's value is only what the post carried: the round it names must be one of
        # the channel the click came from (the adapter's channel, read from the platform's
        # payload), else a click in one channel could act on another's round.
        if event.action == ACTION_RATE:
            target, _, rating = event.value.rpartition(":")
            if rating not in ("1", "2", "3", "4"):
                return []
            if target.startswith("q:"):  # the caller's own practice question: no channel's
                return await self.rate(event.channel, event.actor, int(rating), None, target[2:], language)
            target_id = id_from(target)
            if target_id is None:
                return []
            round_ = await self.repo.get_round(target_id)
            if round_ is None or round_.channel != event.channel:
                return [private_reply(t("rate.not_answered", language, round_id=target_id))]
            return await self.rate(event.channel, event.actor, int(rating), round_.id, None, language)
        if event.action != ACTION_REVEAL_NOW:
            return []
        if not self.is_admin(event.actor):
            return [private_reply(t("admin.only", language, command="reveal"))]
        pressed_id = id_from(event.value)
        if pressed_id is None:
            return []
        round_ = await self.repo.get_round(pressed_id)
        if round_ is None or round_.channel != event.channel:
            return [private_reply(t("round.none_open", language))]
        return await self.reveal_reply(round_.id, language)

    async def _on_command(self, event: CommandInvoked) -> list[Response]:
        subscription = await self.repo.get_subscription(event.channel)
        language = await self._language_for(event.actor, subscription)
        try:
            command = parse_command(event.text)
        except UnknownCommand as exc:
            return [private_reply(t("error.unknown_command", language, command=exc.name))]
        except UsageError as exc:
            key = "error.usage_reason" if exc.reason else "error.usage"
            return [private_reply(t(key, language, reason=exc.reason, usage=exc.usage))]
        if command.name in ADMIN_COMMANDS and not self.is_admin(event.actor):
            return [private_reply(t("admin.only", language, command=command.name))]
        return await run_command(self, event, command, subscription, language)

    async def reveal_reply(self, round_id: int, language: str) -> list[Response]:
        if await self.reveal_round(round_id):
            return [private_reply(t("round.revealed", language, round_id=round_id))]
        return [private_reply(t("round.already_revealed", language, round_id=round_id))]

    async def save_subscription(self, subscription: Subscription) -> None:
        await self.repo.save_subscription(subscription, self.clock.now())
        self.timers.subscription_changed(subscription)

    async def _channel_paused(self, subscription: Subscription) -> None:
        """The bot paused a channel it cannot post in: no more jobs for it here (the other
        instances see the new revision), and its admins are told where that is possible."""
        self.timers.subscription_changed(subscription)
        platform = self.platforms.get(subscription.channel.platform)
        if not isinstance(platform, AdminNotice):
            return
        language = self.language_of(subscription)
        message = Message(text=t("channel.paused_notice", language, channel=subscription.channel.channel,
                                 reason=subscription.paused_reason or "?"),
                          title=t("channel.paused_notice_title", language))
        try:
            if not await platform.tell_admins(subscription.channel, message):
                log.warning("no admin of %s could be told that its schedule was paused", subscription.channel.key)
        except Exception:  # noqa: BLE001 - the pause stands whether or not anyone was told
            log.exception("could not tell the admins of %s that its schedule was paused", subscription.channel.key)

