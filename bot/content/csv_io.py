"""Question packs as CSV/TSV tables (import and export) and as readable Markdown (export).

The table has one question per row under a header row; column names, in any order:

    title, prompt, answer, key_points       required
    tags, difficulty, id, language          optional (defaults: none, 2, a slug of the title, zh)
    title_en, prompt_en, answer_en, key_points_en   the question in another language (also _zh)

``key_points`` is ``name: alias, alias; name: alias; name`` (the chat form, points separated by
``;``). ``key_points_en`` holds the same points' English names, in the same order and separated
by ``;`` (an empty entry: that point has no English name); aliases count in every language, so
they are written once, in ``key_points``. ``tags`` are separated by ``,``. The unsuffixed texts
are in the row's ``language``. Key point details, notes and sources have no column.

Reading is bounded (file size, rows, field size) and all-or-nothing: every bad row is reported
as ``file:line: column: message`` with the physical line where the row starts, and the pack is
then checked by the same loader and bank checks as any pack (bot.content.lint), their errors
mapped back to the row. Imports only bot.content (never bot.core, bot.storage or adapters).
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from bot.content.errors import ContentError, ContentErrors
from bot.content.importer import dump_pack, free_id, id_for_title, slugify
from bot.content.lint import check_paths
from bot.content.loader import MAX_QUESTIONS
from bot.content.model import TEXT_LANGUAGES, KeyPoint, Pack, Question, Translation
from bot.content.yaml_guard import MAX_PACK_BYTES, MAX_STRING_CHARS

DELIMITERS = {".csv": ",", ".tsv": "\t"}
REQUIRED = ("title", "prompt", "answer", "key_points")
OPTIONAL = ("tags", "difficulty", "id", "language")
TRANSLATED = ("title", "prompt", "answer", "key_points")
COLUMNS = ("id", "title", "prompt", "answer", "key_points", "tags", "difficulty", "language")
MAX_CSV_BYTES = MAX_PACK_BYTES
MAX_ROWS = MAX_QUESTIONS
MAX_FIELD_CHARS = MAX_STRING_CHARS  # every field's own limit is the loader's, and smaller

_KNOWN = frozenset(REQUIRED + OPTIONAL + tuple(f"{c}_{lang}" for c in TRANSLATED for lang in TEXT_LANGUAGES))
_QUESTION_START = re.compile(r"^  - id: ", re.MULTILINE)  # dump_pack's layout of `questions:`
_ERROR_FIELD = re.compile(r"^questions\[\d+\]\.?")
_ESCAPED = frozenset("\\;:,")
_Error = Callable[[str, str], None]  # (column, message)


def delimiter_for(path: Path) -> str | None:
    """The delimiter a table file's extension stands for; None for other files."""
    return DELIMITERS.get(path.suffix.lower())


# -- import -----------------------------------------------------------------------------------

def import_table(data: bytes, source_name: str, delimiter: str, pack_id: str, title: str) -> tuple[str, Pack]:
    """The pack's YAML and the pack read back from it; raises ContentErrors listing every bad row."""
    questions, lines = read_questions(data, source_name, delimiter)
    yaml_text = dump_pack(pack_id, title, questions,
                          comment=f"Imported from {source_name} by `interview-bot content import`.")
    return yaml_text, _check(yaml_text, source_name, questions, lines)


def read_questions(data: bytes, source_name: str, delimiter: str) -> tuple[list[Question], list[int]]:
    """Every row as a Question, with the line each row starts on; raises ContentErrors."""
    errors: list[ContentError] = []

    def fail(line: int, column: str, message: str) -> ContentErrors:
        return ContentErrors([*errors, ContentError(source_name, line, column, message)])

    if len(data) > MAX_CSV_BYTES:
        raise fail(data.count(b"\n", 0, MAX_CSV_BYTES) + 1, "file",
                   f"the file is {len(data):,} bytes, over the limit of {MAX_CSV_BYTES:,}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise fail(data[:exc.start].count(b"\n") + 1, "encoding", "the file is not valid UTF-8") from None
    with _field_limit(MAX_FIELD_CHARS):
        questions, lines = _read_rows(_rows(text, delimiter, source_name), source_name, errors, fail)
    _assign_ids(questions, lines, source_name, errors)
    if errors:
        raise ContentErrors(errors)
    return questions, lines


def _read_rows(rows: Iterable[tuple[int, list[str]]], source_name: str, errors: list[ContentError],
               fail: Callable[[int, str, str], ContentErrors]) -> tuple[list[Question], list[int]]:
    header: list[str] | None = None
    header_line = 1
    questions: list[Question] = []
    lines: list[int] = []
    count = 0
    for line, cells in rows:
        if not any(cell.strip() for cell in cells):
            continue
        if header is None:
            header, header_line = _header(cells, source_name, line, errors), line
            if errors:
                raise ContentErrors(errors)
            continue
        count += 1  # bad rows too: a million of them would be a million errors
        if count > MAX_ROWS:
            raise fail(line, "file", f"more than {MAX_ROWS} rows (the limit of questions in a pack)")
        if len(cells) != len(header):
            errors.append(ContentError(source_name, line, "row",
                                       f"{len(cells)} fields, but the header has {len(header)}"))
            continue
        question = _question(dict(zip(header, cells, strict=True)), source_name, line, errors)
        if question is not None:
            questions.append(question)
            lines.append(line)
    if header is None:
        raise fail(1, "header", f"no header row; expected the columns {', '.join(REQUIRED + OPTIONAL)}")
    if not questions and not errors:
        raise fail(header_line, "file", "no questions under the header")
    return questions, lines


@contextmanager
def _field_limit(limit: int) -> Iterator[None]:
    # The limit is the csv module's global; restore whatever the process had.
    previous = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def _rows(text: str, delimiter: str, source_name: str) -> Iterator[tuple[int, list[str]]]:
    """(line the row starts on, its cells) for each row, read as needed (a file of blank lines
    is a million rows); csv errors as ContentErrors. Call under _field_limit."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ContentErrors([ContentError(source_name, start, "row", f"not valid CSV: {exc}")]) from None
        yield start, cells


def _header(cells: list[str], source_name: str, line: int, errors: list[ContentError]) -> list[str]:
    if len(cells) > len(_KNOWN):
        errors.append(ContentError(source_name, line, "header", f"{len(cells):,} columns; there are only "
                                                                f"{len(_KNOWN)} kinds"))
        return []
    names = [cell.strip().lower() for cell in cells]
    for name in names:
        if name not in _KNOWN:
            errors.append(ContentError(source_name, line, "header", f"unknown column {name!r}"))
    for name in sorted({n for n in names if names.count(n) > 1}):
        errors.append(ContentError(source_name, line, "header", f"column {name!r} appears twice"))
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        errors.append(ContentError(source_name, line, "header", f"missing column(s) {', '.join(missing)}"))
    return names


def _question(row: dict[str, str], source_name: str, line: int, errors: list[ContentError]) -> Question | None:
    failed = len(errors)

    def error(column: str, message: str) -> None:
        errors.append(ContentError(source_name, line, column, message))

    language = row.get("language", "").strip() or "zh"
    if language not in TEXT_LANGUAGES:
        error("language", f"{language!r} is not one of {', '.join(TEXT_LANGUAGES)}")
        language = "zh"
    difficulty = 2
    if row.get("difficulty", "").strip():
        try:
            difficulty = int(row["difficulty"].strip())
        except ValueError:
            error("difficulty", f"{row['difficulty'].strip()!r} is not a whole number")
    points = _key_points(row["key_points"], error)
    translations: list[Translation] = []
    names: list[list[tuple[str, str]]] = [[] for _ in points]
    for other in TEXT_LANGUAGES:
        texts = {column: row.get(f"{column}_{other}", "").strip() for column in TRANSLATED}
        if not any(texts.values()):
            continue
        if other == language:
            error(f"title_{other}", f"the row is in {other!r} already; its {other} text goes in the unsuffixed columns")
            continue
        translations.append(Translation(other, texts["title"], texts["prompt"], texts["answer"]))
        for index, name in enumerate(_translated_names(texts["key_points"], len(points), other, error)):
            if name:
                names[index].append((other, name))
    if len(errors) > failed:
        return None
    return Question(
        id=row.get("id", "").strip(), title=row["title"].strip(), prompt=row["prompt"].strip(),
        answer=row["answer"].strip(),
        key_points=tuple(KeyPoint(p.name, p.aliases, names=tuple(n)) for p, n in zip(points, names, strict=True)),
        tags=tuple(tag.strip() for tag in row.get("tags", "").split(",") if tag.strip()),
        difficulty=difficulty, language=language, translations=tuple(translations))


def split_points(cell: str) -> list[tuple[str, list[str]]]:
    """``name: alias, alias; name`` as (name, aliases) pairs, empty items dropped. A backslash
    makes the next ``;``, ``:``, ``,`` or backslash part of the text (``min(1\\, p/q)``); before
    any other character it is itself."""
    points: list[list[list[str]]] = [[[]]]  # point -> [name, alias, ...] -> characters
    chars = iter(cell)
    for ch in chars:
        if ch == "\\":
            following = next(chars, "")
            points[-1][-1].append(following if following in _ESCAPED else ch + following)
        elif ch == ";":
            points.append([[]])
        elif ch == ":" and len(points[-1]) == 1:
            points[-1].append([])
        elif ch == "," and len(points[-1]) > 1:
            points[-1].append([])
        else:
            points[-1][-1].append(ch)
    result = []
    for name, *aliases in (["".join(part).strip() for part in point] for point in points):
        if name or any(aliases):
            result.append((name, [alias for alias in aliases if alias]))
    return result


def join_points(points: Iterable[tuple[str, Iterable[str]]]) -> str:
    """The inverse of split_points."""
    return "; ".join(_escape(name) + (": " + ", ".join(map(_escape, aliases)) if aliases else "")
                     for name, aliases in ((n, list(a)) for n, a in points))


def _escape(text: str) -> str:
    return re.sub(r"([\\;:,])", r"\\\1", text)


def _key_points(cell: str, error: _Error) -> list[KeyPoint]:
    points = []
    for name, aliases in split_points(cell):
        if not name:
            error("key_points", f"aliases {', '.join(aliases)!r} have no key point name before their ':'")
            continue
        points.append(KeyPoint(name, tuple(aliases)))
    if not points:
        error("key_points", "no key points; write them as 'name: alias, alias; name: alias'")
    return points


def _translated_names(cell: str, count: int, language: str, error: _Error) -> list[str]:
    if not cell:
        return []
    names = [""]
    chars = iter(cell)
    for ch in chars:
        if ch == "\\":
            following = next(chars, "")
            names[-1] += following if following in _ESCAPED else ch + following
        elif ch == ";":
            names.append("")
        else:
            names[-1] += ch
    names = [name.strip() for name in names]
    if len(names) == count + 1 and not names[-1]:
        names.pop()  # a trailing ';'
    if len(names) != count:
        error(f"key_points_{language}", f"{len(names)} names for {count} key points; give one per key point, "
                                        "in the order of key_points")
        return []
    return names


def _assign_ids(questions: list[Question], lines: list[int], source_name: str, errors: list[ContentError]) -> None:
    """Give rows without an id one made from their title, unique in the file."""
    taken: dict[str, int] = {}
    for question, line in zip(questions, lines, strict=True):
        if question.id in taken:
            errors.append(ContentError(source_name, line, "id", f"{question.id!r} is also the id on line "
                                                                f"{taken[question.id]}"))
        elif question.id:
            taken[question.id] = line
    for index, (question, line) in enumerate(zip(questions, lines, strict=True)):
        if question.id:
            continue
        english = next((t.title for t in question.translations if t.language == "en"), None)
        base = slugify(english or question.title)
        candidate = free_id(id_for_title(question.title) if base == "question" else base, taken)
        taken[candidate] = line
        questions[index] = replace(question, id=candidate)


def _check(yaml_text: str, source_name: str, questions: list[Question], lines: list[int]) -> Pack:
    """Load the pack as lint does; an error in the YAML is reported at its row and column."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pack.yaml"
        path.write_text(yaml_text, encoding="utf-8")
        bank, found = check_paths([path])
    if bank is not None:
        return bank.packs[0]
    starts = [yaml_text.count("\n", 0, m.start()) + 1 for m in _QUESTION_START.finditer(yaml_text)]
    errors = []
    for error in found:
        index = bisect_right(starts, error.line) - 1
        if 0 <= index < len(questions):
            errors.append(ContentError(source_name, lines[index], _column(error.field, questions[index]),
                                       error.message))
        else:
            errors.append(ContentError(source_name, 1, error.field, error.message))
    raise ContentErrors(sorted(set(errors)))


def _column(field: str, question: Question) -> str:
    """The loader's field (questions[3].key_points[0].name.en) as the CSV column (key_points_en)."""
    parts = _ERROR_FIELD.sub("", field).split(".")
    column = parts[0].split("[")[0] or "row"
    other = next((p for p in parts[1:] if p in TEXT_LANGUAGES and p != question.language), None)
    if column in TRANSLATED and other:
        return f"{column}_{other}"
    return column


# -- export -----------------------------------------------------------------------------------

def write_table(questions: Iterable[Question], delimiter: str) -> str:
    """The questions as a table import_table reads back to equal questions (details, notes and
    sources aside, which the table has no column for); separators inside a key point's name or
    alias are escaped with a backslash."""
    questions = list(questions)
    others = [lang for lang in TEXT_LANGUAGES if any(t.language == lang for q in questions for t in q.translations)]
    header = [*COLUMNS, *(f"{c}_{lang}" for lang in others for c in TRANSLATED)]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for q in questions:
        row = [q.id, q.title, q.prompt, q.answer, join_points((p.name, p.aliases) for p in q.key_points),
               ", ".join(q.tags), str(q.difficulty), q.language]
        for lang in others:
            found = next((t for t in q.translations if t.language == lang), None)
            names = "; ".join(_escape(dict(p.names).get(lang, "")) for p in q.key_points)
            row += [found.title, found.prompt, found.answer, names] if found else ["", "", "", ""]
        writer.writerow(row)
    return buffer.getvalue()


def write_markdown(pack: Pack, questions: Iterable[Question]) -> str:
    """A readable document: per question its title, prompt, key points and answer, in each of
    its languages."""
    out = [f"# {pack.title}", ""]
    if pack.description:
        out += [pack.description[0][1], ""]
    for q in questions:
        for lang in q.languages:
            suffix = f" ({lang})" if len(q.languages) > 1 else ""
            out += [f"## {q.title_in(lang)}{suffix}", "",
                    f"`{q.id}` · difficulty {q.difficulty} · tags: {', '.join(q.tags) or '-'}", "",
                    "**Prompt**", "", q.prompt_in(lang), "", "**Key points**", ""]
            for point in q.key_points:
                aliases = f" ({', '.join(point.aliases)})" if point.aliases else ""
                detail = f": {point.detail_in(lang)}" if point.detail_in(lang) else ""
                out.append(f"- {point.name_in(lang)}{aliases}{detail}")
            out += ["", "**Answer**", "", q.answer_in(lang), ""]
    return "\n".join(out)
