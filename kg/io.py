"""Quads -> files: deterministic serialisations, written atomically.

Deterministic means byte-identical for the same input: triples are added in
sorted order, prefixes are fixed, nothing carries a timestamp. Atomic means a
reader (or a crash) never sees half a file: each file is written beside its
target and moved into place only when every file of the build is complete.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any

from rdflib import Dataset, Graph, URIRef
from rdflib.term import Node as Term

from kg.mapping import Quad
from kg.namespaces import PREFIXES


class Format(StrEnum):
    """Output formats, by the file extension they are written with."""

    TURTLE = "ttl"
    TRIG = "trig"
    NTRIPLES = "nt"
    NQUADS = "nq"
    JSONLD = "jsonld"


RDFLIB_FORMAT = {
    Format.TURTLE: "turtle",
    Format.TRIG: "trig",
    Format.NTRIPLES: "nt",
    Format.NQUADS: "nquads",
    Format.JSONLD: "json-ld",
}
QUAD_FORMATS = {Format.TRIG, Format.NQUADS}


def bind_prefixes(graph: Graph) -> None:
    for name, namespace in PREFIXES.items():
        graph.bind(name, namespace, override=True, replace=True)


def to_dataset(quads: Iterable[Quad]) -> Dataset:
    """Quads as an rdflib Dataset (named graphs), the public object model."""
    dataset = Dataset()
    bind_prefixes(dataset)
    for s, p, o, g in sorted(set(quads)):
        dataset.add((s, p, o, dataset.graph(g)))
    return dataset


def to_graph(quads: Iterable[Quad]) -> Graph:
    """The union of all named graphs: every fact, once."""
    graph = Graph()
    bind_prefixes(graph)
    for triple in sorted({(s, p, o) for s, p, o, _ in quads}):
        graph.add(triple)
    return graph


def serialise_quads(quads: list[Quad], fmt: Format) -> bytes:
    """One serialisation of the quads; quad formats keep the named graphs."""
    if fmt is Format.TRIG:
        return _trig(quads)
    if fmt in QUAD_FORMATS:
        return _canonical_lines(to_dataset(quads).serialize(format=RDFLIB_FORMAT[fmt]), fmt)
    graph = to_graph(quads)
    if fmt is Format.JSONLD:
        return _jsonld(graph)
    return _canonical_lines(graph.serialize(format=RDFLIB_FORMAT[fmt]), fmt)


def _jsonld(graph: Graph) -> bytes:
    """Compact JSON-LD with kg's prefixes as context, nodes and values in a fixed order.

    rdflib emits nodes in store order; no list kg writes is an ordered @list, so
    sorting arrays changes nothing but makes the file diff-friendly and stable.
    """
    context = {name: str(namespace) for name, namespace in sorted(PREFIXES.items())}
    data = json.loads(graph.serialize(format="json-ld", context=context, auto_compact=True))
    return (
        json.dumps(_sorted_json(data), indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    ).encode("utf-8")


def _sorted_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _sorted_json(item) for key, item in value.items()}
    if isinstance(value, list):
        items = [_sorted_json(item) for item in value]
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
    return value


def _trig(quads: list[Quad]) -> bytes:
    """TriG with named graphs in IRI order (rdflib's own order follows its store)."""
    by_graph: dict[URIRef, list[tuple[URIRef, URIRef, Term]]] = {}
    for s, p, o, g in quads:
        by_graph.setdefault(g, []).append((s, p, o))
    prefixes: set[str] = set()
    blocks: list[str] = []
    for name in sorted(by_graph):
        graph = Graph()
        bind_prefixes(graph)
        for triple in sorted(set(by_graph[name])):
            graph.add(triple)
        body = graph.serialize(format="turtle")
        lines = body.splitlines()
        prefixes.update(line for line in lines if line.startswith("@prefix"))
        triples = "\n".join(line for line in lines if not line.startswith("@prefix")).strip()
        blocks.append(f"{name.n3()} {{\n{triples}\n}}\n")
    return ("\n".join(sorted(prefixes)) + "\n\n" + "\n".join(blocks)).encode("utf-8")


def _canonical_lines(text: str, fmt: Format) -> bytes:
    """Line-based formats are sorted, so output never depends on store iteration order."""
    if fmt in {Format.NTRIPLES, Format.NQUADS}:
        lines = sorted(line for line in text.splitlines() if line.strip())
        return ("\n".join(lines) + "\n").encode("utf-8")
    return text.encode("utf-8")


def write_atomically(files: Mapping[Path, bytes]) -> None:
    """Write every file beside its target, then move them all into place.

    If anything fails before the moves, no target is touched and the temporary
    files are removed; the previous build stays intact.
    """
    staged: list[tuple[Path, Path]] = []
    try:
        for target, content in files.items():
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
            temp = Path(temp_name)
            staged.append((temp, target))
            temp.chmod(0o666 & ~_umask())  # mkstemp makes 0600; outputs are shared files
            with os.fdopen(handle, "wb") as stream:
                stream.write(content)
                stream.flush()
                os.fsync(stream.fileno())
        for temp, target in staged:
            temp.replace(target)
    finally:
        for temp, _ in staged:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def read_graph(path: Path, fmt: str | None = None) -> Dataset:
    """Read any RDF file rdflib understands into a Dataset (triples land in the default graph)."""
    dataset = Dataset(default_union=True)
    dataset.parse(str(path), format=fmt)
    return dataset


__all__ = [
    "Format",
    "bind_prefixes",
    "read_graph",
    "serialise_quads",
    "to_dataset",
    "to_graph",
    "write_atomically",
]
