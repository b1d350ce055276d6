"""SPARQL over a built graph, with the project's prefixes known and parameters bound safely.

Parameters are bound as RDF terms through rdflib's ``initBindings`` (a VALUES
block), never spliced into the query text, so a value cannot change the query.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.query import Result
from rdflib.term import Identifier
from rdflib.term import Node as Term

from kg.defaults import QUERY_ENGINE
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


_IRI_CHARS = r"[^\s<>\"{}|\\^`]"
_ABSOLUTE_IRI = re.compile(rf"[A-Za-z][A-Za-z0-9+.-]*:(?://{_IRI_CHARS}*|{_IRI_CHARS}+)")
_SCHEMES = frozenset({"http", "https", "urn", "mailto", "tag", "file", "ftp", "did", "doi"})
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"(?:@([A-Za-z]+(?:-[A-Za-z0-9]+)*)|\^\^(\S+))?')


def parameter_term(value: str, base: str = DEFAULT_BASE) -> Term:
    """A parameter value written as text, read as the RDF term it names.

    - ``<https://…>``, an absolute IRI (``https://…``, ``urn:…``), a prefixed name
      (``kg:Claim``, ``person:jon-lansman``) or ``id:slug`` is an IRI;
    - ``"text"``, ``"text"@en`` and ``"42"^^xsd:integer`` are literals as written;
    - any other text is a plain string literal.

    A value that looks like a prefixed name with an unknown prefix is refused rather
    than read as a string, which would match nothing without saying so.

    >>> parameter_term("person:jon-lansman")
    rdflib.term.URIRef('https://w3id.org/kg/id/person/jon-lansman')
    >>> parameter_term('"2018"^^xsd:gYear')
    rdflib.term.Literal('2018', datatype=rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#gYear'))
    """
    if value.startswith("<") and value.endswith(">"):
        return URIRef(value[1:-1])
    quoted = _QUOTED.fullmatch(value)
    if quoted:
        text = re.sub(r"\\(.)", r"\1", quoted.group(1))
        if quoted.group(3):
            datatype = parameter_term(quoted.group(3), base)
            if not isinstance(datatype, URIRef):
                raise KgError(f"parameter value {value!r}: the datatype must be an IRI")
            return Literal(text, datatype=datatype)
        return Literal(text, lang=quoted.group(2))
    prefix, sep, local = value.partition(":")
    if sep and prefix in PREFIXES and re.fullmatch(r"[\w.-]+", local):
        return PREFIXES[prefix][local]
    if sep and prefix == "id":
        return URIRef(base + local)
    if sep and prefix in INSTANCE_SEGMENTS and re.fullmatch(r"[\w.-]+", local):
        return URIRef(f"{base}{prefix}/{local}")
    if _ABSOLUTE_IRI.fullmatch(value):
        if local.startswith("//") or prefix.lower() in _SCHEMES:
            return URIRef(value)
        known = ", ".join(sorted([*PREFIXES, *INSTANCE_SEGMENTS, "id"]))
        raise KgError(
            f"parameter value {value!r}: unknown prefix {prefix!r} (known: {known}); "
            f'write <…> for an IRI or "{value}" for a string'
        )
    return Literal(value)


_STRINGS_AND_IRIS = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>|#[^\n]*'
)
_VARIABLE = re.compile(r"[?$]([A-Za-z0-9_\u00b7\u00c0-\uffff]+)")


def query_variables(query: str) -> tuple[str, ...]:
    """The variable names a query mentions (outside strings, IRIs and comments), sorted.

    >>> query_variables('SELECT ?name WHERE { $person skos:prefLabel ?name } # ?not')
    ('name', 'person')
    """
    return tuple(sorted(set(_VARIABLE.findall(_STRINGS_AND_IRIS.sub(" ", query)))))


def check_parameters(query: str, names: Iterable[str]) -> None:
    """Refuse a parameter the query does not mention: binding it would change nothing, and
    the query would silently answer for every value (a typo such as ``persn``)."""
    variables = query_variables(query)
    for name in names:
        if name not in variables:
            close = difflib.get_close_matches(name, variables, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            listed = ", ".join(variables) or "none"
            raise KgError(
                f"unknown parameter {name!r}: the query has no ?{name} "
                f"({hint}its variables: {listed})"
            )


_LINE = re.compile(r"(line:? ?|at )(\d+)([:,])")
_CHAR = re.compile(r"(at char )(\d+)")


def user_positions(message: str, engine_text: str, user_text: str) -> str:
    """An engine's error message with positions counted in the user's text, not in the
    text with the PREFIX lines kg prepended (``engine_text`` ends with ``user_text``'s lines).

    >>> user_positions("error at 31:5: expected", "P1\\n" * 30 + "SELECT", "SELECT")
    'error at 1:5: expected'
    """
    lines = engine_text.count("\n") - user_text.count("\n")
    chars = len(engine_text) - len(user_text)

    def line(match: re.Match[str]) -> str:
        return f"{match.group(1)}{max(int(match.group(2)) - lines, 1)}{match.group(3)}"

    def char(match: re.Match[str]) -> str:
        return f"{match.group(1)}{max(int(match.group(2)) - chars, 0)}"

    return _CHAR.sub(char, _LINE.sub(line, message))


@dataclass(frozen=True, slots=True)
class QueryAnswer:
    """A SELECT table, an ASK boolean, or a CONSTRUCT/DESCRIBE graph."""

    variables: tuple[str, ...] = ()
    rows: tuple[tuple[Term | None, ...], ...] = ()
    boolean: bool | None = None
    graph: Graph | None = None

    def __iter__(self) -> Iterator[tuple[Term | None, ...]]:
        """The rows of a SELECT; the triples of a CONSTRUCT or DESCRIBE; nothing for ASK."""
        if self.graph is not None:
            return iter(tuple(triple) for triple in self.graph)
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.graph) if self.graph is not None else len(self.rows)

    def __bool__(self) -> bool:
        """An ASK answer is its boolean; any other answer is true when it has rows."""
        return self.boolean if self.boolean is not None else len(self) > 0

    def dicts(self) -> list[dict[str, Term]]:
        """The rows of a SELECT as {variable: term}, unbound variables left out."""
        return [
            {
                name: value
                for name, value in zip(self.variables, row, strict=True)
                if value is not None
            }
            for row in self.rows
        ]

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
    """Run a SPARQL query on an rdflib graph (the reference path; :func:`query` takes files,
    builds and stores too); ``params`` are bound as terms (never spliced into the text).

    >>> import kg
    >>> graph = kg.build("tests/fixtures/golden/seeds").graph()
    >>> text = "SELECT ?name WHERE { ?who a foaf:Person ; skos:prefLabel ?name } ORDER BY ?name"
    >>> [str(name) for name, in run_query(graph, text)]
    ['Ada Quill', 'Bram Osei', 'Cora Lind', 'Dev Marsh']
    >>> len(run_query(graph, text.replace("?who", "?person"), {"person": "person:cora-lind"}))
    1
    """
    bindings = terms(params, base, query)
    text = with_prologue(query, base)
    try:
        result: Result = graph.query(text, initBindings=bindings)  # type: ignore[arg-type]
        if result.type == "ASK":
            return QueryAnswer(boolean=bool(result.askAnswer))
        if result.type in {"CONSTRUCT", "DESCRIBE"}:
            return QueryAnswer(graph=result.graph)
        variables = tuple(str(v) for v in (result.vars or []))
        rows = tuple(tuple(row) for row in result)  # type: ignore[arg-type]
    except KgError:
        raise
    except Exception as exc:  # rdflib raises pyparsing, type and other errors for bad queries
        raise KgError(f"SPARQL query failed: {user_positions(str(exc), text, query)}") from None
    return QueryAnswer(variables=variables, rows=rows)


__all__ = [
    "QueryAnswer",
    "bind_values",
    "check_parameters",
    "open_store",
    "parameter_term",
    "query",
    "query_text",
    "query_variables",
    "run_query",
    "run_query_store",
    "store_of",
    "terms",
    "user_positions",
    "with_prologue",
]


# --------------------------------------------------------------------------- Oxigraph


def open_store(path: Path) -> Any:
    """A graph file loaded into an in-memory Oxigraph store (Turtle, TriG, N-Triples ...),
    or the on-disk store ``kg build --store`` wrote, opened read-only without parsing.

    For a file with named graphs the default graph also receives their union, once
    per statement: Oxigraph's own union default graph is a multiset (a fact three
    sources state would match three times), rdflib's is a set, and ``kg query``
    answers the same on either engine. The on-disk store holds that union already.
    """
    import pyoxigraph as ox

    from kg.diskstore import open_persistent

    if path.is_dir():
        return open_persistent(path)
    fmt = rdf_format_of(path) or ox.RdfFormat.TURTLE
    try:
        return store_of(path, fmt)
    except (SyntaxError, ValueError, OSError) as exc:
        raise KgError(f"{path}: cannot load: {exc}") from None


def store_of(data: Path | bytes, fmt: Any) -> Any:
    """An in-memory Oxigraph store of a file or bytes, its default graph holding the
    set union of the named graphs (see :func:`open_store`)."""
    import pyoxigraph as ox

    store = ox.Store()
    if isinstance(data, Path):
        store.bulk_load(path=str(data), format=fmt)
    else:
        store.bulk_load(data, format=fmt)
    if fmt.supports_datasets:
        store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
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

    bindings = terms(params, base, query)
    for name in bindings:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise KgError(f"parameter name {name!r} is not a SPARQL variable name")
    bound = bind_values(query, bindings)
    text = with_prologue(bound, base)
    try:
        result = store.query(text)
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
        raise KgError(f"SPARQL query failed: {user_positions(str(exc), text, bound)}") from None
    return QueryAnswer(variables=variables, rows=rows)


def terms(
    params: Mapping[str, str | Term] | None, base: str, query: str | None = None
) -> dict[str, Term]:
    """Parameters as RDF terms: text is read as a term; rdflib terms (even URIRef,
    which is a str) are taken as they are. With ``query``, names it does not mention are
    refused (binding them would change nothing, silently)."""
    if query is not None:
        check_parameters(query, (params or {}).keys())
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


# --------------------------------------------------------------------------- front door

_NAME = re.compile(r"[A-Za-z0-9_-]{1,100}")


def query_text(query: str) -> str:
    """The text of a query given as text, as a ``.rq`` file, or as the name of one of
    kg's named queries (``person_timeline``; they ship with the package)."""
    if query.endswith(".rq"):
        path = Path(query)
        if not path.is_file():
            raise KgError(f"{query}: no such query file")
        return path.read_text(encoding="utf-8")
    if _NAME.fullmatch(query):
        from kg.resources import resource_dir

        queries = resource_dir("queries")
        named = queries / f"{query}.rq"
        if not named.is_file():
            known = sorted(q.name[:-3] for q in queries.iterdir() if q.name.endswith(".rq"))
            close = difflib.get_close_matches(query, known, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise KgError(f"no named query {query!r} ({hint}known: {', '.join(known)})")
        return named.read_text(encoding="utf-8")
    return query


def query(
    source: Any,
    text: str,
    params: Mapping[str, str | Term] | None = None,
    *,
    engine: str = QUERY_ENGINE,
    base: str = DEFAULT_BASE,
) -> QueryAnswer:
    """Run a SPARQL query on a graph, whatever form it is in: the one call to remember.

    ``source`` is a graph file (Turtle, TriG, N-Triples, N-Quads; a path), the
    store directory ``kg build --store`` writes (opened read-only), a
    :class:`kg.Build`, an rdflib ``Graph`` or ``Dataset``, or a pyoxigraph ``Store``.
    ``text`` is query text, a ``.rq`` file or a named query. ``params`` bind
    variables as RDF terms (see :func:`parameter_term`); a name the query does not
    use is an error. Patterns outside ``GRAPH`` see the union of the named graphs, as
    a set. Oxigraph answers by default; ``engine="rdflib"`` runs rdflib's engine,
    which gives the same rows, more slowly.

    The answer is iterable and sized:

    >>> import kg
    >>> build = kg.build("tests/fixtures/golden/seeds", run_validation=False)
    >>> people = "SELECT ?name WHERE { ?who a foaf:Person ; skos:prefLabel ?name } ORDER BY ?name"
    >>> answer = kg.query(build, people)
    >>> len(answer), [str(name) for (name,) in answer]
    (4, ['Ada Quill', 'Bram Osei', 'Cora Lind', 'Dev Marsh'])
    >>> roles = kg.query(build, "person_roles", {"person": "person:bram-osei"})
    >>> [(str(row["role"]), str(row["start"])) for row in roles.dicts()]
    [('Secretary of the Harbour Party', '2021-05-03')]
    """
    if engine not in {"oxigraph", "rdflib"}:
        raise KgError(f"unknown engine {engine!r}: use 'oxigraph' or 'rdflib'")
    text = query_text(text)
    if engine == "rdflib":
        return run_query(_rdflib_graph(source), text, params, base)
    return run_query_store(_store(source), text, params, base)


def _rdflib_graph(source: Any) -> Graph:
    from rdflib import Dataset

    from kg.build import Build
    from kg.io import read_graph

    if isinstance(source, Build):
        return source.dataset()
    if isinstance(source, Dataset):
        source.default_union = True  # the documented meaning of patterns outside GRAPH
        return source
    if isinstance(source, Graph):
        return source
    if isinstance(source, str | Path):
        if Path(source).is_dir():
            raise KgError(f"{source}: the rdflib engine reads graph files, not stores")
        return read_graph(_existing(Path(source)))
    raise KgError(f"the rdflib engine cannot query {type(source).__name__}")


def _store(source: Any) -> Any:
    import pyoxigraph as ox

    from kg.build import Build
    from kg.io import Format

    if isinstance(source, ox.Store):
        return source
    if isinstance(source, str | Path):
        path = Path(source)
        return open_store(path if path.is_dir() else _existing(path))
    if isinstance(source, Build):
        return store_of(source.serialise(Format.NQUADS), ox.RdfFormat.N_QUADS)
    if isinstance(source, Graph):
        data = source.serialize(format="nquads" if hasattr(source, "graphs") else "nt")
        fmt = ox.RdfFormat.N_QUADS if hasattr(source, "graphs") else ox.RdfFormat.N_TRIPLES
        return store_of(data.encode("utf-8"), fmt)
    raise KgError(
        f"cannot query {type(source).__name__}: give a graph file, a kg.Build, an rdflib "
        "Graph or Dataset, or a pyoxigraph Store"
    )


def _existing(path: Path) -> Path:
    if not path.is_file():
        raise KgError(f"{path}: no such graph file; run 'kg build' first")
    return path
