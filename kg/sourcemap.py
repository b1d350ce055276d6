"""Where each minted node and field is stated: the build's source map, kept as text.

A million-statement build traces 1.3 million keys; keeping each place as the text the
source map file holds (``"file:line:column"``) makes the map cheap to write, to keep
between builds (:mod:`kg.docunits`) and to merge, and a :class:`~kg.errors.Location` is
made only for the few keys a report looks up.
"""

from __future__ import annotations

import io
import json
import mmap
from collections.abc import Iterable, Iterator, Mapping
from json.encoder import encode_basestring
from pathlib import Path
from typing import IO

from kg.errors import KgError, Location


class Origins(Mapping[str, Location]):
    """Key (an IRI, or ``"IRI PREDICATE-IRI"``) -> where it is stated, held as text: in a
    dict, or in the rendered source map itself (:meth:`of_map`), where a lookup bisects
    the sorted lines, so a rebuild need not load the places of the files it kept.

    >>> origins = Origins({"https://example.org/id/person/ann": "seeds/registry.yaml:4:5"})
    >>> origins["https://example.org/id/person/ann"]
    Location(file='seeds/registry.yaml', line=4, column=5)
    >>> Origins.of_map(sourcemap_json(origins)).text("https://example.org/id/person/ann")
    'seeds/registry.yaml:4:5'
    """

    __slots__ = ("_lines", "_texts", "rendered")

    def __init__(self, texts: dict[str, str] | None = None, rendered: bytes | None = None) -> None:
        self._texts = texts if texts is not None or rendered is not None else {}
        self._lines: _Lines | None = None
        self.rendered = rendered
        """The source map of exactly these origins, if already made."""

    @classmethod
    def of_map(cls, rendered: bytes) -> Origins:
        """The origins a source map made by :func:`sourcemap_json` holds."""
        return cls(None, rendered)

    @property
    def texts(self) -> dict[str, str]:
        """Every key's place, as a dict (read from the map the first time, if map-backed)."""
        if self._texts is None:
            raw = json.loads(self.rendered or b"{}")
            self._texts = {str(key): str(text) for key, text in raw.items()}
        return self._texts

    def text(self, key: str) -> str:
        """The key's place as the source map writes it; ``KeyError`` if it has none."""
        if self._texts is not None:
            return self._texts[key]
        if self._lines is None:
            self._lines = _Lines(self.rendered or b"")
        found = self._lines.text(key)
        if found is None:
            raise KeyError(key)
        return found

    def __getitem__(self, key: str) -> Location:
        return Location.parse(self.text(key))

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        try:
            self.text(key)
        except KeyError:
            return False
        return True

    def __iter__(self) -> Iterator[str]:
        return iter(self.texts)

    def __bool__(self) -> bool:  # without reading a map-backed map whole
        if self._texts is not None:
            return bool(self._texts)
        return (self.rendered or b"{}\n") != b"{}\n"

    def __len__(self) -> int:
        return len(self.texts)


def sourcemap_json(origins: Mapping[str, Location]) -> bytes:
    """The source map as :meth:`kg.Build.sourcemap` writes it: the bytes of
    ``json.dumps(sorted origins, indent=1, ensure_ascii=False)`` and a newline, made
    line by line with json's own string encoder (at a million statements the map holds
    1.3 million entries, and the generic encoder took twice as long)."""
    if isinstance(origins, Origins) and origins.rendered is not None:
        return origins.rendered
    out = io.BytesIO()  # a chunk at a time: the lines, joined and encoded were 3 copies
    write_sourcemap(origins, out)
    return out.getvalue()


def write_sourcemap(origins: Mapping[str, Location], out: IO[bytes]) -> None:
    """Write :func:`sourcemap_json` of ``origins`` to ``out`` a chunk at a time (a cold
    build's mapping process writes it to a file so: at ten million statements it is a
    gigabyte)."""
    if isinstance(origins, Origins) and origins.rendered is not None:
        out.write(origins.rendered)
        return
    if not origins:
        out.write(b"{}\n")
        return
    quoted = encode_basestring
    if isinstance(origins, Origins):
        texts = origins.texts
    else:
        texts = {key: str(where) for key, where in origins.items()}
    keys = sorted(texts)
    out.write(b"{\n")
    for start in range(0, len(keys), _CHUNK):
        lines = [f" {quoted(key)}: {quoted(texts[key])}" for key in keys[start : start + _CHUNK]]
        out.write(((",\n" if start else "") + ",\n".join(lines)).encode("utf-8"))
    out.write(b"\n}\n")


_CHUNK = 50_000

Buffer = bytes | mmap.mmap
"""A rendered source map, in memory or mapped from its file (:mod:`kg.mapfile`)."""


def spliced(previous: Buffer, changes: Mapping[str, str | None]) -> bytes:
    """:func:`sourcemap_json` of the origins ``previous`` holds with ``changes`` made to
    them (a key's new place, or None: it is gone). Only the changed lines are made, the
    others are copied (at a million statements sorting and encoding every key took 2 s).

    >>> old = sourcemap_json(Origins({"a": "x.yaml:1:1", "c": "x.yaml:3:1"}))
    >>> new = spliced(old, {"b": "y.yaml:2:2", "c": None})
    >>> new == sourcemap_json(Origins({"a": "x.yaml:1:1", "b": "y.yaml:2:2"}))
    True
    """
    empty = len(previous) == 3 and previous[:3] == b"{}\n"
    if not empty and not (previous[:3] == b"{\n " and previous[-3:] == b"\n}\n"):
        raise ValueError("not a source map written by sourcemap_json")
    lines = _Lines(previous)
    view = memoryview(previous)  # the kept lines are copied once, into the result
    segments: list[bytes | memoryview] = []
    cursor = lines.start
    for key in sorted(changes):
        at = lines.first_from(key, cursor)
        if at > cursor:
            segments.append(view[cursor : at - 2])  # whole lines, not the last separator
        cursor = at
        if at < lines.end and lines.key_at(at) == key:
            cursor = lines.next_line(at)
        text = changes[key]
        if text is not None:
            line = f" {encode_basestring(key)}: {encode_basestring(text)}"
            segments.append(line.encode("utf-8"))
    if cursor < lines.end:
        segments.append(view[cursor : lines.end])
    parts = [segment for segment in segments if len(segment)]
    if not parts:
        return b"{}\n"
    joined: list[bytes | memoryview] = [b"{\n"]
    for part in parts:
        joined += (part, b",\n")
    joined[-1] = b"\n}\n"
    return b"".join(joined)


def places_in(rendered: Buffer, keys: Iterable[str]) -> dict[str, str]:
    """The places a source map gives of those ``keys`` it has, found in one pass.

    >>> places_in(sourcemap_json(Origins({"a": "x.yaml:1:1", "c": "x.yaml:3:1"})), "abc")
    {'a': 'x.yaml:1:1', 'c': 'x.yaml:3:1'}
    """
    lines = _Lines(rendered)
    found: dict[str, str] = {}
    cursor = lines.start
    for key in sorted(set(keys)):
        cursor = lines.first_from(key, cursor)
        if cursor >= lines.end:
            break
        if lines.key_at(cursor) == key:
            found[key] = lines.value_at(cursor)
    return found


class _Lines:
    """The sorted lines of a source map, `` "key": "value"`` each, with ``",\\n"`` between
    them, read where they lie in the map's bytes (no copy of a hundred megabytes).
    Positions are line starts; ``end + 2`` stands for the start after the last line."""

    __slots__ = ("data", "end", "start")

    def __init__(self, data: Buffer) -> None:
        self.data = data
        self.start = 2
        self.end = len(data) - 3 if data[:3] == b"{\n " else self.start

    def text(self, key: str) -> str | None:
        """The place of ``key``, or None if the map has none."""
        at = self.first_from(key, self.start)
        if at >= self.end or self.key_at(at) != key:
            return None
        return self.value_at(at)

    def next_line(self, at: int) -> int:
        separator = self.data.find(b",\n ", at, self.end)
        return self.end + 2 if separator < 0 else separator + 2

    def key_end(self, at: int) -> int:
        """Where the key of the line at ``at`` ends (its closing quote)."""
        data = self.data
        end = data.find(b'"', at + 2)
        while end >= 0 and _escaped(data, at + 2, end):
            end = data.find(b'"', end + 1)
        if end < 0:
            raise ValueError("not a source map written by sourcemap_json")
        return end

    def key_at(self, at: int) -> str:
        end = self.key_end(at)
        key = self.data[at + 2 : end]
        if b"\\" not in key:
            return key.decode("utf-8")
        return str(json.loads(self.data[at + 1 : end + 1]))

    def value_at(self, at: int) -> str:
        start = self.key_end(at) + 3  # the value's opening quote, after '": '
        end = self.next_line(at) - 2  # the line's end, after the value's closing quote
        value = self.data[start + 1 : end - 1]
        if b"\\" not in value:
            return value.decode("utf-8")
        return str(json.loads(self.data[start:end]))

    def first_from(self, wanted: str, low: int) -> int:
        """The first line at or after the line start ``low`` whose key is not below
        ``wanted``, by bisection over the bytes (the lines are sorted by key)."""
        high = self.end + 2
        while low < high:
            if low >= self.end:  # past the last line (or no lines at all)
                return self.end + 2
            separator = self.data.rfind(b",\n ", low, (low + high) // 2)
            at = low if separator < 0 else separator + 2  # a line start below high
            if self.key_at(at) < wanted:
                low = self.next_line(at)
            else:
                high = at
        return low


def _escaped(data: Buffer, first: int, quote: int) -> bool:
    """Whether the quote at ``quote`` follows an odd run of backslashes (is escaped)."""
    run = quote - first - len(data[first:quote].rstrip(b"\\"))
    return run % 2 == 1


def read_sourcemap(path: Path) -> dict[str, Location]:
    """The origins a build wrote with :meth:`kg.Build.sourcemap` (empty if there is no
    file): what ``kg validate`` and ``kg report`` use to name the extraction file and line."""
    if not path.is_file():
        return {}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return {iri: Location.parse(str(where)) for iri, where in raw.items()}
    except (ValueError, AttributeError, OSError) as exc:
        raise KgError(f"{path}: not a source map written by kg build: {exc}") from None


__all__ = [
    "Origins",
    "places_in",
    "read_sourcemap",
    "sourcemap_json",
    "spliced",
    "write_sourcemap",
]
