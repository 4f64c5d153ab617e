"""Key-point matching: how much of a question's key points an answer mentions.

A Grader turns (question, answer text) into Coverage; KeywordGrader is the simple normalized
substring one. Imports only bot.content.model (never bot.core, bot.storage or adapters).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Protocol

from bot.content.model import Question

# Punctuation (P*), separators/whitespace (Z*) and control/format characters (Cc, Cf) carry no
# meaning for matching. Symbols (S*) are kept on purpose: "C++" must not become "C".
_DROPPED_CATEGORIES = ("P", "Z", "Cc", "Cf")


def normalize(text: str) -> str:
    """Fold text so spelling variants compare equal.

    NFKC turns full-width forms into half-width ones (ＡＢＣ１ -> ABC1, ： -> :), casefold
    removes case, and Chinese and ASCII punctuation and all whitespace are dropped, so
    "Early-Stopping", "early stopping" and "ＥＡＲＬＹ　ＳＴＯＰＰＩＮＧ" all become "earlystopping".
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if not unicodedata.category(ch).startswith(_DROPPED_CATEGORIES))


@dataclass(frozen=True)
class Coverage:
    """Which key points an answer covered and which it missed, both in the question's order."""

    covered: tuple[str, ...]
    missed: tuple[str, ...]

    @property
    def total(self) -> int:
        return len(self.covered) + len(self.missed)

    @property
    def score(self) -> float:
        """Share of key points covered, 0.0..1.0 (0.0 for a question without key points)."""
        return len(self.covered) / self.total if self.total else 0.0


def coverage(question: Question, answer_text: str) -> Coverage:
    """A key point is covered when any of its terms (name or alias) occurs in the answer.

    Both sides are normalized first. Terms that normalize to nothing (pure punctuation) are
    ignored, since the empty string would otherwise match every answer.
    """
    answer = normalize(answer_text)
    covered: list[str] = []
    missed: list[str] = []
    for point in question.key_points:
        terms = (normalize(term) for term in point.terms)
        if any(term and term in answer for term in terms):
            covered.append(point.name)
        else:
            missed.append(point.name)
    return Coverage(covered=tuple(covered), missed=tuple(missed))


class Grader(Protocol):
    """Anything that can judge an answer against a question's key points."""

    def grade(self, question: Question, text: str) -> Coverage: ...


class KeywordGrader:
    """Grades by normalized term occurrence; see coverage()."""

    def grade(self, question: Question, text: str) -> Coverage:
        return coverage(question, text)
