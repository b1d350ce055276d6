"""Validate again only what an edit can affect, and get the report a full validation gives.

A build with a cache directory keeps, beside its parse cache, the statements of each
named graph it validated and the results (without labels or positions, which are
added afresh from the new build). On the next build the graphs whose statements
changed give the statements that may have changed in the union; walking back from
them along the shapes' walks (:mod:`kg.shape_reach`) gives every focus node whose
results they can change. Only those are validated, on the part of the graph their
walks read; every other focus node keeps its results. Whenever that cannot be done
soundly (no usable state, other shapes or engine, shapes whose reach is unbounded,
a changed ``rdfs:subClassOf``, blank nodes, or an edit so large a full run is
cheaper) the whole graph is validated, and the reason is given.

``tests/test_incremental_build.py`` proves it against full validation on random edit
sequences: the reports are identical.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import compress
from operator import itemgetter, methodcaller
from pathlib import Path
from typing import Any

from rdflib import Graph
from rdflib.compare import to_isomorphic

from kg import ntriples
from kg.atomic import write_atomically
from kg.errors import Location
from kg.io import graph_runs
from kg.ntriples import Quad
from kg.resources import turtle_files
from kg.shacl_terms import focus_text
from kg.shape_reach import Reach, Step, reach_of
from kg.sparql_rules import learn_query_facts, query_facts
from kg.validation import (
    Engine,
    Labeller,
    Severity,
    ValidationReport,
    ValidationResult,
    default_shapes,
    located,
    start_validation,
)
from kg.walkindex import (
    NodeGraphs,
    WalkIndex,
    node_graphs_of,
    nodes_in,
    nodes_of,
    quads_in,
    statements_in,
)

STATE_FORMAT = 3
STATE_DIR = "validation"
_STATE = "state.json"
_STATEMENTS = "statements.nt"
_NODES = "nodes.marshal"
FULL_RUN_SHARE = 0.2
"""Above this share of the graph's subjects affected, validating everything is cheaper."""


class GraphTexts:
    """Each named graph's quads (by their runs in the mapper's output), a digest of them
    that says whether the graph changed (:func:`kg.io.quads_digest`, as the piece cache
    uses), and, made only for the graphs that are kept, their statements as N-Triples lines.

    It also holds, once known, what the walk index needs of every graph (:class:`GraphFacts`),
    shared by the revalidation and the state saved after it."""

    def __init__(self, quads: Sequence[Quad], digests: Mapping[str, bytes]) -> None:
        self.quads = quads
        self.runs = graph_runs(quads)
        self.digests = {graph: digest.hex() for graph, digest in digests.items()}
        self.facts: GraphFacts | None = None

    def statements(self, graph: str) -> set[tuple[str, str, str]]:
        return set(statements_in(self.quads, self.runs.get(graph, ())))

    def text(self, graph: str) -> bytes:
        quads = self.quads
        lines = [f"{s} {p} {o}\n" for a, b in self.runs[graph] for s, p, o, _ in quads[a:b]]
        return "".join(lines).encode("utf-8")


@dataclass(slots=True)
class GraphFacts:
    """Per named graph, what a walk needs to know without a pass over the union: where
    each node occurs (:class:`~kg.walkindex.NodeGraphs`), which graphs hold blank nodes,
    and each graph's statements along the shapes' global predicates."""

    nodes: NodeGraphs
    blank: set[str]
    globals: dict[str, list[tuple[str, str, str]]]

    def global_statements(self) -> set[tuple[str, str, str]]:
        return {statement for found in self.globals.values() for statement in found}


_SUBJECT, _PREDICATE, _OBJECT = itemgetter(0), itemgetter(1), itemgetter(2)
_TRIPLE = itemgetter(0, 1, 2)
_BLANK = methodcaller("startswith", "_:")


def _refresh(
    facts: GraphFacts, texts: GraphTexts, graphs: list[str], global_iris: set[str]
) -> None:
    """Set ``graphs``' blank-node flags and global statements from this build's quads."""
    for graph in graphs:
        runs = texts.runs.get(graph)
        facts.blank.discard(graph)
        facts.globals.pop(graph, None)
        if runs is None:
            continue
        for start, end in runs:  # at C speed: a cold build asks this of every quad
            part = texts.quads[start:end]
            if global_iris:
                picked = compress(part, map(global_iris.__contains__, map(_PREDICATE, part)))
                facts.globals.setdefault(graph, []).extend(map(_TRIPLE, picked))
                if not facts.globals[graph]:
                    del facts.globals[graph]
            if any(map(_BLANK, map(_SUBJECT, part))) or any(map(_BLANK, map(_OBJECT, part))):
                facts.blank.add(graph)


def graph_facts(texts: GraphTexts, previous: ValidationState | None, reach: Reach) -> GraphFacts:
    """The facts of this build's graphs: the previous build's, updated by the graphs that
    changed (their old statements out, their new ones in), or made afresh from the quads
    when there is no intact previous map. Made once per build (kept on ``texts``)."""
    if texts.facts is not None:
        return texts.facts
    global_iris = {ntriples.iri(p) for p in reach.global_predicates}
    kept = previous.facts() if previous is not None else None
    if kept is not None and previous is not None:
        changed = _changed(texts, previous)
        for graph in changed:
            if graph in previous.graphs:
                old = previous.statements(graph)
                if old is None:
                    kept = None
                    break
                kept.nodes.remove(graph, nodes_of(old))
            if graph in texts.runs:
                kept.nodes.add(graph, nodes_in(texts.quads, texts.runs[graph]))
        if kept is not None:
            _refresh(kept, texts, changed, global_iris)
    if kept is None:
        kept = GraphFacts(node_graphs_of(texts.quads, texts.runs), set(), {})
        _refresh(kept, texts, sorted(texts.runs), global_iris)
    texts.facts = kept
    return kept


@dataclass(frozen=True, slots=True)
class Outcome:
    """A report, and how it was made: ``incremental`` with the focus nodes validated again,
    or the reason everything was validated."""

    report: ValidationReport
    incremental: bool
    detail: str


def fingerprint(shapes: Graph | None, engine: Engine) -> str:
    """What a state's results depend on besides the data: kg, the engine, the shapes."""
    from kg import __version__

    key = f"{STATE_FORMAT}\0{__version__}\0{engine.value}\0{_shapes_digest(shapes)}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _shapes_digest(shapes: Graph | None) -> str:
    """The project's shapes by their files; other shapes by their canonical form (blank
    node labels differ from one parse to the next)."""
    if shapes is None:
        digest = hashlib.sha256()
        for resource in turtle_files("shapes"):
            digest.update(resource.name.encode() + b"\0" + resource.read_bytes())
        return digest.hexdigest()
    canonical: int = to_isomorphic(shapes).graph_digest()  # type: ignore[no-untyped-call]
    return format(canonical, "x")


@dataclass(slots=True)
class ValidationState:
    """The last validated graph's statements (by named graph) and its unlabelled results."""

    directory: Path
    key: str
    graphs: dict[str, tuple[str, int, int, str]]
    """graph -> (digest of its quads, offset and length of its lines, SHA-256 of them)"""
    results: list[ValidationResult]
    reach: Reach | None
    blank: set[str] = field(default_factory=set)
    """the graphs that held blank nodes"""
    globals: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)
    """each graph's statements along the shapes' global predicates (where it has any)"""
    nodes_sha256: str | None = None
    """the SHA-256 of the kept node map (:class:`~kg.walkindex.NodeGraphs`)"""
    queries: dict[str, list[Any]] = field(default_factory=dict)
    """what the last build learnt of the shapes' SPARQL queries
    (:func:`~kg.sparql_rules.query_facts`)"""
    _read: dict[str, list[tuple[str, str, str]] | None] = field(default_factory=dict)

    @classmethod
    def load(cls, directory: Path, key: str) -> ValidationState | str:
        """The state kept in ``directory`` for this fingerprint, or why there is none."""
        try:
            raw = json.loads((directory / _STATE).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return "no previous validation"
        except (OSError, ValueError) as exc:
            return f"the validation state cannot be read ({exc})"
        try:
            if raw["format"] != STATE_FORMAT or raw["key"] != key:
                return "the shapes, the engine or kg changed"
            results_json = json.dumps(raw["results"], sort_keys=True)
            if hashlib.sha256(results_json.encode()).hexdigest() != raw["results_sha256"]:
                return "the validation state is damaged"
            results = [_result_of(item) for item in raw["results"]]
            graphs = {
                g: (str(d), int(a), int(b), str(t)) for g, (d, a, b, t) in raw["graphs"].items()
            }
            reach = _reach_from_json(raw["reach"])
            blank = {str(g) for g in raw["blank"]}
            kept_globals = {
                str(g): [(str(s), str(p), str(o)) for s, p, o in found]
                for g, found in raw["globals"].items()
            }
            nodes = raw["nodes_sha256"]
            queries = raw["queries"]
            if _checksum(queries) != raw["queries_sha256"] or not isinstance(queries, dict):
                queries = {}  # only a speed-up: parse the queries again
        except (KeyError, TypeError, ValueError) as exc:
            return f"the validation state is damaged ({exc})"
        return cls(
            directory,
            key,
            graphs,
            results,
            reach,
            blank,
            kept_globals,
            str(nodes) if nodes is not None else None,
            queries,
        )

    def facts(self) -> GraphFacts | None:
        """What the last build kept of its graphs for the walk index; None if the node map
        is missing or not the one the state names (then it is made afresh)."""
        if self.nodes_sha256 is None:
            return None
        try:
            data = (self.directory / _NODES).read_bytes()
        except OSError:
            return None
        if hashlib.sha256(data).hexdigest() != self.nodes_sha256:
            return None
        try:
            nodes = NodeGraphs.decode(data)
        except ValueError:
            return None
        return GraphFacts(nodes, set(self.blank), dict(self.globals))

    def statements(self, graph: str) -> list[tuple[str, str, str]] | None:
        """The graph's statements as last validated; None if they cannot be read intact."""
        if graph not in self._read:
            self._read[graph] = self._statements(graph)
        return self._read[graph]

    def _statements(self, graph: str) -> list[tuple[str, str, str]] | None:
        _, start, length, checksum = self.graphs[graph]
        try:
            with (self.directory / _STATEMENTS).open("rb") as stream:
                stream.seek(start)
                data = stream.read(length)
        except OSError:
            return None
        if hashlib.sha256(data).hexdigest() != checksum:
            return None
        return [_split(line) for line in data.decode("utf-8").splitlines()]


def save_state(
    directory: Path,
    key: str,
    texts: GraphTexts,
    report: ValidationReport,
    shapes: Graph | None,
    reach: Reach | None = None,
    previous: ValidationState | None = None,
) -> None:
    """Keep what the next build needs to validate incrementally (with the shapes' reach,
    which takes a second to derive); a failure only costs that build a full validation.

    With the ``previous`` state, only the graphs that changed are appended to the kept
    statements (at a million statements, rewriting them all cost seconds); once more
    than half the file is dead it is written afresh. The state file, written last and
    atomically, names only slices whose digest it records, so an append cut short is
    never read.
    """
    if reach is None:
        reach = _reach(shapes)
    facts = graph_facts(texts, previous, reach) if reach is not None else None
    graphs = _appended(directory, texts, previous) if previous is not None else None
    files: dict[Path, bytes] = {}
    if graphs is None:
        graphs, offset, chunks = {}, 0, []
        for graph, digest in texts.digests.items():
            text = texts.text(graph)
            graphs[graph] = [digest, offset, len(text), hashlib.sha256(text).hexdigest()]
            offset += len(text)
            chunks.append(text)
        files[directory / _STATEMENTS] = b"".join(chunks)
    nodes_sha256 = None
    if facts is not None:
        nodes = facts.nodes.encode()
        nodes_sha256 = hashlib.sha256(nodes).hexdigest()
        files[directory / _NODES] = nodes
    results = [_item_of(r) for r in report.results]
    results_json = json.dumps(results, sort_keys=True)
    queries = query_facts()
    state = {
        "format": STATE_FORMAT,
        "key": key,
        "graphs": graphs,
        "results": results,
        "results_sha256": hashlib.sha256(results_json.encode()).hexdigest(),
        "reach": _reach_to_json(reach),
        "blank": sorted(facts.blank) if facts is not None else [],
        "globals": {g: sorted(found) for g, found in sorted(facts.globals.items())}
        if facts is not None
        else {},
        "nodes_sha256": nodes_sha256,
        "queries": queries,
        "queries_sha256": _checksum(queries),
    }
    files[directory / _STATE] = json.dumps(state, ensure_ascii=False).encode("utf-8")
    with contextlib.suppress(OSError):
        write_atomically(files)


def _appended(
    directory: Path, texts: GraphTexts, previous: ValidationState
) -> dict[str, list[Any]] | None:
    """Append the changed graphs' statements to the kept file and return where every graph
    now is; None if the file should be written afresh (missing, or mostly dead)."""
    path = directory / _STATEMENTS
    try:
        size = path.stat().st_size
    except OSError:
        return None
    graphs: dict[str, list[Any]] = {}
    added: list[bytes] = []
    end, live = size, 0
    for graph, digest in texts.digests.items():
        old = previous.graphs.get(graph)
        if old is not None and old[0] == digest and old[1] + old[2] <= size:
            graphs[graph] = list(old)
            live += old[2]
            continue
        text = texts.text(graph)
        graphs[graph] = [digest, end, len(text), hashlib.sha256(text).hexdigest()]
        added.append(text)
        end += len(text)
        live += len(text)
    if end > 2 * live:
        return None
    try:
        with path.open("ab") as stream:
            if stream.tell() != size:
                return None  # another build appended meanwhile: write afresh
            stream.write(b"".join(added))
    except OSError:
        return None
    return graphs


def revalidate(
    quads: Sequence[Quad],
    texts: GraphTexts,
    previous: ValidationState,
    *,
    shapes: Graph | None,
    engine: Engine,
    labels: Labeller,
    origins: Mapping[str, Location],
) -> Outcome | str:
    """The report of the new graph from the previous one, or why it must be made in full."""
    reach = previous.reach
    if reach is None:
        return "the shapes read further than kg can bound"
    changed = _changed(texts, previous)
    delta: set[tuple[str, str, str]] = set()
    for graph in changed:
        new = texts.statements(graph)
        old: set[tuple[str, str, str]] = set()
        if graph in previous.graphs:
            stored = previous.statements(graph)
            if stored is None:
                return "the kept statements are damaged"
            old = set(stored)
        delta |= new ^ old
    if any(p[1:-1] in reach.global_predicates for _, p, _ in delta):
        return "a statement every focus node may read changed"
    facts = graph_facts(texts, previous, reach)
    if facts.blank:
        return "the graph has blank nodes"
    index = WalkIndex(
        reach,
        facts.nodes.graphs_of,
        lambda: sorted(texts.runs),
        lambda graph: quads_in(quads, texts.runs[graph]),
    )
    affected = index.focus_nodes_reaching(delta, reach.walks)
    if len(affected) > FULL_RUN_SHARE * max(len(facts.nodes), 1):
        return f"{len(affected):,} focus nodes affected"
    statements = index.read_from(affected, reach.walks) | facts.global_statements()
    with contextlib.suppress(ValueError, TypeError):
        learn_query_facts(previous.queries)  # so no query is parsed again (0.7 s)
    fresh = start_validation(
        ntriples.ascii_lines(f"{s} {p} {o} ." for s, p, o in sorted(statements)),
        shapes,
        engine=engine,
        labels=_no_labels,
    ).result()
    foci = {focus_text(ntriples.to_rdflib(node)) for node in affected}
    kept = [r for r in previous.results if r.focus not in foci]
    redone = [_bare(r) for r in fresh.results if r.focus in foci]
    results = [located(r, labels, origins) for r in kept + redone]
    report = ValidationReport(tuple(sorted(results, key=ValidationResult.sort_key)))
    nodes = "focus node" if len(affected) == 1 else "focus nodes"
    graphs = "named graph" if len(changed) == 1 else "named graphs"
    detail = (
        f"{len(affected):,} {nodes} validated again, in reach of {len(changed):,} changed {graphs}"
    )
    return Outcome(report, True, detail)


def _changed(texts: GraphTexts, previous: ValidationState) -> list[str]:
    """The graphs whose quads differ from the last build's, added and removed ones too."""
    return sorted(
        g for g in texts.digests.keys() | previous.graphs.keys() if _differs(g, texts, previous)
    )


def _differs(graph: str, texts: GraphTexts, previous: ValidationState) -> bool:
    old = previous.graphs.get(graph)
    return old is None or texts.digests.get(graph) != old[0]


def _checksum(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()


def _split(line: str) -> tuple[str, str, str]:
    """A stored line ``s p o`` (IRIs and blank nodes hold no spaces)."""
    s, p, o = line.split(" ", 2)
    return s, p, o


def _no_labels(_: object) -> str | None:
    return None


@lru_cache(maxsize=1)
def _default_reach() -> Reach | None:
    return reach_of(default_shapes())


def _reach(shapes: Graph | None) -> Reach | None:
    return _default_reach() if shapes is None else reach_of(shapes)


def _reach_to_json(reach: Reach | None) -> Any:
    if reach is None:
        return None
    walks = sorted(
        [[step.predicate, step.forward, step.repeat] for step in walk] for walk in reach.walks
    )
    return {"walks": walks, "global": sorted(reach.global_predicates)}


def _reach_from_json(raw: Any) -> Reach | None:
    if raw is None:
        return None
    walks = frozenset(
        tuple(Step(str(p), bool(forward), bool(repeat)) for p, forward, repeat in walk)
        for walk in raw["walks"]
    )
    return Reach(walks, frozenset(str(p) for p in raw["global"]))


def _bare(result: ValidationResult) -> ValidationResult:
    return replace(result, focus_label=None, location=None)


_FIELDS = ("severity", "focus", "path", "message", "shape", "component", "value", "custom_severity")


def _item_of(result: ValidationResult) -> list[str | None]:
    return [
        result.severity.value,
        result.focus,
        result.path,
        result.message,
        result.shape,
        result.component,
        result.value,
        result.custom_severity,
    ]


def _result_of(item: list[str | None]) -> ValidationResult:
    if len(item) != len(_FIELDS) or not all(v is None or isinstance(v, str) for v in item):
        raise ValueError("a result is not as kg writes them")
    severity, focus, path, message, shape, component, value, custom = item
    return ValidationResult(
        severity=Severity(severity or ""),
        focus=focus or "",
        path=path,
        message=message or "",
        shape=shape,
        component=component,
        value=value,
        custom_severity=custom,
    )


__all__ = [
    "FULL_RUN_SHARE",
    "GraphTexts",
    "Outcome",
    "ValidationState",
    "fingerprint",
    "revalidate",
    "save_state",
]
