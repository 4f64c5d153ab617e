"""The Discord adapter: a discord.py bot that posts the daily question with its thread,
serves ``/interview`` slash commands, buttons and answer modals, and paces its requests.
``DiscordAdapter`` is the entry point; nothing outside this package imports discord.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

with warnings.catch_warnings():
    # discord.py imports the stdlib ``audioop`` (for voice, unused here), which Python 3.11
    # and 3.12 flag as deprecated on import. Loading it here, quietly, keeps that library
    # detail from failing warnings-as-errors runs whichever module imports discord first.
    warnings.filterwarnings("ignore", message=".*audioop.*", category=DeprecationWarning)
    try:
        import audioop  # noqa: F401
    except ImportError:  # Python 3.13 has none, and discord.py copes
        pass

if TYPE_CHECKING:
    from bot.adapters.discord.adapter import DiscordAdapter, DiscordSetupError

__all__ = ["DiscordAdapter", "DiscordSetupError"]


def __getattr__(name: str) -> Any:
    # The adapter and discord.py load on first use, so `interview-bot discord invite-url`
    # and the other commands start without them.
    if name in __all__:
        from bot.adapters.discord import adapter

        return getattr(adapter, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
