"""The live question bank: shipped pack files plus packs uploaded from chat, and each
channel's choice of packs.

An uploaded pack belongs to the workspace or server it came from: its ids live in that
owner's namespace and only the owner's channels see its questions. Uploaded packs live in
the ledger; every instance reloads them when their version changes, so an upload on one
instance is seen by all. A bad upload is rejected whole; a stored pack that no longer fits
is left out and logged, never raised. Part of the core.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING

from bot.content.errors import ContentErrors
from bot.content.importer import dump_pack, free_id, id_for_title, slugify
from bot.content.loader import MAX_ID_CHARS, PACK_SUFFIXES, SHARED, Bank, OwnedPack, load_pack_text
from bot.content.model import KeyPoint, Pack, Question
from bot.core.i18n import t
from bot.core.models import Actor, ChannelRef, StoredPack, UserRef

if TYPE_CHECKING:
    from bot.core.service import Core

log = logging.getLogger(__name__)

MAX_ERRORS_SHOWN = 10
# The largest pack file a platform adapter downloads from chat.
MAX_UPLOAD_BYTES = 256 * 1024
# How long checking an uploaded pack may take (in a worker thread) before it is refused.
PACK_CHECK_SECONDS = 5.0
# The longest pack or question id (the loader refuses longer ones in any pack): qualified by
# its owner it must still fit the ledger's columns and a Discord button's custom id.
MAX_ID_LENGTH = MAX_ID_CHARS
# The longest value each field of the question form takes (the platforms' forms say as much).
FORM_LIMITS = {"title": 200, "prompt": 4000, "answer": 4000, "key_points": 2000, "tags": 200}


def owner_of(place: ChannelRef | UserRef) -> str:
    """The owner key of a channel's (or person's) workspace or server: whose uploaded packs
    it sees."""
    return f"{place.platform}:{place.workspace}"


def stored_owner(stored: StoredPack) -> str:
    """The owner key of a stored pack (``SHARED`` for one stored before packs had owners)."""
    return f"{stored.owner_platform}:{stored.owner_workspace}" if stored.owner_platform else SHARED


def upload_problem(filename: str, size: int, language: str) -> str | None:
    """Why a shared file cannot be a pack, decided before downloading it (name, declared
    size); None when it may be one. Adapters ask ``too_big`` again after the download, when
    the declared size lied."""
    if not filename.lower().endswith(PACK_SUFFIXES):
        return t("packs.upload_not_yaml", language, filename=filename)
    if size > MAX_UPLOAD_BYTES:
        return too_big(filename, language)
    return None


def too_big(filename: str, language: str) -> str:
    return t("packs.upload_too_big", language, filename=filename, limit=MAX_UPLOAD_BYTES // 1024)


@dataclass(frozen=True)
class QuestionForm:
    """One question as typed into a platform's form (a modal). ``key_points`` has one
    point per line, ``name: alias, alias``; ``tags`` is comma-separated."""

    title: str
    prompt: str
    answer: str
    key_points: str
    tags: str = ""
    difficulty: str = "2"
    language: str = "zh"


_Parsed = tuple[str, str, int]  # (owner key, pack id, revision): one stored version of a pack


class PackManager:
    def __init__(self, core: Core, file_packs: tuple[Pack, ...]) -> None:
        self.core = core
        self.file_packs = file_packs
        self._parsed: dict[_Parsed, Pack | None] = {}  # None: no longer loads
        self._version: tuple[int, int | None] | None = None
        self._looked_at = float("-inf")

    async def refresh(self, max_age: float = 0.0) -> None:
        """Reload uploaded packs if any changed since the last look (one small query).
        With ``max_age``, a look taken less than that many seconds ago is good enough.
        A stored pack that no longer loads or clashes with another is left out and logged."""
        now = time.monotonic()
        if max_age and now - self._looked_at < max_age:
            return
        self._looked_at = now
        version = await self.core.repo.packs_version()
        if version == self._version:
            return
        stored = await self.core.repo.stored_packs()
        uploads = [OwnedPack(stored_owner(s), pack) for s in stored if (pack := await self._parse(s)) is not None]
        live = {(stored_owner(s), s.pack_id, s.revision) for s in stored}
        self._parsed = {key: pack for key, pack in self._parsed.items() if key in live}
        bank = Bank(self.file_packs, uploads)
        for upload, reason in bank.left_out:
            log.error("stored pack %s of %s clashes with another, leaving it out: %s",
                      upload.pack.id, upload.owner or "(shared)", reason)
        self.core.bank = bank
        self._version = version

    async def _parse(self, stored: StoredPack) -> Pack | None:
        """A stored pack as loaded (its ids as written), parsed once per revision, off the
        event loop."""
        key = (stored_owner(stored), stored.pack_id, stored.revision)
        if key not in self._parsed:
            try:
                self._parsed[key] = await asyncio.to_thread(load_pack_text, stored.source, stored.filename)
            except ContentErrors as exc:  # linted on upload; only a newer linter could object
                log.error("stored pack %s no longer loads, leaving it out:\n%s", stored.pack_id, exc)
                self._parsed[key] = None
            except Exception:  # a stored row must never stop the bank from loading
                log.exception("stored pack %s could not be read, leaving it out", stored.pack_id)
                self._parsed[key] = None
        return self._parsed[key]

    async def _refusal(self, owner: str, pack: Pack, stored: list[StoredPack]) -> str | None:
        """Why ``pack`` may not join the owner's packs as ``stored`` now (the owner's and the
        shared ones), replacing the owner's pack of the same id; None when it may."""
        others = [OwnedPack(key, parsed) for s in stored
                  if not ((key := stored_owner(s)) == owner and s.pack_id == pack.id)
                  and (parsed := await self._parse(s)) is not None]
        return Bank(self.file_packs, others).refusal(OwnedPack(owner, pack))

    async def _check(self, text: str, filename: str, language: str) -> Pack | str:
        """The pack in ``text``, or what to tell the uploader: its errors with their line
        numbers, or that checking it took too long. Parsing runs in a worker thread so that
        a big or hostile file cannot stall the event loop; a thread cannot be stopped, but
        nobody waits for it past the limit."""
        try:
            pack = await asyncio.wait_for(asyncio.to_thread(load_pack_text, text, filename), PACK_CHECK_SECONDS)
        except TimeoutError:
            log.warning("checking pack %s took over %s s; refused", filename, PACK_CHECK_SECONDS)
            return t("packs.check_timeout", language, filename=filename)
        except ContentErrors as exc:
            shown = exc.errors[:MAX_ERRORS_SHOWN]
            lines = "\n".join(str(e) for e in shown)
            if len(exc.errors) > len(shown):
                lines += "\n…"
            return t("packs.rejected", language, filename=filename, count=len(exc.errors), errors=lines)
        return pack

    async def upload(self, channel: ChannelRef, actor: Actor, filename: str, text: str, language: str) -> str:
        """Lint and store a pack for the channel's workspace or server; on any error nothing
        is stored and the uploader hears why."""
        pack = await self._check(text, filename, language)
        if isinstance(pack, str):
            return pack
        if any(p.id == pack.id for p in self.file_packs):
            return t("packs.conflict", language, reason=t("packs.shipped_id", language, pack_id=pack.id))
        owner = owner_of(channel)

        async def write(stored: list[StoredPack]) -> StoredPack | str:
            reason = await self._refusal(owner, pack, stored)
            if reason is not None:
                return reason
            return StoredPack(pack.id, pack.title, text, filename, actor.user.key, self.core.clock.now())

        saved = await self.core.repo.save_pack(channel.platform, channel.workspace, write)
        if isinstance(saved, str):
            return t("packs.conflict", language, reason=saved)
        await self.refresh()
        log.info("pack %s of %s uploaded by %s: %s questions", pack.id, owner, actor.user.key, len(pack.questions))
        return t("packs.saved", language, pack_id=pack.id, count=len(pack.questions))

    async def add_question(self, channel: ChannelRef, actor: Actor, form: QuestionForm, language: str) -> str:
        """Add one question to the workspace's own pack (``custom-<workspace>``), through the
        same lint as a file upload. Admins only. The pack is read and written in one
        transaction, so questions added at the same moment are all kept."""
        if not self.core.is_admin(actor):
            return t("admin.only", language, command="packs add")
        too_long = next((name for name, limit in FORM_LIMITS.items() if len(getattr(form, name)) > limit), None)
        if too_long is not None:
            return t("packs.form_too_long", language, field=too_long, limit=FORM_LIMITS[too_long])
        problem = _form_problem(form)
        if problem:
            return t("packs.form_invalid", language, problem=problem)
        owner = owner_of(channel)
        pack_id = ("custom-" + slugify(f"{channel.platform} {channel.workspace}"))[:MAX_ID_LENGTH].rstrip("-")
        filename = f"{pack_id}.yaml"
        # The question alone goes through the upload's lint first, off the event loop.
        checked = await self._check(dump_pack(pack_id, "check", (_question_from(form),)), filename, language)
        if isinstance(checked, str):
            return checked
        [draft] = checked.questions
        shipped = {q.id for p in self.file_packs for q in p.questions}
        added: list[Pack] = []

        async def write(stored: list[StoredPack]) -> StoredPack | str:
            mine = [s for s in stored if stored_owner(s) == owner]
            # The owner's pack; or, the first time, the shared pack of that id it takes over.
            base_row = next((s for s in mine if s.pack_id == pack_id), None) or next(
                (s for s in stored if stored_owner(s) == SHARED and s.pack_id == pack_id), None)
            base = await self._parse(base_row) if base_row else None
            if base_row is not None and base is None:  # rewriting it would lose its questions
                return f"the stored pack {pack_id} no longer loads"
            taken = set(shipped)
            for row in mine:
                parsed = await self._parse(row)
                taken |= {q.id for q in parsed.questions} if parsed else set()
            if base is not None:
                taken |= {q.id for q in base.questions}
            question = replace(draft, id=free_id(draft.id, taken))
            title = base.title if base else f"Questions added in chat ({channel.platform})"
            pack = Pack(pack_id, title, filename, (base.questions if base else ()) + (question,),
                        titles=base.titles if base else (), description=base.description if base else ())
            reason = await self._refusal(owner, pack, stored)
            if reason is not None:
                return reason
            source = await asyncio.to_thread(partial(dump_pack, pack.id, pack.title, pack.questions,
                                                     titles=pack.titles, description=pack.description))
            added.append(pack)
            return StoredPack(pack_id, title, source, filename, actor.user.key, self.core.clock.now())

        saved = await self.core.repo.save_pack(channel.platform, channel.workspace, write)
        if isinstance(saved, str):
            return t("packs.conflict", language, reason=saved)
        await self.refresh()
        log.info("question added to pack %s of %s by %s", pack_id, owner, actor.user.key)
        return t("packs.saved", language, pack_id=pack_id, count=len(added[-1].questions))

    async def describe(self, channel: ChannelRef, language: str) -> str:
        await self.refresh()
        disabled = await self.core.repo.disabled_packs(channel)
        lines = [
            t("packs.line", language, pack_id=pack.id, title=pack.title_in(language), count=len(pack.questions),
              state=t("packs.off" if pack.id in disabled else "packs.on", language))
            for pack in self.core.bank.packs_for(owner_of(channel))
        ]
        return "\n".join(lines)

    async def set_enabled(self, channel: ChannelRef, pack_id: str, enabled: bool, language: str) -> str:
        await self.refresh()
        if self.core.bank.get_pack(pack_id, owner_of(channel)) is None:
            return t("packs.unknown", language, pack_id=pack_id)
        await self.core.repo.set_pack_enabled(channel, pack_id, enabled, self.core.clock.now())
        return t("packs.enabled" if enabled else "packs.disabled", language, pack_id=pack_id)

    def pack_ids(self, channel: ChannelRef) -> list[str]:
        """The ids of the packs the channel sees (for a platform's autocomplete)."""
        return [pack.id for pack in self.core.bank.packs_for(owner_of(channel))]

    def tags(self, channel: ChannelRef) -> list[str]:
        """Every tag of the questions the channel sees (for a platform's autocomplete)."""
        return self.core.bank.all_tags(owner_of(channel))


def _form_problem(form: QuestionForm) -> str | None:
    for name in ("title", "prompt", "answer", "key_points"):
        if not getattr(form, name).strip():
            return f"{name} is empty"
    if form.difficulty.strip() not in ("1", "2", "3"):
        return "difficulty must be 1, 2 or 3"
    return None


def _question_from(form: QuestionForm) -> Question:
    points = []
    for line in form.key_points.splitlines():
        name, _, aliases = line.partition(":")
        if name.strip():
            points.append(KeyPoint(name.strip(), tuple(a.strip() for a in aliases.split(",") if a.strip())))
    return Question(
        id=id_for_title(form.title), title=form.title.strip(), prompt=form.prompt.strip(),
        answer=form.answer.strip(), key_points=tuple(points),
        tags=tuple(slugify(t)[:MAX_ID_LENGTH].rstrip("-") for t in form.tags.split(",") if t.strip()),
        difficulty=int(form.difficulty.strip()), language=form.language, source="chat",
    )


