"""CSV/TSV import and export of packs, and the Markdown export: round trips, every bad-row error,
and arbitrary text answered with a pack or file:line errors."""

from __future__ import annotations

import argparse
import re
from dataclasses import replace
from io import StringIO
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.content.cli import add_content_parser, run_content_command
from bot.content.csv_io import (MAX_CSV_BYTES, MAX_FIELD_CHARS, MAX_ROWS, import_table, join_points,
                                split_points, write_table)
from bot.content.errors import ContentErrors
from bot.content.loader import load_bank, load_pack_text
from bot.content.model import KeyPoint, Question, Translation

ROOT = Path(__file__).resolve().parents[2]
PACKS = ROOT / "content" / "packs"
HEADER = "title,prompt,answer,key_points,tags,difficulty\n"
ERROR_LINE = re.compile(r"^t\.csv:\d+: [a-z_]+: .+$")


def run(*argv: str | Path) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="interview-bot")
    add_content_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args([str(arg) for arg in argv])
    out, err = StringIO(), StringIO()
    code = run_content_command(args, [PACKS], out, err)
    return code, out.getvalue(), err.getvalue()


def read(text: str, delimiter: str = ",") -> tuple[Question, ...]:
    return import_table(text.encode(), "t.csv", delimiter, "p", "P")[1].questions


def errors_of(text: str | bytes) -> list[str]:
    data = text.encode() if isinstance(text, str) else text
    with pytest.raises(ContentErrors) as caught:
        import_table(data, "t.csv", ",", "p", "P")
    return [str(error) for error in caught.value.errors]


def table_form(question: Question) -> Question:
    """What a table keeps of a question: no details, notes or source."""
    points = tuple(KeyPoint(p.name, p.aliases, names=p.names) for p in question.key_points)
    return replace(question, key_points=points, notes=(), source="")


# -- round trips ------------------------------------------------------------------------------

@pytest.mark.parametrize("pack_file", sorted(PACKS.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_shipped_pack_round_trips_through_csv(pack_file: Path) -> None:
    # Bilingual packs with commas, colons and brackets inside key point names and aliases.
    pack = load_bank([pack_file]).packs[0]
    text = write_table(pack.questions, ",")
    assert "title_en" in text.splitlines()[0] or "title_zh" in text.splitlines()[0]
    back = import_table(text.encode(), "x.csv", ",", pack.id, pack.title)[1]
    assert back.questions == tuple(table_form(q) for q in pack.questions)


TRICKY = (
    Question(id="commas", title='Quotes "here", commas, and; semicolons', prompt="Why, and how?\nTwo lines.",
             answer='Line one: quotes, with "quotes".\n\nLine three; a semicolon, a tab\there. min(1, p/q) and a\\b.',
             key_points=(KeyPoint("min(1, p/q)", ("max(0, p-q)", "p\\q")), KeyPoint("tab", ("tab; char",)),
                         KeyPoint("line one: quotes")),
             tags=("tricky", "csv"), difficulty=3, language="en"),
    Question(id="second", title="Second", prompt="Plain", answer="An answer about dropout.",
             key_points=(KeyPoint("dropout"),), language="en"),
)


@pytest.mark.parametrize("delimiter", [",", "\t"])
def test_a_single_language_pack_with_separators_in_its_fields_round_trips(delimiter: str) -> None:
    text = write_table(TRICKY, delimiter)
    assert "_en" not in text.splitlines()[0]
    assert read(text, delimiter) == TRICKY


def test_a_bilingual_pack_round_trips_with_english_names_in_key_point_order() -> None:
    question = Question(
        id="bi", title="过拟合", prompt="如何避免过拟合？", answer="早停，正则化；以及 dropout。\n第二行",
        key_points=(KeyPoint("早停", ("early stop",), names=(("en", "early stopping"),)),
                    KeyPoint("正则化", names=(("en", "regularization; L2"),)),
                    KeyPoint("dropout", names=(("en", "dropout"),))),
        translations=(Translation("en", "Overfitting", "How to avoid it?",
                                  "Early stopping, regularization; L2, and dropout.\nline two"),))
    text = write_table([question], ",")
    assert text.splitlines()[0].endswith("title_en,prompt_en,answer_en,key_points_en")
    assert "early stopping; regularization\\; L2; dropout" in text
    assert read(text) == (question,)


def test_key_points_split_and_join_are_inverse() -> None:
    points = [("a:b", ["c,d", "e;f"]), ("g\\;h", []), ("plain", ["x"])]
    assert split_points(join_points(points)) == points
    assert split_points(r"C:\path: x") == [("C", [r"\path: x"])]  # a lone backslash stays itself


def test_cli_export_csv_then_import_gives_the_pack_back(tmp_path: Path) -> None:
    code, out, err = run("content", "export", "--out", tmp_path, "--format", "csv")
    assert code == 0, err
    table = tmp_path / "llm-engineering.csv"
    assert table.is_file() and not list(tmp_path.glob("*.yaml"))
    assert "note: a CSV table has no column for key point details or reviewer's notes" in err
    target = tmp_path / "back.yaml"
    code, _, err = run("content", "import", table, "--out", target)
    assert code == 0, err
    back = load_pack_text(target.read_text(encoding="utf-8"), str(target))
    shipped = load_bank([PACKS / "llm-engineering.yaml"]).packs[0]
    assert back.questions == tuple(table_form(q) for q in shipped.questions)


def test_cli_export_markdown_is_readable(tmp_path: Path) -> None:
    code, _, err = run("content", "export", "--out", tmp_path, "--format", "md")
    assert code == 0, err
    text = (tmp_path / "llm-engineering.md").read_text(encoding="utf-8")
    shipped = load_bank([PACKS / "llm-engineering.yaml"]).packs[0]
    assert text.startswith(f"# {shipped.title}\n")
    first = shipped.questions[0]
    for part in (first.title, first.prompt, first.answer, f"- {first.key_points[0].name}", "**Key points**"):
        assert part in text


def test_yaml_stays_the_default_export(tmp_path: Path) -> None:
    code, _, _ = run("content", "export", "--out", tmp_path)
    assert code == 0 and (tmp_path / "llm-engineering.yaml").is_file() and not list(tmp_path.glob("*.csv"))


def test_import_reads_a_bom_tsv_and_makes_unique_ids_from_titles(tmp_path: Path) -> None:
    source = tmp_path / "bank.tsv"
    source.write_bytes("\ufefftitle\tprompt\tanswer\tkey_points\n"
                       "Early stopping\tWhen?\tStop early on validation loss.\tvalidation loss\n"
                       "Early stopping\tWhy?\tStop early: it saves time.\tsaves time\n"
                       "过拟合\t什么是过拟合？\t训练好，测试差。\t测试差\n".encode())
    target = tmp_path / "bank.yaml"
    code, _, err = run("content", "import", source, "--out", target)
    assert code == 0, err
    pack = load_pack_text(target.read_text(encoding="utf-8"), "bank.yaml")
    assert pack.id == "bank"
    assert [q.id for q in pack.questions][:2] == ["early-stopping", "early-stopping-2"]
    assert pack.questions[2].id.startswith("q-") and pack.questions[0].language == "zh"


def test_the_markdown_import_is_unchanged(tmp_path: Path) -> None:
    target = tmp_path / "seed.yaml"
    code, _, err = run("content", "import", ROOT / "content" / "sources" / "llm-engineering-interview.md",
                       "--out", target)
    assert code == 0, err
    assert len(load_pack_text(target.read_text(encoding="utf-8"), "seed.yaml").questions) == 18


# -- bad rows ---------------------------------------------------------------------------------

GOOD = "T,P,An answer about dropout.,dropout,,\n"

BAD_ROWS = [
    ("title,prompt,answer,key_points,colour\n", "t.csv:1: header: unknown column 'colour'"),
    ("title,prompt,answer,title\n", "t.csv:1: header: column 'title' appears twice"),
    ("title,prompt\n", "t.csv:1: header: missing column(s) answer, key_points"),
    (HEADER + GOOD + "T2,P,A\n", "t.csv:3: row: 3 fields, but the header has 6"),
    (HEADER + "T,P,dropout,dropout,,hard\n", "t.csv:2: difficulty: 'hard' is not a whole number"),
    ("title,prompt,answer,key_points,language\nT,P,dropout,dropout,fr\n",
     "t.csv:2: language: 'fr' is not one of zh, en"),
    (HEADER + "T,P,dropout,;,,\n",
     "t.csv:2: key_points: no key points; write them as 'name: alias, alias; name: alias'"),
    (HEADER + "T,P,dropout,: x,,\n", "t.csv:2: key_points: aliases 'x' have no key point name before their ':'"),
    ("title,prompt,answer,key_points,title_en,prompt_en,answer_en,key_points_en\n"
     "标题,问题,早停,早停,Title,Q,early stop,early stopping; extra\n",
     "t.csv:2: key_points_en: 2 names for 1 key points; give one per key point, in the order of key_points"),
    ("title,prompt,answer,key_points,language,title_en\nT,P,dropout,dropout,en,X\n",
     "t.csv:2: title_en: the row is in 'en' already; its en text goes in the unsuffixed columns"),
    ("id,title,prompt,answer,key_points\na,T,P,dropout,dropout\n\n\"a\",T2,P2,\"multi\nline dropout\",dropout\n"
     "a,T3,P3,dropout,dropout\n", "t.csv:4: id: 'a' is also the id on line 2"),
    (HEADER + 'T,"P" x,dropout,dropout,,\n', "t.csv:2: row: not valid CSV: "),
    ("", "t.csv:1: header: no header row; expected the columns title, prompt, answer, key_points, tags, "
         "difficulty, id, language"),
    (HEADER + ",,,,,\n", "t.csv:1: file: no questions under the header"),
    # The loader's and lint's errors, mapped to the row and its column.
    (HEADER + GOOD + "T2,P,An answer about dropout.,dropout,Bad Tag,\n",
     "t.csv:3: tags: 'Bad Tag' is not a slug (lowercase letters, digits and single hyphens, e.g. 'early-stopping')"),
    ("title,prompt,answer,key_points,title_en,prompt_en,answer_en\n标题,问题,早停,早停,Title,,early stop\n",
     "t.csv:2: prompt_en: must not be empty"),
    (HEADER + GOOD + "Other,Q,Nothing relevant here.,batch norm,,\n", "t.csv:3: key_points: "),
    (HEADER + "T,P,dropout,dropout,,9\n", "t.csv:2: difficulty: "),
]


@pytest.mark.parametrize(("text", "expected"), BAD_ROWS, ids=lambda v: v[:40] if isinstance(v, str) else None)
def test_each_bad_row_is_reported_at_its_line(text: str, expected: str) -> None:
    errors = errors_of(text)
    assert any(error.startswith(expected) for error in errors), errors


def test_a_multi_line_row_is_reported_at_the_line_it_starts_on() -> None:
    text = HEADER + 'T,P,"one\ntwo\nthree dropout",dropout,,\n' + "T2,P,dropout,dropout,,x\n"
    assert errors_of(text) == ["t.csv:5: difficulty: 'x' is not a whole number"]


def test_every_bad_row_is_reported_and_nothing_is_written(tmp_path: Path) -> None:
    source = tmp_path / "bad.csv"
    source.write_text(HEADER + "T,P,dropout,dropout,,x\n" + GOOD + "T3,P,dropout,dropout,,y\n", encoding="utf-8")
    target = tmp_path / "out.yaml"
    code, out, err = run("content", "import", source, "--out", target)
    assert code == 1 and out == "" and not target.exists()
    assert err.splitlines()[:2] == ["bad.csv:2: difficulty: 'x' is not a whole number",
                                    "bad.csv:4: difficulty: 'y' is not a whole number"]


def test_bounds_on_the_file_rows_and_fields() -> None:
    assert errors_of(b"\xff" + HEADER.encode())[0] == "t.csv:1: encoding: the file is not valid UTF-8"
    assert errors_of(b"x" * (MAX_CSV_BYTES + 1))[0].startswith("t.csv:1: file: the file is ")
    rows = "".join(f"T{i},P,dropout,dropout,,\n" for i in range(MAX_ROWS + 1))
    assert errors_of(HEADER + rows)[-1] == f"t.csv:{MAX_ROWS + 2}: file: more than {MAX_ROWS} rows " \
                                           "(the limit of questions in a pack)"
    huge = HEADER + GOOD + f'T,P,"{"a" * (MAX_FIELD_CHARS + 1)}",dropout,,\n'
    assert errors_of(huge)[0].startswith("t.csv:3: row: not valid CSV: field larger than field limit")


def test_the_field_size_limit_is_restored() -> None:
    import csv
    before = csv.field_size_limit()
    errors_of(HEADER + "T,P,dropout,dropout,,x\n")
    assert csv.field_size_limit() == before


# -- arbitrary input --------------------------------------------------------------------------

_CELL = st.one_of(st.text(alphabet='ab 早,;:"\\\n\r\t1-', max_size=30), st.just("dropout"))


@settings(deadline=100, max_examples=150)
@given(st.one_of(
    st.text(max_size=300),
    st.lists(st.lists(_CELL, min_size=1, max_size=8), max_size=6).map(
        lambda rows: HEADER + "\n".join(",".join(row) for row in rows)),
))
def test_any_text_gives_a_pack_or_file_line_errors(text: str) -> None:
    try:
        import_table(text.encode("utf-8", "surrogatepass"), "t.csv", ",", "p", "P")
    except ContentErrors as exc:
        assert exc.errors
        for error in exc.errors:
            assert ERROR_LINE.match(str(error).split("\n")[0]), str(error)


def test_the_readme_example_imports() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = re.search(r"```csv\n(.*?)```", readme, re.DOTALL)
    assert table is not None
    [question] = read(table.group(1))
    assert question.id == "early-stop" and question.translations[0].title == "Early stopping"
    assert [p.name_in("en") for p in question.key_points] == ["validation set", "regularization"]
    assert "\n" in question.answer


def test_a_hostile_table_ends_quickly_in_one_error() -> None:
    import time
    started = time.monotonic()
    wide = ",".join(["t"] * 500_000) + "\n"
    assert errors_of(wide) == ["t.csv:1: header: 500,000 columns; there are only 16 kinds"]
    bad_rows = HEADER + "x\n" * 600_000
    assert errors_of(bad_rows)[-1].startswith(f"t.csv:{MAX_ROWS + 2}: file: more than {MAX_ROWS} rows")
    assert time.monotonic() - started < 5
