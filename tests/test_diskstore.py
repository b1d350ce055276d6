"""The on-disk store ``kg build --store`` writes: same answers as the TriG, never stale,
replaced all or nothing, opened read-only by any number of readers."""

from __future__ import annotations

import json
import shutil
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from test_queries import QUERIES, parse_example

import kg
import kg.diskstore
from kg.cli import main
from kg.diskstore import STAMP, current_store, holds, is_store, open_persistent
from kg.errors import OutputError
from kg.query import QueryAnswer, open_store, run_query, run_query_store
from kg.stats import stats, stats_of_store

GOLDEN = Path(__file__).resolve().parent / "fixtures" / "golden" / "seeds"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.fixture(scope="module")
def seed_out(seed_build: kg.Build, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed graph written as kg build --store writes it."""
    out = tmp_path_factory.mktemp("diskstore")
    written = seed_build.write(out, store=True)
    assert out / "graph.oxigraph" in written and out / "graph.trig" in written
    return out


def _answer(answer: QueryAnswer) -> object:
    if answer.boolean is not None:
        return answer.boolean
    return answer.variables, Counter(answer.rows)  # the same rows, each as many times


def test_every_example_query_answers_the_same_from_the_store_and_the_trig(
    seed_out: Path,
) -> None:
    """Set-union semantics on every path: the store's default graph against the TriG
    read by Oxigraph (in memory) and by rdflib."""
    store = open_store(seed_out / "graph.oxigraph")
    in_memory = open_store(seed_out / "graph.trig")
    dataset = kg.read_graph(seed_out / "graph.trig")
    examples = sorted(QUERIES.glob("*.rq"))
    differing = []
    for path in examples:
        params = parse_example(path).params
        text = path.read_text(encoding="utf-8")
        got = _answer(run_query_store(store, text, params))
        if got != _answer(run_query_store(in_memory, text, params)):
            differing.append(f"{path.stem} (oxigraph)")
        if got != _answer(run_query(dataset, text, params)):
            differing.append(f"{path.stem} (rdflib)")
    assert len(examples) >= 30
    assert differing == []


def test_the_default_graph_is_the_set_union(seed_out: Path, seed_build: kg.Build) -> None:
    triples = {(s, p, o) for s, p, o, _ in seed_build.mapping.quads}
    answer = kg.query(seed_out / "graph.oxigraph", COUNT)
    assert int(str(answer.rows[0][0])) == len(triples) < len(seed_build.mapping.quads)


def test_stats_of_the_store_are_those_of_the_trig(seed_out: Path) -> None:
    expected = stats(kg.read_graph(seed_out / "graph.trig"))
    assert stats_of_store(open_store(seed_out / "graph.oxigraph")) == expected
    assert expected["graphs"] and expected["classes"]


def test_readers_open_it_read_only_side_by_side(seed_out: Path) -> None:
    first = open_persistent(seed_out / "graph.oxigraph")
    second = open_persistent(seed_out / "graph.oxigraph")
    assert len(first) == len(second) > 0
    with pytest.raises(RuntimeError, match="read-write"):
        first.update("INSERT DATA { <urn:a> <urn:b> <urn:c> }")


def test_a_store_never_answers_for_a_newer_trig(seed_out: Path, tmp_path: Path) -> None:
    out = tmp_path / "build"
    shutil.copytree(seed_out, out)
    store, trig = out / "graph.oxigraph", out / "graph.trig"
    assert current_store(trig) == store
    trig.touch()  # same bytes, other time: hashed, still the same graph
    assert holds(store, trig) and current_store(trig) == store
    trig.write_bytes(trig.read_bytes() + b"\n# edited\n")
    assert current_store(trig) is None
    with pytest.raises(kg.KgError, match="older than"):
        open_store(store)
    trig.unlink()  # nothing newer beside it: the store is the graph
    assert current_store(trig) == store


def _build(args: list[str]) -> int:
    return main(["build", str(GOLDEN), "-q", *args])


def test_kg_build_store_records_it_and_keeps_it_up_to_date(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "build"
    assert _build(["-o", str(out), "--store", "--format", "ttl"]) == 0
    store = out / "graph.oxigraph"
    assert is_store(store) and (out / "graph.trig").is_file()  # --store writes the TriG too
    manifest = json.loads((out / "graph.build.json").read_text())
    assert manifest["stores"] == {"graph.oxigraph": manifest["outputs"]["graph.trig"]}
    capsys.readouterr()
    main(["build", str(GOLDEN), "-o", str(out), "--store", "--format", "ttl"])
    assert "up to date" in capsys.readouterr().err
    (store / STAMP).write_text("{}")  # a store that no longer says what it holds: rebuilt
    main(["build", str(GOLDEN), "-o", str(out), "--store", "--format", "ttl"])
    assert "up to date" not in capsys.readouterr().err
    assert is_store(store)
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []  # no leftovers

    monkeypatch.chdir(tmp_path)  # the defaults read build/
    capsys.readouterr()
    assert main(["query", COUNT, "-f", "csv"]) == 0
    from_store = capsys.readouterr().out
    assert main(["query", COUNT, "-f", "csv", "-g", "build/graph.trig"]) == 0
    assert capsys.readouterr().out == from_store
    assert main(["stats", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == stats(kg.read_graph(out / "graph.trig"))


def test_the_default_falls_back_to_the_trig_when_the_store_is_stale(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "build"
    assert _build(["-o", str(out), "--store"]) == 0
    trig = out / "graph.trig"
    trig.write_bytes(trig.read_bytes().replace(b'"Ada Quill"', b'"Ada Quill-Edited"', 1))
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    names = "SELECT ?n WHERE { ?p skos:prefLabel ?n FILTER(STRSTARTS(?n, 'Ada')) }"
    assert main(["query", names, "-f", "csv"]) == 0
    captured = capsys.readouterr()
    assert "Ada Quill-Edited" in captured.out
    assert "older than" in captured.err
    assert main(["query", names, "-g", "build/graph.oxigraph"]) == 2
    assert main(["query", names, "-g", "build/graph.oxigraph", "--engine", "rdflib"]) == 2


def test_a_failed_build_leaves_the_previous_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "build"
    assert _build(["-o", str(out), "--store"]) == 0
    before = sorted(p.name for p in (out / "graph.oxigraph").iterdir())

    def no_room(new: Path, target: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(kg.diskstore, "_swap", no_room)
    assert _build(["-o", str(out), "--store", "--rebuild"]) == 3
    assert sorted(p.name for p in (out / "graph.oxigraph").iterdir()) == before
    assert current_store(out / "graph.trig") == out / "graph.oxigraph"
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []  # temp removed
    monkeypatch.undo()
    assert _build(["-o", str(out), "--store"]) == 0  # the old store holds this same graph
    assert current_store(out / "graph.trig") == out / "graph.oxigraph"


def test_a_directory_that_is_not_a_store_is_not_replaced(tmp_path: Path) -> None:
    out = tmp_path / "build"
    (out / "graph.oxigraph").mkdir(parents=True)
    (out / "graph.oxigraph" / "notes.txt").write_text("mine")
    assert _build(["-o", str(out), "--store"]) == 3
    assert (out / "graph.oxigraph" / "notes.txt").read_text() == "mine"
    assert not (out / "graph.trig").exists()
    with pytest.raises(OutputError):
        kg.build(GOLDEN, run_validation=False).write(out, store=True)


def _served_count(url: str, query: str) -> int:
    """A COUNT query sent as the SPARQL protocol says, with no dataset parameters."""
    request = urllib.request.Request(
        url + "?" + urllib.parse.urlencode({"query": query}),
        headers={"Accept": "application/sparql-results+json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        bindings = json.load(response)["results"]["bindings"]
    return int(bindings[0]["n"]["value"])


def test_kg_serve_serves_the_store_as_it_is(seed_out: Path) -> None:
    from kg.serve import oxigraph_binary, oxigraph_server

    try:
        oxigraph_binary()
    except kg.KgError:  # pragma: no cover - dev extras install it
        pytest.skip("the oxigraph binary is not installed (pip install -e '.[store]')")
    store = seed_out / "graph.oxigraph"
    in_graphs = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    with oxigraph_server(store, timeout=30) as server:
        assert server.data_dir == store
        for query in (COUNT, in_graphs):  # the union as a set; every source's statements
            expected = int(str(kg.query(store, query).rows[0][0]))
            assert _served_count(server.query_url, query) == expected
    assert is_store(store)  # served, not removed


def test_a_directory_that_is_not_a_store_is_refused_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for command in (["query", COUNT, "-g"], ["stats"]):
        assert main([*command, str(tmp_path)]) == 2
        assert "not a store written by 'kg build --store'" in capsys.readouterr().err
