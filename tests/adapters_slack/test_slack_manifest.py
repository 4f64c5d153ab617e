"""config/slack-manifest.yaml asks for exactly what the adapter uses: one scope per kind of
Web API call found in the adapter's source, the three message events (channels, private
channels, direct messages), reading shared files, /interview, interactivity, and Socket Mode."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
ADAPTER = ROOT / "bot" / "adapters" / "slack"

# Web API method (as slack_sdk names it) -> the bot scope it needs (None: no scope).
SCOPE_OF = {
    "auth_test": None,
    "apps_connections_open": None,  # the app-level token's connections:write, not a bot scope
    "views_open": None,
    "chat_postMessage": "chat:write",
    "chat_postEphemeral": "chat:write",
    "chat_update": "chat:write",
    "users_info": "users:read",
    "files_upload_v2": "files:write",
    "conversations_open": "im:write",
    # Reading a round's thread and the channel back (recovery, backfill); private channels
    # need groups:history as well, which the message.groups event already asks for.
    "conversations_history": "channels:history",
    "conversations_replies": "channels:history",
}
# Events the adapter listens to -> the scope each needs.
EVENT_SCOPES = {"message.channels": "channels:history", "message.groups": "groups:history",
                "message.im": "im:history"}
# Not a Web API call: downloading a shared file's url_private_download with the bot token.
DOWNLOAD_SCOPE = "files:read"


def test_the_manifest_asks_for_exactly_the_scopes_the_adapter_uses() -> None:
    manifest = yaml.safe_load((ROOT / "config" / "slack-manifest.yaml").read_text(encoding="utf-8"))
    source = "\n".join(p.read_text(encoding="utf-8") for p in ADAPTER.glob("*.py"))
    # Called directly (client.chat_update(...)) or handed to the dispatcher (client.chat_update,).
    called = set(re.findall(r"\.client\.([a-z]+_[A-Za-z0-9_]+)\s*[(,]", source))
    assert called, "no Web API calls found: the pattern no longer matches the adapter"
    unknown = called - SCOPE_OF.keys()
    assert not unknown, f"add the scope these calls need to SCOPE_OF and the manifest: {unknown}"

    events = manifest["settings"]["event_subscriptions"]["bot_events"]
    needed = {s for s in (SCOPE_OF[m] for m in called) if s} | {EVENT_SCOPES[e] for e in events} | {"commands"}
    if "url_private_download" in source:
        needed.add(DOWNLOAD_SCOPE)
    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == sorted(needed)
    assert set(events) == set(EVENT_SCOPES)
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == ["/interview"]
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["settings"]["socket_mode_enabled"] is True
    # People can only write to (and share files with) the bot when its Messages tab is on.
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True
    assert manifest["features"]["app_home"]["messages_tab_read_only_enabled"] is False
