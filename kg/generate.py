"""Models -> the mechanical part of ``ontology/`` and ``shapes/``.

Classes, properties, datatypes, cardinalities and enumerations are derived from
the field annotations, so models, ontology and shapes cannot drift apart; the
generated files are committed and a test fails when they are stale
(``kg generate`` rewrites them). Cross-field rules and alignments to other
vocabularies are hand-written beside them.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, PROV, RDF, RDFS, SH, SKOS, XSD

from kg.dates import Precision, Qualifier
from kg.docgen import render
from kg.errors import KgError
from kg.io import bind_prefixes
from kg.models import MAPPED_MODELS, Fact
from kg.namespaces import KG, OA
from kg.rdfmeta import FieldMeaning, enum_iri, field_meanings

KGSH = Namespace("https://w3id.org/kg/shapes#")
"""Shape IRIs: distinct from class IRIs, so shapes never merge with the classes they check."""
ONTOLOGY_IRI = URIRef("https://w3id.org/kg/ns")


def ref_class(kinds: Iterable[str]) -> URIRef | None:
    """The class every record a reference field accepts is sure to have, read off the
    models: the ``rdf_type`` of the one kind, or the one type all the kinds' models share
    (a person, an organisation or an unnamed agent is a ``foaf:Agent``); None when there
    is none, or when the field accepts any record or any fact.

    >>> [str(ref_class(kinds)) for kinds in (["person"], ["person", "organisation"], ["any"])]
    ['http://xmlns.com/foaf/0.1/Person', 'http://xmlns.com/foaf/0.1/Agent', 'None']
    """
    wanted = set(kinds)
    models = [m for m in MAPPED_MODELS if getattr(m, "ref_kind", None) in wanted]
    if len(models) != len(wanted):
        return None  # 'any', 'fact': no one model names them
    if len(models) == 1:
        return class_of(models[0])
    shared = set.intersection(*({class_of(m), *getattr(m, "extra_types", ())} for m in models))
    return shared.pop() if len(shared) == 1 else None


PRECISION_CLASS = KG.DatePrecision
QUALIFIER_CLASS = KG.DateQualifier


def class_of(model: type[BaseModel]) -> URIRef:
    return model.rdf_type  # type: ignore[attr-defined, no-any-return]


def range_of(meaning: FieldMeaning) -> URIRef:
    """The rdfs:range / expected class or datatype of a field's values."""
    value_type = meaning.value_type
    if meaning.ref is not None:
        return ref_class(meaning.ref.kinds) or RDFS.Resource
    if meaning.is_nested:
        return class_of(value_type) if hasattr(value_type, "rdf_type") else OA.SpecificResource
    if meaning.is_enum:
        return XSD.string if meaning.predicate.literal else KG[value_type.__name__]
    if meaning.is_date:
        return RDFS.Literal
    if meaning.predicate.iri_base is not None or meaning.predicate.bool_iris is not None:
        return RDFS.Resource
    return {int: XSD.integer, float: XSD.decimal, bool: XSD.boolean}.get(value_type, XSD.string)


def is_object_property(meaning: FieldMeaning) -> bool:
    return (
        meaning.ref is not None
        or meaning.is_nested
        or (meaning.is_enum and not meaning.predicate.literal)
        or meaning.predicate.iri_base is not None
        or meaning.predicate.bool_iris is not None
    )


def enums() -> list[type[Enum]]:
    """Every enumeration mapped to kg: IRIs, plus date precision and qualifier."""
    found: dict[str, type[Enum]] = {"Precision": Precision, "Qualifier": Qualifier}
    for model in MAPPED_MODELS:
        for meaning in field_meanings(model):
            if meaning.is_enum and not meaning.predicate.literal:
                found[meaning.value_type.__name__] = meaning.value_type
    return [found[name] for name in sorted(found)]


def enum_class(enum: type[Enum]) -> URIRef:
    return {"Precision": PRECISION_CLASS, "Qualifier": QUALIFIER_CLASS}.get(
        enum.__name__, KG[enum.__name__]
    )


def member_iri(enum: type[Enum], member: Enum) -> URIRef:
    return KG[str(member.value)] if enum in (Precision, Qualifier) else enum_iri(member)


# --------------------------------------------------------------------------- ontology


def ontology_graph() -> Graph:
    """OWL declarations of every kg: class, property and individual the mappers emit."""
    graph = Graph()
    bind_prefixes(graph)
    for model in MAPPED_MODELS:
        for cls in (class_of(model), *getattr(model, "extra_types", ())):
            if cls in KG:
                _declare(graph, cls, OWL.Class, _label(cls), _doc(model))
    properties: dict[URIRef, list[tuple[type[BaseModel], FieldMeaning]]] = defaultdict(list)
    for model in MAPPED_MODELS:
        for meaning in field_meanings(model):
            predicate = meaning.predicate
            if predicate.iri in KG:
                properties[predicate.iri].append((model, meaning))
            for extra in (predicate.precision, predicate.qualifier):
                if extra is not None and extra in KG:
                    properties[extra].append((model, meaning))
    for iri in sorted(properties):
        _declare_property(graph, iri, properties[iri])
    for enum in enums():
        cls = enum_class(enum)
        _declare(graph, cls, OWL.Class, _label(cls), _doc(enum))
        graph.add((cls, RDFS.subClassOf, SKOS.Concept))
        for member in enum:
            iri = member_iri(enum, member)
            _declare(graph, iri, OWL.NamedIndividual, str(member.value), None)
            graph.add((iri, RDF.type, cls))
            graph.add((iri, RDF.type, SKOS.Concept))
    return graph


def _declare_property(
    graph: Graph, iri: URIRef, uses: list[tuple[type[BaseModel], FieldMeaning]]
) -> None:
    meaning = uses[0][1]
    predicate = meaning.predicate
    if iri == predicate.precision:
        kind, rng, comment = (
            OWL.ObjectProperty,
            PRECISION_CLASS,
            (f"Precision (year, month or day) of the date given by {_curie(predicate.iri)}."),
        )
    elif iri == predicate.qualifier:
        kind, rng, comment = (
            OWL.ObjectProperty,
            QUALIFIER_CLASS,
            (f"Qualifier (circa, before, after) of the date given by {_curie(predicate.iri)}."),
        )
    else:
        kind = OWL.ObjectProperty if is_object_property(meaning) else OWL.DatatypeProperty
        rng, comment = range_of(meaning), meaning.description
    _declare(graph, iri, kind, _label(iri), comment or None)
    graph.add((iri, RDFS.range, rng))
    domains = sorted({class_of(m) for m, _ in uses})
    if len(domains) == 1:
        graph.add((iri, RDFS.domain, domains[0]))
    else:
        union = BNode(f"domain-{_local(iri)}")
        items = BNode(f"domain-{_local(iri)}-list")
        Collection(graph, items, list(domains))
        graph.add((union, RDF.type, OWL.Class))
        graph.add((union, OWL.unionOf, items))
        graph.add((iri, RDFS.domain, union))


def _declare(graph: Graph, iri: URIRef, kind: URIRef, label: str, comment: str | None) -> None:
    graph.add((iri, RDF.type, kind))
    graph.add((iri, RDFS.label, Literal(label, lang="en")))
    if comment:
        graph.add((iri, RDFS.comment, Literal(comment, lang="en")))
    graph.add((iri, RDFS.isDefinedBy, ONTOLOGY_IRI))


# --------------------------------------------------------------------------- shapes


def shapes_graph() -> Graph:
    """SHACL node and property shapes for every mapped class, from the annotations."""
    graph = Graph()
    bind_prefixes(graph)
    graph.bind("kgsh", KGSH)
    _partial_date_shape(graph)
    for model in MAPPED_MODELS:
        shape = KGSH[f"{model.__name__}Shape"]
        graph.add((shape, RDF.type, SH.NodeShape))
        graph.add((shape, SH.targetClass, class_of(model)))
        graph.add((shape, RDFS.label, Literal(f"{_label(class_of(model))} shape", lang="en")))
        for meaning in field_meanings(model):
            for prop in _property_shapes(graph, model, meaning):
                graph.add((shape, SH.property, prop))
        if issubclass(model, Fact):
            graph.add((shape, SH.property, _derived_from_shape(graph, model)))
    return graph


def _property_shapes(
    graph: Graph, model: type[BaseModel], meaning: FieldMeaning
) -> Iterator[URIRef]:
    predicate = meaning.predicate
    shape = KGSH[f"{model.__name__}-{meaning.name}"]
    yield shape
    _base_property(graph, shape, predicate.iri, meaning)
    add = graph.add
    if meaning.ref is not None:
        add((shape, SH.nodeKind, SH.IRI))
        cls = ref_class(meaning.ref.kinds)
        if cls is not None:
            add((shape, SH["class"], cls))
    elif meaning.is_nested:
        add((shape, SH.nodeKind, SH.IRI))
        add((shape, SH["class"], range_of(meaning)))
    elif meaning.is_enum:
        values: list[Any] = [
            Literal(str(m.value)) if predicate.literal else enum_iri(m) for m in meaning.value_type
        ]
        _list(graph, shape, SH["in"], values)
    elif predicate.bool_iris is not None:
        _list(graph, shape, SH["in"], list(predicate.bool_iris))
    elif meaning.is_date:
        add((shape, SH.node, KGSH.PartialDateShape))
        yield from _date_companions(graph, model, meaning)
    elif predicate.iri_base is not None:
        add((shape, SH.nodeKind, SH.IRI))
        pattern = meaning.constraints.get("pattern", "^.*$").removeprefix("^")
        add((shape, SH.pattern, Literal("^" + re.escape(predicate.iri_base) + pattern)))
    else:
        add((shape, SH.datatype, range_of(meaning)))
        _value_constraints(graph, shape, meaning.constraints)


def _base_property(graph: Graph, shape: URIRef, path: URIRef, meaning: FieldMeaning) -> None:
    graph.add((shape, RDF.type, SH.PropertyShape))
    graph.add((shape, SH.path, path))
    graph.add((shape, SH.name, Literal(meaning.name)))
    if meaning.description:
        graph.add((shape, SH.description, Literal(meaning.description, lang="en")))
    minimum = meaning.min_items if meaning.many else int(meaning.required)
    if minimum:
        graph.add((shape, SH.minCount, Literal(minimum)))
    if not meaning.many and not meaning.predicate.repeatable:
        graph.add((shape, SH.maxCount, Literal(1)))
    graph.add((shape, SH.severity, SH.Violation))


def _value_constraints(graph: Graph, shape: URIRef, constraints: dict[str, Any]) -> None:
    for name, term in (
        ("ge", SH.minInclusive),
        ("le", SH.maxInclusive),
        ("gt", SH.minExclusive),
        ("lt", SH.maxExclusive),
    ):
        if name in constraints:
            graph.add((shape, term, Literal(constraints[name])))
    if "pattern" in constraints:
        graph.add((shape, SH.pattern, Literal(constraints["pattern"])))
    if "min_length" in constraints:
        graph.add((shape, SH.minLength, Literal(constraints["min_length"])))
    if "max_length" in constraints:
        graph.add((shape, SH.maxLength, Literal(constraints["max_length"])))


def _date_companions(
    graph: Graph, model: type[BaseModel], meaning: FieldMeaning
) -> Iterator[URIRef]:
    predicate = meaning.predicate
    for suffix, path, enum in (
        ("precision", predicate.precision, Precision),
        ("qualifier", predicate.qualifier, Qualifier),
    ):
        if path is None:
            continue
        shape = KGSH[f"{model.__name__}-{meaning.name}-{suffix}"]
        graph.add((shape, RDF.type, SH.PropertyShape))
        graph.add((shape, SH.path, path))
        graph.add((shape, SH.name, Literal(f"{meaning.name} {suffix}")))
        graph.add((shape, SH.maxCount, Literal(1)))
        graph.add((shape, SH.severity, SH.Violation))
        _list(graph, shape, SH["in"], [member_iri(enum, m) for m in enum])
        yield shape


def _derived_from_shape(graph: Graph, model: type[BaseModel]) -> URIRef:
    shape = KGSH[f"{model.__name__}-source"]
    graph.add((shape, RDF.type, SH.PropertyShape))
    graph.add((shape, SH.path, PROV.wasDerivedFrom))
    graph.add((shape, SH.name, Literal("source")))
    graph.add(
        (shape, SH.description, Literal("Every fact names the documents it comes from.", lang="en"))
    )
    graph.add((shape, SH.minCount, Literal(1)))
    graph.add((shape, SH["class"], KG.SourceDocument))
    graph.add((shape, SH.severity, SH.Violation))
    return shape


def _partial_date_shape(graph: Graph) -> None:
    """A partial date is an xsd:gYear, xsd:gYearMonth or xsd:date literal."""
    members = []
    for name, datatype in (
        ("GYear", XSD.gYear),
        ("GYearMonth", XSD.gYearMonth),
        ("Date", XSD.date),
    ):
        member = KGSH[f"{name}Value"]
        graph.add((member, RDF.type, SH.NodeShape))
        graph.add((member, SH.datatype, datatype))
        members.append(member)
    shape = KGSH.PartialDateShape
    graph.add((shape, RDF.type, SH.NodeShape))
    graph.add(
        (
            shape,
            RDFS.comment,
            Literal("A date of year, month or day precision, typed by its precision.", lang="en"),
        )
    )
    graph.add((shape, SH.nodeKind, SH.Literal))
    _list(graph, shape, SH["or"], members)
    graph.add(
        (
            shape,
            SH.message,
            Literal("A date must be an xsd:gYear, xsd:gYearMonth or xsd:date literal.", lang="en"),
        )
    )


def _list(graph: Graph, subject: URIRef, predicate: URIRef, items: Iterable[Any]) -> None:
    head = BNode(f"list-{_local(subject)}-{_local(predicate)}")
    Collection(graph, head, list(items))
    graph.add((subject, predicate, head))


# --------------------------------------------------------------------------- helpers


def _local(iri: URIRef) -> str:
    text = str(iri)
    return re.split(r"[#/]", text)[-1]


def _label(iri: URIRef) -> str:
    """'DisciplinaryAction' -> 'disciplinary action'; 'votesFor' -> 'votes for'."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", _local(iri))
    return words.lower() if not words.isupper() else words


def _curie(iri: URIRef) -> str:
    return f"kg:{_local(iri)}" if iri in KG else str(iri)


def _doc(thing: type[Any]) -> str | None:
    doc = (thing.__doc__ or "").strip()
    return " ".join(doc.split("\n\n")[0].split()) if doc else None


def serialise(graph: Graph, header: str) -> bytes:
    """Turtle with a header comment; rdflib sorts subjects and predicates itself."""
    body = graph.serialize(format="turtle")
    return (header + "\n" + body).encode("utf-8")


ONTOLOGY_HEADER = "# GENERATED by `kg generate` from kg/models - do not edit; see alignments.ttl."
SHAPES_HEADER = "# GENERATED by `kg generate` from kg/models - do not edit; see rules.ttl."

__all__ = [
    "KGSH",
    "ONTOLOGY_HEADER",
    "SHAPES_HEADER",
    "generated_files",
    "ontology_graph",
    "serialise",
    "shapes_graph",
    "source_tree",
    "stale_files",
]


GENERATED_DOCS = ("docs/extraction-format.md",)
"""Docs whose field tables ``kg generate`` rewrites between marker comments (kg.docgen)."""


def generated_files(root: Path) -> dict[Path, bytes]:
    """The generated files of the repository, by path, with their exact content."""
    files = {
        root / "ontology" / "kg.ttl": serialise(ontology_graph(), ONTOLOGY_HEADER),
        root / "shapes" / "shapes.ttl": serialise(shapes_graph(), SHAPES_HEADER),
    }
    for name in GENERATED_DOCS:
        path = root / name
        if path.is_file():
            files[path] = render(path.read_text(encoding="utf-8"), name).encode("utf-8")
    return files


def source_tree(root: Path | None = None) -> Path:
    """The kg source tree whose generated files to check or write.

    ``root`` if given; else the tree kg itself runs from (a checkout or editable
    install, where ``ontology/`` sits beside the package); else the current directory
    if it holds ``ontology/`` and ``shapes/``. An installed wheel has no source tree, so
    without one of these there is nothing to regenerate and the error says so.
    """
    if root is not None:
        return root
    for candidate in (Path(__file__).resolve().parent.parent, Path.cwd()):
        if (candidate / "ontology").is_dir() and (candidate / "shapes").is_dir():
            return candidate
    raise KgError(
        "no kg source tree here (no ontology/ and shapes/ in the current directory); "
        "run kg generate in a checkout of kg, or give --root"
    )


def stale_files(root: Path) -> dict[Path, bytes]:
    """The generated files under ``root`` whose content differs from the models', with
    the content they should have."""
    stale: dict[Path, bytes] = {}
    for path, content in generated_files(root).items():
        if not path.is_file() or path.read_bytes() != content:
            stale[path] = content
    return stale
