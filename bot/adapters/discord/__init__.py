"""The Discord adapter: a discord.py bot that posts the daily question with its thread,
serves ``/interview`` slash commands, buttons and the private-answer modal, and paces its
requests. ``DiscordAdapter`` is the entry point; nothing outside this package imports discord.
"""

from bot.adapters.discord.adapter import DiscordAdapter

__all__ = ["DiscordAdapter"]
