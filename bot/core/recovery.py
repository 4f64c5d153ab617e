"""Making good after a crash or a disconnect: posts claimed but never confirmed, and
replies posted in threads while the bot was away.

The platform is asked through optional ports (``PostLookup``, ``ThreadHistory``); a
platform without them (the console) gets a plain re-post and no backfill. Part of the core.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.core import views
from bot.core.models import Round, RoundStatus
from bot.core.ports import ThreadReplyCreated, ThreadReplyDeleted, ThreadReplyEdited

if TYPE_CHECKING:
    from bot.core.service import Core

log = logging.getLogger(__name__)

# A reveal made this long after its announced time was not made by a bot that was running
# and connected: its thread may hold replies the bot never heard of, read back first.
DELAYED_REVEAL = timedelta(minutes=1)


class Recovery:
    def __init__(self, core: Core, grace: timedelta) -> None:
        self.core = core
        self.grace = grace

    async def recover_posts(self) -> list[int]:
        """Finish every post whose claim ran out (its instance died, or lost the database
        for longer than a lease): found on the platform -> confirm it; not found -> post
        it now; claimed longer ago than the grace window -> give it up."""
        core = self.core
        finished = []
        stale_posts = await core.repo.stale_posts(core.clock.now())
        held = await core.repo.channels_held_off(core.clock.now()) if stale_posts else set()
        for stale in stale_posts:
            if stale.channel.platform not in core.platforms or stale.channel in held:
                continue  # an instance that runs its platform finishes it; a failing channel waits
            round_ = await core.repo.take_over_post(stale.id, core.clock.now(), core.leases.lease, core.leases.owner)
            if round_ is None:
                continue  # another instance is on it, or it was confirmed meanwhile
            if core.clock.now() - round_.created_at > self.grace:
                log.warning("giving up round %s in %s: claimed at %s and never confirmed",
                            round_.id, round_.channel.key, round_.created_at.isoformat())
                await core.repo.skip_round(round_.id, core.clock.now())
                continue
            try:
                with core.leases.posting([round_.id]):
                    done = await self._finish_post(round_)
            except Exception as exc:  # noqa: BLE001 - one channel's failure must not stop the others
                log.warning("could not finish the post of round %s in %s; tried again when its claim runs out",
                            round_.id, round_.channel.key, exc_info=True)
                await core.health.failed(round_.channel, exc, f"the post of round {round_.id}")
                continue
            if done:
                finished.append(round_.id)
        return finished

    async def _finish_post(self, round_: Round) -> bool:
        core = self.core
        platform = core.platforms.get(round_.channel.platform)
        question = await core.question(round_.question_id)
        if platform is None or question is None:
            return False
        found = None
        lookup = getattr(platform, "find_round_post", None)
        if lookup is not None:
            found = await lookup(round_.channel, round_.id, round_.created_at)
        subscription = await core.repo.get_subscription(round_.channel)
        language = core.language_of(subscription)
        if found is not None:
            posted, thread = found
            log.info("round %s was posted before the crash (%s); confirming it", round_.id, posted.message_id)
        else:
            schedule = core.schedule_of(subscription)
            message = views.question_message(round_, question, language, schedule.timezone)
            study = await core.repo.get_study(round_.study_id) if round_.study_id is not None else None
            if study is not None and study.thread is not None:  # a study question goes in its thread
                posted, thread = await platform.reply_in_thread(study.thread, message), study.thread
            else:
                posted, thread = await platform.post_message(round_.channel, message), None
        if thread is None:
            thread = await platform.open_thread(posted, views.thread_name(question, language))
        confirmed = await core.confirm_post(round_.id, posted, thread)
        core.metrics.count("posts", platform=round_.channel.platform)
        core.timers.reveal_scheduled(confirmed)
        return confirmed.status is RoundStatus.OPEN

    async def backfill(self, platform_name: str | None = None) -> int:
        """Bring the ledger up to date with every open round's thread: replies made, edited
        or deleted while the bot was not listening. Returns how many changes were applied."""
        core = self.core
        changes = 0
        for round_ in await core.repo.open_rounds():
            if platform_name and round_.channel.platform != platform_name:
                continue
            try:
                changes += await self.backfill_round(round_)
            except Exception:  # noqa: BLE001 - one thread's trouble must not stop the others
                log.warning("could not read the thread of round %s in %s; its replies are read again on "
                            "the next backfill", round_.id, round_.channel.key, exc_info=True)
        if changes:
            log.info("backfill applied %s change(s) from thread history", changes)
        return changes

    async def backfill_round(self, round_: Round) -> int:
        """Bring one round's replies up to date with its thread (0 changes on a platform
        that cannot list a thread's history)."""
        core = self.core
        history = getattr(core.platforms.get(round_.channel.platform), "thread_replies", None)
        if round_.thread is None or history is None:
            return 0
        changes = 0
        seen = {r.message_id: r for r in await core.repo.replies_for_round(round_.id) if r.message_id}
        present = set()
        for reply in await history(round_.thread):
            present.add(reply.message_id)
            stored = seen.get(reply.message_id)
            # With the platform's time of writing: a reply made before a reveal that fell
            # due while the bot was away is still scored, one made after it is late.
            if stored is None:
                await core.handle(ThreadReplyCreated(round_.thread, reply.actor, reply.message_id, reply.text,
                                                     reply.sent_at))
            elif stored.current_text != reply.text:
                await core.handle(ThreadReplyEdited(round_.thread, reply.actor, reply.message_id, reply.text,
                                                    reply.sent_at))
            else:
                continue
            changes += 1
        # A reply deleted after the close keeps its score and stays listed: not deleted again.
        for message_id in {m for m, r in seen.items() if r.late_deleted_at is None} - present:
            await core.handle(ThreadReplyDeleted(round_.thread, message_id))
            changes += 1
        return changes
