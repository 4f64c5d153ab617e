"""The question bank's data model: packs, questions, their key points and reviewer's notes.

Plain frozen dataclasses; no I/O here and no imports from the rest of the bot.

Languages. A question is written in one language (``Question.language``); its ``title``,
``prompt``, ``answer``, key point names and details and note texts are in that language, and
the key point's ``name`` there is its identity (replies store covered names). A bilingual
question carries the same texts in its other languages as well (``translations``); the ``*_in``
methods pick a language's text, falling back to the question's own language.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# The languages a text may be given in: the ones the bot has message catalogs for.
TEXT_LANGUAGES = ("zh", "en")

Texts = tuple[tuple[str, str], ...]
"""(language, text) pairs: a text in other languages than the question's own (hashable, so
key points can be cache keys)."""


def _pick(texts: Texts, language: str, default: str) -> str:
    return next((text for lang, text in texts if lang == language), default)


@dataclass(frozen=True)
class KeyPoint:
    """One thing a good answer should mention, with the words that count as mentioning it.

    ``name`` is the point's name in its question's language: the identity stored with replies.
    ``names`` and ``details`` hold its name and detail in the question's other languages."""

    name: str
    aliases: tuple[str, ...] = ()
    detail: str = ""
    names: Texts = ()
    details: Texts = ()

    @property
    def terms(self) -> tuple[str, ...]:
        """The name, its name in each other language, then every alias: all the spellings that
        cover this point, whatever language the answer is in."""
        return tuple(dict.fromkeys((self.name, *(name for _, name in self.names), *self.aliases)))

    def name_in(self, language: str) -> str:
        return _pick(self.names, language, self.name)

    def detail_in(self, language: str) -> str:
        return _pick(self.details, language, self.detail)


@dataclass(frozen=True)
class Note:
    """A reviewer's correction to a reference answer, shown under it at the reveal.

    The answer text stays as its source wrote it; a note says what is wrong or misleading in it.
    It targets a key point by name, an excerpt of the answer, or both. ``quote`` is matched
    ignoring whitespace (see ``quote_in``), so re-wrapping the answer does not orphan the note.
    """

    text: str
    key_point: str | None = None  # the key point's name in the question's language
    quote: str | None = None  # an excerpt of the answer in one of the question's languages
    texts: Texts = ()  # the text in the question's other languages

    def __post_init__(self) -> None:
        if self.key_point is None and self.quote is None:
            raise ValueError("a note needs a key_point or a quote to point at")

    def text_in(self, language: str) -> str:
        return _pick(self.texts, language, self.text)


def quote_in(quote: str, answer: str) -> bool:
    """Whether quote is an excerpt of answer, whitespace aside (line breaks move when text is
    re-wrapped, and Chinese text is wrapped between characters)."""
    squeezed = "".join(quote.split())
    return bool(squeezed) and squeezed in "".join(answer.split())


@dataclass(frozen=True)
class Translation:
    """A question's title, prompt and answer in another language than its own."""

    language: str
    title: str
    prompt: str
    answer: str


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
    translations: tuple[Translation, ...] = ()

    @property
    def languages(self) -> tuple[str, ...]:
        """Every language the question can be shown in, its own first."""
        return (self.language, *(t.language for t in self.translations))

    def shown_language(self, wanted: str) -> str:
        """The language to show the question in for a channel that speaks ``wanted``: that
        one when the question has it, else the question's own."""
        return wanted if wanted in self.languages else self.language

    def _translation(self, language: str) -> Translation | None:
        return next((t for t in self.translations if t.language == language), None)

    def title_in(self, language: str) -> str:
        found = self._translation(language)
        return found.title if found else self.title

    def prompt_in(self, language: str) -> str:
        found = self._translation(language)
        return found.prompt if found else self.prompt

    def answer_in(self, language: str) -> str:
        found = self._translation(language)
        return found.answer if found else self.answer

    def point_label(self, name: str, language: str) -> str:
        """A key point's name (as stored with replies) shown in ``language``; a name that is
        no longer a key point (the pack was edited) is shown as stored."""
        point = next((p for p in self.key_points if p.name == name), None)
        return point.name_in(language) if point else name


@dataclass(frozen=True)
class Pack:
    """One YAML file under content/: a named set of questions.

    ``title`` is the title in the first language the pack gives it in; ``titles`` and
    ``description`` hold it per language. ``languages`` are those the pack declares every
    text to have (empty: none declared)."""

    id: str
    title: str
    path: str
    questions: tuple[Question, ...] = field(default=())
    titles: Texts = ()
    description: Texts = ()
    languages: tuple[str, ...] = ()

    def title_in(self, language: str) -> str:
        return _pick(self.titles, language, self.title)

    def description_in(self, language: str) -> str:
        return _pick(self.description, language, self.description[0][1] if self.description else "")

    @property
    def question_languages(self) -> tuple[str, ...]:
        """Every language at least one of its questions is written in or translated to."""
        return tuple(dict.fromkeys(lang for q in self.questions for lang in q.languages))
