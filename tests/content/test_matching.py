"""Key-point matching: normalization and coverage of a question's key points by an answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.loader import load_pack
from bot.content.matching import Coverage, Grader, KeywordGrader, coverage, normalize
from bot.content.model import KeyPoint, Question

SHIPPED = Path(__file__).resolve().parents[2] / "content" / "packs" / "llm-engineering.yaml"

QUESTION = Question(
    id="overfitting",
    title="如何处理大模型的过拟合问题？",
    prompt="如何防止过拟合？",
    answer="",
    key_points=(
        KeyPoint("早停法", ("早停", "early stopping")),
        KeyPoint("Dropout", ("随机失活",)),
        KeyPoint("正则化", ("regularization", "weight decay")),
        KeyPoint("数据增强", ("data augmentation",)),
    ),
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ＤＲＯＰＯＵＴ", "dropout"),  # full-width letters
        ("Ｌ２正则化", "l2正则化"),  # full-width digit
        ("Early-Stopping!", "earlystopping"),
        ("early stopping", "earlystopping"),
        ("“早停法”：在验证集上，停止训练。", "早停法在验证集上停止训练"),
        ("（LIME）、【SHAP】", "limeshap"),
        ("学习率\n\t调度　", "学习率调度"),  # newline, tab, ideographic space
        ("C++", "c++"),  # symbols are kept
    ],
)
def test_normalize_folds_width_case_punctuation_and_whitespace(text: str, expected: str) -> None:
    assert normalize(text) == expected


def test_english_alias_covers_a_chinese_key_point() -> None:
    result = coverage(QUESTION, "I would use Early-Stopping on the validation loss.")
    assert result.covered == ("早停法",)


def test_chinese_alias_covers_an_english_key_point_written_full_width() -> None:
    assert coverage(QUESTION, "加入随机失活").covered == ("Dropout",)
    assert coverage(QUESTION, "加入ＤＲＯＰＯＵＴ层").covered == ("Dropout",)


def test_covered_and_missed_follow_question_order_not_answer_order() -> None:
    result = coverage(QUESTION, "先做 data augmentation，再加 weight decay，最后早停。")
    assert result == Coverage(covered=("早停法", "正则化", "数据增强"), missed=("Dropout",))
    assert result.score == 0.75


def test_score_runs_from_zero_to_one() -> None:
    assert coverage(QUESTION, "no idea").score == 0.0
    assert coverage(QUESTION, "no idea").missed == ("早停法", "Dropout", "正则化", "数据增强")
    everything = "早停, dropout, regularization, data augmentation"
    assert coverage(QUESTION, everything).score == 1.0
    assert Coverage(covered=(), missed=()).score == 0.0


def test_a_term_that_normalizes_to_nothing_never_matches() -> None:
    question = Question(id="q", title="t", prompt="p", answer="a", key_points=(KeyPoint("？", ("...",)),))
    assert coverage(question, "anything at all").covered == ()


def test_keyword_grader_is_a_grader_that_uses_coverage() -> None:
    grader: Grader = KeywordGrader()
    answer = "Dropout 和早停"
    assert grader.grade(QUESTION, answer) == coverage(QUESTION, answer)
    assert grader.grade(QUESTION, answer).covered == ("早停法", "Dropout")


def test_shipped_pack_matches_answers_written_in_either_language() -> None:
    overfitting = next(q for q in load_pack(SHIPPED).questions if q.id == "overfitting")
    english = "Use early stopping, dropout, L2 regularization, k-fold cross validation, ensembles and augmentation."
    chinese = "可以用早停、随机失活、权重衰减、交叉验证、模型融合和数据扩充。"
    for answer in (english, chinese):
        result = coverage(overfitting, answer)
        assert "早停法" in result.covered and "Dropout" in result.covered and "正则化" in result.covered
        assert "交叉验证" in result.covered and "集成学习" in result.covered
