"""Question packs managed from Slack by admins: a pack file shared with the bot (in a direct
message, or in a channel in a message that mentions it), and a single question typed into a
modal (``/interview packs add``).

Admin rights come from ``users.info`` (``UserDirectory``) and are checked before a file is
downloaded or the modal is opened, and again when the modal comes back. The file is fetched
from ``url_private_download`` with the bot token, only from Slack's own file host (or the
configured API host), and never more than ``MAX_UPLOAD_BYTES``. The core lints and stores; a
bad file changes nothing.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from bot.adapters.slack.blocks import MAX_MODAL_TITLE, unescape
from bot.adapters.slack.events import BotIdentity, Payload
from bot.core.i18n import t
from bot.core.packs import MAX_UPLOAD_BYTES, QuestionForm

log = logging.getLogger(__name__)

DIFFICULTIES = ("1", "2", "3")
DOWNLOAD_TIMEOUT = 30.0
#: Where Slack serves ``url_private_download``; the bot token is sent nowhere else.
FILE_HOSTS = frozenset({"files.slack.com"})

QUESTION_CALLBACK = "pack_question"  # the /interview packs add modal; metadata: channel
DIFFICULTY_BLOCK = "difficulty"
#: The modal's text inputs: (block id, label key, placeholder key, multiline, optional, max length).
FORM_INPUTS = (
    ("title", "slack.form_title", None, False, False, 200),
    ("prompt", "slack.form_prompt", None, True, False, 3000),
    ("answer", "slack.form_answer", None, True, False, 3000),
    ("key_points", "slack.form_key_points", "slack.form_key_points_hint", True, False, 2000),
    ("tags", "slack.form_tags", "slack.form_tags_hint", False, True, 200),
)
DIFFICULTY_LABELS = (("1", "slack.difficulty_easy"), ("2", "slack.difficulty_medium"), ("3", "slack.difficulty_hard"))
_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class SharedFile:
    """A file in a ``file_share`` message, as the event describes it."""

    name: str
    size: int
    url: str


@dataclass(frozen=True)
class PackShare:
    """A message that shares files with the bot, before the sender is looked up."""

    channel_id: str
    user_id: str
    direct: bool  # in a direct message with the bot (else in a channel, mentioning it)
    files: tuple[SharedFile, ...]


def pack_share(body: Payload, me: BotIdentity) -> PackShare | None:
    """The files a person shared with the bot: a ``file_share`` message in a direct message
    with the bot, or one in a channel that mentions the bot. None for anything else,
    including files from the bot itself and from other bots."""
    event = body.get("event")
    if not isinstance(event, dict) or event.get("type") != "message" or event.get("subtype") != "file_share":
        return None
    if event.get("bot_id") or (me.user_id is not None and event.get("user") == me.user_id):
        return None
    channel_id, user_id = event.get("channel"), event.get("user")
    if not isinstance(channel_id, str) or not channel_id or not isinstance(user_id, str) or not user_id:
        return None
    direct = event.get("channel_type") == "im"
    mentioned = me.user_id is not None and f"<@{me.user_id}>" in str(event.get("text") or "")
    if not (direct or mentioned):
        return None
    files = tuple(_shared_file(f) for f in event.get("files") or () if isinstance(f, dict))
    if not files:
        return None
    return PackShare(channel_id, user_id, direct, files)


def _shared_file(item: Payload) -> SharedFile:
    size = item.get("size")
    return SharedFile(
        name=unescape(str(item.get("name") or item.get("title") or item.get("id") or "file")),
        size=size if isinstance(size, int) else 0,
        url=str(item.get("url_private_download") or item.get("url_private") or ""),
    )


class DownloadError(Exception):
    pass


class TooBig(DownloadError):
    pass


def trusted_file_url(url: str, api_base_url: str) -> bool:
    """Only Slack's file host (or, for a proxy or the tests, the API's own host) gets the token."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return False
    api = urlsplit(api_base_url)
    if parts.hostname == api.hostname and parts.port == api.port and parts.scheme == api.scheme:
        return True
    return parts.scheme == "https" and parts.hostname in FILE_HOSTS


async def download(url: str, token: str, limit: int = MAX_UPLOAD_BYTES) -> bytes:
    """The file's bytes, at most ``limit`` (TooBig beyond); DownloadError when Slack does not
    hand it over (a redirect means the token was not accepted: Slack sends a login page)."""
    timeout = aiohttp.ClientTimeout(total=DOWNLOAD_TIMEOUT)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session, session.get(
            url, headers={"Authorization": f"Bearer {token}"}, allow_redirects=False
        ) as response:
            if response.status != 200 or "text/html" in response.headers.get("Content-Type", ""):
                raise DownloadError(f"HTTP {response.status}")
            data = bytearray()
            async for chunk in response.content.iter_chunked(16 * 1024):
                data.extend(chunk)
                if len(data) > limit:
                    raise TooBig(f"more than {limit} bytes")
            return bytes(data)
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise DownloadError(type(exc).__name__) from None


# --- the question modal ---------------------------------------------------------------------


def question_modal(channel_id: str, language: str) -> dict[str, Any]:
    """Title, question, reference answer, key points (one a line, ``name: alias, alias``),
    tags and difficulty; ``private_metadata`` carries the channel the command came from."""
    blocks: list[dict[str, Any]] = []
    for block_id, label, placeholder, multiline, optional, max_length in FORM_INPUTS:
        element: dict[str, Any] = {"type": "plain_text_input", "action_id": "value",
                                   "multiline": multiline, "max_length": max_length}
        if placeholder:
            element["placeholder"] = _plain(t(placeholder, language), 150)
        blocks.append({"type": "input", "block_id": block_id, "optional": optional,
                       "label": _plain(t(label, language), 2000), "element": element})
    options = [{"text": _plain(t(key, language), 75), "value": value} for value, key in DIFFICULTY_LABELS]
    blocks.append({"type": "input", "block_id": DIFFICULTY_BLOCK, "label": _plain(t("slack.form_difficulty", language), 2000),
                   "element": {"type": "static_select", "action_id": "value", "options": options,
                               "initial_option": options[1]}})
    return {
        "type": "modal",
        "callback_id": QUESTION_CALLBACK,
        "private_metadata": json.dumps({"channel": channel_id}),
        "title": _plain(t("slack.form_heading", language), MAX_MODAL_TITLE),
        "submit": _plain(t("slack.form_submit", language), MAX_MODAL_TITLE),
        "close": _plain(t("slack.form_close", language), MAX_MODAL_TITLE),
        "blocks": blocks,
    }


def submitted_form(view: Payload) -> QuestionForm:
    """The question typed into a submitted ``question_modal``."""
    values = view.get("state", {}).get("values", {})

    def text(block_id: str) -> str:
        value = (values.get(block_id) or {}).get("value", {}).get("value")
        return value if isinstance(value, str) else ""

    selected = ((values.get(DIFFICULTY_BLOCK) or {}).get("value", {}).get("selected_option") or {}).get("value")
    title, prompt = text("title"), text("prompt")
    return QuestionForm(
        title=title, prompt=prompt, answer=text("answer"), key_points=text("key_points"), tags=text("tags"),
        difficulty=selected if selected in DIFFICULTIES else "2",
        language="zh" if _CJK.search(title + prompt) else "en",
    )


def _plain(text: str, limit: int) -> dict[str, Any]:
    text = text if len(text) <= limit else text[:limit - 1] + "…"
    return {"type": "plain_text", "text": text or " ", "emoji": True}
