"""Interview-practice bot: a platform-free core with console, Slack and Discord adapters."""

__version__ = "0.1.0"
