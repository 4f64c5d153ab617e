"""The question bank's data model: packs, questions and their key points.

Plain frozen dataclasses; no I/O here and no imports from the rest of the bot.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class KeyPoint:
    """One thing a good answer should mention, with the words that count as mentioning it."""

    name: str
    aliases: tuple[str, ...] = ()
    detail: str = ""

    @property
    def terms(self) -> tuple[str, ...]:
        """The name followed by every alias: all the spellings that cover this point."""
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class Question:
    id: str
    title: str
    prompt: str
    answer: str
    key_points: tuple[KeyPoint, ...]
    tags: tuple[str, ...] = ()
    difficulty: int = 2
    language: str = "zh"
    source: str = ""


@dataclass(frozen=True)
class Pack:
    """One YAML file under content/: a named set of questions."""

    id: str
    title: str
    path: str
    questions: tuple[Question, ...] = field(default=())
