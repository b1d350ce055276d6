"""Counts that tell a curator what a graph holds: nodes per class, triples per source."""

from __future__ import annotations

from collections import Counter
from typing import Any, cast

from rdflib import Dataset, Graph
from rdflib.namespace import RDF

from kg.ntriples import from_oxigraph
from kg.query import _short


def stats(graph: Graph) -> dict[str, Any]:
    """{'triples': n, 'classes': {class: nodes}, 'graphs': {graph: triples}}."""
    classes = Counter(_short(o) for o in graph.objects(None, RDF.type))
    graphs: dict[str, int] = {}
    if isinstance(graph, Dataset):
        for context in graph.graphs():
            if len(context) and str(context.identifier) != "urn:x-rdflib:default":
                graphs[str(context.identifier)] = len(context)
    triples = len(set(graph.triples((None, None, None))))
    return {
        "triples": triples,
        "classes": dict(sorted(classes.items(), key=lambda kv: (-kv[1], kv[0]))),
        "graphs": dict(sorted(graphs.items())),
    }


def stats_of_store(store: Any) -> dict[str, Any]:
    """:func:`stats` of an Oxigraph store whose default graph is the union of its named
    graphs (as ``kg build --store`` writes it), counted by the store, nothing parsed."""

    def rows(query: str) -> list[tuple[Any, int]]:
        found = cast(Any, store.query(query))
        return [(row[0], int(row[1].value)) for row in found]

    classes = Counter[str]()
    for cls, count in rows("SELECT ?c (COUNT(*) AS ?n) WHERE { ?s a ?c } GROUP BY ?c"):
        classes[_short(from_oxigraph(cls))] += count
    graphs = rows("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    ((_, triples),) = rows("SELECT (0 AS ?x) (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    return {
        "triples": triples,
        "classes": dict(sorted(classes.items(), key=lambda kv: (-kv[1], kv[0]))),
        "graphs": dict(sorted((str(g.value), n) for g, n in graphs if n)),
    }
