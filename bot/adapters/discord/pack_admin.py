"""Question packs managed from Discord by admins: a pack file given as a slash command
attachment, and a single question typed into a form (a modal).

Admin rights are checked here, on the server, before a file is downloaded or the form is
shown, and again when a form comes back (a submission can be made without the form). The
core lints and stores; a bad file changes nothing.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import discord

from bot.adapters.discord.components import QUESTION_MODAL, parse_modal_id, stopped_modal, submitted_value
from bot.adapters.discord.interactions import InteractionHandler
from bot.adapters.discord.render import custom_id
from bot.adapters.discord.translate import interaction_actor
from bot.core.i18n import t
from bot.core.messages import Response, private_reply
from bot.core.packs import MAX_UPLOAD_BYTES, QuestionForm, too_big, upload_problem
from bot.core.ports import PackUploaded
from bot.core.service import Core

log = logging.getLogger(__name__)

DIFFICULTIES = ("1", "2", "3")
#: The form's inputs: (custom id, label key, placeholder key, paragraph, required, max length).
FORM_INPUTS = (
    ("title", "discord.form_title", None, False, True, 200),
    ("prompt", "discord.form_prompt", None, True, True, 4000),
    ("answer", "discord.form_answer", None, True, True, 4000),
    ("key_points", "discord.form_key_points", "discord.form_key_points_hint", True, True, 2000),
    ("tags", "discord.form_tags", "discord.form_tags_hint", False, False, 200),
)
_CJK = re.compile(r"[\u3400-\u9fff]")


def form_target(difficulty: int | None, language: str | None) -> str:
    """The form's settings carried in its custom id (``2:zh``; ``auto`` guesses the language)."""
    return f"{difficulty or 2}:{language or 'auto'}"


def question_language(choice: str, *texts: str) -> str:
    """The question's language: the one chosen, else Chinese when it has Chinese text."""
    if choice in ("en", "zh"):
        return choice
    return "zh" if any(_CJK.search(text) for text in texts) else "en"


class PackAdmin:
    """``/interview packs upload`` and ``/interview packs add`` with its form."""

    def __init__(self, core: Core, interactions: InteractionHandler) -> None:
        self.core = core
        self.interactions = interactions

    async def upload(self, interaction: discord.Interaction[Any], attachment: discord.Attachment) -> None:
        language = await self.interactions.language(interaction)
        await self.interactions.respond(interaction, self._upload(interaction, attachment, language), "packs upload")

    async def _upload(self, interaction: discord.Interaction[Any], attachment: discord.Attachment,
                      language: str) -> list[Response]:
        actor = interaction_actor(interaction)
        if not self.core.is_admin(actor):
            return [private_reply(t("admin.only", language, command="packs upload"))]
        problem = upload_problem(attachment.filename, attachment.size, language)
        if problem is not None:
            return [private_reply(problem)]
        try:
            data = await attachment.read()
        except discord.HTTPException as exc:
            log.warning("could not download pack %s: %s", attachment.filename, exc)
            return [private_reply(t("discord.upload_failed", language, filename=attachment.filename))]
        if len(data) > MAX_UPLOAD_BYTES:  # the declared size was wrong
            return [private_reply(too_big(attachment.filename, language))]
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return [private_reply(t("discord.upload_not_text", language, filename=attachment.filename))]
        channel = await self.interactions.channel(interaction)
        return await self.core.handle(PackUploaded(channel, actor, attachment.filename, text))

    async def open_form(self, interaction: discord.Interaction[Any], difficulty: int | None,
                        question_language: str | None) -> None:
        language = await self.interactions.language(interaction)
        if not self.core.is_admin(interaction_actor(interaction)):
            await self.interactions.say(interaction, t("admin.only", language, command="packs add"))
            return
        await interaction.response.send_modal(question_form(form_target(difficulty, question_language), language))

    async def form_submitted(self, interaction: discord.Interaction[Any]) -> bool:
        """Handle the question form; False when the submission is not one."""
        data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
        parsed = parse_modal_id(str(data.get("custom_id", "")))
        if parsed is None or parsed[0] != QUESTION_MODAL:
            return False
        difficulty, _, chosen = parsed[1].partition(":")
        components = list(data.get("components", ()))
        values = {name: submitted_value(components, name) for name, *_ in FORM_INPUTS}
        form = QuestionForm(
            title=values["title"], prompt=values["prompt"], answer=values["answer"],
            key_points=values["key_points"], tags=values["tags"],
            difficulty=difficulty if difficulty in DIFFICULTIES else "2",
            language=question_language(chosen, values["title"], values["prompt"]),
        )
        language = await self.interactions.language(interaction)
        await self.interactions.respond(interaction, self._add(interaction, form, language), "packs add")
        return True

    async def _add(self, interaction: discord.Interaction[Any], form: QuestionForm, language: str) -> list[Response]:
        actor = interaction_actor(interaction)
        if not self.core.is_admin(actor):
            return [private_reply(t("admin.only", language, command="packs add"))]
        channel = await self.interactions.channel(interaction)
        return [private_reply(await self.core.packs.add_question(channel, actor, form, language))]


def question_form(target: str, language: str) -> discord.ui.Modal:
    """Title, prompt, reference answer, key points (one a line, ``name: alias, alias``) and
    tags: Discord's limit of five inputs."""
    modal = stopped_modal(t("discord.form_heading", language), custom_id(QUESTION_MODAL, target))
    for input_id, label, placeholder, paragraph, required, max_length in FORM_INPUTS:
        modal.add_item(discord.ui.TextInput(
            label=t(label, language),
            custom_id=input_id,
            style=discord.TextStyle.paragraph if paragraph else discord.TextStyle.short,
            placeholder=t(placeholder, language) if placeholder else None,
            required=required,
            max_length=max_length,
        ))
    return modal
