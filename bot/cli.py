"""The ``interview-bot`` command: run the bot, the console, and manage the question bank."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from pathlib import Path

from bot.adapters.discord.invite import add_discord_parser, run_discord_command
from bot.config import ConfigError, Settings, load_secrets, load_settings
from bot.content.cli import add_content_parser, run_content_command
from bot.content.errors import ContentErrors


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="interview-bot", description=__doc__)
    parser.add_argument("--config", type=Path, help="a TOML file overriding config/default.toml")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="start the bot on every platform with credentials (console if none)")
    commands.add_parser("console", help="start the local console bot (no token needed)")
    add_content_parser(commands)
    add_discord_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        print(f"interview-bot: config error: {exc}", file=sys.stderr)
        return 2
    secrets = load_secrets()
    on_console = args.command == "console" or (args.command == "run" and not (secrets.has_slack or secrets.has_discord))
    _configure_logging(settings, quiet=on_console or args.command == "content")
    if args.command == "discord":
        return run_discord_command(args, settings, secrets, sys.stdout)
    if args.command == "content":
        extra = []
        if args.content_command == "export":
            from bot.app import uploaded_packs

            extra = asyncio.run(uploaded_packs(settings))
        return run_content_command(args, list(settings.content.paths), sys.stdout, sys.stderr, extra_packs=extra)
    try:
        if args.command == "console":
            from bot.app import run_console

            return asyncio.run(run_console(settings, sys.stdin, sys.stdout))
        from bot.app import run

        return asyncio.run(run(settings, secrets))
    except ContentErrors as exc:
        print(f"interview-bot: refusing to start, the question bank is broken:\n{exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log collectors."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def _configure_logging(settings: Settings, *, quiet: bool) -> None:
    """Log to stderr. Libraries speak only of problems unless DEBUG is asked for; on the
    console the bot's own INFO lines would interleave with the conversation, so the default
    INFO becomes WARNING there (the console shows every post anyway)."""
    level = logging.getLevelName(settings.logging.level)
    if level > logging.DEBUG:
        for noisy in ("alembic", "apscheduler", "sqlalchemy", "aiosqlite", "asyncio"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    if quiet and level == logging.INFO:
        level = logging.WARNING
    handler = logging.StreamHandler(sys.stderr)
    if settings.logging.format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler])


if __name__ == "__main__":
    sys.exit(main())
