"""Where each minted node and field is stated: the build's source map, kept as text.

A million-statement build traces 1.3 million keys; keeping each place as the text the
source map file holds (``"file:line:column"``) makes the map cheap to write, to keep
between builds (:mod:`kg.docunits`) and to merge, and a :class:`~kg.errors.Location` is
made only for the few keys a report looks up.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
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

    __slots__ = ("texts",)

    def __init__(self, texts: dict[str, str] | None = None) -> None:
        self.texts: dict[str, str] = texts if texts is not None else {}

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
        texts = origins.texts
    else:
        texts = {key: str(where) for key, where in origins.items()}
    lines = [f" {quoted(key)}: {quoted(texts[key])}" for key in sorted(texts)]
    return ("{\n" + ",\n".join(lines) + "\n}\n").encode("utf-8")


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


__all__ = ["Origins", "read_sourcemap", "sourcemap_json"]
