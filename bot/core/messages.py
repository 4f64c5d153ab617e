"""Platform-neutral messages the core asks adapters to show, and what commands answer.

Adapters render these (Block Kit, embeds, console text); the core never formats for a
platform. Text written by users is passed through ``defuse_mentions`` before it is repeated.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass


class MessageKind(str, enum.Enum):
    QUESTION = "question"
    REVEAL = "reveal"
    SUMMARY = "summary"
    NOTICE = "notice"
    PRACTICE = "practice"
    STUDY = "study"
    SCOREBOARD = "scoreboard"


@dataclass(frozen=True)
class Button:
    """An action a platform may offer as a button; ``value`` is usually a round id."""

    action: str
    label: str
    value: str
    style: str = "default"  # default | primary | danger


@dataclass(frozen=True)
class Attachment:
    """A file to show with a message (a chart): uploaded on Slack and Discord, saved on the console."""

    filename: str
    data: bytes
    content_type: str = "image/png"


@dataclass(frozen=True)
class Message:
    text: str
    title: str | None = None
    fields: tuple[tuple[str, str], ...] = ()
    buttons: tuple[Button, ...] = ()
    kind: MessageKind = MessageKind.NOTICE
    round_id: int | None = None
    attachments: tuple[Attachment, ...] = ()

    def plain(self) -> str:
        """Title, body and fields as plain text, for adapters without rich layout."""
        parts = [self.title] if self.title else []
        if self.text:
            parts.append(self.text)
        parts.extend(f"{name}: {value}" for name, value in self.fields)
        return "\n".join(parts)


@dataclass(frozen=True)
class Response:
    """What a command or event answers to the person who caused it."""

    message: Message
    private: bool = True


def private_reply(text: str) -> Response:
    return Response(Message(text=text), private=True)


ACTION_ANSWER_PRIVATELY = "answer_privately"
ACTION_REVEAL_NOW = "reveal_now"
# value "<round_id>:<1-4>" after a reveal, or "q:<question_id>:<1-4>" after private practice
ACTION_RATE = "rate"
# opens the platform's answer form for the caller's practice question; value is the question id
ACTION_PRACTICE_ANSWER = "practice_answer"

_BROADCAST = re.compile(r"@(everyone|here|channel)\b", re.IGNORECASE)
_SPECIAL = re.compile(r"<(?=[@!#])")


def defuse_mentions(text: str) -> str:
    """Make repeated user text unable to ping: break @everyone/@here/@channel and
    ``<@U..>``/``<!here>`` style tokens with a zero-width space. Adapters still send with
    mentions disabled; this is the second lock."""
    text = _BROADCAST.sub(lambda m: "@\u200b" + m.group(1), text)
    return _SPECIAL.sub("<\u200b", text)
