"""Builds the core's platform-neutral messages: the question post, the reveal, the summary.

Pure functions of domain data and language; what people wrote goes through ``user_text``
(Markdown escaped, links inert, mentions defused) before it is repeated. A question is shown
in the channel's language when it has it, else in its own (``Question.shown_language``); key
points are stored by their name in the question's language and shown in the one displayed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.content.model import Question, quote_in
from bot.core.i18n import t
from bot.core.messages import (
    ACTION_ANSWER_PRIVATELY,
    ACTION_PRACTICE_ANSWER,
    ACTION_RATE,
    ACTION_REVEAL_NOW,
    Button,
    Message,
    MessageKind,
    user_text,
)
from bot.core.models import Reply, Round, Standing

PRIVATE_ANSWER_PREVIEW = 300


def local_time(moment: datetime, timezone: str) -> str:
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M %Z")


def question_title(question: Question, language: str) -> str:
    return question.title_in(question.shown_language(language))


def point_names(question: Question, names: Iterable[str], language: str) -> list[str]:
    """Key point names as stored (the question's language) shown in the channel's."""
    shown = question.shown_language(language)
    return [question.point_label(name, shown) for name in names]


def question_message(
    round_: Round, question: Question, language: str, timezone: str, title: str | None = None
) -> Message:
    title_key = "question.daily_title" if round_.scheduled_day else "question.practice_title"
    fields = [(t("question.round", language), str(round_.id))]
    if question.tags:
        fields.append((t("question.tags", language), ", ".join(question.tags)))
    fields.append((t("question.difficulty", language), "★" * question.difficulty))
    shown = question.shown_language(language)
    body = (
        f"**{question.title_in(shown)}**\n\n{question.prompt_in(shown)}\n\n"
        + t("question.invite", language, reveal_at=local_time(round_.reveal_at, timezone))
    )
    round_value = str(round_.id)
    return Message(
        text=body,
        title=title or t(title_key, language),
        fields=tuple(fields),
        buttons=(
            Button(ACTION_ANSWER_PRIVATELY, t("button.answer_privately", language), round_value, "primary"),
            Button(ACTION_REVEAL_NOW, t("button.reveal_now", language), round_value, "danger"),
        ),
        kind=MessageKind.QUESTION,
        round_id=round_.id,
    )


def thread_name(question: Question, language: str) -> str:
    # Discord limits thread names to 100 characters.
    return t("question.thread_name", language, title=question_title(question, language))[:100]


def notes_section(question: Question, language: str) -> str:
    """The reviewer's notes on the answer, as a block to put right under it ("" when none).

    Each note names the key point it corrects, then the excerpt it concerns, then says why."""
    if not question.notes:
        return ""
    shown = question.shown_language(language)
    lines = [f"**{t('reveal.notes', language)}**"]
    for note in question.notes:
        head = [f"[{question.point_label(note.key_point, shown)}]"] if note.key_point else []
        if note.quote and (quote_in(note.quote, question.answer_in(shown)) or not note.key_point):
            # A quote of the answer in another language than the one shown would puzzle.
            head.append(f"“{' '.join(note.quote.split())}”")
        text = "\n  ".join(line.strip() for line in note.text_in(shown).strip().splitlines())
        lines.append(f"• {' '.join(head)}\n  {text}")
    return "\n\n" + "\n".join(lines)


def reveal_message(round_: Round, question: Question, language: str) -> Message:
    shown = question.shown_language(language)
    points = "\n".join(
        f"• {kp.name_in(shown)}" + (f": {kp.detail_in(shown)}" if kp.detail_in(shown) else "")
        for kp in question.key_points
    )
    return Message(
        text=f"{question.answer_in(shown)}{notes_section(question, language)}"
             f"\n\n**{t('reveal.key_points', language)}**\n{points}",
        title=t("reveal.title", language, title=question.title_in(shown)),
        kind=MessageKind.REVEAL,
        round_id=round_.id,
    )


def summary_message(
    round_: Round, question: Question, replies: list[Reply], language: str, hints: dict[str, int] | None = None
) -> Message:
    """Who answered and, per person, which key points their answers covered together (and
    how many hints they took).

    The summary is made at the reveal, so the late replies it can name are those written
    after the announced reveal time but before the reveal went out (it was delayed: the bot
    was down, the platform failing). They are counted and named, not scored, so the
    channel sees why they are missing from the coverage above. Replies made after the
    reveal are kept the same way and left out of every score."""
    hints = hints or {}
    scored = [r for r in replies if r.scored]
    late = late_line(replies, language)
    if not scored:
        return Message(
            text=t("summary.nobody", language) + (f"\n\n{late}" if late else ""),
            title=t("summary.title", language),
            kind=MessageKind.SUMMARY,
            round_id=round_.id,
        )
    by_user: dict[str, list[Reply]] = defaultdict(list)
    for reply in scored:
        by_user[reply.user.key].append(reply)
    names = [kp.name for kp in question.key_points]
    lines = []
    for user_replies in by_user.values():
        covered = {name for reply in user_replies for name in reply.covered}
        hit = [n for n in names if n in covered]
        missed = [n for n in names if n not in covered]
        name = user_text(user_replies[-1].user_name)
        line = "• " + t("summary.line", language, name=name, covered=len(hit), total=len(names))
        used = hints.get(user_replies[-1].user.key, 0)
        if used:
            line += " " + t("summary.hints", language, count=used)
        if hit:
            line += f"\n   ✓ {t('summary.covered', language)}: {', '.join(point_names(question, hit, language))}"
        if missed:
            line += f"\n   ✗ {t('summary.missed', language)}: {', '.join(point_names(question, missed, language))}"
        for reply in user_replies:
            if reply.private:
                # Cut before escaping (a cut escape or code span would leak), and indent the
                # answer's later lines: the entry stays one piece when a long summary is split.
                text = user_text(reply.text[:PRIVATE_ANSWER_PREVIEW]).replace("\n", "\n      ")
                text += "…" if len(reply.text) > PRIVATE_ANSWER_PREVIEW else ""
                line += f"\n   ({t('summary.private_answer', language)}) {text}"
        lines.append(line)
    if late:
        lines.append(late)
    return Message(
        text="\n".join(lines) + "\n\n" + t("rate.prompt", language),
        title=t("summary.title", language),
        buttons=rating_buttons(str(round_.id), language),
        kind=MessageKind.SUMMARY,
        round_id=round_.id,
    )


def late_line(replies: list[Reply], language: str) -> str:
    """"2 late replies, not scored: Ann, Bob" ("" when none was late)."""
    late = [r for r in replies if r.late]
    if not late:
        return ""
    names = dict.fromkeys(user_text(r.user_name) for r in late)
    return t("summary.late", language, count=len(late), names=", ".join(names))


def rating_buttons(target: str, language: str) -> tuple[Button, ...]:
    """Again / Hard / Good / Easy; ``target`` is a round id or ``q:<question id>``."""
    names = ("again", "hard", "good", "easy")
    return tuple(
        Button(ACTION_RATE, t(f"button.{name}", language), f"{target}:{i}", "danger" if i == 1 else "default")
        for i, name in enumerate(names, start=1)
    )


def practice_message(
    question: Question, due: datetime | None, now: datetime, language: str, timezone: str
) -> Message:
    if due is None:
        when = t("practice.new", language)
    elif due <= now:
        when = t("practice.due", language, due=local_time(due, timezone))
    else:
        when = t("practice.ahead", language, due=local_time(due, timezone))
    shown = question.shown_language(language)
    return Message(
        text=f"**{question.title_in(shown)}**\n\n{question.prompt_in(shown)}\n\n{when}\n"
             f"{t('practice.invite', language)}",
        title=t("practice.title", language),
        buttons=(Button(ACTION_PRACTICE_ANSWER, t("button.practice_answer", language), question.id, "primary"),),
        kind=MessageKind.PRACTICE,
    )


def practice_result_message(question: Question, covered: tuple[str, ...], language: str) -> Message:
    names = [kp.name for kp in question.key_points]
    missed = [n for n in names if n not in covered]
    text = t("practice.result", language, covered=len(covered), total=len(names))
    if missed:
        text += " " + t("answer.missed", language, missed=", ".join(point_names(question, missed, language)))
    shown = question.shown_language(language)
    text += f"\n\n**{t('reveal.title', language, title=question.title_in(shown))}**\n{question.answer_in(shown)}"
    text += f"{notes_section(question, language)}\n\n"
    text += t("rate.prompt", language)
    return Message(text=text, title=t("practice.title", language),
                   buttons=rating_buttons(f"q:{question.id}", language), kind=MessageKind.PRACTICE)


def leaderboard_message(standings: list[Standing], window: str, language: str, title: str | None = None) -> Message:
    lines = [
        t("leaderboard.line", language, rank=i, name=user_text(s.name), points=f"{s.points:.1f}",
          rounds=s.rounds, answers=s.answers)
        for i, s in enumerate(standings[:10], start=1)
    ]
    return Message(
        text="\n".join(lines) or t("leaderboard.empty", language),
        title=title or t("leaderboard.title", language, window=t(f"leaderboard.{window}", language)),
    )
