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


# --- negation, variants and word edges ---------------------------------------------------------

STUDY = Question(
    id="study",
    title="如何防止过拟合？",
    prompt="如何防止过拟合？",
    answer="",
    key_points=(
        KeyPoint("正则化", ("正则", "regularization", "weight decay")),
        KeyPoint("Dropout", ("随机失活", "dropout")),
        KeyPoint("早停法", ("早停", "early stopping")),
        KeyPoint("交叉验证", ("cross-validation", "cross validation")),
        KeyPoint("数据增强", ("data augmentation", "資料增強")),
        KeyPoint("模型并行", ("model parallel",)),
        KeyPoint("联邦学习", ("federated learning",)),
    ),
)


@pytest.mark.parametrize(
    ("answer", "rejected"),
    [
        ("不需要正则化", "正则化"),
        ("没有用到 dropout", "Dropout"),
        ("不用早停", "早停法"),
        ("without dropout", "Dropout"),
        ("no regularization", "正则化"),
        ("don't need early stopping", "早停法"),
        ("用数据增强而不是交叉验证", "交叉验证"),
        ("rather than cross-validation", "交叉验证"),
        ("也不太需要额外的正则化", "正则化"),  # degree words and verbs of using do not use up the reach
        ("We don’t really need to use early stopping", "早停法"),  # curly apostrophe
        ("no L2 regularization", "正则化"),  # one modifier may stand before the term
        ("我们没有用到 dropout 和正则化", "正则化"),  # the negator reaches over a short list
        ("早停其实没必要", "早停法"),  # a rejection that closes the clause
        ("正则化对鲁棒性帮助不大", "正则化"),
        ("Dropout isn't needed here", "Dropout"),
        ("Cross-validation doesn't prevent overfitting", "交叉验证"),
        ("不需要隨機失活", "Dropout"),  # traditional form, negated
    ],
)
def test_a_negated_mention_does_not_cover_its_point(answer: str, rejected: str) -> None:
    result = coverage(STUDY, answer)
    assert rejected not in result.covered
    assert rejected in result.missed and rejected in result.negated


@pytest.mark.parametrize(
    ("answer", "points"),
    [
        ("不仅用了 dropout，还用了早停", {"Dropout", "早停法"}),
        ("不仅要正则化，还要数据增强", {"正则化", "数据增强"}),
        ("无论是正则化还是 dropout 都有效", {"正则化", "Dropout"}),
        ("并非不需要正则化", {"正则化"}),  # double negation
        ("不同的正则化方法都可以", {"正则化"}),
        ("不得不用正则化", {"正则化"}),
        ("数据不够时就用数据增强", {"数据增强"}),  # 时/就 start a new thought
        ("单机放不下再上 model parallel", {"模型并行"}),  # 放不下 is "does not fit"
        ("数据不出域可以用联邦学习", {"联邦学习"}),
        ("不用早停，用 dropout", {"Dropout"}),  # negation ends at the clause break
        ("not only dropout but also early stopping", {"Dropout", "早停法"}),
        ("I'm not sure whether dropout helps", {"Dropout"}),
        ("don't just use dropout, add weight decay", {"Dropout", "正则化"}),
        ("cross-validation rather than a single split", {"交叉验证"}),
        ("regardless of the model, dropout helps", {"Dropout"}),
        ("正则化不用太大", {"正则化"}),  # 不用 followed by more words is not a rejection
        ("不需要正则化，但是 dropout 一定要加", {"Dropout"}),
    ],
)
def test_words_that_look_negative_but_do_not_negate(answer: str, points: set[str]) -> None:
    assert set(coverage(STUDY, answer).covered) == points


def test_one_plain_mention_is_enough_even_if_another_is_negated() -> None:
    result = coverage(STUDY, "不用早停也行，但我会用早停。")
    assert result.covered == ("早停法",)
    assert result.negated == ()


def test_negated_is_feedback_only_and_not_part_of_equality() -> None:
    result = coverage(STUDY, "没有用 dropout，也不用正则化")
    assert result.negated == ("正则化", "Dropout")
    assert result == Coverage(covered=(), missed=tuple(p.name for p in STUDY.key_points))


def test_a_short_alias_inside_a_longer_one_is_judged_with_it() -> None:
    # "正则" lies inside "正则化"; on its own its clause would end in "化对…", hiding the rejection.
    assert "正则化" not in coverage(STUDY, "正则化对鲁棒性帮助不大").covered
    assert coverage(STUDY, "加个 L2 正则").covered == ("正则化",)


def test_traditional_answers_match_simplified_terms() -> None:
    # The question lists only simplified forms; a built-in map folds the answer's characters.
    result = coverage(STUDY, "隨機失活、正則化以外，還有交叉驗證，最後早停。")
    assert result.covered == ("正则化", "Dropout", "早停法", "交叉验证")


def test_a_traditional_alias_matches_both_forms() -> None:
    assert coverage(STUDY, "資料增強").covered == ("数据增强",)
    assert coverage(STUDY, "资料增强").covered == ("数据增强",)


@pytest.mark.parametrize(
    ("terms", "answer", "found"),
    [
        (("RFE",), "the perfect method", False),  # no Latin term inside a longer word
        (("He initialization",), "the initialization matters", False),
        (("He initialization",), "He initialization", True),
        (("LDA",), "ldap auth", False),  # a short term must end at a word end...
        (("AUC",), "compare AUCs", True),  # ...or take a plural
        (("GPT",), "GPT-4 and GPT4", True),
        (("prune",), "we pruned heads", True),  # a longer one may run on into an inflection
        (("ensemble",), "ensembles work", True),
        (("C++",), "C++ 实现", True),
        (("dropout",), "加dropout层", True),  # Chinese next to a Latin term is a word edge
    ],
)
def test_latin_terms_match_whole_words(terms: tuple[str, ...], answer: str, found: bool) -> None:
    question = Question(id="q", title="t", prompt="p", answer="a", key_points=(KeyPoint("point", terms),))
    assert (coverage(question, answer).covered == ("point",)) is found


def test_shipped_pack_grades_the_issue_example() -> None:
    overfitting = next(q for q in load_pack(SHIPPED).questions if q.id == "overfitting")
    result = KeywordGrader().grade(overfitting, "不需要正则化。我会用 dropout、早停、数据增强和 bagging。")
    assert result.covered == ("数据增强", "Dropout", "集成学习", "早停法")
    assert result.missed == ("交叉验证", "正则化")
    assert result.negated == ("正则化",)
    assert result.score == pytest.approx(4 / 6)
