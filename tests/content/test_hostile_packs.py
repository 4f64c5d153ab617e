"""Hostile pack files end quickly in an error with a line, never hang or blow the stack:
aliases ("billion laughs"), deep nesting, too many values, huge strings and files. The same
answers from libyaml and the pure Python parser."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.content.errors import ContentError, ContentErrors
from bot.content.lint import lint_paths
from bot.content.loader import load_pack, load_pack_text
from bot.content.yaml_guard import MAX_DEPTH, MAX_NODES, MAX_PACK_BYTES, MAX_STRING_CHARS, Rejected, compose

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "content" / "packs" / "llm-engineering.yaml"
PARSERS = [pytest.param(yaml.SafeLoader, id="python")]
if hasattr(yaml, "CSafeLoader"):
    PARSERS.append(pytest.param(yaml.CSafeLoader, id="libyaml"))

HEAD = """\
id: laughs
title: Laughs
questions:
  - id: q
    title: T
    prompt: P
"""  # the hostile part starts on line 7


def billion_laughs(size: int = 200_000) -> str:
    """One question, key point and alias, each repeated by alias: ~size bytes that the schema
    would walk as (size / 20) ** 3 terms of (size / 20) ** 2 questions if aliases were followed."""
    width = size // 20
    return "".join([
        "id: laughs\ntitle: Laughs\nquestions:\n  - &q\n    id: q\n    title: T\n    prompt: P\n    answer: A\n",
        "    key_points:\n      - &k\n        name: n\n        aliases: [&s lol" + ", *s" * width + "]\n",
        "      - *k\n" * width,
        "  - *q\n" * width,
    ])


FLOW_DEEP = "[" * 20_000 + "]" * 20_000
BLOCK_DEEP = "- " * 20_000 + "x\n"
MAPPING_DEEP = "{a: " * 20_000 + "b" + "}" * 20_000
INDENTED_DEEP = "".join(" " * depth + "-\n" for depth in range(2_000))  # block style, one level a line


def outcome(text: str, loader: Any) -> tuple[int, str, str] | str:
    try:
        compose(text, loader)
    except Rejected as exc:
        return (exc.line, exc.field, exc.message)
    return "composed"


def only_error_of(text: str) -> ContentError:
    with pytest.raises(ContentErrors) as caught:
        load_pack_text(text, "hostile.yaml")
    assert len(caught.value.errors) == 1, caught.value.errors
    return caught.value.errors[0]


def test_billion_laughs_is_refused_at_its_first_anchor_in_well_under_a_second() -> None:
    text = billion_laughs()
    assert 150_000 < len(text.encode()) < 250_000
    started = time.perf_counter()
    error = only_error_of(text)
    assert time.perf_counter() - started < 0.5
    assert error == ContentError("hostile.yaml", 4, "yaml", "anchors (&q) are not allowed in packs")


def test_an_alias_without_an_anchor_is_refused_too() -> None:
    error = only_error_of(HEAD + "    answer: *a0\n")
    assert (error.line, error.field, error.message) == (7, "yaml", "aliases (*a0) are not allowed in packs")


@pytest.mark.parametrize("text", [FLOW_DEEP, BLOCK_DEEP, MAPPING_DEEP], ids=["flow", "block", "mapping"])
def test_nesting_20000_deep_is_an_error_not_a_recursion_error(text: str) -> None:
    started = time.perf_counter()
    error = only_error_of(text)
    assert time.perf_counter() - started < 0.5
    assert error == ContentError("hostile.yaml", 1, "yaml", f"nested more than {MAX_DEPTH} levels deep")


def test_block_nesting_one_level_a_line_is_refused_at_the_first_line_too_deep() -> None:
    error = only_error_of(INDENTED_DEEP)
    assert (error.line, error.message) == (MAX_DEPTH + 1, f"nested more than {MAX_DEPTH} levels deep")


@pytest.mark.parametrize("loader", PARSERS)
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (billion_laughs(2_000), (4, "yaml", "anchors (&q) are not allowed in packs")),
        ("a: [x, *y]\n", (1, "yaml", "aliases (*y) are not allowed in packs")),
        ("a:\n  b: &s text\n", (2, "yaml", "anchors (&s) are not allowed in packs")),
        (FLOW_DEEP, (1, "yaml", f"nested more than {MAX_DEPTH} levels deep")),
        (BLOCK_DEEP, (1, "yaml", f"nested more than {MAX_DEPTH} levels deep")),
        (MAPPING_DEEP, (1, "yaml", f"nested more than {MAX_DEPTH} levels deep")),
        ("[\n" * 30, (MAX_DEPTH + 1, "yaml", f"nested more than {MAX_DEPTH} levels deep")),
        ("[" * MAX_DEPTH + "]" * MAX_DEPTH, "composed"),
        ("- x\n" * MAX_NODES, (MAX_NODES, "yaml", f"more than {MAX_NODES:,} values (strings, lists and "
                                                  "mappings) in one pack")),
        ("- x\n" * (MAX_NODES - 1), "composed"),  # the list itself is a value too
        ("q:\n  - answer: " + "x" * (MAX_STRING_CHARS + 1),
         (2, "q[0].answer", f"a string of {MAX_STRING_CHARS + 1:,} characters, over the limit of "
                            f"{MAX_STRING_CHARS:,}")),
        ("q:\n  - answer: " + "x" * MAX_STRING_CHARS, "composed"),
        ("a: 1\n---\nb: 2\n", (2, "yaml", "invalid YAML: expected a single document in the stream but found "
                                          "another document")),
        ("a: 中文\nb: \x07\n", (2, "yaml", "invalid YAML: unacceptable character #x0007")),
        ("a: 中文\nb: \ud800\n", (2, "yaml", "invalid YAML: unacceptable character #xd800")),
    ],
    ids=["laughs", "alias", "anchor", "flow", "block", "mapping", "lines", "depth-ok", "nodes", "nodes-ok",
         "string", "string-ok", "documents", "control", "surrogate"],
)
def test_both_parsers_give_the_same_answer(loader: Any, text: str, expected: tuple[int, str, str] | str) -> None:
    assert outcome(text, loader) == expected


@pytest.mark.parametrize("loader", PARSERS)
def test_composed_nodes_match_pyyaml_composer_on_the_shipped_pack(loader: Any) -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    assert _shape(compose(text, loader)) == _shape(yaml.compose(text, Loader=loader))


def _shape(node: yaml.Node | None) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return (node.tag, node.value, node.start_mark.line, node.end_mark.line)
    if isinstance(node, yaml.SequenceNode):
        return (node.tag, node.start_mark.line, node.end_mark.line, [_shape(item) for item in node.value])
    assert isinstance(node, yaml.MappingNode)
    return (node.tag, node.start_mark.line, node.end_mark.line,
            [(_shape(key), _shape(value)) for key, value in node.value])


def test_a_file_of_exactly_the_size_limit_loads_and_one_byte_more_is_refused(tmp_path: Path) -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    padding = MAX_PACK_BYTES - len(text.encode()) - len("#\n")
    path = tmp_path / "big.yaml"
    path.write_text(text + "#" + "x" * padding + "\n", encoding="utf-8")
    assert path.stat().st_size == MAX_PACK_BYTES
    assert len(load_pack(path).questions) == 18
    with path.open("a", encoding="utf-8") as file:
        file.write("#")
    line_over = text.count("\n") + 2  # the line after the padding comment holds the byte too many
    assert lint_paths([path]) == [
        ContentError(str(path), line_over, "file", f"the file is over the limit of {MAX_PACK_BYTES:,} bytes")]
    too_big = path.read_text(encoding="utf-8")
    assert only_error_of(too_big) == ContentError(
        "hostile.yaml", line_over, "file",
        f"the file is {MAX_PACK_BYTES + 1:,} bytes, over the limit of {MAX_PACK_BYTES:,}")


def test_a_file_far_over_the_limit_is_not_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as file:
        file.truncate(1 << 30)  # sparse: a gigabyte of zero bytes that costs no disk
    started = time.perf_counter()
    (error,) = lint_paths([path])
    assert time.perf_counter() - started < 0.5
    assert (error.line, error.field) == (1, "file")


def test_a_named_pipe_is_refused_rather_than_read_forever(tmp_path: Path) -> None:
    import os

    path = tmp_path / "pipe.yaml"
    os.mkfifo(path)
    assert lint_paths([path]) == [ContentError(str(path), 0, "path", "not a regular file")]


def test_difficulty_of_thousands_of_digits_is_an_ordinary_error() -> None:
    text = HEAD + "    answer: A\n    key_points: [{name: k}]\n    difficulty: " + "9" * 5_000 + "\n"
    error = only_error_of(text)
    assert (error.line, error.field, error.message) == (9, "questions[0].difficulty", "must be from 1 to 3")
