"""Imports a Markdown question bank (`### N. title`, **面试题：**, **答案：**) into Questions.

Also merges duplicate entries and writes packs as YAML the loader reads back unchanged.
Imports only bot.content (never bot.core, bot.storage or adapters).

Near-duplicates. Entries are compared with every question kept so far (exact duplicates, equal
normalized title + prompt + answer, are caught first against every earlier entry). Two entries
ask the same question when both hold:

1. Same subject: after normalize(), the shorter title is a subsequence of the longer one, i.e.
   one title is the other with words *added* but none *replaced* ("解释性" -> "可解释性问题"), and
   their similarity ratio is at least 0.7. A replaced word changes the subject: "过拟合问题",
   "泛化问题" and "鲁棒性问题" differ only in that word, so they stay apart even though they
   share most of their text.
2. Same content: at least 3/4 of the shorter key-point list appears in the other (names equal
   or one containing the other after normalize(): "可视化" ~ "特征可视化"). This keeps two
   different questions that happen to share a title apart.

Identical titles satisfy (1) trivially, so #20 (same title as #11, prompt without "优化") merges
through the same rule; the reason then names the words that differ. The first occurrence wins.

Neither signal alone is enough on the seed: by title similarity #13/#15 (可解释性 vs 可扩展性,
0.86) are as close as #10/#13 (0.88), and by key points #4/#17 (过拟合 vs 泛化) share 5 of 6.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Container, Iterable
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

import yaml

from bot.content.errors import ContentError, ContentErrors
from bot.content.loader import KEY_POINT_FIELDS, MAX_ID_CHARS, NOTE_FIELDS, QUESTION_FIELDS, SLUG
from bot.content.matching import normalize
from bot.content.model import KeyPoint, Note, Question, Texts

TITLE_SIMILARITY = 0.7
# Generated ids stay under the loader's MAX_ID_CHARS with room for what callers add around a
# slug: "-01" entry numbers here, "-2" on a clash and "custom-" in bot.core.packs.
SLUG_CHARS = MAX_ID_CHARS - 16
SHARED_POINTS = 0.75

_HEADING = re.compile(r"^(#{1,3})\s+(.*?)\s*$")  # deeper headings belong to the answer
_NUMBERED = re.compile(r"^(\d+)[.、]\s*(.+)$")
_PROMPT = re.compile(r"^\*\*面试题\s*[：:]\s*\*\*\s*(.*)$")
_ANSWER = re.compile(r"^\*\*答案\s*[：:]\s*\*\*\s*(.*)$")
_BULLET = re.compile(r"^(\s*)[-*+]\s+\*\*(.+?)\*\*\s*(.*)$")
_GLOSS = re.compile(r"^(.+?)\s*[（(]\s*(.+?)\s*[）)]$")
# Labels of the lines nested under a key point that describe it rather than being points.
_DESCRIPTORS = frozenset({"方法", "定义", "特点", "调整方法", "优势", "劣势", "适用场景", "建议值", "原理", "缺点", "优点"})
_DETAIL_LABELS = ("方法", "定义", "特点", "调整方法")


@dataclass(frozen=True)
class Entry:
    """One numbered entry of the source document, as written."""

    number: int
    line: int
    title: str
    prompt: str
    answer: str
    key_points: tuple[KeyPoint, ...]


@dataclass(frozen=True)
class Merge:
    kept: int
    dropped: int
    reason: str


@dataclass(frozen=True)
class ImportResult:
    source_name: str
    entries: tuple[Entry, ...]
    questions: tuple[Question, ...]
    merges: list[Merge] = field(default_factory=list)

    def report(self) -> str:
        counts = f"{len(self.entries)} entries, {len(self.questions)} questions, {len(self.merges)} merged"
        lines = [f"{self.source_name}: {counts}"]
        lines += [f"  #{m.dropped} -> #{m.kept}: {m.reason}" for m in self.merges]
        return "\n".join(lines)


def import_markdown(text: str, source_name: str, id_prefix: str | None = None) -> ImportResult:
    """Parse every entry, merge duplicates, and build one Question per distinct entry.

    Ids are f"{prefix}-{n:02d}" with n the kept entry's number; prefix defaults to the slugified
    stem of source_name. Raises ContentErrors (source_name:line: field) on malformed entries.
    """
    prefix = id_prefix if id_prefix is not None else slugify(Path(source_name).stem)
    if not SLUG.match(prefix):
        raise ValueError(f"id prefix {prefix!r} is not a slug (lowercase letters, digits, single hyphens)")
    entries = parse_entries(text, source_name)
    kept, merges = _merge_duplicates(entries)
    questions = tuple(
        Question(id=f"{prefix}-{e.number:02d}", title=e.title, prompt=e.prompt, answer=e.answer,
                 key_points=e.key_points, tags=(), difficulty=2, language="zh", source=f"{source_name}#{e.number}")
        for e in kept
    )
    return ImportResult(source_name=source_name, entries=entries, questions=questions, merges=merges)


def parse_entries(text: str, source_name: str) -> tuple[Entry, ...]:
    lines = text.splitlines()
    errors: list[ContentError] = []
    entries: list[Entry] = []
    starts: list[tuple[int, int, str]] = []  # (0-based line, number, title)
    ends: list[int] = []
    for index, line in enumerate(lines):
        heading = _HEADING.match(line)
        if not heading:
            continue
        if starts and len(ends) < len(starts):
            ends.append(index)
        if len(heading.group(1)) != 3:
            continue  # other heading levels only close the entry before them
        numbered = _NUMBERED.match(heading.group(2))
        if numbered is None:
            errors.append(ContentError(source_name, index + 1, "title", "expected a heading like '### 1. title'"))
            continue
        starts.append((index, int(numbered.group(1)), numbered.group(2).strip()))
    if len(ends) < len(starts):
        ends.append(len(lines))
    seen: dict[int, int] = {}
    for (start, number, title), end in zip(starts, ends):
        if number in seen:
            errors.append(ContentError(source_name, start + 1, "number",
                                       f"entry number {number} already used at line {seen[number]}"))
        seen.setdefault(number, start + 1)
        entry = _parse_entry(lines, start, end, number, title, source_name, errors)
        if entry is not None:
            entries.append(entry)
    if not starts and not errors:
        errors.append(ContentError(source_name, 1, "entries", "no entries found (expected '### 1. title')"))
    if errors:
        raise ContentErrors(errors)
    return tuple(entries)


def _parse_entry(lines: list[str], start: int, end: int, number: int, title: str, source_name: str,
                 errors: list[ContentError]) -> Entry | None:
    prompt_at = next((i for i in range(start + 1, end) if _PROMPT.match(lines[i])), None)
    answer_at = next((i for i in range(start + 1, end) if _ANSWER.match(lines[i])), None)
    failed = len(errors)
    where = f"entry {number}"
    if prompt_at is None:
        errors.append(ContentError(source_name, start + 1, "prompt", f"{where} has no '**面试题：**' line"))
    if answer_at is None:
        errors.append(ContentError(source_name, start + 1, "answer", f"{where} has no '**答案：**' line"))
    if prompt_at is None or answer_at is None:
        return None
    if answer_at < prompt_at:
        errors.append(ContentError(source_name, prompt_at + 1, "prompt", f"{where}: 面试题 must come before 答案"))
        return None
    prompt_match = _PROMPT.match(lines[prompt_at])
    assert prompt_match is not None
    prompt_lines = [prompt_match.group(1)]
    for line in lines[prompt_at + 1:answer_at]:
        if not line.strip() and prompt_lines[-1].strip():
            break
        prompt_lines.append(line)
    prompt = "\n".join(prompt_lines).strip()
    answer_match = _ANSWER.match(lines[answer_at])
    assert answer_match is not None
    # Trailing spaces are dropped so the YAML can keep the answer as a readable block scalar.
    answer = "\n".join(line.rstrip() for line in [answer_match.group(1), *lines[answer_at + 1:end]]).strip()
    if not prompt:
        errors.append(ContentError(source_name, prompt_at + 1, "prompt", f"{where} has an empty 面试题"))
    if not answer:
        errors.append(ContentError(source_name, answer_at + 1, "answer", f"{where} has an empty 答案"))
    key_points = _key_points(lines, answer_at + 1, end, where, source_name, errors)
    if not key_points and answer:
        errors.append(ContentError(source_name, answer_at + 1, "key_points",
                                   f"{where}: no '- **Name：**' bullets to take key points from"))
    if len(errors) > failed:
        return None
    return Entry(number=number, line=start + 1, title=title, prompt=prompt, answer=answer, key_points=key_points)


@dataclass
class _Bullet:
    line: int
    label: str
    text: str
    children: list[_Bullet] = field(default_factory=list)


def _key_points(lines: list[str], start: int, end: int, where: str, source_name: str,
                errors: list[ContentError]) -> tuple[KeyPoint, ...]:
    """Bold top-level bullets are key points; their nested bold bullets describe them.

    When none of a bullet's nested labels is a descriptor (方法, 优势, ...), the bullet is a
    heading over points (e.g. "原理" over "共享权重", "知识迁移") and its children are promoted.
    """
    bullets: list[_Bullet] = []
    current: _Bullet | None = None
    for index in range(start, end):
        line = lines[index]
        match = _BULLET.match(line)
        if match and not match.group(1):
            current = _Bullet(index + 1, _strip_colon(match.group(2)), _strip_colon(match.group(3), leading=True))
            bullets.append(current)
        elif match and current is not None:
            current.children.append(_Bullet(index + 1, _strip_colon(match.group(2)),
                                            _strip_colon(match.group(3), leading=True)))
        elif line.strip() and not line.startswith((" ", "\t")):
            current = None  # a paragraph such as **选择指南：** ends the bullet above it
    flat: list[_Bullet] = []
    for bullet in bullets:
        if bullet.children and not any(child.label in _DESCRIPTORS for child in bullet.children):
            flat.extend(bullet.children)
        else:
            flat.append(bullet)
    points: list[KeyPoint] = []
    seen: set[str] = set()
    for bullet in flat:
        if normalize(bullet.label) in seen:
            errors.append(ContentError(source_name, bullet.line, "key_points",
                                       f"{where}: key point {bullet.label!r} appears twice"))
            continue
        seen.add(normalize(bullet.label))
        points.append(KeyPoint(name=bullet.label, aliases=_gloss_aliases(bullet.label), detail=_detail(bullet)))
    return tuple(points)


def _detail(bullet: _Bullet) -> str:
    for label in _DETAIL_LABELS:
        for child in bullet.children:
            if child.label == label and child.text:
                return child.text
    if bullet.text:
        return bullet.text
    return next((child.text for child in bullet.children if child.text), "")


def _gloss_aliases(name: str) -> tuple[str, ...]:
    """"准确率（Accuracy）" -> ("准确率", "Accuracy"): either half alone should count."""
    match = _GLOSS.match(name)
    return (match.group(1), match.group(2)) if match else ()


def _strip_colon(text: str, leading: bool = False) -> str:
    text = text.strip()
    return text.lstrip("：:").strip() if leading else text.rstrip("：:").strip()


def id_for_title(title: str) -> str:
    """A question id made from its title: the slug, or for a title with no Latin letters or
    digits a name from the title's hash."""
    base = slugify(title)
    return "q-" + hashlib.sha1(title.encode()).hexdigest()[:8] if base == "question" else base


def free_id(base: str, taken: Container[str]) -> str:
    """``base``, or ``base-2``, ``base-3``... whichever is not taken, never longer than an
    id may be."""
    question_id, n = base, 2
    while question_id in taken:
        suffix = f"-{n}"
        question_id, n = base[:MAX_ID_CHARS - len(suffix)].rstrip("-") + suffix, n + 1
    return question_id


def slugify(text: str, max_chars: int = SLUG_CHARS) -> str:
    """text's ASCII letters and digits as a slug of at most max_chars: whole words while they
    fit, the first word cut short if even it does not; "question" when nothing is left."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    slug = words[0][:max_chars] if words else "question"
    for word in words[1:]:
        if len(slug) + 1 + len(word) > max_chars:
            break
        slug += "-" + word
    return slug


# -- duplicates -------------------------------------------------------------------------------

def _merge_duplicates(entries: Iterable[Entry]) -> tuple[list[Entry], list[Merge]]:
    kept: list[Entry] = []
    merges: list[Merge] = []
    kept_as: dict[int, int] = {}  # entry number -> number of the entry it lives on as
    first_with: dict[tuple[str, str, str], int] = {}
    for entry in entries:
        fingerprint = (normalize(entry.title), normalize(entry.prompt), normalize(entry.answer))
        if fingerprint in first_with:
            earlier = first_with[fingerprint]
            kept_as[entry.number] = kept_as[earlier]
            merges.append(Merge(kept_as[earlier], entry.number, f"exact duplicate of #{earlier}"))
            continue
        first_with[fingerprint] = entry.number
        for candidate in kept:
            reason = near_duplicate(candidate, entry)
            if reason is not None:
                kept_as[entry.number] = candidate.number
                merges.append(Merge(candidate.number, entry.number, reason))
                break
        else:
            kept.append(entry)
            kept_as[entry.number] = entry.number
    return kept, merges


def near_duplicate(first: Entry, second: Entry) -> str | None:
    """Why second asks the same question as first, or None when it does not (see module doc)."""
    title_a, title_b = normalize(first.title), normalize(second.title)
    shorter, longer = sorted((title_a, title_b), key=len)
    similarity = SequenceMatcher(None, title_a, title_b, autojunk=False).ratio()
    if not _is_subsequence(shorter, longer) or similarity < TITLE_SIMILARITY:
        return None
    shared, out_of = _shared_points(first.key_points, second.key_points)
    if shared < SHARED_POINTS * out_of:
        return None
    if title_a == title_b:
        return f"same title as #{first.number}; {_describe_difference(first, second)}"
    return (f"same question as #{first.number} in other words: title similarity {similarity:.2f}, "
            f"key points {shared}/{out_of} shared")


def _is_subsequence(short: str, long: str) -> bool:
    rest = iter(long)
    return all(ch in rest for ch in short)


def _shared_points(a: tuple[KeyPoint, ...], b: tuple[KeyPoint, ...]) -> tuple[int, int]:
    small, large = sorted(([normalize(p.name) for p in a], [normalize(p.name) for p in b]), key=len)
    shared = sum(1 for name in small if any(name in other or other in name for other in large))
    return shared, len(small)


def _describe_difference(first: Entry, second: Entry) -> str:
    parts = []
    if first.prompt != second.prompt:
        parts.append(f"prompt {_word_difference(first.prompt, second.prompt)}")
    if first.answer != second.answer:
        shared, out_of = _shared_points(first.key_points, second.key_points)
        parts.append(f"answer differs, key points {shared}/{out_of} shared")
    return "; ".join(parts) or "only whitespace or punctuation differs"


def _word_difference(a: str, b: str) -> str:
    changes = [(a[i1:i2], b[j1:j2]) for tag, i1, i2, j1, j2 in
               SequenceMatcher(None, a, b, autojunk=False).get_opcodes() if tag != "equal"]
    if len(changes) == 1:
        old, new = changes[0]
        return f"differs by one word ({old or new})" if not (old and new) else f"differs by one word ({old} -> {new})"
    return f"differs in {len(changes)} places"


# -- writing packs ----------------------------------------------------------------------------

class _FlowList(list[str]):
    """A list written inline: [a, b]."""


class _PackDumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Indent lists under their key ("  - id: ..."), as people write them by hand.
        super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


def _represent_flow(dumper: yaml.SafeDumper, value: _FlowList) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True)


_PackDumper.add_representer(str, _represent_str)
_PackDumper.add_representer(_FlowList, _represent_flow)


def dump_pack(pack_id: str, title: str, questions: Iterable[Question], comment: str = "", *,
              titles: Texts = (), description: Texts = (), languages: tuple[str, ...] = ()) -> str:
    """YAML in the loader's format; load_pack() reads it back to equal Questions. A pack's
    title in several languages (``titles``), its description and declared languages are
    written when given."""
    data: dict[str, object] = {"id": pack_id, "title": dict(titles) if len(titles) > 1 else title}
    if description:
        data["description"] = dict(description)
    if languages:
        data["languages"] = _FlowList(languages)
    data["questions"] = [_question_data(q) for q in questions]
    text = yaml.dump(data, Dumper=_PackDumper, allow_unicode=True, sort_keys=False, width=4096, indent=2)
    header = "".join(f"# {line}\n" for line in comment.splitlines())
    return header + text


def _texts(own: str, language: str, others: Iterable[tuple[str, str]]) -> str | dict[str, str]:
    """A text as written: one string, or one per language (the question's own first)."""
    others = tuple(others)
    return {language: own, **dict(others)} if others else own


def _question_data(question: Question) -> dict[str, object]:
    lang, other = question.language, question.translations
    values: dict[str, object] = {
        "id": question.id,
        "title": _texts(question.title, lang, ((t.language, t.title) for t in other)),
        "prompt": _texts(question.prompt, lang, ((t.language, t.prompt) for t in other)),
        "answer": _texts(question.answer, lang, ((t.language, t.answer) for t in other)),
        "key_points": [_key_point_data(p, lang) for p in question.key_points],
        "tags": _FlowList(question.tags),
        "difficulty": question.difficulty,
        "language": question.language,
        "source": question.source,
        "notes": [_note_data(n, lang) for n in question.notes],
    }
    assert list(values) == list(QUESTION_FIELDS)  # keep the writer in step with the loader
    if not question.notes:
        del values["notes"]  # most questions have none; `notes: []` would only be noise
    return values


def _key_point_data(point: KeyPoint, language: str) -> dict[str, object]:
    values: dict[str, object] = {"name": _texts(point.name, language, point.names),
                                 "aliases": _FlowList(point.aliases),
                                 "detail": _texts(point.detail, language, point.details)}
    assert list(values) == list(KEY_POINT_FIELDS)
    return values


def _note_data(note: Note, language: str) -> dict[str, object]:
    values: dict[str, object] = {"key_point": note.key_point, "quote": note.quote,
                                 "text": _texts(note.text, language, note.texts)}
    assert list(values) == list(NOTE_FIELDS)
    return {name: value for name, value in values.items() if value is not None}
