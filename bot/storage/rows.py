"""Turning table rows into the core's records, and the filters the ledger queries share.

Only storage imports this module.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from datetime import time, timedelta
from typing import TypeVar

from sqlalchemy import and_, tuple_
from sqlalchemy.sql.elements import ColumnElement

from bot.core.models import (
    ChannelRef,
    MessageRef,
    Reply,
    Round,
    RoundStatus,
    StudySession,
    StudyStatus,
    Subscription,
    ThreadRef,
    UserRef,
)
from bot.core.schedule import MAX_REVEAL_AFTER, Schedule
from bot.storage.tables import ChannelRow, ReplyRow, RoundRow, StudySessionRow, SubscriptionRow

log = logging.getLogger(__name__)


def channel_is(channel: ChannelRef) -> ColumnElement[bool]:
    return and_(ChannelRow.platform == channel.platform, ChannelRow.workspace == channel.workspace,
                ChannelRow.channel == channel.channel)


def channels_in(channels: Sequence[ChannelRef]) -> ColumnElement[bool]:
    """Any of these channels: one row-value IN for a whole batch."""
    return tuple_(ChannelRow.platform, ChannelRow.workspace, ChannelRow.channel).in_(
        [(c.platform, c.workspace, c.channel) for c in channels]
    )


T = TypeVar("T")


def chunks(items: Sequence[T], size: int = 300) -> Iterator[Sequence[T]]:
    """A batch's items a query's worth at a time (far below SQLite's bound-parameter limit)."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def channel_ref(row: ChannelRow) -> ChannelRef:
    return ChannelRef(row.platform, row.workspace, row.channel)


def subscription_record(row: SubscriptionRow, channel: ChannelRef) -> Subscription:
    hours, minutes = (int(x) for x in row.time_of_day.split(":"))
    return Subscription(
        channel=channel,
        schedule=Schedule(
            time_of_day=time(hours, minutes),
            timezone=row.timezone,
            days=frozenset(int(d) for d in row.days.split(",") if d),
            reveal_after=_reveal_after(row.reveal_after_seconds, channel),
        ),
        tags=tuple(t for t in row.tags.split(",") if t),
        paused=row.paused,
        language=row.language,
        paused_reason=row.paused_reason,
    )


def _reveal_after(seconds: int, channel: ChannelRef) -> timedelta:
    """A delay saved before the bounds existed (``reveal=9999999d``) would overflow the
    first time a round's reveal is computed from it: read it as the longest allowed."""
    bounded = min(max(seconds, 0), int(MAX_REVEAL_AFTER.total_seconds()))
    if bounded != seconds:
        log.warning("subscription of %s has a reveal delay of %s seconds, out of bounds; using %s "
                    "seconds until its schedule is set again", channel.key, seconds, bounded)
    return timedelta(seconds=bounded)


def round_record(row: RoundRow, channel: ChannelRef) -> Round:
    message = MessageRef(channel, row.message_id) if row.message_id else None
    thread = ThreadRef(channel, row.thread_id) if row.thread_id else None
    return Round(
        id=row.id, channel=channel, question_id=row.question_id, cycle=row.cycle,
        status=RoundStatus(row.status), created_at=row.created_at, reveal_at=row.reveal_at,
        scheduled_day=row.scheduled_day, message=message, thread=thread, revealed_at=row.revealed_at,
        study_id=row.study_id,
    )


def reply_record(row: ReplyRow) -> Reply:
    return Reply(
        id=row.id, round_id=row.round_id, user=UserRef(row.platform, row.workspace, row.user_id),
        user_name=row.user_name, text=row.text, private=row.private, created_at=row.created_at,
        covered=tuple(c for c in row.covered.split("\n") if c), message_id=row.message_id,
        score=row.score, late=row.late, late_text=row.late_text, late_deleted_at=row.late_deleted_at,
    )


def study_record(row: StudySessionRow, channel: ChannelRef) -> StudySession:
    return StudySession(
        id=row.id, channel=channel, status=StudyStatus(row.status),
        tags=tuple(t for t in row.tags.split(",") if t), count=row.count,
        answer_window=timedelta(seconds=row.answer_seconds), started_by=row.started_by,
        created_at=row.created_at, language=row.language,
        thread=ThreadRef(channel, row.thread_id) if row.thread_id else None,
    )
