"""kg.quadparts: quads kept in parts answer as the one list they stand for."""

from __future__ import annotations

from functools import partial

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kg.errors import KgError
from kg.io import graph_digests, graph_runs
from kg.ntriples import Quad
from kg.quadparts import QuadParts

_GRAPHS = ["<g1>", "<g2>", "<g3>"]


@st.composite
def _parts(draw: st.DrawFn) -> list[tuple[str, list[Quad]]]:
    """Parts of one graph each (a graph may come back, or follow itself), some empty."""
    parts = []
    for number in range(draw(st.integers(0, 6))):
        graph = draw(st.sampled_from(_GRAPHS))
        count = draw(st.integers(0, 4))
        parts.append((graph, [(f"<s{number}-{i}>", "<p>", f'"{i}"', graph) for i in range(count)]))
    return parts


def _kept(parts: list[tuple[str, list[Quad]]], loaded: list[int]) -> QuadParts:
    def loader(index: int) -> list[Quad]:
        loaded.append(index)
        return list(parts[index][1])

    return QuadParts(
        [(graph, len(quads), partial(loader, i)) for i, (graph, quads) in enumerate(parts)],
        recover=lambda: pytest.fail("nothing to recover"),
    )


@given(_parts(), st.data())
def test_parts_answer_as_the_list_they_stand_for(
    parts: list[tuple[str, list[Quad]]], data: st.DataObject
) -> None:
    whole = [quad for _, quads in parts for quad in quads]
    kept = _kept(parts, [])
    assert len(kept) == len(whole)
    assert kept.runs() == graph_runs(whole) == graph_runs(kept)
    start = data.draw(st.integers(-len(whole) - 2, len(whole) + 2))
    stop = data.draw(st.integers(-len(whole) - 2, len(whole) + 2))
    step = data.draw(st.sampled_from([None, 1, 2, -1]))
    assert kept[start:stop:step] == whole[start:stop:step]
    if whole:
        index = data.draw(st.integers(-len(whole), len(whole) - 1))
        assert kept[index] == whole[index]
    with pytest.raises(IndexError):
        kept[len(whole)]
    assert list(kept) == whole
    assert graph_digests(kept) == graph_digests(whole)


@given(_parts())
def test_a_graphs_runs_read_only_its_own_parts(parts: list[tuple[str, list[Quad]]]) -> None:
    loaded: list[int] = []
    kept = _kept(parts, loaded)
    for graph, runs in kept.runs().items():
        loaded.clear()
        for start, end in runs:
            assert kept[start:end] == [q for _, qs in parts for q in qs][start:end]
        assert {parts[i][0] for i in loaded} == {graph}


def test_an_unreadable_part_is_recovered_once_for_all() -> None:
    quads = [[("<a>", "<p>", "<b>", "<g1>")], [("<c>", "<p>", "<d>", "<g2>")]]
    asked: list[int] = []

    def recover() -> list[list[Quad]]:
        asked.append(1)
        return quads

    kept = QuadParts([("<g1>", 1, lambda: None), ("<g2>", 1, lambda: None)], recover)
    assert list(kept) == quads[0] + quads[1] and asked == [1]
    short = QuadParts([("<g1>", 2, lambda: None)], lambda: quads[:1])
    with pytest.raises(KgError, match="remove the cache directory"):
        list(short)
