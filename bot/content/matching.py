"""Key-point grading: Coverage, the pluggable Grader protocol and KeywordGrader, its default.

Imports only bot.content.model and bot.content.grading (never bot.core, bot.storage or adapters).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

from bot.content.grading import clause_breaks, is_negated, to_simplified
from bot.content.model import KeyPoint, Question

# Punctuation (P*), separators/whitespace (Z*) and control/format characters (Cc, Cf) carry no
# meaning for matching. Symbols (S*) are kept on purpose: "C++" must not become "C".
_DROPPED_CATEGORIES = ("P", "Z", "Cc", "Cf")
# Curly apostrophes fold to the ASCII one so "don’t" reads as "don't".
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})
# A Latin term this short must end at a word end ("AUC", "AUCs"), so "lda" is not found in "ldap";
# longer ones may run on into an inflection ("prune" in "pruned", "ensemble" in "ensembles").
_SHORT_TERM = 3


def normalize(text: str) -> str:
    """Fold text so spelling variants compare equal.

    NFKC turns full-width forms into half-width ones (ＡＢＣ１ -> ABC1, ： -> :), casefold
    removes case, and Chinese and ASCII punctuation and all whitespace are dropped, so
    "Early-Stopping", "early stopping" and "ＥＡＲＬＹ　ＳＴＯＰＰＩＮＧ" all become "earlystopping".
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if not _dropped(ch))


def _dropped(char: str) -> bool:
    return unicodedata.category(char).startswith(_DROPPED_CATEGORIES)


def _fold(text: str) -> str:
    """normalize()'s width and case folding plus traditional -> simplified, keeping punctuation."""
    return to_simplified(unicodedata.normalize("NFKC", text).casefold().translate(_APOSTROPHES))


def _is_latin(char: str) -> bool:
    return char.isascii() and char.isalnum()


class _Answer:
    """An answer folded for matching: the compact text terms are looked up in, and where each
    of its characters came from in the folded text that still has spaces and punctuation."""

    def __init__(self, text: str) -> None:
        self.source = _fold(text)
        kept = [(i, ch) for i, ch in enumerate(self.source) if not _dropped(ch)]
        self.compact = "".join(ch for _, ch in kept)
        self.origin = [i for i, _ in kept]
        self.breaks = clause_breaks(self.source)

    def mentions(self, term: str) -> list[tuple[int, int]]:
        """Spans in source of every whole-word occurrence of a compact, folded term."""
        spans: list[tuple[int, int]] = []
        at = self.compact.find(term)
        while at != -1:
            start, end = self.origin[at], self.origin[at + len(term) - 1] + 1
            if self._at_word_edges(term, start, end):
                spans.append((start, end))
            at = self.compact.find(term, at + 1)
        return spans

    def _at_word_edges(self, term: str, start: int, end: int) -> bool:
        # Chinese has no word edges to check; Latin letters must not be glued to the term:
        # "he initialization" is not in "the initialization", "rfe" is not in "perfect".
        source = self.source
        if _is_latin(term[0]) and start > 0 and _is_latin(source[start - 1]):
            return False
        if _is_latin(term[-1]) and end < len(source) and source[end].isascii() and source[end].isalpha():
            if sum(_is_latin(ch) for ch in term) > _SHORT_TERM:
                return True
            run_on = end
            while run_on < len(source) and source[run_on].isascii() and source[run_on].isalpha():
                run_on += 1
            return source[end:run_on] in ("s", "es")
        return True


@lru_cache(maxsize=4096)
def _terms(point: KeyPoint) -> tuple[str, ...]:
    """The point's spellings, folded like answers; ones that fold to nothing never match."""
    folded = ("".join(ch for ch in _fold(term) if not _dropped(ch)) for term in point.terms)
    return tuple(term for term in dict.fromkeys(folded) if term)


@dataclass(frozen=True)
class Coverage:
    """Which key points an answer covered and which it missed, both in the question's order.

    negated lists the missed points the answer named only to reject them ("不需要正则化"), for
    feedback; it is not part of equality.
    """

    covered: tuple[str, ...]
    missed: tuple[str, ...]
    negated: tuple[str, ...] = field(default=(), compare=False)

    @property
    def total(self) -> int:
        return len(self.covered) + len(self.missed)

    @property
    def score(self) -> float:
        """Share of key points covered, 0.0..1.0 (0.0 for a question without key points)."""
        return len(self.covered) / self.total if self.total else 0.0


def coverage(question: Question, answer_text: str) -> Coverage:
    """A key point is covered when any of its terms (name or alias) is mentioned and not negated.

    Terms are found in the answer after folding width, case, traditional characters, spacing and
    punctuation on both sides. Latin terms must stand as words. A mention is negated when its
    clause puts a negator shortly before it ("不用早停", "rather than cross-validation") or
    rejects it right after ("dropout 没必要"); see bot.content.grading.
    """
    answer = _Answer(answer_text)
    covered: list[str] = []
    missed: list[str] = []
    negated: list[str] = []
    for point in question.key_points:
        spans = _outermost([span for term in _terms(point) for span in answer.mentions(term)])
        if any(not is_negated(answer.source, start, end, answer.breaks) for start, end in spans):
            covered.append(point.name)
        else:
            missed.append(point.name)
            if spans:
                negated.append(point.name)
    return Coverage(covered=tuple(covered), missed=tuple(missed), negated=tuple(negated))


def _outermost(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Drop mentions inside a longer one of the same point: "正则" in "正则化" is not judged alone."""
    kept: list[tuple[int, int]] = []
    reach = -1
    for start, end in sorted(set(spans), key=lambda span: (span[0], -span[1])):
        if end > reach:  # not inside an earlier span, which starts no later and ends no sooner
            kept.append((start, end))
            reach = end
    return kept


class Grader(Protocol):
    """Anything that can judge an answer against a question's key points.

    The core only calls grade() and reads covered, missed and score, so a stronger grader plugs
    in by implementing this and being handed to the core instead of KeywordGrader (bot/app.py).
    An embedding grader would compare answer clauses with each point's name and detail; an LLM
    grader would send the prompt, key points and answer to an endpoint and map the names it
    returns onto Coverage, falling back to KeywordGrader when the endpoint fails. Measure one
    against the labeled answers with `python bench/grading_figures.py --grader module:Class`.
    """

    def grade(self, question: Question, text: str) -> Coverage: ...


class KeywordGrader:
    """The default Grader: names and aliases found in the answer, negated mentions ignored."""

    def grade(self, question: Question, text: str) -> Coverage:
        return coverage(question, text)
