"""Checks question packs without starting the bot: every problem, as path:line: field: message.

Imports only bot.content (never bot.core, bot.storage or adapters).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bot.content.errors import ContentError, ContentErrors
from bot.content.loader import Bank, load_bank


def check_paths(paths: Sequence[Path], require_languages: Sequence[str] = (), *, check_content: bool = True
                ) -> tuple[Bank | None, list[ContentError]]:
    """The loaded bank when the packs are fine, otherwise None and every error found. Every
    text must be in each of ``require_languages`` (``SHIPPED_LANGUAGES`` for shipped packs)
    unless the pack declares its languages; with ``check_content``, the content checks of
    ``bot.content.checks`` too."""
    try:
        return load_bank(paths, require_languages, check_content=check_content), []
    except ContentErrors as exc:
        return None, exc.errors


def lint_paths(paths: Sequence[Path], require_languages: Sequence[str] = ()) -> list[ContentError]:
    """Every error in the packs under paths; an empty list means they load cleanly."""
    return check_paths(paths, require_languages)[1]
