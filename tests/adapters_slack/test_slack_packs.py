"""Question packs managed from Slack, through the real bolt app over Socket Mode: a pack file
an admin shares with the bot (in a direct message, or in a channel mentioning it) is
downloaded with the bot token, linted and stored; a broken one is answered with its line and
nothing is stored; a member's file is refused without being downloaded; ``/interview packs
add`` opens the question modal and its submission adds the question; ``packs upload`` typed
explains how to share the file."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bot.core.packs import owner_of
from tests.adapters_slack.conftest import SlackBot

CHANNEL, MEMBER, ADMIN = "C0ROUNDS", "U0ANN", "U0BOSS"  # as the fake_slack fixture sets them up
ADMIN_DM, MEMBER_DM = "D0BOSS", "D0ANN"

TEAM_PACK = (Path(__file__).resolve().parents[1] / "data" / "team-extras.yaml").read_text(encoding="utf-8")


async def started(make_slack_bot: Any) -> SlackBot:
    bot = await make_slack_bot()
    for dm in (ADMIN_DM, MEMBER_DM):
        bot.fake.add_channel(dm)
    return bot


async def share(bot: SlackBot, user: str, *files: dict[str, Any], channel: str, text: str = "",
                ts: str = "1800000000.000100", **extra: Any) -> None:
    """``user`` shares ``files`` in ``channel`` (a direct message with the bot when it starts with D)."""
    await bot.event({"type": "message", "subtype": "file_share", "user": user, "text": text, "ts": ts,
                     "channel": channel, "channel_type": "im" if channel.startswith("D") else "channel",
                     "files": list(files), "upload": True, "display_as_bot": False, **extra})


def posted_texts(bot: SlackBot, channel: str) -> list[str]:
    return [c["text"] for c in bot.fake.calls_to("chat.postMessage") if c["channel"] == channel]


def ephemeral_texts(bot: SlackBot, user: str) -> list[str]:
    return [c["text"] for c in bot.fake.calls_to("chat.postEphemeral") if c["user"] == user]


def command_answers(bot: SlackBot) -> list[str]:
    return [c["text"] for c in bot.fake.calls_to("response_url:cmd")]


async def test_a_pack_shared_in_a_direct_message_is_stored_and_listed(make_slack_bot) -> None:
    bot = await started(make_slack_bot)
    file = bot.fake.host_file("extras.yaml", TEAM_PACK, user=ADMIN)

    await share(bot, ADMIN, file, channel=ADMIN_DM)

    [saved] = posted_texts(bot, ADMIN_DM)  # an ordinary message in the direct message
    assert saved.startswith("Pack team-extras saved: 1 question(s).")
    assert bot.fake.downloads == [(file["id"], True)]  # fetched once, with the bot token
    assert [p.pack_id for p in await bot.core.repo.stored_packs()] == ["team-extras"]
    [stored] = await bot.core.repo.stored_packs()
    assert stored.filename == "extras.yaml" and stored.uploaded_by == f"slack:{ADMIN}"

    await bot.command("packs list", user=ADMIN)
    [listed] = command_answers(bot)
    assert "team-extras: Our own questions, 1 question(s), in rotation here" in listed


async def test_a_broken_pack_shared_in_a_channel_gets_its_line_back_and_stores_nothing(make_slack_bot) -> None:
    bot = await started(make_slack_bot)
    broken = TEAM_PACK.replace("    difficulty: 2\n", "    difficulty: seven\n")
    file = bot.fake.host_file("broken.yml", broken, user=ADMIN)

    await share(bot, ADMIN, file, channel=CHANNEL, text=f"<@{bot.fake.bot_user_id}> our pack")

    [rejected] = ephemeral_texts(bot, ADMIN)  # only the admin sees it, in the channel
    assert "Nothing was stored: broken.yml has 1 error(s):" in rejected
    assert "broken.yml:14: questions[0].difficulty: expected an integer from 1 to 3" in rejected
    assert await bot.core.repo.stored_packs() == []
    assert posted_texts(bot, CHANNEL) == []  # nothing said in the channel for everyone


async def test_a_members_file_is_refused_without_being_downloaded(make_slack_bot) -> None:
    bot = await started(make_slack_bot)
    file = bot.fake.host_file("extras.yaml", TEAM_PACK, user=MEMBER)

    await share(bot, MEMBER, file, channel=MEMBER_DM)
    await share(bot, MEMBER, file, channel=CHANNEL, text=f"<@{bot.fake.bot_user_id}> please add",
                ts="1800000000.000200")

    assert posted_texts(bot, MEMBER_DM) == ["Only admins can use `/interview packs upload`."]
    assert ephemeral_texts(bot, MEMBER) == ["Only admins can use `/interview packs upload`."]
    assert bot.fake.downloads == [] and await bot.core.repo.stored_packs() == []


async def test_files_the_bot_is_not_given_are_left_alone(make_slack_bot) -> None:
    bot = await started(make_slack_bot)
    file = bot.fake.host_file("extras.yaml", TEAM_PACK, user=ADMIN)

    # In a channel without mentioning the bot; from another bot; from the bot itself.
    await share(bot, ADMIN, file, channel=CHANNEL, text="our pack")
    await share(bot, ADMIN, file, channel=ADMIN_DM, ts="1800000000.000200", bot_id="B0OTHER")
    await share(bot, bot.fake.bot_user_id, file, channel=ADMIN_DM, ts="1800000000.000300")

    assert bot.fake.downloads == [] and await bot.core.repo.stored_packs() == []
    assert bot.fake.calls_to("chat.postMessage") == [] and bot.fake.calls_to("chat.postEphemeral") == []


async def test_files_that_are_not_yaml_or_too_big_are_refused_before_downloading(make_slack_bot) -> None:
    bot = await started(make_slack_bot)
    text = bot.fake.host_file("extras.txt", TEAM_PACK, user=ADMIN)
    huge = bot.fake.host_file("huge.yaml", b"#" * (256 * 1024 + 1), user=ADMIN)
    lying = bot.fake.host_file("lying.yaml", b"#" * (256 * 1024 + 1), user=ADMIN, size=100)

    await share(bot, ADMIN, text, huge, channel=ADMIN_DM)
    await share(bot, ADMIN, lying, channel=ADMIN_DM, ts="1800000000.000200")

    assert posted_texts(bot, ADMIN_DM) == [
        "Nothing was stored: extras.txt is not a pack file (.yaml or .yml).",
        "Nothing was stored: huge.yaml is larger than 256 KB.",
        "Nothing was stored: lying.yaml is larger than 256 KB.",  # its download stopped at the cap
    ]
    assert bot.fake.downloads == [(lying["id"], True)]
    assert await bot.core.repo.stored_packs() == []


async def test_a_file_url_off_slack_never_gets_the_token(make_slack_bot) -> None:
    bot = await started(make_slack_bot)
    file = bot.fake.host_file("extras.yaml", TEAM_PACK, user=ADMIN)
    file["url_private_download"] = "https://attacker.example/extras.yaml"

    await share(bot, ADMIN, file, channel=ADMIN_DM)

    assert posted_texts(bot, ADMIN_DM) == [
        "Nothing was stored: extras.yaml could not be downloaded from Slack. Please try again."]
    assert await bot.core.repo.stored_packs() == []


def filled(view: dict[str, Any], difficulty: str, **texts: str) -> dict[str, Any]:
    values: dict[str, Any] = {block: {"value": {"type": "plain_text_input", "value": value}}
                              for block, value in texts.items()}
    values["difficulty"] = {"value": {"type": "static_select", "selected_option": {"value": difficulty}}}
    return {**view, "id": "V0FORM", "team_id": "T0TEAM", "state": {"values": values}}


async def submit_form(bot: SlackBot, view: dict[str, Any], user: str) -> None:
    body = {
        "type": "view_submission", "team": {"id": bot.team, "domain": "fake"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": bot.team},
        "api_app_id": "A0APP", "token": "legacy", "trigger_id": f"trig-{uuid.uuid4()}", "view": view,
    }
    await bot._deliver("interactive", body, urlencode({"payload": json.dumps(body)}).encode())


async def test_the_question_modal_adds_a_question_to_the_workspaces_own_pack(make_slack_bot) -> None:
    bot = await started(make_slack_bot)

    await bot.command("packs add", user=ADMIN)

    [opened] = bot.fake.calls_to("views.open")
    assert opened["trigger_id"].startswith("trig-")
    view = opened["view"]
    assert view["callback_id"] == "pack_question" and view["title"]["text"] == "Add a question"
    assert [b["block_id"] for b in view["blocks"]] == ["title", "prompt", "answer", "key_points", "tags",
                                                       "difficulty"]
    assert [b["optional"] for b in view["blocks"][:5]] == [False, False, False, False, True]
    assert view["blocks"][5]["element"]["initial_option"]["value"] == "2"
    assert command_answers(bot) == []

    await submit_form(bot, filled(
        view, "3", title="什么是 KV cache？", prompt="解释 KV cache 的作用。", answer="缓存注意力的键和值。",
        key_points="键值缓存: KV cache, kv-cache\n显存: memory", tags="inference, LLM"), ADMIN)

    [added] = ephemeral_texts(bot, ADMIN)
    assert added.startswith("Pack custom-slack-") and "saved: 1 question(s)." in added
    [pack] = [p for p in bot.core.bank.packs_for(owner_of(bot.channel)) if p.id.startswith("custom-slack-")]
    [question] = pack.questions
    assert question.title == "什么是 KV cache？" and question.difficulty == 3 and question.language == "zh"
    assert question.key_points[0].aliases == ("KV cache", "kv-cache") and question.tags == ("inference", "llm")
    assert [c["channel"] for c in bot.fake.calls_to("chat.postEphemeral")] == [CHANNEL]


async def test_members_get_no_modal_and_a_forged_submission_is_refused(make_slack_bot) -> None:
    bot = await started(make_slack_bot)

    await bot.command("packs add", user=MEMBER)
    assert bot.fake.calls_to("views.open") == []
    assert command_answers(bot) == ["Only admins can use `/interview packs add`."]

    await bot.command("packs add", user=ADMIN)
    [opened] = bot.fake.calls_to("views.open")
    await submit_form(bot, filled(opened["view"], "2", title="Sneaky", prompt="p", answer="a", key_points="k"),
                      MEMBER)

    assert ephemeral_texts(bot, MEMBER) == ["Only admins can use `/interview packs add`."]
    assert await bot.core.repo.stored_packs() == []


async def test_packs_upload_typed_explains_how_to_share_the_file(make_slack_bot) -> None:
    bot = await started(make_slack_bot)

    delivery = await bot.command("packs upload", user=ADMIN)

    assert delivery.acked_after < 3
    [answer] = command_answers(bot)
    assert "share the .yaml or .yml file" in answer and "direct message" in answer and "256 KB" in answer
    assert bot.fake.calls_to("chat.postMessage") == []
