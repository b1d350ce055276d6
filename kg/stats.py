"""Counts that tell a curator what a graph holds: nodes per class, triples per source."""

from __future__ import annotations

from collections import Counter
from typing import Any

from rdflib import Dataset, Graph
from rdflib.namespace import RDF

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
