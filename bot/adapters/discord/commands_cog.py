"""The ``/interview`` slash command group: one subcommand per core command (``USAGE`` in
bot.core.commands), each turned into the text the core parses on every platform.

Discord applies ``default_member_permissions`` to top-level commands only, so the admin
subcommands cannot be hidden inside ``/interview``; their descriptions say "Manage Server"
and the core refuses them unless the member's server-computed permissions include it.
"""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.app_commands import Choice
from discord.ext import commands

from bot.core.commands import (
    LEADERBOARD_WINDOWS,
    MAX_ANSWER_MINUTES,
    MAX_STUDY_COUNT,
    RATINGS,
)
from bot.core.schedule import timezone_names

if TYPE_CHECKING:
    from bot.adapters.discord.client import InterviewBotBase

MAX_CHOICES = 25
DAY_SUGGESTIONS = ("mon-fri", "daily", "weekends", "mon,wed,fri", "tue,thu", "mon", "sat")
REVEAL_SUGGESTIONS = ("30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d")
LANGUAGE_CHOICES = [Choice(name="English", value="en"), Choice(name="中文", value="zh")]


def schedule_text(
    time: str | None, timezone: str | None, days: str | None, reveal: str | None,
    tags: str | None, language: str | None,
) -> str:
    """``schedule set`` with the given options, as the core's command text. Every value is
    keyed (``timezone=EST``), so the core never has to guess what a bare word is."""
    values = {"time": time, "timezone": timezone, "days": days, "reveal": reveal,
              "tags": _tag_list(tags), "lang": language}
    tokens = [f"{key}={value.strip()}" for key, value in values.items() if value and value.strip()]
    return " ".join(["schedule", "set", *(shlex.quote(token) for token in tokens)])


def _tag_list(tags: str | None) -> str:
    return ",".join(tag.strip() for tag in (tags or "").split(",") if tag.strip())


def matching(options: list[str] | tuple[str, ...], current: str) -> list[Choice[str]]:
    """Up to 25 choices containing ``current`` (case-insensitive), prefix matches first."""
    needle = current.strip().lower()
    hits = [o for o in options if needle in o.lower()]
    hits.sort(key=lambda o: (not o.lower().startswith(needle), o))
    return [Choice(name=o[:100], value=o[:100]) for o in hits[:MAX_CHOICES]]


def complete_tags(known: list[str], current: str) -> list[Choice[str]]:
    """Complete the last tag of a comma-separated list, keeping the ones already typed."""
    done, _, last = current.rpartition(",")
    typed = [t.strip() for t in done.split(",") if t.strip()]
    prefix = ",".join(typed + [""]) if typed else ""
    options = [tag for tag in known if tag not in typed]
    return [Choice(name=(prefix + c.value)[:100], value=(prefix + c.value)[:100]) for c in matching(options, last)]


@app_commands.guild_only()
class InterviewCommands(commands.GroupCog, group_name="interview",
                        group_description="Interview practice: daily questions, answers and reveals"):
    """``/interview ...``: every subcommand is handed to the core as text."""

    schedule = app_commands.Group(name="schedule", description="This channel's daily question")
    study = app_commands.Group(name="study", description="A timed run of questions in one thread")
    me = app_commands.Group(name="me", description="Your own settings")

    def __init__(self, bot: InterviewBotBase) -> None:
        self.bot = bot
        super().__init__()

    async def _run(self, interaction: discord.Interaction[Any], text: str) -> None:
        await self.bot.interactions.command(interaction, text)

    @app_commands.command(name="question", description="Post a practice question in this channel now")
    async def question(self, interaction: discord.Interaction[Any]) -> None:
        await self._run(interaction, "question")

    @app_commands.command(name="answer",
                          description="Answer the current question privately (hidden until the reveal)")
    @app_commands.describe(text="Your answer; only you see it until the reveal")
    async def answer(self, interaction: discord.Interaction[Any],
                     text: app_commands.Range[str, 1, 4000]) -> None:
        await self._run(interaction, f"answer {text}")

    @app_commands.command(name="reveal", description="Reveal the current answer now (Manage Server)")
    async def reveal(self, interaction: discord.Interaction[Any]) -> None:
        await self._run(interaction, "reveal")

    @app_commands.command(name="skip",
                          description="Skip the current question and post another (Manage Server)")
    async def skip(self, interaction: discord.Interaction[Any]) -> None:
        await self._run(interaction, "skip")

    @app_commands.command(name="stats", description="Your answers and key-point coverage in this channel")
    async def stats(self, interaction: discord.Interaction[Any]) -> None:
        await self._run(interaction, "stats")

    @app_commands.command(name="help", description="List the interview commands")
    async def help(self, interaction: discord.Interaction[Any]) -> None:
        await self._run(interaction, "help")

    @schedule.command(name="set", description="Set when the daily question is posted (Manage Server)")
    @app_commands.describe(
        time="Time of day, 24-hour HH:MM, e.g. 09:30",
        timezone="IANA timezone, e.g. Asia/Shanghai or Europe/Berlin",
        days="Days to post on: mon-fri, daily, weekends or a list like mon,wed,fri",
        reveal="How long until the answer is revealed, e.g. 6h, 90m or 1d",
        tags="Only questions with these tags, comma-separated",
        language="Language of the bot's messages in this channel",
    )
    @app_commands.choices(language=LANGUAGE_CHOICES)
    async def schedule_set(
        self,
        interaction: discord.Interaction[Any],
        time: app_commands.Range[str, 1, 5] | None = None,
        timezone: app_commands.Range[str, 1, 64] | None = None,
        days: app_commands.Range[str, 1, 40] | None = None,
        reveal: app_commands.Range[str, 1, 20] | None = None,
        tags: app_commands.Range[str, 1, 200] | None = None,
        language: Choice[str] | None = None,
    ) -> None:
        text = schedule_text(time, timezone, days, reveal, tags, language.value if language else None)
        await self._run(interaction, text)

    @schedule_set.autocomplete("timezone")
    async def _timezones(self, interaction: discord.Interaction[Any], current: str) -> list[Choice[str]]:
        return matching(_timezones(), current)

    @schedule_set.autocomplete("tags")
    async def _tags(self, interaction: discord.Interaction[Any], current: str) -> list[Choice[str]]:
        return complete_tags(self.bot.known_tags(), current)

    @schedule_set.autocomplete("days")
    async def _days(self, interaction: discord.Interaction[Any], current: str) -> list[Choice[str]]:
        return matching(DAY_SUGGESTIONS, current) or [Choice(name=current[:100], value=current[:100])]

    @schedule_set.autocomplete("reveal")
    async def _reveal(self, interaction: discord.Interaction[Any], current: str) -> list[Choice[str]]:
        return matching(REVEAL_SUGGESTIONS, current) or [Choice(name=current[:100], value=current[:100])]

    @schedule.command(name="show", description="Show this channel's daily question schedule")
    async def schedule_show(self, interaction: discord.Interaction[Any]) -> None:
        await self._run(interaction, "schedule show")

    @schedule.command(name="pause", description="Pause the daily question (Manage Server)")
    async def schedule_pause(self, interaction: discord.Interaction[Any]) -> None:
        await self._run(interaction, "schedule pause")

    @schedule.command(name="resume", description="Resume the daily question (Manage Server)")
    async def schedule_resume(self, interaction: discord.Interaction[Any]) -> None:
        await self._run(interaction, "schedule resume")

    @study.command(name="start", description="Start a timed run of questions in a thread")
    @app_commands.describe(tags="Only questions with these tags, comma-separated",
                           count="How many questions", answer_minutes="Minutes to answer each question")
    async def study_start(
        self,
        interaction: discord.Interaction[Any],
        tags: app_commands.Range[str, 1, 200] | None = None,
        count: app_commands.Range[int, 1, MAX_STUDY_COUNT] | None = None,
        answer_minutes: app_commands.Range[int, 1, MAX_ANSWER_MINUTES] | None = None,
    ) -> None:
        options = [("tags", _tag_list(tags)), ("count", count), ("answer_minutes", answer_minutes)]
        text = " ".join(["study", "start", *(f"{key}={value}" for key, value in options if value)])
        await self._run(interaction, text)

    @study_start.autocomplete("tags")
    async def _study_tags(self, interaction: discord.Interaction[Any], current: str) -> list[Choice[str]]:
        return complete_tags(self.bot.known_tags(), current)

    @study.command(name="next", description="Move the study run to its next question")
    async def study_next(self, interaction: discord.Interaction[Any]) -> None:
        await self._run(interaction, "study next")

    @study.command(name="stop", description="Stop the study run")
    async def study_stop(self, interaction: discord.Interaction[Any]) -> None:
        await self._run(interaction, "study stop")

    @app_commands.command(name="practice", description="Practise privately the question you most need to review")
    @app_commands.describe(answer="Your answer to the practice question you were given")
    async def practice(self, interaction: discord.Interaction[Any],
                       answer: app_commands.Range[str, 1, 4000] | None = None) -> None:
        await self._run(interaction, f"practice answer {answer}" if answer else "practice")

    @app_commands.command(name="rate", description="Rate how well you knew a revealed question")
    @app_commands.describe(rating="How well you knew it", round_id="Round number (default: your latest)")
    @app_commands.rename(round_id="round")
    @app_commands.choices(rating=[Choice(name=name.capitalize(), value=name) for name in RATINGS])
    async def rate(self, interaction: discord.Interaction[Any], rating: Choice[str],
                   round_id: app_commands.Range[int, 1] | None = None) -> None:
        await self._run(interaction, f"rate {rating.value}" + (f" {round_id}" if round_id else ""))

    @app_commands.command(name="leaderboard", description="Who answered most in this channel")
    @app_commands.describe(window="Period to count (default: this week)")
    @app_commands.choices(window=[Choice(name=name.capitalize(), value=name) for name in LEADERBOARD_WINDOWS])
    async def leaderboard(self, interaction: discord.Interaction[Any], window: Choice[str] | None = None) -> None:
        await self._run(interaction, f"leaderboard {window.value if window else 'week'}")

    @me.command(name="timezone", description="Your timezone, for due dates and reminders")
    @app_commands.describe(zone="IANA timezone, e.g. Asia/Shanghai")
    async def me_timezone(self, interaction: discord.Interaction[Any], zone: app_commands.Range[str, 1, 64]) -> None:
        await self._run(interaction, f"me timezone {zone}")

    @me_timezone.autocomplete("zone")
    async def _my_timezone(self, interaction: discord.Interaction[Any], current: str) -> list[Choice[str]]:
        return matching(_timezones(), current)

    @me.command(name="lang", description="Language of what only you see")
    @app_commands.describe(language="English or Chinese")
    @app_commands.choices(language=LANGUAGE_CHOICES)
    async def me_lang(self, interaction: discord.Interaction[Any], language: Choice[str]) -> None:
        await self._run(interaction, f"me lang {language.value}")

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        if interaction.type is discord.InteractionType.modal_submit:
            await self.bot.interactions.modal_submitted(interaction)


_TIMEZONES: list[str] = []


def _timezones() -> list[str]:
    if not _TIMEZONES:
        _TIMEZONES.extend(timezone_names())
    return _TIMEZONES
