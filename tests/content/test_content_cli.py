"""The `content` command: import, lint, list, show and grade, driven through the real argparse parser."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
import yaml

from bot.content.cli import add_content_parser, run_content_command
from bot.content.loader import load_pack, load_pack_text

ROOT = Path(__file__).resolve().parents[2]
PACKS = ROOT / "content" / "packs"
QUESTION_KEYS = "id, title, prompt, answer, key_points, tags, difficulty, language, source, notes"
SOURCE = ROOT / "content" / "sources" / "llm-engineering-interview.md"


def run(*argv: str | Path, packs: list[Path] | None = None) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="interview-bot")
    add_content_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args([str(arg) for arg in argv])
    out, err = StringIO(), StringIO()
    code = run_content_command(args, packs if packs is not None else [PACKS], out, err)
    return code, out.getvalue(), err.getvalue()


def test_import_writes_a_loadable_pack_and_reports_merges(tmp_path: Path) -> None:
    target = tmp_path / "imported.yaml"
    code, out, err = run("content", "import", SOURCE, "--out", target, "--pack-id", "llm",
                         "--title", "LLM 面试题", "--id-prefix", "llm")
    assert code == 0
    assert out == ""
    assert "30 entries, 18 questions, 12 merged" in err
    assert "#20 -> #11: same title as #11; prompt differs by one word (优化)" in err
    assert "#13 -> #10: same question as #10 in other words" in err
    pack = load_pack(target)
    assert (pack.id, pack.title, len(pack.questions)) == ("llm", "LLM 面试题", 18)
    assert pack.questions[0].id == "llm-01"


def test_import_without_out_prints_the_pack(tmp_path: Path) -> None:
    code, out, err = run("content", "import", SOURCE)
    assert code == 0
    assert "12 merged" in err
    pack = load_pack_text(out, "<stdout>")
    assert pack.id == "llm-engineering-interview"
    assert pack.questions[-1].id == "llm-engineering-interview-19"


def test_import_of_a_malformed_document_fails_with_its_location(tmp_path: Path) -> None:
    source = tmp_path / "bank.md"
    source.write_text("### 1. 标题\n\n**面试题：** 问题？\n\n正文，没有答案标记\n", encoding="utf-8")
    target = tmp_path / "out.yaml"
    code, out, err = run("content", "import", source, "--out", target)
    assert (code, out) == (1, "")
    assert err.startswith("bank.md:1: answer: entry 1 has no '**答案：**' line")
    assert not target.exists()


def shipped_counts() -> tuple[int, int]:
    """Questions and packs in content/packs, counted from the files themselves."""
    files = sorted((ROOT / "content" / "packs").glob("*.yaml"))
    return sum(len(yaml.safe_load(f.read_text(encoding="utf-8"))["questions"]) for f in files), len(files)


def test_lint_of_the_default_packs_passes() -> None:
    questions, packs = shipped_counts()
    assert questions >= 250
    code, out, err = run("content", "lint")
    assert (code, out, err) == (0, f"ok: {questions} questions in {packs} packs\n", "")


def test_lint_reports_each_error_and_fails(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: bad\ntitle: Bad\nquestions:\n  - id: q\n    title: T\n    prompt: P\n    answer: A\n"
                   "    key_points: [{name: N}]\n    difficulty: 9\n    colour: red\n", encoding="utf-8")
    code, out, err = run("content", "lint", "--any-language", bad, PACKS)
    assert code == 1
    assert out.splitlines() == [
        f"{bad}:9: questions[0].difficulty: must be from 1 to 3, got 9",
        f"{bad}:10: questions[0].colour: unknown key 'colour' (expected one of: {QUESTION_KEYS})",
    ]
    assert "2 error(s)" in err


HOSTILE = {
    # ~200 KB: a question, its key point and an alias, each repeated 10,000 times by alias
    "laughs.yaml": ("id: x\ntitle: X\nquestions:\n  - &q\n    id: q\n    key_points:\n      - &k\n"
                    "        aliases: [&s lol" + ", *s" * 10_000 + "]\n" + "      - *k\n" * 10_000
                    + "  - *q\n" * 10_000, 4, "yaml: anchors (&q) are not allowed in packs"),
    "flow.yaml": ("[" * 20_000 + "]" * 20_000, 1, "yaml: nested more than 20 levels deep"),
    "block.yaml": ("- " * 20_000 + "x\n", 1, "yaml: nested more than 20 levels deep"),
    "string.yaml": ("id: " + "x" * 30_000 + "\n", 1, "id: a string of 30,000 characters, over the limit of 20,000"),
    "latin1.yaml": ("id: caf\xe9\n", 1, "encoding: file is not valid UTF-8"),
}


def write_hostile(directory: Path, name: str) -> Path:
    path = directory / name
    text = HOSTILE[name][0]
    path.write_bytes(text.encode("latin-1") if name == "latin1.yaml" else text.encode("utf-8"))
    return path


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_lint_of_a_hostile_file_fails_quickly_with_its_line(tmp_path: Path, name: str) -> None:
    path = write_hostile(tmp_path, name)
    started = time.perf_counter()
    code, out, err = run("content", "lint", path)
    assert time.perf_counter() - started < 1
    _, line, message = HOSTILE[name]
    assert (code, out, err) == (1, f"{path}:{line}: {message}\n", "1 error(s)\n")


def test_the_installed_command_lints_hostile_files_without_a_traceback(tmp_path: Path) -> None:
    paths = [write_hostile(tmp_path, name) for name in sorted(HOSTILE)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTERVIEW_BOT_")}
    result = subprocess.run([sys.executable, "-m", "bot.cli", "content", "lint", *map(str, paths)],
                            capture_output=True, text=True, cwd=ROOT, env=env, timeout=60)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stdout.splitlines() == [f"{path}:{HOSTILE[path.name][1]}: {HOSTILE[path.name][2]}" for path in paths]
    assert result.stderr.strip() == f"{len(paths)} error(s)"


def test_list_prints_one_line_per_question() -> None:
    code, out, _ = run("content", "list")
    assert code == 0
    lines, packs = out.split("\n\n")
    lines = lines.splitlines()
    questions, pack_count = shipped_counts()
    assert len(lines) == questions
    seed = next(line for line in packs.splitlines() if line.startswith("llm-engineering "))
    assert seed.split()[:6] == ["llm-engineering", "18", "questions", "(zh", "18,", "en"]
    assert packs.splitlines()[-1] == f"total: {questions} questions in {pack_count} packs"
    assert next(line for line in lines if line.startswith("model-architecture ")).split()[:2] == [
        "model-architecture", "2"]
    overfitting = next(line for line in lines if line.startswith("overfitting "))
    assert overfitting.split() == ["overfitting", "1", "training,regularization", "如何处理大模型的过拟合问题？"]


def test_list_can_filter_by_tag() -> None:
    code, out, _ = run("content", "list", "--tag", "interpretability")
    assert code == 0
    listed = [line.split()[0] for line in out.split("\n\n")[0].splitlines()]
    assert "interpretability" in listed and "mlf-feature-importance-bias" in listed
    assert "overfitting" not in listed


def test_list_refuses_a_broken_bank(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("id: bad\n", encoding="utf-8")
    code, out, err = run("content", "list", packs=[tmp_path])
    assert (code, out) == (1, "")
    assert f"{tmp_path / 'bad.yaml'}:1: title: required field is missing" in err


def test_show_prints_question_key_points_and_answer() -> None:
    code, out, _ = run("content", "show", "overfitting")
    assert code == 0
    assert out.startswith("overfitting: 如何处理大模型的过拟合问题？\n")
    assert "在AI大模型创业中，如何处理大模型的过拟合问题？请详细说明常用的方法。" in out
    assert "  - 早停法 (早停, 提前停止, early stopping, early-stopping, stop early, stopping early, early stop)" in out
    assert "- **早停法：**" in out.split("Answer:")[1]


@pytest.mark.parametrize(("wanted", "hint"), [("overfiting", "did you mean: overfitting?"),
                                              ("zzz", "content list")])
def test_show_unknown_id_fails_clearly(wanted: str, hint: str) -> None:
    code, out, err = run("content", "show", wanted)
    assert (code, out) == (1, "")
    assert f"unknown question id '{wanted}'" in err
    assert hint in err


def grade(question_id: str, answer: str, packs: list[Path] | None = None) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="interview-bot")
    add_content_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["content", "grade", question_id])
    out, err = StringIO(), StringIO()
    code = run_content_command(args, packs if packs is not None else [PACKS], out, err, StringIO(answer))
    return code, out.getvalue(), err.getvalue()


def test_grade_prints_coverage_as_json_with_chinese_unescaped() -> None:
    code, out, err = grade("overfitting", "不需要正则化；用隨機失活、Early-Stopping 和 k 折交叉验证。\n")
    assert (code, err) == (0, "")
    assert out.endswith("\n") and out.count("\n") == 1
    assert "早停法" in out  # ensure_ascii=False: names stay readable
    assert json.loads(out) == {
        "question": "overfitting",
        "covered": ["交叉验证", "Dropout", "早停法"],
        "missed": ["数据增强", "正则化", "集成学习"],
        "score": 0.5,
    }


def test_grade_of_an_answer_that_covers_nothing_scores_zero() -> None:
    code, out, _ = grade("deployment", "I have no idea, sorry.")
    assert code == 0
    report = json.loads(out)
    assert report["covered"] == [] and report["score"] == 0.0
    assert report["missed"] == ["模型压缩", "容器化", "微服务架构", "云服务"]


def test_grade_rounds_the_score() -> None:
    _, out, _ = grade("scalability", "横向扩展")  # 1 of 4
    assert json.loads(out)["score"] == 0.25
    _, out, _ = grade("model-evaluation", "accuracy")  # 1 of 7
    assert json.loads(out)["score"] == 0.1429


@pytest.mark.parametrize("answer", ["", "  \n\t　\n"])
def test_grade_refuses_an_empty_answer(answer: str) -> None:
    code, out, err = grade("overfitting", answer)
    assert (code, out) == (1, "")
    assert "the answer is empty" in err


@pytest.mark.parametrize(("wanted", "hint"), [("overfiting", "did you mean: overfitting?"), ("zzz", "content list")])
def test_grade_unknown_id_fails_clearly(wanted: str, hint: str) -> None:
    code, out, err = grade(wanted, "dropout")
    assert (code, out) == (1, "")
    assert f"unknown question id '{wanted}'" in err
    assert hint in err


def test_grade_reads_sys_stdin_when_no_stream_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", StringIO("use dropout"))
    parser = argparse.ArgumentParser(prog="interview-bot")
    add_content_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["content", "grade", "overfitting"])
    out, err = StringIO(), StringIO()
    assert run_content_command(args, [PACKS], out, err) == 0  # bot/cli.py's call, unchanged
    assert json.loads(out.getvalue())["covered"] == ["Dropout"]
