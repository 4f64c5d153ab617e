"""The invite link and its permissions, ``interview-bot discord invite-url``, the rendering
of long messages, and private messages outside interactions (DMs)."""

from __future__ import annotations

import argparse
import asyncio
import io
from urllib.parse import parse_qs, urlsplit

from bot.adapters.discord.invite import (
    add_discord_parser,
    invite_url,
    run_discord_command,
)
from bot.adapters.discord.render import CONTENT_LIMIT, EMBED_DESCRIPTION_LIMIT, render
from bot.config import Secrets, load_settings
from bot.core.messages import Button, Message, MessageKind
from bot.core.models import UserRef
from tests.adapters_discord.conftest import DiscordBot
from tests.fakes.discord_server import FakeDiscord, FakeUser

VIEW_CHANNEL, SEND_MESSAGES, EMBED_LINKS, READ_MESSAGE_HISTORY = 1 << 10, 1 << 11, 1 << 14, 1 << 16
CREATE_PUBLIC_THREADS, SEND_MESSAGES_IN_THREADS = 1 << 35, 1 << 38


def test_the_invite_url_asks_for_the_commands_scope_and_exactly_the_permissions_used() -> None:
    query = parse_qs(urlsplit(invite_url(123456789012345678)).query)

    assert query["client_id"] == ["123456789012345678"]
    assert query["scope"] == ["bot applications.commands"]
    assert int(query["permissions"][0]) == (VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | READ_MESSAGE_HISTORY
                                            | CREATE_PUBLIC_THREADS | SEND_MESSAGES_IN_THREADS)


def _invite_args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="interview-bot")
    add_discord_parser(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(["discord", "invite-url", *argv])


def test_invite_url_command_prints_the_link_for_a_given_application_id() -> None:
    out = io.StringIO()

    code = run_discord_command(_invite_args("--application-id", "42"), load_settings(env={}), Secrets(), out)

    assert code == 0 and out.getvalue().startswith(invite_url(42) + "\n")


def test_invite_url_command_without_id_or_token_explains_what_to_give() -> None:
    out = io.StringIO()
    assert run_discord_command(_invite_args(), load_settings(env={}), Secrets(), out) == 2
    assert "--application-id" in out.getvalue()


async def test_invite_url_command_looks_the_application_up_with_the_token(fake_discord: FakeDiscord) -> None:
    settings = load_settings(env={"INTERVIEW_BOT_DISCORD__API_BASE_URL": fake_discord.api_url})
    out = io.StringIO()

    code = await asyncio.to_thread(run_discord_command, _invite_args(), settings,
                                   Secrets(discord_token=fake_discord.token), out)

    assert code == 0 and invite_url(fake_discord.application_id) in out.getvalue()


def test_a_long_summary_is_split_within_discord_limits_with_the_buttons_under_the_last_part() -> None:
    line = "• someone: 2 of 3 key points " + "x" * 70
    message = Message(text="\n".join([line] * 200), title="Who answered", kind=MessageKind.SUMMARY,
                      buttons=(Button("rate", "Good", "7:3"),))

    parts = render(message)

    assert len(parts) > 1
    assert all(len(p.embeds[0].description or "") <= EMBED_DESCRIPTION_LIMIT for p in parts)
    assert "".join((p.embeds[0].description or "") + "\n" for p in parts).strip() == message.text
    assert parts[0].embeds[0].title == "Who answered" and all(not p.buttons for p in parts[:-1])
    assert parts[-1].buttons == message.buttons


def test_a_short_notice_stays_plain_text() -> None:
    [part] = render(Message(text="Posted round 3."))
    assert part.content == "Posted round 3." and part.embeds == []
    assert all(len(p.content or "") <= CONTENT_LIMIT for p in render(Message(text="y" * 5000)))


async def test_a_private_message_outside_an_interaction_is_a_dm(bot: DiscordBot, member: FakeUser) -> None:
    assert bot.adapter is not None
    user = UserRef("discord", str(bot.guild_id), str(member.id))

    await bot.adapter.send_private(bot.channel(), user, Message(text="Just for you"))

    [open_dm] = bot.fake.rest("POST", "/users/@me/channels")
    assert int(open_dm.body["recipient_id"]) == member.id
    [send] = bot.fake.rest("POST", r"/channels/\d+/messages")
    assert send.path != f"/channels/{bot.channel_id}/messages"
    assert send.body["content"] == "Just for you" and send.body["allowed_mentions"]["parse"] == []
