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
import sys
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping, Sequence
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
from kg.quadparts import as_list

_SUBJECT = itemgetter(0)
PIECEWISE = frozenset({Format.TRIG, Format.TURTLE})


def serialise_formats(
    quads: Sequence[Quad],
    formats: Iterable[Format],
    *,
    pieces: PieceCache | None = None,
    digests: Mapping[str, bytes] | None = None,
    made: Callable[[Format, bytes], None] | None = None,
) -> dict[Format, bytes]:
    """:func:`kg.io.serialise_formats`, reusing and keeping TriG/Turtle pieces in ``pieces``.

    Formats other than TriG and Turtle are made by the plain path. Nothing is written
    to disk here: the caller commits ``pieces`` once its outputs are in place.
    ``digests`` are the graphs' :func:`kg.io.graph_digests` if the caller has them.
    ``made`` is told of each serialisation as soon as it is made (to start writing it).
    """
    wanted = set(formats)
    told = made or _ignore
    if pieces is None:
        out = plain_formats(as_list(quads), wanted)
        for fmt, data in out.items():
            told(fmt, data)
    else:
        out = plain_formats(as_list(quads), wanted - PIECEWISE) if wanted - PIECEWISE else {}
        for fmt, data in out.items():
            told(fmt, data)
        if wanted & PIECEWISE:
            found = digests if digests is not None else graph_digests(quads)
            out.update(_Assembly(quads, pieces, found).formats(wanted & PIECEWISE, told))
    return {fmt: out[fmt] for fmt in Format if fmt in out}


class _Assembly:
    """One serialisation: the graphs of ``quads``, their records and their keys."""

    def __init__(
        self, quads: Sequence[Quad], pieces: PieceCache, digests: Mapping[str, bytes]
    ) -> None:
        self.quads = quads
        self.pieces = pieces
        self.runs = graph_runs(quads)
        self.graphs = sorted(self.runs)
        self.keys: dict[str, list[str]] = {}  # graph -> sorted statement keys, made on demand
        self.subjects: dict[str, Sequence[str]] = {}  # graph -> its subjects, sorted
        self.records: dict[str, GraphRecord] = {}
        self.shared_in: dict[str, set[str]] = {}  # graph -> its subjects other graphs state
        for graph in self.graphs:
            key = digests[graph][:DIGEST_SIZE]
            record = pieces.graph(key)
            if record is None:
                record = self._record(graph)
            self.subjects[graph] = record.names
            pieces.keep_graph(key, record)
            self.records[graph] = record

    def formats(
        self, wanted: set[Format], made: Callable[[Format, bytes], None]
    ) -> dict[Format, bytes]:
        out = {}
        for fmt, serialise in ((Format.TRIG, self.trig), (Format.TURTLE, self.turtle)):
            if fmt in wanted:
                out[fmt] = serialise()
                made(fmt, out[fmt])
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
        return GraphRecord(block, b"".join(subjects), tuple(names))

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
        """The union's Turtle: runs of subjects stated in one graph only are cut from that
        graph's block of subject pieces (:meth:`_subject_blocks`); subjects stated in
        several graphs are pieces of their own, keyed by their union's lines."""
        shared = self._shared()
        if not any(self.subjects[g] for g in self.graphs):
            return turtle_document([])
        blocks = self._subject_blocks()
        union = self._union_pieces(shared)
        owner: dict[str, str | None] = {}
        for graph in self.graphs:
            owner.update(zip(self.subjects[graph], itertools.repeat(graph)))
        owner.update(zip(shared, itertools.repeat(None)))
        order = sorted(owner)  # each graph's names are sorted: timsort merges the runs
        parts: list[bytes | memoryview] = [prefix_header(), b"\n"]
        at = 0
        for stated_in, run in itertools.groupby(map(owner.__getitem__, order)):
            count = len(list(run))
            if stated_in is None:
                for subject in order[at : at + count]:
                    parts += (union[subject], b"\n")
            else:
                names, (offsets, block) = self.subjects[stated_in], blocks[stated_in]
                start = bisect_left(names, order[at])
                parts.append(block[offsets[start] : offsets[start + count]])
            at += count
        parts[-1] = memoryview(parts[-1])[:-1]  # pieces are joined by newlines, not ended
        return b"".join(parts)

    def _subject_blocks(self) -> dict[str, tuple[array[int], memoryview]]:
        """Per graph, the Turtle statement of each subject stated in that graph only, in
        name order, each followed by a newline (an empty entry for a subject stated in
        other graphs too), and where each starts: a run of such subjects is a slice. Kept
        as one piece per graph (the starts, then the statements), keyed by the keys of
        those subjects' lines and the places of those left out."""
        keys = []
        for graph in self.graphs:  # the graph's subjects' keys, and which are left out
            names = self.subjects[graph]
            left_out = array(
                "I", sorted(bisect_left(names, s) for s in self.shared_in.get(graph, ()))
            )
            subjects = self.records[graph].subjects
            keys.append(digest(b"ttl-graph\n%b\n%b" % (subjects, left_out.tobytes())))
        found = self.pieces.pieces(keys)
        missing = [i for i, piece in enumerate(found) if piece is None]
        if missing:
            lines = []
            for graph in (self.graphs[i] for i in missing):
                common = self.shared_in.get(graph, set())
                lines.append(
                    [
                        None if s in common else _triple_lines(_subject_keys(self._keys(graph), s))
                        for s in self.subjects[graph]
                    ]
                )
            made = iter(turtle_pieces([group for groups in lines for group in groups if group]))
            for index, groups in zip(missing, lines, strict=True):
                found[index] = _subject_block([b"" if g is None else next(made) for g in groups])
        done = [piece for piece in found if piece is not None]
        self.pieces.keep_pieces(keys, done)
        blocks = {}
        for graph, piece in zip(self.graphs, done, strict=True):
            view = memoryview(piece)
            count = len(self.subjects[graph]) + 1
            offsets = array("I")
            offsets.frombytes(view[: 4 * count])
            if sys.byteorder != "little":
                offsets.byteswap()
            blocks[graph] = (offsets, view[4 * count :])
        return blocks

    def _union_pieces(self, shared: dict[str, list[tuple[str, bytes]]]) -> dict[str, Piece]:
        """The Turtle statement of each subject stated in several graphs, from the union of
        its lines (looked up by the set of its per-graph keys)."""
        subjects = sorted(shared)
        keys = [self.pieces.memo(_union_key(shared[s])) for s in subjects]
        found = self.pieces.pieces(keys)
        missing = [i for i, piece in enumerate(found) if piece is None]
        lines = [self._union_keys(subjects[i], shared[subjects[i]]) for i in missing]
        made = turtle_pieces([_triple_lines(subject_keys) for subject_keys in lines])
        for index, subject_keys, new in zip(missing, lines, made, strict=True):
            keys[index] = digest(b"ttl\n" + _text(subject_keys))
            found[index] = new
        done_keys = [key for key in keys if key is not None]
        done = [piece for piece in found if piece is not None]
        self.pieces.keep_pieces(done_keys, done)
        for subject, key in zip(subjects, done_keys, strict=True):
            self.pieces.keep_memo(_union_key(shared[subject]), key)
        return dict(zip(subjects, done, strict=True))

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
                self.shared_in[graph] = common
                subjects, record = self.subjects[graph], self.records[graph]
                for subject in sorted(common):
                    key = record.subject_key(bisect_left(subjects, subject))  # names are sorted
                    shared.setdefault(subject, []).append((graph, key))
        return shared

    def _union_keys(self, subject: str, where: list[tuple[str, bytes]]) -> list[str]:
        """A subject's sorted statement keys over every graph that states it."""
        if len(where) == 1:
            return _subject_keys(self._keys(where[0][0]), subject)
        union: set[str] = set()
        for graph, _ in where:
            union.update(_subject_keys(self._keys(graph), subject))
        return sorted(union)


def _ignore(_: Format, __: bytes) -> None:
    return None


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


def _subject_block(pieces: list[bytes]) -> bytes:
    """Subject pieces as :meth:`_Assembly._subject_blocks` keeps them: little-endian
    32-bit starts (one per piece, then the end), then each piece and a newline (nothing
    for an empty piece)."""
    offsets = array("I", [0])
    for piece in pieces:
        offsets.append(offsets[-1] + (len(piece) + 1 if piece else 0))
    if sys.byteorder != "little":
        offsets.byteswap()
    return offsets.tobytes() + b"".join(piece + b"\n" for piece in pieces if piece)


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
