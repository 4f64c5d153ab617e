"""Loads YAML question packs (one file per pack) into a Bank, validating every field with its line.

Walks the nodes of bot.content.yaml_guard (bounded parsing: no anchors, limited size and depth)
so each error names path:line: field, and bounds every field and count. Reviewer's notes must
point at a key point of their question or quote its answer. Imports only bot.content
(never bot.core, bot.storage or adapters).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from bot.content.errors import ContentError, ContentErrors
from bot.content.matching import normalize
from bot.content.model import TEXT_LANGUAGES, KeyPoint, Note, Pack, Question, Translation, quote_in
from bot.content.yaml_guard import MAX_PACK_BYTES, Rejected, compose

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$")
PACK_SUFFIXES = (".yaml", ".yml")
# Every text of a shipped pack is in each of these, unless the pack declares fewer (`languages:`).
SHIPPED_LANGUAGES = TEXT_LANGUAGES

# Field name -> required?  The order is the order dump_pack writes them in.
PACK_FIELDS = {"id": True, "title": True, "description": False, "languages": False, "questions": True}
QUESTION_FIELDS = {
    "id": True,
    "title": True,
    "prompt": True,
    "answer": True,
    "key_points": True,
    "tags": False,
    "difficulty": False,
    "language": False,
    "source": False,
    "notes": False,
}
KEY_POINT_FIELDS = {"name": True, "aliases": False, "detail": False}
NOTE_FIELDS = {"key_point": False, "quote": False, "text": True}  # where, then why

# Upper bounds on fields, in characters, and on counts. The shipped pack's largest are in
# brackets; chat adds its own limits when posting. Ids: Discord custom_ids hold at most 100
# characters and carry a question id, and the ledger's id columns are 128.
MAX_ID_CHARS = 64  # pack and question ids, tags [24]
MAX_TITLE_CHARS = 200  # pack and question titles [16]
MAX_PROMPT_CHARS = 2_000  # [54]
MAX_ANSWER_CHARS = 10_000  # [931]
MAX_TERM_CHARS = 100  # a key point's name or one alias [47]
MAX_DETAIL_CHARS = 1_000  # [136]
MAX_NOTE_CHARS = 2_000  # a note's text or quote [196]
MAX_SOURCE_CHARS = 200  # [31]
MAX_DESCRIPTION_CHARS = 1_000  # a pack's description, per language
MAX_LANGUAGE_CHARS = 35  # the longest BCP 47 tag in common use is shorter
MAX_QUESTIONS = 500  # per pack [18]
MAX_KEY_POINTS = 30  # per question [7]
MAX_ALIASES = 30  # per key point [11]
MAX_TAGS = 20  # per question [3]
MAX_NOTES = 20  # per question [4]

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_TYPE_NAMES = {
    _STR: "a string",
    _INT: "an integer",
    "tag:yaml.org,2002:bool": "a boolean",
    "tag:yaml.org,2002:null": "null",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:timestamp": "a date",
}


SHARED = ""  # the owner of packs stored before packs had owners: every channel sees them


def qualify(owner: str, question_id: str) -> str:
    """The bank's id for an owner's question: a short stable hash of the owner (50 bits in
    ten base32 letters), a slash, the id as written. Two owners' ``q1`` never meet in rounds,
    review cards or practice; a slug has no slash, so no shipped id is ever taken; and a
    64-character id qualified still fits the ledger's columns and a Discord button."""
    if owner == SHARED:
        return question_id
    digest = base64.b32encode(hashlib.sha256(owner.encode()).digest()).decode()
    return f"{digest[:10].lower()}/{question_id}"


def local_id(question_id: str) -> str:
    """A question's id as its pack wrote it (``qualify`` undone)."""
    return question_id.rpartition("/")[2]


@dataclass(frozen=True)
class OwnedPack:
    """A pack uploaded from chat and who it belongs to (an opaque key; ``SHARED`` for none).
    Its question ids are as the pack wrote them."""

    owner: str
    pack: Pack


class Bank:
    """Every loaded question, looked up by id or filtered by tag.

    Shipped packs (and shared ones) are seen by every owner; an owner's uploaded packs only
    by that owner, under qualified question ids (``qualify``). An owner's pack with a shared
    pack's id takes that pack's place for the owner. Uploads that clash are left out (see
    ``left_out``), never raised: a bad stored row must not stop the bot."""

    def __init__(self, packs: Iterable[Pack], uploads: Iterable[OwnedPack] = ()) -> None:
        self.shipped: tuple[Pack, ...] = tuple(packs)
        self._by_id: dict[str, Question] = {}
        self._home: dict[str, Pack] = {}  # question id -> the pack holding it
        self._seen_by: dict[str, frozenset[int]] = {}  # owner -> ids of the packs it sees
        for pack in self.shipped:
            for question in pack.questions:
                if question.id in self._by_id:
                    raise ValueError(f"duplicate question id {question.id!r}")
                self._by_id[question.id] = question
                self._home[question.id] = pack
        self._shipped_packs = {pack.id for pack in self.shipped}
        self._shipped_questions = set(self._by_id)
        self._shared: list[Pack] = []
        self._owned: dict[str, list[Pack]] = {}
        self.left_out: list[tuple[OwnedPack, str]] = []
        for upload in uploads:
            reason = self.refusal(upload)
            if reason is None:
                self._admit(upload)
            else:
                self.left_out.append((upload, reason))
        # Shipped and shared packs: what a reader with no owner sees.
        self.packs: tuple[Pack, ...] = self.shipped + tuple(self._shared)
        self.questions: tuple[Question, ...] = tuple(q for pack in self.packs for q in pack.questions)

    def refusal(self, upload: OwnedPack) -> str | None:
        """Why the pack cannot join this bank, or None: it may not take a shipped pack's id
        or another pack's id in its namespace, nor repeat a shipped question's id or another
        question's id in its namespace."""
        pack, owner = upload.pack, upload.owner
        if pack.id in self._shipped_packs:
            return f"pack id {pack.id!r} belongs to a pack shipped with the bot"
        neighbours = self._shared if owner == SHARED else self._owned.get(owner, [])
        if any(other.id == pack.id for other in neighbours):
            return f"duplicate pack id {pack.id!r}"
        for question in pack.questions:
            if question.id in self._shipped_questions or qualify(owner, question.id) in self._by_id:
                return f"duplicate question id {question.id!r}"
        return None

    def _admit(self, upload: OwnedPack) -> None:
        owner = upload.owner
        questions = tuple(replace(q, id=qualify(owner, q.id)) for q in upload.pack.questions)
        pack = replace(upload.pack, questions=questions)
        for question in pack.questions:
            self._by_id[question.id] = question
            self._home[question.id] = pack
        (self._shared if owner == SHARED else self._owned.setdefault(owner, [])).append(pack)

    def get(self, question_id: str) -> Question | None:
        """The question a stored round, card or practice names (ids are unique across owners)."""
        return self._by_id.get(question_id)

    def __len__(self) -> int:
        return len(self.questions)

    def __iter__(self) -> Iterator[Question]:
        return iter(self.questions)

    def packs_for(self, owner: str = SHARED) -> tuple[Pack, ...]:
        """The packs an owner's channels see: shipped ones, the shared ones the owner has no
        pack of the same id for, and the owner's own."""
        own = self._owned.get(owner, []) if owner != SHARED else []
        own_ids = {pack.id for pack in own}
        return self.shipped + tuple(p for p in self._shared if p.id not in own_ids) + tuple(own)

    def owned(self) -> dict[str, tuple[Pack, ...]]:
        """Each owner's own packs (question ids qualified)."""
        return {owner: tuple(packs) for owner, packs in self._owned.items()}

    def sees(self, owner: str, question_id: str) -> bool:
        home = self._home.get(question_id)
        if home is None:
            return False
        if owner not in self._seen_by:  # a bank never changes: each owner's view is worked out once
            self._seen_by[owner] = frozenset(id(pack) for pack in self.packs_for(owner))
        return id(home) in self._seen_by[owner]

    def filter(
        self, tags: Iterable[str], exclude_packs: Iterable[str] = (), owner: str = SHARED
    ) -> tuple[Question, ...]:
        """The owner's questions carrying any of the tags (no tags: every question), leaving
        out the questions of ``exclude_packs``."""
        wanted, excluded = set(tags), set(exclude_packs)
        return tuple(
            q for pack in self.packs_for(owner) if pack.id not in excluded
            for q in pack.questions if not wanted or wanted.intersection(q.tags)
        )

    def pack_of(self, question_id: str) -> str | None:
        home = self._home.get(question_id)
        return home.id if home else None

    def get_pack(self, pack_id: str, owner: str = SHARED) -> Pack | None:
        return next((p for p in self.packs_for(owner) if p.id == pack_id), None)

    def all_tags(self, owner: str = SHARED) -> list[str]:
        return sorted({tag for pack in self.packs_for(owner) for q in pack.questions for tag in q.tags})


def load_pack(path: Path, require_languages: Sequence[str] = ()) -> Pack:
    """Load one pack file; raises ContentErrors listing every problem in it."""
    errors: list[ContentError] = []
    parsed = _parse_file(path, errors, require_languages)
    if errors or parsed is None:
        raise ContentErrors(errors)
    return parsed.pack


def load_pack_text(text: str, path: str) -> Pack:
    """Load a pack from text already in memory (an upload from chat); path is only used in
    error messages. No language is required beyond what the pack declares (``languages:``)."""
    errors: list[ContentError] = []
    parsed = _PackParser(path, errors).parse(text)
    if errors or parsed is None:
        raise ContentErrors(errors)
    return parsed.pack


def load_bank(paths: Sequence[Path], require_languages: Sequence[str] = (), *,
              check_content: bool = False) -> Bank:
    """Load every pack under paths (files, or directories of *.yaml/*.yml) into one Bank.

    All-or-nothing: any problem in any file raises ContentErrors with every error found, so
    the bot never starts on a half-loaded bank. With ``check_content`` (lint does it) the
    bank's content is also checked as a whole (bot.content.checks: key points found in their
    answers, no near-duplicate questions): a second and more of work on the shipped packs
    that the bot's start leaves to lint, where the same files were checked already.
    ``require_languages`` are the languages every text of a pack must have unless the pack
    declares its own (``languages: [zh]``); the shipped packs are loaded with
    ``SHIPPED_LANGUAGES``.
    """
    from bot.content.checks import check_bank  # checks reads _ParsedPack; imported late for the cycle

    errors: list[ContentError] = []
    parsed = [p for file in pack_files(paths, errors)
              if (p := _parse_file(file, errors, require_languages)) is not None]
    _check_unique_across_files(parsed, errors)
    if check_content:
        check_bank(parsed, errors)
    if errors:
        raise ContentErrors(errors)
    return Bank(p.pack for p in parsed)


def pack_files(paths: Sequence[Path], errors: list[ContentError]) -> list[Path]:
    """Expand directories to their sorted pack files; report paths that are not packs."""
    files: list[Path] = []
    seen: set[Path] = set()
    for path in paths:
        if path.is_dir():
            try:
                found = sorted(p for p in path.iterdir() if p.suffix in PACK_SUFFIXES and p.is_file())
            except OSError as exc:  # e.g. a directory we may not list
                errors.append(ContentError(str(path), 0, "path", exc.strerror or str(exc)))
                continue
            if not found:
                errors.append(ContentError(str(path), 0, "path", "directory has no *.yaml or *.yml packs"))
        elif not path.exists():
            errors.append(ContentError(str(path), 0, "path", "no such file or directory"))
            found = []
        elif path.suffix not in PACK_SUFFIXES:
            errors.append(ContentError(str(path), 0, "path", "not a pack: expected a .yaml or .yml file"))
            found = []
        elif not path.is_file():  # a pipe or device could be read forever
            errors.append(ContentError(str(path), 0, "path", "not a regular file"))
            found = []
        else:
            found = [path]
        for file in found:
            if file.resolve() not in seen:  # a file named both directly and via its directory
                seen.add(file.resolve())
                files.append(file)
    return files


@dataclass(frozen=True)
class _ParsedPack:
    pack: Pack
    id_lines: dict[str, int]  # question id -> line of its `id:` value
    pack_id_line: int
    point_lines: dict[tuple[str, int], int]  # (question id, key point index) -> line of its name


def _parse_file(path: Path, errors: list[ContentError],
                require_languages: Sequence[str] = ()) -> _ParsedPack | None:
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_PACK_BYTES + 1)  # enough to know it is too big, without reading it all
    except OSError as exc:
        errors.append(ContentError(str(path), 0, "path", exc.strerror or str(exc)))
        return None
    if len(raw) > MAX_PACK_BYTES:
        line = raw.count(b"\n", 0, MAX_PACK_BYTES) + 1
        errors.append(ContentError(str(path), line, "file", f"the file is over the limit of {MAX_PACK_BYTES:,} bytes"))
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        errors.append(ContentError(str(path), line, "encoding", "file is not valid UTF-8"))
        return None
    return _PackParser(str(path), errors, require_languages).parse(text)


def _check_unique_across_files(parsed: list[_ParsedPack], errors: list[ContentError]) -> None:
    question_at: dict[str, str] = {}
    pack_at: dict[str, str] = {}
    for item in parsed:
        path, pack_id = item.pack.path, item.pack.id
        if pack_id in pack_at:
            message = f"duplicate pack id {pack_id!r} (first defined at {pack_at[pack_id]})"
            errors.append(ContentError(path, item.pack_id_line, "id", message))
        else:
            pack_at[pack_id] = f"{path}:{item.pack_id_line}"
        for question_id, line in item.id_lines.items():
            if question_id in question_at:
                message = f"duplicate question id {question_id!r} (first defined at {question_at[question_id]})"
                errors.append(ContentError(path, line, "id", message))
            else:
                question_at[question_id] = f"{path}:{line}"


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _describe(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return _TYPE_NAMES.get(node.tag, node.tag)


class _PackParser:
    """One pass over one file's node tree, appending every problem to errors."""

    def __init__(self, path: str, errors: list[ContentError], require_languages: Sequence[str] = ()) -> None:
        self.path = path
        self.errors = errors
        self.require_languages = tuple(require_languages)
        self.required: tuple[str, ...] = ()  # for the pack being read: declared, else require_languages
        self._ints = yaml.constructor.SafeConstructor()
        # The current question's texts as read: (field, node, {language: text}), checked for
        # the same languages once the question is read.
        self._texts: list[tuple[str, yaml.Node, dict[str, str]]] = []
        self.point_lines: dict[tuple[str, int], int] = {}

    def error(self, line: int, field: str, message: str) -> None:
        self.errors.append(ContentError(self.path, line, field, message))

    def parse(self, text: str) -> _ParsedPack | None:
        before = len(self.errors)
        try:
            root = compose(text)
        except Rejected as exc:
            self.error(exc.line, exc.field, exc.message)
            return None
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            if exc.context_mark and mark and mark.index >= len(text.rstrip()):
                mark = exc.context_mark  # "got <stream end>": where the unclosed thing opened helps more
            problem = " ".join(part for part in (exc.context, exc.problem) if part)
            self.error(mark.line + 1 if mark else 0, "yaml", f"invalid YAML: {problem}")
            return None
        except yaml.YAMLError as exc:  # unmarked: the parser gave no position
            self.error(1, "yaml", f"invalid YAML: {exc}")
            return None
        if root is None:
            self.error(1, "pack", "file is empty")
            return None
        fields = self.mapping(root, "pack", PACK_FIELDS)
        if fields is None:
            return None
        pack_id = self.slug(fields.get("id"), "id")
        declared = self.declared_languages(fields.get("languages"))
        self.required = declared if declared else self.require_languages
        title = self.pack_text(fields.get("title"), "title", MAX_TITLE_CHARS)
        description = self.pack_text(fields.get("description"), "description", MAX_DESCRIPTION_CHARS)
        questions: list[Question] = []
        id_lines: dict[str, int] = {}
        items = self.sequence(fields.get("questions"), "questions", MAX_QUESTIONS, non_empty=True)
        for index, item in enumerate(items):
            question = self.question(item, f"questions[{index}]", id_lines)
            if question is not None:
                questions.append(question)
        self.errors[before:] = sorted(self.errors[before:], key=lambda error: error.line)
        if len(self.errors) > before or pack_id is None or not title or declared is None or description is None:
            return None
        pack = Pack(id=pack_id, title=next(iter(title.values())), path=self.path, questions=tuple(questions),
                    titles=tuple(title.items()), description=tuple(description.items()), languages=declared)
        return _ParsedPack(pack=pack, id_lines=id_lines, pack_id_line=_line(fields["id"]),
                           point_lines=self.point_lines)

    def declared_languages(self, node: yaml.Node | None) -> tuple[str, ...] | None:
        """The pack's `languages:`, the languages every text in it must have (() when absent)."""
        values: list[str] = []
        items = self.sequence(node, "languages", len(TEXT_LANGUAGES), non_empty=True)
        ok = node is None or (isinstance(node, yaml.SequenceNode) and 0 < len(node.value) <= len(TEXT_LANGUAGES))
        for index, item in enumerate(items):
            value = self.text(item, f"languages[{index}]", limit=MAX_LANGUAGE_CHARS)
            if value is not None and value not in TEXT_LANGUAGES:
                self.error(_line(item), f"languages[{index}]",
                           f"unknown language {_shown(value)} (expected {' or '.join(TEXT_LANGUAGES)})")
                value = None
            elif value is not None and value in values:
                self.error(_line(item), f"languages[{index}]", f"{value!r} is listed twice")
                value = None
            ok = ok and value is not None
            if value is not None:
                values.append(value)
        return tuple(values) if ok else None

    def pack_text(self, node: yaml.Node | None, where: str, limit: int) -> dict[str, str] | None:
        """A pack's title or description: one string, or one per language. A single string
        counts as written in the first language the pack needs."""
        if node is None:
            return {}
        first = self.required[0] if self.required else TEXT_LANGUAGES[0]
        texts = self.localized(node, where, limit, first, record=False)
        if texts is not None:
            missing = [lang for lang in self.required if lang not in texts]
            if missing:
                self.error(_line(node), where, f"no {_languages(missing)} text: this pack needs "
                           f"{_languages(self.required)} ({{{', '.join(f'{x}: ...' for x in self.required)}}})")
                return None
        return texts
    def question(self, node: yaml.Node, where: str, id_lines: dict[str, int]) -> Question | None:
        fields = self.mapping(node, where, QUESTION_FIELDS)
        if fields is None:
            return None
        question_id = self.slug(fields.get("id"), f"{where}.id")
        if question_id is not None:
            if question_id in id_lines:
                self.error(_line(fields["id"]), f"{where}.id",
                           f"duplicate question id {question_id!r} (first defined at line {id_lines[question_id]})")
            else:
                id_lines[question_id] = _line(fields["id"])
        language = self.text(fields.get("language"), f"{where}.language", default="zh", limit=MAX_LANGUAGE_CHARS)
        if language is not None and not LANGUAGE.match(language):
            self.error(_line(fields["language"]), f"{where}.language",
                       f"{language!r} is not a language code like 'zh' or 'en'")
            language = None
        own = language or "zh"  # a bad language is reported above; read the texts anyway
        self._texts = []
        values = {name: self.localized(fields.get(name), f"{where}.{name}", limit, own)
                  for name, limit in (("title", MAX_TITLE_CHARS), ("prompt", MAX_PROMPT_CHARS),
                                      ("answer", MAX_ANSWER_CHARS))}
        key_points = self.key_points(fields.get("key_points"), f"{where}.key_points", own, question_id)
        tags = self.strings(fields.get("tags"), f"{where}.tags", MAX_TAGS, slugs=True)
        difficulty = self.difficulty(fields.get("difficulty"), f"{where}.difficulty")
        source = self.text(fields.get("source"), f"{where}.source", default="", allow_empty=True,
                           limit=MAX_SOURCE_CHARS)
        title, prompt, answer = values["title"], values["prompt"], values["answer"]
        notes = self.notes(fields.get("notes"), f"{where}.notes", answer, key_points, own)
        languages_ok = self.same_languages(own)
        if (question_id is None or title is None or prompt is None or answer is None or key_points is None
                or tags is None or difficulty is None or language is None or source is None or notes is None
                or not languages_ok):
            return None
        translations = tuple(Translation(lang, title[lang], prompt[lang], answer[lang])
                             for lang in title if lang != language)
        return Question(id=question_id, title=title[language], prompt=prompt[language], answer=answer[language],
                        key_points=key_points, tags=tags, difficulty=difficulty, language=language,
                        source=source, notes=notes, translations=translations)

    def same_languages(self, own: str) -> bool:
        """Every text of the question has the question's language, each other language any of
        its texts has, and the languages the pack needs."""
        used = {lang for _, _, texts in self._texts for lang in texts}
        wanted = [own, *sorted(used - {own}, key=_language_order)]
        wanted += [lang for lang in self.required if lang not in wanted]
        ok = True
        absent = [lang for lang in self.required if lang not in used]
        if absent and self._texts:
            # Not one text in that language: one error for the question, not one per text.
            where, node, _ = self._texts[0]
            self.error(_line(node), where.rpartition(".")[0] or where,
                       f"no {_languages(absent)} text in this question: this pack needs every text in "
                       f"{_languages(self.required)} ({{{', '.join(f'{x}: ...' for x in self.required)}}}), "
                       f"or declare the languages it has (languages: [{own}])")
            wanted = [lang for lang in wanted if lang not in absent]
            ok = False
        for where, node, texts in self._texts:
            for lang in wanted:
                if lang in texts:
                    continue
                if lang == own:
                    why = f"the question is written in {own!r} (its `language`)"
                elif lang in self.required:
                    why = f"this pack needs every text in {_languages(self.required)}"
                else:
                    why = f"other texts of this question are in {lang!r}; each needs every language the question has"
                self.error(_line(node), where, f"no {lang!r} text: {why}")
                ok = False
        return ok

    def localized(self, node: yaml.Node | None, where: str, limit: int, language: str, *,
                  allow_empty: bool = False, record: bool = True) -> dict[str, str] | None:
        """A text field: one string (in ``language``) or a mapping of language to text.
        None when it is missing (the mapping check reports required ones) or wrong."""
        if node is None:
            return None
        if isinstance(node, yaml.MappingNode):
            texts: dict[str, str] | None = {}
            for key_node, value_node in node.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) and key_node.tag == _STR else None
                if not isinstance(key, str) or key not in TEXT_LANGUAGES:
                    shown = _shown(key) if isinstance(key, str) else _describe(key_node)
                    self.error(_line(key_node), where,
                               f"unknown language {shown} (expected {' or '.join(TEXT_LANGUAGES)})")
                    texts = None
                    continue
                if texts is not None and key in texts:
                    self.error(_line(key_node), f"{where}.{key}", f"duplicate language {key!r}")
                    texts = None
                    continue
                value = self.text(value_node, f"{where}.{key}", limit=limit, allow_empty=allow_empty)
                if value is None:
                    texts = None
                elif texts is not None:
                    texts[key] = value
            if not node.value:
                self.error(_line(node), where, "must not be empty: give the text, or one per language")
                texts = None
        elif isinstance(node, yaml.ScalarNode) and node.tag == _STR:
            value = self.text(node, where, limit=limit, allow_empty=allow_empty)
            texts = None if value is None else {language: value}
        else:
            self.error(_line(node), where,
                       f"expected a string, got {_describe(node)} (a text is a string or one per language: {{zh: ..., en: ...}})")
            return None
        if texts is not None and record:
            self._texts.append((where, node, texts))
        return texts

    def notes(self, node: yaml.Node | None, where: str, answer: dict[str, str] | None,
              key_points: tuple[KeyPoint, ...] | None, language: str) -> tuple[Note, ...] | None:
        """Reviewer's notes; targets are only checked against an answer and key points that loaded."""
        # A note may name its key point in any of the question's languages; it keeps the name
        # in the question's own, the point's identity.
        names = ({name: point.name for point in key_points for name in (point.name, *dict(point.names).values())}
                 if key_points is not None else None)
        notes: list[Note] = []
        ok = node is None or isinstance(node, yaml.SequenceNode)
        for index, item in enumerate(self.sequence(node, where, MAX_NOTES)):
            note = self.note(item, f"{where}[{index}]", answer, names, language)
            ok = ok and note is not None
            if note is not None:
                notes.append(note)
        return tuple(notes) if ok else None

    def note(self, node: yaml.Node, here: str, answer: dict[str, str] | None, names: dict[str, str] | None,
             language: str) -> Note | None:
        """One note: text, and a target that exists: a key point's name and/or an answer excerpt."""
        fields = self.mapping(node, here, NOTE_FIELDS)
        if fields is None:
            return None
        texts = self.localized(fields.get("text"), f"{here}.text", MAX_NOTE_CHARS, language)  # missing: mapping() said
        key_point = self.text(fields.get("key_point"), f"{here}.key_point", limit=MAX_TERM_CHARS)
        quote = self.text(fields.get("quote"), f"{here}.quote", limit=MAX_NOTE_CHARS)
        ok = (texts is not None and ("key_point" not in fields or key_point is not None)
              and ("quote" not in fields or quote is not None))
        if "key_point" not in fields and "quote" not in fields:
            self.error(_line(node), here, "a note needs a key_point or a quote to point at")
            ok = False
        if key_point is not None and names is not None:
            if key_point in names:
                key_point = names[key_point]
            else:
                self.error(_line(fields["key_point"]), f"{here}.key_point",
                           f"no key point named {key_point!r} in this question (expected one of: {', '.join(names)})")
                ok = False
        if quote is not None and answer is not None and not any(quote_in(quote, text) for text in answer.values()):
            self.error(_line(fields["quote"]), f"{here}.quote", f"{_shown(quote)} is not in the answer")
            ok = False
        if not ok or texts is None:
            return None
        text = texts.get(language, next(iter(texts.values())))
        return Note(text=text, key_point=key_point, quote=quote,
                    texts=tuple((lang, value) for lang, value in texts.items() if lang != language))

    def key_points(self, node: yaml.Node | None, where: str, language: str,
                   question_id: str | None) -> tuple[KeyPoint, ...] | None:
        items = self.sequence(node, where, MAX_KEY_POINTS, non_empty=True)
        points: list[KeyPoint] = []
        owner: dict[str, tuple[int, str]] = {}  # normalized term -> (index, name) of its key point
        ok = node is not None and bool(items)
        for index, item in enumerate(items):
            here = f"{where}[{index}]"
            fields = self.mapping(item, here, KEY_POINT_FIELDS)
            if fields is None:
                ok = False
                continue
            names = self.localized(fields.get("name"), f"{here}.name", MAX_TERM_CHARS, language)
            aliases = self.strings(fields.get("aliases"), f"{here}.aliases", MAX_ALIASES)
            details = ({} if "detail" not in fields else
                       self.localized(fields["detail"], f"{here}.detail", MAX_DETAIL_CHARS, language,
                                      allow_empty=True, record=False))
            if details:  # an empty detail is no detail, in no language
                if any(text.strip() for text in details.values()):
                    self._texts.append((f"{here}.detail", fields["detail"], details))
                else:
                    details = {}
            if names is None or aliases is None or details is None:
                ok = False
                continue
            if question_id is not None:
                self.point_lines[(question_id, index)] = _line(fields["name"])
            name = names.get(language, next(iter(names.values())))
            terms = [(term, fields["name"], "name" if term_lang == language else f"name.{term_lang}")
                     for term_lang, term in names.items()]
            terms += [(alias, alias_node, f"aliases[{i}]")
                      for i, (alias, alias_node) in enumerate(zip(aliases, _items(fields.get("aliases"))))]
            for term, term_node, field in terms:
                folded = normalize(term)
                other, other_name = owner.setdefault(folded, (index, name))
                if not folded:
                    # An empty term would be "found" in every answer.
                    self.error(_line(term_node), f"{here}.{field}", f"{term!r} has no letters or digits to match on")
                    ok = False
                elif other != index:
                    message = (f"duplicate key point name {term!r}" if normalize(other_name) == folded
                               else f"{term!r} already belongs to key point {other_name!r}")
                    self.error(_line(term_node), f"{here}.{field}", message)
                    ok = False
            points.append(KeyPoint(
                name=name, aliases=aliases, detail=details.get(language, ""),
                names=tuple((lang, term) for lang, term in names.items() if lang != language),
                details=tuple((lang, text) for lang, text in details.items() if lang != language)))
        return tuple(points) if ok else None

    # -- shapes -------------------------------------------------------------------------------

    def mapping(self, node: yaml.Node, where: str, known: dict[str, bool]) -> dict[str, yaml.Node] | None:
        if not isinstance(node, yaml.MappingNode):
            self.error(_line(node), where, f"expected a mapping, got {_describe(node)}")
            return None
        fields: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key_node.tag != _STR or not isinstance(key, str):
                self.error(_line(key_node), where, f"keys must be strings, got {_describe(key_node)}")
            elif key not in known:
                self.error(_line(key_node), _join(where, _short(key)),
                           f"unknown key {_shown(key)} (expected one of: {', '.join(known)})")
            elif key in fields:
                self.error(_line(key_node), _join(where, key), f"duplicate key {key!r}")
            else:
                fields[key] = value_node
        for key, required in known.items():
            if required and key not in fields:
                self.error(_line(node), _join(where, key), "required field is missing")
        return fields

    def sequence(self, node: yaml.Node | None, where: str, limit: int, non_empty: bool = False) -> list[yaml.Node]:
        """The list's items, up to limit; more are an error at the first item over it."""
        if node is None:
            return []
        if not isinstance(node, yaml.SequenceNode):
            self.error(_line(node), where, f"expected a list, got {_describe(node)}")
            return []
        if non_empty and not node.value:
            self.error(_line(node), where, "must not be empty")
        if len(node.value) > limit:
            self.error(_line(node.value[limit]), where, f"at most {limit:,} items, got {len(node.value):,}")
        return list(node.value[:limit])

    def text(self, node: yaml.Node | None, where: str, *, limit: int, default: str | None = None,
             allow_empty: bool = False) -> str | None:
        if node is None:
            return default
        if not isinstance(node, yaml.ScalarNode) or node.tag != _STR:
            self.error(_line(node), where, f"expected a string, got {_describe(node)}")
            return None
        value = str(node.value)
        if len(value) > limit:
            self.error(_line(node), where, f"at most {limit:,} characters, got {len(value):,}")
            return None
        if not allow_empty and not value.strip():
            self.error(_line(node), where, "must not be empty")
            return None
        return value

    def slug(self, node: yaml.Node | None, where: str) -> str | None:
        value = self.text(node, where, limit=MAX_ID_CHARS)
        if node is not None and value is not None and not SLUG.match(value):
            self.error(_line(node), where,
                       f"{value!r} is not a slug (lowercase letters, digits and single hyphens, e.g. 'early-stopping')")
            return None
        return value

    def strings(self, node: yaml.Node | None, where: str, limit: int, slugs: bool = False) -> tuple[str, ...] | None:
        """Up to limit slugs (tags) or key-point terms."""
        values: list[str] = []
        ok = node is None or (isinstance(node, yaml.SequenceNode) and len(node.value) <= limit)
        for index, item in enumerate(self.sequence(node, where, limit)):
            value = (self.slug(item, f"{where}[{index}]") if slugs
                     else self.text(item, f"{where}[{index}]", limit=MAX_TERM_CHARS))
            ok = ok and value is not None
            if value is not None:
                values.append(value)
        return tuple(values) if ok else None

    def difficulty(self, node: yaml.Node | None, where: str) -> int | None:
        if node is None:
            return 2
        if not isinstance(node, yaml.ScalarNode) or node.tag != _INT:
            self.error(_line(node), where, f"expected an integer from 1 to 3, got {_describe(node)}")
            return None
        if len(node.value) > 8:  # int() of thousands of digits is slow, or refused outright
            self.error(_line(node), where, "must be from 1 to 3")
            return None
        value = self._ints.construct_object(node)
        if not isinstance(value, int) or not 1 <= value <= 3:
            self.error(_line(node), where, f"must be from 1 to 3, got {value}")
            return None
        return value


def _language_order(language: str) -> int:
    return TEXT_LANGUAGES.index(language) if language in TEXT_LANGUAGES else len(TEXT_LANGUAGES)


def _languages(languages: Iterable[str]) -> str:
    return " and ".join(repr(lang) for lang in languages)


def _items(node: yaml.Node | None) -> list[yaml.Node]:
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _shown(text: str) -> str:
    """A value quoted in a message, cut short: a message must stay readable in chat."""
    return repr(_short(text, 60))


def _join(where: str, key: str) -> str:
    """Field path for messages; top-level fields are named bare (`id`, not `pack.id`)."""
    return key if where == "pack" else f"{where}.{key}"
