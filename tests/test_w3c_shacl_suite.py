"""The W3C SHACL test suite through every way kg validates, with every engine.

Each sht:Validate case (121, 7 of which a conforming processor must refuse) runs
through ``kg validate`` (in-process, and a few as real processes), kg.validate
with a file, with text and with an rdflib Graph, and the N-Triples fast path of
``kg build``; the report must equal the expected one as the suite compares them
(:mod:`w3c_shacl`). What an engine knowingly does not pass is listed in KNOWN
with the reason, collected as a strict xfail (so ``-ra`` prints the list, and a
fix that makes one pass fails the run until it is taken off the list).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pyshacl  # noqa: F401 - imported before any capsys: it binds a log handler to stderr
import pytest
from rdflib import Graph
from w3c_shacl import SUITE, Case, Row, cases, rows_of, rows_of_json

import kg
from kg.cli import main
from kg.errors import KgError
from kg.io import read_ntriples
from kg.validation import Engine, ValidationReport, load_shapes, validate_ntriples

if not (SUITE / "tests" / "manifest.ttl").is_file():  # pragma: no cover - CI has ../shared
    pytest.skip(f"no W3C SHACL suite at {SUITE} (set KG_SHACL_SUITE)", allow_module_level=True)

ENGINES = ["turbo", "kg", "pyshacl"]
ENTRY_POINTS = ["cli", "path", "text", "graph", "ntriples"]

# (entry point or "*", engine or "*", case) -> why it is not passed.
_PYSHACL_BOOLEAN = (
    'pyshacl reads sh:uniqueLang "1"^^xsd:boolean as true; SHACL activates the '
    "constraint only for true"
)
_PYSHACL_SHAPES_GRAPH = "pyshacl does not support $shapesGraph in SPARQL constraints"
_RDFLIB_GRAPH = (
    "an rdflib Graph holds normalised literals (rdflib turned the ill-typed values "
    "into valid ones when it parsed them): give kg the file or text to validate "
    "what its author wrote"
)
KNOWN: dict[tuple[str, str, str], str] = {
    ("*", "kg", "core/property/uniqueLang-002"): _PYSHACL_BOOLEAN,
    ("*", "pyshacl", "core/property/uniqueLang-002"): _PYSHACL_BOOLEAN,
    ("*", "kg", "sparql/pre-binding/shapesGraph-001"): _PYSHACL_SHAPES_GRAPH,
    ("*", "pyshacl", "sparql/pre-binding/shapesGraph-001"): _PYSHACL_SHAPES_GRAPH,
    ("graph", "*", "core/property/datatype-001"): _RDFLIB_GRAPH,
    ("graph", "*", "core/property/or-datatypes-001"): _RDFLIB_GRAPH,
    ("ntriples", "pyshacl", "sparql/node/prefixes-001"): (
        "pyshacl does not follow owl:imports for sh:prefixes; from a Turtle file it finds "
        "the prefix among the data graph's own @prefix lines, N-Triples has none"
    ),
}


def known(entry: str, engine: str, name: str) -> str | None:
    for key in ((entry, engine, name), ("*", engine, name), (entry, "*", name)):
        if key in KNOWN:
            return KNOWN[key]
    return None


def _params() -> list[object]:
    params = []
    for entry in ENTRY_POINTS:
        for engine in ENGINES:
            for case in cases():
                reason = known(entry, engine, case.name)
                marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
                name = f"{entry}-{engine}-{case.name}"
                params.append(pytest.param(entry, engine, case, id=name, marks=marks))
    return params


Outcome = tuple[bool, Counter[Row]] | str  # (conforms, rows), or the refusal message


def _library(report: Callable[[], ValidationReport]) -> Outcome:
    try:
        found = report()
    except KgError as exc:
        return str(exc)
    return found.conforms, rows_of(found)


def _run(entry: str, engine: str, case: Case, capsys: pytest.CaptureFixture[str]) -> Outcome:
    if entry == "cli":
        argv = ["validate", str(case.data), "--shapes", str(case.shapes), "--engine", engine]
        code = main([*argv, "--report", "json", "--fail-on", "info", "-q"])
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err
        if code == 2:
            assert err.startswith("kg: "), err
            return err
        report = json.loads(out)
        assert code == (0 if report["conforms"] else 1)  # --fail-on info: any result fails
        return report["conforms"], rows_of_json(report)
    if entry == "path":
        return _library(lambda: kg.validate(case.data, case.shapes, engine=engine))
    if entry == "text":
        text = case.data.read_text(encoding="utf-8")
        return _library(lambda: kg.validate(text, _shapes(case), engine=engine, base_iri=case.base))
    if entry == "graph":
        graph = Graph().parse(str(case.data), format="turtle")  # as a user would make it
        return _library(lambda: kg.validate(graph, _shapes(case), engine=engine))
    text = read_ntriples(case.data)
    assert text is not None
    return _library(lambda: validate_ntriples(text, _shapes(case), engine=Engine(engine)))


def _shapes(case: Case) -> Graph:
    return load_shapes([case.shapes])


@pytest.mark.parametrize(("entry", "engine", "case"), _params())
def test_w3c_case(entry: str, engine: str, case: Case, capsys: pytest.CaptureFixture[str]) -> None:
    outcome = _run(entry, engine, case, capsys)
    if case.failure:
        assert isinstance(outcome, str), "the shapes must be refused"
        assert "cannot be used" in outcome
        return
    assert not isinstance(outcome, str), outcome
    conforms, rows = outcome
    assert (conforms, rows) == (case.conforms, case.expected)


def test_suite_is_complete() -> None:
    """121 cases as the suite's README counts them, 7 of them refusals."""
    assert len(cases()) == 121
    assert sum(c.failure for c in cases()) == 7


SUBPROCESS_CASES = [
    "core/node/class-001",
    "core/property/uniqueLang-002",
    "sparql/node/prefixes-001",
    "sparql/pre-binding/pre-binding-002",
    "sparql/pre-binding/unsupported-sparql-001",
]


@pytest.mark.parametrize("name", SUBPROCESS_CASES)
def test_kg_validate_as_a_process(name: str) -> None:
    """The installed command with its default engine: exit codes as documented (0 no
    results, 1 results at --fail-on, 2 refused shapes) and never a traceback."""
    case = next(c for c in cases() if c.name == name)
    kg_command = Path(sys.executable).with_name("kg")
    completed = subprocess.run(
        [
            *(str(kg_command), "validate", str(case.data), "--shapes", str(case.shapes)),
            *("--report", "json", "--fail-on", "info"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "Traceback" not in completed.stdout + completed.stderr
    if case.failure:
        assert completed.returncode == 2
        assert completed.stderr.startswith("kg: the shapes cannot be used"), completed.stderr
        return
    report = json.loads(completed.stdout)
    assert completed.returncode == (0 if case.conforms else 1)
    assert (report["conforms"], rows_of_json(report)) == (case.conforms, case.expected)
