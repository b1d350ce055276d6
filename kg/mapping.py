"""Corpus -> RDF quads, one named graph per source document (and one for the registry).

A generic mapper reads the field annotations of :mod:`kg.models`; only what the
annotations cannot say (evidence as Web Annotation selectors, a tenure's
organisation implied by its post) is written out here by hand. IRIs are minted
from ids, so the same input always gives the same graph.
"""

from __future__ import annotations

import hashlib
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from functools import lru_cache
from typing import Any

from pydantic import BaseModel
from rdflib import Literal, URIRef
from rdflib.namespace import PROV, RDF, XSD
from rdflib.term import Node as Term

from kg import ntriples
from kg.dates import PartialDate
from kg.errors import KgError
from kg.io import graph_digests
from kg.load import Loaded
from kg.models import (
    ENTITY_SECTIONS,
    DocumentFile,
    Evidence,
    Node,
    Part,
    RegistryFile,
    Tenure,
)
from kg.namespaces import DEFAULT_BASE, KG, LABEL_PREDICATES, OA
from kg.ntriples import Quad
from kg.quadparts import as_list
from kg.rdfmeta import FieldMeaning, enum_iri, field_meanings
from kg.resolve import Corpus
from kg.sourcemap import Origins
from kg.yamlpos import Path as ValuePath

EVIDENCE = KG.evidence
REPRODUCED_IN = KG.reproducedIn
MENTIONED_IN = KG.mentionedIn
EVIDENCE_FIELD = KG.evidenceField
REGISTRY_GRAPH = "registry"
Triple = tuple[str, str, str]


@lru_cache(maxsize=1024)
def _fixed(node: URIRef) -> str:
    """A vocabulary IRI (predicate, class, concept) in N-Triples, made once; interned, so
    statements read back with ``marshal`` file by file (:mod:`kg.coldmap`) share one copy."""
    return sys.intern(ntriples.term(node))


_TYPE = _fixed(RDF.type)
_LABEL_IRIS = frozenset(_fixed(predicate) for predicate in LABEL_PREDICATES)
_DERIVED_FROM = _fixed(PROV.wasDerivedFrom)
_INTEGER = str(XSD.integer)
# Web Annotation terms of every evidence node, made once: looking a term up in an
# rdflib Namespace builds and checks a new URIRef each time (8 per quote).
_SPECIFIC_RESOURCE = _fixed(OA.SpecificResource)
_HAS_SOURCE = _fixed(OA.hasSource)
_HAS_SELECTOR = _fixed(OA.hasSelector)
_QUOTE_SELECTOR = _fixed(OA.TextQuoteSelector)
_EXACT = _fixed(OA.exact)
_POSITION_SELECTOR = _fixed(OA.TextPositionSelector)
_START = _fixed(OA.start)
_END = _fixed(OA.end)
_EVIDENCE = _fixed(EVIDENCE)
_EVIDENCE_FIELD = _fixed(EVIDENCE_FIELD)
# Offsets are xsd:integer (kept non-negative by the shapes), not Web Annotation's
# xsd:nonNegativeInteger: the value is the same, and stores that canonicalise
# derived integer types (Oxigraph) hand xsd:integer back, so only this round-trips.
_OFFSET = str(XSD.integer)


@dataclass(frozen=True, slots=True)
class Minter:
    """Mints instance IRIs (as N-Triples terms) under one base, to publish anywhere."""

    base: str = DEFAULT_BASE
    minted: dict[tuple[str, str], str] = field(default_factory=dict, compare=False, repr=False)
    """One string per record IRI, however often it is referenced (memory, and speed)."""

    def node(self, segment: str, record_id: str) -> str:
        found = self.minted.get((segment, record_id))
        if found is None:
            found = self.minted[segment, record_id] = ntriples.iri(
                f"{self.base}{segment}/{record_id}"
            )
        return found

    def graph(self, name: str) -> str:
        return ntriples.iri(f"{self.base}graph/{name}")

    def evidence(self, source_id: str, evidence: Evidence) -> str:
        if evidence.start is not None:
            return ntriples.iri(f"{self.base}evidence/{source_id}/{evidence.start}-{evidence.end}")
        digest = hashlib.sha256(evidence.quote.encode("utf-8")).hexdigest()[:16]
        return ntriples.iri(f"{self.base}evidence/{source_id}/quote-{digest}")


class MappedGraph:
    """The mapper's output: quads as N-Triples terms, plus where each minted node (by
    plain IRI) and each of its fields (``"IRI PREDICATE-IRI"``; IRIs hold no spaces)
    is written, in the file that states it (not one that only corroborates it).

    ``statements`` are the quads as the build holds them: a list, or after a rebuild
    from kept mappings a :class:`kg.quadparts.QuadParts` that loads a file's quads only
    when they are read (validating and formatting an edit reads few); ``quads`` is
    always a list, made from the parts the first time it is asked for."""

    __slots__ = ("_digests", "_labels", "origins", "statements")

    def __init__(
        self,
        quads: Sequence[Quad] | None = None,
        origins: Origins | None = None,
        digests: dict[str, bytes] | None = None,
        labels: list[Triple] | None = None,
    ) -> None:
        self.statements: Sequence[Quad] = quads if quads is not None else []
        self.origins = origins if origins is not None else Origins()
        self._digests = digests
        self._labels = labels

    @property
    def quads(self) -> list[Quad]:
        self.statements = as_list(self.statements)
        return self.statements

    def label_statements(self) -> list[Triple]:
        """The statements that name a node (:data:`kg.namespaces.LABEL_PREDICATES`), in
        order: what a report's labels come from, without a pass over every statement."""
        if self._labels is None:
            self._labels = [(s, p, o) for s, p, o, _ in self.statements if p in _LABEL_IRIS]
        return self._labels

    def graph_digests(self) -> dict[str, bytes]:
        """Each named graph's :func:`kg.io.quads_digest`, made once: the validation state
        and the piece cache both ask which graphs changed."""
        if self._digests is None:
            self._digests = graph_digests(self.statements)
        return self._digests


@dataclass(slots=True)
class FileMapping:
    """What one extraction file maps to: its quads (all in its own named graph) and where
    each subject and field it writes is stated in it (``"file:line:column"``), claimed
    whether or not an earlier file states it too; :func:`assemble` picks the first claim.
    A unit :mod:`kg.docunits` keeps between builds."""

    quads: list[Quad] = field(default_factory=list)
    claims: dict[str, str] = field(default_factory=dict)
    labels: list[Triple] = field(default_factory=list)
    """Its statements that name a node, in order (:meth:`MappedGraph.label_statements`)."""
    reads: set[str] = field(default_factory=set)
    """The ids of other records whose IRI (or post's organisation) the mapping looked up."""


def assemble(
    mappings: Iterable[FileMapping],
    digests: dict[str, bytes] | None = None,
    origins: Origins | None = None,
) -> MappedGraph:
    """The corpus's graph from its files' mappings, in corpus order (registry, then the
    documents): quads one file after another, and each origin from the first file that
    claims it, as one mapper run over the corpus traces it (unless the ``origins`` are
    known). ``digests`` are the graphs' :func:`kg.io.quads_digest` if known."""
    ordered = list(mappings)
    quads: list[Quad] = []
    labels: list[Triple] = []
    for mapping in ordered:
        quads += mapping.quads
        labels += mapping.labels
    if origins is None:
        texts: dict[str, str] = {}
        for mapping in reversed(ordered):  # a later update loses to an earlier file's claim
            texts.update(mapping.claims)
        origins = Origins(texts)
    known = dict(sorted(digests.items())) if digests is not None else None
    return MappedGraph(quads, origins, known, labels)


def map_corpus(corpus: Corpus, base: str = DEFAULT_BASE) -> MappedGraph:
    """Map a resolved corpus to quads. Its files' claims go to one dict as they are
    mapped in corpus order, the first claim of a key kept (no per-file copies to merge:
    a million statements make 1.3 million keys)."""
    minter = Minter(check_base(base))
    claims: dict[str, str] = {}
    mappings = map_files(corpus, minter, corpus.documents, registry=True, claims=claims)
    return assemble(mappings, origins=Origins(claims))


def map_files(
    corpus: Corpus,
    minter: Minter,
    documents: Iterable[Loaded[DocumentFile]],
    *,
    registry: bool,
    claims: dict[str, str] | None = None,
) -> Iterator[FileMapping]:
    """Each file's mapping (the registry's first, if asked), one file at a time: a file's
    statements depend on it and on what the corpus says of the ids it names, nothing else.
    With ``claims``, every file claims its places in that one dict (a key an earlier file
    claimed is not claimed again), instead of each in its own."""
    if registry and corpus.registry is not None:
        yield _Mapper(corpus, minter, claims).registry(corpus.registry)
    for document in documents:
        yield _Mapper(corpus, minter, claims).document(document)


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def check_base(base: str) -> str:
    """The base IRI minted IRIs start with, if usable; a :class:`KgError` saying why if not.

    Ids are slugs, so a usable base is all it takes for every minted IRI to be valid.
    """
    if not _SCHEME.match(base):
        raise KgError(f"base {base!r} is not an absolute IRI (e.g. https://example.org/id/)")
    bad = ntriples.forbidden_in_iri(base)
    if bad is not None:
        raise KgError(f"base {base!r} holds {bad!r}, which an IRI cannot contain")
    if not base.endswith(("/", "#", ":")):
        raise KgError(f"base {base!r} should end with '/' or '#' so ids can follow it")
    return base


class _Mapper:
    """Maps one file: every statement it emits goes to ``out``, traced to ``at``."""

    def __init__(self, corpus: Corpus, minter: Minter, claims: dict[str, str] | None) -> None:
        self.corpus = corpus
        self.minter = minter
        self.out = FileMapping(claims={} if claims is None else claims)
        self.file: Loaded[Any] | None = None
        self.path: ValuePath = ()
        """Where the value being mapped is written; every subject emitted is traced to it."""
        self.last_subject = ""

    def at(self, file: Loaded[Any] | None, path: ValuePath) -> None:
        """Map what follows as written at ``path`` in ``file`` (None: trace nothing)."""
        self.file, self.path = file, path

    def registry(self, registry: Loaded[RegistryFile]) -> FileMapping:
        graph = self.minter.graph(REGISTRY_GRAPH)
        for section in ENTITY_SECTIONS:
            for index, record in enumerate(getattr(registry.model, section)):
                self.at(registry, (section, index))
                self.node(record, self.iri_of_record(record), graph)
        return self.out

    def document(self, document: Loaded[DocumentFile]) -> FileMapping:
        source = document.model.source
        graph = self.minter.graph(source.id)
        source_iri = self.iri_of_record(source)
        self.at(document, ("source",))  # articles are traced to their own lines
        self.node(source, source_iri, graph, source_id=source.id)
        for index, message in enumerate(document.model.messages):
            self.at(document, ("messages", index))
            message_iri = self.iri_of_record(message)
            self.node(message, message_iri, graph, source_id=source.id)
            if message.reproduced_in is None and message.mentioned_in is None:
                link = REPRODUCED_IN if message.reproduced else MENTIONED_IN
                self.emit(message_iri, _fixed(link), source_iri, graph)
        for _, section, index, fact in self.corpus.facts_of(document):
            iri = self.iri_of_record(fact)
            self.at(document, (section, index))
            self.node(fact, iri, graph, source_id=source.id)
            self.emit(iri, _DERIVED_FROM, source_iri, graph)
        for index, corroboration in enumerate(document.model.corroborates):
            iri = self.iri_of_id(corroboration.fact)
            # The fact is traced to the file that states it, even when this one comes first.
            self.at(None, ())
            self.emit(iri, _DERIVED_FROM, source_iri, graph)
            for number, evidence in enumerate(corroboration.evidence):
                self.at(document, ("corroborates", index, "evidence", number))
                target = self.evidence(evidence, graph, source.id)
                self.at(None, ())
                self.emit(iri, _EVIDENCE, target, graph)
        return self.out

    def emit(self, s: str, p: str, o: str, g: str) -> None:
        self.out.quads.append((s, p, o, g))
        if p in _LABEL_IRIS:
            self.out.labels.append((s, p, o))
        if s is not self.last_subject and self.file is not None:
            self.last_subject = s
            key = s[1:-1]
            if key not in self.out.claims:  # located on first use: most subjects repeat
                self.out.claims[key] = self.file.location_text(self.path)

    def emit_field(self, s: str, p: str, o: str, g: str, path: ValuePath) -> None:
        """A field's statement, traced to the line of the field (the curator's edit)."""
        self.emit(s, p, o, g)
        if self.file is not None:
            key = f"{s[1:-1]} {p[1:-1]}"
            if key not in self.out.claims:
                self.out.claims[key] = self.file.location_text(path)

    def iri_of_record(self, record: Node) -> str:
        return self.minter.node(record.iri_segment, record.id)

    def iri_of_id(self, record_id: str) -> str:
        self.out.reads.add(record_id)
        return self.minter.node(self.corpus.segment(record_id), record_id)

    def node(self, record: BaseModel, iri: str, graph: str, source_id: str = "") -> None:
        kind = type(record)
        self.emit(iri, _TYPE, _fixed(kind.rdf_type), graph)  # type: ignore[attr-defined]
        for extra in getattr(kind, "extra_types", ()):
            self.emit(iri, _TYPE, _fixed(extra), graph)
        if isinstance(record, Node):
            for extra in record.value_types():
                self.emit(iri, _TYPE, _fixed(extra), graph)
        here = self.path
        for meaning in field_meanings(kind):
            value = getattr(record, meaning.name)
            if isinstance(value, dict):
                path = (*here, meaning.name)
                self.field_evidence(record, iri, meaning, value, graph, source_id, path)
                continue
            many = isinstance(value, list)
            for number, item in enumerate(value if many else [value]):
                if item is not None:
                    path = (*here, meaning.name, number) if many else (*here, meaning.name)
                    self.value(iri, meaning, item, graph, source_id, path)
        self.at(self.file, here)
        if isinstance(record, Tenure) and record.organisation is None and record.post is not None:
            self.out.reads.add(record.post)
            organisation = self.corpus.post_organisation(record.post)
            assert organisation is not None
            self.emit(
                iri,
                _fixed(meaning_iri(Tenure, "organisation")),
                self.iri_of_id(organisation),
                graph,
            )

    def value(
        self,
        subject: str,
        meaning: FieldMeaning,
        item: Any,
        graph: str,
        source_id: str,
        path: ValuePath,
    ) -> None:
        predicate = meaning.predicate
        target: str
        if type(item) is str and meaning.ref is None and _plain(meaning):
            target = ntriples.literal(item)
        elif type(item) is int and _plain(meaning):
            target = ntriples.literal(str(item), _INTEGER)
        elif isinstance(item, Evidence):
            self.at(self.file, path)
            target = self.evidence(item, graph, source_id)
        elif isinstance(item, Part):
            key = getattr(item, item.key_field)
            target = ntriples.iri(f"{subject[1:-1]}/{item.iri_segment}/{key}")
            self.at(self.file, path)
            self.node(item, target, graph, source_id)
        elif isinstance(item, Node):
            target = self.iri_of_record(item)
            self.at(self.file, path)
            self.node(item, target, graph, source_id)
        elif meaning.ref is not None:
            target = self.iri_of_id(item)
        elif isinstance(item, PartialDate):
            target = ntriples.term(item.to_literal())
            if predicate.precision is not None:
                self.emit_field(
                    subject,
                    _fixed(predicate.precision),
                    _fixed(KG[item.precision.value]),
                    graph,
                    path,
                )
            if predicate.qualifier is not None and item.qualifier is not None:
                self.emit_field(
                    subject,
                    _fixed(predicate.qualifier),
                    _fixed(KG[item.qualifier.value]),
                    graph,
                    path,
                )
        else:
            target = ntriples.term(to_term(meaning, item))
        self.emit_field(subject, _fixed(predicate.iri), target, graph, path)

    def field_evidence(
        self,
        record: BaseModel,
        subject: str,
        meaning: FieldMeaning,
        quotes: dict[str, list[Evidence]],
        graph: str,
        source_id: str,
        path: ValuePath,
    ) -> None:
        """Evidence for metadata fields: one node per field and quote, minted under the
        record (a quote may support several fields), naming the field's predicate; each
        traced to its own line under ``field_evidence``."""
        predicates = {m.name: m.predicate.iri for m in field_meanings(type(record))}
        for name, evidences in quotes.items():
            field_iri = _fixed(predicates[name])
            for number, evidence in enumerate(evidences):
                self.at(self.file, (*path, name, number))
                where = (
                    f"{evidence.start}-{evidence.end}"
                    if evidence.start is not None
                    else "quote-" + hashlib.sha256(evidence.quote.encode("utf-8")).hexdigest()[:16]
                )
                iri = ntriples.iri(f"{subject[1:-1]}/evidence/{name.replace('_', '-')}/{where}")
                self.evidence(evidence, graph, source_id, iri)
                self.emit(iri, _EVIDENCE_FIELD, field_iri, graph)
                self.emit(subject, _fixed(meaning.predicate.iri), iri, graph)

    def evidence(
        self, evidence: Evidence, graph: str, source_id: str, iri: str | None = None
    ) -> str:
        source = evidence.source or source_id
        iri = iri or self.minter.evidence(source, evidence)
        base = iri[1:-1]
        quote = ntriples.iri(f"{base}/quote")
        self.emit(iri, _TYPE, _SPECIFIC_RESOURCE, graph)
        self.emit(iri, _HAS_SOURCE, self.iri_of_id(source), graph)
        self.emit(iri, _HAS_SELECTOR, quote, graph)
        self.emit(quote, _TYPE, _QUOTE_SELECTOR, graph)
        self.emit(quote, _EXACT, ntriples.literal(evidence.quote), graph)
        if evidence.start is not None and evidence.end is not None:
            position = ntriples.iri(f"{base}/position")
            self.emit(iri, _HAS_SELECTOR, position, graph)
            self.emit(position, _TYPE, _POSITION_SELECTOR, graph)
            self.emit(position, _START, ntriples.literal(str(evidence.start), _OFFSET), graph)
            self.emit(position, _END, ntriples.literal(str(evidence.end), _OFFSET), graph)
        return iri


def _plain(meaning: FieldMeaning) -> bool:
    """True when a str or int value maps by its Python type alone (no datatype or IRI base)."""
    predicate = meaning.predicate
    return predicate.iri_base is None and predicate.datatype is None


def to_term(meaning: FieldMeaning, item: Any) -> Term:
    """A plain field value as an RDF term, by the field's annotation and Python type."""
    predicate = meaning.predicate
    if isinstance(item, Enum):
        return Literal(str(item.value)) if predicate.literal else enum_iri(item)
    if predicate.bool_iris is not None and isinstance(item, bool):
        return predicate.bool_iris[0] if item else predicate.bool_iris[1]
    if predicate.iri_base is not None:
        return URIRef(predicate.iri_base + str(item))
    if predicate.datatype is not None:
        return Literal(item, datatype=predicate.datatype)
    if isinstance(item, bool):
        return Literal(item)
    if isinstance(item, int):
        return Literal(item, datatype=XSD.integer)
    if isinstance(item, float):
        # At most 10 decimal places: more is noise for a percentage, and pyshacl-turbo
        # 0.6.5 misjudges range checks on decimals with 19 or more fraction digits.
        # Written in XSD 1.1 canonical form ("100", not "100.0"), as Oxigraph and Virtuoso
        # store it, so a pushed graph reads back term for term.
        value = Decimal(repr(round(item, 10))).normalize()
        return Literal(format(value, "f") if value else "0", datatype=XSD.decimal)
    return Literal(str(item))


def meaning_iri(model: type[BaseModel], name: str) -> URIRef:
    """The predicate IRI of one field, for the few hand-written triples."""
    for meaning in field_meanings(model):
        if meaning.name == name:
            return meaning.predicate.iri
    raise KeyError(f"{model.__name__}.{name} has no predicate")


__all__ = [
    "REGISTRY_GRAPH",
    "FileMapping",
    "MappedGraph",
    "Minter",
    "Quad",
    "assemble",
    "check_base",
    "map_corpus",
    "map_files",
    "to_term",
]
