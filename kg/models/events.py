"""Events: meetings, conferences, interviews and ballot periods where things happen."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar, Self

from pydantic import model_validator
from rdflib.namespace import SKOS

from kg.dates import PartialDate
from kg.models.base import AGENT, Count, Id, NonEmptyText, ref
from kg.models.facts import DATE, END, START, Fact
from kg.namespaces import KG, SCHEMA
from kg.rdfmeta import Predicate, iri_prefix


@iri_prefix("event")
class EventKind(StrEnum):
    """What sort of event this is."""

    MEETING = "meeting"
    CONFERENCE = "conference"
    RALLY = "rally"
    HEARING = "hearing"
    INTERVIEW = "interview"
    ONLINE_MEETING = "online-meeting"
    BALLOT_PERIOD = "ballot-period"
    HUSTINGS = "hustings"
    SERIES = "series"
    OTHER = "other"


class Event(Fact):
    """Something that took place: a meeting of a body, a conference, an interview, a ballot
    period; votes, elections, actions, changes and claims link to it with ``at_event``."""

    rdf_type: ClassVar = KG.Event
    extra_types: ClassVar = (SCHEMA.Event,)
    iri_segment: ClassVar = "event"
    ref_kind: ClassVar = "event"

    name: Annotated[NonEmptyText, Predicate(SKOS.prefLabel)]
    """A short name ('Momentum NCG meeting, September 2019')."""
    kind: Annotated[EventKind, Predicate(KG.eventKind)]
    """Meeting, conference, rally, hearing, interview ..."""
    organiser: Annotated[list[Id], ref("person", "organisation"), Predicate(SCHEMA.organizer)] = []
    """Who organised it."""
    body: Annotated[Id | None, ref("organisation"), Predicate(KG.meetingBody)] = None
    """The body meeting, for a meeting of a committee or council."""
    date: Annotated[PartialDate | None, DATE] = None
    """When it took place, for a one-day event."""
    start: Annotated[PartialDate | None, START] = None
    """When it began ('since March 2020': start 2020-03)."""
    end: Annotated[PartialDate | None, END] = None
    """When it ended."""
    participants: Annotated[list[Id], ref(*AGENT), Predicate(SCHEMA.attendee)] = []
    """Who took part."""
    attendance: Annotated[Count | None, Predicate(KG.attendance)] = None
    """How many attended, as the source gives it ('almost 200': 200; the quote keeps 'almost')."""
    agenda: Annotated[list[NonEmptyText], Predicate(KG.agendaItem)] = []
    """What was on the agenda, in words."""
    place: Annotated[NonEmptyText | None, Predicate(SCHEMA.location)] = None
    """Where, in words."""
    online: Annotated[
        bool | None,
        Predicate(
            SCHEMA.eventAttendanceMode,
            bool_iris=(SCHEMA.OnlineEventAttendanceMode, SCHEMA.OfflineEventAttendanceMode),
        ),
    ] = None
    """Whether it was held online (true) or in person (false)."""
    part_of: Annotated[Id | None, ref("event"), Predicate(SCHEMA.superEvent)] = None
    """The series or larger event this one belongs to."""

    @model_validator(mode="after")
    def _one_kind_of_date(self) -> Self:
        if self.date is not None and (self.start is not None or self.end is not None):
            raise ValueError("give 'date' for a one-day event, or 'start'/'end', not both")
        return self
