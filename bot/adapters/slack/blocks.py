"""Rendering for Slack: the core's ``Message`` as Block Kit, and the private-answer modal.

Every piece of text goes out with ``&``, ``<`` and ``>`` escaped, so nothing a user wrote
can become a mention, a link or a broadcast. Pure functions: no network, no slack libraries.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from bot.core.messages import Message

# Block Kit limits (https://docs.slack.dev/reference/block-kit/blocks).
MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_FIELD_TEXT = 2000
MAX_FIELDS = 10
MAX_BUTTON_TEXT = 75
MAX_FALLBACK_TEXT = 3000
MAX_MODAL_TITLE = 24
MAX_ANSWER_LENGTH = 3000

PRIVATE_ANSWER_CALLBACK = "private_answer"  # a round's private answer; metadata: round, channel
PRACTICE_ANSWER_CALLBACK = "practice_answer"  # a private practice answer; metadata: question, channel
ANSWER_BLOCK = "answer"
ANSWER_INPUT = "text"

# Block Kit wants action_ids unique in a block; repeated core actions (rating buttons)
# get "#<n>" appended, which ``action_name`` strips again.
ACTION_SUFFIX = "#"

_BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)

_MODAL_TEXT = {
    "en": {PRIVATE_ANSWER_CALLBACK: "Answer privately", PRACTICE_ANSWER_CALLBACK: "Practice answer",
           "submit": "Save", "close": "Cancel", "label": "Your answer",
           PRIVATE_ANSWER_CALLBACK + ".hint": "Only you can see this answer until the reveal.",
           PRACTICE_ANSWER_CALLBACK + ".hint": "Only you can see this answer."},
    "zh": {PRIVATE_ANSWER_CALLBACK: "私下作答", PRACTICE_ANSWER_CALLBACK: "练习作答",
           "submit": "保存", "close": "取消", "label": "你的回答",
           PRIVATE_ANSWER_CALLBACK + ".hint": "揭晓之前只有你能看到这份回答。",
           PRACTICE_ANSWER_CALLBACK + ".hint": "只有你能看到这份回答。"},
}


def escape(text: str) -> str:
    """Slack's three control characters as entities, as Slack asks of every app."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """Undo Slack's escaping of what people typed (messages and command text arrive escaped)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def mrkdwn(text: str) -> str:
    """The core's text (Markdown-ish ``**bold**``) as escaped Slack mrkdwn (``*bold*``)."""
    return _BOLD.sub(r"*\1*", escape(text))


@dataclass(frozen=True)
class Rendered:
    """What a chat.postMessage/postEphemeral/update call carries: fallback text and blocks."""

    text: str
    blocks: list[dict[str, Any]]


def render(message: Message) -> Rendered:
    blocks: list[dict[str, Any]] = []
    if message.title:
        blocks.append({"type": "header", "text": _plain(message.title, MAX_HEADER_TEXT)})
    for chunk in _chunks(mrkdwn(message.text), MAX_SECTION_TEXT):
        blocks.append({"type": "section", "text": _mrkdwn(chunk)})
    fields = [_mrkdwn(_truncate(f"*{mrkdwn(name)}*\n{mrkdwn(value)}", MAX_FIELD_TEXT))
              for name, value in message.fields]
    for start in range(0, len(fields), MAX_FIELDS):
        blocks.append({"type": "section", "fields": fields[start:start + MAX_FIELDS]})
    if message.buttons:
        repeated = {b.action for b in message.buttons if sum(o.action == b.action for o in message.buttons) > 1}
        actions = {"type": "actions", "elements": [
            _button(f"{b.action}{ACTION_SUFFIX}{i}" if b.action in repeated else b.action, b.label, b.value, b.style)
            for i, b in enumerate(message.buttons, start=1)
        ]}
        if message.round_id is not None:
            actions["block_id"] = f"round:{message.round_id}"
    else:
        actions = None
    room = MAX_BLOCKS - (1 if actions else 0)
    if len(blocks) > room:
        blocks = blocks[:room - 1] + [{"type": "section", "text": _mrkdwn("…")}]
    if actions:
        blocks.append(actions)
    fallback = _truncate(escape(message.plain()).replace("**", ""), MAX_FALLBACK_TEXT)
    return Rendered(text=fallback or " ", blocks=blocks)


def action_name(action_id: str) -> str:
    """The core's action for a button's ``action_id``."""
    return action_id.partition(ACTION_SUFFIX)[0]


def answer_modal(callback_id: str, metadata: dict[str, str | int], language: str) -> dict[str, Any]:
    """The modal an answer button opens (``PRIVATE_ANSWER_CALLBACK`` or
    ``PRACTICE_ANSWER_CALLBACK``); ``private_metadata`` carries what the answer is for."""
    words = _MODAL_TEXT.get(language, _MODAL_TEXT["en"])
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": json.dumps(metadata),
        "title": _plain(words[callback_id], MAX_MODAL_TITLE),
        "submit": _plain(words["submit"], MAX_MODAL_TITLE),
        "close": _plain(words["close"], MAX_MODAL_TITLE),
        "blocks": [
            {
                "type": "input",
                "block_id": ANSWER_BLOCK,
                "label": _plain(words["label"], 2000),
                "hint": _plain(words[callback_id + ".hint"], 2000),
                "element": {
                    "type": "plain_text_input",
                    "action_id": ANSWER_INPUT,
                    "multiline": True,
                    "max_length": MAX_ANSWER_LENGTH,
                },
            }
        ],
    }


def modal_metadata(view: dict[str, Any]) -> dict[str, Any]:
    """What a submitted modal was opened for ({} when malformed)."""
    try:
        data = json.loads(view.get("private_metadata") or "")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def modal_answer(view: dict[str, Any]) -> str:
    value = view.get("state", {}).get("values", {}).get(ANSWER_BLOCK, {}).get(ANSWER_INPUT, {}).get("value")
    return value if isinstance(value, str) else ""


# --- pieces -----------------------------------------------------------------------------


def _plain(text: str, limit: int) -> dict[str, Any]:
    # plain_text is never parsed for mentions, so it needs no escaping.
    return {"type": "plain_text", "text": _truncate(text, limit) or " ", "emoji": True}


def _mrkdwn(text: str) -> dict[str, Any]:
    # verbatim: Slack must not turn bare names or URLs into links or mentions either.
    return {"type": "mrkdwn", "text": text or " ", "verbatim": True}


def _button(action: str, label: str, value: str, style: str) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "action_id": action,
        "text": _plain(label, MAX_BUTTON_TEXT),
        "value": value,
    }
    if style in ("primary", "danger"):
        button["style"] = style
    return button


def _truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    # Never cut an entity like &amp; in half.
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + "…"


def _chunks(text: str, limit: int) -> list[str]:
    """Split at line ends into pieces of at most ``limit`` characters."""
    if not text:
        return []
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            head = _truncate(line, limit)[:-1]
            pieces.append(head)
            line = line[len(head):]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current:
        pieces.append(current)
    return [p for p in pieces if p.strip()]
