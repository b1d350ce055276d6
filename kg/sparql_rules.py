"""SHACL-SPARQL constraints evaluated once per constraint instead of once per focus node.

pyshacl pre-binds ``$this`` and re-parses the query for every focus node, which
costs tens of milliseconds each: minutes for a corpus of a few thousand facts.
The same solutions come from one query in which ``$this`` is a free variable
restricted to the shape's targets. :func:`kg.validation.validate` runs SHACL
Core through pyshacl and these rules through here; ``engine="pyshacl"`` runs
everything through pyshacl, and a parity test proves the two agree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH
from rdflib.paths import AlternativePath, InvPath, MulPath, SequencePath
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Node as Term

from kg import ntriples
from kg.errors import KgError
from kg.sparql_safety import (
    algebra_of,
    forbidden,
    joinable,
    joinable_answers,
    learn_joinable,
)

SPARQL_COMPONENT = SH.SPARQLConstraintComponent
_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)
_SELECT = re.compile(r"\bSELECT\s+(DISTINCT\s+|REDUCED\s+)?", re.IGNORECASE)
_GENERIC_MESSAGE = "SPARQL constraint not met"


@dataclass(frozen=True, slots=True)
class SparqlRule:
    """One sh:sparql constraint of one shape, ready to run as a single query."""

    shape: Term
    constraint: Term
    severity: URIRef
    messages: tuple[str, ...]
    query: str


@dataclass(frozen=True, slots=True)
class RuleResult:
    """A solution of a rule: what a SHACL validation result would say."""

    rule: SparqlRule
    focus: Term
    path: Term | None
    value: Term | None
    message: str


def split_shapes(shapes: Graph) -> tuple[Graph, list[SparqlRule]]:
    """The shapes without the sh:sparql constraints that kg runs itself, and those
    constraints as rules.

    A constraint whose query SHACL forbids raises :class:`KgError`. One that a single
    joined query cannot answer as pre-binding would (:func:`rewritable`) stays in the
    shapes, for the engine to run as it is.
    """
    refuse_forbidden(shapes)
    rules: list[SparqlRule] = []
    taken: set[tuple[Term, Term, Term]] = set()
    for shape, predicate, constraint in sorted(shapes.triples((None, SH.sparql, None))):
        rule = _rule(shapes, shape, constraint)
        if rule is not None:
            rules.append(rule)
            taken.add((shape, predicate, constraint))
    core = Graph()
    for prefix, namespace in shapes.namespaces():
        core.bind(prefix, namespace)
    for triple in shapes:
        if triple not in taken:
            core.add(triple)
    return core, rules


def refuse_forbidden(shapes: Graph) -> None:
    """Raise :class:`KgError` naming the first SPARQL query in ``shapes`` that SHACL
    forbids (:func:`kg.sparql_safety.forbidden`)."""
    for predicate in (SH.select, SH.ask):
        for owner, query in sorted(shapes.subject_objects(predicate)):
            problem = forbidden(str(query), ask=predicate == SH.ask)
            if problem is not None:
                raise KgError(
                    f"the shapes cannot be used: the SPARQL query of {ntriples.term(owner)} "
                    f"{problem}, which SHACL-SPARQL does not allow (SHACL 5.2.1)"
                )


def _rule(shapes: Graph, shape: Term, constraint: Term) -> SparqlRule | None:
    """The constraint as a rule kg runs itself, or None if the engine must run it."""
    select = shapes.value(constraint, SH.select)
    if select is None or not rewritable(shapes, shape, constraint):
        return None
    try:
        query = _rewrite(shapes, shape, constraint, str(select))
    except ValueError:
        return None
    if not joinable(query):
        return None
    return SparqlRule(
        shape=shape,
        constraint=constraint,
        severity=shapes.value(shape, SH.severity) or SH.Violation,  # type: ignore[arg-type]
        messages=_messages(shapes, constraint, shape),
        query=query,
    )


_SPECIAL = re.compile(r"[?$](?:PATH|shapesGraph|currentShape)\b")
_IMPLICIT_TARGET = (RDFS.Class, OWL.Class)
# How one shape uses another (sh:and, sh:or and sh:xone through their lists' rdf:first).
_SHAPE_LINKS = (SH.node, SH.property, SH.qualifiedValueShape, SH["not"], RDF.first)


def rewritable(shapes: Graph, shape: Term, constraint: Term) -> bool:
    """True if the shape's own targets are all the focus nodes the constraint sees and
    its query needs nothing but ``$this``: a node shape, active, with explicit targets
    of the four kinds kg joins in, used by no other shape (``sh:node``, ``sh:and`` …
    would add focus nodes), and no ``$PATH``, ``$shapesGraph`` or ``$currentShape``."""
    if Literal(True) in (
        shapes.value(shape, SH.deactivated),
        shapes.value(constraint, SH.deactivated),
    ):
        return False
    if shapes.value(shape, SH.path) is not None or shapes.value(shape, SH.target) is not None:
        return False
    if any((shape, RDF.type, cls) in shapes for cls in _IMPLICIT_TARGET):
        return False
    if any((None, link, shape) in shapes for link in _SHAPE_LINKS):
        return False
    severity = shapes.value(shape, SH.severity)
    if severity is not None and not isinstance(severity, URIRef):
        return False
    return _SPECIAL.search(str(shapes.value(constraint, SH.select))) is None


def _messages(shapes: Graph, constraint: Term, shape: Term) -> tuple[str, ...]:
    found = sorted(str(m) for m in shapes.objects(constraint, SH.message))
    if not found:
        found = sorted(str(m) for m in shapes.objects(shape, SH.message))
    return tuple(found)


def prologue_of(shapes: Graph, constraint: Term) -> str:
    """PREFIX lines from the sh:declare of each sh:prefixes value and, transitively, of
    what it owl:imports within the shapes graph."""
    lines = []
    pending = list(shapes.objects(constraint, SH.prefixes))
    seen: set[Term] = set()
    while pending:
        owner = pending.pop()
        if owner in seen:
            continue
        seen.add(owner)
        pending.extend(shapes.objects(owner, OWL.imports))
        for declaration in shapes.objects(owner, SH.declare):
            prefix = shapes.value(declaration, SH.prefix)
            namespace = shapes.value(declaration, SH.namespace)
            if prefix is not None and namespace is not None:
                lines.append(f"PREFIX {prefix}: <{namespace}>")
    return "\n".join(sorted(set(lines)))


def _targets(shapes: Graph, shape: Term) -> list[str]:
    patterns = []
    for cls in sorted(shapes.objects(shape, SH.targetClass), key=str):
        patterns.append(
            f"?this <{RDF.type}>/<http://www.w3.org/2000/01/rdf-schema#subClassOf>* {cls.n3()} ."
        )
    for node in sorted(shapes.objects(shape, SH.targetNode), key=str):
        patterns.append(f"VALUES ?this {{ {node.n3()} }}")
    for predicate in sorted(shapes.objects(shape, SH.targetSubjectsOf), key=str):
        patterns.append(f"?this {predicate.n3()} ?kg_target_object .")
    for predicate in sorted(shapes.objects(shape, SH.targetObjectsOf), key=str):
        patterns.append(f"?kg_target_subject {predicate.n3()} ?this .")
    return patterns


def _rewrite(shapes: Graph, shape: Term, constraint: Term, select: str) -> str:
    """Make ``$this`` a free variable bound by the shape's targets."""
    body = select.replace("$this", "?this")
    targets = _targets(shapes, shape)
    # Plain patterns first, so the engine joins from the (few) targets outwards.
    if len(targets) == 1:
        target_block = targets[0]
    elif targets:
        target_block = " UNION ".join(f"{{ {p} }}" for p in targets)
    else:
        target_block = "FILTER(false)"
    match = _WHERE.search(body)
    if match is None:
        raise ValueError(f"cannot read the WHERE clause of the SPARQL constraint of {shape}")
    body = body[: match.end()] + f"\n    {target_block}\n" + body[match.end() :]
    head = _SELECT.search(body)
    if (
        head is not None
        and "?this" not in body[head.end() : match.start()]
        and "*" not in body[head.end() : match.start()]
    ):
        body = body[: head.end()] + "?this " + body[head.end() :]
    return prologue_of(shapes, constraint) + "\n" + body


def run_rules(data: Graph | ox.Store, rules: list[SparqlRule]) -> Iterator[RuleResult]:
    """Every solution of every rule, de-duplicated as pyshacl does.

    ``data`` is an rdflib Graph, or an Oxigraph store (its default graph), which
    answers the same queries 10-100x faster.
    """
    for rule in rules:
        seen: set[tuple[object, ...]] = set()
        for bound in _solutions(data, rule.query):
            focus = bound.pop("this", None)
            if focus is None:
                continue
            path = bound.pop("path", None)
            value = bound.pop("value", None)
            key = (
                focus,
                path,
                value,
                *sorted((k, v) for k, v in bound.items() if not k.startswith("kg_target_")),
            )
            if key in seen:
                continue
            seen.add(key)
            variables = {
                "this": focus,
                **{k: v for k, v in bound.items() if not k.startswith("kg_target_")},
            }
            if path is not None:
                variables["path"] = path
            variables["value"] = value if value is not None else focus
            for message in rule.messages or (_GENERIC_MESSAGE,):
                yield RuleResult(
                    rule,
                    focus,
                    path,
                    value if value is not None else focus,
                    _fill(message, variables),
                )


def predicates_read(rules: Iterable[SparqlRule]) -> frozenset[str] | None:
    """Every predicate the rules' queries can match, or None if a query may match
    any (a variable or negated property path in predicate position).

    Running the rules over only the statements with these predicates gives the
    same solutions, from a store a fraction of the size.
    """
    found: set[str] = set()
    for rule in rules:
        read = _query_predicates(rule.query)
        if read is None:
            return None
        found |= read
    return frozenset(found)


_PREDICATES: dict[str, frozenset[str] | None] = {}


def _query_predicates(query: str) -> frozenset[str] | None:
    """:func:`predicates_read` of one query, remembered for the process."""
    if query not in _PREDICATES:
        found: set[str] = set()
        _PREDICATES[query] = frozenset(found) if _collect(algebra_of(query), found) else None
    return _PREDICATES[query]


def query_facts() -> dict[str, list[Any]]:
    """What this process learnt of each rule query by parsing it (~35 ms a query with
    rdflib): whether it is :func:`~kg.sparql_safety.joinable`, and the predicates it
    reads (None: any). A build keeps them beside its validation state so that the next
    one, validating a few focus nodes, parses no query (:func:`learn_query_facts`)."""
    facts: dict[str, list[Any]] = {}
    for query, answer in joinable_answers().items():
        facts.setdefault(query, [None, False])[0] = answer
    for query, read in _PREDICATES.items():
        facts.setdefault(query, [None, False])[1] = sorted(read) if read is not None else None
    return facts


def learn_query_facts(facts: dict[str, list[Any]]) -> None:
    """Take what :func:`query_facts` gave (in an earlier process of the same kg, for
    the same query texts) as known; ValueError if it is not in that form."""
    answers: dict[str, bool] = {}
    predicates: dict[str, frozenset[str] | None] = {}
    for query, (answer, read) in facts.items():
        if not isinstance(query, str):
            raise ValueError("a query is not text")
        if answer is not None:
            answers[query] = bool(answer)
        if read is None:
            predicates[query] = None
        elif isinstance(read, list):
            predicates[query] = frozenset(str(p) for p in read)
        elif read is not False:
            raise ValueError("a query's predicates are not a list")
    learn_joinable(answers)
    _PREDICATES.update(predicates)


def _collect(node: object, found: set[str]) -> bool:
    """Add the predicates of every triple pattern under ``node``; False if unbounded."""
    if isinstance(node, CompValue) and node.name in {"BGP", "TriplesBlock"}:
        # TriplesBlock: a pattern inside (NOT) EXISTS, which rdflib leaves untranslated
        return all(_path_predicates(triple[1], found) for triple in node["triples"])
    if isinstance(node, dict):  # CompValue is a dict
        return all(_collect(value, found) for value in node.values())
    if isinstance(node, list | tuple):
        return all(_collect(value, found) for value in node)
    return True


def _path_predicates(predicate: object, found: set[str]) -> bool:
    if isinstance(predicate, URIRef):
        found.add(str(predicate))
        return True
    if isinstance(predicate, SequencePath | AlternativePath):
        return all(_path_predicates(step, found) for step in predicate.args)
    if isinstance(predicate, MulPath):
        return _path_predicates(predicate.path, found)
    if isinstance(predicate, InvPath):
        return _path_predicates(predicate.arg, found)
    if isinstance(predicate, CompValue) and predicate.name != "PathNegatedPropertySet":
        return all(  # an untranslated path: every IRI in it is a predicate
            _path_predicates(part, found)
            for value in predicate.values()
            for part in (value if isinstance(value, list) else [value])
            if isinstance(part, URIRef | CompValue)
        )
    return False  # a variable, a negated path: any predicate may match


def _solutions(data: Graph | ox.Store, query: str) -> Iterator[dict[str, Term]]:
    """Each solution of a SELECT query as variable name -> rdflib term."""
    if isinstance(data, Graph):
        for row in data.query(query):
            bound: dict[str, Term] = dict(row.asdict())  # type: ignore[union-attr]
            yield bound
        return
    solutions = data.query(query)
    assert isinstance(solutions, ox.QuerySolutions)  # the rules are SELECT queries
    names = [variable.value for variable in solutions.variables]
    for solution in solutions:
        yield {
            name: ntriples.from_oxigraph(value)
            for name, value in zip(names, solution, strict=True)
            if value is not None
        }


def _fill(message: str, variables: dict[str, Term]) -> str:
    for name, term in variables.items():
        message = re.sub("{[?$]" + re.escape(name) + "}", str(term).replace("\\", "\\\\"), message)
    return message
