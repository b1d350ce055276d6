"""Which SHACL-SPARQL queries kg refuses, and which it may run as one joined query."""

from __future__ import annotations

import pytest
from rdflib.namespace import SH

from kg.sparql_rules import split_shapes
from kg.sparql_safety import forbidden, joinable
from kg.validation import default_shapes

TARGET = "?this a <http://ex/C> ."


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ("SELECT $this WHERE { $this ?p ?o MINUS { $this ?p 1 } }", "uses MINUS"),
        ("SELECT $this WHERE { VALUES ?o { 1 } }", "uses VALUES"),
        ("SELECT $this WHERE { $this ?p ?o } VALUES ?o { 1 }", "uses VALUES"),
        ("SELECT $this WHERE { SERVICE <http://a> { ?a ?b ?c } }", "uses SERVICE"),
        ("SELECT $this WHERE { BIND (1 AS $this) }", "assigns the pre-bound variable $this"),
        (
            "SELECT $this WHERE { $this ?p ?o { SELECT ?o WHERE { ?o ?q ?r } } }",
            "has a sub-query that does not return $this",
        ),
        (
            "SELECT $this WHERE { { SELECT * WHERE { FILTER ($this = 1) } } }",
            "has a sub-query that does not return $this",
        ),
        ("SELECT $this WHERE { $this ?p ?o MINUS { ", "is not valid SPARQL"),
    ],
)
def test_forbidden_queries_are_named(query: str, problem: str) -> None:
    found = forbidden(query)
    assert found is not None and found.startswith(problem)


@pytest.mark.parametrize(
    "query",
    [
        'SELECT $this WHERE { $this ?p "MINUS VALUES SERVICE" }',
        "SELECT $this WHERE { $this ?p ?o BIND (STR(?o) AS ?s) }",
        "SELECT $this WHERE { $this ?p ?o { SELECT $this WHERE { $this ?q ?r } } }",
    ],
)
def test_allowed_queries_pass(query: str) -> None:
    assert forbidden(query) is None


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("?this <http://ex/p> ?o . FILTER (?o > 1)", True),
        ("FILTER NOT EXISTS { ?this <http://ex/p> ?o }", True),
        ("{ ?this <http://ex/p> ?o } UNION { ?this <http://ex/q> ?o }", True),
        ("{ FILTER (?this = <http://ex/a>) }", False),  # a group that does not bind $this
        ("{ ?x <http://ex/p> ?o } UNION { FILTER (bound(?this)) }", False),
        ("OPTIONAL { ?x <http://ex/p> ?this }", True),  # the targets bind it first
        ("{ SELECT ?this WHERE { ?this <http://ex/p> ?o } }", False),
        ("?this <http://ex/p> ?o } GROUP BY ?this HAVING (COUNT(?o) > 1", False),
    ],
)
def test_joinable(where: str, expected: bool) -> None:
    assert joinable(f"SELECT ?this WHERE {{ {TARGET} {where} }}") is expected


def test_every_rule_of_kg_runs_on_the_fast_path() -> None:
    """kg's own constraints all stay rewritable: one that fell back to the engine would
    cost pyshacl's per-focus-node queries in every build."""
    shapes = default_shapes()
    core, rules = split_shapes(shapes)
    assert len(rules) == len(set(shapes.triples((None, SH.sparql, None)))) > 10
    assert not set(core.triples((None, SH.sparql, None)))
