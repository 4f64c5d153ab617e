"""SQLAlchemy tables of the ledger: channels, subscriptions, rounds and replies.

Times are stored as naive UTC and handed back timezone-aware, the same on SQLite and
PostgreSQL. Only storage imports this module.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import (
    Boolean,
    Date,
    Double,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the ledger; pass an aware UTC time")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return value.replace(tzinfo=timezone.utc) if value is not None else None


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class ChannelRow(Base):
    __tablename__ = "channels"
    __table_args__ = (UniqueConstraint("platform", "workspace", "channel", name="uq_channels_identity"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    workspace: Mapped[str] = mapped_column(String(128))
    channel: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Permanent failures in a row (the bot removed from the channel, say), the last one's
    # reason, and when the channel may be tried again: every instance backs off alike.
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_failure: Mapped[str | None] = mapped_column(String(64), nullable=True)
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)


class LedgerCounterRow(Base):
    """A ledger-wide counter: ``subscriptions`` numbers every schedule save, so an instance
    asks only for what changed since the last number it saw. The row lock taken by the
    increment makes the numbers commit in order."""

    __tablename__ = "ledger_counters"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


class SubscriptionRow(Base):
    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"), unique=True)
    time_of_day: Mapped[str] = mapped_column(String(5))  # HH:MM
    timezone: Mapped[str] = mapped_column(String(64))
    days: Mapped[str] = mapped_column(String(16))  # "0,1,2,3,4", 0 = Monday
    reveal_after_seconds: Mapped[int] = mapped_column(Integer)
    tags: Mapped[str] = mapped_column(Text, default="")  # comma-separated
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0", index=True)
    # Why the bot paused the schedule by itself (a channel it can no longer post in).
    paused_reason: Mapped[str | None] = mapped_column(String(64), nullable=True)


class RoundRow(Base):
    __tablename__ = "rounds"
    # The exactly-once guard: one scheduled round per channel and local day.
    # Ad-hoc rounds have no scheduled_day, and NULLs never collide.
    __table_args__ = (UniqueConstraint("channel_id", "scheduled_day", name="uq_rounds_channel_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[str] = mapped_column(String(128))
    cycle: Mapped[int] = mapped_column(Integer, default=0)
    scheduled_day: Mapped[date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reveal_at: Mapped[datetime] = mapped_column(UTCDateTime())
    message_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    thread_id: Mapped[str | None] = mapped_column(String(128), nullable=True, index=True)
    reveal_claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # While POSTING: until when the claiming instance owns the post; after it, another may
    # take the post over (after checking the platform for a post that did go out).
    post_claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The instance holding the round's current claim (its post, then its reveal): a claim
    # renewed or confirmed only by its holder, so an instance that lost it learns so.
    claimed_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    revealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    study_id: Mapped[int | None] = mapped_column(
        ForeignKey("study_sessions.id", ondelete="SET NULL"), nullable=True, index=True
    )


class ReplyRow(Base):
    __tablename__ = "replies"
    # A platform message is stored once per round, however often its event is delivered.
    __table_args__ = (UniqueConstraint("round_id", "message_id", name="uq_replies_round_message"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(32))
    workspace: Mapped[str] = mapped_column(String(128))
    user_id: Mapped[str] = mapped_column(String(128))
    user_name: Mapped[str] = mapped_column(String(256))
    text: Mapped[str] = mapped_column(Text)
    private: Mapped[bool] = mapped_column(Boolean)
    message_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    covered: Mapped[str] = mapped_column(Text, default="")  # key-point names, newline-separated
    score: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Deleted while it still counted: out of every score and summary.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # After the round closed (its announced reveal time, or the reveal if earlier), an
    # answer no longer changes scores but is kept: a reply made then is ``late`` (never
    # scored); a scored reply edited then keeps text/covered/score and records the new
    # text in ``late_text``; deleted then, it keeps its score and records ``late_deleted_at``.
    late: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    late_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    late_deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class StudySessionRow(Base):
    __tablename__ = "study_sessions"
    # One running session per channel: a partial unique index, on SQLite and PostgreSQL alike.
    __table_args__ = (
        Index(
            "uq_study_sessions_running", "channel_id", unique=True,
            sqlite_where=text("status = 'running'"), postgresql_where=text("status = 'running'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"), index=True)
    thread_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    message_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    status: Mapped[str] = mapped_column(String(16))  # starting | running | finished | stopped
    tags: Mapped[str] = mapped_column(Text, default="")
    count: Mapped[int] = mapped_column(Integer)
    answer_seconds: Mapped[int] = mapped_column(Integer)
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    started_by: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Who is posting the session's next question, until when: the instance that revealed the
    # last one and every sweep may try, and only one may post.
    advance_claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ReviewCardRow(Base):
    """A person's spaced-repetition card for one question (FSRS state as JSON)."""

    __tablename__ = "review_cards"
    __table_args__ = (UniqueConstraint("platform", "user_id", "question_id", name="uq_review_cards_user_question"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(128))
    question_id: Mapped[str] = mapped_column(String(128))
    card: Mapped[str] = mapped_column(Text)
    due: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    last_rating: Mapped[int] = mapped_column(Integer)
    reviews: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PracticeRow(Base):
    """The question a person is practising privately, until they answer and rate it."""

    __tablename__ = "practice"
    __table_args__ = (UniqueConstraint("platform", "user_id", name="uq_practice_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(128))
    question_id: Mapped[str] = mapped_column(String(128))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)


class UserPrefsRow(Base):
    __tablename__ = "user_prefs"
    __table_args__ = (UniqueConstraint("platform", "user_id", name="uq_user_prefs_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(128))
    timezone: Mapped[str | None] = mapped_column(String(64), nullable=True)
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class HintRow(Base):
    """How many key points a person asked to see before answering a round."""

    __tablename__ = "hints"
    __table_args__ = (UniqueConstraint("round_id", "platform", "user_id", name="uq_hints_round_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(128))
    used: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PackRow(Base):
    """A question pack uploaded from chat: its YAML, linted before it was stored. It belongs
    to the workspace or server it was uploaded in; its id is unique there. Packs stored
    before packs had owners have an empty owner and are shared."""

    __tablename__ = "packs"
    __table_args__ = (
        UniqueConstraint("owner_platform", "owner_workspace", "pack_id", name="uq_packs_owner_pack"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_platform: Mapped[str] = mapped_column(String(32), default="", server_default="")
    owner_workspace: Mapped[str] = mapped_column(String(128), default="", server_default="")
    pack_id: Mapped[str] = mapped_column(String(128))
    title: Mapped[str] = mapped_column(String(256))
    source: Mapped[str] = mapped_column(Text)
    filename: Mapped[str] = mapped_column(String(256))
    uploaded_by: Mapped[str] = mapped_column(String(256))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Grows with every save across the table: what other instances watch for changes.
    revision: Mapped[int] = mapped_column(Integer, default=1)


class DisabledPackRow(Base):
    """A pack an admin took out of a channel's rotation (every pack is in by default)."""

    __tablename__ = "disabled_packs"
    __table_args__ = (UniqueConstraint("channel_id", "pack_id", name="uq_disabled_packs_channel_pack"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"), index=True)
    pack_id: Mapped[str] = mapped_column(String(128))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RateBudgetRow(Base):
    """A platform rate budget that every instance on this database draws from (see
    ``bot.storage.limiter``): the time, in epoch seconds on the database's clock, from which
    its next request may go."""

    __tablename__ = "rate_budgets"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    available_at: Mapped[float] = mapped_column(Double())
