"""The graph as Popolo JSON (https://www.popoloproject.com/specs/), field by field after the
specification's JSON schemas: persons, organizations, posts, memberships, events,
motions and vote_events (with their counts and votes), each object with ``sources``.

Dates keep the precision the sources give (Popolo's date pattern allows YYYY, YYYY-MM
and YYYY-MM-DD). What Popolo has no field for (a date's circa/before/after, a claim)
is left out rather than forced into a field that means something else; the CSV
export and the graph keep it.
"""

from __future__ import annotations

import json
from typing import Any

from kg.graphview import GraphView, Lit, local_name
from kg.iris import (
    DCTERMS_date,
    DCTERMS_description,
    DCTERMS_hasPart,
    DCTERMS_title,
    FOAF_Person,
    KG_abstentions,
    KG_actingAuthority,
    KG_actionKind,
    KG_actionStatus,
    KG_candidacy,
    KG_candidate,
    KG_changeKind,
    KG_DisciplinaryAction,
    KG_Election,
    KG_electorate,
    KG_follows,
    KG_founded,
    KG_OrganisationalChange,
    KG_organisationKind,
    KG_outcome,
    KG_post,
    KG_proposedBy,
    KG_roleName,
    KG_SourceDocument,
    KG_subject,
    KG_Tenure,
    KG_votesAgainst,
    KG_votesFor,
    OPENGOV_option,
    OPENGOV_organization,
    OPENGOV_result,
    OPENGOV_vote,
    OPENGOV_VoteEvent,
    OPENGOV_voter,
    ORG_member,
    ORG_Organization,
    ORG_organization,
    ORG_originalOrganization,
    ORG_Post,
    ORG_postIn,
    ORG_subOrganizationOf,
    PROV_wasDerivedFrom,
    RDF_type,
    SCHEMA_description,
    SCHEMA_endDate,
    SCHEMA_sameAs,
    SCHEMA_startDate,
    SKOS_altLabel,
    SKOS_prefLabel,
)
from kg.namespaces import WD

_S = str
EVENT_CLASSES = {
    KG_Election: "election",
    KG_DisciplinaryAction: "disciplinary action",
    KG_OrganisationalChange: "organisational change",
}
"""Graph classes exported as Popolo events, with their Popolo ``classification``."""
COUNT_OPTIONS = {KG_votesFor: "yes", KG_votesAgainst: "no", KG_abstentions: "abstain"}
"""Count predicates and the Popolo count option each is."""


def popolo(view: GraphView) -> dict[str, list[dict[str, Any]]]:
    """The Popolo export of a graph view, as JSON-ready dictionaries in IRI order."""
    return {
        "persons": [_person(view, s) for s in view.instances(FOAF_Person)],
        "organizations": [_organization(view, s) for s in view.instances(ORG_Organization)],
        "posts": [_post(view, s) for s in view.instances(ORG_Post)],
        "memberships": [_membership(view, s) for s in view.instances(KG_Tenure)],
        "events": [
            _event(view, s, classification)
            for cls, classification in EVENT_CLASSES.items()
            for s in view.instances(cls)
        ],
        "motions": [_motion(view, s) for s in view.instances(OPENGOV_VoteEvent)],
        "vote_events": [_vote_event(view, s) for s in view.instances(OPENGOV_VoteEvent)],
    }


def popolo_json(view: GraphView) -> bytes:
    """The export as UTF-8 JSON bytes: sorted keys, one form for one graph."""
    text = json.dumps(popolo(view), indent=1, ensure_ascii=False, sort_keys=True)
    return (text + "\n").encode("utf-8")


def _clean(obj: dict[str, Any]) -> dict[str, Any]:
    """Drop absent fields: Popolo fields are optional, and null is not the same as unknown."""
    return {k: v for k, v in obj.items() if v not in (None, [], "")}


def _sources(view: GraphView, subject: str) -> list[dict[str, str]]:
    """Popolo link objects for the source documents a subject was derived from; for a
    person, organisation or post (named in the registry, not by a source), the sources
    of the facts that mention it."""
    found = view.iris(subject, PROV_wasDerivedFrom)
    if not found:
        mentioned: set[str] = set()
        for predicate, referrers in view.inverse.get(subject, {}).items():
            if predicate == RDF_type:
                continue
            for referrer in referrers:
                mentioned.update(view.iris(referrer, PROV_wasDerivedFrom))
                if KG_SourceDocument in view.types(referrer):  # its author or publisher
                    mentioned.add(referrer)
                mentioned.update(view.referrers(referrer, DCTERMS_hasPart))  # an article's
        found = sorted(mentioned)
    return [_clean({"url": src, "note": view.text(src, DCTERMS_title)}) for src in found]


def _names(view: GraphView, subject: str) -> list[dict[str, str]]:
    return [{"name": v.value} for v in view.values(subject, SKOS_altLabel) if isinstance(v, Lit)]


def _identifiers(view: GraphView, subject: str) -> list[dict[str, str]]:
    return [
        {"identifier": iri[len(_S(WD)) :], "scheme": "wikidata"}
        for iri in view.iris(subject, SCHEMA_sameAs)
        if iri.startswith(_S(WD))
    ]


def _date(view: GraphView, subject: str, predicate: str) -> str | None:
    date = view.date(subject, predicate)
    return None if date is None else date.iso


def _person(view: GraphView, s: str) -> dict[str, Any]:
    return _clean(
        {
            "id": s,
            "name": view.label(s),
            "other_names": _names(view, s),
            "identifiers": _identifiers(view, s),
            "summary": view.text(s, SCHEMA_description),
            "sources": _sources(view, s),
        }
    )


def _organization(view: GraphView, s: str) -> dict[str, Any]:
    kind = view.text(s, KG_organisationKind)
    parents = view.iris(s, ORG_subOrganizationOf)
    founded = [
        _date(view, c, DCTERMS_date)
        for c in view.referrers(s, ORG_originalOrganization)
        if view.text(c, KG_changeKind) == KG_founded
    ]
    return _clean(
        {
            "id": s,
            "name": view.label(s),
            "other_names": _names(view, s),
            "identifiers": _identifiers(view, s),
            "classification": local_name(kind) if kind else None,
            "parent_id": parents[0] if parents else None,
            "description": view.text(s, SCHEMA_description),
            "founding_date": min((d for d in founded if d), default=None),
            "sources": _sources(view, s),
        }
    )


def _post(view: GraphView, s: str) -> dict[str, Any]:
    return _clean(
        {
            "id": s,
            "label": view.label(s),
            "organization_id": view.text(s, ORG_postIn),
            "sources": _sources(view, s),
        }
    )


def _membership(view: GraphView, s: str) -> dict[str, Any]:
    member = view.text(s, ORG_member) or ""
    is_person = FOAF_Person in view.types(member)
    post = view.text(s, KG_post)
    organisation = view.text(s, ORG_organization) or (view.text(post, ORG_postIn) if post else None)
    return _clean(
        {
            "id": s,
            "label": view.text(s, KG_roleName),
            "role": view.text(s, KG_roleName) or (view.label(post) if post else None),
            "person_id": member if is_person else None,
            "member": None if is_person else {"@type": "Organization", "id": member},
            "organization_id": organisation,
            "post_id": post,
            "start_date": _date(view, s, SCHEMA_startDate),
            "end_date": _date(view, s, SCHEMA_endDate),
            "sources": _sources(view, s),
        }
    )


def _event(view: GraphView, s: str, classification: str) -> dict[str, Any]:
    kind = next(
        (view.text(s, p) for p in (KG_actionKind, KG_changeKind) if view.text(s, p) is not None),
        None,
    )
    organisation = (
        view.text(s, KG_actingAuthority)
        or view.text(s, KG_electorate)
        or view.text(s, ORG_originalOrganization)
    )
    attendees = [
        {"@type": "Person", "id": view.text(c, KG_candidate), "role": "candidate"}
        for c in view.iris(s, KG_candidacy)
    ]
    attendees += [{"id": subject, "role": "subject"} for subject in view.iris(s, KG_subject)]
    return _clean(
        {
            "id": s,
            "name": view.label(s) if view.text(s, SKOS_prefLabel) else None,
            "description": view.text(s, DCTERMS_description) or view.text(s, KG_outcome),
            "classification": f"{classification}: {local_name(kind)}" if kind else classification,
            "start_date": _date(view, s, DCTERMS_date),
            "status": local_name(view.text(s, KG_actionStatus) or "") or None,
            "organization_id": organisation,
            "parent_id": view.text(s, KG_follows),
            "attendees": attendees,
            "sources": _sources(view, s),
        }
    )


def _motion(view: GraphView, s: str) -> dict[str, Any]:
    return _clean(
        {
            "id": f"{s}#motion",
            "organization_id": view.text(s, OPENGOV_organization),
            "creator_id": view.text(s, KG_proposedBy),
            "text": view.text(s, DCTERMS_title),
            "date": _date(view, s, DCTERMS_date),
            "result": _result(view, s),
            "vote_events": [s],
            "sources": _sources(view, s),
        }
    )


def _result(view: GraphView, s: str) -> str | None:
    """Popolo's result: the graph stores Popolo's own values ('pass', 'fail')."""
    return view.text(s, OPENGOV_result)


def _vote_event(view: GraphView, s: str) -> dict[str, Any]:
    counts = []
    for predicate, option in COUNT_OPTIONS.items():
        value = view.first(s, predicate)
        if isinstance(value, Lit):
            counts.append({"option": option, "value": int(value.value)})
    votes = [
        _clean(
            {
                "id": ballot,
                "vote_event_id": s,
                "voter_id": view.text(ballot, OPENGOV_voter),
                "option": view.text(ballot, OPENGOV_option),
            }
        )
        for ballot in view.iris(s, OPENGOV_vote)
    ]
    return _clean(
        {
            "id": s,
            "motion_id": f"{s}#motion",
            "organization_id": view.text(s, OPENGOV_organization),
            "start_date": _date(view, s, DCTERMS_date),
            "result": _result(view, s),
            "counts": counts,
            "votes": votes,
            "sources": _sources(view, s),
        }
    )
