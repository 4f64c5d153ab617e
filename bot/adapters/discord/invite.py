"""``interview-bot discord invite-url``: the link that adds the bot to a server with exactly
the permissions it uses, computed from named permission bits rather than a magic number.
Light on purpose: no discord.py, so the CLI starts fast.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any, TextIO
from urllib.parse import urlencode

import aiohttp

from bot.config import Secrets, Settings

AUTHORIZE_URL = "https://discord.com/oauth2/authorize"
SCOPES = ("bot", "applications.commands")

#: Each permission the bot uses, as Discord's bit, and what it is for; nothing else is asked.
PERMISSIONS_USED = {
    "View Channels": (1 << 10, "see the channels it posts in"),
    "Send Messages": (1 << 11, "post the daily question"),
    "Embed Links": (1 << 14, "show questions, reveals and summaries as embeds"),
    "Read Message History": (1 << 16, "start a thread from its own question post"),
    "Create Public Threads": (1 << 35, "open the answer thread on each question"),
    "Send Messages in Threads": (1 << 38, "post the reveal and the summary in the thread"),
}


def bot_permissions() -> int:
    value = 0
    for bit, _why in PERMISSIONS_USED.values():
        value |= bit
    return value


def invite_url(application_id: int) -> str:
    query = {"client_id": str(application_id), "scope": " ".join(SCOPES), "permissions": str(bot_permissions())}
    return f"{AUTHORIZE_URL}?{urlencode(query)}"


def add_discord_parser(subparsers: Any) -> None:
    """Add ``discord invite-url [--application-id ID]`` to the CLI's subcommands."""
    discord_parser = subparsers.add_parser("discord", help="Discord set-up helpers")
    actions = discord_parser.add_subparsers(dest="discord_command", required=True)
    invite = actions.add_parser(
        "invite-url",
        help="print the link that adds the bot to a server with the permissions it needs",
        description="Print the OAuth2 link that adds the bot (with its slash commands) to a server. "
        "The application id is read from Discord with DISCORD_TOKEN unless given.",
    )
    invite.add_argument("--application-id", type=int, metavar="ID",
                        help="the Application ID from the developer portal's General Information page")


def run_discord_command(args: argparse.Namespace, settings: Settings, secrets: Secrets, out: TextIO) -> int:
    if args.discord_command != "invite-url":
        raise AssertionError(f"unknown discord command {args.discord_command}")
    application_id = args.application_id
    if application_id is None:
        if not secrets.discord_token:
            out.write("interview-bot: give --application-id ID, or set DISCORD_TOKEN so it can be looked up\n")
            return 2
        try:
            application_id = asyncio.run(fetch_application_id(settings.discord.api_base_url, secrets.discord_token))
        except (TimeoutError, aiohttp.ClientError, LookupError) as exc:
            out.write(f"interview-bot: could not look up the application id ({exc}); give --application-id ID\n")
            return 2
    out.write(invite_url(application_id) + "\n")
    out.write("Permissions: " + ", ".join(PERMISSIONS_USED) + "\n")
    return 0


async def fetch_application_id(api_base_url: str, token: str) -> int:
    """The id of the application the bot token belongs to."""
    timeout = aiohttp.ClientTimeout(total=15)
    url = f"{api_base_url.rstrip('/')}/oauth2/applications/@me"
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.get(url, headers={"Authorization": f"Bot {token}"}) as response,
    ):
        if response.status != 200:
            raise LookupError(f"Discord answered {response.status}")
        data = json.loads(await response.text())
    return int(data["id"])
