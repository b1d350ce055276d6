"""The Oxigraph store the SPARQL constraints run in holds only the predicates they read;
these tests pin down how that set is found, including the cases that must fall back to
loading everything."""

from __future__ import annotations

import pytest
from rdflib import Graph

from kg.sparql_rules import SparqlRule, predicates_read, split_shapes
from kg.validation import default_shapes

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def rule(where: str) -> SparqlRule:
    query = f"PREFIX kg: <http://k/> SELECT ?this WHERE {{ ?this a kg:T . {where} }}"
    return SparqlRule(shape=None, constraint=None, severity=None, messages=(), query=query)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("?this kg:a ?x", {"http://k/a"}),
        ("FILTER NOT EXISTS { ?this kg:status ?s }", {"http://k/status"}),
        ("FILTER EXISTS { ?this kg:a/kg:b|^kg:c ?s }", {"http://k/a", "http://k/b", "http://k/c"}),
        ("?this kg:a+/kg:b* ?x", {"http://k/a", "http://k/b"}),
        ("OPTIONAL { ?this kg:a ?x } MINUS { ?this kg:b ?y }", {"http://k/a", "http://k/b"}),
    ],
)
def test_predicates_of_a_rule(where: str, expected: set[str]) -> None:
    assert predicates_read([rule(where)]) == frozenset(expected | {RDF_TYPE})


@pytest.mark.parametrize(
    "where",
    [
        "?this ?p ?x",
        "FILTER NOT EXISTS { ?this ?p ?x }",
        "?this !kg:a ?x",
        "FILTER EXISTS { ?this !(kg:a|kg:b) ?x }",
    ],
)
def test_any_predicate_means_everything(where: str) -> None:
    assert predicates_read([rule(where)]) is None


def test_project_rules_read_a_small_set_of_predicates() -> None:
    _, rules = split_shapes(default_shapes())
    found = predicates_read(rules)
    assert found is not None
    assert "https://w3id.org/kg/ns#tenureStatus" in found  # only inside FILTER NOT EXISTS
    assert "http://www.w3.org/2004/02/skos/core#prefLabel" not in found


def test_empty_graph_has_no_rules() -> None:
    assert predicates_read(split_shapes(Graph())[1]) == frozenset()


def test_what_a_process_learnt_of_the_queries_spares_the_next_one_parsing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A build keeps :func:`query_facts` in its validation state; a later process that
    learns them splits the shapes into the same rules and reads the same predicates,
    without parsing a query."""
    from kg import sparql_rules, sparql_safety

    _, rules = split_shapes(default_shapes())
    unbounded = rule("?this ?p ?x")
    expected = ([r.query for r in rules], predicates_read(rules), predicates_read([unbounded]))
    facts = sparql_rules.query_facts()
    assert {r.query for r in rules} <= facts.keys()
    monkeypatch.setattr(sparql_safety, "_JOINABLE", {})  # a new process knows nothing
    monkeypatch.setattr(sparql_rules, "_PREDICATES", {})
    sparql_rules.learn_query_facts(facts)

    def no_parsing(query: str) -> None:
        raise AssertionError(f"parsed {query}")

    monkeypatch.setattr(sparql_safety, "algebra_of", no_parsing)
    monkeypatch.setattr(sparql_rules, "algebra_of", no_parsing)
    _, again = split_shapes(default_shapes())
    found = ([r.query for r in again], predicates_read(again), predicates_read([unbounded]))
    assert found == expected
    with pytest.raises(ValueError):
        sparql_rules.learn_query_facts({"SELECT": [True, "not a list"]})
