"""Domain records of the core: identities, subscriptions, rounds and replies.

Identities are opaque strings handed over by adapters; the core never interprets them.
Imports nothing from storage, scheduling or adapters.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.core.schedule import Schedule


@dataclass(frozen=True)
class ChannelRef:
    """A place the bot posts to: a Slack channel, a Discord text channel, the console."""

    platform: str
    workspace: str
    channel: str

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.workspace}:{self.channel}"


@dataclass(frozen=True)
class UserRef:
    platform: str
    workspace: str
    user: str

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.user}"


@dataclass(frozen=True)
class Actor:
    """Who did something, as the adapter saw them. ``is_admin`` is decided by the adapter
    from platform data on the server side (workspace admin, Manage Server, console user)."""

    user: UserRef
    name: str
    is_admin: bool = False


@dataclass(frozen=True)
class MessageRef:
    """A message the bot or a user posted; ``thread_id`` is set when it lives in a thread."""

    channel: ChannelRef
    message_id: str
    thread_id: str | None = None


@dataclass(frozen=True)
class ThreadRef:
    """A thread: a Slack parent ``ts`` or a Discord thread channel id."""

    channel: ChannelRef
    thread_id: str


@dataclass(frozen=True)
class Subscription:
    channel: ChannelRef
    schedule: Schedule
    tags: tuple[str, ...] = ()
    paused: bool = False
    language: str | None = None
    # Set when the bot paused the schedule itself (it can no longer post in the channel):
    # the platform's reason, e.g. "not_in_channel". None for a pause by an admin.
    paused_reason: str | None = None


class RoundStatus(str, enum.Enum):
    POSTING = "posting"  # claimed in the ledger, platform post not yet confirmed
    OPEN = "open"
    REVEALED = "revealed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Round:
    id: int
    channel: ChannelRef
    question_id: str
    cycle: int
    status: RoundStatus
    created_at: datetime
    reveal_at: datetime
    scheduled_day: date | None = None
    message: MessageRef | None = None
    thread: ThreadRef | None = None
    revealed_at: datetime | None = None
    study_id: int | None = None

    @property
    def is_open(self) -> bool:
        return self.status in (RoundStatus.POSTING, RoundStatus.OPEN)

    @property
    def owns_thread(self) -> bool:
        """The round opened its own thread (every daily question): the thread holds this
        round's replies only. A study thread carries one session's rounds in turn."""
        return (self.thread is not None and self.message is not None
                and self.message.message_id == self.thread.thread_id)


@dataclass(frozen=True)
class RoundClaim:
    """What a round is to be, before it exists: the ledger turns it into a POSTING round,
    or refuses it when the channel already has a round for ``scheduled_day``."""

    channel: ChannelRef
    question_id: str
    cycle: int
    scheduled_day: date | None
    reveal_at: datetime
    study_id: int | None = None


@dataclass(frozen=True)
class ReplyDraft:
    """An answer to store: in a round's thread (with its platform ``message_id``) or
    private (without). ``at`` is when it reached the bot (the core's clock); ``sent_at``,
    when known, is when the platform says its text was written (a reply read back from
    thread history after downtime). Whether it is late is the ledger's call
    (``after_close``), made against the round as stored."""

    round_id: int
    actor: Actor
    text: str
    private: bool
    covered: tuple[str, ...]
    score: float
    at: datetime
    message_id: str | None = None
    sent_at: datetime | None = None


@dataclass(frozen=True)
class Reply:
    id: int
    round_id: int
    user: UserRef
    user_name: str
    text: str
    private: bool
    created_at: datetime
    covered: tuple[str, ...] = field(default=())
    message_id: str | None = None
    score: float = 0.0
    # Made after its round closed: kept and shown as late, never scored.
    late: bool = False
    # An answer made in time but edited after the close: the newest text. ``text``,
    # ``covered`` and ``score`` stay the version that was scored.
    late_text: str | None = None
    # An answer made in time and deleted after the close: it keeps its score.
    late_deleted_at: datetime | None = None

    @property
    def current_text(self) -> str:
        """The text as it stands on the platform now (after any late edit)."""
        return self.text if self.late_text is None else self.late_text

    @property
    def scored(self) -> bool:
        return not self.late


def written_at(arrived: datetime, sent_at: datetime | None) -> datetime:
    """When a reply's text was written: the platform's time when it gave one, but never
    later than the reply reached the bot (a platform clock running ahead cannot make an
    answer late)."""
    return arrived if sent_at is None else min(arrived, sent_at)


def round_closes_at(round_: Round) -> datetime:
    """The moment a round stops taking scored answers: its announced reveal time, or the
    reveal (or skip) itself when that came first. A reveal delayed past the announced
    time (the bot was down, a platform was failing) does not keep the round open."""
    if round_.revealed_at is None:
        return round_.reveal_at
    return min(round_.reveal_at, round_.revealed_at)


def after_close(round_: Round, arrived: datetime, sent_at: datetime | None = None) -> bool:
    """Whether an answer, edit or deletion of ``round_`` comes after the round closed.

    Without a platform time it is judged by when it arrived; a round the ledger already
    shows revealed or skipped is closed whatever the clocks say (another instance's clock
    may run a little behind this one's). With a platform time (history read back after
    downtime) the time decides, so a reply written before the reveal still counts."""
    if sent_at is None and round_.status in (RoundStatus.REVEALED, RoundStatus.SKIPPED):
        return True
    return written_at(arrived, sent_at) > round_closes_at(round_)


class StudyStatus(str, enum.Enum):
    RUNNING = "running"
    FINISHED = "finished"
    STOPPED = "stopped"


@dataclass(frozen=True)
class StudySession:
    """A run of timed questions in one thread, ending with a scoreboard."""

    id: int
    channel: ChannelRef
    status: StudyStatus
    tags: tuple[str, ...]
    count: int
    answer_window: timedelta
    started_by: str
    created_at: datetime
    language: str | None = None
    thread: ThreadRef | None = None


@dataclass(frozen=True)
class Practice:
    """The question a person is practising privately."""

    user: UserRef
    question_id: str
    started_at: datetime
    answered_at: datetime | None = None
    score: float | None = None


@dataclass(frozen=True)
class UserPrefs:
    user: UserRef
    timezone: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class ReviewCard:
    """A person's FSRS card for one question, kept as the library's own JSON."""

    user: UserRef
    question_id: str
    card: str
    due: datetime
    last_rating: int
    reviews: int


@dataclass(frozen=True)
class Standing:
    """One line of a leaderboard."""

    user: UserRef
    name: str
    rounds: int
    answers: int
    points: float  # sum over rounds of the person's best coverage in that round


@dataclass(frozen=True)
class StoredPack:
    """A pack uploaded from chat, as stored: its YAML source, who uploaded it, and the
    workspace or server it belongs to (both empty for a pack stored before packs had
    owners: such a pack is shared). ``revision`` grows with every save of any pack."""

    pack_id: str
    title: str
    source: str
    filename: str
    uploaded_by: str
    uploaded_at: datetime
    owner_platform: str = ""
    owner_workspace: str = ""
    revision: int = 0
