"""RDF meaning attached to model fields: the single source of truth for mapping,
ontology and shapes.

A field declares what it means with ``Annotated[T, Predicate(...)]``; the generic
mapper (:mod:`kg.mapping`), the ontology and shape generators (:mod:`kg.generate`)
all read these annotations, so the three can never disagree about a property.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from rdflib import URIRef

from kg.dates import PartialDate
from kg.namespaces import KG

RefKind = Literal[
    "person",
    "organisation",
    "post",
    "source",
    "disciplinary-action",
    "unnamed-agent",
    "event",
    "message",
    "fact",
    "any",
]
"""What an id may point at; 'any' accepts every entity and fact (claims are about anything)."""


@dataclass(frozen=True, slots=True)
class Predicate:
    """The RDF property a field maps to, and how.

    ``datatype`` overrides the XSD type inferred from the Python type; ``literal``
    makes an enum map to a plain string (Popolo codes) instead of a ``kg:`` IRI;
    ``precision``/``qualifier`` name the properties that carry a partial date's
    precision and qualifier; ``iri_base`` turns a string value into the IRI
    ``iri_base + value`` (Wikidata ids); ``bool_iris`` maps ``True``/``False`` to
    two IRIs (schema.org's online/offline attendance modes); ``repeatable``
    marks a value that is true *as of a source* (a status when the article was
    written, a curator's note): each document may state its own, so the field is
    exempt from cross-document agreement and has no maxCount in the shapes.
    """

    iri: URIRef
    datatype: URIRef | None = None
    literal: bool = False
    precision: URIRef | None = None
    qualifier: URIRef | None = None
    iri_base: str | None = None
    bool_iris: tuple[URIRef, URIRef] | None = None
    repeatable: bool = False


@dataclass(frozen=True, slots=True)
class Ref:
    """The field holds ids of other records, which map to their IRIs."""

    kinds: tuple[RefKind, ...]

    def __init__(self, *kinds: RefKind) -> None:
        object.__setattr__(self, "kinds", kinds)


@dataclass(frozen=True, slots=True)
class Unmapped:
    """The field is deliberately not emitted as a triple (ids, offsets handled elsewhere)."""

    why: str


@dataclass(frozen=True, slots=True)
class FieldMeaning:
    """Everything the generators need to know about one field."""

    name: str
    predicate: Predicate
    value_type: type[Any]
    ref: Ref | None
    many: bool
    required: bool
    description: str
    constraints: dict[str, Any]
    """Constraints on each value (ge, le, pattern, min_length, max_length)."""
    min_items: int = 0
    """For list fields: how many values are required."""

    @property
    def is_nested(self) -> bool:
        return isinstance(self.value_type, type) and issubclass(self.value_type, BaseModel)

    @property
    def is_enum(self) -> bool:
        return isinstance(self.value_type, type) and issubclass(self.value_type, Enum)

    @property
    def is_date(self) -> bool:
        return self.value_type is PartialDate


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """Strip Optional and list[...] from a type; report whether it was a list."""
    many = False
    while True:
        origin = get_origin(annotation)
        if origin in (typing.Union, types.UnionType):
            args = [a for a in get_args(annotation) if a is not type(None)]
            annotation = args[0]
        elif origin in (list, tuple, frozenset, set):
            many = True
            annotation = get_args(annotation)[0]
        elif origin is dict:
            many = True  # a map of lists (field evidence by field name): its values count
            annotation = get_args(annotation)[1]
        elif origin is typing.Annotated:
            annotation = get_args(annotation)[0]
        else:
            return annotation, many


def item_type(annotation: Any) -> Any:
    """The type of one value of a field: Optional, list[...], dict values and Annotated
    stripped (``list[Annotated[Id, ...]] | None`` -> ``str``)."""
    return _unwrap(annotation)[0]


def models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    """Every pydantic model a field's type can hold, however nested, in declaration order."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    for arg in getattr(annotation, "__args__", ()) or ():
        yield from models_in(arg)


def field_meanings(model: type[BaseModel]) -> tuple[FieldMeaning, ...]:
    """The mapped fields of a model, in declaration order (worked out once per class)."""
    return _field_meanings(model)


@functools.cache
def _field_meanings(model: type[BaseModel]) -> tuple[FieldMeaning, ...]:
    meanings = (_meaning(name, info) for name, info in model.model_fields.items())
    return tuple(m for m in meanings if m is not None)


def _meaning(name: str, info: FieldInfo) -> FieldMeaning | None:
    predicate = next((m for m in info.metadata if isinstance(m, Predicate)), None)
    ref = next((m for m in info.metadata if isinstance(m, Ref)), None)
    # Refs and constraints nested inside list[Annotated[...]] live in the inner type.
    value_type, many = _unwrap(info.annotation)
    for inner in _inner_metadata(info.annotation):
        if isinstance(inner, Ref):
            ref = inner
        elif isinstance(inner, Predicate):
            predicate = inner
    if predicate is None:
        return None
    outer = list(info.metadata)
    inner = list(_inner_metadata(info.annotation))
    return FieldMeaning(
        name=name,
        predicate=predicate,
        value_type=value_type,
        ref=ref,
        many=many,
        required=info.is_required(),
        description=(info.description or "").strip(),
        constraints=_constraints(inner if many else [*outer, *inner]),
        min_items=_constraints(outer).get("min_length", 0) if many else 0,
    )


_CONSTRAINT_NAMES = ("ge", "le", "gt", "lt", "pattern", "min_length", "max_length")


def value_constraints(metadata: list[Any]) -> dict[str, Any]:
    """The constraints (ge, le, gt, lt, pattern, min_length, max_length) that field or type
    metadata states, the first of each kind winning."""
    return _constraints(metadata)


def _constraints(metadata: list[Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    expanded = [*metadata]
    expanded += [m for item in metadata if isinstance(item, FieldInfo) for m in item.metadata]
    for item in expanded:
        for name in _CONSTRAINT_NAMES:
            value = getattr(item, name, None)
            if value is not None and not callable(value):
                found.setdefault(name, value)
    return found


def _inner_metadata(annotation: Any) -> Iterator[Any]:
    for arg in get_args(annotation):
        if get_origin(arg) is typing.Annotated:
            yield from arg.__metadata__
        yield from _inner_metadata(arg)


_ENUM_PREFIXES: dict[type[Enum], str] = {}

E = typing.TypeVar("E", bound=type[Enum])


def iri_prefix(prefix: str) -> typing.Callable[[E], E]:
    """Give an enumeration's values IRIs of their own (``kg:eventInterview``), for value
    names another enumeration already uses in another sense (an interview as a document
    and as an event): one IRI must name one concept."""

    def mark(enum: E) -> E:
        _ENUM_PREFIXES[enum] = prefix
        return enum

    return mark


def enum_iri(member: Enum) -> URIRef:
    """IRI of an enumeration value in the kg vocabulary, e.g. ``kg:suspension``."""
    prefix = _ENUM_PREFIXES.get(type(member))
    value = str(member.value)
    return KG[_camel(f"{prefix}-{value}" if prefix else value)]


def _camel(value: str) -> str:
    head, *rest = value.split("-")
    return head + "".join(part.capitalize() for part in rest)


def holds_model(annotation: Any) -> bool:
    """Whether a field's type can hold a pydantic model (a record, evidence), however nested
    in lists and unions: walks that skip plain values use it."""
    return next(models_in(annotation), None) is not None
