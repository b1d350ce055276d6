"""The kinds added for the seed graph (issues 13, 18): what loads, what is refused and
with which message, and the RDF each maps to."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import FOAF, RDF

import kg
from kg.errors import InputError
from kg.namespaces import KG, SCHEMA

ID = "https://w3id.org/kg/id/"

REGISTRY = """\
people:
- id: ada-quill
  name: Ada Quill
- id: cora-lind
  name: Cora Lind
organisations:
- id: harbour-party
  name: Harbour Party
  kind: party
- id: harbour-executive
  name: Harbour executive
  kind: committee
  parent: harbour-party
"""

SOURCE = """\
source:
  id: page
  file: page.txt
  sha256: "0000000000000000000000000000000000000000000000000000000000000000"
  title: A page
  kind: web-page
{source_extra}"""

EVIDENCE = "  evidence:\n  - quote: some words\n"


def write(tmp_path: Path, body: str, source_extra: str = "") -> Path:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "registry.yaml").write_text(REGISTRY, encoding="utf-8")
    text = SOURCE.format(source_extra=source_extra) + body
    (seeds / "page.yaml").write_text(text, encoding="utf-8")
    return seeds


def graph(tmp_path: Path, body: str, source_extra: str = "") -> Graph:
    return kg.build(write(tmp_path, body, source_extra), run_validation=False).graph()


def problem(tmp_path: Path, body: str, source_extra: str = "") -> str:
    with pytest.raises(InputError) as info:
        kg.load_corpus(write(tmp_path, body, source_extra))
    [found] = info.value.problems
    return str(found)


def test_field_evidence_maps_to_one_node_per_field_naming_the_predicate(tmp_path: Path) -> None:
    extra = "  field_evidence:\n    title:\n    - quote: A page\n      start: 0\n      end: 6\n"
    g = graph(tmp_path, "", extra)
    source = URIRef(f"{ID}source/page")
    [node] = g.objects(source, KG.fieldEvidence)
    assert node == URIRef(f"{ID}source/page/evidence/title/0-6")
    assert g.value(node, KG.evidenceField) == URIRef("http://purl.org/dc/terms/title")
    assert (node, RDF.type, URIRef("http://www.w3.org/ns/oa#SpecificResource")) in g


def test_field_evidence_for_an_unstated_field_is_refused(tmp_path: Path) -> None:
    extra = "  field_evidence:\n    modified:\n    - quote: Updated today\n"
    message = problem(tmp_path, "", extra)
    assert "page.yaml:7:3: source.field_evidence:" in message
    assert "field_evidence gives quotes for 'modified', which is not stated" in message


def test_field_evidence_for_a_field_that_is_not_metadata_is_refused(tmp_path: Path) -> None:
    extra = "  field_evidence:\n    sha256:\n    - quote: some words\n"
    assert "names 'sha256', which is not a metadata field here" in problem(tmp_path, "", extra)


MESSAGE = """\
messages:
- id: ada-email
  kind: email
  sender: ada-quill
  to: [harbour-executive]
  cc: [cora-lind]
  sent: "2021-05-02"
  sent_time: "{time}"
"""


def test_a_message_is_reproduced_in_its_file_source_and_an_email_is_typed_so(
    tmp_path: Path,
) -> None:
    g = graph(tmp_path, MESSAGE.format(time="09:15"))
    message = URIRef(f"{ID}message/ada-email")
    assert g.value(message, KG.reproducedIn) == URIRef(f"{ID}source/page")
    assert (message, RDF.type, SCHEMA.EmailMessage) in g
    assert g.value(message, SCHEMA.ccRecipient) == URIRef(f"{ID}person/cora-lind")
    assert g.value(message, KG.sentPrecision) == KG.day


def test_a_sent_time_must_be_hours_and_minutes(tmp_path: Path) -> None:
    assert "sent_time" in problem(tmp_path, MESSAGE.format(time="7:39 PM"))


EVENT = (
    """\
events:
- id: exec-meeting
  name: Executive meeting
  kind: meeting
  body: harbour-executive
  participants: [ada-quill, commenters]
{dates}  online: true
"""
    + EVIDENCE
)


AGENTS = (
    """\
unnamed_agents:
- id: commenters
  kind: unnamed-group
  description: Readers commenting on the page.
  members: [cora-lind]
"""
    + EVIDENCE
)


def test_an_event_maps_attendance_mode_and_unnamed_participants(tmp_path: Path) -> None:
    g = graph(tmp_path, AGENTS + EVENT.format(dates='  date: "2021-05-03"\n'))
    event = URIRef(f"{ID}event/exec-meeting")
    assert g.value(event, SCHEMA.eventAttendanceMode) == SCHEMA.OnlineEventAttendanceMode
    assert g.value(event, KG.eventKind) == KG.eventMeeting
    assert (event, SCHEMA.attendee, URIRef(f"{ID}agent/commenters")) in g
    assert (URIRef(f"{ID}agent/commenters"), RDF.type, FOAF.Group) in g


def test_an_event_has_a_date_or_a_span_not_both(tmp_path: Path) -> None:
    dates = '  date: "2021-05-03"\n  start: "2021-05"\n'
    assert "give 'date' for a one-day event, or 'start'/'end', not both" in problem(
        tmp_path, AGENTS + EVENT.format(dates=dates)
    )


def test_at_event_must_name_an_event(tmp_path: Path) -> None:
    body = AGENTS + (
        "votes:\n- id: v\n  motion: M\n  body: harbour-executive\n  at_event: commenters\n"
        + EVIDENCE
    )
    assert "'commenters' is a fact/unnamed-agent, not an event" in problem(tmp_path, body)


def test_claims_map_attitude_stance_and_towards(tmp_path: Path) -> None:
    body = (
        "claims:\n- id: c\n  text: The meeting was rigged.\n  by: [cora-lind]\n"
        "  attitude: alleges\n  stance: disputes\n  towards: [harbour-executive]\n"
        "  about: [harbour-executive]\n" + EVIDENCE
    )
    g = graph(tmp_path, body)
    claim = URIRef(f"{ID}claim/c")
    assert g.value(claim, KG.attitude) == KG.alleges
    assert g.value(claim, KG.stance) == KG.disputes
    assert g.value(claim, KG.stanceTowards) == URIRef(f"{ID}organisation/harbour-executive")


def test_certainty_and_according_to_on_any_fact(tmp_path: Path) -> None:
    body = AGENTS + (
        "roles:\n- id: t\n  person: commenters\n  organisation: harbour-party\n"
        "  role: member\n  certainty: anonymous\n  according_to: [commenters]\n" + EVIDENCE
    )
    g = graph(tmp_path, body)
    tenure = URIRef(f"{ID}tenure/t")
    assert g.value(tenure, KG.certainty) == KG.anonymous
    assert g.value(tenure, KG.accordingTo) == URIRef(f"{ID}agent/commenters")


def test_holders_cannot_hold_more_seats_than_the_body_has(tmp_path: Path) -> None:
    body = (
        "compositions:\n- id: exec-2021\n  body: harbour-executive\n  seats: 5\n  holders:\n"
        "  - holder: harbour-party\n    seats: 6\n    evidence:\n    - quote: six seats\n"
        + EVIDENCE
    )
    assert "the holders have 6 seats, more than the 5 in all" in problem(tmp_path, body)


def test_a_message_only_mentioned_is_linked_as_mentioned(tmp_path: Path) -> None:
    body = MESSAGE.format(time="09:15") + "  reproduced: false\n"
    g = graph(tmp_path, body)
    message = URIRef(f"{ID}message/ada-email")
    assert g.value(message, KG.mentionedIn) == URIRef(f"{ID}source/page")
    assert g.value(message, KG.reproducedIn) is None


def test_mentioned_in_needs_reproduced_false(tmp_path: Path) -> None:
    body = MESSAGE.format(time="09:15") + "  mentioned_in: page\n"
    assert "add 'reproduced: false'" in problem(tmp_path, body)


def test_an_article_is_traced_to_its_own_line(tmp_path: Path) -> None:
    extra = "  articles:\n  - id: first\n    title: First\n    start: 0\n    end: 5\n"
    build = kg.build(write(tmp_path, "", extra), run_validation=False)
    where = build.mapping.origins[f"{ID}article/first"]
    assert where.line == 8 and where.file.endswith("page.yaml")
