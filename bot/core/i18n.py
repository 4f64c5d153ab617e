"""The bot's interface strings in English and Simplified Chinese, from gettext catalogs.

``bot/locale/<lang>/LC_MESSAGES/bot.po`` holds one entry per key; ``t`` picks the language
and fills in named values. Content (questions, answers) is never translated here.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

LANGUAGES = ("en", "zh")
DEFAULT_LANGUAGE = "en"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def catalog_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "bot.po"


@cache
def catalog(language: str) -> dict[str, str]:
    """Key -> text for one language (read once per process)."""
    with catalog_path(language).open("rb") as handle:
        po = read_po(handle)
    return {str(m.id): str(m.string) for m in po if m.id and m.string and not m.fuzzy}


def t(key: str, language: str | None = None, /, **values: object) -> str:
    """The string ``key`` in ``language`` (English when the language or the entry is missing),
    with ``values`` filled in. An unknown key is a bug: KeyError."""
    lang = language if language in LANGUAGES else DEFAULT_LANGUAGE
    text = catalog(lang).get(key) or catalog(DEFAULT_LANGUAGE)[key]
    return text.format(**values) if values else text
