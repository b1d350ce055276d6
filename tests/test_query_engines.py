"""Oxigraph (kg query's default) and rdflib (the reference) answer every example query alike."""

from __future__ import annotations

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
