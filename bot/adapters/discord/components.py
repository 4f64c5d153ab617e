"""Buttons and answer modals, with custom ids that outlive the process.

A button's custom id is ``interview:<action>:<value>`` (``interview:answer_privately:42``,
``interview:rate:42:3``) and is parsed again on every click, so posts made before a restart
keep working. Modals are answered by custom id as well (``interview:answer_modal:42``), not
by an object kept in memory.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from bot.adapters.discord.render import Part, button_style, custom_id
from bot.core.i18n import t
from bot.core.messages import ACTION_ANSWER_PRIVATELY, ACTION_PRACTICE_ANSWER

if TYPE_CHECKING:
    from bot.adapters.discord.client import InterviewBotBase

ANSWER_INPUT_ID = "answer"
ANSWER_MAX_LENGTH = 4000
MODAL_TITLE_LIMIT = 45
ANSWER_MODAL, PRACTICE_MODAL, QUESTION_MODAL = "answer_modal", "practice_modal", "question_modal"
#: Button action -> the modal it opens instead of going to the core.
MODAL_FOR_ACTION = {ACTION_ANSWER_PRIVATELY: ANSWER_MODAL, ACTION_PRACTICE_ANSWER: PRACTICE_MODAL}
MODAL_CUSTOM_ID = re.compile(
    rf"interview:(?P<kind>{ANSWER_MODAL}|{PRACTICE_MODAL}|{QUESTION_MODAL}):(?P<target>\S{{1,80}})")


class CoreButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"interview:(?P<action>[a-z_]{1,40}):(?P<value>\S{1,80})",
):
    """Any button the core asked for. A click becomes a ``ButtonPressed``, or opens the
    answer modal for "Answer privately" and the practice answer button."""

    def __init__(self, action: str, value: str, *, label: str | None = None,
                 style: discord.ButtonStyle = discord.ButtonStyle.secondary) -> None:
        super().__init__(discord.ui.Button(label=label, style=style, custom_id=custom_id(action, value)))
        self.action = action
        self.value = value

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> CoreButton:
        button = item if isinstance(item, discord.ui.Button) else None
        return cls(
            match["action"],
            match["value"],
            label=button.label if button else None,
            style=button.style if button else discord.ButtonStyle.secondary,
        )

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        modal_kind = MODAL_FOR_ACTION.get(self.action)
        bot: InterviewBotBase = interaction.client
        if modal_kind is not None:
            language = await bot.interactions.language(interaction)
            await interaction.response.send_modal(answer_modal(modal_kind, self.value, self.item.label, language))
            return
        await bot.interactions.button_pressed(interaction, self.action, self.value)


def view_for(part: Part) -> discord.ui.View | None:
    if not part.buttons:
        return None
    view = discord.ui.View(timeout=None)
    for button in part.buttons:
        view.add_item(CoreButton(button.action, button.value, label=button.label, style=button_style(button)))
    return view


def send_kwargs(part: Part) -> dict[str, Any]:
    """Arguments for ``send``/``send_message``. Files are opened afresh on every call
    because a send closes them."""
    kwargs: dict[str, Any] = {"allowed_mentions": discord.AllowedMentions.none()}
    if part.content is not None:
        kwargs["content"] = part.content
    if part.embeds:
        kwargs["embeds"] = part.embeds
    if part.attachments:
        kwargs["files"] = part.files()
    view = view_for(part)
    if view is not None:
        kwargs["view"] = view
    return kwargs


def answer_modal(kind: str, target: str, title: str | None, language: str) -> discord.ui.Modal:
    """The answer form behind "Answer privately" and the practice answer button; ``title``
    is the button's label."""
    placeholder = t("discord.answer_placeholder" if kind == ANSWER_MODAL else "discord.practice_placeholder",
                    language)
    modal = stopped_modal(title or t("discord.answer_label", language), custom_id(kind, target))
    modal.add_item(discord.ui.TextInput(
        label=t("discord.answer_label", language),
        style=discord.TextStyle.paragraph,
        custom_id=ANSWER_INPUT_ID,
        placeholder=placeholder,
        max_length=ANSWER_MAX_LENGTH,
    ))
    return modal


def stopped_modal(title: str, modal_id: str) -> discord.ui.Modal:
    """A modal whose submission is handled by custom id in ``on_interaction``, so that it
    still counts after a restart; a stopped modal is not kept in discord.py's view store."""
    modal = discord.ui.Modal(title=title[:MODAL_TITLE_LIMIT], custom_id=modal_id)
    modal.stop()
    return modal


def parse_modal_id(text: str) -> tuple[str, str] | None:
    """(kind, target) of one of our modals' custom ids, else None."""
    match = MODAL_CUSTOM_ID.fullmatch(text)
    return (match["kind"], match["target"]) if match else None


def submitted_value(components: list[dict[str, Any]], input_id: str = ANSWER_INPUT_ID) -> str:
    """The value of text input ``input_id`` in a modal submission, at whatever depth the
    client nested it (action rows or labels)."""
    for component in components:
        if component.get("custom_id") == input_id and "value" in component:
            return str(component["value"])
        children = list(component.get("components", ()))
        if "component" in component:
            children.append(component["component"])
        found = submitted_value(children, input_id)
        if found:
            return found
    return ""
