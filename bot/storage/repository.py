"""The ledger on SQLAlchemy: ``SqlRepository`` implements the core's ``Repository`` port.

Every public method is one transaction. Unique keys, not the scheduler, make posting
exactly-once. Imports the core's models only, never a platform library.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import Insert, delete, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.channel_health import backoff_after
from bot.core.models import (
    Actor,
    ChannelRef,
    MessageRef,
    Reply,
    ReplyDraft,
    Round,
    RoundClaim,
    RoundStatus,
    Subscription,
    ThreadRef,
    UserRef,
    after_close,
    written_at,
)
from bot.storage.db import Sessions
from bot.storage.packs import PackLedger
from bot.storage.practice import PracticeLedger, scored_reply
from bot.storage.rows import (
    channel_is,
    channel_ref,
    channels_in,
    chunks,
    reply_record,
    round_record,
    subscription_record,
)
from bot.storage.tables import Base, ChannelRow, LedgerCounterRow, ReplyRow, RoundRow, SubscriptionRow

_OPEN = (RoundStatus.POSTING.value, RoundStatus.OPEN.value)
# A POSTING round has no confirmed message yet: nobody can answer it and it is never revealed.
_POSTED = RoundStatus.OPEN.value


def _insert_skipping_duplicates(session: AsyncSession, table: type[Base]) -> Insert:
    """INSERT that leaves out a row violating a unique key instead of failing (both
    dialects spell it ON CONFLICT DO NOTHING), so one transaction can insert many. On the
    table, not the mapped class: plain rows in, plain rows out, no ORM bookkeeping."""
    dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    return dialect.insert(table.__table__).on_conflict_do_nothing()


async def _insert_new(
    session: AsyncSession, table: type[Base], rows: Sequence[dict[str, object]], key: tuple[str, ...]
) -> list[int | None]:
    """Insert ``rows`` in one executemany, leaving out a row whose unique ``key`` is taken
    already or repeats an earlier row's; the new ids, in order, None for those left out.
    The returned key columns tell which rows went in. A row with a NULL in its key never
    collides; those are inserted one by one (there are few at a time).

    Rows go in key order: on PostgreSQL an insert waits for another transaction that
    inserted the same key, so two instances claiming overlapping batches in different
    orders could deadlock; in one order they queue."""
    ids: list[int | None] = [None] * len(rows)
    keyed: dict[tuple[object, ...], int] = {}
    loose = []
    for index, row in enumerate(rows):
        values = tuple(row[column] for column in key)
        if None in values:
            loose.append(index)
        else:
            keyed.setdefault(values, index)
    id_column = table.__table__.c.id
    key_columns = [table.__table__.c[column] for column in key]
    if keyed:
        # One statement for any number of rows (an executemany that SQLAlchemy sends as
        # multi-row INSERTs), so it is compiled once, not once per batch size.
        made = await session.execute(
            _insert_skipping_duplicates(session, table).returning(id_column, *key_columns),
            [rows[keyed[values]] for values in sorted(keyed)],  # type: ignore[type-var]
        )
        for new_id, *values in made:
            ids[keyed[tuple(values)]] = new_id
    for index in loose:
        ids[index] = await session.scalar(insert(table.__table__).values(rows[index]).returning(id_column))
    return ids


async def _clear_failures(session: AsyncSession, channel_ids: set[int]) -> None:
    """A post or reveal went out: the channel's failure record starts over. Touches only
    channels that have one, so the usual success costs one indexed look and no write."""
    if channel_ids:
        await session.execute(
            update(ChannelRow).where(ChannelRow.id.in_(channel_ids), ChannelRow.failures > 0)
            .values(failures=0, last_failure=None, retry_at=None))


class SqlRepository(PracticeLedger, PackLedger):
    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions

    # --- channels and subscriptions ---------------------------------------------------

    async def _channel_id(self, session: AsyncSession, channel: ChannelRef, now: datetime | None) -> int | None:
        """The channel's row id; with ``now``, create the row when missing."""
        query = select(ChannelRow.id).where(
            ChannelRow.platform == channel.platform,
            ChannelRow.workspace == channel.workspace,
            ChannelRow.channel == channel.channel,
        )
        found = await session.scalar(query)
        if found is not None or now is None:
            return found
        try:
            async with session.begin_nested():
                row = ChannelRow(platform=channel.platform, workspace=channel.workspace,
                                 channel=channel.channel, created_at=now)
                session.add(row)
            return row.id
        except IntegrityError:  # another instance created it meanwhile
            return await session.scalar(query)

    async def _channel_ids(self, session: AsyncSession, channels: Iterable[ChannelRef]) -> dict[ChannelRef, int]:
        """Row ids of the channels that have a row, in one query per chunk."""
        found: dict[ChannelRef, int] = {}
        for chunk in chunks(list(dict.fromkeys(channels))):
            rows = await session.execute(select(ChannelRow).where(channels_in(chunk)))
            found.update((channel_ref(row), row.id) for row in rows.scalars())
        return found

    async def get_subscription(self, channel: ChannelRef) -> Subscription | None:
        async with self._sessions() as session:
            row = await session.scalar(
                select(SubscriptionRow).join(ChannelRow).where(
                    ChannelRow.platform == channel.platform,
                    ChannelRow.workspace == channel.workspace,
                    ChannelRow.channel == channel.channel,
                )
            )
            return subscription_record(row, channel) if row else None

    async def save_subscription(self, subscription: Subscription, now: datetime) -> None:
        """Save the schedule under the next subscription revision, so that every instance
        learns of it (``subscriptions_changed_since``). A schedule that runs (not paused)
        starts its channel with a clean failure record: an admin resuming it means the bot
        may try the channel again."""
        schedule = subscription.schedule
        values = dict(
            time_of_day=f"{schedule.time_of_day:%H:%M}",
            timezone=schedule.timezone,
            days=",".join(str(d) for d in sorted(schedule.days)),
            reveal_after_seconds=int(schedule.reveal_after.total_seconds()),
            tags=",".join(subscription.tags),
            paused=subscription.paused,
            paused_reason=subscription.paused_reason if subscription.paused else None,
            language=subscription.language,
            updated_at=now,
        )
        async with self._sessions.begin() as session:
            values["revision"] = await self._next_revision(session)  # first: one lock order for every writer
            channel_id = await self._channel_id(session, subscription.channel, now)
            existing = await session.scalar(select(SubscriptionRow).where(SubscriptionRow.channel_id == channel_id))
            if existing is None:
                session.add(SubscriptionRow(channel_id=channel_id, **values))
            else:
                for key, value in values.items():
                    setattr(existing, key, value)
            if not subscription.paused:
                await session.execute(update(ChannelRow).where(ChannelRow.id == channel_id)
                                      .values(failures=0, last_failure=None, retry_at=None))

    @staticmethod
    async def _next_revision(session: AsyncSession) -> int:
        """The next subscription revision. The increment locks the counter's row until
        this transaction ends, so revisions become visible in the order they were taken:
        a reader that saw revision n never misses a smaller one committed later."""
        value = await session.scalar(
            update(LedgerCounterRow).where(LedgerCounterRow.name == "subscriptions")
            .values(value=LedgerCounterRow.value + 1).returning(LedgerCounterRow.value))
        if value is None:
            raise RuntimeError("the ledger has no subscriptions counter; was it migrated?")
        return int(value)

    async def subscriptions_changed_since(self, revision: int) -> tuple[list[Subscription], int]:
        """Schedules saved after ``revision`` (by any instance), and the newest revision
        seen: what a periodic look needs to keep its jobs in step with the cluster."""
        async with self._sessions() as session:
            rows = (await session.execute(
                select(SubscriptionRow, ChannelRow).join(ChannelRow)
                .where(SubscriptionRow.revision > revision).order_by(SubscriptionRow.revision)
            )).all()
        if not rows:
            return [], revision
        return [subscription_record(sub, channel_ref(ch)) for sub, ch in rows], rows[-1][0].revision

    async def subscription_revision(self) -> int:
        async with self._sessions() as session:
            value = await session.scalar(
                select(LedgerCounterRow.value).where(LedgerCounterRow.name == "subscriptions"))
        return int(value or 0)

    # --- channels that keep failing ---------------------------------------------------------

    async def record_channel_failure(
        self, channel: ChannelRef, reason: str, now: datetime, backoff: Sequence[timedelta], *, permanent: bool
    ) -> int:
        """Hold the channel off after a failure: ``backoff[n-1]`` after the n-th permanent
        failure in a row (the last step repeats), ``backoff[0]`` after one that may pass by
        itself, which does not count. Failures while the channel is already held off (other
        rounds of it failing in the same sweep, say) do not count either: a channel earns
        one count per back-off. Returns the permanent failures in a row."""
        async with self._sessions.begin() as session:
            channel_id = await self._channel_id(session, channel, now)
            row = await session.scalar(select(ChannelRow).where(ChannelRow.id == channel_id).with_for_update())
            assert row is not None
            if row.retry_at is not None and row.retry_at > now:
                return row.failures
            if permanent:
                row.failures += 1
            wait = backoff_after(row.failures if permanent else 1, backoff)
            row.last_failure, row.retry_at = reason[:64], now + wait
            return row.failures

    async def channels_held_off(self, now: datetime) -> set[ChannelRef]:
        """Channels backing off after a failure: not to be tried before their time."""
        async with self._sessions() as session:
            rows = await session.scalars(select(ChannelRow).where(ChannelRow.retry_at > now))
            return {channel_ref(row) for row in rows}

    async def pause_failing_channel(self, channel: ChannelRef, reason: str, now: datetime) -> Subscription | None:
        """Pause the channel's schedule because the bot cannot post there, and close its
        open rounds (their reveals cannot be posted either). Returns the paused
        subscription, or None when the channel has none (or it was paused already)."""
        async with self._sessions.begin() as session:
            # The counter first, as every schedule write takes it: one lock order, no deadlock.
            revision = await self._next_revision(session)
            channel_id = await self._channel_id(session, channel, now)
            await session.execute(
                update(RoundRow).where(RoundRow.channel_id == channel_id, RoundRow.status.in_(_OPEN))
                .values(status=RoundStatus.SKIPPED.value, revealed_at=now, reveal_claimed_until=None))
            row = await session.scalar(select(SubscriptionRow).where(SubscriptionRow.channel_id == channel_id))
            if row is None or row.paused:
                return None
            row.paused, row.paused_reason, row.updated_at, row.revision = True, reason[:64], now, revision
            await session.flush()
            return subscription_record(row, channel)

    async def subscriptions_for(self, channels: Sequence[ChannelRef]) -> dict[ChannelRef, Subscription]:
        """The subscriptions of those channels that have one."""
        found: dict[ChannelRef, Subscription] = {}
        async with self._sessions() as session:
            for chunk in chunks(list(dict.fromkeys(channels))):
                rows = await session.execute(
                    select(SubscriptionRow, ChannelRow).join(ChannelRow).where(channels_in(chunk)))
                for sub, ch in rows:
                    ref = channel_ref(ch)
                    found[ref] = subscription_record(sub, ref)
        return found

    async def list_subscriptions(self) -> list[Subscription]:
        async with self._sessions() as session:
            rows = await session.execute(select(SubscriptionRow, ChannelRow).join(ChannelRow).order_by(SubscriptionRow.id))
            return [subscription_record(sub, channel_ref(ch)) for sub, ch in rows]

    # --- rounds --------------------------------------------------------------------------

    async def claim_round(
        self,
        channel: ChannelRef,
        question_id: str,
        cycle: int,
        scheduled_day: date | None,
        now: datetime,
        reveal_at: datetime,
        study_id: int | None = None,
        lease: timedelta = timedelta(minutes=2),
    ) -> Round | None:
        claim = RoundClaim(channel, question_id, cycle, scheduled_day, reveal_at, study_id)
        return (await self.claim_rounds([claim], now, lease))[0]

    async def claim_rounds(self, claims: Sequence[RoundClaim], now: datetime, lease: timedelta,
                           owner: str | None = None) -> list[Round | None]:
        """Insert every claim as a POSTING round owned for ``lease``, in one transaction;
        None in place of a claim whose channel already has a round for its day (or that
        repeats an earlier claim of the same batch)."""
        async with self._sessions.begin() as session:
            channel_ids = await self._channel_ids(session, (c.channel for c in claims))
            for claim in claims:
                if claim.channel not in channel_ids:
                    channel_ids[claim.channel] = await self._channel_id(session, claim.channel, now)
            rows = [dict(channel_id=channel_ids[c.channel], question_id=c.question_id, cycle=c.cycle,
                         scheduled_day=c.scheduled_day, status=RoundStatus.POSTING.value, created_at=now,
                         reveal_at=c.reveal_at, study_id=c.study_id, post_claimed_until=now + lease,
                         claimed_by=owner)
                    for c in claims]
            ids = await _insert_new(session, RoundRow, rows, ("channel_id", "scheduled_day"))
        return [
            Round(id=round_id, channel=c.channel, question_id=c.question_id, cycle=c.cycle,
                  status=RoundStatus.POSTING, created_at=now, reveal_at=c.reveal_at,
                  scheduled_day=c.scheduled_day, study_id=c.study_id) if round_id is not None else None
            for c, round_id in zip(claims, ids, strict=True)
        ]

    async def stale_posts(self, now: datetime) -> list[Round]:
        """Rounds claimed for posting whose claim ran out without a confirmed post."""
        return await self._rounds(RoundRow.status == RoundStatus.POSTING.value, RoundRow.post_claimed_until < now)

    async def take_over_post(self, round_id: int, now: datetime, lease: timedelta,
                             owner: str | None = None) -> Round | None:
        """Claim an abandoned post for this instance; None if another took it or it was confirmed."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(RoundRow)
                .where(RoundRow.id == round_id, RoundRow.status == RoundStatus.POSTING.value,
                       RoundRow.post_claimed_until < now)
                .values(post_claimed_until=now + lease, claimed_by=owner)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                return None
            row, channel = await self._round_row(session, round_id)
            return round_record(row, channel)

    async def release_round(self, round_id: int) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                delete(RoundRow).where(RoundRow.id == round_id, RoundRow.status == RoundStatus.POSTING.value)
            )

    async def mark_posted(self, round_id: int, message: MessageRef, thread: ThreadRef | None) -> Round:
        confirmed = (await self.mark_posted_many([(round_id, message, thread)]))[0]
        if confirmed is None:
            raise KeyError(f"no round {round_id}")
        return confirmed

    async def mark_posted_many(
        self, posts: Sequence[tuple[int, MessageRef, ThreadRef | None]]
    ) -> list[Round | None]:
        """Record where each round was posted and open it, in one transaction; None for a
        round that is gone. A round no longer POSTING (skipped meanwhile) keeps its status."""
        async with self._sessions.begin() as session:
            found = {row.id: (row, channel_ref(ch)) for row, ch in await session.execute(
                select(RoundRow, ChannelRow).join(ChannelRow).where(RoundRow.id.in_([p[0] for p in posts]))
            )}
            for round_id, message, thread in posts:
                if round_id not in found:
                    continue
                row, _channel = found[round_id]
                row.message_id = message.message_id
                row.thread_id = thread.thread_id if thread else None
                if row.status == RoundStatus.POSTING.value:
                    row.status = RoundStatus.OPEN.value
            await _clear_failures(session, {row.channel_id for row, _ in found.values()})
            await session.flush()
            return [round_record(*found[round_id]) if round_id in found else None for round_id, _, _ in posts]

    async def _round_row(self, session: AsyncSession, round_id: int) -> tuple[RoundRow, ChannelRef]:
        found = (await session.execute(
            select(RoundRow, ChannelRow).join(ChannelRow).where(RoundRow.id == round_id)
        )).first()
        if found is None:
            raise KeyError(f"no round {round_id}")
        return found[0], channel_ref(found[1])

    async def _rounds(self, *conditions: object, newest_first: bool = False, limit: int | None = None) -> list[Round]:
        query = select(RoundRow, ChannelRow).join(ChannelRow).where(*conditions)  # type: ignore[arg-type]
        query = query.order_by(RoundRow.id.desc() if newest_first else RoundRow.id)
        if limit:
            query = query.limit(limit)
        async with self._sessions() as session:
            rows = await session.execute(query)
            return [round_record(r, channel_ref(c)) for r, c in rows]

    async def get_round(self, round_id: int) -> Round | None:
        found = await self._rounds(RoundRow.id == round_id)
        return found[0] if found else None

    async def round_for_day(self, channel: ChannelRef, day: date) -> Round | None:
        return (await self.rounds_for_days([(channel, day)])).get((channel, day))

    async def rounds_for_days(self, keys: Sequence[tuple[ChannelRef, date]]) -> dict[tuple[ChannelRef, date], Round]:
        """The scheduled rounds of those (channel, day) pairs that have one."""
        wanted = set(keys)
        found: dict[tuple[ChannelRef, date], Round] = {}
        async with self._sessions() as session:
            channel_ids = await self._channel_ids(session, (channel for channel, _ in wanted))
            days = {day for _, day in wanted}
            for chunk in chunks(list(channel_ids.values())):
                rows = await session.execute(
                    select(RoundRow, ChannelRow).join(ChannelRow)
                    .where(RoundRow.channel_id.in_(chunk), RoundRow.scheduled_day.in_(days))
                )
                for row, ch in rows:
                    key = (channel_ref(ch), row.scheduled_day)
                    if key in wanted:
                        found[key] = round_record(row, key[0])
        return found

    async def current_round(self, channel: ChannelRef) -> Round | None:
        found = await self._rounds(channel_is(channel), RoundRow.status == _POSTED, newest_first=True, limit=1)
        return found[0] if found else None

    async def round_by_thread(self, thread: ThreadRef) -> Round | None:
        found = await self._rounds(channel_is(thread.channel), RoundRow.thread_id == thread.thread_id,
                                   newest_first=True, limit=1)
        return found[0] if found else None

    async def open_rounds(self) -> list[Round]:
        return await self._rounds(RoundRow.status == _POSTED)

    async def asked_in_cycle(self, channel: ChannelRef) -> tuple[int, set[str]]:
        return (await self.asked_in_cycles([channel]))[channel]

    async def asked_in_cycles(self, channels: Sequence[ChannelRef]) -> dict[ChannelRef, tuple[int, set[str]]]:
        """Each channel's current rotation cycle and the questions asked in it ((0, set())
        for a channel with no rounds)."""
        found: dict[ChannelRef, tuple[int, set[str]]] = {c: (0, set()) for c in channels}
        async with self._sessions() as session:
            channel_ids = await self._channel_ids(session, channels)
            by_id = {channel_id: channel for channel, channel_id in channel_ids.items()}
            for chunk in chunks(list(by_id)):
                latest = (select(RoundRow.channel_id, func.max(RoundRow.cycle).label("cycle"))
                          .where(RoundRow.channel_id.in_(chunk)).group_by(RoundRow.channel_id).subquery())
                rows = await session.execute(
                    select(RoundRow.channel_id, latest.c.cycle, RoundRow.question_id)
                    .join(latest, (RoundRow.channel_id == latest.c.channel_id) & (RoundRow.cycle == latest.c.cycle))
                )
                for channel_id, cycle, question_id in rows:
                    channel = by_id[channel_id]
                    if found[channel][0] != cycle:
                        found[channel] = (cycle, set())
                    found[channel][1].add(question_id)
        return found

    async def claim_reveal(self, round_id: int, now: datetime, lease: timedelta) -> Round | None:
        return (await self.claim_reveals([round_id], now, lease))[0]

    async def claim_reveals(
        self, round_ids: Sequence[int], now: datetime, lease: timedelta, platforms: Iterable[str] | None = None,
        owner: str | None = None,
    ) -> list[Round | None]:
        """Claim the reveals of open rounds for ``lease``, in one transaction; None in
        place of a round not open, claimed by another whose claim is still live, named
        twice, or (with ``platforms``) on a platform not among them."""
        claimable = [
            RoundRow.id.in_(set(round_ids)),
            RoundRow.status == _POSTED,
            or_(RoundRow.reveal_claimed_until.is_(None), RoundRow.reveal_claimed_until < now),
        ]
        if platforms is not None:
            claimable.append(RoundRow.channel_id.in_(
                select(ChannelRow.id).where(ChannelRow.platform.in_(list(platforms)))))
        async with self._sessions.begin() as session:
            claimed = set(await session.scalars(
                update(RoundRow).where(*claimable).values(reveal_claimed_until=now + lease, claimed_by=owner)
                .returning(RoundRow.id)
            ))
            rows = await session.execute(
                select(RoundRow, ChannelRow).join(ChannelRow).where(RoundRow.id.in_(claimed))) if claimed else []
            found = {row.id: round_record(row, channel_ref(ch)) for row, ch in rows}
        results: list[Round | None] = []
        for round_id in round_ids:
            results.append(found.pop(round_id, None))  # pop: a second mention gets None
        return results

    async def due_reveals(self, now: datetime, platforms: Iterable[str], limit: int = 500) -> list[Round]:
        """Open rounds of these platforms whose reveal time has come and whose reveal no
        live claim holds, oldest first; channels backing off after a failure wait."""
        return await self._rounds(
            RoundRow.status == _POSTED, RoundRow.reveal_at <= now,
            or_(RoundRow.reveal_claimed_until.is_(None), RoundRow.reveal_claimed_until < now),
            ChannelRow.platform.in_(list(platforms)),
            or_(ChannelRow.retry_at.is_(None), ChannelRow.retry_at <= now),
            limit=limit,
        )

    async def renew_claims(self, posts: Sequence[int], reveals: Sequence[int], until: datetime,
                           owner: str | None = None) -> set[int]:
        """Keep this instance's claims alive while it works on them (a post still waiting
        for the platform's rate limit, a reveal being posted); returns the ids it still
        holds. One missing was taken over (its lease ran out first) or finished."""
        kept: set[int] = set()
        mine = [RoundRow.claimed_by == owner] if owner is not None else []
        async with self._sessions.begin() as session:
            if posts:
                kept.update(await session.scalars(
                    update(RoundRow).where(RoundRow.id.in_(set(posts)), RoundRow.status == RoundStatus.POSTING.value,
                                           *mine)
                    .values(post_claimed_until=until).returning(RoundRow.id)))
            if reveals:
                kept.update(await session.scalars(
                    update(RoundRow).where(RoundRow.id.in_(set(reveals)), RoundRow.status == _POSTED, *mine)
                    .values(reveal_claimed_until=until).returning(RoundRow.id)))
        return kept

    async def release_reveal(self, round_id: int) -> None:
        """Give a reveal claim up (its post failed), so it can be tried again at once."""
        async with self._sessions.begin() as session:
            await session.execute(update(RoundRow).where(RoundRow.id == round_id, RoundRow.status == _POSTED)
                                  .values(reveal_claimed_until=None))

    async def finish_reveal(self, round_id: int, now: datetime) -> None:
        await self.finish_reveals([round_id], now)

    async def finish_reveals(self, round_ids: Sequence[int], now: datetime) -> None:
        async with self._sessions.begin() as session:
            channel_ids = await session.scalars(
                update(RoundRow).where(RoundRow.id.in_(set(round_ids)))
                .values(status=RoundStatus.REVEALED.value, revealed_at=now, reveal_claimed_until=None)
                .returning(RoundRow.channel_id)
            )
            await _clear_failures(session, set(channel_ids))

    async def skip_round(self, round_id: int, now: datetime) -> bool:
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(RoundRow).where(RoundRow.id == round_id, RoundRow.status.in_(_OPEN))
                .values(status=RoundStatus.SKIPPED.value, revealed_at=now)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    # --- replies -------------------------------------------------------------------------

    async def add_reply(
        self,
        round_id: int,
        actor: Actor,
        text: str,
        private: bool,
        covered: tuple[str, ...],
        score: float,
        now: datetime,
        message_id: str | None = None,
    ) -> Reply | None:
        draft = ReplyDraft(round_id, actor, text, private, covered, score, now, message_id)
        return (await self.add_replies([draft]))[0]

    async def add_replies(self, drafts: Sequence[ReplyDraft]) -> list[Reply | None]:
        """Store replies in one transaction; None in place of one whose platform message
        was already stored for its round (a redelivered event, or a backfill). A reply
        made after its round closed is stored ``late``: judged here, against the round as
        this transaction reads it, not against the caller's copy (which another instance's
        reveal, or a skip, may have overtaken)."""
        async with self._sessions.begin() as session:
            rounds = await self._rounds_by_id(session, {d.round_id for d in drafts})
            late = [d.round_id in rounds and after_close(rounds[d.round_id], d.at, d.sent_at) for d in drafts]
            rows = [dict(round_id=d.round_id, platform=d.actor.user.platform, workspace=d.actor.user.workspace,
                         user_id=d.actor.user.user, user_name=d.actor.name, text=d.text, private=d.private,
                         message_id=d.message_id, covered="\n".join(d.covered), score=d.score, late=is_late,
                         created_at=written_at(d.at, d.sent_at), updated_at=d.at)
                    for d, is_late in zip(drafts, late, strict=True)]
            ids = await _insert_new(session, ReplyRow, rows, ("round_id", "message_id"))
        return [
            Reply(id=reply_id, round_id=d.round_id, user=d.actor.user, user_name=d.actor.name, text=d.text,
                  private=d.private, created_at=written_at(d.at, d.sent_at), covered=d.covered,
                  message_id=d.message_id, score=d.score, late=is_late)
            if reply_id is not None else None
            for d, is_late, reply_id in zip(drafts, late, ids, strict=True)
        ]

    async def _rounds_by_id(self, session: AsyncSession, round_ids: Iterable[int]) -> dict[int, Round]:
        found: dict[int, Round] = {}
        for chunk in chunks(list(round_ids)):
            rows = await session.execute(select(RoundRow, ChannelRow).join(ChannelRow).where(RoundRow.id.in_(chunk)))
            found.update((row.id, round_record(row, channel_ref(ch))) for row, ch in rows)
        return found

    async def edit_reply(
        self, round_id: int, message_id: str, text: str, covered: tuple[str, ...], score: float, now: datetime,
        sent_at: datetime | None = None,
    ) -> bool:
        """Apply an edit of a stored reply; False when there is none. After the round
        closed, a scored reply keeps the version that was scored and the edit is kept in
        ``late_text``; a late reply (never scored) simply takes the new text."""
        async with self._sessions.begin() as session:
            row = await session.scalar(
                select(ReplyRow).where(ReplyRow.round_id == round_id, ReplyRow.message_id == message_id))
            if row is None:
                return False
            round_ = round_record(*await self._round_row(session, round_id))
            row.updated_at = now
            if not row.late and after_close(round_, now, sent_at):
                # Not deleted_at: an answer deleted while it counted stays out of the scores.
                row.late_text, row.late_deleted_at = text, None
            else:
                row.text, row.covered, row.score, row.deleted_at = text, "\n".join(covered), score, None
            return True

    async def delete_reply(self, round_id: int, message_id: str, now: datetime) -> bool:
        """Record a deleted reply; False when there is none (or it was deleted already).
        Deleted after the round closed, a scored reply keeps its score (``late_deleted_at``):
        what was answered in time is not taken back from the leaderboard."""
        async with self._sessions.begin() as session:
            row = await session.scalar(
                select(ReplyRow).where(ReplyRow.round_id == round_id, ReplyRow.message_id == message_id,
                                       ReplyRow.deleted_at.is_(None), ReplyRow.late_deleted_at.is_(None)))
            if row is None:
                return False
            round_ = round_record(*await self._round_row(session, round_id))
            if not row.late and after_close(round_, now):
                row.late_deleted_at = now
            else:
                row.deleted_at = now
            row.updated_at = now
            return True

    async def replies_for_round(self, round_id: int) -> list[Reply]:
        """The round's replies not deleted while they counted, late ones included (flagged)."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(ReplyRow).where(ReplyRow.round_id == round_id, ReplyRow.deleted_at.is_(None))
                .order_by(ReplyRow.created_at, ReplyRow.id)
            )
            return [reply_record(r) for r in rows]

    async def user_stats(self, channel: ChannelRef, user: UserRef) -> tuple[int, int, float]:
        async with self._sessions() as session:
            row = (await session.execute(
                select(func.count(func.distinct(ReplyRow.round_id)), func.count(ReplyRow.id), func.avg(ReplyRow.score))
                .join(RoundRow, RoundRow.id == ReplyRow.round_id)
                .join(ChannelRow, ChannelRow.id == RoundRow.channel_id)
                .where(channel_is(channel), ReplyRow.platform == user.platform, ReplyRow.user_id == user.user,
                       scored_reply())
            )).one()
            return int(row[0]), int(row[1]), float(row[2] or 0.0)
