"""What each ``/interview`` command does once parsed and permission-checked.

Called by ``Core`` only; answers are ``Response`` values the adapter delivers
(private ones as ephemeral messages or DMs).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from bot.core.commands import Command, ScheduleSet
from bot.core.i18n import t
from bot.core.messages import Message, Response, private_reply
from bot.core.models import Subscription
from bot.core.ports import CommandInvoked, PrivateAnswerSubmitted
from bot.core.schedule import Schedule
from bot.core.views import local_time

if TYPE_CHECKING:
    from bot.core.service import Core


async def run_command(
    core: Core, event: CommandInvoked, command: Command, subscription: Subscription | None, language: str
) -> list[Response]:
    channel = event.channel
    if command.name == "help":
        return [private_reply(t("help.text", language))]
    if command.name == "question":
        round_ = await core.start_round(channel)
        if round_ is None:
            tags = ", ".join(subscription.tags) if subscription else ""
            return [private_reply(t("round.no_questions", language, tags=tags))]
        return [private_reply(t("round.posted", language, round_id=round_.id))]
    if command.name == "answer":
        return await core.handle(PrivateAnswerSubmitted(channel, event.actor, command.text))
    if command.name in ("reveal", "skip"):
        current = await core.repo.current_round(channel)
        if current is None:
            return [private_reply(t("round.none_open", language))]
        if command.name == "reveal":
            return await core.reveal_reply(current.id, language)
        await core.repo.skip_round(current.id, core.clock.now())
        replies = [private_reply(t("round.skipped", language, round_id=current.id))]
        return replies + await run_command(core, event, Command("question"), subscription, language)
    if command.name == "stats":
        rounds, answers, score = await core.repo.user_stats(channel, event.actor.user)
        if answers == 0:
            return [private_reply(t("stats.none", language))]
        return [private_reply(t("stats.line", language, rounds=rounds, answers=answers,
                                coverage=round(score * 100)))]
    if command.name == "schedule show":
        return [private_reply(_describe(core, subscription, language))]
    if command.name in ("schedule pause", "schedule resume"):
        if subscription is None:
            return [private_reply(t("schedule.none", language))]
        paused = command.name == "schedule pause"
        await core.save_subscription(replace(subscription, paused=paused))
        return [private_reply(t("schedule.paused" if paused else "schedule.resumed", language))]
    if isinstance(command, ScheduleSet):
        updated = _apply(core, channel_sub=subscription, command=command, event=event)
        await core.save_subscription(updated)
        language = updated.language or core.settings.language
        return [Response(Message(text=_describe(core, updated, language)), private=False)]
    raise AssertionError(f"unhandled command {command.name}")


def _apply(core: Core, channel_sub: Subscription | None, command: ScheduleSet, event: CommandInvoked) -> Subscription:
    base = channel_sub or Subscription(channel=event.channel, schedule=core.settings.default_schedule)
    change = command.change
    schedule = Schedule(
        time_of_day=change.time_of_day or base.schedule.time_of_day,
        timezone=change.timezone or base.schedule.timezone,
        days=change.days or base.schedule.days,
        reveal_after=change.reveal_after if change.reveal_after is not None else base.schedule.reveal_after,
    )
    return replace(
        base,
        schedule=schedule,
        tags=change.tags if change.tags is not None else base.tags,
        language=change.language or base.language,
        paused=False,
    )


def _describe(core: Core, subscription: Subscription | None, language: str) -> str:
    if subscription is None:
        return t("schedule.none", language)
    upcoming = core.timers.next_post_time(subscription)
    next_text = (
        local_time(upcoming, subscription.schedule.timezone) if upcoming else t("schedule.never", language)
    )
    return t(
        "schedule.show",
        language,
        schedule=subscription.schedule.describe(),
        tags=t("schedule.tags_flag", language, tags=",".join(subscription.tags)) if subscription.tags else "",
        paused=t("schedule.paused_flag", language) if subscription.paused else "",
        next=next_text,
    )
