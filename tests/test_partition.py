"""Partitioned validation against one run: the same report, result for result.

:mod:`kg.partition` validates the focus nodes in groups, each on the statements its
walks read. These tests cut random synthetic corpora (with violations of every kind
the generator makes) into tiny groups and compare the report with a single run's,
labels and positions included; and check where it must decline (unbounded shapes,
blank nodes, small graphs).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import Graph

import kg
from kg import partition, walks
from kg.mapping import MappedGraph
from kg.ntriples import ascii_document
from kg.partition import groups, start_partitioned_validation
from kg.validation import (
    Engine,
    StatementLabels,
    ValidationReport,
    default_shapes,
    start_validation,
)
from kg.walks import StatementIndex

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import synth  # noqa: E402


def _mapped(documents: int, seed: int, violations: int) -> MappedGraph:
    with tempfile.TemporaryDirectory() as scratch:
        corpus = Path(scratch) / "corpus"
        synth.generate(corpus, documents, seed=seed, violations=violations)
        return kg.build(corpus, run_validation=False).mapping


def _one_run(
    mapped: MappedGraph, shapes: Graph | None = None, engine: str = "auto"
) -> ValidationReport:
    labels = StatementLabels((s, p, o) for s, p, o, _ in mapped.quads)
    data = ascii_document(mapped.quads)
    return start_validation(data, shapes, mapped.origins, engine, labels).result()


def _in_groups(
    mapped: MappedGraph, limit: int, shapes: Graph | None = None, engine: str = "auto"
) -> ValidationReport:
    labels = StatementLabels((s, p, o) for s, p, o, _ in mapped.quads)
    pending = start_partitioned_validation(
        mapped.quads, shapes, mapped.origins, engine, labels, limit=limit
    )
    assert pending is not None, "the graph was not partitioned"
    return pending.result()


@settings(max_examples=int(os.environ.get("KG_DIFFERENTIAL_EXAMPLES", "10")))
@given(
    documents=st.integers(2, 6),
    seed=st.integers(0, 2**16),
    violations=st.integers(0, len(synth.VIOLATION_KINDS)),
    share=st.integers(3, 45),
    wide=st.sampled_from([1, 4, 64]),
)
def test_groups_give_the_report_of_one_run(
    documents: int, seed: int, violations: int, share: int, wide: int
) -> None:
    """Groups of ``share`` % of the graph's statements (the fewer, the more groups); nodes
    with more than ``wide`` statements are stepped from by predicate (kg.walks)."""
    mapped = _mapped(documents, seed, violations)
    limit = max(20, len(mapped.quads) * share // 100)
    one = _one_run(mapped)
    with mock.patch.object(walks, "_WIDE", wide):
        grouped = _in_groups(mapped, limit)
    assert grouped == one  # every result, with its label and position
    if violations:
        assert one.results  # the comparison is about something


def test_every_node_is_in_exactly_one_group_and_groups_are_bounded() -> None:
    mapped = _mapped(4, seed=3, violations=3)
    plan = partition._default_plan()
    assert plan is not None
    index = StatementIndex(mapped.quads, plan.reach)
    made = list(groups(index, plan, limit=200))
    assert len(made) > 5
    seen: set[str] = set()
    for nodes, _ in made:
        assert not nodes & seen
        seen |= nodes
    assert {s for s, _, _, _ in mapped.quads} <= seen
    # A group ends once it holds the limit (limit 200: two nodes a batch), so it holds
    # at most the limit and what one batch reads; each holds what its nodes read.
    walks = plan.reach.walks
    most = max(len(index.read_from([node], walks)) for node in seen)
    for nodes, statements in made[:-1]:
        assert 200 <= len(statements) < 200 + 2 * most
        assert index.read_from(nodes, walks) <= statements


def test_the_pyshacl_engines_agree_in_groups() -> None:
    mapped = _mapped(2, seed=11, violations=4)
    assert _in_groups(mapped, 300, engine=Engine.KG) == _one_run(mapped, engine=Engine.KG)


_NAMED_TARGETS = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix ex: <https://example.org/shapes/> .

ex:Nobody a sh:NodeShape ;
    sh:targetNode <https://w3id.org/kg/id/person/nobody-at-all> ;
    sh:property [ sh:path skos:prefLabel ; sh:minCount 1 ] .
ex:ShortNames a sh:NodeShape ;
    sh:targetClass foaf:Person ;
    sh:property [ sh:path skos:prefLabel ; sh:maxLength 9 ; sh:severity sh:Warning ] .
"""


def test_named_targets_absent_from_the_data_are_validated_once() -> None:
    shapes = Graph().parse(data=_NAMED_TARGETS, format="turtle")
    mapped = _mapped(3, seed=2, violations=0)
    one = _one_run(mapped, shapes)
    assert any(r.focus.endswith("/nobody-at-all") for r in one.results)
    assert _in_groups(mapped, 50, shapes) == one


def test_unbounded_shapes_blank_nodes_and_small_graphs_are_validated_in_one_run() -> None:
    mapped = _mapped(2, seed=1, violations=0)
    quads = mapped.quads
    unbounded = default_shapes()
    unbounded.parse(
        data="""@prefix sh: <http://www.w3.org/ns/shacl#> .
        <https://example.org/S> a sh:NodeShape ; sh:targetClass <https://example.org/C> ;
            sh:property [ sh:path [ sh:zeroOrMorePath ( <https://example.org/p>
                <https://example.org/q> ) ] ; sh:minCount 1 ] .""",
        format="turtle",
    )
    assert start_partitioned_validation(quads, unbounded, limit=10) is None
    blank = [*quads, ("_:b0", quads[0][1], quads[0][2], quads[0][3])]
    assert start_partitioned_validation(blank, limit=10) is None
    assert start_partitioned_validation(quads, limit=len(quads)) is None


def test_a_build_partitions_a_graph_larger_than_a_group(monkeypatch: pytest.MonkeyPatch) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        corpus = Path(scratch) / "corpus"
        synth.generate(corpus, 3, seed=9, violations=5)
        whole = kg.build(corpus)
        calls: list[int] = []
        original = partition._validate_in_groups

        def counted(*args: object) -> ValidationReport:
            calls.append(1)
            return original(*args)  # type: ignore[arg-type]

        monkeypatch.setattr(partition, "PARTITION_STATEMENTS", 100)
        monkeypatch.setattr(partition, "_validate_in_groups", counted)
        grouped = kg.build(corpus)
        assert grouped.report == whole.report
        assert calls == [1]


def test_wide_nodes_are_read_by_predicate_with_the_same_result() -> None:
    mapped = _mapped(3, seed=4, violations=2)
    plan = partition._default_plan()
    assert plan is not None
    nodes = [s for s, _, _, _ in mapped.quads]
    scanned = StatementIndex(mapped.quads, plan.reach).read_from(nodes, plan.reach.walks)
    with mock.patch.object(walks, "_WIDE", 0):
        split = StatementIndex(mapped.quads, plan.reach).read_from(nodes, plan.reach.walks)
    assert split == scanned and len(split) > 1_000
