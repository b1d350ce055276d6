"""Safe YAML (and JSON) parsing that remembers where every value came from.

Pydantic reports errors by path (``roles.3.start``); curators need line numbers.
We compose the YAML node tree ourselves and record each path's position, which
also lets us refuse what a plain ``safe_load`` would silently accept: duplicate
keys, alias bombs and absurd nesting.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

try:  # libyaml's parser is ~10x faster; the pure-Python one gives identical nodes.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

Path = tuple[str | int, ...]

MAX_DEPTH = 64
"""Deeper nesting than any extraction needs; refused to keep recursion bounded."""
MAX_VALUES = 1_000_000
"""Values built from one file: far more than any extraction holds."""
MAX_ALIAS_VALUES = 10_000
"""Values built by expanding aliases (``*name``); a "billion laughs" file hits this at once."""

_INT = re.compile(r"^[-+]?[0-9]+$")
_FLOAT = re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)(?:[eE][-+]?[0-9]+)?$")


class YamlError(Exception):
    """The text is not acceptable YAML; carries a 1-based position."""

    def __init__(
        self, message: str, line: int | None, column: int | None, hint: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.hint = hint


@dataclass(slots=True)
class Positions:
    """Path -> (line, column) of the key (for mapping entries) or item (for list items)."""

    by_path: dict[Path, tuple[int, int]] = field(default_factory=dict)
    pending: list[Any] | None = None
    """Positions read from a cache, as [[path, line, column], ...], decoded on first use."""

    def find(self, path: Path) -> tuple[int | None, int | None]:
        """Position of ``path``, or of its nearest recorded ancestor."""
        if self.pending is not None:
            self.by_path.update({tuple(p): (line, col) for p, line, col in self.pending})
            self.pending = None
        found = self.by_path.get(path)
        if found is not None:
            return found
        for end in range(len(path) - 1, -1, -1):
            found = self.by_path.get(path[:end])
            if found is not None:
                return found
        return (None, None)

    def encode(self) -> list[Any]:
        """The positions as JSON-ready lists (the inverse of ``pending``)."""
        if self.pending is not None:
            return self.pending
        return [[list(path), line, col] for path, (line, col) in self.by_path.items()]


_LINE_SEPARATORS = "\u2028\u2029\x85"
_STAND_INS = "\ue028\ue029\ue085"
"""Private-use stand-ins: libyaml counts U+2028, U+2029 and U+0085 as line breaks
(YAML 1.1), which shifts every later line number away from what editors show."""
_TO_STAND_IN = str.maketrans(_LINE_SEPARATORS, _STAND_INS)
_FROM_STAND_IN = str.maketrans(_STAND_INS, _LINE_SEPARATORS)


def parse(text: str) -> tuple[Any, Positions]:
    """Parse one YAML or JSON document into plain values and their positions."""
    swapped = any(c in text for c in _LINE_SEPARATORS) and not any(c in text for c in _STAND_INS)
    if swapped:
        text = text.translate(_TO_STAND_IN)
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = " ".join(filter(None, [exc.context, exc.problem]))
        raise YamlError(
            f"YAML syntax: {message}",
            mark.line + 1 if mark else None,
            mark.column + 1 if mark else None,
            _indentation_hint(exc),
        ) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"YAML syntax: {exc}", None, None) from None
    positions = Positions()
    if root is None:
        return None, positions
    builder = _Builder(positions, restore=swapped)
    return builder.build(root, (), 0), positions


def _indentation_hint(exc: yaml.MarkedYAMLError) -> str | None:
    """Most YAML syntax errors in hand-written files are indentation slips; say which
    column the enclosing mapping or list expects, since PyYAML often notices the slip
    only on the line after it."""
    problem, context = exc.problem_mark, exc.context_mark
    text = f"{exc.context} {exc.problem}"
    if problem is None:
        return None
    if "mapping values are not allowed" in text:
        return (
            "a 'key: value' where a value was expected: is this line indented deeper than "
            "the key above it, or does a value contain ': ' without quotes?"
        )
    if context is None or not any(
        phrase in text
        for phrase in ("expected key", "expected '-' indicator", "expected <block end>")
    ):
        return None
    kind = "list items ('- ')" if "collection" in text or "'-'" in text else "keys"
    if kind != "keys" and problem.column == context.column:
        return (
            f"line {problem.line + 1} starts at the list's column without '- ': indent it "
            "like the keys above it, or start a new item with '- '"
        )
    return (
        f"the {kind} that start at line {context.line + 1} are at column {context.column + 1}; "
        f"line {problem.line + 1} (or the line above it) is indented to column "
        f"{problem.column + 1}"
    )


class _Builder:
    def __init__(self, positions: Positions, restore: bool = False) -> None:
        self.positions = positions
        self.restore = restore
        self.constructor = SafeConstructor()
        self.count = 0
        self.alias_count = 0
        self.seen: set[int] = set()
        self.in_alias = 0

    def build(self, node: Node, path: Path, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_VALUES:
            raise _problem(node, f"more than {MAX_VALUES:,} values in one file")
        if depth > MAX_DEPTH:
            raise _problem(node, f"nested deeper than {MAX_DEPTH} levels")
        # compose() returns an aliased node as the same object again: seeing a node
        # twice means an alias is being expanded, and everything under it counts.
        repeated = id(node) in self.seen
        self.seen.add(id(node))
        self.in_alias += repeated
        try:
            if self.in_alias:
                self.alias_count += 1
                if self.alias_count > MAX_ALIAS_VALUES:
                    raise _problem(
                        node,
                        f"aliases expand to more than {MAX_ALIAS_VALUES:,} values (an alias bomb?)",
                    )
            self.positions.by_path.setdefault(path, _pos(node))
            if isinstance(node, MappingNode):
                _plain_collection(node, "tag:yaml.org,2002:map")
                return self._mapping(node, path, depth)
            if isinstance(node, SequenceNode):
                _plain_collection(node, "tag:yaml.org,2002:seq")
                return [
                    self._item(child, (*path, index), depth)
                    for index, child in enumerate(node.value)
                ]
            return self._scalar(node)
        finally:
            self.in_alias -= repeated

    def _item(self, node: Node, path: Path, depth: int) -> Any:
        self.positions.by_path[path] = _pos(node)
        return self.build(node, path, depth + 1)

    def _mapping(self, node: MappingNode, path: Path, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                raise _problem(
                    key_node, "keys must be plain names (no '<<' merges or complex keys)"
                )
            key = key_node.value.translate(_FROM_STAND_IN) if self.restore else key_node.value
            if key in result:
                raise _problem(key_node, f"duplicate key {key!r}")
            child = (*path, key)
            self.positions.by_path[child] = _pos(key_node)
            result[key] = self.build(value_node, child, depth + 1)
        return result

    def _scalar(self, node: Node) -> Any:
        """YAML 1.2 core-schema scalars: 'yes', 'no', 'on', '0x1F', '1:20' and dates stay text.

        YAML 1.1 (PyYAML's default) reads ``option: no`` as False and ``2018-03-12``
        as a date; a curator means the words, and partial dates are ours to parse.
        """
        if not isinstance(node, ScalarNode):
            raise _problem(node, "expected a plain value")
        value: str = node.value.translate(_FROM_STAND_IN) if self.restore else node.value
        tag = node.tag.removeprefix("tag:yaml.org,2002:")
        if tag == "str" or node.style in {"'", '"', "|", ">"}:
            return value
        if tag == "bool":
            return value.lower() == "true" if value.lower() in {"true", "false"} else value
        if tag == "int":
            return int(value) if _INT.match(value) else value
        if tag == "float":
            return float(value) if _FLOAT.match(value) else value
        if tag in {"timestamp", "null"}:
            return None if tag == "null" else value
        try:
            return self.constructor.construct_object(node, deep=True)
        except ConstructorError as exc:
            raise _problem(node, f"unsupported value: {exc.problem}") from None


def _plain_collection(node: Node, plain_tag: str) -> None:
    """Refuse tagged mappings and lists (``!!python/object``, ``!!set`` ...): only data."""
    if node.tag != plain_tag:
        raise _problem(node, f"unsupported tag {node.tag!r}: extraction files hold plain data")


def _pos(node: Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def _problem(node: Node, message: str) -> YamlError:
    line, column = _pos(node)
    return YamlError(message, line, column)


# --------------------------------------------------------------------------- JSON

_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_ATOM = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null")


def parse_json(text: str) -> tuple[Any, Positions]:
    """Parse JSON exactly as JSON (not as YAML), with the positions of its values.

    YAML is almost a superset of JSON, but not quite: it refuses surrogate-pair
    escapes and folds some characters inside strings. The json module decides the
    values; a small scanner over the (already valid) text records where each is.
    """

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                raise ValueError(f"duplicate key {key!r}")
            result[key] = value
        return result

    def no_constants(name: str) -> None:
        raise ValueError(f"{name} is not JSON")

    try:
        data = json.loads(text, object_pairs_hook=no_duplicates, parse_constant=no_constants)
    except json.JSONDecodeError as exc:
        raise YamlError(f"JSON syntax: {exc.msg}", exc.lineno, exc.colno) from None
    except ValueError as exc:
        # Locate the duplicate key or bad constant: the scanner knows positions.
        _JsonScanner(text, Positions(), strict=True).value(_skip(text, 0), (), 0)
        raise YamlError(f"JSON: {exc}", None, None) from None
    except RecursionError:
        raise YamlError(f"nested deeper than {MAX_DEPTH} levels", None, None) from None
    positions = Positions()
    _JsonScanner(text, positions).value(_skip(text, 0), (), 0)
    return data, positions


def _skip(text: str, index: int) -> int:
    while index < len(text) and text[index] in " \t\r\n":
        index += 1
    return index


class _JsonScanner:
    def __init__(self, text: str, positions: Positions, strict: bool = False) -> None:
        self.text = text
        self.positions = positions
        self.strict = strict
        """Raise YamlError at duplicate keys and non-JSON constants (NaN, Infinity)."""
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def where(self, index: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.line_starts, index)
        return (line, index - self.line_starts[line - 1] + 1)

    def value(self, index: int, path: Path, depth: int) -> int:
        """Record ``path`` at ``index`` and return the index after the value."""
        if depth > MAX_DEPTH:
            raise YamlError(f"nested deeper than {MAX_DEPTH} levels", *self.where(index))
        self.positions.by_path.setdefault(path, self.where(index))
        char = self.text[index]
        if char == "{":
            return self.object(index, path, depth)
        if char == "[":
            return self.array(index, path, depth)
        match = (_JSON_STRING if char == '"' else _JSON_ATOM).match(self.text, index)
        if match is None:  # only NaN/Infinity get this far; json.loads checked the rest
            word = re.match(r"-?\w+", self.text[index:])
            raise YamlError(
                f"JSON: {word.group() if word else char!r} is not JSON", *self.where(index)
            )
        return match.end()

    def object(self, index: int, path: Path, depth: int) -> int:
        index = _skip(self.text, index + 1)
        keys: set[str] = set()
        while self.text[index] != "}":
            match = _JSON_STRING.match(self.text, index)
            assert match is not None
            key = json.loads(match.group())
            if self.strict and key in keys:
                raise YamlError(f"JSON: duplicate key {key!r}", *self.where(index))
            keys.add(key)
            child = (*path, key)
            self.positions.by_path[child] = self.where(index)
            index = _skip(self.text, match.end())  # at ':'
            index = self.value(_skip(self.text, index + 1), child, depth + 1)
            index = _skip(self.text, index)
            if self.text[index] == ",":
                index = _skip(self.text, index + 1)
        return index + 1

    def array(self, index: int, path: Path, depth: int) -> int:
        index = _skip(self.text, index + 1)
        position = 0
        while self.text[index] != "]":
            child = (*path, position)
            self.positions.by_path[child] = self.where(index)
            index = _skip(self.text, self.value(index, child, depth + 1))
            if self.text[index] == ",":
                index = _skip(self.text, index + 1)
            position += 1
        return index + 1
