"""Quads -> a SHACL report whose every result points back at the extraction that caused it.

pyshacl is the reference engine. Results are plain dataclasses, sorted, so a
report is stable between runs and easy to render as text, JSON or anything else.
"""

from __future__ import annotations

import importlib.util
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import lru_cache, partial
from itertools import compress
from operator import itemgetter
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node as Term

from kg import ntriples
from kg.errors import KgError, Location
from kg.io import bind_prefixes, to_graph
from kg.mapping import MappedGraph
from kg.memory import release_free_memory
from kg.namespaces import LABEL_PREDICATES
from kg.ntriples import Quad, ascii_document
from kg.resources import turtle_files
from kg.shacl_terms import focus_text, path_text, term_text
from kg.sparql_rules import (
    SPARQL_COMPONENT,
    RuleResult,
    SparqlRule,
    predicates_read,
    run_rules,
    split_shapes,
)
from kg.validation_input import ntriples_of, rdflib_graph_of


class Severity(StrEnum):
    """SHACL severities, most severe first.

    >>> [severity.value for severity in Severity]
    ['violation', 'warning', 'info']
    >>> Severity.from_iri(SH.Warning), Severity.from_iri(SH.Info).rank > Severity.VIOLATION.rank
    (<Severity.WARNING: 'warning'>, True)
    """

    VIOLATION = "violation"
    WARNING = "warning"
    INFO = "info"

    @classmethod
    def from_iri(cls, iri: Term | None) -> Severity:
        """The level of a ``sh:resultSeverity``; a custom severity counts as a violation
        (kg cannot rank it, and failing is the safe side for CI)."""
        if iri == SH.Warning:
            return cls.WARNING
        return cls.INFO if iri == SH.Info else cls.VIOLATION

    @property
    def iri(self) -> str:
        """The SHACL IRI of this level."""
        return str(SH[self.value.capitalize()])

    @property
    def rank(self) -> int:
        return [Severity.VIOLATION, Severity.WARNING, Severity.INFO].index(self)


@dataclass(frozen=True, slots=True)
class ValidationResult:
    """One SHACL result, with a readable label and the extraction position where known.

    Terms are written so that none is ambiguous (:mod:`kg.shacl_terms`): ``focus`` is
    an IRI bare, a blank node ``_:label`` or a literal in N-Triples syntax; ``path``
    is a SPARQL property path; ``value``, ``shape`` and ``component`` are in N-Triples
    syntax.

    >>> import kg
    >>> text = "<https://example.org/p> a <http://xmlns.com/foaf/0.1/Person> ."
    >>> result = kg.validate(text).results[0]
    >>> result.severity, result.focus, result.path
    (<Severity.VIOLATION: 'violation'>, 'https://example.org/p',
     '<http://www.w3.org/2004/02/skos/core#prefLabel>')
    >>> result.shape, result.location is None
    ('<https://w3id.org/kg/shapes#Person-name>', True)
    """

    severity: Severity
    focus: str
    path: str | None
    message: str
    shape: str | None
    component: str | None
    value: str | None
    focus_label: str | None = None
    location: Location | None = None
    custom_severity: str | None = None

    @property
    def severity_iri(self) -> str:
        """The ``sh:resultSeverity`` as the shape gave it: ``sh:Violation``, ``sh:Warning``,
        ``sh:Info`` or a custom IRI (which :attr:`severity` counts as a violation), as
        ``<iri>``."""
        return self.custom_severity or f"<{self.severity.iri}>"

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
    """All results of one validation run.

    >>> import kg
    >>> report = kg.validate("<https://example.org/p> a <http://xmlns.com/foaf/0.1/Person> .")
    >>> report.conforms, report.violation_free, report.count(kg.Severity.VIOLATION)
    (False, False, 1)
    >>> report.fails_at(kg.Severity.WARNING)
    True
    """

    results: tuple[ValidationResult, ...] = field(default_factory=tuple)

    @property
    def conforms(self) -> bool:
        """As SHACL defines it: no results at all, whatever their severity."""
        return not self.results

    @property
    def violation_free(self) -> bool:
        """No result of severity violation (warnings and infos allowed): what ``kg build``
        needs by default to write (``--fail-on violation``)."""
        return not self.fails_at(Severity.VIOLATION)

    def count(self, severity: Severity) -> int:
        return sum(1 for r in self.results if r.severity is severity)

    def fails_at(self, threshold: Severity) -> bool:
        """True if any result is at least as severe as ``threshold``."""
        return any(r.severity.rank <= threshold.rank for r in self.results)


def default_shapes() -> Graph:
    """The project's shapes (generated and hand-written), as installed with the package.

    >>> from rdflib.namespace import RDF, SH
    >>> from kg.generate import KGSH
    >>> shapes = default_shapes()
    >>> (KGSH.PersonShape, RDF.type, SH.NodeShape) in shapes
    True
    """
    graph = Graph()
    bind_prefixes(graph)
    for resource in turtle_files("shapes"):
        graph.parse(data=resource.read_text(encoding="utf-8"), format="turtle")
    return graph


def load_shapes(paths: Iterable[Path]) -> Graph:
    """Shapes from files, or every ``.ttl`` in the given directories (literals keep
    their lexical forms; an unreadable file raises :class:`KgError` naming it)."""
    graph = Graph()
    for path in paths:
        files = sorted(path.glob("*.ttl")) if path.is_dir() else [path]
        for file in files:
            read = rdflib_graph_of(file)
            for prefix, namespace in read.namespaces():
                graph.bind(prefix, namespace, override=False)
            for triple in read.triples((None, None, None)):
                graph.add(triple)
    return graph


class Engine(StrEnum):
    """Which SHACL engine runs.

    ``turbo`` (the fast path): pyshacl-turbo, a Rust engine with pySHACL's API,
    for SHACL Core while each SHACL-SPARQL constraint runs once over all its
    targets (:mod:`kg.sparql_rules`) in Oxigraph, on the statements it can read;
    ``kg``: pyshacl for SHACL Core and the same constraints run by rdflib;
    ``pyshacl``: pyshacl alone, the reference.
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


class Built(Protocol):
    """What :func:`validate` needs of a :class:`kg.Build`: its mapped statements."""

    @property
    def mapping(self) -> MappedGraph: ...


def validate(
    data: Graph | Path | str | Built,
    shapes: Graph | Path | str | None = None,
    origins: Mapping[str, Location] | None = None,
    engine: Engine | str = Engine.AUTO,
    *,
    rdf_format: str | None = None,
    base_iri: str | None = None,
) -> ValidationReport:
    """Validate ``data`` against ``shapes`` (default: the project's).

    ``data`` is a :class:`kg.Build` (validated again, with its source map, so every
    result names the extraction file and line), an rdflib Graph, a file (``Path``), or
    RDF text (Turtle unless ``rdf_format`` names another; relative IRIs resolve
    against ``base_iri``).
    Files and text are read so that every literal keeps its lexical form
    (:mod:`kg.validation_input`): an ill-typed ``"1_000"^^xsd:integer`` is
    reported. A Graph is validated as it is, and rdflib normalised its typed
    literals when it was made (``"1_000"`` became ``"1000"``): give the file or
    text to validate what its author wrote. ``shapes`` is a Graph or the path of a
    file or directory of Turtle. No inference is run: the shapes are written for the
    data as mapped, and OWL-RL pre-inference would cost 10-15x for nothing. See
    :class:`Engine`. Unreadable input raises :class:`kg.KgError`.

    >>> import kg
    >>> kg.validate(kg.build("tests/fixtures/golden/seeds")).violation_free
    True
    >>> turtle = '<https://example.org/p> a <http://xmlns.com/foaf/0.1/Person> .'
    >>> [result.path for result in kg.validate(turtle).results]
    ['<http://www.w3.org/2004/02/skos/core#prefLabel>']
    >>> kg.validate(turtle, shapes="shapes/rules.ttl").conforms
    True
    """
    if isinstance(shapes, Path | str):
        shapes_graph: Graph | None = load_shapes([Path(shapes)])
    elif shapes is None or isinstance(shapes, Graph):
        shapes_graph = shapes
    else:
        raise KgError(f"shapes must be a Graph or a path, not {type(shapes).__name__}")
    chosen = Engine(engine).resolved()
    mapped = getattr(data, "mapping", None)
    if isinstance(mapped, MappedGraph):
        labels = StatementLabels.of_quads(mapped.quads)
        traced = origins if origins is not None else mapped.origins
        if chosen is Engine.TURBO:
            text = ascii_document(mapped.quads)
            return validate_ntriples(text, shapes_graph, traced, chosen, labels)
        return _validate_graph(to_graph(mapped.quads), shapes_graph, traced, chosen)
    if isinstance(data, Graph):
        if chosen is Engine.TURBO:
            text = data.serialize(format="nt", encoding="utf-8").decode("utf-8")
            return validate_ntriples(text, shapes_graph, origins, chosen, partial(label_of, data))
        return _validate_graph(data, shapes_graph, origins, chosen)
    if not isinstance(data, Path | str):
        raise KgError(
            f"cannot validate {type(data).__name__}: give a kg.Build, an rdflib Graph, "
            "a file path or RDF text"
        )
    if chosen is Engine.TURBO:
        found = ntriples_of(data, rdf_format, base_iri)
        if found is not None:
            return validate_ntriples(found, shapes_graph, origins, chosen)
    graph = rdflib_graph_of(data, rdf_format, base_iri)
    return _validate_graph(graph, shapes_graph, origins, chosen)


def _validate_graph(
    data: Graph, shapes: Graph | None, origins: Mapping[str, Location] | None, engine: Engine
) -> ValidationReport:
    """The rdflib engines: pyshacl for SHACL Core, the SPARQL constraints by rdflib
    (``kg``) or pyshacl (``pyshacl``)."""
    shapes = shapes if shapes is not None else default_shapes()
    rules: list[SparqlRule] = []
    if engine is Engine.KG:
        shapes, rules = split_shapes(shapes)
    report_graph = _pyshacl(data, shapes)
    return _report(report_graph, run_rules(data, rules), partial(label_of, data), origins or {})


def validate_ntriples(
    data: str,
    shapes: Graph | None = None,
    origins: Mapping[str, Location] | None = None,
    engine: Engine | str = Engine.AUTO,
    labels: Labeller | None = None,
) -> ValidationReport:
    """Validate a graph given as N-Triples text (lines may repeat); see :func:`start_validation`."""
    return start_validation(data, shapes, origins, engine, labels).result()


class PendingValidation:
    """A validation under way: SHACL Core runs in a worker thread from the start; the
    SPARQL constraints and the report are made by :meth:`result`, in the caller's thread.

    Splitting it so lets a caller do other work (``kg build`` serialises the graph)
    while pyshacl-turbo, which releases the GIL, uses the second core, and keeps
    the constraints' throw-away Oxigraph store from being alive at the same time
    as that work.
    """

    def __init__(self, finish: Callable[[], ValidationReport]) -> None:
        self._finish = finish
        self._report: ValidationReport | None = None
        self._lock = threading.Lock()

    def result(self) -> ValidationReport:
        """The report; waits for the Core check if it is still running (once, whichever
        thread asks first)."""
        with self._lock:
            if self._report is None:
                self._report = self._finish()
            return self._report


def start_validation(
    data: str,
    shapes: Graph | None = None,
    origins: Mapping[str, Location] | None = None,
    engine: Engine | str = Engine.AUTO,
    labels: Labeller | None = None,
) -> PendingValidation:
    """Start validating a graph given as N-Triples text (lines may repeat).

    The fast path of ``kg build``: with the turbo engine the text goes to Rust
    as it is and no rdflib graph is made. Give ``data`` in ASCII
    (:func:`kg.ntriples.ascii_document`) to spare a copy. ``labels`` names focus
    nodes in the report; by default they are looked up in ``data``. Other
    engines parse the text into rdflib and run entirely in the worker thread.
    """
    chosen = Engine(engine).resolved()
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kg-shacl")
    try:
        if chosen is not Engine.TURBO:
            whole = pool.submit(_validate_text_with_rdflib, data, shapes, origins, chosen)
            return PendingValidation(partial(_joined, whole, pool))
        core_shapes, rules = _split(shapes)
        core = pool.submit(_turbo, data, core_shapes)

        def finish() -> ValidationReport:
            found = _run_rules_in_oxigraph(data, rules)
            release_free_memory()  # the store is gone; hand its pages back
            checked = core.result()
            pool.shutdown(wait=True)  # its thread gone too: a later fork finds none
            return _report(checked, found, labels or _text_labels(data), origins or {})

        return PendingValidation(finish)
    finally:
        pool.shutdown(wait=False)  # the thread ends with its task


def _joined(result: Future[ValidationReport], pool: ThreadPoolExecutor) -> ValidationReport:
    """The worker's report, once its thread is gone too (a later fork finds none)."""
    found = result.result()
    pool.shutdown(wait=True)
    return found


def _validate_text_with_rdflib(
    data: str, shapes: Graph | None, origins: Mapping[str, Location] | None, engine: Engine
) -> ValidationReport:
    graph = rdflib_graph_of(data, "nt")
    bind_prefixes(graph)
    return _validate_graph(graph, shapes, origins, engine)


def _run_rules_in_oxigraph(data: str, rules: list[SparqlRule]) -> list[RuleResult]:
    """The rules' results from a throw-away store of the statements they read."""
    if not rules:
        return []
    store = ox.Store()
    store.load(_statements_with(data, predicates_read(rules)), format=ox.RdfFormat.N_TRIPLES)
    return list(run_rules(store, rules))


def _split(shapes: Graph | None) -> tuple[Graph, list[SparqlRule]]:
    return split_shapes(shapes) if shapes is not None else _default_split()


@lru_cache(maxsize=1)
def _default_split() -> tuple[Graph, list[SparqlRule]]:
    """The project's shapes, parsed and split once per process (~0.3 s)."""
    return split_shapes(default_shapes())


def _statements_with(data: str, predicates: frozenset[str] | None) -> str:
    """The lines of N-Triples text whose predicate is one of ``predicates`` (all if None)."""
    if predicates is None:
        return data
    alternatives = "|".join(re.escape(ntriples.iri(p)) for p in sorted(predicates))
    return "\n".join(re.findall(rf"^\S+ (?:{alternatives}) .*$", data, re.MULTILINE)) + "\n"


Labeller = Callable[[Term], "str | None"]


def _report(
    report_graph: Graph,
    rule_results: Iterable[RuleResult],
    labels: Labeller,
    origins: Mapping[str, Location],
) -> ValidationReport:
    results = read_results(report_graph, labels, origins)
    for found in rule_results:
        severity = found.rule.severity
        result = ValidationResult(
            severity=Severity.from_iri(severity),
            focus=focus_text(found.focus),
            path=_show(found.path),
            message=found.message,
            shape=_show(found.rule.shape),
            component=_show(SPARQL_COMPONENT),
            value=_show(found.value),
            custom_severity=_custom_severity(severity),
        )
        results.append(located(result, labels, origins))
    return ValidationReport(tuple(sorted(results, key=ValidationResult.sort_key)))


def _turbo(data: str, shapes: Graph) -> Graph:
    """pyshacl-turbo on N-Triples text; it releases the GIL while it works."""
    try:
        import pyshacl_turbo
    except ImportError:
        raise KgError("engine 'turbo' needs the pyshacl-turbo package") from None
    try:  # the engine's own input type: the text goes to Rust as it is
        from pyshacl_turbo.rdf import Input

        source: object = Input(data, "nt", None, {}, {}, True)
        # Shapes as text too: given an rdflib Graph, turbo mimics pyshacl and reads
        # "1"^^xsd:boolean as true, which SHACL does not (core/property/uniqueLang-002).
        shapes_source: object = Input(_shapes_text(shapes), "nt", None, {}, {}, True)
    except ImportError:  # pragma: no cover - a pyshacl-turbo without it reads a Graph
        source = Graph().parse(data=data, format="nt")
        shapes_source = shapes
    try:
        _, report_graph, _ = pyshacl_turbo.validate(
            source,
            shacl_graph=shapes_source,
            inference="none",
            allow_warnings=True,
            allow_infos=True,
        )
    except Exception as exc:  # the engine refuses shapes by raising
        raise KgError(f"the shapes cannot be used: {exc}") from None
    if not isinstance(report_graph, Graph):
        raise KgError(f"the shapes cannot be used: {report_graph}")
    return report_graph


_SHAPES_TEXT: dict[int, tuple[Graph, str]] = {}


def _shapes_text(shapes: Graph) -> str:
    """The shapes as N-Triples, remembered for the graph last given (the project's
    shapes are split once per process, so a build serialises them once)."""
    known = _SHAPES_TEXT.get(id(shapes))
    if known is not None and known[0] is shapes:
        return known[1]
    text = shapes.serialize(format="nt", encoding="utf-8").decode("utf-8")
    _SHAPES_TEXT.clear()
    _SHAPES_TEXT[id(shapes)] = (shapes, text)
    return text


def _pyshacl(data: Graph, shapes: Graph) -> Graph:
    import pyshacl  # imported here: it is slow to import and only validation needs it

    try:
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
    except Exception as exc:  # the engine refuses shapes (or fails on them) by raising
        raise KgError(f"the shapes cannot be used: {type(exc).__name__}: {exc}") from None
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
        severity = report.value(node, SH.resultSeverity)
        result = ValidationResult(
            severity=Severity.from_iri(severity),
            focus=focus_text(focus) if focus is not None else "",
            path=path_text(report, path) if path is not None else None,
            message=str(message) if message is not None else "constraint not met",
            shape=_show(shape),
            component=_show(report.value(node, SH.sourceConstraintComponent)),
            value=_show(value),
            custom_severity=_custom_severity(severity),
        )
        results.append(located(result, labels, origins))
    return results


def _show(term: Term | None) -> str | None:
    return term_text(term) if term is not None else None


def _custom_severity(iri: Term | None) -> str | None:
    """A severity other than SHACL's three, written as an IRI."""
    if iri is None or iri in (SH.Violation, SH.Warning, SH.Info):
        return None
    return term_text(iri)


def located(
    result: ValidationResult, labels: Labeller, origins: Mapping[str, Location]
) -> ValidationResult:
    """The result with its focus node's label and the extraction position of the node
    (and of the field its path names, when that is one predicate), from its text alone:
    a report rebuilt from kept results (:mod:`kg.revalidation`) reads the same."""
    focus = result.focus
    if not focus or focus.startswith('"'):  # a literal: no label, no position
        return result
    if focus.startswith("_:"):
        return replace(result, focus_label=labels(BNode(focus[2:])))
    path = result.path if result.path and result.path.startswith("<") else None
    return replace(
        result,
        focus_label=labels(URIRef(focus)),
        location=trace(focus, origins, path) if origins else None,
    )


_LABELS = LABEL_PREDICATES
_PREDICATE = itemgetter(1)
_TRIPLE = itemgetter(0, 1, 2)


def label_of(graph: Graph, node: Term) -> str | None:
    """A human name for a node: its preferred label, title or name, if it has one."""
    for predicate in _LABELS:
        value = graph.value(node, predicate)
        if value is not None:
            return str(value)
    return None


class StatementLabels:
    """:func:`label_of` over statements in N-Triples form, indexed on first use.

    A report names a few hundred focus nodes at most; one pass over the
    statements is cheaper than building a graph to ask.
    """

    def __init__(self, statements: Iterable[tuple[str, str, str]]) -> None:
        self._statements: Iterable[tuple[str, str, str]] | None = statements
        self._labels: dict[str, str] = {}

    @classmethod
    def of_quads(cls, quads: Sequence[Quad]) -> StatementLabels:
        """The labels of the mapper's quads, whose label statements are picked out at C
        speed when first asked for (a Python pass over a million quads took 0.4 s)."""
        wanted = {ntriples.iri(str(p)) for p in _LABELS}
        picked = compress(quads, map(wanted.__contains__, map(_PREDICATE, quads)))
        return cls(map(_TRIPLE, picked))

    def __call__(self, node: Term) -> str | None:
        if self._statements is not None:
            self._index(self._statements)
            self._statements = None
        return self._labels.get(ntriples.term(node)) if isinstance(node, URIRef) else None

    def _index(self, statements: Iterable[tuple[str, str, str]]) -> None:
        rank = {ntriples.iri(str(p)): i for i, p in enumerate(_LABELS)}
        best: dict[str, tuple[int, str]] = {}
        for s, p, o in statements:
            position = rank.get(p)
            if position is not None and (s not in best or position < best[s][0]):
                best[s] = (position, o)
        # an ASCII document escapes non-ASCII IRIs; key them as ntriples.term writes them
        self._labels = {
            (ntriples.term(ntriples.to_rdflib(s)) if "\\" in s else s): str(ntriples.to_rdflib(o))
            for s, (_, o) in best.items()
        }


def _text_labels(data: str) -> StatementLabels:
    """Labels from N-Triples text: IRIs and predicates hold no spaces, so a line
    splits at its first two."""
    wanted = tuple(ntriples.iri(str(p)) for p in _LABELS)

    def statements() -> Iterator[tuple[str, str, str]]:
        for line in data.splitlines():
            s, _, rest = line.partition(" ")
            p, _, o = rest.partition(" ")
            if p in wanted:
                yield s, p, o.rstrip().removesuffix(".").rstrip()

    return StatementLabels(statements())


def trace(iri: str, origins: Mapping[str, Location], path: str | None = None) -> Location | None:
    """Where a node was written: the field ``path`` names (an IRI in N-Triples form) if
    the source map has it, else the node itself, or the nearest node it is minted under."""
    if path is not None and path.startswith("<") and path.endswith(">"):
        found = origins.get(f"{iri} {path[1:-1]}")
        if found is not None:
            return found
    candidate = iri
    while candidate:
        if candidate in origins:
            return origins[candidate]
        cut = candidate.rfind("/")
        if cut <= candidate.find("//") + 1:
            return None
        candidate = candidate[:cut]
    return None
