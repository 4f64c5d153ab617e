"""Bilingual packs (issue 13): texts in zh and en, grading in either language, display in the
channel's language, and the lint checks that catch bad content, each failing on a bad example
and passing on a good one."""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest

from bot.content.checks import SAME_TEXT
from bot.content.cli import add_content_parser, run_content_command
from bot.content.errors import ContentError, ContentErrors
from bot.content.importer import dump_pack
from bot.content.lint import lint_paths
from bot.content.loader import SHIPPED_LANGUAGES, load_bank, load_pack, load_pack_text
from bot.content.matching import KeywordGrader
from bot.core.models import ChannelRef, Reply, Round, RoundStatus, UserRef
from bot.core.views import practice_result_message, question_message, reveal_message, summary_message, thread_name

ROOT = Path(__file__).resolve().parents[2]
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

PACK = """\
id: ml-fundamentals
title:
  zh: 机器学习基础
  en: Machine learning fundamentals
description:
  zh: 偏差与方差。
  en: Bias and variance.
questions:
  - id: mlf-bias-variance
    title:
      zh: 什么是偏差-方差权衡？
      en: What is the bias-variance trade-off?
    prompt:
      zh: 解释偏差和方差分别指什么，以及如何诊断。
      en: Explain what bias and variance are, and how you diagnose each.
    answer:
      zh: |-
        - **偏差**：模型假设太简单，训练误差也高。
        - **方差**：模型对训练集太敏感，验证误差远高于训练误差。
      en: |-
        - **Bias**: the model's assumptions are too simple; training error is high too.
        - **Variance**: the model is too sensitive to the training set; validation error is far above training error.
    key_points:
      - name:
          zh: 偏差
          en: Bias
        aliases: [欠拟合, underfitting]
        detail:
          zh: 系统性误差。
          en: Systematic error.
      - name:
          zh: 方差
          en: Variance
        aliases: [过拟合, overfitting]
    tags: [ml-fundamentals]
    difficulty: 2
    language: zh
    source: original
    notes:
      - key_point: Variance
        text:
          zh: 审校注：方差高不一定要换模型，先加数据。
          en: "Reviewer's note: high variance does not always call for another model; add data first."
"""


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def shipped_errors(*paths: Path) -> list[ContentError]:
    return lint_paths(list(paths), SHIPPED_LANGUAGES)


def only(errors: list[ContentError]) -> ContentError:
    assert len(errors) == 1, errors
    return errors[0]


# -- the format -------------------------------------------------------------------------------

def test_bilingual_pack_loads_with_canonical_names_in_the_questions_language(tmp_path: Path) -> None:
    pack = load_pack(write(tmp_path, "ml.yaml", PACK), SHIPPED_LANGUAGES)
    assert (pack.title_in("en"), pack.title_in("zh"), pack.description_in("en")) == (
        "Machine learning fundamentals", "机器学习基础", "Bias and variance.")
    (question,) = pack.questions
    assert question.languages == ("zh", "en")
    assert (question.title, question.title_in("en")) == ("什么是偏差-方差权衡？", "What is the bias-variance trade-off?")
    assert [p.name for p in question.key_points] == ["偏差", "方差"]
    assert [p.name_in("en") for p in question.key_points] == ["Bias", "Variance"]
    assert question.key_points[0].detail_in("en") == "Systematic error."
    # The note named its point in English; it keeps the point's identity, the zh name.
    assert question.notes[0].key_point == "方差"
    assert question.notes[0].text_in("en").startswith("Reviewer's note")


def test_plain_strings_mean_the_questions_language_and_need_no_other(tmp_path: Path) -> None:
    text = PACK.replace("language: zh", "language: en")
    plain = load_pack_text(
        "id: p\ntitle: P\nquestions:\n  - id: q\n    title: T\n    prompt: P?\n    answer: Use dropout.\n"
        "    key_points: [{name: dropout}]\n    language: en\n", "upload.yaml")
    assert plain.questions[0].languages == ("en",)
    assert plain.questions[0].key_points[0].name == "dropout"
    # An English-first question keeps its English name as identity.
    question = load_pack_text(text, "x.yaml").questions[0]
    assert [p.name for p in question.key_points] == ["Bias", "Variance"]
    assert question.notes[0].key_point == "Variance"


def test_grading_accepts_either_language_and_reports_canonical_names(tmp_path: Path) -> None:
    question = load_pack(write(tmp_path, "ml.yaml", PACK)).questions[0]
    grader = KeywordGrader()
    assert grader.grade(question, "High bias, and variance too.").covered == ("偏差", "方差")
    assert grader.grade(question, "偏差大，还有 overfitting").covered == ("偏差", "方差")
    assert grader.grade(question, "不是偏差的问题").covered == ()


def test_a_text_missing_one_language_is_reported_at_its_line(tmp_path: Path) -> None:
    bad = write(tmp_path, "ml.yaml", PACK.replace("          en: Variance\n", ""))
    # Even with no language required: the question has en text elsewhere. (The note naming
    # the point in English no longer finds it either.)
    errors = lint_paths([bad])
    assert [(e.line, e.field) for e in errors] == [(32, "questions[0].key_points[1].name"),
                                                   (39, "questions[0].notes[0].key_point")]
    assert "no 'en' text" in errors[0].message


@pytest.mark.parametrize(("old", "new", "line", "field", "message"), [
    ("      zh: 什么是偏差-方差权衡？", "      cn: 什么是偏差-方差权衡？", 11, "questions[0].title",
     "unknown language 'cn'"),
    ("      en: What is the bias-variance trade-off?", "      en: ''", 12, "questions[0].title.en", "must not be empty"),
    ("      en: What is the bias-variance trade-off?", "      en: " + "x" * 201, 12, "questions[0].title.en",
     "at most 200 characters"),
    ("    title:\n      zh: 什么是", "    title: []\n    xx:\n      zh: 什么是", 10, "questions[0].title",
     "expected a string, got a list"),
])
def test_bad_language_mappings_are_reported(tmp_path: Path, old: str, new: str, line: int, field: str,
                                            message: str) -> None:
    assert old in PACK
    errors = lint_paths([write(tmp_path, "ml.yaml", PACK.replace(old, new, 1))])
    assert any((e.line, e.field) == (line, field) and message in e.message for e in errors), errors


def test_dump_pack_round_trips_both_languages(tmp_path: Path) -> None:
    pack = load_pack(write(tmp_path, "ml.yaml", PACK))
    text = dump_pack(pack.id, pack.title, pack.questions, titles=pack.titles, description=pack.description)
    again = load_pack_text(text, "again.yaml")
    assert (again.questions, again.titles, again.description) == (pack.questions, pack.titles, pack.description)


# -- (a) each key point is found in its own answer, in each language ----------------------------

def test_key_point_missing_from_its_answer_in_one_language_fails(tmp_path: Path) -> None:
    bad = write(tmp_path, "ml.yaml", PACK.replace("- **Variance**: the model", "- **Spread**: the model"))
    error = only(shipped_errors(bad))
    assert (error.line, error.field) == (32, "questions[0].key_points[1].name")
    assert "does not find 'Variance' in the 'en' answer" in error.message
    assert shipped_errors(write(tmp_path / "..", "good.yaml", PACK)) == []


def test_key_point_only_negated_in_its_answer_fails(tmp_path: Path) -> None:
    bad = write(tmp_path, "ml.yaml", PACK.replace("- **偏差**：模型", "- 不是偏差：模型"))
    assert "does not find '偏差' in the 'zh' answer" in only(shipped_errors(bad)).message


def test_an_alias_in_the_answer_is_enough(tmp_path: Path) -> None:
    good = write(tmp_path, "ml.yaml", PACK.replace("- **Bias**: the", "- **Underfitting**: the"))
    assert shipped_errors(good) == []


# -- (b) no name or alias shared by two key points of one question -----------------------------

@pytest.mark.parametrize(("old", "new", "line", "field"), [
    ("aliases: [过拟合, overfitting]", "aliases: [过拟合, underfitting]", 34, "questions[0].key_points[1].aliases[1]"),
    ("aliases: [过拟合, overfitting]", "aliases: [过拟合, bias]", 34, "questions[0].key_points[1].aliases[1]"),
    ("          en: Variance", "          en: underfitting", 32, "questions[0].key_points[1].name.en"),
])
def test_a_term_shared_by_two_key_points_fails(tmp_path: Path, old: str, new: str, line: int, field: str) -> None:
    errors = lint_paths([write(tmp_path, "ml.yaml", PACK.replace(old, new))])
    assert any((e.line, e.field) == (line, field) and "already belongs to key point '偏差'" in e.message
               for e in errors), errors


# -- (c) near-duplicates across packs ----------------------------------------------------------

def second_pack(title_zh: str, title_en: str, pack_id: str = "other", question_id: str = "oth-bias") -> str:
    return (PACK.replace("id: ml-fundamentals", f"id: {pack_id}").replace("id: mlf-bias-variance", f"id: {question_id}")
            .replace("什么是偏差-方差权衡？", title_zh).replace("What is the bias-variance trade-off?", title_en))


def test_the_same_prompt_and_answer_under_another_title_in_another_pack_fails(tmp_path: Path) -> None:
    first = write(tmp_path, "a.yaml", PACK)
    second = write(tmp_path, "b.yaml", second_pack("如何理解模型误差的来源？", "Where does a model's error come from?"))
    errors = shipped_errors(first, second)
    assert {(Path(e.path).name, e.line, e.field) for e in errors} == {("b.yaml", 9, "questions[0].id")}
    assert all("near-duplicate of 'mlf-bias-variance'" in e.message for e in errors)


def test_a_reworded_title_over_a_close_answer_fails(tmp_path: Path) -> None:
    # Issue 13's example: one title is the other with words added, the answer nearly the same.
    reworded = second_pack("为什么要理解偏差-方差权衡？", "Why does the bias-variance trade-off matter?").replace(
        "训练误差也高。", "训练误差同样很高。")
    errors = shipped_errors(write(tmp_path, "a.yaml", PACK), write(tmp_path, "b.yaml", reworded))
    assert [e.field for e in errors] == ["questions[0].id"]


def test_distinct_questions_pass(tmp_path: Path) -> None:
    other = """\
id: other
title: {zh: 其他, en: Other}
questions:
  - id: oth-dropout
    title: {zh: Dropout 为什么有效？, en: Why does dropout work?}
    prompt: {zh: 说明训练与推理时 Dropout 的行为差异。, en: Explain how dropout behaves in training and in inference.}
    answer:
      zh: 训练时随机丢弃神经元并缩放，推理时关闭，相当于集成许多子网络。
      en: In training it drops units at random and rescales; at inference it is off, like an ensemble of subnetworks.
    key_points:
      - name: {zh: 随机丢弃, en: drops units}
      - name: {zh: 集成, en: ensemble}
    language: en
"""
    assert shipped_errors(write(tmp_path, "a.yaml", PACK), write(tmp_path, "b.yaml", other)) == []


def test_the_seeds_templated_subject_questions_stay_apart() -> None:
    # 过拟合 / 泛化: one answer template, the subject word replaced (0.70 alike): not duplicates.
    assert lint_paths([ROOT / "content" / "packs" / "llm-engineering.yaml"], SHIPPED_LANGUAGES) == []
    assert SAME_TEXT > 0.7


def test_near_duplicate_check_is_fast_on_300_questions(tmp_path: Path) -> None:
    # 300 bilingual questions of ~600-character answers from one vocabulary (as one topic's
    # answers share words), and one planted near-duplicate: found, in seconds.
    rng = random.Random(13)
    zh_words = ["".join(chr(0x4E00 + rng.randrange(2000)) for _ in range(rng.randint(2, 4))) for _ in range(400)]
    en_words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 9))) for _ in range(400)]
    questions = []
    for i in range(300):
        zh = "，".join(rng.choice(zh_words) for _ in range(200))
        en = " ".join(rng.choice(en_words) for _ in range(100))
        if i == 299:  # question 0's text, a few words changed
            zh, en = questions[0][1].replace(zh_words[0], "变了"), questions[0][2]
        questions.append((i, zh, en))
    body = "".join(
        f"  - id: q-{i}\n    title: {{zh: 问题{i}, en: Question {i}}}\n"
        f"    prompt: {{zh: 说说{i}, en: Tell {i}}}\n    answer: {{zh: '{zh}', en: '{en}'}}\n"
        f"    key_points:\n      - name: {{zh: '{zh[:4]}', en: '{en.split()[0]}'}}\n"
        for i, zh, en in questions)
    path = write(tmp_path, "big.yaml", "id: big\ntitle: {zh: 大, en: Big}\nquestions:\n" + body)
    started = time.perf_counter()
    errors = shipped_errors(path)
    elapsed = time.perf_counter() - started
    assert [e.field for e in errors] == ["questions[299].id"]
    assert "'q-299' is a near-duplicate of 'q-0'" in errors[0].message
    assert elapsed < 10, f"lint of 300 bilingual questions took {elapsed:.1f} s"


# -- (d) ids of 64 characters or fewer ---------------------------------------------------------

def test_ids_over_64_characters_fail(tmp_path: Path) -> None:
    long_id = "q" * 65
    error = only(lint_paths([write(tmp_path, "ml.yaml", PACK.replace("mlf-bias-variance", long_id))]))
    assert (error.line, error.field, error.message) == (9, "questions[0].id", "at most 64 characters, got 65")
    assert lint_paths([write(tmp_path, "ml.yaml", PACK.replace("mlf-bias-variance", "q" * 64))]) == []


# -- (e) both languages in shipped packs, not in uploads ----------------------------------------

SINGLE = "id: solo\ntitle: Solo\nquestions:\n  - id: q\n    title: T\n    prompt: P?\n    answer: 用早停。\n" \
         "    key_points: [{name: 早停}]\n"


def test_a_single_language_pack_fails_as_shipped_passes_as_upload_or_when_declared(tmp_path: Path) -> None:
    path = write(tmp_path, "solo.yaml", SINGLE)
    found = {(e.line, e.field) for e in shipped_errors(path)}
    assert found == {(2, "title"), (5, "questions[0]")}
    assert lint_paths([path]) == []
    assert load_pack_text(SINGLE, "upload.yaml").questions[0].languages == ("zh",)
    declared = write(tmp_path, "solo.yaml", SINGLE.replace("title: Solo\n", "title: Solo\nlanguages: [zh]\n"))
    assert shipped_errors(declared) == []
    # A pack that declares both is held to both even where nothing else requires them.
    both = write(tmp_path, "solo.yaml", SINGLE.replace("title: Solo\n", "title: Solo\nlanguages: [zh, en]\n"))
    assert {e.field for e in lint_paths([both])} == {"title", "questions[0]"}


def test_bad_languages_declarations_fail(tmp_path: Path) -> None:
    for value, message in (("[zh, zh]", "listed twice"), ("[fr]", "unknown language 'fr'"), ("[]", "must not be empty")):
        errors = lint_paths([write(tmp_path, "solo.yaml", SINGLE.replace("title: Solo\n", f"title: Solo\nlanguages: {value}\n"))])
        assert any(message in e.message for e in errors), (value, errors)


def test_every_shipped_question_is_in_both_languages() -> None:
    bank = load_bank([ROOT / "content" / "packs"], SHIPPED_LANGUAGES)
    seed = bank.get_pack("llm-engineering")
    assert seed is not None and len(seed.questions) == 18
    assert len(bank) >= 250
    for question in bank:
        assert set(question.languages) == {"zh", "en"}, question.id


def test_missing_language_in_the_bank_raises(tmp_path: Path) -> None:
    with pytest.raises(ContentErrors):
        load_bank([write(tmp_path, "solo.yaml", SINGLE)], SHIPPED_LANGUAGES)


# -- display in the channel's language ---------------------------------------------------------

def round_for(question_id: str) -> Round:
    return Round(id=3, channel=ChannelRef("console", "local", "c1"), question_id=question_id, cycle=1,
                 status=RoundStatus.OPEN, created_at=START, reveal_at=START + timedelta(hours=6))


def test_views_show_the_channels_language_and_fall_back(tmp_path: Path) -> None:
    question = load_pack(write(tmp_path, "ml.yaml", PACK)).questions[0]
    round_ = round_for(question.id)
    en = question_message(round_, question, "en", "UTC").text
    assert "What is the bias-variance trade-off?" in en and "偏差" not in en
    assert "什么是偏差-方差权衡？" in question_message(round_, question, "zh", "UTC").text
    assert thread_name(question, "en").endswith("What is the bias-variance trade-off?")
    reveal = reveal_message(round_, question, "en").text
    assert "• Bias: Systematic error." in reveal and "[Variance]" in reveal and "add data first" in reveal
    assert "方差" not in reveal
    reply = Reply(id=1, round_id=3, user=UserRef("console", "local", "u1"), user_name="Ann", text="bias",
                  private=False, created_at=START, covered=("偏差",))
    summary = summary_message(round_, question, [reply], "en").text
    assert "Bias" in summary and "Variance" in summary and "偏差" not in summary
    practice = practice_result_message(question, ("偏差",), "en").text
    assert "Variance" in practice and "- **Bias**" in practice
    # A Chinese-only question in an English channel is shown in Chinese.
    solo = load_pack_text(SINGLE, "solo.yaml").questions[0]
    assert "用早停。" in reveal_message(round_for("q"), solo, "en").text


# -- the CLI -----------------------------------------------------------------------------------

def run(*argv: str | Path, packs: list[Path]) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="interview-bot")
    add_content_parser(parser.add_subparsers(dest="command", required=True))
    out, err = StringIO(), StringIO()
    code = run_content_command(parser.parse_args([str(arg) for arg in argv]), packs, out, err)
    return code, out.getvalue(), err.getvalue()


def test_cli_show_in_a_language_and_list_counts_per_pack(tmp_path: Path) -> None:
    write(tmp_path, "ml.yaml", PACK)
    write(tmp_path, "solo.yaml", SINGLE)
    code, out, _ = run("content", "show", "mlf-bias-variance", "--lang", "en", packs=[tmp_path])
    assert code == 0 and out.startswith("mlf-bias-variance: What is the bias-variance trade-off?\n")
    assert "  - Variance (过拟合, overfitting)" in out and "- **Variance**" in out
    code, out, err = run("content", "show", "q", "--lang", "en", packs=[tmp_path])
    assert code == 0 and "用早停。" in out and "no 'en' text" in err
    code, out, _ = run("content", "list", packs=[tmp_path])
    packs = out.split("\n\n")[1].splitlines()
    assert packs[0].split()[:6] == ["ml-fundamentals", "1", "questions", "(zh", "1,", "en"]
    assert packs[1].split()[:4] == ["solo", "1", "questions", "(zh"]


def test_cli_lint_requires_both_languages_unless_any_language(tmp_path: Path) -> None:
    path = write(tmp_path, "solo.yaml", SINGLE)
    assert run("content", "lint", path, packs=[])[0] == 1
    assert run("content", "lint", "--any-language", path, packs=[])[0] == 0


# -- end to end on the console ----------------------------------------------------------------

@pytest.fixture
def bilingual_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "bilingual"
    directory.mkdir()
    (directory / "ml.yaml").write_text(PACK, encoding="utf-8")
    return directory


async def test_channel_language_picks_the_text_and_either_language_is_graded(make_session, bilingual_dir) -> None:
    bot = await make_session(INTERVIEW_BOT_CONTENT__PATHS=str(bilingual_dir))
    await bot.say("/interview schedule set 09:30 UTC mon-fri reveal=6h lang=en")
    posted = await bot.say("/interview question")
    assert "What is the bias-variance trade-off?" in posted and "什么是偏差" not in posted
    assert "Hint 1 of 2: Bias" in await bot.say("/interview hint")
    await bot.say("偏差太大")  # a Chinese answer in an English channel
    await bot.say("/as alice high variance")
    revealed = await bot.say("/interview reveal")
    assert "- **Bias**: the model's assumptions" in revealed and "Systematic error." in revealed
    assert "Bias" in revealed and "Variance" in revealed and "方差" not in revealed
    replies = await bot.core.repo.replies_for_round(1)
    assert sorted(r.covered for r in replies) == [("偏差",), ("方差",)]  # stored by canonical name

    await bot.say("/interview schedule set 09:30 UTC mon-fri reveal=6h lang=zh")
    posted = await bot.say("/interview question")
    assert "什么是偏差-方差权衡？" in posted and "bias-variance" not in posted


async def test_the_bot_refuses_a_pack_without_both_languages(make_session, tmp_path: Path) -> None:
    directory = tmp_path / "solo"
    directory.mkdir()
    (directory / "solo.yaml").write_text(SINGLE, encoding="utf-8")
    with pytest.raises(ContentErrors) as caught:
        await make_session(INTERVIEW_BOT_CONTENT__PATHS=str(directory))
    assert any("this pack needs every text in 'zh' and 'en'" in e.message for e in caught.value.errors)
