"""The question bank's data model: packs, questions, their key points and reviewer's notes.

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
class Note:
    """A reviewer's correction to a reference answer, shown under it at the reveal.

    The answer text stays as its source wrote it; a note says what is wrong or misleading in it.
    It targets a key point by name, an excerpt of the answer, or both. ``quote`` is matched
    ignoring whitespace (see ``quote_in``), so re-wrapping the answer does not orphan the note.
    """

    text: str
    key_point: str | None = None
    quote: str | None = None

    def __post_init__(self) -> None:
        if self.key_point is None and self.quote is None:
            raise ValueError("a note needs a key_point or a quote to point at")


def quote_in(quote: str, answer: str) -> bool:
    """Whether quote is an excerpt of answer, whitespace aside (line breaks move when text is
    re-wrapped, and Chinese text is wrapped between characters)."""
    squeezed = "".join(quote.split())
    return bool(squeezed) and squeezed in "".join(answer.split())


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
    notes: tuple[Note, ...] = ()


@dataclass(frozen=True)
class Pack:
    """One YAML file under content/: a named set of questions."""

    id: str
    title: str
    path: str
    questions: tuple[Question, ...] = field(default=())
