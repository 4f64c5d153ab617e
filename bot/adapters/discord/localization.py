"""Slash command texts from the bot's gettext catalogs: English as the default Discord
shows, Simplified Chinese as the ``zh-CN`` localization, through discord.py's translator.

Command and option names stay English (they are what ``/interview help`` and the docs
name); descriptions and choice names are translated. Reads bot.core.i18n only.
"""

from __future__ import annotations

from typing import TypeVar

from discord import Locale, app_commands
from discord.app_commands import Choice, locale_str

from bot.core.i18n import catalog, t

#: Discord client locales served from a catalog other than the English default.
CATALOG_FOR_LOCALE = {Locale.chinese: "zh"}
#: Discord's limit for a description or a choice name, localized or not.
TEXT_LIMIT = 100

ChoiceValue = TypeVar("ChoiceValue", str, int)


def described(key: str) -> locale_str:
    """A description or choice name: the English catalog text (raising KeyError at import
    when the entry is missing), keyed for the translator."""
    return locale_str(t(key, "en")[:TEXT_LIMIT], key=key)


def choice(key: str, value: ChoiceValue) -> Choice[ChoiceValue]:
    return Choice(name=described(key), value=value)


class CatalogTranslator(app_commands.Translator):
    """Answers discord.py's question "what is this text in locale X?" from the catalogs;
    None (keep the default) for every locale without one."""

    async def translate(
        self, string: locale_str, locale: Locale, context: app_commands.TranslationContextTypes
    ) -> str | None:
        language = CATALOG_FOR_LOCALE.get(locale)
        key = string.extras.get("key")
        if language is None or not isinstance(key, str):
            return None
        text = catalog(language).get(key)
        return text[:TEXT_LIMIT] if text else None
