"""Packs managed from chat: an upload is linted before anything is stored, every instance
sees it, and each channel chooses which packs are in its rotation."""

from __future__ import annotations

from pathlib import Path

from bot.content.loader import local_id
from bot.core.packs import QuestionForm, owner_of

EXTRA_PACK = (Path(__file__).resolve().parents[1] / "data" / "team-extras.yaml").read_text(encoding="utf-8")


async def test_an_uploaded_pack_joins_the_rotation_on_every_instance(make_session, tmp_path: Path, database_url) -> None:
    one = await make_session(INTERVIEW_BOT_STORAGE__URL=database_url)
    two = await make_session(INTERVIEW_BOT_STORAGE__URL=database_url)
    upload = tmp_path / "extras.yaml"
    upload.write_text(EXTRA_PACK, encoding="utf-8")
    assert "Only admins" in await one.say(f"/as guest /upload {upload}")
    saved = await one.say(f"/upload {upload}")
    assert "Pack team-extras saved: 1 question(s)." in saved
    listed = await two.say("/interview packs list")  # the other instance reads it from the ledger
    assert "team-extras: Our own questions, 1 question(s), in rotation here" in listed
    assert "small: Small test pack, 3 question(s)" in listed
    await two.say("/interview schedule set 09:30 tags=rag")
    posted = await two.say("/interview question")
    assert "What is retrieval-augmented generation?" in posted
    await two.say("检索 and generation")
    assert "you: 2 of 2 key points" in await two.say("/interview reveal")


async def test_a_broken_upload_names_its_line_and_stores_nothing(make_session, tmp_path: Path) -> None:
    bot = await make_session()
    broken = tmp_path / "broken.yaml"
    broken.write_text(EXTRA_PACK.replace("    difficulty: 2\n", "    difficulty: seven\n"), encoding="utf-8")
    rejected = await bot.say(f"/upload {broken}")
    assert "Nothing was stored: broken.yaml has 1 error(s):" in rejected
    assert "broken.yaml:14: questions[0].difficulty: expected an integer from 1 to 3" in rejected
    assert await bot.core.repo.stored_packs() == []
    assert "team-extras" not in await bot.say("/interview packs list")


async def test_an_upload_may_not_take_a_shipped_pack_id_or_question_id(make_session, tmp_path: Path) -> None:
    bot = await make_session()
    clash = tmp_path / "clash.yaml"
    clash.write_text(EXTRA_PACK.replace("id: team-extras", "id: small"), encoding="utf-8")
    assert "belongs to a pack shipped with the bot" in await bot.say(f"/upload {clash}")
    clash.write_text(EXTRA_PACK.replace("id: rag-basics", "id: overfitting"), encoding="utf-8")
    assert "duplicate question id 'overfitting'" in await bot.say(f"/upload {clash}")
    assert await bot.core.repo.stored_packs() == []


async def test_disabled_packs_leave_the_channels_rotation(make_session, tmp_path: Path) -> None:
    bot = await make_session()
    upload = tmp_path / "extras.yaml"
    upload.write_text(EXTRA_PACK, encoding="utf-8")
    await bot.say(f"/upload {upload}")
    assert "Only admins" in await bot.say("/as guest /interview packs disable small")
    assert "Pack small is out of this channel's rotation." in await bot.say("/interview packs disable small")
    assert "small: Small test pack, 3 question(s), disabled here" in await bot.say("/interview packs list")
    assert "Unknown pack nope" in await bot.say("/interview packs disable nope")
    for _ in range(3):  # only the uploaded question is left, cycle after cycle
        assert "What is retrieval-augmented generation?" in await bot.say("/interview question")
    await bot.say("/interview packs enable small")
    for _ in range(3):
        await bot.say("/interview question")
    asked = {(await bot.core.repo.get_round(n)).question_id for n in range(4, 7)}
    assert asked == {"overfitting", "evaluation", "deployment"}  # the cycle resumes with what it lacked


async def test_a_question_typed_into_a_form_joins_the_workspace_pack(make_session) -> None:
    bot = await make_session()
    channel, admin = bot.app.console.channel, bot.app.console.actor
    form = QuestionForm(title="什么是 KV cache？", prompt="解释 KV cache 的作用。", answer="缓存注意力的键和值。",
                        key_points="键值缓存: KV cache, kv-cache\n显存: memory", tags="inference, LLM")
    saved = await bot.core.packs.add_question(channel, admin, form, "en")
    assert "Pack custom-console-local saved: 1 question(s)." in saved
    second = await bot.core.packs.add_question(channel, admin, QuestionForm(
        title="什么是 KV cache？", prompt="again", answer="a", key_points="x"), "en")
    assert "2 question(s)" in second
    pack = bot.core.bank.get_pack("custom-console-local", owner_of(channel))
    first_q, second_q = pack.questions
    assert local_id(first_q.id).startswith("kv-cache") and second_q.id == first_q.id + "-2"
    assert first_q.key_points[0].aliases == ("KV cache", "kv-cache") and first_q.tags == ("inference", "llm")
    invalid = await bot.core.packs.add_question(channel, admin, QuestionForm("t", "p", "a", "k", difficulty="5"), "en")
    assert invalid == "Nothing was stored: difficulty must be 1, 2 or 3."


async def test_an_answer_to_a_fresh_upload_reaching_another_instance_at_once_is_kept(
    make_session, tmp_path: Path, database_url
) -> None:
    one = await make_session(INTERVIEW_BOT_STORAGE__URL=database_url)
    two = await make_session(INTERVIEW_BOT_STORAGE__URL=database_url)
    await two.say("/interview help")  # instance two has just looked for new packs
    upload = tmp_path / "extras.yaml"
    upload.write_text(EXTRA_PACK, encoding="utf-8")
    await one.say(f"/upload {upload}")
    await one.say("/interview schedule set 09:30 tags=rag")
    assert "What is retrieval-augmented generation?" in await one.say("/interview question")
    await two.say("检索 then generation")  # well within a second of two's last look
    [reply] = await two.core.repo.replies_for_round(1)
    assert reply.covered == ("retrieval", "generation")
