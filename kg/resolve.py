"""Validated files -> one corpus: ids indexed, references checked, repeated facts merged.

A fact reported by several documents carries the same id in each; it is one
fact with several pieces of evidence. Fields stated by more than one document
must agree, otherwise the conflict is reported at both places.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from kg.errors import InputError, Location, Problem
from kg.load import Loaded
from kg.models import (
    ENTITY_SECTIONS,
    FACT_SECTIONS,
    DisciplinaryAction,
    DocumentFile,
    Fact,
    Node,
    Part,
    RegistryFile,
    Tenure,
)
from kg.rdfmeta import Ref, field_meanings, holds_model
from kg.yamlpos import Path as ValuePath

KIND_OF_FACT = "fact"


@dataclass(frozen=True, slots=True)
class Statement:
    """Where a record is written down: its file and the path of its value there."""

    file: Loaded[Any]
    path: ValuePath
    record: Node

    @property
    def location(self) -> Location:
        return self.file.location(self.path)


@dataclass(frozen=True, slots=True)
class Entry:
    """An id in the corpus: what kind of record it names and every place that states it."""

    id: str
    kinds: frozenset[str]
    statements: tuple[Statement, ...]

    @property
    def record(self) -> Node:
        return self.statements[0].record


@dataclass(frozen=True, slots=True)
class Known:
    """All that files other than an id's own read of it: what kinds of record it names, the
    IRI segment it is minted under, and the organisation it names (a post's). A build
    that loads only the files an edit touches (:mod:`kg.docunits`) knows the other ids so."""

    kinds: frozenset[str]
    segment: str
    organisation: str | None

    @classmethod
    def of(cls, record: Node) -> Known:
        organisation = getattr(record, "organisation", None)
        return cls(
            _kinds_of(record),
            record.iri_segment,
            organisation if isinstance(organisation, str) else None,
        )


@dataclass(slots=True)
class Corpus:
    """Everything loaded and cross-checked, ready to map; with ``known``, ids stated only in
    files that were not loaded (checked by an earlier build, and unchanged since)."""

    registry: Loaded[RegistryFile] | None
    documents: list[Loaded[DocumentFile]]
    entries: dict[str, Entry] = field(default_factory=dict)
    known: Mapping[str, Known] = field(default_factory=dict)
    reads: dict[str, set[str]] = field(default_factory=dict)
    """File (as displayed) -> the ids its records and corroborations point at."""

    def kinds(self, record_id: str) -> frozenset[str]:
        entry = self.entries.get(record_id)
        if entry is not None:
            return entry.kinds
        known = self.known.get(record_id)
        return known.kinds if known is not None else frozenset()

    def record(self, record_id: str) -> Node:
        return self.entries[record_id].record

    def segment(self, record_id: str) -> str:
        """The IRI segment the record is minted under (``person``, ``claim`` ...)."""
        entry = self.entries.get(record_id)
        return entry.record.iri_segment if entry is not None else self.known[record_id].segment

    def post_organisation(self, record_id: str) -> str | None:
        """The organisation the record names (a post's), if it exists and names one."""
        entry = self.entries.get(record_id)
        if entry is not None:
            return Known.of(entry.record).organisation
        known = self.known.get(record_id)
        return known.organisation if known is not None else None

    def location_of(self, record_id: str) -> Location | None:
        entry = self.entries.get(record_id)
        return entry.statements[0].location if entry else None

    def facts_of(
        self, document: Loaded[DocumentFile]
    ) -> Iterator[tuple[Loaded[DocumentFile], str, int, Fact]]:
        """The facts one document states, in section order."""
        return _document_facts(document)

    def facts(self) -> Iterator[tuple[Loaded[DocumentFile], str, int, Fact]]:
        """Every fact as stated in each document: (file, section, index, fact)."""
        for document in self.documents:
            yield from _document_facts(document)


def resolve(
    registry: Loaded[RegistryFile] | None,
    documents: list[Loaded[DocumentFile]],
    known: Mapping[str, Known] | None = None,
) -> Corpus:
    """Index ids, check every reference and merge repeated facts; raise on any problem.
    References may also point at ``known`` ids, stated in files not given here."""
    corpus = Corpus(registry, documents, known=known or {})
    problems: list[Problem] = []
    _index(corpus, problems)
    for statement in _all_statements(corpus):
        problems.extend(_check_refs(corpus, statement.file, statement.path, statement.record))
    for document, index, corroboration in _corroborations(corpus):
        problems.extend(_check_refs(corpus, document, ("corroborates", index), corroboration))
    for entry in corpus.entries.values():
        problems.extend(_check_agreement(entry))
    problems.extend(_check_posts(corpus))
    problems.extend(_check_tenure_organisations(corpus))
    if problems:
        raise InputError(problems)
    return corpus


def _all_statements(corpus: Corpus) -> Iterator[Statement]:
    if corpus.registry is not None:
        yield from registry_statements(corpus.registry)
    for document in corpus.documents:
        yield from document_statements(document)


def registry_statements(registry: Loaded[RegistryFile]) -> Iterator[Statement]:
    """Every entity the registry states."""
    for section in ENTITY_SECTIONS:
        for index, record in enumerate(getattr(registry.model, section)):
            yield Statement(registry, (section, index), record)


def document_statements(document: Loaded[DocumentFile]) -> Iterator[Statement]:
    """Every record one document states: its source, articles, messages and facts."""
    source = document.model.source
    yield Statement(document, ("source",), source)
    for index, article in enumerate(source.articles):
        yield Statement(document, ("source", "articles", index), article)
    for index, message in enumerate(document.model.messages):
        yield Statement(document, ("messages", index), message)
    for _, section, index, fact in _document_facts(document):
        yield Statement(document, (section, index), fact)


def _corroborations(corpus: Corpus) -> Iterator[tuple[Loaded[DocumentFile], int, BaseModel]]:
    for document in corpus.documents:
        for index, corroboration in enumerate(document.model.corroborates):
            yield document, index, corroboration


def _document_facts(
    document: Loaded[DocumentFile],
) -> Iterator[tuple[Loaded[DocumentFile], str, int, Fact]]:
    for section in FACT_SECTIONS:
        for index, fact in enumerate(getattr(document.model, section)):
            yield document, section, index, fact


def _kinds_of(record: Node) -> frozenset[str]:
    kinds = {record.ref_kind or record.iri_segment}
    if isinstance(record, Fact):
        kinds.add(KIND_OF_FACT)
    if isinstance(record, DisciplinaryAction):
        kinds.add("disciplinary-action")
    return frozenset(k for k in kinds if k)


def _index(corpus: Corpus, problems: list[Problem]) -> None:
    grouped: dict[str, list[Statement]] = {}
    for statement in _all_statements(corpus):
        grouped.setdefault(statement.record.id, []).append(statement)
    for record_id, statements in grouped.items():
        first = statements[0]
        for other in statements[1:]:
            if _may_repeat(first, other):
                continue
            problems.append(
                Problem(
                    other.file.location((*other.path, "id")),
                    _dotted((*other.path, "id")),
                    f"duplicate id {record_id!r}",
                    f"already used at {first.location}; a fact repeated in another document keeps "
                    "its id, anything else needs a new one",
                    code="duplicate-id",
                )
            )
        corpus.entries[record_id] = Entry(record_id, _kinds_of(first.record), tuple(statements))


def _may_repeat(first: Statement, other: Statement) -> bool:
    """The same fact may be stated once per document, never twice in one."""
    return (
        isinstance(first.record, Fact)
        and type(first.record) is type(other.record)
        and first.file.path != other.file.path
    )


def _check_agreement(entry: Entry) -> Iterator[Problem]:
    """Fields stated by several documents for one fact must have the same value."""
    if len(entry.statements) < 2 or not isinstance(entry.record, Fact):
        return
    for position, other in enumerate(entry.statements):
        for first in entry.statements[:position]:
            if not _may_repeat(first, other):
                continue  # already reported as a duplicate id
            yield from _disagreements(
                entry.id, first, first.path, first.record, other, other.path, other.record
            )


def _disagreements(
    fact_id: str,
    first: Statement,
    first_path: ValuePath,
    mine: BaseModel,
    other: Statement,
    other_path: ValuePath,
    theirs: BaseModel,
) -> Iterator[Problem]:
    """Fields both records state with different values; nested parts are matched by key."""
    repeatable = {m.name for m in field_meanings(type(mine)) if m.predicate.repeatable}
    for name in type(mine).model_fields:
        if name in {"evidence", "id"} or name in repeatable:
            continue
        a, b = getattr(mine, name), getattr(theirs, name)
        if a in (None, []) or b in (None, []):
            continue
        if isinstance(a, list) and not isinstance(a[0], Part):
            continue  # lists accumulate: each document adds the endorsers, voters ... it names
        if isinstance(a, list):
            theirs_by_key = {getattr(p, p.key_field): (i, p) for i, p in enumerate(b)}
            for index, part in enumerate(a):
                match = theirs_by_key.get(getattr(part, part.key_field))
                if match is not None:
                    yield from _disagreements(
                        fact_id,
                        first,
                        (*first_path, name, index),
                        part,
                        other,
                        (*other_path, name, match[0]),
                        match[1],
                    )
        elif a != b:
            here, there = (*other_path, name), (*first_path, name)
            yield Problem(
                other.file.location(here),
                _dotted(here),
                f"fact {fact_id!r} says {_show(b)} here but {_show(a)} at "
                f"{first.file.location(there)}",
                "a fact restated in another document must agree; to add evidence for it, "
                "list it under 'corroborates'; if this is another fact, give it a new id",
                code="fact-disagrees",
            )


def _show(value: Any) -> str:
    return repr(str(value)) if not isinstance(value, list) else repr([str(v) for v in value])


def _check_refs(
    corpus: Corpus, file: Loaded[Any], path: ValuePath, model: BaseModel
) -> Iterator[Problem]:
    """Every id a record points at exists and is of a kind the field accepts (and the ids
    each file points at are noted in ``corpus.reads``)."""
    noted = corpus.reads.setdefault(file.display, set())
    for where, target, ref in references(path, model):
        noted.add(target)
        yield from _check_one_ref(corpus, file, where, target, ref)


def references(path: ValuePath, model: BaseModel) -> Iterator[tuple[ValuePath, str, Ref]]:
    """Every id a record (at ``path``) points at: the field's path, the id, what it accepts."""
    for name, ref in _fields_to_check(type(model)):
        value = getattr(model, name)
        here = (*path, name)
        if ref is not None and value is not None:
            values = value if isinstance(value, list) else [value]
            for index, target in enumerate(values):
                yield ((*here, index) if isinstance(value, list) else here), target, ref
        elif isinstance(value, BaseModel) and not isinstance(value, Node):
            yield from references(here, value)
        elif isinstance(value, list | dict):
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(item, list):  # field evidence: a list per field name
                    for index, inner in enumerate(item):
                        yield from references((*here, key, index), inner)
                elif isinstance(item, BaseModel) and not isinstance(item, Node):
                    yield from references((*here, key), item)


@functools.cache
def _fields_to_check(model: type[BaseModel]) -> tuple[tuple[str, Ref | None], ...]:
    """The fields that hold references or nested records, with their Ref (read once per class:
    a million-statement corpus checks ~100k records)."""
    return tuple(
        (name, _ref_of(info.metadata, info.annotation))
        for name, info in model.model_fields.items()
        if _ref_of(info.metadata, info.annotation) is not None or holds_model(info.annotation)
    )


def _ref_of(metadata: list[Any], annotation: Any) -> Ref | None:
    for item in metadata:
        if isinstance(item, Ref):
            return item
    for arg in getattr(annotation, "__args__", ()) or ():
        for item in getattr(arg, "__metadata__", ()) or ():
            if isinstance(item, Ref):
                return item
    return None


def _check_one_ref(
    corpus: Corpus, file: Loaded[Any], path: ValuePath, target: str, ref: Ref
) -> Iterator[Problem]:
    kinds = corpus.kinds(target)
    wanted = set(ref.kinds)
    if kinds and ("any" in wanted or kinds & wanted):
        return
    candidates = [i for i, e in corpus.entries.items() if "any" in wanted or e.kinds & wanted]
    close = difflib.get_close_matches(target, candidates, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}?" if close else None
    wanted_text = (
        _either(sorted(k.replace("-", " ") for k in wanted)) if "any" not in wanted else "record"
    )
    if kinds:
        message = f"{target!r} is {_a('/'.join(sorted(kinds)))}, not {_a(wanted_text)}"
    else:
        message = f"unknown {wanted_text} id {target!r}"
        if hint is None:
            hint = "add it to the registry" if wanted & {"person", "organisation", "post"} else None
    code = "wrong-reference-kind" if kinds else "unknown-reference"
    yield Problem(file.location(path), _dotted(path), message, hint, code=code)


def _either(nouns: list[str]) -> str:
    """'organisation, person or unnamed agent'."""
    return " or ".join(nouns) if len(nouns) < 3 else f"{', '.join(nouns[:-1])} or {nouns[-1]}"


def _a(noun: str) -> str:
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def _check_posts(corpus: Corpus) -> Iterator[Problem]:
    """A tenure naming both a post and an organisation must name the post's organisation."""
    for document, section, index, fact in corpus.facts():
        post_id = getattr(fact, "post", None)
        organisation = getattr(fact, "organisation", None)
        if section != "roles" or post_id is None or organisation is None:
            continue
        owner = corpus.post_organisation(post_id)
        if owner is not None and owner != organisation:
            path = (section, index, "organisation")
            yield Problem(
                document.location(path),
                _dotted(path),
                f"post {post_id!r} belongs to {owner!r}, not {organisation!r}",
                "leave 'organisation' out when a post is given, or pick the matching post",
                code="post-organisation-mismatch",
            )


def _check_tenure_organisations(corpus: Corpus) -> Iterator[Problem]:
    """A tenure restated across documents must be held in one organisation, whether a
    statement names it or implies it through its post."""
    for entry in corpus.entries.values():
        if len(entry.statements) < 2 or not isinstance(entry.record, Tenure):
            continue
        first: tuple[str, Statement] | None = None
        for statement in entry.statements:
            organisation = _tenure_organisation(corpus, statement.record)
            if organisation is None:
                continue
            if first is None:
                first = (organisation, statement)
            elif organisation != first[0]:
                path = (*statement.path, "organisation")
                yield Problem(
                    statement.file.location(path),
                    _dotted(path),
                    f"tenure {entry.id!r} is held in {organisation!r} here but in {first[0]!r} "
                    f"at {first[1].location}",
                    "a restated tenure must name (or imply, through its post) one organisation",
                    code="fact-disagrees",
                )


def _tenure_organisation(corpus: Corpus, tenure: Node) -> str | None:
    organisation = getattr(tenure, "organisation", None)
    post_id = getattr(tenure, "post", None)
    if organisation is None and post_id is not None:
        organisation = corpus.post_organisation(post_id)
    return organisation


def _dotted(path: ValuePath) -> str:
    return ".".join(str(p) for p in path)
