"""Quads -> files: deterministic serialisations, written atomically.

Deterministic means byte-identical for the same input: triples are added in
sorted order, prefixes are fixed, nothing carries a timestamp. Atomic means a
reader (or a crash) never sees half a file: see :mod:`kg.atomic`, whose
``write_atomically`` is also importable from here.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import marshal
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from enum import StrEnum
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import IO, Any, cast

import pyoxigraph as ox
from rdflib import RDF, Dataset, Graph
from rdflib.term import Node as Term

from kg import ntriples
from kg.atomic import write_atomically
from kg.namespaces import PREFIXES
from kg.ntriples import Quad
from kg.quadparts import QuadParts, as_list


class Format(StrEnum):
    """Output formats, by the file extension they are written with.

    >>> import kg, tempfile
    >>> result = kg.build("tests/fixtures/golden/seeds")
    >>> written = result.write(tempfile.mkdtemp(), [kg.Format.TURTLE, kg.Format("nq")])
    >>> sorted(path.suffix for path in written)
    ['.json', '.nq', '.ttl']
    """

    TURTLE = "ttl"
    TRIG = "trig"
    NTRIPLES = "nt"
    NQUADS = "nq"
    JSONLD = "jsonld"


QUAD_FORMATS = {Format.TRIG, Format.NQUADS}


def bind_prefixes(graph: Graph) -> None:
    for name, namespace in PREFIXES.items():
        graph.bind(name, namespace, override=True, replace=True)


def to_dataset(quads: Iterable[Quad]) -> Dataset:
    """Quads as an rdflib Dataset (named graphs), the public object model."""
    dataset = Dataset(default_union=True)  # queries without GRAPH see every source
    bind_prefixes(dataset)
    terms = _TermCache()
    graphs: dict[str, Graph] = {}
    for s, p, o, g in quads:  # no need to sort: kg's own writers sort, rdflib's are not used
        named = graphs.get(g)
        if named is None:
            named = graphs[g] = dataset.graph(terms(g))  # type: ignore[arg-type]
        named.add((terms(s), terms(p), terms(o)))
    return dataset


def to_graph(quads: Iterable[Quad], store: str = "default") -> Graph:
    """The union of all named graphs as an rdflib Graph: every fact, once."""
    graph = Graph(store=store)
    bind_prefixes(graph)
    terms = _TermCache()
    for s, p, o, _ in quads:
        graph.add((terms(s), terms(p), terms(o)))
    return graph


class _TermCache(dict[str, Term]):
    """N-Triples text -> rdflib term, each distinct term converted once."""

    def __call__(self, text: str) -> Term:
        found = self.get(text)
        if found is None:
            found = self[text] = ntriples.to_rdflib(text)
        return found


def serialise_quads(quads: list[Quad], fmt: Format) -> bytes:
    """One serialisation of the quads; quad formats keep the named graphs."""
    return serialise_formats(quads, [fmt])[fmt]


def serialise_formats(quads: list[Quad], formats: Iterable[Format]) -> dict[Format, bytes]:
    """Several serialisations, each statement's sort key made once for all of them.

    Memory stays near one copy of the statements: the named graphs are sorted
    and written one graph at a time, and the union is sorted as tuples of the quads'
    strings, its lines made a batch at a time as Oxigraph reads them.
    """
    wanted = set(formats)
    with_union = bool(wanted & {Format.TURTLE, Format.NTRIPLES})
    out: dict[Format, bytes] = {}
    if wanted & {Format.TRIG, Format.NQUADS}:
        chunks: list[bytes] = []

        def blocks() -> Iterator[bytes]:
            for graph, keys in _graph_keys(quads):
                lines = [f"{key.replace(chr(0), ' ', 1)} {graph} ." for key in sorted(keys)]
                if Format.NQUADS in wanted:
                    chunks.append(joined(lines))
                if Format.TRIG in wanted:
                    yield trig_block(lines)

        if Format.TRIG in wanted:
            out[Format.TRIG] = trig(blocks())  # each block into the document as it is made
        else:
            for _ in blocks():
                pass
        if Format.NQUADS in wanted:
            out[Format.NQUADS] = b"".join(chunks)
            chunks.clear()
    if with_union:
        statements = _sorted_union(quads)
        if Format.NTRIPLES in wanted:
            out[Format.NTRIPLES] = joined(list(_union_lines(statements)))
        if Format.TURTLE in wanted:
            with _turtle_file(_union_lines(statements)) as raw:
                del statements  # Oxigraph has read them: not held beside the tidied document
                out[Format.TURTLE] = _readable_file(raw)
        else:
            del statements
    if Format.JSONLD in wanted:
        out[Format.JSONLD] = _jsonld(to_graph(quads))
    return {fmt: out[fmt] for fmt in Format if fmt in out}


_TYPE = ntriples.iri(str(RDF.type))


def statement_key(s: str, p: str, o: str) -> str:
    """A statement's sort key: "\0" after the subject puts rdf:type first.

    Keys are plain strings, compared at C speed; N-Triples escapes "\0" inside
    terms, so it occurs nowhere else.
    """
    return f"{s}\0{p} {o}" if p == _TYPE else f"{s} {p} {o}"


def _sorted_union(quads: Iterable[Quad]) -> list[tuple[str, bool, str, str]]:
    """The union's statements in the order of their :func:`statement_key`, as tuples of the
    quads' own strings (``(s, p is not rdf:type, p, o)``) instead of a new key string each:
    at ten million statements the keys were ~2 GB, the tuples share what the quads hold.

    Tuple order is key order: terms hold no character at or below the space (N-Triples
    escapes them; a literal, which may hold one, comes last), so where two keys first
    differ inside a term, the tuples first differ at the same character; where one term
    ends first, the shorter sorts first either way; and "\0" after the subject is what
    ``False`` is for a type statement.
    """
    statements = list({(s, p != _TYPE, p, o) for s, p, o, _ in quads})
    statements.sort()
    return statements


def _union_lines(statements: list[tuple[str, bool, str, str]]) -> Iterator[str]:
    return (f"{s} {p} {o} ." for s, _, p, o in statements)


def graph_runs(quads: Sequence[Quad]) -> dict[str, list[tuple[int, int]]]:
    """Each graph's quads as ``[start, end)`` slices of ``quads``, in order of appearance
    (known without reading them when they are kept in parts)."""
    if isinstance(quads, QuadParts):
        return quads.runs()
    runs: dict[str, list[tuple[int, int]]] = {}
    start = 0
    for graph, run in itertools.groupby(map(itemgetter(3), quads)):  # the mapper writes
        end = start + len(list(run))  # a graph's quads together: few, long runs
        runs.setdefault(graph, []).append((start, end))
        start = end
    return runs


def quads_digest(quads: Sequence[Quad], runs: list[tuple[int, int]]) -> bytes:
    """A SHA-256 of some of ``quads`` (the ``[start, end)`` runs of one graph), in the order
    given, as marshal's version 0 writes them: lengths and UTF-8, no references or
    interning flags, so equal quads give equal bytes in any process (at C speed: ~2x
    faster than joining and encoding the terms). What tells a build which graphs changed."""
    hasher = hashlib.sha256(b"quads\n")
    for start, end in runs:
        hasher.update(marshal.dumps(as_list(quads[start:end]), 0))
    return hasher.digest()


def graph_digests(quads: Sequence[Quad]) -> dict[str, bytes]:
    """:func:`quads_digest` of every graph, by graph name in order."""
    runs = graph_runs(quads)
    return {graph: quads_digest(quads, runs[graph]) for graph in sorted(runs)}


def _graph_keys(quads: list[Quad]) -> Iterator[tuple[str, set[str]]]:
    """Each graph's statement keys, graphs in name order."""
    runs = graph_runs(quads)
    for graph in sorted(runs):
        yield graph, {statement_key(s, p, o) for a, b in runs[graph] for s, p, o, _ in quads[a:b]}


def joined(lines: list[str]) -> bytes:
    """Lines as one UTF-8 document, each ended by a newline."""
    return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""


def turtle(lines: Iterable[str]) -> bytes:
    """Sorted N-Triples lines as Turtle: Oxigraph groups each subject's statements,
    keeping the order (50-100x faster than rdflib's writer). It reads the lines
    as a stream, so no second copy of them is made, and writes to a temporary file
    that is made readable a chunk at a time: Oxigraph's own buffer and the bytes
    copied out of it were two more whole documents (~2 GB at ten million statements)."""
    with _turtle_file(lines) as raw:
        return _readable_file(raw)


def _turtle_file(lines: Iterable[str]) -> IO[bytes]:
    """Oxigraph's Turtle of the lines, in a temporary file (closing it removes it)."""
    raw = tempfile.TemporaryFile(prefix="kg-turtle-")  # noqa: SIM115 - the caller closes it
    try:
        ox.serialize(
            ox.parse(cast(IO[bytes], _LineStream(lines)), format=ox.RdfFormat.N_TRIPLES),
            raw,
            format=ox.RdfFormat.TURTLE,
            prefixes=_OX_PREFIXES,
        )
    except BaseException:
        raw.close()
        raise
    return raw


class _LineStream(io.RawIOBase):
    """Lines as a binary file, encoded a few thousand at a time as the reader asks."""

    def __init__(self, lines: Iterable[str], batch: int = 4096) -> None:
        self._lines = iter(lines)
        self._batch = batch
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if not self._pending:
            chunk = list(itertools.islice(self._lines, self._batch))
            if chunk:
                self._pending = memoryview(("\n".join(chunk) + "\n").encode("utf-8"))
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def trig(blocks: Iterable[bytes | memoryview]) -> bytes:
    """Graph blocks (:func:`trig_block`), in order, as one TriG document.

    Each graph is written on its own and the blocks joined under one prefix
    header: the bytes are those of writing everything at once, and a graph's
    block depends on that graph alone.
    """
    out = io.BytesIO()  # grown in place: the blocks and one copy, not three
    out.write(prefix_header() + b"\n")
    separator = b""
    for block in blocks:
        if block:
            out.write(separator)
            out.write(block)
            separator = b"\n"
    return out.getvalue()


def trig_block(lines: list[str]) -> bytes:
    """One graph's ``<graph> { ... }`` block, from its sorted N-Quads lines."""
    pretty = ox.serialize(
        ox.parse(joined(lines), format=ox.RdfFormat.N_QUADS),
        format=ox.RdfFormat.TRIG,
        prefixes=_OX_PREFIXES,
    )
    assert pretty is not None
    return _readable(pretty).partition(b"\n\n")[2]  # without the prefix header


_OX_PREFIXES = {name: str(namespace) for name, namespace in sorted(PREFIXES.items())}


def trig_blocks(graphs: Sequence[list[str]]) -> list[bytes]:
    """Several graphs' blocks, each exactly as :func:`trig_block` makes it from its
    lines alone, formatted in one Oxigraph call: Oxigraph writes a block per run of
    quads in a graph and carries nothing from one block to the next."""
    cuts = _cuts(graphs, ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG, b"}\n")
    if cuts is None:
        return [trig_block(lines) for lines in graphs]
    return [cut.replace(b" .\n", b" .\n\n") + b"}\n" for cut in cuts]  # as _readable does


def turtle_pieces(subjects: Sequence[list[str]]) -> list[bytes]:
    """Several subjects' statements, each as it stands in :func:`turtle`'s document
    (see :func:`turtle_document`), formatted in one Oxigraph call. Each list holds one
    subject's sorted N-Triples lines."""
    cuts = _cuts(subjects, ox.RdfFormat.N_TRIPLES, ox.RdfFormat.TURTLE, b" .\n")
    if cuts is None:
        return [turtle(lines).partition(b"\n\n")[2] for lines in subjects]
    return [cut + b" .\n" for cut in cuts]  # _readable's blank line is the joint's


def turtle_document(pieces: Sequence[bytes | memoryview]) -> bytes:
    """The Turtle document of subjects' pieces (:func:`turtle_pieces`) in subject order:
    the bytes :func:`turtle` writes for all their lines at once."""
    return prefix_header() + b"\n" + b"\n".join(pieces) if pieces else turtle([])


def _cuts(
    groups: Sequence[list[str]], source: ox.RdfFormat, target: ox.RdfFormat, end: bytes
) -> list[bytes] | None:
    """Format ``groups`` in one call and cut the output after each line ending in ``end``
    (a graph's "}" or a subject's " ."; ``end`` itself is left out). None unless that
    gives one non-empty piece per group."""
    if not groups:
        return []
    raw = ox.serialize(
        ox.parse(
            cast(IO[bytes], _LineStream([line for group in groups for line in group])),
            format=source,
        ),
        format=target,
        prefixes=_OX_PREFIXES,
    )
    assert raw is not None
    head_end = 0
    while raw.startswith(b"@prefix", head_end):
        head_end = raw.index(b"\n", head_end) + 1
    cuts = raw[head_end:].split(end)
    if len(cuts) != len(groups) + 1 or cuts[-1] or not all(cuts[:-1]):
        return None
    del cuts[-1]
    return cuts


@lru_cache(maxsize=1)
def prefix_header() -> bytes:
    """The ``@prefix`` lines every Turtle and TriG document kg writes starts with."""
    return b"".join(sorted(f"@prefix {p}: <{ns}> .\n".encode() for p, ns in _OX_PREFIXES.items()))


_STATEMENT_END = re.compile(rb"( \.|\})\n")


def _readable(data: bytes) -> bytes:
    """Prefixes in name order, then a blank line after each statement, for reading and diffs.

    Oxigraph escapes line breaks inside literals, so every line ending in " ." or
    "}" ends a statement or a graph block. The body is rewritten a chunk at a time
    into one growing buffer: at ten million statements, whole-document copies (a
    slice, the substitution, a strip, a concatenation) held four times the output.
    """
    head_end = _header_end(data)
    body = (data[start:end] for start, end in _line_chunks(data, head_end))
    return _readable_parts(data[:head_end], body)


def _header_end(data: bytes) -> int:
    """Where the ``@prefix`` lines Oxigraph starts a document with end."""
    head_end = 0
    while data.startswith(b"@prefix", head_end):
        head_end = data.index(b"\n", head_end) + 1
    return head_end


def _readable_parts(header: bytes, body: Iterable[bytes]) -> bytes:
    """:func:`_readable` of a document given as its prefix lines and its body in chunks,
    each ending after a line break (or at the end)."""
    prefixes = b"".join(sorted(header.splitlines(keepends=True)))
    out = io.BytesIO()
    out.write(prefixes + b"\n")
    body_start = out.tell()
    for chunk in body:
        # A match ends at the first line break after it starts: none spans a cut.
        out.write(_STATEMENT_END.sub(rb"\1\n\n", chunk))
    end = out.tell()
    with out.getbuffer() as written:
        while end > body_start and written[end - 1] == _NEWLINE:  # the strip of the body
            end -= 1
    if end == body_start:
        return prefixes
    out.truncate(end)
    out.seek(end)
    out.write(b"\n")
    return out.getvalue()


_NEWLINE = ord("\n")
_CHUNK = 1 << 24


def _line_chunks(data: bytes, start: int) -> Iterator[tuple[int, int]]:
    """``[start, end)`` slices of ``data`` of about 16 MB, each ending after a line break
    (or at the end)."""
    while start < len(data):
        end = data.find(b"\n", min(start + _CHUNK, len(data) - 1))
        end = len(data) if end < 0 else end + 1
        yield start, end
        start = end


def _readable_file(file: IO[bytes]) -> bytes:
    """:func:`_readable` of the document in ``file``, read a chunk at a time."""
    file.seek(0)
    header = b""
    line = file.readline()
    while line.startswith(b"@prefix"):
        header += line
        line = file.readline()
    return _readable_parts(header, _file_line_chunks(file, line))


def _file_line_chunks(file: IO[bytes], pending: bytes) -> Iterator[bytes]:
    """The rest of ``file`` after ``pending`` (read already), in chunks of about 16 MB,
    each ending after a line break (or at the end)."""
    while True:
        more = file.read(_CHUNK)
        if not more:
            if pending:
                yield pending
            return
        data = pending + more
        cut = data.rfind(b"\n") + 1
        pending = data[cut:]
        if cut:
            yield data[:cut]


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


def read_graph(path: Path, fmt: str | None = None) -> Dataset:
    """Read any RDF file rdflib understands into a Dataset (triples land in the default graph).

    >>> import kg, pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "tiny.ttl"
    >>> _ = path.write_text('<https://example.org/a> <https://example.org/b> "c" .')
    >>> len(kg.read_graph(path))
    1
    """
    dataset = Dataset(default_union=True)
    dataset.parse(str(path), format=fmt)
    return dataset


def rdf_format_of(path: Path) -> ox.RdfFormat | None:
    """The RDF format a file's extension names, if Oxigraph reads it."""
    return ox.RdfFormat.from_extension(path.suffix.lstrip(".").lower())


def read_ntriples(path: Path) -> str | None:
    """Every statement of an RDF file (all its graphs) as ASCII N-Triples text, read by
    Oxigraph: at a million statements ~15x faster than an rdflib Graph. None when
    Oxigraph does not know the format; a syntax error raises ``SyntaxError``."""
    fmt = rdf_format_of(path)
    if fmt is None:
        return None
    quads = ox.parse(path=str(path), format=fmt, base_iri=path.resolve().as_uri())
    return ntriples.ascii_lines(f"{q.subject} {q.predicate} {q.object} ." for q in quads)


__all__ = [
    "Format",
    "bind_prefixes",
    "graph_runs",
    "joined",
    "prefix_header",
    "rdf_format_of",
    "read_graph",
    "read_ntriples",
    "serialise_formats",
    "serialise_quads",
    "statement_key",
    "to_dataset",
    "to_graph",
    "trig",
    "trig_block",
    "trig_blocks",
    "turtle",
    "turtle_document",
    "turtle_pieces",
    "write_atomically",
]
