"""Rendering the core's messages for Slack: escaping users' text, Slack's mrkdwn bold, and
Block Kit's limits (long answers, many fields, repeated actions) so Slack never refuses a post."""

from __future__ import annotations

import json

from bot.adapters.slack.blocks import action_name, escape, mrkdwn, render, unescape
from bot.core.messages import Button, Message


def test_users_text_is_escaped_and_bold_becomes_slack_bold() -> None:
    assert escape("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"
    assert unescape(escape("a < b & c > d")) == "a < b & c > d"
    assert mrkdwn("**早停法**: stop <early>") == "*早停法*: stop &lt;early&gt;"

    rendered = render(Message(text="x", title="Who <answered>",
                              fields=(("<@U1>", "<!here>"),)))
    assert "<" not in json.dumps([b for b in rendered.blocks if b["type"] != "header"])
    assert "<" not in rendered.text  # the notification fallback too


def test_long_text_and_many_fields_stay_within_block_kit_limits() -> None:
    long_line = "&" * 5000  # escapes to 25,000 characters of "&amp;"
    text = long_line + "\n" + "\n".join(f"line {i} " + "word " * 50 for i in range(600))
    fields = tuple((f"name {i}", "value") for i in range(23))
    rendered = render(Message(text=text, title="T" * 400, fields=fields,
                              buttons=(Button("go", "Go", "1"),), round_id=1))

    blocks = rendered.blocks
    assert len(blocks) <= 50
    assert blocks[-1]["type"] == "actions"  # the buttons survive truncation...
    assert blocks[-2]["text"]["text"] == "…"  # ...and the cut is marked
    assert len(blocks[0]["text"]["text"]) <= 150
    for block in blocks:
        if block["type"] == "section" and "text" in block:
            assert 0 < len(block["text"]["text"]) <= 3000
            # An entity is never cut in half.
            assert not block["text"]["text"].rstrip("…").endswith(("&", "&a", "&am", "&amp"))
        assert len(block.get("fields", [])) <= 10
    assert len(rendered.text) <= 3000


def test_repeated_actions_get_distinct_action_ids_that_map_back() -> None:
    buttons = tuple(Button("rate", str(n), f"7:{n}") for n in range(1, 5)) + (Button("reveal_now", "R", "7"),)
    [actions] = [b for b in render(Message(text="x", buttons=buttons)).blocks if b["type"] == "actions"]
    ids = [e["action_id"] for e in actions["elements"]]
    assert ids == ["rate#1", "rate#2", "rate#3", "rate#4", "reveal_now"]
    assert [action_name(i) for i in ids] == ["rate"] * 4 + ["reveal_now"]
    assert "style" not in actions["elements"][0]  # "default" is Slack's absence of a style
