"""Which SHACL-SPARQL queries a processor must refuse, and which kg may run as one query.

SHACL (5.2.1, and appendix A on pre-binding) forbids MINUS, SERVICE and VALUES
in constraint queries, assigning a pre-bound variable (``BIND (… AS $this)``)
and sub-queries that do not return ``$this``: with them, pre-binding has no
defined meaning. :func:`forbidden` names the first such use.

kg's fast path (:mod:`kg.sparql_rules`) does not pre-bind ``$this``: it joins
the shape's targets into the query once. That gives the same solutions only
where every filter, BIND and OPTIONAL that reads ``$this`` sees it bound by a
triple pattern of its own group; :func:`joinable` checks that on the query's
algebra, and shapes that fail it go to the engine unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Variable

_PREBOUND = frozenset({"this", "shapesGraph", "currentShape"})
_THIS = Variable("this")
_NOT_JOINABLE = frozenset(
    {"Group", "AggregateJoin", "Slice", "Minus", "Graph", "ServiceGraphPattern"}
)


_SUSPECT = re.compile(
    r"\b(?:MINUS|VALUES|SERVICE)\b|\bSELECT\b.*\bSELECT\b"
    r"|\bAS\s*[?$](?:this|shapesGraph|currentShape|value)\b",
    re.IGNORECASE | re.DOTALL,
)


def forbidden(query: str, ask: bool = False) -> str | None:
    """What in ``query`` SHACL-SPARQL forbids ('uses MINUS' …), or None. ``ask``: an ASK
    validator, whose ``$value`` is pre-bound too.

    Each of those needs a keyword (MINUS, VALUES, SERVICE, AS, a second SELECT), so a
    query without one is not parsed here (parsing costs ~50 ms a query).
    """
    if not _SUSPECT.search(query):
        return None
    try:
        tree = parseQuery(query)
    except Exception as exc:  # pyparsing's errors carry the position
        return f"is not valid SPARQL ({exc})"
    prebound = _PREBOUND | {"value"} if ask else _PREBOUND
    for node in _nodes(tree):
        if node.name == "MinusGraphPattern":
            return "uses MINUS"
        if node.name == "ServiceGraphPattern":
            return "uses SERVICE"
        if node.name in {"InlineData", "ValuesClause"}:
            return "uses VALUES"
        if node.name in {"Bind", "vars"}:
            target = node.get("var") if node.name == "Bind" else node.get("evar")
            if isinstance(target, Variable) and str(target) in prebound:
                return f"assigns the pre-bound variable ${target}"
        if node.name == "SubSelect" and not _returns_this(node):
            return "has a sub-query that does not return $this"
    return None


def _returns_this(subselect: CompValue) -> bool:
    projection = subselect.get("projection")
    if projection is None or isinstance(projection, str):  # SELECT *: $this in scope?
        return any(
            _THIS in list(triple)
            for node in _nodes(subselect.get("where"))
            if node.name == "TriplesBlock"
            for triple in node["triples"]
        )
    return any(isinstance(v, CompValue) and v.get("var") == _THIS for v in projection)


def _nodes(tree: object) -> Iterator[CompValue]:
    if isinstance(tree, CompValue):
        yield tree
        for value in tree.values():
            yield from _nodes(value)
    elif isinstance(tree, list | tuple) or type(tree).__name__ == "ParseResults":
        for value in tree:  # type: ignore[attr-defined]
            yield from _nodes(value)


_JOINABLE: dict[str, bool] = {}


def joinable(query: str) -> bool:
    """True if joining ``$this`` with its targets (the rewritten ``query``, targets
    first in its top group) gives the solutions that pre-binding ``$this`` would.
    Remembered per query text for the process (see :func:`kg.sparql_rules.query_facts`)."""
    found = _JOINABLE.get(query)
    if found is None:
        found = _JOINABLE[query] = _joinable(query)
    return found


def joinable_answers() -> dict[str, bool]:
    """The :func:`joinable` answers this process has, by query text."""
    return dict(_JOINABLE)


def learn_joinable(answers: dict[str, bool]) -> None:
    """Take answers :func:`joinable_answers` gave in an earlier process of this kg."""
    _JOINABLE.update(answers)


def _joinable(query: str) -> bool:
    try:
        algebra = algebra_of(query)
    except Exception:  # e.g. an undeclared prefix: the engine will say what is wrong
        return False
    if algebra.name != "SelectQuery":
        return False
    top = algebra["p"]
    while top.name in {"Project", "Distinct", "Reduced"}:
        top = top["p"]
    return _sound(top, top_level=True)


@lru_cache(maxsize=256)
def algebra_of(query: str) -> CompValue:
    """rdflib's algebra of a query, parsed once (kg reads it twice: here and to find the
    predicates a rule reads)."""
    return prepareQuery(query).algebra


def _sound(node: CompValue, top_level: bool = False) -> bool:
    """Every place under ``node`` that reads $this sees it bound by its own group."""
    if node.name in _NOT_JOINABLE or (node.name == "OrderBy" and not top_level):
        return False
    if node.name == "OrderBy":
        return _sound(node["p"])
    if node.name == "ToMultiSet":  # kg's VALUES for sh:targetNode, not a sub-query
        return bool(node["p"].name == "values")
    reads = node.name in {"Filter", "Extend"} and _reads_this(node["expr"])
    if reads and (_THIS not in _certain(node["p"]) or _exists_filters_this(node["expr"])):
        return False
    if node.name == "LeftJoin":
        reads = _mentions_this(node["p2"]) or _reads_this(node.get("expr"))
        if reads and _THIS not in _certain(node["p1"]):
            return False
    children = [node.get(k) for k in ("p", "p1", "p2")]
    return all(_sound(c) for c in children if isinstance(c, CompValue))


def _certain(node: CompValue) -> set[Variable]:
    """The variables every solution of ``node`` binds."""
    if node.name == "BGP":
        return {t for triple in node["triples"] for t in triple if isinstance(t, Variable)}
    if node.name == "Join":
        return _certain(node["p1"]) | _certain(node["p2"])
    if node.name == "Union":
        return _certain(node["p1"]) & _certain(node["p2"])
    if node.name == "LeftJoin":
        return _certain(node["p1"])
    if node.name in {"Filter", "Project", "Distinct", "Reduced", "OrderBy"}:
        return _certain(node["p"])
    if node.name == "Extend":
        return _certain(node["p"]) | {node["var"]}
    if node.name == "values":  # kg's own VALUES for sh:targetNode
        rows = node["res"]
        return set.intersection(*(set(row) for row in rows)) if rows else set()
    if node.name == "ToMultiSet":
        return _certain(node["p"])
    return set()


def _reads_this(expr: object) -> bool:
    """True if an expression reads $this, including inside (NOT) EXISTS."""
    return _mentions_this(expr)


def _exists_filters_this(expr: object) -> bool:
    """True if a (NOT) EXISTS pattern filters or binds with $this in a group of its own,
    where a join does not bind it as pre-binding would."""
    for node in _nodes(expr):
        if node.name in {"Builtin_EXISTS", "Builtin_NOTEXISTS"}:
            for inner in _nodes(node.get("graph")):
                scoped = inner.name in {"Filter", "Bind", "OptionalGraphPattern", "SubSelect"}
                if scoped and _mentions_this(inner):
                    return True
    return False


def _mentions_this(tree: object) -> bool:
    if tree == _THIS:
        return True
    if isinstance(tree, CompValue):
        return any(_mentions_this(v) for k, v in tree.items() if k != "_vars")
    if isinstance(tree, list | tuple | set) or type(tree).__name__ == "ParseResults":
        return any(_mentions_this(v) for v in tree)  # type: ignore[attr-defined]
    return False


__all__ = ["algebra_of", "forbidden", "joinable"]
