"""Validate a large graph a part at a time, so the engine never holds all of it.

A focus node's results depend only on the statements its shapes' walks read
(:mod:`kg.shape_reach`). So the focus nodes can be split into groups, each group
validated on just the statements its walks read (:meth:`kg.walks.StatementIndex.read_from`),
and the results for the group's own nodes kept: the other nodes of that slice of the
graph are seen only in part, so their results there are dropped (each node is in
exactly one group). At ten million statements the engine's copy of the graph, about
a kilobyte per statement, was what did not fit; a group holds a bounded number.

Where that is not sound the graph is validated in one run, as before: shapes whose
reach is unbounded (custom components, SPARQL targets, ...), blank nodes (engines
name them as they like), or a result whose focus node is not an IRI. A graph of up to
:data:`ONE_RUN_GROUPS` groups is validated in one run too, which ``kg build`` runs on the
second core while it writes the files; groups are validated before the files are made.

``tests/test_partition.py`` proves the reports identical, result for result, on random
corpora cut into tiny groups.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial

from rdflib import Graph
from rdflib.namespace import SH

from kg import ntriples
from kg.errors import Location
from kg.memory import release_free_memory
from kg.ntriples import Quad
from kg.shape_reach import Reach, Walk, reach_of
from kg.validation import (
    Engine,
    Labeller,
    PendingValidation,
    StatementLabels,
    ValidationReport,
    ValidationResult,
    default_shapes,
    located,
    start_validation,
)
from kg.walks import Statement, StatementIndex

PARTITION_STATEMENTS = 750_000
"""Statements read per group: the engine holds ~1.3 KB each, so ~1 GB at a time."""
ONE_RUN_GROUPS = 2
"""A graph of up to this many groups' statements is validated in one run: kg build then
checks it on the second core while it writes (at 1M: 13.8 s in one run, 16.6 s in groups)."""


@dataclass(frozen=True, slots=True)
class _Plan:
    """What partitioning needs of a shapes graph: its reach and the nodes it targets by name."""

    reach: Reach
    named_targets: tuple[str, ...]
    """``sh:targetNode`` IRIs in N-Triples form: focus nodes even where no statement names them."""


def _plan_of(shapes: Graph) -> _Plan | None:
    reach = reach_of(shapes)
    if reach is None:
        return None
    named = sorted({ntriples.iri(str(node)) for node in shapes.objects(None, SH.targetNode)})
    return _Plan(reach, tuple(named))


@lru_cache(maxsize=1)
def _default_plan() -> _Plan | None:
    return _plan_of(default_shapes())


def start_partitioned_validation(
    quads: Sequence[Quad],
    shapes: Graph | None = None,
    origins: Mapping[str, Location] | None = None,
    engine: Engine | str = Engine.AUTO,
    labels: Labeller | None = None,
    *,
    limit: int | None = None,
) -> PendingValidation | None:
    """Validate ``quads`` group by group (see the module's docstring) when the report is
    asked for; None when the graph should be validated in one run instead
    (:func:`kg.validation.start_validation`), because it is small or cannot be split soundly.
    The report is the one a single run gives. ``limit``: statements a group reads
    (:data:`PARTITION_STATEMENTS` by default); graphs of up to :data:`ONE_RUN_GROUPS` times
    that are left to one run.

    Unlike a single run, nothing starts before the report is asked for: the walks are
    Python, and in a thread beside ``kg build``'s writers the two held each other up
    (1M: the writers took 47 s instead of 7), while their memory peaks added up.
    """
    limit = PARTITION_STATEMENTS if limit is None else limit
    plan = _plan_for(quads, shapes, limit)
    if plan is None:
        return None
    chosen = Engine(engine).resolved()
    return PendingValidation(
        partial(_validate_in_groups, quads, plan, shapes, chosen, labels, origins or {}, limit)
    )


def _plan_for(quads: Sequence[Quad], shapes: Graph | None, limit: int) -> _Plan | None:
    """How to split the graph, or None if it is small or cannot be split soundly."""
    if len(quads) <= limit * ONE_RUN_GROUPS:
        return None
    plan = _default_plan() if shapes is None else _plan_of(shapes)
    if plan is None or any(s[0] == "_" or o[0] == "_" for s, _, o, _ in quads):
        return None
    return plan


def results_in_groups(
    quads: Sequence[Quad],
    shapes: Graph | None = None,
    engine: Engine | str = Engine.AUTO,
    *,
    limit: int | None = None,
) -> list[ValidationResult] | None:
    """The results of validating in groups, not yet labelled or traced to files (see
    :func:`located_report`); None where :func:`start_partitioned_validation` would
    validate in one run. What a cold build's validating process (:mod:`kg.coldmap`)
    hands back."""
    limit = PARTITION_STATEMENTS if limit is None else limit
    plan = _plan_for(quads, shapes, limit)
    if plan is None:
        return None
    return _bare_in_groups(quads, plan, shapes, Engine(engine).resolved(), limit)


def located_report(
    bare: Sequence[ValidationResult],
    labels: Labeller,
    origins: Mapping[str, Location],
) -> ValidationReport:
    """The report of :func:`results_in_groups`' results, labelled and traced to files."""
    results = [located(result, labels, origins) for result in bare]
    return ValidationReport(tuple(sorted(results, key=ValidationResult.sort_key)))


def _validate_in_groups(
    quads: Sequence[Quad],
    plan: _Plan,
    shapes: Graph | None,
    engine: Engine,
    labels: Labeller | None,
    origins: Mapping[str, Location],
    limit: int,
) -> ValidationReport:
    bare = _bare_in_groups(quads, plan, shapes, engine, limit)
    if bare is None:
        return _in_one_run(quads, shapes, engine, labels, origins)
    label = labels or StatementLabels((s, p, o) for s, p, o, _ in quads)
    return located_report(bare, label, origins)


def _bare_in_groups(
    quads: Sequence[Quad], plan: _Plan, shapes: Graph | None, engine: Engine, limit: int
) -> list[ValidationResult] | None:
    """Each group's results for its own nodes; None if a focus node is not an IRI."""
    index = StatementIndex(quads, plan.reach)
    bare: list[ValidationResult] = []
    running: tuple[set[str], PendingValidation] | None = None
    # Each group's run leaves cyclic garbage, which a build (collector paused) would keep
    # until the end: at ten million statements the process grew by ~1.5 GB over the
    # groups. It is collected after each group, with what exists now (the statements,
    # the index) frozen, so a collection walks only what the groups made.
    gc.freeze()
    try:
        for nodes, statements in groups(index, plan, limit):
            # This group is walked while the engine (which releases the GIL) checks the last.
            text = ntriples.ascii_lines(f"{s} {p} {o} ." for s, p, o in statements)
            del statements
            if running is not None and not _collect(*running, bare):
                return None
            running = (nodes, start_validation(text, shapes, engine=engine, labels=_no_labels))
            del text
        if running is not None and not _collect(*running, bare):
            return None
    finally:
        gc.unfreeze()
    del index, running
    release_free_memory()  # the index's tables: the writers come next
    return bare


def _collect(nodes: set[str], pending: PendingValidation, into: list[ValidationResult]) -> bool:
    """Add a group's results for its own nodes to ``into``; False if a focus node is not
    an IRI (which group it belongs to is then unknown)."""
    report = pending.result()
    gc.collect()
    release_free_memory()  # the engine's copy is gone; hand its pages back
    for result in report.results:
        node = _node_of(result.focus)
        if node is None:
            return False
        if node in nodes:
            into.append(result)
    return True


def groups(
    index: StatementIndex, plan: _Plan, limit: int
) -> Iterator[tuple[set[str], set[Statement]]]:
    """The focus nodes in groups, each with the statements their walks read: about
    ``limit`` statements a group (a group ends once it holds that many).

    Every node that can be a focus node is in exactly one group: what a walk starts
    from (the shapes' targets are walks too: a type, a predicate's subjects) or a
    named target. Nodes keep the order of the statements, so a group is mostly one
    run of documents and reads little outside them.
    """
    walks: frozenset[Walk] = plan.reach.walks
    batch = max(1, min(1_000, limit // 100))
    nodes: set[str] = set()
    statements: set[Statement] = set()
    pending: list[str] = []
    for node in _focus_candidates(index, plan):
        pending.append(node)
        if len(pending) < batch:
            continue
        nodes.update(pending)
        statements |= index.read_from(pending, walks)
        pending = []
        if len(statements) >= limit:
            yield nodes, statements
            nodes, statements = set(), set()
    if pending:
        nodes.update(pending)
        statements |= index.read_from(pending, walks)
    if nodes:
        yield nodes, statements


def _focus_candidates(index: StatementIndex, plan: _Plan) -> Iterator[str]:
    out, into = index.out, index.into
    yield from out
    yield from (node for node in into if node[0] == "<" and node not in out)
    yield from (node for node in plan.named_targets if node not in out and node not in into)


def _node_of(focus: str) -> str | None:
    """A report's focus node (an IRI bare, other terms in N-Triples) as the quads write it."""
    if not focus or focus.startswith(('"', "_:")):
        return None
    return ntriples.iri(focus)


def _in_one_run(
    quads: Sequence[Quad],
    shapes: Graph | None,
    engine: Engine,
    labels: Labeller | None,
    origins: Mapping[str, Location],
) -> ValidationReport:
    data = ntriples.ascii_document(quads)
    return start_validation(data, shapes, origins, engine, labels).result()


def _no_labels(_: object) -> str | None:
    return None


__all__ = [
    "ONE_RUN_GROUPS",
    "PARTITION_STATEMENTS",
    "groups",
    "located_report",
    "results_in_groups",
    "start_partitioned_validation",
]
