"""Importing the seed Markdown bank: parsing, duplicate merging, and writing packs back out."""

from __future__ import annotations

from collections.abc import Callable
from difflib import SequenceMatcher
from pathlib import Path

import pytest

from bot.content.errors import ContentErrors
from bot.content.importer import Entry, ImportResult, Merge, dump_pack, import_markdown, near_duplicate
from bot.content.loader import load_pack

SOURCE = Path(__file__).resolve().parents[2] / "content" / "sources" / "llm-engineering-interview.md"

# (dropped, kept): every merge the seed needs, and no other.
EXPECTED_MERGES = {
    (13, 10), (20, 11), (21, 12), (22, 10), (23, 16), (24, 17),
    (25, 18), (26, 19), (27, 11), (28, 12), (29, 10), (30, 16),
}
KEPT = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15, 16, 17, 18, 19]


@pytest.fixture(scope="module")
def result() -> ImportResult:
    return import_markdown(SOURCE.read_text(encoding="utf-8"), SOURCE.name)


def entry(result: ImportResult, number: int) -> Entry:
    return next(e for e in result.entries if e.number == number)


def merge_of(result: ImportResult, dropped: int) -> Merge:
    return next(m for m in result.merges if m.dropped == dropped)


def test_seed_has_30_entries_19_titles_and_18_distinct_questions(result: ImportResult) -> None:
    assert [e.number for e in result.entries] == list(range(1, 31))
    assert len({e.title for e in result.entries}) == 19
    assert len(result.questions) == 18


def test_merges_are_exactly_the_duplicates_and_keep_the_first_occurrence(result: ImportResult) -> None:
    assert {(m.dropped, m.kept) for m in result.merges} == EXPECTED_MERGES
    assert [int(q.source.rsplit("#", 1)[1]) for q in result.questions] == KEPT


def test_every_merge_is_reported_with_its_reason(result: ImportResult) -> None:
    report = result.report()
    assert "30 entries, 18 questions, 12 merged" in report
    for merge in result.merges:
        assert merge.reason
        assert f"#{merge.dropped} -> #{merge.kept}: {merge.reason}" in report


def test_same_title_with_prompt_missing_one_word_is_merged(result: ImportResult) -> None:
    assert entry(result, 11).title == entry(result, 20).title
    assert entry(result, 11).prompt != entry(result, 20).prompt
    merge = merge_of(result, 20)
    assert merge.kept == 11
    assert merge.reason == "same title as #11; prompt differs by one word (优化)"


def test_same_question_in_other_words_is_merged(result: ImportResult) -> None:
    assert entry(result, 10).title != entry(result, 13).title
    merge = merge_of(result, 13)
    assert merge.kept == 10
    assert merge.reason.startswith("same question as #10 in other words: title similarity 0.88")
    assert merge.reason.endswith("key points 4/4 shared")


def test_exact_copy_of_a_merged_entry_lands_on_the_kept_one(result: ImportResult) -> None:
    assert merge_of(result, 22).kept == 10
    assert merge_of(result, 22).reason == "exact duplicate of #13"
    assert merge_of(result, 27).kept == 11
    assert merge_of(result, 21).reason == "exact duplicate of #12"


def test_textually_close_titles_about_different_subjects_stay_apart(result: ImportResult) -> None:
    overfitting, generalization, robustness = entry(result, 4), entry(result, 17), entry(result, 18)
    # The titles are about as close as 10 and 13 are, so title similarity alone could not tell.
    assert SequenceMatcher(None, generalization.title, robustness.title).ratio() >= 0.8
    assert near_duplicate(generalization, robustness) is None
    assert near_duplicate(overfitting, generalization) is None  # 5 of 6 key points shared, still different
    kept_titles = {q.title for q in result.questions}
    assert {overfitting.title, generalization.title, robustness.title} <= kept_titles


def test_same_title_with_different_key_points_is_not_merged() -> None:
    doc = SAMPLE + SAMPLE.replace("### 1.", "### 2.").replace("早停法", "学习率调度").replace("Dropout", "批归一化")
    result = import_markdown(doc, "bank.md")
    assert len(result.questions) == 2
    assert result.merges == []


def test_questions_get_ids_sources_and_defaults(result: ImportResult) -> None:
    first = result.questions[0]
    assert first.id == "llm-engineering-interview-01"
    assert result.questions[12].id == "llm-engineering-interview-14"
    assert first.source == "llm-engineering-interview.md#1"
    assert (first.language, first.difficulty, first.tags) == ("zh", 2, ())


def test_entries_end_at_the_next_heading_but_not_at_a_deeper_one() -> None:
    doc = "# 题库\n\n" + SAMPLE + "#### 小结\n\n早停最常用。\n\n## 附录\n\n不属于任何题目。\n"
    (question,) = import_markdown(doc, "bank.md").questions
    assert question.answer.endswith("#### 小结\n\n早停最常用。")


def test_id_prefix_can_be_chosen_and_must_be_a_slug() -> None:
    assert import_markdown(SAMPLE, "bank.md", id_prefix="llm").questions[0].id == "llm-01"
    with pytest.raises(ValueError, match="not a slug"):
        import_markdown(SAMPLE, "bank.md", id_prefix="LLM Bank")


def test_bold_top_level_bullets_become_key_points_with_detail(result: ImportResult) -> None:
    points = entry(result, 4).key_points
    assert [p.name for p in points] == ["数据增强", "交叉验证", "Dropout", "正则化", "集成学习", "早停法"]
    assert points[-1].detail == "在验证集上监测模型性能，当性能不再提高时停止训练。"
    metrics = entry(result, 5).key_points
    assert metrics[0].detail.startswith("准确率是指")  # a 定义 line
    assert metrics[0].aliases == ("准确率", "Accuracy")  # "name（gloss）" gives both halves


def test_trailing_section_bullets_and_grouped_bullets_become_key_points(result: ImportResult) -> None:
    names = [p.name for p in entry(result, 1).key_points]
    assert names == ["Transformer架构", "BERT架构", "GPT架构", "任务类型", "数据规模", "计算资源"]
    assert entry(result, 1).key_points[0].detail.startswith("Transformer架构通过自注意力机制")  # a 特点 line
    # "原理" and "方法" only group the real points under them.
    transfer = [p.name for p in entry(result, 8).key_points]
    assert transfer[:3] == ["共享权重", "知识迁移", "零样本学习（Zero-shot Learning）"]
    assert "原理" not in transfer and "方法" not in transfer


def test_answer_is_the_markdown_under_the_answer_marker(result: ImportResult) -> None:
    answer = entry(result, 4).answer
    assert answer.startswith("大模型的过拟合问题是指模型在训练数据上表现良好")
    assert "- **早停法：**\n  - **方法：** 在验证集上监测模型性能" in answer
    assert answer.endswith("防止模型在训练数据上过度拟合。")
    assert entry(result, 4).prompt == "在AI大模型创业中，如何处理大模型的过拟合问题？请详细说明常用的方法。"


def test_dumped_pack_loads_back_unchanged(result: ImportResult, tmp_path: Path) -> None:
    text = dump_pack("llm-engineering", "AI 大模型工程面试题", result.questions, comment="generated")
    assert text.startswith("# generated\n")
    assert "answer: |" in text and "\\n" not in text  # block scalars, not escaped one-liners
    assert "过拟合" in text  # allow_unicode, no \u escapes
    path = tmp_path / "pack.yaml"
    path.write_text(text, encoding="utf-8")
    pack = load_pack(path)
    assert (pack.id, pack.title) == ("llm-engineering", "AI 大模型工程面试题")
    assert pack.questions == result.questions


@pytest.mark.parametrize(
    ("broken", "line", "field"),
    [
        (lambda doc: doc.replace("**答案：**", "答案"), 2, "answer"),
        (lambda doc: doc.replace("**面试题：** 如何防止过拟合？", ""), 2, "prompt"),
        (lambda doc: doc.replace("- **早停法：**", "- 早停法").replace("- **Dropout：**", "- Dropout"), 6, "key_points"),
    ],
)
def test_malformed_entry_names_file_line_and_field(broken: Callable[[str], str], line: int, field: str) -> None:
    with pytest.raises(ContentErrors) as caught:
        import_markdown("\n" + broken(SAMPLE), "bank.md")
    (error,) = caught.value.errors
    assert (error.path, error.line, error.field) == ("bank.md", line, field)
    assert str(error).startswith(f"bank.md:{line}: {field}: entry 1")


SAMPLE = """### 1. 如何处理过拟合？

**面试题：** 如何防止过拟合？

**答案：**

- **早停法：**
  - **方法：** 验证集不再提升时停止训练。
- **Dropout：**
  - **方法：** 随机丢弃神经元。
"""
