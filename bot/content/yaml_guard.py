"""Turns a pack's YAML text into a node tree with bounded work, whatever the text holds.

compose() reads PyYAML's event stream (an iterative state machine in both the C and the pure
Python parser) and builds nodes itself, checking every event before a node is made from it:
no anchors or aliases, bounded nesting, node count and string length. It stops at the first
problem, so a "billion laughs" or a document nested 20,000 deep costs a few hundred events,
not hours or a RecursionError. Imports only PyYAML.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.resolver import Resolver

# Limits on a pack file's structure. Real packs pass with room: the shipped pack is 63 KB,
# 1,682 nodes, 6 levels deep (pack > questions > question > key_points > point > aliases),
# its longest string is a 931-character answer. A pack at the schema's count limits (500
# questions of about 100 nodes and 3.6 KB each) still fits.
MAX_PACK_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 20  # mappings and lists, one inside another; the schema itself needs 6
MAX_NODES = 60_000  # scalars, mappings and lists, keys included
MAX_STRING_CHARS = 20_000  # any one scalar, keys included; at least every field's own limit

# libyaml is many times faster. Both give the same events for the same YAML, so the limits
# give the same answers (tests/content/test_hostile_packs.py runs them on both).
Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_RESOLVER = Resolver()  # implicit tags (int, bool, null, ...) exactly as SafeLoader resolves them


class Rejected(Exception):
    """The first structural problem found: 1-based line, a field path where one is known
    (``questions[2].answer``) else "yaml", and what is wrong."""

    def __init__(self, line: int, field: str, message: str) -> None:
        super().__init__(f"{line}: {field}: {message}")
        self.line = line
        self.field = field
        self.message = message


def compose(text: str, loader: Any = None) -> yaml.Node | None:
    """The single document in text as nodes, or None for an empty stream.

    Raises Rejected for anything over a limit or an anchor/alias, and yaml.YAMLError for text
    that is not YAML. loader picks the parser (default: libyaml when installed).
    """
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError as exc:  # libyaml would raise this raw; say where, as for any bad character
        raise Rejected(text.count("\n", 0, exc.start) + 1, "yaml",
                       f"invalid YAML: unacceptable character #x{ord(text[exc.start]):04x}") from None
    if len(data) > MAX_PACK_BYTES:
        line = data.count(b"\n", 0, MAX_PACK_BYTES) + 1
        raise Rejected(line, "file", f"the file is {len(data):,} bytes, over the limit of {MAX_PACK_BYTES:,}")
    builder = _Builder()
    events = yaml.parse(text, Loader=loader or Loader)
    try:
        for event in events:
            builder.add(event)
    except yaml.reader.ReaderError as exc:
        raise _bad_character(text, exc) from None
    except yaml.MarkedYAMLError as exc:
        # libyaml has a nesting limit of its own (1,000) that its scanner can meet while looking
        # ahead, before the event over ours is out: give the same answer as the pure Python parser.
        if exc.problem == "exceeded maximum nesting depth" and exc.problem_mark is not None:
            raise Rejected(exc.problem_mark.line + 1, "yaml", f"nested more than {MAX_DEPTH} levels deep") from None
        raise
    finally:
        events.close()  # disposes of the parser when we stop early
    return builder.root


class _Builder:
    """Builds nodes as SafeLoader's composer would, after checking each event against the limits.

    Iterative: the open collections are a list, each entry [node, its pending key node or None].
    """

    def __init__(self) -> None:
        self.root: yaml.Node | None = None
        self.stack: list[list[Any]] = []
        self.nodes = 0
        self.documents = 0

    def add(self, event: yaml.Event) -> None:
        kind = type(event)
        if kind is yaml.ScalarEvent:
            self.count(event)
            if len(event.value) > MAX_STRING_CHARS:
                raise Rejected(_line(event), _path(self.stack), f"a string of {len(event.value):,} characters, "
                                                                f"over the limit of {MAX_STRING_CHARS:,}")
            tag = event.tag
            if tag is None or tag == "!":
                tag = _RESOLVER.resolve(yaml.ScalarNode, event.value, event.implicit)
            self.attach(yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style))
        elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            self.count(event)
            if len(self.stack) >= MAX_DEPTH:
                raise Rejected(_line(event), "yaml", f"nested more than {MAX_DEPTH} levels deep")
            node_kind = yaml.MappingNode if kind is yaml.MappingStartEvent else yaml.SequenceNode
            tag = event.tag
            if tag is None or tag == "!":
                tag = _RESOLVER.resolve(node_kind, None, event.implicit)
            node = node_kind(tag, [], event.start_mark, None, flow_style=event.flow_style)
            self.attach(node)
            self.stack.append([node, None])
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            self.stack.pop()[0].end_mark = event.end_mark
        elif kind is yaml.AliasEvent:
            raise Rejected(_line(event), "yaml", f"aliases (*{_short(event.anchor)}) are not allowed in packs")
        elif kind is yaml.DocumentStartEvent:
            self.documents += 1
            if self.documents > 1:
                raise Rejected(_line(event), "yaml",
                               "invalid YAML: expected a single document in the stream but found another document")

    def count(self, event: yaml.NodeEvent) -> None:
        if event.anchor is not None:
            raise Rejected(_line(event), "yaml", f"anchors (&{_short(event.anchor)}) are not allowed in packs")
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise Rejected(_line(event), "yaml",
                           f"more than {MAX_NODES:,} values (strings, lists and mappings) in one pack")

    def attach(self, node: yaml.Node) -> None:
        if not self.stack:
            self.root = node
            return
        frame = self.stack[-1]
        parent = frame[0]
        if isinstance(parent, yaml.SequenceNode):
            parent.value.append(node)
        elif frame[1] is None:
            frame[1] = node
        else:
            parent.value.append((frame[1], node))
            frame[1] = None


def _path(stack: list[list[Any]]) -> str:
    """Where the scalar being read goes, as the loader names fields: ``questions[2].answer``."""
    parts: list[str] = []
    for depth, (parent, key) in enumerate(stack):
        inner = depth < len(stack) - 1  # an open collection inside this one holds the scalar
        if isinstance(parent, yaml.SequenceNode):
            parts.append(f"[{len(parent.value) - inner}]")
        elif inner:  # in the last value added, or in a key still waiting for its value
            parts.append("." + (_label(parent.value[-1][0]) if key is None else "(key)"))
        else:
            parts.append("." + ("(key)" if key is None else _label(key)))
    return "".join(parts).lstrip(".") or "yaml"


def _label(key: yaml.Node) -> str:
    return _short(key.value) if isinstance(key, yaml.ScalarNode) else "(key)"


def _bad_character(text: str, exc: yaml.reader.ReaderError) -> Rejected:
    """libyaml reports a byte offset and pure Python a character offset; the character itself
    says where for both, as a raw one is allowed nowhere in the stream."""
    at = text.find(chr(exc.character)) if isinstance(exc.character, int) else -1
    if at < 0:
        return Rejected(1, "yaml", f"invalid YAML: {exc.reason}")
    return Rejected(text.count("\n", 0, at) + 1, "yaml", f"invalid YAML: unacceptable character #x{ord(text[at]):04x}")


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _line(event: yaml.Event) -> int:
    return int(event.start_mark.line) + 1
