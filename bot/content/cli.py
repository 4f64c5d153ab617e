"""The `interview-bot content ...` commands: import, lint, list, show, grade and export.

bot/cli.py mounts add_content_parser() and calls run_content_command(). Imports only
bot.content (never bot.core, bot.storage or adapters).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import replace
from difflib import get_close_matches
from pathlib import Path
from typing import TextIO

from bot.content.csv_io import MAX_CSV_BYTES, delimiter_for, import_table, write_markdown, write_table
from bot.content.errors import ContentErrors
from bot.content.importer import dump_pack, import_markdown, slugify
from bot.content.lint import check_paths
from bot.content.loader import SHIPPED_LANGUAGES, Bank, OwnedPack, load_pack_text, local_id
from bot.content.matching import Grader, KeywordGrader
from bot.content.model import TEXT_LANGUAGES, Pack, Question


def add_content_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Add `content` and its subcommands; the chosen one ends up in args.content_command."""
    content = subparsers.add_parser("content", help="import, lint, list, show and grade question packs",
                                    description="Work with the question bank (YAML packs).")
    commands = content.add_subparsers(dest="content_command", required=True, metavar="COMMAND")

    importer = commands.add_parser("import", help="turn a Markdown bank or a CSV/TSV table into a YAML pack",
                                   description="Parse a Markdown bank (merging duplicates, reported on stderr) "
                                               "or a .csv/.tsv table (columns: title, prompt, answer, "
                                               "key_points, tags, difficulty; see the README) and write a pack.")
    importer.add_argument("file", type=Path, metavar="FILE",
                          help="Markdown source (e.g. content/sources/x.md), or a .csv or .tsv table")
    importer.add_argument("--out", type=Path, metavar="PACK.yaml", help="write the pack here (default: stdout)")
    importer.add_argument("--id-prefix", metavar="P", help="question ids become P-01, P-02, ... (default: file stem)")
    importer.add_argument("--pack-id", metavar="ID", help="pack id (default: file stem)")
    importer.add_argument("--title", metavar="T", help="pack title (default: file stem)")

    lint = commands.add_parser("lint", help="check packs and report every error with its line",
                               description="Check packs as the bot checks the packs it ships: every text in "
                                           f"{' and '.join(SHIPPED_LANGUAGES)} unless a pack declares its "
                                           "`languages:`, every key point found in its answer, no "
                                           "near-duplicate questions.")
    lint.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="pack files or directories "
                                                                          "(default: the configured packs)")
    lint.add_argument("--any-language", action="store_true",
                      help="require no language, as for a pack uploaded from chat")

    listing = commands.add_parser("list", help="one line per question: id, difficulty, tags, title; then one "
                                               "per pack: id, questions, languages, title")
    listing.add_argument("--tag", action="append", default=[], metavar="TAG", help="only questions with this tag")
    listing.add_argument("--lang", choices=TEXT_LANGUAGES, metavar="LANG",
                         help=f"titles in this language when a question has it ({', '.join(TEXT_LANGUAGES)})")

    show = commands.add_parser("show", help="a question with its key points and reference answer")
    show.add_argument("question_id", metavar="ID")
    show.add_argument("--lang", choices=TEXT_LANGUAGES, metavar="LANG",
                      help=f"show it in this language when it has it ({', '.join(TEXT_LANGUAGES)}; "
                           "default: the question's own)")

    grade = commands.add_parser("grade", help="grade an answer read from stdin against a question's key points",
                                description="Read an answer on stdin and print JSON: question, covered and "
                                            "missed key points, score from 0.0 to 1.0.")
    grade.add_argument("question_id", metavar="QUESTION_ID")

    export = commands.add_parser("export", help="write the whole bank, uploaded packs included, as YAML packs "
                                                "(or Markdown or CSV)",
                                 description="Write one file per pack (shipped and uploaded from chat) into DIR: "
                                             "PACK_ID.yaml in the format lint and the loader accept, PACK_ID.md "
                                             "to read, or PACK_ID.csv to edit in a spreadsheet and import again; "
                                             "a workspace's own uploads go in a folder of their own.")
    export.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder to write the packs into")
    export.add_argument("--format", choices=("yaml", "md", "csv"), default="yaml",
                        help="yaml (default), md or csv")
    return content


def run_content_command(args: argparse.Namespace, pack_paths: list[Path], out: TextIO, err: TextIO,
                        inp: TextIO | None = None, grader: Grader | None = None,
                        extra_packs: Sequence[OwnedPack] = ()) -> int:
    """Run the parsed `content` subcommand; returns the process exit code.

    inp is where `grade` reads the answer (default: sys.stdin); grader defaults to KeywordGrader;
    extra_packs are packs from elsewhere (uploaded from chat, read by the caller, with their
    owners) that join the bank.
    """
    command: str = args.content_command
    if command == "import":
        return _import(args, out, err)
    if command == "lint":
        return _lint(list(args.paths) or pack_paths, out, err, () if args.any_language else SHIPPED_LANGUAGES)
    bank = _load(pack_paths, err)
    if bank is None:
        return 1
    if extra_packs:
        bank = Bank(bank.packs, extra_packs)
        for upload, reason in bank.left_out:
            print(f"warning: uploaded pack {upload.pack.id} left out: {reason}", file=err)
    if command == "export":
        return _export(bank, args.out, out, err, args.format)
    if command == "list":
        return _list(bank, args.tag, out, args.lang)
    if command == "show":
        return _show(bank, args.question_id, out, err, args.lang)
    if command == "grade":
        return _grade(bank, args.question_id, inp if inp is not None else sys.stdin, out, err,
                      grader or KeywordGrader())
    raise AssertionError(f"unhandled content command {command!r}")


def _import(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    source: Path = args.file
    if delimiter_for(source) is not None:
        return _import_table(args, out, err)
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"error: cannot read {source}: {exc}", file=err)
        return 1
    try:
        result = import_markdown(text, source.name, id_prefix=args.id_prefix)
    except ValueError as exc:
        print(f"error: {exc}", file=err)
        return 2
    except ContentErrors as exc:
        print(exc, file=err)
        return 1
    pack_id = args.pack_id or slugify(source.stem)
    yaml_text = dump_pack(pack_id, args.title or source.stem, result.questions,
                          comment=f"Imported from {source.name} by `interview-bot content import`.")
    destination = str(args.out) if args.out else "<stdout>"
    try:
        load_pack_text(yaml_text, destination)  # never hand out a pack the bot would refuse
    except ContentErrors as exc:
        print(exc, file=err)
        return 1
    print(result.report(), file=err)
    return _write_pack(args.out, yaml_text, len(result.questions), out, err)


def _import_table(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    source: Path = args.file
    delimiter = delimiter_for(source)
    assert delimiter is not None
    if args.id_prefix is not None:
        print("error: --id-prefix is for Markdown; a table's ids come from its id column or its titles", file=err)
        return 2
    try:
        if not source.is_file():  # a pipe or device could be read forever
            print(f"error: cannot read {source}: not a regular file", file=err)
            return 1
        with source.open("rb") as file:
            data = file.read(MAX_CSV_BYTES + 1)  # enough to know it is too big, without reading it all
    except OSError as exc:
        print(f"error: cannot read {source}: {exc.strerror or exc}", file=err)
        return 1
    try:
        yaml_text, pack = import_table(data, source.name, delimiter, args.pack_id or slugify(source.stem),
                                       args.title or source.stem)
    except ContentErrors as exc:
        print(exc, file=err)
        print(f"{len(exc.errors)} error(s); nothing written", file=err)
        return 1
    print(f"{source.name}: {len(pack.questions)} questions", file=err)
    return _write_pack(args.out, yaml_text, len(pack.questions), out, err)


def _write_pack(target: Path | None, yaml_text: str, count: int, out: TextIO, err: TextIO) -> int:
    """An imported pack to ``target``, or to standard output without one."""
    if target:
        target.write_text(yaml_text, encoding="utf-8")
        print(f"wrote {count} questions to {target}", file=err)
    else:
        out.write(yaml_text)
    return 0


def _lint(paths: list[Path], out: TextIO, err: TextIO, require_languages: Sequence[str]) -> int:
    bank, errors = check_paths(paths, require_languages)
    for error in errors:
        print(error, file=out)
    if bank is None:
        print(f"{len(errors)} error(s)", file=err)
        return 1
    print(f"ok: {len(bank)} questions in {len(bank.packs)} packs", file=out)
    return 0


def _load(paths: list[Path], err: TextIO) -> Bank | None:
    bank, errors = check_paths(paths, check_content=False)  # what the bot would load; lint checks the rest
    for error in errors:
        print(error, file=err)
    if bank is None:
        print("error: the question bank has errors; see `interview-bot content lint`", file=err)
    return bank


def _list(bank: Bank, tags: list[str], out: TextIO, language: str | None) -> int:
    questions = bank.filter(tags)
    id_width = max((len(q.id) for q in questions), default=0)
    tag_width = max((len(_tags(q)) for q in questions), default=0)
    for q in questions:
        title = q.title_in(language) if language else q.title
        print(f"{q.id:<{id_width}}  {q.difficulty}  {_tags(q):<{tag_width}}  {title}", file=out)
    # Then what each pack holds, in which languages (a question counts for each it is in).
    shown = {q.id for q in questions}
    print(file=out)
    pack_width = max((len(pack.id) for pack in bank.packs), default=0)
    for pack in bank.packs:
        mine = [q for q in pack.questions if q.id in shown]
        counts = ", ".join(f"{lang} {sum(lang in q.languages for q in mine)}" for lang in pack.question_languages)
        title = pack.title_in(language) if language else pack.title
        print(f"{pack.id:<{pack_width}}  {len(mine):>3} questions  ({counts or '-'})  {title}", file=out)
    print(f"total: {len(questions)} questions in {len(bank.packs)} packs", file=out)
    return 0


def _tags(question: Question) -> str:
    return ",".join(question.tags) or "-"


def _question(bank: Bank, question_id: str, err: TextIO) -> Question | None:
    """The question, or None after telling err that the id is unknown (with near misses)."""
    question = bank.get(question_id)
    if question is None:
        print(f"error: unknown question id {question_id!r}", file=err)
        close = get_close_matches(question_id, [q.id for q in bank.questions], n=3)
        if close:
            print(f"did you mean: {', '.join(close)}?", file=err)
        else:
            print("see `interview-bot content list` for the ids", file=err)
    return question


def _show(bank: Bank, question_id: str, out: TextIO, err: TextIO, language: str | None = None) -> int:
    question = _question(bank, question_id, err)
    if question is None:
        return 1
    lang = question.shown_language(language or question.language)
    if language and lang != language:
        print(f"note: {question.id} has no {language!r} text; showing {lang!r}", file=err)
    print(f"{question.id}: {question.title_in(lang)}", file=out)
    print(f"difficulty {question.difficulty} | tags: {_tags(question)} | source: {question.source or '-'} "
          f"| languages: {', '.join(question.languages)}", file=out)
    print(f"\nPrompt:\n{question.prompt_in(lang)}\n\nKey points:", file=out)
    for point in question.key_points:
        aliases = f" ({', '.join(point.aliases)})" if point.aliases else ""
        print(f"  - {point.name_in(lang)}{aliases}", file=out)
    print(f"\nAnswer:\n{question.answer_in(lang)}", file=out)
    if question.notes:
        print("\nReviewer's notes:", file=out)
        for note in question.notes:
            target = question.point_label(note.key_point, lang) if note.key_point else f"“{note.quote}”"
            print(f"  - [{target}] {note.text_in(lang)}", file=out)
    return 0


def _export(bank: Bank, directory: Path, out: TextIO, err: TextIO, form: str = "yaml") -> int:
    """Shipped and shared packs into ``directory``; each owner's packs, whose ids may repeat
    another owner's, into a folder named after the owner, with their ids as written. Every
    file is rendered before any is written, so a pack the format cannot hold writes nothing."""
    places = [(directory, pack) for pack in bank.packs]
    places += [(directory / slugify(owner), pack) for owner, packs in bank.owned().items() for pack in packs]
    rendered: list[tuple[Path, Path, int, str]] = []
    failed = False
    for folder, pack in places:
        questions = [replace(q, id=local_id(q.id)) for q in pack.questions]
        try:
            text = _render(pack, questions, form)
        except ValueError as exc:
            print(f"error: pack {pack.id} cannot be written as {form}:\n{exc}", file=err)
            failed = True
            continue
        rendered.append((folder, folder / f"{pack.id}.{form}", len(questions), text))
    if failed:
        print("nothing written", file=err)
        return 1
    if form == "csv" and any(p.detail or p.details or q.notes for _, pack in places
                             for q in pack.questions for p in q.key_points):
        print("note: a CSV table has no column for key point details or reviewer's notes; they are left out",
              file=err)
    for folder, path, count, text in rendered:
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="" if form == "csv" else None)
        print(f"wrote {count} questions to {path}", file=out)
    return 0


def _render(pack: Pack, questions: list[Question], form: str) -> str:
    if form == "csv":
        return write_table(questions, ",")
    if form == "md":
        return write_markdown(pack, questions)
    return dump_pack(pack.id, pack.title, questions, titles=pack.titles, description=pack.description,
                     languages=pack.languages)


def _grade(bank: Bank, question_id: str, inp: TextIO, out: TextIO, err: TextIO, grader: Grader) -> int:
    question = _question(bank, question_id, err)
    if question is None:
        return 1
    if inp.isatty():
        print("reading the answer from stdin; end it with Ctrl-D", file=err)
    answer = inp.read()
    if not answer.strip():
        print("error: the answer is empty; pipe it on stdin, e.g. "
              f"`echo '用早停和 dropout' | interview-bot content grade {question.id}`", file=err)
        return 1
    result = grader.grade(question, answer)
    report = {"question": question.id, "covered": list(result.covered), "missed": list(result.missed),
              "score": round(result.score, 4)}
    print(json.dumps(report, ensure_ascii=False), file=out)
    return 0
