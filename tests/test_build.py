"""The pipeline end to end: golden output, determinism, atomic writes, CLI exit codes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

import kg
from kg.cli import main
from kg.io import Format

GOLDEN = Path(__file__).resolve().parent / "fixtures" / "golden"


def golden_build() -> kg.Build:
    return kg.build(GOLDEN / "seeds", sources_dir=GOLDEN / "sources")


@pytest.mark.parametrize("fmt", [Format.TURTLE, Format.TRIG])
def test_golden_output(fmt: Format) -> None:
    """The Turtle and TriG of a small corpus that uses every class are exactly as committed.

    Regenerate after an intended change with:
    kg build tests/fixtures/golden/seeds -o tests/fixtures/golden/expected \
        --sources tests/fixtures/golden/sources --format ttl --format trig
    """
    expected = (GOLDEN / "expected" / f"graph.{fmt.value}").read_bytes()
    assert golden_build().serialise(fmt) == expected


def test_golden_corpus_conforms_and_covers_every_class() -> None:
    result = golden_build()
    assert result.report is not None
    assert result.report.results == ()
    classes = {str(o) for o in result.graph().objects(None, kg.PREFIXES["rdf"].type)}
    from kg.models import MAPPED_MODELS

    for model in MAPPED_MODELS:
        assert str(model.rdf_type) in classes, model.__name__  # type: ignore[attr-defined]


def test_seed_graph_covers_every_domain_class(seed_build: kg.Build) -> None:
    """At least one real extraction exercises every class the mappers emit."""
    from kg.models import MAPPED_MODELS

    classes = {str(o) for o in seed_build.graph().objects(None, kg.PREFIXES["rdf"].type)}
    missing = [m.__name__ for m in MAPPED_MODELS if str(m.rdf_type) not in classes]  # type: ignore[attr-defined]
    assert missing == []


def _build_in_subprocess(out: Path, seed: str) -> None:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    formats = [arg for fmt in Format for arg in ("--format", fmt.value)]
    subprocess.run(
        [
            sys.executable,
            "-m",
            "kg.cli",
            "build",
            str(GOLDEN / "seeds"),
            "-o",
            str(out),
            "-q",
            *formats,
        ],
        check=True,
        env=env,
    )


def test_builds_are_byte_identical_across_processes(tmp_path: Path) -> None:
    """Same input, different hash seeds and processes: byte-identical files in every format."""
    _build_in_subprocess(tmp_path / "a", "1")
    _build_in_subprocess(tmp_path / "b", "2")
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "b").iterdir())
    assert len(names) == len(Format) + 2  # every format, the source map and the manifest
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


@pytest.mark.parametrize("fmt", list(Format))
def test_every_format_parses_back_to_the_same_graph(fmt: Format) -> None:
    result = golden_build()
    data = result.serialise(fmt)
    if fmt in {Format.TRIG, Format.NQUADS}:
        parsed = Dataset()
        parsed.parse(data=data, format={"trig": "trig", "nq": "nquads"}[fmt.value])
        expected = result.dataset()
        for graph in expected.graphs():
            if len(graph):
                assert isomorphic(parsed.graph(graph.identifier), graph), graph.identifier
    else:
        parsed_graph = Graph()
        parsed_graph.parse(
            data=data, format={"ttl": "turtle", "nt": "nt", "jsonld": "json-ld"}[fmt.value]
        )
        assert isomorphic(parsed_graph, result.graph())


def test_every_fact_links_to_evidence_and_source() -> None:
    graph = golden_build().graph()
    facts = set(graph.subjects(kg.PREFIXES["prov"].wasDerivedFrom, None))
    # 2 unnamed agents, 2 events, 1 name, 2 roles, 1 election, 1 vote, 3 actions, 1 change,
    # 1 composition, 2 claims
    assert len(facts) == 16
    for fact in facts:
        assert (fact, kg.KG.evidence, None) in graph, fact


def test_base_iri_is_configurable() -> None:
    result = kg.build(GOLDEN / "seeds", base="https://example.org/data/", run_validation=False)
    subjects = {str(s) for s in result.graph().subjects()}
    assert all(s.startswith("https://example.org/data/") for s in subjects)


def test_one_named_graph_per_source_plus_registry() -> None:
    dataset = golden_build().dataset()
    names = sorted(str(g.identifier) for g in dataset.graphs() if len(g))
    assert names == [f"{kg.DEFAULT_BASE}graph/harbour-report", f"{kg.DEFAULT_BASE}graph/registry"]


# --------------------------------------------------------------------- CLI


def _copy_golden(tmp_path: Path) -> Path:
    seeds = tmp_path / "seeds"
    shutil.copytree(GOLDEN / "seeds", seeds)
    return seeds


def test_cli_build_clean_exits_0_and_writes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code = main(
        [
            "build",
            str(GOLDEN / "seeds"),
            "-o",
            str(out),
            "--sources",
            str(GOLDEN / "sources"),
            "--json",
            "-q",
        ]
    )
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["conforms"] is True
    assert sorted(p.name for p in out.iterdir()) == [
        "graph.build.json",
        "graph.sourcemap.json",
        "graph.trig",
        "graph.ttl",
    ]


def _golden_with_wrong_winner(tmp_path: Path) -> tuple[Path, Path]:
    """The golden corpus, loading fine, but whose declared winner has no candidacy:
    a SHACL-SPARQL violation. Returns the seeds directory and its document file."""
    seeds = _copy_golden(tmp_path)
    report = seeds / "report.yaml"
    report.write_text(report.read_text().replace("winner: bram-osei", "winner: dev-marsh"))
    return seeds, report


def test_cli_build_violation_exits_1_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seeds, _ = _golden_with_wrong_winner(tmp_path)
    out = tmp_path / "out"
    assert main(["build", str(seeds), "-o", str(out), "-q"]) == 1
    assert not out.exists()
    err = capsys.readouterr().err
    assert "report.yaml" in err
    assert "is not one of the election's candidates" in err


def test_cli_build_input_error_exits_2_and_keeps_previous_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seeds = _copy_golden(tmp_path)
    out = tmp_path / "out"
    assert main(["build", str(seeds), "-o", str(out), "-q"]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    report = seeds / "report.yaml"
    report.write_text(report.read_text().replace("    kind: suspension", "    kind: suspensoin"))
    assert main(["build", str(seeds), "-o", str(out), "-q"]) == 2
    err = capsys.readouterr().err
    assert f"{report}:" in err and "did you mean 'suspension'?" in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_cli_validate_traces_results_to_extraction_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seeds, report = _golden_with_wrong_winner(tmp_path)
    out = tmp_path / "out"
    assert main(["build", str(seeds), "-o", str(out), "-q", "--force"]) == 1
    assert main(["validate", str(out / "graph.ttl"), "--json"]) == 1
    results = json.loads(capsys.readouterr().out)["results"]
    winner = [r for r in results if "candidates" in r["message"]]
    assert len(winner) == 1
    line = next(  # the line of the field the rule blames (its ?path), not the election's
        i
        for i, text in enumerate(report.read_text().splitlines(), 1)
        if "winner: dev-marsh" in text
    )
    assert (winner[0]["file"], winner[0]["line"]) == (str(report), line)
    assert winner[0]["label"] == "2021 Harbour Party secretary election"


def test_cli_validate_any_rdf_file_with_other_shapes(tmp_path: Path) -> None:
    data = tmp_path / "data.ttl"
    data.write_text("<urn:a> <urn:p> 1 .\n")
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "<urn:s> a sh:NodeShape ; sh:targetNode <urn:a> ; "
        "sh:property [ sh:path <urn:q> ; sh:minCount 1 ] .\n"
    )
    assert main(["validate", str(data), "--shapes", str(shapes), "-q"]) == 1
    shapes.write_text(shapes.read_text().replace("<urn:q>", "<urn:p>"))
    assert main(["validate", str(data), "--shapes", str(shapes), "-q"]) == 0


def test_cli_query_stats_and_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["build", str(GOLDEN / "seeds"), "-o", str(out), "-q"]) == 0
    capsys.readouterr()
    query = "SELECT ?name WHERE { ?p a foaf:Person ; skos:prefLabel ?name } ORDER BY ?name"
    assert main(["query", query, "-g", str(out / "graph.trig"), "-f", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "name",
        "Ada Quill",
        "Bram Osei",
        "Cora Lind",
        "Dev Marsh",
    ]
    assert main(["stats", str(out / "graph.trig"), "--json"]) == 0
    counts = json.loads(capsys.readouterr().out)
    assert counts["classes"]["foaf:Person"] == 4
    assert set(counts["graphs"]) == {
        f"{kg.DEFAULT_BASE}graph/harbour-report",
        f"{kg.DEFAULT_BASE}graph/registry",
    }
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert "roles" in schema["properties"]


def test_cli_query_param_is_bound_not_spliced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["build", str(GOLDEN / "seeds"), "-o", str(out), "-q"]) == 0
    capsys.readouterr()
    query = "SELECT ?p WHERE { ?p skos:prefLabel ?name }"
    assert (
        main(["query", query, "-g", str(out / "graph.ttl"), "-f", "csv", "-p", "name=Cora Lind"])
        == 0
    )
    assert capsys.readouterr().out.splitlines() == ["p", f"{kg.DEFAULT_BASE}person/cora-lind"]
    hostile = 'x" } UNION { ?p ?q ?name } #'
    assert (
        main(["query", query, "-g", str(out / "graph.ttl"), "-f", "csv", "-p", f"name={hostile}"])
        == 0
    )
    assert capsys.readouterr().out.splitlines() == ["p"]


def test_cli_missing_seeds_dir_is_an_input_error(tmp_path: Path) -> None:
    assert main(["build", str(tmp_path / "nope"), "-o", str(tmp_path / "out"), "-q"]) == 2


@pytest.mark.parametrize(
    ("base", "complaint"),
    [
        ("example.org/id/", "not an absolute IRI"),
        ("https://example.org/a b/", "holds ' '"),
        ('https://example.org/"id"/', "holds '\"'"),
        ("https://example.org/id", "should end with '/' or '#'"),
    ],
)
def test_unusable_base_is_an_input_error(
    base: str, complaint: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A base no IRI can start with stops the build with exit 2 and says why; nothing is written."""
    out = tmp_path / "out"
    assert main(["build", str(GOLDEN / "seeds"), "-o", str(out), "-q", "--base", base]) == 2
    assert complaint in capsys.readouterr().err
    assert not out.exists()


def test_urn_base_is_accepted() -> None:
    result = kg.build(GOLDEN / "seeds", base="urn:kg:", run_validation=False)
    assert any(s.startswith("<urn:kg:person/") for s, _, _, _ in result.mapping.quads)


@pytest.mark.parametrize(
    "name", ["graph.ttl", "graph.trig", "graph.nt", "graph.nq", "graph.jsonld"]
)
def test_cli_validate_reads_every_output_format_alike_on_both_paths(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`kg validate` reads files through Oxigraph for the turbo engine and through rdflib
    for kg's engine; both report the same results, traced to the same extraction lines."""
    seeds, _ = _golden_with_wrong_winner(tmp_path)
    out = tmp_path / "out"
    formats = ["--format", "ttl", "--format", "trig", "--format", "nt", "--format", "nq"]
    build = ["build", str(seeds), "-o", str(out), "-q", "--force", *formats, "--format", "jsonld"]
    assert main(build) == 1
    capsys.readouterr()
    reports = []
    for engine in ("turbo", "kg"):
        path = out / name
        sourcemap = out / "graph.sourcemap.json"
        args = ["validate", str(path), "--engine", engine, "--json", "--sourcemap", str(sourcemap)]
        assert main(args) == 1
        results = json.loads(capsys.readouterr().out)["results"]
        reports.append(
            sorted((r["severity"], r["focus"], r["file"], r["line"], r["label"]) for r in results)
        )
    assert reports[0] == reports[1]
    assert any(row[0] == "violation" and row[3] for row in reports[0])


@pytest.mark.parametrize("engine", ["turbo", "kg"])
@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        ("@prefix ex: <http://e/> .\nex:a ex:b .\n", "cannot read"),
        (None, "no such file"),
    ],
)
def test_cli_validate_unreadable_file_is_an_input_error(
    engine: str,
    content: str | None,
    complaint: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A broken or missing file: exit 2 and one line naming it, never a traceback."""
    path = tmp_path / "broken.ttl"
    if content is not None:
        path.write_text(content)
    assert main(["validate", str(path), "--engine", engine, "-q"]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and complaint in err and "Traceback" not in err
