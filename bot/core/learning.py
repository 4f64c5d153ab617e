"""Learning over time: self-ratings feeding FSRS, private practice of the most-due question,
streaks in each person's own day, leaderboards and personal stats.

Part of the core: talks to storage through the repository and never to a platform.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from fsrs import Card, Rating, Scheduler

from bot.content.model import Question
from bot.core.models import ChannelRef, Standing, UserRef

if TYPE_CHECKING:
    from bot.core.service import Core

WINDOWS = {"week": timedelta(days=7), "month": timedelta(days=30), "all": None}


def person_day(moment: datetime, timezone: str, rollover: time) -> date:
    """The day an answer counts for: local date, where the day ends at ``rollover``."""
    local = moment.astimezone(ZoneInfo(timezone))
    return (local - timedelta(hours=rollover.hour, minutes=rollover.minute)).date()


def streak_length(
    answered: Iterable[datetime], scheduled_weekdays: frozenset[int], timezone: str, rollover: time, now: datetime
) -> int:
    """Consecutive scheduled days, up to today, on which the person answered. Days the
    channel has no question (a weekend) neither count nor break the streak, and today
    does not break it before it is over."""
    days = {person_day(moment, timezone, rollover) for moment in answered}
    if not days:
        return 0
    earliest = min(days)
    day = person_day(now, timezone, rollover)
    if day not in days:
        day -= timedelta(days=1)
    count = 0
    while day >= earliest:
        if day.weekday() in scheduled_weekdays:
            if day not in days:
                break
            count += 1
        day -= timedelta(days=1)
    return count


class Learning:
    def __init__(self, core: Core, rollover: time) -> None:
        self.core = core
        self.rollover = rollover
        # No fuzzing: the same ratings give the same intervals, on every instance.
        self.fsrs = Scheduler(enable_fuzzing=False)

    async def rate(self, user: UserRef, question_id: str, rating: int) -> datetime:
        """Review the person's card for the question; returns when it is due next."""
        now = self.core.clock.now()
        stored = await self.core.repo.get_review_card(user, question_id)
        card = Card.from_dict(json.loads(stored.card)) if stored else Card(due=now)
        card, _log = self.fsrs.review_card(card, Rating(rating), review_datetime=now)
        await self.core.repo.save_review_card(user, question_id, json.dumps(card.to_dict()), card.due, rating, now)
        return card.due

    async def rated_since(self, user: UserRef, question_id: str, moment: datetime | None) -> bool:
        """Whether the person reviewed the question at or after ``moment`` (one rating per reveal)."""
        stored = await self.core.repo.get_review_card(user, question_id)
        if stored is None or moment is None:
            return False
        last = Card.from_dict(json.loads(stored.card)).last_review
        return last is not None and last >= moment

    async def most_due(self, user: UserRef, owner: str) -> tuple[Question, datetime | None] | None:
        """The question the person should practise now, among those ``owner``'s channels
        see: their most overdue card, else one they have never reviewed, else the card due
        soonest. With its due time, if any."""
        now = self.core.clock.now()
        bank = self.core.bank
        cards = [c for c in await self.core.repo.review_cards(user) if bank.sees(owner, c.question_id)]
        if cards and cards[0].due <= now:
            return bank.get(cards[0].question_id), cards[0].due  # type: ignore[return-value]
        seen = {c.question_id for c in cards}
        fresh = [q for q in bank.filter((), owner=owner) if q.id not in seen]
        if fresh:
            return fresh[0], None
        if cards:
            return bank.get(cards[0].question_id), cards[0].due  # type: ignore[return-value]
        return None

    async def due_count(self, user: UserRef) -> int:
        now = self.core.clock.now()
        return sum(1 for c in await self.core.repo.review_cards(user) if c.due <= now)

    async def streak(self, channel: ChannelRef, user: UserRef) -> int:
        subscription = await self.core.repo.get_subscription(channel)
        prefs = await self.core.repo.get_prefs(user)
        timezone = (prefs.timezone if prefs else None) or self.core.schedule_of(subscription).timezone
        weekdays = subscription.schedule.days if subscription else frozenset(range(7))
        answered = await self.core.repo.answer_times(channel, user)
        return streak_length(answered, weekdays, timezone, self.rollover, self.core.clock.now())

    async def leaderboard(self, channel: ChannelRef, window: str) -> list[Standing]:
        span = WINDOWS[window]
        since = self.core.clock.now() - span if span is not None else None
        return await self.core.repo.standings(channel, since)

    async def participation(self, channel: ChannelRef, days: int = 30) -> list[tuple[date, int, int]]:
        """(day, answers, distinct people) for each of the last ``days`` days, in the
        channel's timezone."""
        subscription = await self.core.repo.get_subscription(channel)
        timezone = self.core.schedule_of(subscription).timezone
        now = self.core.clock.now()
        today = now.astimezone(ZoneInfo(timezone)).date()
        first = today - timedelta(days=days - 1)
        answers: dict[date, int] = {first + timedelta(days=i): 0 for i in range(days)}
        people: dict[date, set[str]] = {day: set() for day in answers}
        for moment, user in await self.core.repo.answers_since(channel, now - timedelta(days=days + 1)):
            day = moment.astimezone(ZoneInfo(timezone)).date()
            if day in answers:
                answers[day] += 1
                people[day].add(user)
        return [(day, answers[day], len(people[day])) for day in sorted(answers)]
