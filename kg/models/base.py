"""Shared building blocks of every model: strictness, ids, references, evidence."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints
from rdflib import URIRef
from rdflib.namespace import SKOS

from kg.rdfmeta import Predicate, Ref, RefKind

ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"

Id = Annotated[str, StringConstraints(pattern=ID_PATTERN, min_length=1, max_length=120)]
"""A record id, or a reference to one. Slugs keep IRIs readable and make path tricks
impossible. The type carries no description, so each field's docstring says what it
holds."""

NonEmptyText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Count = Annotated[StrictInt, Field(ge=0)]


AGENT: tuple[RefKind, ...] = ("person", "organisation", "unnamed-agent")
"""Who can act, speak or take part: a person, an organisation, or an unnamed agent."""


def ref(*kinds: RefKind) -> Ref:
    """Shorthand for the :class:`Ref` marker on a field."""
    return Ref(*kinds)


class Record(BaseModel):
    """A strict, immutable record as a curator writes it.

    Unknown fields are errors (a typo must not vanish silently) and numbers must
    be numbers: ``StrictInt`` refuses ``"12"``, so a quoted count is reported.
    """

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        str_strip_whitespace=False,
        validate_default=False,
        use_attribute_docstrings=True,
    )


class LintCheck(StrEnum):
    """A ``kg lint`` check a curator may mark as looked at on a record."""

    NOTE_NUMBERS = "note-numbers"
    """The note holds a number or date on purpose (it explains a choice, not a fact)."""
    QUOTE_NAMES_SUBJECT = "quote-names-subject"
    """No quote names the subject, and the text never does near it."""


Checked = Annotated[
    list[LintCheck],
    Field(description="kg lint findings a curator has looked at and accepts; the note says why."),
]


class Node(Record):
    """A record that becomes an RDF resource of its own, with a minted IRI."""

    rdf_type: ClassVar[URIRef]
    extra_types: ClassVar[tuple[URIRef, ...]] = ()
    iri_segment: ClassVar[str]
    """Path segment of minted IRIs, e.g. ``person`` in ``<base>person/jon-lansman``."""
    ref_kind: ClassVar[RefKind | None] = None
    """What :class:`Ref` kind names records of this type."""

    def value_types(self) -> tuple[URIRef, ...]:
        """Extra RDF types that depend on a field's value (an e-mail is a schema:EmailMessage)."""
        return ()

    id: Id
    """A stable slug: lower-case letters, digits and single hyphens."""
    note: Annotated[
        str | None,
        Predicate(SKOS.editorialNote, repeatable=True),
        Field(description="A curator's remark, kept as skos:editorialNote."),
    ] = None
    checked: Checked = []


class Part(Record):
    """A record nested in a node (a candidacy in an election) with an IRI under its parent's.

    Its IRI is ``<parent>/<iri_segment>/<value of key_field>``, so it is stable as
    long as the key is, whatever the order of the list it sits in.
    """

    rdf_type: ClassVar[URIRef]
    iri_segment: ClassVar[str]
    key_field: ClassVar[str]

    checked: Checked = []


def require_unique_keys(parts: Sequence[Part], message: str) -> None:
    """Parts of one node share an IRI pattern, so two with one key would be one node."""
    seen: set[object] = set()
    for part in parts:
        key = getattr(part, part.key_field)
        if key in seen:
            raise ValueError(message.format(key))
        seen.add(key)
