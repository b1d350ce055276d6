"""What kg validates and how it says it: lexical forms kept from files and text, report
terms that cannot be mistaken for one another, custom severities, SHACL's conforms,
and `kg validate` without tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import SH, XSD

import kg
from kg.cli import main
from kg.report import ReportFormat, render
from kg.shacl_terms import focus_text, path_text, term_text
from kg.validation import Engine, Severity

ENGINES = [e.value for e in Engine if e is not Engine.AUTO]
SHAPES = """@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://ex/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:S a sh:NodeShape ; sh:targetNode ex:a ;
    sh:property [ sh:path ex:n ; sh:datatype xsd:integer ] ,
                [ sh:path [ sh:inversePath ex:m ] ; sh:minCount 1 ; sh:severity ex:Odd ] .
"""
# Python's int() accepts "1_000" and "\u0663", so rdflib (and pyshacl, behind the kg and
# pyshacl engines) takes them for integers: only turbo reports those two.
ILL_TYPED = [
    *(("turbo", v) for v in ("1_000", "\u0663", "1e3", "abc")),
    *((e, v) for e in ("kg", "pyshacl") for v in ("1e3", "abc")),
]


def _data(lexical: str) -> str:
    return f'<http://ex/a> <http://ex/n> "{lexical}"^^<{XSD.integer}> .\n'


@pytest.fixture
def shapes(tmp_path: Path) -> Path:
    path = tmp_path / "shapes.ttl"
    path.write_text(SHAPES, encoding="utf-8")
    return path


@pytest.mark.parametrize(("engine", "lexical"), ILL_TYPED)
def test_files_and_text_keep_the_lexical_form(
    lexical: str, engine: str, shapes: Path, tmp_path: Path
) -> None:
    """rdflib would write "1e3"^^xsd:integer back as it read it only with normalisation
    off; kg reports each value as written."""
    data = tmp_path / "data.nt"
    data.write_text(_data(lexical), encoding="utf-8")
    for given in (data, _data(lexical)):
        report = kg.validate(given, shapes, engine=engine, rdf_format="nt")
        values = {
            r.value
            for r in report.results
            if r.component == term_text(SH.DatatypeConstraintComponent)
        }
        assert values == {f'"{lexical}"^^<{XSD.integer}>'}


def test_a_graph_holds_what_rdflib_made_of_it(shapes: Path) -> None:
    """Documented: an rdflib Graph was normalised when it was parsed."""
    graph = Graph().parse(data=_data("1_000"), format="nt")
    report = kg.validate(graph, shapes)
    assert not any("Datatype" in (r.component or "") for r in report.results)


def test_terms_are_unambiguous() -> None:
    assert focus_text(URIRef("http://ex/a")) == "http://ex/a"
    assert focus_text(BNode("b1")) == "_:b1"
    assert focus_text(Literal("aldi")) == '"aldi"'
    assert term_text(Literal("5", datatype=XSD.integer)) == f'"5"^^<{XSD.integer}>'
    assert term_text(Literal("hi", lang="en")) == '"hi"@en'
    graph = Graph().parse(
        data="""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://ex/> .
        ex:x ex:p1 [ sh:inversePath ex:p ] ; ex:p2 ( ex:p [ sh:zeroOrMorePath ex:q ] ) ;
             ex:p3 [ sh:alternativePath ( ex:p [ sh:inversePath ex:q ] ) ] ;
             ex:p4 [ sh:oneOrMorePath [ sh:inversePath ex:p ] ] .""",
        format="turtle",
    )
    x = URIRef("http://ex/x")
    shown = [path_text(graph, graph.value(x, URIRef(f"http://ex/p{i}"))) for i in range(1, 5)]  # type: ignore[arg-type]
    assert shown == [
        "^<http://ex/p>",
        "(<http://ex/p> / <http://ex/q>*)",
        "(<http://ex/p> | ^<http://ex/q>)",
        "(^<http://ex/p>)+",
    ]


@pytest.mark.parametrize("engine", ENGINES)
def test_custom_severity_survives_and_counts_as_a_violation(engine: str, shapes: Path) -> None:
    report = kg.validate(_data("1"), shapes, engine=engine, rdf_format="nt")
    (odd,) = [r for r in report.results if r.custom_severity]
    assert odd.severity_iri == "<http://ex/Odd>"
    assert odd.severity is Severity.VIOLATION and not report.violation_free
    assert odd.path == "^<http://ex/m>"
    assert "<http://ex/Odd>: http://ex/a" in render(report, ReportFormat.TEXT)
    row = json.loads(render(report, ReportFormat.JSON))["results"][0]
    assert (row["severity"], row["severity_iri"]) == ("violation", "<http://ex/Odd>")
    assert not report.conforms


def test_kg_validate_never_prints_a_traceback(
    shapes: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Odd values with the reference engines, a broken source map, broken shapes."""
    data = tmp_path / "graph.nt"
    data.write_text(
        _data("abc")
        + f'<http://ex/s> <http://www.w3.org/ns/oa#start> "abc"^^<{XSD.nonNegativeInteger}> .\n',
        encoding="utf-8",
    )
    for engine in ENGINES:
        assert main(["validate", str(data), "--engine", engine, "-q"]) == 0
        assert main(["validate", str(data), "--shapes", str(shapes), "--engine", engine]) == 1
    (tmp_path / "graph.sourcemap.json").write_text("[1, 2]", encoding="utf-8")
    assert main(["validate", str(data), "-q"]) == 2
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix ex: <http://ex/> .\nex:a ex:b", encoding="utf-8")
    assert main(["validate", str(data), "--shapes", str(bad)]) == 2
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert "graph.sourcemap.json: not a source map" in err
    assert "bad.ttl: cannot read" in err
