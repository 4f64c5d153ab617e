"""The ``/interview`` slash command group: one subcommand per core command (``USAGE`` in
bot.core.commands), each turned into the text the core parses on every platform, plus the
Discord-only pack upload and question form (bot.adapters.discord.pack_admin).

Descriptions and choice names come from the catalogs (``slash.*`` keys; English by default,
Simplified Chinese for zh-CN clients through ``CatalogTranslator``). Discord applies
``default_member_permissions`` to top-level commands only, so the admin subcommands cannot
be hidden inside ``/interview``; their descriptions say "Manage Server" and the bot refuses
them unless the member's server-computed permissions include it.
"""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.app_commands import Choice
from discord.ext import commands

from bot.adapters.discord.components import QUESTION_MODAL, parse_modal_id
from bot.adapters.discord.localization import choice, described
from bot.adapters.discord.translate import channel_ref
from bot.core.commands import (
    MAX_ANSWER_LENGTH,
    MAX_ANSWER_MINUTES,
    MAX_PACK_ID_LENGTH,
    MAX_ROUND_ID,
    MAX_STUDY_COUNT,
    MAX_TAG_LENGTH,
    MAX_TAGS,
)
from bot.core.schedule import MAX_DAYS_TEXT, MAX_DURATION_TEXT, MAX_TIMEZONE_LENGTH, timezone_names

if TYPE_CHECKING:
    from bot.adapters.discord.client import InterviewBotBase

MAX_CHOICES = 25
# Discord refuses longer option values before they reach us; the core parses what we build
# from them with the same bounds again (it is the same text as on every platform).
MAX_TAGS_TEXT = MAX_TAGS * (MAX_TAG_LENGTH + 1)
DAY_SUGGESTIONS = ("mon-fri", "daily", "weekends", "mon,wed,fri", "tue,thu", "mon", "sat")
REVEAL_SUGGESTIONS = ("30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d")
LANGUAGE_CHOICES = [Choice(name="English", value="en"), Choice(name="中文", value="zh")]
# The choice names reuse the rating buttons' and the leaderboard's own words.
RATING_CHOICES = [choice("button.again", "again"), choice("button.hard", "hard"),
                  choice("button.good", "good"), choice("button.easy", "easy")]
WINDOW_CHOICES = [choice("leaderboard.week", "week"), choice("leaderboard.month", "month"),
                  choice("leaderboard.all", "all")]
DIFFICULTY_CHOICES = [choice("slash.difficulty_easy", 1), choice("slash.difficulty_medium", 2),
                      choice("slash.difficulty_hard", 3)]


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
class InterviewCommands(commands.GroupCog, group_name="interview", group_description=described("slash.interview")):
    """``/interview ...``: every subcommand but the pack upload and form is handed to the
    core as text."""

    schedule = app_commands.Group(name="schedule", description=described("slash.schedule"))
    study = app_commands.Group(name="study", description=described("slash.study"))
    me = app_commands.Group(name="me", description=described("slash.me"))
    packs = app_commands.Group(name="packs", description=described("slash.packs"))

    def __init__(self, bot: InterviewBotBase) -> None:
        self.bot = bot
        super().__init__()

    async def _run(self, interaction: discord.Interaction[Any], text: str) -> None:
        await self.bot.interactions.command(interaction, text)

    @app_commands.command(name="question", description=described("slash.question"))
    async def question(self, interaction: discord.Interaction[Any]) -> None:
        await self._run(interaction, "question")

    @app_commands.command(name="answer", description=described("slash.answer"))
    @app_commands.describe(text=described("slash.option_answer"))
    async def answer(self, interaction: discord.Interaction[Any],
                     text: app_commands.Range[str, 1, MAX_ANSWER_LENGTH]) -> None:
        await self._run(interaction, f"answer {text}")

    @app_commands.command(name="reveal", description=described("slash.reveal"))
    async def reveal(self, interaction: discord.Interaction[Any]) -> None:
        await self._run(interaction, "reveal")

    @app_commands.command(name="skip", description=described("slash.skip"))
    async def skip(self, interaction: discord.Interaction[Any]) -> None:
        await self._run(interaction, "skip")

    @app_commands.command(name="stats", description=described("slash.stats"))
    async def stats(self, interaction: discord.Interaction[Any]) -> None:
        await self._run(interaction, "stats")

    @app_commands.command(name="help", description=described("slash.help"))
    async def help(self, interaction: discord.Interaction[Any]) -> None:
        await self._run(interaction, "help")

    @app_commands.command(name="hint", description=described("slash.hint"))
    async def hint(self, interaction: discord.Interaction[Any]) -> None:
        await self._run(interaction, "hint")

    @schedule.command(name="set", description=described("slash.schedule_set"))
    @app_commands.describe(
        time=described("slash.option_time"),
        timezone=described("slash.option_timezone"),
        days=described("slash.option_days"),
        reveal=described("slash.option_reveal"),
        tags=described("slash.option_tags"),
        language=described("slash.option_channel_language"),
    )
    @app_commands.choices(language=LANGUAGE_CHOICES)
    async def schedule_set(
        self,
        interaction: discord.Interaction[Any],
        time: app_commands.Range[str, 1, 5] | None = None,
        timezone: app_commands.Range[str, 1, MAX_TIMEZONE_LENGTH] | None = None,
        days: app_commands.Range[str, 1, MAX_DAYS_TEXT] | None = None,
        reveal: app_commands.Range[str, 1, MAX_DURATION_TEXT] | None = None,
        tags: app_commands.Range[str, 1, MAX_TAGS_TEXT] | None = None,
        language: Choice[str] | None = None,
    ) -> None:
        text = schedule_text(time, timezone, days, reveal, tags, language.value if language else None)
        await self._run(interaction, text)

    @schedule_set.autocomplete("timezone")
    async def _timezones(self, interaction: discord.Interaction[Any], current: str) -> list[Choice[str]]:
        return matching(_timezones(), current)

    @schedule_set.autocomplete("tags")
    async def _tags(self, interaction: discord.Interaction[Any], current: str) -> list[Choice[str]]:
        return complete_tags(self.bot.known_tags(interaction), current)

    @schedule_set.autocomplete("days")
    async def _days(self, interaction: discord.Interaction[Any], current: str) -> list[Choice[str]]:
        return matching(DAY_SUGGESTIONS, current) or [Choice(name=current[:100], value=current[:100])]

    @schedule_set.autocomplete("reveal")
    async def _reveal(self, interaction: discord.Interaction[Any], current: str) -> list[Choice[str]]:
        return matching(REVEAL_SUGGESTIONS, current) or [Choice(name=current[:100], value=current[:100])]

    @schedule.command(name="show", description=described("slash.schedule_show"))
    async def schedule_show(self, interaction: discord.Interaction[Any]) -> None:
        await self._run(interaction, "schedule show")

    @schedule.command(name="pause", description=described("slash.schedule_pause"))
    async def schedule_pause(self, interaction: discord.Interaction[Any]) -> None:
        await self._run(interaction, "schedule pause")

    @schedule.command(name="resume", description=described("slash.schedule_resume"))
    async def schedule_resume(self, interaction: discord.Interaction[Any]) -> None:
        await self._run(interaction, "schedule resume")

    @study.command(name="start", description=described("slash.study_start"))
    @app_commands.describe(tags=described("slash.option_tags"), count=described("slash.option_count"),
                           answer_minutes=described("slash.option_answer_minutes"))
    async def study_start(
        self,
        interaction: discord.Interaction[Any],
        tags: app_commands.Range[str, 1, MAX_TAGS_TEXT] | None = None,
        count: app_commands.Range[int, 1, MAX_STUDY_COUNT] | None = None,
        answer_minutes: app_commands.Range[int, 1, MAX_ANSWER_MINUTES] | None = None,
    ) -> None:
        options = [("tags", _tag_list(tags)), ("count", count), ("answer_minutes", answer_minutes)]
        text = " ".join(["study", "start", *(f"{key}={value}" for key, value in options if value)])
        await self._run(interaction, text)

    @study_start.autocomplete("tags")
    async def _study_tags(self, interaction: discord.Interaction[Any], current: str) -> list[Choice[str]]:
        return complete_tags(self.bot.known_tags(interaction), current)

    @study.command(name="next", description=described("slash.study_next"))
    async def study_next(self, interaction: discord.Interaction[Any]) -> None:
        await self._run(interaction, "study next")

    @study.command(name="stop", description=described("slash.study_stop"))
    async def study_stop(self, interaction: discord.Interaction[Any]) -> None:
        await self._run(interaction, "study stop")

    @app_commands.command(name="practice", description=described("slash.practice"))
    @app_commands.describe(answer=described("slash.option_practice_answer"))
    async def practice(self, interaction: discord.Interaction[Any],
                       answer: app_commands.Range[str, 1, MAX_ANSWER_LENGTH] | None = None) -> None:
        await self._run(interaction, f"practice answer {answer}" if answer else "practice")

    @app_commands.command(name="rate", description=described("slash.rate"))
    @app_commands.describe(rating=described("slash.option_rating"), round_id=described("slash.option_round"))
    @app_commands.rename(round_id="round")
    @app_commands.choices(rating=RATING_CHOICES)
    async def rate(self, interaction: discord.Interaction[Any], rating: Choice[str],
                   round_id: app_commands.Range[int, 1, MAX_ROUND_ID] | None = None) -> None:
        await self._run(interaction, f"rate {rating.value}" + (f" {round_id}" if round_id else ""))

    @app_commands.command(name="leaderboard", description=described("slash.leaderboard"))
    @app_commands.describe(window=described("slash.option_window"))
    @app_commands.choices(window=WINDOW_CHOICES)
    async def leaderboard(self, interaction: discord.Interaction[Any], window: Choice[str] | None = None) -> None:
        await self._run(interaction, f"leaderboard {window.value if window else 'week'}")

    @me.command(name="timezone", description=described("slash.me_timezone"))
    @app_commands.describe(zone=described("slash.option_zone"))
    async def me_timezone(self, interaction: discord.Interaction[Any],
                          zone: app_commands.Range[str, 1, MAX_TIMEZONE_LENGTH]) -> None:
        await self._run(interaction, f"me timezone {zone}")

    @me_timezone.autocomplete("zone")
    async def _my_timezone(self, interaction: discord.Interaction[Any], current: str) -> list[Choice[str]]:
        return matching(_timezones(), current)

    @me.command(name="lang", description=described("slash.me_lang"))
    @app_commands.describe(language=described("slash.option_my_language"))
    @app_commands.choices(language=LANGUAGE_CHOICES)
    async def me_lang(self, interaction: discord.Interaction[Any], language: Choice[str]) -> None:
        await self._run(interaction, f"me lang {language.value}")

    @packs.command(name="list", description=described("slash.packs_list"))
    async def packs_list(self, interaction: discord.Interaction[Any]) -> None:
        await self._run(interaction, "packs list")

    @packs.command(name="enable", description=described("slash.packs_enable"))
    @app_commands.describe(pack=described("slash.option_pack"))
    async def packs_enable(self, interaction: discord.Interaction[Any],
                           pack: app_commands.Range[str, 1, MAX_PACK_ID_LENGTH]) -> None:
        await self._run(interaction, f"packs enable {pack.strip()}")

    @packs.command(name="disable", description=described("slash.packs_disable"))
    @app_commands.describe(pack=described("slash.option_pack"))
    async def packs_disable(self, interaction: discord.Interaction[Any],
                            pack: app_commands.Range[str, 1, MAX_PACK_ID_LENGTH]) -> None:
        await self._run(interaction, f"packs disable {pack.strip()}")

    @packs_enable.autocomplete("pack")
    @packs_disable.autocomplete("pack")
    async def _packs(self, interaction: discord.Interaction[Any], current: str) -> list[Choice[str]]:
        channel = channel_ref(interaction.guild_id, interaction.channel_id or 0)
        return matching(self.bot.core.packs.pack_ids(channel), current)

    @packs.command(name="upload", description=described("slash.packs_upload"))
    @app_commands.describe(file=described("slash.option_file"))
    async def packs_upload(self, interaction: discord.Interaction[Any], file: discord.Attachment) -> None:
        await self.bot.pack_admin.upload(interaction, file)

    @packs.command(name="add", description=described("slash.packs_add"))
    @app_commands.describe(difficulty=described("slash.option_difficulty"),
                           language=described("slash.option_question_language"))
    @app_commands.choices(difficulty=DIFFICULTY_CHOICES)
    @app_commands.choices(language=LANGUAGE_CHOICES)
    async def packs_add(self, interaction: discord.Interaction[Any], difficulty: Choice[int] | None = None,
                        language: Choice[str] | None = None) -> None:
        await self.bot.pack_admin.open_form(interaction, difficulty.value if difficulty else None,
                                            language.value if language else None)

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
        parsed = parse_modal_id(str(data.get("custom_id", "")))
        if parsed is not None and parsed[0] == QUESTION_MODAL:
            await self.bot.pack_admin.form_submitted(interaction)
        else:
            await self.bot.interactions.modal_submitted(interaction)


_TIMEZONES: list[str] = []


def _timezones() -> list[str]:
    if not _TIMEZONES:
        _TIMEZONES.extend(timezone_names())
    return _TIMEZONES
