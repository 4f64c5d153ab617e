"""The live question bank: shipped pack files plus packs uploaded from chat, and each
channel's choice of packs.

Uploaded packs live in the ledger; every instance reloads them when their version changes,
so an upload on one instance is seen by all. A bad upload is rejected whole. Part of the core.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.content.errors import ContentErrors
from bot.content.importer import dump_pack, slugify
from bot.content.loader import PACK_SUFFIXES, Bank, load_pack_text
from bot.content.model import KeyPoint, Pack, Question
from bot.core.i18n import t
from bot.core.models import Actor, ChannelRef

if TYPE_CHECKING:
    from bot.core.service import Core

log = logging.getLogger(__name__)

MAX_ERRORS_SHOWN = 10
# The largest pack file a platform adapter downloads from chat.
MAX_UPLOAD_BYTES = 256 * 1024


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


class PackManager:
    def __init__(self, core: Core, file_packs: tuple[Pack, ...]) -> None:
        self.core = core
        self.file_packs = file_packs
        self.uploaded: tuple[Pack, ...] = ()
        self._version: tuple[int, int | None] | None = None
        self._looked_at = float("-inf")

    async def refresh(self, max_age: float = 0.0) -> None:
        """Reload uploaded packs if any changed since the last look (one small query).
        With ``max_age``, a look taken less than that many seconds ago is good enough."""
        now = time.monotonic()
        if max_age and now - self._looked_at < max_age:
            return
        self._looked_at = now
        version = await self.core.repo.packs_version()
        if version == self._version:
            return
        packs = []
        for stored in await self.core.repo.stored_packs():
            try:
                packs.append(load_pack_text(stored.source, stored.filename))
            except ContentErrors as exc:  # linted on upload; only a newer linter could object
                log.error("stored pack %s no longer loads, leaving it out:\n%s", stored.pack_id, exc)
        self.uploaded = tuple(packs)
        self.core.bank = self._combine(self.uploaded)
        self._version = version

    def _combine(self, uploaded: tuple[Pack, ...]) -> Bank:
        return Bank(self.file_packs + uploaded)

    async def upload(self, actor: Actor, filename: str, text: str, language: str) -> str:
        """Lint and store a pack; on any error nothing is stored and the errors come back
        with their line numbers."""
        try:
            pack = load_pack_text(text, filename)
        except ContentErrors as exc:
            shown = exc.errors[:MAX_ERRORS_SHOWN]
            lines = "\n".join(str(e) for e in shown)
            if len(exc.errors) > len(shown):
                lines += "\n…"
            return t("packs.rejected", language, filename=filename, count=len(exc.errors), errors=lines)
        await self.refresh()
        if any(p.id == pack.id for p in self.file_packs):
            return t("packs.conflict", language, reason=t("packs.shipped_id", language, pack_id=pack.id))
        others = tuple(p for p in self.uploaded if p.id != pack.id)
        try:
            self._combine(others + (pack,))
        except ValueError as exc:  # a question id another pack already uses
            return t("packs.conflict", language, reason=str(exc))
        await self.core.repo.save_pack(pack.id, pack.title, text, filename, actor.user.key, self.core.clock.now())
        await self.refresh()
        log.info("pack %s uploaded by %s: %s questions", pack.id, actor.user.key, len(pack.questions))
        return t("packs.saved", language, pack_id=pack.id, count=len(pack.questions))

    async def add_question(self, channel: ChannelRef, actor: Actor, form: QuestionForm, language: str) -> str:
        """Add one question to the workspace's own pack (``custom-<workspace>``), through the
        same lint as a file upload."""
        problem = _form_problem(form)
        if problem:
            return t("packs.form_invalid", language, problem=problem)
        await self.refresh()
        pack_id = "custom-" + slugify(f"{channel.platform} {channel.workspace}")
        existing = next((p for p in self.uploaded if p.id == pack_id), None)
        question = _question_from(form, taken={q.id for q in self.core.bank.questions})
        questions = (existing.questions if existing else ()) + (question,)
        title = existing.title if existing else f"Questions added in chat ({channel.platform})"
        return await self.upload(actor, f"{pack_id}.yaml", dump_pack(pack_id, title, questions), language)

    async def describe(self, channel: ChannelRef, language: str) -> str:
        await self.refresh()
        disabled = await self.core.repo.disabled_packs(channel)
        lines = [
            t("packs.line", language, pack_id=pack.id, title=pack.title, count=len(pack.questions),
              state=t("packs.off" if pack.id in disabled else "packs.on", language))
            for pack in self.core.bank.packs
        ]
        return "\n".join(lines)

    async def set_enabled(self, channel: ChannelRef, pack_id: str, enabled: bool, language: str) -> str:
        await self.refresh()
        if self.core.bank.get_pack(pack_id) is None:
            return t("packs.unknown", language, pack_id=pack_id)
        await self.core.repo.set_pack_enabled(channel, pack_id, enabled, self.core.clock.now())
        return t("packs.enabled" if enabled else "packs.disabled", language, pack_id=pack_id)


def _form_problem(form: QuestionForm) -> str | None:
    for name in ("title", "prompt", "answer", "key_points"):
        if not getattr(form, name).strip():
            return f"{name} is empty"
    if form.difficulty.strip() not in ("1", "2", "3"):
        return "difficulty must be 1, 2 or 3"
    return None


def _question_from(form: QuestionForm, taken: set[str]) -> Question:
    points = []
    for line in form.key_points.splitlines():
        name, _, aliases = line.partition(":")
        if name.strip():
            points.append(KeyPoint(name.strip(), tuple(a.strip() for a in aliases.split(",") if a.strip())))
    base = slugify(form.title)
    if base == "question":  # a title with no Latin letters or digits: name it by its hash
        base = "q-" + hashlib.sha1(form.title.encode()).hexdigest()[:8]
    question_id, n = base, 2
    while question_id in taken:
        question_id, n = f"{base}-{n}", n + 1
    return Question(
        id=question_id, title=form.title.strip(), prompt=form.prompt.strip(), answer=form.answer.strip(),
        key_points=tuple(points), tags=tuple(slugify(t) for t in form.tags.split(",") if t.strip()),
        difficulty=int(form.difficulty.strip()), language=form.language, source="chat",
    )
