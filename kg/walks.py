"""The statements the shapes' walks read, found in an index of the union graph.

Both incremental validation (:mod:`kg.revalidation`: which focus nodes an edit reaches,
and what they read) and partitioned validation (:mod:`kg.partition`: what a group of
focus nodes reads) walk the same index the same way; this module is that one copy.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache
from operator import itemgetter

from kg import ntriples
from kg.ntriples import Quad
from kg.shape_reach import ANY, Reach, Step, Walk

Statement = tuple[str, str, str]
_PREDICATE_OBJECT = itemgetter(1, 2)
_PREDICATE_SUBJECT = itemgetter(1, 0)
_WIDE = 64
"""Statements of a node above which a step looks up its predicate instead of scanning."""


class Walker:
    """The shapes' walks stepped over statements a subclass looks up (:meth:`_pairs`):
    the whole union in memory (:class:`StatementIndex`), or the graphs a kept node map
    names (:class:`kg.walkindex.WalkIndex`). One copy of how a step and a walk go."""

    def _pairs(self, node: str, forward: bool, predicate: str) -> Iterable[tuple[str, str]]:
        """``(predicate, other node)`` of the statements out of (``forward``) or into
        ``node``, along ``predicate`` if not "" (more may come: they are filtered)."""
        raise NotImplementedError

    def step(self, nodes: set[str], step: Step, read: set[Statement] | None = None) -> set[str]:
        """The nodes one step (or, repeated, any number of steps) leads to from ``nodes``;
        the statements it passes along are added to ``read`` if given."""
        predicate = "" if step.predicate == ANY else ntriples.iri(step.predicate)
        reached = set(nodes) if step.repeat else set()
        frontier = set(nodes)
        while frontier:
            following = set()
            for node in frontier:
                for p, other in self._pairs(node, step.forward, predicate):
                    if not predicate or p == predicate:
                        following.add(other)
                        if read is not None:
                            read.add((node, p, other) if step.forward else (other, p, node))
            if not step.repeat:
                return following
            frontier = following - reached
            reached |= frontier
        return reached

    def focus_nodes_reaching(self, changed: Iterable[Statement], walks: Iterable[Walk]) -> set[str]:
        """Every node from which some walk reads one of the ``changed`` statements."""
        by_predicate: dict[str, list[tuple[Walk, int]]] = {}
        for walk in walks:
            for position, step in enumerate(walk):
                by_predicate.setdefault(step.predicate, []).append((walk, position))
        found: set[str] = set()
        for s, p, o in changed:
            predicate = p[1:-1]
            for walk, position in by_predicate.get(predicate, []) + by_predicate.get(ANY, []):
                step = walk[position]
                nodes = {s if step.forward else o}
                if step.repeat:  # the statement may be anywhere along the chain
                    nodes = self.step(nodes, step.reversed())
                for earlier in reversed(walk[:position]):
                    nodes = self.step(nodes, earlier.reversed())
                    if not nodes:
                        break
                found |= nodes
        return {node for node in found if not node.startswith('"')}  # literals: no focus

    def read_from(self, nodes: Iterable[str], walks: frozenset[Walk]) -> set[Statement]:
        """Every statement a walk from one of ``nodes`` reads."""
        statements: set[Statement] = set()
        for walk in walks:
            frontier = set(nodes)
            for step in walk:
                frontier = self.step(frontier, step, statements)
                if not frontier:
                    break
        return statements


class StatementIndex(Walker):
    """The union's statements by subject and by object, for the predicates walks step along."""

    def __init__(self, quads: Iterable[Quad], reach: Reach) -> None:
        wanted = reach.predicates | reach.global_predicates
        every = ANY in wanted
        # A node's statements are its quads themselves, not (predicate, node) pairs made
        # for the index: two pairs a statement were ~1.3 GB at ten million statements.
        out: defaultdict[str, list[Quad]] = defaultdict(list)
        into: defaultdict[str, list[Quad]] = defaultdict(list)
        self.globals: set[Statement] = set()
        wanted_iris = {ntriples.iri(p) for p in wanted if p != ANY}
        global_iris = {ntriples.iri(p) for p in reach.global_predicates}
        blank = False
        for quad in quads:  # lists, not sets: a repeat costs less than a set insert
            s, p, o, _ = quad
            if s[0] == "_" or o[0] == "_":
                blank = True
            if every or p in wanted_iris:
                out[s].append(quad)
                into[o].append(quad)
                if p in global_iris:
                    self.globals.add((s, p, o))
        self.out: dict[str, list[Quad]] = out  # read with .get: adds no keys
        self.into: dict[str, list[Quad]] = into
        self.subjects = len(self.out)
        self.has_blank_nodes = blank
        """Engines may name blank nodes in a report as they like: then validate everything."""
        self._split_out: dict[str, dict[str, list[str]]] = {}
        self._split_into: dict[str, dict[str, list[str]]] = {}

    def _pairs(self, node: str, forward: bool, predicate: str) -> Iterable[tuple[str, str]]:
        if forward:
            return map(_PREDICATE_OBJECT, self.out.get(node, ()))
        return map(_PREDICATE_SUBJECT, self.into.get(node, ()))

    def read_from(self, nodes: Iterable[str], walks: frozenset[Walk]) -> set[Statement]:
        """Every statement a walk from one of ``nodes`` reads, and the global ones.

        Walks that share a prefix step along it once (the walks of the project's shapes
        form a tree of ~200 steps), and the single steps leaving one point of that tree
        share one pass over each node's statements.
        """
        statements = set(self.globals)
        pending: list[tuple[_Tree, set[str]]] = [(_tree(walks), set(nodes))]
        while pending:
            tree, frontier = pending.pop()
            for child, reached in self._advance(tree, frontier, statements):
                if child.children and reached:
                    pending.append((child, reached))
        return statements

    def _split(self, node: str, forward: bool) -> dict[str, list[str]]:
        """A wide node's statements by predicate, made on first use."""
        cache = self._split_out if forward else self._split_into
        found = cache.get(node)
        if found is None:
            found = {}
            at = 2 if forward else 0
            for quad in (self.out if forward else self.into)[node]:
                found.setdefault(quad[1], []).append(quad[at])
            cache[node] = found
        return found

    def _advance(
        self, tree: _Tree, frontier: set[str], read: set[Statement]
    ) -> list[tuple[_Tree, set[str]]]:
        """Every child of ``tree`` with the nodes its step leads to from ``frontier``."""
        reached: list[tuple[_Tree, set[str]]] = []
        for forward, by_predicate, any_step in (
            (True, tree.forward, tree.forward_any),
            (False, tree.backward, tree.backward_any),
        ):
            if not by_predicate and any_step is None:
                continue
            found = {id(child): set[str]() for child in by_predicate.values()}
            every = set[str]()
            table = self.out if forward else self.into
            at = 2 if forward else 0
            for node in frontier:
                edges = table.get(node, ())
                if len(edges) > _WIDE and any_step is None:
                    # A node many statements name (a party, a class): only the steps'
                    # predicates, or every batch that reaches it pays for all of them.
                    split = self._split(node, forward)
                    for p, wanted in by_predicate.items():
                        others = split.get(p, ())
                        if others:
                            found[id(wanted)].update(others)
                            read.update((node, p, o) if forward else (o, p, node) for o in others)
                    continue
                for quad in edges:
                    p, other = quad[1], quad[at]
                    child = by_predicate.get(p)
                    if child is None and any_step is None:
                        continue
                    read.add((node, p, other) if forward else (other, p, node))
                    if child is not None:
                        found[id(child)].add(other)
                    if any_step is not None:
                        every.add(other)
            reached += [(child, found[id(child)]) for child in by_predicate.values()]
            if any_step is not None:
                reached.append((any_step, every))
        for step, child in tree.repeated:
            reached.append((child, self.step(frontier, step, read)))
        return reached


class _Tree:
    """The walks from one point on, by their next step: plain steps by predicate (in
    N-Triples form) and direction, a step along any predicate, and repeated steps."""

    __slots__ = ("backward", "backward_any", "forward", "forward_any", "repeated")

    def __init__(self) -> None:
        self.forward: dict[str, _Tree] = {}
        self.backward: dict[str, _Tree] = {}
        self.forward_any: _Tree | None = None
        self.backward_any: _Tree | None = None
        self.repeated: list[tuple[Step, _Tree]] = []

    @property
    def children(self) -> bool:
        return bool(
            self.forward
            or self.backward
            or self.forward_any is not None
            or self.backward_any is not None
            or self.repeated
        )

    def child(self, step: Step) -> _Tree:
        if step.repeat:
            for known, tree in self.repeated:
                if known == step:
                    return tree
            self.repeated.append((step, _Tree()))
            return self.repeated[-1][1]
        if step.predicate == ANY:
            if step.forward:
                self.forward_any = self.forward_any or _Tree()
                return self.forward_any
            self.backward_any = self.backward_any or _Tree()
            return self.backward_any
        table = self.forward if step.forward else self.backward
        return table.setdefault(ntriples.iri(step.predicate), _Tree())


@lru_cache(maxsize=8)
def _tree(walks: frozenset[Walk]) -> _Tree:
    root = _Tree()
    for walk in sorted(walks):
        tree = root
        for step in walk:
            tree = tree.child(step)
    return root


__all__ = ["Statement", "StatementIndex", "Walker"]
