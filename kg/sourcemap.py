"""Where each minted node and field is stated: the build's source map, kept as text.

A million-statement build traces 1.3 million keys; keeping each place as the text the
source map file holds (``"file:line:column"``) makes the map cheap to write, to keep
between builds (:mod:`kg.docunits`) and to merge, and a :class:`~kg.errors.Location` is
made only for the few keys a report looks up.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from json.encoder import encode_basestring
from pathlib import Path

from kg.errors import KgError, Location


class Origins(Mapping[str, Location]):
    """Key (an IRI, or ``"IRI PREDICATE-IRI"``) -> where it is stated, held as text.

    >>> origins = Origins({"https://example.org/id/person/ann": "seeds/registry.yaml:4:5"})
    >>> origins["https://example.org/id/person/ann"]
    Location(file='seeds/registry.yaml', line=4, column=5)
    >>> origins.text("https://example.org/id/person/ann")
    'seeds/registry.yaml:4:5'
    """

    __slots__ = ("rendered", "texts")

    def __init__(self, texts: dict[str, str] | None = None, rendered: bytes | None = None) -> None:
        self.texts: dict[str, str] = texts if texts is not None else {}
        self.rendered = rendered
        """The source map of exactly these origins, if already made (:func:`spliced`)."""

    def __getitem__(self, key: str) -> Location:
        return Location.parse(self.texts[key])

    def __contains__(self, key: object) -> bool:
        return key in self.texts

    def __iter__(self) -> Iterator[str]:
        return iter(self.texts)

    def __len__(self) -> int:
        return len(self.texts)

    def text(self, key: str) -> str:
        return self.texts[key]


def sourcemap_json(origins: Mapping[str, Location]) -> bytes:
    """The source map as :meth:`kg.Build.sourcemap` writes it: the bytes of
    ``json.dumps(sorted origins, indent=1, ensure_ascii=False)`` and a newline, made
    line by line with json's own string encoder (at a million statements the map holds
    1.3 million entries, and the generic encoder took twice as long)."""
    if not origins:
        return b"{}\n"
    quoted = encode_basestring
    if isinstance(origins, Origins):
        if origins.rendered is not None:
            return origins.rendered
        texts = origins.texts
    else:
        texts = {key: str(where) for key, where in origins.items()}
    lines = [f" {quoted(key)}: {quoted(texts[key])}" for key in sorted(texts)]
    return ("{\n" + ",\n".join(lines) + "\n}\n").encode("utf-8")


def spliced(previous: bytes, origins: Origins, keys: Iterable[str]) -> bytes:
    """:func:`sourcemap_json` of ``origins``, made from ``previous``, the source map of
    origins that differ from these at most in ``keys``: only their lines are made, the
    others are copied (at a million statements sorting and encoding every key took 2 s).

    >>> old = Origins({"a": "x.yaml:1:1", "c": "x.yaml:3:1"})
    >>> new = Origins({"a": "x.yaml:1:1", "b": "y.yaml:2:2"})
    >>> spliced(sourcemap_json(old), new, {"b", "c"}) == sourcemap_json(new)
    True
    """
    if not previous.startswith(b"{\n") or not previous.endswith(b"\n}\n"):
        return sourcemap_json(Origins(origins.texts))
    body = previous[2:-3]
    segments: list[bytes] = []
    cursor = 0
    for key in sorted(set(keys)):
        at = _first_line_from(body, key, cursor)
        if at > cursor:
            segments.append(body[cursor : at - 2])  # whole lines, without the last separator
        cursor = at
        if at < len(body) and _key_at(body, at) == key:
            cursor = _next_line(body, at)
        text = origins.texts.get(key)
        if text is not None:
            line = f" {encode_basestring(key)}: {encode_basestring(text)}"
            segments.append(line.encode("utf-8"))
    if cursor < len(body):
        segments.append(body[cursor:])
    parts = [segment for segment in segments if segment]
    if not parts:
        return b"{}\n"
    joined = [b"{\n"]
    for part in parts:
        joined += (part, b",\n")
    joined[-1] = b"\n}\n"
    return b"".join(joined)


def _next_line(body: bytes, start: int) -> int:
    """Where the line after the one starting at ``start`` starts (``len(body) + 2`` after
    the last line: every line but the last ends with ``",\\n"``)."""
    end = body.find(b",\n ", start)
    return len(body) + 2 if end < 0 else end + 2


def _key_at(body: bytes, start: int) -> str:
    """The key of the line starting at ``start`` (`` "key": "value"``)."""
    end = body.index(b'"', start + 2)
    while _escaped(body, start + 2, end):
        end = body.index(b'"', end + 1)
    key = body[start + 2 : end]
    return key.decode("utf-8") if b"\\" not in key else str(json.loads(body[start + 1 : end + 1]))


def _escaped(body: bytes, first: int, quote: int) -> bool:
    """Whether the quote at ``quote`` follows an odd run of backslashes (is escaped)."""
    run = quote - first - len(body[first:quote].rstrip(b"\\"))
    return run % 2 == 1


def _first_line_from(body: bytes, wanted: str, low: int) -> int:
    """The start of the first line at or after the line start ``low`` whose key is not
    below ``wanted``, by bisection over the bytes (the lines are sorted by key)."""
    high = len(body) + 2
    while low < high:
        separator = body.rfind(b",\n ", low, (low + high) // 2)
        start = low if separator < 0 else separator + 2  # a line start below high
        if _key_at(body, start) < wanted:
            low = _next_line(body, start)
        else:
            high = start
    return low


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


__all__ = ["Origins", "read_sourcemap", "sourcemap_json", "spliced"]
