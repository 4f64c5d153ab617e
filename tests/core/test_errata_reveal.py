"""Reviewer's notes at the reveal: through the console the reveal shows each note right under the
reference answer, in the channel's interface language; the shipped pack's MAE erratum is shown."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.content.loader import load_pack
from bot.core.models import ChannelRef, Round, RoundStatus
from bot.core.views import reveal_message
from tests.conftest import SMALL_PACK, START

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "content" / "packs" / "llm-engineering.yaml"

KEY_POINT_NOTE = "审校注：正则化约束的是权重，L1 还能产生稀疏。"
QUOTE_NOTE = "审校注：早停依赖一个与训练集分开的验证集。"
# SMALL_PACK's first question alone, with two notes: one on a key point and an answer line, one
# on an answer line only.
NOTED_PACK = SMALL_PACK[: SMALL_PACK.index("  - id: evaluation")] + f"""\
    notes:
      - key_point: 正则化
        quote: L1/L2。
        text: {KEY_POINT_NOTE}
      - quote: 验证集不再提升时停止。
        text: {QUOTE_NOTE}
"""


def unboxed(output: str) -> str:
    """Console output without the frame the console draws around a message ("  │ " per line)."""
    return "\n".join(line.removeprefix("  │ ").removeprefix("  │") for line in output.splitlines())


def noted_pack_dir(tmp_path: Path) -> str:
    directory = tmp_path / "noted"
    directory.mkdir()
    (directory / "small.yaml").write_text(NOTED_PACK, encoding="utf-8")
    return str(directory)


async def test_reveal_shows_the_notes_under_the_answer(make_session, tmp_path: Path) -> None:
    bot = await make_session(INTERVIEW_BOT_CONTENT__PATHS=noted_pack_dir(tmp_path))
    posted = await bot.say("/interview question")
    assert "如何处理过拟合？" in posted
    assert KEY_POINT_NOTE not in posted  # notes belong to the answer: hidden until the reveal

    revealed = unboxed(await bot.say("/interview reveal"))
    answer_at = revealed.index("- **Dropout**：随机丢弃神经元。")
    notes_at = revealed.index("Reviewer's notes")
    key_points_at = revealed.index("Key points")
    assert answer_at < notes_at < key_points_at
    notes = revealed[notes_at:key_points_at]
    assert f"• [正则化] “L1/L2。”\n  {KEY_POINT_NOTE}" in notes
    assert f"• “验证集不再提升时停止。”\n  {QUOTE_NOTE}" in notes
    assert "Revealed round 1." in revealed


async def test_reveal_in_a_chinese_channel_titles_the_notes_in_chinese(make_session, tmp_path: Path) -> None:
    bot = await make_session(INTERVIEW_BOT_CONTENT__PATHS=noted_pack_dir(tmp_path))
    await bot.say("/interview schedule set 09:30 Asia/Shanghai mon-fri reveal=6h lang=zh")
    await bot.say("/interview question")
    revealed = await bot.say("/interview reveal")
    assert "审校说明" in revealed and "Reviewer's notes" not in revealed
    assert revealed.index("L1/L2。") < revealed.index("审校说明") < revealed.index(KEY_POINT_NOTE)


async def test_a_question_without_notes_reveals_no_notes_section(make_session) -> None:
    bot = await make_session()
    await bot.say("/interview question")
    revealed = await bot.say("/interview reveal")
    assert "Key points" in revealed and "Reviewer's notes" not in revealed


async def test_practice_result_shows_the_notes_after_the_answer(make_session, tmp_path: Path) -> None:
    bot = await make_session(INTERVIEW_BOT_CONTENT__PATHS=noted_pack_dir(tmp_path))
    await bot.say("/interview practice")
    result = await bot.say("/interview practice answer 早停和 dropout")
    assert result.index("L1/L2。") < result.index("Reviewer's notes") < result.index(QUOTE_NOTE)


def shipped_reveal(question_id: str, language: str) -> str:
    question = next(q for q in load_pack(SHIPPED).questions if q.id == question_id)
    round_ = Round(id=7, channel=ChannelRef("console", "local", "c1"), question_id=question.id, cycle=1,
                   status=RoundStatus.OPEN, created_at=START, reveal_at=START + timedelta(hours=6))
    return reveal_message(round_, question, language).text


def test_shipped_mae_erratum_is_shown_under_its_answer_line() -> None:
    text = shipped_reveal("model-evaluation", "zh")
    wrong_line = "MAE（Mean Absolute Error）是均方误差（MSE，Mean Squared Error）的绝对值。"
    note = "审校注：MAE（平均绝对误差）是绝对误差的平均值，MAE = mean(|y − ŷ|)，不是 MSE 的绝对值"
    assert text.index(wrong_line) < text.index("**审校说明**") < text.index(note) < text.index("**要点**")
    assert f"• [MAE和MSE] “{wrong_line}”\n  {note}" in text
    # The key point listed after the notes carries the corrected definition.
    assert "• MAE和MSE: MAE（Mean Absolute Error，平均绝对误差）是绝对误差的平均值" in text
    # An English channel gets the English answer and the note in English.
    english = shipped_reveal("model-evaluation", "en")
    assert "**Reviewer's notes**" in english and "Reviewer's note:" in english and note not in english


def test_shipped_removed_augmentation_items_are_explained_but_not_listed() -> None:
    text = shipped_reveal("data-augmentation", "zh")
    notes, key_points = text.split("**审校说明**")[1].split("**要点**")
    assert notes.count("审校注：") == 4
    assert "不是数据增强" in notes and "不属于数据增强" in notes
    assert "• 数据变换" in key_points and "数据混洗" not in key_points and "文本嵌入" not in key_points
