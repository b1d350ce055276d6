"""Unnamed agents: asserters and groups a source speaks of without naming them."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar

from rdflib import URIRef
from rdflib.namespace import FOAF, PROV

from kg.models.base import Id, NonEmptyText, ref
from kg.models.facts import Fact
from kg.namespaces import KG, SCHEMA
from kg.rdfmeta import Predicate, iri_prefix


@iri_prefix("agent")
class AgentKind(StrEnum):
    """What sort of unnamed agent this is."""

    ANONYMOUS_PERSON = "anonymous-person"
    UNNAMED_GROUP = "unnamed-group"
    COMMENTER = "commenter"
    SOURCES = "sources"
    CRITICS = "critics"
    OTHER = "other"


class UnnamedAgent(Fact):
    """Someone the source does not name but who says or does something: a reader
    commenting, 'sources', 'critics', 'some of us'. Claims stay attributed, and group
    memberships ('some of us are members') have a member to hold them."""

    rdf_type: ClassVar = KG.UnnamedAgent
    extra_types: ClassVar = (PROV.Agent, FOAF.Agent)
    iri_segment: ClassVar = "agent"
    ref_kind: ClassVar = "unnamed-agent"

    kind: Annotated[AgentKind, Predicate(KG.agentKind)]
    """What sort of agent: an anonymous person, an unnamed group, a commenter ..."""
    description: Annotated[NonEmptyText, Predicate(SCHEMA.description)]
    """Who this is, in a sentence ('A reader commenting under the article')."""
    members: Annotated[list[Id], ref("person"), Predicate(KG.includesMember)] = []
    """Known people in the group (the statement's named authors)."""

    def value_types(self) -> tuple[URIRef, ...]:
        return (FOAF.Group,) if self.kind is AgentKind.UNNAMED_GROUP else ()
