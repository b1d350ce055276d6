"""What kg.shape_reach says a shapes graph reads from a focus node, construct by construct."""

from __future__ import annotations

import pytest
from rdflib import Graph

from kg.shape_reach import ANY, Step, reach_of
from kg.validation import default_shapes

PREFIXES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
"""
EX = "http://example.org/"
TYPE = Step("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def _walks(turtle: str) -> set[tuple[Step, ...]]:
    reach = reach_of(Graph().parse(data=PREFIXES + turtle, format="turtle"))
    assert reach is not None
    return set(reach.walks)


def ex(name: str, forward: bool = True, repeat: bool = False) -> Step:
    return Step(EX + name, forward, repeat)


def test_targets_and_a_path_with_its_value_checks() -> None:
    walks = _walks("""
        ex:S a sh:NodeShape ; sh:targetClass ex:C ;
            sh:property [ sh:path ex:p ; sh:class ex:D ; sh:minCount 1 ] .
        ex:T a sh:NodeShape ; sh:targetSubjectsOf ex:q ;
            sh:property [ sh:path ex:q ; sh:datatype ex:x ] .
    """)
    assert walks == {(TYPE,), (ex("p"),), (ex("p"), TYPE), (ex("q"),)}


def test_sequence_inverse_alternative_and_optional_paths() -> None:
    walks = _walks("""
        ex:S a sh:NodeShape ; sh:targetNode ex:n ;
            sh:property [ sh:path ( ex:a [ sh:inversePath ex:b ] ) ] ;
            sh:property [ sh:path [ sh:alternativePath ( ex:c ex:d ) ] ] ;
            sh:property [ sh:path [ sh:zeroOrOnePath ex:e ] ; sh:nodeKind sh:IRI ] .
    """)
    assert {(ex("a"), ex("b", forward=False)), (ex("c"),), (ex("d"),), (ex("e"),)} <= walks


def test_repeated_paths_are_one_repeated_step() -> None:
    walks = _walks("""
        ex:S a sh:NodeShape ; sh:targetNode ex:n ;
            sh:property [ sh:path [ sh:oneOrMorePath ex:parent ] ; sh:class ex:Org ] .
    """)
    assert (ex("parent"), ex("parent", repeat=True), TYPE) in walks


def test_nested_shapes_add_their_walks_after_the_path() -> None:
    walks = _walks("""
        ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:node ex:N ] .
        ex:N a sh:NodeShape ; sh:or ( [ sh:path ex:q ; sh:minCount 1 ] [ sh:class ex:K ] ) .
    """)
    assert {(ex("p"), ex("q")), (ex("p"), TYPE)} <= walks


def test_property_pairs_and_closed_shapes() -> None:
    walks = _walks("""
        ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:closed true ;
            sh:property [ sh:path ex:start ; sh:lessThan ex:end ] .
    """)
    assert {(Step(ANY),), (ex("start"),), (ex("end"),)} <= walks


def test_sparql_patterns_joined_to_this_keep_to_one_union_branch() -> None:
    walks = _walks('''
        ex:S a sh:NodeShape ; sh:targetClass ex:C ;
            sh:sparql [ sh:select """
                PREFIX ex: <http://example.org/>
                SELECT $this WHERE {
                    { $this ex:a ?x } UNION { $this ex:b ?x }
                    ?x ex:c/^ex:d ?y .
                    FILTER NOT EXISTS { ?y ex:e ?z }
                }""" ] .
    ''')
    assert (ex("a"), ex("c"), ex("d", forward=False), ex("e")) in walks
    assert (ex("b"), ex("c"), ex("d", forward=False), ex("e")) in walks
    # never from one branch into the other: ?x of ex:a is not the ?x of ex:b
    assert (ex("a"), ex("b", forward=False)) not in walks


@pytest.mark.parametrize(
    "shape",
    [
        "sh:property [ sh:path [ sh:zeroOrMorePath ( ex:a ex:b ) ] ] .",
        'sh:sparql [ sh:select "SELECT $this WHERE { ?a ?b ?c }" ] .',
        'sh:sparql [ sh:select "SELECT $this WHERE { $this ?p ?o . '
        '{ SELECT ?o WHERE { ?o ?q ?r } } }" ] .',
        "sh:targetObjectsOf ex:p ; sh:nodeKind sh:IRI .",
        "sh:node ex:S .",
        "ex:custom true . ex:Custom a sh:ConstraintComponent .",
    ],
    ids=[
        "repeated-sequence",
        "pattern-not-joined",
        "sub-query",
        "literal-foci",
        "recursive",
        "custom-component",
    ],
)
def test_reach_that_cannot_be_bounded_is_none(shape: str) -> None:
    turtle = PREFIXES + "ex:S a sh:NodeShape ; sh:targetClass ex:C ; " + shape
    assert reach_of(Graph().parse(data=turtle, format="turtle")) is None


def test_the_project_shapes_have_a_bounded_reach() -> None:
    reach = reach_of(default_shapes())
    assert reach is not None
    assert max(len(walk) for walk in reach.walks) <= 4
    assert "http://www.w3.org/2000/01/rdf-schema#subClassOf" in reach.global_predicates
