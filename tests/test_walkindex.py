"""The walk index reads graph by graph what an index of the whole union would give.

:class:`kg.walkindex.WalkIndex` finds the graphs a step needs through a node map kept
between builds and updated by the graphs that changed. Here random datasets (nodes
shared between graphs, literals, repeated statements) and random walks (forwards,
backwards, repeated, along any predicate) are walked both ways: through the map,
updated edit by edit, and over the union's statements by brute force.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.io import graph_runs
from kg.ntriples import Quad
from kg.shape_reach import ANY, Reach, Step, Walk
from kg.walkindex import (
    NodeGraphs,
    WalkIndex,
    node_graphs_of,
    nodes_in,
    nodes_of,
    quads_in,
)

Triple = tuple[str, str, str]

NODES = [f"<urn:n{i}>" for i in range(6)] + ['"a"', '"b b"', '"a"@en', '"\u00e9 x"']
PREDICATES = [f"urn:p{i}" for i in range(3)]
GRAPHS = [f"<urn:g{i}>" for i in range(4)]

statements = st.tuples(
    st.sampled_from(NODES[:6]), st.sampled_from(PREDICATES), st.sampled_from(NODES)
)
datasets = st.dictionaries(st.sampled_from(GRAPHS), st.lists(statements, max_size=8), max_size=4)
steps = st.builds(Step, st.sampled_from([*PREDICATES, ANY]), st.booleans(), st.booleans())
walks = st.lists(st.lists(steps, min_size=1, max_size=3).map(tuple), min_size=1, max_size=3)


def _quads(dataset: dict[str, list[Triple]]) -> list[Quad]:
    return [(s, f"<{p}>", o, g) for g, found in sorted(dataset.items()) for s, p, o in found]


def _reference_step(
    union: set[Triple], nodes: set[str], step: Step, read: set[Triple] | None = None
) -> set[str]:
    """One step over every statement of the union, by brute force."""

    def along(node: str) -> set[str]:
        found = set()
        for s, p, o in union:
            if step.predicate != ANY and p != f"<{step.predicate}>":
                continue
            if (s if step.forward else o) == node:
                found.add(o if step.forward else s)
                if read is not None:
                    read.add((s, p, o))
        return found

    reached = set(nodes) if step.repeat else set()
    frontier = set(nodes)
    while frontier:
        following = set().union(*(along(node) for node in frontier))
        if not step.repeat:
            return following
        frontier = following - reached
        reached |= frontier
    return reached


def _reference_foci(union: set[Triple], changed: set[Triple], walks: list[Walk]) -> set[str]:
    found: set[str] = set()
    for s, p, o in changed:
        for walk in walks:
            for position, step in enumerate(walk):
                if step.predicate not in (ANY, p[1:-1]):
                    continue
                nodes = {s if step.forward else o}
                if step.repeat:
                    nodes = _reference_step(union, nodes, step.reversed())
                for earlier in reversed(walk[:position]):
                    nodes = _reference_step(union, nodes, earlier.reversed())
                found |= nodes
    return {node for node in found if not node.startswith('"')}


def _reference_read(union: set[Triple], nodes: set[str], walks: list[Walk]) -> set[Triple]:
    read: set[Triple] = set()
    for walk in walks:
        frontier = set(nodes)
        for step in walk:
            frontier = _reference_step(union, frontier, step, read)
    return read


def _sets(nodes: NodeGraphs) -> list[dict[int, frozenset[str]]]:
    return [
        {key: frozenset((found,) if isinstance(found, str) else found) for key, found in t.items()}
        for t in (nodes.subjects, nodes.objects)
    ]


def _index(quads: list[Quad], nodes: NodeGraphs, walks: list[Walk]) -> WalkIndex:
    runs = graph_runs(quads)
    reach = Reach(frozenset(walks), frozenset())
    return WalkIndex(
        reach,
        nodes.graphs_of,
        lambda: sorted(runs),
        lambda graph: quads_in(quads, runs.get(graph, ())),
    )


@settings(max_examples=300, deadline=None)
@given(st.lists(datasets, min_size=1, max_size=4), walks, st.sets(st.sampled_from(NODES[:6])))
def test_walks_through_the_kept_map_read_what_the_union_gives(
    versions: list[dict[str, list[Triple]]], walk_list: list[Walk], start: set[str]
) -> None:
    previous: dict[str, list[Triple]] = {}
    nodes = NodeGraphs()
    for dataset in versions:
        for graph in sorted(previous.keys() | dataset.keys()):  # the map, updated by graph
            if previous.get(graph) != dataset.get(graph):
                before = _quads({graph: previous.get(graph, [])})
                nodes.remove(graph, nodes_of((s, p, o) for s, p, o, _ in before))
                quads = _quads({graph: dataset.get(graph, [])})
                nodes.add(graph, nodes_in(quads, [(0, len(quads))]))
        quads = _quads(dataset)
        fresh = node_graphs_of(quads, graph_runs(quads))
        assert _sets(nodes) == _sets(fresh)  # the same map as one made afresh
        union = {(s, p, o) for s, p, o, _ in quads}
        old = {(s, p, o) for s, p, o, _ in _quads(previous)}
        index = _index(quads, nodes, walk_list)
        changed = union ^ old
        assert index.focus_nodes_reaching(changed, walk_list) == _reference_foci(
            union, changed, walk_list
        )
        assert index.read_from(start, walk_list) == _reference_read(union, start, walk_list)
        previous = dataset


def test_the_map_survives_encoding() -> None:
    quads: list[Quad] = [
        ("<urn:a>", "<urn:p>", '"x y"', "<urn:g>"),
        ("<urn:a>", "<urn:p>", "<urn:b>", "<urn:h>"),
    ]
    nodes = node_graphs_of(quads, graph_runs(quads))
    again = NodeGraphs.decode(nodes.encode())
    assert again.graphs_of("<urn:a>", True) == ("<urn:g>", "<urn:h>")
    assert again.graphs_of('<urn:p> "x y"', False) == ("<urn:g>",)
    assert again.graphs_of("<urn:b>", True) == ()


SUBCLASS = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>"
graph_contents = st.lists(
    st.tuples(
        st.sampled_from([*NODES[:6], "_:b1"]),
        st.sampled_from([*PREDICATES, SUBCLASS[1:-1]]),
        st.sampled_from([*NODES, "_:b2"]),
    ),
    max_size=6,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.dictionaries(st.sampled_from(GRAPHS), graph_contents, max_size=4), max_size=4))
def test_graph_facts_kept_and_updated_equal_facts_made_afresh(
    tmp_path_factory: pytest.TempPathFactory, versions: list[dict[str, list[Triple]]]
) -> None:
    """The validation state's per-graph facts (node map, graphs with blank nodes, global
    statements), updated build after build by the graphs that changed, are those made
    from the statements alone."""
    from kg.io import graph_digests
    from kg.revalidation import GraphTexts, ValidationState, fingerprint, graph_facts, save_state
    from kg.validation import Engine, ValidationReport

    directory = tmp_path_factory.mktemp("state")
    key = fingerprint(None, Engine.KG)
    reach = Reach(frozenset({(Step("urn:p0"),)}), frozenset({SUBCLASS[1:-1]}))
    for dataset in versions:
        quads = _quads(dataset)
        previous = ValidationState.load(directory, key)
        texts = GraphTexts(quads, graph_digests(quads))
        kept = graph_facts(
            texts, previous if isinstance(previous, ValidationState) else None, reach
        )
        fresh = graph_facts(GraphTexts(quads, graph_digests(quads)), None, reach)
        assert _sets(kept.nodes) == _sets(fresh.nodes)
        assert kept.blank == fresh.blank == {g for s, _, o, g in quads if "_:" in (s[:2], o[:2])}
        assert {g: sorted(found) for g, found in kept.globals.items()} == {
            g: sorted(found) for g, found in fresh.globals.items()
        }
        assert kept.global_statements() == {(s, p, o) for s, p, o, _ in quads if p == SUBCLASS}
        save_state(
            directory,
            key,
            texts,
            ValidationReport(()),
            None,
            reach,
            previous if isinstance(previous, ValidationState) else None,
        )
