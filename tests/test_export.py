"""`interview-bot content export`: the bank, uploaded packs included, written back to YAML
that lint and the loader accept, losing nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from bot.content.loader import load_bank, local_id
from bot.core.packs import owner_of

REPO = Path(__file__).resolve().parent.parent

UPLOADED = """\
id: team-extras
title: Our own questions
questions:
  - id: rag-basics
    title: What is retrieval-augmented generation?
    prompt: Explain RAG.
    answer: |
      Retrieve, then generate.
      Second line: keep it, retrieval first.
    key_points:
      - name: retrieval
        aliases: [检索, search]
        detail: fetch relevant documents
    notes:
      - key_point: retrieval
        quote: "Retrieve, then generate."
        text: 审校注：检索质量决定上限。
    tags: [rag]
    difficulty: 2
    language: en
    source: team
"""


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True, cwd=REPO,
                          env=env, timeout=60)


async def test_export_round_trips_shipped_and_uploaded_packs(make_session, tmp_path: Path) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'export.db'}"
    bot = await make_session(INTERVIEW_BOT_STORAGE__URL=database, INTERVIEW_BOT_CONTENT__PATHS=str(REPO / "content/packs"))
    upload = tmp_path / "extras.yaml"
    upload.write_text(UPLOADED, encoding="utf-8")
    assert "saved" in await bot.say(f"/upload {upload}")
    owner = owner_of(bot.app.console.channel)
    expected = {pack.id: tuple(replace(q, id=local_id(q.id)) for q in pack.questions)
                for pack in bot.core.bank.packs_for(owner)}
    await bot.close()

    env = {k: v for k, v in os.environ.items() if not k.startswith("INTERVIEW_BOT_")}
    env["INTERVIEW_BOT_STORAGE__URL"] = database
    out_dir = tmp_path / "exported"
    exported = cli("content", "export", "--out", str(out_dir), env=env)
    assert exported.returncode == 0, exported.stderr
    # The workspace's own pack goes in its own folder: another's may have the same ids.
    shipped = sorted(p.name for p in (REPO / "content" / "packs").glob("*.yaml"))
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(["console-local", *shipped])
    assert [p.name for p in (out_dir / "console-local").iterdir()] == ["team-extras.yaml"]
    linted = cli("content", "lint", "--any-language", str(out_dir), str(out_dir / "console-local"), env=env)
    assert linted.returncode == 0 and f"questions in {len(shipped) + 1} packs" in linted.stdout
    reloaded = {pack.id: pack.questions for pack in load_bank([out_dir, out_dir / "console-local"]).packs}
    assert reloaded == expected  # notes, aliases, details and multi-line answers included
    shown = cli("content", "show", "model-evaluation", env=env)
    assert "Reviewer's notes:" in shown.stdout and "MAE" in shown.stdout
