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

from rdflib import Graph, Literal, URIRef
from rdflib.query import Result
from rdflib.term import Node as Term

from kg.errors import KgError
from kg.namespaces import DEFAULT_BASE, INSTANCE_SEGMENTS, PREFIXES, sparql_prologue

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
    bindings: dict[str, Term] = {
        name: parameter_term(value, base) if type(value) is str else value  # type: ignore[misc]
        for name, value in (params or {}).items()
    }
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


__all__ = ["QueryAnswer", "parameter_term", "run_query", "with_prologue"]
