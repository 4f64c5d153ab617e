"""Core ``Message`` values rendered as Discord message parts: embeds, plain text and buttons.

Pure apart from building discord.py objects: no network, no core services. Long texts are
split into several messages to fit Discord's limits (content 2,000 characters; an embed's
description 4,096, its fields 25 of 1,024, and all its text 6,000), between entries where
possible (``bot.core.messages.split_text``). The core's Markdown is Discord's: the bot's
``**bold**`` formats, and what people wrote arrives backslash-escaped. The adapter's own words (labels, notes)
come from the catalogs in bot/locale, like the core's.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import discord

from bot.core.messages import Attachment, Button, Message, MessageKind, split_text

CUSTOM_ID_PREFIX = "interview"
EMBED_DESCRIPTION_LIMIT = 4096
CONTENT_LIMIT = 2000
FIELD_VALUE_LIMIT = 1024
TITLE_LIMIT = 256
EMBED_TOTAL_LIMIT = 6000  # title, description, field names and values together
FIELD_COUNT_LIMIT = 25

_COLOURS = {
    MessageKind.QUESTION: discord.Colour.blurple(),
    MessageKind.REVEAL: discord.Colour.green(),
    MessageKind.SUMMARY: discord.Colour.gold(),
    MessageKind.NOTICE: discord.Colour.light_grey(),
    MessageKind.PRACTICE: discord.Colour.teal(),
    MessageKind.STUDY: discord.Colour.purple(),
    MessageKind.SCOREBOARD: discord.Colour.gold(),
}
_STYLES = {
    "primary": discord.ButtonStyle.primary,
    "danger": discord.ButtonStyle.danger,
    "default": discord.ButtonStyle.secondary,
}


def language_of(locale: discord.Locale | str | None) -> str:
    """A Discord client locale (``zh-CN``, ``en-US``...) as one of the bot's languages."""
    return "zh" if str(locale or "").lower().startswith("zh") else "en"


def custom_id(action: str, value: str) -> str:
    return f"{CUSTOM_ID_PREFIX}:{action}:{value}"


@dataclass
class Part:
    """One Discord message: ``content`` or ``embeds``. A long message's attachments go on
    its first part and its buttons on its last, under the text they act on."""

    content: str | None = None
    embeds: list[discord.Embed] = field(default_factory=list)
    buttons: tuple[Button, ...] = ()
    attachments: tuple[Attachment, ...] = ()

    def files(self) -> list[discord.File]:
        return [discord.File(io.BytesIO(a.data), filename=a.filename) for a in self.attachments]


def render(message: Message, *, note: str | None = None) -> list[Part]:
    """The Discord messages that show ``message``; ``note`` is a line appended to the body.

    Short notices without a title or fields stay plain text; everything else is an embed.
    """
    text = message.text if note is None else f"{message.text}\n\n{note}".strip()
    if message.title is None and not message.fields and message.kind == MessageKind.NOTICE:
        chunks = split_text(text, CONTENT_LIMIT) or [""]
        parts = [Part(content=chunk) for chunk in chunks]
    else:
        title = _clip(message.title, TITLE_LIMIT) if message.title else None
        fields = [(_clip(name, TITLE_LIMIT), _clip(value, FIELD_VALUE_LIMIT))
                  for name, value in message.fields[:FIELD_COUNT_LIMIT]]
        # The first embed also carries the title and fields: its description gets the rest.
        taken = len(title or "") + sum(len(name) + len(value) for name, value in fields)
        first = max(1, min(EMBED_DESCRIPTION_LIMIT, EMBED_TOTAL_LIMIT - taken))
        chunks = split_text(text, EMBED_DESCRIPTION_LIMIT, first=first) or [""]
        colour = _COLOURS.get(message.kind, discord.Colour.light_grey())
        parts = []
        for index, chunk in enumerate(chunks):
            embed = discord.Embed(description=chunk or None, colour=colour)
            if index == 0:
                embed.title = title
                for name, value in fields:
                    embed.add_field(name=name, value=value)
            parts.append(Part(embeds=[embed]))
    parts[0].attachments = message.attachments
    parts[-1].buttons = message.buttons
    return parts


def button_style(button: Button) -> discord.ButtonStyle:
    return _STYLES.get(button.style, discord.ButtonStyle.secondary)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
