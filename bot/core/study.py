"""Group study sessions: a run of timed questions in one thread, then a scoreboard.

Each question is an ordinary round tied to the session, so the ledger, the reveal job and
restarts treat it like any other; revealing one posts the next. Part of the core.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.core.i18n import t
from bot.core.messages import Message, MessageKind, user_text
from bot.core.models import Actor, ChannelRef, Round, StudySession, StudyStatus
from bot.core.packs import owner_of

if TYPE_CHECKING:
    from bot.core.service import Core

log = logging.getLogger(__name__)


class StudySessions:
    def __init__(self, core: Core) -> None:
        self.core = core

    async def start(
        self, channel: ChannelRef, actor: Actor, tags: tuple[str, ...], count: int, minutes: int, language: str
    ) -> str:
        """Open the session's thread and post its first question; returns what to tell
        the caller."""
        if not self.core.bank.filter(tags, owner=owner_of(channel)):
            return t("study.no_questions", language, tags=",".join(tags))
        repo = self.core.repo
        study = await repo.start_study(channel, tags, count, timedelta(minutes=minutes), language,
                                       actor.user.key, self.core.clock.now())
        if study is None:
            return t("study.running", language)
        platform = self.core.platforms[channel.platform]
        intro = Message(text=t("study.intro", language, count=count, minutes=minutes),
                        title=t("study.title", language), kind=MessageKind.STUDY)
        try:
            posted = await platform.post_message(channel, intro)
            thread = await platform.open_thread(posted, t("study.thread_name", language))
        except Exception:
            await repo.end_study(study.id, StudyStatus.STOPPED, self.core.clock.now())
            raise
        await repo.set_study_thread(study.id, posted, thread)
        await self.post_next(study.id)
        return t("study.started", language, study_id=study.id)

    async def post_next(self, study_id: int) -> Round | None:
        """Post the session's next question, or its scoreboard when all were asked. Under
        the session's advance claim: whoever else tries at the same moment (the sweep of
        another instance) leaves it to this one."""
        core = self.core
        mine = core.leases.until()
        if not await core.repo.claim_study_advance(study_id, core.clock.now(), mine):
            return None
        try:
            return await self._post_next(study_id)
        finally:
            await core.repo.release_study_advance(study_id, mine)

    async def _post_next(self, study_id: int) -> Round | None:
        study = await self.core.repo.get_study(study_id)
        if study is None or study.status is not StudyStatus.RUNNING or study.thread is None:
            return None
        asked = await self.core.repo.study_rounds(study.id)
        if any(r.is_open for r in asked):
            return None  # the current question is still open
        if len(asked) >= study.count:
            await self.finish(study, StudyStatus.FINISHED)
            return None
        round_ = await self.core.open_round(
            study.channel, study.tags, reveal_after=study.answer_window, thread=study.thread,
            subscription=await self.core.repo.get_subscription(study.channel),
            study_id=study.id, title=t("study.question_title", study.language, number=len(asked) + 1,
                                       count=study.count),
        )
        if round_ is None:
            await self.finish(study, StudyStatus.FINISHED)
        return round_

    async def _steerable(self, channel: ChannelRef, actor: Actor, language: str) -> StudySession | str:
        """The channel's running session if the actor may steer it, else why not."""
        study = await self.core.repo.running_study(channel)
        if study is None:
            return t("study.none", language)
        if not self._may_steer(study, actor):
            return t("study.not_yours", language)
        return study

    async def next(self, channel: ChannelRef, actor: Actor, language: str) -> str:
        study = await self._steerable(channel, actor, language)
        if isinstance(study, str):
            return study
        current = [r for r in await self.core.repo.study_rounds(study.id) if r.is_open]
        if current:
            await self.core.reveal_round(current[-1].id)  # revealing posts the next question
        else:
            await self.post_next(study.id)
        return t("study.advanced", language)

    async def stop(self, channel: ChannelRef, actor: Actor, language: str) -> str:
        study = await self._steerable(channel, actor, language)
        if isinstance(study, str):
            return study
        current = [r for r in await self.core.repo.study_rounds(study.id) if r.is_open]
        await self.finish(study, StudyStatus.STOPPED, reveal=current)
        return t("study.stopped", language)

    async def finish(self, study: StudySession, status: StudyStatus, reveal: list[Round] | None = None) -> None:
        """End the session once (whoever else tries) and post the scoreboard."""
        if not await self.core.repo.end_study(study.id, status, self.core.clock.now()):
            return
        for round_ in reveal or []:
            await self.core.reveal_round(round_.id)
        message = await self.scoreboard(study)
        if study.thread is not None:
            await self.core.platforms[study.channel.platform].reply_in_thread(study.thread, message)
        log.info("study session %s in %s ended: %s", study.id, study.channel.key, status.value)

    async def scoreboard(self, study: StudySession) -> Message:
        language = study.language
        points: dict[str, float] = defaultdict(float)
        rounds: dict[str, int] = defaultdict(int)
        names: dict[str, str] = {}
        late = 0
        for round_ in await self.core.repo.study_rounds(study.id):
            best: dict[str, float] = {}
            for reply in await self.core.repo.replies_for_round(round_.id):
                if reply.late:  # after its question was revealed: counted below, not scored
                    late += 1
                    continue
                key = reply.user.key
                best[key] = max(best.get(key, 0.0), reply.score)
                names[key] = reply.user_name
            for key, score in best.items():
                points[key] += score
                rounds[key] += 1
        ranked = sorted(points, key=lambda k: (-points[k], -rounds[k], names[k]))
        lines = [
            t("scoreboard.line", language, rank=i, name=user_text(names[k]), points=f"{points[k]:.1f}",
              rounds=rounds[k], count=study.count)
            for i, k in enumerate(ranked, start=1)
        ]
        text = "\n".join(lines) or t("scoreboard.empty", language)
        if late:
            # The scoreboard is the session's last word, posted after every reveal: the one
            # place that can say how many answers came too late to count.
            text += "\n\n" + t("scoreboard.late", language, count=late)
        return Message(text=text,
                       title=t("scoreboard.title", language), kind=MessageKind.SCOREBOARD)

    async def after_reveal(self, round_: Round) -> None:
        if round_.study_id is not None:
            await self.post_next(round_.study_id)

    async def resume(self) -> None:
        """After a restart, and on every sweep: a session whose last question was revealed
        but whose next one was never posted (its instance died in between) carries on. One
        session's trouble is logged and left for the next sweep."""
        for study in await self.core.repo.running_studies():
            if study.channel.platform not in self.core.platforms:
                continue  # an instance that runs its platform carries it on
            try:
                await self.post_next(study.id)
            except Exception:  # noqa: BLE001 - one channel's failure must not stop the others
                log.warning("could not carry on study session %s in %s; tried again on the next sweep",
                            study.id, study.channel.key, exc_info=True)

    def _may_steer(self, study: StudySession, actor: Actor) -> bool:
        return study.started_by == actor.user.key or self.core.is_admin(actor)

