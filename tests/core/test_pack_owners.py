"""Uploaded packs belong to the workspace or server that uploaded them: another owner's pack
of the same id neither replaces them nor shows in their channels; an upload is checked and
saved in one transaction, so uploads and form adds at the same moment cannot clash or lose
a question; a stored pack that clashes anyway is left out and logged, and the bot goes on."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from pathlib import Path

import pytest

from bot.content.loader import local_id
from bot.core import packs
from bot.core.models import Actor, ChannelRef, StoredPack, UserRef
from bot.core.packs import QuestionForm, owner_of
from bot.core.ports import CommandInvoked, PackUploaded

EXTRA_PACK = (Path(__file__).resolve().parents[1] / "data" / "team-extras.yaml").read_text(encoding="utf-8")
# The same pack id and question id, with another question, as another workspace writes it.
THEIR_PACK = (EXTRA_PACK.replace("title: Our own questions", "title: Their own questions")
              .replace("What is retrieval-augmented generation?", "What is RAG, in their words?"))

ELSEWHERE = ChannelRef("console", "elsewhere", "general")
ELSEWHERE_ADMIN = Actor(UserRef("console", "elsewhere", "boss"), "boss", is_admin=True)
THIRD = ChannelRef("console", "third", "general")
THIRD_ADMIN = Actor(UserRef("console", "third", "chief"), "chief", is_admin=True)


async def say(bot, channel: ChannelRef, actor: Actor, text: str) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(r.message.text for r in await bot.core.handle(CommandInvoked(channel, actor, text)))


async def upload(bot, channel: ChannelRef, actor: Actor, text: str, filename: str = "pack.yaml") -> str:  # type: ignore[no-untyped-def]
    return "\n".join(r.message.text for r in await bot.core.handle(PackUploaded(channel, actor, filename, text)))


def pack_with(pack_id: str, question_id: str) -> str:
    return EXTRA_PACK.replace("id: team-extras", f"id: {pack_id}").replace("id: rag-basics", f"id: {question_id}")


async def test_another_workspaces_pack_of_the_same_id_neither_replaces_it_nor_shows_there(
    make_session, tmp_path: Path
) -> None:
    bot = await make_session()
    here, admin = bot.app.console.channel, bot.app.console.actor
    ours = tmp_path / "extras.yaml"
    ours.write_text(EXTRA_PACK, encoding="utf-8")
    assert "Pack team-extras saved" in await bot.say(f"/upload {ours}")
    assert "Pack team-extras saved" in await upload(bot, ELSEWHERE, ELSEWHERE_ADMIN, THEIR_PACK)

    assert len(await bot.core.repo.stored_packs()) == 2  # each owner's own, neither replaced
    assert "team-extras: Our own questions, 1 question(s)" in await bot.say("/interview packs list")
    assert "team-extras: Their own questions, 1 question(s)" in await say(bot, ELSEWHERE, ELSEWHERE_ADMIN,
                                                                          "packs list")
    listed_third = await say(bot, THIRD, THIRD_ADMIN, "packs list")
    assert "team-extras" not in listed_third and "small: Small test pack" in listed_third
    assert "Unknown pack team-extras" in await say(bot, THIRD, THIRD_ADMIN, "packs disable team-extras")
    assert bot.core.packs.tags(THIRD) == bot.core.bank.all_tags() and "rag" not in bot.core.packs.tags(THIRD)
    assert "rag" in bot.core.packs.tags(here) and "team-extras" in bot.core.packs.pack_ids(ELSEWHERE)

    # Each owner's rotation asks its own question under its own id; a third one never sees either.
    await bot.say("/interview schedule set 09:30 tags=rag")
    assert "What is retrieval-augmented generation?" in await bot.say("/interview question")
    await say(bot, ELSEWHERE, ELSEWHERE_ADMIN, "schedule set 09:30 tags=rag")
    theirs = await bot.core.start_round(ELSEWHERE)
    ours_round = await bot.core.repo.current_round(here)
    assert bot.core.bank.get(theirs.question_id).title == "What is RAG, in their words?"
    assert theirs.question_id != ours_round.question_id
    assert local_id(theirs.question_id) == local_id(ours_round.question_id) == "rag-basics"
    await say(bot, THIRD, THIRD_ADMIN, "schedule set 09:30 tags=rag")
    assert await bot.core.start_round(THIRD) is None
    assert await bot.core.study.start(THIRD, THIRD_ADMIN, ("rag",), 1, 5, "en") == (
        "No question matches the tags (rag).")

    # Practice: a card for another owner's question is not offered where that owner is not.
    person = UserRef("console", "third", "you")
    await bot.core.learning.rate(person, ours_round.question_id, 1)
    bot.clock.advance(timedelta(days=1))  # the card is overdue: first choice where it is seen
    picked, _due = await bot.core.learning.most_due(person, owner_of(THIRD))
    assert picked.id != ours_round.question_id and bot.core.bank.sees(owner_of(THIRD), picked.id)
    picked_here, due = await bot.core.learning.most_due(person, owner_of(here))
    assert picked_here.id == ours_round.question_id and due is not None

    # The owner may replace its own pack.
    assert "Pack team-extras saved" in await upload(bot, ELSEWHERE, ELSEWHERE_ADMIN,
                                                    THEIR_PACK.replace("Their own", "Their newer"))
    assert "Their newer questions" in await say(bot, ELSEWHERE, ELSEWHERE_ADMIN, "packs list")
    assert "Our own questions" in await bot.say("/interview packs list")
    assert len(await bot.core.repo.stored_packs()) == 2
    assert admin.is_admin


async def test_two_uploads_at_once_with_clashing_question_ids_store_one_and_tell_the_other(
    make_session, database_url: str
) -> None:
    one = await make_session(INTERVIEW_BOT_STORAGE__URL=database_url)
    two = await make_session(INTERVIEW_BOT_STORAGE__URL=database_url)
    channel, admin = one.app.console.channel, one.app.console.actor
    answers = await asyncio.gather(
        upload(one, channel, admin, pack_with("alpha", "shared-q"), "alpha.yaml"),
        upload(two, channel, admin, pack_with("beta", "shared-q"), "beta.yaml"),
        upload(one, channel, admin, pack_with("gamma", "shared-q"), "gamma.yaml"),
    )
    saved = [a for a in answers if "saved" in a]
    refused = [a for a in answers if "Nothing was stored: duplicate question id 'shared-q'" in a]
    assert len(saved) == 1 and len(refused) == 2
    assert len(await one.core.repo.stored_packs()) == 1
    for bot in (one, two):
        await bot.core.packs.refresh()  # does not raise
        assert len(bot.core.bank.filter((), owner=owner_of(channel))) == 4  # three shipped, one uploaded
    await two.say("/interview schedule set 09:30 tags=rag")
    assert "What is retrieval-augmented generation?" in await two.say("/interview question")


async def test_an_upload_may_reuse_ids_of_another_owner_but_not_clash_within_its_own(make_session) -> None:
    bot = await make_session()
    channel, admin = bot.app.console.channel, bot.app.console.actor
    assert "saved" in await upload(bot, channel, admin, pack_with("alpha", "q1"))
    assert "saved" in await upload(bot, ELSEWHERE, ELSEWHERE_ADMIN, pack_with("beta", "q1"))
    assert "duplicate question id 'q1'" in await upload(bot, channel, admin, pack_with("gamma", "q1"))
    assert "saved" in await upload(bot, channel, admin, pack_with("alpha", "q1"))  # replacing its own pack
    long_id = "q" * (packs.MAX_ID_LENGTH + 1)
    assert "questions[0].id: at most 64 characters" in await upload(bot, channel, admin, pack_with("delta", long_id))
    assert "belongs to a pack shipped with the bot" in await upload(bot, ELSEWHERE, ELSEWHERE_ADMIN,
                                                                    pack_with("small", "q9"))
    assert "duplicate question id 'overfitting'" in await upload(bot, ELSEWHERE, ELSEWHERE_ADMIN,
                                                                 pack_with("epsilon", "overfitting"))
    assert sorted((s.owner_workspace, s.pack_id) for s in await bot.core.repo.stored_packs()) == [
        ("elsewhere", "beta"), ("local", "alpha")]


async def test_a_stored_pack_that_clashes_is_left_out_and_logged_and_the_bot_goes_on(
    make_session, caplog: pytest.LogCaptureFixture
) -> None:
    bot = await make_session()

    def stored(pack_id: str, question_id: str):  # type: ignore[no-untyped-def]
        async def write(_rows: list[StoredPack]) -> StoredPack:  # no check: as an older version wrote it
            return StoredPack(pack_id, "t", pack_with(pack_id, question_id), f"{pack_id}.yaml", "console:you",
                              bot.clock.now())
        return write

    await bot.core.repo.save_pack("", "", stored("old-one", "legacy-q"))
    await bot.core.repo.save_pack("", "", stored("old-two", "legacy-q"))  # the same question id, shared
    await bot.core.repo.save_pack("console", "local", stored("mine", "overfitting"))  # a shipped question's id
    with caplog.at_level(logging.ERROR, logger="bot.core.packs"):
        listed = await bot.say("/interview packs list")
    assert "old-one" in listed and "old-two" not in listed and "mine" not in listed
    logged = [r.getMessage() for r in caplog.records]
    assert any("old-two" in m and "duplicate question id 'legacy-q'" in m for m in logged)
    assert any("mine" in m and "duplicate question id 'overfitting'" in m for m in logged)
    assert "[#console] bot" in await bot.say("/interview question")  # still posting


async def test_questions_added_through_the_form_at_once_are_all_kept(make_session, database_url: str) -> None:
    bot = await make_session(INTERVIEW_BOT_STORAGE__URL=database_url)
    channel, admin = bot.app.console.channel, bot.app.console.actor
    forms = [QuestionForm(title=f"Question {n}", prompt="p", answer="a", key_points="k") for n in range(3)]
    forms.append(QuestionForm(title="Question 0", prompt="again", answer="a", key_points="k"))
    answers = await asyncio.gather(*(bot.core.packs.add_question(channel, admin, form, "en") for form in forms))
    assert all("Pack custom-console-local saved" in a for a in answers)
    pack = bot.core.bank.get_pack("custom-console-local", owner_of(channel))
    assert sorted(local_id(q.id) for q in pack.questions) == ["question-0", "question-0-2", "question-1",
                                                              "question-2"]


async def test_questions_added_on_two_instances_at_once_are_all_kept(make_session, postgres_url: str) -> None:
    one = await make_session(INTERVIEW_BOT_STORAGE__URL=postgres_url)
    two = await make_session(INTERVIEW_BOT_STORAGE__URL=postgres_url)
    channel, admin = one.app.console.channel, one.app.console.actor
    answers = await asyncio.gather(*(
        bot.core.packs.add_question(channel, admin, QuestionForm(title=f"Q {bot_n} {n}", prompt="p", answer="a",
                                                                 key_points="k"), "en")
        for n in range(3) for bot_n, bot in enumerate((one, two))
    ))
    assert all("saved" in a for a in answers)
    await one.core.packs.refresh()
    pack = one.core.bank.get_pack("custom-console-local", owner_of(channel))
    assert len(pack.questions) == 6


async def test_only_an_admin_adds_a_question_whatever_the_adapter_checked(make_session) -> None:
    bot = await make_session()
    guest = Actor(UserRef("console", "local", "guest"), "guest", is_admin=False)
    form = QuestionForm(title="Sneaky", prompt="p", answer="a", key_points="k")
    answer = await bot.core.packs.add_question(bot.app.console.channel, guest, form, "en")
    assert answer == "Only admins can use `/interview packs add`."
    assert await bot.core.repo.stored_packs() == []


async def test_form_fields_are_bounded_and_a_generated_id_is_at_most_64_characters(make_session) -> None:
    bot = await make_session()
    channel, admin = bot.app.console.channel, bot.app.console.actor
    for field, limit in packs.FORM_LIMITS.items():
        values = {"title": "t", "prompt": "p", "answer": "a", "key_points": "k", field: "x" * (limit + 1)}
        answer = await bot.core.packs.add_question(channel, admin, QuestionForm(**values), "en")
        assert answer == f"Nothing was stored: {field} is longer than {limit} characters."
    assert await bot.core.repo.stored_packs() == []
    long_title = "word " * 40  # 200 characters, a 159-character slug
    for _ in range(2):
        await bot.core.packs.add_question(channel, admin, QuestionForm(long_title, "p", "a", "k"), "en")
    pack = bot.core.bank.get_pack("custom-console-local", owner_of(channel))
    ids = [local_id(q.id) for q in pack.questions]
    assert all(len(i) <= 64 for i in ids) and ids[1] == ids[0][:62].rstrip("-") + "-2"


async def test_a_pack_check_that_takes_too_long_is_refused_with_an_answer(
    make_session, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = await make_session()
    monkeypatch.setattr(packs, "PACK_CHECK_SECONDS", 0.001)
    question = EXTRA_PACK.split("questions:\n", 1)[1]
    big = "id: big\ntitle: Big\nquestions:\n" + "".join(
        question.replace("id: rag-basics", f"id: q{n}") for n in range(400))
    answer = await upload(bot, bot.app.console.channel, bot.app.console.actor, big, "big.yaml")
    assert answer == "Nothing was stored: checking big.yaml took too long. Split it into smaller packs."
    assert await bot.core.repo.stored_packs() == []


async def test_packs_stored_before_owners_stay_shared_and_a_workspace_can_take_one_over(
    make_session, database_url: str
) -> None:
    from alembic import command
    from sqlalchemy import text

    from bot.storage.db import alembic_config, open_engine

    engine = open_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(lambda c: command.upgrade(alembic_config(c), "0006"))
            for pack_id, source in (("team-extras", EXTRA_PACK), ("custom-console-local", pack_with("x", "old-q"))):
                await connection.execute(text(
                    "INSERT INTO packs (pack_id, title, source, filename, uploaded_by, uploaded_at, revision) "
                    "VALUES (:pack_id, 't', :source, 'p.yaml', 'console:you', '2026-03-01 09:00:00', 1)"),
                    {"pack_id": pack_id, "source": source.replace("id: x\n", f"id: {pack_id}\n")})
    finally:
        await engine.dispose()
    bot = await make_session(INTERVIEW_BOT_STORAGE__URL=database_url)  # migrates to the newest revision
    stored = await bot.core.repo.stored_packs()
    assert {(s.owner_platform, s.owner_workspace) for s in stored} == {("", "")}
    # Shared: every workspace sees them, under the ids rounds and cards already name.
    for channel, actor in ((bot.app.console.channel, bot.app.console.actor), (ELSEWHERE, ELSEWHERE_ADMIN)):
        listed = await say(bot, channel, actor, "packs list")
        assert "team-extras: Our own questions" in listed and "custom-console-local" in listed
    assert bot.core.bank.get("rag-basics").title == "What is retrieval-augmented generation?"
    # Nobody can replace a shared pack for others; a workspace's own pack of that id takes its place there.
    form = QuestionForm(title="New one", prompt="p", answer="a", key_points="k")
    assert "2 question(s)" in await bot.core.packs.add_question(bot.app.console.channel, bot.app.console.actor,
                                                               form, "en")
    mine = bot.core.bank.get_pack("custom-console-local", owner_of(bot.app.console.channel))
    assert [local_id(q.id) for q in mine.questions] == ["old-q", "new-one"]
    assert len(bot.core.bank.get_pack("custom-console-local", owner_of(ELSEWHERE)).questions) == 1
    assert bot.core.bank.get("old-q") is not None  # what older rounds name is still there
