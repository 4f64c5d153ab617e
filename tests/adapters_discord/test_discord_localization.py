"""The Discord interface in both languages: slash command descriptions and choice names
synced with Simplified Chinese localizations, and the adapter's own words (form labels,
the note under a question) taken from the catalogs in the person's or channel's language."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from bot.core.i18n import t
from bot.core.models import Subscription
from tests.adapters_discord.conftest import DiscordBot
from tests.fakes.discord_server import FakeUser

SUBCOMMAND, GROUP, ATTACHMENT = 1, 2, 11
MODAL = 9


def walk(options: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for option in options:
        yield option
        yield from walk(option.get("options", []))


async def test_commands_sync_with_simplified_chinese_descriptions_and_choice_names(bot: DiscordBot) -> None:
    [sync] = bot.fake.rest("PUT", r"/applications/\d+/commands")
    [interview] = sync.body

    assert interview["description"] == t("slash.interview", "en")
    assert interview["description_localizations"] == {"zh-CN": t("slash.interview", "zh")}
    options = list(walk(interview["options"]))
    assert len(options) > 40
    for option in options:
        chinese = option["description_localizations"]["zh-CN"]
        assert chinese and chinese != option["description"], option["name"]
        assert len(chinese) <= 100 and len(option["description"]) <= 100, option["name"]
        assert "zh-CN" not in (option.get("name_localizations") or {})  # names stay as /interview help shows them

    rating = next(o for o in options if o["name"] == "rating")
    assert [(c["name"], c["name_localizations"]["zh-CN"]) for c in rating["choices"]] == [
        ("Again", "重来"), ("Hard", "困难"), ("Good", "良好"), ("Easy", "简单")]
    packs = next(o for o in interview["options"] if o["name"] == "packs")
    assert packs["type"] == GROUP
    assert [o["name"] for o in packs["options"]] == ["list", "enable", "disable", "upload", "add"]
    upload = next(o for o in packs["options"] if o["name"] == "upload")
    [file_option] = upload["options"]
    assert file_option["type"] == ATTACHMENT and file_option["required"] is True
    assert file_option["description_localizations"]["zh-CN"] == t("slash.option_file", "zh")
    assert {"hint", "question", "answer"} <= {o["name"] for o in interview["options"] if o["type"] == SUBCOMMAND}


async def test_the_answer_form_speaks_the_language_a_person_chose(bot: DiscordBot, member: FakeUser) -> None:
    round_ = await bot.post_round()
    await bot.callback(await bot.fake.slash_command(bot.channel_id, member, "me lang", language="zh"))

    modal = await bot.callback(await bot.fake.press_button(
        int(round_.message.message_id), f"interview:answer_privately:{round_.id}", member))

    assert modal["type"] == MODAL
    [answer_input] = [c for row in modal["data"]["components"] for c in row["components"]]
    assert answer_input["label"] == "你的答案" and answer_input["placeholder"] == "揭晓之前其他人都看不到。"


async def test_the_question_form_follows_the_channels_language(bot: DiscordBot, admin: FakeUser) -> None:
    await bot.core.save_subscription(Subscription(bot.channel(), bot.settings.schedule.to_schedule(), language="zh"))

    modal = await bot.callback(await bot.fake.slash_command(bot.channel_id, admin, "packs add"))

    assert modal["data"]["title"] == "添加题目"
    labels = [c["label"] for row in modal["data"]["components"] for c in row["components"]]
    assert labels == ["标题", "题目", "参考答案", "要点（每行一个）", "标签"]


async def test_without_message_content_a_chinese_channels_post_carries_the_note_in_chinese(make_bot) -> None:  # type: ignore[no-untyped-def]
    first: DiscordBot = await make_bot(start=False)
    first.fake.allow_message_content = False
    bot: DiscordBot = await make_bot(INTERVIEW_BOT_DISCORD__MESSAGE_CONTENT_INTENT="false")
    await bot.core.save_subscription(Subscription(bot.channel(), bot.settings.schedule.to_schedule(), language="zh"))

    round_ = await bot.post_round()

    post = bot.fake.messages[int(round_.message.message_id)]
    assert post["embeds"][0]["description"].endswith(t("discord.intent_note", "zh"))
    assert bot.adapter is not None and bot.adapter.backfills.done == 0  # history has no text to read
