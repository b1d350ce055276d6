"""How far a SHACL shapes graph reads from a focus node: the walks behind incremental validation.

A focus node's results depend only on the statements its shapes read: its target
statement, the statements along each property path, those its value nodes' nested
shapes read, the type statements ``sh:class`` looks at, and the triple patterns of
each SPARQL constraint, reached from ``$this`` through the query's variables. Each
is a *walk*: a sequence of steps (a predicate, or any predicate, followed forwards
or backwards) starting at the focus node. :func:`reach_of` derives every walk from
the shapes; a statement that changed can then only change the results of the focus
nodes from which some walk leads to it, which :mod:`kg.revalidation` finds by
walking back.

Where the reach cannot be bounded soundly (``*`` and ``+`` paths, ``sh:closed`` is
fine but custom constraint components, SPARQL-based targets, ``$PATH`` in a query,
patterns not connected to ``$this``, sub-queries, recursive shapes) it is ``None``
and the caller validates everything.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH
from rdflib.paths import AlternativePath, InvPath, MulPath, NegatedPath, Path, SequencePath
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Node as Term

from kg.sparql_rules import prologue_of
from kg.sparql_safety import algebra_of

ANY = ""
"""The predicate of a step that any predicate matches."""


@dataclass(frozen=True, slots=True, order=True)
class Step:
    """One statement read: ``predicate`` (an IRI, or :data:`ANY`) from the current node as
    subject (``forward``) or as object; with ``repeat``, zero or more such statements in a
    chain (a ``*`` path; ``+`` is one step and then a repeated one)."""

    predicate: str
    forward: bool = True
    repeat: bool = False

    def reversed(self) -> Step:
        return Step(self.predicate, not self.forward, self.repeat)


Walk = tuple[Step, ...]


@dataclass(frozen=True, slots=True)
class Reach:
    """Every walk some shape reads from a focus node, and the predicates read anywhere
    in the data graph whatever the focus (``rdfs:subClassOf``, which ``sh:class`` and
    class targets follow)."""

    walks: frozenset[Walk]
    global_predicates: frozenset[str]

    @property
    def predicates(self) -> frozenset[str]:
        """Every predicate a walk steps along (:data:`ANY` if some step takes any)."""
        return frozenset(step.predicate for walk in self.walks for step in walk)


class UnboundedReachError(Exception):
    """The shapes read further than a fixed set of walks can say."""


_SH = str(SH)
_SUBCLASS = str(RDFS.subClassOf)
_TYPE = str(RDF.type)

# Parameters that read nothing but the value node itself.
_VALUE_ONLY = {
    SH.datatype, SH.nodeKind, SH.minExclusive, SH.minInclusive, SH.maxExclusive,
    SH.maxInclusive, SH.minLength, SH.maxLength, SH.pattern, SH.flags, SH.languageIn,
    SH.uniqueLang, SH.hasValue, SH["in"], SH.minCount, SH.maxCount,
    SH.qualifiedMinCount, SH.qualifiedMaxCount, SH.qualifiedValueShapesDisjoint,
    SH.ignoredProperties,
}  # fmt: skip
# Parameters with no effect on which statements are read.
_DESCRIPTIVE = {
    SH.severity, SH.message, SH.name, SH.description, SH.order, SH.group, SH.defaultValue,
    SH.deactivated, SH.targetNode, SH.path, SH.prefixes, SH.declare,
}  # fmt: skip
_PAIRS = (SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals)
_LOGICAL_LISTS = (SH["and"], SH["or"], SH.xone)
_TARGETS = (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode)


def reach_of(shapes: Graph) -> Reach | None:
    """The walks of every shape in ``shapes`` from its focus nodes, or None if unbounded."""
    if (None, RDF.type, SH.ConstraintComponent) in shapes or (None, SH.target, None) in shapes:
        return None
    if (None, SH.targetObjectsOf, None) in shapes or any(
        not isinstance(node, URIRef) for node in shapes.objects(None, SH.targetNode)
    ):
        return None  # focus nodes may be literals, which reports may write differently
    try:
        reader = _Reader(shapes)
        walks: set[Walk] = set()
        for shape in _shapes_with_targets(shapes):
            walks |= _targets_read(shapes, shape)
            walks |= reader.node_walks(shape)
    except UnboundedReachError:
        return None
    prefixes = {walk[:end] for walk in walks for end in range(1, len(walk) + 1)}
    return Reach(frozenset(prefixes), frozenset({_SUBCLASS}))


def _shapes_with_targets(shapes: Graph) -> Iterator[Term]:
    found: set[Term] = set()
    for predicate in _TARGETS:
        found.update(shapes.subjects(predicate, None))
    for cls in (RDFS.Class, OWL.Class):
        for shape in shapes.subjects(RDF.type, cls):
            if (shape, RDF.type, SH.NodeShape) in shapes or (
                shape,
                RDF.type,
                SH.PropertyShape,
            ) in shapes:
                found.add(shape)
    yield from sorted(found, key=str)


def _targets_read(shapes: Graph, shape: Term) -> set[Walk]:
    walks: set[Walk] = set()
    if (shape, SH.targetClass, None) in shapes or any(
        (shape, RDF.type, cls) in shapes for cls in (RDFS.Class, OWL.Class)
    ):
        walks.add((Step(_TYPE),))
    for predicate in shapes.objects(shape, SH.targetSubjectsOf):
        walks.add((Step(str(predicate)),))
    for predicate in shapes.objects(shape, SH.targetObjectsOf):
        walks.add((Step(str(predicate), forward=False),))
    return walks


class _Reader:
    def __init__(self, shapes: Graph) -> None:
        self.shapes = shapes
        self.active: set[Term] = set()

    def node_walks(self, shape: Term) -> set[Walk]:
        """What validating ``shape`` on a node reads, from that node."""
        if shape in self.active:
            raise UnboundedReachError(f"recursive shape {shape}")
        self.active.add(shape)
        try:
            path = self.shapes.value(shape, SH.path)
            if path is None:
                return self._constraints(shape)
            walks = _path_walks(self.shapes, path)
            reads = set(walks)
            for suffix in self._constraints(shape):
                reads |= {walk + suffix for walk in walks}
            for predicate in _PAIRS:  # compare with the focus node's other property
                for other in self.shapes.objects(shape, predicate):
                    reads.add((Step(str(other)),))
            return reads
        finally:
            self.active.discard(shape)

    def _constraints(self, shape: Term) -> set[Walk]:
        """What the constraints on the node (a node shape's focus, a property's values) read."""
        reads: set[Walk] = {()}
        shapes = self.shapes
        for predicate, value in shapes.predicate_objects(shape):
            if predicate in _VALUE_ONLY or predicate in _DESCRIPTIVE or predicate in _TARGETS:
                continue
            if predicate in _PAIRS or predicate == RDF.type or not str(predicate).startswith(_SH):
                continue
            if predicate == SH["class"]:
                reads.add((Step(_TYPE),))
            elif predicate in (SH.node, SH.property, SH["not"], SH.qualifiedValueShape):
                reads |= self.node_walks(value)
            elif predicate in _LOGICAL_LISTS:
                for member in Collection(shapes, value):
                    reads |= self.node_walks(member)
            elif predicate == SH.closed:
                reads.add((Step(ANY),))
            elif predicate == SH.sparql:
                reads |= _sparql_walks(shapes, value)
            else:
                raise UnboundedReachError(f"unknown constraint parameter {predicate}")
        return reads


def _path_walks(shapes: Graph, path: Term) -> set[Walk]:
    """The walks a SHACL property path takes, each ending at a value node."""
    if isinstance(path, URIRef):
        return {(Step(str(path)),)}
    if (path, RDF.first, None) in shapes:  # a sequence
        walks: set[Walk] = {()}
        for member in Collection(shapes, path):
            walks = {a + b for a in walks for b in _path_walks(shapes, member)}
        return walks
    inverse = shapes.value(path, SH.inversePath)
    if inverse is not None:
        return {_reverse(walk) for walk in _path_walks(shapes, inverse)}
    alternatives = shapes.value(path, SH.alternativePath)
    if alternatives is not None:
        return {
            w for member in Collection(shapes, alternatives) for w in _path_walks(shapes, member)
        }
    optional = shapes.value(path, SH.zeroOrOnePath)
    if optional is not None:
        return {(), *_path_walks(shapes, optional)}
    for predicate, at_least_one in ((SH.zeroOrMorePath, False), (SH.oneOrMorePath, True)):
        inner = shapes.value(path, predicate)
        if inner is not None:
            return {_repeated(walk, at_least_one) for walk in _path_walks(shapes, inner)}
    raise UnboundedReachError(f"path {path} has no bounded length")


def _repeated(walk: Walk, at_least_one: bool) -> Walk:
    """A ``*`` or ``+`` over a one-step walk; longer repeated paths are not bounded here."""
    if len(walk) != 1 or walk[0].repeat:
        raise UnboundedReachError("a repeated path of more than one predicate")
    step = walk[0]
    again = Step(step.predicate, step.forward, repeat=True)
    return (step, again) if at_least_one else (again,)


def _reverse(walk: Walk) -> Walk:
    return tuple(step.reversed() for step in reversed(walk))


# --------------------------------------------------------------------------- SPARQL


def _sparql_walks(shapes: Graph, constraint: Term) -> set[Walk]:
    """The walks of a SPARQL constraint's triple patterns from ``$this``: every chain of
    patterns joined by shared variables (or constants) that leads from it to a pattern."""
    select = shapes.value(constraint, SH.select)
    if select is None:
        raise UnboundedReachError(f"SPARQL constraint {constraint} without sh:select")
    text = str(select)
    if any(name in text for name in ("$PATH", "$shapesGraph", "$currentShape")):
        raise UnboundedReachError("a query reading $PATH or the shapes graph")
    patterns = _patterns(algebra_of(prologue_of(shapes, constraint) + "\n" + text))
    edges: list[tuple[Term, Walk, Term, int]] = []
    for number, (subject, path, obj, _) in enumerate(patterns):
        for walk in _sparql_path_walks(path):
            edges.append((subject, walk, obj, number))
            edges.append((obj, _reverse(walk), subject, number))
    found: set[Walk] = set()
    reached: set[int] = set()

    def extend(
        node: Term, walk: Walk, visited: frozenset[Term], used: frozenset[int], branches: Branches
    ) -> None:
        # Every simple chain, not only the shortest: a solution may join through any
        # of them. Chains pass through variables only (a constant is a fixed node all
        # focus nodes share, not a join) and keep to one branch of each UNION.
        for start, steps, end, pattern in edges:
            if start != node or pattern in used:
                continue
            if not _compatible(branches, patterns[pattern][3]):
                continue
            found.add(walk + steps)
            reached.add(pattern)
            if isinstance(end, Variable) and end not in visited:
                more = branches | patterns[pattern][3]
                extend(end, walk + steps, visited | {end}, used | {pattern}, more)

    extend(Variable("this"), (), frozenset({Variable("this")}), frozenset(), frozenset())
    if len(reached) < len(patterns):
        raise UnboundedReachError("a SPARQL pattern not joined to $this")
    return found


Branches = frozenset[tuple[int, int]]
"""The branch taken at each UNION above a pattern: (the UNION's number, 1 or 2)."""


def _compatible(a: Branches, b: Branches) -> bool:
    """True if one solution can match patterns under both sets of branches."""
    chosen = dict(a)
    return all(chosen.get(union, branch) == branch for union, branch in b)


def _patterns(algebra: object) -> list[tuple[Term, object, Term, Branches]]:
    found: list[tuple[Term, object, Term, Branches]] = []
    _collect_patterns(algebra, found, frozenset(), [0])
    return found


def _collect_patterns(
    node: object,
    found: list[tuple[Term, object, Term, Branches]],
    branches: Branches,
    unions: list[int],
) -> None:
    if isinstance(node, CompValue):
        if node.name in {"BGP", "TriplesBlock"}:
            found.extend((s, p, o, branches) for s, p, o in node["triples"])
            return
        # A sub-query (ToMultiSet) scopes its variables apart; GRAPH and SERVICE read
        # other graphs: the variables no longer say what joins what.
        if node.name in {"ToMultiSet", "Graph", "ServiceGraphPattern", "SubSelect"}:
            raise UnboundedReachError(f"a query with {node.name}")
        if node.name == "Union":
            unions[0] += 1
            number = unions[0]
            _collect_patterns(node["p1"], found, branches | {(number, 1)}, unions)
            _collect_patterns(node["p2"], found, branches | {(number, 2)}, unions)
            return
        for value in node.values():
            _collect_patterns(value, found, branches, unions)
    elif isinstance(node, dict):
        for value in node.values():
            _collect_patterns(value, found, branches, unions)
    elif isinstance(node, list | tuple):
        for value in node:
            _collect_patterns(value, found, branches, unions)


def _sparql_path_walks(path: object) -> set[Walk]:
    if isinstance(path, URIRef):
        return {(Step(str(path)),)}
    if isinstance(path, Variable | NegatedPath):
        return {(Step(ANY),)}
    if isinstance(path, SequencePath):
        walks: set[Walk] = {()}
        for member in path.args:
            walks = {a + b for a in walks for b in _sparql_path_walks(member)}
        return walks
    if isinstance(path, AlternativePath):
        return {w for member in path.args for w in _sparql_path_walks(member)}
    if isinstance(path, InvPath):
        return {_reverse(w) for w in _sparql_path_walks(path.arg)}
    if isinstance(path, MulPath):
        inner = _sparql_path_walks(path.path)
        if path.mod == "?":
            return {(), *inner}
        return {_repeated(walk, path.mod == "+") for walk in inner}
    if isinstance(path, Path | CompValue | BNode | Literal):
        raise UnboundedReachError(f"a SPARQL path {path!r} of unbounded length")
    raise UnboundedReachError(f"a SPARQL path {path!r}")


__all__ = ["ANY", "Reach", "Step", "Walk", "reach_of"]
