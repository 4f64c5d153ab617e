"""Static checks of docker-compose.yml, .env.example and the Dockerfile (no Docker engine needed).

Every INTERVIEW_BOT_* variable they set must be a setting that load_settings accepts.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.config import ENV_PREFIX, SECRET_ENV_VARS, load_settings

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = "postgresql+asyncpg://interview:interview@db:5432/interview"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def environment_of(service: dict[str, Any]) -> dict[str, str]:
    """Compose accepts a mapping or a list of NAME=value strings."""
    env = service.get("environment", {})
    if isinstance(env, list):
        return dict(item.split("=", 1) for item in env)
    return {name: str(value) for name, value in env.items()}


def test_compose_has_bot_and_db(compose: dict[str, Any]) -> None:
    assert {"bot", "db"} <= set(compose["services"])
    bot = compose["services"]["bot"]
    assert bot["build"] == "."
    assert bot["restart"] == "unless-stopped"
    command = bot["command"]
    assert (command if isinstance(command, str) else " ".join(command)) == "interview-bot run"
    assert any(str(volume).endswith(":/app/data") for volume in bot["volumes"])


def test_bot_env_file_is_optional(compose: dict[str, Any]) -> None:
    env_files = compose["services"]["bot"]["env_file"]
    assert {"path": ".env", "required": False} in env_files


def test_bot_waits_for_a_healthy_db(compose: dict[str, Any]) -> None:
    depends_on = compose["services"]["bot"]["depends_on"]
    assert depends_on["db"]["condition"] == "service_healthy"


def test_db_is_postgres_with_healthcheck_and_named_volume(compose: dict[str, Any]) -> None:
    db = compose["services"]["db"]
    assert db["image"] == "postgres:16-alpine"
    env = environment_of(db)
    assert {"POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"} <= set(env)
    test = db["healthcheck"]["test"]
    assert "pg_isready" in (test if isinstance(test, str) else " ".join(test))
    volume_name = next(
        str(v).split(":", 1)[0] for v in db["volumes"] if str(v).endswith(":/var/lib/postgresql/data")
    )
    assert volume_name in compose["volumes"]


def test_bot_storage_url_matches_the_db_service(compose: dict[str, Any]) -> None:
    db_env = environment_of(compose["services"]["db"])
    user, password, name = db_env["POSTGRES_USER"], db_env["POSTGRES_PASSWORD"], db_env["POSTGRES_DB"]
    expected = f"postgresql+asyncpg://{user}:{password}@db:5432/{name}"
    assert environment_of(compose["services"]["bot"])["INTERVIEW_BOT_STORAGE__URL"] == expected


def test_bot_environment_is_valid_settings(compose: dict[str, Any]) -> None:
    env = environment_of(compose["services"]["bot"])
    settings_env = {name: value for name, value in env.items() if name.startswith(ENV_PREFIX)}
    others = set(env) - set(settings_env) - set(SECRET_ENV_VARS)
    assert not others, f"unexpected variables in the bot service: {others}"
    settings = load_settings(env=settings_env)  # raises ConfigError on any unknown or invalid one
    assert settings.storage.url == POSTGRES_URL


def env_example_assignments() -> dict[str, str]:
    """NAME=value lines of .env.example, including commented-out examples like ``# NAME=value``."""
    assignments = {}
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        match = re.fullmatch(r"#?\s*([A-Z][A-Z0-9_]*)=(.*)", line.strip())
        if match:
            assignments[match[1]] = match[2]
    return assignments


def test_env_example_lists_every_secret_empty() -> None:
    assignments = env_example_assignments()
    for name in SECRET_ENV_VARS:
        assert assignments.get(name) == "", name


def test_env_example_variables_are_secrets_or_valid_settings() -> None:
    assignments = env_example_assignments()
    settings_env = {name: value for name, value in assignments.items() if name.startswith(ENV_PREFIX)}
    assert settings_env, "expected a commented INTERVIEW_BOT_ example"
    assert set(assignments) - set(settings_env) <= set(SECRET_ENV_VARS)
    load_settings(env=settings_env)  # raises ConfigError on any unknown or invalid one


def test_dockerfile_runs_interview_bot_as_non_root() -> None:
    lines = [
        line.strip()
        for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert lines[0] == "FROM python:3.11-slim"
    cmd = [line for line in lines if line.startswith("CMD ")][-1]
    assert json.loads(cmd.removeprefix("CMD ")) == ["interview-bot", "run"]
    assert "WORKDIR /app" in lines
    assert any(line.startswith("RUN pip install .") for line in lines)
    assert {"COPY config ./config", "COPY content ./content"} <= set(lines)
    users = [line.removeprefix("USER ").strip() for line in lines if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")


def test_bot_healthcheck_probes_the_ops_endpoint_it_enables(compose: dict[str, Any]) -> None:
    bot = compose["services"]["bot"]
    settings = load_settings(env={k: str(v) for k, v in bot["environment"].items()})
    assert settings.ops.enabled and settings.ops.host == "0.0.0.0"
    probe = " ".join(bot["healthcheck"]["test"])
    assert f"127.0.0.1:{settings.ops.port}/healthz" in probe
    assert str(settings.ops.port) in [str(p) for p in bot["expose"]]
    # Longer than the bot's own drain on SIGTERM, so compose does not kill a post half done.
    from bot.app import DRAIN_SECONDS

    assert int(bot["stop_grace_period"].rstrip("s")) > DRAIN_SECONDS
