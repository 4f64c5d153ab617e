"""Errors raised while reading the question bank, each pointing at a file, line and field.

    ContentErrors (Exception)   raised by the loader and importer; holds every ContentError found
      .errors: list[ContentError]   path:line: field: message, one per problem

Imports nothing from the rest of the bot.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class ContentError:
    """One problem in one file. line is 1-based; 0 means the file as a whole (e.g. missing)."""

    path: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.field}: {self.message}"


class ContentErrors(Exception):
    """Every problem found, so an author can fix them all in one pass instead of one per run."""

    def __init__(self, errors: Iterable[ContentError]) -> None:
        self.errors: list[ContentError] = list(errors)
        super().__init__(self.errors)

    def __str__(self) -> str:
        return "\n".join(str(error) for error in self.errors)
