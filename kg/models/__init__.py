"""Typed, strict models of everything a curator writes. The single source of truth:
mapping, ontology and shapes are all derived from the field annotations here."""

from kg.dates import PartialDate, Precision, Qualifier
from kg.models.base import ID_PATTERN, Node, Part, Record
from kg.models.documents import Article, DocumentKind, Source
from kg.models.entities import Entity, Organisation, OrganisationKind, Person, Post
from kg.models.evidence import Evidence
from kg.models.facts import (
    ActionKind,
    ActionStatus,
    Candidacy,
    CandidacyStatus,
    ChangeKind,
    Claim,
    DisciplinaryAction,
    Election,
    Fact,
    MotionVote,
    NamedVote,
    OrganisationalChange,
    Stance,
    Tenure,
    TenureStatus,
    VoteOption,
    VoteResult,
)
from kg.models.files import (
    ENTITY_SECTIONS,
    FACT_SECTIONS,
    Corroboration,
    DocumentFile,
    RegistryFile,
)

__all__ = [
    "ENTITY_SECTIONS",
    "FACT_SECTIONS",
    "ID_PATTERN",
    "ActionKind",
    "ActionStatus",
    "Article",
    "Candidacy",
    "CandidacyStatus",
    "ChangeKind",
    "Claim",
    "Corroboration",
    "DisciplinaryAction",
    "DocumentFile",
    "DocumentKind",
    "Election",
    "Entity",
    "Evidence",
    "Fact",
    "MotionVote",
    "NamedVote",
    "Node",
    "Organisation",
    "OrganisationKind",
    "OrganisationalChange",
    "Part",
    "PartialDate",
    "Person",
    "Post",
    "Precision",
    "Qualifier",
    "Record",
    "RegistryFile",
    "Source",
    "Stance",
    "Tenure",
    "TenureStatus",
    "VoteOption",
    "VoteResult",
]
