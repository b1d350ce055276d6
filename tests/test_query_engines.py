"""Oxigraph (kg query's default) and rdflib (the reference) answer every example query alike."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import kg
from kg.cli import main
from kg.query import open_store, run_query, run_query_store

QUERIES = sorted((Path(__file__).resolve().parent.parent / "examples" / "queries").glob("*.rq"))


@pytest.fixture(scope="module")
def written(seed_build: kg.Build, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("engines")
    seed_build.write(out, [kg.Format.TURTLE, kg.Format.TRIG])
    return out


@pytest.fixture(scope="module")
def loaded(written: Path) -> dict[str, tuple[Any, Any]]:
    """Each graph file parsed once by rdflib and loaded once into Oxigraph."""
    return {
        name: (kg.read_graph(written / name), open_store(written / name))
        for name in ("graph.trig", "graph.ttl")
    }


def parameters(text: str) -> dict[str, str]:
    found = {}
    for line in text.splitlines():
        if line.startswith("# param:"):
            name, _, value = line.removeprefix("# param:").strip().partition("=")
            found[name] = value.split()[0]
    return found


@pytest.mark.parametrize("query", QUERIES, ids=lambda p: p.stem)
def test_engines_agree_on_every_example_query(
    loaded: dict[str, tuple[Any, Any]], query: Path
) -> None:
    text = query.read_text(encoding="utf-8")
    graph, store = loaded["graph.trig" if "# graph: trig" in text else "graph.ttl"]
    reference = run_query(graph, text, parameters(text))
    fast = run_query_store(store, text, parameters(text))
    assert sorted(fast.to_csv().splitlines()) == sorted(reference.to_csv().splitlines())
    assert fast.variables == reference.variables


def test_parameters_cannot_inject_into_the_oxigraph_path(written: Path) -> None:
    store = open_store(written / "graph.trig")
    query = "SELECT ?name WHERE { ?p skos:prefLabel ?name }"
    hostile = 'x" ) } } SELECT * WHERE { ?s ?p ?o } #'
    assert run_query_store(store, query, {"name": hostile}).rows == ()
    assert run_query_store(store, query, {"p": "person:jon-lansman"}).rows != ()


def test_cli_engine_option(written: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outputs = []
    for engine in ("oxigraph", "rdflib"):
        argv = [
            "query",
            "lookup_entity",
            "-g",
            str(written / "graph.ttl"),
            "-f",
            "csv",
            "-p",
            "name=LANSMAN",
            "--engine",
            engine,
        ]
        assert main(argv) == 0
        outputs.append(sorted(capsys.readouterr().out.splitlines()))
    assert outputs[0] == outputs[1]
    assert any("jon-lansman" in line for line in outputs[0])


def test_union_of_named_graphs_is_a_set_on_both_engines(tmp_path: Path) -> None:
    """A fact stated in several sources matches once outside GRAPH, on Oxigraph as on
    rdflib: without DISTINCT, Oxigraph's own union default graph would repeat it."""
    out = tmp_path / "out"
    seeds = Path(__file__).resolve().parent.parent / "seeds"
    assert main(["build", str(seeds), "-o", str(out), "-q"]) == 0
    trig = out / "graph.trig"
    restated = """SELECT ?fact WHERE {
        GRAPH ?a { ?fact a org:Membership } GRAPH ?b { ?fact a org:Membership }
        FILTER (?a != ?b) }"""
    assert run_query(kg.read_graph(trig), restated).rows  # the case this test is about
    query = "SELECT ?fact WHERE { ?fact a org:Membership }"
    by_rdflib = run_query(kg.read_graph(trig), query)
    by_oxigraph = run_query_store(open_store(trig), query)
    assert len(by_oxigraph.rows) == len(set(by_oxigraph.rows)) == len(by_rdflib.rows)
    assert sorted(map(str, by_oxigraph.rows)) == sorted(map(str, by_rdflib.rows))
    per_graph = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    assert sorted(map(str, run_query_store(open_store(trig), per_graph).rows)) == sorted(
        map(str, run_query(kg.read_graph(trig), per_graph).rows)
    )


@pytest.mark.parametrize("query", QUERIES, ids=lambda p: p.stem)
def test_engines_agree_on_datatypes(loaded: dict[str, tuple[Any, Any]], query: Path) -> None:
    """Terms, not just their text: the JSON answers (which carry datatypes) match as
    multisets. kg writes no literal Oxigraph would rewrite (offsets are xsd:integer)."""
    text = query.read_text(encoding="utf-8")
    graph, store = loaded["graph.trig" if "# graph: trig" in text else "graph.ttl"]
    reference = json.loads(run_query(graph, text, parameters(text)).to_json())
    fast = json.loads(run_query_store(store, text, parameters(text)).to_json())
    if "boolean" in reference:
        assert fast == reference
        return

    def rows(answer: dict[str, Any]) -> list[str]:
        return sorted(json.dumps(b, sort_keys=True) for b in answer["results"]["bindings"])

    assert rows(fast) == rows(reference)
