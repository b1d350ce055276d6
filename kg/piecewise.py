"""TriG and Turtle assembled from pieces, reusing those of the last build (:mod:`kg.pieces`).

The output is byte-identical to :func:`kg.io.serialise_formats`, because each piece is
a function of its input lines alone:

- a TriG graph block depends on that graph's sorted lines (:func:`kg.io.trig`);
- a Turtle subject statement depends on that subject's sorted lines in the union: the
  union is sorted by subject, each subject's lines are contiguous, and Oxigraph starts
  a statement per subject (:func:`kg.io.turtle_document`; ``tests/test_piecewise.py``
  proves both by comparison with the plain writer).

Pieces are keyed by a digest of their lines. To avoid even making and sorting the lines
of a graph whose quads did not change, a digest of each graph's quads, as they come,
leads to a :class:`~kg.pieces.GraphRecord` of its block's key and its subjects' keys.
A subject stated in several graphs is keyed by the set of its per-graph keys.
"""

from __future__ import annotations

import itertools
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from operator import itemgetter

from kg.io import (
    Format,
    graph_digests,
    graph_runs,
    prefix_header,
    statement_key,
    trig,
    trig_blocks,
    turtle_document,
    turtle_pieces,
)
from kg.io import (
    serialise_formats as plain_formats,
)
from kg.ntriples import Quad
from kg.pieces import DIGEST_SIZE, GraphRecord, Piece, PieceCache, digest

_SUBJECT = itemgetter(0)
PIECEWISE = frozenset({Format.TRIG, Format.TURTLE})


def serialise_formats(
    quads: list[Quad],
    formats: Iterable[Format],
    *,
    pieces: PieceCache | None = None,
    digests: Mapping[str, bytes] | None = None,
) -> dict[Format, bytes]:
    """:func:`kg.io.serialise_formats`, reusing and keeping TriG/Turtle pieces in ``pieces``.

    Formats other than TriG and Turtle are made by the plain path. Nothing is written
    to disk here: the caller commits ``pieces`` once its outputs are in place.
    ``digests`` are the graphs' :func:`kg.io.graph_digests` if the caller has them.
    """
    wanted = set(formats)
    if pieces is None:
        return plain_formats(quads, wanted)
    out = plain_formats(quads, wanted - PIECEWISE) if wanted - PIECEWISE else {}
    if wanted & PIECEWISE:
        found = digests if digests is not None else graph_digests(quads)
        out.update(_Assembly(quads, pieces, found).formats(wanted & PIECEWISE))
    return {fmt: out[fmt] for fmt in Format if fmt in out}


class _Assembly:
    """One serialisation: the graphs of ``quads``, their records and their keys."""

    def __init__(self, quads: list[Quad], pieces: PieceCache, digests: Mapping[str, bytes]) -> None:
        self.quads = quads
        self.pieces = pieces
        self.runs = graph_runs(quads)
        self.graphs = sorted(self.runs)
        self.keys: dict[str, list[str]] = {}  # graph -> sorted statement keys, made on demand
        self.subjects: dict[str, Sequence[str]] = {}  # graph -> its subjects, sorted
        self.records: dict[str, GraphRecord] = {}
        for graph in self.graphs:
            key = digests[graph][:DIGEST_SIZE]
            record = pieces.graph(key)
            if record is None:
                record = self._record(graph)
            self.subjects[graph] = record.names
            pieces.keep_graph(key, record)
            self.records[graph] = record

    def formats(self, wanted: set[Format]) -> dict[Format, bytes]:
        out = {}
        if Format.TRIG in wanted:
            out[Format.TRIG] = self.trig()
        if Format.TURTLE in wanted:
            out[Format.TURTLE] = self.turtle()
        return out

    def _keys(self, graph: str) -> list[str]:
        found = self.keys.get(graph)
        if found is None:
            quads = self.quads
            found = self.keys[graph] = sorted(
                {statement_key(s, p, o) for a, b in self.runs[graph] for s, p, o, _ in quads[a:b]}
            )
        return found

    def _record(self, graph: str) -> GraphRecord:
        quads = self.quads
        runs = self.runs[graph]
        names = sorted(
            set(itertools.chain.from_iterable(map(_SUBJECT, quads[a:b]) for a, b in runs))
        )
        keys = self._keys(graph)
        block = digest(b"trig\n" + graph.encode("utf-8") + b"\n" + _text(keys))
        subjects = []
        for subject in names:
            subjects.append(digest(b"ttl\n" + _text(_subject_keys(keys, subject))))
        return GraphRecord(block, tuple(subjects), tuple(names))

    def trig(self) -> bytes:
        keys = [self.records[graph].block for graph in self.graphs]
        blocks = self.pieces.pieces(keys)
        missing = [index for index, block in enumerate(blocks) if block is None]
        made = trig_blocks(
            [_graph_lines(self.graphs[i], self._keys(self.graphs[i])) for i in missing]
        )
        for index, new in zip(missing, made, strict=True):
            blocks[index] = new
        done = [block for block in blocks if block is not None]
        document = trig(done)
        self.pieces.keep_pieces(keys, _within(document, done))
        return document

    def turtle(self) -> bytes:
        names = list(itertools.chain.from_iterable(self.subjects[g] for g in self.graphs))
        key_of: dict[str, bytes | None] = dict(
            zip(
                names,
                itertools.chain.from_iterable(self.records[g].subjects for g in self.graphs),
                strict=True,
            )
        )
        shared = self._shared() if len(key_of) < len(names) else {}
        for subject, where in shared.items():
            key_of[subject] = self.pieces.memo(_union_key(where))
        order = sorted(key_of)
        keys = [key_of[subject] for subject in order]
        del key_of
        pieces = self.pieces.pieces(keys)
        missing = [index for index, piece in enumerate(pieces) if piece is None]
        if missing:
            graph_of = self._graph_of()
            lines = [
                self._union_keys(order[i], shared.get(order[i]) or [(graph_of[order[i]], b"")])
                for i in missing
            ]
            made = turtle_pieces([_triple_lines(subject_keys) for subject_keys in lines])
            for index, subject_keys, new in zip(missing, lines, made, strict=True):
                if keys[index] is None:  # a shared subject the memo did not know
                    keys[index] = digest(b"ttl\n" + _text(subject_keys))
                pieces[index] = new
        done_keys = [key for key in keys if key is not None]
        done = [piece for piece in pieces if piece is not None]
        document = turtle_document(done)
        self.pieces.keep_pieces(done_keys, _within(document, done))
        for subject, where in shared.items():
            key = keys[bisect_left(order, subject)]
            assert key is not None
            self.pieces.keep_memo(_union_key(where), key)
        return document

    def _shared(self) -> dict[str, list[tuple[str, bytes]]]:
        """Subjects stated in several graphs -> (graph, key of its lines there) for each."""
        seen: set[str] = set()
        several: set[str] = set()
        for graph in self.graphs:  # set operations, graph by graph: no Python loop per subject
            names = self.subjects[graph]
            several |= seen.intersection(names)
            seen.update(names)
        shared: dict[str, list[tuple[str, bytes]]] = {}
        for graph in self.graphs:
            if common := several.intersection(self.subjects[graph]):
                subjects, keys = self.subjects[graph], self.records[graph].subjects
                for subject in sorted(common):
                    key = keys[bisect_left(subjects, subject)]  # subjects are sorted
                    shared.setdefault(subject, []).append((graph, key))
        return shared

    def _graph_of(self) -> dict[str, str]:
        return {subject: graph for graph in self.graphs for subject in self.subjects[graph]}

    def _union_keys(self, subject: str, where: list[tuple[str, bytes]]) -> list[str]:
        """A subject's sorted statement keys over every graph that states it."""
        if len(where) == 1:
            return _subject_keys(self._keys(where[0][0]), subject)
        union: set[str] = set()
        for graph, _ in where:
            union.update(_subject_keys(self._keys(graph), subject))
        return sorted(union)


def _within(document: bytes, pieces: list[Piece]) -> list[memoryview]:
    """The pieces as views of the document made of them (the prefix header, a newline,
    then the pieces joined by newlines), so the pieces' own copies can be freed."""
    view = memoryview(document)
    at = len(prefix_header()) + 1
    found = []
    for piece in pieces:
        found.append(view[at : at + len(piece)])
        at += len(piece) + 1
    return found


def _union_key(where: list[tuple[str, bytes]]) -> bytes:
    return digest(b"union\n" + b"".join(sorted({key for _, key in where})))


def _subject_keys(keys: list[str], subject: str) -> list[str]:
    """The keys of ``subject`` in sorted ``keys``: a key is the subject, then "\\0" or " "
    (below "!", the least character a term can go on with), then the rest."""
    return keys[bisect_left(keys, subject) : bisect_left(keys, subject + "!")]


def _text(keys: list[str]) -> bytes:
    return "\n".join(keys).encode("utf-8")


def _graph_lines(graph: str, keys: list[str]) -> list[str]:
    return [f"{key.replace(chr(0), ' ', 1)} {graph} ." for key in keys]


def _triple_lines(keys: list[str]) -> list[str]:
    return [key.replace("\0", " ", 1) + " ." for key in keys]


__all__ = ["PIECEWISE", "serialise_formats"]
