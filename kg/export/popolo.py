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

from rdflib.namespace import DCTERMS, FOAF, ORG, PROV, SKOS

from kg.graphview import GraphView, Lit, local_name
from kg.namespaces import KG, OPENGOV, SCHEMA, WD

_S = str
EVENT_CLASSES = {
    _S(KG.Election): "election",
    _S(KG.DisciplinaryAction): "disciplinary action",
    _S(KG.OrganisationalChange): "organisational change",
}
"""Graph classes exported as Popolo events, with their Popolo ``classification``."""
COUNT_OPTIONS = {_S(KG.votesFor): "yes", _S(KG.votesAgainst): "no", _S(KG.abstentions): "abstain"}
"""Count predicates and the Popolo count option each is."""


def popolo(view: GraphView) -> dict[str, list[dict[str, Any]]]:
    """The Popolo export of a graph view, as JSON-ready dictionaries in IRI order."""
    return {
        "persons": [_person(view, s) for s in view.instances(_S(FOAF.Person))],
        "organizations": [_organization(view, s) for s in view.instances(_S(ORG.Organization))],
        "posts": [_post(view, s) for s in view.instances(_S(ORG.Post))],
        "memberships": [_membership(view, s) for s in view.instances(_S(KG.Tenure))],
        "events": [
            _event(view, s, classification)
            for cls, classification in EVENT_CLASSES.items()
            for s in view.instances(cls)
        ],
        "motions": [_motion(view, s) for s in view.instances(_S(OPENGOV.VoteEvent))],
        "vote_events": [_vote_event(view, s) for s in view.instances(_S(OPENGOV.VoteEvent))],
    }


def popolo_json(view: GraphView) -> bytes:
    """The export as UTF-8 JSON bytes: sorted keys, one form for one graph."""
    text = json.dumps(popolo(view), indent=1, ensure_ascii=False, sort_keys=True)
    return (text + "\n").encode("utf-8")


def _clean(obj: dict[str, Any]) -> dict[str, Any]:
    """Drop absent fields: Popolo fields are optional, and null is not the same as unknown."""
    return {k: v for k, v in obj.items() if v not in (None, [], "")}


def _sources(view: GraphView, subject: str) -> list[dict[str, str]]:
    """Popolo link objects for the source documents a subject was derived from."""
    return [
        _clean({"url": src, "note": view.text(src, _S(DCTERMS.title))})
        for src in view.iris(subject, _S(PROV.wasDerivedFrom))
    ]


def _names(view: GraphView, subject: str) -> list[dict[str, str]]:
    return [
        {"name": v.value} for v in view.values(subject, _S(SKOS.altLabel)) if isinstance(v, Lit)
    ]


def _identifiers(view: GraphView, subject: str) -> list[dict[str, str]]:
    return [
        {"identifier": iri[len(_S(WD)) :], "scheme": "wikidata"}
        for iri in view.iris(subject, _S(SCHEMA.sameAs))
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
            "summary": view.text(s, _S(SCHEMA.description)),
            "sources": _sources(view, s),
        }
    )


def _organization(view: GraphView, s: str) -> dict[str, Any]:
    kind = view.text(s, _S(KG.organisationKind))
    parents = view.iris(s, _S(ORG.subOrganizationOf))
    founded = [
        _date(view, c, _S(DCTERMS.date))
        for c in view.referrers(s, _S(ORG.originalOrganization))
        if view.text(c, _S(KG.changeKind)) == _S(KG.founded)
    ]
    return _clean(
        {
            "id": s,
            "name": view.label(s),
            "other_names": _names(view, s),
            "identifiers": _identifiers(view, s),
            "classification": local_name(kind) if kind else None,
            "parent_id": parents[0] if parents else None,
            "description": view.text(s, _S(SCHEMA.description)),
            "founding_date": min((d for d in founded if d), default=None),
            "sources": _sources(view, s),
        }
    )


def _post(view: GraphView, s: str) -> dict[str, Any]:
    return _clean(
        {
            "id": s,
            "label": view.label(s),
            "organization_id": view.text(s, _S(ORG.postIn)),
            "sources": _sources(view, s),
        }
    )


def _membership(view: GraphView, s: str) -> dict[str, Any]:
    member = view.text(s, _S(ORG.member)) or ""
    is_person = _S(FOAF.Person) in view.types(member)
    post = view.text(s, _S(KG.post))
    organisation = view.text(s, _S(ORG.organization)) or (
        view.text(post, _S(ORG.postIn)) if post else None
    )
    return _clean(
        {
            "id": s,
            "label": view.text(s, _S(KG.roleName)),
            "role": view.text(s, _S(KG.roleName)) or (view.label(post) if post else None),
            "person_id": member if is_person else None,
            "member": None if is_person else {"@type": "Organization", "id": member},
            "organization_id": organisation,
            "post_id": post,
            "start_date": _date(view, s, _S(SCHEMA.startDate)),
            "end_date": _date(view, s, _S(SCHEMA.endDate)),
            "sources": _sources(view, s),
        }
    )


def _event(view: GraphView, s: str, classification: str) -> dict[str, Any]:
    kind = next(
        (
            view.text(s, p)
            for p in (_S(KG.actionKind), _S(KG.changeKind))
            if view.text(s, p) is not None
        ),
        None,
    )
    organisation = (
        view.text(s, _S(KG.actingAuthority))
        or view.text(s, _S(KG.electorate))
        or view.text(s, _S(ORG.originalOrganization))
    )
    attendees = [
        {"@type": "Person", "id": view.text(c, _S(KG.candidate)), "role": "candidate"}
        for c in view.iris(s, _S(KG.candidacy))
    ]
    attendees += [{"id": subject, "role": "subject"} for subject in view.iris(s, _S(KG.subject))]
    return _clean(
        {
            "id": s,
            "name": view.label(s) if view.text(s, _S(SKOS.prefLabel)) else None,
            "description": view.text(s, _S(DCTERMS.description)) or view.text(s, _S(KG.outcome)),
            "classification": f"{classification}: {local_name(kind)}" if kind else classification,
            "start_date": _date(view, s, _S(DCTERMS.date)),
            "status": local_name(view.text(s, _S(KG.actionStatus)) or "") or None,
            "organization_id": organisation,
            "parent_id": view.text(s, _S(KG.follows)),
            "attendees": attendees,
            "sources": _sources(view, s),
        }
    )


def _motion(view: GraphView, s: str) -> dict[str, Any]:
    return _clean(
        {
            "id": f"{s}#motion",
            "organization_id": view.text(s, _S(OPENGOV.organization)),
            "creator_id": view.text(s, _S(KG.proposedBy)),
            "text": view.text(s, _S(DCTERMS.title)),
            "date": _date(view, s, _S(DCTERMS.date)),
            "result": _result(view, s),
            "vote_events": [s],
            "sources": _sources(view, s),
        }
    )


def _result(view: GraphView, s: str) -> str | None:
    """Popolo's result: the graph stores Popolo's own values ('pass', 'fail')."""
    return view.text(s, _S(OPENGOV.result))


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
                "voter_id": view.text(ballot, _S(OPENGOV.voter)),
                "option": view.text(ballot, _S(OPENGOV.option)),
            }
        )
        for ballot in view.iris(s, _S(OPENGOV.vote))
    ]
    return _clean(
        {
            "id": s,
            "motion_id": f"{s}#motion",
            "organization_id": view.text(s, _S(OPENGOV.organization)),
            "start_date": _date(view, s, _S(DCTERMS.date)),
            "result": _result(view, s),
            "counts": counts,
            "votes": votes,
            "sources": _sources(view, s),
        }
    )
