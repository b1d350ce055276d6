"""How a SHACL report writes RDF terms and property paths, so that none is ambiguous.

A report that writes the focus node ``aldi`` cannot say whether it was the IRI,
the blank node or the string. Terms are written in N-Triples syntax (``<iri>``,
``_:label``, ``"text"``, ``"5"^^<…#integer>``, ``"text"@en``), except a focus
node that is an IRI, which stays bare as kg has always written it: an absolute
IRI starts with a letter, so it is never mistaken for ``_:`` or ``"``. A
result path that is not a single predicate is written in SPARQL 1.1 property
path syntax (``^<p>``, ``(<p> / <q>)``, ``(<p> | <q>)``, ``<p>*``), which says
what a blank node label would hide.
"""

from __future__ import annotations

from rdflib import Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH
from rdflib.term import Node as Term

from kg import ntriples

_MODIFIERS = ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?"))


def term_text(term: Term) -> str:
    """``term`` in N-Triples syntax: an IRI, blank node or literal is told apart by its
    first character."""
    return ntriples.term(term)


def focus_text(term: Term) -> str:
    """A focus node as reports write it: an IRI bare, any other term as :func:`term_text`."""
    return str(term) if isinstance(term, URIRef) else term_text(term)


def path_text(graph: Graph, path: Term, depth: int = 0) -> str:
    """A SHACL property path (as described in ``graph``) in SPARQL property path syntax.

    A node that is no well-formed path is written as the term itself.
    """
    if isinstance(path, URIRef) or depth > 50:
        return term_text(path)
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + _atom(path_text(graph, inverse, depth + 1))
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        members = [path_text(graph, m, depth + 1) for m in Collection(graph, alternatives)]
        return "(" + " | ".join(members) + ")"
    for predicate, suffix in _MODIFIERS:
        inner = graph.value(path, predicate)
        if inner is not None:
            return _atom(path_text(graph, inner, depth + 1)) + suffix
    if graph.value(path, RDF.first) is not None:
        steps = [path_text(graph, m, depth + 1) for m in Collection(graph, path)]
        return "(" + " / ".join(steps) + ")"
    return term_text(path)


def _atom(text: str) -> str:
    """``text`` wrapped so that a postfix or prefix operator applies to all of it."""
    bare = text.startswith(("<", "(")) and not text.endswith(("*", "+", "?"))
    return text if bare else f"({text})"
