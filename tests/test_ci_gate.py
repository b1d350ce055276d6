"""The CI gate: every result located where the curator must act, reports written on every
outcome, and report files that the consumers' own schemas accept."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
import yaml
from lxml import etree

import kg
from kg import outcome
from kg.cli import main
from kg.errors import Location
from kg.report import ReportFormat, render
from kg.sarif import artifact_location
from kg.validation import Severity, ValidationReport, ValidationResult, trace

ROOT = Path(__file__).resolve().parent.parent
FORMBY = "https://w3id.org/kg/id/tenure/jennie-formby-official-unite"
STATING = "001_lansman-quits-gen-sec-contest.yaml"
STATED = """  role: official
  status: current
  evidence:
  - quote: Unite official Jennie Formby"""
METHOD = "  method: chosen by the NEC"


def plant(seeds: Path) -> None:
    """Two violations in file 001: an impossible tenure (a fact that file 000, read
    first, corroborates) and an election won by someone who did not stand."""
    path = seeds / STATING
    text = path.read_text(encoding="utf-8")
    assert STATED in text and METHOD in text
    text = text.replace(
        STATED, STATED.replace("current\n", 'current\n  start: "2019"\n  end: "2018"\n')
    )
    text = text.replace(METHOD, METHOD + "\n  winner: iain-mcnicol")
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def planted(tmp_path: Path) -> Path:
    seeds = tmp_path / "seeds"
    shutil.copytree(ROOT / "seeds", seeds)
    plant(seeds)
    return seeds


def line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if needle in line)


def test_a_corroborated_fact_is_traced_to_the_file_that_states_it(planted: Path) -> None:
    report = kg.build(planted).report
    assert report is not None
    [bad] = [r for r in report.results if r.focus == FORMBY]
    assert bad.severity is Severity.VIOLATION
    assert bad.location is not None
    assert Path(bad.location.file).name == STATING
    assert bad.location.line == line_of(planted / STATING, 'end: "2018"')  # the field


def test_the_source_map_keeps_the_line_of_every_field(planted: Path) -> None:
    origins = kg.build(planted, run_validation=False).mapping.origins
    start = origins[f"{FORMBY} https://schema.org/startDate"]
    assert Path(start.file).name == STATING
    assert start.line == line_of(planted / STATING, 'start: "2019"')
    end = trace(FORMBY, origins, "<https://schema.org/endDate>")
    assert end is not None and end.line == start.line + 1
    # no field (or a complex path): the node's own line
    node = trace(FORMBY, origins, None)
    assert node is not None and node.line == start.line - 5
    assert trace(FORMBY, origins, "[ sh:inversePath <x> ]") == node
    assert trace(FORMBY + "/nested", origins) == node
    assert trace("urn:elsewhere", {"x": Location("f")}) is None


# --------------------------------------------------------------------- schemas

SCHEMAS = ROOT.parent / "shared" / "schemas"
SARIF_SCHEMA = SCHEMAS / "sarif-schema-2.1.0.json"
JUNIT_XSD = SCHEMAS / "junit-10.xsd"
URI_REFERENCE = re.compile(r"(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})+")


def check_sarif(text: str) -> dict[str, Any]:
    """The OASIS schema, and what GitHub code scanning requires of an upload."""
    document: dict[str, Any] = json.loads(text)
    if SARIF_SCHEMA.is_file():
        jsonschema = pytest.importorskip("jsonschema")
        schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
        jsonschema.Draft4Validator(schema).validate(document)
    assert document["version"] == "2.1.0"
    [run] = document["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "kg" and driver["version"]
    rules = {rule["id"]: rule for rule in driver["rules"]}
    for rule in rules.values():
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"]
    for result in run["results"]:
        assert result["ruleId"] in rules and result["message"]["text"]
        assert result["partialFingerprints"]
        [location] = result["locations"]
        physical = location["physicalLocation"]
        uri = physical["artifactLocation"]["uri"]
        assert URI_REFERENCE.fullmatch(uri), uri
        assert physical["region"]["startLine"] >= 1
    return document


def check_junit(text: str) -> ET.Element:
    root = ET.fromstring(text.encode("utf-8"))
    if JUNIT_XSD.is_file():
        schema = etree.XMLSchema(etree.parse(str(JUNIT_XSD)))
        schema.assertValid(etree.fromstring(text.encode("utf-8")))
    for element in root.iter("testsuite"):
        assert element.get("errors") is not None and element.get("time") is not None
    return root


def results_at(document: dict[str, Any]) -> dict[str, tuple[str, int]]:
    """Rule id -> (file name, line) of each SARIF result."""
    found = {}
    for result in document["runs"][0]["results"]:
        physical = result["locations"][0]["physicalLocation"]
        name = physical["artifactLocation"]["uri"].rsplit("/", 1)[-1]
        found[result["ruleId"]] = (name, physical["region"]["startLine"])
    return found


# --------------------------------------------------------------------- the example workflow


def test_the_example_workflow_reports_a_failing_build(planted: Path, tmp_path: Path) -> None:
    """Each `run:` step of examples/ci/kg.yml, replayed as the runner would (bash -e,
    steps after a failure only when `if: always()`), leaves JUnit and SARIF files that
    hold both planted violations, each at the line of the field that breaks the rule."""
    workflow = yaml.safe_load((ROOT / "examples" / "ci" / "kg.yml").read_text())
    steps = workflow["jobs"]["build"]["steps"]
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    ran, failed = [], False
    for step in steps:
        script = step.get("run")
        if script is None or "pip install" in script or "git " in script:
            continue  # actions, installing kg (the venv's is used), the base-branch diff
        if failed and "always()" not in str(step.get("if", "")):
            continue
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
        )
        ran.append((script, done.returncode, done.stdout))
        failed = failed or done.returncode != 0
    assert ran and failed, "the planted violations fail the build step"
    annotations = ran[0][2].splitlines()
    assert annotations[0].startswith("::error file=seeds/001_") and len(annotations) > 2
    assert not (tmp_path / "build" / "graph.ttl").exists()
    sarif = check_sarif((tmp_path / "build" / "kg.sarif").read_text(encoding="utf-8"))
    stating = planted / STATING
    shapes = "https://w3id.org/kg/shapes#"
    located = results_at(sarif)
    assert located[shapes + "TenureEndNotBeforeStart"] == (STATING, line_of(stating, 'end: "2018"'))
    assert located[shapes + "WinnerIsCandidate"] == (STATING, line_of(stating, "winner: iain"))
    rules = {r["id"]: r for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    tenure = rules[shapes + "TenureEndNotBeforeStart"]  # described by its message template
    assert tenure["shortDescription"]["text"] == "Tenure ends (end) before it starts (start)."
    junit = check_junit((tmp_path / "build" / "kg-junit.xml").read_text(encoding="utf-8"))
    messages = [f.get("message", "") for f in junit.iter("failure")]
    assert sum(f"{STATING}:" in m for m in messages) == 2


def test_input_problems_are_reported_in_every_file(planted: Path, tmp_path: Path) -> None:
    (planted / STATING).write_text(
        (planted / STATING).read_text().replace("  person: jennie-formby", "  persn: jennie-formby")
    )
    sarif, junit = tmp_path / "kg.sarif", tmp_path / "kg.xml"
    argv = ["build", str(planted), "-q", "--report-file", str(sarif), "--report-file", str(junit)]
    assert main([*argv, "-o", str(tmp_path / "out")]) == 2
    assert not (tmp_path / "out").exists()
    document = check_sarif(sarif.read_text())
    # one rule per problem code: the misspelt key, and the key it leaves missing
    assert set(results_at(document)) == {
        "kg/input-problem/unknown-field",
        "kg/input-problem/missing-field",
    }
    root = check_junit(junit.read_text())
    assert root.get("errors") == "2" and root.get("failures") == "0"


def test_an_up_to_date_build_replays_its_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(ROOT / "seeds", seeds)
    argv = ["build", str(seeds), "-o", str(tmp_path / "out"), "--report", "github"]
    assert main(argv) == 0
    first = capsys.readouterr()
    sarif = tmp_path / "again.sarif"
    assert main([*argv, "--report-file", str(sarif), "--report-file", str(tmp_path / "a.xml")]) == 0
    again = capsys.readouterr()
    assert "up to date" in again.err and "validating" not in again.err
    assert "::warning file=" in again.out
    assert main(argv) == 0
    assert capsys.readouterr().out == first.out
    assert check_sarif(sarif.read_text())["runs"][0]["results"]
    check_junit((tmp_path / "a.xml").read_text())


# --------------------------------------------------------------------- SARIF and JUnit


HAND_MADE = """@prefix ex: <http://example.org/> .
@prefix sh: <http://www.w3.org/ns/shacl#> .

ex:a a ex:C .

ex:b a ex:C ;
    ex:p "x" ;
    ex:q "y" .
"""
BLANK_SHAPES = """@prefix ex: <http://example.org/> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:S a sh:NodeShape ; sh:targetClass ex:C ;
    sh:property [ sh:path ex:p ; sh:minCount 1 ] ;
    sh:property [ sh:path ex:q ; sh:maxCount 0 ; sh:severity sh:Warning ] .
ex:Named a sh:NodeShape ; sh:targetNode ex:a ; sh:class ex:D ;
    sh:name "a is a D" ; rdfs:comment "Everything about a."@en .
"""


@pytest.mark.parametrize("engine", ["turbo", "pyshacl"])
def test_sarif_of_a_graph_without_source_map(
    tmp_path: Path, engine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Untraced results sit in the RDF file at the focus node's line; rules of blank-node
    shapes have the same id in every run and engine, and rules carry the shapes' words."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "my graph.ttl").write_text(HAND_MADE)
    (tmp_path / "shapes.ttl").write_text(BLANK_SHAPES)
    ids = []
    for run in range(2):
        out = tmp_path / f"{run}.sarif"
        argv = ["validate", "my graph.ttl", "--shapes", "shapes.ttl", "--engine", engine]
        assert main([*argv, "--report-file", str(out), "-q"]) == 1
        document = check_sarif(out.read_text())
        results = document["runs"][0]["results"]
        ids.append(sorted(r["ruleId"] for r in results))
    assert ids[0] == ids[1] and not any("_:" in i for i in ids[0])
    locations = {
        (r["properties"]["focusNode"], r["ruleId"]): r["locations"][0]["physicalLocation"]
        for r in results
    }
    named = locations["http://example.org/a", "http://example.org/Named"]
    assert named["artifactLocation"] == {"uri": "my%20graph.ttl", "uriBaseId": "%SRCROOT%"}
    assert named["region"]["startLine"] == 4
    assert {loc["region"]["startLine"] for (focus, _), loc in locations.items()} == {4, 6}
    rules = {r["id"]: r for r in document["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["http://example.org/Named"]["shortDescription"]["text"] == "a is a D."
    assert rules["http://example.org/Named"]["fullDescription"]["text"] == "Everything about a."
    anonymous = [r for i, r in rules.items() if i.startswith("shape/")]
    assert {r["name"] for r in anonymous} == {
        "MinCountConstraintComponent",
        "MaxCountConstraintComponent",
    }


def test_sarif_fingerprints_survive_line_shifts() -> None:
    def report(line: int) -> ValidationReport:
        return ValidationReport((sample(Severity.VIOLATION, Location("seeds/a b.yaml", line, 3)),))

    one, two = (json.loads(render(report(n), ReportFormat.SARIF)) for n in (10, 42))
    fingerprints = [d["runs"][0]["results"][0]["partialFingerprints"] for d in (one, two)]
    assert fingerprints[0] == fingerprints[1]
    assert one["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 10,
        "endLine": 10,
        "startColumn": 3,
    }
    check_sarif(render(report(1), ReportFormat.SARIF))


def test_sarif_uris_are_valid_references() -> None:
    assert artifact_location("seeds/a b#1.yaml") == {
        "uri": "seeds/a%20b%231.yaml",
        "uriBaseId": "%SRCROOT%",
    }
    assert artifact_location("c:odd.yaml")["uri"] == "c%3Aodd.yaml"  # not a scheme
    outside = artifact_location("/nowhere/x é.yaml")
    assert outside == {"uri": "file:///nowhere/x%20%C3%A9.yaml"}
    inside = artifact_location(str(Path.cwd() / "seeds" / "x.yaml"))
    assert inside == {"uri": "seeds/x.yaml", "uriBaseId": "%SRCROOT%"}


def sample(severity: Severity, location: Location | None, label: str = "A B") -> ValidationResult:
    return ValidationResult(
        severity=severity,
        focus="https://w3id.org/kg/id/tenure/a-b",
        path="<https://schema.org/startDate>",
        message="Bad",
        shape="<https://w3id.org/kg/shapes#TenureEndNotBeforeStart>",
        component="<http://www.w3.org/ns/shacl#SPARQLConstraintComponent>",
        value='"2018"',
        focus_label=label,
        location=location,
    )


def test_junit_is_valid_with_stable_case_names() -> None:
    results = [sample(s, Location("seeds/x.yaml", n, 1)) for n, s in enumerate(Severity, 3)]
    shifted = [
        replace(r, location=Location("seeds/x.yaml", (r.location.line or 0) + 9, 1))
        for r in results
    ]
    names = []
    for found in (results, shifted):
        root = check_junit(render(ValidationReport(tuple(found)), ReportFormat.JUNIT))
        names.append([c.get("name") for c in root.iter("testcase")])
        failure = next(root.iter("failure"))
        assert failure.get("message", "").startswith("seeds/x.yaml:")
    assert names[0] == names[1]
    check_junit(render(ValidationReport(), ReportFormat.JUNIT))
    untraced = ValidationReport((sample(Severity.INFO, None),))
    check_junit(render(untraced, ReportFormat.JUNIT))


# --------------------------------------------------------------------- CI logs


HOSTILE = "Evil\n::error file=x::owned\r\n##[error]owned ##[set-output name=a]b"


def runner_commands(text: str) -> list[str]:
    """What GitHub's runner would act on: lines starting (after spaces) with '::', and
    '##[' anywhere."""
    return [line for line in text.splitlines() if line.lstrip().startswith("::") or "##[" in line]


@pytest.mark.parametrize("fmt", list(ReportFormat))
def test_no_runner_commands_from_data(
    fmt: ReportFormat, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    graph = tmp_path / "g.ttl"
    escaped = HOSTILE.replace("\n", "\\n").replace("\r", "\\r")
    graph.write_text(
        f'<urn:x:a> a <urn:x:C> ; <http://www.w3.org/2004/02/skos/core#prefLabel> "{escaped}" .\n'
    )
    shapes = tmp_path / "s.ttl"
    shapes.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        '<urn:x:S> a sh:NodeShape ; sh:targetClass <urn:x:C> ; sh:class <urn:x:D> ; sh:message "'
        + escaped
        + '" .\n'
    )
    assert main(["validate", str(graph), "--shapes", str(shapes), "--report", fmt.value]) == 1
    out = capsys.readouterr().out
    commands = runner_commands(out)
    if fmt is ReportFormat.GITHUB:
        assert len(commands) == 1 and commands[0].startswith("::error file=")
        assert "%0A" in commands[0]
    else:
        assert commands == []
    if fmt in (ReportFormat.JSON, ReportFormat.SARIF):
        assert "Evil\n::error" in json.dumps(json.loads(out), ensure_ascii=False).replace(
            "\\n", "\n"
        )
    if fmt is ReportFormat.JUNIT:
        check_junit(out)


def test_annotations_most_severe_first_and_what_the_runner_drops() -> None:
    results = [sample(Severity.INFO, Location("a.yaml", n)) for n in range(1, 4)]
    results += [sample(Severity.VIOLATION, Location("z.yaml", n)) for n in range(1, 13)]
    lines = render(ValidationReport(tuple(results)), ReportFormat.GITHUB).splitlines()
    assert [line.split(" ", 1)[0] for line in lines[:13]] == ["::error"] * 12 + ["::notice"]
    assert lines[-1].startswith("GitHub shows 10 annotations of each kind per step: 2 violations")
    few = render(ValidationReport(tuple(results[:3])), ReportFormat.GITHUB).splitlines()
    assert not few[-1].startswith("GitHub shows")


def test_untraced_results_are_placed_at_the_focus_line(tmp_path: Path) -> None:
    turtle = tmp_path / "g.ttl"
    turtle.write_text(
        "@prefix ex: <http://example.org/id/> .\n\nex:other ex:p ex:a .\nex:a ex:p 1 .\n"
    )
    report = ValidationReport(
        tuple(
            replace(sample(Severity.VIOLATION, None), focus=focus)
            for focus in ("http://example.org/id/a", "http://example.org/id/other", "n1b2")
        )
    )
    placed = outcome.place_in_rdf(report, turtle, "g.ttl")
    assert [r.location for r in placed.results] == [
        Location("g.ttl", 4),
        Location("g.ttl", 3),
        Location("g.ttl", 1),
    ]


# --------------------------------------------------------------------- hooks


HOOKS = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}


def hook_argv(hook_id: str, *extra: str) -> list[str]:
    hook = HOOKS[hook_id]
    return [*shlex.split(hook["entry"])[1:], *extra]


def test_kg_check_takes_the_extraction_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "data" / "extractions"
    shutil.copytree(ROOT / "tests" / "fixtures" / "golden" / "seeds", folder)
    monkeypatch.chdir(tmp_path)
    assert HOOKS["kg-check"]["args"] == ["seeds"]  # the default a repository overrides
    assert main(hook_argv("kg-check", "data/extractions")) == 0
    assert not (tmp_path / "build").exists()
    plant_into = tmp_path / "seeds"
    shutil.copytree(ROOT / "seeds", plant_into)
    plant(plant_into)
    assert main(hook_argv("kg-check", "seeds")) == 1


def test_kg_validate_names_the_file_of_each_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    bad = "@prefix kg: <https://w3id.org/kg/ns#> .\n\n<https://example.org/e> a kg:Election .\n"
    Path("one.ttl").write_text(bad)
    rdf_type = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    Path("two.nt").write_text(
        f"<https://example.org/f> {rdf_type} <https://w3id.org/kg/ns#Election> .\n"
    )
    assert main(hook_argv("kg-validate", "one.ttl", "two.nt")) == 1
    out = capsys.readouterr().out.splitlines()
    assert "one.ttl" in out and "two.nt" in out
    assert any(line.startswith("  3:") for line in out[out.index("one.ttl") :])
    assert any(line.startswith("  1:") for line in out[out.index("two.nt") :])


def test_a_build_result_with_no_extraction_sits_in_the_registry(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "registry.yaml").write_text("people: []\n")
    report = ValidationReport((sample(Severity.VIOLATION, None),))
    placed = outcome.place(report, Location((seeds / "registry.yaml").as_posix(), 1))
    assert placed.results[0].location == Location((seeds / "registry.yaml").as_posix(), 1)
    assert outcome.place(placed, Location("elsewhere")) is placed


@pytest.mark.parametrize("as_json", [False, True])
def test_kg_diff_of_a_pull_request_prints_no_runner_commands(
    tmp_path: Path, as_json: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    """The example workflow prints `kg diff` of a pull request's graph to the log."""
    old, new = tmp_path / "old.ttl", tmp_path / "new.ttl"
    label = "<urn:x:a> <http://www.w3.org/2004/02/skos/core#prefLabel>"
    old.write_text(f'{label} "A" .\n')
    new.write_text(f'{label} """{HOSTILE}""" .\n')
    assert main(["diff", str(old), str(new), *(["--json"] if as_json else [])]) == 1
    out = capsys.readouterr().out
    assert runner_commands(out) == []
    assert "owned" in out


def test_input_problems_print_no_runner_commands(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(ROOT / "tests" / "fixtures" / "golden" / "seeds", seeds)
    report = seeds / "report.yaml"
    report.write_text(report.read_text() + '"##[error]x\\n::error::y": 1\n')
    for extra in ([], ["--json"]):
        assert main(["build", str(seeds), "--dry-run", "-q", *extra]) == 2
        captured = capsys.readouterr()
        assert "error]x" in captured.out + captured.err
        assert runner_commands(captured.out) == runner_commands(captured.err) == []
