"""The practice half of the ledger: study sessions, spaced-repetition cards, private
practice, user preferences, and the history that streaks and leaderboards read.

A mixin of ``SqlRepository``; each public method is one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from bot.core.models import (
    ChannelRef,
    MessageRef,
    Practice,
    ReviewCard,
    Round,
    RoundStatus,
    Standing,
    StudySession,
    StudyStatus,
    ThreadRef,
    UserPrefs,
    UserRef,
)
from bot.storage.db import Sessions
from bot.storage.rows import channel_is, channel_ref, study_record
from bot.storage.tables import (
    ChannelRow,
    HintRow,
    PracticeRow,
    ReplyRow,
    ReviewCardRow,
    RoundRow,
    StudySessionRow,
    UserPrefsRow,
)


def scored_reply() -> ColumnElement[bool]:
    """A reply that counts for scores, leaderboards, streaks and stats: not deleted while it
    counted, and not made after its round closed (a late reply is kept, never scored)."""
    return and_(ReplyRow.deleted_at.is_(None), ReplyRow.late.is_(False))


class PracticeLedger:
    _sessions: Sessions

    async def _channel_id(self, session: AsyncSession, channel: ChannelRef, now: datetime | None) -> int | None:
        raise NotImplementedError

    async def _rounds(self, *conditions: Any, newest_first: bool = False, limit: int | None = None) -> list[Round]:
        raise NotImplementedError

    # --- study sessions -------------------------------------------------------------------

    async def start_study(
        self, channel: ChannelRef, tags: Sequence[str], count: int, answer_window: timedelta,
        language: str | None, started_by: str, now: datetime,
    ) -> StudySession | None:
        """A new running session; None when the channel already has one running."""
        try:
            async with self._sessions.begin() as session:
                channel_id = await self._channel_id(session, channel, now)
                row = StudySessionRow(
                    channel_id=channel_id, status=StudyStatus.RUNNING.value, tags=",".join(tags),
                    count=count, answer_seconds=int(answer_window.total_seconds()), language=language,
                    started_by=started_by, created_at=now,
                )
                session.add(row)
                await session.flush()
                return study_record(row, channel)
        except IntegrityError:
            return None

    async def set_study_thread(self, study_id: int, message: MessageRef, thread: ThreadRef | None) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                update(StudySessionRow).where(StudySessionRow.id == study_id).values(
                    message_id=message.message_id, thread_id=thread.thread_id if thread else None)
            )

    async def _studies(self, *conditions: Any) -> list[StudySession]:
        async with self._sessions() as session:
            rows = await session.execute(
                select(StudySessionRow, ChannelRow).join(ChannelRow).where(*conditions).order_by(StudySessionRow.id)
            )
            return [study_record(s, channel_ref(c)) for s, c in rows]

    async def get_study(self, study_id: int) -> StudySession | None:
        found = await self._studies(StudySessionRow.id == study_id)
        return found[0] if found else None

    async def running_study(self, channel: ChannelRef) -> StudySession | None:
        found = await self._studies(channel_is(channel), StudySessionRow.status == StudyStatus.RUNNING.value)
        return found[0] if found else None

    async def running_studies(self) -> list[StudySession]:
        return await self._studies(StudySessionRow.status == StudyStatus.RUNNING.value)

    async def end_study(self, study_id: int, status: StudyStatus, now: datetime) -> bool:
        """Finish or stop a running session; False if it had already ended (exactly once)."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(StudySessionRow)
                .where(StudySessionRow.id == study_id, StudySessionRow.status == StudyStatus.RUNNING.value)
                .values(status=status.value, finished_at=now)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def claim_study_advance(self, study_id: int, now: datetime, until: datetime) -> bool:
        """Take the right to post a running session's next question until ``until``; True
        when taken. Two instances, or a reveal and a sweep, never both post the next one."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(StudySessionRow).where(
                    StudySessionRow.id == study_id, StudySessionRow.status == StudyStatus.RUNNING.value,
                    or_(StudySessionRow.advance_claimed_until.is_(None), StudySessionRow.advance_claimed_until < now),
                ).values(advance_claimed_until=until))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def release_study_advance(self, study_id: int, until: datetime) -> None:
        """Give the claim taken with ``until`` back, unless it ran out and another took it."""
        async with self._sessions.begin() as session:
            await session.execute(
                update(StudySessionRow).where(StudySessionRow.id == study_id,
                                              StudySessionRow.advance_claimed_until == until)
                .values(advance_claimed_until=None))

    async def study_rounds(self, study_id: int) -> list[Round]:
        return await self._rounds(RoundRow.study_id == study_id)

    # --- spaced repetition and private practice ---------------------------------------------

    async def get_review_card(self, user: UserRef, question_id: str) -> ReviewCard | None:
        cards = await self._cards(user, ReviewCardRow.question_id == question_id)
        return cards[0] if cards else None

    async def review_cards(self, user: UserRef) -> list[ReviewCard]:
        """All of a person's cards, most due first."""
        return await self._cards(user)

    async def _cards(self, user: UserRef, *conditions: Any) -> list[ReviewCard]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(ReviewCardRow)
                .where(ReviewCardRow.platform == user.platform, ReviewCardRow.user_id == user.user, *conditions)
                .order_by(ReviewCardRow.due, ReviewCardRow.id)
            )
            return [ReviewCard(user, r.question_id, r.card, r.due, r.last_rating, r.reviews) for r in rows]

    async def save_review_card(
        self, user: UserRef, question_id: str, card: str, due: datetime, rating: int, now: datetime
    ) -> None:
        async with self._sessions.begin() as session:
            row = await session.scalar(select(ReviewCardRow).where(
                ReviewCardRow.platform == user.platform, ReviewCardRow.user_id == user.user,
                ReviewCardRow.question_id == question_id))
            if row is None:
                session.add(ReviewCardRow(platform=user.platform, user_id=user.user, question_id=question_id,
                                          card=card, due=due, last_rating=rating, reviews=1, updated_at=now))
            else:
                row.card, row.due, row.last_rating, row.updated_at = card, due, rating, now
                row.reviews += 1

    async def start_practice(self, user: UserRef, question_id: str, now: datetime) -> None:
        async with self._sessions.begin() as session:
            row = await session.scalar(select(PracticeRow).where(
                PracticeRow.platform == user.platform, PracticeRow.user_id == user.user))
            if row is None:
                session.add(PracticeRow(platform=user.platform, user_id=user.user,
                                        question_id=question_id, started_at=now))
            else:
                row.question_id, row.started_at, row.answered_at, row.score = question_id, now, None, None

    async def get_practice(self, user: UserRef) -> Practice | None:
        async with self._sessions() as session:
            row = await session.scalar(select(PracticeRow).where(
                PracticeRow.platform == user.platform, PracticeRow.user_id == user.user))
            return Practice(user, row.question_id, row.started_at, row.answered_at, row.score) if row else None

    async def finish_practice(self, user: UserRef, score: float, now: datetime) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                update(PracticeRow).where(PracticeRow.platform == user.platform, PracticeRow.user_id == user.user)
                .values(answered_at=now, score=score)
            )

    async def end_practice(self, user: UserRef) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                delete(PracticeRow).where(PracticeRow.platform == user.platform, PracticeRow.user_id == user.user)
            )

    async def answered_round(self, channel: ChannelRef, user: UserRef, round_id: int | None) -> Round | None:
        """The revealed round (``round_id``, else the newest) in which the person answered in
        time. A late answer was written with the reference answer in view: there is no
        recall to rate."""
        answered = (
            select(ReplyRow.round_id)
            .where(ReplyRow.platform == user.platform, ReplyRow.user_id == user.user, scored_reply())
        )
        conditions = [channel_is(channel), RoundRow.id.in_(answered),
                      RoundRow.status == RoundStatus.REVEALED.value]
        if round_id is not None:
            conditions.append(RoundRow.id == round_id)
        found = await self._rounds(*conditions, newest_first=True, limit=1)
        return found[0] if found else None

    async def take_hint(self, round_id: int, user: UserRef, limit: int, now: datetime) -> int:
        """Count one more hint for the person in the round, up to ``limit``; returns how many
        they have now (``limit`` + 1 when none was left)."""
        async with self._sessions.begin() as session:
            row = await session.scalar(select(HintRow).where(
                HintRow.round_id == round_id, HintRow.platform == user.platform, HintRow.user_id == user.user))
            if row is None:
                row = HintRow(round_id=round_id, platform=user.platform, user_id=user.user, used=0, updated_at=now)
                session.add(row)
            if row.used >= limit:
                return limit + 1
            row.used += 1
            row.updated_at = now
            return row.used

    async def hints_for_round(self, round_id: int) -> dict[str, int]:
        """User key -> hints used, for the reveal summary."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(HintRow.platform, HintRow.user_id, HintRow.used).where(HintRow.round_id == round_id))
            return {f"{platform}:{user}": used for platform, user, used in rows if used}

    # --- people -------------------------------------------------------------------------------

    async def get_prefs(self, user: UserRef) -> UserPrefs | None:
        async with self._sessions() as session:
            row = await session.scalar(select(UserPrefsRow).where(
                UserPrefsRow.platform == user.platform, UserPrefsRow.user_id == user.user))
            return UserPrefs(user, row.timezone, row.language) if row else None

    async def save_prefs(self, prefs: UserPrefs, now: datetime) -> None:
        async with self._sessions.begin() as session:
            row = await session.scalar(select(UserPrefsRow).where(
                UserPrefsRow.platform == prefs.user.platform, UserPrefsRow.user_id == prefs.user.user))
            if row is None:
                session.add(UserPrefsRow(platform=prefs.user.platform, user_id=prefs.user.user,
                                         timezone=prefs.timezone, language=prefs.language, updated_at=now))
            else:
                row.timezone, row.language, row.updated_at = prefs.timezone, prefs.language, now

    async def answer_times(self, channel: ChannelRef, user: UserRef) -> list[datetime]:
        """When the person answered in this channel (deleted and late answers excluded), oldest
        first."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(ReplyRow.created_at)
                .join(RoundRow, RoundRow.id == ReplyRow.round_id)
                .join(ChannelRow, ChannelRow.id == RoundRow.channel_id)
                .where(channel_is(channel), ReplyRow.platform == user.platform, ReplyRow.user_id == user.user,
                       scored_reply())
                .order_by(ReplyRow.created_at)
            )
            return list(rows)

    async def standings(self, channel: ChannelRef, since: datetime | None) -> list[Standing]:
        """Per person: rounds answered, answers, and points (best coverage per round, summed)."""
        best = (
            select(ReplyRow.platform, ReplyRow.workspace, ReplyRow.user_id, ReplyRow.round_id,
                   func.max(ReplyRow.score).label("best"), func.count(ReplyRow.id).label("answers"),
                   func.max(ReplyRow.user_name).label("name"))
            .join(RoundRow, RoundRow.id == ReplyRow.round_id)
            .join(ChannelRow, ChannelRow.id == RoundRow.channel_id)
            .where(channel_is(channel), scored_reply(),
                   *([ReplyRow.created_at >= since] if since is not None else []))
            .group_by(ReplyRow.platform, ReplyRow.workspace, ReplyRow.user_id, ReplyRow.round_id)
            .subquery()
        )
        query = (
            select(best.c.platform, best.c.workspace, best.c.user_id, func.max(best.c.name),
                   func.count(best.c.round_id), func.sum(best.c.answers), func.sum(best.c.best))
            .group_by(best.c.platform, best.c.workspace, best.c.user_id)
        )
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
        standings = [
            Standing(UserRef(p, w, u), name, int(rounds), int(answers), float(points or 0.0))
            for p, w, u, name, rounds, answers, points in rows
        ]
        return sorted(standings, key=lambda s: (-s.points, -s.rounds, s.name))

    async def answers_since(self, channel: ChannelRef, since: datetime) -> list[tuple[datetime, str]]:
        """(time, user key) of every scored answer in the channel since ``since``: participation."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(ReplyRow.created_at, ReplyRow.platform, ReplyRow.user_id)
                .join(RoundRow, RoundRow.id == ReplyRow.round_id)
                .join(ChannelRow, ChannelRow.id == RoundRow.channel_id)
                .where(channel_is(channel), scored_reply(), ReplyRow.created_at >= since)
                .order_by(ReplyRow.created_at)
            )
            return [(at, f"{platform}:{user}") for at, platform, user in rows]
