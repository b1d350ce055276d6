"""Every SHACL constraint has a fixture that violates it and a test proving it fires.

Two kinds of fixture, both validated against the default shapes:

* hand-written ones in ``tests/fixtures/shacl/``: each extends ``base.ttl`` (a tiny
  valid graph) with a few triples that break one constraint of ``shapes/rules.ttl``;
  :data:`HAND_WRITTEN` says exactly which results must fire;
* generated ones for the repetitive constraints of ``shapes/shapes.ttl``: a copy of
  a minimal valid instance (``base.ttl`` + ``instances.ttl``) with one value removed,
  duplicated or replaced (:func:`generated_cases`).

A fixture passes only if its expected results fire and nothing else does. Where two
shapes state one rule, both fire and :data:`COUPLED` says why. The completeness test
fails when the shapes gain a constraint that no fixture breaks; the parity tests hold
kg's engine to pyshacl, the reference. Known bugs are ``xfail(strict=True)`` tests.

The generated fixtures are validated together, each copy under its own IRI in one
graph, and each copy's results checked on their own: one by one they would take a
minute and a half, as every ``kg.validate`` call re-parses the SPARQL rules (about
0.25 s). Batching is checked, not assumed: a copy must fire exactly its expected
results, and no result may land outside the copies.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import FOAF, RDF, SH
from rdflib.term import Node

import kg
from kg import Severity, ValidationReport
from kg.errors import KgError
from kg.namespaces import KG, WD
from kg.shacl_terms import focus_text

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "shacl"
ID = Namespace(kg.DEFAULT_BASE)
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
"""Open, unlike rdflib's, which warns when pytest probes the module's attributes."""
KGSH = Namespace("https://w3id.org/kg/shapes#")
BASE_FILES = ("base", "instances")

Key = tuple[str, str]
"""A constraint: (readable shape name, constraint component), e.g.
('kgsh:Tenure-start', 'sh:MaxCountConstraintComponent')."""

# --------------------------------------------------------------------------- names


CURIE_PREFIXES = sorted({"kgsh": KGSH, **kg.PREFIXES}.items(), key=lambda item: -len(str(item[1])))


def curie(term: Node) -> str:
    """``kgsh:Tenure-start`` for an IRI in a known namespace; other terms as N3."""
    if not isinstance(term, URIRef):
        return term.n3()
    for prefix, namespace in CURIE_PREFIXES:
        if term.startswith(str(namespace)):
            return f"{prefix}:{term[len(str(namespace)) :]}"
    return term.n3()


def curie_of_n3(text: str | None) -> str | None:
    """:func:`curie` of a term as a report shows it (``<iri>``), other text unchanged."""
    if text is None or not (text.startswith("<") and text.endswith(">")):
        return text
    return curie(URIRef(text[1:-1]))


def component(short: str) -> str:
    """``'MinCount'`` -> ``'sh:MinCountConstraintComponent'``."""
    return f"sh:{short}ConstraintComponent"


def short(component_name: str) -> str:
    """``'sh:MinCountConstraintComponent'`` -> ``'MinCount'``, for ids and slugs."""
    return component_name.removeprefix("sh:").removesuffix("ConstraintComponent")


CONSTRAINT_PARAMETERS: dict[Node, str] = {
    SH["class"]: component("Class"),
    SH.datatype: component("Datatype"),
    SH.nodeKind: component("NodeKind"),
    SH.minCount: component("MinCount"),
    SH.maxCount: component("MaxCount"),
    SH.minExclusive: component("MinExclusive"),
    SH.minInclusive: component("MinInclusive"),
    SH.maxExclusive: component("MaxExclusive"),
    SH.maxInclusive: component("MaxInclusive"),
    SH.minLength: component("MinLength"),
    SH.maxLength: component("MaxLength"),
    SH.pattern: component("Pattern"),
    SH.languageIn: component("LanguageIn"),
    SH.uniqueLang: component("UniqueLang"),
    SH.equals: component("Equals"),
    SH.disjoint: component("Disjoint"),
    SH.lessThan: component("LessThan"),
    SH.lessThanOrEquals: component("LessThanOrEquals"),
    SH["not"]: component("Not"),
    SH["and"]: component("And"),
    SH["or"]: component("Or"),
    SH.xone: component("Xone"),
    SH.node: component("Node"),
    SH.qualifiedMinCount: component("QualifiedMinCount"),
    SH.qualifiedMaxCount: component("QualifiedMaxCount"),
    SH.closed: component("Closed"),
    SH.hasValue: component("HasValue"),
    SH["in"]: component("In"),
    SH.sparql: component("SPARQL"),
}
"""Every SHACL Core parameter (and sh:sparql), by the component it belongs to."""

NOT_CONSTRAINTS = frozenset(
    {
        SH.path,
        SH.name,
        SH.description,
        SH.severity,
        SH.message,
        SH.deactivated,
        SH.order,
        SH.group,
        SH.defaultValue,
        SH.targetClass,
        SH.targetNode,
        SH.targetSubjectsOf,
        SH.targetObjectsOf,
        SH.property,
        SH.qualifiedValueShape,
        SH.qualifiedValueShapesDisjoint,
        SH.flags,
        SH.ignoredProperties,
        SH.select,
        SH.prefixes,
        SH.declare,
        SH.prefix,
        SH.namespace,
    }
)
"""sh: predicates that carry no constraint of their own (structure, targets, text)."""


@functools.cache
def shapes() -> Graph:
    """The default shapes, parsed once: every validation here gets this same graph.

    Passing the one graph (rather than ``shapes=None``) keeps the blank-node ids of
    anonymous shapes the same in every report, so results can be named.
    """
    return kg.default_shapes()


@functools.cache
def shape_names() -> dict[Node, str]:
    """A stable, readable name for every shape; anonymous ones by owner and path."""
    graph = shapes()
    names: dict[Node, str] = {}

    def name(node: Node) -> str:
        if node in names:
            return names[node]
        if isinstance(node, URIRef):
            found = curie(node)
        elif (owner := graph.value(None, SH.property, node)) is not None:
            found = f"{name(owner)}/{curie(_param(node, SH.path))}"
        elif (owner := graph.value(None, SH.qualifiedValueShape, node)) is not None:
            found = f"{name(owner)}/qualifiedValueShape"
        else:
            raise AssertionError(f"cannot name the anonymous shape {node.n3()}")
        names[node] = found
        return found

    for subject, predicate, _ in graph:
        if predicate in CONSTRAINT_PARAMETERS or predicate == SH.property:
            name(subject)
    return names


@functools.cache
def shapes_by_name() -> dict[str, Node]:
    return {name: node for node, name in shape_names().items()}


def all_constraints() -> set[Key]:
    """Every (shape, component) pair of the default shapes."""
    graph = shapes()
    found: set[Key] = set()
    unknown: set[str] = set()
    for subject, predicate, _ in graph:
        if predicate in CONSTRAINT_PARAMETERS:
            found.add((shape_names()[subject], CONSTRAINT_PARAMETERS[predicate]))
        elif str(predicate).startswith(str(SH)) and predicate not in NOT_CONSTRAINTS:
            unknown.add(curie(predicate))
    assert not unknown, f"teach this module the SHACL parameters {sorted(unknown)}"
    return found


def _param(shape: Node, parameter: URIRef) -> Node:
    """A parameter the shape is known to have."""
    value = shapes().value(shape, parameter)
    assert value is not None, f"{shape.n3()} has no {curie(parameter)}"
    return value


def declared_severity(shape_name: str) -> Severity:
    """The severity a shape declares (sh:Violation when it declares none)."""
    return Severity.from_iri(shapes().value(shapes_by_name()[shape_name], SH.severity))


def path_of(shape_name: str) -> str | None:
    """The shape's sh:path, or the field its SPARQL rule blames (``BIND (p:x AS ?path)``)."""
    shape = shapes_by_name()[shape_name]
    path = shapes().value(shape, SH.path)
    if path is None:
        for constraint in shapes().objects(shape, SH.sparql):
            select = str(shapes().value(constraint, SH.select))
            bound = re.search(r"BIND \((\w+:\w+) AS \?path\)", select)
            if bound is not None:
                return bound.group(1)
    return curie(path) if path is not None else None


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Hit:
    """One validation result, reduced to what the constraint tests assert."""

    shape: str
    component: str
    focus: str
    severity: Severity
    path: str | None = None
    message: str | None = None
    """Checked only when an expectation gives it."""

    @property
    def key(self) -> Key:
        return (self.shape, self.component)

    def sort_key(self) -> tuple[str, ...]:
        return (self.focus, self.shape, self.component, self.path or "", self.message or "")

    def matches(self, other: Hit) -> bool:
        mine = (self.shape, self.component, self.focus, self.severity, self.path)
        theirs = (other.shape, other.component, other.focus, other.severity, other.path)
        return mine == theirs and (self.message is None or self.message == other.message)


def hit(
    shape: str,
    short_component: str,
    focus: str,
    *,
    severity: Severity = Severity.VIOLATION,
    message: str | None = None,
) -> Hit:
    """An expected result; ``focus`` is relative to the instance base, the path is the shape's."""
    return Hit(shape, component(short_component), str(ID[focus]), severity, path_of(shape), message)


def hits(report: ValidationReport) -> list[Hit]:
    """A report's results as hits, sorted, with the shapes named as :func:`shape_names` does."""
    names = {node.n3(): name for node, name in shape_names().items()}
    return sorted(
        (
            Hit(
                names.get(result.shape or "", result.shape or ""),
                curie_of_n3(result.component) or "",
                result.focus,
                result.severity,
                curie_of_n3(result.path),
                result.message,
            )
            for result in report.results
        ),
        key=Hit.sort_key,
    )


def assert_hits(observed: list[Hit], expected: tuple[Hit, ...]) -> None:
    """Each expected result fires, once, and nothing else does."""
    unmatched = list(observed)
    missing = []
    for want in expected:
        found = next((got for got in unmatched if want.matches(got)), None)
        if found is None:
            missing.append(want)
        else:
            unmatched.remove(found)
    assert not missing and not unmatched, (
        f"expected but not reported: {missing}\nreported but not expected: {unmatched}"
    )


def parity_rows(report: ValidationReport) -> list[tuple[str, ...]]:
    """Every field the two engines must agree on, in an order independent of either."""
    return sorted(
        (
            r.severity.value,
            r.focus,
            r.path or "",
            r.shape or "",
            r.component or "",
            r.message,
            r.value or "",
        )
        for r in report.results
    )


# --------------------------------------------------------------------------- hand-written


def _known_bug(reason: str) -> pytest.MarkDecorator:
    """The test states the right behaviour and fails (on its assertion) until the bug is fixed."""
    return pytest.mark.xfail(strict=True, raises=AssertionError, reason=reason)


def _read(*names: str) -> Graph:
    graph = Graph()
    for name in names:
        graph.parse(FIXTURES / f"{name}.ttl", format="turtle")
    return graph


@dataclass(frozen=True)
class Case:
    """What one hand-written fixture must make fire, on top of a silent ``base.ttl``."""

    expects: tuple[Hit, ...]
    covers: tuple[Key, ...] = ()
    """Constraints of anonymous nested shapes that fail inside an expected result."""
    xfail: str | None = None
    """Set when the fixture documents a known bug: the test then must fail."""


EV = "evidence/example-news-report/49-67"
QUOTE_MESSAGE = "A quote is one string of 3 to 300 characters: a fragment, not a passage."
SOURCE_MESSAGE = "Evidence must come from exactly one source document."
ONE_QUOTE_MESSAGE = "Evidence must have exactly one verbatim quote (oa:TextQuoteSelector)."
POSITION_MESSAGE = (
    "Evidence should record where its quote is (oa:TextPositionSelector): "
    "run 'kg evidence' to compute offsets."
)
FACT_EVIDENCE = "kgsh:EveryFactHasEvidence-evidence"
FACT_EVIDENCE_MESSAGE = "A fact must carry at least one piece of evidence (kg:evidence)."
QUOTE_TEXT = "kgsh:QuoteSelector-exact"
START = "kgsh:PositionSelector-start"
END = "kgsh:PositionSelector-end"
WARNING, INFO = Severity.WARNING, Severity.INFO

HAND_WRITTEN: dict[str, Case] = {
    # ---- evidence: one source, one quote, one position
    "evidence-without-source": Case(
        (hit("kgsh:Evidence-source", "MinCount", EV, message=SOURCE_MESSAGE),)
    ),
    "evidence-two-sources": Case(
        (hit("kgsh:Evidence-source", "MaxCount", EV, message=SOURCE_MESSAGE),)
    ),
    "evidence-source-not-a-document": Case(
        (hit("kgsh:Evidence-source", "Class", EV, message=SOURCE_MESSAGE),)
    ),
    "evidence-quote-untyped": Case(
        (hit("kgsh:Evidence-quote", "QualifiedMinCount", EV, message=ONE_QUOTE_MESSAGE),),
        covers=(("kgsh:Evidence-quote/qualifiedValueShape", component("Class")),),
    ),
    "evidence-two-quotes": Case(
        (hit("kgsh:Evidence-quote", "QualifiedMaxCount", EV, message=ONE_QUOTE_MESSAGE),)
    ),
    "evidence-without-position": Case(
        (
            hit(
                "kgsh:Evidence-position",
                "QualifiedMinCount",
                "evidence/example-news-report/quote-b5c6618967bd9fd5",
                severity=WARNING,
                message=POSITION_MESSAGE,
            ),
        )
    ),
    "evidence-position-untyped": Case(
        (hit("kgsh:Evidence-position", "QualifiedMinCount", EV, severity=WARNING),),
        covers=(("kgsh:Evidence-position/qualifiedValueShape", component("Class")),),
    ),
    "evidence-two-positions": Case(
        (hit("kgsh:Evidence-position", "QualifiedMaxCount", EV, severity=WARNING),)
    ),
    # ---- the quote and the span
    "quote-without-text": Case((hit(QUOTE_TEXT, "MinCount", f"{EV}/quote"),)),
    "quote-two-texts": Case((hit(QUOTE_TEXT, "MaxCount", f"{EV}/quote"),)),
    "quote-language-tagged": Case(
        (hit(QUOTE_TEXT, "Datatype", f"{EV}/quote", message=QUOTE_MESSAGE),)
    ),
    "quote-too-short": Case(
        (hit(QUOTE_TEXT, "MinLength", "evidence/example-news-report/20-22/quote"),)
    ),
    "quote-too-long": Case(
        (hit(QUOTE_TEXT, "MaxLength", "evidence/example-news-report/0-301/quote"),)
    ),
    "position-without-start": Case((hit(START, "MinCount", f"{EV}/position"),)),
    "position-two-starts": Case((hit(START, "MaxCount", f"{EV}/position"),)),
    "position-start-not-integer": Case((hit(START, "Datatype", f"{EV}/position"),)),
    "position-without-end": Case((hit(END, "MinCount", f"{EV}/position"),)),
    "position-two-ends": Case((hit(END, "MaxCount", f"{EV}/position"),)),
    "position-end-not-integer": Case((hit(END, "Datatype", f"{EV}/position"),)),
    "position-offsets-negative": Case(
        (
            hit(START, "MinInclusive", f"{EV}/position"),
            hit(END, "MinInclusive", f"{EV}/position"),
        )
    ),
    "position-end-before-start": Case(
        (
            hit(
                "kgsh:PositionSelectorShape",
                "SPARQL",
                "evidence/example-news-report/67-49/position",
                message="Evidence end offset 49 is not greater than its start offset 67.",
            ),
        )
    ),
    "quote-length-differs-from-span": Case(
        (
            hit(
                "kgsh:QuoteLengthMatchesSpan",
                "SPARQL",
                "evidence/example-news-report/49-70",
                message="Quote is 18 characters long but its span 49..70 is not.",
            ),
        )
    ),
    # ---- whatever is derived from a source carries evidence
    "derived-without-evidence": Case(
        (hit(FACT_EVIDENCE, "MinCount", "person/jane-doe", message=FACT_EVIDENCE_MESSAGE),)
    ),
    "derived-evidence-not-annotation": Case(
        (hit(FACT_EVIDENCE, "Class", "person/jane-doe", message=FACT_EVIDENCE_MESSAGE),)
    ),
    # ---- dates
    "tenure-ends-before-start": Case(
        (
            hit(
                "kgsh:TenureEndNotBeforeStart",
                "SPARQL",
                "tenure/john-roe-momentum-chair",
                message="Tenure ends (2020-06) before it starts (2021).",
            ),
        )
    ),
    "date-precision-mismatch": Case(
        (
            hit(
                "kgsh:DatePrecisionMatchesType",
                "SPARQL",
                "claim/john-roe-criticises-appointment",
                message=(f"Date 2020 is typed {XSD.gYear} but its precision says {KG.day}."),
            ),
        )
    ),
    "action-follows-later-action": Case(
        (
            hit(
                "kgsh:ActionFollowsEarlierAction",
                "SPARQL",
                "action/jane-doe-readmission",
                message="Action dated 2019 follows an action dated later (2020-03-05).",
            ),
        )
    ),
    # ---- elections and votes
    "winner-not-candidate": Case(
        (
            hit(
                "kgsh:WinnerIsCandidate",
                "SPARQL",
                "election/labour-general-secretary-2021",
                message=(
                    f"The winner {ID['person/john-roe']} is not one of the election's candidates."
                ),
            ),
        )
    ),
    "winner-not-elected": Case(
        (
            hit(
                "kgsh:WinnerWasElected",
                "SPARQL",
                "election/labour-general-secretary-2021",
                severity=WARNING,
                message=(
                    f"The winner {ID['person/jane-doe']} has a candidacy whose status is "
                    f"{KG.withdrawn}, not elected."
                ),
            ),
        )
    ),
    "winner-elected-after-standing": Case(()),
    "vote-result-contradicts-counts": Case(
        (
            hit(
                "kgsh:VoteResultMatchesCounts",
                "SPARQL",
                "vote/nec-rule-change",
                severity=WARNING,
                message="Result is pass but the counts are 3 for and 5 against.",
            ),
        )
    ),
    # ---- disciplinary chains
    "readmission-follows-referral": Case(
        (
            hit(
                "kgsh:ReadmissionFollowsExclusion",
                "SPARQL",
                "action/jane-doe-readmission",
                message=(
                    "A readmission must follow a suspension or expulsion of the same "
                    f"subject; it follows {ID['action/jane-doe-referral']} ({KG.referral}) "
                    f"of {ID['person/jane-doe']}."
                ),
            ),
        )
    ),
    "readmission-follows-other-member": Case(
        (hit("kgsh:ReadmissionFollowsExclusion", "SPARQL", "action/jane-doe-readmission"),)
    ),
    "readmission-without-exclusion": Case(
        (
            hit(
                "kgsh:ReadmissionNamesExclusion",
                "SPARQL",
                "action/jane-doe-readmission",
                severity=WARNING,
                message=(
                    "A readmission should name the suspension or expulsion it ends (kg:follows)."
                ),
            ),
        )
    ),
    # ---- organisations and tenures
    "organisation-unit-of-itself": Case(
        (
            hit(
                "kgsh:NoCircularStructure",
                "SPARQL",
                "organisation/labour-nec",
                message="Organisation is, through its parents, a unit of itself.",
            ),
        )
    ),
    "organisations-in-a-cycle": Case(
        (
            hit("kgsh:NoCircularStructure", "SPARQL", "organisation/labour-nec"),
            hit("kgsh:NoCircularStructure", "SPARQL", "organisation/nec-disputes-panel"),
        )
    ),
    "undated-tenure": Case(
        (
            hit(
                "kgsh:UndatedTenure",
                "SPARQL",
                "tenure/john-roe-member-momentum",
                severity=INFO,
                message="Tenure has no start, end or status: when was it held?",
            ),
        )
    ),
    # ---- claims: stance, towards, about
    "claim-stance-without-towards": Case(
        (
            hit(
                "kgsh:StanceNeedsTowards",
                "SPARQL",
                "claim/john-roe-disputes-appointment",
                message=(
                    f"Claim takes the stance {KG.disputes} but does not say towards what (towards)."
                ),
            ),
        )
    ),
    "claim-towards-without-stance": Case(
        (
            hit(
                "kgsh:TowardsNeedsStance",
                "SPARQL",
                "claim/john-roe-disputes-appointment",
                message=(
                    f"Claim is taken towards {ID['tenure/jane-doe-general-secretary']} "
                    "but gives no stance."
                ),
            ),
        )
    ),
    "claim-towards-not-about": Case(
        (
            hit(
                "kgsh:TowardsIsAbout",
                "SPARQL",
                "claim/john-roe-disputes-appointment",
                message=(
                    f"Claim takes a stance towards {ID['tenure/jane-doe-general-secretary']}, "
                    "which its about list does not name."
                ),
            ),
        )
    ),
    "claim-stance-towards-about": Case(()),
    # ---- certainty
    "fact-uncertain-without-according-to": Case(
        (
            hit(
                "kgsh:CertaintyNeedsAccordingTo",
                "SPARQL",
                "tenure/john-roe-momentum-chair",
                message=(
                    f"Fact is {KG.hearsay} but does not say according to whom (according_to)."
                ),
            ),
        )
    ),
    # ---- events
    "dated-outside-event": Case(
        (
            hit(
                "kgsh:DatedWithinEvent",
                "SPARQL",
                "vote/nec-rule-change",
                message=(
                    f"Dated 2020-03-06, but its event {ID['event/nec-meeting-2020-03']} "
                    "took place on 2020-03-05."
                ),
            ),
            hit(
                "kgsh:DatedWithinEvent",
                "SPARQL",
                "action/john-roe-suspension-2020",
                message=(
                    f"Dated 2020-02-28, but its event {ID['event/spring-meetings-2020']} "
                    "took place from 2020-03."
                ),
            ),
            hit(
                "kgsh:DatedWithinEvent",
                "SPARQL",
                "change/momentum-restructured-2020",
                message=(
                    f"Dated 2020-06, but its event {ID['event/spring-meetings-2020']} "
                    "took place until 2020-05."
                ),
            ),
        )
    ),
    "event-ends-before-start": Case(
        (
            hit(
                "kgsh:EventEndNotBeforeStart",
                "SPARQL",
                "event/autumn-meetings-2020",
                message="Event ends (2020-09-30) before it starts (2020-10).",
            ),
        )
    ),
    # ---- slates
    "slate-member-left-off": Case(
        (
            hit(
                "kgsh:SlateMemberNotLeftOff",
                "SPARQL",
                "election/labour-nec-2020/slate/left",
                message=f"{ID['person/john-roe']} is both on the slate and left off it.",
            ),
        )
    ),
    # ---- document metadata
    "metadata-without-field-evidence": Case(
        (
            hit(
                "kgsh:MetadataFieldHasEvidence",
                "SPARQL",
                "message/jane-doe-email",
                severity=WARNING,
                message=(
                    "https://schema.org/dateSent is stated but no quote supports it "
                    "(field_evidence)."
                ),
            ),
            hit(
                "kgsh:MetadataFieldHasEvidence",
                "SPARQL",
                "message/jane-doe-email",
                severity=WARNING,
                message=(
                    "https://schema.org/sender is stated but no quote supports it (field_evidence)."
                ),
            ),
        )
    ),
    # ---- what the rules must accept
    "valid-rule-paths": Case(()),
}


@functools.cache
def fixture_graph(name: str) -> Graph:
    return _read("base", name)


@functools.cache
def hand_written_report(name: str, engine: str) -> ValidationReport:
    return kg.validate(fixture_graph(name), shapes(), engine=engine)


def _hand_written_params() -> list[Any]:
    params = []
    for name, case in HAND_WRITTEN.items():
        marks = [_known_bug(case.xfail)] if case.xfail else []
        params.append(pytest.param(name, id=name, marks=marks))
    return params


# --------------------------------------------------------------------------- generated

TEMPLATES: dict[str, str] = {
    "kgsh:ArticleShape": "article/example-front-page",
    "kgsh:CandidacyShape": "election/labour-general-secretary-2020/candidacy/jane-doe",
    "kgsh:ClaimShape": "claim/john-roe-criticises-appointment",
    "kgsh:DisciplinaryActionShape": "action/john-roe-suspension",
    "kgsh:ElectionShape": "election/labour-general-secretary-2020",
    "kgsh:MotionVoteShape": "vote/nec-appointment",
    "kgsh:NamedVoteShape": "vote/nec-appointment/ballot/jane-doe",
    "kgsh:OrganisationShape": "organisation/labour-party",
    "kgsh:OrganisationalChangeShape": "change/momentum-founded",
    "kgsh:PersonShape": "person/jane-doe",
    "kgsh:PostShape": "post/general-secretary",
    "kgsh:SourceShape": "source/example-news-report",
    "kgsh:TenureShape": "tenure/jane-doe-general-secretary",
    "kgsh:MessageShape": "message/jane-doe-letter",
    "kgsh:UnnamedAgentShape": "agent/example-commenter",
    "kgsh:EventShape": "event/labour-conference-2020",
    "kgsh:NameStatementShape": "name/labour-party-name-labour",
    "kgsh:SlateShape": "election/labour-general-secretary-2020/slate/left",
    "kgsh:CompositionShape": "composition/labour-party-2020",
    "kgsh:SeatHoldingShape": "composition/labour-party-2020/holding/momentum",
}
"""Node shape -> the minimal valid instance its generated fixtures copy and break."""

GENERATED_COMPONENTS = frozenset(
    component(name)
    for name in (
        "MinCount",
        "MaxCount",
        "Datatype",
        "Class",
        "In",
        "Pattern",
        "MinInclusive",
        "MaxInclusive",
        "MinLength",
        "MaxLength",
        "NodeKind",
        "Node",
    )
)

SAMPLES: dict[Node | None, tuple[Node, Node]] = {
    KG.sha256: (Literal("0" * 64), Literal("1" * 64)),
    KG.fileName: (Literal("first-report.txt"), Literal("second-report.txt")),
    URIRef("http://purl.org/dc/terms/language"): (Literal("en"), Literal("cy")),
    URIRef("https://schema.org/sameAs"): (WD.Q6272416, WD.Q1),
    KG.sentTime: (Literal("09:15"), Literal("19:39")),
}
"""Valid values where a pattern restricts them, by property."""

PATTERN_MISTAKES: dict[Node | None, Node] = {
    KG.sha256: Literal("E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"),
    KG.fileName: Literal("../example-news-report.txt"),
    URIRef("http://purl.org/dc/terms/language"): Literal("English"),
    URIRef("https://schema.org/sameAs"): URIRef("https://www.wikidata.org/wiki/Q6272416"),
    KG.sentTime: Literal("7:39 PM"),
}
"""A realistic value that breaks each pattern (upper-case hash, a path, a page URL)."""

FACTS_WITH_SOURCES = (
    "Tenure",
    "Election",
    "MotionVote",
    "DisciplinaryAction",
    "OrganisationalChange",
    "Claim",
    "UnnamedAgent",
    "Event",
    "NameStatement",
    "Composition",
)
_TWICE = (
    "shapes.ttl gives every fact kg:evidence with sh:minCount 1 and sh:class "
    "oa:SpecificResource, and rules.ttl's kgsh:EveryFactHasEvidence says the same of "
    "every subject of prov:wasDerivedFrom (every fact), so a fact without valid "
    "evidence is always reported twice"
)
_WINNER = (
    "a winner that is not a foaf:Person IRI is never a candidate: the candidacy naming "
    "it would break kgsh:Candidacy-candidate instead"
)
COUPLED: dict[Key, tuple[tuple[Key, ...], str]] = {
    **{
        (f"kgsh:{fact}-evidence", component(name)): (((FACT_EVIDENCE, component(name)),), _TWICE)
        for fact in FACTS_WITH_SOURCES
        for name in ("MinCount", "Class")
    },
    **{
        (f"kgsh:{record}-field_evidence", component(name)): (
            (("kgsh:MetadataFieldHasEvidence", component("SPARQL")),),
            "the template's title then has no field evidence, so its warning fires too",
        )
        for record in ("Source", "Article")
        for name in ("Class",)
    },
    **{
        (f"kgsh:Claim-{name}", component("NodeKind")): (
            (("kgsh:TowardsIsAbout", component("SPARQL")),),
            "the template's stance is taken towards what it is about: a literal in either "
            "list leaves the other's value unmatched",
        )
        for name in ("towards", "about")
    },
    ("kgsh:Election-winner", component("Class")): (
        (("kgsh:WinnerIsCandidate", component("SPARQL")),),
        _WINNER,
    ),
    ("kgsh:Election-winner", component("NodeKind")): (
        (("kgsh:WinnerIsCandidate", component("SPARQL")),),
        _WINNER,
    ),
}
"""Constraints that cannot fire alone, with the ones that always fire beside them and why."""


@functools.cache
def template_graph() -> Graph:
    """base.ttl + instances.ttl: valid, and the source of every template and value."""
    return _read(*BASE_FILES)


def _kebab(text: str) -> str:
    return re.sub(r"(?<=[a-z])(?=[A-Z])", "-", text).replace("_", "-").lower()


@dataclass(frozen=True)
class Generated:
    """One generated fixture: a copy of a template with one constraint broken."""

    key: Key
    template: URIRef
    copy: URIRef
    ordinal: int
    """Rank among the fixtures breaking the same component, to vary the values used."""

    @property
    def shape(self) -> Node:
        return shapes_by_name()[self.key[0]]

    @property
    def test_id(self) -> str:
        return f"{self.key[0].removeprefix('kgsh:')}:{short(self.key[1])}"

    def expected(self) -> tuple[Hit, ...]:
        """The broken constraint on the copy, and any constraint :data:`COUPLED` to it."""
        wanted = [self.key, *COUPLED.get(self.key, ((), ""))[0]]
        return tuple(
            Hit(shape, comp, str(self.copy), declared_severity(shape), path_of(shape))
            for shape, comp in wanted
        )

    def build(self, graph: Graph) -> set[Node]:
        """Add the broken copy to ``graph``; return what results may focus on (its own)."""
        path = _param(self.shape, SH.path)
        for predicate, obj in template_graph().predicate_objects(self.template):
            if predicate != path:
                graph.add((self.copy, predicate, obj))
        values, added = broken_values(self)
        for value in values:
            graph.add((self.copy, path, value))
        for triple in added:
            graph.add(triple)
        owned: set[Node] = {self.copy, *(s for s, _, _ in added)}
        if self.key[1] == component("Node"):
            owned |= set(values)  # a nested result would be focused on the value itself
        return owned


def _values_of_class(cls: Node) -> list[Node]:
    return sorted(template_graph().subjects(RDF.type, cls), key=str)


def valid_values(shape: Node, count: int) -> list[Node]:
    """``count`` distinct values that satisfy every constraint of a property shape."""
    graph = shapes()
    path = graph.value(shape, SH.path)
    datatype = graph.value(shape, SH.datatype)
    if path in SAMPLES:
        found: list[Node] = list(SAMPLES[path])
    elif (members := graph.value(shape, SH["in"])) is not None:
        found = list(Collection(graph, members))
    elif (cls := graph.value(shape, SH["class"])) is not None:
        found = _values_of_class(cls)
    elif graph.value(shape, SH.node) == KGSH.PartialDateShape:
        found = [Literal("2019", datatype=XSD.gYear), Literal("2020", datatype=XSD.gYear)]
    elif datatype == XSD.string:
        found = [Literal("first value"), Literal("second value")]
    elif datatype == XSD.integer:
        found = [Literal(1), Literal(2)]
    elif datatype == XSD.decimal:
        found = [Literal(Decimal("40.5")), Literal(Decimal("60.5"))]
    elif graph.value(shape, SH.nodeKind) == SH.IRI:
        found = _values_of_class(FOAF.Person)  # any IRI will do
    else:
        raise AssertionError(f"no valid values known for {shape_names()[shape]}")
    assert len(found) >= count, f"instances.ttl needs more values for {shape_names()[shape]}"
    return found[:count]


def _clone(node: Node) -> tuple[BNode, list[tuple[Node, Node, Node]]]:
    """A blank node with every statement of ``node``: valid, but not an IRI."""
    clone = BNode()
    return clone, [(clone, p, o) for p, o in template_graph().predicate_objects(node)]


def _not_of_class(cls: Node) -> Node:
    """A node of the graph that is of another class (a post where a person belongs)."""
    for candidate in (ID["post/general-secretary"], ID["person/jane-doe"]):
        if (candidate, RDF.type, cls) not in template_graph():
            return candidate
    raise AssertionError(f"no node outside {cls}")


def _beyond(limit: Node, direction: int, datatype: Node | None) -> Literal:
    """A value of the shape's datatype just past an inclusive limit."""
    if datatype == XSD.integer:
        return Literal(int(str(limit)) + direction)
    return Literal(Decimal(str(limit)) + direction * Decimal("0.5"), datatype=URIRef(str(datatype)))


def broken_values(case: Generated) -> tuple[list[Node], list[tuple[Node, Node, Node]]]:
    """Values that break the case's constraint and keep every other (plus triples to add)."""
    graph, shape = shapes(), case.shape
    path = graph.value(shape, SH.path)
    datatype = graph.value(shape, SH.datatype)
    name = short(case.key[1])
    if name == "MinCount":
        return [], []
    if name == "MaxCount":
        return valid_values(shape, int(str(_param(shape, SH.maxCount))) + 1), []
    good = valid_values(shape, 1)[0]
    if name == "Datatype" and datatype == XSD.string:
        return [Literal(str(good), lang="en")], []
    if name == "Datatype" and datatype == XSD.integer:
        return [Literal(Decimal("1.5"))], []
    if name == "Datatype" and datatype == XSD.decimal:
        return [Literal(50.0)], []  # an xsd:double
    if name == "Class":
        return [_not_of_class(_param(shape, SH["class"]))], []
    if name == "In":
        return [KG.unlisted if isinstance(good, URIRef) else Literal("unlisted")], []
    if name == "Pattern":
        return [PATTERN_MISTAKES.get(path, Literal("?"))], []
    if name == "MinInclusive":
        return [_beyond(_param(shape, SH.minInclusive), -1, datatype)], []
    if name == "MaxInclusive":
        return [_beyond(_param(shape, SH.maxInclusive), +1, datatype)], []
    if name == "MinLength":
        return [Literal("x" * (int(str(_param(shape, SH.minLength))) - 1))], []
    if name == "MaxLength":
        return [Literal("x" * (int(str(_param(shape, SH.maxLength))) + 1))], []
    if name == "NodeKind" and graph.value(shape, SH.nodeKind) == SH.IRI:
        if graph.value(shape, SH["class"]) is None:
            return [Literal(str(good))], []
        clone, triples = _clone(good)
        return [clone], triples
    if name == "Node" and graph.value(shape, SH.node) == KGSH.PartialDateShape:
        # A date written as a plain string; a different day for each fixture, so that
        # a result wrongly focused on the value (a nested sh:detail) would be told apart.
        return [Literal(f"2020-03-{case.ordinal + 1:02d}")], []
    raise AssertionError(f"cannot break {name} of {case.key[0]}: write a fixture by hand")


@functools.cache
def generated_cases() -> tuple[Generated, ...]:
    """One fixture per constraint of every property shape of a templated node shape."""
    graph = shapes()
    found = []
    for node_shape, template in sorted(TEMPLATES.items()):
        for prop in graph.objects(shapes_by_name()[node_shape], SH.property):
            for predicate, comp in CONSTRAINT_PARAMETERS.items():
                if comp in GENERATED_COMPONENTS and (prop, predicate, None) in graph:
                    found.append((shape_names()[prop], comp, template))
    cases = []
    ordinals: dict[str, int] = defaultdict(int)
    for shape_name, comp, template in sorted(found):
        slug = f"{_kebab(short(comp))}-{_kebab(shape_name.split('-', 1)[1])}"
        copy = URIRef(str(ID[template]).rsplit("/", 1)[0] + "/" + slug)
        cases.append(Generated((shape_name, comp), ID[template], copy, ordinals[comp]))
        ordinals[comp] += 1
    return tuple(cases)


@functools.cache
def generated_graph(cases: tuple[Generated, ...]) -> tuple[Graph, dict[str, Generated]]:
    """The templates plus each case's broken copy, and the case owning each focus.

    Built once per set of cases, so both engines see the same blank nodes.
    """
    graph = Graph()
    graph += template_graph()
    owners: dict[str, Generated] = {}
    for case in cases:
        for node in case.build(graph):
            assert str(node) not in owners, f"{case.test_id} reuses {node}"
            owners[str(node)] = case
    return graph, owners


@functools.cache
def generated_reports(cases: tuple[Generated, ...], engine: str) -> ValidationReport:
    graph, _ = generated_graph(cases)
    return kg.validate(graph, shapes(), engine=engine)


@functools.cache
def generated_hits() -> tuple[dict[Key, list[Hit]], list[Hit]]:
    """Every generated fixture validated in one graph: hits by case, and stray hits."""
    _, owners = generated_graph(generated_cases())
    by_case: dict[Key, list[Hit]] = defaultdict(list)
    stray = []
    for found in hits(generated_reports(generated_cases(), "kg")):
        owner = owners.get(found.focus)
        if owner is None:
            stray.append(found)
        else:
            by_case[owner.key].append(found)
    return by_case, stray


def _generated_params() -> list[Any]:
    params = []
    for case in generated_cases():
        params.append(pytest.param(case, id=case.test_id))
    return params


@functools.cache
def parity_sample() -> tuple[Generated, ...]:
    """Deterministic: the first fixture of each component, every coupled and sh:node one."""
    chosen: dict[str, Generated] = {}
    for case in generated_cases():
        chosen.setdefault(case.key[1], case)
    chosen_cases = set(chosen.values())
    for case in generated_cases():
        if case.key in COUPLED or case.key[1] == component("Node"):
            chosen_cases.add(case)
    return tuple(sorted(chosen_cases, key=lambda case: case.key))


# --------------------------------------------------------------------------- nested shapes

NESTED: dict[Key, tuple[Node, tuple[str, ...]]] = {
    ("kgsh:PartialDateShape", component("NodeKind")): (
        URIRef("https://example.org/2020-03-05"),
        (component("NodeKind"), component("Or")),
    ),
    ("kgsh:PartialDateShape", component("Or")): (Literal("2020-03-05"), (component("Or"),)),
    ("kgsh:GYearValue", component("Datatype")): (
        Literal("2020-03", datatype=XSD.gYearMonth),
        (component("Datatype"),),
    ),
    ("kgsh:GYearMonthValue", component("Datatype")): (
        Literal("2020", datatype=XSD.gYear),
        (component("Datatype"),),
    ),
    ("kgsh:DateValue", component("Datatype")): (
        Literal("2020-03", datatype=XSD.gYearMonth),
        (component("Datatype"),),
    ),
}
"""Shapes without targets, reached only through sh:node: a value each must reject, and
the components that fire when the shape is aimed at that value with sh:targetNode."""


@functools.cache
def nested_hits() -> list[Hit]:
    """The default shapes, each nested shape aimed at its bad value, over an empty graph."""
    aimed = Graph()
    aimed += shapes()
    for (shape_name, _), (value, _) in NESTED.items():
        aimed.add((shapes_by_name()[shape_name], SH.targetNode, value))
    return hits(kg.validate(Graph(), aimed))


# --------------------------------------------------------------------------- tests


def test_base_graphs_are_valid() -> None:
    """Fixtures are meaningful only if what they extend gives no result at all."""
    for names in (("base",), BASE_FILES):
        for engine in ("kg", "pyshacl"):
            report = kg.validate(_read(*names), shapes(), engine=engine)
            assert hits(report) == [], f"{'+'.join(names)} ({engine})"


def test_fixture_files_are_registered() -> None:
    """A fixture file without an expectation would silently test nothing."""
    files = {path.stem for path in FIXTURES.glob("*.ttl")} - set(BASE_FILES)
    assert files == set(HAND_WRITTEN)


@pytest.mark.parametrize("name", _hand_written_params())
def test_hand_written_fixture(name: str) -> None:
    """The fixture fires exactly its expected results, at the declared severity."""
    case = HAND_WRITTEN[name]
    for expected in case.expects:
        assert expected.severity is declared_severity(expected.shape), expected
    assert_hits(hits(hand_written_report(name, "kg")), case.expects)


@pytest.mark.parametrize("case", _generated_params())
def test_generated_fixture(case: Generated) -> None:
    """The broken copy fires its one constraint (and any coupled twin), nothing else."""
    by_case, _ = generated_hits()
    assert_hits(by_case.get(case.key, []), case.expected())


def test_generated_fixtures_stray_nothing() -> None:
    """No result lands outside the copies, so no copy disturbs another or the templates."""
    _, stray = generated_hits()
    assert stray == []


@pytest.mark.parametrize(
    "key", sorted(NESTED), ids=lambda key: f"{key[0].removeprefix('kgsh:')}:{short(key[1])}"
)
def test_nested_shape_rejects_value(key: Key) -> None:
    """Shapes reached only through sh:node reject what their users rely on them rejecting."""
    value, components = NESTED[key]
    focus = focus_text(value)
    fired = [h.component for h in nested_hits() if h.shape == key[0] and h.focus == focus]
    assert sorted(fired) == sorted(components)


def test_every_constraint_has_a_fixture() -> None:
    """Adding a constraint to the shapes without a fixture that breaks it fails here."""
    covered: set[Key] = {case.key for case in generated_cases()} | set(NESTED)
    for case in HAND_WRITTEN.values():
        covered |= {expected.key for expected in case.expects} | set(case.covers)
    constraints = all_constraints()
    missing = sorted(constraints - covered)
    assert not missing, (
        "constraints without a fixture (add one to tests/fixtures/shacl/ and HAND_WRITTEN, "
        f"or a template to TEMPLATES for a new node shape): {missing}"
    )
    assert sorted(covered - constraints) == [], "fixtures for constraints that are gone"


def test_sparql_constraints_are_one_per_shape() -> None:
    """A (shape, component) pair names a SPARQL constraint only while each shape has one."""
    graph = shapes()
    for shape in set(graph.subjects(SH.sparql, None)):
        assert len(list(graph.objects(shape, SH.sparql))) == 1, shape_names()[shape]


@pytest.mark.parametrize("name", list(HAND_WRITTEN))
def test_parity(name: str) -> None:
    """kg's engine and pyshacl, the reference, give identical results on the fixture."""
    ours = parity_rows(hand_written_report(name, "kg"))
    assert ours == parity_rows(hand_written_report(name, "pyshacl"))


def test_parity_generated_sample() -> None:
    """The same for a sample of the generated fixtures, validated together."""
    sample = parity_sample()
    ours = parity_rows(generated_reports(sample, "kg"))
    assert ours, "the sample breaks constraints: it must report something"
    assert ours == parity_rows(generated_reports(sample, "pyshacl"))


def without_messages(report: ValidationReport) -> list[tuple[Any, ...]]:
    """Parity rows less the message: pyshacl-turbo words SHACL Core messages its own way;
    focus node, path, shape, constraint component, severity and value must agree."""
    rows = [(r.severity, r.focus, r.path, r.shape, r.component, r.value) for r in report.results]
    return sorted(rows, key=repr)


@pytest.mark.parametrize("name", list(HAND_WRITTEN))
def test_turbo_parity(name: str) -> None:
    """pyshacl-turbo, kg's default engine, agrees with pyshacl on every hand-written fixture."""
    assert without_messages(hand_written_report(name, "turbo")) == without_messages(
        hand_written_report(name, "pyshacl")
    )


def test_turbo_parity_on_every_generated_fixture() -> None:
    """... and with kg's engine (itself compared with pyshacl above) on every generated one."""
    every = generated_cases()
    assert without_messages(generated_reports(every, "turbo")) == without_messages(
        generated_reports(every, "kg")
    )


PYSHACL_BACKSLASH_BUG = (
    "pyshacl fills SHACL-SPARQL messages with re.sub(pattern, str(value), message), so a "
    "backslash in a value is read as a group reference: it raises re.error (or mangles "
    "the text) where kg's engine, which escapes it, reports the message verbatim; kg "
    "turns the engine's error into a KgError (exit 2, no traceback)"
)


@pytest.mark.xfail(strict=True, raises=KgError, reason=PYSHACL_BACKSLASH_BUG)
def test_parity_when_a_message_quotes_a_backslash() -> None:
    """Parity on a value the messages quote verbatim: a date string holding a backslash."""
    graph = _read("base")
    claim = ID["claim/john-roe-criticises-appointment"]
    graph.add((claim, URIRef("http://purl.org/dc/terms/date"), Literal("2020\\1")))
    graph.add((claim, KG.datePrecision, KG.day))
    ours = parity_rows(kg.validate(graph, shapes(), engine="kg"))
    assert ours == parity_rows(kg.validate(graph, shapes(), engine="pyshacl"))


def _without_shapes(report: ValidationReport) -> list[tuple[str, ...]]:
    return [row[:3] + row[4:] for row in parity_rows(report)]


def test_reports_of_one_graph_agree_but_for_anonymous_shapes() -> None:
    """Two validations of one graph with the default shapes agree on all but shape names."""
    graph = fixture_graph("derived-without-evidence")
    assert _without_shapes(kg.validate(graph)) == _without_shapes(kg.validate(graph))


def test_reports_of_one_graph_are_equal() -> None:
    """validation.py promises a report that is stable between runs."""
    graph = fixture_graph("derived-without-evidence")
    assert kg.validate(graph).results == kg.validate(graph).results


def test_seed_corpus_conforms(seed_build: kg.Build) -> None:
    """The repository's own seeds break no constraint."""
    assert seed_build.report is not None
    assert seed_build.report.violation_free, [
        r for r in seed_build.report.results if r.severity is Severity.VIOLATION
    ]
