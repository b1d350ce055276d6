"""The vocabularies kg writes, in one place, so prefixes never drift between modules."""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SH, SKOS, TIME, XSD

KG = Namespace("https://w3id.org/kg/ns#")
"""The project's own vocabulary (declared in ``ontology/kg.ttl``)."""

DEFAULT_BASE = "https://w3id.org/kg/id/"
"""Where instance IRIs are minted unless the caller picks another base."""

OA = Namespace("http://www.w3.org/ns/oa#")
OPENGOV = Namespace("http://www.w3.org/ns/opengov#")
SCHEMA = Namespace("https://schema.org/")
WD = Namespace("http://www.wikidata.org/entity/")

PREFIXES: dict[str, Namespace] = {
    name: Namespace(str(namespace))
    for name, namespace in {
        "kg": KG,
        "dcterms": DCTERMS,
        "foaf": FOAF,
        "oa": OA,
        "opengov": OPENGOV,
        "org": ORG,
        "owl": OWL,
        "prov": PROV,
        "rdf": RDF,
        "rdfs": RDFS,
        "schema": SCHEMA,
        "sh": SH,
        "skos": SKOS,
        "time": TIME,
        "wd": WD,
        "xsd": XSD,
    }.items()
}
"""Prefixes bound on every graph kg writes and known to ``kg query`` without declarations."""

LABEL_PREDICATES = (SKOS.prefLabel, RDFS.label, DCTERMS.title, FOAF.name)
"""What names a node in a report, best first: its preferred label, label, title, name."""


INSTANCE_SEGMENTS = (
    "action",
    "agent",
    "article",
    "change",
    "claim",
    "composition",
    "election",
    "event",
    "evidence",
    "graph",
    "message",
    "name",
    "organisation",
    "person",
    "post",
    "source",
    "tenure",
    "vote",
)
"""Kinds of instance IRI (``<base>person/jon-lansman``); each is also a query prefix,
so ``person:jon-lansman`` works in queries and parameters."""


def sparql_prologue(base: str = DEFAULT_BASE) -> str:
    """PREFIX lines for every known vocabulary, ``id:`` for the base, and one prefix per
    kind of instance (``person:``, ``organisation:`` ...)."""
    lines = [f"PREFIX {name}: <{ns}>" for name, ns in sorted(PREFIXES.items())]
    lines.append(f"PREFIX id: <{base}>")
    lines += [
        f"PREFIX {segment}: <{base}{segment}/>"
        for segment in INSTANCE_SEGMENTS
        if segment not in PREFIXES
    ]
    return "\n".join(lines) + "\n"
