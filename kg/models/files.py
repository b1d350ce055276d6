"""The two kinds of extraction file: the shared registry and one file per source document."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from kg.models.agents import UnnamedAgent
from kg.models.base import Id, Record, ref
from kg.models.documents import Message, Source
from kg.models.entities import Organisation, Person, Post
from kg.models.events import Event
from kg.models.evidence import Evidence
from kg.models.facts import (
    Claim,
    Composition,
    DisciplinaryAction,
    Election,
    MotionVote,
    OrganisationalChange,
    Tenure,
)
from kg.models.names import NameStatement


class Corroboration(Record):
    """More evidence, from this document, for a fact another document's file states.

    The fact keeps one id and one set of fields; each source adds its quotes, and
    its named graph records that it reports the fact.
    """

    fact: Annotated[Id, ref("fact")]
    """The id of the fact reported."""
    evidence: Annotated[list[Evidence], Field(min_length=1)]
    """Quotes from this document supporting the fact."""


class RegistryFile(Record):
    """``registry.yaml``: every person, organisation and post, with ids global to the corpus."""

    people: list[Person] = []
    """Natural persons."""
    organisations: list[Organisation] = []
    """Parties, unions, factions, committees, outlets and other bodies."""
    posts: list[Post] = []
    """Positions held by one person at a time."""


class DocumentFile(Record):
    """One extraction file: a source document and the facts the curators found in it."""

    source: Annotated[Source, Field(description="The document these facts come from.")]
    messages: list[Message] = []
    """E-mails, letters and statements the document reproduces, with their own metadata."""
    unnamed_agents: list[UnnamedAgent] = []
    """People and groups the document speaks of without naming them (commenters, 'critics')."""
    events: list[Event] = []
    """Meetings, conferences, interviews and ballot periods."""
    names: list[NameStatement] = []
    """Names and descriptions the document gives an entity ('also known as LLA')."""
    roles: list[Tenure] = []
    """Roles held: posts and memberships, with dates."""
    elections: list[Election] = []
    """Contests for posts and bodies, with candidacies."""
    votes: list[MotionVote] = []
    """Votes on motions, with counts."""
    disciplinary_actions: list[DisciplinaryAction] = []
    """Suspensions, expulsions, readmissions, referrals and removals."""
    organisational_changes: list[OrganisationalChange] = []
    """Foundings, dissolutions, restructurings, affiliations."""
    compositions: list[Composition] = []
    """Seat counts of a body: who holds how many seats."""
    claims: list[Claim] = []
    """Contested assertions and opinions, attributed."""
    corroborates: list[Corroboration] = []
    """Facts stated in another document's file that this document reports too."""
