"""Query parameters: no silent wrong answers from a typo, an IRI read as text or a position off."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rdflib import Literal, URIRef

import kg
from kg.cli import main
from kg.errors import KgError
from kg.query import open_store, parameter_term, query_variables, run_query, run_query_store

NAMES = "SELECT ?name WHERE { ?person skos:prefLabel ?name }"


@pytest.fixture(scope="module")
def trig(seed_build: kg.Build, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("params")
    seed_build.write(out, [kg.Format.TRIG])
    return out / "graph.trig"


@pytest.fixture(scope="module")
def engines(trig: Path) -> list[tuple[Any, Any]]:
    return [(run_query, kg.read_graph(trig)), (run_query_store, open_store(trig))]


def test_a_misspelt_parameter_is_an_error_naming_the_query_variables(
    engines: list[tuple[Any, Any]],
) -> None:
    for run, graph in engines:
        with pytest.raises(KgError) as raised:
            run(graph, NAMES, {"persn": "person:jon-lansman"})
        message = str(raised.value)
        assert "unknown parameter 'persn'" in message
        assert "did you mean 'person'?" in message
        assert "its variables: name, person" in message


def test_the_cli_exits_2_on_an_unknown_parameter(
    trig: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["query", "person_timeline", "-g", str(trig), "-p", "persn=id:person/x"])
    assert code == 2
    assert "did you mean 'person'?" in capsys.readouterr().err


def test_iris_in_every_spelling_match_and_literals_are_explicit(
    engines: list[tuple[Any, Any]],
) -> None:
    lansman = "https://w3id.org/kg/id/person/jon-lansman"
    for value in (f"<{lansman}>", lansman, "person:jon-lansman", "id:person/jon-lansman"):
        for run, graph in engines:
            rows = run(graph, NAMES, {"person": value}).rows
            assert [str(r[0]) for r in rows] == ["Jon Lansman"], (value, run.__name__)
    by_name = "SELECT ?person WHERE { ?person skos:prefLabel ?name }"
    for run, graph in engines:
        assert len(run(graph, by_name, {"name": '"Jon Lansman"'}).rows) == 1
        assert len(run(graph, by_name, {"name": "Jon Lansman"}).rows) == 1
        assert run(graph, by_name, {"name": '"Jon Lansman"@en'}).rows == ()


XSD = "http://www.w3.org/2001/XMLSchema#"


def test_typed_and_tagged_literals() -> None:
    assert parameter_term('"2018"^^xsd:gYear') == Literal("2018", datatype=URIRef(XSD + "gYear"))
    integer = URIRef(XSD + "integer")
    assert parameter_term(f'"7"^^<{integer}>') == Literal("7", datatype=integer)
    assert parameter_term('"Parti"@fr') == Literal("Parti", lang="fr")
    assert parameter_term('"say \\"no\\""') == Literal('say "no"')
    assert parameter_term("urn:isbn:0451450523") == URIRef("urn:isbn:0451450523")
    assert parameter_term("10:30") == Literal("10:30")
    assert parameter_term("Labour: the party") == Literal("Labour: the party")
    with pytest.raises(KgError, match="unknown prefix 'foo'"):
        parameter_term("foo:bar")


def test_syntax_errors_are_located_in_the_users_text(engines: list[tuple[Any, Any]]) -> None:
    broken = "SELECT ?x WHERE {\n  ?x a kg:Claim .\n  FILTER(?x = ) }"
    for run, graph in engines:
        with pytest.raises(KgError) as raised:
            run(graph, broken)
        message = str(raised.value)
        assert ("3:" in message) or ("line:3" in message), message


NAME = st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True)


@given(st.lists(NAME, min_size=1, max_size=4), st.lists(NAME, max_size=4))
def test_query_variables_ignore_strings_iris_and_comments(
    used: list[str], hidden: list[str]
) -> None:
    body = " ".join(f"?{name} ?p{i} ${name} ." for i, name in enumerate(used))
    decoys = " ".join(f'"?{n}" \'${n}\' <http://e/?{n}> """?{n}\n"""' for n in hidden)
    comments = "".join(f"# ?{n}\n" for n in hidden)
    text = f"{comments}SELECT * WHERE {{ {body} {decoys} }}"
    expected = set(used) | {f"p{i}" for i in range(len(used))}
    assert set(query_variables(text)) == expected
