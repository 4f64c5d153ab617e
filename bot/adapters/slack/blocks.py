"""Rendering for Slack: the core's ``Message`` as Block Kit, and the private-answer modal.

Every piece of text goes out with ``&``, ``<`` and ``>`` escaped and ``verbatim``, so
nothing a user wrote can become a mention, a link or a broadcast; the core's Markdown
(``**bold**``, backslash escapes of what people wrote) becomes Slack's mrkdwn. A message
too long for one post (50 blocks, about 13,000 characters of block text) is rendered as
several (``render_posts``). Pure functions: no network, no slack libraries.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from bot.core.messages import Message, split_text

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
# Slack refuses a message whose blocks hold about 13,000 characters of text in all
# (msg_blocks_too_long, not in its documented limits); a post keeps well below.
MAX_POST_TEXT = 11_000

PRIVATE_ANSWER_CALLBACK = "private_answer"  # a round's private answer; metadata: round, channel
PRACTICE_ANSWER_CALLBACK = "practice_answer"  # a private practice answer; metadata: question, channel
ANSWER_BLOCK = "answer"
ANSWER_INPUT = "text"

# Block Kit wants action_ids unique in a block; repeated core actions (rating buttons)
# get "#<n>" appended, which ``action_name`` strips again.
ACTION_SUFFIX = "#"

# The core's Markdown: inline code (kept as it is: a URL someone wrote, shown literally),
# a backslash escape of what people wrote, or the bot's **bold**.
_MARKUP = re.compile(r"(`[^`\n]*`)|\\([!-/:-@\[-`{-~])|\*\*(.+?)\*\*", re.DOTALL)
# Slack has no escapes: an escaped backtick shows as a look-alike, so that it cannot close
# the inline code a URL is shown in. Other escaped characters show as they are (at worst
# they format; without "<" they cannot link or mention).
_LITERAL = {"`": "\u02cb"}

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
    """The core's Markdown as escaped Slack mrkdwn (``**bold**`` as ``*bold*``)."""
    return escape(_markup(text, "*"))


def _markup(text: str, bold: str) -> str:
    def swap(match: re.Match[str]) -> str:
        code, escaped, emphasised = match.groups()
        if code is not None:
            return code
        if escaped is not None:
            return _LITERAL.get(escaped, escaped)
        return bold + _markup(emphasised, bold) + bold

    return _MARKUP.sub(swap, text)


@dataclass(frozen=True)
class Rendered:
    """What a chat.postMessage/postEphemeral/update call carries: fallback text and blocks."""

    text: str
    blocks: list[dict[str, Any]]


def render(message: Message) -> Rendered:
    """``message`` as one post (an edit, an ephemeral answer): what does not fit is cut."""
    posts = render_posts(message)
    if len(posts) == 1:
        return posts[0]
    first, last = posts[0], posts[-1]
    actions = [b for b in last.blocks if b["type"] == "actions"]
    blocks = [b for b in first.blocks if b["type"] != "actions"]
    blocks.append({"type": "section", "text": _mrkdwn("…")})
    return Rendered(text=first.text, blocks=blocks + actions)


def render_posts(message: Message) -> list[Rendered]:
    """``message`` as one post or, when it is too long for one, several to send in order:
    the title and fields on the first, the buttons on the last, the text cut between
    entries (see ``split_text``) and measured as Slack counts it, after escaping."""
    header = [{"type": "header", "text": _plain(message.title, MAX_HEADER_TEXT)}] if message.title else []
    fields = [_mrkdwn(_truncate(f"*{mrkdwn(name)}*\n{mrkdwn(value)}", MAX_FIELD_TEXT))
              for name, value in message.fields]
    field_blocks = [{"type": "section", "fields": fields[start:start + MAX_FIELDS]}
                    for start in range(0, len(fields), MAX_FIELDS)]
    actions = _actions(message)
    # Room left on a post for the body once what else it carries is counted (the buttons
    # are counted on every post: which one is last is only known at the end).
    spare = _text_length(actions) + 1
    sections = [{"type": "section", "text": _mrkdwn(piece)}
                for piece in split_text(mrkdwn(message.text), MAX_SECTION_TEXT)]
    posts: list[list[dict[str, Any]]] = [list(header)]
    used = _text_length(header + field_blocks) + spare
    for section in sections:
        size = _text_length([section])
        current = posts[-1]
        # Two blocks kept free: the buttons, and "…" when ``render`` cuts to one post.
        room = MAX_BLOCKS - 2 - (len(field_blocks) if len(posts) == 1 else 0)
        if any(b["type"] == "section" for b in current) and (used + size > MAX_POST_TEXT or len(current) >= room):
            posts.append([])
            used = spare
        posts[-1].append(section)
        used += size
    posts[0] = posts[0] + field_blocks
    if actions:
        posts[-1] = posts[-1] + actions
    fallback = _truncate(escape(_markup(message.plain(), "")), MAX_FALLBACK_TEXT) or " "
    rendered = [Rendered(text=fallback if i == 0 else _fallback(blocks), blocks=blocks)
                for i, blocks in enumerate(posts) if blocks]
    return rendered or [Rendered(text=fallback, blocks=[])]


def _actions(message: Message) -> list[dict[str, Any]]:
    if not message.buttons:
        return []
    repeated = {b.action for b in message.buttons if sum(o.action == b.action for o in message.buttons) > 1}
    actions: dict[str, Any] = {"type": "actions", "elements": [
        _button(f"{b.action}{ACTION_SUFFIX}{i}" if b.action in repeated else b.action, b.label, b.value, b.style)
        for i, b in enumerate(message.buttons, start=1)
    ]}
    if message.round_id is not None:
        actions["block_id"] = f"round:{message.round_id}"
    return [actions]


def _fallback(blocks: list[dict[str, Any]]) -> str:
    """A later post's notification text: the start of its first section."""
    for block in blocks:
        if "text" in block:
            return _truncate(block["text"]["text"], 150)
    return " "


def _text_length(blocks: list[dict[str, Any]]) -> int:
    """Characters of text in ``blocks``, counted as Slack counts them against a message."""
    total = 0
    for block in blocks:
        if isinstance(block.get("text"), dict):
            total += len(block["text"]["text"])
        total += sum(len(f["text"]) for f in block.get("fields", ()))
        total += sum(len(e["text"]["text"]) for e in block.get("elements", ()) if "text" in e)
    return total


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
