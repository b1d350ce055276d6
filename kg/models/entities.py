"""Entities shared across documents: people, organisations and posts (the registry)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import Field, StringConstraints
from rdflib.namespace import FOAF, ORG, SKOS

from kg.models.base import Id, Node, NonEmptyText, ref
from kg.namespaces import KG, SCHEMA, WD
from kg.rdfmeta import Predicate

WikidataId = Annotated[
    str,
    StringConstraints(pattern=r"^Q[1-9][0-9]*$"),
    Field(description="A Wikidata item id such as Q6272416."),
]


class OrganisationKind(StrEnum):
    """What sort of body an organisation is."""

    PARTY = "party"
    TRADE_UNION = "trade-union"
    CAMPAIGN_GROUP = "campaign-group"
    FACTION = "faction"
    COMMITTEE = "committee"
    PARTY_UNIT = "party-unit"
    PARLIAMENTARY_GROUP = "parliamentary-group"
    LEGISLATURE = "legislature"
    GOVERNMENT_BODY = "government-body"
    COMPANY = "company"
    MEDIA_OUTLET = "media-outlet"
    THINK_TANK = "think-tank"
    COLLECTIVE = "collective"
    """A set of units spoken of together (the Constituency Labour Parties)."""
    OTHER = "other"


class Entity(Node):
    """Something with names that facts are about."""

    name: Annotated[NonEmptyText, Predicate(SKOS.prefLabel)]
    """The name used in the graph (the fullest common form)."""
    aliases: Annotated[list[NonEmptyText], Predicate(SKOS.altLabel)] = []
    """Other names, spellings and typos found in sources."""
    wikidata: Annotated[WikidataId | None, Predicate(SCHEMA.sameAs, iri_base=str(WD))] = None
    """The matching Wikidata item, if there is one."""
    description: Annotated[NonEmptyText | None, Predicate(SCHEMA.description)] = None
    """One line on who or what this is, for disambiguation."""


class Person(Entity):
    """A natural person."""

    rdf_type: ClassVar = FOAF.Person
    extra_types: ClassVar = (FOAF.Agent,)
    iri_segment: ClassVar = "person"
    ref_kind: ClassVar = "person"


class Organisation(Entity):
    """A party, union, faction, committee or any other body, however informal."""

    rdf_type: ClassVar = ORG.Organization
    extra_types: ClassVar = (FOAF.Agent,)
    iri_segment: ClassVar = "organisation"
    ref_kind: ClassVar = "organisation"

    kind: Annotated[OrganisationKind, Predicate(KG.organisationKind)]
    """What sort of body this is."""
    parent: Annotated[Id | None, ref("organisation"), Predicate(ORG.subOrganizationOf)] = None
    """The organisation this one is a unit of (the NEC is part of the Labour Party)."""


class Post(Node):
    """A position that one person holds at a time (General Secretary of the Labour Party)."""

    rdf_type: ClassVar = ORG.Post
    iri_segment: ClassVar = "post"
    ref_kind: ClassVar = "post"

    name: Annotated[NonEmptyText, Predicate(SKOS.prefLabel)]
    """The post's title."""
    aliases: Annotated[list[NonEmptyText], Predicate(SKOS.altLabel)] = []
    """Other names of the post."""
    organisation: Annotated[Id, ref("organisation"), Predicate(ORG.postIn)]
    """The organisation the post belongs to."""
