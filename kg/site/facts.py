"""What the pages say about each node: which facts touch it, how a fact is titled and
dated, and which section it belongs in. Generic over classes and properties, so a new
kind of fact appears (under its class name) without code changes."""

from __future__ import annotations

import re
from dataclasses import dataclass

from kg.dates import PartialDate
from kg.graphview import DATE_PREDICATES, GraphView, Lit, local_name
from kg.iris import (
    DCTERMS_date,
    DCTERMS_issued,
    DCTERMS_title,
    FOAF_Agent,
    FOAF_Person,
    KG_actionKind,
    KG_Article,
    KG_attitude,
    KG_Candidacy,
    KG_candidacyStatus,
    KG_candidate,
    KG_changeKind,
    KG_Claim,
    KG_DisciplinaryAction,
    KG_Election,
    KG_evidence,
    KG_OrganisationalChange,
    KG_post,
    KG_roleName,
    KG_SourceDocument,
    KG_stance,
    KG_stanceTowards,
    KG_subject,
    KG_Tenure,
    OA_SpecificResource,
    OA_TextPositionSelector,
    OA_TextQuoteSelector,
    OPENGOV_option,
    OPENGOV_Vote,
    OPENGOV_VoteEvent,
    OPENGOV_voter,
    ORG_member,
    ORG_Organization,
    ORG_organization,
    ORG_originalOrganization,
    ORG_Post,
    PROV_wasAttributedTo,
    PROV_wasDerivedFrom,
    RDF_type,
    SCHEMA_about,
    SCHEMA_startDate,
    SKOS_prefLabel,
)
from kg.namespaces import KG

_S = str
PAGE_KINDS = ("person", "organisation", "post", "election", "vote", "source")
"""Kinds of node with a page of their own (the first path segment of their IRI)."""
_PAGE_IRI = re.compile(r"^.+/(" + "|".join(PAGE_KINDS) + r")/([a-z0-9][a-z0-9._-]*)$")

SECTIONS: list[tuple[str, str]] = [
    (KG_Tenure, "Roles held"),
    (KG_Election, "Elections and candidacies"),
    (KG_Candidacy, "Elections and candidacies"),
    (OPENGOV_VoteEvent, "Votes"),
    (OPENGOV_Vote, "Votes"),
    (KG_DisciplinaryAction, "Disciplinary actions"),
    (KG_OrganisationalChange, "Organisational changes"),
    (KG_Claim, "Claims"),
]
"""Fact classes in page order, with the section each is listed under."""
NON_FACTS = {
    FOAF_Person,
    FOAF_Agent,
    ORG_Organization,
    ORG_Post,
    KG_SourceDocument,
    KG_Article,
    "https://schema.org/Article",
    OA_SpecificResource,
    OA_TextQuoteSelector,
    OA_TextPositionSelector,
}
HIDDEN = {
    RDF_type,
    KG_evidence,
    PROV_wasDerivedFrom,
    *DATE_PREDICATES,
    *(p for pair in DATE_PREDICATES.values() for p in pair),
}
"""Predicates a fact card shows in its own way (dates, evidence, sources), not as a row."""
KIND_PREDICATES = (
    KG_actionKind,
    KG_changeKind,
    KG_candidacyStatus,
    KG_attitude,
    KG_stance,
    OPENGOV_option,
)


def humanise(name: str) -> str:
    """'disciplinaryAction' -> 'disciplinary action'."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).replace("_", " ").lower()


def page_of(iri: str) -> str | None:
    """The page path of a node that has one ('person/jon-lansman.html'), else None."""
    match = _PAGE_IRI.match(iri)
    return f"{match[1]}/{match[2]}.html" if match else None


def is_fact(view: GraphView, iri: str) -> bool:
    types = view.types(iri)
    return bool(types) and not any(t in NON_FACTS for t in types)


def fact_class(view: GraphView, iri: str) -> str:
    """The class a fact is listed by: the first known one, else its first type."""
    types = view.types(iri)
    for cls, _ in SECTIONS:
        if cls in types:
            return cls
    own = [t for t in types if t.startswith(_S(KG))]
    return (own or types or [""])[0]


def section_of(view: GraphView, iri: str) -> str:
    cls = fact_class(view, iri)
    for known, title in SECTIONS:
        if known == cls:
            return title
    return humanise(local_name(cls)).capitalize() or "Other facts"


def section_order(title: str) -> int:
    titles = list(dict.fromkeys(t for _, t in SECTIONS))
    return titles.index(title) if title in titles else len(titles)


def kind_of(view: GraphView, iri: str) -> str | None:
    for predicate in KIND_PREDICATES:
        value = view.text(iri, predicate)
        if value:
            return humanise(local_name(value))
    return None


def parent_of(view: GraphView, iri: str) -> str | None:
    """The fact a part belongs to (the election of a candidacy, the vote of a ballot):
    the node that points at it and whose IRI its own extends."""
    for referrers in view.inverse.get(iri, {}).values():
        for referrer in referrers:
            if iri.startswith(referrer + "/"):
                return referrer
    return None


def fact_date(view: GraphView, iri: str) -> PartialDate | None:
    """A fact's own date, else (for a part such as a ballot) its parent's."""
    for predicate in (DCTERMS_date, SCHEMA_startDate, DCTERMS_issued):
        date = view.date(iri, predicate)
        if date is not None:
            return date
    parent = parent_of(view, iri)
    return fact_date(view, parent) if parent else None


def sort_key(view: GraphView, iri: str) -> tuple[int, tuple[int, int, int], str]:
    date = fact_date(view, iri)
    return (0 if date else 1, date.sort_key() if date else (0, 0, 0), iri)


def value_text(view: GraphView, value: str | Lit) -> str:
    """A value as words: a literal's text, a node's label, a project term's name."""
    if isinstance(value, Lit):
        return value.value
    if value.startswith(_S(KG)):
        return humanise(local_name(value))
    return view.label(value)


def fact_title(view: GraphView, iri: str) -> str:
    """A short title: the fact's own label, or its class and kind in words."""
    for predicate in (SKOS_prefLabel, DCTERMS_title):
        text = view.text(iri, predicate)
        if text:
            return text
    cls = fact_class(view, iri)
    if cls == KG_Tenure:
        role = view.text(iri, KG_roleName)
        post = view.text(iri, KG_post)
        org = view.text(iri, ORG_organization)
        name = role or (view.label(post) if post else "member")
        where = f" of {view.label(org)}" if org and not post else ""
        return f"{view.label(view.text(iri, ORG_member) or '')}: {name}{where}"
    if cls == KG_Claim:  # "LAW asserts, disputing: Jackie Walker's suspension"
        who = ", ".join(view.label(a) for a in view.iris(iri, PROV_wasAttributedTo))
        attitude = humanise(local_name(view.text(iri, KG_attitude) or "claims"))
        stance = view.text(iri, KG_stance)
        towards = ", ".join(view.label(a) for a in view.iris(iri, KG_stanceTowards))
        about = ", ".join(view.label(a) for a in view.iris(iri, SCHEMA_about))
        if stance and towards:
            return f"{who or 'Someone'} {attitude}, {humanise(local_name(stance))}: {towards}"
        return f"{who or 'Someone'} {attitude}" + (f" (about {about})" if about else "")
    words = humanise(local_name(cls)).capitalize()
    kind = kind_of(view, iri)
    subject = next(
        (
            view.label(v)
            for p in (
                KG_subject,
                KG_candidate,
                OPENGOV_voter,
                ORG_originalOrganization,
            )
            for v in view.iris(iri, p)
        ),
        None,
    )
    parts = [words + (f": {kind}" if kind else "")]
    if subject:
        parts.append(subject)
    parent = parent_of(view, iri)
    if parent:
        parts.append(f"in {fact_title(view, parent)}")
    return " — ".join(parts)


@dataclass(frozen=True, slots=True)
class Mention:
    """A fact that points at a node, and the predicate it points with."""

    fact: str
    predicate: str


def mentions(view: GraphView, node: str) -> list[Mention]:
    """Every fact that points at the node, by any predicate except its type."""
    found = {
        Mention(fact, predicate)
        for predicate, facts in view.inverse.get(node, {}).items()
        if predicate != RDF_type
        for fact in facts
        if is_fact(view, fact)
    }
    return sorted(found, key=lambda m: (sort_key(view, m.fact), m.predicate))
