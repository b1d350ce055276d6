"""Name facts: a source stating another name or a description of an entity."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar

from kg.models.base import Id, NonEmptyText, ref
from kg.models.facts import Fact
from kg.namespaces import KG
from kg.rdfmeta import Predicate


class NameKind(StrEnum):
    """How the stated name relates to the entity."""

    ALIAS = "alias"
    ACRONYM = "acronym"
    SELF_DESIGNATION = "self-designation"
    FORMER_NAME = "former-name"
    DESCRIPTION = "description"


class NameStatement(Fact):
    """A source saying an entity is also called, or is, something ('also known as LLA').

    The registry keeps the canonical name and the aliases; a name statement is the
    evidence that a source uses one, so it never copies the canonical name.
    """

    rdf_type: ClassVar = KG.NameStatement
    iri_segment: ClassVar = "name"

    entity: Annotated[
        Id, ref("person", "organisation", "post", "unnamed-agent"), Predicate(KG.namedEntity)
    ]
    """Who or what is named."""
    name: Annotated[NonEmptyText, Predicate(KG.statedName)]
    """The name or description the source gives, as it gives it."""
    kind: Annotated[NameKind, Predicate(KG.nameKind)]
    """Alias, acronym, self-designation, former name or description."""
