"""Checks of the bank's content as a whole, run by load_bank after every file has loaded.

- Each key point is found by the grader in its own question's reference answer, in each of
  the question's languages (its name in that language or an alias), so an answer written like
  the reference answer earns every point.
- No two questions, in the same pack or in two packs, are near-duplicates. The importer's
  measure (bot.content.importer): the SequenceMatcher ratio of normalized text, here of the
  prompt and answer together, in a language both questions have. At ``SAME_TEXT`` or more
  they are one question whatever their titles; from ``DUPLICATE_SIMILARITY`` when, as the
  importer requires, one title is the other with words added. Titles that differ in the word
  naming the subject (过拟合 / 泛化) keep two questions with templated answers apart.

The per-file checks (limits, ids, aliases shared by two key points, languages) are the
loader's. Imports only bot.content (never bot.core, bot.storage or adapters).
"""

from __future__ import annotations

import heapq
import zlib
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from typing import TYPE_CHECKING

from bot.content.errors import ContentError
from bot.content.importer import TITLE_SIMILARITY, _is_subsequence
from bot.content.matching import coverage, normalize
from bot.content.model import KeyPoint, Question

if TYPE_CHECKING:
    from bot.content.loader import _ParsedPack

# The importer's title threshold (TITLE_SIMILARITY), applied to the whole prompt and answer: two
# texts this alike say the same things in mostly the same words.
DUPLICATE_SIMILARITY = TITLE_SIMILARITY
SAME_TEXT = 0.8  # the seed's closest pair, 过拟合 / 泛化 over one template, is at 0.70
# A screen keeps the quadratic SequenceMatcher (tens of milliseconds on two long answers) to
# the few pairs that could be alike. A pair at DUPLICATE_SIMILARITY has 70% of the shorter
# text's characters in runs common to both; when a text was copied and edited those runs are
# long, so many of its shingles (runs of _SHINGLE characters) are the other's too, while two
# answers on one topic share words but seldom whole phrases. Each text keeps its _SKETCH
# smallest shingle hashes (a bottom-k sketch); a pair sharing fewer than _SCREEN of them is
# passed over. Texts a third of whose shingles are common share about 30 of 64; answers on
# one topic that share only common words share a few. (Texts alike only in runs shorter than a shingle, or words reordered throughout,
# can slip past: the check finds copies, not paraphrases.)
_SHINGLE = 8
_SKETCH = 64
_SCREEN = 12


def check_bank(parsed: list[_ParsedPack], errors: list[ContentError]) -> None:
    for item in parsed:
        for index, question in enumerate(item.pack.questions):
            _check_points_in_answer(item, index, question, errors)
    _check_near_duplicates(parsed, errors)


def points_missing_from_answer(question: Question) -> list[tuple[int, str, str]]:
    """(key point index, language, name in that language) of each key point the grader does
    not find in the question's answer in that language."""
    missing = []
    for language in question.languages:
        # Every point by its name in this language, graded in one pass over the answer.
        probes = tuple(KeyPoint(name=point.name_in(language), aliases=point.aliases) for point in question.key_points)
        missed = set(coverage(replace(question, key_points=probes), question.answer_in(language)).missed)
        missing.extend((index, language, probe.name) for index, probe in enumerate(probes) if probe.name in missed)
    return missing


def _check_points_in_answer(item: _ParsedPack, index: int, question: Question, errors: list[ContentError]) -> None:
    for point, language, name in points_missing_from_answer(question):
        line = item.point_lines.get((question.id, point), item.id_lines.get(question.id, 0))
        errors.append(ContentError(
            item.pack.path, line, f"questions[{index}].key_points[{point}].name",
            f"the grader does not find {name!r} in the {language!r} answer: write the name "
            f"(or an alias) in the answer, not negated, or drop the point"))


@dataclass(frozen=True)
class _Text:
    path: str
    line: int
    field: str
    question_id: str
    language: str
    text: str
    sketch: frozenset[int]
    title: str


def _texts(parsed: list[_ParsedPack]) -> list[_Text]:
    texts = []
    for item in parsed:
        for index, question in enumerate(item.pack.questions):
            for language in question.languages:
                text = normalize(question.prompt_in(language) + question.answer_in(language))
                shingles = {zlib.crc32(text[i:i + _SHINGLE].encode()) for i in range(max(len(text) - _SHINGLE + 1, 1))}
                sketch = frozenset(heapq.nsmallest(_SKETCH, shingles))
                texts.append(_Text(item.pack.path, item.id_lines.get(question.id, 0), f"questions[{index}].id",
                                   question.id, language, text, sketch, normalize(question.title_in(language))))
    return texts


def near_duplicates(texts: list[_Text]) -> list[tuple[_Text, _Text, float]]:
    """Pairs of texts of two different questions in one language, alike enough to be one
    question: (earlier, later, similarity)."""
    found = []
    reported: set[tuple[str, str]] = set()
    for j, later in enumerate(texts):
        for earlier in texts[:j]:
            if earlier.language != later.language or earlier.question_id == later.question_id:
                continue
            if (earlier.question_id, later.question_id) in reported:
                continue
            short, long = sorted((len(earlier.text), len(later.text)))
            if 2 * short < DUPLICATE_SIMILARITY * (short + long):  # the ratio's upper bound
                continue
            if len(earlier.sketch & later.sketch) < _SCREEN:
                continue
            matcher = SequenceMatcher(None, earlier.text, later.text, autojunk=False)
            if matcher.quick_ratio() < DUPLICATE_SIMILARITY:  # an upper bound of ratio(), in linear time
                continue
            ratio = matcher.ratio()
            shorter, longer = sorted((earlier.title, later.title), key=len)
            if ratio >= SAME_TEXT or (ratio >= DUPLICATE_SIMILARITY and _is_subsequence(shorter, longer)):
                reported.add((earlier.question_id, later.question_id))
                found.append((earlier, later, ratio))
    return found


def _check_near_duplicates(parsed: list[_ParsedPack], errors: list[ContentError]) -> None:
    for earlier, later, ratio in near_duplicates(_texts(parsed)):
        errors.append(ContentError(
            later.path, later.line, later.field,
            f"{later.question_id!r} is a near-duplicate of {earlier.question_id!r} "
            f"({earlier.path}:{earlier.line}): prompt and answer {ratio:.3f} alike in {later.language!r} "
            f"(limit {SAME_TEXT}, or {DUPLICATE_SIMILARITY} when one title is the other with words added); "
            f"merge them or make each ask its own thing"))
