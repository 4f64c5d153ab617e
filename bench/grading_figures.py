"""Precision and recall of a key-point grader over the labeled answers, as Markdown tables.

Run from the repository root: `python bench/grading_figures.py` (the default KeywordGrader), or
`--grader package.module:Class` for another Grader, `--errors` to list every wrong decision.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.content.loader import load_pack
from bot.content.matching import Grader, KeywordGrader
from bot.content.model import Question

LABELS = ROOT / "tests" / "data" / "graded_answers.yaml"
PACK = ROOT / "content" / "packs" / "llm-engineering.yaml"


@dataclass(frozen=True)
class Labeled:
    question: Question
    lang: str
    kind: str
    answer: str
    credit: frozenset[str]


@dataclass
class Tally:
    """Per key-point decisions: true positives, false positives, false negatives."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    answers: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def load_labeled(labels: Path = LABELS, pack: Path = PACK) -> list[Labeled]:
    questions = {q.id: q for q in load_pack(pack).questions}
    raw = yaml.safe_load(labels.read_text(encoding="utf-8"))["answers"]
    return [Labeled(questions[item["question"]], item["lang"], item["kind"], item["answer"],
                    frozenset(item["credit"])) for item in raw]


def tally(grader: Grader, items: Iterable[Labeled]) -> Tally:
    total = Tally()
    for item in items:
        graded = set(grader.grade(item.question, item.answer).covered)
        total.tp += len(graded & item.credit)
        total.fp += len(graded - item.credit)
        total.fn += len(item.credit - graded)
        total.answers += 1
    return total


def table(title: str, rows: dict[str, Tally]) -> str:
    lines = [f"| {title} | answers | precision | recall | F1 |", "| --- | ---: | ---: | ---: | ---: |"]
    for name, t in rows.items():
        lines.append(f"| {name} | {t.answers} | {t.precision:.3f} | {t.recall:.3f} | {t.f1:.3f} |")
    return "\n".join(lines)


def load_grader(spec: str | None) -> Grader:
    if not spec:
        return KeywordGrader()
    module, _, name = spec.partition(":")
    grader: Grader = getattr(importlib.import_module(module), name)()
    return grader


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grader", metavar="MODULE:CLASS", help="a Grader class to measure (default: KeywordGrader)")
    parser.add_argument("--errors", action="store_true", help="also list every false positive and negative")
    args = parser.parse_args(argv)
    grader = load_grader(args.grader)
    items = load_labeled()

    def by(key: str) -> dict[str, Tally]:
        values = sorted(Counter(getattr(i, key) for i in items))
        return {v: tally(grader, [i for i in items if getattr(i, key) == v]) for v in values}

    print(f"Grader: {type(grader).__name__}; {len(items)} labeled answers to "
          f"{len({i.question.id for i in items})} questions ({LABELS.relative_to(ROOT)}).\n")
    print(table("set", {"all": tally(grader, items)}) + "\n")
    print(table("language", by("lang")) + "\n")
    print(table("kind", by("kind")))
    if args.errors:
        print()
        for item in items:
            graded = set(grader.grade(item.question, item.answer).covered)
            for name in sorted(graded - item.credit):
                print(f"FP {item.question.id} [{item.kind}] {name}: {item.answer}")
            for name in sorted(item.credit - graded):
                print(f"FN {item.question.id} [{item.kind}] {name}: {item.answer}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
