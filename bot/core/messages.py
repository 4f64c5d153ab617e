"""Platform-neutral messages the core asks adapters to show, and what commands answer.

Adapters render these (Block Kit, embeds, console text); the core never formats for a
platform. A message's text is Markdown: the bot's own ``**bold**`` and `` `code` ``, and
whatever people wrote passed through ``user_text`` first (Markdown escaped, links made
inert, mentions defused), so that only the bot's own formatting formats. Adapters that
split a long text cut at blank lines first, then before an unindented line: a multi-line
entry (one person's in the summary) keeps its later lines indented to stay whole.
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


# A URL as any scheme://... that Discord or Slack might turn into a link, up to whitespace
# or a backtick (which would close the inline code it is put in).
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s`]*")
# Markdown that acts anywhere in a line: emphasis, code, spoilers, masked links, <...> forms.
_INLINE = re.compile(r"([\\`*_~|<>\[\]()])")
# Markdown that acts at the start of a line: headings, quotes, list markers, subtext.
_LINE_START = re.compile(r"^(\s*)([#>+\-]|\d+(?=\.))", re.MULTILINE)


def user_text(text: str) -> str:
    """What a person wrote (an answer, a display name), made safe to repeat inside the bot's
    Markdown: every Markdown character backslash-escaped (so a masked link, a heading or a
    list stays literal text), each URL put in inline code (shown and copyable, but not a
    link the bot's post vouches for: neither Discord nor Slack links inside code), and
    mentions defused. Truncate before calling this, never after."""
    pieces = []
    last = 0
    for match in _URL.finditer(text):
        pieces.append(_escape(text[last:match.start()]))
        pieces.append(f"`{match.group(0)}`")
        last = match.end()
    pieces.append(_escape(text[last:]))
    return defuse_mentions("".join(pieces))


def _escape(text: str) -> str:
    text = _INLINE.sub(r"\\\1", text)
    # "1." becomes "1\." (a backslash before a digit would show), "# x" becomes "\# x".
    return _LINE_START.sub(
        lambda m: m.group(1) + (m.group(2) + "\\" if m.group(2)[0].isdigit() else "\\" + m.group(2)), text)


def defuse_mentions(text: str) -> str:
    """Make repeated user text unable to ping: break @everyone/@here/@channel and
    ``<@U..>``/``<!here>`` style tokens with a zero-width space. Adapters still send with
    mentions disabled; this is the second lock."""
    text = _BROADCAST.sub(lambda m: "@\u200b" + m.group(1), text)
    return _SPECIAL.sub("<\u200b", text)


_ENTRY_START = re.compile(r"\n(?=\S)")


def split_text(text: str, limit: int, *, first: int | None = None) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters (``first`` for the first piece),
    in order. A cut goes, by preference, at a blank line in the second half of the piece,
    before an unindented line (the next entry: an entry's later lines are indented), at a
    line end, at a space; only a single line too long for a piece is cut inside a word,
    and never right after an escaping backslash or inside an ``&…;`` entity."""
    pieces: list[str] = []
    rest = text
    size = first or limit
    while len(rest) > size:
        cut = _cut(rest, size)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:]
        rest = rest[1:] if rest[:1] == " " else rest.lstrip("\n")
        size = limit
    pieces.append(rest)
    return [piece for piece in pieces if piece.strip()]


def _cut(text: str, size: int) -> int:
    window = text[:size + 1]  # a line break right after the piece is a fine place to cut
    blank = window.rfind("\n\n")
    if blank >= size // 2:
        return blank
    entries = [m.start() for m in _ENTRY_START.finditer(window) if m.start() > 0]
    if entries:
        return entries[-1]
    for mark in ("\n", " "):
        found = window.rfind(mark)
        if found > 0:
            return found
    cut = size
    while cut > 1 and text[cut - 1] == "\\":
        cut -= 1
    amp = text.rfind("&", max(0, cut - 8), cut)
    if amp > 0 and ";" not in text[amp:cut] and ";" in text[cut:cut + 8]:
        cut = amp
    return cut
