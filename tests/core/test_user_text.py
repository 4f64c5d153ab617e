"""``user_text`` (what people wrote, safe inside the bot's Markdown) and ``split_text``
(a long text cut for a platform's limits, between entries where possible)."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from bot.core.messages import split_text, user_text

TOKENS = re.compile(r"\\.|`[^`\n]*`|.", re.DOTALL)


def plain_parts(markdown: str) -> list[str]:
    """``markdown``'s characters as Discord reads them, minus escaped ones and inline code."""
    return [token for token in TOKENS.findall(markdown) if not token.startswith(("\\", "`")) or token == "`"]


def test_masked_links_headings_lists_and_mentions_stay_text() -> None:
    assert user_text("[Official answer key](https://evil.example/k)") == (
        "\\[Official answer key\\]\\(`https://evil.example/k)`")
    assert user_text("# Heading\n- item\n1. one\n> quote") == "\\# Heading\n\\- item\n1\\. one\n\\> quote"
    assert user_text("@everyone <@123> <t:1:R>") == "@\u200beveryone \\<\u200b@123\\> \\<t:1:R\\>"
    assert user_text("**bold** _it_ ~~s~~ ||spoiler||") == (
        "\\*\\*bold\\*\\* \\_it\\_ \\~\\~s\\~\\~ \\|\\|spoiler\\|\\|")


def test_a_bare_url_is_shown_in_inline_code_whole() -> None:
    assert user_text("see https://x.example/a_b(c) now") == "see `https://x.example/a_b(c)` now"
    assert user_text("ftp://x`y") == "`ftp://x`\\`y"  # a backtick cannot close the code early
    assert user_text("https://") == "`https://`"


@given(st.lists(st.sampled_from(list("ab *_~|[]()<>`#-1.:/\\@\n") + ["https://", "http://"]),
                max_size=40).map("".join))
def test_nothing_a_person_writes_formats_or_links(text: str) -> None:
    escaped = user_text(text)
    shown = "".join(plain_parts(escaped))
    assert not set(shown) & set("*_~|[]()<>`")  # nothing left that formats or links
    assert "://" not in shown
    for line in escaped.split("\n"):  # no heading, quote or list marker starts a line
        assert not re.match(r"\s*(?:[#>+\-]|\d+\.)", line)


ENTRY = st.builds(lambda name, lines: f"• {name}\n" + "\n".join(f"   {line}" for line in lines),
                  st.text(alphabet="abc xyz", min_size=1, max_size=30),
                  st.lists(st.text(alphabet="abc xyz&;\\", min_size=1, max_size=60), max_size=4))


@given(st.lists(ENTRY, min_size=1, max_size=30), st.integers(min_value=120, max_value=600))
def test_split_pieces_fit_keep_order_and_start_at_an_entry(entries: list[str], limit: int) -> None:
    text = "\n".join(entries)
    pieces = split_text(text, limit)
    assert all(len(p) <= limit for p in pieces)
    # Entries here are shorter than a piece: none is cut, so every piece starts at one.
    assert all(p.startswith("• ") for p in pieces)
    assert "\n".join(pieces).split() == text.split()


def test_a_line_longer_than_a_piece_is_cut_at_spaces_then_anywhere() -> None:
    assert split_text("aaaa bbbb cccc", 9) == ["aaaa bbbb", "cccc"]
    assert split_text("a" * 25, 10) == ["a" * 10, "a" * 10, "a" * 5]
    assert split_text("abc\\*def", 4) == ["abc", "\\*de", "f"]  # never a lone escaping backslash
    assert split_text("", 10) == []
