"""The message catalogs: every key the code asks for exists in English and Chinese, with
the same placeholders, and no catalog entry is left unused."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from bot.core.i18n import LANGUAGES, catalog, t

BOT = Path(__file__).resolve().parents[2] / "bot"
LITERAL_KEY = re.compile(r"""\bt\(\s*["']([a-z_]+\.[a-z_.]+)["']""")
# Keys chosen in a variable first (``key = "a.b" if x else "a.c"``) count as used.
ANY_KEY_LITERAL = re.compile(r"""["']([a-z_]+\.[a-z_]+)["']""")
DYNAMIC_KEY = re.compile(r"""\bt\(\s*f["']([a-z_]+\.)\{""")
# Keys built at run time, by prefix: every value the code can put there.
DYNAMIC = {
    "button.": ["button.again", "button.hard", "button.good", "button.easy"],
    "leaderboard.": ["leaderboard.week", "leaderboard.month", "leaderboard.all"],
}


def used_keys() -> set[str]:
    keys: set[str] = set()
    for path in BOT.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        keys.update(LITERAL_KEY.findall(source))
        for prefix in DYNAMIC_KEY.findall(source):
            assert prefix in DYNAMIC, f"{path}: a key built from {prefix!r} is not listed in DYNAMIC"
            keys.update(DYNAMIC[prefix])
    return keys


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_key_the_code_uses_is_in_the_catalog(language: str) -> None:
    missing = sorted(used_keys() - set(catalog(language)))
    assert missing == [], f"bot/locale/{language}: missing {missing}"


def test_no_catalog_entry_is_unused() -> None:
    mentioned = used_keys()
    for path in BOT.rglob("*.py"):
        mentioned.update(ANY_KEY_LITERAL.findall(path.read_text(encoding="utf-8")))
    assert sorted(set(catalog("en")) - mentioned) == []


def test_languages_have_the_same_keys_and_placeholders() -> None:
    english, chinese = catalog("en"), catalog("zh")
    assert set(english) == set(chinese)
    for key in english:
        assert placeholders(english[key]) == placeholders(chinese[key]), key


def test_the_checker_sees_what_the_code_asks_for() -> None:
    keys = used_keys()
    assert {"round.posted", "help.text", "button.easy", "study.question_title"} <= keys
    assert len(keys) > 60


def test_unknown_language_falls_back_to_english() -> None:
    assert t("round.posted", "fr", round_id=3) == "Posted round 3."
    assert t("round.posted", "zh", round_id=3) == "已发布第 3 轮。"
    with pytest.raises(KeyError):
        t("no.such_key", "en")
