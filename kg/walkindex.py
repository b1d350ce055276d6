"""The union's statements as the shapes' walks read them, one named graph at a time.

Incremental validation (:mod:`kg.revalidation`) walks from the statements an edit
changed back to the focus nodes that read them, and from those forward to the
statements they read. Indexing the whole union for that cost a pass over every
statement on every build. Here a walk reads only the graphs that hold statements
about the nodes it stands on: :class:`NodeGraphs`, kept between builds, says which
graphs a node occurs in (as subject or object, along any predicate: a superset of
what walks need, which only ever costs reading a graph too many), and each graph
read is indexed on first use, from the build's own quads.

The map is updated by the graphs that changed (their old and new nodes), so its
cost follows the edit; :func:`node_graphs_of` makes it afresh from the quads when no
usable map was kept.
"""

from __future__ import annotations

import itertools
import marshal
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from operator import itemgetter, methodcaller
from typing import cast

from kg import ntriples
from kg.ntriples import Quad
from kg.shape_reach import ANY, Reach
from kg.walks import Walker

Runs = Mapping[str, list[tuple[int, int]]]
Triple = tuple[str, str, str]

_SUBJECT = _FIRST = itemgetter(0)
_SECOND = itemgetter(1)
_PREDICATE_OBJECT = itemgetter(1, 2)
_PREDICATE = itemgetter(1)
_ENCODE = methodcaller("encode", "utf-8", "surrogatepass")


def key(text: str) -> int:
    """A node's key in the map: a CRC-32 of its text. Keys of different texts may be equal;
    then a lookup of one also gives the graphs of the other, which is only a graph too
    many to read (and at 10^6 nodes, a few dozen pairs), while the map loads 3x faster
    and is 8x smaller than one keyed by the texts."""
    return zlib.crc32(text.encode("utf-8", "surrogatepass"))


class NodeGraphs:
    """Node (N-Triples text) -> the named graph, or graphs, it is the subject of statements
    in; and ``"PREDICATE OBJECT"`` -> those it is that predicate's object in (a party is
    the subject of statements in the registry alone, and the object of statements in
    half the documents; the stances towards it, in a few dozen). Keyed by :func:`key`."""

    def __init__(
        self,
        subjects: dict[int, str | tuple[str, ...]] | None = None,
        objects: dict[int, str | tuple[str, ...]] | None = None,
    ) -> None:
        self.subjects: dict[int, str | tuple[str, ...]] = subjects if subjects else {}
        self.objects: dict[int, str | tuple[str, ...]] = objects if objects else {}

    def __len__(self) -> int:
        """How many nodes are subjects."""
        return len(self.subjects)

    def graphs_of(self, text: str, as_subject: bool) -> tuple[str, ...]:
        """The graphs of a subject, or of a ``"PREDICATE OBJECT"`` text (and perhaps more)."""
        found = (self.subjects if as_subject else self.objects).get(key(text))
        if found is None:
            return ()
        return (found,) if isinstance(found, str) else found

    def add(self, graph: str, nodes: tuple[set[int], set[int]]) -> None:
        """Add a graph's subjects and object keys (:func:`nodes_in`)."""
        for table, part in zip((self.subjects, self.objects), nodes, strict=True):
            for node in part:
                found = table.get(node)
                if found is None:
                    table[node] = graph
                elif isinstance(found, str):
                    if found != graph:
                        table[node] = (found, graph)
                elif graph not in found:
                    table[node] = (*found, graph)

    def remove(self, graph: str, nodes: tuple[set[int], set[int]]) -> None:
        """Take out a graph's subjects and object keys (:func:`nodes_in`)."""
        for table, part in zip((self.subjects, self.objects), nodes, strict=True):
            for node in part:
                found = table.get(node)
                if found is None:
                    continue
                if isinstance(found, str):
                    if found == graph:
                        del table[node]
                elif graph in found:
                    rest = tuple(g for g in found if g != graph)
                    table[node] = rest[0] if len(rest) == 1 else rest

    def encode(self) -> bytes:
        return marshal.dumps((self.subjects, self.objects))

    @classmethod
    def decode(cls, data: bytes) -> NodeGraphs:
        """The map in ``data``; ValueError unless it is one (callers check a digest first:
        marshal is only given bytes this module wrote)."""
        try:
            subjects, objects = marshal.loads(data)
        except (EOFError, TypeError, ValueError) as exc:
            raise ValueError(f"not a node map ({exc})") from None
        if not isinstance(subjects, dict) or not isinstance(objects, dict):
            raise ValueError("not a node map")
        return cls(subjects, objects)


def nodes_in(quads: Sequence[Quad], runs: Iterable[tuple[int, int]]) -> tuple[set[int], set[int]]:
    """The keys of the subjects and the ``"PREDICATE OBJECT"`` texts of some runs of quads
    (one graph's); made at C speed, as a cold build makes them for every quad."""
    subjects: set[str] = set()
    objects: set[str] = set()
    for start, end in runs:
        part = quads[start:end]
        subjects.update(map(_SUBJECT, part))
        objects.update(map(" ".join, map(_PREDICATE_OBJECT, part)))
    return _keys(subjects), _keys(objects)


def nodes_of(statements: Iterable[Triple]) -> tuple[set[int], set[int]]:
    """:func:`nodes_in` of statements."""
    subjects: set[str] = set()
    objects: set[str] = set()
    for s, p, o in statements:
        subjects.add(s)
        objects.add(f"{p} {o}")
    return _keys(subjects), _keys(objects)


def _keys(texts: Iterable[str]) -> set[int]:
    """:func:`key` of each text, without a Python call each."""
    return set(map(zlib.crc32, map(_ENCODE, texts)))


def node_graphs_of(quads: Sequence[Quad], runs: Runs) -> NodeGraphs:
    """The map of every graph in ``runs``, made afresh (a pass over every quad) by set and
    dict operations: the keys in several graphs (a class, a person) are gathered as
    (key, graph) pairs and grouped once at the end."""
    tables: tuple[dict[int, str | tuple[str, ...]], ...] = ({}, {})
    several: tuple[list[tuple[int, str]], ...] = ([], [])
    for graph in sorted(runs):
        for table, pairs, part in zip(tables, several, nodes_in(quads, runs[graph]), strict=True):
            again = part & table.keys()
            if again:
                pairs.extend(zip(again, itertools.repeat(graph)))
                part -= again
            table.update(zip(part, itertools.repeat(graph)))
    for table, pairs in zip(tables, several, strict=True):
        pairs.sort()
        for found, group in itertools.groupby(pairs, key=_FIRST):
            table[found] = (cast(str, table[found]), *map(_SECOND, group))
    return NodeGraphs(tables[0], tables[1])


def statements_in(quads: Sequence[Quad], runs: Iterable[tuple[int, int]]) -> Iterator[Triple]:
    for start, end in runs:
        for s, p, o, _ in quads[start:end]:
            yield s, p, o


def quads_in(quads: Sequence[Quad], runs: Iterable[tuple[int, int]]) -> list[Quad]:
    """The quads of some runs (one graph's), as one list: slices, joined."""
    found: list[Quad] = []
    for start, end in runs:
        found += quads[start:end]
    return found


class WalkIndex(Walker):
    """The union's statements for the predicates walks step along, read by graph as walks
    reach their nodes.

    ``graphs_of`` gives the graphs a subject (True) or a ``"PREDICATE OBJECT"`` key (False)
    may occur in; more is harmless. A step back along any predicate reads
    ``every_graph``.
    ``statements_of`` gives a graph's statements (tuples whose first three items are the
    subject, predicate and object: triples or quads).

    A step back along a predicate often reaches many graphs for few nodes (the stances
    towards an organisation, from every document): each graph's statements along that
    predicate are picked at C speed and indexed alone, not the whole graph.
    """

    def __init__(
        self,
        reach: Reach,
        graphs_of: Callable[[str, bool], Iterable[str]],
        every_graph: Callable[[], Iterable[str]],
        statements_of: Callable[[str], Sequence[tuple[str, ...]]],
    ) -> None:
        wanted = reach.predicates | reach.global_predicates
        self._every = ANY in wanted
        self._wanted = {ntriples.iri(p) for p in wanted if p != ANY}
        self._graphs_of = graphs_of
        self._every_graph = every_graph
        self._statements_of = statements_of
        self._statements: dict[str, Sequence[tuple[str, ...]]] = {}
        self._out: dict[str, dict[str, list[tuple[str, str]]]] = {}
        self._into: dict[tuple[str, str], dict[str, list[tuple[str, str]]]] = {}

    @property
    def graphs_read(self) -> int:
        """How many graphs' statements were read."""
        return len(self._statements)

    def _read(self, graph: str) -> Sequence[tuple[str, ...]]:
        found = self._statements.get(graph)
        if found is None:
            found = self._statements[graph] = self._statements_of(graph)
        return found

    def _wanted_in(self, graph: str) -> Iterable[tuple[str, ...]]:
        statements = self._read(graph)
        if self._every:
            return statements
        return itertools.compress(
            statements, map(self._wanted.__contains__, map(_PREDICATE, statements))
        )

    def _out_of(self, graph: str) -> dict[str, list[tuple[str, str]]]:
        found = self._out.get(graph)
        if found is None:
            found = self._out[graph] = {}
            for s, p, o, *_ in self._wanted_in(graph):
                found.setdefault(s, []).append((p, o))
        return found

    def _into_along(self, graph: str, predicate: str) -> dict[str, list[tuple[str, str]]]:
        """Statements into each node, along ``predicate`` (any wanted one if "")."""
        found = self._into.get((graph, predicate))
        if found is None:
            found = self._into[graph, predicate] = {}
            if predicate:
                statements = self._read(graph)
                picked: Iterable[tuple[str, ...]] = itertools.compress(
                    statements, map(predicate.__eq__, map(_PREDICATE, statements))
                )
            else:
                picked = self._wanted_in(graph)
            for s, p, o, *_ in picked:
                found.setdefault(o, []).append((p, s))
        return found

    def _pairs(self, node: str, forward: bool, predicate: str) -> Iterator[tuple[str, str]]:
        """(A statement in several graphs comes once per graph.)"""
        if forward:
            for graph in self._graphs_of(node, True):
                yield from self._out_of(graph).get(node, ())
            return
        key = f"{predicate} {node}"
        graphs = self._graphs_of(key, False) if predicate else self._every_graph()
        for graph in graphs:
            yield from self._into_along(graph, predicate).get(node, ())


__all__ = [
    "NodeGraphs",
    "WalkIndex",
    "node_graphs_of",
    "nodes_in",
    "nodes_of",
    "quads_in",
    "statements_in",
]
