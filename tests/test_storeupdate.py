"""The on-disk store updated in place of a full load: it must hold exactly what a store
loaded from scratch holds, after any sequence of edits, and fall back when in doubt."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kg.diskstore
import kg.storeupdate
from kg.cli import main
from kg.diskstore import StagedStore, stage_store
from kg.io import Format, serialise_formats
from kg.ntriples import Quad
from kg.storeupdate import GRAPHS, split_trig

GOLDEN = Path(__file__).resolve().parent / "fixtures" / "golden" / "seeds"

ID = "https://w3id.org/kg/id/"
SUBJECTS = [f"<{ID}x/{n}>" for n in range(4)]
PREDICATES = ["<http://www.w3.org/2004/02/skos/core#prefLabel>", f"<{ID}p/linked>"]
OBJECTS = [
    f"<{ID}x/0>",
    f"<{ID}x/3>",
    '"plain"',
    '"two\\nlines"@en',
    '"2020"^^<http://www.w3.org/2001/XMLSchema#gYear>',
]
# one graph name Oxigraph writes as a prefixed name (kg:), the rest as full IRIs
GRAPH_NAMES = [f"<{ID}graph/g{n}>" for n in range(4)] + ["<https://w3id.org/kg/ns#g9>"]
TRIPLES = [(s, p, o) for s in SUBJECTS for p in PREDICATES for o in OBJECTS]

State = dict[str, set[tuple[str, str, str]]]


def _quads(state: State) -> list[Quad]:
    return [(s, p, o, g) for g, triples in sorted(state.items()) for s, p, o in sorted(triples)]


def _rendered(state: State) -> tuple[bytes, bytes]:
    made = serialise_formats(_quads(state), [Format.TRIG, Format.NTRIPLES])
    return made[Format.TRIG], made[Format.NTRIPLES]


def _stage(target: Path, state: State) -> StagedStore:
    """Stage and put in place the store of ``state``, as ``kg build --store`` does."""
    trig, union = _rendered(state)
    staged = stage_store(target, trig, union, "nt")
    trig_file = target.with_suffix(".trig")
    trig_file.write_bytes(trig)
    staged.commit(trig_file)
    return staged


def _contents(store_dir: Path) -> tuple[set[str], set[str]]:
    """Every quad (default graph included) and every named graph, as text."""
    store = ox.Store.read_only(str(store_dir))
    return {str(q) for q in store}, {str(g) for g in store.named_graphs()}


def _expected(state: State) -> tuple[set[str], set[str]]:
    """What the store of ``state`` holds: its quads, and each triple once in the default graph."""
    store = ox.Store()
    for s, p, o, g in _quads(state):
        for graph in (g, ""):
            text = f"{s} {p} {o} {graph} .".replace("  .", " .")
            store.load(text.encode(), ox.RdfFormat.N_QUADS)
    return {str(q) for q in store}, {str(g) for g in store.named_graphs()}


EDIT = st.tuples(
    st.sampled_from(["add", "remove", "move", "copy", "drop_graph", "new_graph"]),
    st.integers(0, len(GRAPH_NAMES) - 1),
    st.integers(0, len(GRAPH_NAMES) - 1),
    st.integers(0, len(TRIPLES) - 1),
)


def _apply(state: State, edit: tuple[str, int, int, int]) -> State:
    kind, a, b, t = edit
    new = {g: set(triples) for g, triples in state.items()}
    source, other, triple = GRAPH_NAMES[a], GRAPH_NAMES[b], TRIPLES[t]
    held = sorted(new.get(source, set()))
    picked = held[t % len(held)] if held else triple
    if kind == "add":
        new.setdefault(source, set()).add(triple)
    elif kind in {"remove", "move"} and held:
        new[source].discard(picked)
        if kind == "move":
            new.setdefault(other, set()).add(picked)
    elif kind == "copy" and held:  # then held by two graphs: removing it from one keeps it
        new.setdefault(other, set()).add(picked)
    elif kind == "drop_graph":
        new.pop(source, None)
    elif kind == "new_graph":
        new[source] = {triple, TRIPLES[(t * 7 + 3) % len(TRIPLES)]}
    return {g: triples for g, triples in new.items() if triples}


@contextmanager
def _always_incremental() -> Iterator[None]:
    """Small graphs change by more than half at a time: update anyway, to test the update."""
    saved = kg.storeupdate.MAX_CHANGED_SHARE
    kg.storeupdate.MAX_CHANGED_SHARE = 1.0
    try:
        yield
    finally:
        kg.storeupdate.MAX_CHANGED_SHARE = saved


START: State = {
    GRAPH_NAMES[0]: set(TRIPLES[:6]),
    GRAPH_NAMES[1]: set(TRIPLES[4:9]),
    GRAPH_NAMES[4]: {TRIPLES[0], TRIPLES[20]},
}


@settings(max_examples=max(1, settings().max_examples // 2))  # a store costs ~0.3 s
@given(st.lists(st.lists(EDIT, min_size=1, max_size=4), min_size=1, max_size=3))
def test_an_updated_store_holds_what_a_store_loaded_from_scratch_holds(
    steps: list[list[tuple[str, int, int, int]]],
) -> None:
    with tempfile.TemporaryDirectory() as tmp, _always_incremental():
        target = Path(tmp) / "graph.oxigraph"
        state = START
        assert _stage(target, state).how == "loaded the whole graph"
        for edits in steps:
            for edit in edits:
                state = _apply(state, edit)
            staged = _stage(target, state)
            assert staged.how.startswith("updated the previous store"), staged.how
            assert _contents(target) == _expected(state)
        scratch = Path(tmp) / "scratch" / "graph.oxigraph"
        _stage(scratch, state)
        assert _contents(target) == _contents(scratch)


def test_a_triple_two_graphs_hold_stays_in_the_union_until_neither_does(tmp_path: Path) -> None:
    target = tmp_path / "graph.oxigraph"
    shared = TRIPLES[0]
    a, b = GRAPH_NAMES[0], GRAPH_NAMES[1]
    state: State = {a: {shared, TRIPLES[1]}, b: {shared, TRIPLES[2]}}
    _stage(target, state)
    with _always_incremental():
        state = {a: {TRIPLES[1]}, b: {shared, TRIPLES[2]}}
        assert _stage(target, state).how.startswith("updated")
        assert _contents(target) == _expected(state)
        assert " ".join(shared) in _contents(target)[0]  # still in the default graph
        state = {a: {TRIPLES[1]}, b: {TRIPLES[2]}}
        assert _stage(target, state).how.startswith("updated")
        assert _contents(target) == _expected(state)
        assert " ".join(shared) not in _contents(target)[0]


def test_the_update_touches_only_the_changed_graphs_and_reports_them(tmp_path: Path) -> None:
    target = tmp_path / "graph.oxigraph"
    state: State = {g: {TRIPLES[n], TRIPLES[n + 10]} for n, g in enumerate(GRAPH_NAMES)}
    _stage(target, state)
    state[GRAPH_NAMES[2]] = {TRIPLES[30]}  # one of five graphs: under the threshold
    staged = _stage(target, state)
    assert staged.how == "updated the previous store: 1 of 5 graphs changed or new, 0 removed"
    assert _contents(target) == _expected(state)
    record = json.loads((target / GRAPHS).read_text())
    assert sorted(record["graphs"]) == sorted(
        split_trig(_rendered(state)[0]).digests  # type: ignore[union-attr]
    )


def test_most_of_the_graph_changed_loads_it_all(tmp_path: Path) -> None:
    target = tmp_path / "graph.oxigraph"
    _stage(target, {GRAPH_NAMES[0]: {TRIPLES[0]}})
    state: State = {GRAPH_NAMES[1]: {TRIPLES[1]}}
    assert _stage(target, state).how == "loaded the whole graph"
    assert _contents(target) == _expected(state)


@pytest.mark.parametrize(
    "spoil",
    [
        lambda store: (store / GRAPHS).unlink(),
        lambda store: (store / GRAPHS).write_text("{not json"),
        lambda store: (store / GRAPHS).write_text(
            (store / GRAPHS).read_text().replace(ox.__version__, "0.0.0")
        ),
        lambda store: (store / "kg-store.json").write_text("{}"),
        lambda store: [p.unlink() for p in store.iterdir() if p.name.startswith("CURRENT")],
    ],
    ids=["no-record", "bad-record", "other-oxigraph", "bad-stamp", "does-not-open"],
)
def test_anything_unexpected_loads_the_whole_graph(tmp_path: Path, spoil: object) -> None:
    target = tmp_path / "graph.oxigraph"
    _stage(target, START)
    spoil(target)  # type: ignore[operator]
    state = _apply(START, ("add", 0, 0, 30))
    with _always_incremental():
        staged = _stage(target, state)
    assert staged.how == "loaded the whole graph"
    assert _contents(target) == _expected(state)


def test_a_foreign_trig_is_loaded_whole() -> None:
    trig, _ = _rendered(START)
    assert split_trig(trig) is not None
    assert split_trig(b"<urn:a> <urn:b> <urn:c> .\n") is None
    assert split_trig(trig + b"<urn:a> <urn:b> <urn:c> .\n") is None  # default-graph triples
    assert split_trig(trig + trig[trig.index(b"\n\n") + 2 :]) is None  # a graph twice


def test_blank_nodes_in_a_changed_graph_load_the_whole_graph(tmp_path: Path) -> None:
    target = tmp_path / "graph.oxigraph"
    _stage(target, START)
    blank = ("_:b0", PREDICATES[1], OBJECTS[0])
    state = {**START, GRAPH_NAMES[2]: {blank, TRIPLES[7]}}
    with _always_incremental():
        assert _stage(target, state).how == "loaded the whole graph"
        assert len(_contents(target)[0]) == len(_expected(state)[0])
        state = _apply(state, ("add", 0, 0, 30))  # the blank node's graph unchanged
        assert _stage(target, state).how.startswith("updated")
        assert len(_contents(target)[0]) == len(_expected(state)[0])


def test_an_interrupted_update_leaves_the_previous_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "graph.oxigraph"
    _stage(target, START)
    before = _contents(target)
    files = sorted(p.name for p in target.iterdir())
    state = _apply(_apply(START, ("add", 0, 0, 30)), ("drop_graph", 1, 0, 0))
    real = kg.storeupdate._one_graph
    calls = []

    def interrupted(quads: object) -> object:
        calls.append(1)
        if len(calls) == 2:  # the first graph was replaced in the copy already
            raise KeyboardInterrupt
        return real(quads)  # type: ignore[arg-type]

    monkeypatch.setattr(kg.storeupdate, "_one_graph", interrupted)
    with _always_incremental(), pytest.raises(KeyboardInterrupt):
        _stage(target, state)
    assert _contents(target) == before
    assert sorted(p.name for p in target.iterdir()) == files
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    monkeypatch.undo()
    with _always_incremental():
        assert _stage(target, state).how.startswith("updated")
    assert _contents(target) == _expected(state)


def test_an_interrupted_update_closes_the_copy_before_it_is_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An open database may still write into the directory being removed."""
    target, copy = tmp_path / "graph.oxigraph", tmp_path / "copy"
    _stage(target, START)
    blocks = split_trig(_rendered(_apply(START, ("add", 0, 0, 30)))[0])
    assert blocks is not None
    plan = kg.storeupdate.plan_update(target, blocks)

    def interrupted(quads: object) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr(kg.storeupdate, "_one_graph", interrupted)
    try:
        kg.storeupdate.update_copy(target, copy, blocks, plan)
    except KeyboardInterrupt:  # while the error is being handled, as stage_store removes it
        ox.Store(str(copy))  # opens: the interrupted update holds no lock on it any more
    else:
        pytest.fail("not interrupted")


def test_an_update_that_fails_on_the_way_loads_the_whole_graph(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "graph.oxigraph"
    _stage(target, START)

    def broken(*_: object) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(kg.storeupdate, "_update", broken)
    state = _apply(START, ("add", 0, 0, 30))
    with _always_incremental():
        assert _stage(target, state).how == "loaded the whole graph"
    assert _contents(target) == _expected(state)


KILLED = """
import os, signal, sys
from pathlib import Path
import kg.storeupdate
from kg.diskstore import stage_store

kg.storeupdate.MAX_CHANGED_SHARE = 1.0
real = kg.storeupdate._one_graph
calls = []

def killed(quads):
    calls.append(1)
    if len(calls) == 2:
        os.kill(os.getpid(), signal.SIGKILL)
    return real(quads)

kg.storeupdate._one_graph = killed
target, trig, union = sys.argv[1:]
stage_store(Path(target), Path(trig).read_bytes(), Path(union).read_bytes(), "nt")
"""


def test_a_killed_update_leaves_the_previous_store_and_the_next_build_right(
    tmp_path: Path,
) -> None:
    target = tmp_path / "out" / "graph.oxigraph"
    _stage(target, START)
    before = _contents(target)
    state = _apply(_apply(START, ("add", 0, 0, 30)), ("move", 1, 3, 2))
    trig, union = _rendered(state)
    inputs = (tmp_path / "new.trig", tmp_path / "new.nt")
    inputs[0].write_bytes(trig)
    inputs[1].write_bytes(union)
    run = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(KILLED), str(target), *map(str, inputs)],
        env={**os.environ, "PYTHONPATH": str(Path(kg.__file__).parent.parent)},
        capture_output=True,
        timeout=120,
    )
    assert run.returncode == -signal.SIGKILL, run.stderr.decode()
    assert _contents(target) == before
    with _always_incremental():
        assert _stage(target, state).how.startswith("updated")
    assert _contents(target) == _expected(state)


def test_kg_build_store_updates_the_previous_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seeds, out = tmp_path / "seeds", tmp_path / "build"
    shutil.copytree(GOLDEN, seeds)
    args = ["build", str(seeds), "-o", str(out), "--store"]
    assert main(args) == 0
    assert "graph.oxigraph: loaded the whole graph" in capsys.readouterr().err
    edited = next(p for p in sorted(seeds.rglob("*.yaml")) if "Ada Quill" in p.read_text())
    edited.write_text(edited.read_text().replace("Ada Quill", "Ada Quill-Edited", 1))
    with _always_incremental():
        assert main(args) == 0
    assert "graph.oxigraph: updated the previous store" in capsys.readouterr().err
    updated = _contents(out / "graph.oxigraph")
    scratch = tmp_path / "scratch"
    assert main(["build", str(seeds), "-o", str(scratch), "--store", "-q"]) == 0
    assert updated == _contents(scratch / "graph.oxigraph")
    assert any("Ada Quill-Edited" in q for q in updated[0])
