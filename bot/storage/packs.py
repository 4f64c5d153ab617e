"""Uploaded question packs and each channel's pack selection, in the ledger so that every
instance sees the same bank. A mixin of ``SqlRepository``; each method is one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.models import ChannelRef, StoredPack
from bot.storage.db import Sessions
from bot.storage.rows import channel_is, channel_ref, channels_in, chunks
from bot.storage.tables import ChannelRow, DisabledPackRow, PackRow


class PackLedger:
    _sessions: Sessions

    async def _channel_id(self, session: AsyncSession, channel: ChannelRef, now: datetime | None) -> int | None:
        raise NotImplementedError

    async def save_pack(
        self, pack_id: str, title: str, source: str, filename: str, uploaded_by: str, now: datetime
    ) -> None:
        """Store an uploaded pack, replacing an earlier upload with the same id; every save
        raises the table's revision, so ``packs_version`` changes whatever the clocks say."""
        async with self._sessions.begin() as session:
            if session.bind.dialect.name == "postgresql":
                # Two instances saving at once would both read the same newest revision;
                # uploads are rare, so saves take turns (plain reads are not blocked).
                await session.execute(text("LOCK TABLE packs IN EXCLUSIVE MODE"))
            revision = (await session.scalar(select(func.max(PackRow.revision))) or 0) + 1
            await session.execute(delete(PackRow).where(PackRow.pack_id == pack_id))
            session.add(PackRow(pack_id=pack_id, title=title, source=source, filename=filename,
                                uploaded_by=uploaded_by, uploaded_at=now, revision=revision))

    async def stored_packs(self) -> list[StoredPack]:
        async with self._sessions() as session:
            rows = await session.scalars(select(PackRow).order_by(PackRow.pack_id))
            return [StoredPack(r.pack_id, r.title, r.source, r.filename, r.uploaded_by, r.uploaded_at) for r in rows]

    async def packs_version(self) -> tuple[int, int | None]:
        """Changes whenever a pack is uploaded or replaced: (how many, newest revision)."""
        async with self._sessions() as session:
            count, newest = (await session.execute(select(func.count(PackRow.id), func.max(PackRow.revision)))).one()
            return int(count), newest

    async def disabled_packs(self, channel: ChannelRef) -> set[str]:
        return (await self.disabled_packs_for([channel]))[channel]

    async def disabled_packs_for(self, channels: Sequence[ChannelRef]) -> dict[ChannelRef, set[str]]:
        """The packs each channel left out of its rotation (an empty set for most)."""
        found: dict[ChannelRef, set[str]] = {c: set() for c in channels}
        async with self._sessions() as session:
            for chunk in chunks(list(found)):
                rows = await session.execute(
                    select(ChannelRow, DisabledPackRow.pack_id)
                    .join(ChannelRow, ChannelRow.id == DisabledPackRow.channel_id)
                    .where(channels_in(chunk))
                )
                for channel_row, pack_id in rows:
                    found[channel_ref(channel_row)].add(pack_id)
        return found

    async def set_pack_enabled(self, channel: ChannelRef, pack_id: str, enabled: bool, now: datetime) -> None:
        async with self._sessions.begin() as session:
            channel_id = await self._channel_id(session, channel, now)
            if enabled:
                await session.execute(delete(DisabledPackRow).where(
                    DisabledPackRow.channel_id == channel_id, DisabledPackRow.pack_id == pack_id))
                return
            try:
                async with session.begin_nested():
                    session.add(DisabledPackRow(channel_id=channel_id, pack_id=pack_id, updated_at=now))
            except IntegrityError:
                pass  # already disabled
