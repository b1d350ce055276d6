"""``kg query --endpoint``: a named or written query against a store kg pushed to, with
the same meaning as ``kg query`` on the TriG file.

Locally, patterns outside ``GRAPH`` see the union of the named graphs as a set,
and ``GRAPH ?g`` ranges over the source graphs. Stores differ: Oxigraph's default
graph is empty unless the server runs with a union default graph, which (like
Virtuoso's, and like several ``default-graph-uri`` parameters on either) repeats
a fact once per graph that states it. So the query is sent with its dataset
in the SPARQL protocol (``default-graph-uri``, ``named-graph-uri``; ``FROM`` in the
text would do on Virtuoso, but Oxigraph's union-default-graph mode ignores it):
the default graph is ``…/graph/union``, the set union ``kg push`` writes, and the
named graphs are the corpus's other graphs, found on the store under ``…/graph/``.
Parameters become a VALUES block of terms written by kg's N-Triples writer, as
with the local Oxigraph engine.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping

from rdflib import Graph
from rdflib.term import Node as Term

from kg import ntriples
from kg.errors import KgError
from kg.namespaces import DEFAULT_BASE
from kg.query import QueryAnswer, bind_values, terms, with_prologue
from kg.store import UNION_NAME, ask_raw, select, select_table
from kg.storehttp import Client, StoreError, check_url, credentials_from_environment

_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)
_COMMENT = re.compile(r"^\s*#.*$", re.MULTILINE)
_PREFIX_LINE = re.compile(r"^\s*(PREFIX|BASE)\b[^\n]*$", re.IGNORECASE | re.MULTILINE)


def corpus_dataset(
    endpoint: str, client: Client, base: str = DEFAULT_BASE
) -> tuple[list[str], list[str], str | None]:
    """(default graphs, named graphs, a note) for the corpus of ``base`` on the store."""
    prefix = f"{base}graph/"
    query = (
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
        f"FILTER(STRSTARTS(STR(?g), {ntriples.literal(prefix)})) }}"
    )
    graphs = sorted(str(row["g"]) for row in select(endpoint, query, client, required=("g",)))
    union = prefix + UNION_NAME
    named = [g for g in graphs if g != union]
    if not named:
        raise StoreError(
            f"{endpoint}: the store holds no graphs under <{prefix}>: push the graph first "
            "(kg push), or give the --base it was built with"
        )
    if union in graphs:
        return [union], named, None
    note = (
        f"the store has no <{union}> (pushed with --no-union?): patterns outside GRAPH see "
        "every graph, and a fact stated in several graphs matches once per graph"
    )
    return named, named, note


def run_query_endpoint(
    endpoint: str,
    query: str,
    params: Mapping[str, str | Term] | None = None,
    base: str = DEFAULT_BASE,
    client: Client | None = None,
    warn: Callable[[str], None] | None = None,
) -> QueryAnswer:
    """Run a SPARQL query on a remote store over the corpus kg pushed there."""
    if client is None:
        check_url(endpoint)
        client = Client(credentials_from_environment(endpoint))
    bindings = terms(params, base, query)
    default, named, note = corpus_dataset(endpoint, client, base)
    if note and warn is not None:
        warn(note)
    text = with_prologue(bind_values(query, bindings), base)
    form = _form(text)
    dataset = (default, named)
    if form == "SELECT":
        variables, rows = select_table(endpoint, text, client, dataset)
        return QueryAnswer(variables=tuple(variables), rows=tuple(rows))
    if form == "ASK":
        return QueryAnswer(boolean=_boolean(endpoint, ask_raw(endpoint, text, client, dataset)))
    raw = ask_raw(endpoint, text, client, dataset, accept="application/n-triples")
    graph = Graph()
    try:
        graph.parse(data=raw.decode("utf-8"), format="nt")
    except Exception as exc:  # rdflib's parser raises several kinds of errors
        raise StoreError(f"{endpoint}: not N-Triples ({exc})") from None
    return QueryAnswer(graph=graph)


def _boolean(endpoint: str, raw: bytes) -> bool:
    """An ASK answer; Virtuoso 7 sends it as a one-cell table (``__ASK_RETVAL`` 1 or 0)."""
    try:
        answer = json.loads(raw)
        if "boolean" in answer:
            return bool(answer["boolean"])
        (row,) = answer["results"]["bindings"]
        (cell,) = row.values()
        return str(cell["value"]) in {"1", "true"}
    except (ValueError, KeyError, TypeError) as exc:
        raise StoreError(f"{endpoint}: not a SPARQL JSON boolean ({exc})") from None


def _form(query: str) -> str:
    text = _PREFIX_LINE.sub("", _COMMENT.sub("", query))
    found = _FORM.search(text)
    if found is None:
        raise KgError("not a SPARQL query: no SELECT, ASK, CONSTRUCT or DESCRIBE")
    return found.group(1).upper()


__all__ = ["corpus_dataset", "run_query_endpoint"]
