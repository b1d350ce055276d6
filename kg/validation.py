"""Quads -> a SHACL report whose every result points back at the extraction that caused it.

pyshacl is the reference engine. Results are plain dataclasses, sorted, so a
report is stable between runs and easy to render as text, JSON or anything else.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, SH, SKOS
from rdflib.term import Node as Term

from kg.errors import KgError, Location
from kg.io import bind_prefixes
from kg.resources import turtle_files
from kg.sparql_rules import SPARQL_COMPONENT, SparqlRule, run_rules, split_shapes


class Severity(StrEnum):
    """SHACL severities, most severe first."""

    VIOLATION = "violation"
    WARNING = "warning"
    INFO = "info"

    @classmethod
    def from_iri(cls, iri: Term | None) -> Severity:
        if iri == SH.Warning:
            return cls.WARNING
        return cls.INFO if iri == SH.Info else cls.VIOLATION

    @property
    def rank(self) -> int:
        return [Severity.VIOLATION, Severity.WARNING, Severity.INFO].index(self)


@dataclass(frozen=True, slots=True)
class ValidationResult:
    """One SHACL result, with a readable label and the extraction position where known."""

    severity: Severity
    focus: str
    path: str | None
    message: str
    shape: str | None
    component: str | None
    value: str | None
    focus_label: str | None = None
    location: Location | None = None

    def sort_key(self) -> tuple[str, int, int, int, str, str, str]:
        loc = self.location or Location("")
        return (
            loc.file,
            loc.line or 0,
            self.severity.rank,
            loc.column or 0,
            self.focus,
            self.path or "",
            self.message,
        )


@dataclass(frozen=True, slots=True)
class ValidationReport:
    """All results of one validation run."""

    results: tuple[ValidationResult, ...] = field(default_factory=tuple)

    @property
    def conforms(self) -> bool:
        return not any(r.severity is Severity.VIOLATION for r in self.results)

    def count(self, severity: Severity) -> int:
        return sum(1 for r in self.results if r.severity is severity)

    def fails_at(self, threshold: Severity) -> bool:
        """True if any result is at least as severe as ``threshold``."""
        return any(r.severity.rank <= threshold.rank for r in self.results)


def default_shapes() -> Graph:
    """The project's shapes (generated and hand-written), as installed with the package."""
    graph = Graph()
    bind_prefixes(graph)
    for resource in turtle_files("shapes"):
        graph.parse(data=resource.read_text(encoding="utf-8"), format="turtle")
    return graph


def load_shapes(paths: Iterable[Path]) -> Graph:
    """Shapes from files, or every ``.ttl`` in the given directories."""
    graph = Graph()
    for path in paths:
        files = sorted(path.glob("*.ttl")) if path.is_dir() else [path]
        for file in files:
            graph.parse(str(file))
    return graph


class Engine(StrEnum):
    """Which SHACL engine runs.

    ``turbo``: pyshacl-turbo, a Rust engine with pySHACL's API (the fast path);
    ``kg``: pyshacl for SHACL Core, each SHACL-SPARQL constraint run once over all
    its targets (:mod:`kg.sparql_rules`); ``pyshacl``: pyshacl alone, the reference.
    ``auto`` picks turbo when it is installed, else kg. Parity tests prove all
    agree on focus node, path, shape, constraint component and severity.
    """

    AUTO = "auto"
    TURBO = "turbo"
    KG = "kg"
    PYSHACL = "pyshacl"

    def resolved(self) -> Engine:
        if self is not Engine.AUTO:
            return self
        return Engine.TURBO if importlib.util.find_spec("pyshacl_turbo") else Engine.KG


def validate(
    data: Graph,
    shapes: Graph | None = None,
    origins: Mapping[str, Location] | None = None,
    engine: Engine | str = Engine.AUTO,
) -> ValidationReport:
    """Validate ``data`` against ``shapes`` (default: the project's).

    No inference is run: the shapes are written for the data as mapped, and
    OWL-RL pre-inference would cost 10-15x for nothing. See :class:`Engine`.
    """
    shapes = shapes if shapes is not None else default_shapes()
    rules: list[SparqlRule] = []
    chosen = Engine(engine).resolved()
    if chosen is Engine.KG:
        shapes, rules = split_shapes(shapes)
    report_graph = _turbo(data, shapes) if chosen is Engine.TURBO else _pyshacl(data, shapes)
    results = read_results(report_graph, data, origins or {})
    for found in run_rules(data, rules):
        results.append(
            ValidationResult(
                severity=Severity.from_iri(found.rule.severity),
                focus=str(found.focus),
                path=_show(found.path),
                message=found.message,
                shape=_show(found.rule.shape),
                component=_show(SPARQL_COMPONENT),
                value=_show(found.value),
                focus_label=label_of(data, found.focus),
                location=trace(str(found.focus), origins or {}),
            )
        )
    return ValidationReport(tuple(sorted(results, key=ValidationResult.sort_key)))


def _turbo(data: Graph, shapes: Graph) -> Graph:
    try:
        import pyshacl_turbo
    except ImportError:
        raise KgError("engine 'turbo' needs the pyshacl-turbo package") from None

    _, report_graph, _ = pyshacl_turbo.validate(
        data, shacl_graph=shapes, inference="none", allow_warnings=True, allow_infos=True
    )
    if not isinstance(report_graph, Graph):
        raise KgError(f"the shapes cannot be used: {report_graph}")
    return report_graph


def _pyshacl(data: Graph, shapes: Graph) -> Graph:
    import pyshacl  # imported here: it is slow to import and only validation needs it

    _, report_graph, _ = pyshacl.validate(
        data,
        shacl_graph=shapes,
        inference="none",
        allow_warnings=True,
        allow_infos=True,
        meta_shacl=False,
        js=False,
        debug=False,
    )
    if not isinstance(report_graph, Graph):  # pyshacl signals broken shapes this way
        raise KgError(f"the shapes cannot be used: {report_graph}")
    return report_graph


def read_results(
    report: Graph, data: Graph, origins: Mapping[str, Location]
) -> list[ValidationResult]:
    """The results of a SHACL validation report graph, traced to extraction files."""
    results = []
    # Only the report's own results: nested ones (sh:detail, from sh:node) repeat them.
    for node in report.objects(report.value(None, RDF.type, SH.ValidationReport), SH.result):
        focus = report.value(node, SH.focusNode)
        path = report.value(node, SH.resultPath)
        value = report.value(node, SH.value)
        message = report.value(node, SH.resultMessage)
        shape = report.value(node, SH.sourceShape)
        results.append(
            ValidationResult(
                severity=Severity.from_iri(report.value(node, SH.resultSeverity)),
                focus=str(focus),
                path=_show(path),
                message=str(message) if message is not None else "constraint not met",
                shape=_show(shape),
                component=_show(report.value(node, SH.sourceConstraintComponent)),
                value=_show(value),
                focus_label=label_of(data, focus) if focus is not None else None,
                location=trace(str(focus), origins) if focus is not None else None,
            )
        )
    return results


def _show(term: Term | None) -> str | None:
    if term is None:
        return None
    if isinstance(term, URIRef):
        return term.n3()
    return str(term) if not hasattr(term, "n3") else term.n3()


def label_of(graph: Graph, node: Term) -> str | None:
    """A human name for a node: its preferred label, title or name, if it has one."""
    for predicate in (SKOS.prefLabel, RDFS.label, DCTERMS.title, FOAF.name):
        value = graph.value(node, predicate)
        if value is not None:
            return str(value)
    return None


def trace(iri: str, origins: Mapping[str, Location]) -> Location | None:
    """Where a node was written: itself, or the nearest node it is minted under."""
    candidate = iri
    while candidate:
        if candidate in origins:
            return origins[candidate]
        cut = candidate.rfind("/")
        if cut <= candidate.find("//") + 1:
            return None
        candidate = candidate[:cut]
    return None
