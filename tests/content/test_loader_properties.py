"""Whatever text it is given, load_pack_text answers with a Pack or ContentErrors, never another
exception, and within 100 ms; and libyaml and the pure Python parser agree on what is refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.content.errors import ContentErrors
from bot.content.loader import load_pack_text
from bot.content.model import Pack
from bot.content.yaml_guard import Rejected, compose

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = (ROOT / "content" / "packs" / "llm-engineering.yaml").read_text(encoding="utf-8")
QUICK = settings(max_examples=150, deadline=100, suppress_health_check=[HealthCheck.too_slow])

# Fragments that mean something to YAML, to splice into otherwise sensible text.
SYNTAX = ["&a ", "*a", "[", "]", "{", "}", ": ", "- ", "? ", "\n", "\t", "!!int ", "!x ", "%YAML 1.1\n",
          "---\n", "...\n", "'", '"', "|\n", ">-\n", "#", ",", "\ufeff", "\x00", "<<: ", "  "]
KEYS = ["id", "title", "questions", "prompt", "answer", "key_points", "name", "aliases", "detail", "tags",
        "difficulty", "language", "source", "notes", "key_point", "quote", "text"]

scalars = st.one_of(
    st.text(max_size=30), st.sampled_from(KEYS), st.integers(), st.booleans(), st.none(),
    st.floats(allow_nan=False), st.text(alphabet="ab-1", min_size=1, max_size=70),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=6),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=8)), inner, max_size=6),
    ),
    max_leaves=40,
)


def nested(value: Any, depth: int) -> Any:
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


def dumped(value: Any, flow: bool) -> str:
    return yaml.safe_dump(value, allow_unicode=True, default_flow_style=flow, sort_keys=False)


def loads_or_errs(text: str) -> None:
    try:
        result = load_pack_text(text, "fuzz.yaml")
    except ContentErrors as exc:
        assert exc.errors and all(error.path == "fuzz.yaml" for error in exc.errors)
    else:
        assert isinstance(result, Pack)


@QUICK
@given(st.text(st.characters(exclude_categories=()), max_size=2_000))  # surrogates and control characters too
def test_arbitrary_text_gives_a_pack_or_content_errors(text: str) -> None:
    loads_or_errs(text)


@QUICK
@given(documents, st.integers(min_value=0, max_value=30), st.booleans(), st.integers(min_value=0, max_value=3_000))
def test_arbitrary_yaml_documents_give_a_pack_or_content_errors(
    document: Any, depth: int, flow: bool, brackets: int
) -> None:
    text = dumped(nested(document, depth), flow)
    if flow:  # deeper than the dumper itself could go without recursing
        text = "[" * brackets + text + "]" * brackets
    loads_or_errs(text)


@QUICK
@given(st.integers(min_value=1, max_value=12), st.integers(min_value=1, max_value=12), documents)
def test_documents_with_anchors_and_aliases_give_content_errors(levels: int, width: int, document: Any) -> None:
    """Alias bombs of any size, among ordinary content."""
    lines = [dumped({"before": document}, False), 'a0: &a0 ["lol"]\n']
    lines += [f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * width) + "]\n" for n in range(1, levels + 1)]
    loads_or_errs("".join(lines))


@QUICK
@given(st.integers(min_value=1, max_value=60), st.integers(min_value=1, max_value=60),
       st.integers(min_value=1, max_value=60))
def test_aliases_fanned_out_where_the_schema_walks_give_content_errors(questions: int, points: int,
                                                                       terms: int) -> None:
    """The same question, key point and alias repeated: a pack walked in full would be
    questions * points * terms deep in duplicate checks."""
    alias_list = "[&s x" + ", *s" * (terms - 1) + "]"
    point_list = f"[&k {{name: n, aliases: {alias_list}}}" + ", *k" * (points - 1) + "]"
    question = f"&q {{id: q, title: t, prompt: p, answer: a, key_points: {point_list}}}"
    loads_or_errs("id: bomb\ntitle: T\nquestions:\n  - " + question + "\n  - *q" * (questions - 1) + "\n")


@st.composite
def pack_shaped(draw: st.DrawFn) -> dict[str, Any]:
    """Mostly the schema's keys with values of any shape, so the checks past parsing run too."""
    question = draw(st.fixed_dictionaries(
        {"id": st.text(alphabet="abc-", max_size=80), "title": scalars, "prompt": scalars, "answer": scalars,
         "key_points": st.lists(st.fixed_dictionaries({"name": scalars}, optional={"aliases": documents}),
                                max_size=4)},
        optional={"tags": documents, "difficulty": scalars, "notes": documents, "language": scalars},
    ))
    return {"id": draw(st.sampled_from(["pack", "Bad Id", ""])), "title": "T", "questions": [question]}


@QUICK
@given(pack_shaped(), st.booleans())
def test_pack_shaped_documents_give_a_pack_or_content_errors(document: dict[str, Any], flow: bool) -> None:
    loads_or_errs(dumped(document, flow))


@st.composite
def mutated_shipped_pack(draw: st.DrawFn) -> str:
    """The shipped pack with a few cuts, copies and splices of YAML syntax."""
    text = SHIPPED
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        at = draw(st.integers(min_value=0, max_value=len(text)))
        length = draw(st.integers(min_value=0, max_value=200))
        edit = draw(st.sampled_from(["delete", "insert", "copy", "syntax", "number"]))
        if edit == "delete":
            text = text[:at] + text[at + length:]
        elif edit == "insert":
            text = text[:at] + draw(st.text(max_size=20)) + text[at:]
        elif edit == "copy":
            text = text[:at] + text[at:at + length] * draw(st.integers(min_value=2, max_value=5)) + text[at:]
        elif edit == "syntax":
            text = text[:at] + draw(st.sampled_from(SYNTAX)) + text[at:]
        else:  # a difficulty of thousands of digits
            text = text.replace("difficulty: ", "difficulty: " + "9" * draw(st.integers(0, 6_000)), 1)
    return text


@QUICK
@given(mutated_shipped_pack())
def test_mutations_of_the_shipped_pack_give_a_pack_or_content_errors(text: str) -> None:
    loads_or_errs(text)


def outcome(text: str, loader: Any) -> tuple[str, Any]:
    try:
        root = compose(text, loader)
    except Rejected as exc:
        return ("rejected", (exc.line, exc.field, exc.message))
    except yaml.YAMLError:
        return ("invalid", None)
    return ("composed", root is None)


@settings(max_examples=100, deadline=None)
@given(documents, st.integers(min_value=0, max_value=30), st.booleans(), st.sampled_from(SYNTAX),
       st.integers(min_value=0, max_value=10_000))
def test_both_parsers_refuse_the_same_documents_the_same_way(
    document: Any, depth: int, flow: bool, splice: str, where: int
) -> None:
    text = dumped(nested(document, depth), flow)
    at = where % (len(text) + 1)
    text = text[:at] + splice + text[at:]
    python = outcome(text, yaml.SafeLoader)
    c = outcome(text, getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    if "invalid" not in (python[0], c[0]):  # where the two parsers differ on the YAML itself, no claim
        assert python == c
