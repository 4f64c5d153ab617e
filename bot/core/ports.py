"""The core's two narrow ports, and what it needs from storage and the scheduler.

Outbound: ``ChatPlatform`` is what the core asks a platform to do. Inbound: the event
dataclasses are what an adapter tells the core (``Core.handle``). Nothing here imports a
platform library, SQLAlchemy or APScheduler.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol, runtime_checkable

from bot.core.messages import Message
from bot.core.models import (
    Actor,
    ChannelRef,
    MessageRef,
    Practice,
    Reply,
    ReplyDraft,
    ReviewCard,
    Round,
    RoundClaim,
    Standing,
    StudySession,
    StoredPack,
    StudyStatus,
    Subscription,
    ThreadRef,
    UserPrefs,
    UserRef,
)

# --- outbound: what the core asks a platform to do -------------------------------------


class ChannelUnavailable(Exception):
    """A platform call failed because of the channel itself: the bot was removed from it,
    it was archived or deleted, a thread is gone, access was taken away. Adapters raise it
    (never a raw platform error) so the core can tell one channel's trouble from an outage.

    ``permanent`` is True when trying again will not help until a person acts (Slack's
    ``channel_not_found``, ``not_in_channel``, ``is_archived``; Discord's 403 and 404 for a
    channel); ``reason`` is the platform's short code, safe to log and to show an admin."""

    def __init__(self, channel_key: str, reason: str, *, permanent: bool = True) -> None:
        super().__init__(f"{channel_key}: {reason}")
        self.channel_key = channel_key
        self.reason = reason
        self.permanent = permanent



class ChatPlatform(Protocol):
    name: str

    async def post_message(self, channel: ChannelRef, message: Message) -> MessageRef: ...

    async def open_thread(self, message: MessageRef, name: str) -> ThreadRef: ...

    async def reply_in_thread(self, thread: ThreadRef, message: Message) -> MessageRef: ...

    async def send_private(self, channel: ChannelRef, user: UserRef, message: Message) -> None: ...

    async def edit_message(self, ref: MessageRef, message: Message) -> None: ...


@dataclass(frozen=True)
class HistoricReply:
    """A reply found in a thread's history (for backfill after downtime)."""

    actor: Actor
    message_id: str
    text: str
    # When the platform says the text was written (its last edit, else its post): a reply
    # made before a reveal that happened while the bot was away still counts.
    sent_at: datetime | None = None


class PostLookup(Protocol):
    """Optional: a platform that can find a post the bot made for a round (Slack message
    metadata, Discord component ids), so a post claimed before a crash is not made twice."""

    async def find_round_post(
        self, channel: ChannelRef, round_id: int, since: datetime
    ) -> tuple[MessageRef, ThreadRef | None] | None: ...


class ThreadHistory(Protocol):
    """Optional: a platform that can list a thread's replies, for replies posted while the
    bot was away."""

    async def thread_replies(self, thread: ThreadRef) -> list[HistoricReply]: ...


@runtime_checkable
class AdminNotice(Protocol):
    """Optional: a platform that can tell the admins of a channel's workspace something
    privately (a direct message to each), e.g. that the channel's schedule was paused after
    repeated permanent errors there. Returns True if at least one admin was told."""

    async def tell_admins(self, channel: ChannelRef, message: Message) -> bool: ...


# --- inbound: what a platform tells the core -------------------------------------------


@dataclass(frozen=True)
class CommandInvoked:
    """``/interview <text>`` in a channel; ``text`` is everything after ``/interview``."""

    channel: ChannelRef
    actor: Actor
    text: str


@dataclass(frozen=True)
class ThreadReplyCreated:
    """A reply in a round's thread. ``sent_at``: the platform's time of writing, given by
    a backfill from thread history; live events leave it out (their arrival counts)."""

    thread: ThreadRef
    actor: Actor
    message_id: str
    text: str
    sent_at: datetime | None = None


@dataclass(frozen=True)
class ThreadReplyEdited:
    thread: ThreadRef
    actor: Actor
    message_id: str
    text: str
    sent_at: datetime | None = None


@dataclass(frozen=True)
class ThreadReplyDeleted:
    thread: ThreadRef
    message_id: str


@dataclass(frozen=True)
class PrivateAnswerSubmitted:
    """An answer from a modal or ``/interview answer``; ``round_id`` None means the
    channel's current round."""

    channel: ChannelRef
    actor: Actor
    text: str
    round_id: int | None = None


@dataclass(frozen=True)
class PracticeAnswerSubmitted:
    """An answer to the caller's private practice question (``/interview practice``)."""

    channel: ChannelRef
    actor: Actor
    text: str


@dataclass(frozen=True)
class PackUploaded:
    """A pack file an admin shared with the bot (a Discord attachment, a Slack file)."""

    channel: ChannelRef
    actor: Actor
    filename: str
    text: str


@dataclass(frozen=True)
class ButtonPressed:
    channel: ChannelRef
    actor: Actor
    action: str
    value: str


InboundEvent = (
    CommandInvoked
    | ThreadReplyCreated
    | ThreadReplyEdited
    | ThreadReplyDeleted
    | PrivateAnswerSubmitted
    | PracticeAnswerSubmitted
    | PackUploaded
    | ButtonPressed
)

# --- what the core needs from storage and time ------------------------------------------

# Given the stored packs an upload must agree with, the pack to store or why not.
PackWrite = Callable[[list[StoredPack]], Awaitable[StoredPack | str]]


class Timers(Protocol):
    """Told by the core when a schedule or a round's reveal time changes."""

    def subscription_changed(self, subscription: Subscription) -> None: ...

    def reveal_scheduled(self, round_: Round) -> None: ...

    def next_post_time(self, subscription: Subscription) -> datetime | None: ...


class Repository(Protocol):
    """The ledger. Each method is one transaction."""

    async def get_subscription(self, channel: ChannelRef) -> Subscription | None: ...

    async def save_subscription(self, subscription: Subscription, now: datetime) -> None: ...

    async def list_subscriptions(self) -> list[Subscription]: ...

    async def subscription_revision(self) -> int:
        """The newest schedule revision: every save, on any instance, takes the next one."""
        ...

    async def subscriptions_changed_since(self, revision: int) -> tuple[list[Subscription], int]:
        """Schedules saved after ``revision``, and the newest revision among them."""
        ...

    async def record_channel_failure(
        self, channel: ChannelRef, reason: str, now: datetime, backoff: Sequence[timedelta], *, permanent: bool
    ) -> int:
        """Hold a failing channel off (every instance alike); returns its permanent
        failures in a row."""
        ...

    async def channels_held_off(self, now: datetime) -> set[ChannelRef]: ...

    async def pause_failing_channel(self, channel: ChannelRef, reason: str, now: datetime) -> Subscription | None:
        """Pause the schedule of a channel the bot cannot post in and close its open rounds."""
        ...

    async def subscriptions_for(self, channels: Sequence[ChannelRef]) -> dict[ChannelRef, Subscription]:
        """The subscriptions of those channels that have one, in one read."""
        ...

    async def claim_rounds(self, claims: Sequence[RoundClaim], now: datetime, lease: timedelta,
                           owner: str | None = None) -> list[Round | None]:
        """Insert each claim as a POSTING round owned for ``lease``, all in one transaction;
        None in place of a claim whose channel already has a round for its
        ``scheduled_day`` (the exactly-once guard)."""
        ...

    async def stale_posts(self, now: datetime) -> list[Round]:
        """Rounds claimed for posting whose claim ran out without a confirmed post."""
        ...

    async def take_over_post(self, round_id: int, now: datetime, lease: timedelta,
                             owner: str | None = None) -> Round | None: ...

    async def release_round(self, round_id: int) -> None:
        """Forget a claim whose platform post failed, so the post can be tried again."""
        ...

    async def mark_posted_many(
        self, posts: Sequence[tuple[int, MessageRef, ThreadRef | None]]
    ) -> list[Round | None]:
        """Confirm posts that went out (round id, message, thread), in one transaction;
        None for a round that is gone."""
        ...

    async def get_round(self, round_id: int) -> Round | None: ...

    async def round_for_day(self, channel: ChannelRef, day: date) -> Round | None: ...

    async def rounds_for_days(self, keys: Sequence[tuple[ChannelRef, date]]) -> dict[tuple[ChannelRef, date], Round]:
        """The scheduled rounds of those (channel, day) pairs that have one, in one read."""
        ...

    async def current_round(self, channel: ChannelRef) -> Round | None:
        """The channel's newest posted round that is still open."""
        ...

    async def round_by_thread(self, thread: ThreadRef) -> Round | None: ...

    async def open_rounds(self) -> list[Round]:
        """Every posted round not yet revealed or skipped, in any channel."""
        ...

    async def asked_in_cycles(self, channels: Sequence[ChannelRef]) -> dict[ChannelRef, tuple[int, set[str]]]:
        """Each channel's current rotation cycle and the question ids used in it."""
        ...

    async def claim_reveals(
        self, round_ids: Sequence[int], now: datetime, lease: timedelta, platforms: Iterable[str] | None = None,
        owner: str | None = None,
    ) -> list[Round | None]:
        """Claim open rounds' reveals for ``lease``, in one transaction; None in place of
        a round not open, whose reveal another claimed and that claim is still live, or
        (with ``platforms``) on another platform. A claim whose holder died expires and
        can be taken again."""
        ...

    async def finish_reveals(self, round_ids: Sequence[int], now: datetime) -> None: ...

    async def due_reveals(self, now: datetime, platforms: Iterable[str], limit: int = 500) -> list[Round]:
        """Open rounds whose reveal is due and held by no live claim (a dead instance's)."""
        ...

    async def renew_claims(self, posts: Sequence[int], reveals: Sequence[int], until: datetime,
                           owner: str | None = None) -> set[int]:
        """Extend the claims ``owner`` still holds; the ids of those."""
        ...

    async def release_reveal(self, round_id: int) -> None: ...

    async def skip_round(self, round_id: int, now: datetime) -> bool: ...

    async def add_replies(self, drafts: Sequence[ReplyDraft]) -> list[Reply | None]:
        """Store replies, in one transaction; None in place of one whose ``message_id``
        was already stored for its round."""
        ...

    async def edit_reply(
        self, round_id: int, message_id: str, text: str, covered: tuple[str, ...], score: float, now: datetime,
        sent_at: datetime | None = None,
    ) -> bool: ...

    async def delete_reply(self, round_id: int, message_id: str, now: datetime) -> bool: ...

    async def replies_for_round(self, round_id: int) -> list[Reply]: ...

    async def user_stats(self, channel: ChannelRef, user: UserRef) -> tuple[int, int, float]:
        """(rounds answered, answers, average score) for a user in a channel."""
        ...

    # --- practice: study sessions, reviews, people (see bot.storage.practice) -------------

    async def start_study(
        self, channel: ChannelRef, tags: Sequence[str], count: int, answer_window: timedelta,
        language: str | None, started_by: str, now: datetime,
    ) -> StudySession | None: ...

    async def set_study_thread(self, study_id: int, message: MessageRef, thread: ThreadRef | None) -> None: ...

    async def get_study(self, study_id: int) -> StudySession | None: ...

    async def running_study(self, channel: ChannelRef) -> StudySession | None: ...

    async def running_studies(self) -> list[StudySession]: ...

    async def end_study(self, study_id: int, status: StudyStatus, now: datetime) -> bool: ...

    async def claim_study_advance(self, study_id: int, now: datetime, until: datetime) -> bool:
        """Take the right to post a session's next question until ``until``."""
        ...

    async def release_study_advance(self, study_id: int, until: datetime) -> None: ...

    async def study_rounds(self, study_id: int) -> list[Round]: ...

    async def get_review_card(self, user: UserRef, question_id: str) -> ReviewCard | None: ...

    async def review_cards(self, user: UserRef) -> list[ReviewCard]: ...

    async def save_review_card(
        self, user: UserRef, question_id: str, card: str, due: datetime, rating: int, now: datetime
    ) -> None: ...

    async def start_practice(self, user: UserRef, question_id: str, now: datetime) -> None: ...

    async def get_practice(self, user: UserRef) -> Practice | None: ...

    async def finish_practice(self, user: UserRef, score: float, now: datetime) -> None: ...

    async def end_practice(self, user: UserRef) -> None: ...

    async def answered_round(self, channel: ChannelRef, user: UserRef, round_id: int | None) -> Round | None:
        """The revealed round (``round_id``, else the newest) in which the person answered."""
        ...

    async def take_hint(self, round_id: int, user: UserRef, limit: int, now: datetime) -> int: ...

    async def hints_for_round(self, round_id: int) -> dict[str, int]: ...

    async def get_prefs(self, user: UserRef) -> UserPrefs | None: ...

    async def save_prefs(self, prefs: UserPrefs, now: datetime) -> None: ...

    async def answer_times(self, channel: ChannelRef, user: UserRef) -> list[datetime]: ...

    async def standings(self, channel: ChannelRef, since: datetime | None) -> list[Standing]: ...

    async def answers_since(self, channel: ChannelRef, since: datetime) -> list[tuple[datetime, str]]: ...

    # --- uploaded packs (see bot.storage.packs) ------------------------------------------

    async def save_pack(self, owner_platform: str, owner_workspace: str, write: PackWrite) -> StoredPack | str:
        """One transaction under the packs lock: ``write`` is given the stored packs the new
        one must agree with (the owner's own and the shared ones) and returns the pack to
        store, in place of the owner's pack of the same id, or why not (nothing is stored)."""
        ...

    async def stored_packs(self) -> list[StoredPack]: ...

    async def packs_version(self) -> tuple[int, int | None]: ...

    async def disabled_packs(self, channel: ChannelRef) -> set[str]: ...

    async def disabled_packs_for(self, channels: Sequence[ChannelRef]) -> dict[ChannelRef, set[str]]: ...

    async def set_pack_enabled(self, channel: ChannelRef, pack_id: str, enabled: bool, now: datetime) -> None: ...
