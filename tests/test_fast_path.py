"""The build's fast path: labels from statements, validation started in the background,
builds that drop the corpus, document files parsed in worker processes, memory handed
back, and ``kg build -j``.

Each shortcut must give exactly what the plain path gives: the same report, the same
bytes, the same documents and problems in the same order.
"""

from __future__ import annotations

import itertools
import json
import platform
import shutil
import sys
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib import namespace as rdfns

import kg
from kg import load, ntriples
from kg.cache import LoadCache
from kg.cli import main
from kg.io import Format
from kg.load import PARALLEL_MIN_FILES, discover, load_documents
from kg.memory import release_free_memory
from kg.validation import (
    Engine,
    PendingValidation,
    StatementLabels,
    ValidationReport,
    start_validation,
    validate,
    validate_ntriples,
)

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import synth  # noqa: E402

GOLDEN = Path(__file__).resolve().parent / "fixtures" / "golden"

Statement = tuple[str, str, str]
Row = tuple[Any, ...]

LABEL_PREDICATES = [
    ntriples.iri(str(rdfns.SKOS.prefLabel)),
    ntriples.iri(str(rdfns.RDFS.label)),
    ntriples.iri(str(rdfns.DCTERMS.title)),
    ntriples.iri(str(rdfns.FOAF.name)),
]
"""The label predicates, most preferred first."""

ALICE = "http://example.org/alice"
TYPE = ntriples.iri(str(rdfns.RDF.type))
PERSON = ntriples.iri(str(rdfns.FOAF.Person))


# --------------------------------------------------------------------- labels


def test_statement_labels_prefer_skos_rdfs_dcterms_foaf_in_any_order() -> None:
    """Whichever label predicates a node has, and in whatever order its statements come,
    the most preferred one names it."""
    subject = ntriples.iri(ALICE)
    for size in range(1, len(LABEL_PREDICATES) + 1):
        for chosen in itertools.combinations(LABEL_PREDICATES, size):
            best = min(chosen, key=LABEL_PREDICATES.index)
            for order in itertools.permutations(chosen):
                statements = [(subject, TYPE, PERSON)]
                statements += [(subject, p, ntriples.literal(f"by {p}")) for p in order]
                statements.append((subject, ntriples.iri("http://example.org/p"), '"noise"'))
                labels = StatementLabels(statements)
                assert labels(URIRef(ALICE)) == f"by {best}", order


def test_statement_labels_read_the_literal_text() -> None:
    """A label is the literal's text: escapes undone, language tag and datatype dropped."""
    text = 'Zoë "Z" \\ \U0001f600\n'
    labels = StatementLabels(
        [
            (ntriples.iri(ALICE), LABEL_PREDICATES[0], ntriples.literal(text, language="en-GB")),
            (ntriples.iri("http://example.org/b"), LABEL_PREDICATES[1], ntriples.literal("7")),
        ]
    )
    assert labels(URIRef(ALICE)) == text
    assert labels(URIRef("http://example.org/b")) == "7"


def test_statement_labels_none_without_a_label_or_for_a_non_iri() -> None:
    """No label, no name; literals and blank nodes are never named, even when a statement
    about the blank node gives it a label."""
    subject = ntriples.iri(ALICE)
    labels = StatementLabels(
        [
            (subject, TYPE, PERSON),
            (subject, ntriples.iri("http://example.org/knows"), "_:b0"),
            ("_:b0", LABEL_PREDICATES[0], '"Blank"'),
            (ntriples.iri("http://example.org/bob"), LABEL_PREDICATES[3], '"Bob"'),
        ]
    )
    assert labels(URIRef(ALICE)) is None
    assert labels(URIRef("http://example.org/nobody")) is None
    assert labels(BNode("b0")) is None
    assert labels(Literal("Bob")) is None
    assert labels(Literal(ALICE)) is None
    assert labels(URIRef("http://example.org/bob")) == "Bob"


def test_statement_labels_index_lazily_and_once() -> None:
    """Statements may come from a generator: nothing is read until a label is asked for,
    then they are read once, however many labels are asked for after."""
    subject = ntriples.iri(ALICE)
    given = [
        (subject, TYPE, PERSON),
        (subject, LABEL_PREDICATES[2], '"Title"'),
        (ntriples.iri("http://example.org/bob"), LABEL_PREDICATES[1], '"Bob"'),
    ]
    read: list[Statement] = []
    passes: list[int] = []

    def statements() -> Iterator[Statement]:
        passes.append(1)
        for statement in given:
            read.append(statement)
            yield statement

    labels = StatementLabels(statements())
    assert read == [] and passes == []
    for _ in range(5):
        assert labels(URIRef(ALICE)) == "Title"
        assert labels(URIRef("http://example.org/bob")) == "Bob"
        assert labels(URIRef("http://example.org/nobody")) is None
    assert read == given
    assert passes == [1]


# --------------------------------------------------------------------- validation


def copy_golden(tmp_path: Path) -> Path:
    """A writable copy of the golden seeds."""
    seeds = tmp_path / "seeds"
    shutil.copytree(GOLDEN / "seeds", seeds)
    return seeds


def golden_with_violations(tmp_path: Path) -> Path:
    """The golden corpus, loading fine, whose declared winner has no candidacy: a
    SHACL-SPARQL violation."""
    seeds = copy_golden(tmp_path)
    report = seeds / "report.yaml"
    text = report.read_text(encoding="utf-8")
    assert "winner: bram-osei" in text
    report.write_text(text.replace("winner: bram-osei", "winner: dev-marsh"), encoding="utf-8")
    return seeds


ELECTION = "https://w3id.org/kg/id/election/harbour-secretary-election-2021"
ELECTION_LABEL = 'Élection « 2021 » \U0001f600 "quoted" \\ back'
"""A label the ASCII text given to the engines holds only as ``\\u`` and ``\\U`` escapes."""


@pytest.fixture(scope="module")
def violating_quads(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str, str, str]]:
    """The quads of that corpus, less every person's skos:prefLabel: SHACL Core violations
    (sh:minCount) beside the SPARQL one, whose focus node gets a non-ASCII label."""
    seeds = golden_with_violations(tmp_path_factory.mktemp("violations"))
    quads = kg.build(seeds, run_validation=False).mapping.quads
    election = (ntriples.iri(ELECTION), LABEL_PREDICATES[0])
    assert any(q[:2] == election for q in quads)
    return [
        (s, p, ntriples.literal(ELECTION_LABEL), g) if (s, p) == election else (s, p, o, g)
        for s, p, o, g in quads
        if not (p == LABEL_PREDICATES[0] and "/person/" in s)
    ]


def rows(report: ValidationReport) -> list[Row]:
    """What engines must agree on; messages are worded by each engine its own way."""
    found = [(r.severity, r.focus, r.path, r.shape, r.component) for r in report.results]
    return sorted(found, key=repr)


@pytest.mark.parametrize("engine", [Engine.TURBO, Engine.KG])
def test_start_validation_gives_the_report_of_validate_ntriples(
    engine: Engine, violating_quads: list[tuple[str, str, str, str]]
) -> None:
    """The pending report is made once, and is the report of validating the same text in
    one call, of validating the same graph through rdflib, and of naming focus nodes from
    the statements rather than the text."""
    data = ntriples.ascii_document(violating_quads)
    pending = start_validation(data, engine=engine)
    assert isinstance(pending, PendingValidation)
    report = pending.result()
    assert pending.result() is report
    components = {r.component for r in report.results}
    assert "<http://www.w3.org/ns/shacl#SPARQLConstraintComponent>" in components
    assert "<http://www.w3.org/ns/shacl#MinCountConstraintComponent>" in components
    assert report.results == validate_ntriples(data, engine=engine).results
    graph = Graph().parse(data=data, format="nt")
    assert rows(report) == rows(validate(graph, engine=engine))
    labels = StatementLabels((s, p, o) for s, p, o, _ in violating_quads)
    assert start_validation(data, engine=engine, labels=labels).result() == report
    assert {r.focus: r.focus_label for r in report.results}[ELECTION] == ELECTION_LABEL


def test_engines_agree_on_the_pending_report(
    violating_quads: list[tuple[str, str, str, str]],
) -> None:
    """The fast engine (pyshacl-turbo plus Oxigraph) and kg's engine report the same
    results on the same text."""
    data = ntriples.ascii_document(violating_quads)
    turbo = start_validation(data, engine=Engine.TURBO)
    ours = start_validation(data, engine=Engine.KG)
    assert rows(turbo.result()) == rows(ours.result())


@pytest.mark.parametrize("engine", [Engine.TURBO, Engine.KG])
def test_start_validation_on_the_conforming_golden_corpus(engine: Engine) -> None:
    """The golden corpus, given as ASCII N-Triples with repeats, conforms on the fast path."""
    quads = kg.build(GOLDEN / "seeds", run_validation=False).mapping.quads
    data = ntriples.ascii_document(quads + quads)
    pending = start_validation(data, engine=engine)
    assert pending.result() is pending.result()
    assert pending.result().results == ()
    assert validate_ntriples(data, engine=engine).results == ()


THING_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
ex:ThingShape a sh:NodeShape ; sh:targetClass ex:Thing ;
    sh:property [ sh:path ex:needed ; sh:minCount 1 ] .
"""


@pytest.mark.parametrize("engine", [Engine.TURBO, Engine.KG])
def test_focus_nodes_with_non_ascii_iris_are_named_from_ascii_text(engine: Engine) -> None:
    """Given ASCII text, as recommended, a report still names a focus node whose IRI and
    label are not ASCII (labels looked up in the text itself)."""
    shapes = Graph().parse(data=THING_SHAPES, format="turtle")
    thing, label = "http://example.org/caf\u00e9/\U0001f600", "Café \U0001f600"
    quads = [
        (ntriples.iri(thing), TYPE, ntriples.iri("http://example.org/Thing"), "<g>"),
        (ntriples.iri(thing), LABEL_PREDICATES[0], ntriples.literal(label), "<g>"),
    ]
    report = start_validation(ntriples.ascii_document(quads), shapes, engine=engine).result()
    assert [(r.focus, r.focus_label) for r in report.results] == [(thing, label)]


# --------------------------------------------------------------------- keep_corpus


def test_build_without_the_corpus_gives_the_same_graph_and_report(tmp_path: Path) -> None:
    """``keep_corpus=False`` drops the models and changes nothing else: the same Turtle and
    TriG bytes, the same SHACL results."""
    seeds = golden_with_violations(tmp_path)
    kept = kg.build(seeds, keep_corpus=True)
    dropped = kg.build(seeds, keep_corpus=False)
    assert kept.corpus is not None
    assert dropped.corpus is None
    for fmt in (Format.TURTLE, Format.TRIG):
        assert dropped.serialise(fmt) == kept.serialise(fmt), fmt
    assert kept.report is not None and dropped.report is not None
    assert kept.report.results != ()
    assert dropped.report.results == kept.report.results


def test_build_without_the_corpus_of_the_golden_seeds_is_golden() -> None:
    """... and the conforming golden corpus still builds its committed files."""
    result = kg.build(GOLDEN / "seeds", sources_dir=GOLDEN / "sources", keep_corpus=False)
    assert result.corpus is None
    for fmt in (Format.TURTLE, Format.TRIG):
        expected = (GOLDEN / "expected" / f"graph.{fmt.value}").read_bytes()
        assert result.serialise(fmt) == expected, fmt
    assert result.report is not None and result.report.results == ()


# --------------------------------------------------------------------- parallel loading


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic corpus just big enough for parallel loading (~0.2 s to write)."""
    out = tmp_path_factory.mktemp("synthetic") / "corpus"
    synth.generate(out, PARALLEL_MIN_FILES, seed=11)
    return out


def document_paths(seeds: Path) -> list[Path]:
    """The document files of a seeds directory, in the order kg loads them."""
    _, paths = discover(seeds)
    return paths


def positions(document: load.Loaded[Any]) -> list[str]:
    """A document's positions, comparable whether decoded or still pending."""
    return sorted(json.dumps(entry) for entry in document.positions.encode())


def assert_same_documents(ours: list[load.Loaded[Any]], reference: list[load.Loaded[Any]]) -> None:
    """Same files in the same order, equal models, the same positions found for values."""
    assert [d.path for d in ours] == [d.path for d in reference]
    assert [d.display for d in ours] == [d.display for d in reference]
    for mine, theirs in zip(ours, reference, strict=True):
        assert mine.model == theirs.model, mine.display
        assert positions(mine) == positions(theirs), mine.display
        encoded = theirs.positions.encode()
        sample = [tuple(path) for path, _, _ in encoded[:: max(1, len(encoded) // 7)]]
        for value_path in [*sample, ("roles", 0, "evidence", 0, "quote"), ("no-such-field",)]:
            assert mine.positions.find(value_path) == theirs.positions.find(value_path)


class CountingPool(ProcessPoolExecutor):
    """The real pool, counting how often one is made."""

    made = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        CountingPool.made += 1
        super().__init__(*args, **kwargs)


def test_parallel_loading_gives_the_serial_documents(
    synthetic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With two worker processes, the documents (models and positions) are those of one
    process, in the same order."""
    paths = document_paths(synthetic)
    assert len(paths) >= PARALLEL_MIN_FILES
    serial, serial_problems = load_documents(paths, cache=None, jobs=1)
    CountingPool.made = 0
    monkeypatch.setattr(load, "ProcessPoolExecutor", CountingPool)
    parallel, parallel_problems = load_documents(paths, cache=None, jobs=2)
    assert CountingPool.made == 1, "two jobs on this many files must use worker processes"
    assert serial_problems == parallel_problems == []
    assert len(serial) == len(paths)
    assert_same_documents(parallel, serial)


def test_parallel_loading_reports_problems_in_file_order(tmp_path: Path) -> None:
    """Broken files in different workers' chunks: the same problems as serial loading, in
    file order, each with its line; the other files still load."""
    seeds = tmp_path / "corpus"
    synth.generate(seeds, PARALLEL_MIN_FILES, seed=11)
    paths = document_paths(seeds)
    syntax, unknown = paths[9], paths[len(paths) - 40]
    syntax.write_text("source:\n  id: broken\nkey: [unclosed\n", encoding="utf-8")
    text = unknown.read_text(encoding="utf-8").rstrip("\n") + "\ncolour: red\n"
    unknown.write_text(text, encoding="utf-8")
    serial, serial_problems = load_documents(paths, cache=None, jobs=1)
    parallel, parallel_problems = load_documents(paths, cache=None, jobs=2)
    assert parallel_problems == serial_problems
    assert [p.location.file for p in parallel_problems] == [str(syntax), str(unknown)]
    assert all(p.location.line is not None for p in parallel_problems)
    assert parallel_problems[0].message.startswith("YAML syntax")
    assert parallel_problems[1].message == "unknown field 'colour'"
    assert parallel_problems[1].location.line == text.count("\n")
    assert len(serial) == len(paths) - 2
    assert_same_documents(parallel, serial)


def test_parallel_loading_fills_the_cache(synthetic: Path, tmp_path: Path) -> None:
    """Workers write the cache as one process would: a later serial load reads every file
    from it and gets the same documents."""
    paths = document_paths(synthetic)
    parallel, _ = load_documents(paths, cache=LoadCache(tmp_path), jobs=2)
    assert len(list(tmp_path.glob("*.json"))) == len(paths)
    again = LoadCache(tmp_path)
    cached, problems = load_documents(paths, cache=again, jobs=1)
    assert problems == [] and again.hits == len(paths) and again.misses == 0
    assert_same_documents(cached, parallel)


class NoPool:
    """A process pool that must never be made."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        raise AssertionError("a worker process was started")


def test_few_files_are_loaded_without_worker_processes(
    synthetic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Below PARALLEL_MIN_FILES, jobs > 1 loads in this process (a pool costs more than it
    saves); at the threshold it does start one."""
    paths = document_paths(synthetic)[: PARALLEL_MIN_FILES - 1]
    serial, serial_problems = load_documents(paths, cache=None, jobs=1)
    monkeypatch.setattr(load, "ProcessPoolExecutor", NoPool)
    few, few_problems = load_documents(paths, cache=None, jobs=4)
    assert few_problems == serial_problems == []
    assert_same_documents(few, serial)
    with pytest.raises(AssertionError, match="worker process"):
        load_documents(document_paths(synthetic), cache=None, jobs=4)


def test_parallel_build_maps_the_same_statements(synthetic: Path) -> None:
    """``kg.build(jobs=2)`` maps exactly the statements of ``jobs=1``, in the same order."""
    one = kg.build(synthetic, run_validation=False, jobs=1)
    two = kg.build(synthetic, run_validation=False, jobs=2)
    assert two.mapping.quads == one.mapping.quads
    assert two.mapping.origins == one.mapping.origins


# --------------------------------------------------------------------- memory


def test_release_free_memory_can_be_called_repeatedly() -> None:
    """It answers whether memory could be handed back, the same way every time; on glibc
    it can."""
    first = release_free_memory()
    assert isinstance(first, bool)
    assert [release_free_memory() for _ in range(3)] == [first] * 3
    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        assert first is True


# --------------------------------------------------------------------- CLI


@pytest.mark.parametrize("jobs", ["0", "-1", "two"])
def test_cli_refuses_bad_job_counts(
    jobs: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``-j`` below 1 (or not a number) is a usage error: exit 2, nothing written."""
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exited:
        main(["build", str(GOLDEN / "seeds"), "-o", str(out), "-q", "-j", jobs])
    assert exited.value.code == 2
    assert "-j/--jobs" in capsys.readouterr().err
    assert not out.exists()


def test_cli_builds_the_same_bytes_with_any_job_count(tmp_path: Path) -> None:
    """``kg build -j 2`` writes byte for byte what ``-j 1`` writes: the golden files."""
    built: dict[str, dict[str, bytes]] = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"out-{jobs}"
        arguments = ["build", str(GOLDEN / "seeds"), "--sources", str(GOLDEN / "sources")]
        assert main([*arguments, "-o", str(out), "-q", "-j", jobs]) == 0
        built[jobs] = {name: (out / name).read_bytes() for name in ("graph.ttl", "graph.trig")}
    assert built["2"] == built["1"]
    for name, data in built["1"].items():
        assert data == (GOLDEN / "expected" / name).read_bytes(), name
