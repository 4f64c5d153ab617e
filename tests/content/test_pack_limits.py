"""Every field and count of a pack has an upper bound: a pack at each bound loads, one over it
is an error naming its line and field. Generated ids (slugify) always pass."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.content import loader
from bot.content.errors import ContentError, ContentErrors
from bot.content.importer import SLUG_CHARS, slugify
from bot.content.loader import SLUG, load_pack_text
from bot.content.model import Pack

DEFAULTS = {
    "id": "limits", "title": "Limits", "question_id": "q", "question_title": "Title", "prompt": "Prompt?",
    "answer": "an answer", "name": "name", "alias": "alias", "detail": "detail", "tag": "tag", "language": "en",
    "source": "src", "note": "note", "quote": "answer",
}


class Built:
    """A pack's text and the line of each field in it, named as the loader names them."""

    def __init__(self, values: dict[str, str], questions: int, points: int, aliases: int, tags: int,
                 notes: int) -> None:
        self.lines: list[str] = []
        self.at: dict[str, int] = {}
        v = {**DEFAULTS, **values}
        self.add("id", f"id: {v['id']}")
        self.add("title", f"title: {v['title']}")
        self.lines.append("questions:")
        for q in range(questions):
            where = f"questions[{q}]"
            self.add(f"{where}.id", f"  - id: {v['question_id'] if q == 0 else f'q{q}'}")
            for key in ("title", "prompt", "answer"):
                self.add(f"{where}.{key}", f"    {key}: {v['question_title' if key == 'title' else key]}")
            self.lines.append("    key_points:")
            for k in range(points):
                here = f"{where}.key_points[{k}]"
                self.add(f"{here}.name", f"      - name: {v['name'] if k == 0 else f'point{k}'}")
                self.lines.append("        aliases:")
                for a in range(aliases):
                    self.add(f"{here}.aliases[{a}]", f"          - {v['alias'] if (k, a) == (0, 0) else f'p{k}a{a}'}")
                self.add(f"{here}.detail", f"        detail: {v['detail']}")
            self.lines.append("    tags:")
            for t in range(tags):
                self.add(f"{where}.tags[{t}]", f"      - {v['tag'] if t == 0 else f'tag{t}'}")
            self.add(f"{where}.language", f"    language: {v['language']}")
            self.add(f"{where}.source", f"    source: {v['source']}")
            if notes:
                self.lines.append("    notes:")
            for n in range(notes):
                self.add(f"{where}.notes[{n}].key_point", f"      - key_point: {v['name']}")
                self.add(f"{where}.notes[{n}].quote", f"        quote: {v['quote']}")
                self.add(f"{where}.notes[{n}].text", f"        text: {v['note']}")
        self.text = "\n".join(self.lines) + "\n"

    def add(self, field: str, line: str) -> None:
        self.at[field] = len(self.lines) + 1
        self.lines.append(line)


def build(values: dict[str, str] | None = None, *, questions: int = 1, points: int = 1, aliases: int = 1,
          tags: int = 1, notes: int = 1) -> Built:
    return Built(values or {}, questions, points, aliases, tags, notes)


def errors_of(text: str) -> list[ContentError]:
    try:
        load_pack_text(text, "limits.yaml")
    except ContentErrors as exc:
        return exc.errors
    return []


def test_the_default_pack_loads() -> None:
    pack = load_pack_text(build().text, "limits.yaml")
    assert pack.questions[0].notes[0].quote == "answer"


# (value key, field as the loader names it, limit, a value of length n)
FIELDS = [
    ("id", "id", loader.MAX_ID_CHARS, lambda n: "a" * n),
    ("title", "title", loader.MAX_TITLE_CHARS, lambda n: "t" * n),
    ("question_id", "questions[0].id", loader.MAX_ID_CHARS, lambda n: ("ab-" * n)[:n - 1] + "z"),
    ("question_title", "questions[0].title", loader.MAX_TITLE_CHARS, lambda n: "t" * n),
    ("prompt", "questions[0].prompt", loader.MAX_PROMPT_CHARS, lambda n: "p" * n),
    ("answer", "questions[0].answer", loader.MAX_ANSWER_CHARS, lambda n: "answer" + "a" * (n - 6)),
    ("name", "questions[0].key_points[0].name", loader.MAX_TERM_CHARS, lambda n: "n" * n),
    ("alias", "questions[0].key_points[0].aliases[0]", loader.MAX_TERM_CHARS, lambda n: "l" * n),
    ("detail", "questions[0].key_points[0].detail", loader.MAX_DETAIL_CHARS, lambda n: "d" * n),
    ("tag", "questions[0].tags[0]", loader.MAX_ID_CHARS, lambda n: "g" * n),
    ("language", "questions[0].language", loader.MAX_LANGUAGE_CHARS, lambda n: "en-" + "x" * (n - 3)),
    ("source", "questions[0].source", loader.MAX_SOURCE_CHARS, lambda n: "s" * n),
    ("note", "questions[0].notes[0].text", loader.MAX_NOTE_CHARS, lambda n: "o" * n),
]


@pytest.mark.parametrize(("key", "field", "limit", "make"), FIELDS, ids=[f[0] for f in FIELDS])
def test_a_field_at_its_limit_loads_and_one_character_more_is_an_error_at_its_line(
    key: str, field: str, limit: int, make: object
) -> None:
    assert callable(make)
    at_limit = make(limit)
    assert len(at_limit) == limit
    notes = 0 if key == "name" else 1  # a note names the key point: one error is enough here
    assert errors_of(build({key: at_limit}, notes=notes).text) == []
    over = build({key: make(limit + 1)}, notes=notes)
    assert errors_of(over.text) == [
        ContentError("limits.yaml", over.at[field], field, f"at most {limit:,} characters, got {limit + 1:,}")]


def test_a_quote_at_its_limit_loads_and_one_more_is_an_error() -> None:
    limit = loader.MAX_NOTE_CHARS
    assert errors_of(build({"answer": "q" * (limit + 1), "quote": "q" * limit}).text) == []
    over = build({"answer": "q" * (limit + 1), "quote": "q" * (limit + 1)})
    field = "questions[0].notes[0].quote"
    assert errors_of(over.text) == [
        ContentError("limits.yaml", over.at[field], field, f"at most {limit:,} characters, got {limit + 1:,}")]


# (count keyword, the list's field, limit, the field of the first item over the limit)
COUNTS = [
    ("questions", "questions", loader.MAX_QUESTIONS, "questions[{n}].id"),
    ("points", "questions[0].key_points", loader.MAX_KEY_POINTS, "questions[0].key_points[{n}].name"),
    ("aliases", "questions[0].key_points[0].aliases", loader.MAX_ALIASES,
     "questions[0].key_points[0].aliases[{n}]"),
    ("tags", "questions[0].tags", loader.MAX_TAGS, "questions[0].tags[{n}]"),
    ("notes", "questions[0].notes", loader.MAX_NOTES, "questions[0].notes[{n}].key_point"),
]


@pytest.mark.parametrize(("count", "field", "limit", "first_over"), COUNTS, ids=[c[0] for c in COUNTS])
def test_a_list_at_its_limit_loads_and_one_item_more_is_an_error_at_that_item(
    count: str, field: str, limit: int, first_over: str
) -> None:
    assert errors_of(build(**{count: limit}).text) == []  # type: ignore[arg-type]
    over = build(**{count: limit + 1})  # type: ignore[arg-type]
    line = over.at[first_over.format(n=limit)]
    assert errors_of(over.text) == [
        ContentError("limits.yaml", line, field, f"at most {limit:,} items, got {limit + 1:,}")]


def test_a_question_id_from_a_long_english_title_is_refused_not_saved() -> None:
    """The id that once reached the database (over 128 characters) and broke posting."""
    long_id = slugify("how do you " * 20, max_chars=200)
    assert len(long_id) > 128
    built = build({"question_id": long_id})
    (error,) = errors_of(built.text)
    assert (error.line, error.field) == (built.at["questions[0].id"], "questions[0].id")
    assert error.message == f"at most {loader.MAX_ID_CHARS} characters, got {len(long_id)}"


def test_an_unknown_key_of_a_thousand_characters_is_named_short() -> None:
    text = build().text.replace("    prompt:", "    " + "k" * 1_000 + ": 1\n    prompt:")
    (error,) = errors_of(text)
    assert error.field == "questions[0]." + "k" * 40 + "…"
    assert "k" * 61 not in str(error)


def test_slugify_cuts_a_long_title_at_a_word_boundary() -> None:
    title = "How do you choose a model architecture for a large language model startup with little compute?"
    slug = slugify(title)
    assert slug == "how-do-you-choose-a-model-architecture-for-a"
    assert len(slug) <= SLUG_CHARS
    assert slugify("x" * 100) == "x" * SLUG_CHARS  # one word too long for any boundary
    assert slugify("Early stopping") == "early-stopping"
    assert slugify("过拟合") == "question"


@given(st.text(max_size=400), st.integers(min_value=1, max_value=999))
def test_slugify_always_makes_ids_the_loader_accepts(title: str, number: int) -> None:
    slug = slugify(title)
    assert SLUG.match(slug) and len(slug) <= SLUG_CHARS
    # What callers add around a slug: an entry number, a clash suffix, the chat pack's prefix.
    for made in (f"{slug}-{number:02d}", f"{slug}-{number}", f"custom-{slug}"):
        pack = load_pack_text(build({"question_id": made, "id": made}).text, "limits.yaml")
        assert isinstance(pack, Pack) and re.fullmatch(r"[a-z0-9-]+", pack.questions[0].id)
