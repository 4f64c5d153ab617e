"""Question packs managed from Discord: a pack file given to ``/interview packs upload``
(linted, stored, listed; a broken one answered with its line and nothing stored), the
``/interview packs add`` form, the per-channel choice of packs and hints — all admin
checks made on the server, through the fake Discord."""

from __future__ import annotations

from pathlib import Path

from bot.core.packs import owner_of
from tests.adapters_discord.conftest import DiscordBot
from tests.fakes.discord_server import FakeDiscord, FakeUser

EPHEMERAL = 64
MODAL = 9

TEAM_PACK = (Path(__file__).resolve().parents[1] / "data" / "team-extras.yaml").read_text(encoding="utf-8")


async def private_answer(bot: DiscordBot, interaction_id: int) -> str:
    """The text of the private answer to an interaction: its callback, or the followup
    after a deferral."""
    callback = await bot.callback(interaction_id)
    assert callback["data"]["flags"] & EPHEMERAL
    if callback["type"] == 5:  # deferred: the answer is a followup
        await bot.fake.wait_for(lambda: interaction_id in bot.fake.followups)
        return str(bot.fake.followups[interaction_id][0]["content"])
    return str(callback["data"]["content"])


async def test_an_uploaded_pack_is_stored_and_listed(bot: DiscordBot, admin: FakeUser) -> None:
    upload = bot.fake.attachment("extras.yaml", TEAM_PACK.encode())

    saved = await private_answer(bot, await bot.fake.slash_command(bot.channel_id, admin, "packs upload",
                                                                   file=upload))

    assert saved.startswith("Pack team-extras saved: 1 question(s).")
    assert [p.pack_id for p in await bot.core.repo.stored_packs()] == ["team-extras"]
    assert bot.fake.downloads == [upload.url.split(str(bot.fake.port), 1)[1]]
    listed = await private_answer(bot, await bot.fake.slash_command(bot.channel_id, admin, "packs list"))
    assert "team-extras: Our own questions, 1 question(s), in rotation here" in listed


async def test_a_broken_upload_is_answered_with_its_line_and_stores_nothing(bot: DiscordBot, admin: FakeUser) -> None:
    broken = TEAM_PACK.replace("    difficulty: 2\n", "    difficulty: seven\n")
    upload = bot.fake.attachment("broken.yml", broken.encode())

    rejected = await private_answer(bot, await bot.fake.slash_command(bot.channel_id, admin, "packs upload",
                                                                      file=upload))

    assert "Nothing was stored: broken.yml has 1 error(s):" in rejected
    assert "broken.yml:14: questions[0].difficulty: expected an integer from 1 to 3" in rejected
    assert await bot.core.repo.stored_packs() == []


async def test_a_member_without_manage_server_cannot_upload_and_nothing_is_downloaded(
    bot: DiscordBot, member: FakeUser
) -> None:
    upload = bot.fake.attachment("extras.yaml", TEAM_PACK.encode())

    refused = await private_answer(bot, await bot.fake.slash_command(bot.channel_id, member, "packs upload",
                                                                     file=upload))

    assert "Only admins" in refused
    assert bot.fake.downloads == [] and await bot.core.repo.stored_packs() == []


async def test_files_that_are_not_yaml_or_too_big_are_refused_before_downloading(
    bot: DiscordBot, admin: FakeUser
) -> None:
    text = bot.fake.attachment("extras.txt", TEAM_PACK.encode(), content_type="text/plain")
    huge = bot.fake.attachment("huge.yaml", b"#" * (256 * 1024 + 1))

    not_yaml = await private_answer(bot, await bot.fake.slash_command(bot.channel_id, admin, "packs upload",
                                                                      file=text))
    too_big = await private_answer(bot, await bot.fake.slash_command(bot.channel_id, admin, "packs upload",
                                                                     file=huge))

    assert not_yaml == "Nothing was stored: extras.txt is not a pack file (.yaml or .yml)."
    assert too_big == "Nothing was stored: huge.yaml is larger than 256 KB."
    assert bot.fake.downloads == [] and await bot.core.repo.stored_packs() == []


async def test_the_question_form_adds_a_question_to_the_servers_own_pack(bot: DiscordBot, admin: FakeUser) -> None:
    opened = await bot.callback(await bot.fake.slash_command(bot.channel_id, admin, "packs add", difficulty=3))

    assert opened["type"] == MODAL and opened["data"]["custom_id"] == "interview:question_modal:3:auto"
    inputs = [c for row in opened["data"]["components"] for c in row["components"]]
    assert [i["custom_id"] for i in inputs] == ["title", "prompt", "answer", "key_points", "tags"]
    assert [i["required"] for i in inputs] == [True, True, True, True, False]

    added = await private_answer(bot, await bot.fake.submit_modal(
        bot.channel_id, admin, opened["data"]["custom_id"], title="什么是 KV cache？",
        prompt="解释 KV cache 的作用。", answer="缓存注意力的键和值。",
        key_points="键值缓存: KV cache, kv-cache\n显存: memory", tags="inference, LLM"))

    pack_id = f"custom-discord-{bot.guild_id}"
    assert added.startswith(f"Pack {pack_id} saved: 1 question(s).")
    [question] = bot.core.bank.get_pack(pack_id, owner_of(bot.channel())).questions
    assert question.title == "什么是 KV cache？" and question.difficulty == 3 and question.language == "zh"
    assert question.key_points[0].aliases == ("KV cache", "kv-cache") and question.tags == ("inference", "llm")


async def test_members_get_no_form_and_a_form_sent_without_it_is_refused(
    bot: DiscordBot, member: FakeUser
) -> None:
    refused = await private_answer(bot, await bot.fake.slash_command(bot.channel_id, member, "packs add"))
    assert "Only admins" in refused

    forged = await private_answer(bot, await bot.fake.submit_modal(
        bot.channel_id, member, "interview:question_modal:2:en", title="Sneaky", prompt="p", answer="a",
        key_points="k"))

    assert "Only admins" in forged
    assert await bot.core.repo.stored_packs() == []


async def test_packs_are_chosen_per_channel_with_the_pack_ids_suggested(
    bot: DiscordBot, admin: FakeUser, member: FakeUser
) -> None:
    suggested = await bot.callback(await bot.fake.slash_command(bot.channel_id, admin, "packs disable",
                                                                focused="pack", pack="sm"))
    assert [c["value"] for c in suggested["data"]["choices"]] == ["small"]

    refused = await private_answer(bot, await bot.fake.slash_command(bot.channel_id, member, "packs disable",
                                                                     pack="small"))
    assert "Only admins" in refused
    disabled = await private_answer(bot, await bot.fake.slash_command(bot.channel_id, admin, "packs disable",
                                                                      pack="small"))
    assert disabled == "Pack small is out of this channel's rotation."
    assert await bot.core.repo.disabled_packs(bot.channel()) == {"small"}

    enabled = await private_answer(bot, await bot.fake.slash_command(bot.channel_id, admin, "packs enable",
                                                                     pack="small"))
    assert enabled == "Pack small is in this channel's rotation."
    assert await bot.core.repo.disabled_packs(bot.channel()) == set()


async def test_a_hint_names_the_next_key_point_privately(bot: DiscordBot, member: FakeUser) -> None:
    round_ = await bot.post_round()
    question = bot.core.bank.get(round_.question_id)

    hint = await private_answer(bot, await bot.fake.slash_command(bot.channel_id, member, "hint"))

    assert hint == f"Hint 1 of {len(question.key_points)}: {question.key_points[0].name}"
    assert await bot.core.repo.hints_for_round(round_.id) == {f"discord:{member.id}": 1}


async def test_a_pack_belongs_to_its_server_and_another_servers_pack_of_that_id_stays_apart(
    make_bot, fake_discord: FakeDiscord, admin: FakeUser
) -> None:
    other = fake_discord.add_guild("Other group", channels=1)
    other_id = int(other["id"])
    other_channel = fake_discord.channel_ids(other_id)[0]
    chief = fake_discord.add_member(other_id, "Chief", admin=True)
    bot = await make_bot()

    async def ask(channel_id: int, user: FakeUser, path: str, **options: object) -> str:
        return await private_answer(bot, await bot.fake.slash_command(channel_id, user, path, **options))

    ours = bot.fake.attachment("extras.yaml", TEAM_PACK.encode())
    assert (await ask(bot.channel_id, admin, "packs upload", file=ours)).startswith("Pack team-extras saved")
    suggested = await bot.callback(await bot.fake.slash_command(other_channel, chief, "packs disable",
                                                                focused="pack", pack="team"))
    assert suggested["data"]["choices"] == []  # not this server's pack
    tags = await bot.callback(await bot.fake.slash_command(other_channel, chief, "schedule set",
                                                           focused="tags", tags="rag"))
    assert tags["data"]["choices"] == []
    assert "team-extras" not in await ask(other_channel, chief, "packs list")

    theirs = bot.fake.attachment("theirs.yaml", TEAM_PACK.replace("Our own questions", "Their questions").encode())
    assert (await ask(other_channel, chief, "packs upload", file=theirs)).startswith("Pack team-extras saved")
    assert "team-extras: Their questions" in await ask(other_channel, chief, "packs list")
    assert "team-extras: Our own questions" in await ask(bot.channel_id, admin, "packs list")
    assert len(await bot.core.repo.stored_packs()) == 2
    suggested = await bot.callback(await bot.fake.slash_command(other_channel, chief, "packs disable",
                                                                focused="pack", pack="team"))
    assert [c["value"] for c in suggested["data"]["choices"]] == ["team-extras"]
    tags = await bot.callback(await bot.fake.slash_command(other_channel, chief, "schedule set",
                                                           focused="tags", tags="rag"))
    assert [c["value"] for c in tags["data"]["choices"]] == ["rag"]
