"""kg.query: one call for every form a graph comes in, on both engines, with sized results."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

import kg
from kg.errors import KgError
from kg.query import open_store

PEOPLE = "SELECT ?name WHERE { ?who a foaf:Person ; skos:prefLabel ?name }"
GOLDEN = Path(__file__).resolve().parent / "fixtures" / "golden" / "seeds"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[kg.Build, Path]:
    build = kg.build(GOLDEN, run_validation=False)
    out = tmp_path_factory.mktemp("front-door")
    build.write(out, [kg.Format.TURTLE, kg.Format.TRIG])
    return build, out


def sources(built: tuple[kg.Build, Path]) -> dict[str, Any]:
    build, out = built
    return {
        "turtle path": out / "graph.ttl",
        "trig path (str)": str(out / "graph.trig"),
        "Build": build,
        "rdflib Graph": build.graph(),
        "rdflib Dataset": build.dataset(),
        "pyoxigraph Store": open_store(out / "graph.trig"),
    }


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_every_source_gives_the_same_rows(built: tuple[kg.Build, Path], engine: str) -> None:
    answers = {}
    for name, source in sources(built).items():
        if engine == "rdflib" and isinstance(source, ox.Store):
            with pytest.raises(KgError, match="cannot query Store"):
                kg.query(source, PEOPLE, engine=engine)
            continue
        answers[name] = sorted(str(name) for (name,) in kg.query(source, PEOPLE, engine=engine))
    assert len(set(map(tuple, answers.values()))) == 1, answers
    assert next(iter(answers.values())) == ["Ada Quill", "Bram Osei", "Cora Lind", "Dev Marsh"]


def test_answers_are_sized_iterable_and_truthful(built: tuple[kg.Build, Path]) -> None:
    build, _ = built
    rows = kg.query(build, PEOPLE)
    assert len(rows) == 4 and len(list(rows)) == 4 and rows
    assert rows.dicts()[0].keys() == {"name"}
    empty = kg.query(build, "SELECT ?x WHERE { ?x a kg:NoSuchClass }")
    assert len(empty) == 0 and not empty
    assert kg.query(build, "ASK { ?x a foaf:Person }")
    assert not kg.query(build, "ASK { ?x a kg:NoSuchClass }")
    graph = kg.query(build, "CONSTRUCT { ?x a foaf:Person } WHERE { ?x a foaf:Person }")
    assert len(graph) == 4 and all(len(triple) == 3 for triple in graph)


def test_named_queries_and_parameters(built: tuple[kg.Build, Path]) -> None:
    build, _ = built
    roles = kg.query(build, "person_roles", {"person": "person:bram-osei"})
    assert [str(r["role"]) for r in roles.dicts()] == ["Secretary of the Harbour Party"]
    with pytest.raises(KgError, match="did you mean 'person_roles'"):
        kg.query(build, "person_role")
    with pytest.raises(KgError, match="unknown parameter 'persn'"):
        kg.query(build, "person_roles", {"persn": "person:bram-osei"})


def test_bad_sources_and_engines_are_refused(tmp_path: Path) -> None:
    with pytest.raises(KgError, match="no such graph file"):
        kg.query(tmp_path / "missing.ttl", PEOPLE)
    with pytest.raises(KgError, match="cannot query int"):
        kg.query(42, PEOPLE)
    with pytest.raises(KgError, match="unknown engine"):
        kg.query(tmp_path, PEOPLE, engine="virtuoso")
