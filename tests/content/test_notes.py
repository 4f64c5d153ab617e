"""Reviewer's notes on reference answers: the loader reads and checks them, dump_pack keeps them,
and the shipped pack notes its known errata with the affected key points corrected or removed."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.errors import ContentErrors
from bot.content.importer import dump_pack
from bot.content.lint import lint_paths
from bot.content.loader import load_pack, load_pack_text
from bot.content.model import Note, Question, quote_in

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "content" / "packs" / "llm-engineering.yaml"

NOTED = """\
id: metrics
title: Metrics
questions:
  - id: regression-metrics
    title: 回归任务用什么指标？
    prompt: 请说明 MAE 和 MSE。
    answer: |
      - **MAE**：MAE 是均方误差的
        绝对值。
      - **MSE**：误差平方的平均值。
    key_points:
      - name: MAE
        aliases: [平均绝对误差]
        detail: 绝对误差的平均值。
      - name: MSE
        aliases: [均方误差]
    notes:
      - key_point: MAE
        quote: MAE 是均方误差的绝对值。
        text: 审校注：MAE 是绝对误差的平均值，不是 MSE 的绝对值。
      - key_point: MSE
        text: 审校注：MSE 对异常值更敏感。
      - quote: 误差平方的平均值
        text: Quote-only note.
"""


def write(directory: Path, text: str) -> Path:
    path = directory / "metrics.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def shipped() -> dict[str, Question]:
    return {q.id: q for q in load_pack(SHIPPED).questions}


def test_notes_load_with_their_targets(tmp_path: Path) -> None:
    (question,) = load_pack(write(tmp_path, NOTED)).questions
    assert question.notes == (
        Note("审校注：MAE 是绝对误差的平均值，不是 MSE 的绝对值。", key_point="MAE", quote="MAE 是均方误差的绝对值。"),
        Note("审校注：MSE 对异常值更敏感。", key_point="MSE"),
        Note("Quote-only note.", quote="误差平方的平均值"),
    )


def test_a_question_without_notes_has_none(tmp_path: Path) -> None:
    text = NOTED[: NOTED.index("    notes:")]
    (question,) = load_pack(write(tmp_path, text)).questions
    assert question.notes == ()


def test_a_quote_is_found_across_a_line_break_but_not_when_reworded() -> None:
    answer = "- **MAE**：MAE 是均方误差的\n  绝对值。"
    assert quote_in("MAE 是均方误差的绝对值。", answer)
    assert not quote_in("MAE 是平均绝对误差。", answer)
    assert not quote_in("  \n", answer)


def test_a_note_must_point_somewhere() -> None:
    with pytest.raises(ValueError):
        Note("审校注：无目标。")


@pytest.mark.parametrize(
    ("old", "new", "line", "field", "message"),
    [
        ("      - key_point: MAE\n", "      - key_point: MAPE\n", 18, "questions[0].notes[0].key_point",
         "no key point named 'MAPE' in this question (expected one of: MAE, MSE)"),
        ("        quote: MAE 是均方误差的绝对值。", "        quote: MAE 是 MSE 的平方根。", 19,
         "questions[0].notes[0].quote", "'MAE 是 MSE 的平方根。' is not in the answer"),
        ("      - key_point: MSE\n        text:", "      - text:", 21, "questions[0].notes[1]",
         "a note needs a key_point or a quote to point at"),
        ("        text: Quote-only note.", "        text: '  '", 24, "questions[0].notes[2].text", "must not be empty"),
        ("        text: Quote-only note.\n", "", 23, "questions[0].notes[2].text", "required field is missing"),
        ("      - quote: 误差平方的平均值\n", "      - quote: 误差平方的平均值\n        line: 7\n", 24,
         "questions[0].notes[2].line", "unknown key 'line' (expected one of: key_point, quote, text)"),
        ("    notes:\n", "    notes: 审校过了\n", 17, "questions[0].notes", "expected a list, got a string"),
    ],
)
def test_each_note_problem_is_reported_at_its_file_line_and_field(
    tmp_path: Path, old: str, new: str, line: int, field: str, message: str
) -> None:
    assert old in NOTED
    text = NOTED.replace(old, new)
    if new.startswith("    notes: "):
        text = text[: text.index("    notes: ") + len(new)]
    path = write(tmp_path, text)
    errors = lint_paths([path])
    assert len(errors) == 1, errors
    (error,) = errors
    assert (error.path, error.line, error.field) == (str(path), line, field)
    assert message in error.message
    assert str(error).startswith(f"{path}:{line}: {field}: ")


def test_notes_are_checked_in_uploaded_text_too() -> None:
    with pytest.raises(ContentErrors) as caught:
        load_pack_text(NOTED.replace("quote: 误差平方的平均值", "quote: 误差的中位数"), "upload.yaml")
    assert [str(e) for e in caught.value.errors] == [
        "upload.yaml:23: questions[0].notes[2].quote: '误差的中位数' is not in the answer"]


def test_notes_survive_dump_and_load(tmp_path: Path) -> None:
    pack = load_pack(write(tmp_path, NOTED))
    text = dump_pack(pack.id, pack.title, pack.questions)
    assert "    notes:\n      - key_point: MAE\n        quote: MAE 是均方误差的绝对值。\n        text: " in text
    again = load_pack_text(text, "dumped.yaml")
    assert again.questions == pack.questions


def test_the_shipped_pack_round_trips_with_its_notes() -> None:
    pack = load_pack(SHIPPED)
    again = load_pack_text(dump_pack(pack.id, pack.title, pack.questions), "dumped.yaml")
    assert again.questions == pack.questions
    assert sum(len(q.notes) for q in again.questions) >= 20


def test_questions_without_notes_dump_without_a_notes_key(tmp_path: Path) -> None:
    (question,) = load_pack(write(tmp_path, NOTED[: NOTED.index("    notes:")])).questions
    assert "notes" not in dump_pack("metrics", "Metrics", [question])


# --- the shipped pack's errata ---------------------------------------------------------------

def note_on(question: Question, key_point: str) -> Note:
    notes = [n for n in question.notes if n.key_point == key_point]
    assert notes, f"{question.id}: no note on {key_point!r}"
    return notes[0]


def test_every_shipped_note_points_at_its_question() -> None:
    for question in shipped().values():
        names = {p.name for p in question.key_points}
        for note in question.notes:
            assert note.text.startswith("审校注："), (question.id, note.text)
            assert note.key_point is None or note.key_point in names
            assert note.quote is None or quote_in(note.quote, question.answer)


def test_mae_is_corrected_to_the_mean_of_absolute_errors() -> None:
    question = shipped()["model-evaluation"]
    assert "MAE（Mean Absolute Error）是均方误差（MSE，Mean Squared Error）的绝对值。" in question.answer  # kept
    note = note_on(question, "MAE和MSE")
    assert note.quote is not None and "的绝对值" in note.quote
    assert "绝对误差的平均值" in note.text and "不是 MSE 的绝对值" in note.text
    detail = next(p.detail for p in question.key_points if p.name == "MAE和MSE")
    assert "绝对误差的平均值" in detail and "MSE" in detail and "的绝对值" not in detail


def test_lda_objective_is_turned_the_right_way_round() -> None:
    question = shipped()["dimensionality-reduction"]
    assert "最大化类内方差和最小化类间方差" in question.answer  # kept
    note = note_on(question, "线性判别分析（LDA）")
    assert "说反了" in note.text and "类间方差最大、类内方差最小" in note.text
    detail = next(p.detail for p in question.key_points if p.name == "线性判别分析（LDA）")
    assert "类间方差最大、类内方差最小" in detail and "最大化类内" not in detail


@pytest.mark.parametrize(
    ("removed", "quoted"),
    [
        ("数据标准化和归一化", "对输入数据进行标准化或归一化处理"),
        ("文本嵌入", "使用预训练的词向量模型（如Word2Vec、GloVe）将文本转化为向量"),
        ("数据混洗", "对训练数据进行混洗"),
    ],
)
def test_non_augmentation_items_are_removed_from_the_key_points_and_noted(removed: str, quoted: str) -> None:
    question = shipped()["data-augmentation"]
    assert removed not in {p.name for p in question.key_points}
    assert f"**{removed}：**" in question.answer  # the source text stays
    (note,) = [n for n in question.notes if n.quote and quoted in n.quote]
    assert note.key_point is None  # nothing left to point at but the answer line
    assert "不是数据增强" in note.text or "不属于数据增强" in note.text
    assert [p.name for p in question.key_points] == ["数据变换", "数据扩充", "噪声注入"]


@pytest.mark.parametrize("question_id", ["overfitting", "generalization"])
def test_cross_validation_is_an_estimate_not_a_cure(question_id: str) -> None:
    question = shipped()[question_id]
    note = note_on(question, "交叉验证")
    assert "本身" in note.text and "评估" in note.text and "发现过拟合" in note.text
    detail = next(p.detail for p in question.key_points if p.name == "交叉验证")
    assert "估计泛化性能" in detail and "发现过拟合" in detail


@pytest.mark.parametrize(
    ("question_id", "key_point"),
    [
        ("model-architecture", "数据规模"),
        ("model-architecture", "计算资源"),
        ("hyperparameter-tuning", "激活函数（Activation Function）"),
        ("hyperparameter-tuning", "学习率（Learning Rate）"),
        ("dimensionality-reduction", "主成分分析（PCA）"),
        ("dimensionality-reduction", "正则化技术"),
        ("transfer-learning", "零样本学习（Zero-shot Learning）"),
        ("robustness", "鲁棒优化"),
        ("training-time", "模型压缩"),
    ],
)
def test_other_errata_found_in_review_are_noted(question_id: str, key_point: str) -> None:
    note_on(shipped()[question_id], key_point)


def test_ransac_no_longer_earns_robust_optimization() -> None:
    point = next(p for p in shipped()["robustness"].key_points if p.name == "鲁棒优化")
    assert "RANSAC" not in point.terms and "随机样本共识" not in point.terms
