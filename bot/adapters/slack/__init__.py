"""The Slack adapter: bolt app, listeners, and translation between Slack and the core.

Only this package imports slack_bolt and slack_sdk; the core never sees a Slack payload.
Entry point: ``SlackAdapter`` (and ``slack_mode`` to tell which transport it will use).
"""

from bot.adapters.slack.adapter import SlackAdapter, SlackSetupError, slack_mode

__all__ = ["SlackAdapter", "SlackSetupError", "slack_mode"]
