"""SPARQL over a built graph, with the project's prefixes known and parameters bound safely.

Parameters are bound as RDF terms through rdflib's ``initBindings`` (a VALUES
block), never spliced into the query text, so a value cannot change the query.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.query import Result
from rdflib.term import Identifier
from rdflib.term import Node as Term

from kg.errors import KgError
from kg.io import rdf_format_of
from kg.namespaces import DEFAULT_BASE, INSTANCE_SEGMENTS, PREFIXES, sparql_prologue
from kg.ntriples import from_oxigraph

_PREFIX_DECL = re.compile(r"^\s*PREFIX\s+([A-Za-z][\w.-]*)?:", re.IGNORECASE | re.MULTILINE)


def with_prologue(query: str, base: str = DEFAULT_BASE) -> str:
    """Prepend PREFIX lines for known prefixes the query does not declare itself."""
    declared = {m.group(1) or "" for m in _PREFIX_DECL.finditer(query)}
    lines = [
        line
        for line in sparql_prologue(base).splitlines()
        if line.split()[1].rstrip(":") not in declared
    ]
    return "\n".join(lines) + "\n" + query


def parameter_term(value: str, base: str = DEFAULT_BASE) -> Term:
    """A --param value as a term: <iri>, prefix:name, id:slug, or a plain literal."""
    if value.startswith("<") and value.endswith(">"):
        return URIRef(value[1:-1])
    prefix, sep, local = value.partition(":")
    if sep and prefix in PREFIXES and re.fullmatch(r"[\w.-]+", local):
        return PREFIXES[prefix][local]
    if sep and prefix == "id":
        return URIRef(base + local)
    if sep and prefix in INSTANCE_SEGMENTS and re.fullmatch(r"[\w.-]+", local):
        return URIRef(f"{base}{prefix}/{local}")
    return Literal(value)


@dataclass(frozen=True, slots=True)
class QueryAnswer:
    """A SELECT table, an ASK boolean, or a CONSTRUCT/DESCRIBE graph."""

    variables: tuple[str, ...] = ()
    rows: tuple[tuple[Term | None, ...], ...] = ()
    boolean: bool | None = None
    graph: Graph | None = None

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.variables)
        for row in self.rows:
            writer.writerow(["" if v is None else str(v) for v in row])
        return out.getvalue()

    def to_json(self) -> str:
        """SPARQL 1.1 Query Results JSON."""
        if self.boolean is not None:
            return json.dumps({"head": {}, "boolean": self.boolean}, indent=1)
        bindings = []
        for row in self.rows:
            binding = {}
            for name, value in zip(self.variables, row, strict=True):
                if value is not None:
                    binding[name] = _json_term(value)
            bindings.append(binding)
        return json.dumps(
            {"head": {"vars": list(self.variables)}, "results": {"bindings": bindings}},
            indent=1,
            ensure_ascii=False,
        )

    def to_table(self) -> str:
        if self.boolean is not None:
            return "yes" if self.boolean else "no"
        cells = [list(self.variables)] + [
            ["" if v is None else _short(v) for v in row] for row in self.rows
        ]
        widths = [max(len(r[i]) for r in cells) for i in range(len(self.variables))]
        lines = [
            " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells
        ]
        lines.insert(1, "-+-".join("-" * w for w in widths))
        lines.append(f"({len(self.rows)} row{'s' if len(self.rows) != 1 else ''})")
        return "\n".join(lines)


def _short(term: Term) -> str:
    if isinstance(term, URIRef):
        text = str(term)
        for name, namespace in PREFIXES.items():
            if text.startswith(str(namespace)):
                return f"{name}:{text[len(str(namespace)) :]}"
        return text
    return str(term)


def _json_term(term: Term) -> dict[str, str]:
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, Literal):
        out = {"type": "literal", "value": str(term)}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype:
            out["datatype"] = str(term.datatype)
        return out
    return {"type": "bnode", "value": str(term)}


def run_query(
    graph: Graph,
    query: str,
    params: Mapping[str, str | Term] | None = None,
    base: str = DEFAULT_BASE,
) -> QueryAnswer:
    """Run a SPARQL query; ``params`` are bound as terms (never spliced into the text)."""
    bindings = terms(params, base)
    try:
        result: Result = graph.query(
            with_prologue(query, base),
            initBindings=bindings,  # type: ignore[arg-type]
        )
        if result.type == "ASK":
            return QueryAnswer(boolean=bool(result.askAnswer))
        if result.type in {"CONSTRUCT", "DESCRIBE"}:
            return QueryAnswer(graph=result.graph)
        variables = tuple(str(v) for v in (result.vars or []))
        rows = tuple(tuple(row) for row in result)  # type: ignore[arg-type]
    except KgError:
        raise
    except Exception as exc:  # rdflib raises pyparsing, type and other errors for bad queries
        raise KgError(f"SPARQL query failed: {exc}") from None
    return QueryAnswer(variables=variables, rows=rows)


__all__ = [
    "QueryAnswer",
    "bind_values",
    "open_store",
    "parameter_term",
    "run_query",
    "run_query_store",
    "terms",
    "with_prologue",
]


# --------------------------------------------------------------------------- Oxigraph


def open_store(path: Path) -> Any:
    """A graph file loaded into an in-memory Oxigraph store (Turtle, TriG, N-Triples ...).

    For a file with named graphs the default graph also receives their union, once
    per statement: Oxigraph's own union default graph is a multiset (a fact three
    sources state would match three times), rdflib's is a set, and ``kg query``
    answers the same on either engine.
    """
    import pyoxigraph as ox

    fmt = rdf_format_of(path) or ox.RdfFormat.TURTLE
    store = ox.Store()
    try:
        store.bulk_load(path=str(path), format=fmt)
        if fmt.supports_datasets:
            store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
    except (SyntaxError, ValueError, OSError) as exc:
        raise KgError(f"{path}: cannot load: {exc}") from None
    return store


def run_query_store(
    store: Any,
    query: str,
    params: Mapping[str, str | Term] | None = None,
    base: str = DEFAULT_BASE,
) -> QueryAnswer:
    """Run a SPARQL query on an Oxigraph store: the fast path of ``kg query``.

    Queries without GRAPH see the default graph, which :func:`open_store` fills with
    the union of the named graphs (as rdflib does for a parsed TriG file).
    Parameters are bound as in rdflib: a VALUES block of RDF terms (written by
    kg's N-Triples encoder, which escapes everything) opens the query's WHERE
    clause, so the bindings hold from the start; a value never becomes query text.
    """
    import pyoxigraph as ox

    bindings = terms(params, base)
    for name in bindings:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise KgError(f"parameter name {name!r} is not a SPARQL variable name")
    try:
        result = store.query(with_prologue(bind_values(query, bindings), base))
        if isinstance(result, ox.QueryBoolean):
            return QueryAnswer(boolean=bool(result))
        if isinstance(result, ox.QueryTriples):
            graph = Graph()
            for triple in result:
                graph.add(
                    (
                        from_oxigraph(triple.subject),
                        from_oxigraph(triple.predicate),
                        from_oxigraph(triple.object),
                    )
                )
            return QueryAnswer(graph=graph)
        variables = tuple(v.value for v in result.variables)
        converted: dict[Any, Term] = {}  # a value repeated down a column is converted once

        def term(value: Any) -> Term | None:
            if value is None:
                return None
            found = converted.get(value)
            if found is None:
                found = converted[value] = from_oxigraph(value)
            return found

        rows = tuple(tuple(term(value) for value in row) for row in result)
    except (SyntaxError, ValueError, OSError, RuntimeError) as exc:
        raise KgError(f"SPARQL query failed: {exc}") from None
    return QueryAnswer(variables=variables, rows=rows)


def terms(params: Mapping[str, str | Term] | None, base: str) -> dict[str, Term]:
    """Parameters as RDF terms: text is read as a term; rdflib terms (even URIRef,
    which is a str) are taken as they are."""
    return {
        name: value if isinstance(value, Identifier) else parameter_term(str(value), base)
        for name, value in (params or {}).items()
    }


_COMMENT = re.compile(r"^\s*#.*$", re.MULTILINE)
_OPENING = re.compile(r"\bWHERE\s*\{|\b(?:SELECT|ASK)\b[^{]*\{", re.IGNORECASE)


def bind_values(query: str, bindings: Mapping[str, Term]) -> str:
    """The query with a VALUES block for the bindings at the start of its WHERE clause."""
    if not bindings:
        return query
    from kg.ntriples import term as nt_term

    text = _COMMENT.sub("", query)
    match = _OPENING.search(text)
    if match is None:
        raise KgError("cannot bind parameters: the query has no WHERE clause")
    names = " ".join(f"?{name}" for name in bindings)
    values = " ".join(nt_term(term) for term in bindings.values())
    block = f" VALUES ({names}) {{ ({values}) }} "
    return text[: match.end()] + block + text[match.end() :]
