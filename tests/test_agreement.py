"""Models, mapper, ontology and shapes agree: one source of truth, checked."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH, SKOS

import kg
from kg.generate import enums, generated_files, member_iri
from kg.models import MAPPED_MODELS
from kg.namespaces import KG, OA
from kg.resources import turtle_files

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "fixtures" / "golden"


@pytest.fixture(scope="module")
def ontology() -> Graph:
    graph = Graph()
    for resource in turtle_files("ontology"):
        graph.parse(data=resource.read_text(encoding="utf-8"), format="turtle")
    return graph


@pytest.fixture(scope="module")
def golden() -> Graph:
    return kg.build(GOLDEN / "seeds", run_validation=False).graph()


def kg_terms(graph: Graph) -> set[URIRef]:
    """Every kg: IRI used as predicate, class or value in a data graph."""
    terms = set()
    for _, p, o in graph:
        for term in (p, o):
            if isinstance(term, URIRef) and term in KG:
                terms.add(term)
    return terms


def test_generated_files_are_up_to_date() -> None:
    """ontology/kg.ttl and shapes/shapes.ttl are what `kg generate` makes from the models."""
    for path, content in generated_files(ROOT).items():
        assert path.read_bytes() == content, f"{path} is stale: run `kg generate`"


def test_every_term_the_mapper_emits_is_declared(
    ontology: Graph, golden: Graph, seed_build: kg.Build
) -> None:
    declared = set(ontology.subjects(RDFS.isDefinedBy, URIRef("https://w3id.org/kg/ns")))
    used = kg_terms(golden) | kg_terms(seed_build.graph())
    assert used - declared == set()


def test_every_declared_term_is_used_or_an_enumeration_value(
    ontology: Graph, golden: Graph, seed_build: kg.Build
) -> None:
    """A declared term no mapper emits is dead vocabulary, unless it is a value of an
    enumeration (a curator may pick it at any time) or an enumeration class itself."""
    declared = set(ontology.subjects(RDFS.isDefinedBy, URIRef("https://w3id.org/kg/ns")))
    used = kg_terms(golden) | kg_terms(seed_build.graph())
    enumeration_values = {member_iri(e, m) for e in enums() for m in e}
    enumeration_classes = set(ontology.subjects(RDFS.subClassOf, SKOS.Concept))
    classes = {URIRef(str(t)) for t in golden.objects(None, RDF.type)}
    unused = declared - used - enumeration_values - enumeration_classes - classes
    assert unused == set()


def test_declared_terms_have_label_comment_domain_and_range(ontology: Graph) -> None:
    for kind in (OWL.ObjectProperty, OWL.DatatypeProperty):
        for prop in ontology.subjects(RDF.type, kind):
            assert ontology.value(prop, RDFS.label) is not None, prop
            assert ontology.value(prop, RDFS.comment) is not None, prop
            assert ontology.value(prop, RDFS.domain) is not None, prop
            assert ontology.value(prop, RDFS.range) is not None, prop
    for cls in ontology.subjects(RDF.type, OWL.Class):
        if isinstance(cls, URIRef):
            assert ontology.value(cls, RDFS.label) is not None, cls
            assert ontology.value(cls, RDFS.comment) is not None, cls


def test_own_classes_are_aligned_to_reused_vocabularies(ontology: Graph) -> None:
    """Every kg: class that is not an enumeration sits under a standard class."""
    for cls in ontology.subjects(RDF.type, OWL.Class):
        if not isinstance(cls, URIRef) or cls not in KG:
            continue
        parents = set(ontology.objects(cls, RDFS.subClassOf))
        assert any(p not in KG for p in parents), f"{cls} has no alignment"


def test_every_emitted_class_has_a_shape(golden: Graph) -> None:
    shapes = kg.default_shapes()
    targeted = set(shapes.objects(None, SH.targetClass))
    primary = {m.rdf_type for m in MAPPED_MODELS}  # type: ignore[attr-defined]
    primary |= {OA.SpecificResource, OA.TextQuoteSelector, OA.TextPositionSelector}
    assert primary <= set(golden.objects(None, RDF.type))
    assert primary - targeted == set()


def test_every_property_on_a_shaped_class_has_a_property_shape(golden: Graph) -> None:
    """No predicate reaches the graph unchecked on the classes the shapes cover."""
    shapes = kg.default_shapes()
    paths_by_class: dict[URIRef, set[URIRef]] = {}
    for shape, cls in shapes.subject_objects(SH.targetClass):
        paths = paths_by_class.setdefault(cls, set())  # type: ignore[arg-type]
        for prop in shapes.objects(shape, SH.property):
            paths.add(shapes.value(prop, SH.path))  # type: ignore[arg-type]
    for model in MAPPED_MODELS:
        cls = model.rdf_type  # type: ignore[attr-defined]
        for node in golden.subjects(RDF.type, cls):
            for predicate in set(golden.predicates(node)) - {RDF.type}:
                assert predicate in paths_by_class[cls], f"{model.__name__}: {predicate}"


def test_enumeration_values_have_distinct_iris() -> None:
    seen: dict[URIRef, str] = {}
    for enum in enums():
        for member in enum:
            iri = member_iri(enum, member)
            assert iri not in seen, f"{enum.__name__}.{member.name} and {seen[iri]} share {iri}"
            seen[iri] = f"{enum.__name__}.{member.name}"


def test_shape_iris_are_distinct_from_class_iris() -> None:
    shapes = kg.default_shapes()
    shape_iris = set(shapes.subjects(RDF.type, SH.NodeShape))
    assert shape_iris & set(shapes.objects(None, SH.targetClass)) == set()


def test_generated_shapes_are_open() -> None:
    """Closed shapes break on subclasses and extra types (LinkML's users' top complaint)."""
    shapes = kg.default_shapes()
    assert set(shapes.subjects(SH.closed, None)) == set()
