"""Uploaded question packs and each channel's pack selection, in the ledger so that every
instance sees the same bank. A mixin of ``SqlRepository``; each method is one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, or_, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.models import ChannelRef, StoredPack
from bot.core.ports import PackWrite
from bot.storage.db import Sessions
from bot.storage.rows import channel_is, channel_ref, channels_in, chunks
from bot.storage.tables import ChannelRow, DisabledPackRow, PackRow


def _stored(row: PackRow) -> StoredPack:
    return StoredPack(row.pack_id, row.title, row.source, row.filename, row.uploaded_by, row.uploaded_at,
                      row.owner_platform, row.owner_workspace, row.revision)


class PackLedger:
    _sessions: Sessions

    async def _channel_id(self, session: AsyncSession, channel: ChannelRef, now: datetime | None) -> int | None:
        raise NotImplementedError

    async def save_pack(self, owner_platform: str, owner_workspace: str, write: PackWrite) -> StoredPack | str:
        """Store the pack ``write`` makes of the owner's and the shared packs as they are now,
        replacing the owner's pack with the same id; or store nothing when it says why not.

        The packs are read and written under one lock, so two uploads at once cannot both
        pass the check against each other, and a question added through the form cannot
        overwrite one added at the same moment. Every save raises the table's revision, so
        ``packs_version`` changes whatever the clocks say."""
        async with self._sessions.begin() as session:
            if session.bind.dialect.name == "postgresql":
                # Plain reads are not blocked; saves, rare, take turns across instances. On
                # SQLite the write transaction is the only writer already.
                await session.execute(text("LOCK TABLE packs IN EXCLUSIVE MODE"))
            mine = (PackRow.owner_platform == owner_platform) & (PackRow.owner_workspace == owner_workspace)
            shared = (PackRow.owner_platform == "") & (PackRow.owner_workspace == "")
            rows = await session.scalars(select(PackRow).where(or_(mine, shared)).order_by(PackRow.id))
            outcome = await write([_stored(row) for row in rows])
            if isinstance(outcome, str):
                return outcome
            revision = (await session.scalar(select(func.max(PackRow.revision))) or 0) + 1
            await session.execute(delete(PackRow).where(mine, PackRow.pack_id == outcome.pack_id))
            row = PackRow(pack_id=outcome.pack_id, owner_platform=owner_platform, owner_workspace=owner_workspace,
                          title=outcome.title, source=outcome.source, filename=outcome.filename,
                          uploaded_by=outcome.uploaded_by, uploaded_at=outcome.uploaded_at, revision=revision)
            session.add(row)
            await session.flush()
            return _stored(row)

    async def stored_packs(self) -> list[StoredPack]:
        """Every stored pack, in the order they were first stored."""
        async with self._sessions() as session:
            rows = await session.scalars(select(PackRow).order_by(PackRow.id))
            return [_stored(row) for row in rows]

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
