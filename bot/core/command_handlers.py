"""What each ``/interview`` command does once parsed and permission-checked.

Called by ``Core`` only; answers are ``Response`` values the adapter delivers
(private ones as ephemeral messages or DMs).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from bot.core import views
from bot.core.commands import Command, Rate, ScheduleSet, StudyStart
from bot.core.i18n import t
from bot.core.messages import Attachment, Message, Response, private_reply
from bot.core.models import Subscription, UserPrefs
from bot.core.packs import owner_of
from bot.core.ports import CommandInvoked, PracticeAnswerSubmitted, PrivateAnswerSubmitted
from bot.core.schedule import Schedule

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
        return await _stats(core, event, language)
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
        language = core.language_of(updated)
        return [Response(Message(text=_describe(core, updated, language)), private=False)]
    handler = _PRACTICE_COMMANDS.get(command.name)
    if handler is None:
        raise AssertionError(f"unhandled command {command.name}")
    return await handler(core, event, command, subscription, language)


async def _stats(core: Core, event: CommandInvoked, language: str) -> list[Response]:
    user = event.actor.user
    rounds, answers, score = await core.repo.user_stats(event.channel, user)
    streak = await core.learning.streak(event.channel, user)
    due = await core.learning.due_count(user)
    text = t("stats.full", language, rounds=rounds, answers=answers, coverage=round(score * 100),
             streak=streak, due=due)
    replies = [private_reply(text)]
    if core.is_admin(event.actor):
        from bot.core.charts import participation_png

        rows = await core.learning.participation(event.channel)
        png = participation_png(rows, f"#{event.channel.channel}: answers and people per day, last 30 days")
        chart = Message(text=t("stats.chart", language),
                        attachments=(Attachment(f"participation-{event.channel.channel}.png", png),))
        replies.append(Response(chart, private=True))
    return replies


async def _study_start(core: Core, event: CommandInvoked, command: Command, _s: Subscription | None,
                       language: str) -> list[Response]:
    assert isinstance(command, StudyStart)
    settings = core.settings
    text = await core.study.start(
        event.channel, event.actor, command.tags, command.count or settings.study_count,
        command.answer_minutes or settings.study_answer_minutes, language,
    )
    return [private_reply(text)]


async def _study_next(core: Core, event: CommandInvoked, _c: Command, _s: Subscription | None,
                      language: str) -> list[Response]:
    return [private_reply(await core.study.next(event.channel, event.actor, language))]


async def _study_stop(core: Core, event: CommandInvoked, _c: Command, _s: Subscription | None,
                      language: str) -> list[Response]:
    return [private_reply(await core.study.stop(event.channel, event.actor, language))]


async def _practice(core: Core, event: CommandInvoked, _c: Command, subscription: Subscription | None,
                    language: str) -> list[Response]:
    picked = await core.learning.most_due(event.actor.user, owner_of(event.channel))
    if picked is None:
        return [private_reply(t("round.no_questions", language, tags=""))]
    question, due = picked
    await core.repo.start_practice(event.actor.user, question.id, core.clock.now())
    timezone = core.schedule_of(subscription).timezone
    return [Response(views.practice_message(question, due, core.clock.now(), language, timezone), private=True)]


async def _practice_answer(core: Core, event: CommandInvoked, command: Command, _s: Subscription | None,
                           _language: str) -> list[Response]:
    return await core.handle(PracticeAnswerSubmitted(event.channel, event.actor, command.text))


async def _rate(core: Core, event: CommandInvoked, command: Command, _s: Subscription | None,
                language: str) -> list[Response]:
    assert isinstance(command, Rate)
    return await core.rate(event.channel, event.actor, command.rating, command.round_id, None, language)


async def _me(core: Core, event: CommandInvoked, command: Command, _s: Subscription | None,
              language: str) -> list[Response]:
    user = event.actor.user
    prefs = await core.repo.get_prefs(user) or UserPrefs(user)
    if command.name == "me timezone":
        await core.repo.save_prefs(replace(prefs, timezone=command.text), core.clock.now())
        return [private_reply(t("me.timezone", language, timezone=command.text))]
    await core.repo.save_prefs(replace(prefs, language=command.text), core.clock.now())
    return [private_reply(t("me.lang", command.text))]


async def _leaderboard(core: Core, event: CommandInvoked, command: Command, _s: Subscription | None,
                       language: str) -> list[Response]:
    standings = await core.learning.leaderboard(event.channel, command.text)
    return [Response(views.leaderboard_message(standings, command.text, language), private=False)]


async def _hint(core: Core, event: CommandInvoked, _c: Command, _s: Subscription | None,
                language: str) -> list[Response]:
    """The next key point's name for the current round, one at a time, privately."""
    round_ = await core.repo.current_round(event.channel)
    question = await core.question(round_.question_id) if round_ else None
    if round_ is None or question is None:
        return [private_reply(t("round.none_open", language))]
    total = len(question.key_points)
    used = await core.repo.take_hint(round_.id, event.actor.user, total, core.clock.now())
    if used > total:
        return [private_reply(t("hint.none_left", language, total=total))]
    name = question.key_points[used - 1].name_in(question.shown_language(language))
    return [private_reply(t("hint.line", language, number=used, total=total, name=name))]


async def _packs(core: Core, event: CommandInvoked, command: Command, _s: Subscription | None,
                 language: str) -> list[Response]:
    if command.name == "packs list":
        return [private_reply(await core.packs.describe(event.channel, language))]
    enabled = command.name == "packs enable"
    return [private_reply(await core.packs.set_enabled(event.channel, command.text, enabled, language))]


_PRACTICE_COMMANDS = {
    "hint": _hint,
    "packs list": _packs,
    "packs enable": _packs,
    "packs disable": _packs,
    "study start": _study_start,
    "study next": _study_next,
    "study stop": _study_stop,
    "practice": _practice,
    "practice answer": _practice_answer,
    "rate": _rate,
    "me timezone": _me,
    "me lang": _me,
    "leaderboard": _leaderboard,
}


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
        views.local_time(upcoming, subscription.schedule.timezone) if upcoming else t("schedule.never", language)
    )
    return t(
        "schedule.show",
        language,
        schedule=subscription.schedule.describe(),
        tags=t("schedule.tags_flag", language, tags=",".join(subscription.tags)) if subscription.tags else "",
        paused=(t("schedule.paused_failing_flag", language, reason=subscription.paused_reason)
                if subscription.paused and subscription.paused_reason
                else t("schedule.paused_flag", language) if subscription.paused else ""),
        next=next_text,
    )
