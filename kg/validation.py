"""Quads -> a SHACL report whose every result points back at the extraction that caused it.

pyshacl is the reference engine. Results are plain dataclasses, sorted, so a
report is stable between runs and easy to render as text, JSON or anything else.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache, partial
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, SH, SKOS
from rdflib.term import Node as Term

from kg.errors import KgError, Location
from kg.io import bind_prefixes
from kg.resources import turtle_files
from kg.sparql_rules import SPARQL_COMPONENT, RuleResult, SparqlRule, run_rules, split_shapes


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

    ``turbo`` (the fast path): pyshacl-turbo, a Rust engine with pySHACL's API,
    for SHACL Core, and each SHACL-SPARQL constraint run once over all its targets
    in Oxigraph (:mod:`kg.sparql_rules`), both at once; ``kg``: the same with
    pyshacl for SHACL Core and the constraints run by rdflib; ``pyshacl``:
    pyshacl alone, the reference.
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
    chosen = Engine(engine).resolved()
    if chosen is Engine.TURBO:
        return validate_ntriples(data.serialize(format="nt"), shapes, origins, chosen)
    shapes = shapes if shapes is not None else default_shapes()
    rules: list[SparqlRule] = []
    if chosen is Engine.KG:
        shapes, rules = split_shapes(shapes)
    report_graph = _pyshacl(data, shapes)
    return _report(report_graph, run_rules(data, rules), partial(label_of, data), origins or {})


def validate_ntriples(
    data: str,
    shapes: Graph | None = None,
    origins: Mapping[str, Location] | None = None,
    engine: Engine | str = Engine.AUTO,
) -> ValidationReport:
    """Validate a graph given as N-Triples text (duplicate lines allowed).

    The fast path of ``kg build``: with the turbo engine no rdflib graph is made.
    pyshacl-turbo checks SHACL Core in a worker thread (it releases the GIL)
    while this thread loads the text into Oxigraph and runs each SHACL-SPARQL
    constraint there once over all its targets.
    """
    chosen = Engine(engine).resolved()
    if chosen is not Engine.TURBO:
        graph = Graph()
        bind_prefixes(graph)
        graph.parse(data=data, format="nt")
        return validate(graph, shapes, origins, chosen)
    core, rules = _split(shapes)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="kg-shacl-core") as pool:
        core_report = pool.submit(_turbo, data, core)
        store = ox.Store()
        store.load(data, format=ox.RdfFormat.N_TRIPLES)
        found = list(run_rules(store, rules))
        report_graph = core_report.result()
    return _report(report_graph, found, partial(_store_label, store), origins or {})


def _split(shapes: Graph | None) -> tuple[Graph, list[SparqlRule]]:
    return split_shapes(shapes) if shapes is not None else _default_split()


@lru_cache(maxsize=1)
def _default_split() -> tuple[Graph, list[SparqlRule]]:
    """The project's shapes, split once per process (parsing them costs ~0.3 s)."""
    return split_shapes(default_shapes())


Labeller = Callable[[Term], "str | None"]


def _report(
    report_graph: Graph,
    rule_results: Iterable[RuleResult],
    labels: Labeller,
    origins: Mapping[str, Location],
) -> ValidationReport:
    results = read_results(report_graph, labels, origins)
    for found in rule_results:
        results.append(
            ValidationResult(
                severity=Severity.from_iri(found.rule.severity),
                focus=str(found.focus),
                path=_show(found.path),
                message=found.message,
                shape=_show(found.rule.shape),
                component=_show(SPARQL_COMPONENT),
                value=_show(found.value),
                focus_label=labels(found.focus),
                location=trace(str(found.focus), origins),
            )
        )
    return ValidationReport(tuple(sorted(results, key=ValidationResult.sort_key)))


def _turbo(data: str, shapes: Graph) -> Graph:
    try:
        import pyshacl_turbo
    except ImportError:
        raise KgError("engine 'turbo' needs the pyshacl-turbo package") from None
    try:  # the engine's own input type: the text goes to Rust as it is
        from pyshacl_turbo.rdf import Input

        source: object = Input(data, "nt", None, {}, {}, True)
    except ImportError:  # pragma: no cover - a pyshacl-turbo without it reads a Graph
        source = Graph().parse(data=data, format="nt")
    _, report_graph, _ = pyshacl_turbo.validate(
        source, shacl_graph=shapes, inference="none", allow_warnings=True, allow_infos=True
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
    report: Graph, labels: Labeller, origins: Mapping[str, Location]
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
                focus_label=labels(focus) if focus is not None else None,
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


_LABELS = (SKOS.prefLabel, RDFS.label, DCTERMS.title, FOAF.name)


def label_of(graph: Graph, node: Term) -> str | None:
    """A human name for a node: its preferred label, title or name, if it has one."""
    for predicate in _LABELS:
        value = graph.value(node, predicate)
        if value is not None:
            return str(value)
    return None


def _store_label(store: ox.Store, node: Term) -> str | None:
    """:func:`label_of` for a node in an Oxigraph store's default graph."""
    if not isinstance(node, URIRef):
        return None
    subject = ox.NamedNode(str(node))
    for predicate in _LABELS:
        for quad in store.quads_for_pattern(subject, ox.NamedNode(str(predicate)), None):
            value = quad.object
            if isinstance(value, ox.Literal | ox.NamedNode):
                return value.value
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
