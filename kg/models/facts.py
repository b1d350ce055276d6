"""Facts: what a source states happened. Every fact carries at least one piece of evidence."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar, Self

from pydantic import Field, model_validator
from rdflib.namespace import DCTERMS, ORG, PROV, SKOS

from kg.dates import PartialDate
from kg.models.base import AGENT, Count, Id, Node, NonEmptyText, Part, ref, require_unique_keys
from kg.models.evidence import Evidence
from kg.namespaces import KG, OPENGOV, SCHEMA
from kg.rdfmeta import Predicate

Percent = Annotated[float, Field(ge=0, le=100, strict=True)]


DATE = Predicate(DCTERMS.date, precision=KG.datePrecision, qualifier=KG.dateQualifier)
START = Predicate(SCHEMA.startDate, precision=KG.startPrecision, qualifier=KG.startQualifier)
END = Predicate(SCHEMA.endDate, precision=KG.endPrecision, qualifier=KG.endQualifier)


AT_EVENT = Predicate(KG.atEvent)


class Certainty(StrEnum):
    """How firmly the source states a fact (leave it out for a fact reported as fact)."""

    REPORTED = "reported"
    """The source states it as fact (the default)."""
    ATTRIBUTED = "attributed"
    """The source reports it as someone's statement ('according to X')."""
    CONTESTED = "contested"
    """The source, or someone it reports, disputes it."""
    HEARSAY = "hearsay"
    """Second-hand: someone says they were told it."""
    ANONYMOUS = "anonymous"
    """It rests on an unnamed source (a reader comment, 'sources said')."""


class Fact(Node):
    """Base of every fact: an id, its evidence, how firmly it is stated, a curator note."""

    evidence: Annotated[list[Evidence], Field(min_length=1), Predicate(KG.evidence)]
    """Verbatim quotes supporting the fact (at least one)."""
    certainty: Annotated[Certainty | None, Predicate(KG.certainty, repeatable=True)] = None
    """How firmly the source states it; anything but 'reported' names who in according_to."""
    according_to: Annotated[list[Id], ref(*AGENT), Predicate(KG.accordingTo)] = []
    """Whose statement the fact rests on, when the source attributes it."""


class TenureStatus(StrEnum):
    """The state of a tenure when the source was written."""

    CURRENT = "current"
    FORMER = "former"
    ACTING = "acting"
    INTERIM = "interim"
    OUTGOING = "outgoing"
    INCOMING = "incoming"


class Tenure(Fact):
    """A role held: who held which post or membership in which organisation, and when."""

    rdf_type: ClassVar = ORG.Membership
    extra_types: ClassVar = (KG.Tenure,)
    iri_segment: ClassVar = "tenure"

    person: Annotated[Id, ref(*AGENT), Predicate(ORG.member)]
    """Who holds the role (a person, an organisation affiliated as a member, or an unnamed
    group such as 'some of the statement's authors')."""
    organisation: Annotated[Id | None, ref("organisation"), Predicate(ORG.organization)] = None
    """Where the role is held; may be left out when ``post`` names it."""
    post: Annotated[Id | None, ref("post"), Predicate(KG.post)] = None
    """The post held, when it is one of the registry's posts."""
    role: Annotated[NonEmptyText | None, Predicate(KG.roleName)] = None
    """The role in words ('member', 'chair', 'vice-chair'), when there is no post."""
    start: Annotated[PartialDate | None, START] = None
    """When the tenure began."""
    end: Annotated[PartialDate | None, END] = None
    """When it ended."""
    status: Annotated[TenureStatus | None, Predicate(KG.tenureStatus, repeatable=True)] = None
    """The tenure's state when the source was written (sources of different dates may differ)."""

    @model_validator(mode="after")
    def _what_is_held(self) -> Self:
        if self.post is None and self.role is None:
            raise ValueError("give 'post' (a registry id) or 'role' (in words), or both")
        if self.post is None and self.organisation is None:
            raise ValueError("give 'organisation' when there is no 'post'")
        return self


class CandidacyStatus(StrEnum):
    """Where a candidacy stood when the source was written."""

    STANDING = "standing"
    WITHDRAWN = "withdrawn"
    ELECTED = "elected"
    DEFEATED = "defeated"
    POTENTIAL = "potential"


class Candidacy(Part):
    """One person standing (or having stood) in an election."""

    rdf_type: ClassVar = KG.Candidacy
    iri_segment: ClassVar = "candidacy"
    key_field: ClassVar = "candidate"

    candidate: Annotated[Id, ref("person"), Predicate(KG.candidate)]
    """Who stands."""
    status: Annotated[CandidacyStatus | None, Predicate(KG.candidacyStatus, repeatable=True)] = None
    """Where the candidacy stood when the source was written (standing, then withdrawn ...)."""
    endorsed_by: Annotated[list[Id], ref("person", "organisation"), Predicate(KG.endorsedBy)] = []
    """People and organisations backing the candidate."""
    votes: Annotated[Count | None, Predicate(KG.votesReceived)] = None
    """Votes received."""
    date: Annotated[
        PartialDate | None,
        Predicate(
            DCTERMS.date, precision=KG.datePrecision, qualifier=KG.dateQualifier, repeatable=True
        ),
    ] = None
    """When the status was reached (a withdrawal's date); as of the source, like the status."""
    evidence: Annotated[list[Evidence], Field(min_length=1), Predicate(KG.evidence)]
    """Quotes supporting this candidacy."""


class Slate(Part):
    """A list of candidates put forward together (an NEC slate), and who was left off it."""

    rdf_type: ClassVar = KG.Slate
    iri_segment: ClassVar = "slate"
    key_field: ClassVar = "slate"

    slate: Id
    """A slug naming the slate within its election (its IRI is the election's plus it)."""
    name: Annotated[NonEmptyText | None, Predicate(SKOS.prefLabel)] = None
    """The slate's name, if it has one ('the Centre Left Grassroots Alliance slate')."""
    backed_by: Annotated[list[Id], ref("person", "organisation"), Predicate(KG.backedBy)] = []
    """Who put the slate forward."""
    members: Annotated[list[Id], ref("person"), Predicate(KG.slateMember)] = []
    """Candidates on the slate."""
    left_off: Annotated[list[Id], ref("person"), Predicate(KG.leftOffSlate)] = []
    """People the source says were left off it."""
    evidence: Annotated[list[Evidence], Field(min_length=1), Predicate(KG.evidence)]
    """Quotes supporting this slate."""


class Election(Fact):
    """A contest for a post or for seats on a body."""

    rdf_type: ClassVar = KG.Election
    iri_segment: ClassVar = "election"

    name: Annotated[NonEmptyText, Predicate(SKOS.prefLabel)]
    """A short name for the contest."""
    post: Annotated[Id | None, ref("post"), Predicate(KG.contestedPost)] = None
    """The post contested."""
    body: Annotated[Id | None, ref("organisation"), Predicate(KG.contestedBody)] = None
    """The body whose seats are contested (NEC elections)."""
    electorate: Annotated[Id | None, ref("organisation"), Predicate(KG.electorate)] = None
    """Who votes: a committee, or an organisation's membership."""
    date: Annotated[PartialDate | None, DATE] = None
    """When the result was decided or announced."""
    method: Annotated[NonEmptyText | None, Predicate(KG.votingMethod)] = None
    """How the winner is chosen, in words ('chosen by the NEC', 'one member one vote')."""
    turnout: Annotated[Percent | None, Predicate(KG.turnoutPercent)] = None
    """Turnout as a percentage of the electorate."""
    ballots_cast: Annotated[Count | None, Predicate(KG.ballotsCast)] = None
    """Number of ballots cast."""
    candidacies: Annotated[list[Candidacy], Predicate(KG.candidacy)] = []
    """Who stood, withdrew, won or lost."""
    winner: Annotated[Id | None, ref("person"), Predicate(KG.winner)] = None
    """Who won, when the source says so; must also appear as a candidacy."""
    slates: Annotated[list[Slate], Predicate(KG.slate)] = []
    """Slates of candidates, with who was on them and who was left off."""
    at_event: Annotated[Id | None, ref("event"), AT_EVENT] = None
    """The event (a conference, a ballot period) the election was held at."""

    @model_validator(mode="after")
    def _contest(self) -> Self:
        if self.post is None and self.body is None:
            raise ValueError("give the contested 'post' or 'body'")
        require_unique_keys(self.candidacies, "{!r} has two candidacies")
        require_unique_keys(self.slates, "slate {!r} is given twice")
        return self


class VoteOption(StrEnum):
    """Popolo's vote options, so Popolo consumers read our counts."""

    YES = "yes"
    NO = "no"
    ABSTAIN = "abstain"
    ABSENT = "absent"
    NOT_VOTING = "not voting"


class VoteResult(StrEnum):
    """Popolo's results of a vote event."""

    PASS = "pass"
    FAIL = "fail"


class NamedVote(Part):
    """How one named person voted."""

    rdf_type: ClassVar = OPENGOV.Vote
    iri_segment: ClassVar = "ballot"
    key_field: ClassVar = "voter"

    voter: Annotated[Id, ref("person"), Predicate(OPENGOV.voter)]
    """Who voted."""
    option: Annotated[VoteOption, Predicate(OPENGOV.option, literal=True)]
    """How they voted."""


class MotionVote(Fact):
    """A vote on a motion inside a body (a committee, a conference, a ballot of members)."""

    rdf_type: ClassVar = OPENGOV.VoteEvent
    iri_segment: ClassVar = "vote"

    motion: Annotated[NonEmptyText, Predicate(DCTERMS.title)]
    """What was voted on, in words."""
    body: Annotated[Id, ref("organisation"), Predicate(OPENGOV.organization)]
    """The body that voted."""
    date: Annotated[PartialDate | None, DATE] = None
    """When the vote was held."""
    yes: Annotated[Count | None, Predicate(KG.votesFor)] = None
    """Votes for."""
    no: Annotated[Count | None, Predicate(KG.votesAgainst)] = None
    """Votes against."""
    abstain: Annotated[Count | None, Predicate(KG.abstentions)] = None
    """Abstentions."""
    result: Annotated[VoteResult | None, Predicate(OPENGOV.result, literal=True)] = None
    """Whether the motion passed."""
    method: Annotated[NonEmptyText | None, Predicate(KG.votingMethod)] = None
    """How the vote was taken ('online ballot of members', 'show of hands')."""
    turnout: Annotated[Percent | None, Predicate(KG.turnoutPercent)] = None
    """Turnout as a percentage of those entitled to vote."""
    ballots_cast: Annotated[Count | None, Predicate(KG.ballotsCast)] = None
    """How many took part (a members' ballot with 4,150 voters)."""
    voters: Annotated[list[NamedVote], Predicate(OPENGOV.vote)] = []
    """Named voters, where the source names them."""
    proposer: Annotated[Id | None, ref("person", "organisation"), Predicate(KG.proposedBy)] = None
    """Who proposed the motion."""
    rule: Annotated[NonEmptyText | None, Predicate(KG.ruleCited)] = None
    """The rule the vote was held under or had to meet ('changes need a unanimous vote')."""
    at_event: Annotated[Id | None, ref("event"), AT_EVENT] = None
    """The meeting, conference or ballot period the vote was taken at."""

    @model_validator(mode="after")
    def _one_ballot_per_voter(self) -> Self:
        require_unique_keys(self.voters, "{!r} is named twice among the voters")
        return self


class ActionKind(StrEnum):
    """What a disciplinary action did to its subject."""

    SUSPENSION = "suspension"
    EXPULSION = "expulsion"
    READMISSION = "readmission"
    REFERRAL = "referral"
    INVESTIGATION = "investigation"
    REMOVAL_FROM_POST = "removal-from-post"
    WARNING = "warning"
    RESIGNATION = "resignation"
    BAN = "ban"


class ActionStatus(StrEnum):
    """Where a disciplinary process stood when the source was written."""

    ONGOING = "ongoing"
    CONCLUDED = "concluded"
    OVERTURNED = "overturned"
    THREATENED = "threatened"


class DisciplinaryAction(Fact):
    """A step in a disciplinary process: suspension, expulsion, readmission and the rest."""

    rdf_type: ClassVar = KG.DisciplinaryAction
    iri_segment: ClassVar = "action"
    ref_kind: ClassVar = "disciplinary-action"

    kind: Annotated[ActionKind, Predicate(KG.actionKind)]
    """What was done."""
    subject: Annotated[Id, ref(*AGENT), Predicate(KG.subject)]
    """Who it was done to (a member, a local party, or an unnamed group: 'those expelled')."""
    by: Annotated[Id | None, ref(*AGENT), Predicate(KG.actingAuthority)] = None
    """Who did it: the body or person acting (an unnamed agent when the source names none)."""
    date: Annotated[PartialDate | None, DATE] = None
    """When it happened."""
    allegation: Annotated[NonEmptyText | None, Predicate(KG.allegation)] = None
    """What the subject was accused of, in the source's terms."""
    rule: Annotated[NonEmptyText | None, Predicate(KG.ruleCited)] = None
    """The rule cited ('rule 2.1.4.B')."""
    post: Annotated[Id | None, ref("post"), Predicate(KG.fromPost)] = None
    """The post removed from, for a removal."""
    role: Annotated[NonEmptyText | None, Predicate(KG.fromRole)] = None
    """The role removed from in words, when it is not a registry post."""
    outcome: Annotated[NonEmptyText | None, Predicate(KG.outcome)] = None
    """What came of it, in words."""
    status: Annotated[ActionStatus | None, Predicate(KG.actionStatus, repeatable=True)] = None
    """Where the process stood when the source was written (sources may differ)."""
    follows: Annotated[Id | None, ref("disciplinary-action"), Predicate(KG.follows)] = None
    """The earlier action this one follows (a readmission follows a suspension)."""
    at_event: Annotated[Id | None, ref("event"), AT_EVENT] = None
    """The meeting or hearing where it was decided."""


class ChangeKind(StrEnum):
    """What an organisational change did."""

    FOUNDED = "founded"
    DISSOLVED = "dissolved"
    STRUCTURES_ABOLISHED = "structures-abolished"
    CONSTITUTION_IMPOSED = "constitution-imposed"
    CLOSED_DOWN = "closed-down"
    BROKEN_UP = "broken-up"
    AFFILIATED = "affiliated"
    DISAFFILIATED = "disaffiliated"
    WITHDREW = "withdrew"
    RESTRUCTURED = "restructured"


class OrganisationalChange(Fact):
    """A change to an organisation: founded, dissolved, restructured, affiliated, withdrew."""

    rdf_type: ClassVar = ORG.ChangeEvent
    extra_types: ClassVar = (KG.OrganisationalChange,)
    iri_segment: ClassVar = "change"

    kind: Annotated[ChangeKind, Predicate(KG.changeKind)]
    """What changed."""
    organisation: Annotated[Id, ref("organisation"), Predicate(ORG.originalOrganization)]
    """The organisation changed."""
    resulting: Annotated[list[Id], ref("organisation"), Predicate(ORG.resultingOrganization)] = []
    """Organisations the change produced: the bodies replacing those wound up."""
    affected: Annotated[list[Id], ref("organisation"), Predicate(KG.affectedUnit)] = []
    """Units abolished, wound up, closed or broken up by the change."""
    counterpart: Annotated[Id | None, ref("organisation"), Predicate(KG.counterpart)] = None
    """The organisation affiliated to or withdrawn from."""
    by: Annotated[list[Id], ref("person", "organisation"), Predicate(PROV.wasAssociatedWith)] = []
    """Who brought the change about."""
    date: Annotated[PartialDate | None, DATE] = None
    """When it happened."""
    description: Annotated[NonEmptyText, Predicate(DCTERMS.description)]
    """What happened, in a sentence."""
    at_event: Annotated[Id | None, ref("event"), AT_EVENT] = None
    """The meeting or conference that decided it."""


class SeatHolding(Part):
    """How many seats of a body one holder (a faction, a person, a group) has."""

    rdf_type: ClassVar = KG.SeatHolding
    iri_segment: ClassVar = "holding"
    key_field: ClassVar = "holder"

    holder: Annotated[Id, ref(*AGENT), Predicate(KG.seatHolder)]
    """Who holds the seats."""
    seats: Annotated[Count, Predicate(KG.seatsHeld)]
    """How many."""
    evidence: Annotated[list[Evidence], Field(min_length=1), Predicate(KG.evidence)]
    """Quotes supporting this count."""


class Composition(Fact):
    """The make-up of a body at a date: its seats, and who holds how many ('20 of 34')."""

    rdf_type: ClassVar = KG.Composition
    iri_segment: ClassVar = "composition"

    body: Annotated[Id, ref("organisation"), Predicate(KG.compositionOf)]
    """The body."""
    date: Annotated[PartialDate | None, DATE] = None
    """When the body was so composed."""
    seats: Annotated[Count | None, Predicate(KG.totalSeats)] = None
    """The body's seats in total."""
    holders: Annotated[list[SeatHolding], Predicate(KG.seatHolding)] = []
    """Who holds how many seats."""

    @model_validator(mode="after")
    def _holders(self) -> Self:
        require_unique_keys(self.holders, "{!r} is listed twice among the holders")
        held = sum(h.seats for h in self.holders)
        if self.seats is not None and held > self.seats:
            raise ValueError(f"the holders have {held} seats, more than the {self.seats} in all")
        return self


class Attitude(StrEnum):
    """How the claimant puts their own position (the claim's text) forward."""

    ASSERTS = "asserts"
    """States it as true."""
    ALLEGES = "alleges"
    """Accuses: states something not established, against someone."""
    PREDICTS = "predicts"
    """Says it will happen."""
    PROPOSES = "proposes"
    """Argues that something should be done."""
    ASKS = "asks"
    """Raises it as a question."""


class Stance(StrEnum):
    """How the claimant's position relates to the facts and entities in ``towards``."""

    SUPPORTS = "supports"
    """Backs, agrees with or defends them."""
    DISPUTES = "disputes"
    """Contests an account, a decision or its legitimacy."""
    DENIES = "denies"
    """Says the thing did not happen or is not true."""
    CRITICISES = "criticises"
    """Judges them negatively."""
    PRAISES = "praises"
    """Judges them positively."""


class Claim(Fact):
    """A position someone takes, attributed to them: ``text`` is always their own position
    in their terms, ``attitude`` how they put it forward, and ``stance`` how it relates to
    the facts and entities in ``towards`` (the charges were trumped up: asserts, disputes
    the suspension)."""

    rdf_type: ClassVar = KG.Claim
    extra_types: ClassVar = (SCHEMA.Claim,)
    iri_segment: ClassVar = "claim"

    text: Annotated[NonEmptyText, Predicate(SCHEMA.text)]
    """The claimant's own position in one sentence, in their terms (never its negation)."""
    by: Annotated[list[Id], Field(min_length=1), ref(*AGENT), Predicate(PROV.wasAttributedTo)]
    """Who makes the claim (people, organisations or unnamed agents)."""
    attitude: Annotated[Attitude, Predicate(KG.attitude)]
    """How the claimant puts the text forward: asserts, alleges, predicts, proposes, asks."""
    stance: Annotated[Stance | None, Predicate(KG.stance)] = None
    """How the position relates to what ``towards`` names; needs ``towards``."""
    towards: Annotated[list[Id], ref("any"), Predicate(KG.stanceTowards)] = []
    """The facts or entities the stance is taken towards; each is also in ``about``."""
    about: Annotated[list[Id], ref("any"), Predicate(SCHEMA.about)] = []
    """Every fact and entity of the graph the claim concerns."""
    date: Annotated[PartialDate | None, DATE] = None
    """When the claim was made."""
    at_event: Annotated[Id | None, ref("event"), AT_EVENT] = None
    """The event (an interview, a meeting) where the claim was made."""
